/**
 * The step contract. A step is data: an id, a parameter schema, a closed list of drop reasons and a
 * `run` that writes its decision into side tables. The runner owns everything else: fingerprints,
 * caching, counting, lineage, timing and progress.
 */
import type { z } from 'zod';
import type { Database } from '../db/database.js';
import type { SqlFragment } from '../db/sql.js';
import type { ModelPort } from '../model/types.js';

/**
 * What a step does to the rows flowing through it.
 * - `drop`: writes `verdicts`; rows with `keep = false` leave the pipeline.
 * - `annotate`: writes `labels (id, labels JSON)`, merged into `meta`; may also write `verdicts`.
 * - `rewrite`: writes `messages (id, messages)` replacing the conversation; may also write `verdicts`.
 * - `augment`: writes `rows` (canonical columns) appended to the pipeline.
 */
export type StepEffect = 'drop' | 'annotate' | 'rewrite' | 'augment';

/** Side tables a step may write; their names come from `StepContext.table`. */
export type SideTable = 'verdicts' | 'labels' | 'messages' | 'rows';

/**
 * Evidence tables a step may keep beside its side tables, read by `oversight show` and the runner:
 * - `clusters (id, cluster_id, cluster_size, representative, similarity)`: near-duplicate clusters;
 * - `matches (id, source, eval, item, scope, ngrams, matched)`: contamination hits, summed into the
 *   run's contamination report;
 * - `index`: a step's own persisted data (e.g. a MinHash band index);
 * - `generations (id, parent, kind, round, admitted, reason, detail, prompt)`: every candidate a
 *   generating step made (evolved problems, gap fill-ins), admitted or not; rejected ones are counted
 *   by reason in the step's funnel line (`rejected`).
 */
export type EvidenceTable = 'clusters' | 'matches' | 'index' | 'generations';

/** A data set a step may read besides its input: a held-out set or a training source, by recipe id. */
export interface StepDataset {
  readonly id: string;
  readonly kind: 'heldout' | 'source';
  /** A relation with the canonical columns `id, source, task, messages, answer, meta`. */
  readonly relation: SqlFragment;
}

/** A data set reference in a step's parameters, for validation and fingerprints. */
export interface DatasetReference {
  id: string;
  /** Path of the reference inside the step's `with:` mapping, for diagnostics. */
  path: Array<string | number>;
}

/** A problem a step found in its own parameters before anything runs. */
export interface ParamProblem {
  /** Path inside the step's `with:` mapping, e.g. `['where']`. */
  path: Array<string | number>;
  message: string;
  hint?: string;
}

/** What a step may use while it runs. */
export interface StepContext {
  /** The workspace database. */
  readonly db: Database;
  /**
   * The rows flowing in, a relation with the canonical columns
   * `id, source, task, messages, answer, meta` and `_ord` (BIGINT, the stable input order: sources in
   * recipe order, rows in file order). Read it, never write it.
   */
  readonly input: SqlFragment;
  /** Number of rows in `input`. */
  readonly inputRows: number;
  /** The name of one of this step's side or evidence tables (unique to this step's fingerprint). */
  table(name: SideTable | EvidenceTable): SqlFragment;
  /**
   * The name of a temporary working table for this step (`CREATE TEMP TABLE`); the runner drops it
   * when the step ends, whether it succeeded or not.
   */
  scratch(name: string): SqlFragment;
  /** Ids of the data sets the step's `datasets` hook named, in order. */
  readonly datasets: readonly string[];
  /** A data set named by the step's `datasets` hook (held-out set or source). */
  dataset(id: string): StepDataset;
  /** Reports progress of this step, 0–1, shown on stderr. */
  progress(fraction: number): void;
  /** Adds a line to the run summary (derived parameters, warnings). */
  note(message: string): void;
  /** Directory of the recipe file, for resolving relative paths in parameters. */
  readonly recipeDir: string;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /**
   * The recipe's model endpoint (cached, retried, budgeted). Only for steps whose `usesModel` hook
   * says so; throws `model/missing` otherwise.
   */
  model(): ModelPort;
}

/** Context for a step's pre-run check of its parameters. */
export interface StepCheckContext {
  /** A scratch in-memory database with an empty canonical table named `input`. */
  readonly scratch: Database;
  readonly recipeDir: string;
}

export interface StepDefinition<Params = unknown, Reason extends string = string> {
  /** The recipe's `use:`; `family/kebab-name`; never renamed once released. */
  readonly id: string;
  /** Bumped when the step's output for the same input and params changes; part of the fingerprint. */
  readonly version: number;
  /** One line for `oversight steps`. */
  readonly summary: string;
  /** Longer text for `oversight steps ID`: method followed, cost, caveats. */
  readonly description: string;
  readonly effect: StepEffect;
  /** The parameter schema (`with:`); every field carries its doc with `.describe()`. */
  readonly params: z.ZodType<Params>;
  /** Every reason this step may give for dropping a row. */
  readonly reasons: readonly Reason[];
  /** Optional validation beyond the schema, run by `oversight check`. */
  readonly check?: (params: Params, context: StepCheckContext) => Promise<ParamProblem[]>;
  /** Does the work: reads `context.input`, writes its side tables. */
  readonly run: (context: StepContext, params: Params) => Promise<void>;
  /**
   * Data sets the step reads besides its input (held-out sets, sources), by id; validated by
   * `oversight check` and part of the step's fingerprint. `known` lists the recipe's ids.
   */
  readonly datasets?: (params: Params, known: { heldout: readonly string[]; sources: readonly string[] }) => DatasetReference[];
  /**
   * True when these params make the step call the model: `oversight check` then requires a `model:`
   * block, and the model's name and sampling defaults join the step's fingerprint.
   */
  readonly usesModel?: (params: Params) => boolean;
  /** Files the step reads (relative to the recipe), part of its fingerprint by path, size and mtime. */
  readonly files?: (params: Params) => string[];
  /**
   * Writes files derived from the step's tables (e.g. an index); runs after every run of the step,
   * cached or not, outside its transaction, so a deleted file comes back on the next run.
   */
  readonly export?: (context: StepExportContext, params: Params) => Promise<string[]>;
}

/** What a step's `export` may use. */
export interface StepExportContext {
  readonly db: Database;
  table(name: SideTable | EvidenceTable): SqlFragment;
  readonly recipeDir: string;
}

/** Declares a step; the identity function that gives the definition its types. */
export function defineStep<Params, const Reason extends string>(
  definition: StepDefinition<Params, Reason>,
): StepDefinition<Params, Reason> {
  return definition;
}

/** A step definition with its types erased, as held by a registry. */
// biome-ignore lint/suspicious/noExplicitAny: registries hold steps of every parameter type.
export type AnyStep = StepDefinition<any, string>;
