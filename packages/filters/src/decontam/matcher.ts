/**
 * Finding eval n-grams in training text, fast.
 *
 * Eval side: each item's words (prompt then answer, as word hashes) are laid end to end in one flat
 * array. Of its m-grams (m < the smallest n) only the minimizers are indexed: in every run of
 * w = n − m + 1 consecutive m-grams, the one with the smallest hash (the leftmost on ties). Training
 * side: each row is tokenized once and only its minimizers are looked up. A shared n-gram spans the
 * same w m-grams on both sides, so both pick the same minimizer and nothing is missed, while the index
 * holds about 2/(w + 1) of the m-grams (small enough for its bit filter to stay in cache) and each row
 * makes about as few lookups. A hit is extended word by word, left and right, into the maximal run both
 * texts share; runs of at least n words are reported once. The caller re-reads the words of each run
 * and decides which scope's n-grams it holds, so hash collisions can never flag a row.
 *
 * Eval parts shorter than n words match only a whole training turn: one more table of whole-part keys.
 */
import type { PackedTexts } from '../parallel/tasks.js';
import { HashBuffer, mix32, wordHashes } from '../text/normalize.js';

const P1 = 0x01000193;
const P2 = 0x5bd1e995;
const FILTER_MIX = 0x9e3779b1;

/**
 * One hash table: key halves per slot, and the head of the entry chain for that key (-1 = empty).
 * `filter` is a one-hash bit filter (16 bits per key, ~6% false positives) checked first: most
 * training windows are rejected there without touching the large table.
 */
export interface KeyTable {
  /** Keys inserted. */
  keys: number;
  mask: number;
  high: Uint32Array;
  low: Uint32Array;
  head: Int32Array;
  filter: Uint32Array;
  /** 32 − log2(filter bits). */
  filterShift: number;
}

/** What workers receive once. */
export interface NgramIndexData {
  /** Words per key. */
  m: number;
  /** m-grams per minimizer window: n − m + 1 for the smallest n. */
  window: number;
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
 * Key length and minimizer window for the smallest n: m ≈ 0.6·n (5 for n = 8, 8 for n = 13), so keys
 * stay specific enough to be rare in prose, and w = n − m + 1.
 */
export function samplingFor(minN: number): { m: number; window: number } {
  const m = Math.max(1, Math.round(0.6 * minN));
  return { m, window: minN - m + 1 };
}

/** The 32-bit order of an m-gram for minimizer choice (also its filter bit, shifted). */
function orderOf(a: number, b: number): number {
  return Math.imul(a ^ Math.imul(b, 0x85ebca6b), FILTER_MIX) >>> 0;
}

/**
 * Calls `visit(position)` once for each distinct minimizer of `count` m-gram orders: for every run of
 * `window` consecutive positions, the one with the smallest order (leftmost on ties).
 */
function forEachMinimizer(orders: Uint32Array, count: number, window: number, visit: (position: number) => void): void {
  if (count < window) return;
  let best = -1;
  let last = -1;
  for (let end = window - 1; end < count; end++) {
    const start = end - window + 1;
    if (best < start) {
      best = start;
      for (let position = start + 1; position <= end; position++)
        if ((orders[position] as number) < (orders[best] as number)) best = position;
    } else if ((orders[end] as number) < (orders[best] as number)) best = end;
    if (best !== last) {
      visit(best);
      last = best;
    }
  }
}

function createTable(entries: number): KeyTable {
  let size = 16;
  while (size < entries * 2) size *= 2;
  let bits = 10;
  while (bits < 27 && 2 ** bits < entries * 8) bits++;
  return {
    keys: 0,
    mask: size - 1,
    high: new Uint32Array(size),
    low: new Uint32Array(size),
    head: new Int32Array(size).fill(-1),
    filter: new Uint32Array(2 ** (bits - 5)),
    filterShift: 32 - bits,
  };
}

/** Finds the slot of a key: its own, or the empty one where it would go. */
function slotOf(table: KeyTable, high: number, low: number): number {
  let slot = (low ^ high) & table.mask;
  for (;;) {
    const head = table.head[slot] as number;
    if (head === -1 || (table.high[slot] === high && table.low[slot] === low)) return slot;
    slot = (slot + 1) & table.mask;
  }
}

/** Raw rolling hashes of `count` word hashes from `start`, as the matcher computes them. */
function rolling(words: Uint32Array, start: number, count: number): [number, number] {
  let a = 0;
  let b = 0;
  for (let index = start; index < start + count; index++) {
    a = (Math.imul(a, P1) + (words[index] as number)) | 0;
    b = (Math.imul(b, P2) + (words[index] as number)) | 0;
  }
  return [a, b];
}

function finish(a: number, b: number, salt: number): [number, number] {
  return [mix32(a ^ salt), mix32(b ^ Math.imul(salt, 0x9e3779b1))];
}

/** Inserts a key with entry `entry`; returns the previous head for that key, or -1. */
function insert(table: KeyTable, high: number, low: number, entry: number, bit?: number): number {
  if (bit !== undefined) {
    const index = bit >>> table.filterShift;
    table.filter[index >>> 5] = (table.filter[index >>> 5] as number) | (1 << (index & 31));
  }
  const slot = slotOf(table, high, low);
  const head = table.head[slot] as number;
  if (head === -1) {
    table.high[slot] = high;
    table.low[slot] = low;
    table.keys++;
  }
  table.head[slot] = entry;
  return head;
}

/** Builds the index on the calling thread. */
export class NgramIndexBuilder {
  private readonly sequences: Uint32Array[] = [];
  private total = 0;
  private readonly wholeKeys: Array<{ high: number; low: number; entry: number }> = [];
  /** Chain of whole entries sharing a key: `wholeNext[entry]`, -1 at the end. */
  readonly wholeNext: number[] = [];

