/** `decontam/ngram` and `decontam/minhash`: what matches, what does not, evidence, report and checks. */
import { afterEach, describe, expect, it } from 'vitest';
import { chatRows, directoryWith } from '../helpers/cli.js';
import { runRecipeText } from '../helpers/recipes.js';
import { randomWords, stepMatches, stepVerdicts } from './evidence.js';

const evalRows = [
  // A long question and a long answer.
  {
    question:
      'Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four.',
    answer: 'Janet sells 16 - 3 - 4 = 9 duck eggs a day. She makes 9 * 2 = 18 dollars every day at the farmers market. #### 18',
  },
  // A short question (fewer than 8 words) with a short answer.
  { question: 'What is seven times six?', answer: '42' },
];

const evalFile = `${evalRows.map((row, index) => JSON.stringify({ id: `e${index}`, ...row })).join('\n')}\n`;

function recipe(steps: string, extra = '') {
  return `version: 1
name: decon
sources:
  - { id: train, path: train.jsonl }
heldout:
  - { id: bench, path: bench.jsonl, fields: { id: id, prompt: question, response: answer } }
steps:
${steps}
outputs:
  - { format: messages, path: out.jsonl }
${extra}`;
}

const filler = (seed: number) => randomWords(30, seed).join(' ');

describe('decontam/ngram', () => {
  const train: Array<[string, string]> = [
    // 0: 8 words of the eval question, with other case, quotes and punctuation.
    [`${filler(1)} — "JANET'S DUCKS LAY 16 EGGS, PER DAY! She" ${filler(2)}`, filler(3)],
    // 1: 7 words of the question only: below n = 8.
    [`${filler(4)} janets ducks lay 16 eggs per day ${filler(5)}`, filler(6)],
    // 2: 13 words of the answer, inside an assistant turn.
    [filler(7), `${filler(8)} Janet sells 16 - 3 - 4 = 9 duck eggs a day. She makes 9 * 2 ${filler(9)}`],
    // 3: straddles: the question's last 5 words then the answer's first 8 words, in one turn.
    [filler(10), `${filler(11)} her friends every day with four. Janet sells 16 - 3 - 4 = 9 duck ${filler(12)}`],
    // 4: the short eval question as a whole turn (different punctuation and case).
    ['WHAT is seven times six', 'It is 42.'],
    // 5: the short eval question inside a longer turn: not a whole-text match.
    [`So, what is seven times six and then more ${filler(13)}`, filler(14)],
    // 6: clean.
    [filler(15), filler(16)],
  ];
  const dir = () =>
    directoryWith({ 'train.jsonl': chatRows(train.length, (index) => train[index] as [string, string]), 'bench.jsonl': evalFile });

  it('matches prompt 8-grams, answer 13-grams, straddles and whole short items, after normalization', async () => {
    const { result, db } = await runRecipeText(recipe('  - use: decontam/ngram'), dir());
    expect(result.ok, result.error?.message).toBe(true);
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.map((row) => row.keep)).toEqual([false, true, false, false, false, true, true]);
    const details = verdicts.map((row) => row.detail);
    expect(details[0]).toMatch(/^matches bench:[0-9a-f]{32} on prompt \(1 distinct n-gram\): “janets ducks lay 16 eggs per day she”$/);
    expect(details[2]).toMatch(/on answer\+straddle|on answer/);
    expect(details[3]).toMatch(/on straddle \(\d+ distinct n-grams?\): “her friends every day with four janet sells/);
    expect(details[4]).toMatch(/on whole \(1 distinct n-gram\): “what is seven times six”$/);
    const matches = await stepMatches(db, result);
    expect(matches.map((match) => match.scope).sort()).toEqual(['answer', 'prompt', 'straddle', 'whole']);
    expect(JSON.parse(matches.find((match) => match.scope === 'answer')?.ngrams ?? '[]')).toContain(
      'janet sells 16 3 4 9 duck eggs a day she makes 9',
    );
    expect(result.contamination).toEqual([{ eval: 'bench', source: 'train', found: 4, mixed: 0 }]);
    db.close();
  });

  it('looks only at the scopes asked for', async () => {
    const { result, db } = await runRecipeText(recipe('  - use: decontam/ngram\n    with: { scope: [prompt, answer] }'), dir());
    const verdicts = await stepVerdicts(db, result);
    // The straddling row shares no 8-gram of the question and no 13-gram of the answer alone.
    expect(verdicts.map((row) => row.keep)).toEqual([false, true, false, true, false, true, true]);
    db.close();
    const answersOnly = await runRecipeText(recipe('  - use: decontam/ngram\n    with: { scope: answer, search: assistant }'), dir());
    expect((await stepVerdicts(answersOnly.db, answersOnly.result)).map((row) => row.keep)).toEqual([
      true,
      true,
      false,
      true,
      true,
      true,
      true,
    ]);
    answersOnly.db.close();
  });

  it('flags instead of dropping, and recipe checks see flagged rows that reach the mix', async () => {
    const text = recipe(
      '  - use: decontam/ngram\n    with: { action: flag, min_matches: 1 }',
      'checks:\n  - { metric: contamination.bench, max: 0 }\n  - { metric: contamination.bench.found, min: 1 }\n',
    );
    const { result, db } = await runRecipeText(text, dir());
    expect(result.ok).toBe(false);
    expect(result.checks.map((check) => [check.metric, check.value, check.ok])).toEqual([
      ['contamination.bench', 4, false],
      ['contamination.bench.found', 4, true],
    ]);
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.every((row) => row.keep)).toBe(true);
    expect(JSON.parse(verdicts[0]?.meta ?? '{}')).toEqual({ contamination: ['bench'] });
    expect(JSON.parse(verdicts[6]?.meta ?? '{}')).toEqual({});
    db.close();
  });

  it('requires min_matches distinct n-grams with one item', async () => {
    const { result, db } = await runRecipeText(recipe('  - use: decontam/ngram\n    with: { min_matches: 2 }'), dir());
    // Row 2 shares two answer 13-grams; rows 0 (one 8-gram), 3 (one straddle) and 4 (one whole text) fall below 2.
    expect((await stepVerdicts(db, result)).map((row) => row.keep)).toEqual([true, true, false, true, true, true, true]);
    db.close();
  });

  it('reports an unknown eval id at its position', async () => {
    await expect(runRecipeText(recipe('  - use: decontam/ngram\n    with: { against: [bnech] }'), dir())).rejects.toThrow(
      /9:23 recipe\/unknown-source expected a held-out set or source id, found `bnech`/,
    );
  });
});

