/**
 * `dedup/minhash` — near-duplicate removal with our own MinHash LSH engine.
 *
 * Pipeline: stream the scope text of every row out of DuckDB → shingle and sign on worker threads
 * (one-permutation MinHash, `minhash/engine.ts`) → band keys back into a DuckDB table → candidate
 * pairs from rows sharing a band key (a GROUP BY in DuckDB, so memory stays bounded) → exact Jaccard
 * of each candidate pair on its shingle sets (`verify`) → union-find over the verified pairs →
 * one representative per cluster by the `keep` policy, every other member dropped.
 *
 * Reasons: `near_duplicate` (detail: the representative kept, the cluster size and the Jaccard
 * similarity to it) and `indexed_duplicate` (a near-duplicate of a row of an earlier run's index).
 * Evidence: the `clusters` table (`oversight show clusters`), and with `index:` a band index file.
 */
import { isAbsolute, resolve } from 'node:path';
import { type Database, defineStep, joinSql, OversightError, type ParamProblem, rawSql, type SqlFragment, sql } from '@oversight/core';
import { z } from 'zod';
import { curvePoints, jaccard, type MinHashConfig, optimalBands, signatureSimilarity } from '../minhash/engine.js';
import { type IndexMetadata, indexMetadata, readIndexMetadata, sameIndexConfig, writeIndexFile } from '../minhash/index-file.js';
import { describeShingles, shingleConfig, shinglesSchema } from '../minhash/params.js';
import { openPool } from '../parallel/open.js';
import { pipeline, type WorkerPool } from '../parallel/pool.js';
import { packTexts, type SetsResult, type SignResult } from '../parallel/tasks.js';
import { scopeSchema, scopeText } from '../scope.js';

/** Buckets larger than this are not expanded into all pairs (see the description). */
export const MAX_BUCKET_PAIRS = 64;
const BATCH_ROWS = 4096;

const keepSchema = z
  .union([
    z.enum(['first', 'longest', 'shortest']),
    z.strictObject({ highest: z.string().min(1).describe('A numeric `meta` field; the row with the highest value stays.') }),
    z.strictObject({
      source_priority: z.array(z.string().min(1)).min(1).describe('Source ids, most preferred first; unlisted sources come last.'),
    }),
  ])
  .describe(
    'Which member of a cluster stays: `first` (input order), `longest` / `shortest` scope text, `{ highest: <meta field> }`, ' +
      'or `{ source_priority: [ids] }`. Ties go to the first in input order.',
  );

const params = z
  .strictObject({
    scope: scopeSchema.default('all'),
    threshold: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.8)
      .describe('Jaccard similarity of shingle sets at and above which two rows are duplicates.'),
    num_perm: z.int().min(8).max(1024).default(128).describe('MinHash values per row (one-permutation bins).'),
    shingles: shinglesSchema.default({ words: 5 }),
    bands: z.int().min(1).optional().describe('LSH bands; with `rows`, overrides the choice derived from `threshold`.'),
    rows: z.int().min(1).optional().describe('MinHash values per band; with `bands`.'),
    keep: keepSchema.default('first'),
    verify: z
      .boolean()
      .default(true)
      .describe('Check the exact Jaccard of every candidate pair before dropping (no false positives from LSH).'),
    seed: z.int().min(0).default(1).describe('Hash seed; signatures (and indexes) are comparable only under the same seed.'),
    index: z
      .string()
      .min(1)
      .optional()
      .describe('Write the band index of the rows this step keeps to this Parquet file (relative to the recipe).'),
    against_index: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe('Index file(s) written by an earlier `index:`; rows near-duplicating an indexed row are dropped too.'),
  })
  .superRefine((value, context) => {
    if ((value.bands === undefined) !== (value.rows === undefined)) {
      const given = value.bands === undefined ? 'rows' : 'bands';
      context.addIssue({
        code: 'custom',
        path: [given],
        message: `expected \`bands\` and \`rows\` together, or neither; found only \`${given}\``,
      });
    } else if (value.bands !== undefined && value.rows !== undefined && value.bands * value.rows > value.num_perm) {
      context.addIssue({
        code: 'custom',
        path: ['rows'],
        message: `expected bands × rows ≤ num_perm (${value.num_perm}), found ${value.bands} × ${value.rows} = ${value.bands * value.rows}`,
      });
    }
  });

