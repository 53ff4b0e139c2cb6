import { describe, expect, it } from 'vitest';
import { majorityVote } from './majority.js';

describe('majorityVote', () => {
  it('groups equivalent answers with the strict grader and finds a strict majority', () => {
    const vote = majorityVote(['so #### 1/2', 'The answer is: 0.5', '$\\boxed{\\frac{1}{2}}$', '#### 2']);
    expect(vote).toEqual({
      answer: '1/2',
      votes: 3,
      of: 4,
      groups: [
        { answer: '1/2', votes: 3 },
        { answer: '2', votes: 1 },
      ],
    });
  });

  it('has no majority at half the votes, or when most answers have no final answer', () => {
    expect(majorityVote(['#### 3', '#### 3', '#### 4', '#### 4']).answer).toBeNull();
    const vote = majorityVote(['I do not know', 'no idea', '#### 5']);
    expect(vote.answer).toBeNull();
    expect(vote.groups).toEqual([
      { answer: null, votes: 2 },
      { answer: '5', votes: 1 },
    ]);
  });

  it('is empty for no responses', () => {
    expect(majorityVote([])).toEqual({ answer: null, votes: 0, of: 0, groups: [] });
  });
});
