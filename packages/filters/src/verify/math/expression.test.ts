import { describe, expect, it } from 'vitest';
import { complex } from './complex.js';
import { exactValue, numericValue } from './evaluate.js';
import { parseExpression, variablesOf } from './expression.js';
import { formatRational } from './rational.js';

function exact(text: string): string | null {
  const expression = parseExpression(text);
  if (!expression) throw new Error(`did not parse: ${text}`);
  const value = exactValue(expression);
  return value ? formatRational(value) : null;
}

function numeric(text: string, variables: Record<string, number> = {}): number {
  const expression = parseExpression(text);
  if (!expression) throw new Error(`did not parse: ${text}`);
  const value = numericValue(expression, new Map(Object.entries(variables).map(([name, x]) => [name, complex(x)])));
  return value.re;
}

describe('parseExpression + exactValue', () => {
  it.each([
    ['\\frac{3}{4}', '3/4'],
    ['\\frac47', '4/7'],
    ['\\frac{\\frac12}{3}', '1/6'],
    ['2^{10}', '1024'],
    ['2^10', '1024'],
    ['2^{-2}', '1/4'],
    ['-3^2', '-9'],
    ['(-3)^2', '9'],
    ['+5', '5'],
    ['2(3+4)', '14'],
    ['3 \\cdot 4 \\div 6', '2'],
    ['6/4', '3/2'],
    ['\\sqrt{16}', '4'],
    ['\\sqrt{\\frac{9}{4}}', '3/2'],
    ['|-3|', '3'],
    ['\\lfloor 7/2 \\rfloor', '3'],
    ['\\lceil 7/2 \\rceil', '4'],
    ['5!', '120'],
    ['\\binom{5}{2}', '10'],
    ['0.\\overline{3}', '1/3'],
    ['0.1\\overline{6}', '1/6'],
    ['1.5e3', '1500'],
  ])('%s = %s', (text, value) => {
    expect(exact(text)).toBe(value);
  });

  it('declines an exact value for irrational, symbolic and enormous expressions', () => {
    expect(exact('\\sqrt{2}')).toBeNull();
    expect(exact('\\pi')).toBeNull();
    expect(exact('2x')).toBeNull();
    expect(exact('10^{10^{10}}')).toBeNull();
    expect(exact('99999999!')).toBeNull();
  });
});

describe('parseExpression + numericValue', () => {
  it('follows LaTeX argument rules and implicit multiplication', () => {
    expect(numeric('\\sqrt3x', { x: 2 })).toBeCloseTo(2 * Math.sqrt(3), 12);
    expect(numeric('\\frac{\\sqrt6}3')).toBeCloseTo(Math.sqrt(6) / 3, 12);
    expect(numeric('2\\pi r', { r: 3 })).toBeCloseTo(6 * Math.PI, 12);
    expect(numeric('x_1 + x_{2}', { 'x_{1}': 1, 'x_{2}': 2 })).toBe(3);
  });

  it('evaluates functions: powers of functions, log bases, inverse trig, n-th roots', () => {
    expect(numeric('\\sin^2 x + \\cos^2 x', { x: 0.7 })).toBeCloseTo(1, 12);
    expect(numeric('\\sin 2x', { x: 0.3 })).toBeCloseTo(Math.sin(0.6), 12);
    expect(numeric('\\log_2 8')).toBeCloseTo(3, 12);
    expect(numeric('\\ln e^{2}')).toBeCloseTo(2, 12);
    expect(numeric('\\tan^{-1} 1')).toBeCloseTo(Math.PI / 4, 12);
    expect(numeric('\\sqrt[3]{-8}')).toBeCloseTo(-2, 12);
    expect(numeric('\\operatorname{arccos} 0')).toBeCloseTo(Math.PI / 2, 12);
  });

  it('uses complex arithmetic: i² = -1 and square roots of negatives', () => {
    const expression = parseExpression('\\sqrt{-4}');
    expect(expression && numericValue(expression, new Map())).toEqual({ re: 0, im: 2 });
    expect(numeric('i^2')).toBe(-1);
    expect(numeric('e^{i\\pi}')).toBeCloseTo(-1, 12);
  });

  it('collects variables, treating e and i as constants', () => {
    const expression = parseExpression('a x^2 + e + i + \\theta');
    expect(expression && [...variablesOf(expression)].sort()).toEqual(['\\theta', 'a', 'x']);
  });

  it('fails (null) instead of guessing', () => {
    for (const text of ['\\frac', '\\sqrt', '3\\frac', '\\foo{1}', '(1', '1)', '2 +', '\\frac{1}', "f'(x)", '1 = 2', ''])
      expect(parseExpression(text), text).toBeNull();
    expect(parseExpression('('.repeat(5000) + '1' + ')'.repeat(5000))).toBeNull();
  });
});
