/**
 * Ingests one source into its canonical table. Every line of every file ends in exactly one place:
 * the canonical table, or the quarantine with file, line, reason and detail; so
 * `read = kept + quarantined` holds per source.
 *
 * Rows are adapted and checked in one pass into a work table (`<table>_work`), bad rows included with
 * their reason; one transaction then moves the bad rows to the quarantine, settles duplicate ids, drops
 * the bookkeeping columns and renames the work table to the canonical name, together with the caller's
 * completion marker. A killed ingest leaves only a work table, dropped by the next attempt.
 *
 * JSONL takes a fast path when a byte-level pre-scan (run on this thread while DuckDB reads) finds the
 * file clean: valid UTF-8, no BOM, no blank or oversized line. DuckDB's parallel `read_ndjson` then reads
 * typed columns straight into the work table in file order, so a row's position is its line number.
 * Anything else, or a fast read that fails, goes line by line: Node splits the lines (so a broken line
 * never hides its neighbours) and DuckDB parses and checks them.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { Database, RowWriter } from '../db/database.js';
import { identifier, joinSql, rawSql, type SqlFragment, sql } from '../db/sql.js';
import { OversightError } from '../errors.js';
import type { Task } from '../recipe/schema.js';
import { type Adapter, adapterFor, column, lastBoxed } from './adapters.js';
import { CANONICAL_COLUMNS_DDL, ROLES } from './canonical.js';
import { scanJsonl, splitLines } from './lines.js';
import { parseCsv, type RecordText, splitJsonArray } from './records.js';
import type { ResolvedSource, SourceFile } from './resolve.js';

/** Default limit above which a row is quarantined as `row_too_large`. */
export const DEFAULT_MAX_ROW_BYTES = 16 * 1024 * 1024;

/** Every reason a row can be quarantined for. */
export const QUARANTINE_REASONS = [
  'invalid_utf8',
  'empty_line',
  'row_too_large',
  'invalid_json',
  'invalid_csv',
  'wrong_field_count',
  'not_an_array',
  'not_an_object',
  'missing_field',
  'wrong_type',
  'empty_messages',
  'bad_message',
  'unknown_role',
  'no_assistant_turn',
  'missing_gold',
  'bad_rating',
  'duplicate_id',
] as const;

export interface IngestOptions {
  /** Canonical table to create. */
  table: string;
  /** Fingerprint recorded with quarantined rows. */
  fingerprint: string;
  onBadRow: 'quarantine' | 'fail';
  /** 0–1 over the source's bytes. */
  onProgress?: (fraction: number) => void;
  /** Called inside the ingest transaction, after the data is written (completion markers). */
  commit?: (result: IngestResult) => Promise<void>;
}

export interface IngestResult {
  read: number;
  quarantined: number;
  kept: number;
  /** Files read with DuckDB's parallel reader vs line by line. */
  fastFiles: number;
}

/** Creates the workspace tables ingest writes to (idempotent). */
export async function ensureIngestTables(db: Database): Promise<void> {
  await db.run(
    sql`CREATE TABLE IF NOT EXISTS _quarantine (fingerprint VARCHAR, source VARCHAR, file VARCHAR, line INTEGER, reason VARCHAR, detail VARCHAR, raw VARCHAR)`,
  );
}

/** Columns of the work table: canonical ones, provenance, and the verdict of the checks. */
const WORK_COLUMNS_DDL = `${CANONICAL_COLUMNS_DDL}, file VARCHAR, line INTEGER, ord BIGINT, keyed BOOLEAN, reason VARCHAR, detail VARCHAR, raw VARCHAR`;

interface FileContext {
  db: Database;
  adapter: Adapter;
  /** SQL: the task of each row (the recipe's `task:`, else the adapter's per-row or fixed task). */
  task: SqlFragment;
  source: string;
  /** The work table. */
  work: string;
  file: SourceFile;
  /** Lines read from earlier files of the source (for `ord`). */
  offset: number;
}

