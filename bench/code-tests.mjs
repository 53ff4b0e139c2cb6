// Sandbox benchmark: runs per second of a trivial Python solution (reads two numbers on stdin, prints
// their sum) through the `verify/code-tests` sandbox, vs. the same interpreter started directly with
// child_process.spawn. Both sides check every output. The ratio is the price of isolation.
//
//   npm run bench:code-tests                          (builds first)
//   node bench/code-tests.mjs --runs 50 --reps 1      (quick smoke, after `npx tsc -b`)
//
// Options: --runs N (200 program runs per measurement), --concurrency N (all cores), --reps N (3),
//          --isolation auto|namespaces|none (auto), --json.
// Exit code: 0 whatever the speed; 1 when a run fails or prints a wrong answer.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Sandbox } from '../packages/filters/dist/verify/code/sandbox.js';
import { benchCli, median, pad } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: String(availableParallelism()) },
    reps: { type: 'string', default: '3' },
    isolation: { type: 'string', default: 'auto' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (args.help) {
  process.stdout.write(
    'usage: node bench/code-tests.mjs [--runs N] [--concurrency N] [--reps N] [--isolation auto|namespaces|none] [--json]\n',
  );
  process.exit(0);
}
const cli = benchCli('code-tests', args);
const runs = cli.integer('runs', 1);
const concurrency = cli.integer('concurrency', 1);
const reps = cli.integer('reps', 1);
if (!['auto', 'namespaces', 'none'].includes(args.isolation))
  cli.fail(`--isolation expects auto, namespaces or none, got ${args.isolation}`);

const SOLUTION = 'a, b = map(int, input().split())\nprint(a + b)\n';
const LIMITS = { cpuSeconds: 4, wallSeconds: 9, memoryMb: 512, addressSpaceMb: 768, outputKb: 1024, processes: 64, tmpKb: 16 * 1024 };

/** Runs `count` jobs, `parallel` at a time; returns elapsed milliseconds. */
async function timed(count, parallel, job) {
  let next = 0;
  const began = performance.now();
  const lane = async () => {
    while (next < count) {
      const index = next++;
      await job(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane));
  return performance.now() - began;
}

function check(index, stdout) {
  const expected = `${index + 1}\n`;
  if (stdout !== expected) cli.fail(`run ${index}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(stdout.slice(0, 200))}`);
}

/** The baseline: the interpreter started directly, the solution file written once beforehand. */
function direct(python, directory, index) {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['solution.py'], { cwd: directory, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', () => {
      check(index, stdout);
      resolve();
    });
    child.stdin.end(`${index} 1\n`);
  });
}

async function sandboxed(sandbox, python, index) {
  const result = await sandbox.run({
    files: { 'solution.py': SOLUTION },
    program: [python, 'solution.py'],
    stdin: `${index} 1\n`,
    limits: LIMITS,
  });
  if (result.end !== 'exited' || result.exitCode !== 0)
    cli.fail(`run ${index}: ${result.end} ${result.exitCode ?? result.signal}: ${result.stderr.slice(0, 300)}`);
  check(index, result.stdout);
}

const sandbox = await Sandbox.open(args.isolation);
const { path: python, rejected } = await sandbox.resolveInterpreter('python3', ['-c', 'print(3)'], /^3$/m, LIMITS);
const directory = cli.makeTempDir();
writeFileSync(join(directory, 'solution.py'), SOLUTION);

cli.say(`code-tests benchmark: ${runs} runs of a trivial Python solution per measurement, ${reps} rep(s)`);
cli.say(
  `machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; node ${process.version}`,
);
cli.say(`sandbox: ${sandbox.describe()}`);
cli.say(`python: ${python}${rejected.length ? ` (skipped: ${rejected.join('; ')})` : ''}`);
cli.say('');

// Warm the page cache and the sandbox's binaries.
await timed(10, 1, (index) => direct(python, directory, index));
await timed(10, 1, (index) => sandboxed(sandbox, python, index));

const lanes = [...new Set([1, concurrency])];
const results = Object.fromEntries(lanes.map((lane) => [lane, { direct: [], sandboxed: [] }]));
for (let rep = 0; rep < reps; rep++) {
  for (const lane of lanes) {
    const order = rep % 2 === 0 ? ['direct', 'sandboxed'] : ['sandboxed', 'direct'];
    const line = [];
    for (const side of order) {
      const ms = await timed(runs, lane, (index) =>
        side === 'direct' ? direct(python, directory, index) : sandboxed(sandbox, python, index),
      );
      const rate = (runs * 1000) / ms;
      results[lane][side].push(rate);
      line.push(`${side} ${rate.toFixed(1)} runs/s`);
    }
    cli.say(`rep ${rep + 1}/${reps}, concurrency ${lane}: ${line.join(', ')}`);
  }
}

cli.say('');
cli.say(`medians over ${reps} rep(s):`);
const summary = [];
for (const lane of lanes) {
  const plain = median(results[lane].direct);
  const boxed = median(results[lane].sandboxed);
  const overhead = 1000 / boxed - 1000 / plain;
  summary.push({
    concurrency: lane,
    directRunsPerSecond: plain,
    sandboxedRunsPerSecond: boxed,
    ratio: plain / boxed,
    overheadMs: overhead * lane,
  });
  cli.say(
    `  concurrency ${lane}: direct ${pad(plain.toFixed(1), 7)} runs/s   sandboxed ${pad(boxed.toFixed(1), 7)} runs/s   ratio ${(plain / boxed).toFixed(2)}×   +${(overhead * lane).toFixed(1)} ms per run`,
  );
}
if (args.json) process.stdout.write(`${JSON.stringify({ runs, reps, sandbox: sandbox.describe(), python, results: summary }, null, 2)}\n`);
cli.cleanup();
