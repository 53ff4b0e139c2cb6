import { describe, expect, it } from 'vitest';
import { javascript, python } from './languages.js';

describe('python stderr', () => {
  it('tells a syntax error in the file from one raised at run time', () => {
    expect(python.readStderr('  File "/tmp/solution.py", line 2\n    x = (\n        ^\nSyntaxError: \'(\' was never closed\n')).toEqual({
      kind: 'syntax_error',
      message: "SyntaxError: '(' was never closed",
      line: 2,
    });
    const runtime =
      'Traceback (most recent call last):\n  File "/tmp/solution.py", line 1, in <module>\n    eval("x = (")\n  File "<string>", line 1\nSyntaxError: invalid syntax\n';
    expect(python.readStderr(runtime)).toMatchObject({ kind: 'error', line: 1 });
    expect(python.readStderr('  File "/tmp/solution.py", line 3\n    pass\nIndentationError: unexpected indent\n').kind).toBe(
      'syntax_error',
    );
  });

  it('reads memory exhaustion, failed assertions and other errors with their line', () => {
    expect(
      python.readStderr('Traceback (most recent call last):\n  File "/tmp/solution.py", line 4, in <module>\nMemoryError\n'),
    ).toMatchObject({
      kind: 'memory_limit',
    });
    expect(
      python.readStderr('Traceback (most recent call last):\n  File "/tmp/solution.py", line 9, in <module>\nAssertionError\n'),
    ).toEqual({
      kind: 'assertion',
      message: 'AssertionError',
      line: 9,
    });
    const nested =
      'Traceback (most recent call last):\n  File "/tmp/solution.py", line 7, in <module>\n  File "/tmp/solution.py", line 2, in f\nKeyError: 3\n';
    expect(python.readStderr(nested)).toEqual({ kind: 'error', message: 'KeyError: 3', line: 2 });
  });

  it('joins asserts after the solution and knows where they start', () => {
    expect(python.withAsserts('def f():\n    return 1\n\n', 'assert f() == 1')).toEqual({
      source: 'def f():\n    return 1\n\nassert f() == 1\n',
      testsLine: 4,
    });
  });
});

describe('javascript stderr', () => {
  const compile =
    '/tmp/solution.js:1\nfunction (\n^^^^^^^^\n\nSyntaxError: Function statements require a function name\n    at wrapSafe (node:internal/modules/cjs/loader:1464:18)\n\nNode.js v20.20.2\n';
  const runtime =
    '/tmp/solution.js:3\nthrow new Error("boom")\n^\n\nError: boom\n    at Object.<anonymous> (/tmp/solution.js:3:7)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n\nNode.js v20.20.2\n';
  const json =
    "<anonymous_script>:1\n{x\n ^\n\nSyntaxError: Expected property name or '}' in JSON at position 1\n    at JSON.parse (<anonymous>)\n    at Object.<anonymous> (/tmp/solution.js:1:6)\n";

  it('tells a syntax error in the file from one thrown at run time', () => {
    expect(javascript.readStderr(compile)).toEqual({
      kind: 'syntax_error',
      message: 'SyntaxError: Function statements require a function name',
      line: 1,
    });
    expect(javascript.readStderr(json)).toMatchObject({ kind: 'error', line: 1 });
    expect(javascript.readStderr(runtime)).toEqual({ kind: 'error', message: 'Error: boom', line: 3 });
  });

  it('reads heap exhaustion and assertion failures', () => {
    expect(javascript.readStderr('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n').kind).toBe(
      'memory_limit',
    );
    expect(javascript.readStderr('RangeError: Array buffer allocation failed\n    at new ArrayBuffer (<anonymous>)\n').kind).toBe(
      'memory_limit',
    );
    const assertion =
      'node:assert:126\n  throw new AssertionError(obj);\n  ^\n\nAssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n5 !== 6\n\n    at Object.<anonymous> (/tmp/solution.js:5:8)\n';
    expect(javascript.readStderr(assertion)).toMatchObject({ kind: 'assertion', line: 5 });
  });
});
