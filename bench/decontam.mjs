// Decontamination benchmark: the `decontam/ngram` step on generated chat rows against GSM8K test and
// MATH test, beside the obvious implementation (a JS Set of n-gram strings, string joins per window)
// on a subset. A few hundred planted rows copy eval text; both sides must find exactly those.
//
//   npm run bench:decontam -- --runs 3                    (builds first; 1M rows)
//   node --expose-gc bench/decontam.mjs --rows 100000 --runs 1   (quick check, after `npx tsc -b`)
//
// Options: --rows N (1000000), --runs N (3), --planted N (300), --baseline-rows N (100000),
//          --data-dir DIR (/work/shared/data; holds gsm8k/test.jsonl and math/test.jsonl),
//          --workers N (OVERSIGHT_WORKERS; default all cores), --threads N (DuckDB; default all cores),
//          --memory-limit 8GB (DuckDB's default), --seed N (1), --json.
// Exit code: 0 whatever the speed; 1 when a run fails or either side finds other rows than the planted ones.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
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
import { builtinSteps } from '../packages/filters/dist/index.js';
import { normalizedWords } from '../packages/filters/dist/text/normalize.js';
import { decontamId, generatedEvalSets, KINDS, plantPlan, readEvalItems, writeDecontamJsonl } from './generate-decontam.mjs';
import { benchCli, cachedData, median, mib, pad, seconds } from './lib.mjs';

const TARGET_MICROSECONDS = 5;
const SOURCE = 'train';
/** n per scope, the step's defaults. */
const N = { prompt: 8, answer: 13, straddle: 13 };
/** Temp dirs still on disk; removed on exit, failure and Ctrl-C. */
const here = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    planted: { type: 'string', default: '300' },
    'baseline-rows': { type: 'string', default: '100000' },
    'data-dir': { type: 'string', default: '/work/shared/data' },
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
    'usage: node bench/decontam.mjs [--rows N] [--runs N] [--planted N] [--baseline-rows N] [--data-dir DIR] [--workers N]\n' +
      '                               [--threads N] [--memory-limit 8GB] [--seed N] [--json]\n',
  );
  process.exit(0);
}

const { integer, say, fail, makeTempDir, removeTempDir, cleanup } = benchCli('decontam', args);
const rows = integer('rows', 1);
const runs = integer('runs', 1);
const planted = Math.min(integer('planted', 1), rows);
const baselineRows = Math.min(integer('baseline-rows', 1), rows);
const seed = integer('seed', 1);
const threads = args.threads === undefined ? undefined : integer('threads', 1);
const memoryLimit = args['memory-limit'];
if (args.workers !== undefined) process.env.OVERSIGHT_WORKERS = String(integer('workers', 0));
const workers = process.env.OVERSIGHT_WORKERS ? Number(process.env.OVERSIGHT_WORKERS) : availableParallelism();

// ---------------------------------------------------------------------------------------------------
// Eval sets: GSM8K test and MATH test from --data-dir, or generated stand-ins of the same size.

const cacheDir = join(here, '.data');

