/**
 * Reads a recipe file and validates all of it before anything runs: YAML syntax, `${VAR}`
 * interpolation, the envelope, every step's `with:` against its schema and its own check, references
 * between sections, and the existence of local source files. Every problem is collected (not only the
 * first) as a diagnostic with `file:line:col`.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  parse as parseYaml,
  type Scalar,
  visit,
} from 'yaml';
import type { z } from 'zod';
import { Database } from '../db/database.js';
import { rawSql, sql } from '../db/sql.js';
import type { StepRegistry } from '../runner/registry.js';
import type { AnyStep } from '../runner/step.js';
import { CANONICAL_COLUMNS_DDL } from '../sources/canonical.js';
import { type Diagnostic, describeValue, sortDiagnostics } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import { metricNames } from './metrics.js';
import {
  type CarveSpec,
  type CheckSpec,
  carveSchema,
  laterKeys,
  type MixSpec,
  type ModelSpec,
  type OutputSpec,
  recipeSchema,
  type SourceSpec,
  sourceSchema,
} from './schema.js';
import { type PathProblem, problemsFromIssues } from './zod-issues.js';

/** A step of a validated recipe, with its parameters parsed (defaults filled in). */
export interface RecipeStep {
  /** Name in the funnel: the entry's `id:`, else its `use:` (suffixed `#2`… when repeated). */
  id: string;
  use: string;
  /** 0-based position in `steps:`. */
  index: number;
  params: unknown;
  definition: AnyStep;
  /** Ids of the held-out sets and sources the step reads besides its input (its `datasets` hook). */
  datasets: string[];
}

export type HeldoutSpec = ({ kind: 'source' } & SourceSpec) | ({ kind: 'carve' } & CarveSpec);

/** A recipe that passed validation. */
export interface Recipe {
  /** Path as given by the user (used in messages). */
  file: string;
  /** Absolute directory of the recipe; relative paths resolve from here. */
  dir: string;
  text: string;
  name: string;
  description: string | undefined;
  onBadRow: 'quarantine' | 'fail';
  sources: SourceSpec[];
  heldout: HeldoutSpec[];
  steps: RecipeStep[];
  mix: MixSpec | undefined;
  /** The model endpoint of model-backed steps. */
  model: ModelSpec | undefined;
  outputs: OutputSpec[];
  checks: CheckSpec[];
}

export interface LoadResult {
  recipe: Recipe | undefined;
  /** Sorted by position; `recipe` is undefined when any has severity `error`. */
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  registry: StepRegistry;
  /** Variables for `${VAR}`; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Check that `path:` sources match files (default true). */
  checkFiles?: boolean;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$\{/g;

/** Loads and validates a recipe file. */
export async function loadRecipe(file: string, options: LoadOptions): Promise<LoadResult> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      recipe: undefined,
      diagnostics: [
        {
          code: 'recipe/not-found',
          severity: 'error',
          message: code === 'ENOENT' ? `expected a recipe file, found no file at ${file}` : `cannot read ${file}: ${String(error)}`,
          file,
          line: 1,
          column: 1,
          length: 1,
          hint: 'create one with `oversight init`',
        },
      ],
    };
  }
  return validateRecipeText(text, file, options);
}

