/**
 * Mix v1: per-source weights, an optional total and a seed. Deterministic: rows are ranked by
 * `md5(seed:id)`, so the same recipe and seed select and order the same rows, byte for byte.
 *
 * - no `mix:` → every kept row, in input order;
 * - `total` without `weights` → `total` rows drawn from the whole pool;
 * - `weights` → each source gets `total × w / Σw` rows (largest remainder); without `total`, the
 *   largest total whose shares every source can fill. A source that cannot fill its share gives all
 *   it has and the shortfall is noted; nothing is repeated.
 */
import type { Database } from '../db/database.js';
import { identifier, joinSql, rawSql, type SqlFragment, sql } from '../db/sql.js';
import type { MixSpec } from '../recipe/schema.js';

export interface MixPlan {
  quotas: Map<string, number>;
  notes: string[];
}

/** Splits `total` by weights with the largest-remainder method (ties by source order). */
export function apportion(total: number, weights: ReadonlyArray<[string, number]>): Map<string, number> {
  const sum = weights.reduce((acc, [, weight]) => acc + weight, 0);
  const shares = weights.map(([source, weight], index) => {
    const exact = sum > 0 ? (total * weight) / sum : 0;
    return { source, index, floor: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let left = total - shares.reduce((acc, share) => acc + share.floor, 0);
  const byRemainder = [...shares].sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const share of byRemainder) {
    if (left <= 0) break;
    if (share.remainder > 0) {
      share.floor++;
      left--;
    }
  }
  return new Map(shares.map((share) => [share.source, share.floor]));
}

/** Decides how many rows each source gives. `available` lists sources in recipe order. */
export function planMix(spec: MixSpec, available: ReadonlyArray<[string, number]>): MixPlan {
  const notes: string[] = [];
  const availableMap = new Map(available);
  if (!spec.weights) {
    const pool = available.reduce((acc, [, count]) => acc + count, 0);
    if (spec.total !== undefined && spec.total > pool) notes.push(`total ${spec.total} asked, ${pool} rows available: the mix has ${pool}`);
    return { quotas: new Map(available.map(([source, count]) => [source, count])), notes };
  }
  const weights = available.map(([source]) => [source, spec.weights?.[source] ?? 0] as [string, number]);
  const sum = weights.reduce((acc, [, weight]) => acc + weight, 0);
  if (sum === 0) {
    notes.push('every weight is 0: the mix is empty');
    return { quotas: new Map(available.map(([source]) => [source, 0])), notes };
  }
  let total = spec.total;
  if (total === undefined) {
    // The largest total at which every weighted source fills its share.
    total = Math.min(
      ...weights.filter(([, weight]) => weight > 0).map(([source, weight]) => Math.floor(((availableMap.get(source) ?? 0) * sum) / weight)),
    );
  }
  const quotas = apportion(total, weights);
  for (const [source, quota] of quotas) {
    const count = availableMap.get(source) ?? 0;
    if (quota > count) {
      notes.push(`source \`${source}\`: share ${quota} rows, ${count} available (short by ${quota - count})`);
      quotas.set(source, count);
    }
  }
  return { quotas, notes };
}

/** Writes the mix table `(id, source, position)` from the final relation. */
export async function writeMix(
  db: Database,
  table: string,
  input: SqlFragment,
  spec: MixSpec | undefined,
  plan: MixPlan | undefined,
): Promise<void> {
  const target = identifier(table);
  if (!spec) {
    await db.run(
      sql`CREATE TABLE ${target} AS SELECT id, source, (row_number() OVER (ORDER BY _ord, id))::INTEGER AS position FROM ${input}`,
    );
    return;
  }
  const seed = String(spec.seed ?? 0);
  const quotaCases = joinSql(
    [...(plan?.quotas ?? new Map<string, number>())].map(([source, quota]) => sql`WHEN ${source} THEN ${quota}`),
    ' ',
  );
  const quota = plan && plan.quotas.size > 0 ? sql`CASE source ${quotaCases} ELSE 0 END` : rawSql('0');
  const limit =
    !spec.weights && spec.total !== undefined
      ? sql` QUALIFY row_number() OVER (ORDER BY md5(${seed} || ':pool:' || id)) <= ${spec.total}`
      : sql``;
  const ranked = spec.weights
    ? sql`SELECT id, source FROM (
        SELECT id, source, row_number() OVER (PARTITION BY source ORDER BY md5(${seed} || ':' || id)) AS rank FROM ${input}
      ) WHERE rank <= ${quota}`
    : sql`SELECT id, source FROM ${input}${limit}`;
  await db.run(sql`CREATE TABLE ${target} AS
    SELECT id, source, (row_number() OVER (ORDER BY md5(${seed} || ':order:' || id), id))::INTEGER AS position FROM (${ranked})`);
}
