/**
 * Facts about public data, re-derived from ../shared/data when present (skipped with a visible message
 * when absent): how much of GSM8K train shares n-grams with GSM8K test and MATH test, and how many
 * near-duplicates MATH test holds. No published figure exists for these; the numbers are recorded in
 * docs/contamination.md and asserted here exactly, so any change to normalization or matching shows.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { runRecipeText } from '../helpers/recipes.js';
import { stepMatches } from '../steps/evidence.js';

const DATA = join(ROOT, '..', 'shared', 'data');
const present = ['gsm8k/train.jsonl', 'gsm8k/test.jsonl', 'math/test.jsonl'].every((file) => existsSync(join(DATA, file)));
if (!present) console.warn(`[skipped] real-data contamination tests: ${DATA} is absent (it exists only on the project's machines)`);

const decontamRecipe = (withParams: string) => `version: 1
name: gsm8k-decontam
sources:
  - { id: gsm8k-train, path: ${join(DATA, 'gsm8k/train.jsonl')}, format: gsm8k }
heldout:
  - { id: gsm8k-test, path: ${join(DATA, 'gsm8k/test.jsonl')}, format: gsm8k }
  - { id: math-test, path: ${join(DATA, 'math/test.jsonl')}, format: math }
steps:
  - use: decontam/ngram
    with: ${withParams}
`;

describe.skipIf(!present)('contamination facts (../shared/data)', () => {
  it('GSM8K train sharing a 13-gram (question, solution or straddling) with GSM8K test / MATH test: 11 / 1 rows', async () => {
    const { result, db } = await runRecipeText(decontamRecipe('{ n: 13, action: flag }'), ROOT);
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.contamination).toEqual([
      { eval: 'gsm8k-test', source: 'gsm8k-train', found: 11, mixed: 11 },
      { eval: 'math-test', source: 'gsm8k-train', found: 1, mixed: 1 },
    ]);
    const matches = await stepMatches(db, result);
    const scopes = new Map<string, number>();
    for (const match of matches) scopes.set(match.scope, (scopes.get(match.scope) ?? 0) + 1);
    expect(Object.fromEntries(scopes)).toEqual({ prompt: 4, answer: 7, straddle: 1 });
    db.close();
  });

  it('with the default 8-grams on questions: 101 / 20 rows, mostly shared phrasing', async () => {
    const { result, db } = await runRecipeText(decontamRecipe('{ action: flag }'), ROOT);
    expect(result.contamination).toEqual([
      { eval: 'gsm8k-test', source: 'gsm8k-train', found: 101, mixed: 101 },
      { eval: 'math-test', source: 'gsm8k-train', found: 20, mixed: 20 },
    ]);
    db.close();
  });

  it('decontam/minhash: 3 GSM8K train questions are near-duplicates (word pairs, Jaccard ≥ 0.5) of GSM8K test ones', async () => {
    const { result, db } = await runRecipeText(decontamRecipe('{ action: flag }').replace('decontam/ngram', 'decontam/minhash'), ROOT);
    expect(result.contamination).toEqual([
      { eval: 'gsm8k-test', source: 'gsm8k-train', found: 3, mixed: 3 },
      { eval: 'math-test', source: 'gsm8k-train', found: 0, mixed: 0 },
    ]);
    expect(result.steps[0]?.notes.at(-1)).toMatch(/^5377 candidate pair\(s\), 3 confirmed/);
    db.close();
  });

  it('MATH test holds 15 near-duplicate clusters of problems (Jaccard ≥ 0.8 on 5-word shingles), 39 rows', async () => {
    const { result, db } = await runRecipeText(
      `version: 1
name: math-near
sources:
  - { id: math-test, path: ${join(DATA, 'math/test.jsonl')}, format: math }
steps:
  - use: dedup/minhash
    with: { scope: user, threshold: 0.8 }
`,
      ROOT,
    );
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.steps[0]).toMatchObject({ in: 5000, kept: 4976, dropped: { near_duplicate: 24 } });
    expect(result.steps[0]?.notes.at(-1)).toBe(
      '0 row(s) with no text in scope; 83 candidate pair(s), 55 verified; 15 cluster(s) covering 39 row(s)',
    );
    db.close();
  });
});
