/**
 * The one door to DuckDB: instance and connection lifecycle, parameter binding, value conversion at
 * the edge, and errors that carry their SQL. Nothing outside `core/src/db` imports `@duckdb/node-api`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  BIGINT,
  BLOB,
  DOUBLE,
  type DuckDBAppender,
  DuckDBBlobValue,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  DuckDBScalarFunction,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  INTEGER,
  VARCHAR,
} from '@duckdb/node-api';
import { OversightError } from '../errors.js';
import type { SqlFragment, SqlValue } from './sql.js';
import { type Utf8Batch, utf8Batch } from './utf8.js';

/** A plain JS row: BIGINT turned into number where it fits, JSON and VARCHAR as strings. */
export type Row = Record<string, unknown>;

/** Column kinds a JS writer may append (see `Database.insertRows`). */
export type ColumnKind = 'varchar' | 'integer' | 'bigint' | 'double' | 'boolean';

export interface DatabaseOptions {
  /** Worker threads DuckDB may use; defaults to DuckDB's own choice (all cores). */
  threads?: number;
  /** e.g. `'8GB'`; defaults to DuckDB's (80% of RAM). */
  memoryLimit?: string;
}

export class Database {
  /** A second connection for `streamCommitted`, opened on first use. */
  private reader: DuckDBConnection | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** File path, or `:memory:`. */
    readonly path: string,
    /** False for a `fork()`: closing it closes its connection only. */
    private readonly ownsInstance = true,
  ) {}

  /**
   * Another connection to the same database, with its own transactions: what it writes commits
   * independently of a transaction open here (the model cache keeps answers while a step's
   * transaction is still open, so a killed run loses none). Close it before this one.
   */
  async fork(): Promise<Database> {
    return new Database(this.instance, await this.instance.connect(), this.path, false);
  }

  /** Opens (creating when missing) a DuckDB file, or `:memory:`. */
  static async open(path: string, options: DatabaseOptions = {}): Promise<Database> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const config: Record<string, string> = {
      // Only the extensions built into the binary: a missing one must fail fast, not download.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    };
    if (options.threads !== undefined) config.threads = String(options.threads);
    if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, config);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const locked = /lock/i.test(message);
      throw new OversightError('db/open-failed', `cannot open the workspace database ${path}: ${message}`, {
        cause: error,
        hint: locked
          ? 'another oversight process is using this workspace; wait for it or pass --db with another path'
          : 'check the path and its permissions, or pass --db with another path',
      });
    }
    const connection = await instance.connect();
    return new Database(instance, connection, path);
  }

  /** Runs a statement, discarding any result. */
  async run(query: SqlFragment): Promise<void> {
    const { text, values } = query.toQuery();
    try {
      await this.connection.run(text, values as DuckDBValue[]);
    } catch (error) {
      throw queryError(error, text, values);
    }
  }

  /** Runs a query and returns every row as a plain object. */
  async all<T extends Row = Row>(query: SqlFragment): Promise<T[]> {
    const { text, values } = query.toQuery();
    try {
      const reader = await this.connection.runAndReadAll(text, values as DuckDBValue[]);
      return reader.getRowObjectsJS().map((row) => convertRow(row) as T);
    } catch (error) {
      throw queryError(error, text, values);
    }
  }

  /** The first row, or undefined. */
  async one<T extends Row = Row>(query: SqlFragment): Promise<T | undefined> {
    const rows = await this.all<T>(query);
    return rows[0];
  }

  /** Streams a large result in batches of rows (a DuckDB chunk each, ~2k rows), in result order. */
  async *stream<T extends Row = Row>(query: SqlFragment): AsyncGenerator<T[]> {
    const { text, values } = query.toQuery();
    const result = await openStream(this.connection, text, values);
    try {
      for await (const rows of result.yieldRowObjectJs()) {
        yield rows.map((row) => convertRow(row) as T);
      }
    } catch (error) {
      throw queryError(error, text, values);
    }
  }

  /**
   * Streams a large result column-wise, one DuckDB chunk (~2k rows) at a time: `columns[c][r]`.
   * The fast path for hot loops (≈2× `stream`): no row objects, BIGINT as `bigint`, VARCHAR as string.
   */
  async *streamColumns(query: SqlFragment): AsyncGenerator<unknown[][]> {
    yield* streamChunks(this.connection, query);
  }

  /**
   * Streams a query of two columns, `(DOUBLE, VARCHAR)`, one batch per DuckDB chunk: the numbers as a
   * `Float64Array`, the texts as UTF-8 bytes end to end (no JS string per row; see `utf8.ts`). NULL
   * texts read as empty. For scans that hand texts to worker threads. `allocate(size)` supplies each
   * batch's byte buffer (e.g. reused shared memory); a new one by default.
   */
  async *streamUtf8(query: SqlFragment, options: { allocate?: (size: number) => Uint8Array } = {}): AsyncGenerator<Utf8Batch> {
    const { text, values } = query.toQuery();
    const result = await openStream(this.connection, text, values);
    const types = result.columnTypes();
    if (types.length !== 2 || types[0]?.typeId !== DuckDBTypeId.DOUBLE || types[1]?.typeId !== DuckDBTypeId.VARCHAR) {
      throw new OversightError(
        'db/query-failed',
        `expected a query of columns (DOUBLE, VARCHAR), found (${types.map(String).join(', ')})`,
        {
          details: { sql: text },
        },
      );
    }
    for (;;) {
      let chunk: DuckDBDataChunk | null;
      try {
        chunk = await result.fetchChunk();
      } catch (error) {
        throw queryError(error, text, values);
      }
      if (!chunk || chunk.rowCount === 0) return;
      yield utf8Batch(chunk, options.allocate);
    }
  }

  /**
   * Like `streamColumns`, but on a second connection, so the caller may append to tables between
   * batches (an appender flushing on the connection a stream is open on ends that stream early,
   * silently). The second connection sees committed data only: stream committed relations (a step's
   * input), never tables written in the current transaction.
   */
  async *streamCommitted(query: SqlFragment): AsyncGenerator<unknown[][]> {
    this.reader ??= await this.instance.connect();
    yield* streamChunks(this.reader, query);
  }

  /**
   * Appends column batches to an existing table: `append([ords, keys…], rows)`. Columns are arrays or
   * typed arrays; `bigint` columns take numbers or bigints, `blob` columns Uint8Arrays.
   */
  async columnWriter(table: string | SqlFragment, kinds: readonly ChunkColumnKind[]): Promise<ColumnWriter> {
    const appender = await this.openAppender(typeof table === 'string' ? table : tableName(table));
    const types: DuckDBType[] = kinds.map((kind) => CHUNK_TYPES[kind]);
    let count = 0;
    return {
      append(columns, rows) {
        for (let start = 0; start < rows; start += CHUNK_ROWS) {
          const size = Math.min(CHUNK_ROWS, rows - start);
          const chunk = DuckDBDataChunk.create(types, size);
          chunk.setColumns(columns.map((column, index) => chunkValues(column, kinds[index] as ChunkColumnKind, start, size)));
          appender.appendDataChunk(chunk);
        }
        count += rows;
      },
      close() {
        appender.flushSync();
        appender.closeSync();
        return count;
      },
    };
  }

  /**
   * Runs `work` in one transaction: everything it wrote is visible after it returns, nothing of it
   * survives a throw or a killed process.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.connection.run('COMMIT');
      return result;
    } catch (error) {
      try {
        await this.connection.run('ROLLBACK');
      } catch {
        // The transaction may already be aborted by the failure; the original error matters.
      }
      throw error;
    }
  }

  /**
   * Appends rows from JS into an existing table, in column order. Fast path for steps that compute in
   * JS (token counts, signatures): about a million narrow rows a second.
   */
  async insertRows(
    table: string,
    kinds: readonly ColumnKind[],
    rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>,
  ): Promise<number> {
    const appender = await this.openAppender(table);
    let count = 0;
    try {
      for await (const row of rows) {
        appendRow(appender, kinds, row);
        count++;
      }
      appender.flushSync();
    } catch (error) {
      throw new OversightError('db/append-failed', `cannot append row ${count + 1} to ${table}: ${describe(error)}`, {
        cause: error,
      });
    } finally {
      appender.closeSync();
    }
    return count;
  }

  /** A writer that appends rows one at a time; call `close()` to flush. */
  async writer(table: string, kinds: readonly ColumnKind[]): Promise<RowWriter> {
    const appender = await this.openAppender(table);
    let count = 0;
    return {
      append(row) {
        appendRow(appender, kinds, row);
        count++;
      },
      close() {
        appender.flushSync();
        appender.closeSync();
        return count;
      },
    };
  }

  /**
   * Registers a scalar SQL function `name(VARCHAR) → VARCHAR` implemented in JS (NULL in → NULL out).
   * For logic SQL cannot express, such as brace matching.
   */
  registerVarcharFunction(name: string, implementation: (value: string) => string | null): void {
    this.connection.registerScalarFunction(
      DuckDBScalarFunction.create({
        name,
        returnType: VARCHAR,
        parameterTypes: [VARCHAR],
        mainFunction: (_info, input, output) => {
          const values = input.getColumnVector(0);
          for (let row = 0; row < input.rowCount; row++) {
            const value = values.getItem(row);
            output.setItem(row, value === null ? null : implementation(String(value)));
          }
          output.flush();
        },
      }),
    );
  }

  /** How far the running query is, 0–1, or undefined when DuckDB cannot tell. */
  progress(): number | undefined {
    try {
      const progress = this.connection.progress;
      return progress.percentage >= 0 ? progress.percentage / 100 : undefined;
    } catch {
      return undefined;
    }
  }

  /** Interrupts the running query (Ctrl-C). */
  interrupt(): void {
    this.connection.interrupt();
  }

  /** Flushes the write-ahead log into the database file. */
  async checkpoint(): Promise<void> {
    await this.connection.run('CHECKPOINT');
  }

  close(): void {
    this.reader?.closeSync();
    this.connection.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }

  private async openAppender(table: string): Promise<DuckDBAppender> {
    try {
      return await this.connection.createAppender(table);
    } catch (error) {
      throw new OversightError('db/append-failed', `cannot append to ${table}: ${describe(error)}`, { cause: error });
    }
  }
}

