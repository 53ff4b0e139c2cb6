/**
 * Reads a row's tests from its `meta` value and compares outputs. Accepted shapes (docs/sandbox.md):
 * `[{input, output}]`; `{inputs: [...], outputs: [...]}` (APPS/TACO `input_output`); a string of
 * assert code or an array of assert statements; any of these JSON-encoded in a string.
 */

/** One stdin/stdout case. */
export interface IoCase {
  input: string;
  output: string;
}

/** The tests of one row. */
export type TestSuite =
  /** Run the program once per case, feeding `input` on stdin; stdout must match `output`. */
  | { kind: 'io'; cases: IoCase[] }
  /** Append `code` to the solution and run it once; it passes when it exits 0. */
  | { kind: 'assert'; code: string }
  /** No usable tests; `why` says what was found. */
  | { kind: 'none'; why: string };

/** Text of an input or output value: strings as they are, arrays of lines joined, other values as JSON. */
function text(value: unknown, isInput: boolean): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return isInput ? `${value.join('\n')}\n` : value.join('\n');
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? `an object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}` : typeof value;
}

/**
 * The suite of a `meta` value (already parsed from JSON; undefined or null when the field is
 * missing). `maxTests` keeps the first cases only.
 */
export function readTests(value: unknown, maxTests?: number): TestSuite {
  if (value === undefined || value === null) return { kind: 'none', why: 'no tests' };
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return { kind: 'none', why: 'empty tests' };
    if (/^[[{]/.test(trimmed)) {
      try {
        return readTests(JSON.parse(trimmed), maxTests);
      } catch {
        // Not JSON: code that starts with a bracket.
      }
    }
    return { kind: 'assert', code: value };
  }
  const limit = (cases: IoCase[]): TestSuite =>
    cases.length === 0
      ? { kind: 'none', why: 'no test cases' }
      : { kind: 'io', cases: maxTests === undefined ? cases : cases.slice(0, maxTests) };
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'none', why: 'no test cases' };
    if (value.every((item) => typeof item === 'string'))
      return { kind: 'assert', code: (maxTests === undefined ? value : value.slice(0, maxTests)).join('\n') };
    if (value.every((item) => typeof item === 'object' && item !== null && 'input' in item && 'output' in item)) {
      return limit(
        value.map((item: { input: unknown; output: unknown }) => ({ input: text(item.input, true), output: text(item.output, false) })),
      );
    }
    return { kind: 'none', why: `unreadable tests (an array that is neither assert strings nor {input, output} objects)` };
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('fn_name' in record && record.fn_name) return { kind: 'none', why: 'call-based tests (fn_name) are not supported' };
    if (Array.isArray(record.inputs) && Array.isArray(record.outputs)) {
      if (record.inputs.length !== record.outputs.length) {
        return { kind: 'none', why: `unreadable tests (${record.inputs.length} inputs, ${record.outputs.length} outputs)` };
      }
      const outputs = record.outputs;
      return limit(record.inputs.map((input, index) => ({ input: text(input, true), output: text(outputs[index], false) })));
    }
    if ('input' in record && 'output' in record) return limit([{ input: text(record.input, true), output: text(record.output, false) }]);
  }
  return { kind: 'none', why: `unreadable tests (${describeValue(value)})` };
}

/**
 * Output as compared: line endings unified to `\n`, trailing spaces and tabs of every line removed,
 * trailing empty lines removed. Everything else (leading spaces, inner spacing, case, number format)
 * must match exactly.
 */
export function normalizeOutput(output: string): string {
  return output
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

/** Shortens `value` to `max` characters (with an ellipsis) and quotes it as JSON. */
export function quote(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** Null when the outputs match after normalization, else where they first differ: `line 3: expected "7", got "8"`. */
export function outputDifference(expected: string, got: string): string | null {
  const want = normalizeOutput(expected);
  const have = normalizeOutput(got);
  if (want === have) return null;
  const wantLines = want.split('\n');
  const haveLines = have.split('\n');
  let line = 0;
  while (line < wantLines.length && line < haveLines.length && wantLines[line] === haveLines[line]) line++;
  const shown = (lines: string[]) => (line < lines.length ? quote(lines[line] as string) : 'end of output');
  return `line ${line + 1}: expected ${shown(wantLines)}, got ${shown(haveLines)}`;
}
