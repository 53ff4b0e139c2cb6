/**
 * Adapters from the row formats people publish (OpenAI/TRL `messages`, ShareGPT, Alpaca,
 * prompt/response, GSM8K, MATH, or any JSON with a `fields:` mapping) to the canonical sample.
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
  task: Task;
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
  /** Adapter-specific problems, checked after the common ones: SQL condition → reason. */
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
