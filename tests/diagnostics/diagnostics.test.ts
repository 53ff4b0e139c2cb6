/**
 * Exact CLI output of `oversight check` for broken recipes: every file in `cases/` is checked and its
 * stderr compared with `cases/<name>.txt` (UPDATE_GOLDEN=1 rewrites them).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { expectGolden } from '../helpers/golden.js';

const CASES = join(import.meta.dirname, 'cases');
const recipes = readdirSync(CASES)
  .filter((name) => name.endsWith('.yaml'))
  .sort();
const env = { OVERSIGHT_TEST_DATA_DIR: undefined, OVERSIGHT_TEST_OTHER: undefined, OVERSIGHT_TEST_TOTAL: undefined };

describe('check diagnostics', () => {
  it.each(recipes)('%s', (recipe) => {
    const check = runCli(['check', recipe], { cwd: CASES, env });
    expect(check.code).toBe(2);
    expect(check.stdout).toBe('');
    expectGolden(join(CASES, recipe.replace(/\.yaml$/, '.txt')), check.stderr);
    const json = JSON.parse(runCli(['check', recipe, '--json'], { cwd: CASES, env }).stdout);
    expect(json.ok).toBe(false);
    expect(json.diagnostics.length).toBe((check.stderr.match(/ error\[/g) ?? []).length);
  });
});
