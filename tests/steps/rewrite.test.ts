/**
 * `rewrite/steps` through recipes: which rows are rewritten, every drop reason with its detail, the
 * exact rewritten targets (prompt turns kept, last assistant turn replaced), `meta.rewrite`, the
 * three styles and both calculator modes in rules mode; model mode against a scripted loopback
 * model (requests as sent, drops per reason, a failing endpoint failing the step, record/replay);
 * and, when ../shared/data is present, rules mode over the real GSM8K solutions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, identifier, type RunResult, sql } from '@oversight/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryWith, ROOT } from '../helpers/cli.js';
import { type ModelServer, type ServedRequest, startModelServer } from '../helpers/model-server.js';
import { runRecipeText } from '../helpers/recipes.js';
import { stepVerdicts } from './evidence.js';

const turns = (user: string, assistant: string) => [
  { role: 'user', content: user },
  { role: 'assistant', content: assistant },
];

const FARM = 'A farmer has 3 fields. Each field has 40 rows of corn, and each row gives 12 ears. How many ears does he get?';
const FARM_SOLUTION = 'Each field gives 40 * 12 = <<40*12=480>>480 ears.\nThe 3 fields give 3 * 480 = <<3*480=1440>>1440 ears.\n#### 1440';
const TAP = 'A tap drips 3 milliliters every minute. How many milliliters does it drip in an hour?';
const TAP_SOLUTION = 'It drips 3 * 60 = <<3*60=180>>180 milliliters.\n#### 180';

const mathRows = [
  // 0, 1: rewritten.
  { id: 'r0', messages: turns(FARM, FARM_SOLUTION), gold: '1440' },
  { id: 'r1', messages: turns(TAP, TAP_SOLUTION), gold: '180' },
  // 2: no gold.
  { id: 'r2', messages: turns('How many legs do 2 cats have?', 'They have 2 * 4 = 8 legs.\n#### 8'), gold: null },
  // 3: the last turn is a user turn (nothing answers it); 4: the answer is blank.
  { id: 'r3', messages: [...turns('How many legs do 3 cats have?', 'Let me think.'), { role: 'user', content: 'Well?' }], gold: '12' },
  { id: 'r4', messages: turns('How many legs do 4 cats have?', '  \n'), gold: '16' },
  // 5: the solution's answer is not the gold.
  { id: 'r5', messages: turns('How many legs do 5 cats have?', 'They have 5 * 4 = <<5*4=20>>20 legs.\n#### 20'), gold: '21' },
  // 6: a solution with no final answer at all.
  { id: 'r6', messages: turns('Is a cat an animal?', 'Yes, it is.'), gold: 'yes' },
  // 7: only a final answer: too few steps for Abel.
  { id: 'r7', messages: turns('How many legs do 7 cats have?', '#### 28'), gold: '28' },
  // 8: a longer conversation: the system turn and earlier turns stay, the last answer is rewritten.
  {
    id: 'r8',
    messages: [
      { role: 'system', content: 'You are a tutor.' },
      { role: 'user', content: 'Hi!' },
      { role: 'assistant', content: 'Hello! Ask me a math question.' },
      { role: 'user', content: 'A box holds 6 eggs. How many eggs are in 5 boxes?' },
      { role: 'assistant', content: 'There are 6 * 5 = <<6*5=30>>30 eggs.\n#### 30' },
    ],
    gold: '30',
  },
];
const chatRows = [{ id: 'h0', messages: turns('Hi there', 'Hello!') }];
// A code row with a gold: not a math target, passed through.
const codeRows = [{ id: 'c0', messages: turns('Write add(a, b).', 'def add(a, b):\n    return a + b'), gold: '5' }];

const jsonl = (rows: object[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;

function recipe(withParams: string, model = '') {
  return `version: 1
name: rewrite
sources:
  - { id: math, path: math.jsonl, task: math, fields: { messages: messages, answer: gold, id: id } }
  - { id: chat, path: chat.jsonl }
  - { id: code, path: code.jsonl, task: code, fields: { messages: messages, answer: gold, id: id } }
${model}steps:
  - use: rewrite/steps
    with: ${withParams}
outputs:
  - { format: messages, path: out.jsonl }
`;
}

interface OutputRow {
  messages: Array<{ role: string; content: string }>;
  meta: Record<string, unknown>;
}

/** The step's output rows in pipeline order. */
async function outputRows(db: Database, result: RunResult): Promise<OutputRow[]> {
  const step = result.steps[0];
  if (!step) throw new Error(`no step: ${result.error?.message ?? ''}`);
  const record = await db.one<{ view_name: string }>(sql`SELECT view_name FROM _steps WHERE fingerprint = ${step.fingerprint}`);
  const rows = await db.all<{ messages: string; meta: string }>(sql`
    SELECT to_json(messages)::VARCHAR AS messages, meta::VARCHAR AS meta FROM ${identifier(record?.view_name ?? '')} ORDER BY _ord`);
  return rows.map((row) => ({ messages: JSON.parse(row.messages), meta: JSON.parse(row.meta) as Record<string, unknown> }));
}

