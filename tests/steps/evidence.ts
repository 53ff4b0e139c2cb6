/** Reads a step's verdicts and evidence joined with its input rows, for assertions by content. */
import { type Database, identifier, type RunResult, type SqlFragment, sql, stepTable } from '@oversight/core';

export interface RowVerdict {
  user: string;
  assistant: string;
  source: string;
  keep: boolean;
  reason: string | null;
  detail: string | null;
  meta: string | null;
}

export async function stepVerdicts(db: Database, result: RunResult, stepIndex = 0): Promise<RowVerdict[]> {
  const step = result.steps[stepIndex];
  if (!step) throw new Error(`no step ${stepIndex}: ${result.error?.message ?? ''}`);
  const record = await db.one<{ input_view: string; view_name: string }>(
    sql`SELECT input_view, view_name FROM _steps WHERE fingerprint = ${step.fingerprint}`,
  );
  if (!record) throw new Error('step not recorded');
  return db.all<RowVerdict>(sql`
    SELECT i.messages[1].content AS user, coalesce(i.messages[2].content, '') AS assistant, i.source, v.keep, v.reason, v.detail,
           o.meta::VARCHAR AS meta
    FROM ${identifier(stepTable(step.fingerprint, 'verdicts'))} v JOIN ${identifier(record.input_view)} i USING (id)
    LEFT JOIN ${identifier(record.view_name)} o USING (id)
    ORDER BY i._ord`);
}

/** A row of a step's output: its last user turn, its last turn, and the rest of the canonical columns. */
export interface OutputRow {
  id: string;
  source: string;
  task: string | null;
  user: string;
  assistant: string;
  turns: number;
  answer: string | null;
  meta: Record<string, unknown>;
}

/** A step's output rows in pipeline order (input rows first, added rows after). */
export async function stepOutputRows(db: Database, result: RunResult, stepIndex = 0): Promise<OutputRow[]> {
  const step = result.steps[stepIndex];
  if (!step) throw new Error(`no step ${stepIndex}: ${result.error?.message ?? ''}`);
  const record = await db.one<{ view_name: string }>(sql`SELECT view_name FROM _steps WHERE fingerprint = ${step.fingerprint}`);
  const rows = await db.all<Omit<OutputRow, 'meta'> & { meta: string }>(sql`
    SELECT id, source, task, coalesce(list_filter(messages, m -> m.role = 'user')[-1].content, '') AS user,
           coalesce(messages[-1].content, '') AS assistant, len(messages)::INTEGER AS turns, answer, meta::VARCHAR AS meta
    FROM ${identifier(record?.view_name ?? '')} ORDER BY _ord`);
  return rows.map((row) => ({ ...row, meta: JSON.parse(row.meta) as Record<string, unknown> }));
}

/** A candidate of a generating step, from its `generations` evidence table. */
export interface Generation {
  id: string;
  parent: string | null;
  kind: string;
  round: number;
  admitted: boolean;
  reason: string | null;
  detail: string;
  prompt: string;
}

/** A generating step's candidates, ordered by `orderBy` (SQL over the table's columns). */
export async function stepGenerations(db: Database, result: RunResult, orderBy: SqlFragment, stepIndex = 0): Promise<Generation[]> {
  const step = result.steps[stepIndex];
  if (!step) throw new Error(`no step ${stepIndex}: ${result.error?.message ?? ''}`);
  return db.all<Generation>(sql`SELECT * FROM ${identifier(stepTable(step.fingerprint, 'generations'))} ORDER BY ${orderBy}`);
}

export interface ClusterRow {
  user: string;
  cluster: string;
  size: number;
  representative: boolean;
  similarity: number | null;
}

export async function stepClusters(db: Database, result: RunResult, stepIndex = 0): Promise<ClusterRow[]> {
  const step = result.steps[stepIndex];
  if (!step) throw new Error(`no step ${stepIndex}`);
  const record = await db.one<{ input_view: string }>(sql`SELECT input_view FROM _steps WHERE fingerprint = ${step.fingerprint}`);
  if (!record) throw new Error('step not recorded');
  return db.all<ClusterRow>(sql`
    SELECT i.messages[1].content AS user, c.cluster_id AS cluster, c.cluster_size AS size, c.id = c.representative AS representative, c.similarity
    FROM ${identifier(stepTable(step.fingerprint, 'clusters'))} c JOIN ${identifier(record.input_view)} i USING (id)
    ORDER BY c._ord`);
}

export async function stepMatches(db: Database, result: RunResult, stepIndex = 0) {
  const step = result.steps[stepIndex];
  if (!step) throw new Error(`no step ${stepIndex}`);
  return db.all<{
    id: string;
    source: string;
    eval: string;
    item: string;
    scope: string;
    ngrams: string;
    matched: number;
    similarity: number | null;
  }>(
    sql`SELECT id, source, eval, item, scope, ngrams::VARCHAR AS ngrams, matched, similarity FROM ${identifier(stepTable(step.fingerprint, 'matches'))} ORDER BY id, eval, item`,
  );
}

/** Deterministic pseudo-random words from a 2,000-word vocabulary. */
export function randomWords(count: number, seed: number): string[] {
  let state = seed >>> 0 || 1;
  const out: string[] = [];
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(`t${(state >>> 8) % 2000}`);
  }
  return out;
}

/** Exact Jaccard of 5-word shingle sets, from strings (independent of the engine's hashing). */
export function trueJaccard(a: string, b: string, size = 5): number {
  const shingles = (text: string) => {
    const words = text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    const set = new Set<string>();
    if (words.length === 0) return set;
    const width = Math.min(size, words.length);
    for (let start = 0; start + width <= words.length; start++) set.add(words.slice(start, start + width).join(' '));
    return set;
  };
  const x = shingles(a);
  const y = shingles(b);
  let shared = 0;
  for (const item of x) if (y.has(item)) shared++;
  return x.size + y.size - shared === 0 ? 0 : shared / (x.size + y.size - shared);
}
