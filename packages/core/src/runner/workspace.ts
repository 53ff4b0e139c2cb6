/**
 * The workspace: one DuckDB file (default `.oversight/oversight.duckdb` under the working
 * directory) holding canonical tables, step side tables, lineage, quarantine and run history.
 */
import { resolve } from 'node:path';
import { Database, type DatabaseOptions } from '../db/database.js';
import { sql } from '../db/sql.js';
import { ensureModelCacheTable } from '../model/cache.js';
import { ensureIngestTables } from '../sources/ingest.js';

/** Default workspace database path, relative to the working directory. */
export const DEFAULT_DB_PATH = '.oversight/oversight.duckdb';

/** Opens the workspace database and creates its bookkeeping tables when missing. */
export async function openWorkspace(path: string = DEFAULT_DB_PATH, options: DatabaseOptions = {}): Promise<Database> {
  const db = await Database.open(path === ':memory:' ? path : resolve(path), options);
  await ensureWorkspaceTables(db);
  return db;
}

export async function ensureWorkspaceTables(db: Database): Promise<void> {
  await ensureIngestTables(db);
  await db.run(sql`CREATE TABLE IF NOT EXISTS _sources (
    fingerprint VARCHAR PRIMARY KEY, source VARCHAR, table_name VARCHAR, read INTEGER, quarantined INTEGER,
    kept INTEGER, files JSON, created_at TIMESTAMP DEFAULT current_timestamp)`);
  await db.run(sql`CREATE TABLE IF NOT EXISTS _carves (
    fingerprint VARCHAR PRIMARY KEY, heldout VARCHAR, from_source VARCHAR, table_name VARCHAR, rows INTEGER,
    created_at TIMESTAMP DEFAULT current_timestamp)`);
  await db.run(sql`CREATE TABLE IF NOT EXISTS _steps (
    fingerprint VARCHAR PRIMARY KEY, use VARCHAR, step_id VARCHAR, effect VARCHAR, input_view VARCHAR, view_name VARCHAR,
    input_rows INTEGER, kept INTEGER, added INTEGER, dropped JSON, notes JSON, duration_ms INTEGER,
    created_at TIMESTAMP DEFAULT current_timestamp)`);
  await db.run(sql`CREATE TABLE IF NOT EXISTS _lineage (fingerprint VARCHAR, id VARCHAR, source VARCHAR, reason VARCHAR, detail VARCHAR)`);
  await db.run(sql`CREATE TABLE IF NOT EXISTS _mixes (
    fingerprint VARCHAR PRIMARY KEY, table_name VARCHAR, rows INTEGER, by_source JSON, notes JSON,
    created_at TIMESTAMP DEFAULT current_timestamp)`);
  await ensureModelCacheTable(db);
  await db.run(sql`CREATE TABLE IF NOT EXISTS _runs (
    run_id VARCHAR PRIMARY KEY, recipe_file VARCHAR, recipe_name VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
    ok BOOLEAN, result JSON)`);
}
