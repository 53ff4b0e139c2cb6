/**
 * Preference data: the `ultrainteract` and `ultrafeedback` adapters (mapping and quarantine), the
 * `select/preference-tree` and `select/best-rated` steps (every reason, ties, N/A, min rating, the
 * overall_score note) and the `preference` output (shape, pair count, skipped rows), on the small
 * hand-written records of tests/fixtures/preference.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, identifier, type RunResult, sql } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { ROOT, temporaryDirectory } from '../helpers/cli.js';
import { runRecipeText } from '../helpers/recipes.js';
import { stepVerdicts } from './evidence.js';

const FIXTURES = join(ROOT, 'tests/fixtures/preference');
const fixture = (name: string) => join(FIXTURES, name);

interface Message {
  role: string;
  content: string;
}
interface Pair {
  prompt: Message[];
  chosen: string;
  rejected: string;
  score_chosen?: number;
  score_rejected?: number;
}
interface FinalRow {
  task: string;
  messages: Message[];
  answer: string | null;
  meta: Record<string, unknown> & { pairs?: Pair[] };
}

/** The rows after the last step (or the base rows without steps), in input order. */
async function finalRows(db: Database, result: RunResult): Promise<FinalRow[]> {
  const last = result.steps.at(-1);
  let view: string;
  if (last) {
    const record = await db.one<{ view_name: string }>(sql`SELECT view_name FROM _steps WHERE fingerprint = ${last.fingerprint}`);
    view = record?.view_name ?? '';
  } else {
    const tables = result.sources.map((source) => `src_${source.fingerprint.slice(0, 16)}`);
    view = tables[0] ?? '';
  }
  const order = last ? sql`_ord` : sql`id`;
  const rows = await db.all<{ task: string; messages: string; answer: string | null; meta: string }>(
    sql`SELECT task, to_json(messages)::VARCHAR AS messages, answer, meta::VARCHAR AS meta FROM ${identifier(view)} ORDER BY ${order}`,
  );
  return rows.map((row) => ({ task: row.task, answer: row.answer, messages: JSON.parse(row.messages), meta: JSON.parse(row.meta) }));
}

async function quarantined(db: Database) {
  return db.all<{ line: number; reason: string; detail: string }>(sql`SELECT line, reason, detail FROM _quarantine ORDER BY line`);
}

const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);

function recipe(sources: string, steps = '', outputs = '') {
  return `version: 1
name: preference
sources:
${sources}
${steps ? `steps:\n${steps}` : ''}
${outputs ? `outputs:\n${outputs}` : ''}`;
}

const uiSource = (file = 'ultrainteract.jsonl') => `  - { id: ui, path: ${fixture(file)}, format: ultrainteract }`;
const ufSource = (file = 'ultrafeedback.jsonl') => `  - { id: uf, path: ${fixture(file)}, format: ultrafeedback }`;
const bestRated = (params = '') => `  - use: select/best-rated${params ? `\n    with: ${params}` : ''}`;

