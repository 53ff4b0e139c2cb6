/**
 * `difficulty/tier`: every signal (level, steps, tokens, pass rate, model judge), quantile and
 * threshold cuts with ties, the three `missing` policies, the tier table note, and the labels
 * `mix.quotas` reads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, identifier, type RunResult, sql } from '@oversight/core';
import { get_encoding } from 'tiktoken';
import { afterEach, describe, expect, it } from 'vitest';
import { directoryWith } from '../helpers/cli.js';
import { type ModelServer, startModelServer } from '../helpers/model-server.js';
import { runRecipeText } from '../helpers/recipes.js';
import { stepVerdicts } from './evidence.js';

interface Row {
  id: string;
  user?: string;
  assistant?: string;
  level?: unknown;
  pass_rate?: unknown;
}

function rowsFile(rows: Row[]): string {
  return `${rows
    .map((row) =>
      JSON.stringify({
        id: row.id,
        tag: row.id,
        messages: [
          ...(row.user === undefined ? [] : [{ role: 'user', content: row.user }]),
          ...(row.assistant === undefined ? [] : [{ role: 'assistant', content: row.assistant }]),
        ],
        ...(row.level === undefined ? {} : { level: row.level }),
        ...(row.pass_rate === undefined ? {} : { pass_rate: row.pass_rate }),
      }),
    )
    .join('\n')}\n`;
}

function recipe(withParams: string, extra = ''): string {
  return `version: 1
name: difficulty
sources:
  - { id: math, path: rows.jsonl, task: math, fields: { messages: messages, id: id, meta: [tag, level, pass_rate] } }
${extra}steps:
  - use: difficulty/tier
    with: ${withParams}
outputs:
  - { format: messages, path: out.jsonl, columns: [id, meta] }
`;
}

/** The step's output rows: the row's `tag` (its id in the file) and meta (the labels merged in), in input order. */
async function tiered(db: Database, result: RunResult, stepIndex = 0): Promise<Array<{ id: string; meta: Record<string, unknown> }>> {
  const step = result.steps[stepIndex];
  if (!step) throw new Error(`no step ${stepIndex}: ${result.error?.message ?? ''}`);
  const record = await db.one<{ view_name: string }>(sql`SELECT view_name FROM _steps WHERE fingerprint = ${step.fingerprint}`);
  const rows = await db.all<{ id: string; meta: string }>(
    sql`SELECT id, meta::VARCHAR AS meta FROM ${identifier(record?.view_name ?? '')} ORDER BY _ord`,
  );
  return rows.map((row) => {
    const meta = JSON.parse(row.meta) as Record<string, unknown>;
    return { id: String(meta.tag), meta };
  });
}

const pick = (rows: Array<{ id: string; meta: Record<string, unknown> }>) =>
  Object.fromEntries(rows.map((row) => [row.id, [row.meta.difficulty ?? null, row.meta.difficulty_score ?? null]]));

/** Ten MATH-like rows: levels as numbers, as "Level N", missing and unreadable. */
const levelRows: Row[] = [
  { id: 'a', user: 'q a', assistant: 's', level: 1 },
  { id: 'b', user: 'q b', assistant: 's', level: 2 },
  { id: 'c', user: 'q c', assistant: 's', level: 3 },
  { id: 'd', user: 'q d', assistant: 's', level: 4 },
  { id: 'e', user: 'q e', assistant: 's', level: 5 },
  { id: 'f', user: 'q f', assistant: 's', level: 'Level 1' },
  { id: 'g', user: 'q g', assistant: 's', level: 'Level 2' },
  { id: 'h', user: 'q h', assistant: 's', level: 'Level 5' },
  { id: 'i', user: 'q i', assistant: 's' },
  { id: 'j', user: 'q j', assistant: 's', level: 'Level ?' },
];

