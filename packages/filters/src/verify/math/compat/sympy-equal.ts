/**
 * What the reference graders ask SymPy — `simplify(a - b) == 0` and `N(a)` — answered without
 * SymPy. Each side becomes a quotient of polynomials whose variables are the symbols and any
 * sub-expression the algebra cannot open (`sin(x)`, `x^{1/2}`, `f(3)`), kept as an opaque term with a
 * canonical key; the difference is zero when its numerator cancels. Coefficients follow SymPy's
 * number tower: integers and rationals exact (`0.333` never equals `1/3`), a decimal literal is a
 * `Float` compared bit for bit after IEEE arithmetic (`55.50` − `55.5` is 0, `0.1 + 0.2` − `0.3` is
 * not), and irrational constants (`\sqrt{2}`, `\sin 1`) are approximated and equal within 1e-12
 * relative, standing in for SymPy's exact simplification. A decimal literal of more than 15
 * significant digits keeps them (SymPy's `Float` precision), so `3.3333333333333335` ≠ `10/3`.
 * `\infty`, `nan` and relations make the difference non-zero, as in SymPy (`\infty - \infty` is
 * `nan`); a division by zero stays an opaque term, so only an identical one cancels it (`3/0` = `3/0`).
 * A difference left with functions or roots of symbols (sin²x + cos²x − 1) is decided at six
 * sample points instead, where SymPy's `simplify` would usually prove it.
 */
import { integerRatio } from './python-text.js';
import { printNode, type SympyNode } from './sympy-node.js';

/** Relative tolerance for coefficients that went through an irrational approximation. */
const IRRATIONAL_TOLERANCE = 1e-12;
/** Largest exact power computed (bits of the result); beyond it the power stays opaque. */
const MAX_EXACT_POWER_BITS = 100_000;
/** Largest integer exponent expanded on a polynomial. */
const MAX_EXPANDED_EXPONENT = 64;
/** Largest polynomial (in terms) an expansion may build; a bigger power stays opaque. */
const MAX_EXPANDED_TERMS = 1_000;
/** Largest argument of an exact factorial or binomial. */
const MAX_EXACT_FACTORIAL = 3_000;

/**
 * A coefficient: an exact rational, or a SymPy `Float` of more than 53 bits held exactly as the
 * binary number it is (`precision` in bits), or an IEEE double (`literal` when a decimal literal
 * went into it, so it compares bit for bit; otherwise an irrational approximation, with `scale` the
 * magnitude its rounding error is relative to).
 */
type Coef =
  | { readonly kind: 'exact'; readonly n: bigint; readonly d: bigint; readonly precision?: number }
  | { readonly kind: 'float'; readonly value: number; readonly literal: boolean; readonly scale: number };
type Mono = readonly (readonly [string, number])[];
interface Term {
  readonly mono: Mono;
  readonly coef: Coef;
}
type Poly = ReadonlyMap<string, Term>;
interface Frac {
  readonly num: Poly;
  readonly den: Poly;
}

type SpecialKind = 'zoo' | 'nan' | 'oo' | '-oo' | 'relation' | 'unsupported';
class Special extends Error {
  override readonly name = 'Special';
  constructor(readonly special: SpecialKind) {
    super(special);
  }
}

/**
 * SymPy's `simplify(a - b) == 0`. False when either side is a relation, involves `zoo`/`nan`/`oo`, or
 * the difference does not cancel; trees with an unsupported construct compare by their text.
 */
export function sympyEqual(a: SympyNode, b: SympyNode): boolean {
  // A bare `0^{-1}` (`\frac{1}{0}`) becomes `zoo` as soon as SymPy negates it; inside a product it
  // survives unevaluated and cancels against an identical one (`3/0` = `3/0`).
  if (isBareZeroPower(a) || isBareZeroPower(b)) return false;
  try {
    const difference = fracSub(evaluate(a), evaluate(b));
    if (isZeroPoly(difference.num)) return true;
    // Identities through functions or roots of symbols (sin²x + cos²x, √(x²)·…): SymPy's simplify
    // proves most of them; stand in with agreement at sample points.
    return hasTranscendentalTerm(difference.num) && agreeAtSamplePoints(a, b);
  } catch (error) {
    if (!(error instanceof Special)) return false;
    if (error.special === 'unsupported') return printNode(a) === printNode(b);
    return false;
  }
}

