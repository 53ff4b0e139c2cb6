/**
 * Finding eval n-grams in training text, fast.
 *
 * Eval side: each item's words (prompt then answer, as word hashes) are laid end to end in one flat
 * array, and every m-gram of every item is indexed (m < the smallest n). Training side: each row is
 * tokenized once, from its UTF-8 bytes, and only every s-th m-gram is looked up, s = n − m + 1. A
 * shared n-gram holds s consecutive m-gram starts, so one of them falls on the stride and nothing is
 * missed, while a 160-word row makes about 40 lookups (n = 8, m = 5) and computes no other hash. A
 * one-hash bit filter in front of the table turns most lookups away without touching the table. A
 * hit is extended word by word, left and right, into the maximal run both texts share; runs of at
 * least n words are reported once. The caller re-reads the words of each run and decides which
 * scope's n-grams it holds, so a hash collision can never flag a row.
 *
 * Eval parts shorter than n words match only a whole training turn: one more table of whole-part keys.
 */
import type { Utf8Texts } from '@oversight/core';
import { mix32 } from '../text/normalize.js';
import { Scanner } from '../text/scan.js';

const P1 = 0x01000193;
const FILTER_MIX = 0x9e3779b1;
/** Filter bits per indexed key: ~12% of absent keys pass (a 1 MiB filter for GSM8K + MATH test, within L2). */
const FILTER_BITS_PER_KEY = 8;

/**
 * One hash table of 32-bit keys (a key may stand for more than one m-gram: the words are compared
 * anyway), with the head of each key's entry chain (-1 = empty slot), and a one-hash bit filter
 * checked first.
 */
export interface KeyTable {
  /** Distinct keys inserted. */
  keys: number;
  mask: number;
  key: Uint32Array;
  head: Int32Array;
  filter: Uint32Array;
  /** 32 − log2(filter bits). */
  filterShift: number;
}

/** What workers receive once. */
export interface NgramIndexData {
  /** Words per key. */
  m: number;
  /** Training m-grams looked up: one every `stride` words, n − m + 1 for the smallest n. */
  stride: number;
  /** Shortest run worth reporting: the smallest n. */
  minRun: number;
  /** m-gram key → first flat position with that key. */
  table: KeyTable;
  /** Flat position → next flat position with the same key, -1 at the end. */
  next: Int32Array;
  /** Every eval item's word hashes, end to end. */
  words: Uint32Array;
  /** Flat position → index of its item. */
  owner: Int32Array;
  /** Item i occupies flat positions [offsets[i], offsets[i + 1]). */
  offsets: Int32Array;
  /** Whole-part key → first whole entry (the caller's numbering). */
  whole: KeyTable;
  /** Words in the longest whole part: longer training turns are not looked up. */
  wholeLongest: number;
}

/**
 * Hits of one batch. A run: text `text`, flat eval position `evalStart`, training word `trainStart`,
 * `length` words. A whole hit (`whole` = 1): `evalStart` is the head whole entry, `trainStart` the
 * turn index, `length` 0.
 */
export interface NgramMatchResult {
  text: Int32Array;
  evalStart: Int32Array;
  trainStart: Int32Array;
  length: Int32Array;
  whole: Uint8Array;
}

/**
 * Key length and training stride for the smallest n: m ≈ 0.6·n (5 for n = 8, 8 for n = 13), so keys
 * stay specific enough to be rare in prose, and s = n − m + 1.
 */
export function samplingFor(minN: number): { m: number; stride: number } {
  const m = Math.max(1, Math.round(0.6 * minN));
  return { m, stride: minN - m + 1 };
}

/** The polynomial hash of `count` word hashes from `start`. */
function polynomial(words: Uint32Array, start: number, count: number): number {
  let hash = 0;
  for (let index = start; index < start + count; index++) hash = (Math.imul(hash, P1) + (words[index] as number)) | 0;
  return hash;
}

/**
 * A typed array on shared memory: the index reaches every worker without a copy (a structured clone
 * of GSM8K + MATH test's index costs ~0.2 s per worker).
 */
function shared<T extends Int32Array | Uint32Array>(Type: new (buffer: SharedArrayBuffer) => T, length: number): T {
  return new Type(new SharedArrayBuffer(length * 4));
}

