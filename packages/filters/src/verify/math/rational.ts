/**
 * Exact rational numbers over `bigint`, for the strict grader's numeric path: a gold is never rounded
 * and never cast to an integer, so `55.50` equals `55.5` and `0.333` never equals `1/3`. Sizes are
 * capped (`MAX_RATIONAL_BITS`) so no answer can make the grader slow.
 */

/**
 * A rational `numerator / denominator` with a positive denominator. Small values are kept in lowest
 * terms; huge ones are not reduced (a gcd of two 30,000-bit numbers takes a tenth of a second), so
 * every comparison cross-multiplies.
 */
export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** Largest numerator or denominator, in bits, the exact path keeps; beyond it floating point decides. */
export const MAX_RATIONAL_BITS = 65_536;
/** Values up to this size are reduced to lowest terms (a gcd that cheap costs microseconds). */
const REDUCE_BITS = 2048;

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = absolute(a);
  let y = absolute(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** Bits of `value` (rounded up to a multiple of 4). */
function bits(value: bigint): number {
  return value === 0n ? 0 : absolute(value).toString(16).length * 4;
}

/**
 * `numerator / denominator`, reduced when small; null when the denominator is zero or a part exceeds
 * `MAX_RATIONAL_BITS`.
 */
export function rational(numerator: bigint, denominator = 1n): Rational | null {
  if (denominator === 0n) return null;
  const sizeTop = bits(numerator);
  const sizeBottom = bits(denominator);
  if (sizeTop > MAX_RATIONAL_BITS || sizeBottom > MAX_RATIONAL_BITS) return null;
  const sign = denominator < 0n ? -1n : 1n;
  if (denominator === 1n || denominator === -1n) return { numerator: sign * numerator, denominator: 1n };
  const divisor = sizeTop <= REDUCE_BITS || sizeBottom <= REDUCE_BITS ? gcd(numerator, denominator) || 1n : 1n;
  return { numerator: (sign * numerator) / divisor, denominator: (sign * denominator) / divisor };
}

/** Whether the literal fraction `numerator / denominator` is already in lowest terms. */
export function isReduced(numerator: bigint, denominator: bigint): boolean {
  return gcd(numerator, denominator) === 1n;
}

const ZERO: Rational = { numerator: 0n, denominator: 1n };
const ONE: Rational = { numerator: 1n, denominator: 1n };

/** `a + b`; null when the result exceeds `MAX_RATIONAL_BITS`. */
export function add(a: Rational, b: Rational): Rational | null {
  if (a.denominator === b.denominator) return rational(a.numerator + b.numerator, a.denominator);
  return rational(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator);
}

/** `a - b`; null when the result exceeds `MAX_RATIONAL_BITS`. */
export function subtract(a: Rational, b: Rational): Rational | null {
  return add(a, negate(b));
}

/** `a · b`; null when the result exceeds `MAX_RATIONAL_BITS`. */
export function multiply(a: Rational, b: Rational): Rational | null {
  return rational(a.numerator * b.numerator, a.denominator * b.denominator);
}

/** `a / b`; null when `b` is zero. */
export function divide(a: Rational, b: Rational): Rational | null {
  return rational(a.numerator * b.denominator, a.denominator * b.numerator);
}

/** `-a`. */
export function negate(a: Rational): Rational {
  return { numerator: -a.numerator, denominator: a.denominator };
}

/** Whether `a` and `b` are the same number (by cross-multiplication: huge values are not reduced). */
export function equals(a: Rational, b: Rational): boolean {
  if (a.denominator === b.denominator) return a.numerator === b.numerator;
  return a.numerator * b.denominator === b.numerator * a.denominator;
}

/** Whether `a` is a whole number. */
export function isInteger(a: Rational): boolean {
  return a.numerator % a.denominator === 0n;
}

/**
 * `base ^ exponent` for an integer exponent; null when undefined (`0^-1`) or when the result would
 * exceed `MAX_RATIONAL_BITS` (the caller falls back to floating point).
 */
export function power(base: Rational, exponent: bigint): Rational | null {
  if (exponent === 0n) return ONE;
  if (isInteger(base) && absolute(base.numerator / base.denominator) <= 1n) {
    // 0, 1 and -1: the result is known without multiplying, whatever the exponent.
    const value = base.numerator / base.denominator;
    if (value === 0n) return exponent > 0n ? ZERO : null;
    return { numerator: value < 0n && absolute(exponent) % 2n === 0n ? 1n : value, denominator: 1n };
  }
  const size = Math.max(bits(base.numerator), bits(base.denominator));
  if (Number(absolute(exponent)) * (size - 3) > MAX_RATIONAL_BITS) return null;
  const magnitude = absolute(exponent);
  const result = rational(base.numerator ** magnitude, base.denominator ** magnitude);
  if (!result) return null;
  return exponent < 0n ? divide(ONE, result) : result;
}

/** The exact square root when numerator and denominator are perfect squares; null otherwise. */
export function exactSquareRoot(a: Rational): Rational | null {
  if (a.numerator < 0n) return null;
  const top = integerSquareRoot(a.numerator);
  const bottom = integerSquareRoot(a.denominator);
  if (top * top !== a.numerator || bottom * bottom !== a.denominator) return null;
  return rational(top, bottom);
}

function integerSquareRoot(value: bigint): bigint {
  if (value < 2n) return value;
  // Newton's method from a power of two above the root: exact for any size.
  let x = 1n << BigInt(Math.ceil(bits(value) / 2) + 1);
  for (;;) {
    const next = (x + value / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

/** Largest `n` for which `n!` is computed exactly. */
export const MAX_FACTORIAL = 3000;

/** `n!` for an integer 0 ≤ n ≤ `MAX_FACTORIAL`; null otherwise. */
export function factorial(a: Rational): Rational | null {
  if (!isInteger(a)) return null;
  const n = a.numerator / a.denominator;
  if (n < 0n || n > BigInt(MAX_FACTORIAL)) return null;
  let result = factorials.get(n);
  if (result === undefined) {
    result = 1n;
    for (let k = 2n; k <= n; k++) result *= k;
    // A few recent results, so an answer repeating `3000!` costs one computation.
    if (factorials.size >= 8) factorials.clear();
    factorials.set(n, result);
  }
  return { numerator: result, denominator: 1n };
}

const factorials = new Map<bigint, bigint>();

/** `n choose k` for integers with 0 ≤ k ≤ n ≤ `MAX_FACTORIAL`; 0 when k > n ≥ 0; null otherwise. */
export function binomial(n: Rational, k: Rational): Rational | null {
  if (!isInteger(n) || !isInteger(k)) return null;
  const top = n.numerator / n.denominator;
  const chosen = k.numerator / k.denominator;
  if (top < 0n || chosen < 0n || top > BigInt(MAX_FACTORIAL)) return null;
  if (chosen > top) return ZERO;
  let result = 1n;
  const pick = chosen < top - chosen ? chosen : top - chosen;
  for (let index = 1n; index <= pick; index++) result = (result * (top - pick + index)) / index;
  return { numerator: result, denominator: 1n };
}

/** The largest integer ≤ `a`. */
export function floor(a: Rational): Rational {
  const quotient = a.numerator / a.denominator;
  const adjusted = a.numerator < 0n && quotient * a.denominator !== a.numerator ? quotient - 1n : quotient;
  return { numerator: adjusted, denominator: 1n };
}

/** The smallest integer ≥ `a`. */
export function ceiling(a: Rational): Rational {
  return negate(floor(negate(a)));
}

/** `|a|`. */
export function absoluteValue(a: Rational): Rational {
  return a.numerator < 0n ? negate(a) : a;
}

/**
 * Parses a plain decimal literal (`12`, `-0.50`, `.5`, `1.5e-3`); null for anything else. Exact: the
 * digits become a rational, never a float.
 */
export function parseDecimal(text: string): Rational | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/.exec(text);
  if (!match) return null;
  const [, sign = '', whole = '', fraction = '', exponentText] = match;
  if (whole === '' && fraction === '') return null;
  let numerator = BigInt(`${whole}${fraction}` || '0');
  let denominator = 10n ** BigInt(fraction.length);
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > 10_000) return null;
  if (exponent > 0) numerator *= 10n ** BigInt(exponent);
  if (exponent < 0) denominator *= 10n ** BigInt(-exponent);
  if (sign === '-') numerator = -numerator;
  return rational(numerator, denominator);
}

/**
 * A repeating decimal `whole.prefix(repeat)` (`0.\overline{3}` = 1/3), exact; null when `repeat` is
 * empty.
 */
export function repeatingDecimal(whole: string, prefix: string, repeat: string): Rational | null {
  if (repeat === '' || !/^\d*$/.test(whole + prefix + repeat)) return null;
  const shifted = BigInt(`${whole}${prefix}${repeat}` || '0') - BigInt(`${whole}${prefix}` || '0');
  const denominator = (10n ** BigInt(repeat.length) - 1n) * 10n ** BigInt(prefix.length);
  return rational(shifted, denominator);
}

/** Value of a numeral written in `base` (2–36), digits `0-9a-z`, optional fraction part; null if a digit is out of range. */
export function parseInBase(digits: string, base: number): Rational | null {
  if (base < 2 || base > 36) return null;
  const match = /^([0-9a-zA-Z]+)(?:\.([0-9a-zA-Z]+))?$/.exec(digits);
  if (!match) return null;
  const [, whole = '', fraction = ''] = match;
  const bigBase = BigInt(base);
  let numerator = 0n;
  for (const character of whole + fraction) {
    const digit = Number.parseInt(character, 36);
    if (Number.isNaN(digit) || digit >= base) return null;
    numerator = numerator * bigBase + BigInt(digit);
  }
  return rational(numerator, bigBase ** BigInt(fraction.length));
}

/** Nearest double (for the numeric path); ±Infinity when out of range. */
export function toNumber(a: Rational): number {
  const numerator = Number(a.numerator);
  const denominator = Number(a.denominator);
  if (Number.isFinite(numerator) && Number.isFinite(denominator)) return numerator / denominator;
  // Both huge: scale down by the same power of two before dividing.
  const shift = BigInt(Math.max(0, Math.max(bits(a.numerator), bits(a.denominator)) - 1000));
  return Number(a.numerator >> shift) / Number(a.denominator >> shift);
}

/** `7/2`, `-3`: the display form (in lowest terms). */
export function formatRational(a: Rational): string {
  const divisor = gcd(a.numerator, a.denominator) || 1n;
  const numerator = a.numerator / divisor;
  const denominator = a.denominator / divisor;
  return denominator === 1n ? numerator.toString() : `${numerator}/${denominator}`;
}
