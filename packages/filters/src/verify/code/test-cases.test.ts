import { describe, expect, it } from 'vitest';
import { normalizeOutput, outputDifference, readTests } from './test-cases.js';

describe('readTests', () => {
  it('reads {input, output} pairs, APPS/TACO input_output, and either as a JSON string', () => {
    const io = { kind: 'io', cases: [{ input: '1\n', output: '2\n' }] };
    expect(readTests([{ input: '1\n', output: '2\n' }])).toEqual(io);
    expect(readTests({ inputs: ['1\n'], outputs: ['2\n'] })).toEqual(io);
    expect(readTests(JSON.stringify({ inputs: ['1\n'], outputs: ['2\n'] }))).toEqual(io);
    expect(readTests({ input: '1\n', output: '2\n' })).toEqual(io);
  });

  it('turns lines and scalars into text', () => {
    expect(
      readTests([
        { input: ['1 2', '3'], output: ['3', '3'] },
        { input: 5, output: 7 },
      ]),
    ).toEqual({
      kind: 'io',
      cases: [
        { input: '1 2\n3\n', output: '3\n3' },
        { input: '5', output: '7' },
      ],
    });
  });

  it('reads assert code as a string or a list of statements', () => {
    expect(readTests('assert f(1) == 2')).toEqual({ kind: 'assert', code: 'assert f(1) == 2' });
    expect(readTests(['assert f(1) == 2', 'assert f(2) == 3'])).toEqual({ kind: 'assert', code: 'assert f(1) == 2\nassert f(2) == 3' });
    expect(readTests('[x for x in y] == []')).toEqual({ kind: 'assert', code: '[x for x in y] == []' });
  });

  it('keeps the first max_tests cases or statements', () => {
    expect(readTests({ inputs: ['1', '2', '3'], outputs: ['1', '2', '3'] }, 2)).toMatchObject({ cases: [{ input: '1' }, { input: '2' }] });
    expect(readTests(['assert a', 'assert b'], 1)).toEqual({ kind: 'assert', code: 'assert a' });
  });

  it('says why there is nothing to run', () => {
    expect(readTests(undefined)).toEqual({ kind: 'none', why: 'no tests' });
    expect(readTests('  ')).toEqual({ kind: 'none', why: 'empty tests' });
    expect(readTests([])).toEqual({ kind: 'none', why: 'no test cases' });
    expect(readTests({ fn_name: 'solve', inputs: [[1]], outputs: [[2]] })).toEqual({
      kind: 'none',
      why: 'call-based tests (fn_name) are not supported',
    });
    expect(readTests({ inputs: ['1'], outputs: [] })).toEqual({ kind: 'none', why: 'unreadable tests (1 inputs, 0 outputs)' });
    expect(readTests([1, 2])).toMatchObject({ kind: 'none', why: expect.stringMatching(/^unreadable tests/) });
    expect(readTests(42)).toEqual({ kind: 'none', why: 'unreadable tests (number)' });
  });
});

describe('output comparison', () => {
  it('ignores trailing whitespace per line, CRLF and trailing blank lines, nothing else', () => {
    expect(normalizeOutput('a  \r\nb\t\n\n\n')).toBe('a\nb');
    expect(outputDifference('1 2\n3\n', '1 2   \n3\n\n')).toBeNull();
    expect(outputDifference('1 2', ' 1 2')).toBe('line 1: expected "1 2", got " 1 2"');
    expect(outputDifference('1  2', '1 2')).toBe('line 1: expected "1  2", got "1 2"');
    expect(outputDifference('Yes', 'yes')).toBe('line 1: expected "Yes", got "yes"');
  });

  it('points at the first differing line, including missing and extra lines', () => {
    expect(outputDifference('1\n2\n3', '1\n2\n4')).toBe('line 3: expected "3", got "4"');
    expect(outputDifference('1\n2', '1')).toBe('line 2: expected "2", got end of output');
    expect(outputDifference('1', '1\n2')).toBe('line 2: expected end of output, got "2"');
    expect(outputDifference('x', 'y'.repeat(200))).toBe(`line 1: expected "x", got "${'y'.repeat(80)}…"`);
  });
});
