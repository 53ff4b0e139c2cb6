/** What `decontam/ngram` and `decontam/minhash` share: eval sets, searched text, evidence, verdicts. */
import {
  type Database,
  type DatasetReference,
  OversightError,
  rawSql,
  type SqlFragment,
  type StepContext,
  sql,
  type Utf8Batch,
  type Utf8Texts,
} from '@oversight/core';
import { z } from 'zod';
import { openPool } from '../parallel/open.js';
import { pipeline, pipelineWindow, type WorkerPool } from '../parallel/pool.js';
import type { Task, TaskResult } from '../parallel/tasks.js';

export const againstSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .optional()
  .describe('Eval sets to decontaminate against: ids of `heldout:` sets or sources. Default: every `heldout:` set.');

export const searchSchema = z
  .enum(['user', 'assistant', 'all'])
  .default('all')
  .describe('Training turns searched for eval text: `user`, `assistant`, or `all` (every turn, in order, so n-grams may cross turns).');

export const actionSchema = z
  .enum(['drop', 'flag'])
  .default('drop')
  .describe('`drop` contaminated rows, or `flag` them (kept, with `meta.contamination` listing the eval sets) for review.');

/** The eval set ids a step reads: `against`, else every held-out set. */
export function againstReferences(against: string | string[] | undefined, known: { heldout: readonly string[] }): DatasetReference[] {
  if (against === undefined) return known.heldout.map((id) => ({ id, path: [] }));
  if (typeof against === 'string') return [{ id: against, path: ['against'] }];
  return against.map((id, index) => ({ id, path: ['against', index] }));
}

/** SQL text of a row's turns of one role (or all), contents only, joined by U+001E. */
export function turnsText(role: 'user' | 'assistant' | 'all', messages = 'messages'): SqlFragment {
  const list = role === 'all' ? messages : `list_filter(${messages}, m -> m.role = '${role}')`;
  return sql`coalesce(array_to_string(list_transform(${rawSql(list)}, m -> coalesce(m.content, '')), chr(30)), '')`;
}

export interface EvalItem {
  /** Eval set id. */
  eval: string;
  /** Row id within the eval set. */
  id: string;
  prompt: string;
  answer: string;
}

/** Every item of the eval sets, in set order then row order. */
export async function loadEvalItems(context: StepContext, ids: readonly string[]): Promise<EvalItem[]> {
  const items: EvalItem[] = [];
  for (const id of ids) {
    const dataset = context.dataset(id);
    const rows = await context.db.all<{ id: string; prompt: string; answer: string }>(
      sql`SELECT id, ${turnsText('user')} AS prompt, ${turnsText('assistant')} AS answer FROM ${dataset.relation} ORDER BY id`,
    );
    for (const row of rows) items.push({ eval: id, id: row.id, prompt: row.prompt, answer: row.answer });
  }
  return items;
}

/** One piece of evidence: training row `ord` matched eval item `item`. */
export interface Match {
  ord: number;
  eval: string;
  item: string;
  scope: string;
  /** Matched n-grams (normalized), or the matched text; at most `MAX_SHOWN`. */
  shown: string[];
  /** Distinct n-grams matched (or 1 for a whole-text / MinHash match). */
  matched: number;
  similarity: number | null;
}

export const MAX_SHOWN = 5;

/**
 * Writes `matches (id, source, eval, item, scope, ngrams, matched, similarity)` and the verdicts
 * (and, for `flag`, labels) from the collected matches.
 */
