/**
 * MinHash band index files (datatrove's saved-index idea): a Parquet file with one row per indexed
 * row — `id`, `source`, the band keys `b0…` and the full signature — and the engine config in the
 * file's key-value metadata, so a later run can deduplicate against it only under the same config.
 */
import { renameSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Database, OversightError, type SqlFragment, sql } from '@oversight/core';
import type { MinHashConfig } from './engine.js';

const METADATA_KEY = 'oversight_minhash_index';
/** Bumped when the normalization, shingling or signature scheme changes. */
export const INDEX_FORMAT = 1;

export interface IndexMetadata {
  format: number;
  shingles: string;
  num_perm: number;
  bands: number;
  rows: number;
  seed: number;
}

export function indexMetadata(config: MinHashConfig): IndexMetadata {
  return {
    format: INDEX_FORMAT,
    shingles: `${config.shingles.kind}:${config.shingles.size}`,
    num_perm: config.numPerm,
    bands: config.bands,
    rows: config.rows,
    seed: config.seed,
  };
}

/** Undefined when an index built with `found` can serve a step configured as `expected`, else why not. */
export function sameIndexConfig(found: IndexMetadata, expected: IndexMetadata): string | undefined {
  const keys = ['format', 'shingles', 'num_perm', 'bands', 'rows', 'seed'] as const;
  const differing = keys.filter((key) => found[key] !== expected[key]);
  if (differing.length === 0) return undefined;
  const show = (value: IndexMetadata) => differing.map((key) => `${key} ${value[key]}`).join(', ');
  return `expected an index built with ${show(expected)}, found one built with ${show(found)}`;
}

/** Reads the config stored in an index file; errors say what was expected and found. */
export async function readIndexMetadata(db: Database, path: string): Promise<IndexMetadata> {
  let rows: Array<{ key: string; value: string }>;
  try {
    rows = await db.all<{ key: string; value: string }>(
      sql`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${path})`,
    );
  } catch (error) {
    throw new OversightError(
      'step/bad-index',
      `cannot read MinHash index ${path}: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: 'write one with `dedup/minhash` and `index: <path>`',
      },
    );
  }
  const entry = rows.find((row) => row.key === METADATA_KEY);
  if (!entry) {
    throw new OversightError(
      'step/bad-index',
      `expected a MinHash index written by \`dedup/minhash\` at ${path}, found a Parquet file without its metadata`,
    );
  }
  return JSON.parse(entry.value) as IndexMetadata;
}

/** Writes the index table to `path` (temporary file, then rename: never a half-written index). */
export async function writeIndexFile(db: Database, table: SqlFragment, path: string, metadata: IndexMetadata): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    await db.run(
      sql`COPY (SELECT * FROM ${table}) TO ${temporary} (FORMAT parquet, COMPRESSION zstd, KV_METADATA { ${METADATA_KEY}: ${JSON.stringify(metadata)} })`.inline(),
    );
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
