/**
 * Screening an evolved problem before it is answered: the model's reply is reduced to the problem
 * text (labels, fences, quotes and any appended solution removed), then rejected when it was cut off
 * (`truncated`), is a refusal (`refusal`), has too few words (`too_short`) or nearly repeats its parent
 * (`copied_input`: normalized word-set Jaccard at or above a threshold). Pure functions.
 */
import { normalizedWords } from '../text/normalize.js';

/** Why an evolved problem was rejected before it was answered. */
export type ScreenReason = 'truncated' | 'refusal' | 'too_short' | 'copied_input';

/** The outcome of screening one evolved problem. */
export type ScreenOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: ScreenReason; readonly detail: string };

/** Thresholds of `screenEvolved`. */
export interface ScreenOptions {
  /** Fewest words (as `normalizedWords` counts them) an evolved problem may have. */
  readonly minWords: number;
  /** Word-set Jaccard with the parent at or above which the problem counts as copied. */
  readonly copyThreshold: number;
}

/** A label line the model may put before the problem (`New problem:`, `**Rewritten Prompt:**`, `#Harder Problem#:`). */
const LABEL =
  /^[\s*#_]*(?:(?:new|rewritten|harder|easier|simpler|evolved|revised|created|modified)\s+)?(?:math\s+)?(?:word\s+)?(?:problem|question|prompt)[\s*#_]*[:：][\s*_]*/i;
/** A line where an appended solution starts. */
const SOLUTION_LINE = /^[ \t*#_]*(?:solution|answer|the answer is)\b[ \t*_]*[:：]/im;
const FENCE = /^```[^\n]*\n([\s\S]*?)\n?```$/;
const QUOTES: ReadonlyArray<[string, string]> = [
  ['"', '"'],
  ['“', '”'],
  ["'", "'"],
];

/** The evolved problem in a model's reply: the reply without labels, fences, quotes or a trailing solution. */
export function parseEvolved(reply: string): string {
  let text = reply.trim();
  const fenced = FENCE.exec(text);
  if (fenced) text = (fenced[1] ?? '').trim();
  text = text.replace(LABEL, '').trim();
  const solution = SOLUTION_LINE.exec(text);
  if (solution && solution.index > 0) text = text.slice(0, solution.index).trim();
  for (const [open, close] of QUOTES) {
    if (text.length >= 2 && text.startsWith(open) && text.endsWith(close)) {
      text = text.slice(open.length, -close.length).trim();
      break;
    }
  }
  return text;
}

/** A reply that opens by declining. */
const REFUSAL_OPENING =
  /^(?:i['’]m sorry|i am sorry|sorry[,.!]|i apologi[sz]e|i cannot\b|i can['’]t\b|i can not\b|i['’]m (?:not able|unable)\b|i am (?:not able|unable)\b|i won['’]t\b|i will not\b|as an ai\b|unfortunately,? i (?:cannot|can['’]t|am unable|am not able)\b)/i;
/** A decline anywhere in a short reply. */
const REFUSAL_PHRASE =
  /\b(?:i cannot|i can['’]t|i can not|i['’]m unable to|i am unable to|i['’]m not able to|i am not able to|i won['’]t|i will not) (?:help|assist|comply|fulfil|fulfill|do that|create|write|rewrite|provide|generate|complete)\b/i;
/** Replies longer than this many words are problems that may quote such a phrase, not refusals. */
const REFUSAL_MAX_WORDS = 60;

/** True when `reply` declines the task instead of writing a problem. */
export function isRefusal(reply: string): boolean {
  const text = reply.trim().replace(/^[*_"“'\s]+/, '');
  if (REFUSAL_OPENING.test(text)) return true;
  return normalizedWords(text).length <= REFUSAL_MAX_WORDS && REFUSAL_PHRASE.test(text);
}

/**
 * Jaccard similarity of the normalized word sets of two texts (case, accents and punctuation
 * folded; word order and repeats ignored): 1 for the same words, 0 for none shared or both empty.
 */
export function wordJaccard(a: string, b: string): number {
  const x = new Set(normalizedWords(a));
  const y = new Set(normalizedWords(b));
  if (x.size === 0 && y.size === 0) return 0;
  let shared = 0;
  for (const word of x) if (y.has(word)) shared++;
  return shared / (x.size + y.size - shared);
}

/** Screens one evolved problem (`problem`, parsed from `reply`) against its parent. */
export function screenEvolved(
  reply: string,
  problem: string,
  parent: string,
  finishReason: string | null,
  options: ScreenOptions,
): ScreenOutcome {
  if (finishReason === 'length') {
    return { ok: false, reason: 'truncated', detail: 'the evolution reply stopped at the token limit (finish_reason `length`)' };
  }
  if (isRefusal(reply)) return { ok: false, reason: 'refusal', detail: `the model declined: ${quote(reply)}` };
  const words = normalizedWords(problem).length;
  if (words < options.minWords) {
    return { ok: false, reason: 'too_short', detail: `${words} word(s), fewer than min_words ${options.minWords}: ${quote(problem)}` };
  }
  const similarity = wordJaccard(problem, parent);
  if (similarity >= options.copyThreshold) {
    return {
      ok: false,
      reason: 'copied_input',
      detail: `word Jaccard ${similarity.toFixed(3)} with the parent problem, at or above copy_threshold ${options.copyThreshold}`,
    };
  }
  return { ok: true };
}

/** Longest piece of a reply shown in a detail. */
const SHOWN = 80;

function quote(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return `“${flat.length > SHOWN ? `${flat.slice(0, SHOWN - 1)}…` : flat}”`;
}
