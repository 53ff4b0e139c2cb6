// Near-duplicate benchmark: the whole `dedup/minhash` step on generated documents with planted
// near-duplicate groups (time, peak RSS, recall against exact Jaccard), beside the obvious
// implementation (plain MinHash + a JS Map per band, first seen kept) on a subset.
//
//   npm run bench:neardup -- --runs 2                     (builds first; 1M documents)
//   node bench/neardup.mjs --docs 100000 --runs 1         (quick check, after `npx tsc -b`)
//
// Options: --docs N (1000000), --runs N (3), --threshold X (0.8), --sample N (20000),
//          --baseline-docs N (100000), --workers N (OVERSIGHT_WORKERS; default all cores),
//          --threads N (DuckDB; default all cores), --memory-limit 8GB (DuckDB's default), --seed N (1), --json.
// Exit code: 0 whatever the speed and a recall short of the target; 1 when a run fails, counts are
// wrong, runs disagree, a sample document was dropped with no true partner near the threshold, or
// recall is below 0.5 (planted near-duplicates lost wholesale: a broken step, not a slow one).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  Database,
  ensureWorkspaceTables,
  identifier,
  runRecipe,
  StepRegistry,
  sql,
  validateRecipeText,
} from '../packages/core/dist/index.js';
import { minhashConfig, minhashDedup } from '../packages/filters/dist/dedup/minhash.js';
import { builtinSteps } from '../packages/filters/dist/index.js';
import { normalizedWords } from '../packages/filters/dist/text/normalize.js';
import { documentAt, neardupId, neardupLayout, sampleSlots, scopeAllText, stream } from './generate-neardup.mjs';
import { benchCli, cachedData, median, mib, pad, plainMinHash, seconds } from './lib.mjs';