function evalSets() {
  const gsm8k = join(args['data-dir'], 'gsm8k', 'test.jsonl');
  const math = join(args['data-dir'], 'math', 'test.jsonl');
  let real = true;
  let paths = { gsm8k, math };
  if (!existsSync(gsm8k) || !existsSync(math)) {
    real = false;
    mkdirSync(cacheDir, { recursive: true });
    paths = { gsm8k: join(cacheDir, `eval-gsm8k-like-s${seed}.jsonl`), math: join(cacheDir, `eval-math-like-s${seed}.jsonl`) };
    const texts = generatedEvalSets(seed);
    writeFileSync(paths.gsm8k, texts.gsm8k);
    writeFileSync(paths.math, texts.math);
  }
  return {
    real,
    sets: [
      { id: 'gsm8k-test', format: 'gsm8k', path: paths.gsm8k, items: readEvalItems(paths.gsm8k, 'gsm8k') },
      { id: 'math-test', format: 'math', path: paths.math, items: readEvalItems(paths.math, 'math') },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// Training rows: generated once per (rows, planted, seed, generators, eval files), cached under bench/.data/.

function dataFile(sets, plan) {
  return cachedData(
    `decontam-${rows}-p${planted}-s${seed}`,
    [join(here, 'generate-decontam.mjs'), join(here, 'generate-neardup.mjs'), ...sets.map((set) => set.path)],
    (partial) => writeDecontamJsonl(partial, rows, seed, plan),
    say,
  );
}

// ---------------------------------------------------------------------------------------------------
// Ours: one source, two held-out sets, one decontam/ngram step, on a fresh workspace database file.

function recipeText(file, sets) {
  return [
    'version: 1',
    'name: bench-decontam',
    'sources:',
    `  - { id: ${SOURCE}, path: ${JSON.stringify(file)}, format: messages }`,
    'heldout:',
    ...sets.map((set) => `  - { id: ${set.id}, path: ${JSON.stringify(set.path)}, format: ${set.format} }`),
    'steps:',
    '  - use: decontam/ngram',
    `    with: { against: [${sets.map((set) => set.id).join(', ')}], scope: [prompt, answer, straddle], search: all }`,
    '',
  ].join('\n');
}

const canonicalId = (id) => createHash('md5').update(`${SOURCE}\u001f${id}`).digest('hex');

function openOptions() {
  const options = {};
  if (threads !== undefined) options.threads = threads;
  if (memoryLimit) options.memoryLimit = memoryLimit;
  return options;
}

async function ours(file, sets) {
  const dir = makeTempDir();
  try {
    const { recipe, diagnostics } = await validateRecipeText(recipeText(file, sets), join(dir, 'bench.yaml'), {
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
      let stepStart;
      let stepCpu;
      let cpuAtStart;
      let sourceEnd;
      const notes = [];
      const began = performance.now();
      const result = await runRecipe(recipe, {
        db,
        onEvent: (event) => {
          if (event.type === 'step-end') {
            stepEnd = event;
            const used = process.cpuUsage(cpuAtStart);
            stepCpu = (used.user + used.system) / 1000;
          } else if (event.type === 'step-start') {
            stepStart = event;
            cpuAtStart = process.cpuUsage();
          } else if (event.type === 'source-end' && event.source === SOURCE) sourceEnd = event;
          else if (event.type === 'note' && event.scope !== 'mix') notes.push(event.message);
        },
      });
      const wallMs = performance.now() - began;
      if (!result.ok) {
        const error = result.error ? `${result.error.code}: ${result.error.message}` : 'no error given';
        throw new Error(`runRecipe failed: ${error}`);
      }
      const source = result.sources.find((s) => s.id === SOURCE);
      if (!source || source.read !== rows || source.quarantined !== 0) {
        throw new Error(`ours read ${source?.read} rows with ${source?.quarantined} quarantined, expected ${rows} and 0`);
      }
      if (!stepEnd || stepEnd.cached) throw new Error('no uncached step-end event');
      if (stepStart?.inputRows !== rows) throw new Error(`the step saw ${stepStart?.inputRows} rows, expected ${rows}`);
      const table = identifier(`s_${result.steps[0].fingerprint.slice(0, 16)}_matches`);
      const matched = await db.all(sql`SELECT id, list(DISTINCT scope ORDER BY scope) AS scopes FROM ${table} GROUP BY id`);
      return {
        wallMs,
        stepMs: stepEnd.durationMs,
        stepCpuMs: stepCpu,
        ingestMs: sourceEnd?.durationMs ?? Number.NaN,
        dropped: stepEnd.dropped,
        matched: new Map(matched.map((row) => [row.id, row.scopes])),
        heldout: result.heldout,
        notes,
      };
    } finally {
      db.close();
    }
  } finally {
    removeTempDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------------
// The baseline: the obvious implementation. The eval items' n-grams as strings in a JS Set per n
// (prompt 8-grams; answer and straddle 13-grams), from `normalizedWords`; each training row's turns
// joined, normalized, and every window of 8 and of 13 words joined into a string and looked up.

function baselineIndex(sets) {
  const began = performance.now();
  const index = new Map([
    [N.prompt, new Set()],
    [N.answer, new Set()],
  ]);
  const add = (words, n, from, to) => {
    for (let start = from; start + n <= words.length && start < to; start++) index.get(n).add(words.slice(start, start + n).join(' '));
  };
  for (const set of sets) {
    for (const item of set.items) {
      const prompt = normalizedWords(item.prompt ?? '');
      const answer = normalizedWords(item.answer ?? '');
      add(prompt, N.prompt, 0, prompt.length);
      add(answer, N.answer, 0, answer.length);
      if (prompt.length > 0 && answer.length > 0)
        add([...prompt, ...answer], N.straddle, Math.max(0, prompt.length - N.straddle + 1), prompt.length);
    }
  }
  return { index, ms: performance.now() - began, entries: [...index.values()].reduce((total, set) => total + set.size, 0) };
}

function baseline(texts, index) {
  const matched = [];
  const began = performance.now();
  for (let row = 0; row < texts.length; row++) {
    const words = normalizedWords(texts[row]);
    let hit = false;
    for (const [n, set] of index) {
      for (let start = 0; !hit && start + n <= words.length; start++) hit = set.has(words.slice(start, start + n).join(' '));
      if (hit) break;
    }
    if (hit) matched.push(row);
  }
  return { ms: performance.now() - began, n: texts.length, matched };
}

/** The first `count` rows of the file as the step searches them: turn contents joined by U+001E. */
async function firstRows(file, count) {
  const texts = [];
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (texts.length >= count) break;
    texts.push(
      JSON.parse(line)
        .messages.map((message) => message.content)
        .join('\u001e'),
    );
  }
  lines.close();
  return texts;
}

// ---------------------------------------------------------------------------------------------------
// Reporting helpers

const micro = (ms, n) => (ms * 1000) / n;
const us = (value) => `${value.toFixed(2)} µs/row`;

// ---------------------------------------------------------------------------------------------------
// Main

try {
  const { real, sets } = evalSets();
  if (!real) {
    say('!'.repeat(100));
    say(`!! ${args['data-dir']}/gsm8k/test.jsonl or math/test.jsonl not found: using GENERATED eval sets of the same size`);
    say(
      `!! (${sets.map((set) => `${set.items.length} ${set.id}`).join(', ')}; written to ${cacheDir}). Figures are not those of the real sets.`,
    );
    say('!'.repeat(100));
  }
  const plan = plantPlan(rows, planted, sets);
  const file = await dataFile(sets, plan);
  const plantedIds = new Map(plan.map((plant) => [canonicalId(decontamId(plant.position)), plant]));
  const cpuModel = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  say(
    `decontam benchmark: ${rows.toLocaleString('en-US')} chat rows, ${mib(statSync(file).size)} (${file}); ${planted} planted ` +
      `(${KINDS.map((kind) => `${plan.filter((p) => p.kind === kind).length} ${kind}`).join(', ')})`,
  );
  say(`eval: ${sets.map((set) => `${set.id} ${set.items.length} items (${set.path})`).join(', ')}${real ? '' : ' [GENERATED]'}`);
  say(
    `machine: ${availableParallelism()} cores (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; node ${process.version}; ` +
      `workers ${workers}; DuckDB threads ${threads ?? 'all cores'}${memoryLimit ? `, memory_limit ${memoryLimit}` : ''}`,
  );
  say('step: decontam/ngram against both sets, scope [prompt, answer, straddle] (n = 8, 13, 13), search all');
  say();

  // The baseline's texts and index are made afresh for each of its runs and dropped afterwards: kept
  // alive, ~100 MB of strings would sit in the heap during ours and inflate its garbage collection.
  let indexMs = 0;
  let entries = 0;
  const runBaseline = async () => {
    const texts = await firstRows(file, baselineRows);
    const built = baselineIndex(sets);
    indexMs = built.ms;
    entries = built.entries;
    return baseline(texts, built.index);
  };
  const collect = () => globalThis.gc?.();
  if (!globalThis.gc) say('note: run with `node --expose-gc` (as `npm run bench:decontam` does) to collect garbage between the sides');
  const plantedInSubset = plan.filter((plant) => plant.position < baselineRows).map((plant) => plant.position);

  const results = [];
  const baselineResults = [];
  for (let run = 1; run <= runs; run++) {
    const baselineFirst = run % 2 === 0;
    let base;
    let our;
    // Each side starts on a collected heap: the baseline leaves hundreds of MB of dead strings behind.
    collect();
    if (baselineFirst) {
      base = await runBaseline();
      collect();
    }
    our = await ours(file, sets);
    if (!baselineFirst) {
      collect();
      base = await runBaseline();
    }
    results.push(our);
    baselineResults.push(base);
    if (run === 1) {
      for (const note of our.notes) say(`  note: ${note}`);
      for (const heldout of our.heldout) {
        if (heldout.quarantined > 0) say(`  held-out ${heldout.id}: ${heldout.quarantined} item(s) quarantined at ingest (not searched)`);
      }
    }
    // Correctness: exactly the planted rows, on both sides.
    const missing = [...plantedIds.keys()].filter((id) => !our.matched.has(id));
    const extra = [...our.matched.keys()].filter((id) => !plantedIds.has(id));
    if (missing.length > 0 || extra.length > 0 || our.dropped !== planted) {
      const examples = missing.slice(0, 3).map((id) => `${decontamId(plantedIds.get(id).position)} (${plantedIds.get(id).kind})`);
      fail(
        `run ${run}: ours matched ${our.matched.size} rows and dropped ${our.dropped}, planted ${planted}: ` +
          `${missing.length} planted row(s) missed${examples.length ? ` (e.g. ${examples.join(', ')})` : ''}, ${extra.length} unplanted matched`,
      );
    }
    if (base.matched.join(',') !== plantedInSubset.join(',')) {
      fail(`run ${run}: the baseline matched ${base.matched.length} of its ${baselineRows} rows, ${plantedInSubset.length} planted there`);
    }
    say(
      `run ${run}/${runs} (order: ${baselineFirst ? 'baseline, ours' : 'ours, baseline'}): ` +
        `ours step ${seconds(our.stepMs)} = ${us(micro(our.stepMs, rows))} (CPU, all threads: ${us(micro(our.stepCpuMs, rows))}), whole run ${seconds(our.wallMs)} (ingest ${seconds(our.ingestMs)}), ` +
        `${our.matched.size}/${planted} found; baseline ${us(micro(base.ms, base.n))}, ${base.matched.length}/${plantedInSubset.length} found`,
    );
  }
  say();

  const stepMs = median(results.map((r) => r.stepMs));
  const stepCpuMs = median(results.map((r) => r.stepCpuMs));
  const wallMs = median(results.map((r) => r.wallMs));
  const ingestMs = median(results.map((r) => r.ingestMs));
  const baselineMs = median(baselineResults.map((r) => r.ms));
  const oursUs = micro(stepMs, rows);
  const baselineUs = micro(baselineMs, baselineRows);
  const met = oursUs <= TARGET_MICROSECONDS;
  const byKind = Object.fromEntries(KINDS.map((kind) => [kind, 0]));
  for (const [id, plant] of plantedIds) if (results[0].matched.has(id)) byKind[plant.kind]++;

  say(`medians over ${runs} run(s):`);
  say(`  ours, decontam/ngram step  ${pad(seconds(stepMs), 9)}   ${us(oursUs)}   (CPU time of all threads: ${us(micro(stepCpuMs, rows))})`);
  say(`  ours, whole run            ${pad(seconds(wallMs), 9)}   ${us(micro(wallMs, rows))}   (ingest ${seconds(ingestMs)})`);
  say(
    `  baseline (Set of strings)  ${pad(seconds(baselineMs), 9)}   ${us(baselineUs)}   on ${baselineRows.toLocaleString('en-US')} rows ` +
      `(index of ${entries.toLocaleString('en-US')} n-grams built in ${seconds(indexMs)}, not counted)`,
  );
  say(`  ratio baseline / ours per row: ${(baselineUs / oursUs).toFixed(1)}×`);
  say(
    `  planted rows found by ours: ${results[0].matched.size}/${planted} (${KINDS.map((kind) => `${kind} ${byKind[kind]}`).join(', ')}), none other`,
  );
  say(`  target ≤ ${TARGET_MICROSECONDS} µs/row (step): ${met ? 'met' : 'NOT met'}`);

  if (args.json) {
    const summary = {
      rows,
      runs,
      planted,
      baselineRows,
      seed,
      workers,
      threads: threads ?? null,
      memoryLimit: memoryLimit ?? null,
      file,
      realEvalSets: real,
      evalSets: sets.map((set) => ({ id: set.id, path: set.path, items: set.items.length })),
      cores: availableParallelism(),
      cpu: cpuModel,
      node: process.version,
      medianMs: { step: stepMs, stepCpu: stepCpuMs, wall: wallMs, ingest: ingestMs, baseline: baselineMs, baselineIndex: indexMs },
      microsecondsPerRow: { step: oursUs, wall: micro(wallMs, rows), baseline: baselineUs },
      ratio: baselineUs / oursUs,
      found: { ours: results[0].matched.size, byKind },
      target: TARGET_MICROSECONDS,
      met,
      runsDetail: results.map((r, i) => ({
        run: i + 1,
        stepMs: r.stepMs,
        stepCpuMs: r.stepCpuMs,
        wallMs: r.wallMs,
        ingestMs: r.ingestMs,
        baselineMs: baselineResults[i].ms,
      })),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  }
} catch (error) {
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
}
cleanup();