function isBareZeroPower(node: SympyNode): boolean {
  return node.kind === 'pow' && node.base.kind === 'integer' && node.base.value === 0n && (sympyNumeric(node.exponent) ?? 0) < 0;
}

/**
 * SymPy's `N(expr)` as a float: null when the value is not a real number (it has symbols, is a
 * relation, or `zoo`/`nan`); `\infty` gives `Infinity`.
 */
export function sympyNumeric(node: SympyNode): number | null {
  if (node.kind === 'infinity') return Number.POSITIVE_INFINITY;
  if (node.kind === 'neg' && node.operand.kind === 'infinity') return Number.NEGATIVE_INFINITY;
  try {
    const form = evaluate(node);
    if (!isConstant(form)) return null;
    const value = coefNumber(constant(form));
    return Number.isNaN(value) ? null : value;
  } catch {
    return null;
  }
}

// ── sample-point check for transcendental identities ───────────────────────────────────────────

/** Points at which two expressions with symbols are compared, and how many must be defined. */
const SAMPLE_POINTS = 6;
const MIN_DEFINED_POINTS = 3;
const SAMPLE_TOLERANCE = 1e-9;

function hasTranscendentalTerm(poly: Poly): boolean {
  for (const term of poly.values()) {
    if (coefIsZero(term.coef)) continue;
    for (const [generator] of term.mono) if (!/^(s:|zoo:|fn:)/.test(generator) && generator.includes('s:')) return true;
  }
  return false;
}

function symbolNames(node: SympyNode, names: Set<string>): Set<string> {
  switch (node.kind) {
    case 'symbol':
      names.add(node.name);
      break;
    case 'add':
    case 'mul':
    case 'relation':
      symbolNames(node.left, names);
      symbolNames(node.right, names);
      break;
    case 'pow':
      symbolNames(node.base, names);
      symbolNames(node.exponent, names);
      break;
    case 'neg':
      symbolNames(node.operand, names);
      break;
    case 'call':
      for (const argument of node.args) symbolNames(argument, names);
      break;
  }
  return names;
}

/** A deterministic value in [0.55, 1.95] for symbol `index` at point `point`. */
function sample(point: number, index: number): number {
  const x = Math.sin((point + 1) * 12.9898 + (index + 1) * 78.233) * 43758.5453;
  return 0.55 + (x - Math.floor(x)) * 1.4;
}

function agreeAtSamplePoints(a: SympyNode, b: SympyNode): boolean {
  const names = [...symbolNames(b, symbolNames(a, new Set()))];
  let defined = 0;
  for (let point = 0; point < SAMPLE_POINTS; point++) {
    const values = new Map(names.map((name, index) => [name, sample(point, index)]));
    const x = valueAt(a, values);
    const y = valueAt(b, values);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (Math.abs(x - y) > SAMPLE_TOLERANCE * Math.max(1, Math.abs(x), Math.abs(y))) return false;
    defined++;
  }
  return defined >= MIN_DEFINED_POINTS;
}

