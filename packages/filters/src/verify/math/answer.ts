/**
 * Reads a normalized answer as a structure: a number or expression, a tuple or interval (brackets
 * kept), a solution set (unordered), a union of intervals, a matrix, an equation or inequality, a
 * ratio, a numeral in a base (`2112_6`), a word answer, or — when none fits — raw text, compared
 * only as text.
 */
import { bracketsBalance, enclosedByOuterBrackets, splitTopLevel } from './braces.js';
import { type Expression, parseExpression } from './expression.js';
import { stripDecorations } from './normalize.js';
import { parseInBase, type Rational, rational } from './rational.js';

/** Relations between the sides of an equation or inequality, `>` and `≥` turned around. */
export type RelationOperator = '=' | '<' | '<=' | '!=';

/** A parsed final answer. Every kind keeps its normalized `text` for display and text comparison. */
export type Answer =
  | { readonly kind: 'empty'; readonly text: string }
  | { readonly kind: 'math'; readonly text: string; readonly expression: Expression }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'base'; readonly text: string; readonly value: Rational; readonly base: number }
  | { readonly kind: 'tuple'; readonly text: string; readonly open: '(' | '['; readonly close: ')' | ']'; readonly items: Answer[] }
  | { readonly kind: 'set'; readonly text: string; readonly items: Answer[] }
  | { readonly kind: 'union'; readonly text: string; readonly items: Answer[] }
  | { readonly kind: 'matrix'; readonly text: string; readonly determinant: boolean; readonly rows: Answer[][] }
  | { readonly kind: 'relation'; readonly text: string; readonly operators: RelationOperator[]; readonly sides: Expression[] }
  | { readonly kind: 'ratio'; readonly text: string; readonly items: Answer[] }
  | { readonly kind: 'named'; readonly text: string; readonly name: string; readonly value: Answer }
  | { readonly kind: 'raw'; readonly text: string };

/** Longest answer given a structural reading; longer ones are raw text. */
const MAX_ANSWER_LENGTH = 1000;
/** Most items a list may have before it is compared as raw text. */
const MAX_ITEMS = 200;
const MAX_DEPTH = 8;

