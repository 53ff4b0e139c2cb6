// Deterministic generator of ~1k-character chat documents with planted near-duplicate groups, for
// bench/neardup.mjs (and the documents of bench/minhash.mjs).
//
// Layout. Documents come in groups: most groups are singletons; the rest (about 30% of the documents)
// hold 2–6 copies of one base document. Copy 0 is the base itself; copy c ≥ 1 is the base after a
// number of random word edits (substitution, deletion, insertion) chosen so that its 5-word-shingle
// Jaccard to the base lands roughly uniformly in [0.5, 1.0]. Two edited copies of one base are further
// apart from each other, so true Jaccard spreads over the whole range around any threshold. Groups are
// numbered in generation order and their documents are shuffled over the file, so copies lie far apart.
//
// Every document is a pure function of (seed, group, copy): a benchmark can rebuild any document (a
// quality sample, a baseline subset) without reading the file back.
import { mix32 } from '../packages/filters/dist/text/normalize.js';
import { writeChatRows } from './lib.mjs';

/** Share of groups that are singletons: 0.903 puts about 30% of the documents in multi-copy groups. */
const SINGLETON_GROUPS = 0.903;
const MAX_COPIES = 6;

/**
 * sfc32 seeded from three integers: 128 bits of state, so the streams of a million documents never
 * overlap (a 32-bit generator seeded per document would give shifted copies of one stream, which
 * are accidental near-duplicates).
 */
