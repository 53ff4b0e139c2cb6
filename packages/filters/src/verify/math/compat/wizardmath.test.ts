import { describe, expect, it } from 'vitest';
import { mathGraders } from '../registry.js';
import { createWizardMathGrader, wizardMathGrader, wizardMathGsm8kAnswer } from './wizardmath.js';

const gsm8k = createWizardMathGrader({ mode: 'gsm8k' });
const math = createWizardMathGrader({ mode: 'math' });
const response = (answer: string) => `Let's think step by step.\nSo it is done.\nThe answer is: ${answer}`;

describe('wizardmath grader, GSM8K mode (gsm8k_inference.py)', () => {
  it('quirk: the number regex allows one separator, so `1,234,567` reads as 1234', () => {
    expect(wizardMathGsm8kAnswer('1,234,567')).toEqual({ matched: '1,234', value: 1234 });
    expect(gsm8k.grade(response('1,234,567'), '1234')).toEqual({
      correct: true,
      reason: null,
      extracted: '1,234',
      pred: '1234',
      gold: '1234',
    });
  });

  it('quirk: predictions are rounded to integers, half to even (Python round)', () => {
    expect(gsm8k.grade(response('2.5'), '2').correct).toBe(true);
    expect(gsm8k.grade(response('3.5'), '4').correct).toBe(true);
    expect(gsm8k.grade(response('-2.5'), '-2').correct).toBe(true);
    expect(gsm8k.grade(response('17.4 dollars'), '17').correct).toBe(true);
  });

  it('quirk: fractions round too, and `a/0` is round(a)', () => {
    expect(gsm8k.grade(response('7/2'), '4').correct).toBe(true);
    expect(gsm8k.grade(response('5/0'), '5').correct).toBe(true);
  });

  it('quirk: math_equal accepts gold × 100 and gold / 100', () => {
    expect(gsm8k.grade(response('1200'), '12').correct).toBe(true);
    expect(gsm8k.grade(response('1300'), '12').correct).toBe(false);
  });

  it('takes the first number after the last `The answer is: `', () => {
    expect(gsm8k.grade(`The answer is: 3\nThe answer is: $18 from 4 ducks`, '18').correct).toBe(true);
  });

  it('reasons: no marker, marker without a number, non-integer gold, mismatch', () => {
    expect(gsm8k.grade('#### 18', '18')).toMatchObject({ correct: false, reason: 'no_final_answer', extracted: null });
    expect(gsm8k.grade(response('eighteen'), '18')).toMatchObject({ correct: false, reason: 'unparseable_answer' });
    expect(gsm8k.grade(response('637.5'), '637.5')).toMatchObject({ correct: false, reason: 'unparseable_gold', gold: null });
    expect(gsm8k.grade(response('19'), '18')).toMatchObject({ correct: false, reason: 'answer_mismatch', pred: '19', gold: '18' });
  });

  it('reads a full GSM8K solution as gold (`#### 1,234`)', () => {
    expect(gsm8k.grade(response('1234'), 'So 1000 + 234 = <<1000+234=1234>>1234.\n#### 1,234').correct).toBe(true);
  });
});

describe('wizardmath grader, MATH mode (MATH_inference.py, util.py, grader.py)', () => {
  it('cuts the answer at `.\\n`, drops one trailing `.`, and applies strip_string (`\\dfrac`, `0.5`)', () => {
    expect(math.grade('The answer is: \\dfrac{1}{2}.\nDone', '\\frac12')).toMatchObject({
      correct: true,
      extracted: '\\dfrac{1}{2}',
      pred: '\\frac{1}{2}',
    });
    expect(math.grade(response('0.5'), '\\frac{1}{2}').correct).toBe(true);
  });

  it('quirk: when strip_string raises, the prediction is compared with itself — correct whatever the gold', () => {
    // fix_a_slash_b: int('\\pi') raises ValueError, which `except AssertionError` does not catch.
    expect(math.grade(response('\\pi/2'), '5')).toMatchObject({ correct: true, reason: null, pred: '\\pi/2' });
    // fix_fracs indexes past the end; remove_right_units asserts a single "\\text{ ".
    expect(math.grade(response('7\\frac'), '3').correct).toBe(true);
    expect(math.grade(response('2\\text{ m}\\text{ s}'), '9').correct).toBe(true);
    expect(math.grade(response('1/2'), '5').correct).toBe(false);
  });

  it('quirk: braces and parentheses are deleted before comparing, so `\\frac{1}{23}` equals `\\frac{12}{3}`', () => {
    expect(math.grade(response('\\frac{1}{23}'), '\\frac{12}{3}').correct).toBe(true);
  });

  it('quirk: parse_latex stops at a comma, so `12,x` equals `12` (`12,5` reads as the float 125 first)', () => {
    expect(math.grade(response('12,x'), '12').correct).toBe(true);
    expect(math.grade(response('12,5'), '12').correct).toBe(false);
  });

  it('quirk: numeric closeness — 1e-4 with the ×100 leniency, 1e-3 after SymPy', () => {
    expect(math.grade(response('25'), '0.25').correct).toBe(true);
    // …but a gold of exactly `0.5` becomes `\frac{1}{2}` first, which is no float.
    expect(math.grade(response('50'), '0.5').correct).toBe(false);
    expect(math.grade(response('3.14'), '\\frac{22}{7}').correct).toBe(true);
    expect(math.grade(response('3.1'), '\\frac{22}{7}').correct).toBe(false);
  });

  it('extracts the last `\\boxed{}` when the gold is a full solution', () => {
    expect(math.grade(response('3'), 'We get $x = \\boxed{3}$.')).toMatchObject({ correct: true, gold: '3' });
    expect(math.grade(response('3'), 'We get $\\boxed{3$.')).toMatchObject({ correct: false, reason: 'unparseable_gold' });
  });
});

describe('wizardmath grader, auto mode', () => {
  it('grades integer golds in GSM8K mode and the rest in MATH mode', () => {
    expect(wizardMathGrader.grade(response('2.5'), '2').correct).toBe(true);
    expect(wizardMathGrader.grade(response('2.5'), '\\frac52').correct).toBe(true);
    expect(wizardMathGrader.grade(response('2.5'), '\\boxed{2}').correct).toBe(false);
  });

  it('is registered as `wizardmath`', () => {
    expect(mathGraders.wizardmath).toBe(wizardMathGrader);
  });
});
