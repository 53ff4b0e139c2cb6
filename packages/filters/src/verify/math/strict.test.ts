import { describe, expect, it } from 'vitest';
import { mathGraders } from './registry.js';
import { createStrictGrader, strictGrader } from './strict.js';

/** Grades a bare answer (the whole response is the answer). */
const bare = createStrictGrader({ extract: ['whole'] });
const judge = (pred: string, gold: string) => bare.grade(pred, gold).correct;

describe('strict grader: verdicts and reasons', () => {
  it('correct: reason null, with extracted, normalized pred and gold, extractor and stage', () => {
    expect(strictGrader.grade('So the answer is $\\boxed{\\dfrac{1}{2}}$.', '0.5')).toEqual({
      correct: true,
      reason: null,
      extracted: '\\dfrac{1}{2}',
      pred: '\\frac{1}{2}',
      gold: '0.5',
      extractor: 'boxed',
      stage: 'rational',
    });
  });

  it('no_final_answer: nothing extracted (or an empty marker)', () => {
    expect(strictGrader.grade('She sells 18 eggs.', '18')).toMatchObject({
      correct: false,
      reason: 'no_final_answer',
      extracted: null,
      gold: '18',
    });
    expect(strictGrader.grade('#### $', '18')).toMatchObject({ correct: false, reason: 'no_final_answer', extracted: '$', pred: null });
  });

  it('answer_mismatch: both parse and differ', () => {
    expect(strictGrader.grade('#### 17', '18')).toMatchObject({
      correct: false,
      reason: 'answer_mismatch',
      pred: '17',
      gold: '18',
      stage: 'rational',
    });
  });

  it('unparseable_gold: an empty gold, a marker with nothing after it, or an unreadable gold that differs', () => {
    expect(strictGrader.grade('#### 5', '')).toMatchObject({ correct: false, reason: 'unparseable_gold', gold: null, pred: '5' });
    expect(strictGrader.grade('#### 5', 'so \\boxed{5')).toMatchObject({ reason: 'unparseable_gold' });
    expect(strictGrader.grade('#### 5', '\\foo{5}')).toMatchObject({ reason: 'unparseable_gold' });
  });

  it('unparseable_answer: an unreadable prediction that differs from the gold', () => {
    expect(strictGrader.grade('\\boxed{\\foo{5}}', '5')).toMatchObject({ correct: false, reason: 'unparseable_answer', pred: '\\foo{5}' });
  });

  it('an unreadable answer equal as text to the gold is correct (times of day, odd notations)', () => {
    expect(judge('9\\text{ a.m.}', '9 a.m.')).toBe(true);
    expect(judge('9\\text{ a.m.}', '9\\text{ p.m.}')).toBe(false);
  });

  it('reduces a gold given as a full solution to its final answer', () => {
    expect(strictGrader.grade('#### 18', 'She makes 9 * 2 = $<<9*2=18>>18.\n#### 18')).toMatchObject({ correct: true, gold: '18' });
    expect(strictGrader.grade('The answer is: 3', 'Hence $x = \\boxed{3}$.')).toMatchObject({ correct: true, gold: '3' });
  });

  it('is registered as `strict`', () => {
    expect(mathGraders.strict).toBe(strictGrader);
    expect(strictGrader.name).toBe('strict');
  });
});

describe('strict grader: normalization', () => {
  it.each([
    ['\\text{} and units', '85\\text{ feet}', '85'],
    ['a squared unit', '5\\text{ cm}^2', '5'],
    ['a unit word', '12 gm', '12'],
    ['nouns after a number', '18 eggs', '18'],
    ['\\left/\\right', '\\left( 1, 2 \\right)', '(1,2)'],
    ['\\dfrac/\\tfrac', '\\dfrac{3}{4}', '\\tfrac34'],
    ['thousands separators', '1,000,000', '1000000'],
    ['thousands with ,\\!', '34,\\!650', '34650'],
    ['$', '\\$18.90', '18.9'],
    ['percent sign', '50\\%', '50'],
    ['degrees', '45^\\circ', '45'],
    ['trailing zeros', '55.50', '55.5'],
    ['leading +', '+5', '5'],
    ['mixed number in LaTeX', '8\\frac{4}{7}', '\\frac{60}{7}'],
    ['mixed number, single-token fraction', '8\\frac47', '\\frac{60}{7}'],
    ['mixed number in text', '7 3/4', '7.75'],
    ['negative mixed number', '-2\\frac{1}{2}', '-2.5'],
    ['x = 5', 'x = 5', '5'],
    ['x = 5 on the gold side', '5', 'k = 5'],
    ['x \\in S', 'x \\in [-2,7]', '[-2,7]'],
    ['choice letter', '\\text{(B)}', 'B'],
    ['word answer, any case', '\\text{Tuesday}', 'tuesday'],
    ['plain-text pi', '2 pi', '2\\pi'],
  ])('%s: %j equals %j', (_name, pred, gold) => {
    expect(judge(pred, gold)).toBe(true);
  });

  it('a proper fraction makes a mixed number; anything else after an integer is a product', () => {
    expect(judge('2\\frac{5}{3}', '\\frac{10}{3}')).toBe(true);
    expect(judge('2\\frac{5}{3}', '\\frac{11}{3}')).toBe(false);
    expect(judge('3\\frac{\\sqrt{2}}{2}', '\\frac{3\\sqrt2}{2}')).toBe(true);
  });

  it('two names for the answer must agree: `y = 5` is not `x = 5`', () => {
    expect(judge('y = 5', 'x = 5')).toBe(false);
    expect(judge('x = 5', 'x=5')).toBe(true);
  });
});