function createTable(entries: number): KeyTable {
  let size = 16;
  while (size < entries * 2) size *= 2;
  let bits = 10;
  while (bits < 30 && 2 ** bits < entries * FILTER_BITS_PER_KEY) bits++;
  return {
    keys: 0,
    mask: size - 1,
    key: shared(Uint32Array, size),
    head: shared(Int32Array, size).fill(-1),
    filter: shared(Uint32Array, 2 ** (bits - 5)),
    filterShift: 32 - bits,
  };
}

/** The slot of `key`: its own, or the empty one where it would go. */
function slotOf(table: KeyTable, key: number): number {
  let slot = key & table.mask;
  for (;;) {
    const head = table.head[slot] as number;
    if (head === -1 || table.key[slot] === key) return slot;
    slot = (slot + 1) & table.mask;
  }
}

/** Inserts polynomial hash `hash` (key `mix32(hash ^ salt)`) with entry `entry`; returns the previous head, or -1. */
function insert(table: KeyTable, hash: number, salt: number, entry: number): number {
  const bit = Math.imul(hash, FILTER_MIX) >>> table.filterShift;
  table.filter[bit >>> 5] = (table.filter[bit >>> 5] as number) | (1 << (bit & 31));
  const key = mix32(hash ^ salt);
  const slot = slotOf(table, key);
  const head = table.head[slot] as number;
  if (head === -1) {
    table.key[slot] = key;
    table.keys++;
  }
  table.head[slot] = entry;
  return head;
}

/** The head entry of polynomial hash `hash` (salted as inserted), or -1; the filter is checked first. */
function lookup(table: KeyTable, hash: number, salt: number): number {
  const bit = Math.imul(hash, FILTER_MIX) >>> table.filterShift;
  if ((((table.filter[bit >>> 5] as number) >>> (bit & 31)) & 1) === 0) return -1;
  return table.head[slotOf(table, mix32(hash ^ salt))] as number;
}

/** The whole-part salt: the length keeps parts of different lengths apart. */
function wholeSalt(length: number): number {
  return 0x7fffffff ^ length;
}

/** Builds the index on the calling thread. */
export class NgramIndexBuilder {
  private readonly sequences: Uint32Array[] = [];
  private total = 0;
  private readonly wholeKeys: Array<{ hash: number; length: number; entry: number }> = [];
  /** Chain of whole entries sharing a key: `wholeNext[entry]`, -1 at the end. */
  readonly wholeNext: number[] = [];

  constructor(
    readonly m: number,
    readonly stride: number,
    readonly minRun: number,
  ) {}

  /** Adds an item's word sequence; returns its flat offset. All its m-grams are indexed. */
  addSequence(words: Uint32Array): number {
    const offset = this.total;
    this.sequences.push(words);
    this.total += words.length;
    return offset;
  }

  /** Adds the whole word sequence `words[0, count)` as whole entry `entry`. */
  addWhole(words: Uint32Array, count: number, entry: number): void {
    this.wholeKeys.push({ hash: polynomial(words, 0, count), length: count, entry });
    this.wholeNext[entry] = -1;
  }

  build(): NgramIndexData {
    const { m } = this;
    const words = shared(Uint32Array, this.total);
    const owner = shared(Int32Array, this.total);
    const offsets = shared(Int32Array, this.sequences.length + 1);
    let grams = 0;
    for (const [item, sequence] of this.sequences.entries()) {
      const offset = offsets[item] as number;
      words.set(sequence, offset);
      owner.fill(item, offset, offset + sequence.length);
      offsets[item + 1] = offset + sequence.length;
      grams += Math.max(0, sequence.length - m + 1);
    }
    const table = createTable(grams);
    const next = shared(Int32Array, this.total).fill(-1);
    // Insert in reverse so that every chain runs in flat (item, position) order.
    for (let item = this.sequences.length - 1; item >= 0; item--) {
      const start = offsets[item] as number;
      for (let position = (offsets[item + 1] as number) - m; position >= start; position--) {
        next[position] = insert(table, polynomial(words, position, m), m, position);
      }
    }
    const whole = createTable(this.wholeKeys.length);
    for (let index = this.wholeKeys.length - 1; index >= 0; index--) {
      const { hash, length, entry } = this.wholeKeys[index] as { hash: number; length: number; entry: number };
      this.wholeNext[entry] = insert(whole, hash, wholeSalt(length), entry);
    }
    const wholeLongest = this.wholeKeys.reduce((longest, key) => Math.max(longest, key.length), 0);
    return { m, stride: this.stride, minRun: this.minRun, table, next, words, owner, offsets, whole, wholeLongest };
  }
}

interface Hits {
  text: number[];
  evalStart: number[];
  trainStart: number[];
  length: number[];
  whole: number[];
}

