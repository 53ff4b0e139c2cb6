/**
 * Brace and bracket scanning for LaTeX answers: every helper is one linear pass, so no input can make
 * the grader slow (no backtracking regular expressions over nested groups).
 */

/** Index of the `}` closing the `{` at `open`, or -1 when it never closes. `\{` and `\}` are skipped. */
export function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    const character = text[index];
    if (character === '\\') {
      index++;
      continue;
    }
    if (character === '{') depth++;
    else if (character === '}') {
      depth--;
      if (depth === 0) return index;
    }
  }
  return -1;
}

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

/**
 * Bracket depth change at `index`: `(`, `[`, `{`, `\{`, `\langle` open; `)`, `]`, `}`, `\}`, `\rangle`
 * close. Brackets of different kinds count together so a half-open interval `(3,4]` balances.
 * Returns the change and how many characters the token spans.
 */
function bracketAt(text: string, index: number): [change: number, width: number] {
  const character = text[index] as string;
  if (character === '\\') {
    const next = text[index + 1];
    if (next === '{') return [1, 2];
    if (next === '}') return [-1, 2];
    if (text.startsWith('langle', index + 1)) return [1, 7];
    if (text.startsWith('rangle', index + 1)) return [-1, 7];
    return [0, next === undefined ? 1 : 2];
  }
  if (OPENERS.has(character)) return [1, 1];
  if (CLOSERS.has(character)) return [-1, 1];
  return [0, 1];
}

/**
 * Splits `text` on `separator` where it occurs outside every bracket. A separator that is a command
 * (`\cup`) must not run into letters (`\cupcake` is not a `\cup`). Empty pieces are kept.
 */
export function splitTopLevel(text: string, separator: string): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let start = 0;
  const isCommand = separator.startsWith('\\');
  for (let index = 0; index < text.length; ) {
    if (depth === 0 && text.startsWith(separator, index)) {
      const after = text[index + separator.length];
      if (!isCommand || after === undefined || !/[a-zA-Z]/.test(after)) {
        pieces.push(text.slice(start, index));
        index += separator.length;
        start = index;
        continue;
      }
    }
    const [change, width] = bracketAt(text, index);
    depth += change;
    index += width;
  }
  pieces.push(text.slice(start));
  return pieces;
}

/**
 * Whether the bracket opening at 0 closes exactly at the last character (so `(1,2)` is enclosed and
 * `(x+1)(x-1)` is not). Kinds may differ, for half-open intervals.
 */
export function enclosedByOuterBrackets(text: string): boolean {
  if (text.length < 2) return false;
  let depth = 0;
  for (let index = 0; index < text.length; ) {
    const [change, width] = bracketAt(text, index);
    depth += change;
    index += width;
    if (depth === 0) return index === text.length;
  }
  return false;
}

/** Whether every bracket in `text` closes (of any kind, in order of depth). */
export function bracketsBalance(text: string): boolean {
  let depth = 0;
  for (let index = 0; index < text.length; ) {
    const [change, width] = bracketAt(text, index);
    depth += change;
    if (depth < 0) return false;
    index += width;
  }
  return depth === 0;
}
