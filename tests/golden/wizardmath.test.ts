/**
 * Golden recipe test of `recipes/wizardmath.yaml` on the bundled demo data. Offline: the model's
 * answers are replayed from the committed cassette `recipes/data/wizardmath/demo.cassette.jsonl`,
 * which the scripted math model (tests/helpers/scripted-math.ts) recorded. A second test records the
 * cassette again from the scripted model and compares, so the two never drift apart;
 * `UPDATE_GOLDEN=1 npm test` rewrites the cassette and the golden files for review.
 */
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, runCliAsync, temporaryDirectory } from '../helpers/cli.js';
import { expectGolden, withoutVolatile } from '../helpers/golden.js';
import { DEMO_CASSETTE, gsm8kProblems, RECIPE, scriptedServer, sortedCassette, writeSortedCassette } from '../helpers/wizardmath.js';

const GOLDEN = join(import.meta.dirname, 'wizardmath');

function copyRecipes(): string {
  const dir = temporaryDirectory();
  cpSync(join(ROOT, 'recipes'), join(dir, 'recipes'), { recursive: true });
  return dir;
}

describe('golden: recipes/wizardmath.yaml', () => {
  it('the committed cassette is what the scripted model answers', async () => {
    const dir = copyRecipes();
    const recorded = join(dir, 'recorded.jsonl');
    const { server } = await scriptedServer(gsm8kProblems(join(ROOT, 'recipes/data/demo/grade-school.jsonl')));
    try {
      const run = await runCliAsync(['run', RECIPE, '--json', '--record', recorded], {
        cwd: dir,
        env: { OVERSIGHT_MODEL_URL: server.url },
      });
      expect(run.code, run.stderr).toBe(0);
    } finally {
      await server.close();
    }
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(DEMO_CASSETTE), { recursive: true });
      writeSortedCassette(recorded, DEMO_CASSETTE);
    }
    expect(sortedCassette(recorded)).toBe(readFileSync(DEMO_CASSETTE, 'utf8'));
  });

  it('replays offline: funnel, model use and output bytes', () => {
    const dir = copyRecipes();
    const run = runCli(['run', RECIPE, '--json', '--replay', 'recipes/data/wizardmath/demo.cassette.jsonl'], {
      cwd: dir,
      env: { OVERSIGHT_MODEL_URL: undefined },
    });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { model: { requests: number; cacheHits: number; sent: number } };
    expect(result.model.sent).toBe(0);
    expect(result.model.cacheHits).toBe(result.model.requests);
    expectGolden(join(GOLDEN, 'funnel.json'), `${JSON.stringify(withoutVolatile(result), null, 2)}\n`);
    expectGolden(join(GOLDEN, 'train.jsonl'), readFileSync(join(dir, 'out/wizardmath/train.jsonl'), 'utf8'));
    // `show STEP` lists the generated candidates a step did not admit, with why.
    const shown = runCli(['show', 'evolve/instruct', '--json', '-n', '1'], { cwd: dir });
    expect(shown.code, shown.stderr).toBe(0);
    const rejected = (
      JSON.parse(shown.stdout) as { rejected: Array<{ reason: string; count: number; examples: Array<{ detail: string }> }> }
    ).rejected;
    const fromRun = (result as unknown as { steps: Array<{ id: string; rejected?: Record<string, number> }> }).steps.find(
      (step) => step.id === 'evolve/instruct',
    )?.rejected;
    expect(Object.fromEntries(rejected.map((group) => [group.reason, group.count]))).toEqual(fromRun);
    for (const group of rejected) expect(group.examples[0]?.detail).toBeTruthy();
    // The human summary names every stage of the method.
    const summary = runCli(['run', RECIPE, '--replay', 'recipes/data/wizardmath/demo.cassette.jsonl'], { cwd: dir });
    expect(summary.code, summary.stderr).toBe(0);
    for (const part of ['regenerate', 'evolve/instruct', 'verify/math-answer', 'model ', 'contamination'])
      expect(summary.stdout).toContain(part);
  });
});
