/**
 * Self-consistency check of a generated problem (as Evol-Instruct screens evolved instructions, and
 * as majority voting over k samples estimates an answer without a gold): the k verifier answers'
 * final answers are extracted and grouped by the strict grader's equivalence (`\frac12` = `0.5`);
 * the problem has an answer only when one group holds a strict majority of the k. An answer the
 * extractors cannot find counts as a vote for nothing.
 */
import { extractAnswer } from '../verify/math/extract.js';
import { createStrictGrader } from '../verify/math/strict.js';

/** Compares two bare answers with the strict grader (the second is read as the gold). */
const bareGrader = createStrictGrader({ extract: ['whole'] });

/** Two final answers are the same answer by the strict grader's equivalence. */
export function sameAnswer(answer: string, other: string): boolean {
  return bareGrader.grade(answer, other).correct;
}

/** The final answer of a response (`#### X`, `The answer is: X`, `\boxed{X}`, …); null when none is found. */
export function finalAnswer(response: string): string | null {
  return extractAnswer(response)?.text ?? null;
}

/** The outcome of a vote. */
export interface Vote {
  /** The majority's answer (as its first voter wrote it); null without a strict majority. */
  answer: string | null;
  /** Votes of the largest group. */
  votes: number;
  /** Voters (k). */
  of: number;
  /** Every group, largest first: an answer and its votes; `null` for answers without a final answer. */
  groups: Array<{ answer: string | null; votes: number }>;
}

/** Groups the responses' final answers and finds a strict majority. */
export function majorityVote(responses: readonly string[]): Vote {
  const groups: Array<{ answer: string | null; votes: number; first: number }> = [];
  responses.forEach((response, index) => {
    const answer = finalAnswer(response);
    const group = groups.find((candidate) =>
      answer === null ? candidate.answer === null : candidate.answer !== null && sameAnswer(answer, candidate.answer),
    );
    if (group) group.votes++;
    else groups.push({ answer, votes: 1, first: index });
  });
  // Largest first; equal groups in order of their first vote, so the outcome does not depend on sorting.
  groups.sort((a, b) => b.votes - a.votes || a.first - b.first);
  const top = groups[0];
  const strict = top !== undefined && top.answer !== null && top.votes * 2 > responses.length;
  return {
    answer: strict ? (top?.answer ?? null) : null,
    votes: top?.votes ?? 0,
    of: responses.length,
    groups: groups.map(({ answer, votes }) => ({ answer, votes })),
  };
}