const lastTurn = (row: OutputRow | undefined) => row?.messages.at(-1)?.content;

let dir: string;
beforeAll(() => {
  dir = directoryWith({ 'math.jsonl': jsonl(mathRows), 'chat.jsonl': jsonl(chatRows), 'code.jsonl': jsonl(codeRows) });
});

describe('rewrite/steps, rules mode', () => {
  it('abel: rewrites math rows, drops with one reason each, keeps prompt turns and labels meta.rewrite', async () => {
    const { result, db } = await runRecipeText(recipe('{ style: abel }'), dir);
    expect(result.ok, result.error?.message).toBe(true);
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.map((row) => [row.source, row.keep, row.reason])).toEqual([
      ['math', true, null],
      ['math', true, null],
      ['math', false, 'no_gold'],
      ['math', false, 'no_solution'],
      ['math', false, 'no_solution'],
      ['math', false, 'rewrite_changed_answer'],
      ['math', false, 'no_solution'],
      ['math', false, 'bad_step_format'],
      ['math', true, null],
      ['chat', true, null],
      ['code', true, null],
    ]);
    expect(verdicts.map((row) => row.detail)).toEqual([
      null,
      null,
      'no gold answer in the `answer` column',
      'no source solution to rewrite: the last turn is not an assistant turn',
      'no source solution to rewrite: the last assistant turn is empty',
      'extracted “20” → “20” ≠ gold “21” (rational)',
      'the solution states no final answer (no `#### N`, no `\\boxed{}`, no number)',
      'too_few_steps: abel needs at least 3 steps (restatement, derivation, final solution), found 2',
      null,
      null,
      null,
    ]);
    expect(result.steps[0]).toMatchObject({
      in: 11,
      kept: 5,
      dropped: { no_gold: 1, no_solution: 3, rewrite_changed_answer: 1, bad_step_format: 1 },
    });
    expect(result.steps[0]?.notes).toEqual(['abel (rules): 3 of 9 math row(s) rewritten; 2 other row(s) passed through']);

    const rows = await outputRows(db, result);
    expect(rows.map((row) => row.messages.filter((turn) => turn.role === 'user').at(-1)?.content)).toEqual([
      FARM,
      TAP,
      'A box holds 6 eggs. How many eggs are in 5 boxes?',
      'Hi there',
      'Write add(a, b).',
    ]);
    expect(lastTurn(rows[0])).toBe(
      [
        '1. The problem states that a farmer has 3 fields. Each field has 40 rows of corn, and each row gives 12 ears. We need to find out how many ears does he get.',
        '2. By problem, each field gives 40 * 12 = 480 ears.',
        '3. By problem and step 2, the 3 fields give 3 * 480 = 1440 ears.',
        '4. [Final solution] Thus, the 3 fields give 1440 ears. #### 1440',
      ].join('\n'),
    );
    expect(lastTurn(rows[1])).toBe(
      [
        '1. The problem states that a tap drips 3 milliliters every minute. We need to find out how many milliliters does it drip in an hour.',
        '2. By problem and the definition of an hour (1 hour = 60 minutes), it drips 3 * 60 = 180 milliliters.',
        '3. [Final solution] Thus, it drips 180 milliliters. #### 180',
      ].join('\n'),
    );
    // Every turn before the last answer stays as it was; the problem restated is the last user turn.
    expect(rows[2]?.messages.slice(0, 4)).toEqual(mathRows[8]?.messages.slice(0, 4));
    expect(lastTurn(rows[2])).toMatch(
      /^1\. The problem states that a box holds 6 eggs\. We need to find out how many eggs are in 5 boxes\.\n/,
    );
    expect(rows.slice(3)).toEqual([
      { messages: chatRows[0]?.messages, meta: {} },
      { messages: codeRows[0]?.messages, meta: {} },
    ]);
    expect(rows.slice(0, 3).map((row) => row.meta)).toEqual(Array(3).fill({ rewrite: { style: 'abel', mode: 'rules' } }));
    db.close();
  });

  it('wizardmath and ultrainteract: `Step k:` lines and the style’s final answer; a bare answer has no steps', async () => {
    const wizard = await runRecipeText(recipe('{ style: wizardmath }'), dir);
    expect(wizard.result.ok, wizard.result.error?.message).toBe(true);
    const wizardRows = await outputRows(wizard.db, wizard.result);
    expect(lastTurn(wizardRows[0])).toBe(
      'Step 1: Each field gives 40 * 12 = 480 ears.\nStep 2: The 3 fields give 3 * 480 = 1440 ears.\nThe answer is: 1440',
    );
    expect((await stepVerdicts(wizard.db, wizard.result))[7]).toMatchObject({
      reason: 'bad_step_format',
      detail: 'first_step: expected `Step 1: …` on the first line, found “The answer is: 28”',
    });
    expect(wizardRows[0]?.meta).toEqual({ rewrite: { style: 'wizardmath', mode: 'rules' } });
    wizard.db.close();

    const ultra = await runRecipeText(recipe('{ style: ultrainteract }'), dir);
    const ultraRows = await outputRows(ultra.db, ultra.result);
    expect(lastTurn(ultraRows[1])).toBe('Step 1: It drips 3 * 60 = 180 milliliters.\n\nAnswer:\n\\boxed{180}');
    expect(ultra.result.steps[0]?.dropped).toEqual({ no_gold: 1, no_solution: 3, rewrite_changed_answer: 1, bad_step_format: 1 });
    ultra.db.close();
  });

  it('`calculator: keep` keeps the annotations in the steps', async () => {
    const { result, db } = await runRecipeText(recipe('{ style: wizardmath, calculator: keep }'), dir);
    const rows = await outputRows(db, result);
    expect(lastTurn(rows[0])).toBe(
      'Step 1: Each field gives 40 * 12 = <<40*12=480>>480 ears.\nStep 2: The 3 fields give 3 * 480 = <<3*480=1440>>1440 ears.\nThe answer is: 1440',
    );
    db.close();
  });

  it('rejects model-only parameters in rules mode and an unknown style', async () => {
    await expect(runRecipeText(recipe('{ style: abel, temperature: 0.5 }'), dir)).rejects.toThrow(
      /expected `temperature` and `max_tokens` only with `mode: model`/,
    );
    await expect(runRecipeText(recipe('{ style: abell }'), dir)).rejects.toThrow(/invalid recipe/);
    await expect(runRecipeText(recipe('{ mode: rules }'), dir)).rejects.toThrow(/invalid recipe/);
  });
});

