/**
 * The MinHash engine: shingles, one-permutation MinHash signatures with optimal densification, LSH
 * band keys, exact Jaccard on shingle sets, and the choice of bands × rows for a threshold.
 *
 * Method. Each shingle is hashed once (32 bits); one-permutation hashing (Li, Owen & Zhang 2012)
 * splits the hash range into `numPerm` bins and keeps the minimum per bin; empty bins are filled by
 * optimal densification (Shrivastava 2017): bin i borrows the value of the first non-empty bin of a
 * probe sequence that depends only on (i, attempt), so two documents borrow from the same bins and the
 * collision probability of every bin stays the Jaccard similarity. Cost: one hash per shingle instead
 * of `numPerm`, which is what makes ~100k documents/s per core possible.
 *
 * Everything here is pure and deterministic: the same text and config give the same signature on any
 * thread, so results do not depend on the worker count.
 */
import { CodeBuffer, HashBuffer, mix32, normalizedCodes, wordHashes } from '../text/normalize.js';

/** How documents are cut into shingles. */
export type ShingleConfig = { kind: 'words'; size: number } | { kind: 'chars'; size: number };

export interface MinHashConfig {
  shingles: ShingleConfig;
  numPerm: number;
  bands: number;
  rows: number;
  seed: number;
}

const SHINGLE_MIX = 0x5bd1e995;

/** Reusable buffers for one thread. */
export class ShingleScratch {
  readonly words = new HashBuffer(2048);
  readonly shingles = new HashBuffer(2048);
  readonly codes = new CodeBuffer();
}

/**
 * Hashes the shingles of `text` into `scratch.shingles`; returns their count (with repeats). A text
 * shorter than one shingle gives one shingle of all it has; an empty text gives none.
 */
export function shingleHashes(text: string, config: ShingleConfig, scratch: ShingleScratch): number {
  if (config.kind === 'words') {
    const count = wordHashes(text, scratch.words);
    const words = scratch.words.values;
    if (count === 0) return 0;
    const size = Math.min(config.size, count);
    const total = count - size + 1;
    const out = scratch.shingles.reserve(total, 0);
    for (let start = 0; start < total; start++) {
      let hash = size;
      for (let offset = 0; offset < size; offset++) {
        hash = Math.imul(hash ^ (words[start + offset] as number), SHINGLE_MIX);
        hash ^= hash >>> 15;
      }
      out[start] = mix32(hash);
    }
    return total;
  }
  const length = normalizedCodes(text, scratch.codes);
  if (length === 0) return 0;
  const codes = scratch.codes.values;
  const size = Math.min(config.size, length);
  const total = length - size + 1;
  const out = scratch.shingles.reserve(total, 0);
  // Rolling polynomial hash over the window, mod 2^32: h = Σ c_j · B^(size-1-j).
  const base = 0x01000193;
  let top = 1;
  for (let index = 1; index < size; index++) top = Math.imul(top, base);
  let hash = 0;
  for (let index = 0; index < size; index++) hash = (Math.imul(hash, base) + (codes[index] as number)) | 0;
  out[0] = mix32(hash ^ size);
  for (let start = 1; start < total; start++) {
    hash = (Math.imul(hash - Math.imul(codes[start - 1] as number, top), base) + (codes[start + size - 1] as number)) | 0;
    out[start] = mix32(hash ^ size);
  }
  return total;
}

const EMPTY = 0xffffffff;
const BIN_SCALE = 1 / 4294967296;

/**
 * Fills `signature` (length `numPerm`) with the one-permutation MinHash of `count` shingle hashes;
 * returns false for a document with no shingles (its signature is meaningless).
 */
export function signShingles(
  shingles: Uint32Array,
  count: number,
  numPerm: number,
  seed: number,
  signature: Uint32Array,
  filled: Uint8Array,
): boolean {
  if (count === 0) return false;
  signature.fill(EMPTY, 0, numPerm);
  filled.fill(0, 0, numPerm);
  const salt = mix32(seed ^ 0x9e3779b9);
  for (let index = 0; index < count; index++) {
    const value = mix32((shingles[index] as number) ^ salt);
    const bin = Math.floor(value * numPerm * BIN_SCALE);
    if (value <= (signature[bin] as number)) {
      signature[bin] = value;
      filled[bin] = 1;
    }
  }
  // Optimal densification: an empty bin borrows from the first filled bin of its own probe sequence.
  for (let bin = 0; bin < numPerm; bin++) {
    if (filled[bin]) continue;
    let attempt = 1;
    let source = bin;
    for (;;) {
      source = mix32(Math.imul(bin + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca77) ^ salt) % numPerm;
      if (filled[source]) break;
      attempt++;
    }
    signature[bin] = signature[source] as number;
  }
  return true;
}

