/**
 * Text normalization of a final answer before it is parsed: LaTeX wrappers, spacing, `\left`/`\right`,
 * `\dfrac`, thousands separators, currency, percent and degree signs, `\text{}` and units.
 *
 * Every rule works on whole LaTeX commands and whole words, never on substrings: Abel's normalizer
 * deletes `ft` anywhere, turning `\left` into `\le`; here `\left` is removed as a command and `ft` only
 * as a trailing unit word. Every pass is linear or bounded by `MAX_DECORATED_LENGTH`.
 */
import { lastBoxed } from '@oversight/core';
import { closingBrace } from './braces.js';

/** Longer answers skip the unit-stripping passes (they are not final answers anyway). */
const MAX_DECORATED_LENGTH = 400;

const UNICODE: Record<string, string> = {
  '\u2212': '-',
  '\u2013': '-',
  '\u00d7': '\\times ',
  '\u00b7': '\\cdot ',
  '\u22c5': '\\cdot ',
  '\u00f7': '\\div ',
  '\u03c0': '\\pi ',
  '\u221a': '\\sqrt',
  '\u221e': '\\infty ',
  '\u00b0': '^\\circ',
  '\u2264': '\\le ',
  '\u2265': '\\ge ',
  '\u2260': '\\ne ',
  '\u222a': '\\cup ',
  '\u00b1': '\\pm ',
  '\u2205': '\\emptyset ',
  '\u00a0': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
};
const UNICODE_PATTERN = new RegExp(`[${Object.keys(UNICODE).join('')}]`, 'g');

