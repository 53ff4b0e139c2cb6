/**
 * Ingest of the real public data in ../shared/data (present on the project's machines, absent from a
 * user's clone: then these tests are skipped with a visible message). Counts compare with published ones.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { identifier, sql } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { runRecipeText } from '../helpers/recipes.js';

const DATA = join(ROOT, '..', 'shared', 'data');
const present = existsSync(join(DATA, 'gsm8k', 'train.jsonl')) && existsSync(join(DATA, 'math', 'test.jsonl'));
if (!present) console.warn(`[skipped] real-data tests: ${DATA} is absent (it exists only on the project's machines)`);

describe.skipIf(!present)('real data (../shared/data)', () => {
  it('GSM8K: 7,473 train and 1,319 test rows, every gold an integer string, nothing quarantined', async () => {
    const { result, db } = await runRecipeText(
      `version: 1
name: gsm8k
sources:
  - { id: train, path: ${join(DATA, 'gsm8k/train.jsonl')}, format: gsm8k }
heldout:
  - { id: test, path: ${join(DATA, 'gsm8k/test.jsonl')}, format: gsm8k }
`,
      ROOT,
    );
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.sources[0]).toMatchObject({ read: 7473, quarantined: 0, kept: 7473 });
    expect(result.heldout[0]).toMatchObject({ id: 'test', rows: 1319, quarantined: 0 });
    const table = identifier(`src_${result.sources[0]?.fingerprint.slice(0, 16)}`);
    const golds = await db.one<{ integers: number; first: string }>(
      sql`SELECT count(*) FILTER (WHERE regexp_full_match(answer, '-?[0-9]+'))::INTEGER AS integers, min_by(answer, line) AS first FROM ${table}`,
    );
    db.close();
    expect(golds).toEqual({ integers: 7473, first: '72' });
  });

  it('MATH test: 5,000 rows, a \\boxed{} gold for each, levels 437/894/1131/1214/1324', async () => {
    const { result, db } = await runRecipeText(
      `version: 1\nname: math\nsources:\n  - { id: math, path: ${join(DATA, 'math/test.jsonl')}, format: math }\n`,
      ROOT,
    );
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.sources[0]).toMatchObject({ read: 5000, quarantined: 0 });
    const table = identifier(`src_${result.sources[0]?.fingerprint.slice(0, 16)}`);
    const levels = await db.all<{ level: number; n: number }>(
      sql`SELECT (meta->>'level')::INTEGER AS level, count(*)::INTEGER AS n FROM ${table} GROUP BY 1 ORDER BY 1`,
    );
    const first = await db.one<{ answer: string; type: string }>(
      sql`SELECT answer, meta->>'type' AS type FROM ${table} ORDER BY line LIMIT 1`,
    );
    db.close();
    expect(levels).toEqual([
      { level: 1, n: 437 },
      { level: 2, n: 894 },
      { level: 3, n: 1131 },
      { level: 4, n: 1214 },
      { level: 5, n: 1324 },
    ]);
    expect(first).toEqual({ answer: '2', type: 'Algebra' });
  });
});
