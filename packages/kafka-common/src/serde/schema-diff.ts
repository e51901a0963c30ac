type Json = unknown;

interface FieldDef {
  name: string;
  type: Json;
  default?: Json;
}

interface RecordDef {
  type: 'record';
  name: string;
  fields: FieldDef[];
}

function isRecord(t: Json): t is RecordDef {
  return typeof t === 'object' && t !== null && (t as { type?: unknown }).type === 'record' && Array.isArray((t as { fields?: unknown }).fields);
}

/** A type with nested records replaced by their names, so a field's own type compares alone. */
function shallow(t: Json): Json {
  if (Array.isArray(t)) return t.map(shallow);
  if (isRecord(t)) return t.name;
  if (typeof t === 'object' && t !== null && 'items' in t) return { ...t, items: shallow((t as { items: Json }).items) };
  return t;
}

/** Every record field in a schema, as "Record.field" → its type (named record references resolved by name). */
function fieldsOf(schema: Json, out = new Map<string, Json>(), named = new Map<string, RecordDef>()): Map<string, Json> {
  const visit = (t: Json): void => {
    if (Array.isArray(t)) {
      for (const member of t) visit(member);
      return;
    }
    if (isRecord(t)) {
      if (named.has(t.name)) return;
      named.set(t.name, t);
      for (const f of t.fields) {
        out.set(`${t.name}.${f.name}`, shallow(f.type));
        visit(f.type);
      }
    } else if (typeof t === 'object' && t !== null) {
      const items = (t as { items?: Json }).items;
      if (items) visit(items);
    }
  };
  visit(schema);
  return out;
}

/** Names the fields whose type changed, and the fields added without a default, between two Avro schemas. */
export function describeSchemaChange(previous: string, next: string): string[] {
  const before = fieldsOf(JSON.parse(previous));
  const after = fieldsOf(JSON.parse(next));
  const changes: string[] = [];
  for (const [path, type] of after) {
    if (!before.has(path)) continue;
    const was = JSON.stringify(before.get(path));
    const now = JSON.stringify(type);
    if (was !== now) changes.push(`field ${path} changed type from ${was} to ${now}`);
  }
  return changes;
}
