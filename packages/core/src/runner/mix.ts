/**
 * Mix v1: per-source weights, an optional total, optional quotas by a column, and a seed.
 * Deterministic: rows are ranked by `md5(seed:id)`, so the same recipe and seed select and order the
 * same rows, byte for byte.
 *
 * - no `mix:` → every kept row, in input order;
 * - `total` without `weights` → `total` rows drawn from the whole pool;
 * - `weights` → each source gets `total × w / Σw` rows (largest remainder); without `total`, the
 *   largest total whose shares every source can fill. A source that cannot fill its share gives all
 *   it has and the shortfall is noted; nothing is repeated.
 * - `quotas: {by, shares}` → each source's share (or the whole pool's `total`, without `weights`) is
 *   split again by `shares` over the value of `by` (a canonical column or a `meta` key, read as the
 *   held-out carve reads `stratify` keys), largest remainder. A (source, value) cell short of rows
 *   gives what it has, and the shortfall is noted, never filled from another cell. Rows whose value is
 *   not in `shares` get no place. Without `total`, the total is the largest at which every cell with
 *   a positive weight and share fills. Rows are ranked inside each cell by the same hashes as above.
 */
import type { Database } from '../db/database.js';
import { identifier, joinSql, rawSql, type SqlFragment, sql } from '../db/sql.js';
import type { MixSpec, QuotaSpec } from '../recipe/schema.js';
import { CANONICAL_COLUMNS } from '../sources/canonical.js';

