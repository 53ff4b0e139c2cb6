/**
 * `gap/fill` — Abel's knowledge-gap fill-in, made concrete: find the topics the training set covers
 * too thinly or the base model fails on, and add rows for them, first from a reserve pool, then by
 * generation, every generated row verified before it is admitted.
 *
 * 1. Tag: a row's topic is its topic field (`meta.type`, MATH's subject; mapped through the
 *    taxonomy's names and aliases when a taxonomy is given), else the taxonomy's keyword classifier,
 *    or the model (`classify: model`, falling back to keywords when its answer names no topic).
 *    Training rows get `meta.topic`.
 * 2. Measure: coverage per topic (rows, share) against the target shares, and the base model's
 *    failure rate per topic, from a graded eval file (`failures:`) or from `meta.pass_rate`.
 * 3. Fill: need per topic by the formula in `plan.ts`; rows of the reserve source with the topic
 *    first (ranked by md5(seed:id)); then `generate:` asks the model for easier variants of failed
 *    problems and worked examples that state the missing knowledge ("By definition of …"). A
 *    candidate is admitted only when k verifier answers have a strict majority (strict grader) and
 *    its own final answer equals it; every candidate goes to the `generations` evidence table.
 *
 * Reasons (verdicts): `reserve_pool` — every reserve row reaching the step leaves the pipeline; the
 * ones picked come back as new rows. Candidate reasons (evidence only): `refusal`, `malformed`,
 * `no_knowledge_step`, `no_answer`, `duplicate`, `no_majority`, `answer_disagrees`.
 * Cost: JS over the input; with `generate:`, one request per topic and per failed problem (n
 * candidates each) and one verification request per candidate (n = k), all cached by the client.
 * Method: "Parental Oversight" (GAIR-NLP/abel README: address knowledge gaps; explicit knowledge
 * citations in Abel's outputs, METHODS.md §1.2); self-consistency screening as in Evol-Instruct.
 */
import { createHash } from 'node:crypto';
import {
  type ChatRequest,
  defineStep,
  didYouMean,
  MESSAGES_TYPE,
  OversightError,
  type ParamProblem,
  rawSql,
  type StepContext,
  sql,
} from '@oversight/core';
import { z } from 'zod';
import { answersEquivalent, finalAnswer, majorityAnswer } from '../verify/majority.js';
import { type GradedItem, readFailures } from './failures.js';
import { planGaps, type TopicCoverage } from './plan.js';
import {
  classifierMessages,
  GENERATOR_SYSTEM,
  KNOWLEDGE_STEP,
  parseCandidate,
  parseTopicAnswer,
  quote,
  variantPrompt,
  verifierMessages,
  workedExamplePrompt,
} from './prompts.js';
import { loadTaxonomy, type Taxonomy } from './taxonomy.js';

/** Why a generated candidate was not admitted. */
export const CANDIDATE_REASONS = [
  'refusal',
  'malformed',
  'no_knowledge_step',
  'no_answer',
  'duplicate',
  'no_majority',
  'answer_disagrees',
] as const;
type CandidateReason = (typeof CANDIDATE_REASONS)[number];

const generateSchema = z
  .strictObject({
    examples_per_gap: z
      .int()
      .min(0)
      .max(256)
      .default(4)
      .describe('Worked examples asked per gap topic and round (at most what the topic still needs).'),
    variants_per_failure: z
      .int()
      .min(0)
      .max(16)
      .default(2)
      .describe('Easier variants asked per failed problem of a gap topic (asked before worked examples).'),
    k: z.int().min(2).max(32).default(5).describe('Verifier answers per candidate; a strict majority must agree.'),
    rounds: z
      .int()
      .min(1)
      .max(5)
      .default(1)
      .describe('Generation rounds: each round asks again for what the rejected candidates left unfilled (another seed).'),
    temperature: z.number().min(0).max(2).default(0.8).describe('Sampling temperature of the generator.'),
    verify_temperature: z.number().min(0).max(2).default(0.7).describe('Sampling temperature of the k verifier answers.'),
    max_tokens: z
      .int()
      .positive()
      .optional()
      .describe("Completion limit of generator and verifier; default the recipe's `model.max_tokens`."),
    examples_shown: z.int().min(0).max(5).default(2).describe('Training problems of the topic shown to the generator as level anchors.'),
  })
  .describe('Generate rows for what the reserve cannot fill (needs the recipe model).');

