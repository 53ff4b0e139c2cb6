import { describe, expect, it } from 'vitest';
import { traceDependencies } from './dependencies.js';
import { lintTarget } from './lint.js';
import { problemNumbers, stripCalculator } from './numbers.js';
import { lowerFirst, problemText, restateProblem } from './problem.js';
import { collapseEquations, conclusionFor, dropConnective, rewriteByRules } from './rules.js';
import { splitSentences } from './sentences.js';
import { parseSolution } from './solution.js';

const FARM =
  'A farmer has 3 fields. Each field has 40 rows of corn, and each row gives 12 ears. He sells the ears by the dozen for $2 a dozen. How much money does he make?';
const FARM_SOLUTION = [
  'Each field gives 40 * 12 = <<40*12=480>>480 ears.',
  'The 3 fields give 3 * 480 = <<3*480=1440>>1440 ears.',
  'That is 1440 / 12 = <<1440/12=120>>120 dozen.',
  'So he makes 120 * 2 = $<<120*2=240>>240.',
  '#### 240',
].join('\n');

const target = (
  style: 'abel' | 'wizardmath' | 'ultrainteract',
  problem: string,
  solution: string,
  calculator: 'keep' | 'strip' = 'strip',
) => {
  const rewrite = rewriteByRules(style, problem, solution, calculator);
  if (!rewrite.ok) throw new Error(rewrite.message);
  return rewrite.target;
};

describe('rewriteByRules', () => {
  it('abel: restatement, a dependency per step, the last result as the conclusion, `#### N`', () => {
    expect(target('abel', FARM, FARM_SOLUTION)).toBe(
      [
        '1. The problem states that a farmer has 3 fields. Each field has 40 rows of corn, and each row gives 12 ears. He sells the ears by the dozen for $2 a dozen. We need to find out how much money does he make.',
        '2. By problem, each field gives 40 * 12 = 480 ears.',
        '3. By problem and step 2, the 3 fields give 3 * 480 = 1440 ears.',
        '4. By problem and step 3, 1440 / 12 = 120 dozen.',
        '5. By problem and step 4, he makes 120 * 2 = $240.',
        '6. [Final solution] Thus, he makes $240. #### 240',
      ].join('\n'),
    );
  });

  it('wizardmath and ultrainteract: `Step k:` lines as written, then the style’s final answer', () => {
    const steps = [
      'Step 1: Each field gives 40 * 12 = 480 ears.',
      'Step 2: The 3 fields give 3 * 480 = 1440 ears.',
      'Step 3: That is 1440 / 12 = 120 dozen.',
      'Step 4: So he makes 120 * 2 = $240.',
    ];
    expect(target('wizardmath', FARM, FARM_SOLUTION)).toBe([...steps, 'The answer is: 240'].join('\n'));
    expect(target('ultrainteract', FARM, FARM_SOLUTION)).toBe([...steps, '', 'Answer:', '\\boxed{240}'].join('\n'));
  });

  it('`calculator: keep` keeps the annotations in the steps (never in the conclusion)', () => {
    const kept = target('abel', FARM, FARM_SOLUTION, 'keep');
    expect(kept).toContain('2. By problem, each field gives 40 * 12 = <<40*12=480>>480 ears.');
    expect(kept).toContain('5. By problem and step 4, he makes 120 * 2 = $<<120*2=240>>240.');
    expect(kept.split('\n').at(-1)).toBe('6. [Final solution] Thus, he makes $240. #### 240');
    expect(target('wizardmath', FARM, FARM_SOLUTION, 'keep')).toContain('Step 1: Each field gives 40 * 12 = <<40*12=480>>480 ears.');
  });

  it('every style passes its own lint', () => {
    for (const style of ['abel', 'wizardmath', 'ultrainteract'] as const)
      expect(lintTarget(style, target(style, FARM, FARM_SOLUTION))).toBeNull();
  });

  it('names unit facts the problem does not state, and cites the step a number was first computed in', () => {
    const problem = 'A tap drips 3 milliliters every minute. How many milliliters does it drip in a day?';
    const solution = 'An hour has 3 * 60 = <<3*60=180>>180 milliliters.\nA day has 180 * 24 = <<180*24=4320>>4320 milliliters.\n#### 4320';
    expect(target('abel', problem, solution).split('\n').slice(1)).toEqual([
      '2. By problem and the definition of an hour (1 hour = 60 minutes), an hour has 3 * 60 = 180 milliliters.',
      '3. By step 2 and the definition of a day (1 day = 24 hours), a day has 180 * 24 = 4320 milliliters.',
      '4. [Final solution] Thus, a day has 4320 milliliters. #### 4320',
    ]);
  });

  it('takes the final answer from `\\boxed{}` or the last number when there is no `####`, and fails without any', () => {
    const boxed = rewriteByRules(
      'abel',
      'What is $\\frac{1}{2} + \\frac{1}{4}$?',
      'We have $\\frac{1}{2} + \\frac{1}{4} = \\boxed{\\frac{3}{4}}$.',
      'strip',
    );
    expect(boxed.ok && boxed.target.split('\n').at(-1)).toBe('3. [Final solution] Thus, the answer is $\\frac{3}{4}$. #### \\frac{3}{4}');
    const last = rewriteByRules('wizardmath', 'Two plus two?', 'Two plus two is 2 + 2 = 4', 'strip');
    expect(last.ok && last.target).toBe('Step 1: Two plus two is 2 + 2 = 4.\nThe answer is: 4');
    expect(rewriteByRules('abel', 'Why?', 'Because it is so.', 'strip')).toEqual({
      ok: false,
      message: 'the solution states no final answer (no `#### N`, no `\\boxed{}`, no number)',
    });
  });

  it('drops thousands separators in the final answer', () => {
    expect(target('wizardmath', 'How many?', 'There are 1,000 + 234 = 1,234.\n#### 1,234').split('\n').at(-1)).toBe('The answer is: 1234');
  });
});

