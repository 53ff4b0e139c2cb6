/**
 * `verify/code-tests` — drops rows whose code solution fails its tests. The solution is the last
 * fenced ```python (or ```javascript) block of the last assistant turn; the tests come from the row's
 * `meta` (stdin/stdout pairs or assert code); every run happens in a sandbox (docs/sandbox.md).
 *
 * Reasons: `no_code`, `syntax_error`, `runtime_error`, `timeout`, `memory_limit`, `output_limit`,
 * `tests_failed`, and `no_tests` when `missing_tests: drop`. Detail: the failing test with expected
 * and actual output, or the error line.
 * Cost: one process per stdin/stdout case (about 25 ms of sandbox setup on top of the interpreter's
 * start; see bench/README.md), `concurrency` at a time.
 * Method: UltraInteract/Eurus keep only actions whose code passes the ground truth by execution; APPS
 * and TACO judge stdin/stdout cases with trailing whitespace ignored.
 */
import { availableParallelism } from 'node:os';
import { defineStep, OversightError, type StepContext, sql } from '@oversight/core';
import { z } from 'zod';
import { verdictsFromResults } from '../verdicts.js';
import { extractCode } from './code/extract.js';
import type { SandboxLimits } from './code/isolation.js';
import { type CodeFailure, JudgeAborted, judgeSolution } from './code/judge.js';
import { type Language, languages } from './code/languages.js';
import { forEachConcurrent } from './code/pool.js';
import { Sandbox } from './code/sandbox.js';
import { readTests } from './code/test-cases.js';

/** Size of each run's private /tmp (and the largest file it may write). */
const TMP_KB = 16 * 1024;

/** Verdicts buffered before they are appended. */
const WRITE_BATCH = 256;

const params = z
  .strictObject({
    language: z
      .enum(['python', 'javascript', 'auto'])
      .default('python')
      .describe('Language of the solutions: `python`, `javascript` (run with node), or `auto` (each row by its block’s fence tag).'),
    fences: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Fence tags that mark a solution block, replacing the language’s own (python: python, py, python3; javascript: javascript, js).',
      ),
    untagged: z.boolean().default(false).describe('Also accept code blocks without a fence tag (not with `language: auto`).'),
    block: z.enum(['last', 'first']).default('last').describe('Which accepted block of the last assistant turn is the solution.'),
    tests_field: z
      .string()
      .regex(/^[\w-]+(\.[\w-]+)*$/, 'expected a dotted path of letters, digits, `_` and `-`, such as `tests` or `eval.cases`')
      .default('tests')
      .describe(
        'Path of the tests in `meta` (dotted). Accepted: `[{input, output}]`, `{inputs: [...], outputs: [...]}`, assert code as a string or an array of statements, or any of these as a JSON string.',
      ),
    missing_tests: z
      .enum(['keep', 'drop'])
      .default('keep')
      .describe('What to do with rows that have no usable tests: `keep` them unverified (counted in a note) or `drop` them (`no_tests`).'),
    max_tests: z.int().min(1).max(100_000).optional().describe('Run only the first N stdin/stdout cases (or assert statements) of a row.'),
    time_limit_s: z.number().positive().max(600).default(4).describe('CPU seconds per program run (whole seconds, rounded up).'),
    wall_limit_s: z
      .number()
      .positive()
      .max(1200)
      .optional()
      .describe('Wall-clock seconds per program run, sandbox setup included; default 2 × time_limit_s + 1.'),
    memory_mb: z
      .int()
      .min(32)
      .max(65536)
      .default(512)
      .describe('Private memory per program run in MiB (RLIMIT_DATA; Python also RLIMIT_AS + 256).'),
    output_kb: z
      .int()
      .min(1)
      .max(1048576)
      .default(1024)
      .describe('stdout plus stderr per program run in KiB; beyond it the run is killed (`output_limit`).'),
    max_processes: z.int().min(1).max(4096).default(64).describe('Processes and threads per program run (RLIMIT_NPROC).'),
    concurrency: z.int().min(1).max(256).optional().describe('Programs run at once; default the number of cores.'),
    isolation: z
      .enum(['auto', 'namespaces', 'none'])
      .default('auto')
      .describe('`auto`/`namespaces`: Linux namespaces or fail; `none`: run code UNSANDBOXED (only with this value given).'),
    python: z.string().min(1).default('python3').describe('Python interpreter (looked up on PATH, then /usr/bin, /usr/local/bin).'),
    node: z.string().min(1).default('node').describe('Node.js interpreter for JavaScript.'),
  })
  .refine((value) => value.language !== 'auto' || (value.fences === undefined && !value.untagged), {
    message: 'expected `fences`/`untagged` only with one language, found them with `language: auto`',
    path: ['language'],
  });

