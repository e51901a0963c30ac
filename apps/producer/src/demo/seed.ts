import { qualified } from '@buyonline/source-postgres';
import type { Sql } from 'postgres';
import { type DemoTable, migrateDemo } from './products-table.ts';

const CATEGORIES = ['books', 'garden', 'kitchen', 'toys', 'tools', null] as const;

/** Inserts `rows` demo products in batches of 1,000 (one transaction each). */
export async function seedProducts(sql: Sql, ref: DemoTable, rows: number): Promise<void> {
  const target = qualified(ref.schema, ref.table);
  for (let done = 0; done < rows; done += 1000) {
    const n = Math.min(1000, rows - done);
    await sql.unsafe(
      `insert into ${target} (name, category, price)
       select 'product ' || g, ($1::text[])[1 + g % $2], round((g % 100000) / 7.0, 2)
         from generate_series($3::int, $4::int) g`,
      [CATEGORIES, CATEGORIES.length, done + 1, done + n],
    );
  }
}

/** Updates `count` random products' prices, in `count` transactions (demo traffic). */
export async function touchProducts(sql: Sql, ref: DemoTable, count: number): Promise<void> {
  const target = qualified(ref.schema, ref.table);
  for (let i = 0; i < count; i++) {
    await sql.unsafe(`update ${target} set price = price + 0.01 where id = (select id from ${target} order by random() limit 1)`);
  }
}

/** `seed`: migrates the demo table, inserts `rows` products, then makes `updates` price changes. */
export async function seedDemo(sql: Sql, ref: DemoTable, rows: number, updates: number): Promise<void> {
  await migrateDemo(sql, ref);
  await seedProducts(sql, ref, rows);
  await touchProducts(sql, ref, updates);
}
