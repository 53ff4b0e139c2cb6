/**
 * `sample/rejection` against a scripted loopback model: which rows are sampled, every drop reason,
 * pass rates, the three `keep` rules, extra rows and their ids, the answer prompt as sent, and that
 * re-runs are answered from the step cache or the model cache (no new request).
 */
import { createHash } from 'node:crypto';
import { type Database, identifier, type RunResult, sql, stepTable } from '@oversight/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryWith } from '../helpers/cli.js';
import { type ModelServer, type ServedRequest, startModelServer } from '../helpers/model-server.js';
import { runRecipeText } from '../helpers/recipes.js';
import { stepOutputRows, stepVerdicts } from './evidence.js';

/** The scripted samples per problem (the last user turn), k = 4. */
const SAMPLES: Record<string, string[]> = {
  // 2 of 4 correct; sample 3 is the shortest correct one.
  'Two plus two?': ['We add 2 and 2 and get 4.\nThe answer is: 4', 'The answer is: 5', 'The answer is: 4', 'I am not sure.'],
  // None correct.
  'Ten?': ['#### 9', '#### 11', 'The answer is: 12', 'no idea'],
  // All correct, in four written forms of one half.
  'Half?': ['The answer is: 0.5', 'So $\\boxed{\\frac12}$', '#### 1/2', 'The answer is: 0.50'],
  // 1 of 4 correct.
  'Seven?': ['#### 7', '#### 8', '#### 8', '#### 8'],
};

function respond(request: ServedRequest): string[] {
  const user = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
  const problem = Object.keys(SAMPLES).find((key) => user.includes(key));
  if (!problem) throw new Error(`unscripted problem: ${user}`);
  return (SAMPLES[problem] as string[]).slice(0, request.n);
}

const turns = (user: string, assistant = 'old response') => [
  { role: 'user', content: user },
  { role: 'assistant', content: assistant },
];

const mathRows = [
  { id: 'm0', messages: turns('Two plus two?'), gold: '4' },
  { id: 'm1', messages: turns('Ten?'), gold: '10' },
  { id: 'm2', messages: turns('Half?'), gold: '\\frac{1}{2}' },
  { id: 'm3', messages: turns('Seven?'), gold: '7' },
  { id: 'm4', messages: turns('No gold here?'), gold: null },
  { id: 'm5', messages: turns('Broken gold?'), gold: 'so \\boxed{18' },
  {
    id: 'm6',
    messages: [
      { role: 'system', content: 'Nothing to answer.' },
      { role: 'assistant', content: '#### 1' },
    ],
    gold: '1',
  },
];
const codeRows = [{ id: 'c0', messages: turns('Write add(a, b).', 'def add(a, b): return a + b'), gold: '5' }];
const chatRows = [{ id: 'h0', messages: turns('Hi there', 'Hello!') }];