export async function writeEvidence(
  context: StepContext,
  matches: Match[],
  options: { action: 'drop' | 'flag'; minMatches: number; describe: (match: Match) => string },
): Promise<void> {
  const { db } = context;
  const hits = context.scratch('hits');
  await db.run(
    sql`CREATE TEMP TABLE ${hits} (ord BIGINT, eval VARCHAR, item VARCHAR, scope VARCHAR, ngrams VARCHAR, matched INTEGER, similarity DOUBLE, detail VARCHAR)`,
  );
  const kept = matches.filter((match) => match.matched >= options.minMatches);
  const writer = await db.columnWriter(hits, ['bigint', 'varchar', 'varchar', 'varchar', 'varchar', 'integer', 'double', 'varchar']);
  writer.append(
    [
      kept.map((match) => match.ord),
      kept.map((match) => match.eval),
      kept.map((match) => match.item),
      kept.map((match) => match.scope),
      kept.map((match) => JSON.stringify(match.shown)),
      kept.map((match) => match.matched),
      kept.map((match) => match.similarity),
      kept.map((match) => options.describe(match)),
    ],
    kept.length,
  );
  writer.close();
  await db.run(sql`CREATE TABLE ${context.table('matches')} AS
    SELECT i.id, i.source, h.eval, h.item, h.scope, h.ngrams::JSON AS ngrams, h.matched, h.similarity
    FROM ${hits} h JOIN ${context.input} i ON i._ord = h.ord ORDER BY h.ord, h.eval, h.item`);
  const first = sql`(SELECT ord, count(*) AS items, arg_min(detail, eval || chr(0) || item) AS detail, list(DISTINCT eval ORDER BY eval) AS evals FROM ${hits} GROUP BY ord)`;
  if (options.action === 'drop') {
    // Every row kept, then the few matched ones dropped: cheaper than one outer join over the input.
    const verdicts = context.table('verdicts');
    await db.run(sql`CREATE TABLE ${verdicts} AS
      SELECT id, true AS keep, NULL::VARCHAR AS reason, NULL::VARCHAR AS detail FROM ${context.input}`);
    await db.run(sql`UPDATE ${verdicts} v SET keep = false, reason = 'contaminated',
        detail = d.detail || CASE WHEN d.items > 1 THEN ' (+' || (d.items - 1) || ' more eval item(s))' ELSE '' END
      FROM (SELECT i.id, h.detail, h.items FROM ${first} h JOIN ${context.input} i ON i._ord = h.ord) d
      WHERE v.id = d.id`);
  } else {
    await db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
      SELECT id, true AS keep, NULL::VARCHAR AS reason, NULL::VARCHAR AS detail FROM ${context.input}`);
    await db.run(sql`CREATE TABLE ${context.table('labels')} AS
      SELECT i.id, json_object('contamination', to_json(h.evals)) AS labels
      FROM ${first} h JOIN ${context.input} i ON i._ord = h.ord`);
  }
}

/** Rows per (eval set × source) matched, for the step's note. */
export async function summarizeMatches(db: Database, matches: SqlFragment): Promise<string> {
  const rows = await db.all<{ eval: string; source: string; n: number }>(
    sql`SELECT eval, source, count(DISTINCT id)::INTEGER AS n FROM ${matches} GROUP BY ALL ORDER BY eval, source`,
  );
  if (rows.length === 0) return 'no row matched an eval item';
  return `rows matched: ${rows.map((row) => `${row.source}×${row.eval} ${row.n}`).join(', ')}`;
}

/**
 * Streams the `search` text of every training row through a worker pool, as UTF-8 bytes (one batch
 * per DuckDB chunk, no JS string per row): `setup` is given to every worker first, `task` makes one
 * batch's task, `consume` gets results in input order. The texts' bytes sit in a ring of shared
 * buffers, reused once a batch is consumed: workers read them without a copy, and no per-batch buffer
 * is allocated (a few MB of fresh buffers per batch made V8 collect garbage every ~100 ms). Progress
 * runs to 90%.
 */
export async function scanTraining<R extends TaskResult>(
  context: StepContext,
  search: 'user' | 'assistant' | 'all',
  work: {
    setup?: Task;
    task: (texts: Utf8Texts) => Task;
    consume: (batch: Utf8Batch, result: R) => void;
    /** A pool the caller opened (and closes); else one is opened and closed here. */
    pool?: WorkerPool;
  },
): Promise<void> {
  const pool = work.pool ?? openPool(context.inputRows);
  try {
    if (work.setup) await pool.broadcast(work.setup);
    let done = 0;
    // At most `window + 1` batches are alive at once (see `pipeline`); one slot more for safety.
    const ring = new SharedRing(pipelineWindow(pool) + 2);
    await pipeline<Utf8Batch, R>(
      pool,
      interruptible(
        context.db.streamUtf8(sql`SELECT _ord::DOUBLE, ${turnsText(search)} FROM ${context.input}`, {
          allocate: (bytes) => ring.next(bytes),
        }),
        context.signal,
      ),
      (batch) => work.task(batch.texts),
      (batch, result) => {
        work.consume(batch, result);
        done += batch.ords.length;
        context.progress((0.9 * done) / context.inputRows);
      },
    );
  } finally {
    if (!work.pool) await pool.close();
  }
}

/** Byte buffers on shared memory, handed out in turn, each grown to fit when needed. */
class SharedRing {
  private readonly slots: Uint8Array[] = [];
  private turn = 0;

  constructor(private readonly size: number) {}

  next(bytes: number): Uint8Array {
    const index = this.turn++ % this.size;
    let slot = this.slots[index];
    if (!slot || slot.length < bytes) {
      slot = new Uint8Array(new SharedArrayBuffer(Math.max(bytes, 4 << 20)));
      this.slots[index] = slot;
    }
    return slot.subarray(0, bytes);
  }
}

/** Stops with `run/interrupted` between batches once `signal` is aborted (Ctrl-C). */
async function* interruptible<T>(batches: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  for await (const batch of batches) {
    if (signal?.aborted) throw new OversightError('run/interrupted', 'run interrupted');
    yield batch;
  }
}
