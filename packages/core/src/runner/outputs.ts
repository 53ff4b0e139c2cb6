/**
 * Writes the mix to files: `messages` format as JSONL (`{"messages": [...]}` per line) or Parquet
 * with a `messages` column, the convention TRL and `datasets` read directly. Files are written to a
 * temporary name and renamed, so a killed run never leaves a half-written output.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from '../db/database.js';
import { identifier, joinSql, rawSql, type SqlFragment, sql } from '../db/sql.js';
import type { OutputSpec } from '../recipe/schema.js';

export async function writeOutput(
  db: Database,
  output: OutputSpec,
  absolutePath: string,
  mixTable: string,
  finalRelation: SqlFragment,
): Promise<number> {
  mkdirSync(dirname(absolutePath), { recursive: true });
  const temporary = `${absolutePath}.tmp-${process.pid}`;
  const parquet = absolutePath.toLowerCase().endsWith('.parquet');
  const columns: SqlFragment[] = [sql`f.messages`, ...(output.columns ?? []).map((name) => sql`f.${identifier(name)}`)];
  const query = sql`SELECT ${joinSql(columns)} FROM ${identifier(mixTable)} m JOIN ${finalRelation} f USING (id) ORDER BY m.position`;
  const format = parquet ? rawSql('FORMAT parquet, COMPRESSION zstd') : rawSql('FORMAT json');
  try {
    await db.run(sql`COPY (${query}) TO ${temporary} (${format})`.inline());
    renameSync(temporary, absolutePath);
  } finally {
    rmSync(temporary, { force: true });
  }
  const rows = await db.one<{ rows: number }>(sql`SELECT count(*)::INTEGER AS rows FROM ${identifier(mixTable)}`);
  return rows?.rows ?? 0;
}
