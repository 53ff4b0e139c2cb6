/**
 * The WebAssembly scanner (scan.wat): word hashes of UTF-8 text, the same as `wordHashes` gives for
 * the decoded text, at about 1.7× the speed of the same loop in TypeScript over the bytes, and the
 * strided filter check of the n-gram matcher. One instance per thread; it owns its memory, so a batch
 * of texts is copied in (`load`) before its texts are scanned.
 *
 * Characters outside ASCII are classified by normalize.ts (the one definition of the normalization):
 * the first time the scanner meets a code unit it has no class for, it stops, this wrapper classifies
 * every character of that text into the scanner's tables, and the text is scanned again.
 */
import { codeClass } from './normalize.js';
import { SCAN_WASM } from './scan-wasm.js';

// The few WebAssembly globals used here (the project's TypeScript libs carry no WebAssembly types).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface ScanExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  tokenize(from: number, to: number, out: number, turns: number): number;
  candidates(words: number, count: number, m: number, stride: number, filter: number, shift: number, out: number): number;
}

const PAGE = 65536;
const TURN_COUNT = 256;
const CLASSES = 65536;
const FOLDED = 131072;
const FILTER = 262144;

let compiled: object | undefined;

export class Scanner {
  private readonly exports: ScanExports;
  private filterBytes = 0;
  /** Bytes the input buffer holds, and the most words any text of it can have. */
  private capacity = 0;
  private input = 0;
  private loaded: Uint8Array = new Uint8Array(0);
  private memory8 = new Uint8Array(0);
  private memory16 = new Uint16Array(0);
  /** The scanner's memory as 32-bit words: read words, turns and candidates here, from their bases. */
  heap = new Uint32Array(0);
  /** Where the words of the last `tokenize` start in `heap`. */
  wordsBase = 0;
  /** Where the turn starts of the last `tokenize` start in `heap`: `turnCount` of them. */
  turnsBase = 0;
  /** Where the last `candidates` start in `heap`. */
  candidatesBase = 0;
  /** Turns found by the last `tokenize` after the first: the word index where each begins. */
  turnCount = 0;

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(SCAN_WASM, 'base64'));
    this.exports = new WebAssembly.Instance(compiled, {}).exports as unknown as ScanExports;
    this.layout(64 * 1024);
    for (let code = 0; code < 128; code++) {
      const { kind, folded } = codeClass(code);
      // normalize.ts: 3 word character, 2 removed, 1 or 4 a break (no ASCII character is a word of its own).
      this.memory8[code] = code === 0x1e ? 3 : kind === 3 ? 1 : kind === 2 ? 2 : 0;
      this.memory8[128 + code] = kind === 3 ? folded : 0;
    }
  }

  /** Copies the n-gram filter (its bits as 32-bit words) into the scanner's memory. */
  setFilter(filter: Uint32Array): void {
    this.filterBytes = filter.length * 4;
    this.layout(this.capacity);
    this.heap.set(filter, FILTER / 4);
  }

  /** Copies a batch of texts (UTF-8, end to end) into the scanner: `tokenize` then reads ranges of it. */
  load(bytes: Uint8Array): void {
    if (bytes.length > this.capacity) this.layout(bytes.length);
    this.memory8.set(bytes, this.input);
    this.loaded = bytes;
  }

  /**
   * Hashes the words of loaded bytes [from, to) (valid UTF-8, turns separated by U+001E) into `heap`
   * from `wordsBase`, and the turn starts from `turnsBase`; returns the number of words.
   */
  tokenize(from: number, to: number): number {
    for (;;) {
      const count = this.exports.tokenize(this.input + from, this.input + to, this.wordsBase * 4, this.turnsBase * 4);
      if (count >= 0) {
        this.turnCount = this.heap[TURN_COUNT / 4] as number;
        return count;
      }
      this.classifyAll(this.loaded.subarray(from, to));
    }
  }

  /**
   * The starts 0, stride, 2·stride, … of the m-grams of the last `tokenize` whose filter bit is set
   * (filter bit = top bits of the m-gram's polynomial hash × 0x9e3779b1, `32 − shift` of them), into
   * `heap` from `candidatesBase`; returns how many.
   */
  candidates(count: number, m: number, stride: number, shift: number): number {
    return this.exports.candidates(this.wordsBase * 4, count, m, stride, FILTER, shift, this.candidatesBase * 4);
  }

  /** Classifies every character of `text` into the scanner's tables. */
  private classifyAll(text: Uint8Array): void {
    const decoded = new TextDecoder().decode(text);
    for (let index = 0; index < decoded.length; index++) {
      const code = decoded.charCodeAt(index);
      if (code < 128 || (this.memory8[CLASSES + code] as number) !== 0) continue;
      const { kind, folded } = codeClass(code);
      this.memory8[CLASSES + code] = kind;
      this.memory16[FOLDED / 2 + code] = folded;
    }
  }

  /** Places the buffers for `capacity` input bytes, growing the memory as needed (contents are kept). */
  private layout(capacity: number): void {
    this.capacity = Math.max(capacity, this.capacity);
    const words = this.capacity + 2;
    this.input = FILTER + align(this.filterBytes);
    const wordsAt = this.input + align(this.capacity);
    this.wordsBase = wordsAt / 4;
    this.turnsBase = this.wordsBase + words;
    this.candidatesBase = this.turnsBase + words;
    const needed = (this.candidatesBase + words) * 4;
    const memory = this.exports.memory;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    this.memory8 = new Uint8Array(memory.buffer);
    this.memory16 = new Uint16Array(memory.buffer);
    this.heap = new Uint32Array(memory.buffer);
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
