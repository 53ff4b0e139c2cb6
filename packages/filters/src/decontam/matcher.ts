/**
 * Finding eval n-grams in training text, fast: the eval side is compiled once into open-addressing
 * hash tables of 64-bit n-gram keys (one table per n, plus one of whole normalized texts for eval
 * items shorter than n words); the training side is tokenized once per row and every window is looked
 * up with a rolling hash. Hits are candidates only: the caller re-reads the words of each hit and keeps
 * it only when they are equal, so hash collisions can never flag a row.
 */
import { HashBuffer, mix32, wordHashes } from '../text/normalize.js';

const P1 = 0x01000193;
const P2 = 0x5bd1e995;

/**
 * One hash table: key halves per slot, and the head of the entry chain for that key (-1 = empty).
 * `filter` is a one-hash bit filter (16 bits per key, ~6% false positives) small enough to stay in
 * cache: most training windows are rejected there without touching the large table.
 */
export interface KeyTable {
  /** Window size in words (0 for the whole-text table). */
  n: number;
  mask: number;
  high: Uint32Array;
  low: Uint32Array;
  head: Int32Array;
  filter: Uint32Array;
  /** 32 − log2(filter bits). */
  filterShift: number;
}

const FILTER_MIX = 0x9e3779b1;

/** What workers receive: the tables only (entries stay with the caller). */
export interface NgramIndexData {
  tables: KeyTable[];
  whole: KeyTable;
}

/** Hits of one batch: text index, head entry of the matching chain, word position (whole: turn index). */
export interface NgramMatchResult {
  text: Int32Array;
  entry: Int32Array;
  position: Int32Array;
  /** 1 when the hit is a whole-text match of one turn. */
  whole: Uint8Array;
}

function createTable(n: number, entries: number): KeyTable {
  let size = 16;
  while (size < entries * 2) size *= 2;
  let bits = 10;
  while (bits < 27 && 2 ** bits < entries * 16) bits++;
  return {
    n,
    mask: size - 1,
    high: new Uint32Array(size),
    low: new Uint32Array(size),
    head: new Int32Array(size).fill(-1),
    filter: new Uint32Array(2 ** (bits - 5)),
    filterShift: 32 - bits,
  };
}