describe('strict grader: equivalence', () => {
  it('numbers are exact rationals: never rounded, never cast to integer', () => {
    expect(judge('0.5', '\\frac{1}{2}')).toBe(true);
    expect(judge('18.0', '18')).toBe(true);
    expect(judge('0.333', '\\frac{1}{3}')).toBe(false);
    expect(judge('0.3333333333333333', '\\frac{1}{3}')).toBe(false);
    expect(judge('0.\\overline{3}', '\\frac{1}{3}')).toBe(true);
    expect(judge('\\frac{1}{2004!}', '0')).toBe(false);
    expect(judge('10^{100}+1', '10^{100}')).toBe(false);
    expect(judge('9007199254740993', '9007199254740992')).toBe(false);
    expect(judge('2^{10}', '1024')).toBe(true);
    expect(judge('5!', '120')).toBe(true);
    expect(judge('\\binom{5}{2}', '10')).toBe(true);
  });

  it('an unreduced fraction equals its reduced form by value (default)', () => {
    expect(judge('\\frac{2}{4}', '\\frac{1}{2}')).toBe(true);
    expect(judge('6/4', '1.5')).toBe(true);
  });

  it('with requireReducedFractions, an unreduced predicted fraction is a mismatch', () => {
    const reduced = createStrictGrader({ extract: ['whole'], requireReducedFractions: true });
    expect(reduced.grade('\\frac{2}{4}', '\\frac{1}{2}')).toMatchObject({
      correct: false,
      reason: 'answer_mismatch',
      stage: 'unreduced_fraction',
    });
    expect(reduced.grade('-\\frac{6}{4}', '-1.5')).toMatchObject({ correct: false });
    expect(reduced.grade('\\frac{1}{2}', '0.5').correct).toBe(true);
    // A gold written unreduced is matched as written.
    expect(reduced.grade('\\frac{2}{4}', '\\frac{2}{4}').correct).toBe(true);
  });

  it('expressions compare symbolically by evaluation at random points', () => {
    expect(judge('(x+1)^2', 'x^2+2x+1')).toBe(true);
    expect(judge('(x+1)^2', 'x^2+x+1')).toBe(false);
    expect(judge('2\\sin x\\cos x', '\\sin 2x')).toBe(true);
    expect(judge('\\frac{x^2-1}{x-1}', 'x+1')).toBe(true);
    expect(judge('x^2', 'y^2')).toBe(false);
    expect(judge('\\frac{\\sqrt{2}}{2}', '\\frac{1}{\\sqrt{2}}')).toBe(true);
    expect(judge('\\frac{\\pi}{2}', '\\pi/2')).toBe(true);
    expect(judge('\\sqrt[3]{-8}', '-2')).toBe(true);
    expect(judge('\\log_2 8', '3')).toBe(true);
    // Negative sample points tell |x| from x.
    expect(judge('|x|', 'x')).toBe(false);
    expect(judge('\\sqrt{x^2}', 'x')).toBe(false);
    expect(judge('x^{3/2}', 'x\\sqrt{x}')).toBe(true);
  });

  it('complex numbers: order of terms and i² = -1', () => {
    expect(judge('3+4i', '4i+3')).toBe(true);
    expect(judge('\\sqrt{-4}', '2i')).toBe(true);
    expect(judge('\\frac{7}{5} + \\frac{1}{5} i', '1.4+0.2i')).toBe(true);
    expect(judge('3-4i', '3+4i')).toBe(false);
  });

  it('a decimal approximation of an irrational answer is wrong', () => {
    expect(judge('0.7071', '\\frac{\\sqrt2}{2}')).toBe(false);
    expect(judge('3.14', '\\pi')).toBe(false);
  });

  it('ordered tuples stay ordered; brackets must agree', () => {
    expect(judge('(1,2)', '\\left( 1, 2 \\right)')).toBe(true);
    expect(judge('(2,1)', '(1,2)')).toBe(false);
    expect(judge('(1,2,3)', '(1,2)')).toBe(false);
    expect(judge('(\\frac12, 3)', '(0.5, 3)')).toBe(true);
  });

  it('solution sets compare unordered, with equal sizes', () => {
    expect(judge('1, 2', '2,1')).toBe(true);
    expect(judge('\\{3,1\\}', '1,3')).toBe(true);
    expect(judge('x = 4, x = -4', '-4,4')).toBe(true);
    expect(judge('1\\pm\\sqrt{5}', '1+\\sqrt5, 1-\\sqrt5')).toBe(true);
    expect(judge('\\{1\\pm\\sqrt{5},-2\\}', '-2, 1-\\sqrt5, 1+\\sqrt5')).toBe(true);
    expect(judge('1, 1', '1')).toBe(false);
    expect(judge('\\emptyset', '\\{\\}')).toBe(true);
    expect(judge('\\{5\\}', '5')).toBe(true);
    // A pair is not a solution set.
    expect(judge('(1,2)', '1,2')).toBe(false);
  });

  it('intervals compare endpoints and brackets; unions compare unordered', () => {
    expect(judge('(-\\infty, 3]', '(-\\infty,3]')).toBe(true);
    expect(judge('(-\\infty, 3)', '(-\\infty,3]')).toBe(false);
    expect(judge('[1,2)', '[1,2]')).toBe(false);
    expect(judge('(-\\infty, 3]', '(\\infty,3]')).toBe(false);
    expect(judge('(-\\infty,0)\\cup(0,\\infty)', '(0,\\infty)\\cup(-\\infty,0)')).toBe(true);
    expect(judge('(-\\infty,0)\\cup(0,\\infty)', '(-\\infty,0)')).toBe(false);
    expect(judge('\\{-1\\} \\cup [0,7)', '[0,7)\\cup\\{-1\\}')).toBe(true);
  });

  it('matrices compare element-wise with their shape; a column vector equals a tuple', () => {
    expect(judge('\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}', '\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}')).toBe(true);
    expect(judge('\\begin{pmatrix}1&2\\\\3&5\\end{pmatrix}', '\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}')).toBe(false);
    expect(judge('\\begin{pmatrix}1&2\\end{pmatrix}', '\\begin{pmatrix}1\\\\2\\end{pmatrix}')).toBe(false);
    expect(judge('\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}', '(0.2, -3.6)')).toBe(true);
    expect(judge('\\left(\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}\\right)', '\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}')).toBe(true);
    expect(judge('\\begin{vmatrix}1&2\\\\3&4\\end{vmatrix}', '\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}')).toBe(false);
  });

  it('equations match up to a constant factor; inequalities by direction and sides', () => {
    expect(judge('2y=4x', 'y=2x')).toBe(true);
    expect(judge('x^2+y^2=13', '13=y^2+x^2')).toBe(true);
    expect(judge('x^2+y^2=13', 'x^2+y^2=14')).toBe(false);
    expect(judge('x < 3', '3 > x')).toBe(true);
    expect(judge('x \\le 3', 'x < 3')).toBe(false);
    expect(judge('f(2) < f(1) < f(4)', 'f(4) > f(1) > f(2)')).toBe(true);
  });

  it('ratios compare term by term', () => {
    expect(judge('3 : 1', '3:1')).toBe(true);
    expect(judge('6:2', '3:1')).toBe(false);
  });
});

