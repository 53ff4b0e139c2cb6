import { describe, expect, it } from 'vitest';
import { isRefusal, parseEvolved, screenEvolved, wordJaccard } from './screen.js';

const parent = 'Janet has 16 eggs. She eats 3 and bakes with 4. How many eggs are left?';
const options = { minWords: 8, copyThreshold: 0.9 };

describe('parsing an evolved problem', () => {
  it('removes labels, fences, quotes and an appended solution', () => {
    expect(parseEvolved('New problem: Tom has 5 apples.')).toBe('Tom has 5 apples.');
    expect(parseEvolved('**Harder Problem:** Tom has 5 apples.')).toBe('Tom has 5 apples.');
    expect(parseEvolved('#Rewritten Prompt#:\nTom has 5 apples.')).toBe('Tom has 5 apples.');
    expect(parseEvolved('```\nTom has 5 apples.\n```')).toBe('Tom has 5 apples.');
    expect(parseEvolved('“Tom has 5 apples.”')).toBe('Tom has 5 apples.');
    expect(parseEvolved('Tom has 5 apples. How many?\n\nSolution: 5 apples.\nThe answer is: 5')).toBe('Tom has 5 apples. How many?');
    expect(parseEvolved('Tom has 5 apples.\n**Answer:** 5')).toBe('Tom has 5 apples.');
  });

  it('leaves a plain problem alone, the word "problem" inside it included', () => {
    const text = 'A problem set has 12 questions: how many are left after 5?';
    expect(parseEvolved(`  ${text}\n`)).toBe(text);
  });
});

describe('refusals', () => {
  it('recognises a reply that declines', () => {
    expect(isRefusal("I'm sorry, but I can't help with that.")).toBe(true);
    expect(isRefusal('As an AI language model, I cannot create problems.')).toBe(true);
    expect(isRefusal('Unfortunately, I am unable to rewrite this problem.')).toBe(true);
    expect(isRefusal('Here it is. I cannot rewrite this problem without more context.')).toBe(true);
  });

  it('does not flag a problem that mentions not being able to do something', () => {
    expect(isRefusal('Sam cannot carry more than 20 kg. He has 3 bags of 8 kg. How many trips does he need?')).toBe(false);
    const long = `${'A farmer plants rows of corn in a field. '.repeat(10)}He says: I cannot help you plant more. How many rows?`;
    expect(isRefusal(long)).toBe(false);
  });
});

describe('copy detection', () => {
  it('measures word-set Jaccard after normalization', () => {
    expect(wordJaccard('The CAT sat.', 'the cat, sat!')).toBe(1);
    expect(wordJaccard('a b c d', 'a b c e')).toBeCloseTo(3 / 5);
    expect(wordJaccard('', '')).toBe(0);
  });
});

describe('screening', () => {
  it('admits a real rewrite', () => {
    const problem = 'Janet has 16 eggs and buys 2 dozen more. She eats 3 a day for a week. How many eggs are left?';
    expect(screenEvolved(problem, problem, parent, 'stop', options)).toEqual({ ok: true });
  });

  it('gives one reason per failure, in order: truncated, refusal, too_short, copied_input', () => {
    expect(screenEvolved(parent, parent, parent, 'length', options)).toMatchObject({ ok: false, reason: 'truncated' });
    expect(screenEvolved("I can't do that.", "I can't do that.", parent, 'stop', options)).toMatchObject({
      ok: false,
      reason: 'refusal',
      detail: "the model declined: “I can't do that.”",
    });
    expect(screenEvolved('Tom has 5 apples.', 'Tom has 5 apples.', parent, 'stop', options)).toEqual({
      ok: false,
      reason: 'too_short',
      detail: '4 word(s), fewer than min_words 8: “Tom has 5 apples.”',
    });
    const copy = `${parent} `;
    expect(screenEvolved(copy, copy, parent, 'stop', options)).toEqual({
      ok: false,
      reason: 'copied_input',
      detail: 'word Jaccard 1.000 with the parent problem, at or above copy_threshold 0.9',
    });
    // One word changed in a 15-word set: 14/16 = 0.875, under the threshold; 0.85 catches it.
    const near = parent.replace('bakes', 'cooks');
    expect(screenEvolved(near, near, parent, 'stop', options)).toEqual({ ok: true });
    expect(screenEvolved(near, near, parent, 'stop', { ...options, copyThreshold: 0.85 })).toMatchObject({ reason: 'copied_input' });
  });
});