  constructor(
    readonly m: number,
    readonly window: number,
    readonly minRun: number,
  ) {}

  /** Adds an item's word sequence; returns its flat offset. Its minimizers are indexed. */
  addSequence(words: Uint32Array): number {
    const offset = this.total;
    this.sequences.push(words);
    this.total += words.length;
    return offset;
  }

  /** Adds the whole word sequence `words[0, count)` as whole entry `entry`. */
  addWhole(words: Uint32Array, count: number, entry: number): void {
    const [high, low] = finish(...rolling(words, 0, count), 0x7fffffff ^ count);
    this.wholeKeys.push({ high, low, entry });
    this.wholeNext[entry] = -1;
  }

  build(): NgramIndexData {
    const { m, window } = this;
    const words = new Uint32Array(this.total);
    const owner = new Int32Array(this.total);
    const offsets = new Int32Array(this.sequences.length + 1);
    const orders = new Uint32Array(this.total);
    const keys: number[] = [];
    for (const [item, sequence] of this.sequences.entries()) {
      const offset = offsets[item] as number;
      words.set(sequence, offset);
      owner.fill(item, offset, offset + sequence.length);
      offsets[item + 1] = offset + sequence.length;
      const grams = sequence.length - m + 1;
      for (let position = 0; position < grams; position++) orders[position] = orderOf(...rolling(sequence, position, m));
      forEachMinimizer(orders, grams, window, (position) => keys.push(offset + position));
    }
    const table = createTable(keys.length);
    const next = new Int32Array(this.total).fill(-1);
    // Insert in reverse so that every chain runs in flat (item, position) order.
    for (let index = keys.length - 1; index >= 0; index--) {
      const position = keys[index] as number;
      const [a, b] = rolling(words, position, m);
      const [high, low] = finish(a, b, m);
      next[position] = insert(table, high, low, position, orderOf(a, b));
    }
    const whole = createTable(this.wholeKeys.length);
    for (let index = this.wholeKeys.length - 1; index >= 0; index--) {
      const { high, low, entry } = this.wholeKeys[index] as { high: number; low: number; entry: number };
      this.wholeNext[entry] = insert(whole, high, low, entry);
    }
    return { m, window, minRun: this.minRun, table, next, words, owner, offsets, whole };
  }
}

/** The worker side: tokenizes training texts and reports shared runs. */
export class NgramMatcher {
  private readonly words = new HashBuffer(4096);
  private readonly turns = new HashBuffer(64);
  private readonly rollA = new HashBuffer(4096);
  private readonly rollB = new HashBuffer(4096);
  private readonly orders = new HashBuffer(4096);
  private readonly hasWhole: boolean;

  constructor(private readonly index: NgramIndexData) {
    this.hasWhole = index.whole.head.some((value) => value !== -1);
  }

  /** Texts as an array, or packed (one string and end offsets: no per-text strings are made). */
  matchAll(texts: string[] | PackedTexts): NgramMatchResult {
    const out = {
      text: [] as number[],
      evalStart: [] as number[],
      trainStart: [] as number[],
      length: [] as number[],
      whole: [] as number[],
    };
    if (Array.isArray(texts)) {
      for (let t = 0; t < texts.length; t++) {
        const value = texts[t] ?? '';
        this.matchOne(value, 0, value.length, t, out);
      }
    } else {
      let from = 0;
      for (let t = 0; t < texts.ends.length; t++) {
        const to = texts.ends[t] as number;
        this.matchOne(texts.joined, from, to, t, out);
        from = to;
      }
    }
    return {
      text: Int32Array.from(out.text),
      evalStart: Int32Array.from(out.evalStart),
      trainStart: Int32Array.from(out.trainStart),
      length: Int32Array.from(out.length),
      whole: Uint8Array.from(out.whole),
    };
  }

