// MinHash signature benchmark: our engine (worker pool, and inline on one thread) vs. a plain
// single-thread MinHash written here and the `minhash` npm package, on ~1k-character documents.
//
//   npm run bench:minhash -- --runs 3                    (builds first)
//   node bench/minhash.mjs --docs 20000 --runs 1         (quick smoke, after `npx tsc -b`)
//
// Options: --docs N (200000, ours), --plain-docs N (50000), --package-docs N (2000),
//          --workers N (all cores), --runs N (3), --seed N (1), --json.
// Exit code: 0 whatever the speed; 1 when a run fails, the pool and inline disagree, or our
// signatures estimate Jaccard badly (a broken signature, not a slow one).
import { availableParallelism, cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import minhashPackage from 'minhash';
import { minhashConfig, minhashDedup } from '../packages/filters/dist/dedup/minhash.js';
import {
  bandKeys,
  jaccard,
  ShingleScratch,
  shingleHashes,
  shingleSet,
  signatureSimilarity,
  signShingles,
} from '../packages/filters/dist/minhash/engine.js';
import { pipeline, WorkerPool } from '../packages/filters/dist/parallel/pool.js';
import { documentAt, neardupDocument, neardupLayout, scopeAllText, stream } from './generate-neardup.mjs';
import { benchCli, median, pad, plainMinHash, seconds } from './lib.mjs';

const { Minhash } = minhashPackage;
const TARGET_RATE = 100_000;
const TARGET_PACKAGE_RATIO = 250;
const NUM_PERM = 128;
const SHINGLE = 5;
const BATCH = 4096;
/** Our estimates on near-duplicate pairs: a mean absolute error above this means broken signatures. */
const MAX_MEAN_ERROR = 0.06;

// ---------------------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '200000' },
    'plain-docs': { type: 'string', default: '50000' },
    'package-docs': { type: 'string', default: '2000' },
    workers: { type: 'string', default: String(availableParallelism()) },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (args.help) {
  process.stdout.write(
    'usage: node bench/minhash.mjs [--docs N] [--plain-docs N] [--package-docs N] [--workers N] [--runs N] [--seed N] [--json]\n',
  );
  process.exit(0);
}

const { integer, say, fail } = benchCli('minhash', args);
const docs = integer('docs', 1);
const plainDocs = Math.min(integer('plain-docs', 1), docs);
const packageDocs = Math.min(integer('package-docs', 1), docs);
const workers = integer('workers', 1);
const runs = integer('runs', 1);
const seed = integer('seed', 1);

// ---------------------------------------------------------------------------------------------------
// Documents: the first N documents of the near-duplicate generator (scope `all` text, ~1.1k chars),
// flattened (a template-literal string is a rope until first read; DuckDB hands flat strings).

function flat(text) {
  return Buffer.from(text, 'latin1').toString('latin1');
}

function makeDocuments() {
  const layout = neardupLayout(docs, seed);
  const texts = new Array(docs);
  for (let position = 0; position < docs; position++) texts[position] = flat(scopeAllText(documentAt(layout, seed, position)));
  return texts;
}

// ---------------------------------------------------------------------------------------------------
// The baseline: the obvious single-thread MinHash. Lowercase, split on non-letters/digits, FNV-1a
// per word, 5-word shingles (FNV over the word hashes), 128 universal hash permutations
// h_i(x) = a_i·x + b_i mod 2^32 (Math.imul), minimum per permutation.

const { words: plainWords, sign: plainSignature } = plainMinHash(NUM_PERM, SHINGLE, stream(seed, 0x5eed, 0x5eed));

/** The `minhash` package as its README uses it: one `Minhash` per document, `update` per shingle. */
function packageSignature(text) {
  const words = plainWords(text);
  const minhash = new Minhash({ numPerm: NUM_PERM, seed: 1 });
  for (let start = 0; start + SHINGLE <= words.length; start++) minhash.update(words.slice(start, start + SHINGLE).join(' '));
  return minhash;
}

// ---------------------------------------------------------------------------------------------------
// The four sides; each returns { ms, n }.

/** The config `dedup/minhash` hands its workers at threshold 0.8 (bands × rows as the step derives them). */
const config = minhashConfig(minhashDedup.params.parse({ threshold: 0.8, num_perm: NUM_PERM, shingles: { words: SHINGLE } }));

async function* batchesOf(texts) {
  for (let start = 0; start < texts.length; start += BATCH) yield { start, texts: texts.slice(start, start + BATCH) };
}

/** Ours through the pool, with band keys (what `dedup/minhash` asks of the workers). */
async function oursPool(pool, texts) {
  const keys = new Float64Array(texts.length * config.bands);
  const began = performance.now();
  await pipeline(
    pool,
    batchesOf(texts),
    (batch) => ({ kind: 'sign', texts: batch.texts, config, withSignatures: false }),
    (batch, result) => keys.set(result.keys, batch.start * config.bands),
  );
  return { ms: performance.now() - began, n: texts.length, keys };
}

/** Ours inline: the same engine calls the worker makes, on this thread. */
function oursInline(texts) {
  const keys = new Float64Array(texts.length * config.bands);
  const scratch = new ShingleScratch();
  const signature = new Uint32Array(NUM_PERM);
  const filled = new Uint8Array(NUM_PERM);
  const began = performance.now();
  for (let index = 0; index < texts.length; index++) {
    const count = shingleHashes(texts[index], config.shingles, scratch);
    if (signShingles(scratch.shingles.values, count, NUM_PERM, config.seed, signature, filled)) {
      bandKeys(signature, config.bands, config.rows, keys, index * config.bands);
    }
  }
  return { ms: performance.now() - began, n: texts.length, keys };
}

function plain(texts) {
  const signature = new Uint32Array(NUM_PERM);
  let checksum = 0;
  const began = performance.now();
  for (let index = 0; index < texts.length; index++) checksum ^= plainSignature(texts[index], signature)[0];
  return { ms: performance.now() - began, n: texts.length, checksum };
}

function packageSide(texts) {
  let checksum = 0;
  const began = performance.now();
  for (let index = 0; index < texts.length; index++) checksum += packageSignature(texts[index]).hashvalues[0];
  return { ms: performance.now() - began, n: texts.length, checksum };
}

// ---------------------------------------------------------------------------------------------------
// Accuracy (untimed): estimated vs. exact Jaccard on planted near-duplicate pairs (base, copy 1).

function accuracy(pairs) {
  const scratch = new ShingleScratch();
  const sign = (text) => {
    const signature = new Uint32Array(NUM_PERM);
    const count = shingleHashes(text, config.shingles, scratch);
    signShingles(scratch.shingles.values, count, NUM_PERM, config.seed, signature, new Uint8Array(NUM_PERM));
    return signature;
  };
  const plainEstimate = (a, b) =>
    signatureSimilarity(plainSignature(a, new Uint32Array(NUM_PERM)), plainSignature(b, new Uint32Array(NUM_PERM)));
  const errors = { ours: [], plain: [], package: [] };
  for (const [index, [a, b]] of pairs.entries()) {
    const exact = jaccard(shingleSet(a, config.shingles, scratch), shingleSet(b, config.shingles, scratch));
    errors.ours.push(Math.abs(signatureSimilarity(sign(a), sign(b)) - exact));
    errors.plain.push(Math.abs(plainEstimate(a, b) - exact));
    if (index < 100) errors.package.push(Math.abs(packageSignature(a).jaccard(packageSignature(b)) - exact));
  }
  const summary = (list) => ({ pairs: list.length, mean: list.reduce((x, y) => x + y, 0) / list.length, max: Math.max(...list) });
  return { ours: summary(errors.ours), plain: summary(errors.plain), package: summary(errors.package) };
}

function nearDuplicatePairs(count) {
  const layout = neardupLayout(Math.max(docs, 100_000), seed);
  const pairs = [];
  for (let group = 0; pairs.length < count && group + 1 < layout.groupStarts.length; group++) {
    if (layout.groupStarts[group + 1] - layout.groupStarts[group] < 2) continue;
    pairs.push([scopeAllText(neardupDocument(seed, group, 0)), scopeAllText(neardupDocument(seed, group, 1))]);
  }
  return pairs;
}

// ---------------------------------------------------------------------------------------------------
// Reporting helpers

const perSecond = (n, ms) => n / (ms / 1000);
const rate = (value) => `${Math.round(value).toLocaleString('en-US')} docs/s`;

// ---------------------------------------------------------------------------------------------------
// Main

const SIDES = ['pool', 'inline', 'plain', 'package'];
const LABELS = {
  pool: `ours, pool of ${workers}`,
  inline: 'ours, inline (1 thread)',
  plain: 'plain TS MinHash',
  package: 'minhash@0.0.9',
};

let pool;
try {
  const cpuModel = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const madeAt = performance.now();
  const texts = makeDocuments();
  const chars = texts.reduce((total, text) => total + text.length, 0) / texts.length;
  say(
    `minhash benchmark: ${docs.toLocaleString('en-US')} documents (mean ${chars.toFixed(0)} chars, made in ${seconds(performance.now() - madeAt)}); ` +
      `${NUM_PERM} hashes, ${SHINGLE}-word shingles; ours also computes ${config.bands}×${config.rows} band keys`,
  );
  say(
    `machine: ${availableParallelism()} cores (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; node ${process.version}; ` +
      `subsets: plain ${plainDocs.toLocaleString('en-US')}, package ${packageDocs.toLocaleString('en-US')} docs`,
  );

  pool = WorkerPool.create(workers);
  // Start the threads and warm their code before timing (the step pays this once per run, ~50 ms).
  await pool.broadcast({ kind: 'sign', texts: texts.slice(0, 512), config, withSignatures: false });
  oursInline(texts.slice(0, 2000));
  plain(texts.slice(0, 200));
  packageSide(texts.slice(0, 5));
  say('warm-up: pool threads started and every side run once on a few documents (untimed)');
  say();

  const results = [];
  for (let run = 1; run <= runs; run++) {
    const order = SIDES.map((_, index) => SIDES[(index + run - 1) % SIDES.length]);
    const entry = { run, order };
    for (const side of order) {
      if (side === 'pool') entry.pool = await oursPool(pool, texts);
      else if (side === 'inline') entry.inline = oursInline(texts);
      else if (side === 'plain') entry.plain = plain(texts.slice(0, plainDocs));
      else entry.package = packageSide(texts.slice(0, packageDocs));
    }
    // The pool and the inline engine must agree exactly (outputs never depend on the thread count).
    const a = entry.pool.keys;
    const b = entry.inline.keys;
    for (let index = 0; index < a.length; index++) {
      if (a[index] !== b[index]) fail(`run ${run}: pool and inline band keys differ at document ${Math.floor(index / config.bands)}`);
    }
    results.push(entry);
    say(`run ${run}/${runs} (order: ${order.join(', ')})`);
    for (const side of SIDES) {
      const { ms, n } = entry[side];
      say(
        `  ${LABELS[side].padEnd(26)}${pad(n.toLocaleString('en-US'), 9)} docs ${pad(seconds(ms), 9)}   ${pad(rate(perSecond(n, ms)), 18)}`,
      );
    }
    say();
  }

  const rates = Object.fromEntries(SIDES.map((side) => [side, median(results.map((r) => perSecond(r[side].n, r[side].ms)))]));
  const ratio = {
    poolOverPackage: rates.pool / rates.package,
    poolOverPlain: rates.pool / rates.plain,
    inlineOverPackage: rates.inline / rates.package,
    inlineOverPlain: rates.inline / rates.plain,
    poolOverInline: rates.pool / rates.inline,
  };
  const metRate = rates.pool >= TARGET_RATE;
  const metRatio = ratio.poolOverPackage >= TARGET_PACKAGE_RATIO;

  say(`medians over ${runs} run(s):`);
  for (const side of SIDES) say(`  ${LABELS[side].padEnd(26)}${pad(rate(rates[side]), 18)}`);
  say(`  ours (pool) / minhash@0.0.9:   ${ratio.poolOverPackage.toFixed(0)}×   (inline: ${ratio.inlineOverPackage.toFixed(0)}×)`);
  say(`  ours (pool) / plain TS:        ${ratio.poolOverPlain.toFixed(1)}×   (inline: ${ratio.inlineOverPlain.toFixed(1)}×)`);
  say(`  pool / inline:                 ${ratio.poolOverInline.toFixed(2)}×`);
  say(`  target ours (pool) ≥ ${TARGET_RATE.toLocaleString('en-US')} docs/s: ${metRate ? 'met' : 'NOT met'}`);
  say(`  target ours (pool) ≥ ${TARGET_PACKAGE_RATIO}× minhash@0.0.9: ${metRatio ? 'met' : 'NOT met'}`);

  const quality = accuracy(nearDuplicatePairs(500));
  say();
  say('accuracy (untimed): |estimated − exact Jaccard| on planted near-duplicate pairs (exact Jaccard 0.5–1.0)');
  for (const [side, label] of [
    ['ours', 'ours (one permutation)'],
    ['plain', 'plain TS MinHash'],
    ['package', 'minhash@0.0.9'],
  ]) {
    const q = quality[side];
    say(`  ${label.padEnd(26)} ${pad(q.pairs, 4)} pairs   mean ${q.mean.toFixed(3)}   max ${q.max.toFixed(3)}`);
  }
  if (!(quality.ours.mean <= MAX_MEAN_ERROR)) fail(`our signatures estimate Jaccard with mean error ${quality.ours.mean.toFixed(3)}`);

  if (args.json) {
    const summary = {
      docs,
      plainDocs,
      packageDocs,
      workers,
      runs,
      seed,
      cores: availableParallelism(),
      cpu: cpuModel,
      node: process.version,
      meanChars: chars,
      bands: config.bands,
      rows: config.rows,
      medianDocsPerSecond: rates,
      ratio,
      targets: { rate: TARGET_RATE, packageRatio: TARGET_PACKAGE_RATIO, metRate, metRatio },
      accuracy: quality,
      runsDetail: results.map((r) => ({
        run: r.run,
        order: r.order,
        ...Object.fromEntries(SIDES.map((side) => [side, { n: r[side].n, ms: r[side].ms }])),
      })),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  }
} catch (error) {
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  await pool?.close();
}
