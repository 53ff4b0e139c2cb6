/**
 * The `wizardmath` compat grader: WizardMath's own evaluation (`WizardMath/inference/`), in two modes.
 *
 * GSM8K (`gsm8k_inference.py`): the gold is `int(answer.split('#### ')[1].replace(',', ''))`; the
 * prediction is the first match of `[\-+]?\d*[\.,/]?\d+` after the last `The answer is: ` — one
 * separator only, so `1,234,567` reads as `1,234` — rounded to an integer half-to-even
 * (`2.5` → 2), a fraction `a/b` rounded the same way (`a/0` → `round(a)`); correct when
 * `float(pred) == float(gold)` or `math_equal(pred, gold)` (which also accepts gold × 100 and
 * gold / 100).
 *
 * MATH (`MATH_inference.py`, `util.py`, `grader.py`): the gold is the last `\boxed{}` of a solution
 * (or the string itself when it has none); the prediction is the text after the last
 * `The answer is: `, cut at the first `.\n`, stripped, with one trailing `.` dropped; correct when
 * `math_equal(strip_string(pred), strip_string(gold))` or the stripped strings are equal. When
 * `strip_string` raises (see `wizardmath-strip.ts`), the reference compares the prediction with
 * itself, so any non-empty prediction is correct: reproduced.
 *
 * Mode `auto` (the registry's) picks GSM8K when the gold is an integer (commas allowed, or a GSM8K
 * solution ending in `#### n`) and MATH otherwise (a `\boxed{}` always means MATH). MATH golds
 * that happen to be integers therefore grade in GSM8K mode; pass `mode: 'math'` for MATH data.
 */
import type { GradeReason, GradeResult, Grader } from '../types.js';
import { integerRatio, integerText, pyFloat, pyInt, pyRound, pyStrip } from './python-text.js';
import { wizardMathEqual } from './wizardmath-equal.js';
import { wizardMathStripString } from './wizardmath-strip.js';

/** Which WizardMath evaluation script to follow; `auto` decides per gold (see the module comment). */
export type WizardMathMode = 'gsm8k' | 'math' | 'auto';

/** Options of `createWizardMathGrader`. */
export interface WizardMathGraderOptions {
  /** Default `auto`. */
  readonly mode?: WizardMathMode;
}

const MARKER = 'The answer is: ';
const FIRST_NUMBER = /[-+]?\p{Nd}*[.,/]?\p{Nd}+/u;

/** The gold of a GSM8K item as WizardMath reads it (`int(… .replace(',', ''))`); null where Python raises. */
export function wizardMathGsm8kGold(gold: string): bigint | null {
  const final = gold.includes('#### ') ? gold.split('#### ')[1]! : gold;
  return pyInt(final.replaceAll(',', ''));
}

/**
 * `extract_answer_number`: the matched number text and its rounded value; `value` is null where the
 * reference returns None (no number, a malformed fraction, infinity), `matched` null with no number.
 */
export function wizardMathGsm8kAnswer(answerText: string): { matched: string | null; value: number | null } {
  const match = FIRST_NUMBER.exec(pyStrip(answerText));
  if (match === null) return { matched: null, value: null };
  const matched = match[0];
  if (matched.includes('/')) {
    const [numerator = '', denominator = ''] = matched.split('/');
    if (pyFloat(numerator) === null || pyFloat(denominator) === null) return { matched, value: null };
    if (denominator === '0') return { matched, value: pyRound(pyFloat(numerator.replaceAll(',', ''))!) };
    const n = pyInt(numerator);
    const d = pyInt(denominator);
    // A zero denominator other than `0` (`5/00`) crashes the reference; here it reads as no answer.
    if (n === null || d === null || d === 0n) return { matched, value: null };
    return { matched, value: pyRound(integerRatio(n, d)) };
  }
  const value = pyFloat(matched.replaceAll(',', ''));
  if (value === null || value === Number.POSITIVE_INFINITY) return { matched, value: null };
  return { matched, value: pyRound(value) };
}

/** The MATH-mode prediction: after the last marker, up to `.\n`, stripped, one trailing `.` dropped. */
export function wizardMathMathAnswer(response: string): string | null {
  const pieces = response.split(MARKER);
  if (pieces.length < 2) return null;
  let answer = pyStrip(pieces.at(-1)!.split('.\n')[0]!);
  if (answer.endsWith('.')) answer = answer.slice(0, -1);
  return pyStrip(answer);
}

