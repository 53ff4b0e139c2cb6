/** The runner: per-step caching by fingerprint, lineage, mix determinism and the funnel identity. */
import { join } from 'node:path';
import { Database, defineStep, ensureWorkspaceTables, planMix, runRecipe, StepRegistry, sql, validateRecipeText } from '@oversight/core';
import { builtinSteps } from '@oversight/filters';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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

describe('side-table contract', () => {
  /** A drop step that writes broken verdicts on purpose, one way per `mode`. */
  const broken = defineStep({
    id: 'test/broken-verdicts',
    version: 1,
    summary: 'writes broken verdicts (tests only)',
    description: 'writes broken verdicts (tests only)',
    effect: 'drop',
    params: z.strictObject({ mode: z.enum(['ok', 'duplicate', 'foreign', 'missing', 'reason']) }),
    reasons: ['broken'],
    run: async (context, { mode }) => {
      const verdicts = context.table('verdicts');
      await context.db.run(sql`CREATE TABLE ${verdicts} AS
        SELECT id, _ord % 2 = 0 AS keep, CASE WHEN _ord % 2 = 0 THEN NULL ELSE 'broken' END AS reason, NULL::VARCHAR AS detail
        FROM ${context.input}`);
      const one = sql`(SELECT min(id) FROM ${context.input})`;
      if (mode === 'duplicate')
        await context.db.run(sql`UPDATE ${verdicts} SET id = ${one} WHERE id = (SELECT max(id) FROM ${context.input})`);
      if (mode === 'foreign') await context.db.run(sql`UPDATE ${verdicts} SET id = 'no-such-row' WHERE id = ${one}`);
      if (mode === 'missing') await context.db.run(sql`DELETE FROM ${verdicts} WHERE id = ${one}`);
      if (mode === 'reason') await context.db.run(sql`UPDATE ${verdicts} SET keep = false, reason = 'other' WHERE id = ${one}`);
    },
  });

  it.each([
    ['ok', undefined],
    ['duplicate', 'wrote more than one verdict for a row'],
    ['foreign', 'wrote 1 verdicts for ids not in its input'],
    ['missing', 'wrote 199 verdicts for 200 input rows'],
    ['reason', 'dropped rows with reason `other`, not one of its declared reasons broken'],
  ] as const)('checks verdicts: %s', async (mode, message) => {
    const dir = directoryWith({ 'chat.jsonl': chats() });
    const text = `version: 1\nname: contract\nsources:\n  - { id: chat, path: chat.jsonl }\nsteps:\n  - use: test/broken-verdicts\n    with: { mode: ${mode} }\nmix: { total: 10, seed: 1 }\n`;
    const { recipe } = await validateRecipeText(text, join(dir, 'recipe.yaml'), { registry: new StepRegistry([...builtinSteps, broken]) });
    if (!recipe) throw new Error('recipe did not validate');
    const db = await Database.open(':memory:');
    await ensureWorkspaceTables(db);
    const result = await runRecipe(recipe, { db });
    db.close();
    if (message === undefined) {
      expect(result.ok).toBe(true);
      expect(result.steps[0]?.dropped).toEqual({ broken: 100 });
    } else {
      expect(result.error?.code).toBe('step/bad-output');
      expect(result.error?.message).toContain(message);
    }
  });
});
