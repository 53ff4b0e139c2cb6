/** `oversight grade` through the built CLI: accuracy, the `--json` and `--out` shapes, `--diff`, bad lines, exit codes. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, temporaryDirectory } from '../helpers/cli.js';

const DATA = join(ROOT, '..', 'shared', 'data');
const abelFile = join(DATA, 'abel/outputs/gsm8k/70b.jsonl');
if (!existsSync(abelFile))
  console.warn(`[skipped] grade CLI on Abel's outputs: ${abelFile} is absent (it exists only on the project's machines)`);

const rows = [
  { response: 'She pays 3 * 4 = 12 dollars.\n#### 12', gold: '12' },
  { response: 'The total is 55.50 dollars.\n#### 55.50', gold: '55.5' },
  { response: 'So the answer is \\boxed{\\dfrac{1}{2}}.', gold: '\\frac12' },
  { response: 'Half of it: 50\\%.\n#### 50\\%', gold: '0.5' },
  { response: 'Both work.\n#### A,B', gold: 'A' },
  { response: 'I am not sure.', gold: '7' },
];

function responsesFile(extraLines: string[] = []): { dir: string; path: string } {
  const dir = temporaryDirectory();
  const path = join(dir, 'responses.jsonl');
  writeFileSync(path, [...rows.map((row) => JSON.stringify(row)), ...extraLines].join('\n'));
  return { dir, path };
}

describe('oversight grade', () => {
  it('prints {grader, total, correct, accuracy} and writes one verdict per input line, in order', () => {
    const { dir, path } = responsesFile();
    const out = join(dir, 'verdicts.jsonl');
    const run = runCli(['grade', path, '--json', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ grader: 'strict', total: 6, correct: 3, invalid: 0 });
    expect(summary.accuracy).toBeCloseTo(0.5, 12);
    expect(summary.reasons).toEqual({ answer_mismatch: 2, no_final_answer: 1 });
    const verdicts = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(verdicts.map((verdict) => Object.keys(verdict))).toEqual(
      rows.map(() => ['line', 'correct', 'reason', 'extracted', 'pred', 'gold']),
    );
    expect(verdicts.map((verdict) => [verdict.line, verdict.correct, verdict.reason])).toEqual([
      [1, true, null],
      [2, true, null],
      [3, true, null],
      [4, false, 'answer_mismatch'],
      [5, false, 'answer_mismatch'],
      [6, false, 'no_final_answer'],
    ]);
    expect(verdicts[0].extracted).toBe('12');
  });

  it('--diff lists the rows where two graders disagree, with both verdicts', () => {
    const { path } = responsesFile();
    const run = runCli(['grade', path, '--grader', 'abel', '--diff', 'strict', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.grader).toBe('abel');
    // Abel's grader accepts "A,B" for "A" (its LaTeX parser stops at the comma); the strict one does not.
    const line5 = summary.diff.rows.find((row: { line: number }) => row.line === 5);
    expect(line5.abel).toMatchObject({ correct: true });
    expect(line5.strict).toMatchObject({ correct: false, reason: 'answer_mismatch' });
    expect(summary.diff.disagreements).toBe(summary.diff.rows.length);
    expect(summary.diff.categories['correct / answer_mismatch']).toBeGreaterThanOrEqual(1);
    const text = runCli(['grade', path, '--grader', 'abel', '--diff', 'strict', '--no-progress']);
    expect(text.stdout).toMatch(/row\(s\) where abel and strict disagree/);
    expect(text.stdout).toMatch(/\n\s*5\s+correct\s+A,B\s+answer_mismatch/);
  });

  it('reports bad lines as file:line:col, leaves them out of the accuracy, and keeps --out aligned', () => {
    const { dir, path } = responsesFile(['{"response": "#### 3"', '[1, 2]', '{"answer": "#### 3", "gold": "3"}']);
    const out = join(dir, 'verdicts.jsonl');
    const run = runCli(['grade', path, '--json', '--out', out]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 6, correct: 3, invalid: 3 });
    expect(run.stderr).toMatch(/responses\.jsonl:7:\d+: expected a JSON object, found invalid JSON/);
    expect(run.stderr).toMatch(/responses\.jsonl:8:1: expected a JSON object, found an array/);
    expect(run.stderr).toMatch(/responses\.jsonl:9:1: expected a `response` field \(--response-field\), found none/);
    const verdicts = readFileSync(out, 'utf8').trim().split('\n');
    expect(verdicts).toHaveLength(9);
    expect(JSON.parse(verdicts[8] as string)).toMatchObject({ line: 9, correct: false, reason: 'invalid' });
  });

  it('reads other fields, dotted paths and numeric golds', () => {
    const dir = temporaryDirectory();
    const path = join(dir, 'nested.jsonl');
    writeFileSync(path, `${JSON.stringify({ output: 'The answer is: 42', meta: { gold: 42 } })}\n`);
    const run = runCli(['grade', path, '--response-field', 'output', '--gold-field', 'meta.gold', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 1, correct: 1 });
  });

  it('exits 2 on an unknown grader or a missing file, 1 when nothing could be graded', () => {
    const { dir, path } = responsesFile();
    const unknown = runCli(['grade', path, '--grader', 'abell']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--grader: expected one of strict, abel, wizardmath, minerva, found `abell`/);
    expect(unknown.stderr).toMatch(/did you mean `abel`\?/);
    expect(runCli(['grade', join(dir, 'nope.jsonl')]).code).toBe(2);
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    expect(runCli(['grade', empty, '--json']).code).toBe(1);
  });

  it.skipIf(!existsSync(abelFile))("re-derives Abel-70B's published GSM8K 83.62 from its released outputs", () => {
    const run = runCli(['grade', abelFile, '--grader', 'abel', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ grader: 'abel', total: 1319, correct: 1103 });
    expect((100 * summary.accuracy).toFixed(2)).toBe('83.62');
  });
});