/** The filter bit of a window, from its raw rolling hashes. */
function filterBit(a: number, b: number, shift: number): number {
  return Math.imul(a ^ Math.imul(b, 0x85ebca6b), FILTER_MIX) >>> shift;
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

/** 64-bit key of `count` word hashes from `start`, with the same rolling scheme as the matcher. */
function windowKey(words: Uint32Array, start: number, count: number, salt: number): [number, number] {
  const [a, b] = rolling(words, start, count);
  return [mix32(a ^ salt), mix32(b ^ Math.imul(salt, 0x9e3779b1))];
}

/** Builds the index on the calling thread. Entries are numbered by the caller's `add*` order. */
export class NgramIndexBuilder {
  private readonly tables = new Map<number, KeyTable>();
  private whole: KeyTable;
  private readonly pending = new Map<number, Array<{ high: number; low: number; entry: number; bit: number }>>();
  private readonly pendingWhole: Array<{ high: number; low: number; entry: number }> = [];
  /** Chain of entries sharing a key: `next[entry]`, -1 at the end. */
  readonly next: number[] = [];

  constructor() {
    this.whole = createTable(0, 0);
  }

  /** Adds window `[start, start + n)` of `words` as entry `entry`. */
  addWindow(words: Uint32Array, start: number, n: number, entry: number): void {
    const [high, low] = windowKey(words, start, n, n);
    const [a, b] = rolling(words, start, n);
    let list = this.pending.get(n);
    if (!list) {
      list = [];
      this.pending.set(n, list);
    }
    list.push({ high, low, entry, bit: filterBit(a, b, 0) });
    this.next[entry] = -1;
  }

  /** Adds the whole word sequence `words[0, count)` as entry `entry`. */
  addWhole(words: Uint32Array, count: number, entry: number): void {
    const [high, low] = windowKey(words, 0, count, 0x7fffffff ^ count);
    this.pendingWhole.push({ high, low, entry });
    this.next[entry] = -1;
  }

  private fill(table: KeyTable, list: Array<{ high: number; low: number; entry: number; bit?: number }>): void {
    for (const { high, low, entry, bit } of list) {
      if (bit !== undefined) {
        const index = bit >>> table.filterShift;
        table.filter[index >>> 5] = (table.filter[index >>> 5] as number) | (1 << (index & 31));
      }
      const slot = slotOf(table, high, low);
      const head = table.head[slot] as number;
      if (head === -1) {
        table.high[slot] = high;
        table.low[slot] = low;
        table.head[slot] = entry;
      } else {
        // Keep chains in entry order: append at the end.
        let last = head;
        while ((this.next[last] as number) !== -1) last = this.next[last] as number;
        this.next[last] = entry;
      }
    }
  }

  build(): NgramIndexData {
    const tables: KeyTable[] = [];
    for (const [n, list] of [...this.pending.entries()].sort(([a], [b]) => a - b)) {
      const table = createTable(n, list.length);
      this.fill(table, list);
      tables.push(table);
      this.tables.set(n, table);
    }
    this.whole = createTable(0, this.pendingWhole.length);
    this.fill(this.whole, this.pendingWhole);
    return { tables, whole: this.whole };
  }
}

/** The worker side: tokenizes training texts and reports candidate hits. */
export class NgramMatcher {
  private readonly words = new HashBuffer(4096);
  private readonly turns = new HashBuffer(64);

  constructor(private readonly index: NgramIndexData) {}

  matchAll(texts: string[]): NgramMatchResult {
    const text: number[] = [];
    const entry: number[] = [];
    const position: number[] = [];
    const whole: number[] = [];
    const hasWhole = this.index.whole.head.some((value) => value !== -1);
    for (let t = 0; t < texts.length; t++) {
      const value = texts[t] ?? '';
      // Words of the whole text, remembering where each turn (U+001E-separated) starts.
      let count = 0;
      let turnCount = 0;
      let from = 0;
      for (;;) {
        let to = value.indexOf('\u001e', from);
        if (to === -1) to = value.length;
        const before = count;
        count = wordHashes(value, this.words, from, to, count);
        const turns = this.turns.reserve(turnCount * 2 + 2, turnCount * 2);
        turns[turnCount * 2] = before;
        turns[turnCount * 2 + 1] = count;
        turnCount++;
        if (to >= value.length) break;
        from = to + 1;
      }
      const words = this.words.values;
      for (const table of this.index.tables) {
        const n = table.n;
        if (count < n) continue;
        let top1 = 1;
        let top2 = 1;
        for (let index = 1; index < n; index++) {
          top1 = Math.imul(top1, P1);
          top2 = Math.imul(top2, P2);
        }
        let a = 0;
        let b = 0;
        for (let index = 0; index < n; index++) {
          a = (Math.imul(a, P1) + (words[index] as number)) | 0;
          b = (Math.imul(b, P2) + (words[index] as number)) | 0;
        }
        const saltB = Math.imul(n, 0x9e3779b1);
        const filter = table.filter;
        const shift = table.filterShift;
        for (let start = 0; ; start++) {
          const bit = filterBit(a, b, shift);
          const passes = ((filter[bit >>> 5] as number) >>> (bit & 31)) & 1;
          const high = passes ? mix32(a ^ n) : 0;
          const low = passes ? mix32(b ^ saltB) : 0;
          let slot = passes ? (low ^ high) & table.mask : -1;
          while (slot !== -1) {
            const head = table.head[slot] as number;
            if (head === -1) break;
            if (table.high[slot] === high && table.low[slot] === low) {
              text.push(t);
              entry.push(head);
              position.push(start);
              whole.push(0);
              break;
            }
            slot = (slot + 1) & table.mask;
          }
          if (start + n >= count) break;
          const out = words[start] as number;
          const incoming = words[start + n] as number;
          a = (Math.imul(a - Math.imul(out, top1), P1) + incoming) | 0;
          b = (Math.imul(b - Math.imul(out, top2), P2) + incoming) | 0;
        }
      }
      if (hasWhole) {
        const turns = this.turns.values;
        for (let turn = 0; turn < turnCount; turn++) {
          const start = turns[turn * 2] as number;
          const length = (turns[turn * 2 + 1] as number) - start;
          if (length === 0) continue;
          const [high, low] = windowKey(words, start, length, 0x7fffffff ^ length);
          const slot = slotOf(this.index.whole, high, low);
          const head = this.index.whole.head[slot] as number;
          if (head !== -1) {
            text.push(t);
            entry.push(head);
            position.push(turn);
            whole.push(1);
          }
        }
      }
    }
    return {
      text: Int32Array.from(text),
      entry: Int32Array.from(entry),
      position: Int32Array.from(position),
      whole: Uint8Array.from(whole),
    };
  }
}
