/**
 * Math graders by name, for `verify/math-answer`'s `grader` parameter and `oversight grade`. The
 * compat graders (`abel`, `wizardmath`, `minerva`) join this list when they land.
 */
import { strictGrader } from './strict.js';
import type { Grader } from './types.js';

/** Every math grader, by the name a recipe uses. */
export const mathGraders: Record<string, Grader> = {
  strict: strictGrader,
};
