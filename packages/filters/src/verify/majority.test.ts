import { describe, expect, it } from 'vitest';
import { answersEquivalent, majorityAnswer } from './majority.js';

describe('answer equivalence', () => {
  it('uses the strict grader, not string equality', () => {
    expect(answersEquivalent('\\frac{1}{2}', '0.5')).toBe(true);
    expect(answersEquivalent('x = 5', '5')).toBe(true);
    expect(answersEquivalent('1,000', '1000')).toBe(true);
    expect(answersEquivalent('18', '17')).toBe(false);
    expect(answersEquivalent('A,B', 'A')).toBe(false);
    expect(answersEquivalent('odd', 'odd')).toBe(true);
  });
});

describe('majority vote', () => {
  it('admits an answer a strict majority agrees on, equivalent forms counted together', () => {
    const outcome = majorityAnswer(['The answer is: 0.5', '#### 1/2', 'The answer is: 3', '$\\boxed{\\frac{1}{2}}$']);
    expect(outcome).toEqual({ ok: true, answer: '0.5', sample: 1, votes: 3, agreement: 0.75, detail: '3 of 4 samples agree on “0.5”' });
  });

  it('takes the response of the first sample of the majority', () => {
    const outcome = majorityAnswer(['The answer is: 7', 'The answer is: 9', 'The answer is: 9']);
    expect(outcome).toMatchObject({ ok: true, answer: '9', sample: 2, votes: 2 });
  });

  it('refuses a tie: half is not a strict majority', () => {
    expect(majorityAnswer(['#### 1', '#### 1', '#### 2', '#### 2'])).toEqual({
      ok: false,
      reason: 'no_majority',
      detail: 'no answer has a strict majority of 4 samples: “1” ×2, “2” ×2',
    });
  });

  it('counts samples without an answer against the majority', () => {
    expect(majorityAnswer(['#### 1', '#### 1', '#### 2', 'no idea', '#### 3'])).toEqual({
      ok: false,
      reason: 'no_majority',
      detail: 'no answer has a strict majority of 5 samples: “1” ×2, “2” ×1, “3” ×1, none ×1',
    });
  });

  it('says no_answer when at most half of the samples give a final answer', () => {
    expect(majorityAnswer(['hmm', 'no idea', 'not sure', 'I do not know'])).toEqual({
      ok: false,
      reason: 'no_answer',
      detail: '4 of 4 sample(s) gave no final answer',
    });
    expect(majorityAnswer(['#### 4', 'no idea', '#### 4', 'not sure'])).toEqual({
      ok: false,
      reason: 'no_answer',
      detail: '2 of 4 sample(s) gave no final answer; “4” ×2',
    });
  });

  it('admits a single sample that answers', () => {
    expect(majorityAnswer(['#### 4'])).toMatchObject({ ok: true, answer: '4', agreement: 1 });
  });
});
