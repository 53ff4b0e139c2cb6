// Pieces every benchmark script shares: option checks, output, temp dirs that never outlive the
// process, the plain MinHash baseline, and the streaming writer of generated chat JSONL.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/**
 * The command-line plumbing of `bench/<name>.mjs`: `integer(option, min)` for parsed options,
 * `say` (stdout, or stderr when --json owns stdout), `fail` (exit 1 after cleanup) and temp dirs
 * removed on exit, failure and Ctrl-C.
 */
export function benchCli(name, args) {
  const tempDirs = new Set();
  const removeTempDir = (dir) => {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  };
  const cleanup = () => {
    for (const dir of [...tempDirs]) removeTempDir(dir);
  };
  const fail = (message) => {
    process.stderr.write(`bench/${name}: ${message}\n`);
    cleanup();
    process.exit(1);
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  return {
    say: (line = '') => (args.json ? process.stderr : process.stdout).write(`${line}\n`),
    fail,
    integer: (option, min) => {
      const value = Number(args[option]);
      if (!Number.isInteger(value) || value < min) fail(`--${option} expects an integer ≥ ${min}, got ${JSON.stringify(args[option])}`);
      return value;
    },
    makeTempDir: () => {
      const dir = mkdtempSync(join(tmpdir(), 'oversight-bench-'));
      tempDirs.add(dir);
      return dir;
    },
    removeTempDir,
    cleanup,
  };
}

const SPLIT = /[^\p{L}\p{N}]+/u;

/**
 * The obvious single-thread MinHash, the baseline of the MinHash benchmarks: lowercase, split on
 * non-letters/digits, FNV-1a per word, `shingle`-word shingles (FNV over the word hashes), one
 * universal hash h_i(x) = a_i·x + b_i mod 2^32 per permutation, minimum per permutation.
 * `random` draws the permutations' coefficients.
 */
export function plainMinHash(numPerm, shingle, random) {
  const a = new Uint32Array(numPerm);
  const b = new Uint32Array(numPerm);
  for (let i = 0; i < numPerm; i++) {
    a[i] = (Math.floor(random() * 4294967296) | 1) >>> 0;
    b[i] = Math.floor(random() * 4294967296) >>> 0;
  }
  const words = (text) =>
    text
      .toLowerCase()
      .split(SPLIT)
      .filter((word) => word.length > 0);
  const sign = (text, signature) => {
    const list = words(text);
    const hashes = new Uint32Array(list.length);
    for (let w = 0; w < list.length; w++) {
      const word = list[w];
      let hash = 0x811c9dc5;
      for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
      hashes[w] = hash;
    }
    signature.fill(0xffffffff);
    for (let start = 0; start + shingle <= hashes.length; start++) {
      let x = 0x811c9dc5;
      for (let k = 0; k < shingle; k++) x = Math.imul(x ^ hashes[start + k], 16777619);
      for (let p = 0; p < numPerm; p++) {
        const value = (Math.imul(a[p], x) + b[p]) >>> 0;
        if (value < signature[p]) signature[p] = value;
      }
    }
    return signature;
  };
  return { words, sign };
}

/** Streams `count` two-turn chat rows `{id, messages}` to `path`; `rowAt(i)` gives `{id, user, assistant}`. */
export async function writeChatRows(path, count, rowAt) {
  const out = createWriteStream(path);
  let buffer = '';
  for (let position = 0; position < count; position++) {
    const row = rowAt(position);
    buffer += `${JSON.stringify({
      id: row.id,
      messages: [
        { role: 'user', content: row.user },
        { role: 'assistant', content: row.assistant },
      ],
    })}\n`;
    if (buffer.length > 1 << 22) {
      if (!out.write(buffer)) await new Promise((resolve) => out.once('drain', resolve));
      buffer = '';
    }
  }
  out.write(buffer);
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * A generated data file cached under `bench/.data/`: `<stem>-<hash of inputs>.jsonl`, where inputs
 * are the files its content depends on (generators, eval sets; this file always). Written aside and
 * renamed, so an interrupted generation never leaves a short file in the cache.
 */
export async function cachedData(stem, inputs, write, say) {
  const hash = createHash('sha256');
  for (const input of [fileURLToPath(import.meta.url), ...inputs]) hash.update(readFileSync(input));
  const dir = join(here, '.data');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${stem}-${hash.digest('hex').slice(0, 8)}.jsonl`);
  if (existsSync(path)) return path;
  say(`generating ${path}`);
  const began = performance.now();
  const partial = `${path}.partial-${process.pid}`;
  try {
    await write(partial);
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  say(`generated in ${seconds(performance.now() - began)}`);
  return path;
}

// Reporting.

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
export const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
export const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
export const pad = (text, width) => String(text).padStart(width);
