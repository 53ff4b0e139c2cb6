/**
 * How a model-backed step asks for a worked solution: the answer prompt shared by `sample/rejection`
 * (k samples of a row's problem) and `evolve/instruct` (k samples of an evolved problem). The default
 * asks for step-by-step reasoning ending in WizardMath's `The answer is: X` line (METHODS.md §3.2),
 * which the strict grader's `wizardmath` extractor reads.
 */
import { type ChatMessage, OversightError } from '@oversight/core';

/** The placeholder that makes an answer prompt a user-message template instead of a system message. */
export const PROBLEM_PLACEHOLDER = '{problem}';

/** The default answer prompt (a system message): reason step by step, end with `The answer is: X`. */
export const DEFAULT_ANSWER_PROMPT =
  'Solve the problem step by step. Show the reasoning behind each step, then finish with a last line of the form ' +
  '"The answer is: X", where X is only the final answer (a number or a mathematical expression, without units).';

/** A conversation message as read from a canonical row (roles beyond the chat roles included). */
export interface RowMessage {
  role: string;
  content: string | null;
}

/**
 * A row's conversation from its JSON text (`to_json(messages)`); `where` names the row in an error.
 * A canonical row always has a list; anything else is a bug upstream, reported as such.
 */
export function parseRowMessages(json: unknown, where: string): RowMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(json));
  } catch (error) {
    parsed = error;
  }
  if (parsed === null) return [];
  if (Array.isArray(parsed)) return parsed as RowMessage[];
  throw new OversightError(
    'step/bad-input',
    `${where}: expected its messages as a JSON list, found ${String(json).slice(0, 80)}${parsed instanceof Error ? ` (${parsed.message})` : ''}`,
  );
}

/**
 * The turns to answer: the row's conversation without its final assistant turn (the response that
 * sampling replaces). Null when no user turn is left to answer.
 */
export function promptTurns(messages: readonly RowMessage[]): RowMessage[] | null {
  const turns = messages.at(-1)?.role === 'assistant' ? messages.slice(0, -1) : [...messages];
  return turns.some((message) => message.role === 'user') ? turns : null;
}

/** The last user turn of a conversation, or null. */
export function lastUserTurn(messages: readonly RowMessage[]): string | null {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message?.role === 'user') return message.content ?? '';
  }
  return null;
}

/**
 * The request messages for answering `turns` with `prompt`:
 * - a prompt containing `{problem}` is a user-message template: the last user turn is replaced by
 *   the template with `{problem}` filled in (every occurrence);
 * - any other non-empty prompt is a system message put first (joined with the row's own system
 *   message, ours first, when it has one);
 * - an empty prompt sends the turns as they are.
 * Turns with roles other than system/user/assistant (`tool`) are sent as user turns.
 */
export function answerMessages(turns: readonly RowMessage[], prompt: string): ChatMessage[] {
  const messages: ChatMessage[] = turns.map((message) => ({
    role: message.role === 'system' || message.role === 'assistant' ? message.role : 'user',
    content: message.content ?? '',
  }));
  if (prompt.includes(PROBLEM_PLACEHOLDER)) {
    for (let index = turns.length - 1; index >= 0; index--) {
      if (turns[index]?.role !== 'user') continue;
      const message = messages[index] as ChatMessage;
      const problem = message.content;
      // A replacer function: a string replacement would read `$$` (TeX display math) as a pattern.
      message.content = prompt.replaceAll(PROBLEM_PLACEHOLDER, () => problem);
      break;
    }
    return messages;
  }
  if (prompt.trim() === '') return messages;
  const first = messages[0];
  if (first?.role === 'system') {
    first.content = first.content.trim() === '' ? prompt : `${prompt}\n\n${first.content}`;
    return messages;
  }
  return [{ role: 'system', content: prompt }, ...messages];
}
