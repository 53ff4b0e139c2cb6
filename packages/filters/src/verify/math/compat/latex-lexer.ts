/**
 * The token rules of SymPy's `parse_latex` grammar (`sympy/parsing/latex/LaTeX.g4`, the ANTLR
 * grammar ported from latex2sympy), re-implemented: longest match, ties to the rule listed first;
 * whitespace, `\left`, `\right`, `\,`, `\;`, `\quad` … skipped; a character no rule matches (`%`,
 * `#`, `&`, `\\`, any non-ASCII) is a lexing error. Digits are single-character tokens (numbers are
 * a parser rule there, which is where SymPy's odd readings of `528.` come from). Tokens are produced
 * on demand, as ANTLR's token stream does, so an unlexable character after the point where parsing
 * stops is never seen.
 */

/** Token kinds of the grammar (`FUNC` stands for the 22 named functions, `\sin` … `\artanh`). */
export type LatexTokenKind =
  | 'ADD'
  | 'SUB'
  | 'MUL'
  | 'DIV'
  | 'L_PAREN'
  | 'R_PAREN'
  | 'L_BRACE'
  | 'R_BRACE'
  | 'L_BRACE_LITERAL'
  | 'R_BRACE_LITERAL'
  | 'L_BRACKET'
  | 'R_BRACKET'
  | 'BAR'
  | 'R_BAR'
  | 'L_BAR'
  | 'L_ANGLE'
  | 'R_ANGLE'
  | 'FUNC_LIM'
  | 'LIM_APPROACH_SYM'
  | 'FUNC_INT'
  | 'FUNC_SUM'
  | 'FUNC_PROD'
  | 'FUNC'
  | 'L_FLOOR'
  | 'R_FLOOR'
  | 'L_CEIL'
  | 'R_CEIL'
  | 'FUNC_SQRT'
  | 'FUNC_OVERLINE'
  | 'CMD_TIMES'
  | 'CMD_CDOT'
  | 'CMD_DIV'
  | 'CMD_FRAC'
  | 'CMD_BINOM'
  | 'CMD_MATHIT'
  | 'UNDERSCORE'
  | 'CARET'
  | 'COLON'
  | 'DIFFERENTIAL'
  | 'LETTER'
  | 'DIGIT'
  | 'EQUAL'
  | 'NEQ'
  | 'LT'
  | 'LTE'
  | 'GT'
  | 'GTE'
  | 'BANG'
  | 'SINGLE_QUOTES'
  | 'SYMBOL'
  | 'COMMA'
  | 'DOT'
  | 'EOF';

/** One token: its kind and the exact source text. */
export interface LatexToken {
  readonly kind: LatexTokenKind;
  readonly text: string;
}

/** Thrown (internally) when no token rule matches; the parser turns it into a failed parse. */
export class LatexLexError extends Error {
  override readonly name = 'LatexLexError';
  constructor(readonly position: number) {
    super(`no token matches at ${position}`);
  }
}

type Kind = LatexTokenKind | 'SKIP';

