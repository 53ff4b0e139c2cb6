/** `dedup/minhash`: clusters match the exact truth, keep policies, determinism, verification, indexes. */
import { join } from 'node:path';
import { StepRegistry, validateRecipeText } from '@oversight/core';
import { builtinSteps } from '@oversight/filters';
import { afterEach, describe, expect, it } from 'vitest';
import { chatRows, directoryWith } from '../helpers/cli.js';
import { runRecipeText } from '../helpers/recipes.js';
import { randomWords, stepClusters, stepVerdicts, trueJaccard } from './evidence.js';

/** 40 groups of an 80-word text and 3 edited copies (1, 4, 12 words replaced), then 40 singletons. */
function plantedRows(): string[] {
  const texts: string[] = [];
  for (let group = 0; group < 40; group++) {
    const base = randomWords(80, group + 1);
    texts.push(base.join(' '));
    for (const edits of [1, 4, 12]) {
      const copy = [...base];
      for (let edit = 0; edit < edits; edit++) copy[(edit * 37 + group * 11 + edits) % copy.length] = `z${group}_${edits}_${edit}`;
      texts.push(copy.join(' '));
    }
  }
  for (let single = 0; single < 40; single++) texts.push(randomWords(80, 1000 + single).join(' '));
  return texts;
}

const recipe = (withParams: string) => `version: 1
name: near
sources:
  - { id: chat, path: chat.jsonl }
steps:
  - use: dedup/minhash
    with: ${withParams}
outputs:
  - { format: messages, path: out.jsonl }
`;

const savedWorkers = process.env.OVERSIGHT_WORKERS;
afterEach(() => {
  if (savedWorkers === undefined) delete process.env.OVERSIGHT_WORKERS;
  else process.env.OVERSIGHT_WORKERS = savedWorkers;
});

