/** A problem found in a recipe, pointing at the exact place in its file. */
export interface Diagnostic {
  /** Stable code, e.g. `recipe/unknown-step`. */
  code: string;
  severity: 'error' | 'warning';
  /** What was expected and what was found. */
  message: string;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Width of the underlined span (in characters on `line`), at least 1. */
  length: number;
  /** What to do about it ("did you mean `dedup/minhash`?"). */
  hint?: string;
}

/** Error diagnostics first, then by position. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}

/** A short description of a found value for messages: `"abc"`, `12`, `a list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}
