/**
 * `gap/fill` against a scripted model on the loopback server: tagging (topic field, keywords, model),
 * coverage and failure rates (pass rates and a graded file), the need formula, reserve picks, the
 * generation rounds with every rejection reason, the admitted rows and their meta, the `generations`
 * evidence, the coverage note, and replay from a recorded cassette.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Database, identifier, type RunResult, rawSql, sql } from '@oversight/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTaxonomy } from '../../packages/filters/src/gap/taxonomy.js';
import { directoryWith } from '../helpers/cli.js';
import { type ModelServer, type ServedRequest, startModelServer } from '../helpers/model-server.js';
import { runRecipeText } from '../helpers/recipes.js';
import { stepGenerations, stepVerdicts } from './evidence.js';

const TAXONOMY = `version: 1
topics:
  - name: algebra
    description: equations and expressions
    keywords: [equation, solve for]
    aliases: [Algebra]
  - name: geometry
    description: shapes, areas and angles
    keywords: [triangle, circle, area, angle, radius]
    aliases: [Geometry]
  - name: number_theory
    description: divisibility, primes and remainders
    keywords: [prime, remainder, divisible]
    aliases: [Number Theory]
`;

interface Row {
  tag: string;
  question: string;
  type?: string;
  pass_rate?: number;
}

function rowsFile(rows: Row[]): string {
  return `${rows
    .map((row) =>
      JSON.stringify({
        id: row.tag,
        tag: row.tag,
        messages: [
          { role: 'user', content: row.question },
          { role: 'assistant', content: `Worked answer to ${row.tag}. #### 1` },
        ],
        ...(row.type ? { type: row.type } : {}),
        ...(row.pass_rate === undefined ? {} : { pass_rate: row.pass_rate }),
      }),
    )
    .join('\n')}\n`;
}

/** Training: 6 algebra (by `type`), 2 geometry (keywords; pass rates 0 and 0.5), 1 number theory (`type`, pass rate 1), 1 untagged. */
const training: Row[] = [
  ...Array.from({ length: 6 }, (_, index) => ({ tag: `alg${index}`, question: `Find x in problem ${index}.`, type: 'Algebra' })),
  { tag: 'geo0', question: 'What is the area of a triangle with base 4 and height 3?', pass_rate: 0 },
  { tag: 'geo1', question: 'A circle has radius 2. What is its diameter?', pass_rate: 0.5 },
  { tag: 'nt0', question: 'Is 91 divisible by 7?', type: 'Number Theory', pass_rate: 1 },
  { tag: 'story', question: 'Tell me a story about a cat.' },
];

/** Reserve: 2 geometry, 1 number theory, 1 algebra, 1 untagged. */
const reserve: Row[] = [
  { tag: 'rgeo0', question: 'What is the radius of a circle of diameter 10?' },
  { tag: 'rgeo1', question: 'The angles of a triangle are 50 and 60 degrees. What is the third?' },
  { tag: 'rnt0', question: 'What is the remainder of 17 divided by 5?' },
  { tag: 'ralg0', question: 'Solve for y: 2y = 8.', type: 'Algebra' },
  { tag: 'rnone', question: 'Write a poem.' },
];

const SQUARE = 'A square has side 3. What is its area?';
const RECTANGLE = 'A rectangle is 2 by 5. What is its area?';
const REMAINDER = 'What is the remainder when 23 is divided by 8?';
const GCD = 'What is the greatest common divisor of 12 and 18?';
const PRIME = 'Is 17 prime? Answer 1 for yes and 0 for no.';
const CIRCLE = 'A circle has radius 1. What is its circumference divided by pi?';

const solved = (problem: string, steps: string[], answer: string) =>
  `Problem: ${problem}\nSolution:\n1. The problem states that ${problem.toLowerCase()}\n${steps.map((step, index) => `${index + 2}. ${step}`).join('\n')}\n${steps.length + 2}. [Final solution] Thus, the answer is ${answer}. #### ${answer}`;