describe('dedup/minhash', () => {
  it('clusters every pair above the threshold and drops only rows with a true partner', async () => {
    const texts = plantedRows();
    const dir = directoryWith({ 'chat.jsonl': chatRows(texts.length, (index) => [texts[index] as string, 'ok']) });
    const { result, db } = await runRecipeText(recipe('{ scope: user, threshold: 0.8 }'), dir);
    expect(result.ok, result.error?.message).toBe(true);
    const verdicts = await stepVerdicts(db, result);
    const clusters = new Map((await stepClusters(db, result)).map((row) => [row.user, row]));
    let truePairs = 0;
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const similarity = trueJaccard(texts[i] as string, texts[j] as string);
        if (similarity < 0.85) continue;
        truePairs++;
        expect(clusters.get(texts[i] as string)?.cluster, `pair ${i},${j} J=${similarity.toFixed(3)}`).toBeDefined();
        expect(clusters.get(texts[i] as string)?.cluster).toBe(clusters.get(texts[j] as string)?.cluster);
      }
    }
    expect(truePairs).toBeGreaterThanOrEqual(40);
    const dropped = verdicts.filter((row) => !row.keep);
    expect(dropped.length).toBeGreaterThanOrEqual(40);
    for (const row of dropped) {
      const best = Math.max(...texts.filter((text) => text !== row.user).map((text) => trueJaccard(row.user, text)));
      expect(best, row.user.slice(0, 40)).toBeGreaterThanOrEqual(0.8);
      expect(row.reason).toBe('near_duplicate');
      expect(row.detail).toMatch(/^near-duplicate of [0-9a-f]{32} \(cluster of \d+, Jaccard 0\.\d{3}\)$/);
    }
    // One row per cluster stays, and it is the first in input order (keep: first).
    const byCluster = new Map<string, string[]>();
    for (const row of await stepClusters(db, result)) byCluster.set(row.cluster, [...(byCluster.get(row.cluster) ?? []), row.user]);
    const kept = new Set(verdicts.filter((row) => row.keep).map((row) => row.user));
    for (const members of byCluster.values()) {
      expect(members.filter((member) => kept.has(member))).toEqual([members[0]]);
    }
    expect(result.steps[0]?.notes.join('\n')).toMatch(/bands × \d+ rows \(derived for threshold 0\.8/);
    db.close();
  });

  it('does not depend on the number of worker threads', async () => {
    const texts = plantedRows();
    const dir = directoryWith({ 'chat.jsonl': chatRows(texts.length, (index) => [texts[index] as string, `reply ${index % 3}`]) });
    const outcomes: string[] = [];
    for (const workers of ['0', '1', '2']) {
      process.env.OVERSIGHT_WORKERS = workers;
      const { result, db } = await runRecipeText(recipe('{ threshold: 0.7, shingles: { chars: 12 }, keep: longest }'), dir);
      expect(result.ok, result.error?.message).toBe(true);
      outcomes.push(JSON.stringify({ verdicts: await stepVerdicts(db, result), clusters: await stepClusters(db, result) }));
      db.close();
    }
    expect(outcomes[1]).toBe(outcomes[0]);
    expect(outcomes[2]).toBe(outcomes[0]);
  });

  it('verifies candidates: without it, LSH false positives are dropped', async () => {
    const texts = plantedRows();
    const dir = directoryWith({ 'chat.jsonl': chatRows(texts.length, (index) => [texts[index] as string, 'ok']) });
    // One row per band makes nearly every pair sharing any bin a candidate.
    const loose = '{ scope: user, threshold: 0.8, num_perm: 64, bands: 64, rows: 1, verify: VERIFY }';
    const verified = await runRecipeText(recipe(loose.replace('VERIFY', 'true')), dir);
    const unverified = await runRecipeText(recipe(loose.replace('VERIFY', 'false')), dir);
    const droppedVerified = verified.result.steps[0]?.dropped.near_duplicate ?? 0;
    const droppedUnverified = unverified.result.steps[0]?.dropped.near_duplicate ?? 0;
    expect(droppedUnverified).toBeGreaterThan(droppedVerified);
    for (const row of (await stepVerdicts(verified.db, verified.result)).filter((verdict) => !verdict.keep)) {
      expect(Math.max(...texts.filter((text) => text !== row.user).map((text) => trueJaccard(row.user, text)))).toBeGreaterThanOrEqual(0.8);
    }
    verified.db.close();
    unverified.db.close();
  });

  it('keeps the member the policy asks for', async () => {
    const base = randomWords(60, 5).join(' ');
    const rows = [
      { q: base, a: 'from a', source: 'a', score: 1 },
      { q: `${base} and three more`, a: 'from b', source: 'b', score: 3 },
      { q: base.split(' ').slice(0, -1).join(' '), a: 'from a again', source: 'a', score: 2 },
    ];
    const files: Record<string, string> = {};
    for (const name of ['a', 'b']) {
      files[`${name}.jsonl`] = `${rows
        .filter((row) => row.source === name)
        .map((row) => JSON.stringify(row))
        .join('\n')}\n`;
    }
    const dir = directoryWith(files);
    const keptFor = async (keep: string) => {
      const text = `version: 1
name: keep
sources:
  - { id: a, path: a.jsonl, fields: { prompt: q, response: a, meta: [score] } }
  - { id: b, path: b.jsonl, fields: { prompt: q, response: a, meta: [score] } }
steps:
  - use: dedup/minhash
    with: { scope: user, threshold: 0.8, keep: ${keep} }
outputs:
  - { format: messages, path: out.jsonl }
`;
      const { result, db } = await runRecipeText(text, dir);
      expect(result.ok, result.error?.message).toBe(true);
      const kept = (await stepVerdicts(db, result)).filter((row) => row.keep).map((row) => row.assistant);
      db.close();
      return kept;
    };
    expect(await keptFor('first')).toEqual(['from a']);
    expect(await keptFor('longest')).toEqual(['from b']);
    expect(await keptFor('shortest')).toEqual(['from a again']);
    expect(await keptFor('{ highest: score }')).toEqual(['from b']);
    expect(await keptFor('{ source_priority: [b, a] }')).toEqual(['from b']);
    expect(await keptFor('{ source_priority: [a] }')).toEqual(['from a']);
  });

  it('never treats rows with an empty scope as duplicates', async () => {
    const dir = directoryWith({ 'chat.jsonl': chatRows(10, (index) => ['!!!', `answer ${index}`]) });
    const { result, db } = await runRecipeText(recipe('{ scope: user }'), dir);
    expect(result.steps[0]?.kept).toBe(10);
    expect(result.steps[0]?.notes.join('\n')).toContain('10 row(s) with no text in scope');
    db.close();
  });

  it('writes a band index and deduplicates a later source against it', async () => {
    const texts = plantedRows().filter((_, index) => index % 4 === 0);
    const later = texts
      .slice(0, 10)
      .map((text) => `${text} plus a tail`)
      .concat(randomWords(40, 77).join(' '));
    const dir = directoryWith({
      'first.jsonl': chatRows(texts.length, (index) => [texts[index] as string, 'ok']),
      'later.jsonl': chatRows(later.length, (index) => [later[index] as string, 'ok']),
    });
    const first = await runRecipeText(
      `version: 1
name: first
sources:
  - { id: first, path: first.jsonl }
steps:
  - use: dedup/minhash
    with: { scope: user, index: index/first.parquet }
outputs:
  - { format: messages, path: out.jsonl }
`,
      dir,
    );
    expect(first.result.ok, first.result.error?.message).toBe(true);
    first.db.close();
    const laterRecipe = (extra: string) => `version: 1
name: later
sources:
  - { id: later, path: later.jsonl }
steps:
  - use: dedup/minhash
    with: { scope: user, against_index: index/first.parquet${extra} }
outputs:
  - { format: messages, path: out2.jsonl }
`;
    const second = await runRecipeText(laterRecipe(''), dir);
    expect(second.result.ok, second.result.error?.message).toBe(true);
    expect(second.result.steps[0]?.dropped).toEqual({ indexed_duplicate: 10 });
    const verdicts = await stepVerdicts(second.db, second.result);
    expect(verdicts.filter((row) => row.keep).map((row) => row.user)).toEqual([later[10]]);
    expect(verdicts[0]?.detail).toMatch(/^near-duplicate of [0-9a-f]{32} in index first\.parquet \(estimated Jaccard 0\.\d{3}\)$/);
    second.db.close();
    // An index built under another config is refused before anything runs.
    const { diagnostics } = await validateRecipeText(laterRecipe(', num_perm: 64'), join(dir, 'recipe.yaml'), {
      registry: new StepRegistry(builtinSteps),
    });
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`)).toEqual([
      '7:41 recipe/invalid-param expected an index built with num_perm 64, bands 10, rows 6, found one built with num_perm 128, bands 16, rows 8',
    ]);
  });

  it('rejects half-given bands × rows at check time', async () => {
    const options = { registry: new StepRegistry(builtinSteps), checkFiles: false };
    const { diagnostics } = await validateRecipeText(recipe('{ bands: 4 }'), '/tmp/recipe.yaml', options);
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`)).toEqual([
      '7:20 recipe/invalid-param expected `bands` and `rows` together, or neither; found only `bands`',
    ]);
    const { diagnostics: tooMany } = await validateRecipeText(recipe('{ num_perm: 32, bands: 8, rows: 8 }'), '/tmp/recipe.yaml', options);
    expect(tooMany.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`)).toEqual([
      '7:43 recipe/invalid-param expected bands × rows ≤ num_perm (32), found 8 × 8 = 64',
    ]);
  });
});
