import { describe, expect, it } from 'vitest';
import {
  add,
  binomial,
  divide,
  exactSquareRoot,
  factorial,
  floor,
  formatRational,
  isReduced,
  MAX_FACTORIAL,
  parseDecimal,
  parseInBase,
  power,
  type Rational,
  rational,
  repeatingDecimal,
  toNumber,
} from './rational.js';

const show = (value: Rational | null) => (value ? formatRational(value) : null);

describe('rationals', () => {
  it('reduces and keeps the sign on the numerator', () => {
    expect(show(rational(6n, -4n))).toBe('-3/2');
    expect(rational(1n, 0n)).toBeNull();
    expect(isReduced(2n, 4n)).toBe(false);
    expect(isReduced(3n, 4n)).toBe(true);
  });

  it('parses decimals exactly: trailing zeros, leading dot, sign, exponent; never a float', () => {
    expect(show(parseDecimal('55.50'))).toBe('111/2');
    expect(show(parseDecimal('.5'))).toBe('1/2');
    expect(show(parseDecimal('-0.125'))).toBe('-1/8');
    expect(show(parseDecimal('+3'))).toBe('3');
    expect(show(parseDecimal('1.5e3'))).toBe('1500');
    expect(show(parseDecimal('0.1'))).toBe('1/10');
    expect(show(parseDecimal('0.333'))).not.toBe('1/3');
    expect(parseDecimal('1.2.3')).toBeNull();
    expect(parseDecimal('')).toBeNull();
    // Beyond 2^53: exact, not rounded.
    expect(show(parseDecimal('9007199254740993'))).toBe('9007199254740993');
  });

  it('does exact arithmetic and declines what it cannot do exactly', () => {
    const half = rational(1n, 2n) as Rational;
    const third = rational(1n, 3n) as Rational;
    expect(show(add(half, third))).toBe('5/6');
    expect(divide(half, rational(0n) as Rational)).toBeNull();
    expect(show(power(half, -3n))).toBe('8');
    expect(power(rational(0n) as Rational, -1n)).toBeNull();
    // 10^(10^6) would take megabytes: declined (the caller falls back to floating point).
    expect(power(rational(10n) as Rational, 1_000_000n)).toBeNull();
    expect(show(power(rational(-1n) as Rational, 10n ** 12n))).toBe('1');
    expect(rational(2n ** 70_000n)).toBeNull();
    expect(show(divide(rational(1n) as Rational, rational(2n ** 60_000n) as Rational))).toBe(`1/${2n ** 60_000n}`);
    expect(show(exactSquareRoot(rational(9n, 4n) as Rational))).toBe('3/2');
    expect(exactSquareRoot(rational(2n) as Rational)).toBeNull();
    expect(show(exactSquareRoot(rational(10n ** 40n) as Rational))).toBe((10n ** 20n).toString());
  });

  it('computes factorials, binomials and floors exactly', () => {
    expect(show(factorial(rational(20n) as Rational))).toBe('2432902008176640000');
    expect(factorial(rational(BigInt(MAX_FACTORIAL + 1)) as Rational)).toBeNull();
    expect(factorial(rational(1n, 2n) as Rational)).toBeNull();
    expect(show(binomial(rational(52n) as Rational, rational(5n) as Rational))).toBe('2598960');
    expect(show(binomial(rational(3n) as Rational, rational(5n) as Rational))).toBe('0');
    expect(show(floor(rational(-7n, 2n) as Rational))).toBe('-4');
  });

  it('reads repeating decimals and numerals in a base', () => {
    expect(show(repeatingDecimal('0', '', '3'))).toBe('1/3');
    expect(show(repeatingDecimal('0', '1', '6'))).toBe('1/6');
    expect(show(parseInBase('1011', 2))).toBe('11');
    expect(show(parseInBase('0.0011', 2))).toBe('3/16');
    expect(show(parseInBase('A3', 16))).toBe('163');
    expect(parseInBase('19', 8)).toBeNull();
  });

  it('converts huge values to doubles without NaN', () => {
    const huge = rational(10n ** 400n + 1n, 10n ** 399n) as Rational;
    expect(toNumber(huge)).toBeCloseTo(10, 10);
  });
});