describe('difficulty/tier by level', () => {
  it('cuts equal-count quantiles without splitting ties, keeps rows without a level untiered, and notes the tier table', async () => {
    const { result, db } = await runRecipeText(recipe('{ by: level }'), directoryWith({ 'rows.jsonl': rowsFile(levelRows) }));
    expect(result.ok, result.error?.message).toBe(true);
    // Scores sorted: 1 1 2 2 3 4 5 5; cuts at positions round(8/3) = 3 and round(16/3) = 5: scores 2 and 4.
    expect(pick(await tiered(db, result))).toEqual({
      a: ['easy', 1],
      b: ['medium', 2],
      c: ['medium', 3],
      d: ['hard', 4],
      e: ['hard', 5],
      f: ['easy', 1],
      g: ['medium', 2],
      h: ['hard', 5],
      i: [null, null],
      j: [null, null],
    });
    expect(result.steps[0]?.notes).toEqual([
      'difficulty by level: 8 of 10 row(s) scored; equal-count quantiles 0.333, 0.667 → cuts 2, 4',
      'tier       rows  score range',
      'easy          2  1',
      'medium        3  2–3',
      'hard          3  4–5',
      '2 row(s) without a level signal: kept untiered',
    ]);
    expect(result.steps[0]).toMatchObject({ in: 10, kept: 10, dropped: {} });
    // The labels reach the output's meta.
    const out = readFileSync(join(result.outputs[0]?.path ?? '', ''), 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(out[0] ?? '{}').meta).toEqual({ tag: 'a', level: 1, pass_rate: null, difficulty: 'easy', difficulty_score: 1 });
    db.close();
  });

  it('uses fixed thresholds (a score on a cut goes to the harder tier) and puts rows without a signal in a named tier', async () => {
    const { result, db } = await runRecipeText(
      recipe('{ by: level, tiers: [low, mid, top], thresholds: [3, 5], missing: low }'),
      directoryWith({ 'rows.jsonl': rowsFile(levelRows) }),
    );
    expect(result.ok, result.error?.message).toBe(true);
    expect(pick(await tiered(db, result))).toEqual({
      a: ['low', 1],
      b: ['low', 2],
      c: ['mid', 3],
      d: ['mid', 4],
      e: ['top', 5],
      f: ['low', 1],
      g: ['low', 2],
      h: ['top', 5],
      i: ['low', null],
      j: ['low', null],
    });
    expect(result.steps[0]?.notes).toEqual([
      'difficulty by level: 8 of 10 row(s) scored; thresholds 3, 5',
      'tier     rows  score range',
      'low         6  1–2 (2 without a signal)',
      'mid         2  3–4',
      'top         2  5',
      '2 row(s) without a level signal: put in tier low',
    ]);
    db.close();
  });

  it('drops rows without a signal with `missing: drop`, saying why', async () => {
    const { result, db } = await runRecipeText(
      recipe('{ by: level, missing: drop }'),
      directoryWith({ 'rows.jsonl': rowsFile(levelRows) }),
    );
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.steps[0]).toMatchObject({ in: 10, kept: 8, dropped: { no_difficulty_signal: 2 } });
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.filter((row) => !row.keep).map((row) => [row.user, row.reason, row.detail])).toEqual([
      ['q i', 'no_difficulty_signal', 'no meta.level'],
      ['q j', 'no_difficulty_signal', 'meta.level "Level ?" has no number'],
    ]);
    expect(result.steps[0]?.notes.at(-1)).toBe('2 row(s) without a level signal: dropped (no_difficulty_signal)');
    db.close();
  });

  it('takes explicit quantiles', async () => {
    const { result, db } = await runRecipeText(
      recipe('{ by: level, tiers: [easy, hard], quantiles: [0.75] }'),
      directoryWith({ 'rows.jsonl': rowsFile(levelRows) }),
    );
    // Position round(0.75 × 8) = 6 → score 5: only the level-5 rows are hard.
    const tiers = pick(await tiered(db, result));
    expect(
      Object.entries(tiers)
        .filter(([, [tier]]) => tier === 'hard')
        .map(([id]) => id),
    ).toEqual(['e', 'h']);
    db.close();
  });
});

