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
import { defineStep, type Utf8Batch, utf8Text } from '@oversight/core';
import { z } from 'zod';
import { openPool } from '../parallel/open.js';
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
import { NgramIndexBuilder, type NgramMatchResult, samplingFor } from './matcher.js';

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

/** A whole-part entry: an eval part shorter than its scope's n, matched only as a whole turn. */
interface WholeEntry {
  item: number;
  scope: EvalScope;
  /** 0 = prompt words, 1 = answer words. */
  part: 0 | 1;
}

/**
 * An eval item as indexed. Its words as strings are needed only to confirm a hit, so they are made on
 * first use (most items are never hit).
 */
class CompiledItem {
  private promptWords: string[] | undefined;
  private answerWords: string[] | undefined;
  private sequenceWords: string[] | undefined;

  constructor(
    readonly item: EvalItem,
    /** Prompt words at the head of the indexed sequence (0 when the prompt is not in it). */
    readonly split: number,
    private readonly withPrompt: boolean,
    private readonly withAnswer: boolean,
  ) {}

  get prompt(): string[] {
    this.promptWords ??= normalizedWords(this.item.prompt);
    return this.promptWords;
  }

  get answer(): string[] {
    this.answerWords ??= normalizedWords(this.item.answer);
    return this.answerWords;
  }

  /** The indexed sequence: prompt words (when a prompt or straddle scope looks at them), then answer words. */
  get sequence(): string[] {
    this.sequenceWords ??= [...(this.withPrompt ? this.prompt : []), ...(this.withAnswer ? this.answer : [])];
    return this.sequenceWords;
  }
}