/**
 * Ingests a resolved source into `options.table` (which must not exist yet); `options.commit` runs in
 * the same transaction that makes the table visible.
 */
export async function ingestSource(db: Database, resolved: ResolvedSource, options: IngestOptions): Promise<IngestResult> {
  const { spec } = resolved;
  const adapter = adapterFor(spec);
  const task = !spec.task && adapter.taskSql ? rawSql(adapter.taskSql) : sql`${(spec.task ?? adapter.task) as Task}`;
  const maxRowBytes = spec.max_row_bytes ?? DEFAULT_MAX_ROW_BYTES;
  await ensureLastBoxed(db);
  const work = `${options.table}_work`;
  const workTable = identifier(work);
  await db.run(sql`DROP TABLE IF EXISTS ${workTable}`);
  await db.run(sql`CREATE TABLE ${workTable} (${rawSql(WORK_COLUMNS_DDL)})`);
  const totalBytes = resolved.files.reduce((sum, file) => sum + file.size, 0) || 1;
  let doneBytes = 0;
  let read = 0;
  let fastFiles = 0;
  let remaining = spec.limit ?? Number.POSITIVE_INFINITY;
  try {
    for (const file of resolved.files) {
      if (remaining <= 0) break;
      const context: FileContext = { db, adapter, task, source: spec.id, work, file, offset: read };
      const report = (bytes: number) => options.onProgress?.(Math.min(1, (doneBytes + bytes) / totalBytes));
      let lines: number;
      if (file.kind === 'jsonl') {
        const fast = await readJsonlFast(context, maxRowBytes, remaining, report);
        if (fast !== undefined) {
          lines = fast;
          fastFiles++;
        } else lines = await readJsonlLines(context, maxRowBytes, remaining, report);
      } else if (file.kind === 'parquet') lines = await readParquet(context, remaining);
      else lines = await readRecords(context, remaining);
      read += lines;
      remaining -= lines;
      doneBytes += file.size;
      options.onProgress?.(Math.min(1, doneBytes / totalBytes));
    }
    // Settle the work table outside the transaction (a killed run just starts it over); the bad rows
    // wait in `_bad` until the transaction that publishes the table.
    const { fingerprint } = options;
    await db.run(sql`DROP TABLE IF EXISTS _bad`);
    await db.run(sql`CREATE TEMP TABLE _bad AS
      SELECT ${fingerprint} AS fingerprint, source, file, line, reason, detail, raw FROM ${workTable} WHERE reason IS NOT NULL`);
    const bad = await db.one<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM _bad`);
    if ((bad?.n ?? 0) > 0) {
      await db.run(sql`DELETE FROM ${workTable} WHERE reason IS NOT NULL`);
      await refineJsonDetails(db);
    }
    await resolveDuplicateIds(db, workTable, fingerprint);
    for (const name of ['reason', 'detail', 'raw']) await db.run(sql`ALTER TABLE ${workTable} DROP COLUMN ${identifier(name)}`);
    const counts = await db.one<{ kept: number; quarantined: number }>(sql`
      SELECT (SELECT count(*)::INTEGER FROM ${workTable}) AS kept, (SELECT count(*)::INTEGER FROM _bad) AS quarantined`);
    const kept = counts?.kept ?? 0;
    const quarantined = counts?.quarantined ?? 0;
    if (quarantined > 0 && options.onBadRow === 'fail') {
      const first = await db.one<{ file: string; line: number; reason: string; detail: string }>(
        sql`SELECT file, line, reason, detail FROM _bad ORDER BY file, line LIMIT 1`,
      );
      throw new OversightError(
        'source/bad-row',
        `${first?.file}:${first?.line}: ${first?.reason}: ${first?.detail} (source \`${spec.id}\`, ${quarantined} bad row(s); on_bad_row: fail)`,
        { hint: 'fix the input, or set `on_bad_row: quarantine` to set bad rows aside and go on' },
      );
    }
    if (kept + quarantined !== read) {
      throw new OversightError(
        'source/count-mismatch',
        `source \`${spec.id}\`: read ${read} rows but kept ${kept} and quarantined ${quarantined}`,
      );
    }
    const result = { read, quarantined, kept, fastFiles };
    await db.transaction(async () => {
      await db.run(sql`DELETE FROM _quarantine WHERE fingerprint = ${fingerprint}`);
      await db.run(sql`INSERT INTO _quarantine SELECT * FROM _bad`);
      await db.run(sql`ALTER TABLE ${workTable} RENAME TO ${identifier(options.table)}`);
      await options.commit?.(result);
    });
    return result;
  } finally {
    await db.run(sql`DROP TABLE IF EXISTS ${workTable}`);
    await db.run(sql`DROP TABLE IF EXISTS _bad`);
  }
}