/** Generator answers by (kind, topic, round); the round is the request's seed (step seed 0). */
const GENERATED: Record<string, string> = {
  'variant/geometry/1': solved(SQUARE, ['By the formula for the area of a square, area = side × side = 9.'], '9'),
  'example/geometry/1': solved(RECTANGLE, ['Multiply 2 × 5 = 10.'], '10'),
  'example/number_theory/1': solved(REMAINDER, ['By definition of the remainder, 23 = 2 × 8 + 8.'], '8'),
  'variant/geometry/2': solved(SQUARE, ['By the formula for the area of a square, area = 9.'], '9'),
  'example/number_theory/2': solved(GCD, ['By definition of the greatest common divisor, it is the largest common divisor: 6.'], '6'),
  'variant/geometry/3': "I'm sorry, but I can't help with that.",
  'example/number_theory/3': solved(PRIME, ['By definition of a prime number, 17 has no divisors but 1 and 17.'], '1'),
  'variant/circle': solved(CIRCLE, ['By the formula for the circumference of a circle, C = 2πr = 2π.'], '2'),
};

/** Verifier answers by problem: k = 3. */
const VERIFIED: Record<string, string[]> = {
  [SQUARE]: ['Side squared. #### 9', 'The answer is: 9', 'It is $\\boxed{9}$.'],
  [REMAINDER]: ['#### 7', '23 - 16 = 7 #### 7', '#### 8'],
  [GCD]: ['#### 6', '#### 3', 'I am not sure.'],
  [PRIME]: ['#### 1', 'yes #### 1', '#### 0'],
  [CIRCLE]: ['#### 2', '2π / π #### 2', 'The answer is: 2'],
};

function respond(request: ServedRequest): string | string[] {
  const system = request.messages[0]?.content ?? '';
  const prompt = request.messages.at(-1)?.content ?? '';
  if (system.startsWith('You write math practice problems')) {
    const kind = prompt.startsWith('A student could not solve') ? 'variant' : 'example';
    const topic = /on the topic "([\w-]+)"/.exec(prompt)?.[1] ?? '?';
    // The variant of the graded file's circle question is its own problem.
    const key = prompt.includes('area of a circle of radius 1') ? 'variant/circle' : `${kind}/${topic}/${request.seed}`;
    const answer = GENERATED[key] ?? 'Nothing to say.';
    return Array.from({ length: request.n }, () => answer);
  }
  if (system.startsWith('Solve the problem')) {
    const problem = /^Question:\n([\s\S]*)\nAnswer:\n/.exec(prompt)?.[1] ?? '';
    return VERIFIED[problem] ?? Array.from({ length: request.n }, () => 'no idea');
  }
  if (system.startsWith('You sort math problems')) {
    const problem = /Problem:\n([\s\S]*)\n\nAnswer with one line/.exec(prompt)?.[1] ?? '';
    if (/triangle|circle|area/.test(problem)) return 'Topic: geometry';
    if (/prime|remainder|divisible/.test(problem)) return 'Topic: number_theory';
    return 'This one is about poetry.';
  }
  return 'Unexpected request.';
}

const SOURCES = `sources:
  - { id: main, path: main.jsonl, task: math, fields: { messages: messages, id: id, meta: [tag, type, pass_rate] } }
  - { id: pool, path: pool.jsonl, task: math, fields: { messages: messages, id: id, meta: [tag, type, pass_rate] } }
`;

function recipe(withParams: string, model = `model: { base_url: "\${MODEL_URL}", name: scripted, concurrency: 4 }\n`): string {
  return `version: 1
name: gap
${SOURCES}${model}steps:
  - use: gap/fill
    with: ${withParams}
outputs:
  - { format: messages, path: out.jsonl, columns: [id, source, answer, meta] }
`;
}

