/**
 * Final-answer extractors, one per published convention, tried in a configurable order:
 * - `abel`: Abel's `#### X` on the last non-blank line, after cutting the response at the first
 *   `Question` (a hallucinated next question); `</s>` removed;
 * - `gsm8k`: GSM8K's `#### X`, the last one anywhere, to the end of its line;
 * - `wizardmath`: the text after the last `The answer is:` (WizardMath), to the end of its line, one
 *   trailing period dropped;
 * - `boxed`: the last brace-balanced `\boxed{}` (or `\fbox{}` when there is no `\boxed`), as
 *   Hendrycks' `last_boxed_only_string`;
 * - `minerva`: `The final answer is X. I hope it is correct.` (Minerva's few-shot format);
 * - `a-colon`: the last line starting `A:` or `Answer:` (OpenAI's example model solutions);
 * - `whole`: the whole response (opt-in, for a column that holds only the answer).
 * Every extractor is one linear scan; none uses a backtracking pattern over the whole response.
 */
import { lastBoxed } from '@oversight/core';

/** Extractor names, for `createStrictGrader({ extract })` and the step's `extract` parameter. */
export const EXTRACTOR_NAMES = ['abel', 'gsm8k', 'wizardmath', 'boxed', 'minerva', 'a-colon', 'whole'] as const;
/** One extractor's name. */
export type ExtractorName = (typeof EXTRACTOR_NAMES)[number];

/**
 * The default order: the explicit end markers first (`####`, `The answer is:`), then `\boxed{}`,
 * then the Minerva sentence and an `A:` line. `whole` is not in it: a response without a marker has
 * no final answer.
 */
export const DEFAULT_EXTRACT_ORDER: readonly ExtractorName[] = ['abel', 'gsm8k', 'wizardmath', 'boxed', 'minerva', 'a-colon'];

/** A final answer found in a response, and the extractor that found it. */
export interface Extraction {
  readonly extractor: ExtractorName;
  /** The answer text as written, trimmed; never empty. */
  readonly text: string;
}

function nonEmpty(text: string | null | undefined): string | null {
  const trimmed = text?.trim();
  return trimmed ? trimmed : null;
}

function lineAt(text: string, start: number): string {
  const end = text.indexOf('\n', start);
  return end < 0 ? text.slice(start) : text.slice(start, end);
}

function abel(response: string): string | null {
  const cut = response.indexOf('Question');
  // Abel's `#### (.*)$` without MULTILINE misses a `####` line followed by two newlines; trailing
  // blank lines are not a reason to miss the answer here.
  const text = (cut < 0 ? response : response.slice(0, cut)).trimEnd();
  const lastLine = text.slice(text.lastIndexOf('\n') + 1);
  const marker = lastLine.indexOf('#### ');
  if (marker < 0) return null;
  return nonEmpty(lastLine.slice(marker + 5).replaceAll('</s>', ''));
}

function gsm8k(response: string): string | null {
  const marker = response.lastIndexOf('####');
  if (marker < 0) return null;
  return nonEmpty(lineAt(response, marker + 4).replaceAll('</s>', ''));
}

function afterLastMarker(response: string, marker: string): string | null {
  const index = response.toLowerCase().lastIndexOf(marker);
  if (index < 0) return null;
  const rest = response.slice(index + marker.length).replace(/^[ \t]*\n?[ \t]*/, '');
  return lineAt(rest, 0);
}

function wizardmath(response: string): string | null {
  const line = afterLastMarker(response, 'the answer is:');
  if (line === null) return null;
  return nonEmpty(line.replaceAll('</s>', '').trim().replace(/\.$/, ''));
}

function minerva(response: string): string | null {
  const index = response.toLowerCase().lastIndexOf('final answer is');
  if (index < 0) return null;
  let rest = lineAt(response, index + 'final answer is'.length);
  const hope = rest.indexOf('I hope it is correct');
  if (hope >= 0) rest = rest.slice(0, hope);
  return nonEmpty(rest.trim().replace(/\.$/, ''));
}

function aColon(response: string): string | null {
  let end = response.length;
  while (end > 0) {
    const start = response.lastIndexOf('\n', end - 1) + 1;
    const line = response.slice(start, end);
    const match = /^\s*(?:A|Answer|Final Answer)\s*:\s*(\S.*)$/i.exec(line);
    if (match) return nonEmpty(match[1]);
    end = start - 1;
  }
  return null;
}

const EXTRACTORS: Record<ExtractorName, (response: string) => string | null> = {
  abel,
  gsm8k,
  wizardmath,
  boxed: (response) => nonEmpty(lastBoxed(response)),
  minerva,
  'a-colon': aColon,
  whole: (response) => nonEmpty(response),
};

/** The first final answer the extractors find, in `order`; null when none does. */
export function extractAnswer(response: string, order: readonly ExtractorName[] = DEFAULT_EXTRACT_ORDER): Extraction | null {
  for (const extractor of order) {
    const text = EXTRACTORS[extractor](response);
    if (text !== null) return { extractor, text };
  }
  return null;
}

/**
 * A gold given as a full solution reduced to its final answer: the text after the last `####` (to the
 * end of its line), else the last `\boxed{}`; any other gold is returned as is (trimmed). Null when a
 * marker is there but nothing follows it (`#### ` alone, an unbalanced `\boxed{`).
 */
export function reduceGold(gold: string): string | null {
  if (gold.includes('####')) return gsm8k(gold);
  if (gold.includes('\\boxed') || gold.includes('\\fbox')) return nonEmpty(lastBoxed(gold));
  return nonEmpty(gold);
}