/** The worker side: tokenizes training texts and reports shared runs. */
export class NgramMatcher {
  private readonly scanner = new Scanner();
  private readonly hasWhole: boolean;

  constructor(private readonly index: NgramIndexData) {
    this.hasWhole = index.whole.keys > 0;
    this.scanner.setFilter(index.table.filter);
  }

  /** Texts as UTF-8 bytes end to end: no per-text strings are made. */
  matchAll(texts: Utf8Texts): NgramMatchResult {
    const out: Hits = { text: [], evalStart: [], trainStart: [], length: [], whole: [] };
    this.scanner.load(texts.bytes);
    let from = 0;
    for (let t = 0; t < texts.ends.length; t++) {
      const to = texts.ends[t] as number;
      this.matchOne(from, to, t, out);
      from = to;
    }
    return {
      text: Int32Array.from(out.text),
      evalStart: Int32Array.from(out.evalStart),
      trainStart: Int32Array.from(out.trainStart),
      length: Int32Array.from(out.length),
      whole: Uint8Array.from(out.whole),
    };
  }

  private matchOne(from: number, to: number, t: number, out: Hits): void {
    // Words of the whole text (turns separated by U+001E, n-grams may cross them), in the scanner's heap.
    const { scanner } = this;
    const count = scanner.tokenize(from, to);
    const { heap, wordsBase } = scanner;
    if (count >= this.index.minRun) this.findRuns(heap, wordsBase, count, t, out);
    if (!this.hasWhole) return;
    const { whole, wholeLongest } = this.index;
    const { turnsBase, turnCount } = scanner;
    for (let turn = 0; turn <= turnCount; turn++) {
      const start = turn === 0 ? 0 : (heap[turnsBase + turn - 1] as number);
      const end = turn < turnCount ? (heap[turnsBase + turn] as number) : count;
      const length = end - start;
      if (length === 0 || length > wholeLongest) continue;
      const head = lookup(whole, polynomial(heap, wordsBase + start, length), wholeSalt(length));
      if (head === -1) continue;
      out.text.push(t);
      out.evalStart.push(head);
      out.trainStart.push(turn);
      out.length.push(0);
      out.whole.push(1);
    }
  }

  /**
   * Looks up the m-grams at every `stride`-th word of `heap[base, base + count)` that pass the filter
   * and reports the maximal shared runs (`trainStart` relative to `base`).
   */
  private findRuns(heap: Uint32Array, base: number, count: number, t: number, out: Hits): void {
    const { m, stride, minRun, table, next, owner, offsets } = this.index;
    const evalWords = this.index.words;
    const { mask } = table;
    const keys = table.key;
    const heads = table.head;
    const firstRun = out.text.length;
    const end = base + count;
    // The filter check runs in the scanner; what passes it is looked up here.
    const found = this.scanner.candidates(count, m, stride, table.filterShift);
    const candidatesBase = this.scanner.candidatesBase;
    for (let candidate = 0; candidate < found; candidate++) {
      const start = base + (heap[candidatesBase + candidate] as number);
      const key = mix32(polynomial(heap, start, m) ^ m);
      let slot = key & mask;
      let head = heads[slot] as number;
      while (head !== -1 && keys[slot] !== key) {
        slot = (slot + 1) & mask;
        head = heads[slot] as number;
      }
      for (let entry = head; entry !== -1; entry = next[entry] as number) {
        let equal = true;
        for (let index = 0; equal && index < m; index++) equal = heap[start + index] === evalWords[entry + index];
        if (!equal) continue;
        const item = owner[entry] as number;
        const itemStart = offsets[item] as number;
        const itemEnd = offsets[item + 1] as number;
        let left = 0;
        while (start - left > base && entry - left > itemStart && heap[start - left - 1] === evalWords[entry - left - 1]) left++;
        let right = m;
        while (start + right < end && entry + right < itemEnd && heap[start + right] === evalWords[entry + right]) right++;
        if (left + right < minRun) continue;
        const trainStart = start - left - base;
        // A long run holds several stride positions: report it once.
        let seen = false;
        for (let run = firstRun; !seen && run < out.text.length; run++) {
          seen = out.evalStart[run] === entry - left && out.trainStart[run] === trainStart;
        }
        if (seen) continue;
        out.text.push(t);
        out.evalStart.push(entry - left);
        out.trainStart.push(trainStart);
        out.length.push(left + right);
        out.whole.push(0);
      }
    }
  }
}
