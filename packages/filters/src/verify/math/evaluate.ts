/**
 * Two evaluators for parsed answers: `exactValue` (bigint rationals, for answers that are numbers)
 * and `numericValue` (complex doubles at a point, for everything else). The exact one declines
 * (`null`) as soon as anything irrational, symbolic or too large appears; it never approximates.
 */
import { type Complex, cAbs, cAdd, cCos, cDiv, cExp, cLog, cMul, cNeg, complex, cPow, cSin, cSqrt, cSub, I } from './complex.js';
import type { Expression } from './expression.js';
import {
  absoluteValue,
  add,
  binomial,
  ceiling,
  divide,
  exactSquareRoot,
  factorial,
  floor,
  isInteger,
  multiply,
  negate,
  power,
  type Rational,
  subtract,
  toNumber,
} from './rational.js';

/** The exact rational value of an expression without variables or irrational parts; null otherwise. */
export function exactValue(expression: Expression): Rational | null {
  switch (expression.type) {
    case 'number':
      return expression.value;
    case 'constant':
    case 'variable':
      return null;
    case 'negate': {
      const value = exactValue(expression.argument);
      return value && negate(value);
    }
    case 'fraction': {
      const numerator = exactValue(expression.numerator);
      const denominator = numerator && exactValue(expression.denominator);
      return numerator && denominator ? divide(numerator, denominator) : null;
    }
    case 'binary': {
      const left = exactValue(expression.left);
      if (!left) return null;
      const right = exactValue(expression.right);
      if (!right) return null;
      switch (expression.operator) {
        case '+':
          return add(left, right);
        case '-':
          return subtract(left, right);
        case '*':
          return multiply(left, right);
        case '/':
          return divide(left, right);
        case '^':
          if (isInteger(right)) return power(left, right.numerator);
          if (right.numerator === 1n && right.denominator === 2n) return exactSquareRoot(left);
          return null;
      }
      return null;
    }
    case 'call': {
      const argument = exactValue(expression.argument);
      if (!argument) return null;
      switch (expression.name) {
        case 'sqrt':
          return exactSquareRoot(argument);
        case 'abs':
          return absoluteValue(argument);
        case 'floor':
          return floor(argument);
        case 'ceil':
          return ceiling(argument);
        case 'factorial':
          return factorial(argument);
        case 'binom': {
          const k = expression.extra && exactValue(expression.extra);
          return k ? binomial(argument, k) : null;
        }
        default:
          return null;
      }
    }
  }
}

const NOT_A_NUMBER = complex(Number.NaN, Number.NaN);

function realOnly(value: Complex, apply: (x: number) => number): Complex {
  if (Math.abs(value.im) > 1e-12 * Math.max(1, Math.abs(value.re))) return NOT_A_NUMBER;
  const result = apply(value.re);
  return Number.isNaN(result) ? NOT_A_NUMBER : complex(result);
}

function realFactorial(x: number): number {
  if (!Number.isInteger(x) || x < 0 || x > 170) return Number.NaN;
  let result = 1;
  for (let k = 2; k <= x; k++) result *= k;
  return result;
}

/** The value of an expression at a point (`variables` gives every variable a value); NaN where undefined. */
export function numericValue(expression: Expression, variables: ReadonlyMap<string, Complex>): Complex {
  switch (expression.type) {
    case 'number':
      return complex(toNumber(expression.value));
    case 'constant':
      switch (expression.name) {
        case 'pi':
          return complex(Math.PI);
        case 'e':
          return complex(Math.E);
        case 'i':
          return I;
        default:
          return complex(Number.POSITIVE_INFINITY);
      }
    case 'variable':
      return variables.get(expression.name) ?? NOT_A_NUMBER;
    case 'negate':
      return cNeg(numericValue(expression.argument, variables));
    case 'fraction':
      return cDiv(numericValue(expression.numerator, variables), numericValue(expression.denominator, variables));
    case 'binary': {
      const left = numericValue(expression.left, variables);
      const right = numericValue(expression.right, variables);
      switch (expression.operator) {
        case '+':
          return cAdd(left, right);
        case '-':
          return cSub(left, right);
        case '*':
          return cMul(left, right);
        case '/':
          return cDiv(left, right);
        case '^':
          return cPow(left, right);
      }
      return NOT_A_NUMBER;
    }
    case 'call':
      return callValue(expression, variables);
  }
}

function callValue(expression: Extract<Expression, { type: 'call' }>, variables: ReadonlyMap<string, Complex>): Complex {
  const x = numericValue(expression.argument, variables);
  switch (expression.name) {
    case 'sqrt':
      return cSqrt(x);
    case 'root': {
      const index = expression.extra ? numericValue(expression.extra, variables) : complex(2);
      if (index.im !== 0 || index.re === 0) return NOT_A_NUMBER;
      // An odd root of a negative real is the real root, as in school algebra (∛-8 = -2).
      if (x.im === 0 && x.re < 0 && Number.isInteger(index.re) && Math.abs(index.re) % 2 === 1) {
        return complex(-(Math.abs(x.re) ** (1 / index.re)));
      }
      return cPow(x, complex(1 / index.re));
    }
    case 'abs':
      return complex(cAbs(x));
    case 'floor':
      return realOnly(x, Math.floor);
    case 'ceil':
      return realOnly(x, Math.ceil);
    case 'factorial':
      return realOnly(x, realFactorial);
    case 'binom': {
      const k = expression.extra ? numericValue(expression.extra, variables) : NOT_A_NUMBER;
      return realOnly(
        x,
        (n) =>
          realOnly(k, (choose) =>
            Number.isInteger(choose) && choose >= 0 && choose <= n
              ? realFactorial(n) / (realFactorial(choose) * realFactorial(n - choose))
              : Number.NaN,
          ).re,
      );
    }
    case 'sin':
      return cSin(x);
    case 'cos':
      return cCos(x);
    case 'tan':
      return cDiv(cSin(x), cCos(x));
    case 'cot':
      return cDiv(cCos(x), cSin(x));
    case 'sec':
      return cDiv(complex(1), cCos(x));
    case 'csc':
      return cDiv(complex(1), cSin(x));
    case 'arcsin':
      return realOnly(x, Math.asin);
    case 'arccos':
      return realOnly(x, Math.acos);
    case 'arctan':
      return realOnly(x, Math.atan);
    case 'sinh':
      return cDiv(cSub(cExp(x), cExp(cNeg(x))), complex(2));
    case 'cosh':
      return cDiv(cAdd(cExp(x), cExp(cNeg(x))), complex(2));
    case 'tanh': {
      const up = cExp(x);
      const down = cExp(cNeg(x));
      return cDiv(cSub(up, down), cAdd(up, down));
    }
    case 'ln':
      return cLog(x);
    case 'log':
      return expression.extra ? cDiv(cLog(x), cLog(numericValue(expression.extra, variables))) : cLog(x);
    case 'exp':
      return cExp(x);
  }
}
