/**
 * The CPU-heavy work that runs on worker threads (or inline, for small inputs): one function per task
 * kind, pure except for per-thread buffers and the decontamination index a worker is given once.
 */

// Types only from core: a worker must not load DuckDB.
import type { Utf8Texts } from '@oversight/core';
import { type NgramIndexData, NgramMatcher, type NgramMatchResult } from '../decontam/matcher.js';
import {
  bandKeys,
  type MinHashConfig,
  type ShingleConfig,
  ShingleScratch,
  shingleHashes,
  shingleSet,
  signShingles,
} from '../minhash/engine.js';

/**
 * Texts as one string and their end offsets: one flat copy to a worker instead of thousands of small
 * ones (structured clone of a string array costs about as much as the work on it).
 */
export interface PackedTexts {
  joined: string;
  ends: Uint32Array;
}

export function packTexts(texts: readonly string[]): PackedTexts {
  const ends = new Uint32Array(texts.length);
  let at = 0;
  for (let index = 0; index < texts.length; index++) {
    at += (texts[index] as string).length;
    ends[index] = at;
  }
  return { joined: texts.join(''), ends };
}

const decoder = new TextDecoder();

/** Texts as strings, from any of the forms a task may carry. */
export function unpackTexts(texts: TaskTexts): string[] {
  if (Array.isArray(texts)) return texts;
  if ('bytes' in texts) {
    const out: string[] = new Array(texts.ends.length);
    let start = 0;
    for (let index = 0; index < texts.ends.length; index++) {
      const end = texts.ends[index] as number;
      out[index] = decoder.decode(texts.bytes.subarray(start, end));
      start = end;
    }
    return out;
  }
  const out: string[] = new Array(texts.ends.length);
  let start = 0;
  for (let index = 0; index < texts.ends.length; index++) {
    const end = texts.ends[index] as number;
    out[index] = texts.joined.slice(start, end);
    start = end;
  }
  return out;
}

/** Texts as a task carries them: an array, packed strings, or UTF-8 bytes read from DuckDB. */
export type TaskTexts = string[] | PackedTexts | Utf8Texts;

export type Task =
  | { kind: 'sign'; texts: TaskTexts; config: MinHashConfig; withSignatures: boolean }
  | { kind: 'sets'; texts: TaskTexts; shingles: ShingleConfig }
  | { kind: 'ngram-index'; index: NgramIndexData }
  | { kind: 'ngram-match'; texts: Utf8Texts };

export interface SignResult {
  /** `bands` keys per text, row-major. */
  keys: Float64Array;
  /** 1 where the text had at least one shingle. */
  valid: Uint8Array;
  /** `numPerm` values per text when asked for. */
  signatures?: Uint32Array;
}

export interface SetsResult {
  /** Text i's set is `values[offsets[i], offsets[i + 1])`, sorted and distinct. */
  offsets: Uint32Array;
  values: Uint32Array;
}

export type TaskResult = SignResult | SetsResult | NgramMatchResult | null;

const scratch = new ShingleScratch();
let signature = new Uint32Array(0);
let filled = new Uint8Array(0);
let matcher: NgramMatcher | undefined;

export function runTask(task: Task): TaskResult {
  switch (task.kind) {
    case 'sign':
      return sign(unpackTexts(task.texts), task.config, task.withSignatures);
    case 'sets':
      return sets(unpackTexts(task.texts), task.shingles);
    case 'ngram-index':
      matcher = new NgramMatcher(task.index);
      return null;
    case 'ngram-match':
      if (!matcher) throw new Error('ngram-match before ngram-index');
      return matcher.matchAll(task.texts);
  }
}

function sign(texts: string[], config: MinHashConfig, withSignatures: boolean): SignResult {
  const { numPerm, bands, rows, seed } = config;
  if (signature.length < numPerm) {
    signature = new Uint32Array(numPerm);
    filled = new Uint8Array(numPerm);
  }
  const keys = new Float64Array(texts.length * bands);
  const valid = new Uint8Array(texts.length);
  const signatures = withSignatures ? new Uint32Array(texts.length * numPerm) : undefined;
  for (let index = 0; index < texts.length; index++) {
    const count = shingleHashes(texts[index] ?? '', config.shingles, scratch);
    if (!signShingles(scratch.shingles.values, count, numPerm, seed, signature, filled)) continue;
    valid[index] = 1;
    bandKeys(signature, bands, rows, keys, index * bands);
    signatures?.set(signature.subarray(0, numPerm), index * numPerm);
  }
  return signatures ? { keys, valid, signatures } : { keys, valid };
}

function sets(texts: string[], shingles: ShingleConfig): SetsResult {
  const offsets = new Uint32Array(texts.length + 1);
  const parts: Uint32Array[] = [];
  let total = 0;
  for (let index = 0; index < texts.length; index++) {
    const set = shingleSet(texts[index] ?? '', shingles, scratch);
    parts.push(set);
    total += set.length;
    offsets[index + 1] = total;
  }
  const values = new Uint32Array(total);
  let at = 0;
  for (const part of parts) {
    values.set(part, at);
    at += part.length;
  }
  return { offsets, values };
}

/** The buffers of a result, to transfer instead of copy. */
export function transferables(result: TaskResult): ArrayBuffer[] {
  if (!result) return [];
  const buffers: ArrayBuffer[] = [];
  for (const value of Object.values(result)) {
    if (ArrayBuffer.isView(value)) buffers.push(value.buffer as ArrayBuffer);
  }
  return buffers;
}
