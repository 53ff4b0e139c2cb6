// Deterministic generator of realistic chat SFT rows (~1k characters each) for benchmarks.
import { createWriteStream } from 'node:fs';

const WORDS = (
  'the a of to and in is that for it as with was on be by at this are from or an have not which but all were ' +
  'when we there can more if no out so said what up its about into than them only other new some could time ' +
  'these two may first then do any like my now over such our man me even most made after also did many before ' +
  'must through back years where much your way well down should because each just those people how too little ' +
  'state good very make world still own see men work long get here between both life being under never day same ' +
  'another know while last might us great old year off come since against go came right used take three number ' +
  'solve equation fraction integer triangle probability average speed distance apples dollars minutes total ' +
  'remaining percent ratio perimeter area volume sequence prime divisor factor multiply subtract divide add'
).split(' ');

/** Small, fast, seeded PRNG (mulberry32) so every run writes the same bytes. */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(random, words) {
  const parts = [];
  for (let i = 0; i < words; i++) parts.push(WORDS[Math.floor(random() * WORDS.length)]);
  parts[0] = parts[0][0].toUpperCase() + parts[0].slice(1);
  return `${parts.join(' ')}.`;
}

function text(random, chars) {
  let out = '';
  while (out.length < chars) out += (out ? ' ' : '') + sentence(random, 6 + Math.floor(random() * 12));
  return out;
}

/** One chat row: a user question (~250 chars) and an assistant answer (~750 chars). */
export function chatRow(random, index) {
  const n = Math.floor(random() * 1000);
  return {
    id: `chat-${index}`,
    messages: [
      { role: 'user', content: `${text(random, 200 + Math.floor(random() * 100))} What is ${n} plus ${n + 7}?` },
      { role: 'assistant', content: `${text(random, 650 + Math.floor(random() * 200))}\n#### ${2 * n + 7}` },
    ],
  };
}

export async function writeChatJsonl(path, rows, seed = 1) {
  const random = prng(seed);
  const stream = createWriteStream(path);
  let buffer = '';
  for (let i = 0; i < rows; i++) {
    buffer += `${JSON.stringify(chatRow(random, i))}\n`;
    if (buffer.length > 1 << 22) {
      if (!stream.write(buffer)) await new Promise((resolve) => stream.once('drain', resolve));
      buffer = '';
    }
  }
  stream.write(buffer);
  await new Promise((resolve, reject) => stream.end((error) => (error ? reject(error) : resolve())));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[3] ?? 1_000_000);
  await writeChatJsonl(process.argv[2], rows);
}