/** Commands whose argument is text: unwrapped, or dropped when they end the answer as a unit. */
const TEXT_COMMAND =
  /\\(?:text|textbf|textit|textrm|textsf|texttt|textnormal|textup|mathrm|mathbf|mathit|mathsf|mathtt|mathnormal|mbox|hbox|emph|boldsymbol|bm)\s*\{/g;

/**
 * Words dropped when they end an answer after some value (`4\pi cm`, `12 gm`, `85 feet`), matched as
 * whole words, case-insensitively, optionally squared or cubed. Single letters are never units here
 * (`5 m` stays `5m`: `m` may be a variable).
 */
const UNIT_WORDS = new Set(
  (
    'unit units square sq cubic degree degrees deg radian radians percent dollar dollars cent cents usd ' +
    'inch inches feet foot ft yard yards yd mile miles meter meters metre metres cm mm km centimeter centimeters ' +
    'millimeter millimeters kilometer kilometers gram grams gm kg kilogram kilograms pound pounds lb lbs ounce ounces oz ' +
    'liter liters litre litres ml gallon gallons quart quarts second seconds sec secs minute minutes min mins hour hours ' +
    'hr hrs day days week weeks month months year years mph kph'
  ).split(' '),
);

/** Words that are mathematics, never units or nouns (`2 pi` is not `2`). */
const MATH_WORDS = new Set('pi e i sqrt sin cos tan cot sec csc log ln exp inf infinity mod and or'.split(' '));

/** `9 a.m.` and `9 p.m.` differ: times of day are never stripped. */
const TIME_OF_DAY = /^\s*[ap]\.?\s*m\.?\s*$/i;

/**
 * Normalizes an extracted answer or a gold for parsing and display: unwraps `$…$`, `\(…\)` and a
 * `\boxed{}`; removes `\left`/`\right`, sizing and spacing commands, `\$`, `\%`, degree marks and
 * trailing units; rewrites `\dfrac`/`\tfrac` to `\frac`, Unicode operators to LaTeX, thousands
 * separators (`1,\!000`, `1{,}000`, and `1,000` outside brackets) away; unwraps `\text{}`; turns
 * ` and `/` or ` between items into commas. The result has single spaces.
 */
export function normalizeAnswer(raw: string): string {
  let text = raw.replace(UNICODE_PATTERN, (character) => UNICODE[character] ?? character);
  text = text.replace(/\s+/g, ' ').replaceAll('</s>', ' ');
  for (let round = 0; round < 3 && (text.includes('\\boxed') || text.includes('\\fbox')); round++) {
    const inner = lastBoxed(text);
    if (inner === undefined) break;
    text = inner;
  }
  text = text
    .replace(/\\\\|\\[()[\]]/g, (match) => (match === '\\\\' ? match : ' '))
    .replace(/\\\$/g, ' ')
    .replace(/\$/g, ' ')
    .replace(/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)(?![a-zA-Z])/g, ' ')
    .replace(/\\(?:left|right|[bB]igg?[lrm]?)(?![a-zA-Z])\s*\.?/g, (match) => (match.endsWith('.') ? ' ' : ''))
    .replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac')
    .replace(/\\[dt]binom(?![a-zA-Z])/g, '\\binom')
    .replace(/(\d)\s*(?:,\\!|\{,\}|\\,)\s*(?=\d{3}(?!\d))/g, '$1')
    .replace(/\\\\|\\[!,:;> ]|\\(?:quad|qquad|enspace|thinspace|medspace|thickspace|negthinspace)(?![a-zA-Z])|~/g, (match) =>
      match === '\\\\' ? match : ' ',
    )
    .replace(/\\%/g, '%')
    .replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\degrees?(?![a-zA-Z])/g, '')
    .replace(/\binfinity\b/gi, '\\infty ')
    // Plain-text mathematics as models write it: `2 pi`, `sqrt(2)`.
    .replace(/(?<![\\a-zA-Z])pi(?![a-zA-Z])/g, '\\pi ')
    .replace(/(?<![\\a-zA-Z])sqrt(?=\s*[({\d])/g, '\\sqrt');
  text = dropTrailingTextUnits(text.trim());
  text = unwrapTextCommands(text);
  text = text
    .replace(/\\overline\s*\{\s*([A-Z]+)\s*\}/g, '$1')
    .replace(/\s+(?:and|or)\s+/gi, ',')
    .replace(/\s*,(?:\s*,)+/g, ',');
  text = joinThousands(text);
  return stripDecorations(text.replace(/\s+/g, ' ').trim());
}

/**
 * Trailing decorations of one answer or one item of a list: sentence punctuation, a `%` sign,
 * `percent`, unit words after a value, and any words after a plain number (`18 eggs` → `18`), never
 * a time of day and never mathematics (`2 pi`).
 */
export function stripDecorations(item: string): string {
  let text = item.trim();
  if (text.length > MAX_DECORATED_LENGTH) return text;
  for (let round = 0; round < 4; round++) {
    const before = text;
    text = text
      .replace(/^[:=]\s*/, '')
      .replace(/[\s.,;:]+$/, '')
      .replace(/\s*%$/, '');
    text = dropTrailingUnitWord(text);
    text = dropWordsAfterNumber(text);
    if (text === before) break;
  }
  return text;
}

/** A compact key for exact comparison: spaces removed except between two letters or digits. */
export function compactAnswer(text: string): string {
  return text.replace(/ (?![A-Za-z0-9])|(?<![A-Za-z0-9]) /g, '');
}

/** Drops `\text{…}` groups (with an optional `^2`/`^3`) that end the answer after some value. */
function dropTrailingTextUnits(input: string): string {
  let text = input;
  for (let round = 0; round < 4; round++) {
    const core = text.replace(/\^\s*(?:\{\s*[23]\s*\}|[23])\s*$/, '').trimEnd();
    let last: { start: number; open: number } | null = null;
    for (const match of core.matchAll(TEXT_COMMAND)) last = { start: match.index, open: match.index + match[0].length - 1 };
    if (!last) return text;
    const close = closingBrace(core, last.open);
    if (close !== core.length - 1) return text;
    const content = core.slice(last.open + 1, close).trim();
    const prefix = core.slice(0, last.start).trim();
    if (prefix === '' || !/^[A-Za-z][A-Za-z .\-']*$/.test(content) || TIME_OF_DAY.test(content)) return text;
    if (/[+\-*/=^_,(]$|\\(?:cdot|times|div)$/.test(prefix)) return text;
    text = prefix;
  }
  return text;
}

/** Replaces each text command by its argument, padded with spaces. */
function unwrapTextCommands(input: string): string {
  let text = input;
  for (let round = 0; round < 5 && text.includes('\\'); round++) {
    let output = '';
    let position = 0;
    let changed = false;
    for (const match of text.matchAll(TEXT_COMMAND)) {
      if (match.index < position) continue;
      const open = match.index + match[0].length - 1;
      const close = closingBrace(text, open);
      // An unclosed group: nothing after it can be read either (and scanning on would be quadratic).
      if (close < 0) break;
      output += `${text.slice(position, match.index)} ${text.slice(open + 1, close)} `;
      position = close + 1;
      changed = true;
    }
    if (!changed) break;
    text = output + text.slice(position);
  }
  return text;
}

function dropTrailingUnitWord(text: string): string {
  const match = /(^|[\s\d})])([A-Za-z]+)\.?(?:\s*\^\s*(?:\{\s*[23]\s*\}|[23]))?$/.exec(text);
  if (!match) return text;
  const word = (match[2] as string).toLowerCase();
  if (!UNIT_WORDS.has(word)) return text;
  const cut = match.index + (match[1] as string).length;
  if (text[cut - 1] === '\\') return text;
  const prefix = text.slice(0, cut).trim();
  if (prefix === '' || /[+\-*/=^_,(]$/.test(prefix)) return text;
  return prefix;
}

function dropWordsAfterNumber(text: string): string {
  const match = /^([+-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:\s*\/\s*\d+)?)\s*([A-Za-z][A-Za-z\s.'-]*)$/.exec(text);
  if (!match) return text;
  const words = (match[2] as string).split(/[\s.'-]+/).filter(Boolean);
  if (words.length === 0 || words.some((word) => word.length < 2 || MATH_WORDS.has(word.toLowerCase()))) return text;
  return match[1] as string;
}

/**
 * `1,000,000` → `1000000` where the comma groups are well formed and outside every bracket (inside
 * brackets a comma separates coordinates: `(100,200)` stays a pair).
 */
function joinThousands(text: string): string {
  if (!text.includes(',')) return text;
  const depth = new Int32Array(text.length + 1);
  let level = 0;
  for (let index = 0; index < text.length; index++) {
    depth[index] = level;
    const character = text[index];
    if (character === '(' || character === '[' || character === '{') level++;
    else if (character === ')' || character === ']' || character === '}') level--;
  }
  return text.replace(/(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?/g, (match, offset: number) =>
    depth[offset] === 0 ? match.replaceAll(',', '') : match,
  );
}
