/**
 * Golden recipe test of `recipes/demo.yaml`: the funnel (run --json, minus timings and fingerprints),
 * the quarantine, and the exact bytes of the JSONL output. A change that moves a count fails here;
 * `UPDATE_GOLDEN=1 npm test` rewrites the files for review.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, temporaryDirectory } from '../helpers/cli.js';
import { expectGolden, withoutVolatile } from '../helpers/golden.js';

const GOLDEN = join(import.meta.dirname, 'demo');

describe('golden: recipes/demo.yaml', () => {
  it('keeps its funnel, quarantine and output bytes', () => {
    const dir = temporaryDirectory();
    cpSync(join(ROOT, 'recipes'), join(dir, 'recipes'), { recursive: true });
    const run = runCli(['run', 'recipes/demo.yaml', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expectGolden(join(GOLDEN, 'funnel.json'), `${JSON.stringify(withoutVolatile(JSON.parse(run.stdout)), null, 2)}\n`);
    const quarantine = runCli(['show', 'quarantine', '--json', '-n', '10'], { cwd: dir });
    expectGolden(join(GOLDEN, 'quarantine.json'), quarantine.stdout);
    expectGolden(join(GOLDEN, 'train.jsonl'), readFileSync(join(dir, 'out/demo/train.jsonl'), 'utf8'));
  });
});
