/**
 * `evolve/instruct` — Math Evol-Instruct: the recipe's model rewrites each math problem into harder
 * (upward: add constraints, concretize, more reasoning) and easier (downward: simplify, a new easier
 * problem) versions over N rounds, round r evolving the problems admitted in round r−1. An evolved
 * problem has no gold, so k solutions are sampled and it is admitted only when a strict majority of
 * them agree on the final answer (strict-grader equivalence); that answer becomes its gold and the
 * first agreeing solution its response. Every input row is kept; admitted problems are added as rows.
 *
 * Rejection reasons (of candidates, in the `generations` evidence table; no input row is dropped):
 * `truncated`, `refusal`, `too_short`, `copied_input` (word-set Jaccard with the parent ≥
 * `copy_threshold`), `no_answer` (at most half of the samples have a final answer), `no_majority`.
 * Cost: per candidate one evolution request and one answer request with `n: samples`, cached by the
 * model client; at most `rows × per_row^rounds` candidates in all.
 * Method: WizardMath's Math Evol-Instruct (METHODS.md §3.1), with self-consistency voting in place of
 * its unreleased reward models.
 */
import { createHash } from 'node:crypto';
import { type ChatRequest, defineStep, MESSAGES_TYPE, type ModelPort, OversightError, rawSql, sql } from '@oversight/core';
import { z } from 'zod';
import { answerMessages, DEFAULT_ANSWER_PROMPT, lastUserTurn, parseRowMessages } from '../sample/answer-prompt.js';
import { BufferedWriter } from '../sample/buffered-writer.js';
import { majorityAnswer } from '../verify/majority.js';
import { parseEvolved, type ScreenReason, screenEvolved } from './screen.js';
import { EVOLUTION_KINDS, type EvolutionKind, evolutionMessages, expandKinds, KIND_NAMES, kindsFor } from './templates.js';

const params = z.strictObject({
  kinds: z
    .array(z.enum(KIND_NAMES))
    .min(1)
    .default([...EVOLUTION_KINDS])
    .describe(
      'Evolutions to apply: `add_constraints`, `concretize`, `increase_reasoning` (upward, harder), `simplify`, `new_easier` ' +
        '(downward, easier); `upward` / `downward` stand for their three / two. Default: all five.',
    ),
  rounds: z
    .int()
    .min(1)
    .max(8)
    .default(1)
    .describe('Rounds of evolution: round 1 evolves the input problems, round r the problems admitted in round r−1.'),
  per_row: z
    .int()
    .min(1)
    .optional()
    .describe(
      'Evolutions tried per problem per round; default all of `kinds`. With fewer, each problem gets that many consecutive kinds ' +
        'from an offset drawn from its id and the round, so problems spread over the kinds.',
    ),
  samples: z
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe('Solutions sampled per evolved problem (one request, `n: samples`); a strict majority must agree.'),
  temperature: z.number().min(0).max(2).default(0.7).describe('Sampling temperature of the solutions.'),
  evolve_temperature: z.number().min(0).max(2).default(0.7).describe('Sampling temperature of the evolution requests.'),
  max_tokens: z.int().positive().optional().describe("Completion length limit of every request; default the recipe's `model.max_tokens`."),
  prompt: z
    .string()
    .default(DEFAULT_ANSWER_PROMPT)
    .describe(
      "How to ask for a solution of an evolved problem, as `sample/rejection`'s `prompt`: a system message, or a user template with " +
        '`{problem}`. The default ends solutions with `The answer is: X`.',
    ),
  min_words: z.int().min(1).default(8).describe('An evolved problem with fewer words is rejected (`too_short`).'),
  copy_threshold: z
    .number()
    .gt(0)
    .max(1)
    .default(0.9)
    .describe('An evolved problem whose word-set Jaccard with its parent is at or above this is rejected (`copied_input`).'),
});

type Params = z.infer<typeof params>;
type Reason = ScreenReason | 'no_answer' | 'no_majority';

/** Input problems evolved together (all rounds of their lineages) in one batch. */
const BATCH = 256;

/** A problem to evolve: an input row, or a problem admitted in the previous round. */
interface Parent {
  id: string;
  source: string;
  problem: string;
}

/** One evolution attempt. */
interface Candidate {
  parent: Parent;
  kind: EvolutionKind;
  round: number;
  id: string;
  problem: string;
  reason: Reason | null;
  detail: string;
  answer?: string;
  response?: string;
  agreement?: number;
}

