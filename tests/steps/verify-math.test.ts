/** `verify/math-answer`: which rows are graded, every drop reason, details, labels and parameters. */
import { describe, expect, it } from 'vitest';
import { directoryWith } from '../helpers/cli.js';
import { runRecipeText } from '../helpers/recipes.js';
import { stepVerdicts } from './evidence.js';

interface MathRow {
  turns: string[];
  gold: string | null;
}

/** Rows with a `messages` list (user/assistant alternating) and a `gold` field. */
function mathRows(rows: MathRow[]): string {
  return `${rows
    .map((row, index) =>
      JSON.stringify({
        id: `m${index}`,
        messages: row.turns.map((content, turn) => ({ role: turn % 2 === 0 ? 'user' : 'assistant', content })),
        gold: row.gold,
      }),
    )
    .join('\n')}\n`;
}

const rows: MathRow[] = [
  // 0: the last \boxed{} matches (a fraction written differently).
  { turns: ['Half of one?', 'It is $\\boxed{\\dfrac{1}{2}}$.'], gold: '0.5' },
  // 1: GSM8K-style answer, wrong.
  { turns: ['Eggs?', 'She sells 9 eggs.\n#### 19'], gold: '18' },
  // 2: no final answer marker at all.
  { turns: ['Eggs?', 'She sells 18 eggs a day.'], gold: '18' },
  // 3: a math row without a gold.
  { turns: ['Eggs?', '#### 18'], gold: null },
  // 4: a gold that cannot be read (an unbalanced box).
  { turns: ['Eggs?', '#### 18'], gold: 'so \\boxed{18' },
  // 5: an extracted answer the grader cannot read.
  { turns: ['Eggs?', 'The answer is: \\foo{18}'], gold: '18' },
  // 6: the gold is a full GSM8K solution; the response uses WizardMath's marker.
  { turns: ['Eggs?', 'The answer is: 18.'], gold: 'Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\n#### 18' },
  // 7: two assistant turns: only the last one is graded (right).
  { turns: ['Eggs?', '#### 17', 'Check again.', '#### 18'], gold: '18' },
  // 8: two assistant turns: the last one is wrong.
  { turns: ['Eggs?', '#### 18', 'Check again.', '#### 17'], gold: '18' },
  // 9: an unreduced fraction (right by value).
  { turns: ['Half?', '\\boxed{\\frac{2}{4}}'], gold: '\\frac{1}{2}' },
  // 10: "A,B" against "A": the prediction says more than the gold.
  { turns: ['Which?', '\\boxed{A,B}'], gold: 'A' },
];

const chatRows = `${[
  {
    id: 'c0',
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello! #### 5' },
    ],
  },
  {
    id: 'c1',
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ],
  },
]
  .map((row) => JSON.stringify(row))
  .join('\n')}\n`;

function recipe(withParams = '', mathTask = 'math') {
  return `version: 1
name: math
sources:
  - { id: math, path: math.jsonl, task: ${mathTask}, fields: { messages: messages, answer: gold, id: id } }
  - { id: chat, path: chat.jsonl }
steps:
  - use: verify/math-answer${withParams ? `\n    with: ${withParams}` : ''}
outputs:
  - { format: messages, path: out.jsonl }
`;
}

const dir = () => directoryWith({ 'math.jsonl': mathRows(rows), 'chat.jsonl': chatRows });

