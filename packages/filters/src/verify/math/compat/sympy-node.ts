/**
 * The expression tree the `parse_latex` emulation builds: the SymPy objects `parse_latex` would
 * return, unevaluated (`Add`, `Mul`, `Pow`, named functions, relations). Letters, `\pi`, `e` and `i`
 * are plain symbols, as they are to `parse_latex`; `\infty` is `oo`. Integrals, sums, limits,
 * derivatives, bras and kets parse but are `unsupported`: the graders then compare them as text.
 */

/** A relation operator of the grammar. */
export type RelationOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** One SymPy-like expression node. */
export type SympyNode =
  | { readonly kind: 'integer'; readonly value: bigint }
  /** A SymPy `Float` from a decimal literal; `digits` is its digit string without sign or point (`55.50` → `5550`). */
  | { readonly kind: 'float'; readonly value: number; readonly digits: string; readonly exponent: number }
  | { readonly kind: 'symbol'; readonly name: string }
  | { readonly kind: 'infinity' }
  | { readonly kind: 'add'; readonly left: SympyNode; readonly right: SympyNode }
  | { readonly kind: 'mul'; readonly left: SympyNode; readonly right: SympyNode }
  | { readonly kind: 'pow'; readonly base: SympyNode; readonly exponent: SympyNode }
  | { readonly kind: 'neg'; readonly operand: SympyNode }
  /** A named function (`sin`, `log` with its base as second argument, `factorial`, `Abs`, …) or, with an `fn:` prefix, an undefined one (`f(x)`). */
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly SympyNode[] }
  | { readonly kind: 'relation'; readonly operator: RelationOperator; readonly left: SympyNode; readonly right: SympyNode }
  /** A construct the emulation accepts but does not evaluate; `text` is its source from there on. */
  | { readonly kind: 'unsupported'; readonly text: string };

/** Whether the tree holds a symbol (SymPy's `expr.atoms(Symbol)` is non-empty). */
export function hasSymbols(node: SympyNode): boolean {
  switch (node.kind) {
    case 'symbol':
      return true;
    case 'add':
    case 'mul':
    case 'relation':
      return hasSymbols(node.left) || hasSymbols(node.right);
    case 'pow':
      return hasSymbols(node.base) || hasSymbols(node.exponent);
    case 'neg':
      return hasSymbols(node.operand);
    case 'call':
      return node.args.some(hasSymbols);
    default:
      return false;
  }
}

/**
 * A readable, deterministic rendering (close to SymPy's `str` for the simple cases: `x_{1}`, `2`,
 * `1.5`); used for subscript names, opaque-term keys and text comparison of unsupported trees.
 */
export function printNode(node: SympyNode): string {
  switch (node.kind) {
    case 'integer':
      return node.value.toString();
    case 'float':
      return String(node.value);
    case 'symbol':
      return node.name;
    case 'infinity':
      return 'oo';
    case 'add':
      return `(${printNode(node.left)} + ${printNode(node.right)})`;
    case 'mul':
      return `(${printNode(node.left)}*${printNode(node.right)})`;
    case 'pow':
      return `(${printNode(node.base)})**(${printNode(node.exponent)})`;
    case 'neg':
      return `-(${printNode(node.operand)})`;
    case 'call':
      return `${node.name}(${node.args.map(printNode).join(', ')})`;
    case 'relation':
      return `${printNode(node.left)} ${node.operator} ${printNode(node.right)}`;
    case 'unsupported':
      return `unsupported[${node.text}]`;
  }
}
