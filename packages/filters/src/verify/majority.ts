/**
 * Self-consistency for a generated problem that has no gold (`evolve/instruct`, `gap/fill`): k sampled
 * solutions vote with their final answers, and an answer is admitted only when a strict majority of
 * the k agree on it. Answers are
 * compared with the strict grader's equivalence (`\frac{1}{2}` = `0.5`, `x = 5` = `5`), not as
 * strings. Pure functions.
 */

import { quoteAnswer } from '../sample/judge.js';
import { DEFAULT_EXTRACT_ORDER, extractAnswer } from './math/extract.js';
import { createStrictGrader } from './math/strict.js';

/** Compares two bare final answers: the whole text of each is the answer. */
const bareGrader = createStrictGrader({ extract: ['whole'] });

/**
 * True when two extracted final answers are equivalent under the strict grader, checked both ways
 * (each as the gold of the other), so the relation is symmetric even where a rule is not.
 */
export function answersEquivalent(a: string, b: string): boolean {
  return bareGrader.grade(a, b).correct && bareGrader.grade(b, a).correct;
}

/** The final answer of a response (`#### X`, `The answer is: X`, `\boxed{X}`, …); null when none is found. */
export function finalAnswer(response: string): string | null {
  return extractAnswer(response, DEFAULT_EXTRACT_ORDER)?.text ?? null;
}

/** Why no answer was admitted. */
export type MajorityReason = 'no_answer' | 'no_majority';

/** The vote's outcome. */
export type MajorityOutcome =
  | {
      readonly ok: true;
      /** The majority answer, as the first sample that gave it wrote it. */
      readonly answer: string;
      /** 1-based index of that sample: its solution becomes the row's response. */
      readonly sample: number;
      /** Samples that gave an equivalent answer. */
      readonly votes: number;
      /** votes / k. */
      readonly agreement: number;
      readonly detail: string;
    }
  | { readonly ok: false; readonly reason: MajorityReason; readonly detail: string };

interface Group {
  readonly answer: string;
  readonly samples: number[];
}

/**
 * Votes over `samples` (the k solutions): answers are extracted with the strict grader's default
 * order and grouped by equivalence with each group's first answer, groups in order of first
 * appearance. `no_answer` when at most half of the samples have a final answer (no majority is
 * possible whatever they say); `no_majority` when the largest group is not more than half of k.
 */
export function majorityAnswer(samples: readonly string[], equivalent = answersEquivalent): MajorityOutcome {
  const k = samples.length;
  const groups: Group[] = [];
  let unanswered = 0;
  samples.forEach((sample, position) => {
    const answer = finalAnswer(sample);
    if (answer === null) {
      unanswered++;
      return;
    }
    const group = groups.find((candidate) => equivalent(candidate.answer, answer));
    if (group) group.samples.push(position + 1);
    else groups.push({ answer, samples: [position + 1] });
  });
  if ((k - unanswered) * 2 <= k) {
    return { ok: false, reason: 'no_answer', detail: `${unanswered} of ${k} sample(s) gave no final answer${tally(groups, 0)}` };
  }
  const best = groups.reduce<Group | undefined>(
    (top, group) => (top && top.samples.length >= group.samples.length ? top : group),
    undefined,
  );
  if (!best || best.samples.length * 2 <= k) {
    return {
      ok: false,
      reason: 'no_majority',
      detail: `no answer has a strict majority of ${k} samples: ${tally(groups, unanswered).slice(2)}`,
    };
  }
  const votes = best.samples.length;
  return {
    ok: true,
    answer: best.answer,
    sample: best.samples[0] as number,
    votes,
    agreement: votes / k,
    detail: `${votes} of ${k} samples agree on ${quoteAnswer(best.answer)}`,
  };
}

/** `; “17” ×2, “19” ×1, none ×1` */
function tally(groups: readonly Group[], unanswered: number): string {
  const parts = groups.map((group) => `${quoteAnswer(group.answer)} ×${group.samples.length}`);
  if (unanswered > 0) parts.push(`none ×${unanswered}`);
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}