/** The `evolve/instruct` step (see the file comment and docs/generation.md). */
export const evolveInstruct = defineStep({
  id: 'evolve/instruct',
  version: 1,
  summary: 'Evol-Instruct for math: harder and easier rewrites of each problem, admitted when k sampled answers agree.',
  description:
    "Each math row (task `math`, or a non-`code` row with a gold) has its last user turn rewritten by the recipe's model, one " +
    'request per evolution kind (`kinds`, at most `per_row` per problem per round): upward into a harder problem (add a ' +
    'constraint, make it concrete, require more reasoning) or downward into an easier one (simplify it, or a new easier problem ' +
    'on another topic); the prompts are shown in docs/generation.md. The reply is screened: cut off at the token limit ' +
    '(`truncated`), a refusal (`refusal`), fewer than `min_words` words (`too_short`), or nearly its parent (`copied_input`: ' +
    'Jaccard of normalized word sets ≥ `copy_threshold`). A screened problem gets `samples` solutions in one request; it is ' +
    "admitted only when a strict majority agree on the final answer, compared with the strict grader's equivalence (`no_answer` " +
    'when at most half give one, `no_majority` otherwise). An admitted problem becomes a new row: id = md5 of parent id, kind, ' +
    "round and text; the parent's `source`; task `math`; messages [user: problem, assistant: the first majority solution]; " +
    '`answer` = the majority answer; `meta.parent` = the parent id and `meta.evolution = {kind, round, agreement}`. With ' +
    '`rounds: N`, round r evolves the problems admitted in round r−1, so lineage chains through `meta.parent`. Input rows are all ' +
    'kept. Every candidate, admitted or not, is in the `generations` evidence table (id, parent, kind, round, admitted, reason, ' +
    "detail, prompt = the evolved problem). Method: WizardMath's Math Evol-Instruct, majority voting in place of its reward models.",
  effect: 'augment',
  params,
  reasons: ['truncated', 'refusal', 'too_short', 'copied_input', 'no_answer', 'no_majority'],
  usesModel: () => true,
  run: async (context, options) => {
    const { db } = context;
    const model = context.model();
    const kinds = expandKinds(options.kinds);
    const generations = context.scratch('generations');
    await db.run(
      sql`CREATE TEMP TABLE ${generations} (id VARCHAR, parent VARCHAR, kind VARCHAR, round INTEGER, admitted INTEGER, reason VARCHAR, detail VARCHAR, prompt VARCHAR)`,
    );
    const admitted = context.scratch('admitted');
    await db.run(
      sql`CREATE TEMP TABLE ${admitted} (id VARCHAR, source VARCHAR, problem VARCHAR, response VARCHAR, answer VARCHAR, parent VARCHAR, kind VARCHAR, round INTEGER, agreement DOUBLE)`,
    );
    const generationWriter = new BufferedWriter(
      await db.columnWriter(generations, ['varchar', 'varchar', 'varchar', 'integer', 'integer', 'varchar', 'varchar', 'varchar']),
    );
    const admittedWriter = new BufferedWriter(
      await db.columnWriter(admitted, ['varchar', 'varchar', 'varchar', 'varchar', 'varchar', 'varchar', 'varchar', 'integer', 'double']),
    );
    const perRound = Array.from({ length: options.rounds }, () => ({ candidates: 0, admitted: 0, rejected: new Map<Reason, number>() }));
    let evolvable = 0;
    let unevolvable = 0;
    let done = 0;
    const evolveBatch = async (batch: Parent[]) => {
      let parents = batch;
      for (let round = 1; round <= options.rounds && parents.length > 0; round++) {
        const candidates = await evolveRound(parents, round, kinds, options, model);
        const stats = perRound[round - 1] as (typeof perRound)[number];
        const next: Parent[] = [];
        for (const candidate of candidates) {
          stats.candidates++;
          generationWriter.push([
            candidate.id,
            candidate.parent.id,
            candidate.kind,
            candidate.round,
            candidate.reason === null ? 1 : 0,
            candidate.reason,
            candidate.detail,
            candidate.problem,
          ]);
          if (candidate.reason !== null) {
            stats.rejected.set(candidate.reason, (stats.rejected.get(candidate.reason) ?? 0) + 1);
            continue;
          }
          stats.admitted++;
          admittedWriter.push([
            candidate.id,
            candidate.parent.source,
            candidate.problem,
            candidate.response,
            candidate.answer,
            candidate.parent.id,
            candidate.kind,
            candidate.round,
            candidate.agreement,
          ]);
          next.push({ id: candidate.id, source: candidate.parent.source, problem: candidate.problem });
        }
        parents = next;
      }
      done += batch.length;
      context.progress(done / Math.max(1, evolvable));
    };
    try {
      const counted = await db.one<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM ${context.input} WHERE ${IN_SCOPE}`);
      evolvable = counted?.n ?? 0;
      let batch: Parent[] = [];
      for await (const [ids, sources, conversations] of db.streamCommitted(
        sql`SELECT id, source, to_json(messages)::VARCHAR FROM ${context.input} WHERE ${IN_SCOPE} ORDER BY _ord`,
      )) {
        if (context.signal.aborted) throw new OversightError('run/interrupted', 'run interrupted');
        const size = ids?.length ?? 0;
        for (let index = 0; index < size; index++) {
          const id = String(ids?.[index]);
          const problem = lastUserTurn(parseRowMessages(conversations?.[index], `evolve/instruct: row ${id}`))?.trim() ?? '';
          if (problem === '') {
            unevolvable++;
            continue;
          }
          batch.push({ id, source: String(sources?.[index]), problem });
          if (batch.length >= BATCH) {
            await evolveBatch(batch);
            batch = [];
          }
        }
      }
      if (batch.length > 0) await evolveBatch(batch);
    } finally {
      generationWriter.close();
      admittedWriter.close();
    }

    await db.run(sql`CREATE TABLE ${context.table('generations')} AS
      SELECT id, parent, kind, round, admitted = 1 AS admitted, reason, detail, prompt FROM ${generations} ORDER BY round, parent, kind`);
    await db.run(sql`CREATE TABLE ${context.table('rows')} AS
      SELECT id, source, 'math' AS task,
             [{'role': 'user', 'content': problem}, {'role': 'assistant', 'content': response}]::${rawSql(MESSAGES_TYPE)} AS messages,
             answer,
             json_object('parent', parent, 'evolution', json_object('kind', kind, 'round', round, 'agreement', agreement)) AS meta
      FROM ${admitted}`);
    perRound.forEach((stats, index) => {
      if (stats.candidates === 0) return;
      const rejected = [...stats.rejected.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([reason, count]) => `${reason} ${count}`)
        .join(', ');
      context.note(
        `round ${index + 1}: ${stats.candidates} candidate(s), ${stats.admitted} admitted${rejected ? `; rejected: ${rejected}` : ''}`,
      );
    });
    if (unevolvable > 0) context.note(`${unevolvable} math row(s) without a user turn to evolve were left as they are`);
    context.note(
      `${evolvable - unevolvable} problem(s) evolved with ${kinds.join(', ')}${options.per_row ? ` (${options.per_row} per problem per round)` : ''}`,
    );
  },
});

/** The rows this step evolves: math rows, and non-code rows with a gold. */
const IN_SCOPE = rawSql(`(task = 'math' OR (task IS DISTINCT FROM 'code' AND answer IS NOT NULL AND trim(answer) <> ''))`);

/** One round over `parents`: evolve, screen, sample, vote. */
async function evolveRound(
  parents: readonly Parent[],
  round: number,
  kinds: readonly EvolutionKind[],
  options: Params,
  model: ModelPort,
): Promise<Candidate[]> {
  const limit = options.max_tokens !== undefined ? { max_tokens: options.max_tokens } : {};
  const attempts = parents.flatMap((parent) => kindsFor(parent.id, round, kinds, options.per_row).map((kind) => ({ parent, kind })));
  const evolutions = await model.completeAll(
    attempts.map(
      ({ parent, kind }): ChatRequest => ({
        messages: evolutionMessages(kind, parent.problem),
        n: 1,
        temperature: options.evolve_temperature,
        ...limit,
      }),
    ),
  );
  const candidates: Candidate[] = attempts.map(({ parent, kind }, index) => {
    const choice = evolutions[index]?.choices[0];
    const reply = choice?.content ?? '';
    const problem = parseEvolved(reply);
    const screened = screenEvolved(reply, problem, parent.problem, choice?.finishReason ?? null, {
      minWords: options.min_words,
      copyThreshold: options.copy_threshold,
    });
    return {
      parent,
      kind,
      round,
      id: candidateId(parent.id, kind, round, problem),
      problem: problem === '' ? reply.trim() : problem,
      reason: screened.ok ? null : screened.reason,
      detail: screened.ok ? '' : screened.detail,
    };
  });
  const screened = candidates.filter((candidate) => candidate.reason === null);
  const answers = await model.completeAll(
    screened.map(
      (candidate): ChatRequest => ({
        messages: answerMessages([{ role: 'user', content: candidate.problem }], options.prompt),
        n: options.samples,
        temperature: options.temperature,
        ...limit,
      }),
    ),
  );
  screened.forEach((candidate, index) => {
    const contents = answers[index]?.choices.map((choice) => choice.content) ?? [];
    if (contents.length !== options.samples) {
      throw new OversightError(
        'model/bad-response',
        `evolve/instruct: expected ${options.samples} samples for evolved problem ${candidate.id}, found ${contents.length}`,
      );
    }
    const vote = majorityAnswer(contents);
    candidate.detail = vote.detail;
    if (!vote.ok) {
      candidate.reason = vote.reason;
      return;
    }
    candidate.answer = vote.answer;
    candidate.response = contents[vote.sample - 1] as string;
    candidate.agreement = vote.agreement;
  });
  return candidates;
}

/** A candidate's id: md5 over parent id, kind, round and text (the ids of canonical rows are md5 too). */
export function candidateId(parent: string, kind: string, round: number, problem: string): string {
  return createHash('md5')
    .update([parent, kind, String(round), problem].join('\u001f'))
    .digest('hex');
}
