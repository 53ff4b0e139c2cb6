/** Turns zod issues into recipe diagnostics: what was expected, what was found, and a hint. */
import type { z } from 'zod';
import { describeValue } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';

/** A diagnostic before it is given a place in the file. */
export interface PathProblem {
  code: string;
  /** Path to the offending node. */
  path: Array<string | number>;
  /** Point at the key of the last path segment instead of its value. */
  atKey?: boolean;
  message: string;
  hint?: string;
}

type AnyZod = z.ZodType;

interface ZodDefinition {
  type: string;
  shape?: Record<string, AnyZod>;
  element?: AnyZod;
  innerType?: AnyZod;
  options?: AnyZod[];
  in?: AnyZod;
  valueType?: AnyZod;
}

function definition(schema: AnyZod): ZodDefinition {
  return (schema as unknown as { _zod: { def: ZodDefinition } })._zod.def;
}

/** Unwraps optional/default/nullable/pipe wrappers. */
function unwrap(schema: AnyZod): AnyZod {
  let current = schema;
  for (;;) {
    const def = definition(current);
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** The keys an object schema at `path` accepts (for "did you mean"). */
export function keysAt(schema: AnyZod, path: ReadonlyArray<string | number>): string[] {
  let current: AnyZod | undefined = unwrap(schema);
  for (const segment of path) {
    if (!current) return [];
    const def = definition(current);
    if (def.type === 'object' && def.shape && typeof segment === 'string') current = def.shape[segment];
    else if (def.type === 'array' && def.element) current = def.element;
    else if (def.type === 'record' && def.valueType) current = def.valueType;
    else return [];
    current = current ? unwrap(current) : undefined;
  }
  if (!current) return [];
  const def = definition(current);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

const typeNames: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

/**
 * Diagnostics for the issues of one `safeParse` (run with `reportInput: true`).
 * `codes` picks the diagnostic code family (`recipe/invalid-value` vs `recipe/invalid-param`).
 */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: AnyZod,
  codes: { invalid: string; unknownKey: string; missing: string },
): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysAt(schema, path);
        for (const key of issue.keys) {
          const suggestion = didYouMean(key, allowed);
          problems.push({
            code: codes.unknownKey,
            path: [...path, key],
            atKey: true,
            message: `unknown key \`${key}\`; expected one of ${allowed.map((name) => `\`${name}\``).join(', ')}`,
            ...(suggestion ? { hint: `did you mean \`${suggestion}\`?` } : {}),
          });
        }
        break;
      }
      case 'invalid_type': {
        if (input === undefined) {
          const key = path[path.length - 1];
          problems.push({
            code: codes.missing,
            path: path.slice(0, -1),
            atKey: false,
            message: `missing required key \`${String(key)}\`; expected ${typeNames[issue.expected] ?? issue.expected}`,
          });
        } else {
          problems.push({
            code: codes.invalid,
            path,
            message: `expected ${typeNames[issue.expected] ?? issue.expected}, found ${describeValue(input)}`,
          });
        }
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map((value) => (typeof value === 'string' ? `\`${value}\`` : String(value)));
        const suggestion =
          typeof input === 'string'
            ? didYouMean(
                input,
                issue.values.filter((value): value is string => typeof value === 'string'),
              )
            : undefined;
        problems.push({
          code: codes.invalid,
          path,
          message: `expected ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}, found ${describeValue(input)}`,
          ...(suggestion ? { hint: `did you mean \`${suggestion}\`?` } : {}),
        });
        break;
      }
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const comparison = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
        const what =
          issue.origin === 'array'
            ? `${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} item(s)`
            : issue.origin === 'string'
              ? `${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} character(s)`
              : `a value ${comparison} ${String(bound)}`;
        const found = Array.isArray(input) ? `${input.length} item(s)` : describeValue(input);
        problems.push({ code: codes.invalid, path, message: `expected ${what}, found ${found}` });
        break;
      }
      case 'invalid_format': {
        problems.push({ code: codes.invalid, path, message: `expected ${issue.message}, found ${describeValue(input)}` });
        break;
      }
      default: {
        // Refinements word their own "expected …, found …"; add what was found only when they do not.
        const found = input === undefined || /\bfound\b/.test(issue.message) ? '' : `, found ${describeValue(input)}`;
        problems.push({ code: codes.invalid, path, message: `${issue.message.replace(/^Invalid input: /, '')}${found}` });
      }
    }
  }
  return problems;
}