/** Typed columns for `read_ndjson(columns=…)`. */
function columnsLiteral(adapter: Adapter): string {
  const entries = Object.entries(adapter.columns).map(([name, type]) => `'${name.replaceAll("'", "''")}': '${type}'`);
  return `{${entries.join(', ')}}`;
}

function typedSelect(adapter: Adapter, from: (field: string) => string): SqlFragment {
  return joinSql(Object.keys(adapter.columns).map((field) => rawSql(`${from(field)} AS ${column(field)}`)));
}

const quoteName = (field: string) => `"${field.replaceAll('"', '""')}"`;

/**
 * Appends the rows of `relation` to the work table, adapted and checked. The relation has the typed
 * columns `"f:<field>"`, `line`, and (line-by-line path) `error`, `error_detail` and `raw`.
 */
async function insertAdapted(context: FileContext, relation: SqlFragment): Promise<void> {
  const { db, adapter, task, source, work, file, offset } = context;
  const { reason, detail } = reasonSql(adapter);
  const typedJson = `to_json(struct_pack(${Object.keys(adapter.columns)
    .map((field) => `${quoteName(field)} := ${column(field)}`)
    .join(', ')}))::VARCHAR`;
  await db.run(sql`INSERT INTO ${identifier(work)}
    SELECT CASE WHEN natural_key IS NOT NULL THEN md5(${source} || chr(31) || natural_key)
                ELSE md5(${source} || chr(30) || ${rawSql(adapter.content)}) END,
           ${source}, ${task}, messages, answer, meta, ${file.display}, line, ${offset}::BIGINT + line, natural_key IS NOT NULL,
           reason, detail, CASE WHEN reason IS NOT NULL THEN left(coalesce(raw, ${rawSql(typedJson)}), 2000) END
    FROM (SELECT *, ${rawSql(reason)} AS reason, ${rawSql(detail)} AS detail FROM (
      SELECT *, ${rawSql(adapter.messages)} AS messages, ${rawSql(adapter.answer)} AS answer, ${rawSql(adapter.meta)} AS meta,
             ${rawSql(adapter.key)}::VARCHAR AS natural_key
      FROM ${relation}))`);
}

/**
 * Fast path: DuckDB reads the file into the work table while this thread pre-scans it. Returns the
 * number of lines read, or undefined when the file must go line by line (nothing of it is kept).
 */
