/**
 * Adapters from the row formats people publish (OpenAI/TRL `messages`, ShareGPT, Alpaca,
 * prompt/response, GSM8K, MATH, UltraInteract, UltraFeedback, or any JSON with a `fields:` mapping)
 * to the canonical sample.
 * An adapter is SQL over typed columns, so DuckDB does the work on all cores.
 *
 * Typed columns are named `"f:<field>"`; they come from `read_ndjson(columns=…)` on the fast path or
 * from `json_transform(raw, …)` on the line-by-line path, and both paths share the SQL below.
 */
import type { FieldsMapping, SourceFormat, Task } from '../recipe/schema.js';
import { MESSAGES_TYPE } from './canonical.js';

export interface Adapter {
  /** `format:` name, or `fields` for a mapping. */
  name: string;
  /** Task of every row, unless `taskSql` reads it from the row (the recipe's `task:` overrides both). */
  task: Task;
  /** SQL: the row's task (one of `tasks`), for formats that carry it per record. */
  taskSql?: string;
  /** Field name → DuckDB type, read from each row. */
  columns: Record<string, string>;
  /** Fields every row must have (non-null). */
  required: string[];
  /** SQL: the conversation. */
  messages: string;
  /** SQL: the gold final answer, or NULL. */
  answer: string;
  /** SQL: JSON object of metadata. */
  meta: string;
  /** SQL: the row's own id (natural key), or NULL when it has none. */
  key: string;
  /** SQL: content to hash for an id when the row has none. */
  content: string;
  /**
   * Adapter-specific problems: SQL condition → reason, checked after the required fields and before
   * the conversation checks (so they can say why a record yields no conversation).
   */
  checks: Array<{ when: string; reason: string; detail: string }>;
}

