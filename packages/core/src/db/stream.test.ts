import { describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { identifier, sql } from './sql.js';

describe('Database.streamCommitted', () => {
  it('yields every row while an appender in an open transaction flushes between batches', async () => {
    const db = await Database.open(':memory:');
    // DuckDB's appender flushes on its own after 204,800 rows; a stream on the same connection would end there.
    await db.run(sql`CREATE TABLE source AS SELECT range AS i, repeat('x', 20) AS t FROM range(300000)`);
    let seen = 0;
    await db.transaction(async () => {
      await db.run(sql`CREATE TEMP TABLE copy (i BIGINT, t VARCHAR)`);
      const writer = await db.columnWriter(identifier('copy'), ['bigint', 'varchar']);
      for await (const [ids, texts] of db.streamCommitted(sql`SELECT i, t FROM source`)) {
        seen += (ids as unknown[]).length;
        writer.append([ids as unknown[], texts as unknown[]], (ids as unknown[]).length);
      }
      writer.close();
      expect(await db.one(sql`SELECT count(*)::INTEGER AS n, count(DISTINCT i)::INTEGER AS d FROM copy`)).toEqual({ n: 300000, d: 300000 });
    });
    expect(seen).toBe(300000);
    db.close();
  });
});