const params = z
  .strictObject({
    taxonomy: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Topic taxonomy YAML, relative to the recipe (format in docs/gap-fill.md; sample: recipes/data/taxonomy/math-topics.yaml).',
      ),
    topic_field: z
      .string()
      .min(1)
      .default('type')
      .describe("`meta` key holding a row's topic when present (MATH's `type`); mapped through the taxonomy's names and aliases."),
    classify: z
      .enum(['keywords', 'model'])
      .default('keywords')
      .describe(
        'How rows without a topic field are tagged: the taxonomy `keywords` (default) or the recipe `model` (one topic of the list).',
      ),
    target: z
      .union([z.literal('uniform'), z.record(z.string(), z.number().min(0))])
      .default('uniform')
      .describe(
        'Target share per topic (`{algebra: 2, geometry: 1}`, normalised) or `uniform` over the taxonomy topics (or, without a taxonomy, the topics found).',
      ),
    failures: z
      .strictObject({
        path: z.string().min(1).describe('JSONL of graded questions, relative to the recipe.'),
        prompt_field: z.string().min(1).default('question').describe('Field holding the question.'),
        correct_field: z.string().min(1).default('correct').describe('Field saying whether the base model was right (true/false or 1/0).'),
        topic_field: z.string().min(1).optional().describe('Field holding the topic; without it, questions are tagged like training rows.'),
        variants: z
          .boolean()
          .default(false)
          .describe(
            "Also make easier variants of this file's wrong questions (never for an eval set you report on: that is contamination).",
          ),
      })
      .optional()
      .describe("The base model's graded answers (e.g. `oversight grade --out` joined with the questions): failure rate per topic."),
    failure_boost: z.number().min(0).default(1).describe('β in need = ⌈τ·N·(1 + β·failure rate)⌉ − rows.'),
    failed_below: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('A training row with `meta.pass_rate` below this is a failed problem: a seed for easier variants.'),
    max_per_topic: z.int().positive().optional().describe('At most this many rows added per topic.'),
    reserve: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Source id whose rows only fill gaps: its rows leave the pipeline here (`reserve_pool`) and the ones picked come back as new rows.',
      ),
    generate: generateSchema.optional(),
    seed: z.int().default(0).describe('Seed of the reserve ranking and of generation requests.'),
  })
  .superRefine((value, context) => {
    if (value.classify === 'model' && value.taxonomy === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['classify'],
        message: 'expected a `taxonomy` with `classify: model` (the model picks one of its topics), found none',
      });
    }
    if (typeof value.target === 'object') {
      const shares = Object.values(value.target);
      if (shares.length === 0 || shares.every((share) => share === 0)) {
        context.addIssue({ code: 'custom', path: ['target'], message: 'expected at least one positive target share, found none' });
      }
    }
  });

type Params = z.infer<typeof params>;

/** SQL: the user turns (the problem), joined by blank lines. */
const PROBLEM = sql`coalesce(array_to_string(list_transform(list_filter(messages, m -> m.role = 'user'), m -> m.content), chr(10) || chr(10)), '')`;

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const normalized = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();
/** Sorts by a string key computed once per item (ties keep their order). */
function rankBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return items
    .map((item, index) => ({ item, key: key(item), index }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index))
    .map(({ item }) => item);
}
const percent = (value: number) => `${(Math.round(value * 1000) / 10).toFixed(1)}%`;

type InputRow = {
  id: string;
  source: string;
  problem: string;
  field: string | null;
  pass_rate: number | null;
};

interface Tagged {
  topic: string | null;
  via: 'field' | 'keywords' | 'model' | null;
}

/** A failed problem to make easier variants of. */
interface FailedProblem {
  /** Row id, or `file:line` for a question of the failures file. */
  parent: string;
  /** True when `parent` is a training row's id. */
  fromRow: boolean;
  problem: string;
  topic: string;
}

/** A candidate as it goes through the checks. */
interface Candidate {
  id: string;
  parent: string | null;
  /** True when `parent` is a training row's id (it becomes `meta.parent`). */
  fromRow: boolean;
  kind: 'example' | 'variant';
  round: number;
  topic: string;
  prompt: string;
  problem: string;
  solution: string;
  answer: string;
}

/** An admitted candidate and its vote. */
interface Admitted extends Candidate {
  votes: number;
  of: number;
}

interface Evidence {
  id: string;
  parent: string | null;
  kind: string;
  round: number;
  admitted: boolean;
  reason: CandidateReason | null;
  detail: string;
  prompt: string;
}