/** Quoted name of a typed column. */
export function column(field: string): string {
  return `"f:${field.replaceAll('"', '""')}"`;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const message = (role: string, content: string) => `{'role': ${quote(role)}, 'content': ${content}}`;

/** `[system?] || rest`, with an empty or missing system prompt left out. */
function withSystem(systemField: string | undefined, rest: string): string {
  if (!systemField) return `(${rest})::${MESSAGES_TYPE}`;
  const system = column(systemField);
  return `((CASE WHEN ${system} IS NOT NULL AND ${system} <> '' THEN [${message('system', system)}] ELSE [] END)::${MESSAGES_TYPE} || (${rest})::${MESSAGES_TYPE})`;
}

/** ShareGPT speaker names → canonical roles. */
const shareGptRoles = `CASE lower(m."from")
  WHEN 'human' THEN 'user' WHEN 'user' THEN 'user'
  WHEN 'gpt' THEN 'assistant' WHEN 'assistant' THEN 'assistant' WHEN 'chatgpt' THEN 'assistant'
  WHEN 'bard' THEN 'assistant' WHEN 'bing' THEN 'assistant' WHEN 'model' THEN 'assistant'
  WHEN 'system' THEN 'system'
  WHEN 'tool' THEN 'tool' WHEN 'function' THEN 'tool' WHEN 'observation' THEN 'tool' WHEN 'function_response' THEN 'tool'
  ELSE m."from" END`;

const contentOf = (expression: string) => `coalesce(to_json(${expression})::VARCHAR, '')`;

function messagesAdapter(): Adapter {
  return {
    name: 'messages',
    task: 'chat',
    columns: { id: 'VARCHAR', messages: MESSAGES_TYPE },
    required: ['messages'],
    messages: column('messages'),
    answer: 'NULL',
    meta: `'{}'::JSON`,
    key: column('id'),
    content: contentOf(column('messages')),
    checks: [],
  };
}

function shareGptAdapter(): Adapter {
  const conversations = column('conversations');
  return {
    name: 'sharegpt',
    task: 'chat',
    columns: { id: 'VARCHAR', conversations: 'STRUCT("from" VARCHAR, value VARCHAR)[]', system: 'VARCHAR' },
    required: ['conversations'],
    messages: withSystem('system', `list_transform(${conversations}, m -> {'role': ${shareGptRoles}, 'content': m.value})`),
    answer: 'NULL',
    meta: `'{}'::JSON`,
    key: column('id'),
    content: contentOf(conversations),
    checks: [],
  };
}

function alpacaAdapter(): Adapter {
  const instruction = column('instruction');
  const input = column('input');
  const output = column('output');
  const history = column('history');
  const user = `CASE WHEN ${input} IS NOT NULL AND ${input} <> '' THEN ${instruction} || chr(10) || chr(10) || ${input} ELSE ${instruction} END`;
  const turns = `flatten(list_transform(coalesce(${history}, []), h -> [${message('user', 'h[1]')}, ${message('assistant', 'h[2]')}]))`;
  return {
    name: 'alpaca',
    task: 'chat',
    columns: { id: 'VARCHAR', instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', system: 'VARCHAR', history: 'VARCHAR[][]' },
    required: ['instruction', 'output'],
    messages: withSystem(
      'system',
      `${turns}::${MESSAGES_TYPE} || [${message('user', user)}, ${message('assistant', output)}]::${MESSAGES_TYPE}`,
    ),
    answer: 'NULL',
    meta: `'{}'::JSON`,
    key: column('id'),
    content: `${instruction} || chr(30) || coalesce(${input}, '') || chr(30) || ${output}`,
    checks: [],
  };
}

function promptResponseAdapter(): Adapter {
  const prompt = column('prompt');
  const response = column('response');
  return {
    name: 'prompt-response',
    task: 'chat',
    columns: { id: 'VARCHAR', prompt: 'VARCHAR', response: 'VARCHAR', system: 'VARCHAR' },
    required: ['prompt', 'response'],
    messages: withSystem('system', `[${message('user', prompt)}, ${message('assistant', response)}]`),
    answer: 'NULL',
    meta: `'{}'::JSON`,
    key: column('id'),
    content: `${prompt} || chr(30) || ${response}`,
    checks: [],
  };
}

/**
 * GSM8K (`openai/grade-school-math`): gold = the text after the last `####`, commas removed, kept as
 * a string (never cast to a number: perturbed sets have decimals and fractions).
 */
function gsm8kAdapter(): Adapter {
  const question = column('question');
  const answer = column('answer');
  const gold = `nullif(trim(replace(regexp_extract(${answer}, '(?s).*####[ \\t]*([^\\n]*)', 1), ',', '')), '')`;
  return {
    name: 'gsm8k',
    task: 'math',
    columns: { question: 'VARCHAR', answer: 'VARCHAR' },
    required: ['question', 'answer'],
    messages: `[${message('user', question)}, ${message('assistant', answer)}]::${MESSAGES_TYPE}`,
    answer: gold,
    meta: `'{}'::JSON`,
    key: 'NULL',
    content: `${question} || chr(30) || ${answer}`,
    checks: [{ when: `${gold} IS NULL`, reason: 'missing_gold', detail: `'expected a final answer after ####, found none'` }],
  };
}

/**
 * MATH (Hendrycks): gold = the last brace-balanced `\boxed{}` (or `\fbox{}`) of the solution;
 * `level` ("Level 3" → 3, null when not a number) and `type` kept in meta.
 */
function mathAdapter(): Adapter {
  const problem = column('problem');
  const solution = column('solution');
  const gold = `oversight_last_boxed(${solution})`;
  return {
    name: 'math',
    task: 'math',
    columns: { problem: 'VARCHAR', solution: 'VARCHAR', level: 'VARCHAR', type: 'VARCHAR' },
    required: ['problem', 'solution'],
    messages: `[${message('user', problem)}, ${message('assistant', solution)}]::${MESSAGES_TYPE}`,
    answer: gold,
    meta: `json_object('level', TRY_CAST(regexp_extract(${column('level')}, '(\\d+)', 1) AS INTEGER), 'type', ${column('type')})`,
    key: 'NULL',
    content: `${problem} || chr(30) || ${solution}`,
    checks: [
      { when: `${gold} IS NULL`, reason: 'missing_gold', detail: `'expected a brace-balanced \\boxed{} in the solution, found none'` },
    ],
  };
}

/** SQL: the field is in the raw JSON with a non-null value (line-by-line path; the fast path fails over to it on a type error). */
function present(field: string): string {
  return `(raw IS NOT NULL AND coalesce(json_type(raw, '$."${field.replaceAll("'", "''")}"'), 'NULL') <> 'NULL')`;
}

/** Checks that a field the row's kind needs is there and typed: `wrong_type`, then `missing_field`. */
function needed(when: string, field: string, type: string, missing = `'expected field \`${field}\`, found none'`): Adapter['checks'] {
  return [
    {
      when: `${when} AND ${column(field)} IS NULL AND ${present(field)}`,
      reason: 'wrong_type',
      detail: `'expected field \`${field}\` to be ${type}, found ' || json_type(raw, '$."${field}"')`,
    },
    { when: `${when} AND ${column(field)} IS NULL`, reason: 'missing_field', detail: missing },
  ];
}

/** The UltraInteract `task` label (Coding, Math_CoT, Math_PoT, Logic) → the canonical task. */
const ultraInteractTask = (task: string) =>
  `CASE WHEN lower(${task}) LIKE 'math%' THEN 'math' WHEN lower(${task}) IN ('coding', 'code') THEN 'code' WHEN lower(${task}) = 'logic' THEN 'logic' ELSE 'other' END`;

/**
 * UltraInteract (`openbmb/UltraInteract_sft` and `_pair`, Eurus). One adapter for both row kinds:
 * - SFT row `{id, parent_id, task, dataset, instruction, response}` → `[user instruction, assistant response]`;
 * - pair row `{id, parent_id, task, dataset, trajectory: [{from, value}], chosen, rejected}` → the
 *   trajectory (instruction, failed actions, feedback) followed by `chosen`, the correct action.
 *
 * Task from the record (`Math_*` → math, `Coding` → code, `Logic` → logic). Meta keeps what
 * `select/preference-tree` and the `preference` output need: `record_id`, `tree` (= `parent_id`, rows
 * of one tree share the instruction), `depth` and `turn` (from the id `<hash>_<depth>_<turn>`),
 * `correct` (true: both kinds carry a correct action), `kind` (`sft` | `pair`), `dataset`, `ui_task`
 * and, for pair rows, `pairs: [{prompt: trajectory, chosen, rejected}]`.
 */
function ultraInteractAdapter(): Adapter {
  const id = column('id');
  const instruction = column('instruction');
  const response = column('response');
  const trajectory = column('trajectory');
  const chosen = column('chosen');
  const rejected = column('rejected');
  const isPair = `(${trajectory} IS NOT NULL OR ${chosen} IS NOT NULL OR ${rejected} IS NOT NULL OR ${present('trajectory')} OR ${present('chosen')} OR ${present('rejected')})`;
  const turns = `list_transform(${trajectory}, m -> {'role': ${shareGptRoles}, 'content': m.value})::${MESSAGES_TYPE}`;
  const roles = `list_transform(${trajectory}, m -> ${shareGptRoles})`;
  const idPart = (group: number) => `TRY_CAST(regexp_extract(${id}, '_(\\d+)_(\\d+)$', ${group}) AS INTEGER)`;
  const common = `json_object('record_id', ${id}, 'tree', ${column('parent_id')}, 'depth', ${idPart(1)}, 'turn', ${idPart(2)}, 'correct', true, 'dataset', ${column('dataset')}, 'ui_task', ${column('task')})`;
  const neither = `'expected \`instruction\` and \`response\` (SFT row) or \`trajectory\`, \`chosen\` and \`rejected\` (pair row), found no \`instruction\`'`;
  return {
    name: 'ultrainteract',
    task: 'other',
    taskSql: ultraInteractTask(column('task')),
    columns: {
      id: 'VARCHAR',
      parent_id: 'VARCHAR',
      task: 'VARCHAR',
      dataset: 'VARCHAR',
      instruction: 'VARCHAR',
      response: 'VARCHAR',
      trajectory: 'STRUCT("from" VARCHAR, value VARCHAR)[]',
      chosen: 'VARCHAR',
      rejected: 'VARCHAR',
    },
    required: ['id', 'parent_id', 'task'],
    messages: `CASE WHEN ${isPair} THEN ${turns} || [${message('assistant', chosen)}]::${MESSAGES_TYPE}
      ELSE [${message('user', instruction)}, ${message('assistant', response)}]::${MESSAGES_TYPE} END`,
    answer: 'NULL',
    meta: `CASE WHEN ${isPair}
      THEN json_merge_patch(${common}, json_object('kind', 'pair', 'pairs', json_array(json_object('prompt', to_json(${turns}), 'chosen', ${chosen}, 'rejected', ${rejected}))))
      ELSE json_merge_patch(${common}, json_object('kind', 'sft')) END`,
    key: id,
    content: `coalesce(${instruction}, ${trajectory}[1].value, '') || chr(30) || coalesce(${response}, ${chosen}, '')`,
    checks: [
      ...needed(isPair, 'trajectory', 'a list of {from, value}'),
      ...needed(isPair, 'chosen', 'VARCHAR'),
      ...needed(isPair, 'rejected', 'VARCHAR'),
      {
        when: `${isPair} AND len(${trajectory}) = 0`,
        reason: 'empty_messages',
        detail: `'expected a trajectory that starts with the instruction, found an empty list'`,
      },
      {
        when: `${isPair} AND ${roles}[1] IS DISTINCT FROM 'user'`,
        reason: 'bad_message',
        detail: `'expected the trajectory to start with the user instruction, found a turn from ' || coalesce(${trajectory}[1]."from", 'nobody')`,
      },
      {
        when: `${isPair} AND ${roles}[-1] IS DISTINCT FROM 'user'`,
        reason: 'bad_message',
        detail: `'expected the trajectory to end with a user turn (instruction or feedback) before chosen/rejected, found a turn from ' || coalesce(${trajectory}[-1]."from", 'nobody')`,
      },
      ...needed(`NOT ${isPair}`, 'instruction', 'VARCHAR', neither),
      ...needed(`NOT ${isPair}`, 'response', 'VARCHAR'),
    ],
  };
}

/** UltraFeedback's fine-grained aspects, in the order of its annotation templates. */
const ULTRAFEEDBACK_ASPECTS = ['instruction_following', 'honesty', 'truthfulness', 'helpfulness'] as const;

/**
 * UltraFeedback (`openbmb/UltraFeedback`): one canonical row per instruction. The completions stay
 * in `meta.completions` as `{model, principle, response, ratings: {<aspect>: "1".."5" | "N/A" | null},
 * overall_score, fine_grained_score}` (ratings as published, strings; an aspect given as a one-element
 * list is read like an object), `meta.dataset` is the record's `source`. The conversation is the
 * instruction and the **first** completion, a placeholder until `select/best-rated` picks the best.
 * System prompts (`custom_system_prompt`), rationales and critiques are not kept.
 */
function ultraFeedbackAdapter(): Adapter {
  const instruction = column('instruction');
  const completions = column('completions');
  const rating = (aspect: string) =>
    `nullif(trim(coalesce(json_extract_string(c.annotations, '$.${aspect}.Rating'), json_extract_string(c.annotations, '$.${aspect}[0].Rating'))), '')`;
  const ratings = `{${ULTRAFEEDBACK_ASPECTS.map((aspect) => `${quote(aspect)}: ${rating(aspect)}`).join(', ')}}`;
  const valid = (value: string) =>
    `(${value} IS NULL OR upper(${value}) = 'N/A' OR coalesce(TRY_CAST(${value} AS DOUBLE) BETWEEN 1 AND 5, false))`;
  const allRatings = `flatten(list_transform(${completions}, c -> [${ULTRAFEEDBACK_ASPECTS.map(rating).join(', ')}]))`;
  const badRatings = `list_transform(${completions}, c -> NOT (${ULTRAFEEDBACK_ASPECTS.map((aspect) => valid(rating(aspect))).join(' AND ')}))`;
  const firstWhere = (condition: string) => `list_position(list_transform(${completions}, c -> ${condition}), true)`;
  return {
    name: 'ultrafeedback',
    task: 'chat',
    columns: {
      source: 'VARCHAR',
      instruction: 'VARCHAR',
      completions:
        'STRUCT(model VARCHAR, principle VARCHAR, response VARCHAR, annotations JSON, overall_score VARCHAR, "fine-grained_score" VARCHAR)[]',
    },
    required: ['instruction', 'completions'],
    messages: `[${message('user', instruction)}, ${message('assistant', `${completions}[1].response`)}]::${MESSAGES_TYPE}`,
    answer: 'NULL',
    meta: `json_object('dataset', ${column('source')}, 'completions', to_json(list_transform(${completions}, c -> {
      'model': c.model, 'principle': c.principle, 'response': c.response, 'ratings': ${ratings},
      'overall_score': TRY_CAST(c.overall_score AS DOUBLE), 'fine_grained_score': TRY_CAST(c."fine-grained_score" AS DOUBLE)})))`,
    key: 'NULL',
    content: `${instruction} || chr(30) || coalesce(to_json(list_transform(${completions}, c -> c.response))::VARCHAR, '')`,
    checks: [
      {
        when: `len(${completions}) = 0`,
        reason: 'missing_field',
        detail: `'expected at least one completion, found an empty \`completions\` list'`,
      },
      {
        when: `list_bool_or(list_transform(${completions}, c -> c.response IS NULL))`,
        reason: 'missing_field',
        detail: `'expected field \`completions[' || ${firstWhere('c.response IS NULL')} || '].response\`, found none'`,
      },
      {
        when: `list_bool_or(list_transform(${completions}, c -> c.annotations IS NULL))`,
        reason: 'missing_field',
        detail: `'expected field \`completions[' || ${firstWhere('c.annotations IS NULL')} || '].annotations\`, found none'`,
      },
      {
        when: `list_bool_or(${badRatings})`,
        reason: 'bad_rating',
        detail: `'expected ratings "1".."5" or "N/A", found "' || list_filter(${allRatings}, r -> NOT ${valid('r')})[1] || '" in completions[' || list_position(${badRatings}, true) || ']'`,
      },
    ],
  };
}

/** An adapter built from a recipe's `fields:` mapping. */
export function fieldsAdapter(mapping: FieldsMapping): Adapter {
  const columns: Record<string, string> = {};
  const required: string[] = [];
  if (mapping.messages) {
    columns[mapping.messages] = MESSAGES_TYPE;
    required.push(mapping.messages);
  }
  for (const key of ['prompt', 'response', 'system', 'answer', 'id'] as const) {
    const field = mapping[key];
    if (field) columns[field] = 'VARCHAR';
  }
  if (mapping.prompt && !mapping.messages) required.push(mapping.prompt);
  if (mapping.response && !mapping.messages) required.push(mapping.response);
  for (const field of mapping.meta ?? []) columns[field] ??= 'JSON';
  let messages: string;
  if (mapping.messages) messages = withSystem(mapping.system, column(mapping.messages));
  else {
    const turns = [message('user', column(mapping.prompt as string))];
    if (mapping.response) turns.push(message('assistant', column(mapping.response)));
    messages = withSystem(mapping.system, `[${turns.join(', ')}]`);
  }
  const metaPairs = (mapping.meta ?? []).flatMap((field) => [quote(field), column(field)]);
  const contentParts = mapping.messages
    ? [contentOf(column(mapping.messages))]
    : [mapping.prompt, mapping.response].filter((field): field is string => !!field).map((field) => `coalesce(${column(field)}, '')`);
  return {
    name: 'fields',
    task: 'chat',
    columns,
    required: [...new Set(required)],
    messages,
    answer: mapping.answer ? column(mapping.answer) : 'NULL',
    meta: metaPairs.length > 0 ? `json_object(${metaPairs.join(', ')})` : `'{}'::JSON`,
    key: mapping.id ? column(mapping.id) : 'NULL',
    content: contentParts.join(` || chr(30) || `),
    checks: [],
  };
}

const builders: Record<SourceFormat, () => Adapter> = {
  messages: messagesAdapter,
  sharegpt: shareGptAdapter,
  alpaca: alpacaAdapter,
  'prompt-response': promptResponseAdapter,
  gsm8k: gsm8kAdapter,
  math: mathAdapter,
  ultrainteract: ultraInteractAdapter,
  ultrafeedback: ultraFeedbackAdapter,
};

/** The adapter for a source spec. */
export function adapterFor(spec: { format?: SourceFormat | undefined; fields?: FieldsMapping | undefined }): Adapter {
  if (spec.fields) return fieldsAdapter(spec.fields);
  return builders[spec.format ?? 'messages']();
}

/**
 * The last brace-balanced `\boxed{…}` (or `\fbox{…}`) in a text, without the wrapper; undefined
 * when there is none or its braces never balance. `\boxed 5` (no braces) yields `5`.
 */
export function lastBoxed(text: string): string | undefined {
  let start = text.lastIndexOf('\\boxed');
  let name = '\\boxed';
  if (start < 0) {
    start = text.lastIndexOf('\\fbox');
    name = '\\fbox';
  }
  if (start < 0) return undefined;
  let index = start + name.length;
  if (text[index] === ' ') {
    // `\boxed 5`: the argument runs to the next `$` or whitespace.
    const rest = text.slice(index + 1);
    const end = rest.search(/[\s$]/);
    const value = end < 0 ? rest : rest.slice(0, end);
    return value || undefined;
  }
  if (text[index] !== '{') return undefined;
  let depth = 0;
  for (; index < text.length; index++) {
    const character = text[index];
    if (character === '{') depth++;
    else if (character === '}') {
      depth--;
      if (depth === 0) return text.slice(start + name.length + 1, index);
    }
  }
  return undefined;
}
