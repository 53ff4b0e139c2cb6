import { describe, expect, it } from 'vitest';
import { compactAnswer, normalizeAnswer } from './normalize.js';

describe('normalizeAnswer', () => {
  it.each([
    ['math delimiters', '$\\frac{1}{2}$', '\\frac{1}{2}'],
    ['\\( \\)', '\\(x+1\\)', 'x+1'],
    ['a boxed answer', 'The answer is $\\boxed{7}$', '7'],
    ['\\left and \\right as commands', '\\left( 3, 4 \\right]', '( 3, 4 ]'],
    ['\\left. as an invisible delimiter', '\\left. x \\right|', 'x |'],
    ['sizing commands', '\\Big( 1 \\Big)', '( 1 )'],
    ['\\dfrac and \\tfrac', '\\dfrac{3}{4} + \\tfrac12', '\\frac{3}{4} + \\frac12'],
    ['\\dbinom', '\\dbinom{5}{2}', '\\binom{5}{2}'],
    ['thousands with a comma', '1,000,000', '1000000'],
    ['thousands with ,\\!', '12,\\!000,\\!085', '12000085'],
    ['thousands with {,}', '90{,}900{,}909', '90900909'],
    ['thousands inside a fraction', '\\frac{12}{5,\\!525}', '\\frac{12}{5525}'],
    ['a coordinate pair keeps its comma', '(100,200)', '(100,200)'],
    ['a list keeps its commas', '4,6,14,15', '4,6,14,15'],
    ['dollar signs', '\\$1,234.50', '1234.50'],
    ['a percent sign', '44\\%', '44'],
    ['a plain percent sign', '7.2%', '7.2'],
    ['degrees', '45^\\circ', '45'],
    ['degrees in braces', '180^{\\circ}', '180'],
    ['a unit in \\text', '81\\text{ teachers}', '81'],
    ['a squared unit', '440\\text{ cm}^2', '440'],
    ['a unit split over lines', '90\\text{ square\nunits}', '90'],
    ['\\mbox', '864 \\mbox{ inches}^2', '864'],
    ['a plain unit word', '12 gm', '12'],
    ['a unit after an expression', '4\\pi cm', '4\\pi'],
    ['nouns after a number', '18 eggs.', '18'],
    ['a time of day stays', '9\\text{ a.m.}', '9 a.m'],
    ['a whole \\text answer', '\\text{June 20}', 'June 20'],
    ['a choice letter', '\\text{(B)}', '(B)'],
    ['spacing commands', '1\\,\\!2\\;x\\quad y', '1 2 x y'],
    ['a trailing sentence period', '5.', '5'],
    ['Unicode operators', '3 × 4 − π', '3 \\times 4 - \\pi'],
    ['and/or between items', 'x = 1 \\text{ or } x = 2', 'x = 1,x = 2'],
    ['plain-text pi and sqrt', '2 pi + sqrt(3)', '2 \\pi + \\sqrt(3)'],
    ['</s>', '5</s>', '5'],
  ])('%s: %j → %j', (_name, input, expected) => {
    expect(normalizeAnswer(input)).toBe(expected);
  });

  it('never turns \\left into \\le and never deletes a unit inside a word or a command', () => {
    expect(normalizeAnswer('\\left(2, 3\\right)')).not.toContain('\\le');
    expect(normalizeAnswer('x \\leftarrow y')).toContain('\\leftarrow');
    expect(normalizeAnswer('\\sec x')).toBe('\\sec x');
    expect(normalizeAnswer('soft')).toBe('soft');
    expect(normalizeAnswer('5 m')).toBe('5 m');
  });

  it('keeps mathematics after a number (`2 pi` is not `2`)', () => {
    expect(normalizeAnswer('2 x')).toBe('2 x');
  });
});

describe('compactAnswer', () => {
  it('removes spaces except between letters or digits', () => {
    expect(compactAnswer('( 1, 2 )')).toBe('(1,2)');
    expect(compactAnswer('\\pi r')).toBe('\\pi r');
    expect(compactAnswer('1 2')).toBe('1 2');
  });
});
