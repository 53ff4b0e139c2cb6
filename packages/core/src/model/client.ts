/**
 * The OpenAI-compatible chat-completions client behind `context.model()`.
 *
 * - Answers come from, in order: a replay cassette (when replaying), the workspace cache, the
 *   endpoint. Identical requests in flight at once share one call.
 * - At most `concurrency` HTTP requests are in flight. A request is retried with exponential backoff
 *   and full jitter on a timeout, a dropped connection, 408/409/425/429/5xx (429 and 503 honour
 *   `Retry-After`) and a malformed 200 body; any other status fails at once with the server's words.
 * - A per-run budget (requests sent, tokens) stops the run cleanly: no new request starts, answers
 *   already received stay cached, and a re-run with a larger budget picks up where it stopped.
 * - The API key is read from the environment variable the recipe names; it is sent as a Bearer token
 *   and never printed, stored or recorded.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { get_encoding, type Tiktoken } from 'tiktoken';
import type { Database } from '../db/database.js';
import { OversightError } from '../errors.js';
import type { ModelSpec } from '../recipe/schema.js';
import { CACHE_TABLE, ensureModelCacheTable, ResponseCache } from './cache.js';
import { type CanonicalRequest, canonicalRequest, MalformedBody, parseCompletion, requestKey, type StoredResponse } from './request.js';
import type { ChatRequest, ChatResponse, ModelPort, ModelUsage } from './types.js';

export interface ModelClientOptions {
  spec: ModelSpec;
  /** The workspace; the cache is read and written on a connection of its own. */
  db: Database;
  env?: Record<string, string | undefined>;
  /** Relative `record:`/`replay:` paths resolve from here. */
  recipeDir: string;
  /** Aborts waits and requests (Ctrl-C). */
  signal?: AbortSignal;
  /** Cassette to append answers to; overrides `spec.record`. */
  record?: string;
  /** Cassette to answer from; overrides `spec.replay`. */
  replay?: string;
  /** First retry delay in ms before jitter (default 500); doubles per retry up to 30 s. */
  backoffMs?: number;
}

export interface ModelClient extends ModelPort {
  usage(): ModelUsage;
  /** Waits for pending cache writes and closes the cache connection. */
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;
const RETRY_STATUSES = new Set([408, 409, 425, 429, 500, 502, 503, 504]);
/** Per message, on top of its content: the chat template's role and separators (OpenAI's estimate). */
const TOKENS_PER_MESSAGE = 4;

/** One try's failure that may succeed on another try. */
class Transient extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export async function createModelClient(options: ModelClientOptions): Promise<ModelClient> {
  const { spec } = options;
  const env = options.env ?? process.env;
  const replayPath = options.replay ?? spec.replay;
  const recordPath = options.record ?? spec.record;
  const resolvePath = (path: string) => (isAbsolute(path) ? path : resolve(options.recipeDir, path));
  const cassette = replayPath ? readCassette(resolvePath(replayPath)) : undefined;
  const recordFile = recordPath ? resolvePath(recordPath) : undefined;
  const recorded = recordFile && existsSync(recordFile) ? readCassette(recordFile) : new Map<string, StoredResponse>();
  if (!cassette && !spec.base_url) {
    throw new OversightError('model/no-endpoint', `model \`${spec.name}\`: expected \`base_url\` (or \`replay:\`), found neither`, {
      hint: 'set model.base_url to an OpenAI-compatible endpoint such as http://localhost:8000/v1',
    });
  }
  let apiKey: string | undefined;
  if (spec.api_key_env) {
    apiKey = env[spec.api_key_env];
    if (!apiKey && !cassette) {
      throw new OversightError(
        'model/missing-key',
        `model \`${spec.name}\`: expected the API key in environment variable ${spec.api_key_env} (model.api_key_env), found it unset`,
        { hint: `export ${spec.api_key_env}=… before running` },
      );
    }
  }
  const endpoint = spec.base_url ? `${spec.base_url.replace(/\/+$/, '')}/chat/completions` : '';
  const cacheDb = await options.db.fork();
  await ensureModelCacheTable(cacheDb);
  const cache = new ResponseCache(cacheDb);
  const countTokens = tokenCounter(spec.tokenizer);
  const counters: ModelUsage = { requests: 0, cacheHits: 0, sent: 0, retries: 0, tokensIn: 0, tokensOut: 0 };
  const inflight = new Map<string, Promise<{ stored: StoredResponse; fresh: boolean }>>();
  const backoffMs = options.backoffMs ?? 500;
  const signal = options.signal ?? new AbortController().signal;
  let active = 0;
  const queue: Array<() => void> = [];
  let stopped: OversightError | undefined;
  /** The first failed cache write: reported by the next request and by `close()`. */
  let writeFailure: unknown;
  const checkWrites = () => {
    if (writeFailure !== undefined) {
      throw new OversightError('model/cache-write-failed', `cannot store model answers in ${CACHE_TABLE}: ${String(writeFailure)}`, {
        cause: writeFailure,
      });
    }
  };