async function readJsonlFast(
  context: FileContext,
  maxRowBytes: number,
  limit: number,
  report: (bytes: number) => void,
): Promise<number | undefined> {
  const { db, adapter, work, file } = context;
  const target = identifier(work);
  const limitClause = Number.isFinite(limit) ? sql` LIMIT ${limit}` : sql``;
  const maximumObjectSize = rawSql(String(Math.max(maxRowBytes + 1024, 16 * 1024 * 1024)));
  const relation = sql`(SELECT NULL::VARCHAR AS error, NULL::VARCHAR AS error_detail, NULL::VARCHAR AS raw, NULL::INTEGER AS line,
      ${typedSelect(adapter, quoteName)}
    FROM read_ndjson(${file.path}, columns=${rawSql(columnsLiteral(adapter))}, format='newline_delimited', maximum_object_size=${maximumObjectSize})${limitClause})`;
  // A failed statement is rolled back whole, outside any transaction: nothing half-read stays.
  const reading = insertAdapted(context, relation).then(
    () => true,
    () => false,
  );
  const scan = scanJsonl(file.path, maxRowBytes, report);
  const ok = await reading;
  const discard = () => db.run(sql`DELETE FROM ${target} WHERE file = ${file.display} AND line IS NULL`);
  if (!ok) return undefined;
  if (!scan.clean) {
    await discard();
    return undefined;
  }
  const inserted = await db.one<{ rows: number }>(
    sql`SELECT count(*)::INTEGER AS rows FROM ${target} WHERE file = ${file.display} AND line IS NULL`,
  );
  const expected = Math.min(scan.lines, limit);
  if (inserted?.rows !== expected) {
    await discard();
    return undefined;
  }
  // Rows went in in file order (DuckDB preserves insertion order), so their row positions are the lines.
  const first = await db.one<{ rowid: number }>(sql`SELECT min(rowid)::BIGINT AS rowid FROM ${target} WHERE line IS NULL`);
  const start = first?.rowid ?? 0;
  await db.run(sql`UPDATE ${target} SET line = (rowid - ${start}::BIGINT + 1)::INTEGER, ord = ${context.offset}::BIGINT + (rowid - ${start}::BIGINT + 1)
    WHERE line IS NULL`);
  return expected;
}

/** Line by line: every line becomes a row of `_lines`, problem lines with their reason. */
async function readJsonlLines(context: FileContext, maxRowBytes: number, limit: number, report: (bytes: number) => void): Promise<number> {
  const writer = await openLines(context.db);
  let count = 0;
  outer: for (const batch of splitLines(context.file.path, maxRowBytes, report)) {
    for (const line of batch) {
      if (count >= limit) break outer;
      writer.append([line.line, line.problem ?? null, problemDetail(line.problem, line.bytes, maxRowBytes), line.text]);
      count++;
    }
  }
  writer.close();
  await insertFromLines(context);
  return count;
}

/** JSON arrays and CSV: the whole file is split in Node, records keep their starting line. */
async function readRecords(context: FileContext, limit: number): Promise<number> {
  const buffer = readFileSync(context.file.path);
  let records: RecordText[];
  if (!isUtf8(buffer)) {
    records = [
      {
        line: 1,
        text: buffer.subarray(0, 200).toString('latin1'),
        problem: 'invalid_utf8',
        detail: 'expected UTF-8 text, found invalid bytes; the whole file was set aside',
      },
    ];
  } else {
    const text = buffer.toString('utf8');
    records = context.file.kind === 'csv' ? parseCsv(text) : splitJsonArray(text);
  }
  const writer = await openLines(context.db);
  let count = 0;
  for (const record of records) {
    if (count >= limit) break;
    writer.append([record.line, record.problem ?? null, record.detail ?? null, record.text]);
    count++;
  }
  writer.close();
  await insertFromLines(context);
  return count;
}

/** Parquet: DuckDB reads it; each row becomes JSON so the same checks apply; "line" is the 1-based row. */
async function readParquet(context: FileContext, limit: number): Promise<number> {
  const { db, file } = context;
  await db.run(sql`DROP TABLE IF EXISTS _lines`);
  const limitClause = Number.isFinite(limit) ? sql` LIMIT ${limit}` : sql``;
  await db.run(sql`CREATE TEMP TABLE _lines AS
    SELECT (file_row_number + 1)::INTEGER AS line, NULL::VARCHAR AS error, NULL::VARCHAR AS error_detail,
           to_json(p)::VARCHAR AS raw
    FROM read_parquet(${file.path}, file_row_number=true) p ORDER BY file_row_number${limitClause}`);
  const count = await db.one<{ rows: number }>(sql`SELECT count(*)::INTEGER AS rows FROM _lines`);
  await insertFromLines(context);
  return count?.rows ?? 0;
}

