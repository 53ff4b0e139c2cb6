/**
 * The one text normalization every near-duplicate and decontamination step shares, so that a
 * document, its duplicate and an eval item are compared on the same words.
 *
 * Per UTF-16 code unit:
 * - letters and digits are folded: lower-cased, compatibility-decomposed with combining marks
 *   removed (`É` → `e`, `１` → `1`), then kept as word characters;
 * - apostrophes (`'` `’` `‘` `ʼ`) and combining marks are removed, so `don’t`, `don't` and `dont`
 *   are one word;
 * - Han, Hiragana and Katakana characters are words of their own (those scripts write no spaces);
 * - everything else (punctuation, symbols, quotes of any kind, whitespace, control characters) ends a
 *   word. Surrogate pairs (emoji, rare CJK) count as word characters.
 *
 * Word hashes are 32-bit FNV-1a over the folded code units, finished with a murmur3 mix. The hot
 * loops here are written for speed (a class table filled lazily per code unit, no allocations).
 */

const UNKNOWN = 0;
const SEPARATOR = 1;
const DROP = 2;
const WORD = 3;
const SOLO = 4;

const kinds = new Uint8Array(65536);
const folded = new Uint16Array(65536);
const APOSTROPHES = new Set([0x27, 0x2018, 0x2019, 0x02bc, 0xff07]);
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const MARK = /^\p{M}$/u;
const SOLO_SCRIPT = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u;

function classify(code: number): number {
  let kind: number;
  if (code >= 0xd800 && code <= 0xdfff) {
    kind = WORD;
    folded[code] = code;
  } else if (APOSTROPHES.has(code)) {
    kind = DROP;
  } else {
    const char = String.fromCharCode(code);
    if (MARK.test(char)) kind = DROP;
    else if (!LETTER_OR_DIGIT.test(char)) kind = SEPARATOR;
    else if (SOLO_SCRIPT.test(char)) {
      kind = SOLO;
      folded[code] = code;
    } else {
      kind = WORD;
      const lower = char.toLowerCase();
      const base = lower.normalize('NFKD').replace(/\p{M}/gu, '');
      if (base.length === 1 && LETTER_OR_DIGIT.test(base)) folded[code] = base.charCodeAt(0);
      else folded[code] = lower.length === 1 ? lower.charCodeAt(0) : code;
    }
  }
  kinds[code] = kind;
  return kind;
}

/**
 * The class of UTF-16 code unit `code` (0 unknown, 1 break, 2 removed, 3 word character, 4 a word of
 * its own) and its folded form, classifying it on first use: for the WebAssembly scanner's tables.
 */
export function codeClass(code: number): { kind: number; folded: number } {
  let kind = kinds[code] as number;
  if (kind === UNKNOWN) kind = classify(code);
  return { kind, folded: folded[code] as number };
}

/** murmur3's 32-bit finalizer: spreads every input bit over the output. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * ASCII in one lookup: the folded code of a word character, 0 for a word break, -1 for a removed
 * character (the apostrophe). Most text is ASCII; this is the hot path of every step here.
 */
const ASCII = new Int16Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  if (/[a-z0-9]/.test(char)) ASCII[code] = code;
  else if (/[A-Z]/.test(char)) ASCII[code] = code + 32;
  else if (code === 0x27) ASCII[code] = -1;
  else ASCII[code] = 0;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** A growable buffer of 32-bit word or shingle hashes, reused across documents. */
export class HashBuffer {
  values: Uint32Array;
  constructor(capacity = 1024) {
    this.values = new Uint32Array(capacity);
  }
  /** Makes room for at least `size` values, keeping the first `keep`. */
  reserve(size: number, keep: number): Uint32Array {
    if (size > this.values.length) {
      const grown = new Uint32Array(Math.max(size, this.values.length * 2));
      grown.set(this.values.subarray(0, keep));
      this.values = grown;
    }
    return this.values;
  }
}