  const acquire = async () => {
    if (active < spec.concurrency) {
      active++;
      return;
    }
    await new Promise<void>((resolveSlot) => queue.push(resolveSlot));
  };
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };

  const checkBudget = () => {
    if (stopped) throw stopped;
    const budget = spec.budget;
    if (!budget) return;
    let spent: string | undefined;
    if (budget.max_requests !== undefined && counters.sent >= budget.max_requests)
      spent = `${counters.sent}/${budget.max_requests} requests (model.budget.max_requests)`;
    const tokens = counters.tokensIn + counters.tokensOut;
    if (budget.max_tokens !== undefined && tokens >= budget.max_tokens)
      spent = `${tokens}/${budget.max_tokens} tokens (model.budget.max_tokens)`;
    if (spent) {
      stopped = new OversightError('model/budget-exhausted', `model budget spent: ${spent}; the run stopped before sending more`, {
        hint: 'answers received so far are cached: raise model.budget and run again to continue from there',
      });
      throw stopped;
    }
  };

  // Run-wide abort: one listener on the run's signal reaches every try and backoff in progress
  // (a listener per request would pile up at high concurrency).
  const onRunAbort = new Set<() => void>();
  signal.addEventListener(
    'abort',
    () => {
      for (const abort of [...onRunAbort]) abort();
    },
    { once: true },
  );

  const sleep = (ms: number) =>
    new Promise<void>((resolveSleep, reject) => {
      if (signal.aborted) return reject(interrupted());
      const onAbort = () => {
        clearTimeout(timer);
        onRunAbort.delete(onAbort);
        reject(interrupted());
      };
      const timer = setTimeout(() => {
        onRunAbort.delete(onAbort);
        resolveSleep();
      }, ms);
      onRunAbort.add(onAbort);
    });

