import { describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { identifier, sql } from './sql.js';

describe('Database.pages', () => {
  it('yields every row even while an appender on the same connection flushes between batches', async () => {
    const db = await Database.open(':memory:');
    // DuckDB's appender flushes on its own after 204,800 rows; an open stream would end there.
    await db.run(sql`CREATE TABLE source AS SELECT range AS i, repeat('x', 20) AS t FROM range(300000)`);
    await db.run(sql`CREATE TABLE copy (i BIGINT, t VARCHAR)`);
    const writer = await db.columnWriter(identifier('copy'), ['bigint', 'varchar']);
    let seen = 0;
    for await (const [ids, texts] of db.pages(sql`SELECT i, t FROM source`, 50000)) {
      seen += (ids as unknown[]).length;
      writer.append([ids as unknown[], texts as unknown[]], (ids as unknown[]).length);
    }
    writer.close();
    expect(seen).toBe(300000);
    expect(await db.one(sql`SELECT count(*)::INTEGER AS n, count(DISTINCT i)::INTEGER AS d FROM copy`)).toEqual({ n: 300000, d: 300000 });
    // The snapshot table is gone afterwards.
    expect(await db.one(sql`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name LIKE '_pages_%'`)).toEqual({ n: 0 });
    db.close();
  });
});