/** Column kinds `Database.columnWriter` accepts. */
export type ChunkColumnKind = 'bigint' | 'double' | 'integer' | 'varchar' | 'blob';

const CHUNK_TYPES: Record<ChunkColumnKind, DuckDBType> = { bigint: BIGINT, double: DOUBLE, integer: INTEGER, varchar: VARCHAR, blob: BLOB };
/** DuckDB's standard vector size. */
const CHUNK_ROWS = 2048;

/** Appends batches of columns (see `Database.columnWriter`). */
export interface ColumnWriter {
  append(columns: ReadonlyArray<ArrayLike<unknown>>, rows: number): void;
  /** Flushes; returns the number of rows written. */
  close(): number;
}

/** Starts a streaming query, its failure reported with its SQL. */
async function openStream(connection: DuckDBConnection, text: string, values: SqlValue[]) {
  try {
    return await connection.stream(text, values as DuckDBValue[]);
  } catch (error) {
    throw queryError(error, text, values);
  }
}

/** Streams a query's result on `connection`, one chunk's columns at a time. */
async function* streamChunks(connection: DuckDBConnection, query: SqlFragment): AsyncGenerator<unknown[][]> {
  const { text, values } = query.toQuery();
  try {
    const result = await connection.stream(text, values as DuckDBValue[]);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      yield chunk.getColumns() as unknown[][];
    }
  } catch (error) {
    throw queryError(error, text, values);
  }
}

