/** `verify/code-tests` through a recipe: which rows pass, which reason each failure gets, and the detail it shows. */
import { describe, expect, it } from 'vitest';
import { directoryWith } from '../helpers/cli.js';
import { runRecipeText } from '../helpers/recipes.js';
import { sandboxAvailable } from '../helpers/sandbox.js';
import { stepVerdicts } from './evidence.js';

interface Row {
  response: string;
  tests?: unknown;
}

const py = (code: string) => `Here is my solution.\n\n\`\`\`python\n${code}\n\`\`\`\n`;
const js = (code: string) => `In JavaScript:\n\n\`\`\`js\n${code}\n\`\`\`\n`;

const sumCases = [
  { input: '1 2\n', output: '3\n' },
  { input: '5 7\n', output: '12' },
];

function recipe(withParams: string): string {
  return `version: 1
name: code
sources:
  - { id: train, path: train.jsonl, fields: { id: id, prompt: prompt, response: response, meta: [tests] } }
steps:
  - use: verify/code-tests
${withParams ? `    with: ${withParams}\n` : ''}outputs:
  - { format: messages, path: out.jsonl }
`;
}

function rowsFile(rows: Row[]): string {
  return `${rows.map((row, index) => JSON.stringify({ id: `r${index}`, prompt: 'Solve it.', ...row })).join('\n')}\n`;
}

async function verdictsOf(rows: Row[], withParams = '') {
  const { result, db } = await runRecipeText(recipe(withParams), directoryWith({ 'train.jsonl': rowsFile(rows) }));
  expect(result.ok, result.error?.message).toBe(true);
  const verdicts = await stepVerdicts(db, result);
  db.close();
  return { verdicts: verdicts.map((row) => ({ keep: row.keep, reason: row.reason, detail: row.detail })), result };
}

