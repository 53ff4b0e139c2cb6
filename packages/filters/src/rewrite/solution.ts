/**
 * A source solution (GSM8K-style: lines of sentences with `<<…>>` calculator annotations and a final
 * `#### N`; MATH-style prose ending in `\boxed{}` also works) cut into steps, with its final answer.
 */
import { lastBoxed } from '@oversight/core';
import { numberMentions, stripCalculator } from './numbers.js';
import { flatten, splitSentences } from './sentences.js';

/** Where the final answer of a source solution was found. */
export type FinalAnswerSource = 'marker' | 'boxed' | 'last-number';

/** A source solution, cut into steps. */
export interface ParsedSolution {
  /** The derivation, one entry per step, as written (calculator annotations kept, one line each). */
  readonly steps: readonly string[];
  /** The final answer: after `####`, else the last `\boxed{}`, else the last number; null when none. */
  readonly answer: string | null;
  readonly answerFrom: FinalAnswerSource | null;
}

/** `1,234` → `1234` for a plain number; anything else as written. */
export function plainAnswer(answer: string): string {
  const trimmed = answer.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  return /^-?\$?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(trimmed) ? trimmed.replaceAll(',', '') : trimmed;
}

/** True when a sentence says something worth a step of its own: it holds a number or a formula. */
function substantive(sentence: string): boolean {
  return /\d|=|\\[a-z]+|\$/.test(stripCalculator(sentence).text);
}

/**
 * Joins each step without a number or formula to the next one (a lead-in such as "Let x be the
 * number of apples." or "We get"), or to the one before when it is last.
 */
function joinLeadIns(sentences: readonly string[]): string[] {
  const steps: string[] = [];
  let pending = '';
  for (const sentence of sentences) {
    const joined = pending ? `${pending} ${sentence}` : sentence;
    if (substantive(sentence)) {
      steps.push(joined);
      pending = '';
    } else pending = joined;
  }
  if (pending) {
    if (steps.length > 0) steps[steps.length - 1] = `${steps[steps.length - 1]} ${pending}`;
    else steps.push(pending);
  }
  return steps;
}

/** Cuts a solution into steps and finds its final answer. */
export function parseSolution(solution: string): ParsedSolution {
  const lines = solution.replace(/\r\n?/g, '\n').split('\n');
  let answer: string | null = null;
  let answerFrom: FinalAnswerSource | null = null;
  const body: string[] = [];
  for (const line of lines) {
    const marker = line.indexOf('####');
    if (marker >= 0) {
      const after = line.slice(marker + 4).trim();
      if (after) {
        answer = plainAnswer(after);
        answerFrom = 'marker';
      }
      const before = line.slice(0, marker).trim();
      if (before) body.push(before);
      continue;
    }
    if (line.trim()) body.push(line.trim());
  }
  // A display-math or Asymptote block spread over lines stays one line of the derivation.
  const merged: string[] = [];
  let open = '';
  for (const line of body) {
    const text = open ? `${open} ${line}` : line;
    // `$$60` is a doubled dollar sign (GSM8K has a few), not display math.
    const dollars = (text.match(/\$\$(?![\d<])/g) ?? []).length;
    const opens = (text.match(/\\\[/g) ?? []).length;
    const closes = (text.match(/\\\]/g) ?? []).length;
    const figures = (text.match(/\[asy\]/g) ?? []).length - (text.match(/\[\/asy\]/g) ?? []).length;
    if (dollars % 2 === 1 || opens > closes || figures > 0) open = text;
    else {
      merged.push(text);
      open = '';
    }
  }
  if (open) merged.push(open);
  const steps = joinLeadIns(merged.flatMap((line) => splitSentences(flatten(line))));
  if (answer === null) {
    const boxed = lastBoxed(solution);
    if (boxed?.trim()) {
      answer = plainAnswer(boxed);
      answerFrom = 'boxed';
    }
  }
  if (answer === null) {
    const last = steps.at(-1);
    const mention = last ? numberMentions(stripCalculator(last).text).at(-1) : undefined;
    if (mention) {
      answer = mention.value;
      answerFrom = 'last-number';
    }
  }
  return { steps, answer, answerFrom };
}
