/**
 * The pure half of rejection sampling: grade k samples against a gold with a math grader, then pick
 * the ones to keep (`first`, `shortest` or `all` correct samples). No I/O, so every rule is unit-tested.
 */
import type { Grader } from '../verify/math/types.js';

/** How `sample/rejection` picks among correct samples. */
export type KeepRule = 'first' | 'shortest' | 'all';

/** One sample, graded. */
export interface GradedSample {
  /** 1-based position among the k samples of the request. */
  readonly index: number;
  readonly content: string;
  readonly correct: boolean;
  /** The final answer the grader extracted, or null. */
  readonly extracted: string | null;
}

/** What to keep from one prompt's samples. */
export interface SampleChoice {
  /** The sample that becomes the row's response; null when no sample is correct. */
  readonly chosen: GradedSample | null;
  /** Further correct samples (only with `keep: all`), in sample order. */
  readonly extra: GradedSample[];
  /** Correct samples among the k. */
  readonly correct: number;
}

/** Grades each sample against `gold`; a grader that throws (against its contract) marks it wrong. */
export function gradeSamples(grader: Grader, contents: readonly string[], gold: string): GradedSample[] {
  return contents.map((content, position) => {
    try {
      const result = grader.grade(content, gold);
      return { index: position + 1, content, correct: result.correct, extracted: result.extracted };
    } catch {
      return { index: position + 1, content, correct: false, extracted: null };
    }
  });
}

/**
 * Picks the samples to keep: `first` the earliest correct one, `shortest` the correct one with the
 * fewest characters (ties to the earlier), `all` the earliest as the row's response and every other
 * correct one as an extra row.
 */
export function chooseSamples(samples: readonly GradedSample[], keep: KeepRule): SampleChoice {
  const correct = samples.filter((sample) => sample.correct);
  if (correct.length === 0) return { chosen: null, extra: [], correct: 0 };
  if (keep === 'shortest') {
    const chosen = correct.reduce((best, sample) => (sample.content.length < best.content.length ? sample : best));
    return { chosen, extra: [], correct: correct.length };
  }
  const [chosen, ...rest] = correct;
  return { chosen: chosen ?? null, extra: keep === 'all' ? rest : [], correct: correct.length };
}

/** Longest piece of an answer shown in a detail. */
const SHOWN = 40;

/** An answer quoted for a verdict's detail (`none` when there is none). */
export function quoteAnswer(text: string | null): string {
  if (text === null) return 'none';
  const flat = text.replace(/\s+/g, ' ');
  return `“${flat.length > SHOWN ? `${flat.slice(0, SHOWN - 1)}…` : flat}”`;
}
