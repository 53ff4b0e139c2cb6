/**
 * The recipe envelope (everything but each step's own `with:`, which its step validates). The doc
 * strings here are the reference manual of the recipe format.
 */
import { z } from 'zod';

/** Adapter names for `format:`. */
export const sourceFormats = [
  'messages',
  'sharegpt',
  'alpaca',
  'prompt-response',
  'gsm8k',
  'math',
  'ultrainteract',
  'ultrafeedback',
] as const;
export type SourceFormat = (typeof sourceFormats)[number];

export const tasks = ['math', 'code', 'chat', 'logic', 'other'] as const;
export type Task = (typeof tasks)[number];

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, `_`, `.` and `-`, starting with a letter or digit');

export const fieldsSchema = z
  .strictObject({
    messages: z.string().optional().describe('Field holding a list of {role, content} turns.'),
    prompt: z.string().optional().describe('Field holding the user turn.'),
    response: z.string().optional().describe('Field holding the assistant turn.'),
    system: z.string().optional().describe('Field holding a system prompt.'),
    answer: z.string().optional().describe('Field holding the gold final answer.'),
    id: z.string().optional().describe('Field holding a stable row id (natural key).'),
    meta: z.array(z.string()).optional().describe('Fields copied into `meta`.'),
  })
  .describe('Maps the fields of any JSON row to the canonical sample.');
export type FieldsMapping = z.infer<typeof fieldsSchema>;

export const badRowPolicies = ['quarantine', 'fail'] as const;

export const sourceSchema = z.strictObject({
  id: id.describe('Source id, used in `mix.weights`, checks and the funnel.'),
  path: z
    .union([z.string(), z.array(z.string()).min(1)])
    .optional()
    .describe('Local file(s) or glob(s), relative to the recipe: .jsonl, .json (array), .parquet, .csv.'),
  hf: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, '`owner/name`')
    .optional()
    .describe('Hugging Face dataset repo `owner/name`, fetched into the Hugging Face cache.'),
  revision: z.string().optional().describe('Branch, tag or commit of the `hf:` repo (default `main`).'),
  config: z.string().optional().describe('Dataset config (subset) of the `hf:` repo.'),
  split: z.string().optional().describe('Split of the `hf:` repo (default `train`).'),
  format: z.enum(sourceFormats).optional().describe('Adapter to the canonical sample (default `messages`).'),
  fields: fieldsSchema.optional(),
  task: z.enum(tasks).optional().describe('Task label of every row (default from the format).'),
  limit: z.number().int().positive().optional().describe('Keep only the first N rows (in file order).'),
  on_bad_row: z.enum(badRowPolicies).optional().describe('Override the recipe-level `on_bad_row`.'),
  max_row_bytes: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Rows larger than this are quarantined as `row_too_large` (default 16 MiB).'),
});
export type SourceSpec = z.infer<typeof sourceSchema>;

export const carveSchema = z.strictObject({
  id,
  from: z.string().describe('Source id to carve the held-out rows from; they never reach training.'),
  fraction: z.number().gt(0).lt(1).describe('Share of the source to hold out.'),
  stratify: z.array(z.string()).optional().describe('Canonical columns (`task`) or `meta` keys (`level`) to stratify by.'),
  seed: z.number().int().optional().describe('Seed of the carve (default 0).'),
});
export type CarveSpec = z.infer<typeof carveSchema>;

export const stepEntrySchema = z.strictObject({
  use: z.string().describe('Step id, e.g. `dedup/exact` (see `oversight steps`).'),
  id: id.optional().describe('Name of this step in the funnel and checks (default: the `use` id).'),
  with: z.record(z.string(), z.unknown()).optional().describe("The step's parameters."),
});

export const quotaSchema = z
  .strictObject({
    by: z.string().min(1).describe('Canonical column (`task`) or `meta` key (`difficulty`, `topic`) whose values get shares of the mix.'),
    shares: z
      .record(z.string(), z.number().min(0))
      .describe('Relative share per value, e.g. `{easy: 1, medium: 2, hard: 2}`; rows with unlisted values get 0.'),
  })
  .describe('Shares of the mix by a column: applied inside each source after `weights` split the total.');
export type QuotaSpec = z.infer<typeof quotaSchema>;

export const mixSchema = z.strictObject({
  total: z.number().int().positive().optional().describe('Rows in the mix; without it every kept row is used.'),
  weights: z
    .record(z.string(), z.number().min(0))
    .optional()
    .describe('Relative weight per source id; sources not listed get 0 when weights are given.'),
  seed: z.number().int().optional().describe('Sampling seed (default 0): same recipe + seed → same bytes.'),
  quotas: quotaSchema.optional(),
});
export type MixSpec = z.infer<typeof mixSchema>;

