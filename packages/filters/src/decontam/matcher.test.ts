import { encodeTexts } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { HashBuffer, wordHashes } from '../text/normalize.js';
import { NgramIndexBuilder, NgramMatcher, samplingFor } from './matcher.js';

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every (item, eval position, train position) where an n-word window is shared: the brute-force truth. */
function sharedWindows(items: string[][], train: string[], n: number): Set<string> {
  const found = new Set<string>();
  for (const [item, words] of items.entries()) {
    for (let q = 0; q + n <= words.length; q++) {
      for (let p = 0; p + n <= train.length; p++) {
        let equal = true;
        for (let index = 0; equal && index < n; index++) equal = words[q + index] === train[p + index];
        if (equal) found.add(`${item}:${q}:${p}`);
      }
    }
  }
  return found;
}

describe('NgramMatcher', () => {
  it.each([3, 8, 13])('finds every shared %i-word window (strided lookups; repetitive vocabulary, planted copies)', (n) => {
    const next = random(n);
    // A tiny vocabulary makes repeated m-grams and long chains common.
    const vocabulary = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const word = () => vocabulary[Math.floor(next() * vocabulary.length)] as string;
    const items = Array.from({ length: 30 }, () => Array.from({ length: 20 + Math.floor(next() * 40) }, word));
    const { m, stride } = samplingFor(n);
    const builder = new NgramIndexBuilder(m, stride, n);
    const hashes = new HashBuffer();
    for (const words of items) {
      const count = wordHashes(words.join(' '), hashes);
      builder.addSequence(hashes.values.slice(0, count));
    }
    const matcher = new NgramMatcher(builder.build());
    const texts: string[][] = [];
    for (let row = 0; row < 60; row++) {
      const words = Array.from({ length: 10 + Math.floor(next() * 60) }, word);
      if (row % 2 === 0) {
        const source = items[Math.floor(next() * items.length)] as string[];
        const from = Math.floor(next() * (source.length - n));
        words.splice(Math.floor(next() * words.length), 0, ...source.slice(from, from + n + Math.floor(next() * 5)));
      }
      texts.push(words);
    }
    const result = matcher.matchAll(encodeTexts(texts.map((words) => words.join(' '))));
    const offsets = [0];
    for (const words of items) offsets.push((offsets.at(-1) as number) + words.length);
    let truth = 0;
    for (const [t, train] of texts.entries()) {
      const expected = sharedWindows(items, train, n);
      truth += expected.size;
      const covered = new Set<string>();
      const runs = new Set<string>();
      for (let hit = 0; hit < result.text.length; hit++) {
        if (result.text[hit] !== t) continue;
        const evalStart = result.evalStart[hit] as number;
        const item = offsets.findIndex((offset, index) => evalStart >= offset && evalStart < (offsets[index + 1] ?? Infinity));
        const q0 = evalStart - (offsets[item] as number);
        const p0 = result.trainStart[hit] as number;
        const length = result.length[hit] as number;
        const key = `${item}:${q0}:${p0}`;
        expect(runs.has(key), `run ${key} reported twice`).toBe(false);
        runs.add(key);
        expect(length).toBeGreaterThanOrEqual(n);
        for (let start = 0; start + n <= length; start++) covered.add(`${item}:${q0 + start}:${p0 + start}`);
      }
      expect([...covered].sort()).toEqual([...expected].sort());
    }
    expect(truth).toBeGreaterThan(30);
  });
});