const TARGET_SECONDS = 60;
const TARGET_RSS_BYTES = 3e9;
const TARGET_RECALL = 0.97;
/** Recall below this is not a weak LSH curve but a broken step (rows never signed, pairs lost): exit 1. */
const BROKEN_RECALL = 0.5;
const NUM_PERM = 128;
const SHINGLE = 5;
const SOURCE = 'docs';
/** Temp dirs still on disk; removed on exit, failure and Ctrl-C. */
const here = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    threshold: { type: 'string', default: '0.8' },
    sample: { type: 'string', default: '20000' },
    'baseline-docs': { type: 'string', default: '100000' },
    workers: { type: 'string' },
    threads: { type: 'string' },
    'memory-limit': { type: 'string' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (args.help) {
  process.stdout.write(
    'usage: node bench/neardup.mjs [--docs N] [--runs N] [--threshold X] [--sample N] [--baseline-docs N] [--workers N] [--threads N]\n' +
      '                              [--memory-limit 8GB] [--seed N] [--json]\n',
  );
  process.exit(0);
}

const { integer, say, fail, makeTempDir, removeTempDir, cleanup } = benchCli('neardup', args);
const docs = integer('docs', 10);
const runs = integer('runs', 1);
const sampleSize = Math.min(integer('sample', 10), docs);
const baselineDocs = Math.min(integer('baseline-docs', 1), docs);
const seed = integer('seed', 1);
const threshold = Number(args.threshold);
if (!(threshold > 0.1 && threshold < 0.95)) fail(`--threshold expects a number in (0.1, 0.95), got ${JSON.stringify(args.threshold)}`);
const threads = args.threads === undefined ? undefined : integer('threads', 1);
const memoryLimit = args['memory-limit'];
if (args.workers !== undefined) process.env.OVERSIGHT_WORKERS = String(integer('workers', 0));
const workers = process.env.OVERSIGHT_WORKERS ? Number(process.env.OVERSIGHT_WORKERS) : availableParallelism();

// ---------------------------------------------------------------------------------------------------
// Data: generated once per (docs, seed, generator source), cached under bench/.data/. Generation
// runs in a child process so that its memory never shows in this process's peak RSS.

function dataFile() {
  const generator = join(here, 'generate-neardup.mjs');
  // Generation runs in a child process so that its memory never shows in this process's peak RSS.
  return cachedData(
    `neardup-${docs}-s${seed}`,
    [generator],
    async (partial) => {
      execFileSync(process.execPath, [generator, partial, String(docs), String(seed)], { stdio: 'inherit' });
    },
    say,
  );
}

// ---------------------------------------------------------------------------------------------------
// Ours: the recipe with one dedup/minhash step, on a fresh workspace database file.

function recipeText(file) {
  return [
    'version: 1',
    'name: bench-neardup',
    'sources:',
    `  - { id: ${SOURCE}, path: ${JSON.stringify(file)}, format: messages }`,
    'steps:',
    '  - use: dedup/minhash',
    `    with: { scope: all, threshold: ${threshold}, num_perm: ${NUM_PERM}, shingles: { words: ${SHINGLE} }, verify: true, keep: first }`,
    '',
  ].join('\n');
}

/** The canonical id of a row with natural id `id` (md5 of source, U+001F, id; see core's ingest). */
const canonicalId = (id) => createHash('md5').update(`${SOURCE}\u001f${id}`).digest('hex');

function openOptions() {
  const options = {};
  if (threads !== undefined) options.threads = threads;
  if (memoryLimit) options.memoryLimit = memoryLimit;
  return options;
}

/**
 * One run. Returns times, counts, the peak RSS so far, and (when `sampleIds` is given) each sample
 * document's fate: dropped or not, and its cluster.
 */
async function ours(file, sampleIds) {
  const dir = makeTempDir();
  try {
    const { recipe, diagnostics } = await validateRecipeText(recipeText(file), join(dir, 'bench.yaml'), {
      registry: new StepRegistry(builtinSteps),
    });
    if (!recipe) {
      for (const d of diagnostics) process.stderr.write(`${d.file}:${d.line}:${d.column}: ${d.code}: ${d.message}\n`);
      throw new Error('the benchmark recipe did not validate');
    }
    const db = await Database.open(join(dir, 'ours.duckdb'), openOptions());
    try {
      await ensureWorkspaceTables(db);
      let stepEnd;
      let sourceEnd;
      const notes = [];
      const began = performance.now();
      const result = await runRecipe(recipe, {
        db,
        onEvent: (event) => {
          if (event.type === 'step-end') stepEnd = event;
          else if (event.type === 'source-end') sourceEnd = event;
          else if (event.type === 'note' && event.scope !== 'mix') notes.push(event.message);
        },
      });
      const wallMs = performance.now() - began;
      const maxRssKiB = process.resourceUsage().maxRSS;
      if (!result.ok) {
        const error = result.error ? `${result.error.code}: ${result.error.message}` : 'no error given';
        throw new Error(`runRecipe failed: ${error}`);
      }
      const source = result.sources[0];
      if (!source || source.read !== docs || source.quarantined !== 0) {
        throw new Error(`ours read ${source?.read} rows with ${source?.quarantined} quarantined, expected ${docs} and 0`);
      }
      if (!stepEnd || stepEnd.cached) throw new Error('no uncached step-end event');
      if (stepEnd.kept + stepEnd.dropped !== docs)
        throw new Error(`the step kept ${stepEnd.kept} and dropped ${stepEnd.dropped} of ${docs}`);
      const prefix = `s_${result.steps[0].fingerprint.slice(0, 16)}`;
      let fates;
      if (sampleIds) fates = await sampleFates(db, prefix, sampleIds);
      return {
        wallMs,
        stepMs: stepEnd.durationMs,
        ingestMs: sourceEnd?.durationMs ?? Number.NaN,
        kept: stepEnd.kept,
        dropped: stepEnd.dropped,
        maxRssKiB,
        notes,
        fates,
      };
    } finally {
      db.close();
    }
  } finally {
    removeTempDir(dir);
  }
}

/** Each sample document's verdict and cluster, read from the step's tables. */
async function sampleFates(db, prefix, sampleIds) {
  await db.run(sql`CREATE TEMP TABLE bench_sample (k INTEGER, id VARCHAR)`);
  const writer = await db.columnWriter('bench_sample', ['integer', 'varchar']);
  writer.append([sampleIds.map((_, k) => k), sampleIds], sampleIds.length);
  writer.close();
  const rows = await db.all(sql`
    SELECT s.k, v.keep, c.cluster_id
    FROM bench_sample s
    LEFT JOIN ${identifier(`${prefix}_verdicts`)} v USING (id)
    LEFT JOIN ${identifier(`${prefix}_clusters`)} c USING (id)
    ORDER BY s.k`);
  if (rows.length !== sampleIds.length || rows.some((row) => row.keep === null || row.keep === undefined)) {
    throw new Error(
      `${rows.filter((row) => row.keep !== null && row.keep !== undefined).length} of ${sampleIds.length} sample ids found in the verdicts`,
    );
  }
  return {
    dropped: rows.map((row) => !row.keep),
    cluster: rows.map((row) => row.cluster_id ?? null),
  };
}

// ---------------------------------------------------------------------------------------------------
// Exact truth on the sample: an inverted index over 5-word shingle strings of the normalized words;
// every pair sharing a shingle gets its exact Jaccard.

function shingleStrings(text) {
  const words = normalizedWords(text);
  const set = new Set();
  if (words.length === 0) return set;
  const size = Math.min(SHINGLE, words.length);
  for (let start = 0; start + size <= words.length; start++) set.add(words.slice(start, start + size).join(' '));
  return set;
}

function truth(texts) {
  const sets = texts.map(shingleStrings);
  const postings = new Map();
  for (let doc = 0; doc < sets.length; doc++) {
    for (const shingle of sets[doc]) {
      const list = postings.get(shingle);
      if (list) list.push(doc);
      else postings.set(shingle, [doc]);
    }
  }
  const n = sets.length;
  const candidates = new Set();
  for (const list of postings.values()) {
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) candidates.add(list[i] * n + list[j]);
  }
  postings.clear();
  const pairs = [];
  for (const key of candidates) {
    const a = Math.floor(key / n);
    const b = key % n;
    const [small, large] = sets[a].size <= sets[b].size ? [sets[a], sets[b]] : [sets[b], sets[a]];
    let shared = 0;
    for (const shingle of small) if (large.has(shingle)) shared++;
    pairs.push({ a, b, jaccard: shared / (small.size + large.size - shared) });
  }
  return { pairs, candidates: candidates.size };
}

