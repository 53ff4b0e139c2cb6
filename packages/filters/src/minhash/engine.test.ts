import { describe, expect, it } from 'vitest';
import {
  bandKeys,
  candidateProbability,
  jaccard,
  optimalBands,
  ShingleScratch,
  shingleHashes,
  shingleSet,
  signatureSimilarity,
  signShingles,
} from './engine.js';

const words = (count: number, seed: number) => {
  let state = seed;
  const out: string[] = [];
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out.push(`w${state % 5000}`);
  }
  return out;
};

function sign(text: string, numPerm = 256, seed = 1) {
  const scratch = new ShingleScratch();
  const count = shingleHashes(text, { kind: 'words', size: 5 }, scratch);
  const signature = new Uint32Array(numPerm);
  const filled = new Uint8Array(numPerm);
  const ok = signShingles(scratch.shingles.values, count, numPerm, seed, signature, filled);
  return { ok, signature };
}

describe('shingles', () => {
  it('cuts word and character shingles; short texts give one shingle, empty none', () => {
    const scratch = new ShingleScratch();
    expect(shingleHashes('a b c d e f', { kind: 'words', size: 5 }, scratch)).toBe(2);
    expect(shingleHashes('a b', { kind: 'words', size: 5 }, scratch)).toBe(1);
    expect(shingleHashes(' ,;! ', { kind: 'words', size: 5 }, scratch)).toBe(0);
    expect(shingleHashes('Hello world', { kind: 'chars', size: 4 }, scratch)).toBe('hello world'.length - 3);
    expect(shingleHashes('Hi', { kind: 'chars', size: 4 }, scratch)).toBe(1);
  });

  it('character shingles roll the same hash as hashing each window afresh', () => {
    const scratch = new ShingleScratch();
    const text = 'the cat sat on the mat and the cat sat';
    const count = shingleHashes(text, { kind: 'chars', size: 6 }, scratch);
    const rolled = [...scratch.shingles.values.subarray(0, count)];
    const normalized = 'the cat sat on the mat and the cat sat';
    expect(count).toBe(normalized.length - 5);
    for (let start = 0; start < count; start++) {
      // A window with a space at an edge would lose it to normalization on its own.
      if (normalized[start] === ' ' || normalized[start + 5] === ' ') continue;
      expect(shingleHashes(normalized.slice(start, start + 6), { kind: 'chars', size: 6 }, scratch)).toBe(1);
      expect(scratch.shingles.values[0]).toBe(rolled[start]);
    }
  });

  it('exact Jaccard on distinct shingle sets', () => {
    const scratch = new ShingleScratch();
    const a = shingleSet('a b c d e f g', { kind: 'words', size: 1 }, scratch);
    const b = shingleSet('a b c d x y z z', { kind: 'words', size: 1 }, scratch);
    expect(a.length).toBe(7);
    expect(b.length).toBe(7);
    expect(jaccard(a, b)).toBeCloseTo(4 / 10, 12);
    expect(jaccard(a, a)).toBe(1);
    expect(jaccard(new Uint32Array(0), new Uint32Array(0))).toBe(0);
  });
});

describe('one-permutation MinHash with densification', () => {
  it('is deterministic and seed-dependent', () => {
    const text = words(200, 7).join(' ');
    expect([...sign(text).signature]).toEqual([...sign(text).signature]);
    expect([...sign(text, 256, 2).signature]).not.toEqual([...sign(text).signature]);
    expect(sign('').ok).toBe(false);
  });

  it('estimates Jaccard without bias across similarities, short and long texts', () => {
    const scratch = new ShingleScratch();
    for (const length of [30, 400]) {
      for (const keep of [0.95, 0.8, 0.5]) {
        const errors: number[] = [];
        for (let trial = 0; trial < 20; trial++) {
          const base = words(length, 100 + trial);
          const edited = base.map((word, index) => (((index * 7919 + trial) % 1000) / 1000 < keep ? word : `${word}x`));
          const truth = jaccard(
            shingleSet(base.join(' '), { kind: 'words', size: 5 }, scratch),
            shingleSet(edited.join(' '), { kind: 'words', size: 5 }, scratch),
          );
          const estimate = signatureSimilarity(sign(base.join(' ')).signature, sign(edited.join(' ')).signature);
          errors.push(estimate - truth);
        }
        const mean = errors.reduce((sum, value) => sum + value, 0) / errors.length;
        // Standard error of one estimate with 256 bins is ≤ 0.031; the mean of 20 is ~0.007.
        expect(Math.abs(mean), `length ${length}, keep ${keep}`).toBeLessThan(0.03);
      }
    }
  });

  it('gives equal band keys exactly for equal bands', () => {
    const a = sign(words(300, 1).join(' '), 128).signature;
    const b = Uint32Array.from(a);
    b[0] = (b[0] as number) ^ 1;
    const keysA = new Float64Array(8);
    const keysB = new Float64Array(8);
    bandKeys(a, 8, 16, keysA, 0);
    bandKeys(b, 8, 16, keysB, 0);
    expect(keysA[0]).not.toBe(keysB[0]);
    expect([...keysA.subarray(1)]).toEqual([...keysB.subarray(1)]);
    for (const key of keysA) expect(Number.isSafeInteger(key)).toBe(true);
  });
});

describe('bands × rows', () => {
  it('matches the choices published for datasketch / data-juicer', () => {
    expect(optimalBands(0.7, 256)).toMatchObject({ bands: 25, rows: 10 });
    expect(optimalBands(0.85, 256)).toMatchObject({ bands: 13, rows: 19 });
  });

  it('puts the S-curve threshold near the requested one', () => {
    for (const threshold of [0.5, 0.7, 0.8, 0.9]) {
      const { bands, rows } = optimalBands(threshold, 128);
      expect(bands * rows).toBeLessThanOrEqual(128);
      expect(candidateProbability(threshold + 0.1, bands, rows)).toBeGreaterThan(0.8);
      expect(candidateProbability(threshold - 0.2, bands, rows)).toBeLessThan(0.2);
    }
  });
});
