import { describe, expect, it } from 'vitest';
import { mathGraders } from '../registry.js';
import { extractMinervaAnswer, minervaGrader } from './minerva.js';

const response = (answer: string) => `Work.\nFinal Answer: The final answer is $${answer}$. I hope it is correct.`;

describe('minerva grader (lm-eval minerva_math exact_match)', () => {
  it('extracts the answer from the closing sentence', () => {
    expect(extractMinervaAnswer(response('\\frac{2}{3}'))).toBe('$\\frac{2}{3}$');
    expect(minervaGrader.grade(response('\\frac{2}{3}'), '\\frac23')).toEqual({
      correct: true,
      reason: null,
      extracted: '$\\frac{2}{3}$',
      pred: '\\frac{2}{3}',
      gold: '\\frac{2}{3}',
    });
  });

  it('quirk: the appended `I hope it is correct.` has no leading space, so a response must carry the sentence', () => {
    expect(extractMinervaAnswer('Final Answer: The final answer is $5$.')).toBe('[invalidanswer]');
    expect(minervaGrader.grade('Final Answer: The final answer is $5$', '5')).toMatchObject({ correct: false, reason: 'no_final_answer' });
    // The unescaped `.` before ` I hope` eats the answer's last character when no period is written.
    expect(extractMinervaAnswer('Final Answer: The final answer is 15 I hope it is correct.')).toBe('1');
  });

  it('quirk: a string parse_latex rejects is wrong even when identical to the gold', () => {
    expect(minervaGrader.grade(response('40\\%'), '40\\%')).toMatchObject({ correct: false, reason: 'unparseable_gold', pred: '40\\%' });
  });

  it('equivalence is SymPy simplify: value, not form', () => {
    expect(minervaGrader.grade(response('0.5'), '\\frac{1}{2}').correct).toBe(true);
    expect(minervaGrader.grade(response('2x+2'), '2(x+1)').correct).toBe(true);
    expect(minervaGrader.grade(response('x = 3'), '3').correct).toBe(true);
    expect(minervaGrader.grade(response('x < 3'), 'x < 3').correct).toBe(false);
    expect(minervaGrader.grade(response('4'), '3')).toMatchObject({ correct: false, reason: 'answer_mismatch' });
  });

  it('takes the gold from the last `\\boxed{}` of a solution', () => {
    expect(minervaGrader.grade(response('16'), 'so $n=480/30=\\boxed{16}$')).toMatchObject({ correct: true, gold: '16' });
  });

  it('is registered as `minerva`', () => {
    expect(mathGraders.minerva).toBe(minervaGrader);
  });
});