describe('parseSolution', () => {
  it('one step per sentence; a sentence without a number joins its neighbour; display math stays whole', () => {
    expect(parseSolution('Let x be the apples. Then 2x = 10.\nSo x = 5. Done.\n#### 5')).toEqual({
      steps: ['Let x be the apples. Then 2x = 10.', 'So x = 5. Done.'],
      answer: '5',
      answerFrom: 'marker',
    });
    expect(parseSolution('We get\n$$\nx = 5.\n$$\nSo $\\boxed{5}$.').steps).toEqual(['We get $$ x = 5. $$', 'So $\\boxed{5}$.']);
    expect(parseSolution('He pays $5 each. The total is $10.').steps).toEqual(['He pays $5 each.', 'The total is $10.']);
  });
});

describe('traceDependencies', () => {
  it('problem numbers (digits, words, percentages), earlier results, unit facts, and a fallback to the previous step', () => {
    const problem = 'Tom buys two boxes of 25 pens. He gives away 20% of the pens. How many pens does he keep?';
    const steps = [
      'He buys 2 * 25 = <<2*25=50>>50 pens.',
      'He gives away 50 * 0.2 = <<50*0.2=10>>10 pens.',
      'He keeps 50 - 10 = <<50-10=40>>40 pens.',
      'That is all of them.',
    ];
    expect(traceDependencies(problem, steps, 2).map(({ problem, steps, basis }) => ({ problem, steps, basis }))).toEqual([
      { problem: true, steps: [], basis: 'numbers' },
      { problem: true, steps: [2], basis: 'numbers' },
      { problem: false, steps: [2, 3], basis: 'numbers' },
      { problem: false, steps: [4], basis: 'previous' },
    ]);
  });

  it('a number both stated and computed goes to the source sharing the unit, then the most words', () => {
    const problem = 'Dolls cost $5 each and clocks cost $15 each. Ana buys 3 dolls and 2 clocks. How much does she pay?';
    const steps = [
      'The dolls cost 3 * 5 = $<<3*5=15>>15.',
      'The clocks cost 2 * $15 = $<<2*15=30>>30.',
      'She pays $15 + $30 = $<<15+30=45>>45.',
    ];
    expect(traceDependencies(problem, steps, 2).map(({ problem, steps }) => ({ problem, steps }))).toEqual([
      { problem: true, steps: [] },
      // "clocks … $15" shares "clock" with the problem's sentence, not with step 2 (the dolls).
      { problem: true, steps: [] },
      { problem: false, steps: [2, 3] },
    ]);
  });
});