function quality(sample, fates) {
  const { pairs, candidates } = truth(sample.texts);
  const best = new Float64Array(sample.texts.length);
  for (const pair of pairs) {
    best[pair.a] = Math.max(best[pair.a], pair.jaccard);
    best[pair.b] = Math.max(best[pair.b], pair.jaccard);
  }
  const same = (pair) => fates.cluster[pair.a] !== null && fates.cluster[pair.a] === fates.cluster[pair.b];
  const above = pairs.filter((pair) => pair.jaccard >= threshold + 0.05);
  const near = pairs.filter((pair) => pair.jaccard >= threshold && pair.jaccard < threshold + 0.05);
  const recall = above.filter(same).length / Math.max(1, above.length);
  const nearRecall = near.filter(same).length / Math.max(1, near.length);
  let dropped = 0;
  let badDrops = 0;
  const badExamples = [];
  for (let doc = 0; doc < sample.texts.length; doc++) {
    if (!fates.dropped[doc]) continue;
    dropped++;
    if (best[doc] < threshold - 0.1) {
      badDrops++;
      if (badExamples.length < 5) badExamples.push(`${sample.ids[doc]} (best true partner Jaccard ${best[doc].toFixed(3)})`);
    }
  }
  const histogram = new Array(10).fill(0);
  for (const pair of pairs) if (pair.jaccard >= 0.5) histogram[Math.min(9, Math.floor((pair.jaccard - 0.5) * 20))]++;
  return {
    docs: sample.texts.length,
    candidatePairs: candidates,
    truePairsAbove: above.length,
    recall,
    truePairsNear: near.length,
    nearRecall,
    dropped,
    withPartner: Array.from(best).filter((value) => value >= threshold).length,
    badDrops,
    badExamples,
    histogram,
  };
}

// ---------------------------------------------------------------------------------------------------
// The baseline: the obvious implementation. Plain single-thread MinHash (lowercase, split on
// non-letters/digits, FNV-1a words, 5-word shingles, 128 Math.imul universal hashes, min per hash),
// the same bands × rows as ours, one JS Map per band from the band's values joined as a string;
// a document whose any band key was seen before is dropped (first seen kept), no verification.

const plainSignature = plainMinHash(NUM_PERM, SHINGLE, stream(seed, 0x5eed, 0x5eed)).sign;

function baseline(texts, bands, rows) {
  const maps = Array.from({ length: bands }, () => new Map());
  const signature = new Uint32Array(NUM_PERM);
  let dropped = 0;
  const began = performance.now();
  for (let doc = 0; doc < texts.length; doc++) {
    plainSignature(texts[doc], signature);
    let duplicate = false;
    for (let band = 0; band < bands; band++) {
      const key = signature.subarray(band * rows, (band + 1) * rows).join(',');
      const map = maps[band];
      if (map.has(key)) duplicate = true;
      else map.set(key, doc);
    }
    if (duplicate) dropped++;
  }
  return { ms: performance.now() - began, n: texts.length, dropped };
}

// ---------------------------------------------------------------------------------------------------
// Reporting helpers

