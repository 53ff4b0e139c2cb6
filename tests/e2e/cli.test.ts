/** The built CLI, driven as a user would: exit codes, JSON shapes, diagnostics, resume after SIGKILL. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chatRows, directoryWith, ROOT, runCli, startCli, temporaryDirectory } from '../helpers/cli.js';

function demoCopy(): string {
  const dir = temporaryDirectory();
  cpSync(join(ROOT, 'recipes'), join(dir, 'recipes'), { recursive: true });
  return dir;
}

describe('oversight run', () => {
  it('runs the demo offline, prints the funnel and writes JSONL and Parquet', () => {
    const dir = demoCopy();
    const run = runCli(['run', 'recipes/demo.yaml'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/source\s+read\s+quarantined\s+dropped\s+kept\s+mixed/);
    expect(run.stdout).toMatch(/dedup\/exact\s+\d+/);
    expect(run.stdout).toMatch(/wrote out\/demo\/train\.jsonl\s+30 rows/);
    const lines = readFileSync(join(dir, 'out/demo/train.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(30);
    for (const line of lines) expect(Object.keys(JSON.parse(line))).toEqual(['messages']);
  });

  it('prints the documented --json shape and exits 1 when a recipe check fails', () => {
    const dir = demoCopy();
    const text = readFileSync(join(dir, 'recipes/demo.yaml'), 'utf8').replace('{ metric: rows, min: 20 }', '{ metric: rows, min: 1000 }');
    writeFileSync(join(dir, 'recipes/strict.yaml'), text);
    const run = runCli(['run', 'recipes/strict.yaml', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ recipe: 'demo', ok: false });
    expect(Object.keys(result.sources[0])).toEqual(expect.arrayContaining(['id', 'read', 'quarantined']));
    expect(Object.keys(result.steps[0])).toEqual(expect.arrayContaining(['id', 'use', 'in', 'kept', 'dropped', 'cached']));
    expect(result.outputs[0]).toMatchObject({ path: 'out/demo/train.jsonl', format: 'messages', rows: 30 });
    expect(result.checks).toContainEqual({ metric: 'rows', value: 30, ok: false, min: 1000 });
    expect(result.contamination).toContainEqual({ eval: 'grade-school-test', source: 'grade-school', found: 2, mixed: 0 });
    const read = result.sources.reduce((sum: number, source: { read: number }) => sum + source.read, 0);
    const accounted = result.sources.reduce(
      (sum: number, source: { kept: number; dropped: number; quarantined: number }) =>
        sum + source.kept + source.dropped + source.quarantined,
      0,
    );
    expect(accounted).toBe(read);
  });

  it('takes a DuckDB memory limit, and rejects a malformed one with exit 2', () => {
    const dir = demoCopy();
    const bad = runCli(['run', 'recipes/demo.yaml', '--memory-limit', 'lots'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a size such as 512MB or 2GB, found `lots`');
    const good = runCli(['run', 'recipes/demo.yaml', '--memory-limit', '512MB', '--json'], { cwd: dir });
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout).ok).toBe(true);
  });

  it('show: the funnel, a step’s drops by reason with examples, the quarantine with file:line', () => {
    const dir = demoCopy();
    expect(runCli(['run', 'recipes/demo.yaml'], { cwd: dir }).code).toBe(0);
    const funnel = runCli(['show'], { cwd: dir });
    expect(funnel.code).toBe(0);
    expect(funnel.stdout).toMatch(/mix\s+30 rows/);
    const step = runCli(['show', 'quality/length', '--json'], { cwd: dir });
    const detail = JSON.parse(step.stdout);
    expect(detail.dropped[0].reason).toBe('too_short');
    expect(detail.dropped[0].examples[0].detail).toMatch(/tokens < min 4/);
    const quarantine = runCli(['show', 'quarantine'], { cwd: dir });
    expect(quarantine.stdout).toMatch(/recipes\/data\/demo\/chat\.jsonl:24 chat\s+expected a JSON object, found malformed JSON/);
    const unknown = runCli(['show', 'dedup/exakt'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/did you mean `dedup\/exact`/);
  });
});

describe('oversight check', () => {
  it('reports every problem with file:line:col, a code frame and did-you-mean, exit 2', () => {
    const dir = directoryWith({
      'data.jsonl': '{"messages": []}\n',
      'bad.yaml': [
        'version: 1',
        'name: bad',
        'sources:',
        '  - { id: chat, path: data.jsonl, fromat: messages }',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the recipe's own ${VAR} syntax, on purpose.
        '  - { id: more, path: "${MISSING_DATA_DIR}/x.jsonl" }',
        'steps:',
        '  - use: dedup/exakt',
        '  - use: quality/length',
        '    with: { scope: users, min: 5 }',
        'mix:',
        '  weights: { chta: 1 }',
        '',
      ].join('\n'),
    });
    const check = runCli(['check', 'bad.yaml'], { cwd: dir, env: { MISSING_DATA_DIR: undefined } });
    expect(check.code).toBe(2);
    for (const fragment of [
      'bad.yaml:4:35 error[recipe/unknown-key] unknown key `fromat`',
      'did you mean `format`?',
      'bad.yaml:5:24 error[recipe/unset-variable]',
      'bad.yaml:7:10 error[recipe/unknown-step] unknown step `dedup/exakt`',
      'did you mean `dedup/exact`?',
      'bad.yaml:9:20 error[recipe/invalid-param] expected one of `user`, `assistant`, `all`, found "users"',
      'bad.yaml:11:14 error[recipe/unknown-source]',
      'did you mean `chat`?',
      ' 7 |   - use: dedup/exakt\n   |          ^^^^^^^^^^^',
    ]) {
      expect(check.stderr).toContain(fragment);
    }
    expect(check.stderr).not.toContain('recipe/missing-file');
    expect(check.stderr).toMatch(/\n5 errors\n$/);
    const json = JSON.parse(runCli(['check', 'bad.yaml', '--json'], { cwd: dir, env: { MISSING_DATA_DIR: undefined } }).stdout);
    expect(json.ok).toBe(false);
    expect(json.diagnostics[0]).toEqual({
      code: 'recipe/unknown-key',
      severity: 'error',
      message: expect.stringContaining('unknown key `fromat`'),
      file: 'bad.yaml',
      line: 4,
      column: 35,
      hint: 'did you mean `format`?',
    });
  });

  it('checks a select/sql predicate against the canonical columns before running', () => {
    const dir = directoryWith({
      'data.jsonl': '{"messages": []}\n',
      'r.yaml':
        'version: 1\nname: r\nsources:\n  - { id: a, path: data.jsonl }\nsteps:\n  - use: select/sql\n    with: { where: "tsak = 1" }\n',
    });
    const check = runCli(['check', 'r.yaml'], { cwd: dir });
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(
      /r\.yaml:7:20 error\[recipe\/invalid-param\] expected a SQL predicate over the canonical columns, found an error: .*tsak/,
    );
  });

  it('the demo recipe is valid', () => {
    const check = runCli(['check', 'recipes/demo.yaml', '--json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual({ ok: true, diagnostics: [] });
  });
});

describe('oversight steps and init', () => {
  it('lists steps with JSON Schema params', () => {
    const steps = JSON.parse(runCli(['steps', '--json']).stdout);
    const exact = steps.find((step: { id: string }) => step.id === 'dedup/exact');
    expect(Object.keys(exact)).toEqual(['id', 'summary', 'effect', 'reasons', 'params']);
    expect(exact.reasons).toEqual(['exact_duplicate']);
    expect(exact.params.properties.keep.enum).toEqual(['first', 'longest']);
    expect(exact.params.properties.scope.description).toMatch(/Turns to look at/);
    const manual = runCli(['steps', 'quality/length']);
    expect(manual.stdout).toMatch(/unit\s+"chars" \| "tokens" · default "chars"/);
  });

  it('init writes a starter recipe that checks and runs', () => {
    const dir = temporaryDirectory();
    expect(runCli(['init', 'starter'], { cwd: dir }).code).toBe(0);
    expect(runCli(['check', 'starter.yaml'], { cwd: dir }).code).toBe(0);
    expect(runCli(['run', 'starter.yaml'], { cwd: dir }).code).toBe(0);
    expect(runCli(['init', 'starter'], { cwd: dir }).code).toBe(2);
    expect(runCli(['no-such-command']).code).toBe(2);
  });
});

describe('resume after SIGKILL', () => {
  it('a run killed mid-step resumes and writes the same bytes as an uninterrupted run', async () => {
    const make = () => {
      const dir = directoryWith({
        'chat.jsonl': chatRows(60_000, (index) => [
          `Question number ${index % 20_000}: ${'please explain the idea in detail '.repeat(1 + (index % 5))}`,
          `Answer ${index}. ${'Here is a long explanation of the idea, step by step. '.repeat(2 + (index % 9))}`,
        ]),
      });
      writeFileSync(
        join(dir, 'r.yaml'),
        `version: 1
name: resume
sources:
  - { id: chat, path: chat.jsonl }
steps:
  - use: dedup/exact
    with: { scope: user }
  - use: quality/length
    with: { scope: all, unit: tokens, min: 60, max: 400 }
  - use: select/sql
    with: { where: "len(messages) = 2" }
mix: { total: 5000, seed: 11 }
outputs:
  - { format: messages, path: out/train.jsonl }
  - { format: messages, path: out/train.parquet, columns: [id] }
`,
      );
      return dir;
    };
    const reference = make();
    expect(runCli(['run', 'r.yaml'], { cwd: reference }).code).toBe(0);

    const killed = make();
    const child = startCli(['run', 'r.yaml'], { cwd: killed });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    // The token-counting step takes seconds; kill the process in the middle of it.
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2500);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
    expect(exit.signal, `the first run finished before it could be killed: ${stderr}`).toBe('SIGKILL');
    const resumed = runCli(['run', 'r.yaml', '--json'], { cwd: killed });
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const file of ['out/train.jsonl', 'out/train.parquet']) {
      expect(readFileSync(join(killed, file)).equals(readFileSync(join(reference, file))), file).toBe(true);
    }
  }, 120_000);
});