async function openLines(db: Database): Promise<RowWriter> {
  await db.run(sql`DROP TABLE IF EXISTS _lines`);
  await db.run(sql`CREATE TEMP TABLE _lines (line INTEGER, error VARCHAR, error_detail VARCHAR, raw VARCHAR)`);
  return db.writer('_lines', ['integer', 'varchar', 'varchar', 'varchar']);
}

/** Parses `_lines.raw` into typed columns and appends the adapted rows to the work table. */
async function insertFromLines(context: FileContext): Promise<void> {
  const { db, adapter } = context;
  const structure = JSON.stringify(adapter.columns).replaceAll("'", "''");
  await insertAdapted(
    context,
    sql`(SELECT error, error_detail, raw, line, ${typedSelect(adapter, (field) => `j.${quoteName(field)}`)}
      FROM (SELECT *, CASE WHEN error IS NULL AND json_valid(raw) AND json_type(raw) = 'OBJECT'
                           THEN json_transform(raw, '${rawSql(structure)}') END AS j
            FROM _lines))`,
  );
  await db.run(sql`DROP TABLE _lines`);
}

function problemDetail(problem: string | undefined, bytes: number, maxRowBytes: number): string | null {
  switch (problem) {
    case 'invalid_utf8':
      return 'expected UTF-8 text, found invalid bytes';
    case 'empty_line':
      return 'expected a JSON object, found an empty line';
    case 'row_too_large':
      return `expected at most ${maxRowBytes} bytes (max_row_bytes), found ${bytes}`;
    default:
      return null;
  }
}

/** SQL giving the quarantine reason of a staged row (NULL when it is good), and its detail. */
function reasonSql(adapter: Adapter): { reason: string; detail: string } {
  const cases: Array<[string, string, string]> = [
    ['error IS NOT NULL', 'error', 'error_detail'],
    ['raw IS NOT NULL AND NOT json_valid(raw)', `'invalid_json'`, `'expected a JSON object, found malformed JSON'`],
    ["raw IS NOT NULL AND json_type(raw) <> 'OBJECT'", `'not_an_object'`, `'expected a JSON object, found ' || json_type(raw)`],
  ];
  for (const field of adapter.required) {
    const path = `'$."${field.replaceAll('"', '\\"').replaceAll("'", "''")}"'`;
    const present = `raw IS NOT NULL AND coalesce(json_type(raw, ${path}), 'NULL') <> 'NULL'`;
    cases.push([
      `${column(field)} IS NULL AND ${present}`,
      `'wrong_type'`,
      `'expected field \`${field.replaceAll("'", "''")}\` to be ${adapter.columns[field]?.replaceAll("'", "''")}, found ' || json_type(raw, ${path})`,
    ]);
    cases.push([`${column(field)} IS NULL`, `'missing_field'`, `'expected field \`${field.replaceAll("'", "''")}\`, found none'`]);
  }
  // Adapter checks come before the conversation checks: they say why a record has no conversation.
  for (const check of adapter.checks) cases.push([check.when, `'${check.reason}'`, check.detail]);
  const roles = ROLES.map((role) => `'${role}'`).join(', ');
  cases.push(
    ['messages IS NULL', `'wrong_type'`, `'expected a conversation, found fields of the wrong type'`],
    ['len(messages) = 0', `'empty_messages'`, `'expected at least one message, found none'`],
    [
      'list_bool_or(list_transform(messages, m -> m.role IS NULL OR m.content IS NULL))',
      `'bad_message'`,
      `'expected every message to have a role and a content, found one without'`,
    ],
    [
      `NOT list_bool_and(list_transform(messages, m -> m.role IN (${roles})))`,
      `'unknown_role'`,
      `'expected roles ${ROLES.join('|')}, found ' || list_filter(list_transform(messages, m -> m.role), r -> r NOT IN (${roles}))[1]`,
    ],
    [
      `NOT list_contains(list_transform(messages, m -> m.role), 'assistant')`,
      `'no_assistant_turn'`,
      `'expected an assistant turn to train on, found none'`,
    ],
  );
  const reason = `CASE ${cases.map(([when, value]) => `WHEN ${when} THEN ${value}`).join(' ')} END`;
  const detail = `CASE ${cases.map(([when, , value]) => `WHEN ${when} THEN ${value}`).join(' ')} END`;
  return { reason, detail };
}

