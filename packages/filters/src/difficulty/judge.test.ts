import { describe, expect, it } from 'vitest';
import { DIFFICULTY_JUDGE_PROMPT, judgePrompt, parseJudgeAnswer } from './judge.js';

describe('parseJudgeAnswer', () => {
  it('reads the two-line format', () => {
    expect(parseJudgeAnswer('Difficulty: 4\nRationale: needs a clever substitution.')).toEqual({
      score: 4,
      rationale: 'needs a clever substitution.',
    });
  });

  it('reads markdown bold, `N/5`, "difficulty is N" and a bare digit', () => {
    expect(parseJudgeAnswer('**Difficulty:** 2\n**Rationale:** two steps.')).toEqual({ score: 2, rationale: 'two steps.' });
    expect(parseJudgeAnswer('Difficulty rating: 5/5')).toEqual({ score: 5, rationale: null });
    expect(parseJudgeAnswer('The difficulty is 3 because of the casework.')).toMatchObject({ score: 3 });
    expect(parseJudgeAnswer('1')).toEqual({ score: 1, rationale: null });
  });

  it('takes the first difficulty line, not a number in the rationale', () => {
    expect(parseJudgeAnswer('Difficulty: 2\nRationale: the difficulty 5 problems are harder.')).toMatchObject({ score: 2 });
  });

  it('rejects answers without a rating, out of range or fractional', () => {
    expect(parseJudgeAnswer('')).toEqual({ score: null, error: 'empty answer' });
    expect(parseJudgeAnswer("I'm sorry, I can't help with that.")).toEqual({
      score: null,
      error: 'no `Difficulty: 1–5` line in the answer',
    });
    expect(parseJudgeAnswer('Difficulty: 7')).toEqual({ score: null, error: 'difficulty 7 is not an integer from 1 to 5' });
    expect(parseJudgeAnswer('Difficulty: 2.5')).toEqual({ score: null, error: 'difficulty 2.5 is not an integer from 1 to 5' });
  });

  it('cuts a long rationale', () => {
    const verdict = parseJudgeAnswer(`Difficulty: 3\nRationale: ${'word '.repeat(200)}`);
    expect(verdict.score).toBe(3);
    expect('rationale' in verdict && verdict.rationale?.length).toBe(500);
  });
});

describe('judgePrompt', () => {
  it('fills the problem and solution once, and says when there is no solution', () => {
    expect(judgePrompt('P={problem} S={solution}', 'what is {solution}?', '42')).toBe('P=what is {solution}? S=42');
    expect(judgePrompt(DIFFICULTY_JUDGE_PROMPT, 'Add 2 and 2.', null)).toContain('Reference solution:\n(none given)');
  });
});