describe('difficulty/tier by solution', () => {
  const solutions: Row[] = [
    {
      id: 'abel',
      user: 'p',
      assistant: '1. The problem states x.\n2. By problem, y.\n3. By step 2, z.\n4. [Final solution] Thus 3. #### 3',
    },
    { id: 'gsm8k', user: 'p', assistant: 'She has 16 - 3 = 13 eggs.\nShe sells 13 * 2 = 26.\n#### 26' },
    { id: 'prose', user: 'p', assistant: 'Add 2 and 3. That makes 5.' },
    { id: 'none', user: 'p', assistant: '  ' },
    { id: 'special', user: 'p', assistant: 'Say <|endoftext|> twice: <|endoftext|>.' },
  ];

  it('counts steps of the last assistant turn: numbered lines, else lines, else sentences', async () => {
    const { result, db } = await runRecipeText(
      recipe('{ by: steps, tiers: [short, long], thresholds: [3] }'),
      directoryWith({ 'rows.jsonl': rowsFile(solutions) }),
    );
    expect(result.ok, result.error?.message).toBe(true);
    expect(pick(await tiered(db, result))).toEqual({
      abel: ['long', 4],
      gsm8k: ['short', 2],
      prose: ['short', 2],
      none: [null, null],
      special: ['short', 1],
    });
    db.close();
  });

  it('counts cl100k_base tokens of the last assistant turn, special-token text as ordinary text', async () => {
    const { result, db } = await runRecipeText(
      recipe('{ by: tokens, tiers: [short, long], thresholds: [20], missing: drop }'),
      directoryWith({ 'rows.jsonl': rowsFile(solutions) }),
    );
    expect(result.ok, result.error?.message).toBe(true);
    const encoder = get_encoding('cl100k_base');
    const expected = Object.fromEntries(
      solutions.filter((row) => row.assistant?.trim()).map((row) => [row.id, encoder.encode_ordinary(row.assistant as string).length]),
    );
    encoder.free();
    const scores = Object.fromEntries((await tiered(db, result)).map((row) => [row.id, row.meta.difficulty_score]));
    expect(scores).toEqual(expected);
    expect(expected.special).toBeGreaterThan(6);
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.filter((row) => !row.keep).map((row) => row.detail)).toEqual(['empty solution']);
    db.close();
  });
});

describe('difficulty/tier by pass rate', () => {
  it('scores 1 − pass rate (lower pass rate = harder) and treats a pass rate outside 0–1 as missing', async () => {
    const rows: Row[] = [
      { id: 'p0', user: 'q', assistant: 's', pass_rate: 1 },
      { id: 'p1', user: 'q', assistant: 's', pass_rate: 0.75 },
      { id: 'p2', user: 'q', assistant: 's', pass_rate: 0.5 },
      { id: 'p3', user: 'q', assistant: 's', pass_rate: 0.25 },
      { id: 'p4', user: 'q', assistant: 's', pass_rate: 0 },
      { id: 'p5', user: 'q', assistant: 's', pass_rate: 1.5 },
      { id: 'p6', user: 'q', assistant: 's' },
    ];
    const { result, db } = await runRecipeText(
      recipe('{ by: pass_rate, thresholds: [0.3, 0.75], missing: drop }'),
      directoryWith({ 'rows.jsonl': rowsFile(rows) }),
    );
    expect(result.ok, result.error?.message).toBe(true);
    expect(pick(await tiered(db, result))).toEqual({
      p0: ['easy', 0],
      p1: ['easy', 0.25],
      p2: ['medium', 0.5],
      p3: ['hard', 0.75],
      p4: ['hard', 1],
    });
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.filter((row) => !row.keep).map((row) => row.detail)).toEqual([
      'meta.pass_rate 1.5 is not a number from 0 to 1',
      'no meta.pass_rate',
    ]);
    db.close();
  });
});

