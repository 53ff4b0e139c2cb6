/**
 * `evolve/instruct` against a scripted loopback model: one evolution copies its input, one refuses,
 * one is too short, one gets no final answers, one gets disagreeing answers, the rest are admitted;
 * exact counts per reason, ids, lineage over rounds, the `generations` evidence, `per_row`, the step
 * and model caches, and a record → replay round trip that needs no endpoint.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, type RunResult, rawSql } from '@oversight/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryWith } from '../helpers/cli.js';
import { type ModelServer, type ServedRequest, startModelServer } from '../helpers/model-server.js';
import { runRecipeText } from '../helpers/recipes.js';
import { stepGenerations, stepOutputRows } from './evidence.js';

const P0 = 'Ann has 3 apples and buys 4 more apples at the market. How many apples does she have now?';
const P1 = 'A box holds 12 pencils. How many pencils are there in 5 boxes of the same size?';
const P2 = 'A train travels 60 miles every hour. How far does it travel in 3 hours at that speed?';

/** Evolved problems with scripted answers. */
const AGREE =
  'Ann has 3 apples and buys 4 more apples at the market, then gives 2 apples to each of her 2 friends. How many apples does she keep?';
const DISAGREE = 'A box holds 10 pencils and another box holds 2 more. How many pencils are there in both boxes?';
const SILENT = 'A train travels 30 miles every hour. How far does it travel in 2 hours at that speed?';
const ANSWERS: Record<string, string[]> = {
  // 3 of 4 agree (3.0 is 3), the first agreeing sample is the first one.
  [AGREE]: ['She has 7, gives away 4, keeps 3.\nThe answer is: 3', '#### 5', '#### 3.0', 'The answer is: 3'],
  [DISAGREE]: ['#### 22', '#### 20', '#### 12', 'not sure'],
  [SILENT]: ['It goes far.', 'hmm', '#### 60', 'unsure'],
};

/** Scripted evolutions by parent and kind; any other evolution is a fresh farmer problem. */
const EVOLUTIONS: Record<string, Record<string, string>> = {
  [P0]: { add_constraints: AGREE, simplify: `New problem: ${P0}` },
  [P1]: { add_constraints: "I'm sorry, but I can't help with rewriting this problem.", simplify: `**Easier problem:** ${DISAGREE}` },
  [P2]: { add_constraints: 'Add more trains.', simplify: SILENT },
};

/** A farmer problem whose numbers come from a hash of its parent and kind, and its answer. */
function farmer(parent: string, kind: string): { problem: string; answer: number } {
  const hash = createHash('md5').update(`${parent}|${kind}`).digest();
  const cows = 10 + ((hash[0] as number) % 80);
  const weekly = 2 + ((hash[1] as number) % 9);
  return {
    problem: `A farmer keeps ${cows} cows in a barn and buys ${weekly} more cows every week for three weeks. How many cows does the farmer have after those weeks?`,
    answer: cows + 3 * weekly,
  };
}

const EVOLVE_MARK = 'You are helping to build a collection of math word problems';

function respond(request: ServedRequest): string | string[] {
  const user = request.messages.at(-1)?.content ?? '';
  if (user.startsWith(EVOLVE_MARK)) {
    const parent = user.slice(user.indexOf('Original problem:\n') + 'Original problem:\n'.length);
    const kind = ['add_constraints', 'concretize', 'increase_reasoning', 'simplify', 'new_easier'].find((name) =>
      user.includes(KIND_PHRASES[name] as string),
    ) as string;
    return EVOLUTIONS[parent]?.[kind] ?? farmer(parent, kind).problem;
  }
  const scripted = ANSWERS[user];
  if (scripted) return scripted.slice(0, request.n);
  const match = /keeps (\d+) cows in a barn and buys (\d+) more/.exec(user);
  if (!match) throw new Error(`unscripted problem: ${user}`);
  const answer = Number(match[1]) + 3 * Number(match[2]);
  const samples = [
    `${match[1]} + 3 × ${match[2]} = ${answer}.\nThe answer is: ${answer}`,
    `#### ${answer}`,
    `The answer is: ${answer}.`,
    '#### 1',
  ];
  return samples.slice(0, request.n);
}