describe('verify/math-answer', () => {
  it('grades the last assistant turn of math rows against the gold, one reason per failure, and passes other rows', async () => {
    const { result, db } = await runRecipeText(recipe(), dir());
    expect(result.ok, result.error?.message).toBe(true);
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts.map((row) => [row.source, row.keep, row.reason])).toEqual([
      ['math', true, null],
      ['math', false, 'answer_mismatch'],
      ['math', false, 'no_final_answer'],
      ['math', false, 'no_gold'],
      ['math', false, 'unparseable_gold'],
      ['math', false, 'unparseable_answer'],
      ['math', true, null],
      ['math', true, null],
      ['math', false, 'answer_mismatch'],
      ['math', true, null],
      ['math', false, 'answer_mismatch'],
      ['chat', true, null],
      ['chat', true, null],
    ]);
    const details = verdicts.map((row) => row.detail);
    expect(details[0]).toBe('“\\frac{1}{2}” = gold “0.5” via boxed (rational)');
    expect(details[1]).toBe('extracted “19” via abel → “19” ≠ gold “18” (rational)');
    expect(details[2]).toBe('no final answer in the last assistant turn; gold “18”');
    expect(details[3]).toBe('no gold answer in the `answer` column');
    expect(details[4]).toMatch(/^gold cannot be read as an answer/);
    expect(details[5]).toBe('extracted “\\foo{18}” via wizardmath cannot be read as an answer; gold “18”');
    expect(details[6]).toBe('“18” = gold “18” via wizardmath (exact)');
    expect(details[10]).toBe('extracted “A,B” via boxed → “A,B” ≠ gold “A” (structure)');
    // Rows that are not math and have no gold are not graded at all.
    expect(details.slice(11)).toEqual([null, null]);
    expect(result.steps[0]).toMatchObject({
      in: 13,
      kept: 6,
      dropped: { answer_mismatch: 3, no_final_answer: 1, no_gold: 1, unparseable_answer: 1, unparseable_gold: 1 },
    });
    expect(result.steps[0]?.notes.at(-1)).toBe(
      'strict (extract: abel → gsm8k → wizardmath → boxed → minerva → a-colon): 4 of 10 graded row(s) correct; ' +
        '1 math row(s) without a gold (dropped); 2 other row(s) passed through',
    );
    // Kept graded rows carry what was extracted and compared in meta.math_answer.
    expect(JSON.parse(verdicts[0]?.meta ?? '{}')).toEqual({
      math_answer: { grader: 'strict', correct: true, extractor: 'boxed', extracted: '\\dfrac{1}{2}', pred: '\\frac{1}{2}', gold: '0.5' },
    });
    expect(verdicts[11]?.meta).toBe('{}');
    db.close();
  });

  it('keeps math rows without a gold with `on_missing_gold: keep`', async () => {
    const { result, db } = await runRecipeText(recipe('{ on_missing_gold: keep }'), dir());
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts[3]).toMatchObject({ keep: true, reason: null, detail: null });
    expect(result.steps[0]?.notes.at(-1)).toMatch(/1 math row\(s\) without a gold \(kept\)/);
    db.close();
  });

  it('grades a row with a gold whatever its task, and leaves a non-math row without one alone', async () => {
    const { result, db } = await runRecipeText(recipe('', 'chat'), dir());
    const verdicts = await stepVerdicts(db, result);
    // Row 3 has no gold and is no longer a math row: it passes through.
    expect(verdicts.map((row) => row.reason)).toEqual([
      null,
      'answer_mismatch',
      'no_final_answer',
      null,
      'unparseable_gold',
      'unparseable_answer',
      null,
      null,
      'answer_mismatch',
      null,
      'answer_mismatch',
      null,
      null,
    ]);
    expect(verdicts[3]?.detail).toBeNull();
    db.close();
  });

  it('tries only the extractors given in `extract`, in order', async () => {
    const { result, db } = await runRecipeText(recipe('{ extract: [boxed] }'), dir());
    const verdicts = await stepVerdicts(db, result);
    // `#### 18` and `The answer is: 18` are no final answer for a boxed-only grader.
    expect(verdicts[6]).toMatchObject({ keep: false, reason: 'no_final_answer' });
    expect(verdicts[7]).toMatchObject({ keep: false, reason: 'no_final_answer' });
    expect(verdicts[0]).toMatchObject({ keep: true });
    expect(result.steps[0]?.notes.at(-1)).toMatch(/^strict \(extract: boxed\): /);
    db.close();
  });

  it('drops unreduced fractions with `require_reduced_fractions: true`', async () => {
    const { result, db } = await runRecipeText(recipe('{ require_reduced_fractions: true }'), dir());
    const verdicts = await stepVerdicts(db, result);
    expect(verdicts[9]).toMatchObject({ keep: false, reason: 'answer_mismatch' });
    expect(verdicts[9]?.detail).toMatch(/\(unreduced_fraction\)$/);
    db.close();
  });

  it('rejects an unknown grader with a suggestion, and `extract` with a grader other than strict', async () => {
    await expect(runRecipeText(recipe('{ grader: strikt }'), dir())).rejects.toThrow(/found `strikt`; did you mean `strict`\?/);
    await expect(runRecipeText(recipe('{ extract: [boxd] }'), dir())).rejects.toThrow(/invalid recipe/);
  });
});