/** Fixed-text rules in grammar order (earlier wins a tie in length). */
const LITERALS: readonly (readonly [string, Kind])[] = [
  ['\\,', 'SKIP'],
  ['\\thinspace', 'SKIP'],
  ['\\:', 'SKIP'],
  ['\\medspace', 'SKIP'],
  ['\\;', 'SKIP'],
  ['\\thickspace', 'SKIP'],
  ['\\quad', 'SKIP'],
  ['\\qquad', 'SKIP'],
  ['\\!', 'SKIP'],
  ['\\negthinspace', 'SKIP'],
  ['\\negmedspace', 'SKIP'],
  ['\\negthickspace', 'SKIP'],
  ['\\left', 'SKIP'],
  ['\\right', 'SKIP'],
  ['\\vrule', 'SKIP'],
  ['\\vcenter', 'SKIP'],
  ['\\vbox', 'SKIP'],
  ['\\vskip', 'SKIP'],
  ['\\vspace', 'SKIP'],
  ['\\hfil', 'SKIP'],
  ['\\*', 'SKIP'],
  ['\\-', 'SKIP'],
  ['\\.', 'SKIP'],
  ['\\/', 'SKIP'],
  ['\\"', 'SKIP'],
  ['\\(', 'SKIP'],
  ['\\=', 'SKIP'],
  ['+', 'ADD'],
  ['-', 'SUB'],
  ['*', 'MUL'],
  ['/', 'DIV'],
  ['(', 'L_PAREN'],
  [')', 'R_PAREN'],
  ['{', 'L_BRACE'],
  ['}', 'R_BRACE'],
  ['\\{', 'L_BRACE_LITERAL'],
  ['\\}', 'R_BRACE_LITERAL'],
  ['[', 'L_BRACKET'],
  [']', 'R_BRACKET'],
  ['|', 'BAR'],
  ['\\right|', 'R_BAR'],
  ['\\left|', 'L_BAR'],
  ['\\langle', 'L_ANGLE'],
  ['\\rangle', 'R_ANGLE'],
  ['\\lim', 'FUNC_LIM'],
  ['\\to', 'LIM_APPROACH_SYM'],
  ['\\rightarrow', 'LIM_APPROACH_SYM'],
  ['\\Rightarrow', 'LIM_APPROACH_SYM'],
  ['\\longrightarrow', 'LIM_APPROACH_SYM'],
  ['\\Longrightarrow', 'LIM_APPROACH_SYM'],
  ['\\int', 'FUNC_INT'],
  ['\\int\\limits', 'FUNC_INT'],
  ['\\sum', 'FUNC_SUM'],
  ['\\prod', 'FUNC_PROD'],
  ['\\exp', 'FUNC'],
  ['\\log', 'FUNC'],
  ['\\lg', 'FUNC'],
  ['\\ln', 'FUNC'],
  ['\\sin', 'FUNC'],
  ['\\cos', 'FUNC'],
  ['\\tan', 'FUNC'],
  ['\\csc', 'FUNC'],
  ['\\sec', 'FUNC'],
  ['\\cot', 'FUNC'],
  ['\\arcsin', 'FUNC'],
  ['\\arccos', 'FUNC'],
  ['\\arctan', 'FUNC'],
  ['\\arccsc', 'FUNC'],
  ['\\arcsec', 'FUNC'],
  ['\\arccot', 'FUNC'],
  ['\\sinh', 'FUNC'],
  ['\\cosh', 'FUNC'],
  ['\\tanh', 'FUNC'],
  ['\\arsinh', 'FUNC'],
  ['\\arcosh', 'FUNC'],
  ['\\artanh', 'FUNC'],
  ['\\lfloor', 'L_FLOOR'],
  ['\\rfloor', 'R_FLOOR'],
  ['\\lceil', 'L_CEIL'],
  ['\\rceil', 'R_CEIL'],
  ['\\sqrt', 'FUNC_SQRT'],
  ['\\overline', 'FUNC_OVERLINE'],
  ['\\times', 'CMD_TIMES'],
  ['\\cdot', 'CMD_CDOT'],
  ['\\div', 'CMD_DIV'],
  ['\\frac', 'CMD_FRAC'],
  ['\\dfrac', 'CMD_FRAC'],
  ['\\tfrac', 'CMD_FRAC'],
  ['\\binom', 'CMD_BINOM'],
  ['\\dbinom', 'CMD_BINOM'],
  ['\\tbinom', 'CMD_BINOM'],
  ['\\mathit', 'CMD_MATHIT'],
  ['_', 'UNDERSCORE'],
  ['^', 'CARET'],
  [':', 'COLON'],
  ['\\neq', 'NEQ'],
  ['<', 'LT'],
  ['\\leq', 'LTE'],
  ['\\le', 'LTE'],
  ['\\leqq', 'LTE'],
  ['\\leqslant', 'LTE'],
  ['>', 'GT'],
  ['\\geq', 'GTE'],
  ['\\ge', 'GTE'],
  ['\\geqq', 'GTE'],
  ['\\geqslant', 'GTE'],
  ['!', 'BANG'],
];