const gib = (kib) => `${(kib / 2 ** 20).toFixed(2)} GiB`;
const rate = (n, ms) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} docs/s`;

// ---------------------------------------------------------------------------------------------------
// Main

try {
  const file = await dataFile();
  const layout = neardupLayout(docs, seed);
  const positions = sampleSlots(layout, sampleSize);
  const sampleIds = Array.from(positions, (position) => canonicalId(neardupId(position)));
  const cpuModel = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  // The bands × rows the step derives (the baseline uses the same).
  const choice = minhashConfig(minhashDedup.params.parse({ threshold, num_perm: NUM_PERM, shingles: { words: SHINGLE }, verify: true }));
  const planted = plantedGroups(layout);
  say(
    `near-duplicate benchmark: ${docs.toLocaleString('en-US')} documents, ${mib(statSync(file).size)} (${file}); ` +
      `${planted.docs.toLocaleString('en-US')} in ${planted.groups.toLocaleString('en-US')} planted groups of 2–6`,
  );
  say(
    `machine: ${availableParallelism()} cores (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; node ${process.version}; ` +
      `workers ${workers}; DuckDB threads ${threads ?? 'all cores'}${memoryLimit ? `, memory_limit ${memoryLimit}` : ''}`,
  );
  say(
    `step: dedup/minhash scope all, threshold ${threshold}, ${NUM_PERM} hashes (${choice.bands} bands × ${choice.rows} rows), ` +
      `${SHINGLE}-word shingles, verify, keep first; quality sample ${positions.length.toLocaleString('en-US')} documents (whole groups)`,
  );
  say(`peak RSS before the runs: ${gib(process.resourceUsage().maxRSS)}`);
  say();

  // Ours first, every run, so the peak RSS is ours (plus this script's few MiB), not the baseline's maps.
  const results = [];
  for (let run = 1; run <= runs; run++) {
    const entry = await ours(file, run === 1 ? sampleIds : undefined);
    results.push(entry);
    if (run === 1) for (const note of entry.notes) say(`  note: ${note}`);
    if (entry.dropped !== results[0].dropped) fail(`run ${run} dropped ${entry.dropped}, run 1 dropped ${results[0].dropped}`);
    say(
      `run ${run}/${runs}: step ${seconds(entry.stepMs)} (${rate(docs, entry.stepMs)}), whole run ${seconds(entry.wallMs)} ` +
        `(ingest ${seconds(entry.ingestMs)}), dropped ${entry.dropped.toLocaleString('en-US')}, peak RSS so far ${gib(entry.maxRssKiB)}`,
    );
  }
  const peakRssKiB = process.resourceUsage().maxRSS;

  // The baseline, on the first documents of the file, rebuilt from the generator (untimed).
  const baselineTexts = [];
  for (let position = 0; position < baselineDocs; position++) {
    baselineTexts.push(Buffer.from(scopeAllText(documentAt(layout, seed, position)), 'latin1').toString('latin1'));
  }
  const baselineResults = [];
  for (let run = 1; run <= runs; run++) {
    const entry = baseline(baselineTexts, choice.bands, choice.rows);
    baselineResults.push(entry);
    say(
      `baseline run ${run}/${runs}: ${baselineDocs.toLocaleString('en-US')} docs in ${seconds(entry.ms)} (${rate(entry.n, entry.ms)}), ` +
        `dropped ${entry.dropped.toLocaleString('en-US')}`,
    );
  }
  baselineTexts.length = 0;
  say();

  const stepMs = median(results.map((r) => r.stepMs));
  const wallMs = median(results.map((r) => r.wallMs));
  const ingestMs = median(results.map((r) => r.ingestMs));
  const baselineMs = median(baselineResults.map((r) => r.ms));
  const oursRate = docs / (stepMs / 1000);
  const oursWallRate = docs / (wallMs / 1000);
  const baselineRate = baselineDocs / (baselineMs / 1000);

  const sample = {
    ids: Array.from(positions, (position) => neardupId(position)),
    texts: Array.from(positions, (position) => scopeAllText(documentAt(layout, seed, position))),
  };
  const q = quality(sample, results[0].fates);

  const met = {
    time: stepMs / 1000 <= TARGET_SECONDS,
    rss: peakRssKiB * 1024 <= TARGET_RSS_BYTES,
    recall: q.recall >= TARGET_RECALL,
    badDrops: q.badDrops === 0,
  };
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  // A step that lost most pairs did not do the whole job: its time and memory are no measurement.
  const broken = q.recall < BROKEN_RECALL;
  const costVerdict = (ok) => (broken ? 'not measured (incomplete run, see below)' : verdict(ok));

  say(`medians over ${runs} run(s):`);
  say(`  ours, dedup/minhash step   ${pad(seconds(stepMs), 9)}   ${rate(docs, stepMs)}`);
  say(`  ours, whole run            ${pad(seconds(wallMs), 9)}   ${rate(docs, wallMs)}   (ingest ${seconds(ingestMs)})`);
  say(
    `  baseline (plain + Maps)    ${pad(seconds(baselineMs), 9)}   ${rate(baselineDocs, baselineMs)}   on ${baselineDocs.toLocaleString('en-US')} docs`,
  );
  say(
    `  ratio per document, ours step / baseline: ${(oursRate / baselineRate).toFixed(1)}×   (whole run: ${(oursWallRate / baselineRate).toFixed(1)}×)`,
  );
  say(`  peak RSS of the process: ${gib(peakRssKiB)}`);
  say(
    `quality on the sample (${q.docs.toLocaleString('en-US')} docs, ${q.candidatePairs.toLocaleString('en-US')} pairs sharing a shingle, ` +
      `${q.withPartner.toLocaleString('en-US')} docs with a partner ≥ ${threshold}):`,
  );
  say(`  true pairs by Jaccard (0.50–1.00 in steps of 0.05): ${q.histogram.join(' ')}`);
  say(
    `  recall, pairs ≥ ${(threshold + 0.05).toFixed(2)} in one cluster: ${q.recall.toFixed(4)} of ${q.truePairsAbove.toLocaleString('en-US')} ` +
      `(pairs in [${threshold.toFixed(2)}, ${(threshold + 0.05).toFixed(2)}): ${q.nearRecall.toFixed(4)} of ${q.truePairsNear.toLocaleString('en-US')})`,
  );
  say(`  sample docs dropped: ${q.dropped.toLocaleString('en-US')}; with no true partner ≥ ${(threshold - 0.1).toFixed(2)}: ${q.badDrops}`);
  for (const example of q.badExamples) say(`    bad drop: ${example}`);
  say(
    `  target step ≤ ${TARGET_SECONDS} s: ${costVerdict(met.time)}   (whole run ${seconds(wallMs)}: ${costVerdict(wallMs / 1000 <= TARGET_SECONDS)})`,
  );
  say(`  target peak RSS ≤ ${(TARGET_RSS_BYTES / 1e9).toFixed(0)} GB: ${costVerdict(met.rss)}`);
  say(`  target recall ≥ ${TARGET_RECALL}: ${verdict(met.recall)}`);
  say(`  target zero bad drops: ${verdict(met.badDrops)}`);

  if (args.json) {
    const summary = {
      docs,
      runs,
      threshold,
      seed,
      workers,
      threads: threads ?? null,
      memoryLimit: memoryLimit ?? null,
      file,
      cores: availableParallelism(),
      cpu: cpuModel,
      node: process.version,
      bands: choice.bands,
      rows: choice.rows,
      medianMs: { step: stepMs, wall: wallMs, ingest: ingestMs, baseline: baselineMs },
      docsPerSecond: { step: oursRate, wall: oursWallRate, baseline: baselineRate },
      ratio: { step: oursRate / baselineRate, wall: oursWallRate / baselineRate },
      baselineDocs,
      peakRssBytes: peakRssKiB * 1024,
      quality: q,
      targets: { seconds: TARGET_SECONDS, rssBytes: TARGET_RSS_BYTES, recall: TARGET_RECALL, met, broken },
      runsDetail: results.map((r, index) => ({
        run: index + 1,
        stepMs: r.stepMs,
        wallMs: r.wallMs,
        ingestMs: r.ingestMs,
        dropped: r.dropped,
        maxRssKiB: r.maxRssKiB,
      })),
      baselineRunsDetail: baselineResults.map((r) => ({ ms: r.ms, dropped: r.dropped })),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  }
  if (!met.badDrops) fail(`${q.badDrops} sample document(s) dropped with no true partner ≥ ${threshold - 0.1}`);
  if (broken) {
    fail(
      `recall ${q.recall.toFixed(4)} < ${BROKEN_RECALL}: the step lost most planted near-duplicates (broken, not slow); ` +
        'its times above cover an incomplete run',
    );
  }
} catch (error) {
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
}
cleanup();

/** Groups of two or more copies, and the documents in them. */
function plantedGroups(layout) {
  let groups = 0;
  let inGroups = 0;
  for (let group = 0; group + 1 < layout.groupStarts.length; group++) {
    const size = layout.groupStarts[group + 1] - layout.groupStarts[group];
    if (size > 1) {
      groups++;
      inGroups += size;
    }
  }
  return { groups, docs: inGroups };
}