describe.skipIf(!sandboxAvailable)('verify/code-tests', () => {
  it('judges Python solutions on stdin/stdout cases, with a reason and a detail for each failure', async () => {
    const { verdicts, result } = await verdictsOf(
      [
        // 0: correct; prints trailing spaces and a blank line, which the comparison ignores.
        { response: py('a, b = map(int, input().split())\nprint(a + b, "  ")\nprint()'), tests: sumCases },
        // 1: wrong answer on the second case.
        { response: py('a, b = map(int, input().split())\nprint(a * b if a > 1 else a + b)'), tests: sumCases },
        // 2: syntax error.
        { response: py('a, b = map(int, input().split()\nprint(a + b)'), tests: sumCases },
        // 3: runtime error.
        { response: py('print(1 // 0)'), tests: sumCases },
        // 4: no fenced python block (a js block is not python).
        { response: js('console.log(3)'), tests: sumCases },
        // 5: no tests: kept, unverified.
        { response: py('print(3)') },
        // 6: APPS/TACO `input_output` as a JSON string; the last python block counts.
        {
          response: `${py('print("draft")')}\nBetter:\n${py('print(sum(map(int, input().split())))')}`,
          tests: JSON.stringify({ inputs: ['1 2 3\n', '4\n'], outputs: ['6\n', '4\n'] }),
        },
        // 7: leading whitespace is significant.
        { response: py('input()\nprint(" 3")'), tests: [sumCases[0]] },
      ],
      '{ time_limit_s: 2 }',
    );
    expect(verdicts.map((row) => row.reason)).toEqual([
      null,
      'tests_failed',
      'syntax_error',
      'runtime_error',
      'no_code',
      null,
      null,
      'tests_failed',
    ]);
    expect(verdicts.map((row) => row.keep)).toEqual([true, false, false, false, false, true, true, false]);
    expect(verdicts[1]?.detail).toBe('test 2/2: line 1: expected "12", got "35"');
    expect(verdicts[2]?.detail).toMatch(/^SyntaxError: .*at line 1$/);
    expect(verdicts[3]?.detail).toBe('test 1/2: exit 1 at line 1: ZeroDivisionError: integer division or modulo by zero');
    expect(verdicts[4]?.detail).toBe('no ```python/py/python3 block in the last assistant turn');
    expect(verdicts[7]?.detail).toBe('test 1/1: line 1: expected "3", got " 3"');
    const notes = result.steps[0]?.notes ?? [];
    expect(notes.join('\n')).toMatch(/1 row\(s\) without usable tests in meta\.tests: kept unverified/);
    expect(notes.join('\n')).toMatch(/isolation namespaces/);
  });

  it('runs assert tests appended to the solution, and JavaScript with node', async () => {
    const assertRows: Row[] = [
      // 0: asserts as one string: pass.
      { response: py('def add(a, b):\n    return a + b'), tests: 'assert add(1, 2) == 3\nassert add(-1, 1) == 0' },
      // 1: asserts as a list: the second fails, and the detail quotes it.
      { response: py('def add(a, b):\n    return a + b + (a > 5)'), tests: ['assert add(1, 2) == 3', 'assert add(6, 1) == 7'] },
      // 2: the function is missing: a runtime error, not a failed test.
      { response: py('def plus(a, b):\n    return a + b'), tests: ['assert add(1, 2) == 3'] },
      // 3: JavaScript on stdin/stdout.
      {
        response: js("const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a + b);"),
        tests: sumCases,
      },
      // 4: JavaScript with a wrong answer.
      {
        response: js("const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a - b);"),
        tests: sumCases,
      },
      // 5: JavaScript assert code.
      {
        response: js('function add(a, b) { return a + b; }'),
        tests: "const assert = require('node:assert');\nassert.strictEqual(add(2, 2), 4);\nassert.strictEqual(add(2, 3), 6);",
      },
      // 6: JavaScript syntax error.
      { response: js('function (a, b) { return a + b; }'), tests: sumCases },
    ];
    const { verdicts, result } = await verdictsOf(assertRows, '{ language: auto }');
    expect(verdicts.map((row) => row.reason)).toEqual([
      null,
      'tests_failed',
      'runtime_error',
      null,
      'tests_failed',
      'tests_failed',
      'syntax_error',
    ]);
    expect(verdicts[1]?.detail).toBe('asserts: failed "assert add(6, 1) == 7"');
    expect(verdicts[2]?.detail).toMatch(/^asserts: exit 1 at line 4: NameError: name 'add' is not defined/);
    expect(verdicts[4]?.detail).toBe('test 1/2: line 1: expected "3", got "-1"');
    expect(verdicts[5]?.detail).toMatch(/^asserts: failed "assert\.strictEqual\(add\(2, 3\), 6\);" \(AssertionError/);
    expect(verdicts[6]?.detail).toMatch(/^SyntaxError: Function statements require a function name at line 1$/);
    expect((result.steps[0]?.notes ?? []).join('\n')).toMatch(/javascript: \/\S+node/);
  });

  it('drops rows without tests when asked, and caps the cases run', async () => {
    const { verdicts } = await verdictsOf(
      [
        { response: py('print(3)') },
        { response: py('print(3)'), tests: { something: 'else' } },
        // Only the first case runs: the wrong second one is never seen.
        { response: py('print(3)'), tests: [sumCases[0], { input: '', output: 'never' }] },
      ],
      '{ missing_tests: drop, max_tests: 1 }',
    );
    expect(verdicts).toEqual([
      { keep: false, reason: 'no_tests', detail: 'no tests in meta.tests' },
      { keep: false, reason: 'no_tests', detail: 'unreadable tests (an object with keys something) in meta.tests' },
      { keep: true, reason: null, detail: null },
    ]);
  });

  it('finds tests at a dotted path in meta', async () => {
    const { verdicts, result } = await verdictsOf(
      [
        { response: py('print(sum(map(int, input().split())))'), tests: { cases: sumCases } },
        { response: py('print(sum(map(int, input().split())))'), tests: sumCases },
      ],
      '{ tests_field: tests.cases }',
    );
    expect(verdicts.map((row) => row.keep)).toEqual([true, true]);
    expect((result.steps[0]?.notes ?? []).join('\n')).toMatch(/1 row\(s\) without usable tests in meta\.tests\.cases: kept unverified/);
    expect((result.steps[0]?.notes ?? []).join('\n')).toMatch(/^2 sandboxed program run\(s\)$/m);
  });

  it('runs unsandboxed only when told so, and says so', async () => {
    const { verdicts, result } = await verdictsOf(
      [{ response: py('print(sum(map(int, input().split())))'), tests: sumCases }],
      '{ isolation: none }',
    );
    expect(verdicts).toEqual([{ keep: true, reason: null, detail: null }]);
    expect((result.steps[0]?.notes ?? []).join('\n')).toMatch(/isolation none: code runs UNSANDBOXED/);
  });

  it('rejects fence options with language auto', async () => {
    await expect(runRecipeText(recipe('{ language: auto, fences: [py] }'), directoryWith({ 'train.jsonl': rowsFile([]) }))).rejects.toThrow(
      /expected `fences`\/`untagged` only with one language/,
    );
  });
});
