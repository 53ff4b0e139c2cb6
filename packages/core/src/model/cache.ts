/**
 * The model response cache: a workspace table keyed by the request's hash, read and written on its
 * own connection so that answers commit as they arrive, independently of the step transaction that
 * asked for them (a killed run keeps every answer it got). Lookups and writes are grouped: requests
 * that wait at the same time share one query.
 */
import type { Database } from '../db/database.js';
import { joinSql, literal, rawSql, sql } from '../db/sql.js';
import type { StoredResponse } from './request.js';

export const CACHE_TABLE = '_model_cache';

export async function ensureModelCacheTable(db: Database): Promise<void> {
  await db.run(sql`CREATE TABLE IF NOT EXISTS _model_cache (
    key VARCHAR PRIMARY KEY, model VARCHAR, request JSON, response JSON,
    prompt_tokens INTEGER, completion_tokens INTEGER, created_at TIMESTAMP DEFAULT current_timestamp)`);
}

export interface CacheEntry {
  key: string;
  model: string;
  request: unknown;
  response: StoredResponse;
}

/** Keys are hex digests; anything else is never looked up. */
const HEX = /^[0-9a-f]{64}$/;

export class ResponseCache {
  private pendingReads = new Map<string, Array<(value: StoredResponse | undefined) => void>>();
  private readScheduled = false;
  private pendingWrites: Array<{ entry: CacheEntry; done: (error?: unknown) => void }> = [];
  private writing: Promise<void> | undefined;
  /** Answers known to be stored (prefetched or written): served without a query. */
  private readonly known = new Map<string, StoredResponse>();
  /** Keys a prefetch found missing: a lookup of one needs no query. */
  private readonly absent = new Set<string>();

  constructor(private readonly db: Database) {}

  /** Loads many keys in one go (a step's whole batch), so later `get`s need no query. */
  async prefetch(keys: readonly string[]): Promise<void> {
    const wanted = [...new Set(keys)].filter((key) => !this.known.has(key));
    for (let start = 0; start < wanted.length; start += 2000) {
      await this.load(wanted.slice(start, start + 2000));
    }
    for (const key of wanted) if (!this.known.has(key)) this.absent.add(key);
  }

  get(key: string): Promise<StoredResponse | undefined> {
    const known = this.known.get(key);
    if (known) return Promise.resolve(known);
    if (this.absent.has(key)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiting = this.pendingReads.get(key);
      if (waiting) waiting.push(resolve);
      else this.pendingReads.set(key, [resolve]);
      if (!this.readScheduled) {
        this.readScheduled = true;
        setImmediate(() => void this.flushReads());
      }
    });
  }

  /** Stores an answer; resolves once it is committed (answers arriving meanwhile share the next commit). */
  put(entry: CacheEntry): Promise<void> {
    this.known.set(entry.key, entry.response);
    this.absent.delete(entry.key);
    return new Promise((resolve, reject) => {
      this.pendingWrites.push({ entry, done: (error) => (error === undefined ? resolve() : reject(error)) });
      this.writing ??= this.flushWrites();
    });
  }

  /** Waits for every pending write. */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async flushReads(): Promise<void> {
    this.readScheduled = false;
    const batch = this.pendingReads;
    this.pendingReads = new Map();
    try {
      await this.load([...batch.keys()]);
    } catch {
      // A failed lookup is a miss: the request goes to the endpoint.
    }
    for (const [key, waiting] of batch) for (const resolve of waiting) resolve(this.known.get(key));
  }

  private async load(keys: string[]): Promise<void> {
    const safe = keys.filter((key) => HEX.test(key));
    if (safe.length === 0) return;
    const list = rawSql(safe.map((key) => literal(key)).join(','));
    const rows = await this.db.all<{ key: string; response: string }>(
      sql`SELECT key, response::VARCHAR AS response FROM _model_cache WHERE key IN (${list})`,
    );
    for (const row of rows) this.known.set(row.key, JSON.parse(row.response) as StoredResponse);
  }

  private async flushWrites(): Promise<void> {
    try {
      while (this.pendingWrites.length > 0) {
        const group = this.pendingWrites.splice(0, 256);
        try {
          const values = group.map(
            ({ entry }) =>
              sql`(${entry.key}, ${entry.model}, ${JSON.stringify(entry.request)}, ${JSON.stringify(entry.response)}, ${entry.response.usage.prompt_tokens}, ${entry.response.usage.completion_tokens}, current_timestamp)`,
          );
          await this.db.run(sql`INSERT INTO _model_cache VALUES ${joinSql(values)} ON CONFLICT DO NOTHING`);
          for (const { done } of group) done();
        } catch (error) {
          for (const { done } of group) done(error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