const EMPTY_SET = /^(?:\\emptyset|\\varnothing|\\\{\s*\\\}|\{\s*\})$/;
const MATRIX = /^\\begin\{([pbBvV]?|small)matrix\}(.*)\\end\{\1matrix\}$/;
/** `\begin{array}{cc}…\end{array}`, bare or in parentheses/brackets (`\left(` already removed). */
const ARRAY = /^([([]?)\s*\\begin\{array\}\s*\{[^{}]*\}(.*)\\end\{array\}\s*([)\]]?)$/;
/** A left side that only names the answer: `x`, `\theta`, `a_1`, `f(x)`. */
const SIMPLE_NAME = /^(?:[A-Za-z]|\\[a-zA-Z]+)(?:_\{?[A-Za-z0-9]+\}?)?(?:\([A-Za-z0-9, ]*\))?$/;
const BASE_NUMERAL = /^(-?)(\d[0-9A-Za-z]*(?:\.[0-9A-Za-z]+)?)_\{?\(?(\d{1,2})\)?\}?$/;
const MIXED_LATEX = /^([+-]?)(\d+)\s*\\frac\s*(?:\{\s*(\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))$/;
const MIXED_PLAIN = /^([+-]?)(\d+)\s+(\d+)\s*\/\s*(\d+)$/;
const WORDS = /^[A-Za-z0-9 .,'\-:]+$/;
const NOT_WORDS = new Set('pi sin cos tan cot sec csc log ln exp sqrt inf'.split(' '));

/** Reads a normalized answer (see `normalizeAnswer`) as a structure. Never throws on any input. */
export function parseAnswer(input: string, depth = 0): Answer {
  const text = stripDecorations(input);
  if (text === '') return { kind: 'empty', text };
  if (depth > MAX_DEPTH || text.length > MAX_ANSWER_LENGTH || !bracketsBalance(text)) return { kind: 'raw', text };
  if (EMPTY_SET.test(text)) return { kind: 'set', text, items: [] };

  const matrix = MATRIX.exec(text);
  if (matrix) return parseMatrix(text, matrix[1] as string, matrix[2] as string, depth);
  const array = ARRAY.exec(text);
  if (array && (array[1] === '') === (array[3] === '')) return parseMatrix(text, '', array[2] as string, depth);

  const pieces = splitTopLevel(text, '\\cup');
  if (pieces.length > 1) return list('union', text, pieces, depth);

  if (enclosedByOuterBrackets(text)) {
    const bracketed = parseBracketed(text, depth);
    if (bracketed) return bracketed;
  }

  const items = splitTopLevel(text, ',');
  if (items.length > 1) return list('set', text, items, depth);

  const plusMinus = expandPlusMinus(text);
  if (plusMinus) return list('set', text, plusMinus, depth);

  const relation = parseRelation(text, depth);
  if (relation) return relation;

  // `3:1` is a ratio, compared term by term (`6:2` is not `3:1`: ratios are asked for in lowest terms).
  const terms = text.includes(':') ? splitTopLevel(text, ':') : [];
  if (terms.length > 1) {
    const items = terms.map((term) => parseAnswer(term, depth + 1));
    if (items.every((item) => item.kind === 'math')) return { kind: 'ratio', text, items };
    return { kind: 'raw', text };
  }

  return parseAtom(text);
}

function list(kind: 'set' | 'union', text: string, pieces: string[], depth: number): Answer {
  if (pieces.length > MAX_ITEMS) return { kind: 'raw', text };
  const items: Answer[] = [];
  for (const piece of pieces) {
    const item = parseAnswer(piece, depth + 1);
    if (item.kind === 'empty') return { kind: 'raw', text };
    // `1 \pm \sqrt 5, -2` is a set of three: a ± item's pair joins the enclosing set.
    if (kind === 'set' && item.kind === 'set' && !item.text.startsWith('\\{')) items.push(...item.items);
    else items.push(item);
  }
  return { kind, text, items };
}

function parseMatrix(text: string, style: string, body: string, depth: number): Answer {
  const rows: Answer[][] = [];
  for (const row of splitTopLevel(body, '\\\\')) {
    if (row.trim() === '') continue;
    const cells = splitTopLevel(row, '&').map((cell) => parseAnswer(cell, depth + 1));
    if (cells.some((cell) => cell.kind === 'empty')) return { kind: 'raw', text };
    rows.push(cells);
  }
  if (rows.length === 0 || rows.some((row) => row.length !== rows[0]?.length)) return { kind: 'raw', text };
  return { kind: 'matrix', text, determinant: style === 'v' || style === 'V', rows };
}

function parseBracketed(text: string, depth: number): Answer | null {
  if (text.startsWith('\\{') && text.endsWith('\\}')) {
    const inner = text.slice(2, -2);
    const set = list('set', text, splitTopLevel(inner, ','), depth);
    return set.kind === 'set' ? { kind: 'set', text, items: set.items } : set;
  }
  const open = text[0];
  const close = text[text.length - 1];
  const inner = text.slice(1, -1);
  if (open === '{' && close === '}') return parseAnswer(inner, depth + 1);
  if ((open !== '(' && open !== '[') || (close !== ')' && close !== ']')) return null;
  const parts = splitTopLevel(inner, ',');
  if (parts.length > 1) {
    if (parts.length > MAX_ITEMS) return { kind: 'raw', text };
    const items = parts.map((part) => parseAnswer(part, depth + 1));
    if (items.some((item) => item.kind === 'empty')) return { kind: 'raw', text };
    return { kind: 'tuple', text, open, close, items };
  }
  // `(B)` is a choice; `(4x - 7)` and `[5]` are grouping; `(5]` is nothing.
  if (/^\s*[A-Z]\s*$/.test(inner)) return { kind: 'text', text: inner.trim() };
  if ((open === '(') !== (close === ')')) return { kind: 'raw', text };
  return parseAnswer(inner, depth + 1);
}

/** `a \pm b` → [`a+b`, `a-b`] (one top-level `\pm` or `\mp`); null when there is none. */
function expandPlusMinus(text: string): string[] | null {
  for (const command of ['\\pm', '\\mp']) {
    const parts = splitTopLevel(text, command);
    if (parts.length === 1) continue;
    if (parts.length > 2) return null;
    const [left = '', right = ''] = parts;
    const [first, second] = command === '\\pm' ? ['+', '-'] : ['-', '+'];
    return [`${left}${first}(${right})`, `${left}${second}(${right})`];
  }
  return null;
}

const RELATIONS: Array<[string, RelationOperator | 'in', boolean]> = [
  ['\\leqslant', '<=', false],
  ['\\geqslant', '<=', true],
  ['\\leq', '<=', false],
  ['\\geq', '<=', true],
  ['\\le', '<=', false],
  ['\\ge', '<=', true],
  ['\\neq', '!=', false],
  ['\\ne', '!=', false],
  ['\\lt', '<', false],
  ['\\gt', '<', true],
  ['\\in', 'in', false],
  ['<=', '<=', false],
  ['>=', '<=', true],
  ['!=', '!=', false],
  ['=', '=', false],
  ['<', '<', false],
  ['>', '<', true],
];

/** Splits at top-level relation symbols: sides and operators (with `reversed` for `>` and `≥`). */
function splitRelations(text: string): { sides: string[]; operators: Array<[RelationOperator | 'in', boolean]> } {
  const sides: string[] = [];
  const operators: Array<[RelationOperator | 'in', boolean]> = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; ) {
    const character = text[index] as string;
    if (depth === 0) {
      const found = RELATIONS.find(
        ([symbol]) => text.startsWith(symbol, index) && (!symbol.startsWith('\\') || !/[a-zA-Z]/.test(text[index + symbol.length] ?? '')),
      );
      if (found) {
        sides.push(text.slice(start, index));
        operators.push([found[1], found[2]]);
        index += found[0].length;
        start = index;
        continue;
      }
    }
    if (character === '\\') {
      const next = text[index + 1];
      if (next === '{') depth++;
      else if (next === '}') depth--;
      index += 2;
      continue;
    }
    if (character === '(' || character === '[' || character === '{') depth++;
    else if (character === ')' || character === ']' || character === '}') depth--;
    index++;
  }
  sides.push(text.slice(start));
  return { sides, operators };
}

function parseRelation(text: string, depth: number): Answer | null {
  if (!/[=<>]|\\(?:le|ge|ne|lt|gt|in)/.test(text)) return null;
  const { sides, operators } = splitRelations(text);
  if (operators.length === 0) return null;
  const left = (sides[0] ?? '').trim();
  if (operators.length === 1 && (operators[0]?.[0] === '=' || operators[0]?.[0] === 'in') && SIMPLE_NAME.test(left)) {
    const value = parseAnswer(sides[1] ?? '', depth + 1);
    if (value.kind === 'empty') return { kind: 'raw', text };
    return { kind: 'named', text, name: left.replace(/\s+/g, ''), value };
  }
  if (operators.some(([operator]) => operator === 'in')) return { kind: 'raw', text };
  const expressions: Expression[] = [];
  for (const side of sides) {
    const expression = parseExpression(side.trim());
    if (!expression) return { kind: 'raw', text };
    expressions.push(expression);
  }
  // `a > b > c` reads as `c < b < a`; a chain mixing directions (or `=` with `>`) is not read.
  const reversed = operators.map(([, flip]) => flip);
  const relations = operators.map(([operator]) => operator as RelationOperator);
  if (reversed.every(Boolean)) return { kind: 'relation', text, operators: relations.reverse(), sides: expressions.reverse() };
  if (reversed.some(Boolean)) return { kind: 'raw', text };
  return { kind: 'relation', text, operators: relations, sides: expressions };
}

function parseAtom(text: string): Answer {
  const base = BASE_NUMERAL.exec(text);
  if (base) {
    const value = parseInBase(base[2] as string, Number(base[3]));
    const radix = Number(base[3]);
    if (value && radix >= 2) {
      return {
        kind: 'base',
        text,
        base: radix,
        value: base[1] === '-' ? { numerator: -value.numerator, denominator: value.denominator } : value,
      };
    }
    // `19_8` has a digit its base lacks: not a numeral, and not a number either.
    return { kind: 'raw', text };
  }
  const mixed = MIXED_LATEX.exec(text) ?? MIXED_PLAIN.exec(text);
  if (mixed) {
    const [, sign = '', whole = '0'] = mixed;
    const parts = mixed.slice(3).filter((part): part is string => part !== undefined);
    const numerator = BigInt(parts[0] ?? '0');
    const denominator = BigInt(parts[1] ?? '1');
    // Only a proper fraction makes a mixed number: `2\frac{5}{3}` is a product.
    if (denominator > 0n && numerator < denominator) {
      const value = rational(BigInt(whole) * denominator + numerator, denominator);
      if (value) {
        const signed = sign === '-' ? { numerator: -value.numerator, denominator: value.denominator } : value;
        return { kind: 'math', text, expression: { type: 'number', value: signed, text } };
      }
    }
  }
  if (WORDS.test(text) && (text.match(/[A-Za-z]{3,}/g) ?? []).some((word) => !NOT_WORDS.has(word.toLowerCase()))) {
    return { kind: 'text', text };
  }
  const expression = parseExpression(text);
  if (expression) return { kind: 'math', text, expression };
  return { kind: 'raw', text };
}