export function stream(seed, a = 0, b = 0) {
  let s0 = mix32(seed ^ 0x243f6a88);
  let s1 = mix32(Math.imul(a + 1, 0x9e3779b1) ^ 0x85a308d3);
  let s2 = mix32(Math.imul(b + 1, 0x85ebca77) ^ 0x13198a2e);
  let s3 = mix32((seed + a * 31 + b * 131) ^ 0x03707344);
  const next = () => {
    const t = (((s0 + s1) | 0) + s3) | 0;
    s3 = (s3 + 1) | 0;
    s0 = s1 ^ (s1 >>> 9);
    s1 = (s2 + (s2 << 3)) | 0;
    s2 = (s2 << 21) | (s2 >>> 11);
    s2 = (s2 + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

// A Zipf-distributed vocabulary: common English words first, then pseudo-words built from syllables.
const COMMON = (
  'the of and to a in is that for it as with was on be by at this are from or an have not which but all were when we there ' +
  'can more if no out so said what up its about into than them only other new some could time these two may first then do ' +
  'any like my now over such our man me even most made after also did many before must through back years where much your ' +
  'way well down should because each just those people how too little state good very make world still own see men work ' +
  'long get here between both life being under never day same another know while last might us great old year off come ' +
  'since against go came right used take three number solve equation fraction integer triangle probability average speed ' +
  'distance apples dollars minutes total remaining percent ratio perimeter area volume sequence prime divisor factor'
).split(' ');
const SYLLABLES = 'ka ro mi tel an sor vi da pen lu mar ti go nes ber cal fi dor pa sun le mo rin tra e si vel kor ba ul'.split(' ');
const VOCABULARY = (() => {
  const words = [...COMMON];
  const seen = new Set(words);
  const random = stream(7, 7, 7);
  while (words.length < 4000) {
    const syllables = 1 + Math.floor(random() * 3);
    let word = '';
    for (let i = 0; i < syllables; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    if (!seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  return words;
})();
/** 65536-entry lookup table of the Zipf(1) distribution over the vocabulary (rank r weighs 1/(r + 2)). */
const ZIPF = (() => {
  const weights = VOCABULARY.map((_, rank) => 1 / (rank + 2));
  const total = weights.reduce((a, b) => a + b, 0);
  const table = new Uint16Array(65536);
  let rank = 0;
  let cumulative = weights[0] / total;
  for (let slot = 0; slot < table.length; slot++) {
    while ((slot + 0.5) / table.length > cumulative && rank < VOCABULARY.length - 1) cumulative += weights[++rank] / total;
    table[slot] = rank;
  }
  return table;
})();

const word = (random) => VOCABULARY[ZIPF[Math.floor(random() * 65536)]];

/** Tokens (words with their punctuation) of sentences until `chars` characters. */
function tokens(random, chars) {
  const out = [];
  let length = 0;
  while (length < chars) {
    const count = 6 + Math.floor(random() * 12);
    for (let i = 0; i < count; i++) {
      let token = random() < 0.04 ? String(Math.floor(random() * 1000)) : word(random);
      if (i === 0) token = token[0].toUpperCase() + token.slice(1);
      if (i === count - 1) token += random() < 0.15 ? '?' : '.';
      else if (random() < 0.06) token += ',';
      out.push(token);
      length += token.length + 1;
    }
  }
  return out;
}

/** Sentences of the generator's vocabulary, about `chars` characters (for other generators). */
export function prose(random, chars) {
  return tokens(random, chars).join(' ');
}

function baseTokens(seed, group) {
  const random = stream(seed, group, 0);
  const user = tokens(random, 200 + Math.floor(random() * 100));
  const assistant = tokens(random, 650 + Math.floor(random() * 200));
  return { user, assistant };
}

/**
 * Document `copy` of group `group`: `{ user, assistant }` texts. Copy 0 is the base; copy c ≥ 1 has
 * e random word edits, with e set from a target Jaccard drawn uniformly from [0.5, 1.0]: each edit
 * breaks about 5 shingles, so J ≈ (S − 5e) / (S + 5e) for S shingles.
 */
export function neardupDocument(seed, group, copy) {
  const { user, assistant } = baseTokens(seed, group);
  if (copy > 0) {
    const random = stream(seed, group, copy);
    const target = 0.5 + 0.5 * random();
    const shingles = user.length + assistant.length - 2;
    const edits = Math.round((shingles * (1 - target)) / (5 * (1 + target)));
    for (let edit = 0; edit < edits; edit++) {
      const total = user.length + assistant.length;
      let at = Math.floor(random() * total);
      const part = at < user.length ? user : assistant;
      if (part === assistant) at -= user.length;
      const op = random();
      if (op < 1 / 3) part[at] = word(random);
      else if (op < 2 / 3 && part.length > 3) part.splice(at, 1);
      else part.splice(at, 0, word(random));
    }
  }
  return { user: user.join(' '), assistant: assistant.join(' ') };
}

/** The text `dedup/minhash` with `scope: all` sees for a document: `role: content` turns joined by U+001E. */
export function scopeAllText(document) {
  return `user: ${document.user}\u001eassistant: ${document.assistant}`;
}

/**
 * Which (group, copy) sits at each position of a file of `docs` documents. Slots are numbered in
 * group order (all copies of group 0, then group 1, …); `order[position]` is the slot written there.
 */
export function neardupLayout(docs, seed) {
  const random = stream(seed, 0x7fffffff, 1);
  const groupOf = new Int32Array(docs);
  const copyOf = new Uint8Array(docs);
  /** First slot of each group, plus the end. */
  const starts = [];
  let slot = 0;
  let group = 0;
  while (slot < docs) {
    const size = random() < SINGLETON_GROUPS ? 1 : 2 + Math.floor(random() * (MAX_COPIES - 1));
    starts.push(slot);
    for (let copy = 0; copy < size && slot < docs; copy++) {
      groupOf[slot] = group;
      copyOf[slot] = copy;
      slot++;
    }
    group++;
  }
  starts.push(docs);
  const order = new Int32Array(docs);
  for (let i = 0; i < docs; i++) order[i] = i;
  for (let i = docs - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  const positionOf = new Int32Array(docs);
  for (let position = 0; position < docs; position++) positionOf[order[position]] = position;
  return { docs, groups: group, groupOf, copyOf, order, positionOf, groupStarts: Int32Array.from(starts) };
}

/** The id written for the document at `position`. */
export const neardupId = (position) => `nd-${position}`;

/** The document at `position` of a layout. */
export function documentAt(layout, seed, position) {
  const slot = layout.order[position];
  return neardupDocument(seed, layout.groupOf[slot], layout.copyOf[slot]);
}

/**
 * A quality sample of about `size` documents made of whole groups: groups 0, 1, 2, … (singletons and
 * multi-copy groups as they come) while they fit. Returns their positions, in slot order.
 */
export function sampleSlots(layout, size) {
  let end = 0;
  for (let group = 0; group + 1 < layout.groupStarts.length; group++) {
    const next = layout.groupStarts[group + 1];
    if (next > size) break;
    end = next;
  }
  const positions = new Int32Array(end);
  for (let slot = 0; slot < end; slot++) positions[slot] = layout.positionOf[slot];
  return positions;
}

export async function writeNeardupJsonl(path, docs, seed = 1) {
  const layout = neardupLayout(docs, seed);
  await writeChatRows(path, docs, (position) => ({ id: neardupId(position), ...documentAt(layout, seed, position) }));
  return layout;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeNeardupJsonl(process.argv[2], Number(process.argv[3] ?? 1_000_000), Number(process.argv[4] ?? 1));
}