  private matchOne(
    value: string,
    begin: number,
    end: number,
    t: number,
    out: { text: number[]; evalStart: number[]; trainStart: number[]; length: number[]; whole: number[] },
  ): void {
    // Words of the whole text, remembering where each turn (U+001E-separated) starts.
    let count = 0;
    let turnCount = 0;
    let from = begin;
    for (;;) {
      let to = value.indexOf('\u001e', from);
      if (to === -1 || to > end) to = end;
      const before = count;
      count = wordHashes(value, this.words, from, to, count);
      const turns = this.turns.reserve(turnCount * 2 + 2, turnCount * 2);
      turns[turnCount * 2] = before;
      turns[turnCount * 2 + 1] = count;
      turnCount++;
      if (to >= end) break;
      from = to + 1;
    }
    const words = this.words.values;
    const { m, window, minRun, table, next, owner, offsets } = this.index;
    const evalWords = this.index.words;
    if (count >= minRun) {
      // Rolling hashes of every m-gram, then the minimizers among them.
      const grams = count - m + 1;
      const rollA = this.rollA.reserve(grams, 0);
      const rollB = this.rollB.reserve(grams, 0);
      const orders = this.orders.reserve(grams, 0);
      let top1 = 1;
      let top2 = 1;
      for (let index = 1; index < m; index++) {
        top1 = Math.imul(top1, P1);
        top2 = Math.imul(top2, P2);
      }
      let a = 0;
      let b = 0;
      for (let index = 0; index < m; index++) {
        a = (Math.imul(a, P1) + (words[index] as number)) | 0;
        b = (Math.imul(b, P2) + (words[index] as number)) | 0;
      }
      for (let position = 0; ; position++) {
        rollA[position] = a;
        rollB[position] = b;
        orders[position] = orderOf(a, b);
        if (position + 1 >= grams) break;
        const outgoing = words[position] as number;
        const incoming = words[position + m] as number;
        a = (Math.imul(a - Math.imul(outgoing, top1), P1) + incoming) | 0;
        b = (Math.imul(b - Math.imul(outgoing, top2), P2) + incoming) | 0;
      }
      const saltB = Math.imul(m, 0x9e3779b1);
      const filter = table.filter;
      const shift = table.filterShift;
      const firstRun = out.text.length;
      let best = -1;
      let last = -1;
      for (let end = window - 1; end < grams; end++) {
        const from = end - window + 1;
        if (best < from) {
          best = from;
          for (let position = from + 1; position <= end; position++)
            if ((orders[position] as number) < (orders[best] as number)) best = position;
        } else if ((orders[end] as number) < (orders[best] as number)) best = end;
        if (best === last) continue;
        last = best;
        const bit = (orders[best] as number) >>> shift;
        if ((((filter[bit >>> 5] as number) >>> (bit & 31)) & 1) === 0) continue;
        const high = mix32((rollA[best] as number) ^ m);
        const low = mix32((rollB[best] as number) ^ saltB);
        let slot = (low ^ high) & table.mask;
        let head = table.head[slot] as number;
        while (head !== -1 && !(table.high[slot] === high && table.low[slot] === low)) {
          slot = (slot + 1) & table.mask;
          head = table.head[slot] as number;
        }
        const start = best;
        for (let entry = head; entry !== -1; entry = next[entry] as number) {
          let equal = true;
          for (let index = 0; equal && index < m; index++) equal = words[start + index] === evalWords[entry + index];
          if (!equal) continue;
          const item = owner[entry] as number;
          const itemStart = offsets[item] as number;
          const itemEnd = offsets[item + 1] as number;
          let left = 0;
          while (start - left > 0 && entry - left > itemStart && words[start - left - 1] === evalWords[entry - left - 1]) left++;
          let right = m;
          while (start + right < count && entry + right < itemEnd && words[start + right] === evalWords[entry + right]) right++;
          if (left + right < minRun) continue;
          // A run holds several minimizers: report it once.
          let seen = false;
          for (let run = firstRun; !seen && run < out.text.length; run++) {
            seen = out.evalStart[run] === entry - left && out.trainStart[run] === start - left;
          }
          if (seen) continue;
          out.text.push(t);
          out.evalStart.push(entry - left);
          out.trainStart.push(start - left);
          out.length.push(left + right);
          out.whole.push(0);
        }
      }
    }
    if (this.hasWhole) {
      const turns = this.turns.values;
      const whole = this.index.whole;
      for (let turn = 0; turn < turnCount; turn++) {
        const start = turns[turn * 2] as number;
        const length = (turns[turn * 2 + 1] as number) - start;
        if (length === 0) continue;
        const [high, low] = finish(...rolling(words, start, length), 0x7fffffff ^ length);
        const head = whole.head[slotOf(whole, high, low)] as number;
        if (head !== -1) {
          out.text.push(t);
          out.evalStart.push(head);
          out.trainStart.push(turn);
          out.length.push(0);
          out.whole.push(1);
        }
      }
    }
  }
}
