/**
 * Equivalence of two parsed answers. Numbers compare as exact rationals; other expressions compare
 * numerically at seeded random points, positive and negative (complex arithmetic, relative
 * tolerance 1e-9), which decides
 * polynomial and trigonometric identities without a computer-algebra system. Tuples and intervals
 * keep order and brackets, solution sets and unions compare unordered with equal sizes, matrices
 * element-wise, equations up to a constant factor, base-n numerals by base and value.
 */
import type { Answer, RelationOperator } from './answer.js';
import { type Complex, closeTo, complex, cSub, isFiniteComplex } from './complex.js';
import { exactValue, numericValue } from './evaluate.js';
import { type Expression, parseExpression, variablesOf } from './expression.js';
import { compactAnswer } from './normalize.js';
import { equals, isReduced } from './rational.js';

/** Options of the comparison. */
export interface EquivalenceOptions {
  /**
   * When true, a predicted fraction literal not in lowest terms (`\frac{2}{4}`) is wrong even when
   * its value is right (the PRM800K rule, for data that must show simplified answers).
   */
  readonly requireReducedFractions: boolean;
}

/** Which rule decided a comparison, for verdict details. */
export type EquivalenceStage = 'rational' | 'numeric' | 'text' | 'structure' | 'base' | 'unreduced_fraction';

/** The outcome of comparing a prediction with a gold. */
export interface Equivalence {
  readonly equal: boolean;
  readonly stage: EquivalenceStage;
}

/** Relative tolerance of the numeric path: about nine significant digits must agree. */
export const RELATIVE_TOLERANCE = 1e-9;
const ABSOLUTE_TOLERANCE = 1e-12;
/** Points at which expressions with variables are compared. */
const SAMPLE_POINTS = 6;
/** Points at which both sides must be defined for an expression with variables to count as equal. */
const MIN_DEFINED_POINTS = 3;

/** Compares a predicted answer with the gold one. Pure; deterministic (the sample points are seeded). */
export function compareAnswers(pred: Answer, gold: Answer, options: EquivalenceOptions): Equivalence {
  const stage: { value: EquivalenceStage } = { value: 'structure' };
  const equal = same(pred, gold, options, stage);
  return { equal, stage: stage.value };
}

function same(pred: Answer, gold: Answer, options: EquivalenceOptions, stage: { value: EquivalenceStage }): boolean {
  // `y = 2x` (named) against `2y = 4x` (an equation): read the named one as an equation too.
  if (pred.kind === 'named' && gold.kind === 'relation') return same(asEquation(pred) ?? pred, gold, options, stage);
  if (gold.kind === 'named' && pred.kind === 'relation') return same(pred, asEquation(gold) ?? gold, options, stage);
  if (pred.kind === 'named' || gold.kind === 'named') {
    if (pred.kind === 'named' && gold.kind === 'named' && pred.name !== gold.name) return false;
    return same(pred.kind === 'named' ? pred.value : pred, gold.kind === 'named' ? gold.value : gold, options, stage);
  }
  if (pred.kind === 'empty' || gold.kind === 'empty') return false;
  if (pred.kind === 'raw' || gold.kind === 'raw') {
    stage.value = 'text';
    return compactAnswer(pred.text) === compactAnswer(gold.text);
  }
  if (pred.kind === 'text' || gold.kind === 'text') {
    stage.value = 'text';
    return compactAnswer(pred.text).toLowerCase() === compactAnswer(gold.text).toLowerCase();
  }
  // A set of one is its element: `\{5\}` and `5`.
  if (pred.kind === 'set' && pred.items.length === 1 && gold.kind !== 'set') return same(pred.items[0] as Answer, gold, options, stage);
  if (gold.kind === 'set' && gold.items.length === 1 && pred.kind !== 'set') return same(pred, gold.items[0] as Answer, options, stage);
  switch (gold.kind) {
    case 'math':
      return pred.kind === 'math' && sameExpression(pred.expression, gold.expression, options, stage);
    case 'base':
      stage.value = 'base';
      return pred.kind === 'base' && pred.base === gold.base && equals(pred.value, gold.value);
    case 'tuple': {
      const items = pred.kind === 'matrix' ? vectorItems(pred) : pred.kind === 'tuple' ? pred.items : null;
      if (!items) return false;
      if (pred.kind === 'tuple' && (pred.open !== gold.open || pred.close !== gold.close)) return false;
      if (pred.kind === 'matrix' && (gold.open !== '(' || gold.close !== ')')) return false;
      return sameInOrder(items, gold.items, options, stage);
    }
    case 'set':
    case 'union':
      return pred.kind === gold.kind && sameUnordered(pred.items, gold.items, options, stage);
    case 'matrix': {
      if (pred.kind === 'tuple') {
        const items = vectorItems(gold);
        return !!items && pred.open === '(' && pred.close === ')' && sameInOrder(pred.items, items, options, stage);
      }
      if (pred.kind !== 'matrix' || pred.determinant !== gold.determinant || pred.rows.length !== gold.rows.length) return false;
      return gold.rows.every((row, index) => sameInOrder(pred.rows[index] ?? [], row, options, stage));
    }
    case 'relation':
      return pred.kind === 'relation' && sameRelation(pred, gold, options, stage);
    case 'ratio':
      return pred.kind === 'ratio' && sameInOrder(pred.items, gold.items, options, stage);
  }
}

