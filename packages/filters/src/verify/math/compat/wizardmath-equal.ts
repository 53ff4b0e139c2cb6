/**
 * WizardMath's `math_equal` (`WizardMath/inference/grader.py`, after Hendrycks and ProphetNet/CRITIC),
 * quirks included:
 * - two strings that read as floats (commas removed) are equal when the prediction is within
 *   1e-4 relative of the reference, of the reference / 100 or of the reference × 100 (so `1200`
 *   matches `12`);
 * - otherwise equal when they match after deleting every `{ } ( )` (so `\frac{1}{23}` matches
 *   `\frac{12}{3}`), element by element for two `(…)` or two `[…]` lists;
 * - otherwise SymPy: `simplify(a - b) == 0` or `N(a)` within 1e-3 relative of `N(b)`, with both
 *   sides read by `parse_latex` (emulated; lax, so `12,5` reads as `12`).
 * Strings `parse_latex` rejects go to a `parse_expr` emulation (`sympy-expr.ts`), so `(.5)` still
 * equals `0.5`.
 */
import { parseLatex } from './latex-parser.js';
import { pyFloat, pyIsClose, pyStrip } from './python-text.js';
import { sympyEqual, sympyNumeric } from './sympy-equal.js';
import { parseSympyExpr } from './sympy-expr.js';
import type { SympyNode } from './sympy-node.js';

/** Relative tolerance of the numeric comparison. */
export const NUMERIC_TOLERANCE = 1e-4;
/** Relative tolerance of the `N(a) ≈ N(b)` fallback. */
export const SYMBOLIC_TOLERANCE = 1e-3;

/** `is_digit`: whether `float(s.replace(",", ""))` succeeds. */
function asFloat(text: string): number | null {
  return pyFloat(text.replaceAll(',', ''));
}

function stripCharacters(text: string, characters: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && characters.includes(text[start]!)) start++;
  while (end > start && characters.includes(text[end - 1]!)) end--;
  return text.slice(start, end);
}

/** WizardMath's `math_equal(prediction, reference)` with its defaults (percentage leniency, `isclose`). */
export function wizardMathEqual(prediction: string, reference: string): boolean {
  const predictionNumber = asFloat(prediction);
  const referenceNumber = asFloat(reference);
  if (predictionNumber !== null && referenceNumber !== null) {
    return [referenceNumber / 100, referenceNumber, referenceNumber * 100].some((candidate) =>
      pyIsClose(candidate, predictionNumber, NUMERIC_TOLERANCE),
    );
  }
  if (prediction.length === 0) return false;

  const ref = pyStrip(reference);
  const pred = pyStrip(prediction);
  let predText = pred;
  let refText = ref;
  const bracketed = (text: string, open: string, close: string) => text.startsWith(open) && text.endsWith(close);
  if ((bracketed(pred, '[', ']') && !ref.startsWith('(')) || (bracketed(pred, '(', ')') && !ref.startsWith('['))) {
    predText = stripCharacters(predText, '[]()');
    refText = stripCharacters(refText, '[]()');
  }
  for (const brace of ['{', '}', '(', ')']) {
    refText = refText.replaceAll(brace, '');
    predText = predText.replaceAll(brace, '');
  }
  if (predText === refText) return true;

  if ((bracketed(pred, '[', ']') && bracketed(ref, '[', ']')) || (bracketed(pred, '(', ')') && bracketed(ref, '(', ')'))) {
    const predParts = Array.from(pred).slice(1, -1).join('').split(',');
    const refParts = Array.from(ref).slice(1, -1).join('').split(',');
    if (predParts.length === refParts.length && predParts.every((part, index) => wizardMathEqual(part, refParts[index]!))) return true;
  }
  return symbolicEqual(pred, ref);
}

/** `_parse`: `parse_latex`, else `parse_expr`, else the string stays text (null). */
function parseEither(text: string): SympyNode | null {
  const latex = parseLatex(text);
  return latex.ok ? latex.node : parseSympyExpr(text);
}

/** `symbolic_equal`: SymPy equality of the two readings, or numeric closeness at 1e-3. */
function symbolicEqual(a: string, b: string): boolean {
  const left = parseEither(a);
  const right = parseEither(b);
  if (left === null || right === null) return false;
  if (sympyEqual(left, right)) return true;
  const x = sympyNumeric(left);
  const y = sympyNumeric(right);
  return x !== null && y !== null && pyIsClose(x, y, SYMBOLIC_TOLERANCE);
}