/** ASCII word characters: 1; word breaks: 0; removed (the apostrophe): 2. */
const ASCII_KIND = new Int32Array(128);
/** ASCII folded codes (0 where not a word character). */
const ASCII_FOLD = new Int32Array(128);
for (let code = 0; code < 128; code++) {
  const fold = ASCII[code] as number;
  ASCII_KIND[code] = fold > 0 ? 1 : fold < 0 ? 2 : 0;
  ASCII_FOLD[code] = fold > 0 ? fold : 0;
}

/**
 * Appends the hashes of the normalized words of `text[from, to)` to `buffer` starting at `at`;
 * returns the new count.
 *
 * The ASCII path has no data-dependent branch: every character stores the running hash at the
 * current slot and advances the slot only where a word ends, and the hash restarts by masking. Word
 * boundaries in prose come every few characters, and a mispredicted branch at each cost more than
 * the arithmetic. Raw FNV hashes are mixed in a second pass.
 */
export function wordHashes(text: string, buffer: HashBuffer, from = 0, to = text.length, at = 0): number {
  // At most one word per character, plus the one being written.
  const out = buffer.reserve(at + (to - from) + 2, at);
  let count = at;
  let hash = FNV_OFFSET;
  let inWord = 0;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    if (code < 128) {
      const kind = ASCII_KIND[code] as number;
      if (kind === 2) continue;
      out[count] = hash;
      count += inWord & (kind ^ 1);
      const mask = -kind;
      hash = (Math.imul(hash ^ (ASCII_FOLD[code] as number), FNV_PRIME) & mask) | (FNV_OFFSET & ~mask);
      inWord = kind;
      continue;
    }
    let kind = kinds[code] as number;
    if (kind === UNKNOWN) kind = classify(code);
    if (kind === WORD) {
      hash = Math.imul(hash ^ (folded[code] as number), FNV_PRIME);
      inWord = 1;
    } else if (kind !== DROP) {
      if (inWord === 1) {
        out[count++] = hash;
        hash = FNV_OFFSET;
        inWord = 0;
      }
      if (kind === SOLO) out[count++] = Math.imul(FNV_OFFSET ^ (folded[code] as number), FNV_PRIME);
    }
  }
  if (inWord === 1) out[count++] = hash;
  for (let index = at; index < count; index++) out[index] = mix32(out[index] as number);
  return count;
}

/** The normalized words of `text`, as strings (for display, verification and tests). */
export function normalizedWords(text: string): string[] {
  const words: string[] = [];
  let current: number[] = [];
  const flush = () => {
    if (current.length > 0) {
      words.push(String.fromCharCode(...current));
      current = [];
    }
  };
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    let kind = kinds[code] as number;
    if (kind === UNKNOWN) kind = classify(code);
    if (kind === WORD) current.push(folded[code] as number);
    else if (kind !== DROP) {
      flush();
      if (kind === SOLO) words.push(String.fromCharCode(folded[code] as number));
    }
  }
  flush();
  return words;
}

/** `text` normalized: its words joined by single spaces. */
export function normalizeText(text: string): string {
  return normalizedWords(text).join(' ');
}

/** A growable buffer of UTF-16 code units. */
export class CodeBuffer {
  values = new Uint16Array(4096);
  reserve(size: number): Uint16Array {
    if (size > this.values.length) this.values = new Uint16Array(Math.max(size, this.values.length * 2));
    return this.values;
  }
}

/**
 * Writes the normalized text of `text` (words joined by single spaces) into `buffer` as code units;
 * returns its length. The input to character shingles.
 */
export function normalizedCodes(text: string, buffer: CodeBuffer): number {
  const out = buffer.reserve(text.length * 2 + 1);
  let length = 0;
  let pendingSpace = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    let kind = kinds[code] as number;
    if (kind === UNKNOWN) kind = classify(code);
    if (kind === WORD || kind === SOLO) {
      if (pendingSpace || (kind === SOLO && length > 0)) out[length++] = 0x20;
      out[length++] = folded[code] as number;
      pendingSpace = kind === SOLO;
    } else if (kind === SEPARATOR && length > 0) {
      pendingSpace = true;
    }
  }
  return length;
}
