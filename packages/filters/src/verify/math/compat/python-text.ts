/**
 * Python's string and number semantics, as the reference graders (all Python) rely on them:
 * `str.strip()` and `str.isdigit()` with Python's character sets, `float()` / `int()` parsing
 * (underscores, `inf`, Unicode digits), `round()` (half to even) and `math.isclose`. Slicing and
 * indexing are by code point, as in Python, never by UTF-16 unit.
 */

/** Characters `str.isspace()` accepts (Python 3.11); `str.strip()` removes these. */
const PYTHON_WHITESPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** Characters `str.isdigit()` accepts beyond the decimal digits (superscripts, circled digits, …). */
const DIGIT_NOT_DECIMAL: readonly (readonly [number, number])[] = [
  [0xb2, 0xb3],
  [0xb9, 0xb9],
  [0x1369, 0x1371],
  [0x19da, 0x19da],
  [0x2070, 0x2070],
  [0x2074, 0x2079],
  [0x2080, 0x2089],
  [0x2460, 0x2468],
  [0x2474, 0x247c],
  [0x2488, 0x2490],
  [0x24ea, 0x24ea],
  [0x24f5, 0x24fd],
  [0x24ff, 0x24ff],
  [0x2776, 0x277e],
  [0x2780, 0x2788],
  [0x278a, 0x2792],
  [0x10a40, 0x10a43],
  [0x10e60, 0x10e68],
  [0x11052, 0x1105a],
  [0x1f100, 0x1f10a],
];

const DECIMAL_DIGIT = /^\p{Nd}$/u;

/** Whether a code point is whitespace to Python. */
export function isPythonSpace(codePoint: number): boolean {
  return PYTHON_WHITESPACE.has(codePoint);
}

/** `s.strip()`: removes Python whitespace at both ends. */
export function pyStrip(text: string): string {
  const points = codePoints(text);
  let start = 0;
  let end = points.length;
  while (start < end && isPythonSpace(points[start]!.codePointAt(0)!)) start++;
  while (end > start && isPythonSpace(points[end - 1]!.codePointAt(0)!)) end--;
  return start === 0 && end === points.length ? text : points.slice(start, end).join('');
}

/** The string's code points, each as a one-code-point string (Python's `list(s)`). */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/** Whether one character is a decimal digit (Unicode `Nd`, which Python's `\d` and `isdecimal` accept). */
export function isDecimalDigit(character: string): boolean {
  return DECIMAL_DIGIT.test(character);
}

/** `s.isdigit()`: non-empty and every character a digit (decimal digits, superscripts, circled …). */
export function pyIsDigit(text: string): boolean {
  if (text.length === 0) return false;
  for (const character of text) {
    if (isDecimalDigit(character)) continue;
    const codePoint = character.codePointAt(0)!;
    if (!DIGIT_NOT_DECIMAL.some(([low, high]) => codePoint >= low && codePoint <= high)) return false;
  }
  return true;
}

/**
 * The value 0–9 of a decimal digit of any script. Unicode lays every `Nd` script out as runs of ten
 * starting at zero, so the value is the count of digits just before it, modulo ten.
 */
function decimalValue(character: string): number {
  let codePoint = character.codePointAt(0)!;
  let before = 0;
  while (before < 10 && DECIMAL_DIGIT.test(String.fromCodePoint(codePoint - 1))) {
    codePoint--;
    before++;
  }
  return before % 10;
}

/** Replaces decimal digits of other scripts by ASCII ones, as Python's `int()`/`float()` read them. */
export function asciiDigits(text: string): string {
  if (!/[^ -~\t\n\r]/.test(text)) return text;
  let out = '';
  for (const character of text) {
    out += character >= '0' && character <= '9' ? character : isDecimalDigit(character) ? String(decimalValue(character)) : character;
  }
  return out;
}

const FLOAT_SYNTAX = /^[+-]?(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity|nan)$/i;
const INT_SYNTAX = /^[+-]?\d(?:_?\d)*$/;

/** `float(s)`; null where Python raises `ValueError`. */
export function pyFloat(text: string): number | null {
  const stripped = asciiDigits(pyStrip(text));
  const special = SPECIAL_FLOAT.exec(stripped);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (!FLOAT_SYNTAX.test(stripped)) return null;
  return Number(stripped.replaceAll('_', ''));
}

/** `int(s)` for a string; null where Python raises `ValueError`. */
export function pyInt(text: string): bigint | null {
  const stripped = asciiDigits(pyStrip(text));
  if (!INT_SYNTAX.test(stripped)) return null;
  return BigInt(stripped.replaceAll('_', ''));
}

/** `round(x)` for a float: to the nearest integer, ties to even; `-0` comes back as `0`. */
export function pyRound(value: number): number {
  if (!Number.isFinite(value)) return value;
  const floor = Math.floor(value);
  const fraction = value - floor;
  const rounded = fraction < 0.5 ? floor : fraction > 0.5 ? floor + 1 : floor % 2 === 0 ? floor : floor + 1;
  return rounded === 0 ? 0 : rounded;
}

/** `math.isclose(a, b, rel_tol=relative)` with `abs_tol=0`. */
export function pyIsClose(a: number, b: number, relative: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const difference = Math.abs(a - b);
  return difference <= relative * Math.abs(b) || difference <= relative * Math.abs(a);
}

/** `str(x)` of an integer-valued float as Python's `int` prints it (`round()` results): no `.0`, no exponent. */
export function integerText(value: number): string {
  if (Number.isSafeInteger(value) || !Number.isFinite(value)) return String(value);
  return BigInt(value).toString();
}

function bitLength(value: bigint): number {
  return (value < 0n ? -value : value).toString(2).length;
}

/** `n / d` for Python integers: the double nearest the exact quotient (`d` non-zero). */
export function integerRatio(n: bigint, d: bigint): number {
  const negative = n < 0n !== d < 0n;
  const numerator = n < 0n ? -n : n;
  const denominator = d < 0n ? -d : d;
  const limit = 2n ** 53n;
  let value: number;
  if (numerator < limit && denominator < limit) {
    value = Number(numerator) / Number(denominator);
  } else {
    // Keep 64 significant bits of the quotient; the last rounding to 53 happens in Number().
    const shift = Math.max(0, 64 - (bitLength(numerator) - bitLength(denominator)));
    value = Number((numerator << BigInt(shift)) / denominator) * 2 ** -shift;
  }
  return negative ? -value : value;
}