/**
 * The LSH key of each band: a 53-bit hash of the band's `rows` signature values, exact as a double.
 * Writes `bands` keys into `keys` from `at`.
 */
export function bandKeys(signature: Uint32Array, bands: number, rows: number, keys: Float64Array, at: number): void {
  for (let band = 0; band < bands; band++) {
    let high = band + 1;
    let low = ~band;
    const start = band * rows;
    for (let row = 0; row < rows; row++) {
      const value = signature[start + row] as number;
      high = Math.imul(high ^ value, 0x5bd1e995);
      high ^= high >>> 13;
      low = Math.imul(low ^ value, 0xcc9e2d51);
      low ^= low >>> 15;
    }
    keys[at + band] = mix32(high) * 2097152 + (mix32(low) >>> 11);
  }
}

/** The sorted distinct shingle hashes of `text` (for exact Jaccard). */
export function shingleSet(text: string, config: ShingleConfig, scratch: ShingleScratch): Uint32Array {
  const count = shingleHashes(text, config, scratch);
  const sorted = scratch.shingles.values.slice(0, count).sort();
  let size = 0;
  for (let index = 0; index < count; index++) {
    if (index === 0 || sorted[index] !== sorted[index - 1]) sorted[size++] = sorted[index] as number;
  }
  return sorted.slice(0, size);
}

/** Exact Jaccard similarity of two sorted distinct hash sets; two empty sets are 0 (never duplicates). */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared);
}

/** Estimated Jaccard from two signatures: the fraction of equal bins. */
export function signatureSimilarity(a: Uint32Array, b: Uint32Array): number {
  let equal = 0;
  for (let index = 0; index < a.length; index++) if (a[index] === b[index]) equal++;
  return a.length === 0 ? 0 : equal / a.length;
}

/** Probability that two documents of Jaccard `s` share at least one band: 1 − (1 − s^r)^b. */
export function candidateProbability(s: number, bands: number, rows: number): number {
  return 1 - (1 - s ** rows) ** bands;
}

function integrate(f: (x: number) => number, from: number, to: number): number {
  // Simpson's rule; the S-curve is smooth, 200 intervals are far below the noise of the choice.
  const steps = 200;
  const width = (to - from) / steps;
  if (width <= 0) return 0;
  let total = f(from) + f(to);
  for (let index = 1; index < steps; index++) total += f(from + index * width) * (index % 2 === 1 ? 4 : 2);
  return (total * width) / 3;
}

export interface BandChoice {
  bands: number;
  rows: number;
  /** Area under the S-curve below the threshold (pairs wrongly made candidates). */
  falsePositiveArea: number;
  /** Area above the curve beyond the threshold (pairs missed). */
  falseNegativeArea: number;
}

/**
 * Bands × rows (b·r ≤ numPerm) minimizing `fpWeight·FP + fnWeight·FN`, where FP is the area under
 * the S-curve on [0, threshold] and FN the area above it on [threshold, 1] — the criterion of
 * datasketch and data-juicer. Ties go to fewer hash values used.
 */
export function optimalBands(threshold: number, numPerm: number, fpWeight = 0.5, fnWeight = 0.5): BandChoice {
  let best: BandChoice | undefined;
  let bestError = Number.POSITIVE_INFINITY;
  for (let bands = 1; bands <= numPerm; bands++) {
    for (let rows = 1; rows * bands <= numPerm; rows++) {
      const fp = integrate((s) => candidateProbability(s, bands, rows), 0, threshold);
      const fn = integrate((s) => 1 - candidateProbability(s, bands, rows), threshold, 1);
      const error = fpWeight * fp + fnWeight * fn;
      if (error < bestError - 1e-12) {
        bestError = error;
        best = { bands, rows, falsePositiveArea: fp, falseNegativeArea: fn };
      }
    }
  }
  return best as BandChoice;
}

/** Points of the S-curve around the threshold, for the run summary. */
export function curvePoints(threshold: number, bands: number, rows: number): Array<{ similarity: number; probability: number }> {
  const points = [-0.2, -0.1, -0.05, 0, 0.05, 0.1]
    .map((offset) => Math.round((threshold + offset) * 100) / 100)
    .filter((s) => s > 0 && s <= 1);
  return points.map((similarity) => ({ similarity, probability: candidateProbability(similarity, bands, rows) }));
}