export const ngramDecontam = defineStep({
  id: 'decontam/ngram',
  version: 3,
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
    const nOf = (scope: EvalScope) => options.n ?? DEFAULT_N[scope];
    // Workers start (and load their code) while the index compiles.
    const pool = context.inputRows > 0 ? openPool(context.inputRows) : undefined;
    const matches: Match[] = [];
    try {
      const { compiled, wholeEntries, builder, m, stride } = compileIndex(items, scopes, options);
      const index = builder.build();
      const keys = index.table.keys;
      context.note(
        `${items.length} eval item(s) from ${context.datasets.join(', ') || 'no eval set'}; scopes ${scopes.map((scope) => `${scope} n=${nOf(scope)}`).join(', ')}; ` +
          `${keys} distinct ${m}-gram keys indexed over ${index.words.length} eval words (training rows looked up every ${stride} words); ${wholeEntries.length} short part(s) matched whole`,
      );
      if (pool && (keys > 0 || wholeEntries.length > 0)) {
        const lookup = { compiled, wholeEntries, wholeNext: builder.wholeNext, offsets: index.offsets, owner: index.owner };
        await scanTraining<NgramMatchResult>(context, options.search, {
          pool,
          setup: { kind: 'ngram-index', index },
          task: (texts) => ({ kind: 'ngram-match', texts }),
          consume: (batch, result) => confirmHits(batch, result, lookup, scopes, nOf, matches),
        });
      }
    } finally {
      await pool?.close();
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
  const nOf = (scope: EvalScope) => options.n ?? DEFAULT_N[scope];
  const minN = Math.min(...scopes.map(nOf));
  const { m, stride } = samplingFor(minN);
  const builder = new NgramIndexBuilder(m, stride, minN);
  const wholeEntries: WholeEntry[] = [];
  const compiled: CompiledItem[] = [];
  const promptHashes = new HashBuffer();
  const answerHashes = new HashBuffer();
  const withPrompt = scopes.includes('prompt') || scopes.includes('straddle');
  const withAnswer = scopes.includes('answer') || scopes.includes('straddle');
  for (const [itemIndex, item] of items.entries()) {
    const promptCount = wordHashes(item.prompt, promptHashes);
    const answerCount = wordHashes(item.answer, answerHashes);
    const split = withPrompt ? promptCount : 0;
    const sequence = new Uint32Array(split + (withAnswer ? answerCount : 0));
    if (withPrompt) sequence.set(promptHashes.values.subarray(0, promptCount));
    if (withAnswer) sequence.set(answerHashes.values.subarray(0, answerCount), split);
    builder.addSequence(sequence);
    compiled.push(new CompiledItem(item, split, withPrompt, withAnswer));
    for (const scope of scopes) {
      if (scope === 'straddle') continue;
      const part = scope === 'prompt' ? 0 : 1;
      const count = part === 0 ? promptCount : answerCount;
      if (count === 0 || count >= nOf(scope)) continue;
      const entry = wholeEntries.length;
      wholeEntries.push({ item: itemIndex, scope, part });
      builder.addWhole((part === 0 ? promptHashes : answerHashes).values, count, entry);
    }
  }
  return { compiled, wholeEntries, builder, m, stride };
}

type Found = Match & { seen: Set<string>; scopes: Set<string> };

/**
 * Confirms each reported run on the words themselves and folds it into one match per (row, eval
 * item): every n-gram of the run that lies in an enabled scope (prompt, answer, or straddling the two)
 * counts once.
 */
function confirmHits(
  batch: Utf8Batch,
  result: NgramMatchResult,
  index: { compiled: CompiledItem[]; wholeEntries: WholeEntry[]; wholeNext: number[]; offsets: Int32Array; owner: Int32Array },
  scopes: EvalScope[],
  nOf: (scope: EvalScope) => number,
  out: Match[],
): void {
  if (result.text.length === 0) return;
  const { compiled, wholeEntries, wholeNext, offsets, owner } = index;
  const byKey = new Map<string, Found>();
  const wordsOf = new Map<number, string[]>();
  const turnsOf = new Map<number, string[][]>();
  const found = (t: number, itemIndex: number): Found => {
    const key = `${t}\u0000${itemIndex}`;
    let match = byKey.get(key);
    if (!match) {
      const item = (compiled[itemIndex] as CompiledItem).item;
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
    return match;
  };
  const record = (match: Found, scope: string, shown: string) => {
    match.scopes.add(scope);
    if (match.seen.has(shown)) return;
    match.seen.add(shown);
    match.matched++;
    if (match.shown.length < MAX_SHOWN) match.shown.push(shown);
  };
  const lengths = [...new Set(scopes.map(nOf))];
  for (let hit = 0; hit < result.text.length; hit++) {
    const t = result.text[hit] as number;
    const text = () => utf8Text(batch.texts, t);
    if (result.whole[hit] === 1) {
      let turns = turnsOf.get(t);
      if (!turns) {
        turns = text()
          .split('\u001e')
          .map((turn) => normalizedWords(turn));
        turnsOf.set(t, turns);
      }
      const turn = turns[result.trainStart[hit] as number] ?? [];
      for (let entryIndex = result.evalStart[hit] as number; entryIndex !== -1; entryIndex = wholeNext[entryIndex] as number) {
        const entry = wholeEntries[entryIndex] as WholeEntry;
        const compiledItem = compiled[entry.item] as CompiledItem;
        const target = entry.part === 0 ? compiledItem.prompt : compiledItem.answer;
        if (turn.length === target.length && turn.every((word, position) => word === target[position])) {
          record(found(t, entry.item), 'whole', turn.join(' '));
        }
      }
      continue;
    }
    let words = wordsOf.get(t);
    if (!words) {
      words = normalizedWords(text());
      wordsOf.set(t, words);
    }
    const evalStart = result.evalStart[hit] as number;
    const itemIndex = owner[evalStart] as number;
    const { sequence, split } = compiled[itemIndex] as CompiledItem;
    const from = evalStart - (offsets[itemIndex] as number);
    const trainStart = result.trainStart[hit] as number;
    const length = result.length[hit] as number;
    // Word hashes agreed over the run; split it where the words themselves differ (a hash collision).
    let segment = 0;
    for (let at = 0; at <= length; at++) {
      const same = at < length && words[trainStart + at] === sequence[from + at];
      if (same) continue;
      for (const n of lengths) {
        for (let start = segment; start + n <= at; start++) {
          const u = from + start;
          const scope: EvalScope = u + n <= split ? 'prompt' : u >= split ? 'answer' : 'straddle';
          if (nOf(scope) !== n || !scopes.includes(scope)) continue;
          record(found(t, itemIndex), scope, words.slice(trainStart + start, trainStart + start + n).join(' '));
        }
      }
      segment = at + 1;
    }
  }
  for (const match of byKey.values()) {
    const { seen: _seen, scopes: matchedScopes, ...rest } = match;
    out.push({ ...rest, scope: SCOPE_ORDER.filter((scope) => matchedScopes.has(scope)).join('+') });
  }
}

const SCOPE_ORDER = ['prompt', 'answer', 'straddle', 'whole'];