describe('decontam/minhash', () => {
  it('catches a light paraphrase that shares no 8-gram', async () => {
    const question =
      'A farmer has 12 cows and buys 7 more at the market on Monday. Then 3 cows run away into the woods. How many cows are left on the farm?';
    // A word changed every 7 words or so: no 8-gram survives, most word pairs do.
    const paraphrase =
      'A farmer has 12 cows and purchases 7 more at the market on Monday. Later 3 cows run away into the forest. How many cows are remaining on the farm?';
    const dir = directoryWith({
      'train.jsonl': chatRows(2, (index) => [[paraphrase, filler(20)][index] as string, 'ok']),
      'bench.jsonl': `${JSON.stringify({ id: 'q1', question, answer: '16' })}\n`,
    });
    const ngram = await runRecipeText(recipe('  - use: decontam/ngram\n    with: { scope: prompt }'), dir);
    expect((await stepVerdicts(ngram.db, ngram.result)).map((row) => row.keep)).toEqual([true, true]);
    ngram.db.close();
    const { result, db } = await runRecipeText(recipe('  - use: decontam/minhash'), dir);
    expect(result.ok, result.error?.message).toBe(true);
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.map((row) => row.keep)).toEqual([false, true]);
    expect(verdicts[0]?.detail).toMatch(/^near-duplicate of bench:[0-9a-f]{32} \(Jaccard 0\.\d{3}\): “a farmer has 12 cows/);
    const [match] = await stepMatches(db, result);
    expect(match?.similarity).toBeGreaterThanOrEqual(0.5);
    expect(result.contamination).toEqual([{ eval: 'bench', source: 'train', found: 1, mixed: 0 }]);
    db.close();
  });
});

describe('decontamination with worker threads', () => {
  const savedWorkers = process.env.OVERSIGHT_WORKERS;
  afterEach(() => {
    if (savedWorkers === undefined) delete process.env.OVERSIGHT_WORKERS;
    else process.env.OVERSIGHT_WORKERS = savedWorkers;
  });

  it('finds the same rows and evidence whatever the number of workers (several batches, non-ASCII text)', async () => {
    // 5,000 rows (3 DuckDB chunks): every 97th copies 9 words of the eval question, every 89th the
    // question lightly paraphrased; some rows carry accents, CJK and emoji to take the scanner's slow path.
    const question = evalRows[0]?.question as string;
    // Every fifth word changed: no 8-gram survives, most word pairs do.
    const paraphrase = question
      .split(' ')
      .map((word, index) => (index % 5 === 2 ? `other${index}` : word))
      .join(' ');
    const rows = chatRows(5000, (index) => {
      const words = randomWords(25, index + 100).join(' ');
      if (index % 97 === 5) return [`${words} ${question.split(' ').slice(2, 11).join(' ')}`, 'ok'];
      if (index % 89 === 7) return [paraphrase, 'ok'];
      return [index % 7 === 0 ? `${words} café 猫 naïve 😀 Ωmega` : words, `reply ${index % 11}`];
    });
    const dir = directoryWith({ 'train.jsonl': rows, 'bench.jsonl': evalFile });
    const steps = '  - use: decontam/ngram\n    with: { scope: prompt }\n  - use: decontam/minhash\n    with: { threshold: 0.3 }';
    const outcomes: string[] = [];
    for (const workers of ['0', '1', '2']) {
      process.env.OVERSIGHT_WORKERS = workers;
      const { result, db } = await runRecipeText(recipe(steps), dir);
      expect(result.ok, result.error?.message).toBe(true);
      const ngram = (await stepVerdicts(db, result, 0)).filter((row) => !row.keep).length;
      const minhash = (await stepVerdicts(db, result, 1)).filter((row) => !row.keep).length;
      expect(ngram).toBe(Math.ceil((5000 - 5) / 97));
      expect(minhash).toBe(Math.ceil((5000 - 7) / 89));
      outcomes.push(
        JSON.stringify({
          steps: result.steps.map((step) => step.dropped),
          matches: [await stepMatches(db, result, 0), await stepMatches(db, result, 1)],
        }),
      );
      db.close();
    }
    expect(outcomes[1]).toBe(outcomes[0]);
    expect(outcomes[2]).toBe(outcomes[0]);
  });
});