/** The scripted model: one answer per problem (matched on the problem text of the last user turn). */
const SCRIPTED: Array<[string, string]> = [
  [
    'A farmer has 3 fields',
    [
      '1. The problem states that a farmer has 3 fields with 40 rows of corn each, and each row gives 12 ears. We need to find out how many ears he gets.',
      '2. By problem, each field gives 40 * 12 = 480 ears.',
      '3. By problem and step 2, the 3 fields give 3 * 480 = 1440 ears.',
      '4. [Final solution] Thus, the farmer gets 1440 ears. #### 1440',
    ].join('\n'),
  ],
  // The answer changed on the way.
  [
    'A tap drips',
    '1. The problem states that a tap drips 3 milliliters a minute. We need to find out how much it drips in an hour.\n2. By the definition of an hour (1 hour = 60 minutes), it drips 3 * 60 = 190 milliliters.\n3. [Final solution] Thus, it drips 190 milliliters. #### 190',
  ],
  // A step without a dependency.
  [
    'How many legs do 5 cats',
    '1. The problem states that there are 5 cats. We need to find out how many legs they have.\n2. Each cat has 4 legs, so 5 * 4 = 21.\n3. [Final solution] Thus, they have 21 legs. #### 21',
  ],
  // No final answer line.
  [
    'Is a cat an animal',
    '1. The problem asks whether a cat is an animal. We need to find out.\n2. By definition, a cat is an animal.\n3. [Final solution] Yes.',
  ],
  [
    'How many legs do 7 cats',
    '1. The problem states that there are 7 cats. We need to find out how many legs they have.\n2. By the definition of a cat (4 legs), 7 * 4 = 28.\n3. [Final solution] Thus, they have 28 legs. #### 28\n',
  ],
  [
    'A box holds 6 eggs',
    '  1. The problem states that a box holds 6 eggs. We need to find out how many eggs are in 5 boxes.\n2. By problem, 6 * 5 = 30 eggs.\n3. [Final solution] Thus, 5 boxes hold 30 eggs. #### 30  ',
  ],
];

