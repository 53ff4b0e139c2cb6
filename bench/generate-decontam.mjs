// Deterministic generator for bench/decontam.mjs: chat rows of GSM8K-like length (~600–1000
// characters) with a few hundred planted rows that copy text from the eval sets, plus stand-in eval
// sets for machines without /work/shared/data.
//
// Planted row k (k = 0 … planted − 1) sits at position ⌊(k + ½)·rows / planted⌋ and copies from eval
// set k mod 2 (GSM8K, MATH), in one of three ways by ⌊k / 2⌋ mod 3:
// - prompt:   the eval question, verbatim, inside the user turn (its 8-grams match);
// - answer:   the first 20 normalized words of the eval solution inside the assistant turn (13-grams);
// - straddle: the last 6 normalized words of the question end the user turn and the first 8 of the
//             solution start the assistant turn: only the 13-grams across the two turns match.
// Only eval items that survive ingest (GSM8K: a `####` answer; MATH: a balanced `\boxed{}`) and are
// long enough for their kind are copied, so every planted row must be found and nothing else.
import { readFileSync } from 'node:fs';
import { lastBoxed } from '../packages/core/dist/index.js';
import { normalizedWords } from '../packages/filters/dist/text/normalize.js';
import { prose, stream } from './generate-neardup.mjs';
import { writeChatRows } from './lib.mjs';

export const KINDS = ['prompt', 'answer', 'straddle'];

/** Eval items of a GSM8K (`question`/`answer`) or MATH (`problem`/`solution`) JSONL file. */
export function readEvalItems(path, format) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const row = JSON.parse(line);
      return format === 'gsm8k' ? { prompt: row.question, answer: row.answer } : { prompt: row.problem, answer: row.solution };
    });
}

function survivesIngest(item, format) {
  if (typeof item.prompt !== 'string' || typeof item.answer !== 'string') return false;
  if (format === 'gsm8k') return /####[ \t]*[^\s]/.test(item.answer);
  return lastBoxed(item.answer) !== undefined;
}

function eligible(item, kind) {
  const prompt = normalizedWords(item.prompt).length;
  const answer = normalizedWords(item.answer).length;
  if (kind === 'prompt') return prompt >= 8;
  if (kind === 'answer') return answer >= 20 && prompt >= 8;
  return prompt >= 8 && answer >= 13;
}

/**
 * Where each planted row goes and what it copies: `[{ position, set, kind, item }]`, in position
 * order. `sets` is `[{ id, format, items }]` (GSM8K first, then MATH).
 */
export function plantPlan(rows, planted, sets) {
  const pools = sets.map((set) =>
    Object.fromEntries(
      KINDS.map((kind) => [
        kind,
        set.items.map((item, index) => ({ item, index })).filter(({ item }) => survivesIngest(item, set.format) && eligible(item, kind)),
      ]),
    ),
  );
  const plan = [];
  for (let k = 0; k < planted; k++) {
    const setIndex = k % sets.length;
    const kind = KINDS[Math.floor(k / sets.length) % KINDS.length];
    const pool = pools[setIndex][kind];
    if (pool.length === 0) throw new Error(`no item of ${sets[setIndex].id} can be planted as ${kind}`);
    const { item, index } = pool[(k * 7919) % pool.length];
    plan.push({ position: Math.floor(((k + 0.5) * rows) / planted), set: sets[setIndex].id, kind, item, index });
  }
  return plan;
}

/** A row of filler: user ~150–350 characters, assistant ~400–700, ending in `#### <n>`. */
function fillerRow(random) {
  const user = prose(random, 150 + Math.floor(random() * 200));
  const assistant = `${prose(random, 400 + Math.floor(random() * 300))}\n#### ${Math.floor(random() * 1000)}`;
  return { user, assistant };
}

function plantedRow(random, plant) {
  const { item, kind } = plant;
  const before = prose(random, 40 + Math.floor(random() * 60));
  const after = prose(random, 200 + Math.floor(random() * 200));
  if (kind === 'prompt') return { user: `${before} ${item.prompt}`, assistant: after };
  if (kind === 'answer') {
    return {
      user: prose(random, 150 + Math.floor(random() * 150)),
      assistant: `${before} ${normalizedWords(item.answer).slice(0, 20).join(' ')} ${after}`,
    };
  }
  const tail = normalizedWords(item.prompt).slice(-6).join(' ');
  const head = normalizedWords(item.answer).slice(0, 8).join(' ');
  return { user: `${before} ${tail}`, assistant: `${head} ${after}` };
}

export const decontamId = (position) => `dc-${position}`;

/** Writes `rows` chat rows with the plan's planted rows; returns the plan. */
export async function writeDecontamJsonl(path, rows, seed, plan) {
  const random = stream(seed, 0xdeca, 0);
  let next = 0;
  // Rows are drawn in position order from one stream, as `writeChatRows` asks for them.
  await writeChatRows(path, rows, (position) => {
    const row = next < plan.length && plan[next].position === position ? plantedRow(random, plan[next++]) : fillerRow(random);
    return { id: decontamId(position), user: row.user, assistant: row.assistant };
  });
  return plan;
}

/**
 * Stand-in eval sets of the sizes of GSM8K test (1319) and MATH test (5000): GSM8K-like questions
 * with `#### <n>` answers, MATH-like problems with a `\boxed{}` solution. Returns the JSONL texts.
 */
export function generatedEvalSets(seed, gsm8kItems = 1319, mathItems = 5000) {
  const random = stream(seed, 0xe7a1, 0);
  let gsm8k = '';
  for (let i = 0; i < gsm8kItems; i++) {
    const question = `${prose(random, 120 + Math.floor(random() * 200))} How many are left?`;
    const answer = `${prose(random, 150 + Math.floor(random() * 250))}\n#### ${Math.floor(random() * 1000)}`;
    gsm8k += `${JSON.stringify({ question, answer })}\n`;
  }
  let math = '';
  for (let i = 0; i < mathItems; i++) {
    const problem = `${prose(random, 80 + Math.floor(random() * 250))} Find $x$.`;
    const solution = `${prose(random, 150 + Math.floor(random() * 400))} So $x = \\boxed{${Math.floor(random() * 100)}}$.`;
    math += `${JSON.stringify({ problem, level: 'Level 3', type: 'Algebra', solution })}\n`;
  }
  return { gsm8k, math };
}
