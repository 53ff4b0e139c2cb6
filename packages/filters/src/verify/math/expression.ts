/**
 * A small parser for the LaTeX of final answers: numbers, variables (with subscripts), `\pi`, `e`,
 * `i`, `\infty`, `+ - \cdot \times / \div`, implicit multiplication, `^`, `!`, `\frac`, `\sqrt[n]{}`,
 * `\binom`, `|x|`, floors and ceilings, and the usual functions (`\sin^2 x`, `\log_2 8`).
 *
 * LaTeX argument rules are honoured where they matter for answers: `\frac47` is 4/7, `\sqrt3x` is
 * √3·x. An unbraced exponent takes a whole digit run (`2^10` = 1024), as a plain-text answer means.
 * Anything else (an unknown command, an unbalanced group) is a parse failure: `null`, never a guess.
 */
import { parseDecimal, type Rational, repeatingDecimal } from './rational.js';

/** A parsed expression. */
export type Expression =
  | { readonly type: 'number'; readonly value: Rational; readonly text: string }
  | { readonly type: 'constant'; readonly name: 'pi' | 'e' | 'i' | 'infinity' }
  | { readonly type: 'variable'; readonly name: string }
  | { readonly type: 'negate'; readonly argument: Expression }
  | { readonly type: 'binary'; readonly operator: '+' | '-' | '*' | '/' | '^'; readonly left: Expression; readonly right: Expression }
  | { readonly type: 'fraction'; readonly numerator: Expression; readonly denominator: Expression }
  | { readonly type: 'call'; readonly name: FunctionName; readonly argument: Expression; readonly extra?: Expression };

/** Functions the evaluators know; `root` takes its index in `extra`, `log` its base. */
export type FunctionName =
  | 'sqrt'
  | 'root'
  | 'abs'
  | 'floor'
  | 'ceil'
  | 'factorial'
  | 'binom'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'cot'
  | 'sec'
  | 'csc'
  | 'arcsin'
  | 'arccos'
  | 'arctan'
  | 'sinh'
  | 'cosh'
  | 'tanh'
  | 'ln'
  | 'log'
  | 'exp';

const FUNCTIONS = new Set<string>([
  'sin',
  'cos',
  'tan',
  'cot',
  'sec',
  'csc',
  'arcsin',
  'arccos',
  'arctan',
  'sinh',
  'cosh',
  'tanh',
  'ln',
  'log',
  'exp',
]);

const GREEK = new Set(
  (
    'alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho varrho sigma tau ' +
    'upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega'
  ).split(' '),
);

const MULTIPLY = new Set(['*', '\\cdot', '\\times', '\\ast']);
const DIVIDE = new Set(['/', '\\div']);

type Token = { kind: 'number' | 'command' | 'char'; text: string };

class ParseFailure extends Error {}

function fail(): never {
  throw new ParseFailure('unparseable');
}

/** Longest input the parser accepts; longer answers are compared as text only. */
export const MAX_EXPRESSION_LENGTH = 1000;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const character = text[index] as string;
    if (character === ' ') {
      index++;
      continue;
    }
    if (character === '\\') {
      const letters = /^[a-zA-Z]+/.exec(text.slice(index + 1, index + 40));
      if (letters) {
        tokens.push({ kind: 'command', text: `\\${letters[0]}` });
        index += 1 + letters[0].length;
      } else {
        tokens.push({ kind: 'command', text: text.slice(index, index + 2) });
        index += 2;
      }
      continue;
    }
    if ((character >= '0' && character <= '9') || (character === '.' && /[0-9]/.test(text[index + 1] ?? ''))) {
      let end = index;
      while (end < text.length && /[0-9]/.test(text[end] as string)) end++;
      if (text[end] === '.' && /[0-9]/.test(text[end + 1] ?? '')) {
        end++;
        while (end < text.length && /[0-9]/.test(text[end] as string)) end++;
      } else if (text[end] === '.' && text.startsWith('\\overline', end + 1)) {
        end++;
      }
      // Scientific notation only with digits right after `e` (`1e-5`, `3e5`): `2e` stays 2·e.
      const exponent = /^[eE]-?\d+/.exec(text.slice(end, end + 12));
      if (exponent && !/[a-zA-Z]/.test(text[end + exponent[0].length] ?? '')) end += exponent[0].length;
      tokens.push({ kind: 'number', text: text.slice(index, end) });
      index = end;
      continue;
    }
    tokens.push({ kind: 'char', text: character });
    index++;
  }
  return tokens;
}