export const gapFill = defineStep({
  id: 'gap/fill',
  version: 1,
  summary: 'Fill topic gaps (coverage and base-model failures): reserve rows first, then verified generated rows.',
  description:
    "Abel's knowledge-gap fill-in. Tags rows with a topic (`meta.type` when present, else a taxonomy's keywords or the model), measures " +
    "coverage per topic against `target` shares and the base model's failure rate per topic (a graded `failures:` file, else " +
    '`meta.pass_rate`), and adds need = ⌈τ·N·(1 + β·failure rate)⌉ − rows per topic: first rows of the `reserve` source with the topic ' +
    '(their source id kept, `meta.gap = {origin: reserve, from}`), then, with `generate:`, easier variants of failed problems and worked ' +
    'examples whose steps state the missing knowledge ("By definition of …", "By the formula for …"). A generated candidate is admitted ' +
    "only when k verifier answers have a strict majority under the strict grader and the candidate's own final answer equals it; it " +
    'then joins the rows with a new id, the source of the first training row, `meta.topic`, `meta.gap = {origin: generated, kind, round, ' +
    'votes, answer}` and `meta.parent` for variants of training rows. Every candidate, admitted or not, is kept in the `generations` ' +
    'evidence table with its reason (`refusal`, `malformed`, `no_knowledge_step`, `no_answer`, `duplicate`, `no_majority`, ' +
    '`answer_disagrees`) and prompt. Rows of the reserve source leave the pipeline here (`reserve_pool`), so the reserve needs no mix ' +
    'weight of 0. The note prints coverage before and after per topic. See docs/gap-fill.md.',
  effect: 'augment',
  params,
  reasons: ['reserve_pool'],
  usesModel: (options) => options.classify === 'model' || options.generate !== undefined,
  datasets: (options) => (options.reserve ? [{ id: options.reserve, path: ['reserve'] }] : []),
  files: (options) => [options.taxonomy, options.failures?.path].filter((path): path is string => path !== undefined),
  check: async (options, context) => {
    const problems: ParamProblem[] = [];
    let taxonomy: Taxonomy | null = null;
    if (options.taxonomy) {
      try {
        taxonomy = loadTaxonomy(options.taxonomy, context.recipeDir);
      } catch (error) {
        problems.push({ path: ['taxonomy'], message: (error as Error).message });
      }
    }
    if (taxonomy && typeof options.target === 'object') {
      const names = taxonomy.topics.map((topic) => topic.name);
      for (const topic of Object.keys(options.target)) {
        if (names.includes(topic)) continue;
        const suggestion = didYouMean(topic, names);
        problems.push({
          path: ['target', topic],
          message: `expected a topic of ${options.taxonomy}, found \`${topic}\``,
          hint: suggestion ? `did you mean \`${suggestion}\`?` : `topics: ${names.join(', ')}`,
        });
      }
    }
    if (options.failures) {
      try {
        readFailures(options.failures, context.recipeDir);
      } catch (error) {
        problems.push({ path: ['failures', 'path'], message: (error as Error).message });
      }
    }
    return problems;
  },
  run: async (context, options) => {
    const { db } = context;
    const taxonomy = options.taxonomy ? loadTaxonomy(options.taxonomy, context.recipeDir) : null;
    const reserveId = options.reserve ?? null;
    if (reserveId !== null && context.dataset(reserveId).kind !== 'source') {
      throw new OversightError(
        'step/bad-params',
        `gap/fill: expected \`reserve\` to name a training source, found held-out set \`${reserveId}\``,
        {
          hint: 'declare the reserve pool under `sources:`',
        },
      );
    }

    // 1. Read and tag.
    const rows = await db.all<InputRow>(
      sql`SELECT id, source, ${PROBLEM} AS problem, json_extract_string(meta, ${`$.${options.topic_field}`}) AS field,
            TRY_CAST(json_extract_string(meta, '$.pass_rate') AS DOUBLE) AS pass_rate
          FROM ${context.input} ORDER BY _ord`,
    );
    const items = options.failures ? readFailures(options.failures, context.recipeDir) : [];
    const tagger = new Tagger(context, options, taxonomy);
    const rowTags = await tagger.tagAll(rows.map((row) => ({ problem: row.problem, field: row.field })));
    const itemTags = await tagger.tagAll(items.map((item) => ({ problem: item.prompt, field: item.topic })));
    const training = rows.map((row, index) => ({ row, tag: rowTags[index] as Tagged })).filter(({ row }) => row.source !== reserveId);
    const pool = rows.map((row, index) => ({ row, tag: rowTags[index] as Tagged })).filter(({ row }) => row.source === reserveId);

    // 2. Coverage and failure rates.
    const counts = new Map<string, number>();
    for (const { tag } of training) if (tag.topic !== null) counts.set(tag.topic, (counts.get(tag.topic) ?? 0) + 1);
    const target: Array<[string, number]> =
      typeof options.target === 'object'
        ? Object.entries(options.target)
        : (taxonomy ? taxonomy.topics.map((topic) => topic.name) : [...counts.keys()].sort()).map((topic) => [topic, 1]);
    const failures = failureRates(options.failures ? 'file' : 'pass_rate', items, itemTags, training);
    const plan = planGaps({ counts, target, failures, boost: options.failure_boost, maxPerTopic: options.max_per_topic });
    const remaining = new Map(plan.map((entry) => [entry.topic, entry.need]));

    // 3a. The reserve pool, ranked by md5(seed:reserve:id) within each topic.
    const picks: Array<{ id: string; newId: string; topic: string }> = [];
    const fromReserve = new Map<string, number>();
    for (const entry of plan) {
      const candidates = rankBy(
        pool.filter(({ tag }) => tag.topic === entry.topic).map(({ row }) => row.id),
        (id) => md5(`${options.seed}:reserve:${id}`),
      );
      const taken = candidates.slice(0, remaining.get(entry.topic) ?? 0);
      for (const id of taken) picks.push({ id, newId: md5(`gap/fill\u001freserve\u001f${id}`), topic: entry.topic });
      fromReserve.set(entry.topic, taken.length);
      remaining.set(entry.topic, (remaining.get(entry.topic) ?? 0) - taken.length);
    }

    // 3b. Generation.
    const evidence: Evidence[] = [];
    const admitted: Admitted[] = [];
    const generated = new Map<string, number>();
    if (options.generate && [...remaining.values()].some((need) => need > 0)) {
      const failed: FailedProblem[] = [];
      // Hardest first (lowest pass rate), ties by md5(seed:variant:id).
      const ranked = rankBy(
        training.filter(
          ({ row, tag }) => tag.topic !== null && row.pass_rate !== null && row.pass_rate >= 0 && row.pass_rate < options.failed_below,
        ),
        ({ row }) => `${(row.pass_rate as number).toFixed(9)}:${md5(`${options.seed}:variant:${row.id}`)}`,
      );
      for (const { row, tag } of ranked) failed.push({ parent: row.id, fromRow: true, problem: row.problem, topic: tag.topic as string });
      if (options.failures?.variants) {
        items.forEach((item, index) => {
          const topic = (itemTags[index] as Tagged).topic;
          if (!item.correct && topic !== null)
            failed.push({ parent: `${options.failures?.path}:${item.line}`, fromRow: false, problem: item.prompt, topic });
        });
      }
      const seen = new Set(rows.map((row) => normalized(row.problem)));
      for (const item of items) seen.add(normalized(item.prompt));
      const generator = new Generator(context, options, options.generate, taxonomy, seen);
      for (let round = 1; round <= options.generate.rounds; round++) {
        const outcome = await generator.round(round, plan, remaining, failed, training);
        if (outcome.asked === 0) break;
        for (const candidate of outcome.admitted) {
          admitted.push(candidate);
          remaining.set(candidate.topic, (remaining.get(candidate.topic) ?? 0) - 1);
          generated.set(candidate.topic, (generated.get(candidate.topic) ?? 0) + 1);
        }
        evidence.push(...outcome.evidence);
      }
    }

    // 4. Tables.
    const firstSource = training[0]?.row.source ?? reserveId ?? '';
    await writeTables(context, {
      topics: training.filter(({ tag }) => tag.topic !== null).map(({ row, tag }) => [row.id, tag.topic as string]),
      reserveRows: pool.map(({ row }) => row.id),
      picks,
      admitted,
      evidence,
      source: firstSource,
    });

    // 5. Notes.
    const reserveTotal = reserveId
      ? ((await db.one<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM ${context.dataset(reserveId).relation}`))?.n ?? 0)
      : 0;
    noteCoverage(context, {
      options,
      tagger,
      training: training.map(({ tag }) => tag),
      pool: pool.map(({ tag }) => tag),
      reserveId,
      reserveTotal,
      failures,
      items: items.length,
      plan,
      fromReserve,
      generated,
      remaining,
      evidence,
    });
  },
});

/** Failure rate per topic: wrong / graded from the failures file, else the mean of 1 − pass rate over rows that have one. */
function failureRates(
  from: 'file' | 'pass_rate',
  items: readonly GradedItem[],
  itemTags: readonly Tagged[],
  training: ReadonlyArray<{ row: InputRow; tag: Tagged }>,
): Map<string, { rate: number; samples: number }> {
  const sums = new Map<string, { failed: number; samples: number }>();
  const add = (topic: string, failed: number) => {
    const entry = sums.get(topic) ?? { failed: 0, samples: 0 };
    entry.failed += failed;
    entry.samples++;
    sums.set(topic, entry);
  };
  if (from === 'file') {
    items.forEach((item, index) => {
      const topic = itemTags[index]?.topic;
      if (topic) add(topic, item.correct ? 0 : 1);
    });
  } else {
    for (const { row, tag } of training) {
      if (tag.topic !== null && row.pass_rate !== null && row.pass_rate >= 0 && row.pass_rate <= 1) add(tag.topic, 1 - row.pass_rate);
    }
  }
  return new Map([...sums].map(([topic, { failed, samples }]) => [topic, { rate: failed / samples, samples }]));
}

/** Tags texts with topics: topic field, then keywords or the model. Counts how each row was tagged. */
class Tagger {
  /** Model answers that named no topic (tagged by keywords instead), and topic-field values the taxonomy does not know. */
  readonly counts = { modelFallback: 0, unmapped: new Map<string, number>() };

  constructor(
    private readonly context: StepContext,
    private readonly options: Params,
    private readonly taxonomy: Taxonomy | null,
  ) {}

  async tagAll(texts: ReadonlyArray<{ problem: string; field: string | null }>): Promise<Tagged[]> {
    const tags: Tagged[] = texts.map(({ field }) => {
      const value = field?.trim() ? field.trim() : null;
      if (value === null) return { topic: null, via: null };
      const topic = this.taxonomy ? this.taxonomy.topicOf(value) : value;
      if (topic === null) this.counts.unmapped.set(value, (this.counts.unmapped.get(value) ?? 0) + 1);
      return topic === null ? { topic: null, via: null } : { topic, via: 'field' };
    });
    const taxonomy = this.taxonomy;
    if (taxonomy) {
      const open = tags.flatMap((tag, index) => (tag.topic === null ? [index] : []));
      if (this.options.classify === 'model' && open.length > 0) {
        const answers = await this.context.model().completeAll(
          open.map(
            (index): ChatRequest => ({
              messages: classifierMessages(texts[index]?.problem ?? '', taxonomy.topics),
              temperature: 0,
              max_tokens: 32,
            }),
          ),
        );
        open.forEach((index, position) => {
          const topic = parseTopicAnswer(answers[position]?.choices[0]?.content ?? '', taxonomy.topics);
          if (topic !== null) tags[index] = { topic, via: 'model' };
          else {
            const fallback = taxonomy.classify(texts[index]?.problem ?? '');
            this.counts.modelFallback++;
            tags[index] = { topic: fallback, via: fallback === null ? null : 'keywords' };
          }
        });
      } else {
        for (const index of open) {
          const topic = taxonomy.classify(texts[index]?.problem ?? '');
          tags[index] = { topic, via: topic === null ? null : 'keywords' };
        }
      }
    }
    return tags;
  }
}

/** Asks the model for candidates and checks them, round by round. */
class Generator {
  private readonly settings: z.infer<typeof generateSchema>;

  constructor(
    private readonly context: StepContext,
    private readonly options: Params,
    settings: z.infer<typeof generateSchema>,
    private readonly taxonomy: Taxonomy | null,
    /** Normalised problems already present (input rows, failures file, earlier candidates). */
    private readonly seen: Set<string>,
  ) {
    this.settings = settings;
  }

  private description(topic: string): string | null {
    return this.taxonomy?.topics.find((entry) => entry.name === topic)?.description ?? null;
  }

  /**
   * The checks before verification: readable, knowledge stated (worked examples), a final answer, not a
   * repeat. A candidate that passes is remembered, so a later repeat of it is a `duplicate`.
   */
  private screen(
    kind: 'example' | 'variant',
    content: string,
  ): { problem: string; solution: string; answer: string } | { reason: CandidateReason; detail: string } {
    const parsed = parseCandidate(content);
    if (!parsed.ok) return { reason: parsed.reason, detail: parsed.detail };
    if (kind === 'example' && !KNOWLEDGE_STEP.test(parsed.solution)) {
      return { reason: 'no_knowledge_step', detail: 'no step states the knowledge it uses ("By definition of …", "By the formula for …")' };
    }
    const answer = finalAnswer(parsed.solution);
    if (answer === null) return { reason: 'no_answer', detail: 'the solution has no final answer (`#### X`)' };
    const key = normalized(parsed.problem);
    if (this.seen.has(key)) return { reason: 'duplicate', detail: `the problem repeats one already there: ${quote(parsed.problem, 60)}` };
    this.seen.add(key);
    return { problem: parsed.problem, solution: parsed.solution, answer };
  }

  async round(
    round: number,
    plan: readonly TopicCoverage[],
    remaining: ReadonlyMap<string, number>,
    failed: readonly FailedProblem[],
    training: ReadonlyArray<{ row: InputRow; tag: Tagged }>,
  ): Promise<{ asked: number; admitted: Admitted[]; evidence: Evidence[] }> {
    const { settings, options } = this;
    interface Job {
      kind: 'example' | 'variant';
      topic: string;
      parent: string | null;
      fromRow: boolean;
      prompt: string;
      n: number;
    }
    const jobs: Job[] = [];
    for (const entry of plan) {
      let budget = remaining.get(entry.topic) ?? 0;
      if (budget <= 0) continue;
      const description = this.description(entry.topic);
      for (const problem of failed) {
        if (budget <= 0 || settings.variants_per_failure === 0) break;
        if (problem.topic !== entry.topic) continue;
        const n = Math.min(settings.variants_per_failure, budget);
        jobs.push({
          kind: 'variant',
          topic: entry.topic,
          parent: problem.parent,
          fromRow: problem.fromRow,
          prompt: variantPrompt(problem.problem, entry.topic, description),
          n,
        });
        budget -= n;
      }
      if (budget > 0 && settings.examples_per_gap > 0) {
        const anchors = rankBy(
          training.filter(({ tag }) => tag.topic === entry.topic).map(({ row }) => row),
          (row) => md5(`${options.seed}:anchor:${row.id}`),
        )
          .slice(0, settings.examples_shown)
          .map((row) => row.problem);
        jobs.push({
          kind: 'example',
          topic: entry.topic,
          parent: null,
          fromRow: false,
          prompt: workedExamplePrompt(entry.topic, description, anchors),
          n: Math.min(settings.examples_per_gap, budget),
        });
      }
    }
    if (jobs.length === 0) return { asked: 0, admitted: [], evidence: [] };
    const sampling = settings.max_tokens === undefined ? {} : { max_tokens: settings.max_tokens };
    const answers = await this.context.model().completeAll(
      jobs.map(
        (job): ChatRequest => ({
          messages: [
            { role: 'system', content: GENERATOR_SYSTEM },
            { role: 'user', content: job.prompt },
          ],
          n: job.n,
          temperature: settings.temperature,
          seed: options.seed * 100 + round,
          ...sampling,
        }),
      ),
      (done) => this.context.progress((done / jobs.length) * 0.5),
    );

    // Read every candidate; reject what cannot be checked before asking the verifier.
    const evidence: Evidence[] = [];
    const checkable: Candidate[] = [];
    for (const [jobIndex, job] of jobs.entries()) {
      for (const [slot, choice] of (answers[jobIndex]?.choices ?? []).entries()) {
        const id = md5(['gap/fill', job.kind, job.topic, job.parent ?? '', String(round), String(slot)].join('\u001f'));
        const rejection = this.screen(job.kind, choice.content);
        if ('reason' in rejection) {
          evidence.push({
            id,
            parent: job.parent,
            kind: job.kind,
            round,
            admitted: false,
            reason: rejection.reason,
            detail: `topic ${job.topic}: ${rejection.detail}`,
            prompt: job.prompt,
          });
          continue;
        }
        checkable.push({
          id,
          parent: job.parent,
          fromRow: job.fromRow,
          kind: job.kind,
          round,
          topic: job.topic,
          prompt: job.prompt,
          ...rejection,
        });
      }
    }

    // Verify: k answers per candidate; admit on a strict majority that equals the candidate's own answer.
    const votes = await this.context.model().completeAll(
      checkable.map(
        (candidate): ChatRequest => ({
          messages: verifierMessages(candidate.problem),
          n: settings.k,
          temperature: settings.verify_temperature,
          seed: options.seed * 100 + round,
          ...sampling,
        }),
      ),
      (done) => this.context.progress(0.5 + (done / Math.max(1, checkable.length)) * 0.5),
    );
    const admitted: Admitted[] = [];
    checkable.forEach((candidate, index) => {
      const outcome = majorityAnswer((votes[index]?.choices ?? []).map((choice) => choice.content));
      const base = { id: candidate.id, parent: candidate.parent, kind: candidate.kind, round, prompt: candidate.prompt };
      const topic = `topic ${candidate.topic}: `;
      if (!outcome.ok) {
        evidence.push({ ...base, admitted: false, reason: 'no_majority', detail: `${topic}${outcome.detail}` });
      } else if (!answersEquivalent(candidate.answer, outcome.answer)) {
        evidence.push({
          ...base,
          admitted: false,
          reason: 'answer_disagrees',
          detail: `${topic}majority ${quote(outcome.answer, 30)} (${outcome.votes} of ${settings.k}); the solution says ${quote(candidate.answer, 30)}`,
        });
      } else {
        evidence.push({
          ...base,
          admitted: true,
          reason: null,
          detail: `${topic}${outcome.detail}, as the solution does`,
        });
        admitted.push({ ...candidate, votes: outcome.votes, of: settings.k });
      }
    });
    return { asked: jobs.reduce((acc, job) => acc + job.n, 0), admitted, evidence };
  }
}

/** Writes `labels` (topics), `verdicts` (the reserve pool), `rows` (reserve picks and admitted candidates) and `generations`. */
async function writeTables(
  context: StepContext,
  data: {
    topics: Array<[string, string]>;
    reserveRows: string[];
    picks: Array<{ id: string; newId: string; topic: string }>;
    admitted: Admitted[];
    evidence: Evidence[];
    source: string;
  },
): Promise<void> {
  const { db } = context;
  const write = async (table: ReturnType<StepContext['scratch']>, columns: string, rows: unknown[][]) => {
    await db.run(sql`CREATE TEMP TABLE ${table} (${rawSql(columns)})`);
    const kinds = columns.split(', ').map((column) => (column.endsWith('INTEGER') ? 'integer' : 'varchar') as 'integer' | 'varchar');
    const writer = await db.columnWriter(table, kinds);
    try {
      writer.append(
        kinds.map((_, index) => rows.map((row) => row[index] ?? null)),
        rows.length,
      );
    } finally {
      writer.close();
    }
  };
  const topics = context.scratch('topics');
  await write(topics, 'id VARCHAR, topic VARCHAR', data.topics);
  await db.run(sql`CREATE TABLE ${context.table('labels')} AS SELECT id, json_object('topic', topic) AS labels FROM ${topics}`);

  const picks = context.scratch('picks');
  await write(
    picks,
    'id VARCHAR, new_id VARCHAR, topic VARCHAR',
    data.picks.map((pick) => [pick.id, pick.newId, pick.topic]),
  );
  if (data.reserveRows.length > 0) {
    const reserve = context.scratch('reserve');
    await write(
      reserve,
      'id VARCHAR',
      data.reserveRows.map((id) => [id]),
    );
    await db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
      SELECT r.id, false AS keep, 'reserve_pool' AS reason,
        CASE WHEN p.id IS NULL THEN 'reserve row, not needed to fill a gap'
             ELSE 'reserve row, picked for topic ' || p.topic || ': added as ' || p.new_id END AS detail
      FROM ${reserve} r LEFT JOIN ${picks} p USING (id)`);
  }

  const generated = context.scratch('generated');
  await write(
    generated,
    'id VARCHAR, problem VARCHAR, solution VARCHAR, answer VARCHAR, meta VARCHAR',
    data.admitted.map((candidate) => {
      const gap = {
        origin: 'generated',
        kind: candidate.kind,
        round: candidate.round,
        votes: `${candidate.votes}/${candidate.of}`,
        answer: candidate.answer,
        ...(candidate.parent !== null && !candidate.fromRow ? { from: candidate.parent } : {}),
      };
      const meta = { topic: candidate.topic, gap, ...(candidate.parent !== null && candidate.fromRow ? { parent: candidate.parent } : {}) };
      return [candidate.id, candidate.problem, candidate.solution, candidate.answer, JSON.stringify(meta)];
    }),
  );
  await db.run(sql`CREATE TABLE ${context.table('rows')} AS
    SELECT p.new_id AS id, i.source, i.task, i.messages, i.answer,
      json_merge_patch(coalesce(i.meta, '{}'::JSON), json_object('topic', p.topic, 'gap', json_object('origin', 'reserve', 'from', i.id))) AS meta
    FROM ${context.input} i JOIN ${picks} p USING (id)
    UNION ALL
    SELECT id, ${data.source}::VARCHAR AS source, 'math' AS task,
      [{'role': 'user', 'content': problem}, {'role': 'assistant', 'content': solution}]::${rawSql(MESSAGES_TYPE)} AS messages,
      answer, meta::JSON AS meta
    FROM ${generated}`);

  const evidence = context.scratch('generations');
  await write(
    evidence,
    'id VARCHAR, parent VARCHAR, kind VARCHAR, round INTEGER, admitted INTEGER, reason VARCHAR, detail VARCHAR, prompt VARCHAR',
    data.evidence.map((entry) => [
      entry.id,
      entry.parent,
      entry.kind,
      entry.round,
      entry.admitted ? 1 : 0,
      entry.reason,
      entry.detail,
      entry.prompt,
    ]),
  );
  await db.run(sql`CREATE TABLE ${context.table('generations')} AS
    SELECT id, parent, kind, round, admitted::BOOLEAN AS admitted, reason, detail, prompt FROM ${evidence}`);
}

/** The step's notes: how rows were tagged, where failure rates came from, and coverage before and after per topic. */
function noteCoverage(
  context: StepContext,
  data: {
    options: Params;
    tagger: Tagger;
    training: readonly Tagged[];
    pool: readonly Tagged[];
    reserveId: string | null;
    reserveTotal: number;
    failures: ReadonlyMap<string, { rate: number; samples: number }>;
    items: number;
    plan: readonly TopicCoverage[];
    fromReserve: ReadonlyMap<string, number>;
    generated: ReadonlyMap<string, number>;
    remaining: ReadonlyMap<string, number>;
    evidence: readonly Evidence[];
  },
): void {
  const { options, plan } = data;
  const via = (name: Tagged['via']) => data.training.filter((tag) => tag.via === name).length;
  const tagged = data.training.length - via(null);
  const ways = [
    via('field') > 0 ? `${via('field')} by \`${options.topic_field}\`` : null,
    via('keywords') > 0 ? `${via('keywords')} by keywords` : null,
    via('model') > 0 ? `${via('model')} by the model` : null,
  ].filter((way): way is string => way !== null);
  context.note(
    `topics: ${tagged} of ${data.training.length} training row(s) tagged${ways.length > 0 ? ` (${ways.join(', ')})` : ''}; ${via(null)} untagged`,
  );
  const { unmapped, modelFallback } = data.tagger.counts;
  if (unmapped.size > 0) {
    const listed = [...unmapped]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([value, count]) => `${value} ×${count}`);
    context.note(
      `\`${options.topic_field}\` values not in ${options.taxonomy} (tagged by ${options.classify} instead): ${listed.join(', ')}${unmapped.size > 5 ? ', …' : ''}`,
    );
  }
  if (modelFallback > 0) context.note(`${modelFallback} model answer(s) named no topic of the list: tagged by keywords`);
  if (data.reserveId !== null) {
    const picked = [...data.fromReserve.values()].reduce((acc, count) => acc + count, 0);
    const poolTagged = data.pool.filter((tag) => tag.topic !== null).length;
    context.note(
      `reserve \`${data.reserveId}\`: ${data.pool.length} of its ${data.reserveTotal} row(s) reach this step (${poolTagged} tagged); ` +
        `${picked} picked, all of them leave the pipeline as \`reserve_pool\` and the picked ones come back as new rows`,
    );
  }
  const measured = [...data.failures.values()].reduce((acc, entry) => acc + entry.samples, 0);
  context.note(
    options.failures
      ? `failure rates from ${options.failures.path}: ${measured} of ${data.items} graded question(s) tagged`
      : measured > 0
        ? `failure rates from meta.pass_rate: ${measured} row(s)`
        : 'no failure rates (no `failures:` file, no meta.pass_rate): needs from coverage alone',
  );
  const total = plan.reduce((acc, entry) => acc + entry.rows, 0);
  context.note(`need = ⌈target × ${total} × (1 + ${options.failure_boost} × failure rate)⌉ − rows`);
  const added = (topic: string) => (data.fromReserve.get(topic) ?? 0) + (data.generated.get(topic) ?? 0);
  const after = total + plan.reduce((acc, entry) => acc + added(entry.topic), 0);
  const table = [
    ['topic', 'rows', 'share', 'target', 'fail', 'need', 'reserve', 'generated', 'after', 'share after'],
    ...plan.map((entry) => [
      entry.topic,
      String(entry.rows),
      percent(entry.share),
      percent(entry.target),
      entry.failureRate === null ? '–' : percent(entry.failureRate),
      String(entry.need),
      String(data.fromReserve.get(entry.topic) ?? 0),
      String(data.generated.get(entry.topic) ?? 0),
      String(entry.rows + added(entry.topic)),
      after > 0 ? percent((entry.rows + added(entry.topic)) / after) : percent(0),
    ]),
  ];
  const widths = (table[0] as string[]).map((_, column) => Math.max(...table.map((row) => (row[column] as string).length)));
  for (const row of table) {
    context.note(
      row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0] as number) : cell.padStart(widths[column] as number))).join('  '),
    );
  }
  if (data.evidence.length > 0) {
    const admitted = data.evidence.filter((entry) => entry.admitted).length;
    const reasons = new Map<string, number>();
    for (const entry of data.evidence) if (entry.reason) reasons.set(entry.reason, (reasons.get(entry.reason) ?? 0) + 1);
    const rounds = Math.max(...data.evidence.map((entry) => entry.round));
    const rejected = [...reasons].map(([reason, count]) => `${reason} ${count}`).join(', ');
    context.note(
      `generation: ${data.evidence.length} candidate(s) in ${rounds} round(s), ${admitted} admitted${rejected ? `; rejected: ${rejected}` : ''}`,
    );
  }
  const short = plan.filter((entry) => (data.remaining.get(entry.topic) ?? 0) > 0);
  if (short.length > 0) {
    const listed = short.map((entry) => `${entry.topic} ${data.remaining.get(entry.topic)}`).join(', ');
    context.note(`still short: ${listed}${options.generate ? '' : ' (add `generate:` to generate the rest)'}`);
  }
}
