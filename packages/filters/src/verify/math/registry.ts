/**
 * Math graders by name, for `verify/math-answer`'s `grader` parameter and `oversight grade`: the
 * strict grader and the compat graders (`abel`, `wizardmath`, `minerva`) that reproduce reference
 * evaluators' decisions, quirks included (docs/compat-graders.md).
 */
import { abelGrader } from './compat/abel.js';
import { minervaGrader } from './compat/minerva.js';
import { wizardMathGrader } from './compat/wizardmath.js';
import { strictGrader } from './strict.js';
import type { Grader } from './types.js';

/** Every math grader, by the name a recipe uses. */
export const mathGraders: Record<string, Grader> = {
  strict: strictGrader,
  abel: abelGrader,
  wizardmath: wizardMathGrader,
  minerva: minervaGrader,
};
