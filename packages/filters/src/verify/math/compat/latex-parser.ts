/**
 * An emulation of SymPy's `parse_latex` (the ANTLR grammar ported from latex2sympy, SymPy 1.12 as
 * Abel pinned it): which strings it accepts, what it silently ignores and what tree it returns.
 * ANTLR's adaptive prediction is not re-implemented; its visible effects are, as rules fitted to
 * SymPy's own output (docs/compat-graders.md gives the agreement figures):
 *
 * - No end-of-input check: parsing stops quietly at the first token that cannot continue, so
 *   `A,B` reads as `A`, `3)` as `3`, `f(3` as `f`. An optional part that fails to parse (the operand
 *   after `+ - * / : ^`, another implicit factor) is dropped: `3+` and `1+\sqrt5` are the left side,
 *   `2(3` is 2. A relation is never optional (`x=` fails). Two failures are hard wherever they
 *   occur, except inside brackets, where they only drop the bracketed factor: a lone digit before a
 *   dangling `.` (`3+1.` fails, `2(2.)` is 2) and a bad subscript of a required factor (`x_`).
 * - Implicit multiplication of adjacent factors (`3x`, `2(3)`, `None` = `N·o·n·e`), including
 *   SymPy's special case that drops an `x` between two numbers (`2x3` = 6); `x(3)` is a function.
 * - Numbers are a parser rule over one-digit tokens, and ANTLR's prediction splits them in odd ways
 *   when a `.` or `,` dangles: `528.` = 5·2, `10.` = 1, `7.` fails, `0.6666...` = 0.666,
 *   `12,34` = 12, `1,2345` = 1234·5, `1.12.1` = 1.1·2.1 (`scanNumber`). A number as the script of a
 *   function leaves its last digit to the argument when nothing else follows: `\log_28` = log₂ 8.
 * - A lexing error (`%`, `\$`, `\162`) fails the parse only if parsing gets that far (`A,B%` is `A`).
 * - Errors SymPy raises while building the tree: `05` (a leading zero), `a<b<c`, a trailing
 *   `\frac{d}{dx}`.
 * - `\log` is base 10 and `\ln` base e (SymPy 1.12; later versions read `\log` as natural).
 *
 * Integrals, sums, products, limits, derivatives, bras and kets parse as `unsupported`.
 */
import { LatexLexer, type LatexTokenKind } from './latex-lexer.js';
import { pyStrip } from './python-text.js';
import { hasSymbols, printNode, type RelationOperator, type SympyNode } from './sympy-node.js';

/** The outcome of `parseLatex`: SymPy's tree, or the fact that `parse_latex` would raise. */
export type LatexParse = { readonly ok: true; readonly node: SympyNode } | { readonly ok: false; readonly error: string };

/** Token lookups a single parse may make before it gives up (guards against backtracking blow-up). */
const STEP_BUDGET = 200_000;

/** A syntax error an optional construct may recover from (the parser then stops before it). */
class ParseFailure extends Error {
  override readonly name = 'ParseFailure';
}
/** A syntax error SymPy reports even inside an optional construct (a dangling `.` after one digit, `x_`). */
class HardFailure extends Error {
  override readonly name = 'HardFailure';
}
class UnsupportedConstruct extends Error {
  override readonly name = 'UnsupportedConstruct';
}
/** The input needs more lookups than `STEP_BUDGET`; the parse fails outright. */
class BudgetExhausted extends Error {
  override readonly name = 'BudgetExhausted';
}

const RELATIONS: Partial<Record<LatexTokenKind, RelationOperator>> = {
  EQUAL: '=',
  NEQ: '!=',
  LT: '<',
  LTE: '<=',
  GT: '>',
  GTE: '>=',
};
const MULTIPLICATIVE = new Set<LatexTokenKind>(['MUL', 'CMD_TIMES', 'CMD_CDOT', 'DIV', 'CMD_DIV', 'COLON']);
const GROUP_CLOSERS: Partial<Record<LatexTokenKind, LatexTokenKind>> = {
  L_PAREN: 'R_PAREN',
  L_BRACKET: 'R_BRACKET',
  L_BRACE: 'R_BRACE',
  L_BRACE_LITERAL: 'R_BRACE_LITERAL',
};
/** Tokens that start a postfix other than a function. */
const POSTFIX_STARTS = new Set<LatexTokenKind>([
  'L_PAREN',
  'L_BRACKET',
  'L_BRACE',
  'L_BRACE_LITERAL',
  'BAR',
  'L_BAR',
  'L_ANGLE',
  'L_FLOOR',
  'L_CEIL',
  'LETTER',
  'SYMBOL',
  'DIGIT',
  'DIFFERENTIAL',
  'CMD_MATHIT',
  'CMD_FRAC',
  'CMD_BINOM',
]);
const FUNCTION_STARTS = new Set<LatexTokenKind>(['FUNC', 'FUNC_SQRT', 'FUNC_OVERLINE', 'FUNC_INT', 'FUNC_SUM', 'FUNC_PROD', 'FUNC_LIM']);
const TRIGONOMETRIC = new Set(['sin', 'cos', 'tan', 'csc', 'sec', 'cot', 'sinh', 'cosh', 'tanh']);

