/**
 * Requests as sent and answers as stored: the canonical request (every sampling field filled from
 * the recipe's defaults) is what the cache key hashes, so equal requests always share one answer.
 */
import { createHash } from 'node:crypto';
import type { ModelSpec } from '../recipe/schema.js';
import { stableStringify } from '../runner/fingerprint.js';
import type { ChatMessage, ChatRequest } from './types.js';

/** The request body fields that decide the answer (what the cache key covers). */
export interface CanonicalRequest {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  top_p: number;
  max_tokens: number;
  n: number;
  seed?: number;
  stop?: string[];
}

/** An answer as cached and recorded (the OpenAI wire names). */
export interface StoredResponse {
  choices: Array<{ content: string; finish_reason: string | null }>;
  usage: { prompt_tokens: number; completion_tokens: number };
}

export function canonicalRequest(spec: ModelSpec, request: ChatRequest): CanonicalRequest {
  const seed = request.seed ?? spec.seed;
  return {
    model: spec.name,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    temperature: request.temperature ?? spec.temperature,
    top_p: request.top_p ?? spec.top_p,
    max_tokens: request.max_tokens ?? spec.max_tokens,
    n: request.n ?? 1,
    ...(seed !== undefined ? { seed } : {}),
    ...(request.stop && request.stop.length > 0 ? { stop: [...request.stop] } : {}),
  };
}

/** Hex SHA-256 of the canonical request. */
export function requestKey(request: CanonicalRequest): string {
  return createHash('sha256').update(stableStringify(request)).digest('hex');
}

/** Why a 200 answer could not be used; retried like a server error. */
export class MalformedBody extends Error {}

/**
 * Reads a chat-completions body: `choices[].message.content` (a string; null content reads as
 * empty), `finish_reason`, and `usage` when given (null otherwise).
 */
export function parseCompletion(text: string): {
  choices: Array<{ content: string; finish_reason: string | null }>;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
} {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MalformedBody(`expected a JSON body, found ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (body === null || typeof body !== 'object')
    throw new MalformedBody(`expected a JSON object, found ${JSON.stringify(text.slice(0, 80))}`);
  const record = body as Record<string, unknown>;
  if (!Array.isArray(record.choices) || record.choices.length === 0) {
    throw new MalformedBody(`expected a non-empty \`choices\` array, found ${JSON.stringify(text.slice(0, 80))}`);
  }
  const choices = record.choices.map((choice, index) => {
    const message = (choice as { message?: { content?: unknown } } | null)?.message;
    const content = message?.content;
    if (message === undefined || (content !== null && typeof content !== 'string')) {
      throw new MalformedBody(
        `expected \`choices[${index}].message.content\` to be a string, found ${JSON.stringify(choice).slice(0, 80)}`,
      );
    }
    const reason = (choice as { finish_reason?: unknown }).finish_reason;
    return { content: content ?? '', finish_reason: typeof reason === 'string' ? reason : null };
  });
  const usage = record.usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | undefined;
  const counted =
    usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number'
      ? { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens }
      : null;
  return { choices, usage: counted };
}