/** Validates recipe text (the work of `loadRecipe`, without reading the file). */
export async function validateRecipeText(text: string, file: string, options: LoadOptions): Promise<LoadResult> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number, end: number, code: string, message: string, hint?: string): Diagnostic => {
    const start = lineCounter.linePos(Math.min(offset, text.length));
    const stop = lineCounter.linePos(Math.min(Math.max(end, offset + 1), text.length));
    const length = stop.line === start.line ? Math.max(1, stop.col - start.col) : Math.max(1, lineLength(text, start.line) - start.col + 1);
    return { code, severity: 'error', message, file, line: start.line, column: start.col, length, ...(hint ? { hint } : {}) };
  };

  // Only the first syntax error: the ones after it are usually echoes of the same mistake.
  for (const error of document.errors.slice(0, 1)) {
    const [start, end] = error.pos;
    const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
    const code = error.code === 'DUPLICATE_KEY' ? 'recipe/duplicate-key' : 'recipe/yaml-syntax';
    diagnostics.push(at(start, end, code, message));
  }
  if (diagnostics.length > 0) return { recipe: undefined, diagnostics: sortDiagnostics(diagnostics) };

  diagnostics.push(...interpolate(document, text, options.env ?? process.env, at));

  const locate = (problem: PathProblem): Diagnostic => {
    const node = findNode(document, problem.path, problem.atKey ?? false);
    const range = node?.range ?? [0, 1, 1];
    return at(range[0], range[1], problem.code, problem.message, problem.hint);
  };

  const data = document.toJS() as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    diagnostics.push(
      at(0, text.length, 'recipe/invalid-type', `expected a mapping with \`version\`, \`name\`, \`sources\`, found ${describeValue(data)}`),
    );
    return { recipe: undefined, diagnostics: sortDiagnostics(diagnostics) };
  }
  const envelope = { ...(data as Record<string, unknown>) };
  for (const key of Object.keys(laterKeys)) {
    if (key in envelope) {
      diagnostics.push(
        locate({
          code: 'recipe/unsupported-key',
          path: [key],
          atKey: true,
          message: `\`${key}\` (${laterKeys[key]}) is not supported by this version of Oversight`,
          hint: `remove \`${key}\` from the recipe`,
        }),
      );
      delete envelope[key];
    }
  }

  const parsed = recipeSchema.safeParse(envelope, { reportInput: true });
  if (!parsed.success) {
    for (const problem of problemsFromIssues(parsed.error.issues, recipeSchema, {
      invalid: 'recipe/invalid-value',
      unknownKey: 'recipe/unknown-key',
      missing: 'recipe/missing-key',
    })) {
      diagnostics.push(locate(problem));
    }
  }
  const raw = envelope as Record<string, unknown>;
  const problems: PathProblem[] = [];

  // Sources: ids unique, exactly one of path/hf, hf-only keys only with hf.
  const sources = Array.isArray(raw.sources) ? (raw.sources as unknown[]) : [];
  const sourceIds = new Set<string>();
  for (const [index, source] of sources.entries()) problems.push(...checkSource(source, ['sources', index], sourceIds));

  // Held-out sets: sources, or carves from a training source.
  const heldout: HeldoutSpec[] = [];
  const heldoutEntries = Array.isArray(raw.heldout) ? (raw.heldout as unknown[]) : [];
  const heldoutIds = new Set<string>();
  heldoutEntries.forEach((entry, index) => {
    const path = ['heldout', index];
    if (entry === null || typeof entry !== 'object') return;
    const isCarve = 'from' in entry;
    const schema = isCarve ? carveSchema : sourceSchema;
    const result = schema.safeParse(entry, { reportInput: true });
    if (!result.success) {
      for (const problem of problemsFromIssues(result.error.issues, schema, {
        invalid: 'recipe/invalid-value',
        unknownKey: 'recipe/unknown-key',
        missing: 'recipe/missing-key',
      })) {
        problems.push({ ...problem, path: [...path, ...problem.path] });
      }
      return;
    }
    const id = result.data.id;
    if (sourceIds.has(id) || heldoutIds.has(id)) {
      problems.push({ code: 'recipe/duplicate-id', path: [...path, 'id'], message: `expected a unique id, found \`${id}\` used twice` });
    }
    heldoutIds.add(id);
    if (isCarve) {
      const carve = result.data as CarveSpec;
      if (!sourceIds.has(carve.from)) {
        const suggestion = didYouMean(carve.from, sourceIds);
        problems.push({
          code: 'recipe/unknown-source',
          path: [...path, 'from'],
          message: `expected a source id, found \`${carve.from}\``,
          ...(suggestion ? { hint: `did you mean \`${suggestion}\`?` } : { hint: `known sources: ${[...sourceIds].join(', ')}` }),
        });
      }
      heldout.push({ kind: 'carve', ...carve });
    } else {
      problems.push(...checkSource(entry, path, new Set()));
      heldout.push({ kind: 'source', ...(result.data as SourceSpec) });
    }
  });

  // Steps: known ids, params valid, unique names.
  const steps: RecipeStep[] = [];
  const stepEntries = Array.isArray(raw.steps) ? (raw.steps as unknown[]) : [];
  const stepNames = new Map<string, number>();
  const scratch = { database: undefined as Database | undefined };
  for (const [index, entry] of stepEntries.entries()) {
    if (entry === null || typeof entry !== 'object' || typeof (entry as { use?: unknown }).use !== 'string') continue;
    const { use, id, with: params } = entry as { use: string; id?: unknown; with?: unknown };
    const definition = options.registry.get(use);
    if (!definition) {
      const suggestion = didYouMean(use, options.registry.ids());
      problems.push({
        code: 'recipe/unknown-step',
        path: ['steps', index, 'use'],
        message: `unknown step \`${use}\`; expected a step id from \`oversight steps\``,
        ...(suggestion ? { hint: `did you mean \`${suggestion}\`?` } : {}),
      });
      continue;
    }
    const name = typeof id === 'string' ? id : use;
    const seen = stepNames.get(name) ?? 0;
    stepNames.set(name, seen + 1);
    if (seen > 0 && typeof id === 'string') {
      problems.push({
        code: 'recipe/duplicate-id',
        path: ['steps', index, 'id'],
        message: `expected a unique step id, found \`${id}\` used twice`,
      });
    }
    const result = (definition.params as z.ZodType).safeParse(params ?? {}, { reportInput: true });
    if (!result.success) {
      for (const problem of problemsFromIssues(result.error.issues, definition.params as z.ZodType, {
        invalid: 'recipe/invalid-param',
        unknownKey: 'recipe/unknown-param',
        missing: 'recipe/missing-param',
      })) {
        const base = params === undefined && problem.path.length === 0 ? ['steps', index] : ['steps', index, 'with'];
        problems.push({ ...problem, path: [...base, ...problem.path] });
      }
      continue;
    }
    if (definition.check) {
      scratch.database ??= await openScratch();
      const found = await definition.check(result.data, { scratch: scratch.database, recipeDir: dirname(resolve(file)) });
      for (const problem of found) {
        problems.push({
          code: 'recipe/invalid-param',
          path: ['steps', index, 'with', ...problem.path],
          message: problem.message,
          ...(problem.hint ? { hint: problem.hint } : {}),
        });
      }
    }
    const datasets: string[] = [];
    if (definition.datasets) {
      const known = { heldout: [...heldoutIds], sources: [...sourceIds] };
      for (const reference of definition.datasets(result.data, known)) {
        if (heldoutIds.has(reference.id) || sourceIds.has(reference.id)) {
          if (!datasets.includes(reference.id)) datasets.push(reference.id);
          continue;
        }
        const candidates = [...heldoutIds, ...sourceIds];
        const suggestion = didYouMean(reference.id, candidates);
        problems.push({
          code: 'recipe/unknown-source',
          path: ['steps', index, 'with', ...reference.path],
          message: `expected a held-out set or source id, found \`${reference.id}\``,
          hint: suggestion
            ? `did you mean \`${suggestion}\`?`
            : candidates.length > 0
              ? `known: ${candidates.join(', ')}`
              : 'declare the eval set under `heldout:`',
        });
      }
    }
    if (definition.usesModel?.(result.data) && (raw.model === undefined || raw.model === null)) {
      problems.push({
        code: 'recipe/missing-model',
        path: ['steps', index, 'use'],
        message: `step \`${use}\` calls a model with these parameters, and the recipe has no \`model:\` block`,
        hint: 'add `model: { base_url: http://localhost:8000/v1, name: <served model> }` (any OpenAI-compatible endpoint)',
      });
    }
    steps.push({ id: seen > 0 ? `${name}#${seen + 1}` : name, use, index, params: result.data, definition, datasets });
  }
  scratch.database?.close();

  // A model needs somewhere to get answers from.
  const modelBlock = raw.model as { base_url?: unknown; replay?: unknown } | undefined;
  if (modelBlock && typeof modelBlock === 'object' && modelBlock.base_url === undefined && modelBlock.replay === undefined) {
    problems.push({
      code: 'recipe/missing-param',
      path: ['model'],
      atKey: true,
      message: 'expected `base_url` (an OpenAI-compatible endpoint) or `replay` (a recorded cassette) in `model:`, found neither',
      hint: 'e.g. `base_url: http://localhost:8000/v1` (vLLM, llama.cpp server, Ollama, OpenAI …)',
    });
  }

  // Mix weights name sources.
  const mix = raw.mix as MixSpec | undefined;
  if (mix && typeof mix === 'object' && mix.weights && typeof mix.weights === 'object') {
    for (const key of Object.keys(mix.weights)) {
      if (!sourceIds.has(key)) {
        const suggestion = didYouMean(key, sourceIds);
        problems.push({
          code: 'recipe/unknown-source',
          path: ['mix', 'weights', key],
          atKey: true,
          message: `expected a source id in \`mix.weights\`, found \`${key}\``,
          ...(suggestion ? { hint: `did you mean \`${suggestion}\`?` } : { hint: `known sources: ${[...sourceIds].join(', ')}` }),
        });
      }
    }
  }

  // Outputs: a known extension, no two outputs on one path.
  const outputs = Array.isArray(raw.outputs) ? (raw.outputs as OutputSpec[]) : [];
  const outputPaths = new Set<string>();
  outputs.forEach((output, index) => {
    if (!output || typeof output.path !== 'string') return;
    if (!/\.(jsonl|parquet)$/i.test(output.path)) {
      problems.push({
        code: 'recipe/invalid-value',
        path: ['outputs', index, 'path'],
        message: `expected a path ending in .jsonl or .parquet, found ${describeValue(output.path)}`,
      });
    }
    if (outputPaths.has(output.path)) {
      problems.push({
        code: 'recipe/duplicate-id',
        path: ['outputs', index, 'path'],
        message: `expected each output on its own path, found ${describeValue(output.path)} twice`,
      });
    }
    outputPaths.add(output.path);
  });

  // Checks: known metric names, a bound.
  const checks = Array.isArray(raw.checks) ? (raw.checks as CheckSpec[]) : [];
  const known = metricNames({
    sources: [...sourceIds],
    steps: steps.map((step) => ({ id: step.id, reasons: step.definition.reasons })),
    evals: [...new Set([...heldoutIds, ...steps.flatMap((step) => step.datasets)])],
  });
  checks.forEach((check, index) => {
    if (!check || typeof check.metric !== 'string') return;
    if (!known.includes(check.metric)) {
      const suggestion = didYouMean(check.metric, known);
      problems.push({
        code: 'recipe/unknown-metric',
        path: ['checks', index, 'metric'],
        message: `unknown metric \`${check.metric}\``,
        hint: suggestion
          ? `did you mean \`${suggestion}\`?`
          : `known metrics: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''}`,
      });
    }
    if (check.min === undefined && check.max === undefined) {
      problems.push({ code: 'recipe/missing-key', path: ['checks', index], message: 'expected `min` or `max` (or both), found neither' });
    }
  });

  for (const problem of problems) diagnostics.push(locate(problem));

  // Local files exist (only when the envelope is sound; paths resolve from the recipe's directory).
  const dir = dirname(resolve(file));
  // A path with an unset variable is already reported; looking for its files would only add noise.
  const unset = diagnostics.some((diagnostic) => diagnostic.code === 'recipe/unset-variable');
  if (options.checkFiles !== false && !unset) {
    const allSources = [
      ...sources.map((source, index) => ({ source, path: ['sources', index] as Array<string | number> })),
      ...heldoutEntries.map((source, index) => ({ source, path: ['heldout', index] as Array<string | number> })),
    ];
    for (const { source, path } of allSources) {
      const patterns = (source as { path?: unknown })?.path;
      const list = typeof patterns === 'string' ? [patterns] : Array.isArray(patterns) ? patterns : [];
      for (const [position, pattern] of list.entries()) {
        if (typeof pattern !== 'string') continue;
        const matches = await glob(pattern, { cwd: dir, absolute: true, onlyFiles: true, expandDirectories: false });
        if (matches.length === 0) {
          const nodePath = typeof patterns === 'string' ? [...path, 'path'] : [...path, 'path', position];
          diagnostics.push(
            locate({
              code: 'recipe/missing-file',
              path: nodePath,
              message: `expected ${/[*?[{]/.test(pattern) ? 'files matching' : 'a file at'} ${pattern} (from ${relative(process.cwd(), dir) || '.'}), found none`,
              hint: 'paths are relative to the recipe file',
            }),
          );
        }
      }
    }
  }

  // A value with an unset variable is reported once, as that; what its empty replacement breaks is noise.
  const unsetLines = new Set(
    diagnostics.filter((diagnostic) => diagnostic.code === 'recipe/unset-variable').map((diagnostic) => diagnostic.line),
  );
  const sorted = sortDiagnostics(
    diagnostics.filter((diagnostic) => diagnostic.code === 'recipe/unset-variable' || !unsetLines.has(diagnostic.line)),
  );
  if (sorted.some((diagnostic) => diagnostic.severity === 'error') || !parsed.success) {
    return { recipe: undefined, diagnostics: sorted };
  }
  const document_ = parsed.data;
  return {
    recipe: {
      file,
      dir,
      text,
      name: document_.name,
      description: document_.description,
      onBadRow: document_.on_bad_row ?? 'quarantine',
      sources: document_.sources,
      heldout,
      steps,
      mix: document_.mix,
      model: document_.model,
      outputs: document_.outputs ?? [],
      checks: document_.checks ?? [],
    },
    diagnostics: sorted,
  };
}