describe('ultrainteract adapter', () => {
  it('maps SFT rows and pair rows to the canonical sample, task from the record, tree data in meta', async () => {
    const { result, db } = await runRecipeText(recipe(uiSource()), temporaryDirectory());
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.sources[0]).toMatchObject({ read: 6, quarantined: 0 });
    const rows = await finalRows(db, result);
    const byRecord = new Map(rows.map((row) => [row.meta.record_id as string, row]));
    expect([...byRecord.keys()].sort()).toEqual(['a1f0_1_1', 'b2e1_1_1', 'c3d2_1_1', 'd4c3_3_1', 'd4c3_3_2', 'e5b4_3_2']);
    expect(byRecord.get('a1f0_1_1')).toMatchObject({
      task: 'math',
      answer: null,
      meta: { kind: 'sft', tree: 'p-a1f0', depth: 1, turn: 1, correct: true, dataset: 'gsm8k', ui_task: 'Math_CoT' },
    });
    expect(byRecord.get('b2e1_1_1')?.task).toBe('code');
    expect(byRecord.get('c3d2_1_1')?.task).toBe('logic');
    expect(byRecord.get('a1f0_1_1')?.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(byRecord.get('a1f0_1_1')?.meta.pairs).toBeUndefined();
    // A pair row: the trajectory (instruction, failed action, feedback), then the chosen action.
    const pair = byRecord.get('d4c3_3_2') as FinalRow;
    expect(pair.task).toBe('math');
    expect(pair.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(pair.messages[3]?.content).toMatch(/^Step 1: The question asks for a product\./);
    expect(pair.meta).toMatchObject({ kind: 'pair', tree: 'd4c3', depth: 3, turn: 2, correct: true, dataset: 'MATH', ui_task: 'Math_PoT' });
    expect(pair.meta.pairs).toHaveLength(1);
    expect(pair.meta.pairs?.[0]?.prompt.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(pair.meta.pairs?.[0]?.chosen).toBe(pair.messages[3]?.content);
    expect(pair.meta.pairs?.[0]?.rejected).toMatch(/print\(7 - 6\)/);
    db.close();
  });

  it("a source's `task:` overrides the record's task", async () => {
    const { result, db } = await runRecipeText(recipe(`${uiSource().slice(0, -2)}, task: other }`), temporaryDirectory());
    expect(new Set((await finalRows(db, result)).map((row) => row.task))).toEqual(new Set(['other']));
    db.close();
  });

  it('quarantines records with missing fields, wrong types or a broken trajectory, with a reason', async () => {
    const { result, db } = await runRecipeText(recipe(uiSource('ultrainteract-bad.jsonl')), temporaryDirectory());
    expect(result.sources[0]).toMatchObject({ read: 8, quarantined: 7 });
    const rows = await quarantined(db);
    expect(rows.map((row) => [row.line, row.reason])).toEqual([
      [2, 'missing_field'],
      [3, 'missing_field'],
      [4, 'wrong_type'],
      [5, 'bad_message'],
      [6, 'missing_field'],
      [7, 'missing_field'],
      [8, 'empty_messages'],
    ]);
    expect(rows[0]?.detail).toBe('expected field `parent_id`, found none');
    expect(rows[1]?.detail).toBe('expected field `rejected`, found none');
    expect(rows[2]?.detail).toMatch(/^expected field `trajectory` to be a list of \{from, value\}, found VARCHAR/);
    expect(rows[3]?.detail).toMatch(/^expected the trajectory to end with a user turn .* found a turn from assistant$/);
    expect(rows[4]?.detail).toMatch(/SFT row\) or `trajectory`, `chosen` and `rejected` \(pair row\)/);
    expect(rows[5]?.detail).toBe('expected field `response`, found none');
    db.close();
  });
});

describe('ultrafeedback adapter', () => {
  it('maps one row per instruction, completions and their string ratings (N/A kept) in meta', async () => {
    const { result, db } = await runRecipeText(recipe(ufSource()), temporaryDirectory());
    expect(result.sources[0]).toMatchObject({ read: 9, quarantined: 0 });
    const rows = await finalRows(db, result);
    const juggling = rows.find((row) => row.messages[0]?.content.includes('juggle')) as FinalRow;
    expect(juggling.task).toBe('chat');
    // Until select/best-rated runs, the assistant turn is the first completion.
    expect(juggling.messages).toEqual([
      { role: 'user', content: 'Give one tip for learning to juggle.' },
      { role: 'assistant', content: 'Start with one ball and practise a steady arc.' },
    ]);
    expect(juggling.meta.dataset).toBe('evol_instruct');
    const completions = juggling.meta.completions as Array<Record<string, unknown>>;
    expect(completions).toHaveLength(4);
    expect(completions[0]).toEqual({
      model: 'alpha',
      principle: 'helpfulness',
      response: 'Start with one ball and practise a steady arc.',
      ratings: { instruction_following: '5', honesty: 'N/A', truthfulness: '5', helpfulness: '4' },
      overall_score: 9,
      fine_grained_score: 4.6667,
    });
    // Aspects given as one-element lists read like objects.
    const prime = rows.find((row) => row.messages[0]?.content === 'Is 7 a prime number?') as FinalRow;
    expect((prime.meta.completions as Array<{ ratings: unknown }>)[0]?.ratings).toEqual({
      instruction_following: '5',
      honesty: '5',
      truthfulness: '5',
      helpfulness: '5',
    });
    db.close();
  });

  it('quarantines bad ratings, missing responses, annotations, completions or instruction, and wrong types', async () => {
    const { result, db } = await runRecipeText(recipe(ufSource('ultrafeedback-bad.jsonl')), temporaryDirectory());
    expect(result.sources[0]).toMatchObject({ read: 8, quarantined: 7 });
    const rows = await quarantined(db);
    expect(rows.map((row) => [row.line, row.reason, row.detail])).toEqual([
      [2, 'bad_rating', 'expected ratings "1".."5" or "N/A", found "7" in completions[1]'],
      [3, 'bad_rating', 'expected ratings "1".."5" or "N/A", found "good" in completions[1]'],
      [4, 'missing_field', 'expected field `completions[1].response`, found none'],
      [5, 'missing_field', 'expected field `completions[1].annotations`, found none'],
      [6, 'missing_field', 'expected at least one completion, found an empty `completions` list'],
      [7, 'wrong_type', expect.stringMatching(/^expected field `completions` to be STRUCT/)],
      [8, 'missing_field', 'expected field `instruction`, found none'],
    ]);
    db.close();
  });
});

describe('select/preference-tree', () => {
  it('keeps correct leaves, drops the interaction history and a duplicate leaf, whose pair moves to the kept copy', async () => {
    const { result, db } = await runRecipeText(recipe(uiSource(), '  - use: select/preference-tree'), temporaryDirectory());
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.steps[0]).toMatchObject({ in: 6, kept: 5, dropped: { duplicate_leaf: 1 } });
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.map((row) => row.reason)).toEqual([null, null, null, null, null, 'duplicate_leaf']);
    expect(verdicts[5]?.detail).toMatch(/^same instruction and action as row [0-9a-f]{32}$/);
    const rows = await finalRows(db, result);
    const turnTwo = rows.find((row) => row.meta.record_id === 'd4c3_3_2') as FinalRow;
    expect(turnTwo.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(turnTwo.messages[0]?.content).toMatch(/What is 6 times 7\?$/);
    expect(turnTwo.messages[1]?.content).toMatch(/^Step 1: The question asks for a product\./);
    // The pairs keep their multi-turn prompt; the duplicate's pair is kept here.
    expect(turnTwo.meta.pairs?.map((pair) => pair.rejected.split('\n')[0])).toEqual([
      'Step 1: Subtract the numbers.',
      'Step 1: Divide the numbers.',
    ]);
    expect(turnTwo.meta.pairs?.[1]?.prompt).toHaveLength(3);
    expect(result.steps[0]?.notes).toEqual([
      'interaction history dropped from 1 row(s) (2 turn(s) removed)',
      '1 pair(s) of dropped duplicate leaves kept on the first copy',
    ]);
    db.close();
  });

  it('history: keep trains on the whole trajectory', async () => {
    const { result, db } = await runRecipeText(
      recipe(uiSource(), '  - use: select/preference-tree\n    with: { history: keep }'),
      temporaryDirectory(),
    );
    const rows = await finalRows(db, result);
    expect(rows.find((row) => row.meta.record_id === 'd4c3_3_2')?.messages).toHaveLength(4);
    expect(result.steps[0]?.dropped).toEqual({ duplicate_leaf: 1 });
    db.close();
  });

  it('drops history nodes (not_leaf) and incorrect or unlabelled actions; rows outside a tree pass', async () => {
    const source = `  - { id: nodes, path: ${fixture('tree-nodes.jsonl')}, fields: { prompt: prompt, response: response, meta: [tree, turn, depth, correct, leaf] } }`;
    const { result, db } = await runRecipeText(recipe(source, '  - use: select/preference-tree'), temporaryDirectory());
    expect(result.ok, result.error?.message).toBe(true);
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.map((row) => [row.assistant, row.reason, row.detail])).toEqual([
      ['2 + 3 = 6', 'not_leaf', 'incorrect action at turn 1 of 2: the trajectory went on from it (interaction history)'],
      ['2 + 3 = 5', null, null],
      ['2 + 3 = 23', 'incorrect_action', 'meta.correct is false'],
      ['Adding 2 and 3 gives 5.', null, null],
      ['11', 'incorrect_action', 'no correctness label (meta.correct)'],
      ['13', 'not_leaf', 'meta.leaf is false: the trajectory went on from this node'],
      ['Hello!', null, null],
    ]);
    expect(result.steps[0]?.notes).toEqual(['1 row(s) outside any preference tree (no meta.tree) passed through']);
    db.close();
  });
});

