import type { AnyStep } from '@oversight/core';
import { minhashDecontam } from './decontam/minhash.js';
import { ngramDecontam } from './decontam/ngram.js';
import { exactDedup } from './dedup/exact.js';
import { minhashDedup } from './dedup/minhash.js';
import { difficultyTier } from './difficulty/tier.js';
import { evolveInstruct } from './evolve/instruct.js';
import { gapFill } from './gap/fill.js';
import { lengthFilter } from './quality/length.js';
import { stepsRewrite } from './rewrite/steps.js';
import { rejectionSample } from './sample/rejection.js';
import { bestRatedSelect } from './select/best-rated.js';
import { preferenceTreeSelect } from './select/preference-tree.js';
import { sqlSelect } from './select/sql.js';
import { codeTests } from './verify/code-tests.js';
import { mathAnswer } from './verify/math-answer.js';

export { minhashDecontam } from './decontam/minhash.js';
export { ngramDecontam } from './decontam/ngram.js';
export { exactDedup } from './dedup/exact.js';
export { minhashDedup } from './dedup/minhash.js';
export { difficultyTier } from './difficulty/tier.js';
export { evolveInstruct } from './evolve/instruct.js';
export { gapFill } from './gap/fill.js';
export { lengthFilter } from './quality/length.js';
export { stepsRewrite } from './rewrite/steps.js';
export { rejectionSample } from './sample/rejection.js';
export { type Scope, scopeSchema, scopeText } from './scope.js';
export { bestRatedSelect } from './select/best-rated.js';
export { preferenceTreeSelect } from './select/preference-tree.js';
export { sqlSelect } from './select/sql.js';
export { codeTests } from './verify/code-tests.js';
export { createWizardMathGrader } from './verify/math/compat/wizardmath.js';
export { mathGraders } from './verify/math/registry.js';
export { createStrictGrader, strictGrader } from './verify/math/strict.js';
export type { GradeReason, GradeResult, Grader } from './verify/math/types.js';
export { mathAnswer } from './verify/math-answer.js';

/** Every built-in step, in catalogue order. Registries are explicit lists, never import side effects. */
export const builtinSteps: readonly AnyStep[] = [
  exactDedup,
  minhashDedup,
  ngramDecontam,
  minhashDecontam,
  lengthFilter,
  sqlSelect,
  preferenceTreeSelect,
  bestRatedSelect,
  codeTests,
  mathAnswer,
  rejectionSample,
  evolveInstruct,
  difficultyTier,
  gapFill,
  stepsRewrite,
];
