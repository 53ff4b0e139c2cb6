/**
 * `normalize_final_answer` from Minerva (Lewkowycz et al. 2022, appendix D), as lm-eval's
 * `minerva_math` and Abel's `evaluation/math_normalization.py` copy it: keep the text after the last
 * `=`, substring substitutions, blind substring deletion of unit words (so `\left` loses its `ft` and
 * becomes `\le`), unwrap `$…$`, `\text{}`, `\textbf{}`, `\overline{}`, `\boxed{}`, rewrite `\fracab`
 * and `\sqrta`, drop `$`, and drop the commas of a digits-and-commas number. Abel adds one
 * substitution (`\%` → `%`), selected with `percentEscape`. Python's `re` is emulated: `.` stops at
 * `\n` only, and matching is by code point.
 */
import { pyIsDigit } from './python-text.js';

/** Options of `normalizeFinalAnswer`. */
export interface MinervaNormalizeOptions {
  /** Abel's extra substitution `\%` → `%` (after `\ ` and before the space removal). Default false. */
  readonly percentEscape?: boolean;
}

const LEADING_SUBSTITUTIONS: readonly (readonly [string, string])[] = [
  ['an ', ''],
  ['a ', ''],
  ['.$', '$'],
  ['\\$', ''],
  ['\\ ', ''],
];

const TRAILING_SUBSTITUTIONS: readonly (readonly [string, string])[] = [
  [' ', ''],
  ['mbox', 'text'],
  [',\\text{and}', ','],
  ['\\text{and}', ','],
  ['\\text{m}', '\\text{}'],
];

/** Deleted wherever they occur, in this order. */
const REMOVED_EXPRESSIONS: readonly string[] = [
  'square',
  'ways',
  'integers',
  'dollars',
  'mph',
  'inches',
  'ft',
  'hours',
  'km',
  'units',
  '\\ldots',
  'sue',
  'points',
  'feet',
  'minutes',
  'digits',
  'cents',
  'degrees',
  'cm',
  'gm',
  'pounds',
  'meters',
  'meals',
  'edges',
  'students',
  'childrentickets',
  'multiples',
  '\\text{s}',
  '\\text{.}',
  '\\text{\ns}',
  '\\text{}^2',
  '\\text{}^3',
  '\\text{\n}',
  '\\text{}',
  '\\mathrm{th}',
  '^\\circ',
  '^{\\circ}',
  '\\;',
  ',\\!',
  '{,}',
  '"',
  '\\dots',
];

// Python's `.` is `[^\n]`; the `u` flag makes every class match whole code points, as Python does.
const DOLLAR_PAIR = /[^\n]*?\$([^\n]*?)\$[^\n]*/gu;
const TEXT = /\\text\{([^\n]*?)\}/gu;
const TEXTBF = /\\textbf\{([^\n]*?)\}/gu;
const OVERLINE = /\\overline\{([^\n]*?)\}/gu;
const BOXED = /\\boxed\{([^\n]*)\}/gu;
const SHORT_FRAC = /frac([^{])([^\n])/gu;
const SHORT_SQRT = /sqrt([^{])/gu;

/** Minerva's `normalize_final_answer`, quirks included (see the module comment). */
export function normalizeFinalAnswer(finalAnswer: string, options: MinervaNormalizeOptions = {}): string {
  let answer = finalAnswer.split('=').at(-1) ?? '';
  for (const [before, after] of LEADING_SUBSTITUTIONS) answer = answer.replaceAll(before, after);
  if (options.percentEscape) answer = answer.replaceAll('\\%', '%');
  for (const [before, after] of TRAILING_SUBSTITUTIONS) answer = answer.replaceAll(before, after);
  for (const expression of REMOVED_EXPRESSIONS) answer = answer.replaceAll(expression, '');

  // The pattern cannot match without two `$`; skipping it then also avoids its quadratic scan of long text.
  if (answer.indexOf('$') !== answer.lastIndexOf('$')) answer = answer.replace(DOLLAR_PAIR, (_match, inside: string) => `$${inside}$`);
  answer = answer.replace(TEXT, (_match, inside: string) => inside);
  answer = answer.replace(TEXTBF, (_match, inside: string) => inside);
  answer = answer.replace(OVERLINE, (_match, inside: string) => inside);
  answer = answer.replace(BOXED, (_match, inside: string) => inside);

  answer = answer.replace(SHORT_FRAC, (_match, numerator: string, denominator: string) => `frac{${numerator}}{${denominator}}`);
  answer = answer.replace(SHORT_SQRT, (_match, radicand: string) => `sqrt{${radicand}}`);
  answer = answer.replaceAll('$', '');

  if (pyIsDigit(answer.replaceAll(',', ''))) answer = answer.replaceAll(',', '');
  return answer;
}