describe('strict grader: the reference graders’ false positives, avoided', () => {
  it('no percent leniency: 0.5 and 5000 are not 50% (Eurus/WizardMath ×100, ÷100)', () => {
    expect(judge('0.5', '50\\%')).toBe(false);
    expect(judge('5000', '50')).toBe(false);
    expect(judge('0.5', '50')).toBe(false);
  });

  it('no rounding of predictions: 2.6 is not 3, 17.99 is not 18 (WizardMath rounds to an integer)', () => {
    expect(judge('2.6', '3')).toBe(false);
    expect(judge('17.99', '18')).toBe(false);
    expect(judge('2.5', '2')).toBe(false);
    expect(judge('1,234,567', '1234')).toBe(false);
  });

  it('`_` is not "a number base": 1011_2 is not 1011, nor 11, and x_1 is not x (Eurus handle_base)', () => {
    expect(judge('1011_2', '1011')).toBe(false);
    expect(judge('1011_2', '11')).toBe(false);
    expect(judge('1011_{2}', '1011_2')).toBe(true);
    expect(judge('2112_6', '2112_7')).toBe(false);
    expect(judge('x_1', 'x')).toBe(false);
    expect(judge('a_1 + a_2', 'a_2 + a_1')).toBe(true);
  });

  it('`\\left` is never mangled into `\\le` (Abel deletes the substring `ft`)', () => {
    expect(strictGrader.grade('\\boxed{\\left(-\\infty, 3\\right]}', '(-\\infty,3]')).toMatchObject({
      correct: true,
      pred: '(-\\infty, 3]',
    });
    // Abel reads both as `\le(…)` and can call different answers equal; here brackets still count.
    expect(judge('\\left[ 2, 3 \\right)', '\\left( 2, 3 \\right]')).toBe(false);
    expect(judge('x \\le 3', '\\left( x \\right) 3')).toBe(false);
  });

  it('"A,B" is not "A" (Abel’s parser ignores text after a comma)', () => {
    expect(bare.grade('A,B', 'A')).toMatchObject({ correct: false, reason: 'answer_mismatch' });
    expect(judge('1,2', '1')).toBe(false);
    expect(judge('\\text{A,D}', 'D, A')).toBe(true);
  });

  it('never "correct" when normalization fails (WizardMath compares the prediction with itself)', () => {
    // Each of these made WizardMath's strip_string throw, and it then marked the answer correct.
    for (const pred of ['\\pi/2', '1/\\sqrt{2}', '5\\text{ a} \\text{ b}', '3\\frac', '\\sqrt', '\\frac']) {
      const result = bare.grade(pred, '7');
      expect(result.correct, pred).toBe(false);
      expect(result.reason, pred).not.toBeNull();
    }
  });

  it('never throws and never says "correct" to garbage, even for hostile input', () => {
    const hostile = [
      '{'.repeat(100_000) + '}'.repeat(100_000),
      '('.repeat(5000) + '7' + ')'.repeat(5000),
      '\\sqrt{'.repeat(3000) + '7' + '}'.repeat(3000),
      '-'.repeat(20_000) + '7',
      '2^{2^{2^{2^{2^{2^{2}}}}}}',
      '10^{10^{10}}',
      '99999999!',
      Array.from({ length: 500 }, (_, index) => index).join(','),
      '1\\pm '.repeat(50) + '1',
      // Sums of huge rationals (a gcd of two 100,000-bit numbers alone takes seconds) and unclosed groups.
      Array.from({ length: 60 }, () => '(3/7)^{50000}').join('+'),
      Array.from({ length: 60 }, () => '3000!').join('+'),
      '\\text{'.repeat(20_000),
      'a'.repeat(100_000),
      '\u0000\uffff\ud800',
    ];
    for (const pred of hostile) {
      const started = performance.now();
      const result = bare.grade(pred, '7');
      expect(result.correct, pred.slice(0, 40)).toBe(false);
      expect(performance.now() - started, pred.slice(0, 40)).toBeLessThan(500);
      expect(strictGrader.grade(`\\boxed{${pred}}`, pred).reason).not.toBe(undefined);
    }
    // Not strings at all (a caller outside TypeScript): a verdict, not an exception.
    expect(strictGrader.grade(null as unknown as string, undefined as unknown as string)).toMatchObject({
      correct: false,
      reason: 'unparseable_gold',
    });
  });
});

describe('strict grader: options and speed', () => {
  it('uses the extractor order it is given', () => {
    const boxedFirst = createStrictGrader({ extract: ['boxed', 'wizardmath'] });
    expect(boxedFirst.grade('The answer is: 3\n\\boxed{4}', '4')).toMatchObject({ correct: true, extractor: 'boxed' });
    expect(strictGrader.grade('The answer is: 3\n\\boxed{4}', '4')).toMatchObject({ correct: false, extractor: 'wizardmath' });
    expect(createStrictGrader({ extract: [] }).extract).toEqual(strictGrader.extract);
  });

  it('grades 10,000 pairs in well under a second (golds are cached)', () => {
    const grader = createStrictGrader();
    const started = performance.now();
    let correct = 0;
    for (let index = 0; index < 10_000; index++) {
      if (grader.grade(`Step.\n\\boxed{\\frac{${index % 97}}{${(index % 13) + 1}}}`, `\\frac{${index % 97}}{${(index % 13) + 1}}`).correct)
        correct++;
    }
    expect(correct).toBe(10_000);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