/** Puts the parser's own words ("Unterminated string at position 57") on malformed-JSON rows. */
async function refineJsonDetails(db: Database): Promise<void> {
  const generic = 'expected a JSON object, found malformed JSON';
  const rows = await db.all<{ file: string; line: number; raw: string }>(sql`
    SELECT file, line, raw FROM _bad WHERE reason = 'invalid_json' AND detail = ${generic} ORDER BY file, line LIMIT 1000`);
  for (const row of rows) {
    try {
      JSON.parse(row.raw);
    } catch (error) {
      const message = (error as Error).message.replace(/^JSON\.parse: /, '');
      await db.run(sql`UPDATE _bad SET detail = ${`${generic}: ${message}`} WHERE file = ${row.file} AND line = ${row.line}`);
    }
  }
}

/**
 * Ids must be unique. A repeated natural id (the row's own `id`) is a data error: later rows are
 * quarantined as `duplicate_id`. Rows without a natural id that share content get an occurrence
 * suffix so each keeps its own stable id (dedup steps decide about them, not ingest).
 */
async function resolveDuplicateIds(db: Database, target: SqlFragment, fingerprint: string): Promise<void> {
  const duplicated = await db.one<{ n: number }>(sql`SELECT (count(*) - count(DISTINCT id))::INTEGER AS n FROM ${target}`);
  if (!duplicated || duplicated.n === 0) return;
  await db.run(sql`CREATE TEMP TABLE _dups AS
    SELECT id, file, line, keyed, row_number() OVER (PARTITION BY id ORDER BY ord) AS occurrence,
           first_value(file || ':' || line) OVER (PARTITION BY id ORDER BY ord) AS first_seen
    FROM ${target} WHERE id IN (SELECT id FROM ${target} GROUP BY id HAVING count(*) > 1)`);
  await db.run(sql`INSERT INTO _bad
    SELECT ${fingerprint}, t.source, t.file, t.line, 'duplicate_id', 'expected a unique id, found the id of ' || d.first_seen || ' again',
           left(to_json(t.messages)::VARCHAR, 2000)
    FROM ${target} t JOIN _dups d USING (id, file, line) WHERE d.keyed AND d.occurrence > 1`);
  await db.run(sql`DELETE FROM ${target} t USING _dups d
    WHERE t.id = d.id AND t.file = d.file AND t.line = d.line AND d.keyed AND d.occurrence > 1`);
  await db.run(sql`UPDATE ${target} t SET id = md5(t.id || '#' || d.occurrence::VARCHAR) FROM _dups d
    WHERE t.id = d.id AND t.file = d.file AND t.line = d.line AND NOT d.keyed AND d.occurrence > 1`);
  await db.run(sql`DROP TABLE _dups`);
}

const registered = new WeakSet<Database>();

/** Registers `oversight_last_boxed(VARCHAR)` (MATH gold extraction) on a database, once. */
async function ensureLastBoxed(db: Database): Promise<void> {
  if (registered.has(db)) return;
  db.registerVarcharFunction('oversight_last_boxed', (value) => lastBoxed(value) ?? null);
  registered.add(db);
}