function respond(request: ServedRequest): string {
  const user = request.messages.at(-1)?.content ?? '';
  const answer = SCRIPTED.find(([problem]) => user.startsWith(`Problem:\n${problem}`));
  if (!answer) throw new Error(`unscripted problem: ${user.slice(0, 80)}`);
  return answer[1];
}

const MODEL_BLOCK = `model:\n  base_url: \${MODEL_URL}\n  name: scripted\n`;

describe('rewrite/steps, model mode', () => {
  let server: ModelServer;
  beforeAll(async () => {
    server = await startModelServer({ respond });
  });
  afterAll(async () => {
    await server.close();
  });

  it('sends one few-shot request per rewritable row, lints and grades each answer, and keeps the well-formed ones', async () => {
    const before = server.received.length;
    const { result, db } = await runRecipeText(recipe('{ style: abel, mode: model }', MODEL_BLOCK), dir, {
      env: { MODEL_URL: server.url },
    });
    expect(result.ok, result.error?.message).toBe(true);
    const requests = server.received.slice(before);
    // Rows without a gold or a solution, chat and code rows are never sent: r0, r1, r5, r6, r7, r8.
    expect(requests).toHaveLength(6);
    for (const request of requests) {
      expect(request).toMatchObject({ model: 'scripted', n: 1, temperature: 0 });
      expect(request.max_tokens).toBe(1024);
      expect(request.messages.map((message) => message.role)).toEqual([
        'system',
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
      ]);
      expect(request.messages[0]?.content).toContain('"N. [Final solution] Thus, … #### <final answer>"');
    }
    // The row: its problem (the last user turn), its solution without annotations, and the gold.
    expect(requests.map((request) => request.messages.at(-1)?.content)).toContain(
      'Problem:\nA box holds 6 eggs. How many eggs are in 5 boxes?\n\nReference solution:\nThere are 6 * 5 = 30 eggs.\n#### 30\n\nFinal answer: 30',
    );
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.map((row) => [row.keep, row.reason, row.detail])).toEqual([
      [true, null, null],
      [false, 'rewrite_changed_answer', 'extracted “190” → “190” ≠ gold “180” (rational)'],
      [false, 'no_gold', 'no gold answer in the `answer` column'],
      [false, 'no_solution', 'no source solution to rewrite: the last turn is not an assistant turn'],
      [false, 'no_solution', 'no source solution to rewrite: the last assistant turn is empty'],
      [
        false,
        'bad_step_format',
        'dependency: abel step 2 states no dependency (`By problem`, `By step j`, `By the definition of …`, `By the formula for …`), found “Each cat has 4 legs, so 5 * 4 = 21.”',
      ],
      [false, 'bad_step_format', 'final_line: no `#### <answer>` final line (found “3. [Final solution] Yes.”)'],
      [true, null, null],
      [true, null, null],
      [true, null, null],
      [true, null, null],
    ]);
    expect(result.steps[0]).toMatchObject({
      in: 11,
      kept: 5,
      dropped: { no_gold: 1, no_solution: 2, rewrite_changed_answer: 1, bad_step_format: 2 },
    });
    expect(result.steps[0]?.notes).toEqual(['abel (model): 3 of 9 math row(s) rewritten; 2 other row(s) passed through']);
    const rows = await outputRows(db, result);
    expect(lastTurn(rows[0])).toBe(SCRIPTED[0]?.[1]);
    // The answer is trimmed; the earlier turns stay.
    expect(lastTurn(rows[2])).toBe(
      '1. The problem states that a box holds 6 eggs. We need to find out how many eggs are in 5 boxes.\n2. By problem, 6 * 5 = 30 eggs.\n3. [Final solution] Thus, 5 boxes hold 30 eggs. #### 30',
    );
    expect(rows[2]?.messages).toHaveLength(5);
    expect(rows[0]?.meta).toEqual({ rewrite: { style: 'abel', mode: 'model' } });
    expect(result.model).toMatchObject({ requests: 6, sent: 6 });
    db.close();
  });

  it('passes `temperature` and `max_tokens` per request, and keeps annotations in the prompt with `calculator: keep`', async () => {
    const before = server.received.length;
    const { result, db } = await runRecipeText(
      recipe('{ style: abel, mode: model, temperature: 0.3, max_tokens: 300, calculator: keep }', MODEL_BLOCK),
      dir,
      { env: { MODEL_URL: server.url } },
    );
    expect(result.ok, result.error?.message).toBe(true);
    const requests = server.received.slice(before);
    expect(requests.map((request) => [request.temperature, request.max_tokens])).toEqual(Array(6).fill([0.3, 300]));
    expect(requests.map((request) => request.messages.at(-1)?.content)).toContain(
      'Problem:\nA box holds 6 eggs. How many eggs are in 5 boxes?\n\nReference solution:\nThere are 6 * 5 = <<6*5=30>>30 eggs.\n#### 30\n\nFinal answer: 30',
    );
    expect(requests[0]?.messages[0]?.content).toContain('Keep the calculator annotations');
    db.close();
  });

  it('records the answers to a cassette and replays them without an endpoint', async () => {
    const workspace = directoryWith({ 'math.jsonl': jsonl(mathRows), 'chat.jsonl': jsonl(chatRows), 'code.jsonl': jsonl(codeRows) });
    const recorded = await runRecipeText(recipe('{ style: abel, mode: model }', `${MODEL_BLOCK}  record: answers.jsonl\n`), workspace, {
      env: { MODEL_URL: server.url },
    });
    expect(recorded.result.ok, recorded.result.error?.message).toBe(true);
    recorded.db.close();
    expect(readFileSync(join(workspace, 'answers.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
    const before = server.received.length;
    const replayed = await runRecipeText(
      recipe('{ style: abel, mode: model }', 'model:\n  name: scripted\n  replay: answers.jsonl\n'),
      workspace,
    );
    expect(replayed.result.ok, replayed.result.error?.message).toBe(true);
    expect(server.received.length).toBe(before);
    expect(replayed.result.steps[0]?.dropped).toEqual(recorded.result.steps[0]?.dropped);
    expect(lastTurn((await outputRows(replayed.db, replayed.result))[0])).toBe(SCRIPTED[0]?.[1]);
    replayed.db.close();
  });

  it('fails the step when the endpoint refuses the request', async () => {
    const refusing = await startModelServer({ respond, faults: () => ({ kind: 'status', status: 400, body: 'bad request' }) });
    try {
      const { result, db } = await runRecipeText(recipe('{ style: wizardmath, mode: model }', MODEL_BLOCK), dir, {
        env: { MODEL_URL: refusing.url },
      });
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('model/request-rejected');
      expect(result.error?.message).toMatch(/expected HTTP 200, found 400/);
      db.close();
    } finally {
      await refusing.close();
    }
  });

  it('requires a `model:` block in model mode', async () => {
    await expect(runRecipeText(recipe('{ style: abel, mode: model }'), dir)).rejects.toThrow(
      /recipe\/missing-model step `rewrite\/steps` calls a model with these parameters, and the recipe has no `model:` block/,
    );
  });
});

const DATA = join(ROOT, '..', 'shared', 'data');
const present = existsSync(join(DATA, 'gsm8k', 'train.jsonl'));
if (!present) console.warn(`[skipped] rewrite/steps real-data test: ${DATA} is absent (it exists only on the project's machines)`);

describe.skipIf(!present)('rewrite/steps on real GSM8K solutions (../shared/data)', () => {
  it('rules mode rewrites every one of the 7,473 train solutions in all three styles, each passing the lint and keeping its gold', async () => {
    for (const style of ['abel', 'wizardmath', 'ultrainteract']) {
      const { result, db } = await runRecipeText(
        `version: 1
name: gsm8k-rewrite
sources:
  - { id: train, path: ${join(DATA, 'gsm8k/train.jsonl')}, format: gsm8k }
steps:
  - use: rewrite/steps
    with: { style: ${style} }
`,
        ROOT,
      );
      expect(result.ok, result.error?.message).toBe(true);
      expect(result.steps[0], style).toMatchObject({ in: 7473, kept: 7473 });
      if (style === 'abel') {
        const rows = await outputRows(db, result);
        const targets = rows.map((row) => lastTurn(row) ?? '');
        // Every derivation step cites its source; step 1 restates; a few steps cite a unit fact.
        expect(targets.every((text) => text.startsWith('1. The problem'))).toBe(true);
        expect(
          targets.filter((text) => text.includes('By the definition of') || text.includes('and the definition of')).length,
        ).toBeGreaterThan(1000);
        // Under 1% of the 26,682 derivation steps have numbers traced to nothing (185 when measured).
        const untraced = /^(\d+) step\(s\) use no number traceable/.exec(result.steps[0]?.notes[1] ?? '');
        expect(Number(untraced?.[1])).toBeGreaterThan(0);
        expect(Number(untraced?.[1])).toBeLessThan(267);
      }
      db.close();
    }
  });
});
