/**
 * `decontam/ngram` — drops (or flags) training rows that share a word n-gram with an eval item.
 *
 * Eval side, per item and per `scope`: `prompt` n-grams (its user turns), `answer` n-grams (its
 * assistant turns), `straddle` n-grams (windows that start in the prompt and end in the answer, as in
 * datatrove). Defaults follow the published recipes: n = 8 on prompts (UltraInteract, open-r1), 13
 * on answers and straddles (GPT-3, lm-eval). An eval part shorter than n words matches only a
 * training turn whose whole normalized text equals it. Training side: the `search` turns of each row
 * in order, normalized the same way (`text/normalize.ts`).
 *
 * Every hash hit is re-checked on the words themselves, so a reported match is a real shared n-gram.
 * Evidence goes to `matches` (row, eval set, eval item, scope, the matched n-grams) and the run's
 * contamination report; `checks:` can assert `contamination.<eval>` (rows still in the mix).
 */
import { defineStep } from '@oversight/core';
import { z } from 'zod';
import { HashBuffer, normalizedWords, wordHashes } from '../text/normalize.js';
import {
  actionSchema,
  againstReferences,
  againstSchema,
  type EvalItem,
  loadEvalItems,
  MAX_SHOWN,
  type Match,
  scanTraining,
  searchSchema,
  summarizeMatches,
  writeEvidence,
} from './common.js';
import { NgramIndexBuilder, type NgramMatchResult } from './matcher.js';

const SCOPES = ['prompt', 'answer', 'straddle'] as const;
type EvalScope = (typeof SCOPES)[number];
/** Default n per scope. */
export const DEFAULT_N: Record<EvalScope, number> = { prompt: 8, answer: 13, straddle: 13 };

const scopeEnum = z.enum(SCOPES);

const params = z.strictObject({
  against: againstSchema,
  scope: z
    .union([scopeEnum, z.array(scopeEnum).min(1)])
    .default(['prompt', 'answer', 'straddle'])
    .describe(
      'Eval n-grams to look for: `prompt` (eval questions), `answer` (eval solutions), `straddle` (question → solution); one or a list.',
    ),
  n: z.int().min(1).max(64).optional().describe('Words per n-gram for every scope; default 8 on prompts, 13 on answers and straddles.'),
  search: searchSchema,
  action: actionSchema,
  min_matches: z.int().min(1).default(1).describe('Distinct n-grams a row must share with one eval item to count as contaminated.'),
});

type Params = z.infer<typeof params>;

/** An index entry: a window of an eval item's words. */
interface Entry {
  item: number;
  scope: EvalScope;
  /** 0 = prompt words, 1 = answer words, 2 = prompt + answer. */
  part: 0 | 1 | 2;
  start: number;
  /** Window length; -1 for a whole-part entry. */
  length: number;
}

interface CompiledItem {
  item: EvalItem;
  words: [string[], string[], string[]];
}

export const ngramDecontam = defineStep({
  id: 'decontam/ngram',
  version: 1,
  summary: 'Drop or flag rows sharing a word n-gram with an eval set (prompt, answer or straddling n-grams).',
  description:
    'Indexes the n-grams of every eval item (held-out sets, or `against:` ids) — prompt 8-grams, answer and straddle 13-grams by default — ' +
    'and looks up every n-gram of each training row (its `search` turns), after the shared normalization (case, accents, apostrophes, ' +
    'punctuation and quotes, whitespace). Eval parts shorter than n words match only a training turn with the same whole normalized text. ' +
    'Hash hits are confirmed word by word. Writes the matched n-grams per (row, eval item) to `matches`, shown by `oversight show contamination` and ' +
    'summed in the run’s contamination report (`contamination.<eval>` in `checks:`). Threads: OVERSIGHT_WORKERS.',
  effect: 'drop',
  params,
  reasons: ['contaminated'],
  datasets: (options, known) => againstReferences(options.against, known),
  run: async (context, options) => {
    const scopes = [...new Set(Array.isArray(options.scope) ? options.scope : [options.scope])];
    const items = await loadEvalItems(context, context.datasets);
    const { compiled, entries, builder } = compileIndex(items, scopes, options);
    const index = builder.build();
    context.note(
      `${items.length} eval item(s) from ${context.datasets.join(', ') || 'no eval set'}; ${entries.length} n-gram entr${entries.length === 1 ? 'y' : 'ies'} (${scopes.map((scope) => `${scope} n=${options.n ?? DEFAULT_N[scope]}`).join(', ')})`,
    );
    const matches: Match[] = [];
    if (entries.length > 0 && context.inputRows > 0) {
      await scanTraining<NgramMatchResult>(context, options.search, {
        setup: { kind: 'ngram-index', index },
        task: (texts) => ({ kind: 'ngram-match', texts }),
        consume: (batch, result) => confirmHits(batch, result, compiled, entries, builder.next, matches),
      });
    }
    await writeEvidence(context, matches, {
      action: options.action,
      minMatches: options.min_matches,
      describe: (match) =>
        `matches ${match.eval}:${match.item} on ${match.scope} (${match.matched} distinct n-gram${match.matched === 1 ? '' : 's'}): “${match.shown[0] ?? ''}”`,
    });
    context.note(await summarizeMatches(context.db, context.table('matches')));
    context.progress(1);
  },
});