type Params = z.infer<typeof params>;

/**
 * Weights of the bands × rows choice. Verified candidates cost one exact Jaccard each, a missed pair
 * is a duplicate left in the data: with `verify`, misses weigh 19× false candidates. Without it, a
 * false candidate is a wrong drop, so both weigh the same (datasketch's and data-juicer's choice).
 */
export const VERIFIED_WEIGHTS = { falsePositive: 0.05, falseNegative: 0.95 };

/** The engine config for these params: explicit bands/rows, or the optimum for the threshold. */
export function minhashConfig(options: Params): MinHashConfig {
  const weights = options.verify ? VERIFIED_WEIGHTS : { falsePositive: 0.5, falseNegative: 0.5 };
  const choice =
    options.bands !== undefined && options.rows !== undefined
      ? { bands: options.bands, rows: options.rows }
      : optimalBands(options.threshold, options.num_perm, weights.falsePositive, weights.falseNegative);
  return {
    shingles: shingleConfig(options.shingles),
    numPerm: options.num_perm,
    bands: choice.bands,
    rows: choice.rows,
    seed: options.seed,
  };
}

function indexPaths(options: Params, recipeDir: string): string[] {
  const list =
    options.against_index === undefined ? [] : Array.isArray(options.against_index) ? options.against_index : [options.against_index];
  return list.map((path) => (isAbsolute(path) ? path : resolve(recipeDir, path)));
}

