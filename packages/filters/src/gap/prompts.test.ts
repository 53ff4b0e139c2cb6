import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_STEP, parseCandidate, parseTopicAnswer, variantPrompt, verifierMessages, workedExamplePrompt } from './prompts.js';

const topics = [
  { name: 'algebra', description: 'equations', keywords: ['equation'], aliases: [] },
  { name: 'number_theory', description: null, keywords: ['prime'], aliases: [] },
];

describe('parseCandidate', () => {
  it('reads the problem and the solution, markdown labels included', () => {
    expect(parseCandidate('Problem: What is 2+2?\nSolution:\n1. By problem, 2+2 = 4.\n2. [Final solution] #### 4')).toEqual({
      ok: true,
      problem: 'What is 2+2?',
      solution: '1. By problem, 2+2 = 4.\n2. [Final solution] #### 4',
    });
    expect(parseCandidate('**Problem:** Add 1 and 2.\n\n**Solution:**\n1. #### 3')).toMatchObject({
      problem: 'Add 1 and 2.',
      solution: '1. #### 3',
    });
  });

  it('tells a refusal from a malformed answer', () => {
    expect(parseCandidate("I'm sorry, but I can't do that.")).toMatchObject({ ok: false, reason: 'refusal' });
    expect(parseCandidate('  ')).toEqual({ ok: false, reason: 'refusal', detail: 'the model gave an empty answer' });
    expect(parseCandidate('Here is a problem: add 2 and 2. It is 4.')).toEqual({
      ok: false,
      reason: 'malformed',
      detail: 'expected `Problem:` then `Solution:`, found no `Problem:` and `Solution:`',
    });
    expect(parseCandidate('Solution: 4\nProblem: add')).toMatchObject({
      reason: 'malformed',
      detail: 'expected `Problem:` before `Solution:`, found them reversed',
    });
    expect(parseCandidate('Problem:\nSolution: 4')).toMatchObject({
      reason: 'malformed',
      detail: 'expected a non-empty problem, found none',
    });
  });
});

describe('parseTopicAnswer', () => {
  it('reads `Topic: name`, else the one topic named', () => {
    expect(parseTopicAnswer('Topic: number_theory', topics)).toBe('number_theory');
    expect(parseTopicAnswer('**Topic:** `Algebra`', topics)).toBe('algebra');
    expect(parseTopicAnswer('I would say algebra.', topics)).toBe('algebra');
    expect(parseTopicAnswer('algebra or number_theory', topics)).toBeNull();
    expect(parseTopicAnswer('Topic: calculus', topics)).toBeNull();
  });
});

describe('prompts', () => {
  it('asks for knowledge citations and Abel’s final line; shows anchors; verifies in Abel’s prompt', () => {
    const example = workedExamplePrompt('algebra', 'equations', ['Solve x + 1 = 2.']);
    expect(example).toContain('topic "algebra" (equations)');
    expect(example).toContain('Example 1: Solve x + 1 = 2.');
    expect(example).toContain('"By definition of …", "By the formula for …"');
    expect(example).toContain('"N. [Final solution] Thus, … #### <final answer>"');
    expect(variantPrompt('Hard one', 'algebra', null)).toContain(
      'A student could not solve this problem on the topic "algebra":\n\nHard one\n',
    );
    expect(verifierMessages('Add 1 and 1.')[1]?.content).toBe("Question:\nAdd 1 and 1.\nAnswer:\nLet's think step by step.\n");
  });

  it('recognises steps that state knowledge', () => {
    expect(KNOWLEDGE_STEP.test('2. By the formula for the area of a circle, A = πr².')).toBe(true);
    expect(KNOWLEDGE_STEP.test('2. By definition, a prime has two divisors.')).toBe(true);
    expect(KNOWLEDGE_STEP.test('2. By problem, she has 3 apples.')).toBe(false);
  });
});
