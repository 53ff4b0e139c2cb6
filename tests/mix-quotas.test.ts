/**
 * `mix.quotas`: each source's share split again by the values of a column (difficulty tiers here),
 * largest remainder at both levels, shortfalls noted and never filled from another cell, the same
 * md5 ranking inside a cell as without quotas, and the largest fillable total when `total` is absent.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { identifier, planQuotas, sql } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { directoryWith } from './helpers/cli.js';
import { runRecipeText } from './helpers/recipes.js';

/** `rows.jsonl` of a source: `count` rows whose level cycles 1–5. */
function levelRows(prefix: string, count: number): string {
  return `${Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      id: `${prefix}${index}`,
      messages: [
        { role: 'user', content: `${prefix} question ${index}` },
        { role: 'assistant', content: `answer ${index}` },
      ],
      level: (index % 5) + 1,
    }),
  ).join('\n')}\n`;
}

/**
 * Source `a`: 60 rows, source `b`: 20 rows. Tiers by level with thresholds [2, 4]: easy = level 1,
 * medium = 2–3, hard = 4–5, so `a` has 12 / 24 / 24 and `b` 4 / 8 / 8.
 */
function recipe(mix: string): string {
  return `version: 1
name: quotas
sources:
  - { id: a, path: a.jsonl, task: math, fields: { messages: messages, id: id, meta: [level] } }
  - { id: b, path: b.jsonl, task: math, fields: { messages: messages, id: id, meta: [level] } }
steps:
  - use: difficulty/tier
    with: { by: level, thresholds: [2, 4] }
mix: ${mix}
outputs:
  - { format: messages, path: out.jsonl, columns: [id, source, meta] }
`;
}

const files = () => directoryWith({ 'a.jsonl': levelRows('a', 60), 'b.jsonl': levelRows('b', 20) });

interface OutRow {
  id: string;
  source: string;
  meta: { difficulty: string };
}

