import { describe, expect, it } from 'vitest';
import { normalizeFinalAnswer } from './minerva-normalize.js';
import { integerRatio, pyFloat, pyInt, pyIsClose, pyIsDigit, pyRound, pyStrip } from './python-text.js';
import { wizardMathStripString } from './wizardmath-strip.js';

describe('Python semantics', () => {
  it('round() is half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5001].map(pyRound)).toEqual([0, 2, 2, 0, -2, 2, 3]);
  });

  it('float() and int() accept what Python accepts, and only that', () => {
    expect([' 1_000.5 ', '.5', '5.', '1e3', '-inf', '٣'].map(pyFloat)).toEqual([1000.5, 0.5, 5, 1000, Number.NEGATIVE_INFINITY, 3]);
    expect(['', '0x10', '1,000', '1__0', '$5'].map(pyFloat)).toEqual([null, null, null, null, null]);
    expect(['007', ' -3 ', '1.0', '3/4'].map(pyInt)).toEqual([7n, -3n, null, null]);
  });

  it('isdigit() counts superscripts, strip() Python whitespace', () => {
    expect(pyIsDigit('12²')).toBe(true);
    expect(pyIsDigit('1.5')).toBe(false);
    expect(pyIsDigit('')).toBe(false);
    expect(pyStrip('\u001c 5\u00a0')).toBe('5');
  });

  it('isclose() is relative and symmetric; integer division rounds once', () => {
    expect(pyIsClose(100, 100.009, 1e-4)).toBe(true);
    expect(pyIsClose(0, 1e-300, 1e-4)).toBe(false);
    expect(integerRatio(1n, 3n)).toBe(1 / 3);
    expect(integerRatio(2n ** 60n + 1n, -2n)).toBe(-(2 ** 59));
  });
});

describe("Minerva's normalize_final_answer", () => {
  it.each([
    ['x = \\$18.00', '18.00'],
    ['\\text{(A)}', '(A)'],
    ['\\boxed{\\frac12}', '\\frac{1}{2}'],
    ['\\sqrt2', '\\sqrt{2}'],
    ['100,000', '100000'],
    ['5 cm', '5'],
    ['\\left(1,2\\right)', '\\le(1,2\\right)'],
    ['$3$ ways', '3'],
  ])('%s → %s', (input, output) => {
    expect(normalizeFinalAnswer(input)).toBe(output);
  });

  it("Abel's variant turns `\\%` into `%`", () => {
    expect(normalizeFinalAnswer('40\\%', { percentEscape: true })).toBe('40%');
    expect(normalizeFinalAnswer('40\\%')).toBe('40\\%');
  });
});

describe("WizardMath's strip_string", () => {
  it('normalizes like Hendrycks: units, `\\dfrac`, shorthand fractions, `0.5`, `a/b`', () => {
    expect(wizardMathStripString('\\dfrac{1}{2}')).toEqual({ ok: true, value: '\\frac{1}{2}' });
    expect(wizardMathStripString('5\\text{ cm}')).toEqual({ ok: true, value: '5' });
    expect(wizardMathStripString('0.5')).toEqual({ ok: true, value: '\\frac{1}{2}' });
    expect(wizardMathStripString('3/4')).toEqual({ ok: true, value: '\\frac{3}{4}' });
    expect(wizardMathStripString('k = .5')).toEqual({ ok: true, value: '\\frac{1}{2}' });
  });

  it('raises where the Python raises', () => {
    expect(wizardMathStripString('\\pi/2').ok).toBe(false);
    expect(wizardMathStripString('2\\sqrt').ok).toBe(false);
    expect(wizardMathStripString('\\text{ a}\\text{ b}').ok).toBe(false);
    expect(wizardMathStripString('\\fracx')).toEqual({ ok: true, value: '\\fracx' });
  });
});