export interface MixPlan {
  quotas: Map<string, number>;
  /**
   * Notes for the run summary. With `quotas`, `writeMix` appends the notes it can only make once it
   * has counted the rows per value (cell shortfalls, rows without a place), and updates `quotas`.
   */
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
  if (spec.quotas) {
    await writeQuotaMix(db, target, input, spec, spec.quotas, plan);
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

/** Rows of one (source, value) of the input, as counted for a mix with quotas; `value` null when the row has none. */
export interface QuotaCount {
  source: string;
  value: string | null;
  rows: number;
}

/** What one cell of a mix with quotas gives: `source` null for the whole pool (quotas without `weights`). */
export interface QuotaCell {
  source: string | null;
  value: string;
  /** Rows taken (at most the rows available). */
  quota: number;
}

export interface QuotaPlan {
  cells: QuotaCell[];
  notes: string[];
}

/** The apportion key of the whole pool; never a source id (ids start with a letter or digit). */
const POOL = '';

/**
 * Splits a mix by `quotas`: the total goes to sources by `weights` (or to the whole pool without
 * them), then each source's share goes to the values of `by` by `shares`, largest remainder at both
 * levels. `available` lists the sources in recipe order; `counts` gives the rows per (source, value).
 */
export function planQuotas(
  spec: MixSpec,
  quotas: QuotaSpec,
  available: ReadonlyArray<[string, number]>,
  counts: readonly QuotaCount[],
): QuotaPlan {
  const notes: string[] = [];
  const by = quotas.by;
  const shares = Object.entries(quotas.shares);
  const shareSum = shares.reduce((acc, [, share]) => acc + share, 0);
  const unlisted = new Map<string, number>();
  for (const count of counts) {
    if (count.value !== null && Object.hasOwn(quotas.shares, count.value)) continue;
    const key = count.value === null ? 'no value' : `\`${count.value}\``;
    unlisted.set(key, (unlisted.get(key) ?? 0) + count.rows);
  }
  if (unlisted.size > 0) {
    const total = [...unlisted.values()].reduce((acc, rows) => acc + rows, 0);
    const listed = [...unlisted]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([key, rows]) => `${key} ×${rows}`);
    notes.push(
      `quotas by \`${by}\`: ${total} row(s) with no value or a value not in \`shares\` get no place (${listed.join(', ')}${unlisted.size > 5 ? ', …' : ''})`,
    );
  }
  const pools: Array<[string, number]> = spec.weights ? available.map(([source]) => [source, spec.weights?.[source] ?? 0]) : [[POOL, 1]];
  const weightSum = pools.reduce((acc, [, weight]) => acc + weight, 0);
  const rowsOf = (pool: string, value: string) =>
    counts.reduce((acc, count) => (count.value === value && (pool === POOL || count.source === pool) ? acc + count.rows : acc), 0);
  const where = (pool: string, value: string) =>
    pool === POOL ? `\`${by}\` = \`${value}\`` : `source \`${pool}\`, \`${by}\` = \`${value}\``;
  if (shareSum === 0) {
    notes.push('every share in `mix.quotas` is 0: the mix is empty');
    return { cells: [], notes };
  }
  if (weightSum === 0) return { cells: [], notes };
  const layout = (total: number) => {
    const targets = spec.weights ? apportion(total, pools) : new Map([[POOL, total]]);
    return pools.flatMap(([pool]) =>
      [...apportion(targets.get(pool) ?? 0, shares)].map(([value, quota]) => ({ pool, value, quota, rows: rowsOf(pool, value) })),
    );
  };
  let total = spec.total;
  if (total === undefined) {
    // The largest total at which every cell with a positive weight and share fills; rounding at two
    // levels can push a cell one row over its bound, so the bound is checked and lowered until it fits.
    let bound = Number.POSITIVE_INFINITY;
    let binding = { pool: POOL, value: '', rows: 0 };
    for (const [pool, weight] of pools) {
      if (weight <= 0) continue;
      for (const [value, share] of shares) {
        if (share <= 0) continue;
        const rows = rowsOf(pool, value);
        const limit = Math.floor((rows * weightSum * shareSum) / (weight * share) + 1e-9);
        if (limit < bound) {
          bound = limit;
          binding = { pool, value, rows };
        }
      }
    }
    total = bound;
    while (total > 0 && layout(total).some((cell) => cell.quota > cell.rows)) total--;
    notes.push(
      `no \`total\`: ${total} row(s), the most at which every share of \`${by}\` fills (bound by ${where(binding.pool, binding.value)}: ${binding.rows} row(s))`,
    );
  }
  const cells: QuotaCell[] = [];
  const taken = new Map<string, number>();
  for (const cell of layout(total)) {
    if (cell.quota > cell.rows) {
      notes.push(`${where(cell.pool, cell.value)}: share ${cell.quota} rows, ${cell.rows} available (short by ${cell.quota - cell.rows})`);
    }
    const quota = Math.min(cell.quota, cell.rows);
    cells.push({ source: cell.pool === POOL ? null : cell.pool, value: cell.value, quota });
    taken.set(cell.value, (taken.get(cell.value) ?? 0) + quota);
  }
  notes.push(`quotas by \`${by}\`: ${[...taken].map(([value, rows]) => `${value} ${rows}`).join(', ')}`);
  return { cells, notes };
}

/** SQL: the value of a quota's `by` key, as the held-out carve reads `stratify` keys. */
function quotaValue(key: string): SqlFragment {
  return (CANONICAL_COLUMNS as readonly string[]).includes(key)
    ? sql`${identifier(key)}::VARCHAR`
    : sql`json_extract_string(meta, ${`$.${key}`})`;
}

/** The mix with quotas: counts rows per (source, value), plans the cells, ranks rows inside each cell. */
async function writeQuotaMix(
  db: Database,
  target: SqlFragment,
  input: SqlFragment,
  spec: MixSpec,
  quotas: QuotaSpec,
  plan: MixPlan | undefined,
): Promise<void> {
  const value = quotaValue(quotas.by);
  const counts = await db.all<{ source: string; value: string | null; rows: number }>(
    sql`SELECT source, ${value} AS value, count(*)::INTEGER AS rows FROM ${input} GROUP BY ALL ORDER BY ALL`,
  );
  const sources = [...(plan?.quotas.keys() ?? [])];
  for (const count of counts) if (!sources.includes(count.source)) sources.push(count.source);
  const available = sources.map(
    (source) => [source, counts.reduce((acc, count) => (count.source === source ? acc + count.rows : acc), 0)] as [string, number],
  );
  const quotaPlan = planQuotas(spec, quotas, available, counts);
  if (plan) {
    plan.notes.push(...quotaPlan.notes);
    if (spec.weights) {
      for (const source of sources) {
        plan.quotas.set(
          source,
          quotaPlan.cells.reduce((acc, cell) => (cell.source === source ? acc + cell.quota : acc), 0),
        );
      }
    }
  }
  const seed = String(spec.seed ?? 0);
  const cells = quotaPlan.cells.filter((cell) => cell.quota > 0);
  if (cells.length === 0) {
    await db.run(sql`CREATE TABLE ${target} AS SELECT id, source, 0::INTEGER AS position FROM ${input} WHERE false`);
    return;
  }
  const quotaRows = joinSql(
    cells.map((cell) => sql`(${cell.source ?? POOL}::VARCHAR, ${cell.value}::VARCHAR, ${cell.quota}::INTEGER)`),
    ', ',
  );
  // Inside a cell, rows rank by the same hash as without quotas (per source with weights, pool-wide without).
  const ranked = spec.weights
    ? sql`SELECT id, source, value, row_number() OVER (PARTITION BY source, value ORDER BY md5(${seed} || ':' || id)) AS rank
        FROM (SELECT id, source, ${value} AS value FROM ${input})`
    : sql`SELECT id, source, value, row_number() OVER (PARTITION BY value ORDER BY md5(${seed} || ':pool:' || id)) AS rank
        FROM (SELECT id, source, ${value} AS value FROM ${input})`;
  const matches = spec.weights ? sql`q.source = r.source AND q.value = r.value` : sql`q.value = r.value`;
  await db.run(sql`CREATE TABLE ${target} AS
    SELECT id, source, (row_number() OVER (ORDER BY md5(${seed} || ':order:' || id), id))::INTEGER AS position FROM (
      SELECT r.id, r.source FROM (${ranked}) r JOIN (VALUES ${quotaRows}) q(source, value, quota) ON ${matches}
      WHERE r.rank <= q.quota)`);
}