const files = (extra: Record<string, string> = {}) =>
  directoryWith({ 'main.jsonl': rowsFile(training), 'pool.jsonl': rowsFile(reserve), 'topics.yaml': TAXONOMY, ...extra });

const generations = (db: Database, result: RunResult) => stepGenerations(db, result, rawSql('round, kind DESC, detail'));

interface OutRow {
  id: string;
  source: string;
  answer: string | null;
  messages: Array<{ role: string; content: string }>;
  meta: Record<string, unknown>;
}

function readOut(dir: string): OutRow[] {
  return readFileSync(join(dir, 'out.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as OutRow);
}

const FULL =
  '{ taxonomy: topics.yaml, reserve: pool, generate: { examples_per_gap: 2, variants_per_failure: 1, k: 3, rounds: 3, examples_shown: 1 } }';

describe('gap/fill', () => {
  let server: ModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('fills gaps from the reserve, then with verified generated rows, and notes coverage before and after', async () => {
    server = await startModelServer({ respond });
    const dir = files();
    const { result, db } = await runRecipeText(recipe(FULL), dir, { env: { MODEL_URL: server.url } });
    expect(result.ok, result.error?.message).toBe(true);
    // N = 9 tagged training rows, τ = 1/3: algebra has 6 (need 0); geometry fails 75% on average
    // (pass rates 0 and 0.5): ⌈3 × 1.75⌉ − 2 = 4; number theory ⌈3 × (1 + 0)⌉ − 1 = 2.
    expect(result.steps[0]?.notes).toEqual([
      'topics: 9 of 10 training row(s) tagged (7 by `type`, 2 by keywords); 1 untagged',
      'reserve `pool`: 5 of its 5 row(s) reach this step (4 tagged); 3 picked, all of them leave the pipeline as `reserve_pool` and the picked ones come back as new rows',
      'failure rates from meta.pass_rate: 3 row(s)',
      'need = ⌈target × 9 × (1 + 1 × failure rate)⌉ − rows',
      'topic          rows  share  target   fail  need  reserve  generated  after  share after',
      'algebra           6  66.7%   33.3%      –     0        0          0      6        42.9%',
      'geometry          2  22.2%   33.3%  75.0%     4        2          1      5        35.7%',
      'number_theory     1  11.1%   33.3%   0.0%     2        1          1      3        21.4%',
      'generation: 7 candidate(s) in 3 round(s), 2 admitted; rejected: no_knowledge_step 1, answer_disagrees 1, duplicate 1, no_majority 1, refusal 1',
      'still short: geometry 1',
    ]);
    // Every reserve row leaves the pipeline; picked ones say what they became.
    expect(result.steps[0]).toMatchObject({ in: 15, dropped: { reserve_pool: 5 }, added: 5, kept: 15 });
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.filter((row) => !row.keep).map((row) => row.detail?.replace(/[0-9a-f]{32}/, '<id>'))).toEqual([
      'reserve row, picked for topic geometry: added as <id>',
      'reserve row, picked for topic geometry: added as <id>',
      'reserve row, picked for topic number_theory: added as <id>',
      'reserve row, not needed to fill a gap',
      'reserve row, not needed to fill a gap',
    ]);

    // Every candidate, admitted or not, with its reason, in round order.
    const evidence = await generations(db, result);
    expect(evidence.map((entry) => [entry.round, entry.kind, entry.admitted, entry.reason])).toEqual([
      [1, 'variant', true, null],
      [1, 'example', false, 'no_knowledge_step'],
      [1, 'example', false, 'answer_disagrees'],
      [2, 'variant', false, 'duplicate'],
      [2, 'example', false, 'no_majority'],
      [3, 'variant', false, 'refusal'],
      [3, 'example', true, null],
    ]);
    expect(evidence.map((entry) => entry.detail)).toEqual([
      'topic geometry: 3 of 3 samples agree on “9”, as the solution does',
      'topic geometry: no step states the knowledge it uses ("By definition of …", "By the formula for …")',
      'topic number_theory: majority “7” (2 of 3); the solution says “8”',
      'topic geometry: the problem repeats one already there: “A square has side 3. What is its area?”',
      'topic number_theory: no answer has a strict majority of 3 samples: “6” ×1, “3” ×1, none ×1',
      "topic geometry: the model declined: “I'm sorry, but I can't help with that.”",
      'topic number_theory: 2 of 3 samples agree on “1”, as the solution does',
    ]);
    // Variants name their failed problem (the geometry row with pass rate 0) and show it in the prompt.
    const ids = await db.all<{ id: string; tag: string }>(
      sql`SELECT id, json_extract_string(meta, '$.tag') AS tag FROM ${identifier(`src_${(result.sources[0]?.fingerprint ?? '').slice(0, 16)}`)}`,
    );
    const geo0 = ids.find((row) => row.tag === 'geo0')?.id;
    expect(evidence[0]?.parent).toBe(geo0);
    expect(evidence[0]?.prompt).toContain(
      'A student could not solve this problem on the topic "geometry" (shapes, areas and angles):\n\nWhat is the area of a triangle',
    );
    expect(evidence[1]?.prompt).toContain('Example 1: ');
    expect(evidence[6]?.parent).toBeNull();

    // The rows: training rows tagged, reserve picks under their own source, admitted rows under the first training source.
    const out = readOut(dir);
    expect(out).toHaveLength(15);
    expect(out.filter((row) => row.meta.tag === 'alg0')[0]?.meta.topic).toBe('algebra');
    expect(out.filter((row) => row.meta.tag === 'story')[0]?.meta.topic).toBeUndefined();
    const picked = out.filter((row) => (row.meta.gap as { origin?: string } | undefined)?.origin === 'reserve');
    expect(picked.map((row) => [row.source, row.meta.tag, row.meta.topic]).sort()).toEqual([
      ['pool', 'rgeo0', 'geometry'],
      ['pool', 'rgeo1', 'geometry'],
      ['pool', 'rnt0', 'number_theory'],
    ]);
    const made = out.filter((row) => (row.meta.gap as { origin?: string } | undefined)?.origin === 'generated');
    expect(made.map((row) => row.id).sort()).toEqual([evidence[0]?.id, evidence[6]?.id].sort());
    const variant = made.find((row) => row.id === evidence[0]?.id);
    expect(variant).toMatchObject({
      source: 'main',
      answer: '9',
      messages: [
        { role: 'user', content: SQUARE },
        {
          role: 'assistant',
          content: expect.stringMatching(/^1\. The problem states that .*\n2\. By the formula for the area of a square/),
        },
      ],
      meta: { topic: 'geometry', parent: geo0, gap: { origin: 'generated', kind: 'variant', round: 1, votes: '3/3', answer: '9' } },
    });
    expect(made.find((row) => row.id === evidence[6]?.id)?.meta).toEqual({
      topic: 'number_theory',
      gap: { origin: 'generated', kind: 'example', round: 3, votes: '2/3', answer: '1' },
    });
    // Requests: 3 + 2 + 2 generation requests, 2 + 1 + 1 verifications (k = 3 each).
    expect(server.received).toHaveLength(11);
    expect(server.received.filter((request) => request.n === 3)).toHaveLength(4);
    db.close();
  });

  it('replays the same rows from a recorded cassette, without an endpoint', async () => {
    server = await startModelServer({ respond });
    const dir = files();
    const cassette = join(dir, 'gap.cassette.jsonl');
    const recorded = await runRecipeText(recipe(FULL), dir, { env: { MODEL_URL: server.url }, model: { record: cassette } });
    expect(recorded.result.ok, recorded.result.error?.message).toBe(true);
    recorded.db.close();
    const first = readFileSync(join(dir, 'out.jsonl'), 'utf8');
    expect(existsSync(cassette)).toBe(true);
    const replayed = await runRecipeText(recipe(FULL, 'model: { name: scripted, replay: gap.cassette.jsonl }\n'), dir);
    expect(replayed.result.ok, replayed.result.error?.message).toBe(true);
    replayed.db.close();
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8')).toBe(first);
  });

  it('takes failure rates from a graded file, makes variants of its wrong questions on request, and respects target shares', async () => {
    server = await startModelServer({ respond });
    const graded = [
      { question: 'What is the area of a circle of radius 1?', correct: false },
      { question: 'What is the perimeter of a triangle with sides 1, 1, 1?', correct: true },
      { question: 'Is 21 prime?', correct: false },
      { question: 'Sing a song.', correct: false },
    ];
    const dir = files({ 'graded.jsonl': `${graded.map((row) => JSON.stringify(row)).join('\n')}\n` });
    const text = recipe(
      '{ taxonomy: topics.yaml, target: { algebra: 1, geometry: 1 }, failures: { path: graded.jsonl, variants: true }, ' +
        'generate: { examples_per_gap: 0, variants_per_failure: 1, k: 3 } }',
    );
    const { result, db } = await runRecipeText(text, dir, { env: { MODEL_URL: server.url } });
    expect(result.ok, result.error?.message).toBe(true);
    // Without `reserve`, the `pool` rows are training rows: N = 13, algebra 7, geometry 4, number theory 2.
    // Geometry fails 1 of its 2 graded questions: ⌈6.5 × 1.5⌉ − 4 = 6; algebra ⌈6.5⌉ − 7 = 0; number
    // theory has no target share.
    expect(result.steps[0]?.notes).toEqual([
      'topics: 13 of 15 training row(s) tagged (8 by `type`, 5 by keywords); 2 untagged',
      'failure rates from graded.jsonl: 3 of 4 graded question(s) tagged',
      'need = ⌈target × 13 × (1 + 1 × failure rate)⌉ − rows',
      'topic          rows  share  target    fail  need  reserve  generated  after  share after',
      'algebra           7  53.8%   50.0%       –     0        0          0      7        46.7%',
      'geometry          4  30.8%   50.0%   50.0%     6        0          2      6        40.0%',
      'number_theory     2  15.4%    0.0%  100.0%     0        0          0      2        13.3%',
      'generation: 2 candidate(s) in 1 round(s), 2 admitted',
      'still short: geometry 4',
    ]);
    // Failed problems: the training row with pass rate 0 (`geo0`), then the file's wrong geometry question.
    const evidence = await generations(db, result);
    expect(evidence.map((entry) => [entry.parent?.replace(/^[0-9a-f]{32}$/, '<row id>'), entry.kind, entry.admitted])).toEqual([
      ['graded.jsonl:1', 'variant', true],
      ['<row id>', 'variant', true],
    ]);
    expect(evidence[0]?.prompt).toContain('What is the area of a circle of radius 1?');
    const made = readOut(dir).find((row) => row.id === evidence[0]?.id);
    expect(made?.meta).toEqual({
      topic: 'geometry',
      gap: { origin: 'generated', kind: 'variant', round: 1, votes: '3/3', answer: '2', from: 'graded.jsonl:1' },
    });
    db.close();
  });

  it('tags rows without a topic field with the model, falling back to keywords', async () => {
    server = await startModelServer({ respond });
    const dir = files();
    const { result, db } = await runRecipeText(recipe('{ taxonomy: topics.yaml, classify: model }'), dir, {
      env: { MODEL_URL: server.url },
    });
    expect(result.ok, result.error?.message).toBe(true);
    // 15 rows, 8 with a `type`: 7 asked; 5 answered with a topic, 2 ("poetry") fall back to keywords (and match none).
    // N = 13; geometry (4 rows) fails 75% by pass rate: ⌈13/3 × 1.75⌉ − 4 = 4; number theory ⌈13/3⌉ − 2 = 3.
    expect(server.received).toHaveLength(7);
    expect(result.steps[0]?.notes.slice(0, 2)).toEqual([
      'topics: 13 of 15 training row(s) tagged (8 by `type`, 5 by the model); 2 untagged',
      '2 model answer(s) named no topic of the list: tagged by keywords',
    ]);
    expect(result.steps[0]?.notes).toContain('still short: geometry 4, number_theory 3 (add `generate:` to generate the rest)');
    db.close();
  });

  it('checks the taxonomy and target topics before running', async () => {
    const dir = files({ 'bad.yaml': 'version: 1\ntopics:\n  - name: algebra\n' });
    await expect(runRecipeText(recipe('{ taxonomy: bad.yaml }', ''), dir)).rejects.toThrow(/bad\.yaml:3:5: .*keywords/);
    await expect(runRecipeText(recipe('{ taxonomy: topics.yaml, target: { geometri: 1 } }', ''), dir)).rejects.toThrow(
      'expected a topic of topics.yaml, found `geometri`',
    );
    await expect(runRecipeText(recipe('{ classify: model }'), dir)).rejects.toThrow('expected a `taxonomy` with `classify: model`');
    await expect(runRecipeText(recipe('{ taxonomy: topics.yaml, reserve: poool }', ''), dir)).rejects.toThrow(/recipe\/unknown-source/);
    await expect(runRecipeText(recipe('{ taxonomy: topics.yaml, generate: {} }', ''), dir)).rejects.toThrow(/recipe\/missing-model/);
  });

  it('tags MATH test rows by their `type` through the sample taxonomy’s aliases (real data, when present)', async () => {
    const data = resolve(import.meta.dirname, '../../../shared/data/math/test.jsonl');
    if (!existsSync(data)) return;
    const text = `version: 1
name: math-topics
sources:
  - { id: math, path: ${data}, format: math }
steps:
  - use: gap/fill
    with: { taxonomy: ${resolve(import.meta.dirname, '../../recipes/data/taxonomy/math-topics.yaml')} }
`;
    const { result, db } = await runRecipeText(text, directoryWith({}));
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.steps[0]?.notes[0]).toBe('topics: 5000 of 5000 training row(s) tagged (5000 by `type`); 0 untagged');
    db.close();
  });

  it('measures the sample taxonomy’s keyword classifier on MATH test and GSM8K train (real data, when present)', () => {
    const shared = resolve(import.meta.dirname, '../../../shared/data');
    if (!existsSync(join(shared, 'math/test.jsonl')) || !existsSync(join(shared, 'gsm8k/train.jsonl'))) return;
    const taxonomy = loadTaxonomy('recipes/data/taxonomy/math-topics.yaml', resolve(import.meta.dirname, '../..'));
    const lines = (path: string) =>
      readFileSync(join(shared, path), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, string>);
    // Keywords against MATH's own `type` (what the aliases map it to): the fallback is weak on
    // competition problems, which is why the topic field comes first.
    const math = lines('math/test.jsonl');
    const agree = math.filter((row) => taxonomy.classify(row.problem ?? '') === taxonomy.topicOf(row.type ?? '')).length;
    const none = math.filter((row) => taxonomy.classify(row.problem ?? '') === null).length;
    expect([math.length, agree, none]).toEqual([5000, 2092, 807]);
    // GSM8K has no topic field: the keyword topics of its 7,473 training questions.
    const counts: Record<string, number> = {};
    for (const row of lines('gsm8k/train.jsonl')) {
      const topic = taxonomy.classify(row.question ?? '') ?? 'untagged';
      counts[topic] = (counts[topic] ?? 0) + 1;
    }
    expect(counts).toEqual({
      arithmetic: 3263,
      money: 1490,
      rates_units: 1243,
      fractions_percents: 786,
      untagged: 610,
      counting_probability: 36,
      geometry: 26,
      intermediate_algebra: 18,
      number_theory: 1,
    });
  });
});