/** The real value of a tree with its symbols set (NaN where undefined). */
function valueAt(node: SympyNode, values: ReadonlyMap<string, number>): number {
  switch (node.kind) {
    case 'integer':
      return Number(node.value);
    case 'float':
      return node.value;
    case 'symbol':
      return values.get(node.name) ?? Number.NaN;
    case 'add':
      return valueAt(node.left, values) + valueAt(node.right, values);
    case 'mul':
      return valueAt(node.left, values) * valueAt(node.right, values);
    case 'neg':
      return -valueAt(node.operand, values);
    case 'pow':
      return valueAt(node.base, values) ** valueAt(node.exponent, values);
    case 'call': {
      const args = node.args.map((argument) => valueAt(argument, values));
      const [x = Number.NaN, y = Number.NaN] = args;
      if (node.name === 'E') return Math.E;
      if (node.name === 'pi') return Math.PI;
      if (node.name === 'log') return Math.log(x) / Math.log(y);
      if (node.name === 'Abs') return Math.abs(x);
      if (node.name === 'floor') return Math.floor(x);
      if (node.name === 'ceiling') return Math.ceil(x);
      if (node.name === 'conjugate') return x;
      return APPROXIMATE[node.name]?.(x) ?? Number.NaN;
    }
    default:
      return Number.NaN;
  }
}

// ── coefficients ─────────────────────────────────────────────────────────────────────────────────

const ZERO: Coef = { kind: 'exact', n: 0n, d: 1n };
const ONE: Coef = { kind: 'exact', n: 1n, d: 1n };

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function exact(n: bigint, d = 1n): Coef {
  if (d === 0n) throw new Special(n === 0n ? 'nan' : 'zoo');
  const divisor = gcd(n, d) || 1n;
  const sign = d < 0n ? -1n : 1n;
  return { kind: 'exact', n: (sign * n) / divisor, d: (sign * d) / divisor };
}

function float(value: number, literal: boolean, scale = Math.abs(value)): Coef {
  if (Number.isNaN(value)) throw new Special('nan');
  return { kind: 'float', value, literal, scale };
}

function bitLength(value: bigint): number {
  return abs(value).toString(2).length;
}

function coefNumber(coef: Coef): number {
  return coef.kind === 'exact' ? integerRatio(coef.n, coef.d) : coef.value;
}

function coefScale(coef: Coef): number {
  return coef.kind === 'exact' ? Math.abs(coefNumber(coef)) : Math.max(coef.scale, Math.abs(coef.value));
}

function isLiteral(coef: Coef): boolean {
  return coef.kind === 'float' && coef.literal;
}

/** Rounds `n / d` to the nearest binary number with a `precision`-bit mantissa (ties to even), as mpmath does. */
function roundToPrecision(n: bigint, d: bigint, precision: number): Coef {
  if (n === 0n) return { kind: 'exact', n: 0n, d: 1n, precision };
  const magnitude = abs(n);
  const bits = BigInt(precision);
  let shift = bitLength(magnitude) - bitLength(d) - precision;
  const quotient = (by: number) => (by >= 0 ? [magnitude, d << BigInt(by)] : [magnitude << BigInt(-by), d]) as [bigint, bigint];
  let [numerator, denominator] = quotient(shift);
  let mantissa = numerator / denominator;
  const rescale = (by: number) => {
    shift = by;
    [numerator, denominator] = quotient(shift);
    mantissa = numerator / denominator;
  };
  while (mantissa >= 1n << bits) rescale(shift + 1);
  while (mantissa < 1n << (bits - 1n)) rescale(shift - 1);
  const twiceRemainder = 2n * (numerator - mantissa * denominator);
  if (twiceRemainder > denominator || (twiceRemainder === denominator && (mantissa & 1n) === 1n)) mantissa += 1n;
  const signed = n < 0n ? -mantissa : mantissa;
  const [numeratorOut, denominatorOut] = shift >= 0 ? [signed << BigInt(shift), 1n] : [signed, 1n << BigInt(-shift)];
  const divisor = gcd(numeratorOut, denominatorOut);
  return { kind: 'exact', n: numeratorOut / divisor, d: denominatorOut / divisor, precision };
}

/** Both operands at the working precision when either is a wide `Float` (null when neither is). */
function widened(a: Coef & { kind: 'exact' }, b: Coef & { kind: 'exact' }): number | null {
  if (a.precision === undefined && b.precision === undefined) return null;
  return Math.max(a.precision ?? 0, b.precision ?? 0);
}

