/** The runner: per-step caching by fingerprint, lineage, mix determinism and the funnel identity. */
import { join } from 'node:path';
import { Database, planMix, sql } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { chatRows, directoryWith } from './helpers/cli.js';
import { runRecipeText } from './helpers/recipes.js';

/** 200 rows; `index % 40` and `index % 8` repeat together every 40 rows: 40 distinct prompts. */
const chats = () =>
  chatRows(200, (index) => [`question ${index % 40} ${'word '.repeat(index % 8)}`, `answer ${index} ${'x'.repeat(index % 50)}`]);

const recipe = (minChars: number, seed = 3) => `version: 1
name: cache
sources:
  - { id: chat, path: chat.jsonl }
steps:
  - use: dedup/exact
    with: { scope: user }
  - use: quality/length
    with: { scope: assistant, min: ${minChars} }
  - use: select/sql
    with: { where: "messages[1].content NOT LIKE 'question 5 %'" }
mix: { total: 20, seed: ${seed} }
outputs:
  - { format: messages, path: out.jsonl }
`;

describe('runner cache', () => {
  it('recomputes only the changed step and the steps after it', async () => {
    const dir = directoryWith({ 'chat.jsonl': chats() });
    const db = await Database.open(join(dir, 'w.duckdb'));
    const first = await runRecipeText(recipe(10), dir, { db });
    expect(first.result.ok).toBe(true);
    expect(first.result.steps.map((step) => step.cached)).toEqual([false, false, false]);
    const again = await runRecipeText(recipe(10), dir, { db });
    expect(again.result.sources[0]?.cached).toBe(true);
    expect(again.result.steps.map((step) => step.cached)).toEqual([true, true, true]);
    const changed = await runRecipeText(recipe(20), dir, { db });
    expect(changed.result.steps.map((step) => step.cached)).toEqual([true, false, false]);
    expect(changed.result.steps[1]?.dropped.too_short).toBeGreaterThan(first.result.steps[1]?.dropped.too_short ?? 0);
    db.close();
  });

  it('keeps every dropped row with its step and reason; read = kept + dropped + quarantined', async () => {
    const dir = directoryWith({ 'chat.jsonl': chats() });
    const { result, db } = await runRecipeText(recipe(10), dir);
    const lineage = await db.all<{ fingerprint: string; reason: string; n: number }>(
      sql`SELECT fingerprint, reason, count(*)::INTEGER AS n FROM _lineage GROUP BY ALL ORDER BY reason`,
    );
    db.close();
    const dropped = result.steps.flatMap((step) =>
      Object.entries(step.dropped).map(([reason, n]) => ({ fingerprint: step.fingerprint, reason, n })),
    );
    expect(lineage).toEqual(dropped.sort((a, b) => a.reason.localeCompare(b.reason)));
    expect(result.steps[0]?.dropped.exact_duplicate).toBe(200 - 40);
    const source = result.sources[0];
    expect((source?.kept ?? 0) + (source?.dropped ?? 0) + (source?.quarantined ?? 0)).toBe(source?.read);
    expect(result.steps[2]?.dropped).toEqual({ not_selected: 1 });
  });

  it('writes the same bytes for the same recipe and seed, other bytes for another seed', async () => {
    const { readFileSync } = await import('node:fs');
    const outputs: string[] = [];
    for (const seed of [3, 3, 4]) {
      const dir = directoryWith({ 'chat.jsonl': chats() });
      const { result, db } = await runRecipeText(recipe(10, seed), dir);
      db.close();
      expect(result.outputs[0]?.rows).toBe(20);
      outputs.push(readFileSync(join(dir, 'out.jsonl'), 'utf8'));
    }
    expect(outputs[0]).toBe(outputs[1]);
    expect(outputs[0]).not.toBe(outputs[2]);
    expect(outputs[0]?.split('\n')[0]).toMatch(/^\{"messages":\[\{"role":"user","content":/);
  });
});

describe('mix planning', () => {
  it('splits a total by weights with the largest remainder and notes shortfalls', () => {
    const plan = planMix({ total: 10, weights: { a: 2, b: 1 } }, [
      ['a', 100],
      ['b', 2],
      ['c', 50],
    ]);
    expect(Object.fromEntries(plan.quotas)).toEqual({ a: 7, b: 2, c: 0 });
    expect(plan.notes[0]).toMatch(/`b`: share 3 rows, 2 available/);
  });

  it('without a total, uses the largest total every weighted source can fill', () => {
    const plan = planMix({ weights: { a: 1, b: 1 } }, [
      ['a', 100],
      ['b', 30],
    ]);
    expect(Object.fromEntries(plan.quotas)).toEqual({ a: 30, b: 30 });
  });
});