function checkSource(source: unknown, path: Array<string | number>, ids: Set<string>): PathProblem[] {
  const problems: PathProblem[] = [];
  if (source === null || typeof source !== 'object') return problems;
  const spec = source as Record<string, unknown>;
  if (typeof spec.id === 'string') {
    if (ids.has(spec.id))
      problems.push({
        code: 'recipe/duplicate-id',
        path: [...path, 'id'],
        message: `expected a unique source id, found \`${spec.id}\` used twice`,
      });
    ids.add(spec.id);
  }
  const hasPath = spec.path !== undefined;
  const hasHf = spec.hf !== undefined;
  if (hasPath === hasHf) {
    problems.push({
      code: hasPath ? 'recipe/conflicting-keys' : 'recipe/missing-key',
      path,
      message: hasPath
        ? 'expected one of `path` or `hf`, found both'
        : 'expected `path:` (local files) or `hf:` (a Hub dataset), found neither',
    });
  }
  if (!hasHf) {
    for (const key of ['revision', 'config', 'split']) {
      if (spec[key] !== undefined) {
        problems.push({
          code: 'recipe/conflicting-keys',
          path: [...path, key],
          atKey: true,
          message: `\`${key}\` applies to \`hf:\` sources only, found it on a \`path:\` source`,
        });
      }
    }
  }
  if (spec.fields !== undefined && spec.format !== undefined) {
    problems.push({
      code: 'recipe/conflicting-keys',
      path: [...path, 'fields'],
      atKey: true,
      message: 'expected `format:` or `fields:`, found both',
      hint: 'a `fields:` mapping replaces the format adapter',
    });
  }
  const fields = spec.fields as Record<string, unknown> | undefined;
  if (fields && typeof fields === 'object' && fields.messages === undefined && fields.prompt === undefined) {
    problems.push({
      code: 'recipe/missing-key',
      path: [...path, 'fields'],
      message: 'expected `messages` or `prompt` in `fields`, found neither',
    });
  }
  return problems;
}