describe('select/best-rated', () => {
  const chosen = (rows: FinalRow[]) => rows.map((row) => row.messages.at(-1)?.content);

  it('picks the best mean of numeric ratings (N/A ignored), ties by more ratings then order; drops unrated rows', async () => {
    const { result, db } = await runRecipeText(recipe(ufSource(), bestRated()), temporaryDirectory());
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.steps[0]).toMatchObject({ in: 9, kept: 8, dropped: { unrated: 1 } });
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts[5]).toMatchObject({
      reason: 'unrated',
      detail: 'no completion with a response and a numeric rating of instruction_following, honesty, truthfulness, helpfulness',
    });
    const rows = await finalRows(db, result);
    expect(chosen(rows)).toEqual([
      'Start with one ball and practise a steady arc.', // 4.67 over 3 numeric ratings (honesty N/A) beats 4.0
      'It boils at 100 °C at sea level.', // tie at 4.0: four numeric ratings beat three
      'Bonjour.', // tie at 5.0 with the same count: the earlier completion
      'Ash.', // 4.0 beats 3.0 although its overall_score is lower (6 vs 10)
      'Fish climb trees to find food.',
      'Eight.',
      'Red.',
      'Yes, 7 is prime: its only divisors are 1 and 7.', // ratings given as lists
    ]);
    expect(rows.map((row) => row.messages.length)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
    expect(rows[0]?.meta.best).toEqual({ index: 1, model: 'alpha', rating: 14 / 3, rated: 3 });
    expect(rows[1]?.meta.best).toMatchObject({ index: 2, model: 'beta', rating: 4, rated: 4 });
    expect(rows.map((row) => row.meta.overall_disagrees)).toEqual([false, false, false, true, false, false, false, false]);
    expect(result.steps[0]?.notes).toEqual([
      'overall_score disagrees with the fine-grained choice in 1 of 8 selected row(s) (8 with an overall_score on the chosen completion)',
      '3 row(s) tied for the best mean: more numeric ratings, then the earlier completion, won',
      '2 selected row(s) without a pair (no completion rated strictly lower)',
    ]);
    db.close();
  });

  it('min_rating drops instructions whose best is below it and keeps one exactly at it', async () => {
    const { result, db } = await runRecipeText(recipe(ufSource(), bestRated('{ min_rating: 4 }')), temporaryDirectory());
    expect(result.steps[0]).toMatchObject({ kept: 7, dropped: { below_min_rating: 1, unrated: 1 } });
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts[4]).toMatchObject({ reason: 'below_min_rating', detail: 'best mean rating 2.5 < min_rating 4 (completion 1, alpha)' });
    const rows = await finalRows(db, result);
    // Best means of exactly 4.0 stay.
    expect(rows.filter((row) => (row.meta.best as { rating: number }).rating === 4)).toHaveLength(3);
    expect(result.steps[0]?.notes[0]).toMatch(/in 1 of 7 selected row/);
    db.close();
  });

  it('rejected: lowest pairs the best with the worst strictly lower-rated completion', async () => {
    const { result, db } = await runRecipeText(recipe(ufSource(), bestRated('{ rejected: lowest }')), temporaryDirectory());
    const rows = await finalRows(db, result);
    expect(rows.map((row) => row.meta.pairs?.map((pair) => pair.rejected))).toEqual([
      ['Use knives.'],
      ['Water does not boil.'],
      ['Guten Morgen.'],
      ['Cat.'],
      ['Because they like the view.'],
      [],
      [],
      ['No.'],
    ]);
    const first = rows[0]?.meta.pairs?.[0] as Pair;
    expect(first).toEqual({
      prompt: [{ role: 'user', content: 'Give one tip for learning to juggle.' }],
      chosen: 'Start with one ball and practise a steady arc.',
      rejected: 'Use knives.',
      score_chosen: 14 / 3,
      score_rejected: 1.75,
    });
    db.close();
  });

  it('rejected: all pairs the best with every strictly lower-rated completion (ties with the best never rejected)', async () => {
    const { result, db } = await runRecipeText(recipe(ufSource(), bestRated('{ rejected: all }')), temporaryDirectory());
    const rows = await finalRows(db, result);
    expect(rows.map((row) => row.meta.pairs?.length)).toEqual([3, 2, 2, 1, 1, 0, 0, 1]);
    expect(rows[1]?.meta.pairs?.map((pair) => pair.rejected)).toEqual(['About 90 °C.', 'Water does not boil.']);
    db.close();
  });

  it('rejected: random is fixed by the seed and only draws lower-rated completions', async () => {
    const draw = async (seed: number) => {
      const { result, db } = await runRecipeText(recipe(ufSource(), bestRated(`{ seed: ${seed} }`)), temporaryDirectory());
      const rows = await finalRows(db, result);
      db.close();
      return rows.map((row) => row.meta.pairs?.[0]);
    };
    const first = await draw(1);
    expect(await draw(1)).toEqual(first);
    for (const pair of first) if (pair) expect(pair.score_rejected).toBeLessThan(pair.score_chosen as number);
    const juggling = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) juggling.add((await draw(seed))[0]?.rejected ?? '');
    expect(juggling.size).toBeGreaterThan(1);
  });

  it('drops rows with an empty completion list (no_completions) and passes rows without completions', async () => {
    const dir = temporaryDirectory();
    const lines = [
      { q: 'Empty list.', a: 'x', completions: [] },
      { q: 'No ratings at all.', a: 'y' },
    ];
    writeFileSync(join(dir, 'rows.jsonl'), `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const source = '  - { id: other, path: rows.jsonl, fields: { prompt: q, response: a, meta: [completions] } }';
    const { result, db } = await runRecipeText(recipe(source, bestRated()), dir);
    expect(result.ok, result.error?.message).toBe(true);
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.map((row) => [row.keep, row.reason])).toEqual([
      [false, 'no_completions'],
      [true, null],
    ]);
    expect(result.steps[0]?.notes.at(-1)).toBe('1 row(s) without meta.completions passed through');
    db.close();
  });
});

describe('preference output', () => {
  it('writes {prompt, chosen, rejected} message lists per pair, skipping and counting rows without one', async () => {
    const dir = temporaryDirectory();
    const { result, db } = await runRecipeText(
      recipe(
        ufSource(),
        bestRated('{ rejected: lowest }'),
        '  - { format: preference, path: out/pairs.jsonl }\n  - { format: messages, path: out/sft.jsonl }',
      ),
      dir,
    );
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.outputs).toEqual([
      { path: expect.stringMatching(/out\/pairs\.jsonl$/), format: 'preference', rows: 6, skipped: 2 },
      { path: expect.stringMatching(/out\/sft\.jsonl$/), format: 'messages', rows: 8 },
    ]);
    const pairs = readJsonl<Record<string, Message[]>>(join(dir, 'out/pairs.jsonl'));
    expect(pairs).toHaveLength(6);
    for (const pair of pairs) expect(Object.keys(pair)).toEqual(['prompt', 'chosen', 'rejected']);
    expect(pairs[0]).toEqual({
      prompt: [{ role: 'user', content: 'Give one tip for learning to juggle.' }],
      chosen: [{ role: 'assistant', content: 'Start with one ball and practise a steady arc.' }],
      rejected: [{ role: 'assistant', content: 'Use knives.' }],
    });
    db.close();
  });

  it('writes Parquet by extension, several pairs of a row in order, multi-turn prompts, extra columns', async () => {
    const dir = temporaryDirectory();
    const { result, db } = await runRecipeText(
      recipe(uiSource(), '  - use: select/preference-tree', '  - { format: preference, path: out/pairs.parquet, columns: [task] }'),
      dir,
    );
    expect(result.outputs[0]).toMatchObject({ format: 'preference', rows: 3, skipped: 3 });
    const rows = await db.all<{ prompt: string; chosen: string; rejected: string; task: string }>(
      sql`SELECT to_json(prompt)::VARCHAR AS prompt, to_json(chosen)::VARCHAR AS chosen, to_json(rejected)::VARCHAR AS rejected, task
          FROM read_parquet(${join(dir, 'out/pairs.parquet')})`,
    );
    expect(rows.map((row) => [JSON.parse(row.prompt).length, JSON.parse(row.rejected)[0].content.split('\n')[0], row.task])).toEqual([
      [1, 'Step 1: Add the two numbers.', 'math'],
      [3, 'Step 1: Subtract the numbers.', 'math'],
      [3, 'Step 1: Divide the numbers.', 'math'],
    ]);
    expect(JSON.parse(rows[1]?.chosen ?? '[]')).toEqual([
      { role: 'assistant', content: expect.stringMatching(/^Step 1: The question asks/) },
    ]);
    db.close();
  });
});