/** Parses like SymPy's `parse_latex(text)` (see the module comment). Never throws. */
export function parseLatex(text: string): LatexParse {
  const source = pyStrip(text);
  try {
    const parser = new Parser(source);
    const node = parser.math();
    if (parser.hasInvalid(node)) return { ok: false, error: 'SymPy cannot build this expression' };
    return { ok: true, node };
  } catch (error) {
    if (error instanceof UnsupportedConstruct) return { ok: true, node: { kind: 'unsupported', text: source } };
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const integer = (value: bigint): SympyNode => ({ kind: 'integer', value });
const reciprocal = (node: SympyNode): SympyNode => ({ kind: 'pow', base: node, exponent: integer(-1n) });
const isIntegerOne = (node: SympyNode): boolean => node.kind === 'integer' && node.value === 1n;
/** Euler's number, as the base of `\ln` (the only place `parse_latex` produces it; the letter `e` is a symbol). */
const E: SympyNode = { kind: 'call', name: 'E', args: [] };

type NumberScan = { readonly end: number } | 'none' | 'error';

class Parser {
  private readonly lexer: LatexLexer;
  private index = 0;
  private steps = 0;
  /** Nodes SymPy would fail to build (`05`, `a<b<c`, a trailing `d/dx`): an error only if they end up in the tree. */
  private readonly invalid = new WeakSet<SympyNode>();

  constructor(source: string) {
    this.lexer = new LatexLexer(source);
  }

  math(): SympyNode {
    return this.relation();
  }

  /** Whether the finished tree holds a node SymPy could not have built. */
  hasInvalid(node: SympyNode): boolean {
    if (this.invalid.has(node)) return true;
    switch (node.kind) {
      case 'add':
      case 'mul':
      case 'relation':
        return this.hasInvalid(node.left) || this.hasInvalid(node.right);
      case 'pow':
        return this.hasInvalid(node.base) || this.hasInvalid(node.exponent);
      case 'neg':
        return this.hasInvalid(node.operand);
      case 'call':
        return node.args.some((argument) => this.hasInvalid(argument));
      default:
        return false;
    }
  }

  private markInvalid(node: SympyNode): SympyNode {
    this.invalid.add(node);
    return node;
  }

  // ── token access ──────────────────────────────────────────────────────────────────────────────

  private kindAt(index: number): LatexTokenKind {
    if (++this.steps > STEP_BUDGET) throw new BudgetExhausted('parse budget exhausted');
    return this.lexer.token(index).kind;
  }

  private peek(offset = 0): LatexTokenKind {
    return this.kindAt(this.index + offset);
  }

  private text(offset = 0): string {
    return this.lexer.token(this.index + offset).text;
  }

  private expect(kind: LatexTokenKind): string {
    if (this.peek() !== kind) throw new ParseFailure(`expected ${kind}, found ${this.peek()}`);
    const value = this.text();
    this.index++;
    return value;
  }

  /** Runs `parse`; on failure restores the position and returns null (an optional construct that is not there). */
  private attempt<T>(parse: () => T | null): T | null {
    const saved = this.index;
    try {
      const result = parse();
      if (result === null) this.index = saved;
      return result;
    } catch (error) {
      // Lexing errors and hard failures are never recovered from: ANTLR reports them wherever they occur.
      if (!(error instanceof ParseFailure)) throw error;
      this.index = saved;
      return null;
    }
  }

  private canStartPostfix(kind: LatexTokenKind, allowFunction: boolean): boolean {
    return POSTFIX_STARTS.has(kind) || (allowFunction && FUNCTION_STARTS.has(kind));
  }

  // ── grammar ───────────────────────────────────────────────────────────────────────────────────

  private relation(): SympyNode {
    let left = this.expr();
    for (;;) {
      const operator = RELATIONS[this.peek()];
      if (operator === undefined) return left;
      this.index++;
      const right = this.expr();
      const node: SympyNode = { kind: 'relation', operator, left, right };
      // SymPy cannot order a truth value: `a < b < c` fails when it is built (`a = b = c` does not).
      const ordering = operator !== '=' && operator !== '!=';
      left = ordering && (left.kind === 'relation' || right.kind === 'relation') ? this.markInvalid(node) : node;
    }
  }

  private expr(): SympyNode {
    return this.additive();
  }

  /**
   * An expression inside brackets or braces. A hard failure in it (`(2.)`, `{x_}`) becomes an
   * ordinary one at the bracket: SymPy then drops the whole bracketed factor when it is optional
   * (`2(2.)` is 2) and fails only when it was required (`(2.)`).
   */
  private inner(): SympyNode {
    try {
      return this.expr();
    } catch (error) {
      throw error instanceof HardFailure ? new ParseFailure(error.message) : error;
    }
  }

  private additive(): SympyNode {
    let left = this.mp(false);
    for (;;) {
      const kind = this.peek();
      if (kind !== 'ADD' && kind !== 'SUB') return left;
      // An operator whose operand does not parse is left alone (`3+` and `1+\sqrt5` read as the left side).
      const right = this.attempt(() => {
        this.index++;
        return this.mp(false);
      });
      if (right === null) return left;
      left = { kind: 'add', left, right: kind === 'ADD' ? right : { kind: 'neg', operand: right } };
    }
  }

  private mp(noFunction: boolean): SympyNode {
    let left = this.unary(noFunction);
    for (;;) {
      const kind = this.peek();
      if (!MULTIPLICATIVE.has(kind)) return left;
      const right = this.attempt(() => {
        this.index++;
        return this.unary(noFunction);
      });
      if (right === null) return left;
      const divides = kind === 'DIV' || kind === 'CMD_DIV' || kind === 'COLON';
      left = { kind: 'mul', left, right: divides ? reciprocal(right) : right };
    }
  }

  private unary(noFunction: boolean): SympyNode {
    const sign = this.peek();
    if (sign === 'ADD' || sign === 'SUB') {
      this.index++;
      const operand = this.unary(noFunction);
      return sign === 'ADD' ? operand : { kind: 'neg', operand };
    }
    const first = this.postfix(true, true);
    if (first === null) throw new ParseFailure('expected an operand');
    const factors = [first];
    const allowFunction = !noFunction;
    while (this.canStartPostfix(this.peek(), allowFunction)) {
      const next = this.attempt(() => this.postfix(allowFunction, false));
      if (next === null) break;
      factors.push(next);
    }
    return implicitProduct(factors);
  }

  /** `exp postfix_op*`; null when an optional number dissolves (see `scanNumber`). */
  private postfix(allowFunction: boolean, mandatory: boolean): SympyNode | null {
    let node = this.exp(allowFunction, mandatory);
    if (node === null) return null;
    for (;;) {
      const kind = this.peek();
      if (kind === 'BANG') {
        this.index++;
        node = { kind: 'call', name: 'factorial', args: [node] };
      } else if (kind === 'BAR' && (this.peek(1) === 'CARET' || this.peek(1) === 'UNDERSCORE')) {
        if (this.attempt(() => this.evalAt()) === null) return node;
        throw new UnsupportedConstruct('evaluation bar');
      } else {
        return node;
      }
    }
  }

  private evalAt(): true {
    this.expect('BAR');
    const bound = () => {
      this.index++;
      this.expect('L_BRACE');
      this.inner();
      if (this.peek() === 'EQUAL') {
        this.index++;
        this.inner();
      }
      this.expect('R_BRACE');
    };
    bound();
    if (this.peek() === 'CARET' || this.peek() === 'UNDERSCORE') bound();
    return true;
  }

  private exp(allowFunction: boolean, mandatory: boolean): SympyNode | null {
    let node = this.comp(allowFunction, mandatory);
    if (node === null) return null;
    while (this.peek() === 'CARET') {
      const exponent = this.attempt(() => {
        this.index++;
        return this.scriptBody();
      });
      if (exponent === null) return node;
      if (this.peek() === 'UNDERSCORE') this.subscript();
      node = { kind: 'pow', base: node, exponent };
    }
    return node;
  }

  private comp(allowFunction: boolean, mandatory: boolean): SympyNode | null {
    const kind = this.peek();
    const closer = GROUP_CLOSERS[kind];
    if (closer !== undefined) {
      this.index++;
      const inner = this.inner();
      this.expect(closer);
      return inner;
    }
    switch (kind) {
      case 'BAR': {
        this.index++;
        const inner = this.inner();
        this.expect('BAR');
        return { kind: 'call', name: 'Abs', args: [inner] };
      }
      case 'L_FLOOR':
      case 'L_CEIL': {
        this.index++;
        const inner = this.inner();
        this.expect(kind === 'L_FLOOR' ? 'R_FLOOR' : 'R_CEIL');
        return { kind: 'call', name: kind === 'L_FLOOR' ? 'floor' : 'ceiling', args: [inner] };
      }
      case 'FUNC':
      case 'FUNC_SQRT':
      case 'FUNC_OVERLINE':
      case 'FUNC_INT':
      case 'FUNC_SUM':
      case 'FUNC_PROD':
      case 'FUNC_LIM':
        if (!allowFunction) throw new ParseFailure('function not allowed here');
        return this.func(kind);
      case 'LETTER':
      case 'SYMBOL':
        if (allowFunction) {
          const applied = this.attempt(() => this.appliedFunction());
          if (applied !== null) return applied;
        }
        return this.atom(mandatory);
      default:
        return this.atom(mandatory);
    }
  }

  private func(kind: LatexTokenKind): SympyNode {
    if (kind === 'FUNC_INT' || kind === 'FUNC_SUM' || kind === 'FUNC_PROD' || kind === 'FUNC_LIM') {
      this.bigOperator(kind);
      throw new UnsupportedConstruct(kind);
    }
    const name = this.text().slice(1);
    this.index++;
    if (kind === 'FUNC_SQRT') {
      let degree: SympyNode | null = null;
      if (this.peek() === 'L_BRACKET') {
        this.index++;
        degree = this.inner();
        this.expect('R_BRACKET');
      }
      this.expect('L_BRACE');
      const base = this.inner();
      this.expect('R_BRACE');
      const exponent: SympyNode = degree === null ? reciprocal(integer(2n)) : reciprocal(degree);
      return { kind: 'pow', base, exponent };
    }
    if (kind === 'FUNC_OVERLINE') {
      this.expect('L_BRACE');
      const base = this.inner();
      this.expect('R_BRACE');
      return { kind: 'call', name: 'conjugate', args: [base] };
    }
    // func_normal (subexpr? supexpr? | supexpr? subexpr?) ( '(' func_arg ')' | func_arg_noparens )
    let sub: SympyNode | null = null;
    let sup: SympyNode | null = null;
    for (let round = 0; round < 2; round++) {
      if (this.peek() === 'UNDERSCORE' && sub === null) sub = this.functionScript();
      else if (this.peek() === 'CARET' && sup === null) sup = this.functionScript();
    }
    let argument = this.attempt(() => {
      this.expect('L_PAREN');
      const first = this.inner();
      while (this.peek() === 'COMMA') {
        this.index++;
        this.inner();
      }
      this.expect('R_PAREN');
      return first;
    });
    if (argument === null) argument = this.mp(true);
    return functionCall(name, argument, sub, sup);
  }

  /**
   * A sub- or superscript of a named function. A bare number there leaves its last integer digit
   * to the argument when nothing else could be the argument: `\log_28` is log base 2 of 8 and
   * `\log_2 128` log base 212 of 8 (ANTLR's prediction sees that the function still needs one).
   */
  private functionScript(): SympyNode {
    this.index++;
    if (this.peek() !== 'DIGIT') return this.scriptBody();
    const start = this.index;
    const node = this.scriptBody();
    if (this.canStartArgument(this.peek())) return node;
    let digits = 0;
    while (this.kindAt(start + digits) === 'DIGIT') digits++;
    if (digits < 2) return node;
    let text = '';
    for (let index = start; index < start + digits - 1; index++) text += this.lexer.token(index).text;
    this.index = start + digits - 1;
    const shortened = integer(BigInt(text));
    return /^0\d/.test(text) ? this.markInvalid(shortened) : shortened;
  }

  private canStartArgument(kind: LatexTokenKind): boolean {
    return kind === 'ADD' || kind === 'SUB' || this.canStartPostfix(kind, true);
  }

  /** Checks the shape of `\int`, `\sum`, `\prod` and `\lim` (limits, then an operand); they are never evaluated. */
  private bigOperator(kind: LatexTokenKind): void {
    this.index++;
    if (kind === 'FUNC_LIM') {
      this.expect('UNDERSCORE');
      this.expect('L_BRACE');
      if (this.peek() !== 'LETTER' && this.peek() !== 'SYMBOL') throw new ParseFailure('expected a limit variable');
      this.index++;
      this.expect('LIM_APPROACH_SYM');
      this.inner();
      if (this.peek() === 'CARET') {
        this.index++;
        const braced = this.peek() === 'L_BRACE';
        if (braced) this.index++;
        if (this.peek() !== 'ADD' && this.peek() !== 'SUB') throw new ParseFailure('expected a side');
        this.index++;
        if (braced) this.expect('R_BRACE');
      }
      this.expect('R_BRACE');
    } else {
      for (let round = 0; round < 2; round++) {
        const script = this.peek();
        if (script !== 'UNDERSCORE' && script !== 'CARET') break;
        this.index++;
        if (this.peek() === 'L_BRACE') {
          this.index++;
          this.inner();
          if (this.peek() === 'EQUAL') {
            this.index++;
            this.inner();
          }
          this.expect('R_BRACE');
        } else if (this.atom(true) === null) {
          throw new ParseFailure('expected a limit');
        }
      }
    }
    this.mp(false);
  }

  /** `(LETTER | SYMBOL) subexpr? SINGLE_QUOTES? '(' args ')'`: an undefined function applied. */
  private appliedFunction(): SympyNode {
    const head = this.peek();
    let name = head === 'SYMBOL' ? this.text().slice(1) : this.text();
    this.index++;
    const decorated = this.decorations(false);
    if (decorated.subscript !== null) name += `_{${printNode(decorated.subscript)}}`;
    if (decorated.quotes !== null) name += decorated.quotes;
    this.expect('L_PAREN');
    const args = [this.inner()];
    while (this.peek() === 'COMMA') {
      this.index++;
      args.push(this.inner());
    }
    this.expect('R_PAREN');
    return { kind: 'call', name: `fn:${name}`, args };
  }

  /** `subexpr? SINGLE_QUOTES? | SINGLE_QUOTES? subexpr?` after a letter or symbol. */
  private decorations(mandatory = true): { subscript: SympyNode | null; quotes: string | null } {
    let subscript: SympyNode | null = null;
    let quotes: string | null = null;
    if (this.peek() === 'UNDERSCORE') subscript = this.subscript(mandatory);
    if (this.peek() === 'SINGLE_QUOTES') quotes = this.expect('SINGLE_QUOTES');
    if (subscript === null && this.peek() === 'UNDERSCORE') subscript = this.subscript(mandatory);
    return { subscript, quotes };
  }

  /** `_` and its script; a bad script is a hard failure where the factor is required (`x_`, `1+a_<`). */
  private subscript(mandatory = true): SympyNode {
    this.expect('UNDERSCORE');
    try {
      return this.scriptBody();
    } catch (error) {
      throw error instanceof ParseFailure && mandatory ? new HardFailure(`bad subscript: ${error.message}`) : error;
    }
  }

  private scriptBody(): SympyNode {
    if (this.peek() === 'L_BRACE') {
      this.index++;
      const inner = this.inner();
      this.expect('R_BRACE');
      return inner;
    }
    const atom = this.atom(true);
    if (atom === null) throw new ParseFailure('expected a script');
    return atom;
  }

  private atom(mandatory: boolean): SympyNode | null {
    const kind = this.peek();
    switch (kind) {
      case 'LETTER': {
        let name = this.text();
        this.index++;
        const decorated = this.decorations(mandatory);
        if (decorated.subscript !== null) name += `_{${printNode(decorated.subscript)}}`;
        if (decorated.quotes !== null) name += decorated.quotes;
        return { kind: 'symbol', name };
      }
      case 'SYMBOL': {
        let name = this.text().slice(1);
        this.index++;
        const decorated = this.decorations(mandatory);
        if (name === 'infty') return { kind: 'infinity' };
        if (decorated.subscript !== null) name += `_{${printNode(decorated.subscript)}}`;
        return { kind: 'symbol', name };
      }
      case 'DIGIT':
        return this.number(mandatory);
      case 'DIFFERENTIAL': {
        const variable = this.text()
          .slice(1)
          .replace(/^[ \t\r\n]*\\?/, '');
        this.index++;
        return { kind: 'symbol', name: `d${variable}` };
      }
      case 'CMD_MATHIT': {
        this.index++;
        this.expect('L_BRACE');
        let name = '';
        while (this.peek() === 'LETTER') name += this.expect('LETTER');
        this.expect('R_BRACE');
        return { kind: 'symbol', name };
      }
      case 'CMD_FRAC':
        return this.frac();
      case 'CMD_BINOM': {
        this.index++;
        this.expect('L_BRACE');
        const n = this.inner();
        this.expect('R_BRACE');
        this.expect('L_BRACE');
        const k = this.inner();
        this.expect('R_BRACE');
        return { kind: 'call', name: 'binomial', args: [n, k] };
      }
      case 'L_ANGLE':
      case 'L_BAR': {
        // bra `\langle x|` and ket `\left| x \rangle`: accepted, never evaluated.
        this.index++;
        this.inner();
        const closing = this.peek();
        if (kind === 'L_ANGLE' ? closing !== 'R_BAR' && closing !== 'BAR' : closing !== 'R_ANGLE') {
          throw new ParseFailure('unclosed bra or ket');
        }
        throw new UnsupportedConstruct('bra-ket');
      }
      default:
        throw new ParseFailure(`unexpected ${kind}`);
    }
  }

  private frac(): SympyNode {
    this.expect('CMD_FRAC');
    const part = (): { node: SympyNode; differential: boolean } => {
      if (this.peek() === 'DIGIT') return { node: integer(BigInt(this.expect('DIGIT'))), differential: false };
      this.expect('L_BRACE');
      const start = this.index;
      const node = this.inner();
      const differential = this.index === start + 1 && this.lexer.token(start).kind === 'DIFFERENTIAL';
      this.expect('R_BRACE');
      return { node, differential };
    };
    const upper = part();
    const lower = part();
    const inverse = reciprocal(lower.node);
    if (lower.differential) {
      // `\frac{d}{dx}` applies to the factor after it; with none, SymPy fails when it builds the tree.
      if (this.canStartPostfix(this.peek(), true)) throw new UnsupportedConstruct('derivative');
      return this.markInvalid({ kind: 'mul', left: upper.node, right: inverse });
    }
    return isIntegerOne(upper.node) ? inverse : { kind: 'mul', left: upper.node, right: inverse };
  }

  private number(mandatory: boolean): SympyNode | null {
    const scan = this.scanNumber(this.index, mandatory);
    if (scan === 'error') throw new HardFailure('dangling decimal point');
    if (scan === 'none') return null;
    let text = '';
    for (let index = this.index; index < scan.end; index++) text += this.lexer.token(index).text;
    this.index = scan.end;
    const digits = text.replaceAll(',', '');
    if (digits.includes('.')) {
      const [whole = '', fraction = ''] = digits.split('.');
      return { kind: 'float', value: Number(digits), digits: whole + fraction, exponent: -fraction.length };
    }
    // SymPy builds the integer through Python source, where `05` is a syntax error (`00` is not).
    const node = integer(BigInt(digits));
    return /^0\d/.test(digits) && !/^0+$/.test(digits) ? this.markInvalid(node) : node;
  }

  /**
   * Where the number starting at `start` ends, reproducing ANTLR's prediction on the rule
   * `number: DIGIT+ (',' DIGIT DIGIT DIGIT)* ('.' DIGIT+)?` (fitted, see the module comment):
   * - a comma group is taken only when three digits follow and no dangling `.` comes after them;
   * - digits followed by a dangling `.` (no digit after it) give up their first digit alone
   *   (`528.` → `5`, then `28.` → `2`, then `8.` dissolves): a lone digit before a dangling `.`
   *   fails where an operand is required (`7.`) and otherwise ends the parse (`none`);
   * - a fraction followed by `.` (two or more fraction digits) hands its last digit to the next
   *   number (`1.12.1` → `1.1`, `2.1`); followed by `,` it does so only when that next number takes
   *   a comma group and the rest of the run reads cleanly.
   */
  private scanNumber(start: number, mandatory: boolean): NumberScan {
    const isDigit = (index: number) => this.kindAt(index) === 'DIGIT';
    let end = start;
    while (isDigit(end)) end++;
    const integerDigits = end - start;
    let position = end;
    while (this.kindAt(position) === 'COMMA' && isDigit(position + 1) && isDigit(position + 2) && isDigit(position + 3)) {
      const after = position + 4;
      if (this.kindAt(after) === 'DOT' && !isDigit(after + 1)) break;
      position = after;
    }
    if (position === end && this.kindAt(end) === 'DOT' && !isDigit(end + 1)) {
      if (integerDigits === 1) return mandatory ? 'error' : 'none';
      return { end: start + 1 };
    }
    if (this.kindAt(position) === 'DOT' && isDigit(position + 1)) {
      const fractionStart = position + 1;
      let fractionEnd = fractionStart;
      while (isDigit(fractionEnd)) fractionEnd++;
      const fractionDigits = fractionEnd - fractionStart;
      const after = this.kindAt(fractionEnd);
      if (after === 'DOT' && fractionDigits >= 2) return { end: fractionEnd - 1 };
      if (after === 'COMMA' && fractionDigits >= 2) {
        const next = this.scanNumber(fractionEnd - 1, false);
        if (typeof next === 'object' && this.hasComma(fractionEnd - 1, next.end) && this.cleanRun(fractionEnd - 1)) {
          return { end: fractionEnd - 1 };
        }
      }
      return { end: fractionEnd };
    }
    return { end: position };
  }

  private hasComma(from: number, to: number): boolean {
    for (let index = from; index < to; index++) if (this.kindAt(index) === 'COMMA') return true;
    return false;
  }

  /** Whether the digits-commas-dots run from `start` splits into numbers to its end (or to a `,` + digit). */
  private cleanRun(start: number): boolean {
    let runEnd = start;
    for (let kind = this.kindAt(runEnd); kind === 'DIGIT' || kind === 'COMMA' || kind === 'DOT'; kind = this.kindAt(runEnd)) runEnd++;
    let position = start;
    while (position < runEnd && this.kindAt(position) === 'DIGIT') {
      const scan = this.scanNumber(position, false);
      if (typeof scan !== 'object') return false;
      position = scan.end;
    }
    if (position === runEnd) return true;
    return this.kindAt(position) === 'COMMA' && this.kindAt(position + 1) === 'DIGIT';
  }
}

/**
 * SymPy's `convert_postfix_list`: adjacent factors multiply, except that a bare `x` between two
 * symbol-free factors is read as a times sign (`2x3` = 6).
 */
function implicitProduct(factors: readonly SympyNode[]): SympyNode {
  const build = (index: number): SympyNode => {
    const current = factors[index]!;
    if (index === factors.length - 1) return current;
    if (index > 0 && current.kind === 'symbol' && current.name === 'x') {
      if (!hasSymbols(factors[index - 1]!) && !hasSymbols(factors[index + 1]!)) return build(index + 1);
    }
    return { kind: 'mul', left: current, right: build(index + 1) };
  };
  return build(0);
}

/** SymPy's `convert_func` for the named functions: `\arcsin` → `asin`, `\sin^{-1}` → `asin`, `\log_b`, powers. */
function functionCall(name: string, argument: SympyNode, sub: SympyNode | null, sup: SympyNode | null): SympyNode {
  let callee = name;
  if (['arcsin', 'arccos', 'arctan', 'arccsc', 'arcsec', 'arccot'].includes(callee)) callee = `a${callee.slice(3)}`;
  if (['arsinh', 'arcosh', 'artanh'].includes(callee)) callee = `a${callee.slice(2)}`;
  let node: SympyNode;
  if (callee === 'log' || callee === 'lg' || callee === 'ln') {
    // SymPy 1.12: `\log` is base 10 and `\ln` base e unless a subscript gives the base.
    const base: SympyNode = sub ?? (callee === 'ln' ? E : integer(10n));
    node = { kind: 'call', name: 'log', args: [argument, base] };
  } else {
    node = { kind: 'call', name: callee, args: [argument] };
  }
  let raise = sup;
  if (TRIGONOMETRIC.has(callee) && sup !== null && sup.kind === 'neg' && isIntegerOne(sup.operand)) {
    node = { kind: 'call', name: `a${callee}`, args: [argument] };
    raise = null;
  }
  if (raise !== null && !(raise.kind === 'integer' && raise.value === 0n)) node = { kind: 'pow', base: node, exponent: raise };
  return node;
}