/** `x = 5` as the equation it is, when the name reads as a variable and the value as an expression. */
function asEquation(named: Extract<Answer, { kind: 'named' }>): Answer | null {
  const name = parseExpression(named.name);
  if (!name || named.value.kind !== 'math') return null;
  return { kind: 'relation', text: named.text, operators: ['='], sides: [name, named.value.expression] };
}

/** The items of a one-column or one-row matrix (a vector), else null. */
function vectorItems(matrix: Extract<Answer, { kind: 'matrix' }>): Answer[] | null {
  if (matrix.determinant) return null;
  if (matrix.rows.every((row) => row.length === 1)) return matrix.rows.map((row) => row[0] as Answer);
  if (matrix.rows.length === 1) return matrix.rows[0] ?? null;
  return null;
}

function sameInOrder(
  pred: readonly Answer[],
  gold: readonly Answer[],
  options: EquivalenceOptions,
  stage: { value: EquivalenceStage },
): boolean {
  if (pred.length !== gold.length) return false;
  return gold.every((item, index) => same(pred[index] as Answer, item, options, stage));
}

/** Multiset equality: sizes match and each predicted item pairs with a distinct gold item. */
function sameUnordered(
  pred: readonly Answer[],
  gold: readonly Answer[],
  options: EquivalenceOptions,
  stage: { value: EquivalenceStage },
): boolean {
  if (pred.length !== gold.length) return false;
  const used = new Array<boolean>(gold.length).fill(false);
  for (const item of pred) {
    let found = false;
    for (let index = 0; index < gold.length && !found; index++) {
      if (!used[index] && same(item, gold[index] as Answer, options, stage)) {
        used[index] = true;
        found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

function isUnreducedFraction(expression: Expression): boolean {
  const inner = expression.type === 'negate' ? expression.argument : expression;
  let numerator: Expression | undefined;
  let denominator: Expression | undefined;
  if (inner.type === 'fraction') [numerator, denominator] = [inner.numerator, inner.denominator];
  else if (inner.type === 'binary' && inner.operator === '/') [numerator, denominator] = [inner.left, inner.right];
  if (numerator?.type !== 'number' || denominator?.type !== 'number') return false;
  const top = numerator.value;
  const bottom = denominator.value;
  if (top.denominator !== 1n || bottom.denominator !== 1n) return false;
  return !isReduced(top.numerator, bottom.numerator);
}

function sameExpression(pred: Expression, gold: Expression, options: EquivalenceOptions, stage: { value: EquivalenceStage }): boolean {
  if (options.requireReducedFractions && isUnreducedFraction(pred) && !isUnreducedFraction(gold)) {
    stage.value = 'unreduced_fraction';
    return false;
  }
  const exactPred = exactValue(pred);
  const exactGold = exactPred && exactValue(gold);
  if (exactPred && exactGold) {
    stage.value = 'rational';
    return equals(exactPred, exactGold);
  }
  stage.value = 'numeric';
  return numericallyEqual(pred, gold, (a, b) => closeTo(a, b, RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE));
}

/**
 * Deterministic points: every variable gets a distinct magnitude in [0.3, 2.4), the same for both
 * sides. The first four points are positive; then all variables are negative, then signs alternate,
 * so `|x|` and `x` (or `\sqrt{x^2}` and `x`) differ.
 */
function samplePoints(names: readonly string[]): Array<Map<string, Complex>> {
  let state = 0x5eed1234;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const points: Array<Map<string, Complex>> = [];
  for (let index = 0; index < SAMPLE_POINTS; index++) {
    const point = new Map<string, Complex>();
    names.forEach((name, position) => {
      const negative = index === SAMPLE_POINTS - 2 || (index === SAMPLE_POINTS - 1 && position % 2 === 0);
      point.set(name, complex((negative ? -1 : 1) * (0.3 + 2.1 * random())));
    });
    points.push(point);
  }
  return points;
}

function isInfinite(value: Complex): boolean {
  return !Number.isFinite(value.re) && !Number.isNaN(value.re) && value.im === 0;
}

function numericallyEqual(pred: Expression, gold: Expression, agree: (a: Complex, b: Complex) => boolean): boolean {
  const names = [...variablesOf(gold, variablesOf(pred))].sort();
  const points = names.length === 0 ? [new Map<string, Complex>()] : samplePoints(names);
  let defined = 0;
  for (const point of points) {
    const a = numericValue(pred, point);
    const b = numericValue(gold, point);
    if (isInfinite(a) || isInfinite(b)) {
      // `\infty` in an interval: equal only to an infinity of the same sign.
      if (!(isInfinite(a) && isInfinite(b) && Math.sign(a.re) === Math.sign(b.re))) return false;
      defined++;
      continue;
    }
    if (!isFiniteComplex(a) || !isFiniteComplex(b)) continue;
    if (!agree(a, b)) return false;
    defined++;
  }
  return defined >= (names.length === 0 ? 1 : MIN_DEFINED_POINTS);
}

function sameRelation(
  pred: Extract<Answer, { kind: 'relation' }>,
  gold: Extract<Answer, { kind: 'relation' }>,
  options: EquivalenceOptions,
  stage: { value: EquivalenceStage },
): boolean {
  const operators: readonly RelationOperator[] = gold.operators;
  if (pred.operators.length !== operators.length || pred.operators.some((operator, index) => operator !== operators[index])) return false;
  if (gold.sides.every((side, index) => sameExpression(pred.sides[index] as Expression, side, options, stage))) return true;
  // An equation also matches a multiple of itself, sides swapped or moved: `2y = 4x` is `y - 2x = 0`.
  if (operators.length !== 1 || operators[0] !== '=') return false;
  stage.value = 'numeric';
  return proportional(difference(pred), difference(gold));
}

function difference(relation: Extract<Answer, { kind: 'relation' }>): Expression {
  const [left, right] = relation.sides as [Expression, Expression];
  return { type: 'binary', operator: '-', left, right };
}

/** Whether `a = k·b` for one nonzero constant `k` at every sample point (both identically zero counts). */
function proportional(a: Expression, b: Expression): boolean {
  const names = [...variablesOf(b, variablesOf(a))].sort();
  if (names.length === 0) return false;
  let ratio: Complex | null = null;
  let defined = 0;
  for (const point of samplePoints(names)) {
    const x = numericValue(a, point);
    const y = numericValue(b, point);
    if (!isFiniteComplex(x) || !isFiniteComplex(y)) continue;
    const zeroX = closeTo(x, complex(0), 0, ABSOLUTE_TOLERANCE);
    const zeroY = closeTo(y, complex(0), 0, ABSOLUTE_TOLERANCE);
    if (zeroX !== zeroY) return false;
    defined++;
    if (zeroX) continue;
    const scale = y.re * y.re + y.im * y.im;
    const current = complex((x.re * y.re + x.im * y.im) / scale, (x.im * y.re - x.re * y.im) / scale);
    if (ratio === null) ratio = current;
    else if (!closeTo(cSub(current, ratio), complex(0), 0, RELATIVE_TOLERANCE * Math.max(1, Math.hypot(ratio.re, ratio.im)))) return false;
  }
  return defined >= MIN_DEFINED_POINTS;
}
