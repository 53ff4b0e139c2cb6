import { existsSync, statSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// biome-ignore lint/style/noRestrictedImports: the baseline is raw DuckDB by definition, outside the Database door.
import { DuckDBInstance } from '@duckdb/node-api';
import {
  Database,
  DEFAULT_MAX_ROW_BYTES,
  ensureWorkspaceTables,
  ingestSource,
  resolveSource,
  runRecipe,
  StepRegistry,
  scanJsonl,
  validateRecipeText,
} from '../packages/core/dist/index.js';
import { writeChatJsonl } from './generate-chat.mjs';
import { benchCli, cachedData, median, mib, pad, seconds } from './lib.mjs';

const TARGET = 1.5;
/** Temp dirs still on disk; removed on exit, failure and Ctrl-C. */
const here = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(availableParallelism()) },
    seed: { type: 'string', default: '1' },
    'memory-limit': { type: 'string' },
    'check-path': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (args.help) {
  process.stdout.write(
    'usage: node bench/ingest.mjs [--rows N] [--runs N] [--threads N] [--seed N] [--memory-limit 8GB] [--check-path] [--json]\n',
  );
  process.exit(0);
}

const { integer, say, fail, makeTempDir, removeTempDir, cleanup } = benchCli('ingest', args);
const positiveInteger = (name) => integer(name, 1);
const rows = positiveInteger('rows');
const runs = positiveInteger('runs');
const threads = positiveInteger('threads');
const seed = positiveInteger('seed');
const memoryLimit = args['memory-limit'];