/** A phrase that tells the evolution kinds' prompts apart. */
const KIND_PHRASES: Record<string, string> = {
  add_constraints: 'adding one more condition',
  concretize: 'making it more concrete',
  increase_reasoning: 'more steps of reasoning',
  simplify: 'easier version of the same problem',
  new_easier: 'new math problem on a different topic',
};

const turns = (user: string, assistant: string) => [
  { role: 'user', content: user },
  { role: 'assistant', content: assistant },
];
const jsonl = (rows: object[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
const files = {
  'math.jsonl': jsonl([
    { id: 'p0', messages: turns(P0, '3 + 4 = 7\n#### 7'), gold: '7' },
    { id: 'p1', messages: turns(P1, '12 × 5 = 60\n#### 60'), gold: '60' },
    { id: 'p2', messages: turns(P2, '60 × 3 = 180\n#### 180'), gold: '180' },
  ]),
  'code.jsonl': jsonl([{ id: 'c0', messages: turns('Write add(a, b).', 'def add(a, b): return a + b') }]),
  'chat.jsonl': jsonl([{ id: 'h0', messages: turns('Hi there', 'Hello!') }]),
};

function recipe(withParams: string, model = `base_url: \${MODEL_URL}`) {
  return `version: 1
name: evolve
sources:
  - { id: math, path: math.jsonl, task: math, fields: { messages: messages, answer: gold, id: id } }
  - { id: code, path: code.jsonl, task: code }
  - { id: chat, path: chat.jsonl }
model:
  ${model}
  name: scripted
steps:
  - use: evolve/instruct
    with: ${withParams}
outputs:
  - { format: messages, path: out.jsonl }
`;
}

const outputRows = (db: Database, result: RunResult) => stepOutputRows(db, result);
const generations = (db: Database, result: RunResult) => stepGenerations(db, result, rawSql('round, prompt'));

const candidateId = (parent: string, kind: string, round: number, text: string) =>
  createHash('md5')
    .update([parent, kind, String(round), text].join('\u001f'))
    .digest('hex');

let server: ModelServer;
let dir: string;
const env = () => ({ MODEL_URL: server.url });

beforeAll(async () => {
  server = await startModelServer({ respond });
  dir = directoryWith(files);
});
afterAll(async () => {
  await server.close();
});

describe('evolve/instruct', () => {
  it('admits evolutions a strict majority answers, rejects each failure with its reason, keeps every input row', async () => {
    const before = server.received.length;
    const { result, db } = await runRecipeText(recipe('{ kinds: [add_constraints, simplify, new_easier] }'), dir, { env: env() });
    expect(result.ok, result.error?.message).toBe(true);
    // 9 evolution requests (3 rows × 3 kinds) and 6 answer requests (the screened ones); none for code or chat.
    const requests = server.received.slice(before);
    const evolutions = requests.filter((request) => request.messages.at(-1)?.content.startsWith(EVOLVE_MARK));
    const answers = requests.filter((request) => !request.messages.at(-1)?.content.startsWith(EVOLVE_MARK));
    expect([evolutions.length, answers.length]).toEqual([9, 6]);
    expect(evolutions.every((request) => request.n === 1 && request.temperature === 0.7)).toBe(true);
    expect(answers.every((request) => request.n === 4 && request.temperature === 0.7 && request.messages[0]?.role === 'system')).toBe(true);

    expect(result.steps[0]).toMatchObject({
      in: 5,
      kept: 9,
      added: 4,
      dropped: {},
      rejected: { copied_input: 1, no_answer: 1, no_majority: 1, refusal: 1, too_short: 1 },
    });
    const rows = await outputRows(db, result);
    // Input rows first, untouched; then the admitted evolutions (ordered by id).
    expect(rows.slice(0, 5).map((row) => [row.source, row.user, row.assistant])).toEqual([
      ['math', P0, '3 + 4 = 7\n#### 7'],
      ['math', P1, '12 × 5 = 60\n#### 60'],
      ['math', P2, '60 × 3 = 180\n#### 180'],
      ['code', 'Write add(a, b).', 'def add(a, b): return a + b'],
      ['chat', 'Hi there', 'Hello!'],
    ]);
    const ids = Object.fromEntries(rows.slice(0, 3).map((row) => [row.user, row.id]));
    const added = rows.slice(5);
    const expected = [
      { parent: P0, kind: 'add_constraints', problem: AGREE, answer: '3', agreement: 0.75, response: ANSWERS[AGREE]?.[0] },
      ...[P0, P1, P2].map((parent) => {
        const { problem, answer } = farmer(parent, 'new_easier');
        const [, cows, weekly] = /keeps (\d+) cows in a barn and buys (\d+) more/.exec(problem) ?? [];
        return {
          parent,
          kind: 'new_easier',
          problem,
          answer: String(answer),
          agreement: 0.75,
          response: `${cows} + 3 × ${weekly} = ${answer}.\nThe answer is: ${answer}`,
        };
      }),
    ].map(({ parent, kind, problem, answer, agreement, response }) => ({
      id: candidateId(ids[parent] as string, kind, 1, problem),
      source: 'math',
      task: 'math',
      user: problem,
      assistant: response,
      turns: 2,
      answer,
      meta: { parent: ids[parent], evolution: { kind, round: 1, agreement } },
    }));
    expect(added).toEqual(expected.sort((a, b) => a.id.localeCompare(b.id)));

    // Every candidate is in the evidence table, with why it was or was not admitted.
    const evidence = await generations(db, result);
    expect(evidence).toHaveLength(9);
    const byProblem = Object.fromEntries(evidence.map((row) => [row.prompt, row]));
    expect(byProblem[P0]).toMatchObject({
      parent: ids[P0],
      kind: 'simplify',
      round: 1,
      admitted: false,
      reason: 'copied_input',
      detail: 'word Jaccard 1.000 with the parent problem, at or above copy_threshold 0.9',
    });
    expect(byProblem["I'm sorry, but I can't help with rewriting this problem."]).toMatchObject({
      parent: ids[P1],
      kind: 'add_constraints',
      admitted: false,
      reason: 'refusal',
    });
    expect(byProblem[DISAGREE]).toMatchObject({
      parent: ids[P1],
      kind: 'simplify',
      admitted: false,
      reason: 'no_majority',
      detail: 'no answer has a strict majority of 4 samples: “22” ×1, “20” ×1, “12” ×1, none ×1',
    });
    expect(byProblem['Add more trains.']).toMatchObject({
      parent: ids[P2],
      reason: 'too_short',
      detail: '3 word(s), fewer than min_words 8: “Add more trains.”',
    });
    expect(byProblem[SILENT]).toMatchObject({
      parent: ids[P2],
      reason: 'no_answer',
      detail: '3 of 4 sample(s) gave no final answer; “60” ×1',
    });
    expect(byProblem[AGREE]).toMatchObject({ admitted: true, reason: null, detail: '3 of 4 samples agree on “3”' });
    expect(
      evidence
        .filter((row) => row.admitted)
        .map((row) => row.id)
        .sort(),
    ).toEqual(added.map((row) => row.id));
    expect(result.steps[0]?.notes).toEqual([
      'round 1: 9 candidate(s), 4 admitted; rejected: copied_input 1, no_answer 1, no_majority 1, refusal 1, too_short 1',
      '3 problem(s) evolved with add_constraints, simplify, new_easier',
    ]);

    // The same recipe again: the step is cached and nothing is sent.
    const sent = server.received.length;
    const again = await runRecipeText(recipe('{ kinds: [add_constraints, simplify, new_easier] }'), dir, { env: env(), db });
    expect(again.result.steps[0]).toMatchObject({ cached: true, added: 4, rejected: { copied_input: 1 } });
    expect(server.received.length).toBe(sent);
    db.close();
  });

  it('chains rounds: round 2 evolves the problems admitted in round 1, lineage through meta.parent', async () => {
    const before = server.received.length;
    const { result, db } = await runRecipeText(recipe('{ kinds: [downward], rounds: 2, samples: 3 }'), dir, { env: env() });
    expect(result.ok, result.error?.message).toBe(true);
    const evidence = await generations(db, result);
    const round1 = evidence.filter((row) => row.round === 1);
    const round2 = evidence.filter((row) => row.round === 2);
    // Round 1: 3 rows × {simplify, new_easier}; admitted: the three new_easier farmer problems.
    expect(round1.map((row) => [row.kind, row.reason]).sort()).toEqual(
      [
        ['new_easier', null],
        ['new_easier', null],
        ['new_easier', null],
        ['simplify', 'copied_input'],
        ['simplify', 'no_answer'],
        ['simplify', 'no_majority'],
      ].sort(),
    );
    // Round 2: each admitted round-1 problem gets both kinds; all six are fresh farmer problems.
    const survivors = round1.filter((row) => row.admitted).map((row) => row.id);
    expect(round2).toHaveLength(6);
    expect([...new Set(round2.map((row) => row.parent))].sort()).toEqual([...survivors].sort());
    expect(round2.every((row) => row.admitted)).toBe(true);
    const rows = await outputRows(db, result);
    const added = rows.slice(5);
    expect(added).toHaveLength(9);
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const row of added) {
      const evolution = row.meta.evolution as { round: number; agreement: number };
      // With 3 samples all agree: the fourth scripted answer (a wrong one) is not asked for.
      expect(evolution.agreement).toBe(1);
      const parent = byId.get(row.meta.parent as string);
      if (!parent) throw new Error(`no parent row for ${row.id}`);
      if (evolution.round === 2) {
        expect((parent.meta.evolution as { round: number }).round).toBe(1);
        expect(row.id).toBe(candidateId(parent.id, (row.meta.evolution as { kind: string }).kind, 2, row.user));
      } else {
        expect(parent.meta.evolution).toBeUndefined();
      }
    }
    expect(result.steps[0]?.notes.slice(0, 2)).toEqual([
      'round 1: 6 candidate(s), 3 admitted; rejected: copied_input 1, no_answer 1, no_majority 1',
      'round 2: 6 candidate(s), 6 admitted',
    ]);
    // Per round: evolutions, then n = 3 answers for the screened ones.
    const requests = server.received.slice(before).filter((request) => !request.messages.at(-1)?.content.startsWith(EVOLVE_MARK));
    expect(requests.every((request) => request.n === 3)).toBe(true);
    db.close();
  });

  it('tries per_row kinds per problem, spread over the kinds', async () => {
    const { result, db } = await runRecipeText(recipe('{ per_row: 1 }'), dir, { env: env() });
    expect(result.ok, result.error?.message).toBe(true);
    const evidence = await generations(db, result);
    expect(evidence).toHaveLength(3);
    expect(new Set(evidence.map((row) => row.parent)).size).toBe(3);
    expect(result.steps[0]?.notes.at(-1)).toBe(
      '3 problem(s) evolved with add_constraints, concretize, increase_reasoning, simplify, new_easier (1 per problem per round)',
    );
    db.close();
  });

  it('records a cassette and replays it in a fresh workspace with no endpoint', async () => {
    const cassette = join(dir, 'evolve-cassette.jsonl');
    const params = '{ kinds: [add_constraints, new_easier] }';
    const live = await runRecipeText(recipe(params, `base_url: \${MODEL_URL}\n  record: evolve-cassette.jsonl`), dir, { env: env() });
    expect(live.result.ok, live.result.error?.message).toBe(true);
    expect(readFileSync(cassette, 'utf8').trim().split('\n').length).toBeGreaterThan(0);
    const liveRows = await outputRows(live.db, live.result);
    live.db.close();
    const sent = server.received.length;
    const replayed = await runRecipeText(recipe(params, 'replay: evolve-cassette.jsonl'), dir, { env: {} });
    expect(replayed.result.ok, replayed.result.error?.message).toBe(true);
    expect(server.received.length).toBe(sent);
    expect(await outputRows(replayed.db, replayed.result)).toEqual(liveRows);
    replayed.db.close();
  });
});