/** The bare name of a table given as an identifier fragment (quotes removed, doubled quotes undone). */
function tableName(table: SqlFragment): string {
  const text = table.inline().toQuery().text.trim();
  const quoted = /^"((?:[^"]|"")*)"$/.exec(text);
  if (!quoted) throw new OversightError('db/append-failed', `expected a table identifier, found \`${text}\``);
  return (quoted[1] as string).replaceAll('""', '"');
}

function chunkValues(column: ArrayLike<unknown>, kind: ChunkColumnKind, start: number, size: number): DuckDBValue[] {
  const values: DuckDBValue[] = new Array(size);
  for (let index = 0; index < size; index++) {
    const value = column[start + index];
    if (value === null || value === undefined) values[index] = null;
    else if (kind === 'bigint') values[index] = typeof value === 'bigint' ? value : BigInt(value as number);
    else if (kind === 'blob') values[index] = new DuckDBBlobValue(value as Uint8Array);
    else values[index] = value as DuckDBValue;
  }
  return values;
}

/** Appends rows one by one (see `Database.writer`). */
export interface RowWriter {
  append(row: readonly unknown[]): void;
  /** Flushes; returns the number of rows written. */
  close(): number;
}

function appendRow(appender: DuckDBAppender, kinds: readonly ColumnKind[], row: readonly unknown[]): void {
  for (let index = 0; index < kinds.length; index++) {
    const value = row[index];
    if (value === null || value === undefined) {
      appender.appendNull();
      continue;
    }
    switch (kinds[index]) {
      case 'varchar':
        appender.appendVarchar(String(value));
        break;
      case 'integer':
        appender.appendInteger(Number(value));
        break;
      case 'bigint':
        appender.appendBigInt(BigInt(value as number));
        break;
      case 'double':
        appender.appendDouble(Number(value));
        break;
      case 'boolean':
        appender.appendBoolean(Boolean(value));
        break;
    }
  }
  appender.endRow();
}

function convertValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(convertValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = convertValue(item);
    return out;
  }
  return value;
}

function convertRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = convertValue(value);
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function queryError(error: unknown, text: string, values: SqlValue[]): OversightError {
  if (OversightError.is(error)) return error;
  const message = describe(error);
  const interrupted = /interrupt/i.test(message);
  return new OversightError(
    interrupted ? 'db/interrupted' : 'db/query-failed',
    interrupted ? 'query interrupted' : `query failed: ${message.split('\n')[0]}`,
    {
      cause: error,
      details: {
        sql: text,
        parameters: values.map((value) => (typeof value === 'bigint' ? value.toString() : value)),
        error: message,
      },
    },
  );
}