function atPrecision(a: Coef & { kind: 'exact' }, precision: number): Coef & { kind: 'exact' } {
  return a.precision === precision ? a : (roundToPrecision(a.n, a.d, precision) as Coef & { kind: 'exact' });
}

function coefAdd(a: Coef, b: Coef): Coef {
  if (a.kind === 'exact' && b.kind === 'exact') {
    const precision = widened(a, b);
    if (precision === null) return exact(a.n * b.d + b.n * a.d, a.d * b.d);
    const x = atPrecision(a, precision);
    const y = atPrecision(b, precision);
    return roundToPrecision(x.n * y.d + y.n * x.d, x.d * y.d, precision);
  }
  return float(coefNumber(a) + coefNumber(b), isLiteral(a) || isLiteral(b), Math.max(coefScale(a), coefScale(b)));
}

function coefMul(a: Coef, b: Coef): Coef {
  if (a.kind === 'exact' && b.kind === 'exact') {
    const precision = widened(a, b);
    if (precision === null) return exact(a.n * b.n, a.d * b.d);
    const x = atPrecision(a, precision);
    const y = atPrecision(b, precision);
    return roundToPrecision(x.n * y.n, x.d * y.d, precision);
  }
  return float(coefNumber(a) * coefNumber(b), isLiteral(a) || isLiteral(b), coefScale(a) * coefScale(b));
}

function coefNeg(a: Coef): Coef {
  return a.kind === 'exact' ? { ...a, n: -a.n } : { ...a, value: -a.value };
}

function coefInverse(a: Coef): Coef {
  if (a.kind === 'exact') {
    if (a.precision === undefined || a.n === 0n) return exact(a.d, a.n);
    return roundToPrecision(a.d, a.n, a.precision);
  }
  if (a.value === 0) throw new Special('zoo');
  return float(1 / a.value, a.literal, a.scale === 0 ? 0 : 1 / Math.min(a.scale, Math.abs(a.value)));
}

function coefIsZero(a: Coef): boolean {
  if (a.kind === 'exact') return a.n === 0n;
  if (a.literal) return a.value === 0;
  return Math.abs(a.value) <= IRRATIONAL_TOLERANCE * a.scale;
}

