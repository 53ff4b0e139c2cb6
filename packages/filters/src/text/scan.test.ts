import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HashBuffer, wordHashes } from './normalize.js';
import { Scanner } from './scan.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A small deterministic generator (LCG). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

const PIECES = [
  'Word',
  'don’t',
  "it's",
  'Ünïcödé',
  'ΑΒΓ',
  'кот',
  '猫',
  'かな',
  '😀',
  '𝐀𝐁',
  'x\u0301',
  '１２',
  '—',
  ' ',
  '\n',
  '.',
  '$',
  '«',
  'ß',
  'İ',
  '٣',
  'ﬁ',
];

describe('Scanner (scan.wat)', () => {
  it('hashes words and finds turns exactly as wordHashes does per turn, in every script', () => {
    const next = random(11);
    const encoder = new TextEncoder();
    const scanner = new Scanner();
    for (let trial = 0; trial < 400; trial++) {
      const turns: string[] = [];
      const turnCount = 1 + Math.floor(next() * 3);
      for (let turn = 0; turn < turnCount; turn++) {
        let text = '';
        const parts = Math.floor(next() * 30);
        for (let part = 0; part < parts; part++) text += PIECES[Math.floor(next() * PIECES.length)];
        turns.push(text);
      }
      const expected: number[] = [];
      const starts: number[] = [];
      const buffer = new HashBuffer(1);
      for (const [index, turn] of turns.entries()) {
        if (index > 0) starts.push(expected.length);
        const count = wordHashes(turn, buffer);
        expected.push(...buffer.values.subarray(0, count));
      }
      // Bytes around the text that belong to nothing.
      const text = encoder.encode(turns.join('\u001e'));
      const bytes = new Uint8Array([0x41, ...text, 0x42]);
      scanner.load(bytes);
      const count = scanner.tokenize(1, bytes.length - 1);
      const { heap, wordsBase, turnsBase } = scanner;
      expect([...heap.subarray(wordsBase, wordsBase + count)], turns.join(' | ')).toEqual(expected);
      expect(scanner.turnCount).toBe(turns.length - 1);
      expect([...heap.subarray(turnsBase, turnsBase + scanner.turnCount)]).toEqual(starts);
    }
  });

  it('grows for long texts', () => {
    const scanner = new Scanner();
    const text = 'alpha beta gamma '.repeat(20000);
    const buffer = new HashBuffer();
    const expected = wordHashes(text, buffer);
    scanner.load(new TextEncoder().encode('short text'));
    expect(scanner.tokenize(0, 10)).toBe(2);
    scanner.load(new TextEncoder().encode(text));
    const count = scanner.tokenize(0, text.length);
    expect(count).toBe(expected);
    const { heap, wordsBase } = scanner;
    expect([...heap.subarray(wordsBase + count - 3, wordsBase + count)]).toEqual([...buffer.values.subarray(count - 3, count)]);
  });

  it('reports exactly the strided m-grams whose filter bit is set', () => {
    const next = random(5);
    const scanner = new Scanner();
    const bits = 12;
    const filter = new Uint32Array(2 ** (bits - 5));
    for (let index = 0; index < filter.length; index++) filter[index] = Math.floor(next() * 2 ** 32) & Math.floor(next() * 2 ** 32);
    scanner.setFilter(filter);
    const words = Array.from({ length: 300 }, () => `w${Math.floor(next() * 50)}`).join(' ');
    scanner.load(new TextEncoder().encode(words));
    const count = scanner.tokenize(0, words.length);
    for (const [m, stride] of [
      [5, 4],
      [8, 6],
      [1, 1],
    ] as const) {
      const hashes = scanner.heap.slice(scanner.wordsBase, scanner.wordsBase + count);
      const expected: number[] = [];
      for (let start = 0; start + m <= count; start += stride) {
        let hash = 0;
        for (let index = start; index < start + m; index++) hash = (Math.imul(hash, 0x01000193) + (hashes[index] as number)) | 0;
        const bit = Math.imul(hash, 0x9e3779b1) >>> (32 - bits);
        if ((((filter[bit >>> 5] as number) >>> (bit & 31)) & 1) === 1) expected.push(start);
      }
      expect(expected.length).toBeGreaterThan(0);
      const found = scanner.candidates(count, m, stride, 32 - bits);
      expect([...scanner.heap.subarray(scanner.candidatesBase, scanner.candidatesBase + found)]).toEqual(expected);
    }
  });

  it('ships the module scan.wat assembles to', async () => {
    // @ts-expect-error: a plain ES module script without types.
    const { assemble } = await import('../../../../scripts/build-wasm.mjs');
    const generated = await assemble(readFileSync(join(here, 'scan.wat'), 'utf8'));
    expect(readFileSync(join(here, 'scan-wasm.ts'), 'utf8'), 'scan-wasm.ts is stale: run `npm run build:wasm`').toBe(generated);
  });
});
