/**
 * The preference adapters and steps on the published example records in ../shared/data (the Eurus
 * README's UltraInteract examples, the UltraFeedback README record), read in place when present and
 * skipped with a visible message when absent. The records are README transcriptions (SOURCE.md), so
 * these tests check schema and selection, not byte-exact text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { identifier, sql } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { ROOT, temporaryDirectory } from '../helpers/cli.js';
import { runRecipeText } from '../helpers/recipes.js';
import { stepVerdicts } from '../steps/evidence.js';

const DATA = join(ROOT, '..', 'shared', 'data');
const files = {
  sft: join(DATA, 'ultrainteract/readme_examples_sft.jsonl'),
  pair: join(DATA, 'ultrainteract/readme_example_pair.jsonl'),
  feedback: join(DATA, 'ultrafeedback/readme_example_record.jsonl'),
  responses: join(DATA, 'ultrafeedback/readme_example_four_responses.json'),
};
const present = Object.values(files).every((file) => existsSync(file));
if (!present) console.warn(`[skipped] real-data preference tests: ${DATA} is absent (it exists only on the project's machines)`);

describe.skipIf(!present)('preference data (../shared/data)', () => {
  it('UltraInteract: 3 SFT rows and 1 pair row, tasks from the record; 4 correct leaves, 1 pair with a 5-turn prompt', async () => {
    const dir = temporaryDirectory();
    const { result, db } = await runRecipeText(
      `version: 1
name: ultrainteract
sources:
  - { id: ui, path: [${files.sft}, ${files.pair}], format: ultrainteract }
steps:
  - use: select/preference-tree
outputs:
  - { format: messages, path: out/sft.jsonl, columns: [task] }
  - { format: preference, path: out/pairs.jsonl }
`,
      dir,
    );
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.sources[0]).toMatchObject({ read: 4, quarantined: 0, kept: 4 });
    expect(result.steps[0]).toMatchObject({ in: 4, kept: 4, dropped: {} });
    // The pair row (turn 3 of a depth-5 tree): two failed turns with feedback, then the chosen action.
    expect(result.steps[0]?.notes).toEqual(['interaction history dropped from 1 row(s) (4 turn(s) removed)']);
    const sft = readFileSync(join(dir, 'out/sft.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { task: string; messages: Array<{ role: string; content: string }> });
    expect(sft.map((row) => row.task)).toEqual(['code', 'math', 'logic', 'math']);
    expect(sft.map((row) => row.messages.length)).toEqual([2, 2, 2, 2]);
    expect(sft[3]?.messages[0]?.content).toMatch(/Simplify \$\(-3-2i\)-\(1\+4i\)\$\.$/);
    expect(sft[3]?.messages[1]?.content).toMatch(/^Step 1: Split the expression into real and imaginary terms\./);
    // Logic/HotpotQA answers end with `Answer:<text>`.
    expect(sft[2]?.messages[1]?.content).toMatch(/Answer:3OH!3$/);
    expect(result.outputs[1]).toMatchObject({ format: 'preference', rows: 1, skipped: 3 });
    const pair = JSON.parse(readFileSync(join(dir, 'out/pairs.jsonl'), 'utf8')) as Record<string, Array<{ role: string; content: string }>>;
    expect(pair.prompt?.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(pair.prompt?.[4]?.content).toMatch(/^Out: \(-2\+2j\)\nYour answer is wrong\./);
    expect(pair.chosen?.[0]?.content).toBe(sft[3]?.messages[1]?.content);
    expect(pair.rejected?.[0]?.content).toMatch(/\(-3\) - 1 - \(-2j\) - 4j/);
    const meta = await db.all<{ meta: string }>(
      sql`SELECT meta::VARCHAR AS meta FROM ${identifier(`src_${result.sources[0]?.fingerprint.slice(0, 16)}`)} ORDER BY ord`,
    );
    expect(meta.map((row) => JSON.parse(row.meta)).map((row) => [row.ui_task, row.dataset, row.depth, row.turn, row.kind])).toEqual([
      ['Coding', 'codecontest', 1, 1, 'sft'],
      ['Math_PoT', 'mathqa', 1, 1, 'sft'],
      ['Logic', 'hotpotqa', 1, 1, 'sft'],
      ['Math_PoT', 'MATH', 5, 3, 'pair'],
    ]);
    db.close();
  });

  it('UltraFeedback: the README record (1 of 4 completions transcribed) has a best mean of 2.75 and no pair', async () => {
    const run = (withParams: string) =>
      runRecipeText(
        `version: 1
name: ultrafeedback
sources:
  - { id: uf, path: ${files.feedback}, format: ultrafeedback }
  - { id: responses, path: ${files.responses}, format: ultrafeedback }
steps:
  - use: select/best-rated
    with: ${withParams}
outputs:
  - { format: preference, path: out/pairs.jsonl }
`,
        temporaryDirectory(),
      );
    const { result, db } = await run('{}');
    expect(result.ok, result.error?.message).toBe(true);
    expect(result.sources[0]).toMatchObject({ read: 1, quarantined: 0 });
    // The "four responses" file carries no annotations: it is not an UltraFeedback record.
    expect(result.sources[1]).toMatchObject({ read: 1, quarantined: 1 });
    const bad = await db.one<{ reason: string; detail: string }>(sql`SELECT reason, detail FROM _quarantine WHERE source = 'responses'`);
    expect(bad).toEqual({ reason: 'missing_field', detail: 'expected field `completions`, found none' });
    expect(result.steps[0]).toMatchObject({ in: 1, kept: 1 });
    const verdicts = await stepVerdicts(db, result);
    expect(JSON.parse(verdicts[0]?.meta ?? '{}').best).toEqual({ index: 1, model: 'falcon-40b-instruct', rating: 2.75, rated: 4 });
    expect(result.steps[0]?.notes).toEqual([
      'overall_score disagrees with the fine-grained choice in 0 of 1 selected row(s) (0 with an overall_score on the chosen completion)',
      '1 selected row(s) without a pair (no completion rated strictly lower)',
    ]);
    expect(result.outputs[0]).toMatchObject({ format: 'preference', rows: 0, skipped: 1 });
    db.close();

    const strict = await run('{ min_rating: 3 }');
    expect(strict.result.steps[0]).toMatchObject({ kept: 0, dropped: { below_min_rating: 1 } });
    const dropped = await stepVerdicts(strict.db, strict.result);
    expect(dropped[0]?.detail).toBe('best mean rating 2.75 < min_rating 3 (completion 1, falcon-40b-instruct)');
    strict.db.close();
  });
});