const jsonl = (rows: object[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;

function recipe(withParams = '') {
  return `version: 1
name: rejection
sources:
  - { id: math, path: math.jsonl, task: math, fields: { messages: messages, answer: gold, id: id } }
  - { id: code, path: code.jsonl, task: code, fields: { messages: messages, answer: gold, id: id } }
  - { id: chat, path: chat.jsonl }
model:
  base_url: \${MODEL_URL}
  name: scripted
steps:
  - use: sample/rejection${withParams ? `\n    with: ${withParams}` : ''}
outputs:
  - { format: messages, path: out.jsonl }
`;
}

const outputRows = (db: Database, result: RunResult) => stepOutputRows(db, result);

let server: ModelServer;
let dir: string;
const env = () => ({ MODEL_URL: server.url });

beforeAll(async () => {
  server = await startModelServer({ respond });
  dir = directoryWith({ 'math.jsonl': jsonl(mathRows), 'code.jsonl': jsonl(codeRows), 'chat.jsonl': jsonl(chatRows) });
});
afterAll(async () => {
  await server.close();
});

describe('sample/rejection', () => {
  it('samples k per math prompt in one request, keeps the first correct sample, drops with a reason, and labels pass rates', async () => {
    const before = server.received.length;
    const { result, db } = await runRecipeText(recipe(), dir, { env: env() });
    expect(result.ok, result.error?.message).toBe(true);
    // One request per sampled prompt (m0–m3): none for rows dropped before sampling, code or chat rows.
    const requests = server.received.slice(before);
    expect(requests).toHaveLength(4);
    for (const request of requests) {
      expect(request).toMatchObject({ model: 'scripted', n: 4, temperature: 0.7 });
      expect(request.messages[0]?.role).toBe('system');
      expect(request.messages[0]?.content).toMatch(/step by step.*"The answer is: X"/s);
      // The old response is not sent: the prompt is the conversation before it.
      expect(request.messages.map((message) => message.role)).toEqual(['system', 'user']);
    }
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.map((row) => [row.user, row.keep, row.reason])).toEqual([
      ['Two plus two?', true, null],
      ['Ten?', false, 'no_correct_sample'],
      ['Half?', true, null],
      ['Seven?', true, null],
      ['No gold here?', false, 'no_gold'],
      ['Broken gold?', false, 'unparseable_gold'],
      ['Nothing to answer.', false, 'no_prompt'],
      ['Write add(a, b).', true, null],
      ['Hi there', true, null],
    ]);
    expect(verdicts.map((row) => row.detail)).toEqual([
      '2 of 4 samples correct; kept sample 1',
      '0 of 4 samples correct against gold “10”: answers “9”, “11”, “12”, none',
      '4 of 4 samples correct; kept sample 1',
      '1 of 4 samples correct; kept sample 1',
      'no gold answer in the `answer` column',
      'gold cannot be read as an answer: “so \\boxed{18”',
      'no user turn to answer before the final assistant turn',
      'task `code`: passed through unsampled (this step grades final answers only)',
      null,
    ]);
    expect(result.steps[0]).toMatchObject({
      in: 9,
      kept: 5,
      added: 0,
      dropped: { no_correct_sample: 1, no_gold: 1, no_prompt: 1, unparseable_gold: 1 },
    });
    const rows = await outputRows(db, result);
    expect(rows.map((row) => [row.user, row.assistant, row.turns])).toEqual([
      ['Two plus two?', 'We add 2 and 2 and get 4.\nThe answer is: 4', 2],
      ['Half?', 'The answer is: 0.5', 2],
      ['Seven?', '#### 7', 2],
      ['Write add(a, b).', 'def add(a, b): return a + b', 2],
      ['Hi there', 'Hello!', 2],
    ]);
    expect(rows.map((row) => [row.meta.pass_rate ?? null, row.meta.rejection ?? null])).toEqual([
      [0.5, { k: 4, correct: 2 }],
      [1, { k: 4, correct: 4 }],
      [0.25, { k: 4, correct: 1 }],
      [null, null],
      [null, null],
    ]);
    // The dropped row keeps its pass rate in the labels table, for `oversight show`.
    const labels = await db.all<{ labels: string }>(
      sql`SELECT labels::VARCHAR AS labels FROM ${identifier(stepTable(result.steps[0]?.fingerprint ?? '', 'labels'))} ORDER BY labels`,
    );
    expect(labels.map((row) => JSON.parse(row.labels).pass_rate)).toEqual([0, 0.25, 0.5, 1]);
    expect(result.steps[0]?.notes).toEqual([
      'k=4 at temperature 0.7: 4 prompt(s) sampled, 3 kept, 1 without a correct sample; mean pass rate 0.438',
      'dropped before sampling: 1 math row(s) without a gold, 1 unreadable gold(s), 1 row(s) without a user turn',
      'passed through unsampled: 1 code row(s), 1 other row(s) without a gold',
    ]);
    expect(result.model).toMatchObject({ requests: 4, sent: 4, cacheHits: 0 });

    // The same recipe again: the step is cached, nothing is sent.
    const again = await runRecipeText(recipe(), dir, { env: env(), db });
    expect(again.result.steps[0]?.cached).toBe(true);
    expect(server.received.length).toBe(before + 4);
    db.close();
  });

  it('keeps the shortest correct sample, answered from the model cache', async () => {
    const first = await runRecipeText(recipe(), dir, { env: env() });
    const before = server.received.length;
    const { result, db } = await runRecipeText(recipe('{ keep: shortest }'), dir, { env: env(), db: first.db });
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.steps[0]?.cached).toBe(false);
    expect(server.received.length).toBe(before);
    expect(result.model).toMatchObject({ requests: 4, cacheHits: 4, sent: 0 });
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts[0]?.detail).toBe('2 of 4 samples correct; kept sample 3 (shortest correct, 16 chars)');
    expect(verdicts[2]?.detail).toBe('4 of 4 samples correct; kept sample 3 (shortest correct, 8 chars)');
    const rows = await outputRows(db, result);
    expect(rows.slice(0, 3).map((row) => row.assistant)).toEqual(['The answer is: 4', '#### 1/2', '#### 7']);
    db.close();
  });

  it('keeps all correct samples: further ones become rows with a derived id and meta.parent', async () => {
    const { result, db } = await runRecipeText(recipe('{ keep: all }'), dir, { env: env() });
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.steps[0]).toMatchObject({ in: 9, kept: 9, added: 4 });
    const rows = await outputRows(db, result);
    const parents = Object.fromEntries(rows.slice(0, 5).map((row) => [row.user, row]));
    const added = rows.slice(5);
    const derived = (parent: string, sample: number) =>
      createHash('md5').update(`${parent}\u001fsample/rejection\u001f${sample}`).digest('hex');
    const expected = [
      { parent: 'Two plus two?', sample: 3, content: 'The answer is: 4' },
      { parent: 'Half?', sample: 2, content: 'So $\\boxed{\\frac12}$' },
      { parent: 'Half?', sample: 3, content: '#### 1/2' },
      { parent: 'Half?', sample: 4, content: 'The answer is: 0.50' },
    ].map(({ parent, sample, content }) => {
      const row = parents[parent] as OutputRow;
      return {
        id: derived(row.id, sample),
        source: 'math',
        task: 'math',
        user: parent,
        assistant: content,
        turns: 2,
        answer: row.answer,
        meta: { parent: row.id, pass_rate: row.meta.pass_rate, rejection: row.meta.rejection },
      };
    });
    // Added rows come after the input rows, ordered by id.
    expect(added).toEqual(expected.sort((a, b) => a.id.localeCompare(b.id)));
    expect(result.steps[0]?.notes[0]).toMatch(/; 4 further correct sample\(s\) added as rows$/);
    expect(verdicts(await stepVerdicts(db, result))[2]).toBe('4 of 4 samples correct; kept sample 1; 3 more as new row(s)');
    db.close();
  });

  it('fills a {problem} template into the user turn instead of sending a system message', async () => {
    const before = server.received.length;
    const { result, db } = await runRecipeText(
      recipe(`{ k: 2, temperature: 1, max_tokens: 300, prompt: "Question: {problem}\\nAnswer: Let's think step by step." }`),
      dir,
      { env: env() },
    );
    expect(result.ok, result.error?.message).toBe(true);
    const requests = server.received.slice(before);
    expect(requests[0]).toMatchObject({
      n: 2,
      temperature: 1,
      max_tokens: 300,
      messages: [{ role: 'user', content: "Question: Two plus two?\nAnswer: Let's think step by step." }],
    });
    const rows = await outputRows(db, result);
    // The stored row keeps its own prompt; with k = 2 "Ten?" still has no correct sample.
    expect(rows.map((row) => [row.user, row.meta.pass_rate ?? null])).toEqual([
      ['Two plus two?', 0.5],
      ['Half?', 1],
      ['Seven?', 0.5],
      ['Write add(a, b).', null],
      ['Hi there', null],
    ]);
    db.close();
  });

  it('is refused by validation without a model block', async () => {
    const text = recipe().replace(/^model:\n(?: {2}.*\n)+/m, '');
    expect(text).not.toContain('scripted');
    await expect(runRecipeText(text, dir, { env: env() })).rejects.toThrow(/recipe\/missing-model step `sample\/rejection` calls a model/);
  });
});

function verdicts(rows: Array<{ detail: string | null }>): Array<string | null> {
  return rows.map((row) => row.detail);
}
