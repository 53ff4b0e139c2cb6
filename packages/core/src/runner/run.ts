/**
 * Runs a validated recipe: sources → held-out carves → steps → mix → outputs → checks.
 *
 * Every stage is cached by fingerprint and committed in one transaction with its completion marker,
 * so a run killed at any point (even SIGKILL) resumes from the last finished stage with no corrupt
 * table, and produces the same bytes as an uninterrupted run. Canonical tables are never modified
 * after ingest; each step writes side tables keyed by `id`, and the pipeline state after a step is a
 * view over them.
 */
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Database } from '../db/database.js';
import { identifier, joinSql, rawSql, type SqlFragment, sql } from '../db/sql.js';
import { OversightError } from '../errors.js';
import { createModelClient, type ModelClient, tokenCounter } from '../model/client.js';
import type { ModelPort } from '../model/types.js';
import type { Recipe, RecipeStep } from '../recipe/load.js';
import type { CarveSpec, SourceSpec } from '../recipe/schema.js';
import { CANONICAL_COLUMNS } from '../sources/canonical.js';
import { DEFAULT_MAX_ROW_BYTES, ingestSource } from '../sources/ingest.js';
import { type ResolvedSource, resolveSource } from '../sources/resolve.js';
import { evaluateChecks } from './checks.js';
import type { RunEventListener } from './events.js';
import { fingerprint } from './fingerprint.js';
import { planMix, writeMix } from './mix.js';
import { writeOutput } from './outputs.js';
import type { ContaminationSummary, HeldoutSummary, RunResult, SourceSummary, StepSummary } from './result.js';
import type { EvidenceTable, SideTable, StepContext, StepDataset } from './step.js';

/** Bumped when ingest output changes for the same input. */
const INGEST_VERSION = 1;
/** Bumped when the runner's view/mix semantics change. */
const RUNNER_VERSION = 1;

export interface RunOptions {
  db: Database;
  onEvent?: RunEventListener;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Model client overrides: cassettes (CLI `--record`/`--replay`), retry delay (tests). */
  model?: { record?: string; replay?: string; backoffMs?: number };
}

interface Relation {
  /** View or table name. */
  name: string;
  fingerprint: string;
}

/** A data set steps may read by id: a held-out set or a training source. */
interface Dataset extends StepDataset {
  fingerprint: string;
}

const short = (value: string) => value.slice(0, 16);

/** The name of a step run's side or evidence table, from the step's fingerprint. */
export function stepTable(stepFingerprint: string, name: SideTable | EvidenceTable): string {
  return `s_${short(stepFingerprint)}_${name}`;
}