class Parser {
  private position = 0;
  private absoluteDepth = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Expression {
    const expression = this.expression();
    if (this.position !== this.tokens.length) fail();
    return expression;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) fail();
    return token;
  }

  private accept(text: string): boolean {
    if (this.peek()?.text === text) {
      this.position++;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    if (!this.accept(text)) fail();
  }

  private expression(): Expression {
    if (++this.depth > 200) fail();
    let left = this.term();
    for (;;) {
      const token = this.peek();
      if (token?.text === '+' || token?.text === '-') {
        this.position++;
        left = { type: 'binary', operator: token.text, left, right: this.term() };
      } else break;
    }
    this.depth--;
    return left;
  }

  private term(): Expression {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      if (!token) break;
      if (MULTIPLY.has(token.text)) {
        this.position++;
        left = { type: 'binary', operator: '*', left, right: this.unary() };
      } else if (DIVIDE.has(token.text)) {
        this.position++;
        left = { type: 'binary', operator: '/', left, right: this.unary() };
      } else if (this.startsFactor(token)) {
        left = { type: 'binary', operator: '*', left, right: this.postfix() };
      } else break;
    }
    return left;
  }

  private unary(): Expression {
    if (this.accept('-')) return { type: 'negate', argument: this.unary() };
    if (this.accept('+')) return this.unary();
    return this.postfix();
  }

  private startsFactor(token: Token): boolean {
    if (token.kind === 'number') return true;
    if (token.kind === 'char') {
      if (/[a-zA-Z]/.test(token.text)) return true;
      if (token.text === '(' || token.text === '{') return true;
      return token.text === '|' && this.absoluteDepth === 0;
    }
    const name = token.text.slice(1);
    return (
      name === 'pi' ||
      name === 'infty' ||
      name === 'frac' ||
      name === 'sqrt' ||
      name === 'binom' ||
      name === 'lfloor' ||
      name === 'lceil' ||
      name === 'operatorname' ||
      (name === 'lvert' && this.absoluteDepth === 0) ||
      FUNCTIONS.has(name) ||
      GREEK.has(name)
    );
  }

  private postfix(): Expression {
    let base = this.primary();
    for (;;) {
      if (this.accept('^')) base = { type: 'binary', operator: '^', left: base, right: this.script() };
      else if (this.accept('!')) base = { type: 'call', name: 'factorial', argument: base };
      else break;
    }
    return base;
  }

  /** A superscript: a group, a signed script, a whole digit run, a letter or a command. */
  private script(): Expression {
    const token = this.peek();
    if (!token) fail();
    if (token.text === '{') return this.group('{', '}');
    if (token.text === '-') {
      this.position++;
      return { type: 'negate', argument: this.script() };
    }
    if (token.text === '+') {
      this.position++;
      return this.script();
    }
    return this.primary();
  }

  /** A macro argument: a braced group, or one token (`\frac47` takes `4`, then `7`). */
  private argument(): Expression {
    const token = this.peek();
    if (!token) fail();
    if (token.text === '{') return this.group('{', '}');
    if (token.kind === 'number' && token.text.length > 1) {
      // Split the digit run: the first character is the argument, the rest stays in the stream.
      const first = token.text[0] as string;
      if (first === '.') fail();
      this.tokens[this.position] = { kind: 'number', text: token.text.slice(1) };
      return this.number(first);
    }
    if (token.kind === 'char' && !/[a-zA-Z(]/.test(token.text)) fail();
    return this.primary();
  }

  private group(open: string, close: string): Expression {
    this.expect(open);
    const inner = this.expression();
    this.expect(close);
    return inner;
  }

  private number(text: string): Expression {
    const value = parseDecimal(text);
    if (!value) fail();
    return { type: 'number', value, text };
  }

  private primary(): Expression {
    const token = this.next();
    if (token.kind === 'number') {
      if (token.text.endsWith('.') || (token.text.includes('.') && this.peek()?.text === '\\overline')) return this.repeating(token.text);
      return this.number(token.text);
    }
    if (token.kind === 'char') {
      const text = token.text;
      if (text === '(') return this.closeGroup(')');
      if (text === '[') return this.closeGroup(']');
      if (text === '{') return this.closeGroup('}');
      if (text === '|') return this.absolute('|');
      if (/[a-zA-Z]/.test(text)) return this.variable(text);
      fail();
    }
    const name = token.text.slice(1);
    switch (name) {
      case 'pi':
        return { type: 'constant', name: 'pi' };
      case 'infty':
        return { type: 'constant', name: 'infinity' };
      case 'frac': {
        const numerator = this.argument();
        const denominator = this.argument();
        return { type: 'fraction', numerator, denominator };
      }
      case 'sqrt': {
        if (this.peek()?.text === '[') {
          const index = this.group('[', ']');
          return { type: 'call', name: 'root', argument: this.argument(), extra: index };
        }
        return { type: 'call', name: 'sqrt', argument: this.argument() };
      }
      case 'binom': {
        const top = this.argument();
        return { type: 'call', name: 'binom', argument: top, extra: this.argument() };
      }
      case 'lfloor': {
        const inner = this.expression();
        this.expect('\\rfloor');
        return { type: 'call', name: 'floor', argument: inner };
      }
      case 'lceil': {
        const inner = this.expression();
        this.expect('\\rceil');
        return { type: 'call', name: 'ceil', argument: inner };
      }
      case 'lvert':
        return this.absolute('\\rvert');
      case 'operatorname': {
        this.expect('{');
        let word = '';
        while (this.peek() && this.peek()?.text !== '}') word += this.next().text;
        this.expect('}');
        if (!FUNCTIONS.has(word)) fail();
        return this.call(word as FunctionName);
      }
      default:
        if (FUNCTIONS.has(name)) return this.call(name as FunctionName);
        if (GREEK.has(name)) return this.variable(token.text);
        return fail();
    }
  }

  private closeGroup(close: string): Expression {
    const inner = this.expression();
    this.expect(close);
    return inner;
  }

  private absolute(close: string): Expression {
    this.absoluteDepth++;
    const inner = this.expression();
    this.absoluteDepth--;
    this.expect(close);
    return { type: 'call', name: 'abs', argument: inner };
  }

  /** `0.\overline{3}`, `0.1\overline{6}`: an exact repeating decimal. */
  private repeating(text: string): Expression {
    if (!this.accept('\\overline')) fail();
    this.expect('{');
    const digits = this.next();
    this.expect('}');
    if (digits.kind !== 'number' || !/^\d+$/.test(digits.text)) fail();
    const [whole = '', prefix = ''] = text.split('.');
    const value = repeatingDecimal(whole, prefix, digits.text);
    if (!value) fail();
    return { type: 'number', value, text: `${text}\\overline{${digits.text}}` };
  }

  /** A letter or Greek command with an optional subscript; `e` and `i` alone are constants. */
  private variable(letter: string): Expression {
    let name = letter;
    if (this.accept('_')) {
      const token = this.next();
      if (token.text === '{') {
        let subscript = '';
        let depth = 1;
        for (;;) {
          const part = this.next();
          if (part.text === '{') depth++;
          if (part.text === '}' && --depth === 0) break;
          subscript += part.text;
        }
        name += `_{${subscript}}`;
      } else if (token.kind === 'number') {
        name += `_{${token.text}}`;
      } else if (token.kind === 'char' && /[a-zA-Z]/.test(token.text)) {
        name += `_{${token.text}}`;
      } else if (token.kind === 'command') {
        name += `_{${token.text}}`;
      } else fail();
      return { type: 'variable', name };
    }
    if (name === 'e') return { type: 'constant', name: 'e' };
    if (name === 'i') return { type: 'constant', name: 'i' };
    return { type: 'variable', name };
  }

  /** A function: optional `^power` (`\sin^2 x`) and, for `\log`, a `_base`; then its argument. */
  private call(name: FunctionName): Expression {
    let power: Expression | undefined;
    let base: Expression | undefined;
    for (let round = 0; round < 2; round++) {
      if (this.accept('^')) power = this.script();
      else if (name === 'log' && this.accept('_')) base = this.script();
    }
    let argument: Expression;
    const token = this.peek();
    if (token?.text === '(') {
      this.position++;
      argument = this.closeGroup(')');
    } else if (token?.text === '{') {
      argument = this.group('{', '}');
    } else {
      // `\sin 2x` is sin(2x): the argument runs over juxtaposed factors, up to an operator or function.
      argument = this.postfix();
      for (;;) {
        const next = this.peek();
        if (!next || !this.startsFactor(next) || (next.kind === 'command' && FUNCTIONS.has(next.text.slice(1)))) break;
        argument = { type: 'binary', operator: '*', left: argument, right: this.postfix() };
      }
    }
    let result: Expression = base === undefined ? { type: 'call', name, argument } : { type: 'call', name: 'log', argument, extra: base };
    if (power) {
      // `\sin^{-1}` is the inverse function by convention; other powers apply to the value.
      if (power.type === 'negate' && power.argument.type === 'number' && power.argument.text === '1' && name.length === 3) {
        const inverse = `arc${name}`;
        if (FUNCTIONS.has(inverse)) return { type: 'call', name: inverse as FunctionName, argument };
      }
      result = { type: 'binary', operator: '^', left: result, right: power };
    }
    return result;
  }
}

/** Parses one expression; null when it is not one this parser understands. */
export function parseExpression(text: string): Expression | null {
  if (text.length === 0 || text.length > MAX_EXPRESSION_LENGTH) return null;
  try {
    return new Parser(tokenize(text)).parse();
  } catch (error) {
    if (error instanceof ParseFailure || error instanceof RangeError) return null;
    throw error;
  }
}

/** Variable names in an expression. */
export function variablesOf(expression: Expression, into = new Set<string>()): Set<string> {
  switch (expression.type) {
    case 'variable':
      into.add(expression.name);
      break;
    case 'negate':
      variablesOf(expression.argument, into);
      break;
    case 'binary':
      variablesOf(expression.left, into);
      variablesOf(expression.right, into);
      break;
    case 'fraction':
      variablesOf(expression.numerator, into);
      variablesOf(expression.denominator, into);
      break;
    case 'call':
      variablesOf(expression.argument, into);
      if (expression.extra) variablesOf(expression.extra, into);
      break;
    default:
      break;
  }
  return into;
}