  /** One HTTP try. */
  const send = async (body: CanonicalRequest): Promise<StoredResponse> => {
    checkBudget();
    counters.sent++;
    // One controller per try, aborted by the timeout or by the run's signal (cheaper than
    // AbortSignal.timeout + AbortSignal.any, which dominate the client's own cost at high rates).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, spec.timeout_s * 1000);
    const onAbort = () => controller.abort();
    onRunAbort.add(onAbort);
    let response: Response;
    let text: string;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw interrupted();
      if (timedOut) throw new Transient(`no answer within ${spec.timeout_s} s (model.timeout_s)`);
      throw new Transient(`connection failed: ${describeFetchError(error)}`);
    } finally {
      clearTimeout(timer);
      onRunAbort.delete(onAbort);
    }
    if (response.status !== 200) {
      const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
      if (RETRY_STATUSES.has(response.status)) {
        throw new Transient(`HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`, retryAfter(response.headers.get('retry-after')));
      }
      throw new OversightError(
        'model/request-rejected',
        `POST ${endpoint} (model \`${spec.name}\`): expected HTTP 200, found ${response.status}${excerpt ? `: ${excerpt}` : ''}`,
        {
          hint:
            response.status === 401 || response.status === 403
              ? `check the API key in ${spec.api_key_env ?? 'model.api_key_env (none is set)'}`
              : response.status === 404
                ? 'check model.base_url (it ends before /chat/completions, e.g. http://host:8000/v1) and model.name'
                : 'the endpoint refused the request as sent; see its message',
        },
      );
    }
    let parsed: ReturnType<typeof parseCompletion>;
    try {
      parsed = parseCompletion(text);
    } catch (error) {
      if (error instanceof MalformedBody) throw new Transient(`malformed body: ${error.message}`);
      throw error;
    }
    const usage = parsed.usage ?? {
      prompt_tokens: body.messages.reduce((sum, message) => sum + countTokens(message.content) + TOKENS_PER_MESSAGE, 0),
      completion_tokens: parsed.choices.reduce((sum, choice) => sum + countTokens(choice.content), 0),
    };
    counters.tokensIn += usage.prompt_tokens;
    counters.tokensOut += usage.completion_tokens;
    return { choices: parsed.choices, usage };
  };

  /** Tries until an answer, a permanent failure, or retries run out. */
  const withRetries = async (body: CanonicalRequest): Promise<StoredResponse> => {
    for (let attempt = 0; ; attempt++) {
      await acquire();
      let failure: Transient;
      try {
        return await send(body);
      } catch (error) {
        if (!(error instanceof Transient)) throw error;
        failure = error;
      } finally {
        release();
      }
      if (attempt >= spec.retries) {
        throw new OversightError(
          'model/unavailable',
          `POST ${endpoint} (model \`${spec.name}\`): gave up after ${attempt + 1} tries; last: ${failure.message}`,
          { hint: 'check that the endpoint is up, or raise model.retries / model.timeout_s; answers so far are cached' },
        );
      }
      counters.retries++;
      const exponential = Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** attempt);
      const jittered = exponential / 2 + Math.random() * (exponential / 2);
      await sleep(Math.max(jittered, failure.retryAfterMs ?? 0));
    }
  };

  /** Asks until `body.n` choices are in (a server may return fewer than asked). */
  const fetchAll = async (body: CanonicalRequest): Promise<StoredResponse> => {
    const first = await withRetries(body);
    const choices = first.choices.slice(0, body.n);
    const usage = { ...first.usage };
    for (let round = 1; choices.length < body.n && round < body.n; round++) {
      const rest = body.n - choices.length;
      const more = await withRetries({ ...body, n: rest, ...(body.seed !== undefined ? { seed: body.seed + round } : {}) });
      choices.push(...more.choices.slice(0, rest));
      usage.prompt_tokens += more.usage.prompt_tokens;
      usage.completion_tokens += more.usage.completion_tokens;
    }
    if (choices.length < body.n) {
      throw new OversightError(
        'model/short-answer',
        `POST ${endpoint} (model \`${spec.name}\`): expected ${body.n} choices, found ${choices.length} after ${body.n} requests`,
      );
    }
    return { choices, usage };
  };

  /** The answer and where it came from (`endpoint` only when this call sent requests). */
  const answer = async (body: CanonicalRequest, key: string): Promise<{ stored: StoredResponse; fresh: boolean }> => {
    if (cassette) {
      const stored = cassette.get(key);
      if (!stored) {
        const last = [...body.messages].reverse().find((message) => message.role === 'user')?.content ?? '';
        throw new OversightError(
          'model/replay-miss',
          `replay ${replayPath}: expected a recorded answer for request ${key.slice(0, 12)} (“${last.replace(/\s+/g, ' ').slice(0, 60)}”), found none`,
          { hint: 'record the cassette again against a live endpoint with `--record FILE` (or model.record)' },
        );
      }
      return { stored, fresh: false };
    }
    const cached = await cache.get(key);
    if (cached) return { stored: cached, fresh: false };
    const stored = await fetchAll(body);
    // Committed in the background, grouped with answers arriving meanwhile (a commit takes about a
    // millisecond; waiting for it would idle the lane). `close()` waits for every write.
    cache.put({ key, model: spec.name, request: body, response: stored }).catch((error: unknown) => {
      writeFailure ??= error;
    });
    return { stored, fresh: true };
  };

  const complete = async (request: ChatRequest, known?: { body: CanonicalRequest; key: string }): Promise<ChatResponse> => {
    if (signal.aborted) throw interrupted();
    if (stopped) throw stopped;
    checkWrites();
    const body = known?.body ?? canonicalRequest(spec, request);
    const key = known?.key ?? requestKey(body);
    let pending = inflight.get(key);
    // A request equal to one in flight waits for that one's answer: it sends nothing itself.
    const joined = pending !== undefined;
    if (!pending) {
      pending = answer(body, key).finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    const { stored, fresh } = await pending;
    const hit = joined || !fresh;
    counters.requests++;
    if (hit) counters.cacheHits++;
    if (recordFile && !recorded.has(key)) {
      recorded.set(key, stored);
      appendFileSync(recordFile, `${JSON.stringify({ key, request: body, response: stored })}\n`);
    }
    return {
      choices: stored.choices.map((choice) => ({ content: choice.content, finishReason: choice.finish_reason })),
      usage: { promptTokens: stored.usage.prompt_tokens, completionTokens: stored.usage.completion_tokens },
      cached: hit,
    };
  };

  return {
    name: spec.name,
    complete: (request) => complete(request),
    completeAll: async (requests, onProgress) => {
      const prepared = requests.map((request) => {
        const body = canonicalRequest(spec, request);
        return { body, key: requestKey(body) };
      });
      if (!cassette) await cache.prefetch(prepared.map((entry) => entry.key));
      const results: ChatResponse[] = new Array(requests.length);
      let next = 0;
      let done = 0;
      let failure: unknown;
      const lanes = Math.min(requests.length, Math.max(1, spec.concurrency));
      const lane = async () => {
        while (failure === undefined && next < requests.length) {
          const index = next++;
          try {
            results[index] = await complete(requests[index] as ChatRequest, prepared[index]);
            done++;
            onProgress?.(done);
          } catch (error) {
            failure ??= error;
          }
        }
      };
      await Promise.all(Array.from({ length: lanes }, lane));
      if (failure !== undefined) throw failure;
      return results;
    },
    countTokens,
    usage: () => ({ ...counters }),
    close: async () => {
      await cache.drain();
      cacheDb.close();
      checkWrites();
    },
  };
}