function sizeOnDisk(dir) {
  let total = 0;
  for (const name of ['raw.duckdb', 'raw.duckdb.wal', 'ours.duckdb', 'ours.duckdb.wal']) {
    const path = join(dir, name);
    if (existsSync(path)) total += statSync(path).size;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------
// Data: generated once per (rows, seed, generator source), cached under bench/.data/

function dataFile() {
  return cachedData(`chat-${rows}-s${seed}`, [join(here, 'generate-chat.mjs')], (partial) => writeChatJsonl(partial, rows, seed), say);
}

// ---------------------------------------------------------------------------------------------------
// The two sides

/** Raw DuckDB: one CREATE TABLE AS over read_ndjson, on a fresh database file. */
async function baseline(file) {
  const dir = makeTempDir();
  try {
    const config = { threads: String(threads) };
    if (memoryLimit) config.memory_limit = memoryLimit;
    const instance = await DuckDBInstance.create(join(dir, 'raw.duckdb'), config);
    const connection = await instance.connect();
    const began = performance.now();
    await connection.run(`CREATE TABLE t AS SELECT * FROM read_ndjson('${file.replaceAll("'", "''")}')`);
    const ms = performance.now() - began;
    const reader = await connection.runAndReadAll('SELECT count(*)::INTEGER AS n FROM t');
    const count = Number(reader.getRowObjectsJS()[0].n);
    const closing = performance.now();
    connection.closeSync();
    instance.closeSync();
    const closeMs = performance.now() - closing;
    const bytes = sizeOnDisk(dir);
    if (count !== rows) throw new Error(`raw DuckDB read ${count} rows, expected ${rows}`);
    return { ms, closeMs, bytes };
  } finally {
    removeTempDir(dir);
  }
}

function recipeText(file) {
  // A JSON string is a valid YAML double-quoted scalar: any path survives.
  return `version: 1\nname: bench-ingest\nsources:\n  - { id: chat, path: ${JSON.stringify(file)}, format: messages }\n`;
}

async function loadBenchRecipe(dir, file) {
  const { recipe, diagnostics } = await validateRecipeText(recipeText(file), join(dir, 'bench.yaml'), {
    registry: new StepRegistry([]),
  });
  if (!recipe) {
    for (const d of diagnostics) process.stderr.write(`${d.file}:${d.line}:${d.column}: ${d.code}: ${d.message}\n`);
    fail('the benchmark recipe did not validate');
  }
  return recipe;
}

function openOptions() {
  return memoryLimit ? { threads, memoryLimit } : { threads };
}

/** Ours: the same file as a recipe source, through runRecipe (ingest + an empty mix, no outputs). */
async function ours(file) {
  const dir = makeTempDir();
  try {
    const recipe = await loadBenchRecipe(dir, file);
    const db = await Database.open(join(dir, 'ours.duckdb'), openOptions());
    let ingestMs;
    let sourceEnd;
    let closeMs = 0;
    let result;
    let ms;
    try {
      await ensureWorkspaceTables(db);
      const began = performance.now();
      result = await runRecipe(recipe, {
        db,
        onEvent: (event) => {
          if (event.type === 'source-end') {
            sourceEnd = event;
            ingestMs = event.durationMs;
          }
        },
      });
      ms = performance.now() - began;
    } finally {
      const closing = performance.now();
      db.close();
      closeMs = performance.now() - closing;
    }
    const bytes = sizeOnDisk(dir);
    if (!result.ok) {
      const error = result.error ? `${result.error.code}: ${result.error.message}` : 'no error given';
      throw new Error(`runRecipe failed: ${error}`);
    }
    const source = result.sources[0];
    if (!source || source.read !== rows || source.quarantined !== 0) {
      throw new Error(`ours read ${source?.read} rows with ${source?.quarantined} quarantined, expected ${rows} and 0`);
    }
    if (sourceEnd?.cached) throw new Error('the source came from the cache on a fresh database');
    if (result.mix && result.mix.rows !== rows) throw new Error(`the mix has ${result.mix.rows} rows, expected ${rows}`);
    return { ms, ingestMs: ingestMs ?? Number.NaN, closeMs, bytes };
  } finally {
    removeTempDir(dir);
  }
}

/** Untimed: ingests once through `ingestSource`, which reports how many files took the fast path. */
async function checkPath(file) {
  const dir = makeTempDir();
  try {
    const recipe = await loadBenchRecipe(dir, file);
    const db = await Database.open(join(dir, 'ours.duckdb'), openOptions());
    try {
      await ensureWorkspaceTables(db);
      const resolved = await resolveSource(recipe.sources[0], { recipeDir: recipe.dir });
      const began = performance.now();
      const outcome = await ingestSource(db, resolved, { table: 'src_probe', fingerprint: 'probe', onBadRow: 'quarantine' });
      return { ...outcome, files: resolved.files.length, ms: performance.now() - began };
    } finally {
      db.close();
    }
  } finally {
    removeTempDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------------
// Reporting helpers

const rate = (ms) => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;

// ---------------------------------------------------------------------------------------------------
// Main

try {
  const file = await dataFile();
  const fileBytes = statSync(file).size;

  // Warm the page cache for both sides (one full read), and check the file as ours will see it.
  const warmBegan = performance.now();
  const scan = scanJsonl(file, DEFAULT_MAX_ROW_BYTES);
  const warmMs = performance.now() - warmBegan;
  if (scan.lines !== rows) fail(`${file} has ${scan.lines} lines, expected ${rows}: delete it and run again`);

  const cpuModel = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  say(`ingest benchmark: ${rows.toLocaleString('en-US')} rows, ${mib(fileBytes)} (${file})`);
  say(
    `machine: ${availableParallelism()} cores (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; DuckDB threads: ${threads}` +
      `${memoryLimit ? `, memory_limit ${memoryLimit}` : ''}; node ${process.version}`,
  );
  say(`warm-up read: ${seconds(warmMs)}; pre-scan ${scan.clean ? 'clean (fast path expected)' : 'NOT clean (ours will go line by line)'}`);
  say('page cache: not dropped (needs root); the warm-up read puts the file in it for both sides');
  say();

  const results = [];
  for (let run = 1; run <= runs; run++) {
    const baselineFirst = run % 2 === 1;
    let raw;
    let our;
    if (baselineFirst) {
      raw = await baseline(file);
      our = await ours(file);
    } else {
      our = await ours(file);
      raw = await baseline(file);
    }
    const entry = { run, order: baselineFirst ? 'raw, ours' : 'ours, raw', raw, ours: our, ratio: our.ms / raw.ms };
    results.push(entry);
    say(`run ${run}/${runs} (order: ${entry.order})`);
    say(`  ${'side'.padEnd(22)}${pad('time', 10)}${pad('close', 9)}${pad('on disk', 10)}   throughput`);
    say(
      `  ${'raw DuckDB (CTAS)'.padEnd(22)}${pad(seconds(raw.ms), 10)}${pad(seconds(raw.closeMs), 9)}${pad(mib(raw.bytes), 10)}   ${rate(raw.ms)}`,
    );
    say(
      `  ${'ours (runRecipe)'.padEnd(22)}${pad(seconds(our.ms), 10)}${pad(seconds(our.closeMs), 9)}${pad(mib(our.bytes), 10)}   ${rate(our.ms)}`,
    );
    say(`  ${'  of which ingest'.padEnd(22)}${pad(seconds(our.ingestMs), 10)}${pad('', 9)}${pad('', 10)}   ${rate(our.ingestMs)}`);
    say(`  ratio ours/raw: ${entry.ratio.toFixed(2)}×  (ingest only: ${(our.ingestMs / raw.ms).toFixed(2)}×)`);
    say();
  }

  const rawMedian = median(results.map((r) => r.raw.ms));
  const oursMedian = median(results.map((r) => r.ours.ms));
  const ingestMedian = median(results.map((r) => r.ours.ingestMs));
  const ratio = oursMedian / rawMedian;
  const ingestRatio = ingestMedian / rawMedian;
  const met = ratio <= TARGET;

  say(`medians over ${runs} run(s):`);
  say(`  raw DuckDB (CTAS)      ${pad(seconds(rawMedian), 10)}   ${rate(rawMedian)}`);
  say(`  ours (runRecipe)       ${pad(seconds(oursMedian), 10)}   ${rate(oursMedian)}`);
  say(`  ours, ingest only      ${pad(seconds(ingestMedian), 10)}   ${rate(ingestMedian)}`);
  say(`  ratio ours/raw: ${ratio.toFixed(2)}×  (ingest only: ${ingestRatio.toFixed(2)}×)`);
  say(`  target ≤ ${TARGET.toFixed(2)}×: ${met ? 'met' : 'NOT met'}`);

  let path;
  if (args['check-path']) {
    const probe = await checkPath(file);
    path = { fastFiles: probe.fastFiles, files: probe.files, read: probe.read, quarantined: probe.quarantined, ms: probe.ms };
    say();
    say(
      `path check (untimed run of ingestSource): ${probe.fastFiles}/${probe.files} file(s) on the fast path` +
        ` (${probe.fastFiles === probe.files ? 'read_ndjson' : 'FELL BACK to line by line'}), ${seconds(probe.ms)}`,
    );
    if (probe.read !== rows || probe.quarantined !== 0) fail(`path check read ${probe.read} rows, ${probe.quarantined} quarantined`);
  }

  if (args.json) {
    const summary = {
      rows,
      runs,
      threads,
      memoryLimit: memoryLimit ?? null,
      file,
      fileBytes,
      cores: availableParallelism(),
      cpu: cpuModel,
      node: process.version,
      prescanClean: scan.clean,
      target: TARGET,
      medianMs: { raw: rawMedian, ours: oursMedian, oursIngest: ingestMedian },
      ratio,
      ingestRatio,
      met,
      runsDetail: results.map((r) => ({
        run: r.run,
        order: r.order,
        rawMs: r.raw.ms,
        rawCloseMs: r.raw.closeMs,
        rawBytes: r.raw.bytes,
        oursMs: r.ours.ms,
        oursIngestMs: r.ours.ingestMs,
        oursCloseMs: r.ours.closeMs,
        oursBytes: r.ours.bytes,
        ratio: r.ratio,
      })),
      ...(path ? { pathCheck: path } : {}),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  }
} catch (error) {
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
}
cleanup();
