/**
 * The one error class of Oversight. Every thrown error that a user can see carries a stable `code`
 * (`recipe/unknown-step`, `db/query-failed`, `source/not-found` …) so scripts can match on it, and a
 * `Symbol.for` marker so the check works across duplicated module copies.
 */
const marker = Symbol.for('oversight.error');

/** Where in a file a problem is, 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface OversightErrorOptions {
  cause?: unknown;
  /** One line telling the user what to do about it. */
  hint?: string;
  location?: SourceLocation;
  /** Structured context (SQL and parameters for a failed query, a path …). */
  details?: Record<string, unknown>;
}

export class OversightError extends Error {
  readonly [marker] = true;
  readonly code: string;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: OversightErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OversightError';
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.details = options.details;
  }

  /** True for any OversightError, even one made by another copy of this module. */
  static is(value: unknown): value is OversightError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}
