// Used by apps/*/Dockerfile: copies a package that the bundle leaves external (e.g. snowflake-sdk),
// with everything it needs at run time, out of bun's isolated store into OUT/node_modules.
//
//   node bun-store-closure.cjs PACKAGE FROM_DIR OUT_DIR
//
// In bun's isolated layout a package lives in node_modules/.bun/<id>/node_modules/<name>, beside
// relative symlinks to its dependencies' store entries (dependencies and optional ones installed;
// never devDependencies). Copying the store entries of the whole closure, symlinks kept, and
// linking OUT/node_modules/PACKAGE to it, gives Node exactly the resolution it has in the workspace.
const fs = require('node:fs');
const path = require('node:path');

const [name, from, out] = process.argv.slice(2);
if (!name || !from || !out) throw new Error('usage: node bun-store-closure.cjs PACKAGE FROM_DIR OUT_DIR');

const storeEntry = (dir) => {
  const marker = `${path.sep}node_modules${path.sep}.bun${path.sep}`;
  const i = dir.lastIndexOf(marker);
  if (i < 0) throw new Error(`${dir} is not in a bun store (node_modules/.bun)`);
  const end = dir.indexOf(path.sep, i + marker.length);
  return end < 0 ? dir : dir.slice(0, end);
};

const entries = new Set();
const visit = (dir) => {
  const entry = storeEntry(dir);
  if (entries.has(entry)) return;
  entries.add(entry);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    const link = path.join(entry, 'node_modules', dep);
    if (fs.existsSync(link)) visit(fs.realpathSync(link)); // absent: an optional dependency not for this platform
  }
};
const root = fs.realpathSync(path.join(from, 'node_modules', name));
visit(root);

const store = path.join(out, 'node_modules', '.bun');
fs.mkdirSync(store, { recursive: true });
for (const entry of entries) fs.cpSync(entry, path.join(store, path.basename(entry)), { recursive: true, verbatimSymlinks: true });
const link = path.join(out, 'node_modules', name);
fs.mkdirSync(path.dirname(link), { recursive: true });
fs.symlinkSync(path.relative(path.dirname(link), path.join(store, path.relative(path.dirname(storeEntry(root)), root))), link);
console.log(`${name}: ${entries.size} store entries`);