export const outputFormats = ['messages', 'preference'] as const;
export const outputColumns = ['id', 'source', 'task', 'answer', 'meta'] as const;

export const outputSchema = z.strictObject({
  format: z
    .enum(outputFormats)
    .describe(
      '`messages`: one `{"messages": [...]}` per row (TRL / HF convention). `preference`: one `{"prompt", "chosen", "rejected"}` ' +
        "per pair in a row's `meta.pairs` (TRL's conversational preference format, for DPO / KTO / NCA trainers); rows without " +
        'a pair are skipped and counted (`skipped` in the run result).',
    ),
  path: z.string().describe('Output file, relative to the recipe; `.jsonl` or `.parquet`.'),
  columns: z
    .array(z.enum(outputColumns))
    .optional()
    .describe('Extra columns to write beside `messages` (or beside `prompt`, `chosen`, `rejected`).'),
});
export type OutputSpec = z.infer<typeof outputSchema>;

export const tokenizers = ['cl100k_base', 'o200k_base'] as const;

export const modelSchema = z
  .strictObject({
    base_url: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL such as `http://localhost:8000/v1`')
      .optional()
      .describe('OpenAI-compatible endpoint, up to `/v1` (vLLM, Ollama, llama.cpp server, OpenAI); not needed with `replay:`.'),
    name: z.string().min(1).describe('Model name sent as `model` in each request.'),
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional()
      .describe('Name of the environment variable holding the API key (sent as a Bearer token; never printed or stored).'),
    temperature: z.number().min(0).max(2).default(0).describe('Default sampling temperature (steps may set their own).'),
    top_p: z.number().gt(0).max(1).default(1).describe('Default nucleus sampling mass.'),
    max_tokens: z.int().positive().default(1024).describe('Default completion length limit, in tokens.'),
    seed: z.int().optional().describe('Sampling seed sent with each request, where the server supports it.'),
    concurrency: z.int().positive().max(1024).default(16).describe('Requests in flight at once.'),
    timeout_s: z.number().positive().default(120).describe('Seconds before a request is abandoned and retried.'),
    retries: z
      .int()
      .min(0)
      .max(20)
      .default(6)
      .describe('Retries per request on timeouts, 429, 5xx, dropped connections and malformed bodies.'),
    budget: z
      .strictObject({
        max_requests: z.int().positive().optional().describe('Requests sent to the endpoint in one run (cache hits are free).'),
        max_tokens: z.int().positive().optional().describe('Prompt + completion tokens in one run.'),
      })
      .optional()
      .describe('Per-run spending cap: the run stops cleanly when it is reached; answers so far stay cached.'),
    tokenizer: z.enum(tokenizers).default('cl100k_base').describe('tiktoken encoding for token counts when the server reports no usage.'),
    record: z.string().optional().describe('Append every answer to this JSONL cassette (relative to the recipe).'),
    replay: z.string().optional().describe('Answer only from this JSONL cassette; a request not in it fails the run.'),
  })
  .describe('The model endpoint of model-backed steps (`rewrite/steps`, `sample/rejection`, `evolve/instruct`, …).');
export type ModelSpec = z.infer<typeof modelSchema>;

export const checkSchema = z.strictObject({
  metric: z.string().describe('Metric name, e.g. `rows`, `quarantined.gsm8k`, `dropped.dedup/exact`.'),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type CheckSpec = z.infer<typeof checkSchema>;

export const recipeSchema = z.strictObject({
  version: z.literal(1).describe('Recipe format version.'),
  name: id.describe('Recipe name.'),
  description: z.string().optional(),
  on_bad_row: z.enum(badRowPolicies).optional().describe('`quarantine` (default) or `fail` on a malformed row.'),
  sources: z.array(sourceSchema).min(1),
  heldout: z
    .array(z.record(z.string(), z.unknown()))
    .optional()
    .describe('Eval sets: sources (`path:`/`hf:`) or carves (`from:`); never trained on.'),
  steps: z.array(stepEntrySchema).optional(),
  model: modelSchema.optional(),
  mix: mixSchema.optional(),
  outputs: z.array(outputSchema).optional(),
  checks: z.array(checkSchema).optional(),
});
export type RecipeDocument = z.infer<typeof recipeSchema>;

/** Top-level keys of later releases: named so the diagnostic can say so instead of "unknown key". */
export const laterKeys: Record<string, string> = {
  publish: 'publishing to the Hugging Face Hub',
};
