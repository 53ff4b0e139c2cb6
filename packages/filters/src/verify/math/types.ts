/**
 * The contract every math grader honours: the strict grader and the compat graders (`abel`,
 * `wizardmath`, `minerva`) that reproduce the reference evaluators' decisions, quirks included.
 * `oversight grade`, `verify/math-answer` and the benchmarks only see this interface.
 */

/** Why an answer was judged wrong (or could not be judged). `null` when correct. */
export type GradeReason =
  /** The response has no final answer the grader's extractors recognise. */
  | 'no_final_answer'
  /** The gold answer is empty or cannot be read as an answer. */
  | 'unparseable_gold'
  /** The extracted answer cannot be parsed (only when equivalence needs a parse). */
  | 'unparseable_answer'
  /** Both parse; they are not equivalent. */
  | 'answer_mismatch';

export interface GradeResult {
  correct: boolean;
  reason: GradeReason | null;
  /** The final answer as extracted from the response, before normalization; null when none. */
  extracted: string | null;
  /** The extracted answer after the grader's normalization; null when none. */
  pred: string | null;
  /** The gold answer after the grader's normalization; null when unreadable. */
  gold: string | null;
}

export interface Grader {
  /** `strict`, `abel`, `wizardmath` or `minerva`. */
  readonly name: string;
  /** One line for `--help` and docs. */
  readonly summary: string;
  /**
   * Grades one response against its gold final answer. Pure and synchronous; never throws (an
   * internal failure is a verdict, never "correct").
   */
  grade(response: string, gold: string): GradeResult;
}