const encoders = new Map<string, Tiktoken>();

/** Counts tokens of a text in a tiktoken encoding; the encoder is built on first use and kept. */
export function tokenCounter(encoding: ModelSpec['tokenizer']): (text: string) => number {
  return (text) => {
    if (!text) return 0;
    let encoder = encoders.get(encoding);
    if (!encoder) {
      encoder = get_encoding(encoding);
      encoders.set(encoding, encoder);
    }
    return encoder.encode_ordinary(text).length;
  };
}

function interrupted(): OversightError {
  return new OversightError('run/interrupted', 'run interrupted');
}

/** `Retry-After` as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 10 * 60_000);
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.max(0, Math.min(date - Date.now(), 10 * 60_000));
  return undefined;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/** A cassette: one JSON object per line, `{key, request, response}`. */
function readCassette(path: string): Map<string, StoredResponse> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OversightError(
      'model/cassette-unreadable',
      `expected a JSONL cassette at ${path}, found ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const entries = new Map<string, StoredResponse>();
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let entry: { key?: unknown; response?: StoredResponse };
    try {
      entry = JSON.parse(line) as { key?: unknown; response?: StoredResponse };
    } catch (error) {
      throw new OversightError(
        'model/cassette-invalid',
        `${path}:${index + 1}:1: expected a JSON object, found ${(error as Error).message}`,
      );
    }
    if (typeof entry.key !== 'string' || !entry.response || !Array.isArray(entry.response.choices)) {
      throw new OversightError(
        'model/cassette-invalid',
        `${path}:${index + 1}:1: expected {"key", "request", "response": {"choices", "usage"}}, found ${line.slice(0, 80)}`,
      );
    }
    entries.set(entry.key, entry.response);
  }
  return entries;
}
