import { describe, expect, it } from 'vitest';
import { parseLatex } from './latex-parser.js';
import { sympyEqual, sympyNumeric } from './sympy-equal.js';

/** The value SymPy's `parse_latex(text)` evaluates to, `'ERR'` when it raises, `'symbolic'` otherwise. */
function reading(text: string): number | 'ERR' | 'symbolic' {
  const parsed = parseLatex(text);
  if (!parsed.ok) return 'ERR';
  return sympyNumeric(parsed.node) ?? 'symbolic';
}

function equal(a: string, b: string): boolean {
  const x = parseLatex(a);
  const y = parseLatex(b);
  if (!x.ok || !y.ok) throw new Error(`does not parse: ${a} / ${b}`);
  return sympyEqual(x.node, y.node);
}

// Every expectation below is what SymPy's parse_latex gives for the same string.
describe('parse_latex emulation: numbers (ANTLR prediction quirks)', () => {
  it.each([
    ['528.', 10], // 5·2: a dangling `.` costs the last digit, the rest split into single digits
    ['10.', 1],
    ['1234.', 6],
    ['0.6666...', 0.666],
    ['1.12.1', 1.1 * 2.1],
    ['12,345.', 12],
    ['1,000', 1000],
    ['1,2345', 1234 * 5],
    ['12,5', 12],
    ['5 28', 528],
    ['00', 0],
  ] as const)('%s reads as %s', (text, value) => {
    expect(reading(text)).toBeCloseTo(value, 12);
  });

  it.each(['7.', '3+1.', '2^3.', '2 x^2.', '(528.)', '05', '\\text{1:03 PM}'])('%s fails', (text) => {
    expect(reading(text)).toBe('ERR');
  });
});

describe('parse_latex emulation: what it stops at and what it ignores', () => {
  it.each([
    ['A,B', 'A'],
    ['A,B%', 'A'],
    ['3+', '3'],
    ['3+12.', '4'],
    ['1+\\sqrt5', '1'],
    ['2(3', '2'],
    ['2(2.)', '2'],
    ['x^{2.}', 'x'],
    ['2 a_<', '2'],
    ['x^', 'x'],
    ['3)', '3'],
    ['2x3', '6'],
    ['\\log_28', '3'],
    ['\\frac12', '0.5'],
    ['\\sqrt[3]{8}', '2'],
    ['\\binom{5}{2}', '10'],
    ['|-3|', '3'],
    ['5!', '120'],
    ['3=4=5', '3=4=5'],
  ])('%s reads as %s', (text, same) => {
    expect(parseLatex(text).ok).toBe(true);
    if (!text.includes('=')) expect(equal(text, same)).toBe(true);
  });

  it.each([
    '12%',
    '3 %',
    '\\$5',
    '\\162',
    'x=',
    'x_',
    '1+a_<',
    '-\\sqrt5',
    '(1,2)',
    '\\frac1',
    'f(2)<f(1)<f(4)',
    '\\frac{d}{dx}',
    '\\int',
    '',
  ])('%s fails', (text) => {
    expect(parseLatex(text).ok).toBe(false);
  });

  it('reads letters as a product of symbols, `\\text` included, and `x(3)` as a function', () => {
    expect(equal('None', 'N o n e')).toBe(true);
    expect(equal('\\text{cm}', '\\mathit{text} c m')).toBe(true);
    expect(equal('x(3)', '3x')).toBe(false);
  });
});

describe('simplify(a - b) == 0 emulation', () => {
  it.each([
    ['55.50', '55.5', true],
    ['\\frac{1}{2}', '0.5', true],
    ['0.1+0.2', '0.3', false],
    ['3.3333333333333335', '\\frac{10}{3}', false],
    ['0.09090909090909091', '\\frac{1}{11}', true],
    ['2\\sqrt{2}', '\\sqrt{8}', true],
    ['x^2-1', '(x-1)(x+1)', true],
    ['\\frac{x^2-1}{x-1}', 'x+1', true],
    ['\\sin^2x+\\cos^2x', '1', true],
    ['\\pi', '3.14159265358979', false],
    ['3/0', '3/0', true],
    ['\\frac{1}{0}', '\\frac{1}{0}', false],
    ['\\infty', '\\infty', false],
    ['x<3', 'x<3', false],
    ['\\int x dx', '\\int x dx', true],
  ] as const)('%s vs %s: %s', (a, b, expected) => {
    expect(equal(a, b)).toBe(expected);
  });
});