describe('difficulty/tier parameters', () => {
  it.each([
    ['{ by: level, thresholds: [3] }', 'expected 2 cut point(s) for 3 tiers, found 1'],
    ['{ by: level, thresholds: [3, 2] }', 'expected increasing cut points, found 3, 2'],
    ['{ by: level, thresholds: [2, 3], quantiles: [0.2, 0.4] }', 'expected `thresholds` or `quantiles`, found both'],
    ['{ by: level, missing: hadr }', 'expected `keep`, `drop` or a tier name (easy, medium, hard), found `hadr`; did you mean `hard`?'],
    ['{ by: level, judge: { temperature: 0 } }', 'expected `judge` settings only with `by: judge`, found `by: level`'],
    ['{ by: level, tiers: [a, a] }', 'expected distinct tier names, found a, a'],
  ])('rejects %s', async (withParams, message) => {
    await expect(runRecipeText(recipe(withParams), directoryWith({ 'rows.jsonl': rowsFile(levelRows) }))).rejects.toThrow(message);
  });

  it('requires a model block with `by: judge`', async () => {
    await expect(runRecipeText(recipe('{ by: judge }'), directoryWith({ 'rows.jsonl': rowsFile(levelRows) }))).rejects.toThrow(
      /recipe\/missing-model/,
    );
  });
});

describe('difficulty/tier by judge', () => {
  let server: ModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('asks the model for a 1–5 rating per row, stores score and rationale in meta.judge, and tiers the scores', async () => {
    // The scripted judge: the problem says its own difficulty (`[d=N]`); `[refuse]` gets a refusal.
    server = await startModelServer({
      respond: (request) => {
        const prompt = request.messages.at(-1)?.content ?? '';
        if (prompt.includes('[refuse]')) return "I'm sorry, I can't rate this.";
        const level = /\[d=(\d)\]/.exec(prompt)?.[1] ?? '3';
        return `Difficulty: ${level}\nRationale: it is a level ${level} problem.`;
      },
    });
    const rows: Row[] = [
      { id: 'j1', user: 'Add 1 and 1. [d=1]', assistant: '2' },
      { id: 'j2', user: 'Solve x^2 = 4. [d=2]', assistant: 'x = ±2' },
      { id: 'j3', user: 'Count the lattice paths. [d=4]', assistant: 'C(10,5) = 252' },
      { id: 'j4', user: 'Prove the inequality. [d=5]', assistant: 'By AM-GM …' },
      { id: 'j5', user: 'Please rate. [refuse]', assistant: '?' },
      { id: 'j6', assistant: 'an answer with no question' },
    ];
    const text = recipe('{ by: judge, thresholds: [2, 4] }', `model: { base_url: "\${MODEL_URL}", name: scripted }\n`);
    const { result, db } = await runRecipeText(text, directoryWith({ 'rows.jsonl': rowsFile(rows) }), { env: { MODEL_URL: server.url } });
    expect(result.ok, result.error?.message).toBe(true);
    // One request per row with a user turn; the system turn, the filled prompt and the judge's sampling.
    expect(server.received).toHaveLength(5);
    const first = server.received.find((request) => request.messages.at(-1)?.content.includes('[d=1]'));
    expect(first?.messages[0]?.role).toBe('system');
    expect(first?.messages[1]?.content).toContain('Problem:\nAdd 1 and 1. [d=1]\n\nReference solution:\n2\n');
    expect(first).toMatchObject({ temperature: 0, max_tokens: 256, n: 1 });
    const out = await tiered(db, result);
    expect(pick(out)).toEqual({
      j1: ['easy', 1],
      j2: ['medium', 2],
      j3: ['hard', 4],
      j4: ['hard', 5],
      j5: [null, null],
      j6: [null, null],
    });
    expect(out[2]?.meta.judge).toEqual({ model: 'scripted', score: 4, rationale: 'it is a level 4 problem.' });
    expect(out[4]?.meta.judge).toEqual({
      model: 'scripted',
      error: 'no `Difficulty: 1–5` line in the answer',
      answer: "I'm sorry, I can't rate this.",
    });
    expect(out[5]?.meta.judge).toBeUndefined();
    expect(result.steps[0]?.notes[0]).toBe('difficulty by judge: 4 of 6 row(s) scored; thresholds 2, 4');
    db.close();
  });
});
