import { describe, expect, it } from 'vitest';
import type { SandboxLimits } from './isolation.js';
import { JudgeAborted, judgeSolution } from './judge.js';
import { python } from './languages.js';
import type { Sandbox, SandboxRunRequest, SandboxRunResult } from './sandbox.js';

const limits: SandboxLimits = { cpuSeconds: 2, wallSeconds: 5, memoryMb: 256, outputKb: 64, processes: 16, tmpKb: 1024 };

/** A sandbox that answers each run with the next scripted result, recording the requests. */
function scripted(...results: Array<Partial<SandboxRunResult>>) {
  const requests: SandboxRunRequest[] = [];
  const sandbox = {
    run: async (request: SandboxRunRequest): Promise<SandboxRunResult> => {
      requests.push(request);
      const next = results.shift() ?? {};
      return { end: 'exited', exitCode: 0, signal: null, stdout: '', stderr: '', wallMs: 10, pid: 1, ...next };
    },
  } as unknown as Sandbox;
  return { sandbox, requests };
}

const io = (count: number) => ({
  kind: 'io' as const,
  cases: Array.from({ length: count }, (_, index) => ({ input: `${index}\n`, output: `${index}\n` })),
});

async function judge(
  results: Array<Partial<SandboxRunResult>>,
  tests: Parameters<typeof judgeSolution>[1] = io(1),
  code = 'print(input())',
) {
  const { sandbox, requests } = scripted(...results);
  const verdict = await judgeSolution(code, tests, { sandbox, language: python, interpreter: '/usr/bin/python3', limits });
  return { verdict, requests };
}

describe('judgeSolution', () => {
  it('runs each stdin case once, in order, and stops at the first wrong output', async () => {
    const { verdict, requests } = await judge([{ stdout: '0\n' }, { stdout: '7\n' }, { stdout: '2\n' }], io(3));
    expect(verdict).toEqual({ pass: false, reason: 'tests_failed', detail: 'test 2/3: line 1: expected "1", got "7"', runs: 2 });
    expect(requests.map((request) => request.stdin)).toEqual(['0\n', '1\n']);
    expect(requests[0]?.program).toEqual(['/usr/bin/python3', 'solution.py']);
    expect(requests[0]?.files).toEqual({ 'solution.py': 'print(input())' });
  });

  it('maps how a run ended to a reason', async () => {
    expect((await judge([{ end: 'wall_timeout' }])).verdict).toMatchObject({
      reason: 'timeout',
      detail: 'test 1/1: over the wall-clock limit of 5 s',
    });
    expect((await judge([{ end: 'signaled', signal: 'SIGXCPU' }])).verdict).toMatchObject({
      reason: 'timeout',
      detail: 'test 1/1: over the CPU limit of 2 s',
    });
    // SIGKILL after the CPU limit's grace second is RLIMIT_CPU's hard limit; earlier it is something else.
    expect((await judge([{ end: 'signaled', signal: 'SIGKILL', wallMs: 3500 }])).verdict.reason).toBe('timeout');
    expect((await judge([{ end: 'signaled', signal: 'SIGKILL', wallMs: 100 }])).verdict).toMatchObject({
      reason: 'runtime_error',
      detail: 'test 1/1: killed by SIGKILL',
    });
    expect((await judge([{ end: 'signaled', signal: 'SIGSEGV', stderr: 'Fatal Python error: Segmentation fault' }])).verdict).toMatchObject(
      {
        reason: 'runtime_error',
        detail: 'test 1/1: killed by SIGSEGV (Fatal Python error: Segmentation fault)',
      },
    );
    expect((await judge([{ end: 'signaled', signal: 'SIGXFSZ' }])).verdict).toMatchObject({
      reason: 'output_limit',
      detail: 'test 1/1: wrote a file over 1024 KiB',
    });
    expect((await judge([{ end: 'output_limit' }])).verdict).toMatchObject({
      reason: 'output_limit',
      detail: 'test 1/1: more than 64 KiB of output',
    });
    await expect(judge([{ end: 'aborted' }])).rejects.toBeInstanceOf(JudgeAborted);
  });

  it('tells a failed assertion in the tests from one in the solution', async () => {
    const tests = { kind: 'assert' as const, code: 'assert f(1) == 1\nassert f(2) == 3' };
    const code = 'def f(x):\n    assert x > 0\n    return x';
    const inTests = 'Traceback (most recent call last):\n  File "/tmp/solution.py", line 6, in <module>\nAssertionError\n';
    const { verdict, requests } = await judge([{ exitCode: 1, stderr: inTests }], tests, code);
    expect(verdict).toEqual({ pass: false, reason: 'tests_failed', detail: 'asserts: failed "assert f(2) == 3"', runs: 1 });
    expect(requests[0]?.files).toEqual({ 'solution.py': `${code}\n\nassert f(1) == 1\nassert f(2) == 3\n` });
    const inSolution =
      'Traceback (most recent call last):\n  File "/tmp/solution.py", line 5, in <module>\n  File "/tmp/solution.py", line 2, in f\nAssertionError\n';
    expect((await judge([{ exitCode: 1, stderr: inSolution }], tests, code)).verdict).toMatchObject({ reason: 'runtime_error' });
    expect((await judge([{ exitCode: 0 }], tests, code)).verdict).toEqual({ pass: true, reason: null, detail: null, runs: 1 });
  });

  it('does not run a program too large for its /tmp', async () => {
    const { verdict, requests } = await judge([], io(1), `# ${'x'.repeat(600 * 1024)}`);
    expect(verdict).toMatchObject({ reason: 'runtime_error', runs: 0, detail: 'the program is 601 KiB, more than half the 1024 KiB /tmp' });
    expect(requests).toEqual([]);
  });
});
