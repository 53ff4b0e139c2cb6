import { describe, expect, it } from 'vitest';
import { DEFAULT_EXTRACT_ORDER, type ExtractorName, extractAnswer, reduceGold } from './extract.js';

const only = (extractor: ExtractorName, response: string) => extractAnswer(response, [extractor])?.text ?? null;

describe('extractors', () => {
  it('abel: `#### X` on the last non-blank line, after cutting at the first "Question"', () => {
    expect(only('abel', 'Steps.\n#### 18')).toBe('18');
    expect(only('abel', 'Steps.\n#### 18\n\n')).toBe('18');
    expect(only('abel', 'Steps.\n#### 18</s>')).toBe('18');
    // A hallucinated next question (with its own answer) is cut away.
    expect(only('abel', 'Steps.\n#### 18\nQuestion: and now?\n#### 20')).toBe('18');
    // Not on the last line: Abel finds nothing.
    expect(only('abel', '#### 18\nThat is all.')).toBeNull();
    expect(only('abel', 'no marker')).toBeNull();
  });

  it('gsm8k: the last `####` anywhere, to the end of its line', () => {
    expect(only('gsm8k', '#### 18\nThat is all.')).toBe('18');
    expect(only('gsm8k', '#### 1\n#### 2,000\n')).toBe('2,000');
    expect(only('gsm8k', 'text ####')).toBeNull();
  });

  it('wizardmath: after the last `The answer is:`, one line, one trailing period dropped', () => {
    expect(only('wizardmath', 'So. The answer is: 42.\nMore text')).toBe('42');
    expect(only('wizardmath', 'The answer is: 1. The answer is: $\\frac{1}{2}$.')).toBe('$\\frac{1}{2}$');
    expect(only('wizardmath', 'The answer is:\n7')).toBe('7');
    // WizardMath's marker has a colon: a sentence without it is not the marker.
    expect(only('wizardmath', 'The answer is 42')).toBeNull();
  });

  it('boxed: the last brace-balanced \\boxed{} (or \\fbox{}), nested braces included', () => {
    expect(only('boxed', 'first \\boxed{1}, then \\boxed{\\frac{1}{2}}')).toBe('\\frac{1}{2}');
    expect(only('boxed', '\\fbox{7}')).toBe('7');
    expect(only('boxed', 'cut off \\boxed{\\frac{1}{2}')).toBeNull();
    expect(only('boxed', '\\boxed{}')).toBeNull();
  });

  it('minerva: `The final answer is X. I hope it is correct.`', () => {
    expect(only('minerva', 'Final Answer: The final answer is $5$. I hope it is correct.')).toBe('$5$');
    expect(only('minerva', 'The final answer is 12')).toBe('12');
  });

  it('a-colon: the last line starting `A:` or `Answer:`', () => {
    expect(only('a-colon', 'Q: how many?\nA: 17\nnothing else')).toBe('17');
    expect(only('a-colon', 'Answer: 3\nAnswer: 4')).toBe('4');
    expect(only('a-colon', 'B: 3')).toBeNull();
  });

  it('whole: the whole response, trimmed (never in the default order)', () => {
    expect(only('whole', '  5  ')).toBe('5');
    expect(only('whole', '   ')).toBeNull();
    expect(DEFAULT_EXTRACT_ORDER).not.toContain('whole');
  });

  it('tries extractors in the order given and reports which one found the answer', () => {
    const response = 'The answer is: 3\n\\boxed{4}';
    expect(extractAnswer(response)).toEqual({ extractor: 'wizardmath', text: '3' });
    expect(extractAnswer(response, ['boxed', 'wizardmath'])).toEqual({ extractor: 'boxed', text: '4' });
    expect(extractAnswer('nothing here')).toBeNull();
  });
});

describe('reduceGold', () => {
  it('reduces a full solution to its final answer: `####` first, else the last \\boxed{}', () => {
    expect(reduceGold('Janet sells 9 eggs.\n#### 18')).toBe('18');
    expect(reduceGold('So the area is $\\boxed{90\\text{ square units}}$.')).toBe('90\\text{ square units}');
    expect(reduceGold(' 42 ')).toBe('42');
  });

  it('is null for an empty gold or a marker with nothing after it', () => {
    expect(reduceGold('')).toBeNull();
    expect(reduceGold('#### ')).toBeNull();
    expect(reduceGold('\\boxed{5')).toBeNull();
  });
});
