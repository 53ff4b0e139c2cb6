/**
 * `recipes/wizardmath.yaml` on real GSM8K rows from ../shared/data (the first 400 train problems, the
 * full test set as the held-out set), answered by the scripted math model on loopback and then
 * replayed from the cassette that run recorded. Every count is predicted independently: the scripted
 * model decides right and wrong samples by a hash of the problem, so the test knows which rows the
 * keep-correct stage must drop. Skipped, visibly, where ../shared/data is absent.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database, identifier, sql } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { ROOT, runCliAsync, temporaryDirectory } from '../helpers/cli.js';
import { sampleIsRight } from '../helpers/scripted-math.js';
import { gsm8kProblems, RECIPE, scriptedServer } from '../helpers/wizardmath.js';

const DATA = join(ROOT, '..', 'shared', 'data', 'gsm8k');
const present = existsSync(join(DATA, 'train.jsonl')) && existsSync(join(DATA, 'test.jsonl'));
if (!present) console.warn(`[skipped] real-data WizardMath recipe test: ${DATA} is absent (it exists only on the project's machines)`);

const ROWS = 400;

interface RunJson {
  ok: boolean;
  sources: Array<{ id: string; read: number; kept: number; added?: number }>;
  steps: Array<{ id: string; in: number; kept: number; added: number; dropped: Record<string, number>; rejected?: Record<string, number> }>;
  contamination: Array<{ eval: string; source: string; found: number; mixed: number }>;
  model: { requests: number; cacheHits: number; sent: number };
  outputs: Array<{ rows: number }>;
}

describe.skipIf(!present)('real data: WizardMath curation of GSM8K', () => {
  it('regenerates, keeps exactly the correct answers, evolves, verifies; the replay is byte-identical', async () => {
    const dir = temporaryDirectory();
    cpSync(join(ROOT, 'recipes'), join(dir, 'recipes'), { recursive: true });
    const train = join(dir, 'gsm8k-train-head.jsonl');
    writeFileSync(train, `${readFileSync(join(DATA, 'train.jsonl'), 'utf8').split('\n').slice(0, ROWS).join('\n')}\n`);
    const env = { GSM8K_TRAIN: train, GSM8K_TEST: join(DATA, 'test.jsonl') };
    const cassette = join(dir, 'cassette.jsonl');
    const problems = gsm8kProblems(train);
    expect(problems).toHaveLength(ROWS);
    const { server } = await scriptedServer(problems);
    let live: { result: RunJson; output: string };
    try {
      const run = await runCliAsync(['run', RECIPE, '--json', '--no-progress', '--db', join(dir, 'live.duckdb'), '--record', cassette], {
        cwd: dir,
        env: { ...env, OVERSIGHT_MODEL_URL: server.url },
      });
      expect(run.code, run.stderr).toBe(0);
      live = { result: JSON.parse(run.stdout) as RunJson, output: readFileSync(join(dir, 'out/wizardmath/train.jsonl'), 'utf8') };
    } finally {
      await server.close();
    }
    const step = (id: string) => live.result.steps.find((entry) => entry.id === id) as RunJson['steps'][number];

    // Keep-correct drops exactly the problems (left after dedup and decontamination) whose greedy
    // sample the scripted model got wrong.
    const db = await Database.open(join(dir, 'live.duckdb'));
    const source = await db.one<{ table_name: string }>(sql`SELECT table_name FROM _sources WHERE source = 'gsm8k'`);
    const reached = await db.all<{ question: string }>(sql`
      SELECT messages[1].content AS question FROM ${identifier(source?.table_name ?? '')}
      WHERE id NOT IN (SELECT id FROM _lineage WHERE reason IN ('exact_duplicate', 'contaminated'))`);
    db.close();
    const regenerate = step('regenerate');
    expect(reached.length).toBeGreaterThan(ROWS - 40);
    const wrong = reached.filter((row) => !sampleIsRight(row.question, 0, 0)).length;
    expect(wrong).toBeGreaterThan(0);
    expect(regenerate.dropped).toEqual({ no_correct_sample: wrong });
    // The GSM8K test set shares n-grams with some train problems (a fact of the public data): all dropped.
    const contamination = live.result.contamination.find((entry) => entry.source === 'gsm8k');
    expect(contamination?.mixed).toBe(0);
    // Evolved problems were admitted only on a majority; every math target in the mix verifies.
    const evolve = step('evolve/instruct');
    expect(evolve.added).toBeGreaterThan(0);
    expect(Object.keys(evolve.rejected ?? {}).sort()).toEqual(expect.arrayContaining(['copied_input']));
    expect(step('verify/math-answer').dropped).toEqual({});
    expect(live.result.model.sent).toBe(live.result.model.requests - live.result.model.cacheHits);

    // Replaying the recorded cassette with no endpoint gives the same bytes.
    const replay = await runCliAsync(['run', RECIPE, '--json', '--no-progress', '--db', join(dir, 'replay.duckdb'), '--replay', cassette], {
      cwd: dir,
      env: { ...env, OVERSIGHT_MODEL_URL: 'http://127.0.0.1:9/v1' },
    });
    expect(replay.code, replay.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out/wizardmath/train.jsonl'), 'utf8')).toBe(live.output);
    expect((JSON.parse(replay.stdout) as RunJson).model.sent).toBe(0);
  });
});
