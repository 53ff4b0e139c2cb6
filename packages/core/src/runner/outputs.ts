/**
 * Writes the mix to files, JSONL or Parquet by extension:
 * - `messages`: `{"messages": [...]}` per row, the convention TRL and `datasets` read directly;
 * - `preference`: `{"prompt": [...], "chosen": [...], "rejected": [...]}` per pair of a row's
 *   `meta.pairs` (TRL's conversational preference format: message lists, so the trainer applies the
 *   chat template and multi-turn prompts survive). Rows without a pair are skipped and counted.
 *
 * Files are written to a temporary name and renamed, so a killed run never leaves a half-written output.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from '../db/database.js';
import { identifier, joinSql, rawSql, type SqlFragment, sql } from '../db/sql.js';
import type { OutputSpec } from '../recipe/schema.js';
import { MESSAGES_TYPE } from '../sources/canonical.js';

/** What writing one output did. */
export interface OutputWritten {
  /** Lines written: rows (`messages`) or pairs (`preference`). */
  rows: number;
  /** `preference` only: rows of the mix without a usable pair, left out. */
  skipped?: number;
}

/**
 * The shape of one entry of `meta.pairs`, as steps and adapters write it: the prompt turns, and the
 * chosen and rejected assistant replies as plain strings.
 */
const PAIRS_TYPE = `STRUCT(prompt ${MESSAGES_TYPE}, chosen VARCHAR, rejected VARCHAR)[]`;

/** Writes one output of the recipe from the mix table (order) and the final relation (rows), atomically. */
export async function writeOutput(
  db: Database,
  output: OutputSpec,
  absolutePath: string,
  mixTable: string,
  finalRelation: SqlFragment,
): Promise<OutputWritten> {
  mkdirSync(dirname(absolutePath), { recursive: true });
  const temporary = `${absolutePath}.tmp-${process.pid}`;
  const parquet = absolutePath.toLowerCase().endsWith('.parquet');
  const extra = (output.columns ?? []).map((name) => sql`f.${identifier(name)}`);
  const mix = identifier(mixTable);
  let query: SqlFragment;
  if (output.format === 'preference') {
    // A pair is usable when it has a prompt and both replies; the rest of `meta.pairs` is ignored.
    const pairs = sql`(SELECT m.position, f.*, list_filter(
        TRY_CAST(json_extract(f.meta, '$.pairs') AS ${rawSql(PAIRS_TYPE)}),
        p -> len(p.prompt) > 0 AND p.chosen IS NOT NULL AND p.rejected IS NOT NULL) AS pairs
      FROM ${mix} m JOIN ${finalRelation} f USING (id))`;
    const assistant = (field: string) => rawSql(`[{'role': 'assistant', 'content': pair.${field}}]::${MESSAGES_TYPE}`);
    query = sql`SELECT ${joinSql([sql`pair.prompt AS prompt`, sql`${assistant('chosen')} AS chosen`, sql`${assistant('rejected')} AS rejected`, ...extra])}
      FROM (SELECT *, unnest(pairs) AS pair, unnest(range(len(pairs))) AS k FROM ${pairs} f) f
      ORDER BY f.position, f.k`;
    await copy(db, query, temporary, absolutePath, parquet);
    const counts = await db.one<{ rows: number; skipped: number }>(sql`
      SELECT coalesce(sum(len(pairs)), 0)::INTEGER AS rows, count(*) FILTER (WHERE coalesce(len(pairs), 0) = 0)::INTEGER AS skipped
      FROM ${pairs}`);
    return { rows: counts?.rows ?? 0, skipped: counts?.skipped ?? 0 };
  }
  query = sql`SELECT ${joinSql([sql`f.messages`, ...extra])} FROM ${mix} m JOIN ${finalRelation} f USING (id) ORDER BY m.position`;
  await copy(db, query, temporary, absolutePath, parquet);
  const rows = await db.one<{ rows: number }>(sql`SELECT count(*)::INTEGER AS rows FROM ${mix}`);
  return { rows: rows?.rows ?? 0 };
}

async function copy(db: Database, query: SqlFragment, temporary: string, absolutePath: string, parquet: boolean): Promise<void> {
  const format = parquet ? rawSql('FORMAT parquet, COMPRESSION zstd') : rawSql('FORMAT json');
  try {
    await db.run(sql`COPY (${query}) TO ${temporary} (${format})`.inline());
    renameSync(temporary, absolutePath);
  } finally {
    rmSync(temporary, { force: true });
  }
}
