// Grading benchmark: the strict math grader (and every other registered grader) on 5,000 MATH-style
// answer pairs and on 1,319 full GSM8K responses, beside the naive baseline (string compare after
// trimming) in the same run. Reports µs per item, items/s, accuracy, and the ratio to the baseline.
//
//   npm run bench:grade -- --runs 5
//   node bench/grade.mjs --runs 3 --json        (after `npx tsc -b`)
//
// Data: MATH test golds (`math/test.jsonl`: last brace-balanced \boxed{} of each solution) and Abel
// 70B's GSM8K responses with their golds (`abel/outputs/gsm8k/70b.jsonl`), read in place from
// --data-dir. When absent, generated stand-ins of the same sizes, with a banner saying so.
// Pairs: item i is answered with gold i rewritten on the surface (even i: \dfrac, spacing, $…$,
// a trailing zero) or with gold i + 1 (odd i), inside "The final answer is \boxed{…}".
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { lastBoxed } from '../packages/core/dist/index.js';
import { mathGraders } from '../packages/filters/dist/index.js';
import { benchCli, median, pad } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'data-dir': { type: 'string', default: '/work/shared/data' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (args.help) {
  process.stdout.write('node bench/grade.mjs [--runs 5] [--data-dir DIR] [--json]\n');
  process.exit(0);
}
const { say, integer } = benchCli('grade', args);
const runs = integer('runs', 1);

// ---------------------------------------------------------------------------------------------------
// Data

const mathFile = join(args['data-dir'], 'math/test.jsonl');
const gsmFile = join(args['data-dir'], 'abel/outputs/gsm8k/70b.jsonl');
const real = existsSync(mathFile) && existsSync(gsmFile);
if (!real) {
  say('!'.repeat(100));
  say(`! ${mathFile} or ${gsmFile} is absent: generated stand-ins of the same sizes; these figures do not describe real data`);
  say('!'.repeat(100));
}
const readJsonl = (path) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

/** A few surface rewrites a model makes that leave the value alone. */
function restyle(gold, index) {
  switch (index % 8) {
    case 0:
      return gold.replaceAll('\\frac', '\\dfrac');
    case 2:
      return `$${gold}$`;
    case 4:
      return gold.replaceAll(',', ', ').replaceAll('+', ' + ');
    default:
      return /^-?\d+$/.test(gold) ? `${gold}.0` : gold;
  }
}

let golds;
let gsm;
if (real) {
  golds = readJsonl(mathFile)
    .map((row) => lastBoxed(row.solution))
    .filter((gold) => gold !== undefined);
  gsm = readJsonl(gsmFile).map((row) => ({ response: row.response, gold: String(row.gold) }));
} else {
  const forms = ['\\frac{3}{4}', '2\\sqrt{5}', '(1, -2)', '[0, 3)', 'x^2 + 1', '\\pi', '17', '-\\frac{1}{2}'];
  golds = Array.from({ length: 5000 }, (_, index) => forms[index % forms.length].replace('3', String(3 + (index % 13))));
  gsm = Array.from({ length: 1319 }, (_, index) => ({
    response: `Step 1: She has ${index} apples and buys ${index % 7} more.\nStep 2: ${index} + ${index % 7} = ${index + (index % 7)}.\n#### ${index + (index % 7)}`,
    gold: String(index + ((index * 3) % 7)),
  }));
}
const pairs = golds.slice(0, 5000).map((gold, index, all) => ({
  response: `The final answer is $\\boxed{${index % 2 === 0 ? restyle(gold, index) : all[(index + 1) % all.length]}}$.`,
  gold,
}));

// ---------------------------------------------------------------------------------------------------
// Graders

const naive = { name: 'naive (trim, ===)', grade: (response, gold) => ({ correct: response.trim() === gold.trim() }) };
const graders = [naive, ...Object.values(mathGraders)];

function time(grader, items) {
  let correct = 0;
  const began = performance.now();
  for (const { response, gold } of items) if (grader.grade(response, gold).correct) correct++;
  return { ms: performance.now() - began, correct };
}

say(
  `grade benchmark: ${pairs.length} MATH-style answer pairs, ${gsm.length} full GSM8K responses (${real ? 'MATH test golds; Abel 70B GSM8K outputs' : 'generated'})`,
);
say(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}); node ${process.version}; one thread; ${runs} run(s), medians`);
// Warm-up: one pass of each grader on each set, not timed.
for (const grader of graders) {
  time(grader, pairs);
  time(grader, gsm);
}
const results = {};
for (let run = 0; run < runs; run++) {
  for (const grader of run % 2 === 0 ? graders : [...graders].reverse()) {
    for (const [set, items] of [
      ['math-pairs', pairs],
      ['gsm8k-responses', gsm],
    ]) {
      const { ms, correct } = time(grader, items);
      const key = `${grader.name}\u0000${set}`;
      results[key] ??= { grader: grader.name, set, items: items.length, ms: [], correct };
      results[key].ms.push(ms);
    }
  }
}
const rows = Object.values(results).map((entry) => {
  const ms = median(entry.ms);
  return {
    grader: entry.grader,
    set: entry.set,
    items: entry.items,
    medianMs: ms,
    microsecondsPerItem: (1000 * ms) / entry.items,
    itemsPerSecond: entry.items / (ms / 1000),
    accuracy: entry.correct / entry.items,
  };
});
for (const set of ['math-pairs', 'gsm8k-responses']) {
  const base = rows.find((row) => row.set === set && row.grader === naive.name);
  say('');
  say(`${set} (${base.items} items)`);
  say(`  ${'grader'.padEnd(20)} ${pad('µs/item', 9)} ${pad('items/s', 11)} ${pad('accuracy', 9)} ${pad('× naive time', 13)}`);
  for (const row of rows.filter((candidate) => candidate.set === set)) {
    row.timesNaive = row.medianMs / base.medianMs;
    say(
      `  ${row.grader.padEnd(20)} ${pad(row.microsecondsPerItem.toFixed(2), 9)} ${pad(Math.round(row.itemsPerSecond).toLocaleString('en-US'), 11)} ${pad(`${(100 * row.accuracy).toFixed(2)}%`, 9)} ${pad(`${row.timesNaive.toFixed(1)}×`, 13)}`,
    );
  }
}
if (args.json) process.stdout.write(`${JSON.stringify({ real, runs, results: rows })}\n`);
