import { describe, expect, it } from 'vitest';
import { strictGrader } from '../verify/math/strict.js';
import type { Grader } from '../verify/math/types.js';
import { chooseSamples, gradeSamples, quoteAnswer } from './judge.js';

const samples = [
  'Long way round: 9 + 9 = 18, so\nThe answer is: 18.', // right, long
  'The answer is: 17', // wrong
  '#### 18', // right, shortest
  'I think it is eighteen.', // no final answer
  'So $\\boxed{\\frac{36}{2}}$', // right by value
];

describe('grading samples', () => {
  it('grades each sample against the gold with the strict grader', () => {
    const graded = gradeSamples(strictGrader, samples, '18');
    expect(graded.map((sample) => [sample.index, sample.correct, sample.extracted])).toEqual([
      [1, true, '18'],
      [2, false, '17'],
      [3, true, '18'],
      [4, false, null],
      [5, true, '\\frac{36}{2}'],
    ]);
  });

  it('marks a sample wrong when the grader throws', () => {
    const broken: Grader = {
      name: 'broken',
      summary: '',
      grade: () => {
        throw new Error('boom');
      },
    };
    expect(gradeSamples(broken, ['#### 18'], '18')).toEqual([{ index: 1, content: '#### 18', correct: false, extracted: null }]);
  });

  it('keeps the first, the shortest (ties to the earlier) or all correct samples', () => {
    const graded = gradeSamples(strictGrader, samples, '18');
    const first = chooseSamples(graded, 'first');
    expect([first.chosen?.index, first.extra.length, first.correct]).toEqual([1, 0, 3]);
    const shortest = chooseSamples(graded, 'shortest');
    expect(shortest.chosen?.index).toBe(3);
    const tie = chooseSamples(gradeSamples(strictGrader, ['#### 18', '#### 18'], '18'), 'shortest');
    expect(tie.chosen?.index).toBe(1);
    const all = chooseSamples(graded, 'all');
    expect([all.chosen?.index, all.extra.map((sample) => sample.index)]).toEqual([1, [3, 5]]);
  });

  it('chooses nothing when no sample is correct', () => {
    const graded = gradeSamples(strictGrader, ['#### 17', 'no idea'], '18');
    expect(chooseSamples(graded, 'all')).toEqual({ chosen: null, extra: [], correct: 0 });
  });

  it('quotes answers for details, shortened', () => {
    expect(quoteAnswer(null)).toBe('none');
    expect(quoteAnswer('1\n2')).toBe('“1 2”');
    expect(quoteAnswer('x'.repeat(50))).toBe(`“${'x'.repeat(39)}…”`);
  });
});