const isLetter = (character: string | undefined): boolean => character !== undefined && /^[a-zA-Z]$/.test(character);
const isWsChar = (character: string | undefined): boolean =>
  character === ' ' || character === '\t' || character === '\r' || character === '\n';

/** Length of the `DIFFERENTIAL` rule (`'d' WS* ([a-zA-Z] | '\\' [a-zA-Z]+)`) at `start`, or 0. */
function differentialLength(source: string, start: number): number {
  if (source[start] !== 'd') return 0;
  let index = start + 1;
  while (isWsChar(source[index])) index++;
  if (isLetter(source[index])) return index + 1 - start;
  if (source[index] === '\\' && isLetter(source[index + 1])) {
    index += 2;
    while (isLetter(source[index])) index++;
    return index - start;
  }
  return 0;
}

/** Length of the `EQUAL` rule (`('&' WS*)? '='` or `'=' (WS* '&')?`) at `start`, or 0. */
function equalLength(source: string, start: number): number {
  if (source[start] === '&') {
    let index = start + 1;
    while (isWsChar(source[index])) index++;
    return source[index] === '=' ? index + 1 - start : 0;
  }
  if (source[start] !== '=') return 0;
  let index = start + 1;
  while (isWsChar(source[index])) index++;
  return source[index] === '&' ? index + 1 - start : 1;
}

/** A lazy token stream over one LaTeX string. */
export class LatexLexer {
  private readonly tokens: LatexToken[] = [];
  private position = 0;
  private failedAt: number | null = null;

  constructor(private readonly source: string) {}

  /** The token at `index` (0-based), lexing up to it; throws `LatexLexError` when a character before it cannot be lexed. */
  token(index: number): LatexToken {
    while (this.tokens.length <= index) {
      if (this.failedAt !== null) throw new LatexLexError(this.failedAt);
      const next = this.next();
      if (next === null) {
        this.failedAt = this.position;
        throw new LatexLexError(this.position);
      }
      this.tokens.push(next);
      if (next.kind === 'EOF') {
        while (this.tokens.length <= index) this.tokens.push(next);
      }
    }
    return this.tokens[index]!;
  }

  private next(): LatexToken | null {
    const source = this.source;
    for (;;) {
      if (this.position >= source.length) return { kind: 'EOF', text: '' };
      const start = this.position;
      const best: { length: number; kind: Kind | null } = { length: 0, kind: null };
      const consider = (length: number, kind: Kind) => {
        if (length > best.length) {
          best.length = length;
          best.kind = kind;
        }
      };
      let spaces = 0;
      while (isWsChar(source[start + spaces])) spaces++;
      const character = source[start]!;
      if (character === ',') consider(1, 'COMMA');
      if (character === '.') consider(1, 'DOT');
      consider(spaces, 'SKIP');
      for (const [text, kind] of LITERALS) if (source.startsWith(text, start)) consider(text.length, kind);
      consider(differentialLength(source, start), 'DIFFERENTIAL');
      if (isLetter(character)) consider(1, 'LETTER');
      if (character >= '0' && character <= '9') consider(1, 'DIGIT');
      consider(equalLength(source, start), 'EQUAL');
      if (character === "'") {
        let end = start;
        while (source[end] === "'") end++;
        consider(end - start, 'SINGLE_QUOTES');
      }
      if (character === '\\' && isLetter(source[start + 1])) {
        let end = start + 2;
        while (isLetter(source[end])) end++;
        consider(end - start, 'SYMBOL');
      }
      const bestKind = best.kind;
      const bestLength = best.length;
      if (bestKind === null) return null;
      this.position = start + bestLength;
      if (bestKind === 'SKIP') continue;
      return { kind: bestKind, text: source.slice(start, start + bestLength) };
    }
  }
}