function readOut(dir: string): OutRow[] {
  return readFileSync(join(dir, 'out.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as OutRow);
}

/** Rows per `source/tier`. */
function cells(rows: OutRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) {
    const key = `${row.source}/${row.meta.difficulty}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([x], [y]) => x.localeCompare(y)));
}

describe('mix.quotas in a run', () => {
  it('splits each source share by tier shares, and ranks rows inside a cell by md5(seed:id) as without quotas', async () => {
    const dir = files();
    const { result, db } = await runRecipeText(
      recipe('{ total: 30, weights: { a: 2, b: 1 }, quotas: { by: difficulty, shares: { easy: 1, medium: 2, hard: 2 } }, seed: 7 }'),
      dir,
    );
    expect(result.ok, result.error?.message).toBe(true);
    const rows = readOut(dir);
    // a: 20 → 4 / 8 / 8; b: 10 → 2 / 4 / 4.
    expect(cells(rows)).toEqual({ 'a/easy': 4, 'a/hard': 8, 'a/medium': 8, 'b/easy': 2, 'b/hard': 4, 'b/medium': 4 });
    expect(result.mix).toMatchObject({ rows: 30, bySource: { a: 20, b: 10 } });
    expect(result.mix?.notes).toEqual(['quotas by `difficulty`: easy 6, medium 12, hard 12']);
    // Inside a cell: the first rows by md5('7:' || id), the hash the mix ranks by without quotas.
    const view = await db.one<{ view_name: string }>(
      sql`SELECT view_name FROM _steps WHERE fingerprint = ${result.steps[0]?.fingerprint ?? ''}`,
    );
    const easyA = await db.all<{ id: string }>(
      sql`SELECT id FROM ${identifier(view?.view_name ?? '')} WHERE source = 'a' AND json_extract_string(meta, '$.difficulty') = 'easy'`,
    );
    expect(easyA).toHaveLength(12);
    const hash = (id: string) => createHash('md5').update(`7:${id}`).digest('hex');
    const expected = easyA
      .map((row) => row.id)
      .sort((x, y) => hash(x).localeCompare(hash(y)))
      .slice(0, 4)
      .sort();
    expect(
      rows
        .filter((row) => row.source === 'a' && row.meta.difficulty === 'easy')
        .map((row) => row.id)
        .sort(),
    ).toEqual(expected);
    db.close();
  });

  it('writes the same bytes for the same seed and other bytes for another', async () => {
    const outputs: string[] = [];
    for (const seed of [3, 3, 4]) {
      const dir = files();
      const { result, db } = await runRecipeText(
        recipe(
          `{ total: 30, weights: { a: 2, b: 1 }, quotas: { by: difficulty, shares: { easy: 1, medium: 2, hard: 2 } }, seed: ${seed} }`,
        ),
        dir,
      );
      db.close();
      expect(result.ok, result.error?.message).toBe(true);
      outputs.push(readFileSync(join(dir, 'out.jsonl'), 'utf8'));
    }
    expect(outputs[0]).toBe(outputs[1]);
    expect(outputs[0]).not.toBe(outputs[2]);
  });

  it('gives what a short cell has and notes the shortfall, without filling it from another cell', async () => {
    const dir = files();
    const { result, db } = await runRecipeText(
      recipe('{ total: 75, weights: { a: 2, b: 1 }, quotas: { by: difficulty, shares: { easy: 1, medium: 2, hard: 2 } } }'),
      dir,
    );
    db.close();
    expect(result.ok, result.error?.message).toBe(true);
    // a: 50 → 10 / 20 / 20 (fills); b: 25 → 5 / 10 / 10, of which it has 4 / 8 / 8.
    expect(cells(readOut(dir))).toEqual({ 'a/easy': 10, 'a/hard': 20, 'a/medium': 20, 'b/easy': 4, 'b/hard': 8, 'b/medium': 8 });
    expect(result.mix?.notes).toEqual([
      'source `b`: share 25 rows, 20 available (short by 5)',
      'source `b`, `difficulty` = `easy`: share 5 rows, 4 available (short by 1)',
      'source `b`, `difficulty` = `medium`: share 10 rows, 8 available (short by 2)',
      'source `b`, `difficulty` = `hard`: share 10 rows, 8 available (short by 2)',
      'quotas by `difficulty`: easy 14, medium 28, hard 28',
    ]);
    expect(result.mix?.rows).toBe(70);
  });

  it('without a total, takes the largest total every (source, tier) share fills, and leaves unlisted tiers out', async () => {
    const dir = files();
    const { result, db } = await runRecipeText(
      recipe('{ weights: { a: 1, b: 1 }, quotas: { by: difficulty, shares: { easy: 1, hard: 1 } } }'),
      dir,
    );
    db.close();
    expect(result.ok, result.error?.message).toBe(true);
    // b has 4 easy rows: b gets 8 (4 easy, 4 hard), and so does a.
    expect(cells(readOut(dir))).toEqual({ 'a/easy': 4, 'a/hard': 4, 'b/easy': 4, 'b/hard': 4 });
    expect(result.mix?.notes).toEqual([
      'quotas by `difficulty`: 32 row(s) with no value or a value not in `shares` get no place (`medium` ×32)',
      'no `total`: 16 row(s), the most at which every share of `difficulty` fills (bound by source `b`, `difficulty` = `easy`: 4 row(s))',
      'quotas by `difficulty`: easy 8, hard 8',
    ]);
  });

  it('without weights, splits the total over the whole pool', async () => {
    const dir = files();
    const { result, db } = await runRecipeText(
      recipe('{ total: 10, quotas: { by: difficulty, shares: { easy: 1, medium: 2, hard: 2 } } }'),
      dir,
    );
    db.close();
    expect(result.ok, result.error?.message).toBe(true);
    const rows = readOut(dir);
    const byTier: Record<string, number> = {};
    for (const row of rows) byTier[row.meta.difficulty] = (byTier[row.meta.difficulty] ?? 0) + 1;
    expect(byTier).toEqual({ easy: 2, medium: 4, hard: 4 });
    expect(result.mix?.notes).toEqual(['quotas by `difficulty`: easy 2, medium 4, hard 4']);
  });

  it('reads a canonical column as well as a meta key', async () => {
    const dir = files();
    const { result, db } = await runRecipeText(recipe('{ total: 9, quotas: { by: source, shares: { a: 2, b: 1 } } }'), dir);
    db.close();
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.mix).toMatchObject({ rows: 9, bySource: { a: 6, b: 3 } });
  });
});

describe('planQuotas', () => {
  const counts = (rows: Array<[string, string | null, number]>) => rows.map(([source, value, n]) => ({ source, value, rows: n }));

  it('apportions at both levels with the largest remainder (ties in recipe order)', () => {
    const plan = planQuotas(
      { total: 10, weights: { a: 1, b: 1, c: 1 } },
      { by: 'tier', shares: { x: 1, y: 1, z: 1 } },
      [
        ['a', 30],
        ['b', 30],
        ['c', 30],
      ],
      counts(['a', 'b', 'c'].flatMap((source) => ['x', 'y', 'z'].map((value) => [source, value, 10] as [string, string, number]))),
    );
    // 10 → 4 / 3 / 3; 4 → 2 / 1 / 1; 3 → 1 / 1 / 1.
    expect(plan.cells.map((cell) => `${cell.source}/${cell.value}=${cell.quota}`)).toEqual([
      'a/x=2',
      'a/y=1',
      'a/z=1',
      'b/x=1',
      'b/y=1',
      'b/z=1',
      'c/x=1',
      'c/y=1',
      'c/z=1',
    ]);
    expect(plan.notes).toEqual(['quotas by `tier`: x 4, y 3, z 3']);
  });

  it('gives a weight-0 source (a reserve pool) nothing', () => {
    const plan = planQuotas(
      { total: 4, weights: { main: 1, reserve: 0 } },
      { by: 'tier', shares: { x: 1 } },
      [
        ['main', 10],
        ['reserve', 10],
      ],
      counts([
        ['main', 'x', 10],
        ['reserve', 'x', 10],
      ]),
    );
    expect(plan.cells).toEqual([
      { source: 'main', value: 'x', quota: 4 },
      { source: 'reserve', value: 'x', quota: 0 },
    ]);
  });

  it('lowers a no-total bound that two-level rounding would overfill', () => {
    // Weights 4:2:4, shares 5:1. The bound min ⌊rows × ΣW × ΣR / (w × r)⌋ is 6, from a/x (2 × 10 × 6 / 20);
    // at 6, a's share (2.4) rounds up to 3 and a/x would need 3 of its 2 rows. At 5 every cell fits.
    const plan = planQuotas(
      { weights: { a: 4, b: 2, c: 4 } },
      { by: 'tier', shares: { x: 5, y: 1 } },
      [
        ['a', 11],
        ['b', 5],
        ['c', 6],
      ],
      counts([
        ['a', 'x', 2],
        ['a', 'y', 9],
        ['b', 'x', 4],
        ['b', 'y', 1],
        ['c', 'x', 5],
        ['c', 'y', 1],
      ]),
    );
    expect(plan.cells.map((cell) => `${cell.source}/${cell.value}=${cell.quota}`)).toEqual([
      'a/x=2',
      'a/y=0',
      'b/x=1',
      'b/y=0',
      'c/x=2',
      'c/y=0',
    ]);
    expect(plan.notes[0]).toBe(
      'no `total`: 5 row(s), the most at which every share of `tier` fills (bound by source `a`, `tier` = `x`: 2 row(s))',
    );
    expect(plan.notes.some((note) => note.includes('short by'))).toBe(false);
  });

  it('notes an all-zero share list', () => {
    const plan = planQuotas({ total: 4 }, { by: 'tier', shares: { x: 0 } }, [['a', 4]], counts([['a', 'x', 4]]));
    expect(plan).toEqual({ cells: [], notes: ['every share in `mix.quotas` is 0: the mix is empty'] });
  });
});
