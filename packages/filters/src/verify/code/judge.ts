/**
 * Judges one solution against its tests in the sandbox: stdin/stdout cases run one process each, in
 * order, stopping at the first failure; assert tests run once, appended to the solution. The verdict
 * names the failing test with expected and actual output, or the error line, cut short.
 */
import type { SandboxLimits } from './isolation.js';
import type { Language } from './languages.js';
import type { Sandbox, SandboxRunResult } from './sandbox.js';
import { outputDifference, quote, type TestSuite } from './test-cases.js';

/** Why a solution failed. */
export type CodeFailure = 'syntax_error' | 'runtime_error' | 'timeout' | 'memory_limit' | 'output_limit' | 'tests_failed';

/** The outcome of judging one solution. */
export interface CodeVerdict {
  pass: boolean;
  reason: CodeFailure | null;
  /** Which test failed and how (null when passed). */
  detail: string | null;
  /** Program runs made. */
  runs: number;
}

/** Where and how a solution runs. */
export interface JudgeOptions {
  sandbox: Sandbox;
  language: Language;
  /** Absolute path of the interpreter (see `Sandbox.resolveInterpreter`). */
  interpreter: string;
  limits: SandboxLimits;
  /** Arguments after the solution file (the program's `sys.argv[1:]`); tests use one to find their processes. */
  args?: readonly string[];
  signal?: AbortSignal | undefined;
}

/** Thrown when the caller's signal aborted a run: a judgment that did not happen. */
export class JudgeAborted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'JudgeAborted';
  }
}

const MESSAGE_CHARS = 160;

/** Runs `code` against `tests` (an `io` or `assert` suite). */
export async function judgeSolution(
  code: string,
  tests: Exclude<TestSuite, { kind: 'none' }>,
  options: JudgeOptions,
): Promise<CodeVerdict> {
  const { language } = options;
  // The program's files must fit its private /tmp (with room to spare); a setup that cannot copy them is a broken sandbox, not a verdict.
  const bytes = Buffer.byteLength(code) + (tests.kind === 'assert' ? Buffer.byteLength(tests.code) : 0);
  if (bytes > (options.limits.tmpKb * 1024) / 2) {
    return {
      pass: false,
      reason: 'runtime_error',
      detail: `the program is ${Math.ceil(bytes / 1024)} KiB, more than half the ${options.limits.tmpKb} KiB /tmp`,
      runs: 0,
    };
  }
  if (tests.kind === 'assert') {
    const { source, testsLine } = language.withAsserts(code, tests.code);
    const result = await runOnce(source, '', options);
    const failure = failureOf(result, options, { testsLine, tests: tests.code, label: 'asserts' });
    return failure ? { pass: false, ...failure, runs: 1 } : { pass: true, reason: null, detail: null, runs: 1 };
  }
  const total = tests.cases.length;
  for (let index = 0; index < total; index++) {
    const testCase = tests.cases[index] as (typeof tests.cases)[number];
    const label = `test ${index + 1}/${total}`;
    const result = await runOnce(code, testCase.input, options);
    const failure = failureOf(result, options, { label });
    if (failure) return { pass: false, ...failure, runs: index + 1 };
    const difference = outputDifference(testCase.output, result.stdout);
    if (difference) return { pass: false, reason: 'tests_failed', detail: `${label}: ${difference}`, runs: index + 1 };
  }
  return { pass: true, reason: null, detail: null, runs: total };
}

function runOnce(source: string, stdin: string, options: JudgeOptions): Promise<SandboxRunResult> {
  return options.sandbox.run({
    files: { [options.language.fileName]: source },
    program: [options.interpreter, options.language.fileName, ...(options.args ?? [])],
    stdin,
    limits: options.limits,
    signal: options.signal,
  });
}

/** The failure a run shows (before any output comparison), or null for a clean exit. */
function failureOf(
  result: SandboxRunResult,
  options: JudgeOptions,
  where: { label: string; testsLine?: number; tests?: string },
): { reason: CodeFailure; detail: string } | null {
  const { limits, language } = options;
  const { label } = where;
  switch (result.end) {
    case 'aborted':
      throw new JudgeAborted();
    case 'wall_timeout':
      return { reason: 'timeout', detail: `${label}: over the wall-clock limit of ${limits.wallSeconds} s` };
    case 'output_limit':
      return { reason: 'output_limit', detail: `${label}: more than ${limits.outputKb} KiB of output` };
    case 'signaled': {
      const reading = language.readStderr(result.stderr);
      if (result.signal === 'SIGXCPU' || (result.signal === 'SIGKILL' && result.wallMs >= limits.cpuSeconds * 1000)) {
        return { reason: 'timeout', detail: `${label}: over the CPU limit of ${Math.ceil(limits.cpuSeconds)} s` };
      }
      if (reading.kind === 'memory_limit')
        return { reason: 'memory_limit', detail: `${label}: over the memory limit of ${limits.memoryMb} MiB` };
      if (result.signal === 'SIGXFSZ') return { reason: 'output_limit', detail: `${label}: wrote a file over ${limits.tmpKb} KiB` };
      return {
        reason: 'runtime_error',
        detail: `${label}: killed by ${result.signal}${reading.message ? ` (${cut(reading.message)})` : ''}`,
      };
    }
    case 'exited': {
      if (result.exitCode === 0) return null;
      const reading = language.readStderr(result.stderr);
      const at = reading.line !== null ? ` at line ${reading.line}` : '';
      switch (reading.kind) {
        case 'memory_limit':
          return { reason: 'memory_limit', detail: `${label}: over the memory limit of ${limits.memoryMb} MiB (${cut(reading.message)})` };
        case 'syntax_error': {
          const inTests = where.testsLine !== undefined && reading.line !== null && reading.line >= where.testsLine;
          // A syntax error in the tests is the data's fault, but the row cannot be verified either way.
          return { reason: 'syntax_error', detail: `${cut(reading.message)}${at}${inTests ? ' (in the tests)' : ''}` };
        }
        case 'assertion':
          if (where.testsLine !== undefined && reading.line !== null && reading.line >= where.testsLine) {
            const assertion = where.tests?.split('\n')[reading.line - where.testsLine]?.trim() ?? '';
            return {
              reason: 'tests_failed',
              detail: `${label}: failed ${quote(assertion, MESSAGE_CHARS)}${reading.message !== 'AssertionError' ? ` (${cut(reading.message)})` : ''}`,
            };
          }
          break;
        default:
          break;
      }
      return { reason: 'runtime_error', detail: `${label}: exit ${result.exitCode}${at}: ${cut(reading.message) || 'no error message'}` };
    }
  }
}

function cut(text: string): string {
  return text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS)}…` : text;
}
