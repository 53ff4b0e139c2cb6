/**
 * What the code verifier knows about each language: fence tags, the file a solution is saved as,
 * the interpreter and how to probe it, how assert snippets join a solution, and how to read a
 * failed run's stderr (syntax error, memory exhaustion, failed assertion).
 */

/** Languages `verify/code-tests` runs. */
export type LanguageName = 'python' | 'javascript';

/** How a failed run's stderr reads. */
export type StderrKind = 'syntax_error' | 'memory_limit' | 'assertion' | 'error';

/** A reading of stderr: its kind, the line that says what went wrong, and (when known) the source line it happened at. */
export interface StderrReading {
  kind: StderrKind;
  /** The error line, e.g. `ZeroDivisionError: division by zero`. */
  message: string;
  /** 1-based line of the program file the error points at, when the stderr names it. */
  line: number | null;
}

/** One language the verifier runs: everything language-specific lives here. */
export interface Language {
  readonly name: LanguageName;
  /** Fence info strings (first word, lowercase) that mark a block of this language. */
  readonly fences: readonly string[];
  /** The file a solution is saved as in the sandbox. */
  readonly fileName: string;
  /** The default interpreter command. */
  readonly interpreter: string;
  /** Arguments that make the interpreter print `probeOutput` (to check it runs in the sandbox). */
  readonly probeArgs: readonly string[];
  readonly probeOutput: RegExp;
  /**
   * RLIMIT_AS in MiB for a memory limit, or undefined for none: V8 reserves gigabytes of address
   * space up front, so JavaScript is held by RLIMIT_DATA alone.
   */
  addressSpaceMb(memoryMb: number): number | undefined;
  /** The program for assert tests, and the 1-based line where the tests start. */
  withAsserts(solution: string, asserts: string): { source: string; testsLine: number };
  /** Reads the stderr of a run that failed. */
  readStderr(stderr: string): StderrReading;
}

function lineCount(text: string): number {
  let count = 1;
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** Python 3, run as `python3 solution.py`. */
export const python: Language = {
  name: 'python',
  fences: ['python', 'py', 'python3'],
  fileName: 'solution.py',
  interpreter: 'python3',
  probeArgs: ['-c', 'import sys; print(sys.version_info[0])'],
  probeOutput: /^3$/m,
  addressSpaceMb: (memoryMb) => memoryMb + 256,
  withAsserts(solution, asserts) {
    const prefix = `${solution.replace(/\s+$/, '')}\n\n`;
    return { source: `${prefix}${asserts}\n`, testsLine: lineCount(prefix) };
  },
  readStderr(stderr) {
    const all = lines(stderr);
    const message = all[all.length - 1]?.trim() ?? '';
    const frames = [...stderr.matchAll(/File "(?:[^"]*\/)?solution\.py", line (\d+)/g)];
    const last = frames[frames.length - 1];
    const line = last ? Number(last[1]) : null;
    if (/^MemoryError\b/m.test(stderr) || /Cannot allocate memory/.test(stderr)) return { kind: 'memory_limit', message, line };
    // A syntax error in the file is reported before anything runs, so without a traceback header;
    // one raised at run time (eval, compile, a bad import) comes with one.
    if (!stderr.includes('Traceback (most recent call last)') && /^(SyntaxError|IndentationError|TabError)\b/m.test(stderr)) {
      return { kind: 'syntax_error', message, line };
    }
    if (/^AssertionError\b/.test(message)) return { kind: 'assertion', message, line };
    return { kind: 'error', message, line };
  },
};

/** JavaScript, run as CommonJS with `node solution.js`. */
export const javascript: Language = {
  name: 'javascript',
  fences: ['javascript', 'js'],
  fileName: 'solution.js',
  interpreter: 'node',
  probeArgs: ['-e', 'console.log(process.versions.node)'],
  probeOutput: /^\d+\.\d+\.\d+$/m,
  addressSpaceMb: () => undefined,
  withAsserts(solution, asserts) {
    const prefix = `${solution.replace(/\s+$/, '')}\n;\n`;
    return { source: `${prefix}${asserts}\n`, testsLine: lineCount(prefix) };
  },
  readStderr(stderr) {
    const all = lines(stderr);
    const message =
      all.find((text) => /^(Uncaught )?[A-Z][\w$]*(Error|Exception)\b/.test(text))?.trim() ??
      all
        .filter((text) => !/^\s+at |^Node\.js v/.test(text))
        .pop()
        ?.trim() ??
      '';
    // Node names the failing line of the file in a header (`/tmp/solution.js:12`) or in a stack frame.
    const header = /^(?:[^\n]*\/)?solution\.js:(\d+)$/m.exec(stderr);
    const frame = /solution\.js:(\d+):\d+\)?$/m.exec(stderr);
    const line = header ? Number(header[1]) : frame ? Number(frame[1]) : null;
    if (/JavaScript heap out of memory|Fatal process out of memory|Array buffer allocation failed|Allocation failed/.test(stderr)) {
      return { kind: 'memory_limit', message, line };
    }
    // A syntax error in the file fails compilation, before any frame of the file is on the stack.
    if (/^SyntaxError: /m.test(stderr) && !frame) return { kind: 'syntax_error', message, line };
    if (/^AssertionError\b/.test(message)) return { kind: 'assertion', message, line };
    return { kind: 'error', message, line };
  },
};

/** Every language, by name. */
export const languages: Readonly<Record<LanguageName, Language>> = { python, javascript };