async function openScratch(): Promise<Database> {
  const database = await Database.open(':memory:', { threads: 1 });
  await database.run(sql`CREATE TABLE input (${rawSql(CANONICAL_COLUMNS_DDL)}, _ord BIGINT)`);
  return database;
}

function lineLength(text: string, line: number): number {
  return (text.split('\n')[line - 1] ?? '').replace(/\r$/, '').length;
}

/** Replaces `${VAR}` and `${VAR:-default}` in string scalars; `$${` is a literal `${`. */
function interpolate(
  document: Document,
  text: string,
  env: Record<string, string | undefined>,
  at: (offset: number, end: number, code: string, message: string, hint?: string) => Diagnostic,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  visit(document, {
    Scalar(key, node: Scalar) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const [start, end] = node.range ?? [0, 0];
      const source = text.slice(start, end);
      for (const match of source.matchAll(VARIABLE)) {
        if (match[0] === '$${') continue;
        const name = match[1] as string;
        if (env[name] === undefined && match[2] === undefined) {
          const offset = start + (match.index ?? 0);
          diagnostics.push(
            at(
              offset,
              offset + match[0].length,
              'recipe/unset-variable',
              `expected environment variable \`${name}\` to be set, found it unset`,
              `export ${name}=… or write \${${name}:-default}`,
            ),
          );
        }
      }
      const replaced = node.value.replace(VARIABLE, (whole, name: string | undefined, fallback: string | undefined) => {
        if (whole === '$${') return '${';
        return env[name as string] ?? fallback ?? '';
      });
      const single = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/.test(node.value);
      if (single && node.type === 'PLAIN') {
        const typed = parseYaml(replaced) as unknown;
        node.value = typeof typed === 'number' || typeof typed === 'boolean' ? typed : replaced;
      } else node.value = replaced;
    },
  });
  return diagnostics;
}

/** The YAML node at a path (or the deepest existing ancestor); with `atKey`, the key of the last segment. */
function findNode(document: Document, path: ReadonlyArray<string | number>, atKey: boolean): Node | undefined {
  let current: unknown = document.contents;
  let last: Node | undefined = document.contents ?? undefined;
  for (const [index, segment] of path.entries()) {
    const isLast = index === path.length - 1;
    if (isMap(current)) {
      const pair = current.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return last;
      if (isLast && atKey) return pair.key as Node;
      current = pair.value;
      if (current && (current as Node).range) last = current as Node;
      else return pair.key as Node;
    } else if (isSeq(current) && typeof segment === 'number') {
      const item = current.items[segment];
      if (!item) return last;
      current = item;
      last = item as Node;
    } else return last;
  }
  return last;
}
