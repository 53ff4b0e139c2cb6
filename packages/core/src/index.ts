export {
  type ChunkColumnKind,
  type ColumnKind,
  type ColumnWriter,
  Database,
  type DatabaseOptions,
  type Row,
  type RowWriter,
} from './db/database.js';
export { identifier, joinSql, literal, rawSql, SqlFragment, type SqlValue, sql } from './db/sql.js';
export { encodeTexts, type Utf8Batch, type Utf8Texts, utf8Text } from './db/utf8.js';
export { OversightError, type OversightErrorOptions, type SourceLocation } from './errors.js';
export { createModelClient, type ModelClient, type ModelClientOptions, tokenCounter } from './model/client.js';
export {
  type Fault,
  type LoopbackModel,
  type LoopbackModelOptions,
  type Responder,
  type ServedRequest,
  startLoopbackModel,
} from './model/loopback.js';
export { canonicalRequest, requestKey } from './model/request.js';
export type { ChatChoice, ChatMessage, ChatRequest, ChatResponse, ChatRole, ModelPort, ModelUsage } from './model/types.js';
export { type Diagnostic, describeValue, sortDiagnostics } from './recipe/diagnostic.js';
export { didYouMean, editDistance } from './recipe/did-you-mean.js';
export {
  type HeldoutSpec,
  type LoadOptions,
  type LoadResult,
  loadRecipe,
  type Recipe,
  type RecipeStep,
  validateRecipeText,
} from './recipe/load.js';
export { metricNames } from './recipe/metrics.js';
export {
  type CarveSpec,
  type CheckSpec,
  type FieldsMapping,
  type MixSpec,
  type ModelSpec,
  modelSchema,
  type OutputSpec,
  type QuotaSpec,
  type RecipeDocument,
  recipeSchema,
  type SourceFormat,
  type SourceSpec,
  sourceFormats,
  type Task,
  tasks,
} from './recipe/schema.js';
export { evaluateChecks, metricValues } from './runner/checks.js';
export { describeStep, type StepDescription } from './runner/describe-step.js';
export type { RunEvent, RunEventListener } from './runner/events.js';
export { fingerprint, stableStringify } from './runner/fingerprint.js';
export { apportion, planMix, planQuotas } from './runner/mix.js';
export { StepRegistry } from './runner/registry.js';
export type {
  CheckSummary,
  ContaminationSummary,
  HeldoutSummary,
  OutputSummary,
  RunResult,
  SourceSummary,
  StepSummary,
} from './runner/result.js';
export { type RunOptions, runRecipe, stepTable } from './runner/run.js';
export {
  type AnyStep,
  type DatasetReference,
  defineStep,
  type EvidenceTable,
  type ParamProblem,
  type SideTable,
  type StepCheckContext,
  type StepContext,
  type StepDataset,
  type StepDefinition,
  type StepEffect,
  type StepExportContext,
} from './runner/step.js';
export { DEFAULT_DB_PATH, ensureWorkspaceTables, openWorkspace } from './runner/workspace.js';
export { type Adapter, adapterFor, lastBoxed } from './sources/adapters.js';
export { CANONICAL_COLUMNS, MESSAGES_TYPE, ROLES } from './sources/canonical.js';
export { DEFAULT_MAX_ROW_BYTES, type IngestResult, ingestSource, QUARANTINE_REASONS } from './sources/ingest.js';
export { scanJsonl, splitLines } from './sources/lines.js';
export { parseCsv, splitJsonArray } from './sources/records.js';
export { type FileKind, fileKind, type ResolvedSource, resolveSource, type SourceFile } from './sources/resolve.js';
