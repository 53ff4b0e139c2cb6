/**
 * A small emulation of SymPy's `parse_expr` (default transformations), which WizardMath's
 * `symbolic_equal` tries when `parse_latex` rejects a string: Python arithmetic over numbers and
 * names (`+ - * / **`, parentheses, calls such as `sqrt(2)`, `5!`), with `pi` and `E` the constants
 * and every other name a symbol. No implicit multiplication (`2x` fails, as it does in SymPy); `^`,
 * tuples, `I`, strings and anything else Python-specific also fail here, where SymPy would build
 * objects that never equal an answer anyway.
 */
import { pyStrip } from './python-text.js';
import type { SympyNode } from './sympy-node.js';

/** The tree `parse_expr(text)` builds, or null where it raises (or builds something no answer equals). */
export function parseSympyExpr(text: string): SympyNode | null {
  const tokens = tokenize(pyStrip(text));
  if (tokens === null || tokens.length === 0) return null;
  const parser = new ExprParser(tokens);
  try {
    const node = parser.expression();
    return parser.done() ? node : null;
  } catch {
    return null;
  }
}

type Token = { readonly kind: 'number' | 'name' | 'op'; readonly text: string };

const TOKEN =
  /\s*(?:(\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d+)?|\.\d(?:_?\d)*(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*/(),!]))/y;

function tokenize(source: string): Token[] | null {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (match === null || TOKEN.lastIndex === start) return /^\s*$/.test(source.slice(start)) ? tokens : null;
    if (match[1] !== undefined) tokens.push({ kind: 'number', text: match[1].replaceAll('_', '') });
    else if (match[2] !== undefined) tokens.push({ kind: 'name', text: match[2] });
    else tokens.push({ kind: 'op', text: match[3]! });
  }
  return tokens;
}

const FUNCTIONS = new Set([
  'sin',
  'cos',
  'tan',
  'csc',
  'sec',
  'cot',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'tanh',
  'exp',
  'Abs',
  'floor',
  'ceiling',
  'factorial',
]);
const integer = (value: bigint): SympyNode => ({ kind: 'integer', value });

class ExprParser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  done(): boolean {
    return this.index === this.tokens.length;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private take(text: string): boolean {
    const token = this.peek();
    if (token?.kind !== 'op' || token.text !== text) return false;
    this.index++;
    return true;
  }

  expression(): SympyNode {
    let node = this.term();
    for (;;) {
      if (this.take('+')) node = { kind: 'add', left: node, right: this.term() };
      else if (this.take('-')) node = { kind: 'add', left: node, right: { kind: 'neg', operand: this.term() } };
      else return node;
    }
  }

  private term(): SympyNode {
    let node = this.factor();
    for (;;) {
      if (this.take('*')) node = { kind: 'mul', left: node, right: this.factor() };
      else if (this.take('/')) node = { kind: 'mul', left: node, right: { kind: 'pow', base: this.factor(), exponent: integer(-1n) } };
      else return node;
    }
  }

  private factor(): SympyNode {
    if (this.take('+')) return this.factor();
    if (this.take('-')) return { kind: 'neg', operand: this.factor() };
    const base = this.postfix();
    return this.take('**') ? { kind: 'pow', base, exponent: this.factor() } : base;
  }

  private postfix(): SympyNode {
    let node = this.atom();
    while (this.take('!')) node = { kind: 'call', name: 'factorial', args: [node] };
    return node;
  }

  private atom(): SympyNode {
    const token = this.peek();
    if (token === undefined) throw new Error('unexpected end');
    this.index++;
    if (token.kind === 'number') {
      if (!/[.eE]/.test(token.text)) return integer(BigInt(token.text));
      const value = Number(token.text);
      const [mantissa = ''] = token.text.toLowerCase().split('e');
      const [whole = '', fraction = ''] = mantissa.split('.');
      const exponent = Number(token.text.toLowerCase().split('e')[1] ?? '0') - fraction.length;
      return { kind: 'float', value, digits: whole + fraction, exponent };
    }
    if (token.kind === 'op') {
      if (token.text !== '(') throw new Error(`unexpected ${token.text}`);
      const inner = this.expression();
      if (!this.take(')')) throw new Error('tuple or unclosed parenthesis');
      return inner;
    }
    if (this.peek()?.text === '(') {
      this.index++;
      const args = [this.expression()];
      while (this.take(',')) args.push(this.expression());
      if (!this.take(')')) throw new Error('unclosed call');
      return this.call(token.text, args);
    }
    if (token.text === 'pi') return { kind: 'call', name: 'pi', args: [] };
    if (token.text === 'E') return { kind: 'call', name: 'E', args: [] };
    if (token.text === 'oo') return { kind: 'infinity' };
    if (token.text === 'I' || token.text === 'nan' || token.text === 'zoo') throw new Error('not a real answer');
    return { kind: 'symbol', name: token.text };
  }

  private call(name: string, args: readonly SympyNode[]): SympyNode {
    const [first, second] = args;
    if (first === undefined) throw new Error('no argument');
    if (name === 'sqrt' && args.length === 1)
      return { kind: 'pow', base: first, exponent: { kind: 'pow', base: integer(2n), exponent: integer(-1n) } };
    if (name === 'log' && args.length <= 2)
      return { kind: 'call', name: 'log', args: [first, second ?? { kind: 'call', name: 'E', args: [] }] };
    if (FUNCTIONS.has(name) && args.length === 1) return { kind: 'call', name, args: [first] };
    return { kind: 'call', name: `fn:${name}`, args };
  }
}