export const minhashDedup = defineStep({
  id: 'dedup/minhash',
  version: 1,
  summary: 'Drop near-duplicate rows: MinHash LSH, exact Jaccard verification, union-find clusters.',
  description:
    'Shingles the scope text (after the shared normalization), signs it with one-permutation MinHash (optimal densification) on worker threads, ' +
    'and finds candidate pairs through LSH bands in DuckDB. Bands × rows are derived from `threshold` by minimizing the weighted false-positive and ' +
    'false-negative areas of the S-curve (printed with the curve), unless given; with `verify` misses weigh 19:1, since a false candidate only costs a check. With `verify` (default) every candidate pair is checked ' +
    'on its exact shingle-set Jaccard before it counts. Clusters are the connected components of the verified pairs (a chain A~B~C is one ' +
    `cluster); one row per cluster stays by \`keep\`. Buckets of more than ${MAX_BUCKET_PAIRS} rows are expanded into pairs with their first ` +
    'member and between neighbours instead of all pairs. Rows with an empty scope are never duplicates. `index:` saves a band index of the ' +
    'kept rows; `against_index:` also drops rows matching an earlier index (verified on the signatures, since the earlier texts are not at hand). ' +
    'Threads: OVERSIGHT_WORKERS (default: all cores); the output does not depend on it.',
  effect: 'drop',
  params,
  reasons: ['near_duplicate', 'indexed_duplicate'],
  files: (options) => {
    const list =
      options.against_index === undefined ? [] : Array.isArray(options.against_index) ? options.against_index : [options.against_index];
    return list;
  },
  check: async (options, context) => {
    const problems: ParamProblem[] = [];
    const config = minhashConfig(options);
    for (const [position, path] of indexPaths(options, context.recipeDir).entries()) {
      const at: Array<string | number> = Array.isArray(options.against_index) ? ['against_index', position] : ['against_index'];
      try {
        const metadata = await readIndexMetadata(context.scratch, path);
        const mismatch = sameIndexConfig(metadata, indexMetadata(config));
        if (mismatch)
          problems.push({ path: at, message: mismatch, hint: 'use the shingles, num_perm, bands, rows and seed the index was built with' });
      } catch (error) {
        problems.push({ path: at, message: OversightError.is(error) ? error.message : String(error) });
      }
    }
    return problems;
  },
  run: async (context, options) => {
    const config = minhashConfig(options);
    const { db } = context;
    const explicit = options.bands !== undefined;
    const points = curvePoints(options.threshold, config.bands, config.rows)
      .map((point) => `${point.similarity.toFixed(2)}→${point.probability.toFixed(3)}`)
      .join(', ');
    context.note(
      `${config.bands} bands × ${config.rows} rows (${explicit ? 'given' : `derived for threshold ${options.threshold}${options.verify ? ', misses weighted 19:1 as candidates are verified' : ''}`}, ${config.bands * config.rows} of ${config.numPerm} hashes), ${describeShingles(config.shingles)}; P(candidate | Jaccard): ${points}`,
    );
    const indexes = indexPaths(options, context.recipeDir);
    const withSignatures = options.index !== undefined || indexes.length > 0;
    const signatures = context.scratch('signatures');
    const bandColumns = Array.from({ length: config.bands }, (_, band) => `b${band}`);
    await db.run(
      sql`CREATE TEMP TABLE ${signatures} (ord BIGINT, ${rawSql(bandColumns.map((column) => `${column} DOUBLE`).join(', '))}${withSignatures ? rawSql(', signature BLOB') : rawSql('')})`,
    );
    const pool = openPool(context.inputRows);
    try {
      // 1. Signatures: scope text out of DuckDB, band keys back in.
      const signed = await signRows(
        db,
        context.input,
        scopeText(options.scope),
        signatures,
        config,
        withSignatures,
        pool,
        (done) => context.progress((0.5 * done) / Math.max(1, context.inputRows)),
        context.signal,
      );
      // 2. Candidate pairs from shared band keys.
      const pairs = context.scratch('pairs');
      await db.run(sql`CREATE TEMP TABLE ${pairs} AS
        WITH keys AS (UNPIVOT (SELECT ord, ${rawSql(bandColumns.join(', '))} FROM ${signatures}) ON ${rawSql(bandColumns.join(', '))} INTO NAME band VALUE key),
        buckets AS (SELECT list(ord ORDER BY ord) AS m FROM keys GROUP BY band, key HAVING count(*) > 1),
        expanded AS (
          SELECT a, unnest(list_filter(m, x -> x > a)) AS b FROM (SELECT m, unnest(m) AS a FROM buckets WHERE len(m) <= ${MAX_BUCKET_PAIRS})
          UNION ALL SELECT m[1] AS a, unnest(m[2:]) AS b FROM buckets WHERE len(m) > ${MAX_BUCKET_PAIRS}
          UNION ALL SELECT unnest(m[1:-1]) AS a, unnest(m[2:]) AS b FROM buckets WHERE len(m) > ${MAX_BUCKET_PAIRS})
        SELECT DISTINCT a, b FROM expanded`);
      context.progress(0.6);
      // 3. Verified edges (exact Jaccard on shingle sets), or every candidate pair.
      const edges = await verifiedEdges(db, context.input, scopeText(options.scope), pairs, config, options, pool, context.signal);
      context.progress(0.8);
      // 4. Clusters.
      await writeClusters(db, context.input, context.table('clusters'), edges, options, context.scratch('members'));
      // 5. Rows matching an earlier index.
      const indexed = context.scratch('indexed');
      await db.run(sql`CREATE TEMP TABLE ${indexed} (ord BIGINT, detail VARCHAR)`);
      for (const path of indexes) await matchIndex(db, path, signatures, bandColumns, config, options, indexed);
      // 6. Verdicts.
      await db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
        SELECT i.id,
          CASE WHEN x.ord IS NOT NULL THEN false WHEN c.id IS NOT NULL THEN c.representative = i.id ELSE true END AS keep,
          CASE WHEN x.ord IS NOT NULL THEN 'indexed_duplicate' WHEN c.id IS NOT NULL AND c.representative <> i.id THEN 'near_duplicate' END AS reason,
          CASE WHEN x.ord IS NOT NULL THEN x.detail
               WHEN c.id IS NOT NULL AND c.representative <> i.id THEN
                 'near-duplicate of ' || c.representative || ' (cluster of ' || c.cluster_size || coalesce(', Jaccard ' || printf('%.3f', c.similarity), '') || ')'
          END AS detail
        FROM ${context.input} i
        LEFT JOIN ${context.table('clusters')} c USING (id)
        LEFT JOIN (SELECT ord, any_value(detail) AS detail FROM ${indexed} GROUP BY ord) x ON x.ord = i._ord`);
      // 7. The band index of the kept rows, for `index:`.
      if (options.index !== undefined) {
        await db.run(sql`CREATE TABLE ${context.table('index')} AS
          SELECT i.id, i.source, ${rawSql(bandColumns.map((column) => `s.${column}`).join(', '))}, s.signature
          FROM ${signatures} s JOIN ${context.input} i ON i._ord = s.ord
          WHERE i.id IN (SELECT id FROM ${context.table('verdicts')} WHERE keep)
          ORDER BY s.ord`);
      }
      const clusters = await db.one<{ clusters: number; rows: number }>(
        sql`SELECT count(DISTINCT cluster_id)::INTEGER AS clusters, count(*)::INTEGER AS rows FROM ${context.table('clusters')}`,
      );
      context.note(
        `${signed.empty} row(s) with no text in scope; ${edges.candidates} candidate pair(s)${options.verify ? `, ${edges.length} verified` : ''}; ${clusters?.clusters ?? 0} cluster(s) covering ${clusters?.rows ?? 0} row(s)`,
      );
      context.progress(1);
    } finally {
      await pool.close();
    }
  },
  export: async (context, options) => {
    if (options.index === undefined) return [];
    const path = isAbsolute(options.index) ? options.index : resolve(context.recipeDir, options.index);
    await writeIndexFile(context.db, context.table('index'), path, indexMetadata(minhashConfig(options)));
    return [path];
  },
});

/** Streams `text` of every input row through the pool into the signatures table. */
export async function signRows(
  db: Database,
  input: SqlFragment,
  text: SqlFragment,
  table: SqlFragment,
  config: MinHashConfig,
  withSignatures: boolean,
  pool: WorkerPool,
  progress: (done: number) => void,
  signal?: AbortSignal,
): Promise<{ signed: number; empty: number }> {
  const writer = await db.columnWriter(table, [
    'bigint',
    ...Array<'double'>(config.bands).fill('double'),
    ...(withSignatures ? (['blob'] as const) : []),
  ]);
  let done = 0;
  let signed = 0;
  let empty = 0;
  try {
    await pipeline<{ ords: unknown[]; texts: string[] }, SignResult>(
      pool,
      // Band keys are appended while rows are read: read on the second connection (the input is committed).
      batches(db.streamCommitted(sql`SELECT _ord, ${text} FROM ${input}`), signal),
      (batch) => ({ kind: 'sign', texts: pool.size > 0 ? packTexts(batch.texts) : batch.texts, config, withSignatures }),
      (batch, result) => {
        const count = batch.texts.length;
        const columns: unknown[][] = [[], ...Array.from({ length: config.bands }, () => [] as number[])];
        if (withSignatures) columns.push([]);
        for (let row = 0; row < count; row++) {
          if (!result.valid[row]) {
            empty++;
            continue;
          }
          (columns[0] as unknown[]).push(batch.ords[row]);
          for (let band = 0; band < config.bands; band++)
            (columns[band + 1] as number[]).push(result.keys[row * config.bands + band] as number);
          if (withSignatures && result.signatures) {
            const values = result.signatures.subarray(row * config.numPerm, (row + 1) * config.numPerm);
            (columns[config.bands + 1] as unknown[]).push(
              new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
            );
          }
        }
        const rows = (columns[0] as unknown[]).length;
        if (rows > 0) writer.append(columns, rows);
        signed += rows;
        done += count;
        progress(done);
      },
    );
  } finally {
    writer.close();
  }
  return { signed, empty };
}

/**
 * Regroups DuckDB chunks (`[ords, texts]`) into batches of about `BATCH_ROWS` rows; stops with
 * `run/interrupted` once `signal` is aborted (Ctrl-C).
 */
export async function* batches(
  chunks: AsyncIterable<unknown[][]>,
  signal?: AbortSignal,
  size = BATCH_ROWS,
): AsyncGenerator<{ ords: unknown[]; texts: string[] }> {
  let ords: unknown[] = [];
  let texts: string[] = [];
  for await (const [ordColumn, textColumn] of chunks) {
    if (signal?.aborted) throw new OversightError('run/interrupted', 'run interrupted');
    const column = textColumn as Array<string | null>;
    for (let index = 0; index < column.length; index++) {
      ords.push((ordColumn as unknown[])[index]);
      texts.push(column[index] ?? '');
    }
    if (texts.length >= size) {
      yield { ords, texts };
      ords = [];
      texts = [];
    }
  }
  if (texts.length > 0) yield { ords, texts };
}

interface Edges {
  /** Pairs (a[i], b[i]) of `_ord`s with their similarity (NaN when not verified). */
  a: number[];
  b: number[];
  similarity: number[];
  length: number;
  candidates: number;
  /** Shingle sets of every row in a candidate pair (verify only). */
  sets: Map<number, Uint32Array>;
}

async function verifiedEdges(
  db: Database,
  input: SqlFragment,
  text: SqlFragment,
  pairs: SqlFragment,
  config: MinHashConfig,
  options: Params,
  pool: WorkerPool,
  signal: AbortSignal,
): Promise<Edges> {
  const edges: Edges = { a: [], b: [], similarity: [], length: 0, candidates: 0, sets: new Map() };
  if (options.verify) {
    const involved = sql`(SELECT a AS ord FROM ${pairs} UNION SELECT b FROM ${pairs})`;
    await pipeline<{ ords: unknown[]; texts: string[] }, SetsResult>(
      pool,
      batches(db.streamColumns(sql`SELECT _ord, ${text} FROM ${input} WHERE _ord IN ${involved}`), signal),
      (batch) => ({ kind: 'sets', texts: pool.size > 0 ? packTexts(batch.texts) : batch.texts, shingles: config.shingles }),
      (batch, result) => {
        for (let row = 0; row < batch.texts.length; row++) {
          edges.sets.set(Number(batch.ords[row]), result.values.slice(result.offsets[row], result.offsets[row + 1]));
        }
      },
    );
  }
  for await (const [aColumn, bColumn] of db.streamColumns(sql`SELECT a, b FROM ${pairs}`)) {
    for (let index = 0; index < (aColumn as unknown[]).length; index++) {
      const a = Number((aColumn as unknown[])[index]);
      const b = Number((bColumn as unknown[])[index]);
      edges.candidates++;
      let similarity = Number.NaN;
      if (options.verify) {
        similarity = jaccard(edges.sets.get(a) ?? new Uint32Array(0), edges.sets.get(b) ?? new Uint32Array(0));
        if (similarity < options.threshold) continue;
      }
      edges.a.push(a);
      edges.b.push(b);
      edges.similarity.push(similarity);
      edges.length++;
    }
  }
  return edges;
}

/** Union-find over the edges; writes one `clusters` row per clustered input row. */
async function writeClusters(
  db: Database,
  input: SqlFragment,
  clusters: SqlFragment,
  edges: Edges,
  options: Params,
  members: SqlFragment,
): Promise<void> {
  await db.run(
    sql`CREATE TABLE ${clusters} (id VARCHAR, _ord BIGINT, cluster_id VARCHAR, cluster_size INTEGER, representative VARCHAR, similarity DOUBLE)`,
  );
  if (edges.length === 0) return;
  const index = new Map<number, number>();
  const ords: number[] = [];
  const parent: number[] = [];
  const find = (node: number): number => {
    let root = node;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[node] !== root) {
      const next = parent[node] as number;
      parent[node] = root;
      node = next;
    }
    return root;
  };
  const nodeOf = (ord: number): number => {
    let node = index.get(ord);
    if (node === undefined) {
      node = ords.length;
      index.set(ord, node);
      ords.push(ord);
      parent.push(node);
    }
    return node;
  };
  for (let edge = 0; edge < edges.length; edge++) {
    const x = find(nodeOf(edges.a[edge] as number));
    const y = find(nodeOf(edges.b[edge] as number));
    if (x === y) continue;
    // The root is the smaller ord, so components do not depend on edge order.
    if ((ords[x] as number) < (ords[y] as number)) parent[y] = x;
    else parent[x] = y;
  }
  await db.run(sql`CREATE TEMP TABLE ${members} (ord BIGINT, cluster BIGINT)`);
  const writer = await db.columnWriter(members, ['bigint', 'bigint']);
  writer.append([ords, ords.map((_, node) => ords[find(node)] as number)], ords.length);
  writer.close();
  // The keep policy, in SQL: rank members within their cluster.
  const order = keepOrder(options.keep, options.scope);
  const ranked = await db.all<{
    ord: number;
    id: string;
    cluster: number;
    size: number;
    rep_ord: number;
    rep_id: string;
    first_id: string;
  }>(sql`
    SELECT ord, id, cluster, count(*) OVER w::INTEGER AS size,
           first_value(ord) OVER (w ORDER BY ${order}, ord) AS rep_ord,
           first_value(id) OVER (w ORDER BY ${order}, ord) AS rep_id,
           first_value(id) OVER (w ORDER BY ord) AS first_id
    FROM (SELECT m.ord, m.cluster, i.* EXCLUDE (_ord) FROM ${members} m JOIN ${input} i ON i._ord = m.ord)
    WINDOW w AS (PARTITION BY cluster)
    ORDER BY ord`);
  const out = await db.columnWriter(clusters, ['varchar', 'bigint', 'varchar', 'integer', 'varchar', 'double']);
  const columns: unknown[][] = [[], [], [], [], [], []];
  for (const row of ranked) {
    let similarity: number | null = null;
    if (options.verify) {
      const own = edges.sets.get(row.ord);
      const representative = edges.sets.get(row.rep_ord);
      if (own && representative) similarity = jaccard(own, representative);
    }
    columns[0]?.push(row.id);
    columns[1]?.push(row.ord);
    columns[2]?.push(row.first_id);
    columns[3]?.push(row.size);
    columns[4]?.push(row.rep_id);
    columns[5]?.push(similarity);
  }
  out.append(columns, ranked.length);
  out.close();
}

function keepOrder(keep: Params['keep'], scope: Params['scope']): SqlFragment {
  if (keep === 'first') return sql`ord`;
  if (keep === 'longest') return sql`length(${scopeText(scope)}) DESC`;
  if (keep === 'shortest') return sql`length(${scopeText(scope)}) ASC`;
  if ('highest' in keep) return sql`TRY_CAST(json_extract_string(meta, ${`$.${keep.highest}`}) AS DOUBLE) DESC NULLS LAST`;
  const ranks = keep.source_priority.map((source, rank) => sql`WHEN ${source} THEN ${rank}`);
  return sql`CASE source ${joinSql(ranks, ' ')} ELSE ${keep.source_priority.length} END`;
}

/** Marks rows whose band keys meet an earlier index's (verified on the signatures when `verify`). */
async function matchIndex(
  db: Database,
  path: string,
  signatures: SqlFragment,
  bandColumns: string[],
  config: MinHashConfig,
  options: Params,
  indexed: SqlFragment,
): Promise<void> {
  const metadata: IndexMetadata = await readIndexMetadata(db, path);
  const mismatch = sameIndexConfig(metadata, indexMetadata(config));
  if (mismatch) throw new OversightError('step/index-mismatch', `${path}: ${mismatch}`);
  const columns = rawSql(bandColumns.join(', '));
  const file = sql`read_parquet(${path})`;
  const candidates = await db.all<{ ord: number; id: string; mine: Uint8Array; theirs: Uint8Array }>(sql`
    WITH ours AS (UNPIVOT (SELECT ord, ${columns} FROM ${signatures}) ON ${columns} INTO NAME band VALUE key),
         theirs AS (UNPIVOT (SELECT id, ${columns} FROM ${file}) ON ${columns} INTO NAME band VALUE key),
         hits AS (SELECT DISTINCT o.ord, t.id FROM ours o JOIN theirs t USING (band, key))
    SELECT h.ord, h.id, s.signature AS mine, f.signature AS theirs
    FROM hits h JOIN ${signatures} s USING (ord) JOIN ${file} f USING (id)
    ORDER BY h.ord, h.id`);
  const writer = await db.columnWriter(indexed, ['bigint', 'varchar']);
  const ords: number[] = [];
  const details: string[] = [];
  const name = path.split(/[\\/]/).pop() ?? path;
  for (const candidate of candidates) {
    const similarity = signatureSimilarity(toWords(candidate.mine), toWords(candidate.theirs));
    if (options.verify && similarity < options.threshold) continue;
    if (ords.at(-1) === candidate.ord) continue;
    ords.push(candidate.ord);
    details.push(`near-duplicate of ${candidate.id} in index ${name} (estimated Jaccard ${similarity.toFixed(3)})`);
  }
  writer.append([ords, details], ords.length);
  writer.close();
}

function toWords(blob: Uint8Array): Uint32Array {
  const copy = new Uint8Array(blob);
  return new Uint32Array(copy.buffer, 0, copy.byteLength >>> 2);
}