describe('problem text and restatement', () => {
  it('removes the Abel, Alpaca and UltraInteract templates around a problem', () => {
    expect(problemText("Question:\nHow many?\nAnswer:\nLet's think step by step.\n")).toBe('How many?');
    expect(
      problemText(
        'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nHow many?\n\n### Response:',
      ),
    ).toBe('How many?');
    expect(problemText('Solve the following math problem step-by-step.\nSimplify your answer as much as possible.\nHow many?')).toBe(
      'How many?',
    );
  });

  it('states the facts, then the goal: wh-questions, conditions moved after the goal, imperatives, yes/no', () => {
    expect(restateProblem('Ann has 3 cats. How many legs do they have?')).toBe(
      'The problem states that Ann has 3 cats. We need to find out how many legs do they have.',
    );
    expect(restateProblem('There are 4 vans. If each van holds 8 people, how many people fit?')).toBe(
      'The problem states that there are 4 vans. We need to find out how many people fit if each van holds 8 people.',
    );
    expect(restateProblem('After 5 days how many apples are left?')).toBe(
      'The problem asks us to find out how many apples are left after 5 days.',
    );
    expect(restateProblem('A box has 6 eggs. Find the number of eggs in 3 boxes.')).toBe(
      'The problem states that a box has 6 eggs. We need to find the number of eggs in 3 boxes.',
    );
    expect(restateProblem('Ben has $5. Can he buy a $7 toy?')).toBe(
      'The problem states that Ben has $5. We need to answer the question: Can he buy a $7 toy?',
    );
  });

  it('lower-cases a function word or a common word, never a name', () => {
    expect(lowerFirst('The dog')).toBe('the dog');
    expect(lowerFirst('Natalia sold')).toBe('Natalia sold');
    expect(lowerFirst('Working hard, she', 'she was working late')).toBe('working hard, she');
    expect(lowerFirst('Rose sold', 'a rose and Rose')).toBe('Rose sold');
  });
});

describe('text helpers', () => {
  it('splitSentences keeps annotations, LaTeX and titles whole; money is not math', () => {
    expect(splitSentences('Mr. Lee paid $<<2.5*2=5>>5. Then $x = 2.5$. Done!')).toEqual([
      'Mr. Lee paid $<<2.5*2=5>>5.',
      'Then $x = 2.5$.',
      'Done!',
    ]);
    expect(splitSentences('It costs $5 each. The box costs $15.')).toEqual(['It costs $5 each.', 'The box costs $15.']);
  });

  it('stripCalculator keeps what the annotations computed', () => {
    expect(stripCalculator('She has 100 * 0.8 = $<<100*0.8=80>>80 left.')).toEqual({
      text: 'She has 100 * 0.8 = $80 left.',
      annotationEnds: new Set([21]),
      annotationInputs: ['100', '0.8'],
      annotationResults: ['80'],
    });
  });

  it('problemNumbers reads digits, percentages, fractions and number words', () => {
    const numbers = problemNumbers('Twenty-five kids ate half of 3/4 of a pie; 20% of 1,200 people came twice.');
    expect([...numbers.keys()].sort()).toEqual(['0.2', '0.5', '0.75', '1200', '2', '20', '25', '3', '4', '5'].sort());
    expect(numbers.get('1200')).toEqual(new Set(['people']));
  });

  it('collapseEquations, dropConnective and conclusionFor', () => {
    expect(collapseEquations('Natalia sold 48+24 = 72 clips')).toBe('Natalia sold 72 clips');
    expect(collapseEquations('she earned 0.2 x 50 = $10.')).toBe('she earned $10.');
    expect(collapseEquations('Total cost = 3 + 4 = 7')).toBe('Total cost = 7');
    expect(dropConnective('So then she has 5.')).toBe('she has 5.');
    expect(dropConnective('So')).toBe('So');
    expect(conclusionFor('Her money is worth $64 because 60 + 4 = <<60+4=64>>64', '64')).toBe('her money is worth $64.');
    expect(conclusionFor('And 12+3=<<12+3=15>>15 seconds.', '15')).toBe('the answer is 15.');
    expect(conclusionFor('So x = 9.', '9')).toBe('the answer is 9.');
    expect(conclusionFor('The sum is $\\boxed{9}$.', '9')).toBe('the answer is 9.');
  });
});