/** Hendrycks' `last_boxed_only_string` + WizardMath's `remove_boxed`; null where they give None. */
export function wizardMathBoxedGold(solution: string): string | null {
  let start = solution.lastIndexOf('\\boxed');
  if (start < 0) start = solution.lastIndexOf('\\fbox');
  if (start < 0) return null;
  let depth = 0;
  for (let index = start; index < solution.length; index++) {
    const character = solution[index];
    if (character === '{') depth++;
    if (character === '}') {
      depth--;
      if (depth === 0) {
        const boxed = solution.slice(start, index + 1);
        return boxed.startsWith('\\boxed{') ? boxed.slice('\\boxed{'.length, -1) : null;
      }
    }
  }
  return null;
}

/** WizardMath's `is_equiv(pred, gold)` with the exception path kept (see the module comment). */
export function wizardMathIsEquiv(pred: string, gold: string): { equal: boolean; pred: string; gold: string; stripFailed: boolean } {
  const strippedPred = wizardMathStripString(pred);
  const strippedGold = strippedPred.ok ? wizardMathStripString(gold) : null;
  if (strippedPred.ok && strippedGold?.ok) {
    const equal = wizardMathEqual(strippedPred.value, strippedGold.value) || strippedPred.value === strippedGold.value;
    return { equal, pred: strippedPred.value, gold: strippedGold.value, stripFailed: false };
  }
  // `except Exception: res = math_equal(str1, str1) or str1 == str2`: the prediction against itself.
  return { equal: wizardMathEqual(pred, pred) || pred === gold, pred, gold, stripFailed: true };
}

function pickMode(gold: string): 'gsm8k' | 'math' {
  if (gold.includes('\\boxed') || gold.includes('\\fbox')) return 'math';
  return wizardMathGsm8kGold(gold) === null ? 'math' : 'gsm8k';
}

function gradeGsm8k(response: string, gold: string): GradeResult {
  const goldValue = wizardMathGsm8kGold(gold);
  const goldText = goldValue === null ? null : goldValue.toString();
  const pieces = response.split(MARKER);
  const answer = pieces.length > 1 ? wizardMathGsm8kAnswer(pieces.at(-1)!) : null;
  const pred = answer?.value ?? null;
  const result = (correct: boolean, reason: GradeReason | null): GradeResult => ({
    correct,
    reason,
    extracted: answer?.matched ?? null,
    pred: pred === null ? null : integerText(pred),
    gold: goldText,
  });
  if (goldValue === null || goldText === null) return result(false, 'unparseable_gold');
  if (answer === null) return result(false, 'no_final_answer');
  if (pred === null) return result(false, 'unparseable_answer');
  const correct = pred === Number(goldValue) || wizardMathEqual(integerText(pred), goldText);
  return result(correct, correct ? null : 'answer_mismatch');
}

function gradeMath(response: string, gold: string): GradeResult {
  const goldAnswer = gold.includes('\\boxed') || gold.includes('\\fbox') ? wizardMathBoxedGold(gold) : gold;
  const extracted = wizardMathMathAnswer(response);
  const result = (correct: boolean, reason: GradeReason | null, pred: string | null, goldText: string | null): GradeResult => ({
    correct,
    reason,
    extracted,
    pred,
    gold: goldText,
  });
  if (goldAnswer === null || goldAnswer === '') return result(false, 'unparseable_gold', extracted, goldAnswer);
  if (extracted === null) return result(false, 'no_final_answer', null, goldAnswer);
  const verdict = wizardMathIsEquiv(extracted, goldAnswer);
  if (verdict.equal) return result(true, null, verdict.pred, verdict.gold);
  return result(false, extracted === '' ? 'no_final_answer' : 'answer_mismatch', verdict.pred, verdict.gold);
}

/** A `wizardmath` grader in the given mode (default `auto`). */
export function createWizardMathGrader(options: WizardMathGraderOptions = {}): Grader {
  const mode = options.mode ?? 'auto';
  return {
    name: 'wizardmath',
    summary: `WizardMath's evaluator (${mode === 'auto' ? 'GSM8K mode for integer golds, MATH mode otherwise' : `${mode} mode`}): \`The answer is: \`, rounding and leniencies kept.`,
    grade(response: string, gold: string): GradeResult {
      return (mode === 'auto' ? pickMode(gold) : mode) === 'gsm8k' ? gradeGsm8k(response, gold) : gradeMath(response, gold);
    },
  };
}

/** The `wizardmath` grader in `auto` mode. */
export const wizardMathGrader: Grader = createWizardMathGrader();