type Params = z.infer<typeof params>;
type Reason = CodeFailure | 'no_code' | 'no_tests';

let warnedUnsandboxed = false;

/** The `verify/code-tests` step (see the file comment and docs/sandbox.md). */
export const codeTests = defineStep({
  id: 'verify/code-tests',
  version: 1,
  summary: 'Drop rows whose code solution fails its tests (run in a sandbox).',
  description:
    'Takes the last fenced code block of the last assistant turn (```python/```py, or ```javascript/```js run with node) and runs it ' +
    'against the tests in `meta.<tests_field>`: stdin/stdout cases (one run each, stopping at the first failure; outputs compared after ' +
    'removing trailing spaces of every line and trailing blank lines) or assert code appended to the solution (one run). Each run is ' +
    'sandboxed: new PID, mount, network, IPC and UTS namespaces, an unprivileged uid without capabilities, a read-only file system ' +
    'with a private /tmp, the home directory hidden, no network, an empty environment, and CPU, wall, memory, output and process ' +
    'limits (docs/sandbox.md). Without namespaces the step fails unless `isolation: none` is given.',
  effect: 'drop',
  params,
  reasons: ['no_code', 'no_tests', 'syntax_error', 'runtime_error', 'timeout', 'memory_limit', 'output_limit', 'tests_failed'],
  run: async (context, options) => {
    const { db } = context;
    const sandbox = await Sandbox.open(options.isolation);
    context.note(sandbox.describe());
    if (sandbox.plan.mode === 'none' && !warnedUnsandboxed) {
      warnedUnsandboxed = true;
      process.emitWarning('verify/code-tests runs untrusted code UNSANDBOXED (isolation: none)', { code: 'OVERSIGHT_UNSANDBOXED' });
    }
    const interpreters = interpreterResolver(context, sandbox, options);
    const tags = new Map<string, Language>();
    for (const language of options.language === 'auto' ? Object.values(languages) : [languages[options.language]]) {
      for (const tag of options.fences ?? language.fences) tags.set(tag.toLowerCase(), language);
    }
    const single = options.language === 'auto' ? undefined : languages[options.language];

    const results = context.scratch('results');
    await db.run(sql`CREATE TEMP TABLE ${results} (ord BIGINT, reason VARCHAR, detail VARCHAR)`);
    const writer = await db.columnWriter(results, ['bigint', 'varchar', 'varchar']);
    let pending: [bigint | number, string | null, string | null][] = [];
    const flush = () => {
      if (pending.length === 0) return;
      writer.append([pending.map((row) => row[0]), pending.map((row) => row[1]), pending.map((row) => row[2])], pending.length);
      pending = [];
    };
    const path = `$${options.tests_field
      .split('.')
      .map((key) => `."${key}"`)
      .join('')}`;
    const response = sql`list_extract(list_filter(messages, m -> m.role = 'assistant'), -1).content`;
    let done = 0;
    let untested = 0;
    let runCount = 0;
    const rows = async function* () {
      // Verdicts are appended while rows are read: read on the second connection (the input is committed).
      for await (const [ords, texts, tests] of db.streamCommitted(
        sql`SELECT _ord, ${response}, json_extract(meta, ${path})::VARCHAR FROM ${context.input} ORDER BY _ord`,
      )) {
        for (let index = 0; index < (ords?.length ?? 0); index++) {
          yield {
            ord: ords?.[index] as bigint,
            text: (texts?.[index] as string | null) ?? '',
            tests: (tests?.[index] as string | null) ?? null,
          };
        }
      }
    };
    try {
      await forEachConcurrent(rows(), options.concurrency ?? availableParallelism(), async (row) => {
        if (context.signal.aborted) throw new JudgeAborted();
        const verdict = await judgeRow(row.text, row.tests);
        pending.push([row.ord, verdict.reason, verdict.detail]);
        if (pending.length >= WRITE_BATCH) flush();
        done++;
        context.progress(done / Math.max(1, context.inputRows));
      });
      flush();
    } catch (error) {
      if (error instanceof JudgeAborted || context.signal.aborted) throw new OversightError('run/interrupted', 'run interrupted');
      throw error;
    } finally {
      writer.close();
    }

    async function judgeRow(text: string, testsJson: string | null): Promise<{ reason: Reason | null; detail: string | null }> {
      let value: unknown = null;
      if (testsJson !== null) {
        try {
          value = JSON.parse(testsJson);
        } catch {
          value = testsJson;
        }
      }
      const tests = readTests(value, options.max_tests);
      if (tests.kind === 'none') {
        untested++;
        return options.missing_tests === 'drop'
          ? { reason: 'no_tests', detail: `${tests.why} in meta.${options.tests_field}` }
          : { reason: null, detail: null };
      }
      const block = extractCode(text, { tags: [...tags.keys()], untagged: options.untagged, which: options.block });
      if (!block) return { reason: 'no_code', detail: `no \`\`\`${[...tags.keys()].join('/')} block in the last assistant turn` };
      const language = tags.get(block.tag) ?? single ?? languages.python;
      const { interpreter, limits } = await interpreters(language);
      const verdict = await judgeSolution(block.code, tests, { sandbox, language, interpreter, limits, signal: context.signal });
      runCount += verdict.runs;
      return { reason: verdict.reason, detail: verdict.detail };
    }

    await verdictsFromResults(context, results);
    if (untested > 0) {
      context.note(
        `${untested} row(s) without usable tests in meta.${options.tests_field}: ${options.missing_tests === 'drop' ? 'dropped (no_tests)' : 'kept unverified'}`,
      );
    }
    context.note(`${runCount} sandboxed program run(s)`);
    for (const warning of sandbox.warnings()) context.note(`sandbox: ${warning}`);
  },
});

/** Resolves each language's interpreter once per run (only when a row needs it), with its limits. */
function interpreterResolver(context: StepContext, sandbox: Sandbox, options: Params) {
  const resolved = new Map<string, Promise<{ interpreter: string; limits: SandboxLimits }>>();
  return (language: Language) => {
    let entry = resolved.get(language.name);
    if (!entry) {
      const limits: SandboxLimits = {
        cpuSeconds: options.time_limit_s,
        wallSeconds: options.wall_limit_s ?? 2 * options.time_limit_s + 1,
        memoryMb: options.memory_mb,
        addressSpaceMb: language.addressSpaceMb(options.memory_mb),
        outputKb: options.output_kb,
        processes: options.max_processes,
        tmpKb: TMP_KB,
      };
      const command = language.name === 'python' ? options.python : options.node;
      entry = sandbox.resolveInterpreter(command, language.probeArgs, language.probeOutput, limits).then(({ path, rejected }) => {
        context.note(`${language.name}: ${path}${rejected.length > 0 ? ` (not usable in the sandbox: ${rejected.join('; ')})` : ''}`);
        return { interpreter: path, limits };
      });
      resolved.set(language.name, entry);
    }
    return entry;
  };
}