/** Runs a recipe; never throws for a failed stage (the result says `ok: false` and why). */
export async function runRecipe(recipe: Recipe, options: RunOptions): Promise<RunResult> {
  const { db } = options;
  const emit = options.onEvent ?? (() => {});
  const started = Date.now();
  const signal = options.signal ?? new AbortController().signal;
  const result: RunResult = {
    recipe: recipe.name,
    ok: false,
    sources: [],
    heldout: [],
    steps: [],
    mix: undefined,
    outputs: [],
    checks: [],
    contamination: [],
    durationMs: 0,
  };
  const runId = fingerprint(recipe.file, started, process.pid).slice(0, 16);
  emit({ type: 'run-start', recipe: recipe.name, sources: recipe.sources.length, steps: recipe.steps.length });
  // The model client opens on the first step that asks for it; its counters go into the result.
  let client: Promise<ModelClient> | undefined;
  const model = () => {
    if (!recipe.model) return undefined;
    if (client) return client;
    client = createModelClient({
      spec: recipe.model,
      db,
      recipeDir: recipe.dir,
      signal,
      ...(options.env ? { env: options.env } : {}),
      ...(options.model?.record ? { record: options.model.record } : {}),
      ...(options.model?.replay ? { replay: options.model.replay } : {}),
      ...(options.model?.backoffMs !== undefined ? { backoffMs: options.model.backoffMs } : {}),
    });
    // A client that fails to open fails the step that awaits it; until then the rejection is held.
    client.catch(() => {});
    return client;
  };
  try {
    // 1. Sources.
    const tables: Array<{ id: string; table: string; fingerprint: string }> = [];
    const datasets = new Map<string, Dataset>();
    for (const spec of recipe.sources) {
      const ingested = await ingest(db, recipe, spec, options);
      tables.push({ id: spec.id, table: ingested.table, fingerprint: ingested.fingerprint });
      result.sources.push(ingested.summary);
      datasets.set(spec.id, {
        id: spec.id,
        kind: 'source',
        relation: sql`(SELECT ${canonicalList} FROM ${identifier(ingested.table)})`,
        fingerprint: ingested.fingerprint,
      });
    }
    // 2. Held-out sets: own sources are ingested; carves are drawn from training sources.
    const carves: Array<{ spec: CarveSpec; table: string }> = [];
    for (const entry of recipe.heldout) {
      if (entry.kind === 'source') {
        const { kind: _kind, ...spec } = entry;
        const ingested = await ingest(db, recipe, spec, options);
        datasets.set(spec.id, {
          id: spec.id,
          kind: 'heldout',
          relation: sql`(SELECT ${canonicalList} FROM ${identifier(ingested.table)})`,
          fingerprint: ingested.fingerprint,
        });
        result.heldout.push({
          id: spec.id,
          rows: ingested.summary.read - ingested.summary.quarantined,
          quarantined: ingested.summary.quarantined,
        });
      } else {
        const source = tables.find((table) => table.id === entry.from) as { table: string; fingerprint: string };
        const carve = await carveHeldout(db, entry, source);
        carves.push({ spec: entry, table: carve.table });
        datasets.set(entry.id, {
          id: entry.id,
          kind: 'heldout',
          relation: sql`(SELECT ${canonicalList} FROM ${identifier(source.table)} WHERE id IN (SELECT id FROM ${identifier(carve.table)}))`,
          fingerprint: carve.fingerprint,
        });
        result.heldout.push(carve.summary);
      }
    }
    // 3. The base relation: training rows of every source, minus carved rows, with a stable order.
    let current = await baseView(db, tables, carves);
    // 4. Steps.
    for (const step of recipe.steps) {
      if (signal.aborted) throw new OversightError('run/interrupted', 'run interrupted');
      const outcome = await runStep(db, recipe, step, current, { emit, signal, datasets, model });
      result.steps.push(outcome.summary);
      current = outcome.output;
    }
    // Per-source funnel: what is not kept or quarantined was dropped by a step (or carved out).
    // Rows added by augment steps (ordinals from 256 << 40 up) count as kept, not against drops.
    const keptBySource = await countBySource(db, sql`${identifier(current.name)}`);
    const addedBySource = await countBySource(db, sql`(SELECT * FROM ${identifier(current.name)} WHERE _ord >= (256::BIGINT << 40))`);
    for (const summary of result.sources) {
      const added = addedBySource.get(summary.id) ?? 0;
      summary.kept = keptBySource.get(summary.id) ?? 0;
      summary.dropped = summary.read - summary.quarantined - (summary.kept - added);
      if (added > 0) summary.added = added;
    }
    // 5. Mix.
    const mix = await buildMix(db, recipe, current, result.sources);
    result.mix = { rows: mix.rows, bySource: mix.bySource, notes: mix.notes };
    for (const summary of result.sources) summary.mixed = mix.bySource[summary.id] ?? 0;
    result.contamination = await contaminationReport(
      db,
      result.steps.map((summary, index) => ({ fingerprint: summary.fingerprint, datasets: recipe.steps[index]?.datasets ?? [] })),
      result.sources.map((source) => source.id),
      mix.table,
    );
    emit({ type: 'mix-end', rows: mix.rows, cached: mix.cached });
    for (const note of mix.notes) emit({ type: 'note', scope: 'mix', message: note });
    // 6. Outputs.
    for (const output of recipe.outputs) {
      const path = isAbsolute(output.path) ? output.path : resolve(recipe.dir, output.path);
      const { rows, skipped } = await writeOutput(db, output, path, mix.table, sql`${identifier(current.name)}`);
      const shown = relative(process.cwd(), path) || path;
      result.outputs.push({ path: shown, format: output.format, rows, ...(skipped !== undefined ? { skipped } : {}) });
      if (skipped) emit({ type: 'note', scope: 'outputs', message: `${shown}: ${skipped} row(s) without a preference pair skipped` });
      emit({ type: 'output-end', path: shown, rows });
    }
    // 7. Checks.
    result.checks = evaluateChecks(recipe.checks, result);
    result.ok = result.checks.every((check) => check.ok);
    if (!result.ok) {
      const failed = result.checks.filter((check) => !check.ok).map((check) => check.metric);
      result.error = { code: 'run/check-failed', message: `recipe check(s) failed: ${failed.join(', ')}` };
    }
  } catch (error) {
    result.ok = false;
    if (OversightError.is(error)) {
      result.error = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
    } else {
      result.error = { code: 'run/internal-error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
  }
  if (recipe.model) {
    result.model = { requests: 0, cacheHits: 0, sent: 0, retries: 0, tokensIn: 0, tokensOut: 0 };
    if (client) {
      try {
        const opened = await client;
        result.model = opened.usage();
        await opened.close();
      } catch {
        // The client failed to open; the step that asked for it already failed the run with why.
      }
    }
  }
  result.durationMs = Date.now() - started;
  emit({ type: 'run-end', ok: result.ok, durationMs: result.durationMs });
  try {
    await db.run(
      sql`INSERT INTO _runs VALUES (${runId}, ${recipe.file}, ${recipe.name}, to_timestamp(${started / 1000}), current_timestamp, ${result.ok}, ${JSON.stringify(result)})`,
    );
  } catch {
    // History is a convenience; a failure to record it must not hide the run's own outcome.
  }
  return result;
}

async function ingest(
  db: Database,
  recipe: Recipe,
  spec: SourceSpec,
  options: RunOptions,
): Promise<{ table: string; fingerprint: string; summary: SourceSummary }> {
  const emit = options.onEvent ?? (() => {});
  const began = Date.now();
  const resolved: ResolvedSource = await resolveSource(spec, {
    recipeDir: recipe.dir,
    ...(options.env ? { env: options.env } : {}),
    onProgress: (done, total) => emit({ type: 'source-progress', source: spec.id, fraction: total > 0 ? done / total : 0 }),
  });
  const onBadRow = spec.on_bad_row ?? recipe.onBadRow;
  const { on_bad_row: _policy, ...specWithoutPolicy } = spec;
  const sourceFingerprint = fingerprint(
    'source',
    INGEST_VERSION,
    specWithoutPolicy,
    spec.max_row_bytes ?? DEFAULT_MAX_ROW_BYTES,
    resolved.origin,
    resolved.files.map((file) => [file.path, file.size, file.mtimeMs]),
  );
  const table = `src_${short(sourceFingerprint)}`;
  const bytes = resolved.files.reduce((sum, file) => sum + file.size, 0);
  emit({ type: 'source-start', source: spec.id, files: resolved.files.length, bytes });
  const cached = await db.one<{ read: number; quarantined: number }>(
    sql`SELECT read, quarantined FROM _sources WHERE fingerprint = ${sourceFingerprint}`,
  );
  if (cached) {
    if (onBadRow === 'fail' && cached.quarantined > 0) await failOnCachedBadRows(db, sourceFingerprint, spec.id, cached.quarantined);
    emit({
      type: 'source-end',
      source: spec.id,
      read: cached.read,
      quarantined: cached.quarantined,
      cached: true,
      durationMs: Date.now() - began,
    });
    return {
      table,
      fingerprint: sourceFingerprint,
      summary: {
        id: spec.id,
        read: cached.read,
        quarantined: cached.quarantined,
        dropped: 0,
        kept: 0,
        mixed: 0,
        cached: true,
        fingerprint: sourceFingerprint,
      },
    };
  }
  const outcome = await ingestSource(db, resolved, {
    table,
    fingerprint: sourceFingerprint,
    onBadRow,
    onProgress: (fraction) => emit({ type: 'source-progress', source: spec.id, fraction }),
    commit: async (ingested) => {
      await db.run(sql`INSERT INTO _sources (fingerprint, source, table_name, read, quarantined, kept, files)
        VALUES (${sourceFingerprint}, ${spec.id}, ${table}, ${ingested.read}, ${ingested.quarantined}, ${ingested.kept}, ${JSON.stringify(resolved.files.map((file) => file.display))})`);
    },
  });
  emit({
    type: 'source-end',
    source: spec.id,
    read: outcome.read,
    quarantined: outcome.quarantined,
    cached: false,
    durationMs: Date.now() - began,
  });
  return {
    table,
    fingerprint: sourceFingerprint,
    summary: {
      id: spec.id,
      read: outcome.read,
      quarantined: outcome.quarantined,
      dropped: 0,
      kept: 0,
      mixed: 0,
      cached: false,
      fingerprint: sourceFingerprint,
    },
  };
}

async function failOnCachedBadRows(db: Database, sourceFingerprint: string, source: string, count: number): Promise<never> {
  const first = await db.one<{ file: string; line: number; reason: string; detail: string }>(sql`
    SELECT file, line, reason, detail FROM _quarantine WHERE fingerprint = ${sourceFingerprint} ORDER BY file, line LIMIT 1`);
  throw new OversightError(
    'source/bad-row',
    `${first?.file}:${first?.line}: ${first?.reason}: ${first?.detail} (source \`${source}\`, ${count} bad row(s); on_bad_row: fail)`,
    {
      hint: 'fix the input, or set `on_bad_row: quarantine` to set bad rows aside and go on',
    },
  );
}

/** Holds out a deterministic, optionally stratified fraction of a source. */
async function carveHeldout(
  db: Database,
  spec: CarveSpec,
  source: { table: string; fingerprint: string },
): Promise<{ table: string; fingerprint: string; summary: HeldoutSummary }> {
  const carveFingerprint = fingerprint('carve', RUNNER_VERSION, spec, source.fingerprint);
  const table = `h_${short(carveFingerprint)}`;
  const cached = await db.one<{ rows: number }>(sql`SELECT rows FROM _carves WHERE fingerprint = ${carveFingerprint}`);
  if (cached) return { table, fingerprint: carveFingerprint, summary: { id: spec.id, rows: cached.rows, from: spec.from, quarantined: 0 } };
  const strata = (spec.stratify ?? []).map((key) =>
    (CANONICAL_COLUMNS as readonly string[]).includes(key)
      ? sql`${identifier(key)}::VARCHAR`
      : sql`json_extract_string(meta, ${`$.${key}`})`,
  );
  const partition = strata.length > 0 ? sql`PARTITION BY ${joinSql(strata)}` : sql``;
  const seed = String(spec.seed ?? 0);
  const rows = await db.transaction(async () => {
    await db.run(sql`CREATE TABLE ${identifier(table)} AS SELECT id FROM (
      SELECT id, row_number() OVER (${partition} ORDER BY md5(${seed} || ':heldout:' || id)) AS rank,
             count(*) OVER (${partition}) AS size
      FROM ${identifier(source.table)}) WHERE rank <= round(size * ${spec.fraction})`);
    const count = await db.one<{ rows: number }>(sql`SELECT count(*)::INTEGER AS rows FROM ${identifier(table)}`);
    await db.run(
      sql`INSERT INTO _carves (fingerprint, heldout, from_source, table_name, rows) VALUES (${carveFingerprint}, ${spec.id}, ${spec.from}, ${table}, ${count?.rows ?? 0})`,
    );
    return count?.rows ?? 0;
  });
  return { table, fingerprint: carveFingerprint, summary: { id: spec.id, rows, from: spec.from, quarantined: 0 } };
}

const canonicalList = rawSql(CANONICAL_COLUMNS.join(', '));

async function baseView(
  db: Database,
  tables: Array<{ id: string; table: string; fingerprint: string }>,
  carves: Array<{ spec: CarveSpec; table: string }>,
): Promise<Relation> {
  const baseFingerprint = fingerprint(
    'base',
    RUNNER_VERSION,
    tables.map((table) => [table.id, table.fingerprint]),
    carves.map((carve) => carve.table),
  );
  const name = `v_${short(baseFingerprint)}`;
  const parts = tables.map((table, index) => {
    const carved = carves.filter((carve) => carve.spec.from === table.id);
    const exclusion =
      carved.length > 0
        ? sql` WHERE id NOT IN (${joinSql(
            carved.map((carve) => sql`SELECT id FROM ${identifier(carve.table)}`),
            ' UNION ALL ',
          )})`
        : sql``;
    return sql`SELECT ${canonicalList}, (${index}::BIGINT << 40) + ord AS _ord FROM ${identifier(table.table)}${exclusion}`;
  });
  await db.run(sql`CREATE OR REPLACE VIEW ${identifier(name)} AS ${joinSql(parts, ' UNION ALL ').inline()}`);
  return { name, fingerprint: baseFingerprint };
}

interface StepRuntime {
  emit: RunEventListener;
  signal: AbortSignal;
  datasets: Map<string, Dataset>;
  /** The run's model client, opened on first use; undefined without a `model:` block. */
  model: () => Promise<ModelClient> | undefined;
}

/** What a model-backed step's output depends on besides its params: the model and its defaults. */
function modelIdentity(recipe: Recipe): unknown {
  const spec = recipe.model;
  if (!spec) return null;
  return { name: spec.name, temperature: spec.temperature, top_p: spec.top_p, max_tokens: spec.max_tokens, seed: spec.seed ?? null };
}

/** What a step's fingerprint covers besides its params and input: the data sets and files it reads. */
function stepDependencies(recipe: Recipe, step: RecipeStep, datasets: Map<string, Dataset>): unknown[] {
  const used = step.datasets.map((id) => [id, datasets.get(id)?.fingerprint ?? null]);
  const files = (step.definition.files?.(step.params) ?? []).map((file) => {
    const path = isAbsolute(file) ? file : resolve(recipe.dir, file);
    try {
      const stat = statSync(path);
      return [path, stat.size, stat.mtimeMs];
    } catch {
      return [path, null];
    }
  });
  return [used, files];
}

async function runStep(
  db: Database,
  recipe: Recipe,
  step: RecipeStep,
  input: Relation,
  runtime: StepRuntime,
): Promise<{ output: Relation; summary: StepSummary }> {
  const { definition } = step;
  const usesModel = definition.usesModel?.(step.params) ?? false;
  const stepFingerprint = fingerprint(
    'step',
    RUNNER_VERSION,
    definition.id,
    definition.version,
    step.params,
    input.fingerprint,
    ...(step.datasets.length > 0 || definition.files ? [stepDependencies(recipe, step, runtime.datasets)] : []),
    ...(usesModel ? [{ model: modelIdentity(recipe) }] : []),
  );
  const prefix = `s_${short(stepFingerprint)}`;
  const outputName = `v_${short(stepFingerprint)}`;
  const began = Date.now();
  const inputRelation = sql`${identifier(input.name)}`;
  const cached = await db.one<{ input_rows: number; kept: number; added: number; dropped: string; notes: string; duration_ms: number }>(
    sql`SELECT input_rows, kept, added, dropped::VARCHAR AS dropped, notes::VARCHAR AS notes, duration_ms FROM _steps WHERE fingerprint = ${stepFingerprint}`,
  );
  if (cached) {
    runtime.emit({ type: 'step-start', step: step.id, use: step.use, index: step.index, inputRows: cached.input_rows });
    const dropped = JSON.parse(cached.dropped) as Record<string, number>;
    const rejected = await rejectedCandidates(db, prefix);
    await exportStep(db, recipe, step, prefix, runtime);
    runtime.emit({
      type: 'step-end',
      step: step.id,
      kept: cached.kept,
      dropped: sumValues(dropped),
      cached: true,
      durationMs: Date.now() - began,
    });
    return {
      output: { name: outputName, fingerprint: stepFingerprint },
      summary: {
        id: step.id,
        use: step.use,
        in: cached.input_rows,
        kept: cached.kept,
        added: cached.added,
        dropped,
        ...(rejected ? { rejected } : {}),
        cached: true,
        notes: JSON.parse(cached.notes) as string[],
        durationMs: cached.duration_ms,
        fingerprint: stepFingerprint,
      },
    };
  }
  const inputCount = await db.one<{ rows: number }>(sql`SELECT count(*)::INTEGER AS rows FROM ${inputRelation}`);
  const inputRows = inputCount?.rows ?? 0;
  runtime.emit({ type: 'step-start', step: step.id, use: step.use, index: step.index, inputRows });
  const notes: string[] = [];
  const tableName = (name: SideTable | EvidenceTable) => `${prefix}_${name}`;
  const scratchPrefix = `tmp_${prefix}_`;
  let reported = false;
  const context: StepContext = {
    db,
    input: inputRelation,
    inputRows,
    table: (name) => identifier(tableName(name)),
    scratch: (name) => identifier(`${scratchPrefix}${name}`),
    datasets: step.datasets,
    dataset: (id) => {
      const dataset = step.datasets.includes(id) ? runtime.datasets.get(id) : undefined;
      if (!dataset) throw new OversightError('step/unknown-dataset', `step \`${step.id}\` read data set \`${id}\` it did not declare`);
      return dataset;
    },
    progress: (fraction) => {
      reported = true;
      runtime.emit({ type: 'step-progress', step: step.id, fraction });
    },
    note: (message) => {
      notes.push(message);
      runtime.emit({ type: 'note', scope: step.id, message });
    },
    recipeDir: recipe.dir,
    signal: runtime.signal,
    model: () => {
      const opened = usesModel ? runtime.model() : undefined;
      if (!opened) {
        throw new OversightError(
          'model/missing',
          usesModel
            ? `step \`${step.id}\` (${step.use}) needs a model, and the recipe has no \`model:\` block`
            : `step \`${step.id}\` (${step.use}) asked for a model without declaring \`usesModel\` for these params`,
        );
      }
      return portOf(recipe, opened);
    },
  };
  // Steps that run one long query get DuckDB's own progress.
  const poller = setInterval(() => {
    if (reported) return;
    const fraction = db.progress();
    if (fraction !== undefined && fraction > 0) runtime.emit({ type: 'step-progress', step: step.id, fraction });
  }, 250);
  let summary: StepSummary;
  try {
    summary = await db.transaction(async () => {
      try {
        await definition.run(context, step.params);
      } catch (error) {
        if (OversightError.is(error)) throw error;
        throw new OversightError(
          'step/failed',
          `step \`${step.id}\` (${step.use}) failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      const tables = await existingSideTables(db, prefix);
      await validateSideTables(db, step, tables, tableName, inputRelation, inputRows);
      await db.run(sql`CREATE VIEW ${identifier(outputName)} AS ${outputQuery(step, tables, tableName, inputRelation).inline()}`);
      let dropped: Record<string, number> = {};
      if (tables.has('verdicts')) {
        await db.run(sql`INSERT INTO _lineage SELECT ${stepFingerprint}, v.id, i.source, v.reason, v.detail
          FROM ${identifier(tableName('verdicts'))} v JOIN ${inputRelation} i USING (id) WHERE NOT v.keep`);
        const rows = await db.all<{ reason: string; n: number }>(
          sql`SELECT reason, count(*)::INTEGER AS n FROM ${identifier(tableName('verdicts'))} WHERE NOT keep GROUP BY reason ORDER BY reason`,
        );
        dropped = Object.fromEntries(rows.map((row) => [row.reason, row.n]));
      }
      const added = tables.has('rows')
        ? ((await db.one<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM ${identifier(tableName('rows'))}`))?.n ?? 0)
        : 0;
      const kept = inputRows - sumValues(dropped) + added;
      const rejected = await rejectedCandidates(db, prefix);
      const durationMs = Date.now() - began;
      await db.run(sql`INSERT INTO _steps (fingerprint, use, step_id, effect, input_view, view_name, input_rows, kept, added, dropped, notes, duration_ms)
        VALUES (${stepFingerprint}, ${step.use}, ${step.id}, ${definition.effect}, ${input.name}, ${outputName}, ${inputRows}, ${kept}, ${added}, ${JSON.stringify(dropped)}, ${JSON.stringify(notes)}, ${durationMs})`);
      return {
        id: step.id,
        use: step.use,
        in: inputRows,
        kept,
        added,
        dropped,
        ...(rejected ? { rejected } : {}),
        cached: false,
        notes,
        durationMs,
        fingerprint: stepFingerprint,
      };
    });
  } finally {
    clearInterval(poller);
    await dropScratch(db, scratchPrefix);
  }
  await exportStep(db, recipe, step, prefix, runtime);
  runtime.emit({
    type: 'step-end',
    step: step.id,
    kept: summary.kept,
    dropped: sumValues(summary.dropped),
    cached: false,
    durationMs: summary.durationMs,
  });
  return { output: { name: outputName, fingerprint: stepFingerprint }, summary };
}

/** The model port a step sees: calls wait for the client to open. */
function portOf(recipe: Recipe, client: Promise<ModelClient>): ModelPort {
  return {
    name: recipe.model?.name ?? '',
    complete: async (request) => (await client).complete(request),
    completeAll: async (requests, onProgress) => (await client).completeAll(requests, onProgress),
    countTokens: tokenCounter(recipe.model?.tokenizer ?? 'cl100k_base'),
  };
}

/** Generated candidates a step did not admit, by reason, from its `generations` table (if any). */
async function rejectedCandidates(db: Database, prefix: string): Promise<Record<string, number> | undefined> {
  const name = `${prefix}_generations`;
  const exists = await db.one<{ n: number }>(
    sql`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ${name} AND NOT temporary`,
  );
  if (!exists?.n) return undefined;
  const rows = await db.all<{ reason: string | null; n: number }>(
    sql`SELECT reason, count(*)::INTEGER AS n FROM ${identifier(name)} WHERE NOT admitted GROUP BY reason ORDER BY reason`,
  );
  return Object.fromEntries(rows.map((row) => [row.reason ?? 'rejected', row.n]));
}

/** Drops a step's temporary working tables. */
async function dropScratch(db: Database, scratchPrefix: string): Promise<void> {
  const rows = await db.all<{ name: string }>(
    sql`SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, ${scratchPrefix})`,
  );
  for (const row of rows) await db.run(sql`DROP TABLE IF EXISTS temp.${identifier(row.name)}`);
}

/** Runs a step's `export` hook (files derived from its tables), after a fresh or a cached run. */
async function exportStep(db: Database, recipe: Recipe, step: RecipeStep, prefix: string, runtime: StepRuntime): Promise<void> {
  const { definition } = step;
  if (!definition.export) return;
  const written = await definition.export({ db, table: (name) => identifier(`${prefix}_${name}`), recipeDir: recipe.dir }, step.params);
  for (const path of written) runtime.emit({ type: 'note', scope: step.id, message: `wrote ${relative(process.cwd(), path) || path}` });
}

/**
 * The contamination report: for every (eval set × training source), rows that a decontamination
 * step matched (`found`) and rows of the mix still matched (`mixed`; 0 when the matches were dropped).
 */
async function contaminationReport(
  db: Database,
  steps: Array<{ fingerprint: string; datasets: string[] }>,
  sources: string[],
  mixTable: string,
): Promise<ContaminationSummary[]> {
  const tables: string[] = [];
  const evals = new Set<string>();
  for (const step of steps) {
    const name = stepTable(step.fingerprint, 'matches');
    const exists = await db.one<{ n: number }>(
      sql`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ${name} AND NOT temporary`,
    );
    if (!exists?.n) continue;
    tables.push(name);
    for (const id of step.datasets) evals.add(id);
  }
  if (tables.length === 0) return [];
  const matches = joinSql(
    tables.map((table) => sql`SELECT DISTINCT eval, source, id FROM ${identifier(table)}`),
    ' UNION ',
  );
  const rows = await db.all<{ eval: string; source: string; found: number; mixed: number }>(sql`
    SELECT eval, source, count(DISTINCT id)::INTEGER AS found,
           count(DISTINCT id) FILTER (WHERE id IN (SELECT id FROM ${identifier(mixTable)}))::INTEGER AS mixed
    FROM (${matches}) GROUP BY eval, source`);
  // Every (eval set × source) checked appears, with 0 where nothing matched.
  const report: ContaminationSummary[] = [];
  for (const evalId of [...new Set([...evals, ...rows.map((row) => row.eval)])].sort()) {
    for (const source of sources) {
      const row = rows.find((candidate) => candidate.eval === evalId && candidate.source === source);
      report.push({ eval: evalId, source, found: row?.found ?? 0, mixed: row?.mixed ?? 0 });
    }
  }
  return report;
}

async function existingSideTables(db: Database, prefix: string): Promise<Set<SideTable>> {
  const rows = await db.all<{ name: string }>(
    sql`SELECT table_name AS name FROM duckdb_tables() WHERE table_name LIKE ${`${prefix}_%`} AND NOT temporary`,
  );
  const names = new Set<SideTable>();
  for (const row of rows) {
    const suffix = row.name.slice(prefix.length + 1);
    if (suffix === 'verdicts' || suffix === 'labels' || suffix === 'messages' || suffix === 'rows') names.add(suffix);
  }
  return names;
}

/** A step's side tables must match the contract; a broken step is a bug, reported as such. */
async function validateSideTables(
  db: Database,
  step: RecipeStep,
  tables: Set<SideTable>,
  tableName: (name: SideTable) => string,
  input: SqlFragment,
  inputRows: number,
): Promise<void> {
  const fail = (message: string): never => {
    throw new OversightError('step/bad-output', `step \`${step.id}\` (${step.use}) ${message}`);
  };
  const effect = step.definition.effect;
  const required: Record<string, SideTable> = { drop: 'verdicts', annotate: 'labels', rewrite: 'messages', augment: 'rows' };
  const needed = required[effect] as SideTable;
  if (!tables.has(needed)) fail(`wrote no \`${needed}\` table (effect \`${effect}\`)`);
  if (tables.has('verdicts')) {
    const verdicts = identifier(tableName('verdicts'));
    const reasons = JSON.stringify(step.definition.reasons);
    // Input ids are unique: when every input row has a verdict and there are as many verdicts as
    // input rows, each row has exactly one and none is foreign. One semi join instead of a distinct
    // count and an anti join; the slow checks run only to say what is wrong.
    const stats = await db.one<{ n: number; covered: number; bad_reason: number; sample_reason: string | null }>(sql`
      SELECT count(*)::INTEGER AS n,
        (SELECT count(*)::INTEGER FROM ${input} i SEMI JOIN ${verdicts} v USING (id)) AS covered,
        count(*) FILTER (WHERE NOT keep AND (reason IS NULL OR NOT list_contains(${reasons}::VARCHAR[], reason)))::INTEGER AS bad_reason,
        any_value(reason) FILTER (WHERE NOT keep AND (reason IS NULL OR NOT list_contains(${reasons}::VARCHAR[], reason))) AS sample_reason
      FROM ${verdicts}`);
    if (!stats) fail('wrote an unreadable verdicts table');
    else {
      if (stats.n !== stats.covered || (effect === 'drop' && stats.n !== inputRows)) {
        const detail = await db.one<{ distinct_ids: number; foreign: number }>(sql`
          SELECT count(DISTINCT id)::INTEGER AS distinct_ids,
            (SELECT count(*)::INTEGER FROM ${verdicts} v ANTI JOIN ${input} i USING (id)) AS foreign
          FROM ${verdicts}`);
        if (detail && detail.foreign > 0) fail(`wrote ${detail.foreign} verdicts for ids not in its input`);
        if (detail && detail.distinct_ids !== stats.n) fail('wrote more than one verdict for a row');
        if (effect === 'drop') fail(`wrote ${stats.n} verdicts for ${inputRows} input rows`);
      }
      if (stats.bad_reason > 0)
        fail(`dropped rows with reason \`${stats.sample_reason}\`, not one of its declared reasons ${step.definition.reasons.join(', ')}`);
    }
  }
}

function outputQuery(step: RecipeStep, tables: Set<SideTable>, tableName: (name: SideTable) => string, input: SqlFragment): SqlFragment {
  const columns = rawSql(`${CANONICAL_COLUMNS.join(', ')}, _ord`);
  let query = sql`SELECT ${columns} FROM ${input}`;
  if (tables.has('messages')) {
    query = sql`SELECT i.* REPLACE (coalesce(r.messages, i.messages) AS messages) FROM (${query}) i LEFT JOIN ${identifier(tableName('messages'))} r USING (id)`;
  }
  if (tables.has('labels')) {
    query = sql`SELECT i.* REPLACE (CASE WHEN l.labels IS NULL THEN i.meta ELSE json_merge_patch(coalesce(i.meta, '{}'), l.labels) END AS meta)
      FROM (${query}) i LEFT JOIN ${identifier(tableName('labels'))} l USING (id)`;
  }
  if (tables.has('verdicts')) {
    query = sql`SELECT i.* FROM (${query}) i ANTI JOIN (SELECT id FROM ${identifier(tableName('verdicts'))} WHERE NOT keep) d USING (id)`;
  }
  if (tables.has('rows')) {
    query = sql`${query} UNION ALL SELECT ${rawSql(CANONICAL_COLUMNS.join(', '))}, (${256 + step.index}::BIGINT << 40) + row_number() OVER (ORDER BY id) AS _ord
      FROM ${identifier(tableName('rows'))}`;
  }
  return sql`SELECT ${columns} FROM (${query})`;
}

async function countBySource(db: Database, relation: SqlFragment): Promise<Map<string, number>> {
  const rows = await db.all<{ source: string; n: number }>(sql`SELECT source, count(*)::INTEGER AS n FROM ${relation} GROUP BY source`);
  return new Map(rows.map((row) => [row.source, row.n]));
}

async function buildMix(
  db: Database,
  recipe: Recipe,
  final: Relation,
  sources: SourceSummary[],
): Promise<{ table: string; rows: number; bySource: Record<string, number>; notes: string[]; cached: boolean }> {
  const available = sources.map((source) => [source.id, source.kept] as [string, number]);
  const plan = recipe.mix ? planMix(recipe.mix, available) : undefined;
  const mixFingerprint = fingerprint('mix', RUNNER_VERSION, recipe.mix ?? null, final.fingerprint);
  const table = `m_${short(mixFingerprint)}`;
  const cached = await db.one<{ rows: number; by_source: string; notes: string }>(
    sql`SELECT rows, by_source::VARCHAR AS by_source, notes::VARCHAR AS notes FROM _mixes WHERE fingerprint = ${mixFingerprint}`,
  );
  if (cached) {
    return {
      table,
      rows: cached.rows,
      bySource: JSON.parse(cached.by_source) as Record<string, number>,
      notes: JSON.parse(cached.notes) as string[],
      cached: true,
    };
  }
  const outcome = await db.transaction(async () => {
    await writeMix(db, table, sql`${identifier(final.name)}`, recipe.mix, plan);
    const counts = await countBySource(db, sql`${identifier(table)}`);
    const bySource = Object.fromEntries(sources.map((source) => [source.id, counts.get(source.id) ?? 0]));
    const rows = sumValues(bySource);
    // Read after `writeMix`, which adds its quota notes to the plan's.
    const notes = [...(plan?.notes ?? [])];
    await db.run(
      sql`INSERT INTO _mixes (fingerprint, table_name, rows, by_source, notes) VALUES (${mixFingerprint}, ${table}, ${rows}, ${JSON.stringify(bySource)}, ${JSON.stringify(notes)})`,
    );
    return { rows, bySource, notes };
  });
  return { table, ...outcome, cached: false };
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((total, value) => total + value, 0);
}