function coefKey(a: Coef): string {
  return a.kind === 'exact' ? (a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`) : `${a.value}${a.literal ? 'f' : '~'}`;
}

/** `a^k` for an exact rational and an integer `k`; null when the result would be too large. */
function exactPower(a: Coef & { kind: 'exact' }, k: bigint): Coef | null {
  if (k === 0n) return ONE;
  const magnitude = abs(k);
  if (Math.max(bitLength(a.n), bitLength(a.d)) * Number(magnitude) > MAX_EXACT_POWER_BITS) return null;
  const n = a.n ** magnitude;
  const d = a.d ** magnitude;
  return k > 0n ? exact(n, d) : exact(d, n);
}

/** The exact `q`-th root of a non-negative integer, or null. */
function integerRoot(value: bigint, q: bigint): bigint | null {
  if (value < 2n) return value;
  const approximate = Math.round(integerRatio(value, 1n) ** (1 / Number(q)));
  if (!Number.isFinite(approximate)) return null;
  const guess = BigInt(approximate);
  for (const candidate of [guess - 1n, guess, guess + 1n]) if (candidate >= 0n && candidate ** q === value) return candidate;
  return null;
}

// ── polynomials over opaque generators ──────────────────────────────────────────────────────────

function monoKey(mono: Mono): string {
  return mono.map(([generator, exponent]) => (exponent === 1 ? generator : `${generator}^${exponent}`)).join('*');
}

function monoMul(a: Mono, b: Mono): Mono {
  const exponents = new Map<string, number>();
  for (const [generator, exponent] of [...a, ...b]) exponents.set(generator, (exponents.get(generator) ?? 0) + exponent);
  return [...exponents.entries()].filter(([, exponent]) => exponent !== 0).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

function polyOf(terms: Iterable<Term>): Poly {
  const poly = new Map<string, Term>();
  for (const term of terms) {
    const key = monoKey(term.mono);
    const existing = poly.get(key);
    poly.set(key, existing ? { mono: term.mono, coef: coefAdd(existing.coef, term.coef) } : term);
  }
  return poly;
}

function polyConst(coef: Coef): Poly {
  return polyOf([{ mono: [], coef }]);
}

function polyAdd(a: Poly, b: Poly): Poly {
  return polyOf([...a.values(), ...b.values()]);
}

function polyMul(a: Poly, b: Poly): Poly {
  const terms: Term[] = [];
  for (const x of a.values()) for (const y of b.values()) terms.push({ mono: monoMul(x.mono, y.mono), coef: coefMul(x.coef, y.coef) });
  return polyOf(terms);
}

function polyNeg(a: Poly): Poly {
  return polyOf([...a.values()].map((term) => ({ mono: term.mono, coef: coefNeg(term.coef) })));
}

function isZeroPoly(poly: Poly): boolean {
  return [...poly.values()].every((term) => coefIsZero(term.coef));
}

/** The single non-zero term of a monomial polynomial, or null. */
function singleTerm(poly: Poly): Term | null {
  const terms = [...poly.values()].filter((term) => !coefIsZero(term.coef));
  return terms.length === 1 ? terms[0]! : null;
}

function polyKey(poly: Poly): string {
  const terms = [...poly.entries()].filter(([, term]) => !coefIsZero(term.coef)).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return terms.length === 0 ? '0' : terms.map(([key, term]) => `${coefKey(term.coef)}*${key}`).join(' + ');
}

// ── rational functions ───────────────────────────────────────────────────────────────────────────

const ONE_POLY = polyConst(ONE);

function fracOf(num: Poly, den: Poly = ONE_POLY): Frac {
  // A monomial denominator divides out (exponents may go negative), so most forms are canonical.
  const divisor = singleTerm(den);
  if (divisor === null) {
    if (isZeroPoly(den)) throw new Special(isZeroPoly(num) ? 'nan' : 'zoo');
    return { num, den };
  }
  const inverse: Term = {
    mono: divisor.mono.map(([generator, exponent]) => [generator, -exponent] as const),
    coef: coefInverse(divisor.coef),
  };
  return { num: polyMul(num, polyOf([inverse])), den: ONE_POLY };
}

function fracAdd(a: Frac, b: Frac): Frac {
  if (polyKey(a.den) === polyKey(b.den)) return fracOf(polyAdd(a.num, b.num), a.den);
  return fracOf(polyAdd(polyMul(a.num, b.den), polyMul(b.num, a.den)), polyMul(a.den, b.den));
}

function fracNeg(a: Frac): Frac {
  return { num: polyNeg(a.num), den: a.den };
}

function fracSub(a: Frac, b: Frac): Frac {
  return fracAdd(a, fracNeg(b));
}

function fracMul(a: Frac, b: Frac): Frac {
  return fracOf(polyMul(a.num, b.num), polyMul(a.den, b.den));
}

function fracInverse(a: Frac): Frac {
  return fracOf(a.den, a.num);
}

/** `a^k` expanded; null when the expansion would exceed `MAX_EXPANDED_TERMS`. */
function fracPower(a: Frac, k: number): Frac | null {
  let result: Frac = { num: ONE_POLY, den: ONE_POLY };
  let base = k < 0 ? fracInverse(a) : a;
  // Checked before multiplying: the work of a product is the product of the term counts.
  const affordable = (x: Frac, y: Frac) =>
    x.num.size * y.num.size <= MAX_EXPANDED_TERMS * 10 && x.den.size * y.den.size <= MAX_EXPANDED_TERMS * 10;
  for (let remaining = Math.abs(k); remaining > 0; remaining >>= 1) {
    if (remaining & 1) {
      if (!affordable(result, base)) return null;
      result = fracMul(result, base);
    }
    if (remaining > 1) {
      if (!affordable(base, base)) return null;
      base = fracMul(base, base);
    }
  }
  return result.num.size > MAX_EXPANDED_TERMS || result.den.size > MAX_EXPANDED_TERMS ? null : result;
}

function isConstant(form: Frac): boolean {
  const constantPoly = (poly: Poly) => [...poly.values()].every((term) => term.mono.length === 0 || coefIsZero(term.coef));
  return constantPoly(form.num) && constantPoly(form.den);
}

function constant(form: Frac): Coef {
  const value = (poly: Poly) => poly.get('')?.coef ?? ZERO;
  return coefMul(value(form.num), coefInverse(value(form.den)));
}

function constantForm(coef: Coef): Frac {
  return { num: polyConst(coef), den: ONE_POLY };
}

function fracKey(form: Frac): string {
  return polyKey(form.den) === polyKey(ONE_POLY) ? polyKey(form.num) : `(${polyKey(form.num)})/(${polyKey(form.den)})`;
}

function opaque(key: string): Frac {
  return { num: polyOf([{ mono: [[key, 1]], coef: ONE }]), den: ONE_POLY };
}

// ── evaluation of a tree ─────────────────────────────────────────────────────────────────────────

function evaluate(node: SympyNode): Frac {
  switch (node.kind) {
    case 'integer':
      return constantForm(exact(node.value));
    case 'float': {
      // SymPy keeps max(15, significant digits) decimal digits (mpmath `dps_to_prec` bits): a longer
      // literal is rounded to that many bits, and so is what it is compared with.
      const significant = node.digits.replace(/^0+/, '');
      if (significant.length <= 15) return constantForm(float(node.value, true));
      const precision = Math.round((significant.length + 1) * Math.log2(10));
      return constantForm(roundToPrecision(BigInt(node.digits), 10n ** BigInt(-node.exponent), precision));
    }
    case 'symbol':
      return opaque(`s:${node.name}`);
    case 'infinity':
      throw new Special('oo');
    case 'add':
      return fracAdd(evaluate(node.left), evaluate(node.right));
    case 'neg':
      return fracNeg(evaluate(node.operand));
    case 'mul':
      return fracMul(evaluate(node.left), evaluate(node.right));
    case 'pow':
      return power(evaluate(node.base), evaluate(node.exponent));
    case 'call':
      return call(
        node.name,
        node.args.map((argument) => evaluate(argument)),
      );
    case 'relation':
      throw new Special('relation');
    case 'unsupported':
      throw new Special('unsupported');
  }
}

function power(base: Frac, exponent: Frac): Frac {
  const opaquePower = () => opaque(`pow(${fracKey(base)},${fracKey(exponent)})`);
  if (!isConstant(exponent)) return opaquePower();
  const e = constant(exponent);
  const baseIsConstant = isConstant(base);
  if (e.kind === 'exact' && e.d === 1n) {
    if (baseIsConstant) {
      const b = constant(base);
      if (b.kind === 'exact') {
        // `1/0` stays an unevaluated power until SymPy simplifies: identical ones cancel (`3/0 - 3/0` is 0).
        if (b.n === 0n && e.n < 0n) return opaque(`zoo:pow(0,${e.n})`);
        const result = exactPower(b, e.n);
        return result === null ? opaquePower() : constantForm(result);
      }
      return constantForm(float(coefNumber(b) ** Number(e.n), b.literal, coefScale(b) ** Number(e.n)));
    }
    return (abs(e.n) <= BigInt(MAX_EXPANDED_EXPONENT) ? fracPower(base, Number(e.n)) : null) ?? opaquePower();
  }
  if (!baseIsConstant) return opaquePower();
  const b = constant(base);
  const baseValue = coefNumber(b);
  if (baseValue === 0) {
    if (coefNumber(e) > 0) return constantForm(ZERO);
    throw new Special('zoo');
  }
  if (baseValue < 0) return opaquePower();
  if (e.kind === 'exact' && b.kind === 'exact') {
    // Rational power of a positive rational: exact when numerator and denominator are perfect powers.
    const rootN = integerRoot(b.n, e.d);
    const rootD = integerRoot(b.d, e.d);
    if (rootN !== null && rootD !== null) {
      const result = exactPower({ kind: 'exact', n: rootN, d: rootD }, e.n);
      if (result !== null) return constantForm(result);
    }
    return constantForm(float(baseValue ** coefNumber(e), false));
  }
  return constantForm(float(baseValue ** coefNumber(e), isLiteral(b) || isLiteral(e)));
}

function factorial(n: bigint): bigint {
  let result = 1n;
  for (let k = 2n; k <= n; k++) result *= k;
  return result;
}

const APPROXIMATE: Record<string, (x: number) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  csc: (x) => 1 / Math.sin(x),
  sec: (x) => 1 / Math.cos(x),
  cot: (x) => 1 / Math.tan(x),
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  acsc: (x) => Math.asin(1 / x),
  asec: (x) => Math.acos(1 / x),
  acot: (x) => Math.atan(1 / x),
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  exp: Math.exp,
};

function call(name: string, args: readonly Frac[]): Frac {
  const opaqueCall = () => opaque(`${name}(${args.map(fracKey).join(',')})`);
  if (name === 'E' && args.length === 0) return constantForm(float(Math.E, false));
  if (name === 'pi' && args.length === 0) return constantForm(float(Math.PI, false));
  if (name.startsWith('fn:') || !args.every(isConstant)) return opaqueCall();
  const values = args.map(constant);
  const first = values[0];
  if (first === undefined) return opaqueCall();
  const literal = values.some(isLiteral);
  const isInteger = (coef: Coef | undefined): coef is Coef & { kind: 'exact' } => coef?.kind === 'exact' && coef.d === 1n;
  switch (name) {
    case 'factorial':
      if (!isInteger(first)) return opaqueCall();
      if (first.n < 0n) throw new Special('zoo');
      return first.n <= BigInt(MAX_EXACT_FACTORIAL) ? constantForm(exact(factorial(first.n))) : opaqueCall();
    case 'binomial': {
      const k = values[1];
      if (!isInteger(first) || !isInteger(k) || first.n < 0n || k.n < 0n || first.n > BigInt(MAX_EXACT_FACTORIAL)) return opaqueCall();
      if (k.n > first.n) return constantForm(ZERO);
      return constantForm(exact(factorial(first.n) / (factorial(k.n) * factorial(first.n - k.n))));
    }
    case 'Abs':
      return constantForm(coefNumber(first) < 0 ? coefNeg(first) : first);
    case 'conjugate':
      return constantForm(first);
    case 'floor':
    case 'ceiling': {
      if (first.kind === 'exact') {
        const quotient = first.n / first.d;
        const floor = first.n < 0n && quotient * first.d !== first.n ? quotient - 1n : quotient;
        const ceiling = floor * first.d === first.n ? floor : floor + 1n;
        return constantForm(exact(name === 'floor' ? floor : ceiling));
      }
      return constantForm(float((name === 'floor' ? Math.floor : Math.ceil)(first.value), first.literal));
    }
    case 'log': {
      const base = values[1];
      const x = coefNumber(first);
      const b = base === undefined ? Math.E : coefNumber(base);
      if (!(x > 0) || !(b > 0) || b === 1) return opaqueCall();
      return constantForm(float(Math.log(x) / Math.log(b), literal));
    }
    default: {
      const approximate = APPROXIMATE[name];
      if (approximate === undefined) return opaqueCall();
      const value = approximate(coefNumber(first));
      return Number.isFinite(value) ? constantForm(float(value, literal)) : opaqueCall();
    }
  }
}