function compileIndex(items: EvalItem[], scopes: EvalScope[], options: Params) {
  const builder = new NgramIndexBuilder();
  const entries: Entry[] = [];
  const compiled: CompiledItem[] = [];
  const promptHashes = new HashBuffer();
  const answerHashes = new HashBuffer();
  for (const [itemIndex, item] of items.entries()) {
    const promptWords = normalizedWords(item.prompt);
    const answerWords = normalizedWords(item.answer);
    compiled.push({ item, words: [promptWords, answerWords, [...promptWords, ...answerWords]] });
    const promptCount = wordHashes(item.prompt, promptHashes);
    const answerCount = wordHashes(item.answer, answerHashes);
    const prompt = promptHashes.values.subarray(0, promptCount);
    const answer = answerHashes.values.subarray(0, answerCount);
    for (const scope of scopes) {
      const n = options.n ?? DEFAULT_N[scope];
      const add = (part: 0 | 1 | 2, words: Uint32Array, start: number, length: number) => {
        const entry = entries.length;
        entries.push({ item: itemIndex, scope, part, start, length });
        if (length === -1) builder.addWhole(words, words.length, entry);
        else builder.addWindow(words, start, length, entry);
      };
      if (scope === 'straddle') {
        if (promptCount === 0 || answerCount === 0 || promptCount + answerCount < n) continue;
        const both = new Uint32Array(promptCount + answerCount);
        both.set(prompt);
        both.set(answer, promptCount);
        for (let start = Math.max(0, promptCount - n + 1); start < promptCount && start + n <= both.length; start++) add(2, both, start, n);
        continue;
      }
      const part = scope === 'prompt' ? 0 : 1;
      const words = scope === 'prompt' ? prompt : answer;
      if (words.length === 0) continue;
      if (words.length < n) {
        add(part, words, 0, -1);
        continue;
      }
      for (let start = 0; start + n <= words.length; start++) add(part, words, start, n);
    }
  }
  return { compiled, entries, builder };
}

/** Confirms each candidate hit on the words and folds it into one match per (row, eval item). */
function confirmHits(
  batch: { ords: unknown[]; texts: string[] },
  result: NgramMatchResult,
  compiled: CompiledItem[],
  entries: Entry[],
  next: number[],
  out: Match[],
): void {
  if (result.text.length === 0) return;
  const byKey = new Map<string, Match & { seen: Set<string>; scopes: Set<string> }>();
  const wordsOf = new Map<number, string[]>();
  const turnsOf = new Map<number, string[][]>();
  for (let hit = 0; hit < result.text.length; hit++) {
    const t = result.text[hit] as number;
    const text = batch.texts[t] ?? '';
    const position = result.position[hit] as number;
    const whole = result.whole[hit] === 1;
    for (let entryIndex = result.entry[hit] as number; entryIndex !== -1; entryIndex = next[entryIndex] as number) {
      const entry = entries[entryIndex] as Entry;
      const target = (compiled[entry.item] as CompiledItem).words[entry.part];
      let shown: string | undefined;
      if (whole) {
        if (entry.length !== -1) continue;
        let turns = turnsOf.get(t);
        if (!turns) {
          turns = text.split('\u001e').map((turn) => normalizedWords(turn));
          turnsOf.set(t, turns);
        }
        const turn = turns[position] ?? [];
        if (turn.length === target.length && turn.every((word, index) => word === target[index])) shown = turn.join(' ');
      } else {
        if (entry.length === -1) continue;
        let words = wordsOf.get(t);
        if (!words) {
          words = normalizedWords(text);
          wordsOf.set(t, words);
        }
        let equal = position + entry.length <= words.length;
        for (let index = 0; equal && index < entry.length; index++) equal = words[position + index] === target[entry.start + index];
        if (equal) shown = words.slice(position, position + entry.length).join(' ');
      }
      if (shown === undefined) continue;
      const item = (compiled[entry.item] as CompiledItem).item;
      const key = `${t}\u0000${entry.item}`;
      let match = byKey.get(key);
      if (!match) {
        match = {
          ord: Number(batch.ords[t]),
          eval: item.eval,
          item: item.id,
          scope: '',
          shown: [],
          matched: 0,
          similarity: null,
          seen: new Set(),
          scopes: new Set(),
        };
        byKey.set(key, match);
      }
      match.scopes.add(whole ? 'whole' : entry.scope);
      if (!match.seen.has(shown)) {
        match.seen.add(shown);
        match.matched++;
        if (match.shown.length < MAX_SHOWN) match.shown.push(shown);
      }
    }
  }
  for (const match of byKey.values()) {
    const { seen: _seen, scopes, ...rest } = match;
    out.push({ ...rest, scope: SCOPE_ORDER.filter((scope) => scopes.has(scope)).join('+') });
  }
}

const SCOPE_ORDER = ['prompt', 'answer', 'straddle', 'whole'];
