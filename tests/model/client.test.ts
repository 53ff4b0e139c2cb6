/**
 * The model client against the loopback server: caching (across clients, while a transaction is
 * open), retries on every injected fault, permanent errors, the budget, `n`, keys, cassettes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChatRequest,
  createModelClient,
  Database,
  ensureWorkspaceTables,
  type ModelSpec,
  modelSchema,
  OversightError,
  sql,
} from '@oversight/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Fault, type ModelServer, startModelServer } from '../helpers/model-server.js';

let db: Database;
let dir: string;
const servers: ModelServer[] = [];

beforeEach(async () => {
  db = await Database.open(':memory:');
  await ensureWorkspaceTables(db);
  dir = mkdtempSync(join(tmpdir(), 'oversight-model-'));
});

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Echoes the last user turn, upper-cased, once per choice (`#i` appended for n > 1). */
const echo = (request: { messages: Array<{ content: string }>; n: number }) => {
  const last = request.messages.at(-1)?.content ?? '';
  return request.n === 1
    ? `ECHO ${last.toUpperCase()}`
    : Array.from({ length: request.n }, (_, index) => `ECHO ${last.toUpperCase()} #${index}`);
};

async function server(options: Partial<Parameters<typeof startModelServer>[0]> = {}): Promise<ModelServer> {
  const started = await startModelServer({ respond: echo, ...options });
  servers.push(started);
  return started;
}

function spec(fields: Record<string, unknown>): ModelSpec {
  return modelSchema.parse({ name: 'scripted', ...fields });
}

async function client(fields: Record<string, unknown>, extra: { env?: Record<string, string>; record?: string; replay?: string } = {}) {
  return createModelClient({ spec: spec(fields), db, recipeDir: dir, backoffMs: 1, ...extra });
}

const ask = (content: string, more: Partial<ChatRequest> = {}): ChatRequest => ({ messages: [{ role: 'user', content }], ...more });

async function failure(promise: Promise<unknown>): Promise<OversightError> {
  try {
    await promise;
  } catch (error) {
    if (OversightError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a failure, found success');
}

describe('model client', () => {
  it('answers, reports usage, and serves a repeated request from the cache', async () => {
    const endpoint = await server();
    const model = await client({ base_url: endpoint.url });
    const first = await model.complete(ask('two plus two'));
    expect(first.choices).toEqual([{ content: 'ECHO TWO PLUS TWO', finishReason: 'stop' }]);
    expect(first.cached).toBe(false);
    expect(first.usage).toEqual({ promptTokens: 3 + 4, completionTokens: 4 });
    const again = await model.complete(ask('two plus two'));
    expect(again.cached).toBe(true);
    expect(again.choices[0]?.content).toBe('ECHO TWO PLUS TWO');
    expect(endpoint.requests()).toBe(1);
    // Sampling fields are part of the key: another temperature is another request.
    await model.complete(ask('two plus two', { temperature: 0.7 }));
    expect(endpoint.requests()).toBe(2);
    expect(model.usage()).toEqual({ requests: 3, cacheHits: 1, sent: 2, retries: 0, tokensIn: 14, tokensOut: 8 });
    await model.close();
  });

  it('keeps answers committed while an outer transaction rolls back, and a new client reuses them', async () => {
    const endpoint = await server();
    const model = await client({ base_url: endpoint.url });
    await db.run(sql`BEGIN TRANSACTION`);
    await model.completeAll([ask('a'), ask('b'), ask('c')]);
    await db.run(sql`ROLLBACK`);
    await model.close();
    const rows = await db.one<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM _model_cache`);
    expect(rows?.n).toBe(3);
    const next = await client({ base_url: endpoint.url });
    const answers = await next.completeAll([ask('a'), ask('b'), ask('c'), ask('d')]);
    expect(answers.map((answer) => answer.cached)).toEqual([true, true, true, false]);
    expect(endpoint.requests()).toBe(4);
    await next.close();
  });

  it('retries through 429 (Retry-After), 500, 503, malformed bodies, dropped connections and timeouts', async () => {
    const plan: Record<number, Fault> = {
      1: { kind: 'status', status: 429, retryAfter: 0 },
      2: { kind: 'status', status: 500 },
      3: { kind: 'malformed', variant: 'json' },
      4: { kind: 'malformed', variant: 'shape' },
      5: { kind: 'drop' },
      6: { kind: 'delay', ms: 400 },
      7: { kind: 'status', status: 503 },
    };
    const endpoint = await server({ faults: (number) => plan[number] });
    const model = await client({ base_url: endpoint.url, timeout_s: 0.2, retries: 8 });
    const answer = await model.complete(ask('still here'));
    expect(answer.choices[0]?.content).toBe('ECHO STILL HERE');
    expect(model.usage().retries).toBe(7);
    expect(model.usage().sent).toBe(8);
    await model.close();
  });

  it('honours Retry-After seconds before the next try', async () => {
    const endpoint = await server({ faults: (number) => (number === 1 ? { kind: 'status', status: 429, retryAfter: 1 } : undefined) });
    const model = await client({ base_url: endpoint.url });
    const began = Date.now();
    await model.complete(ask('wait'));
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
    await model.close();
  });

  it('fails at once on a 4xx that retrying cannot fix, with the status and the server words', async () => {
    const endpoint = await server({
      faults: () => ({ kind: 'status', status: 400, body: '{"error":{"message":"max_tokens too large"}}' }),
    });
    const model = await client({ base_url: endpoint.url });
    const error = await failure(model.complete(ask('x')));
    expect(error.code).toBe('model/request-rejected');
    expect(error.message).toContain(`POST ${endpoint.url}/chat/completions`);
    expect(error.message).toContain('expected HTTP 200, found 400');
    expect(error.message).toContain('max_tokens too large');
    expect(endpoint.requests()).toBe(1);
    await model.close();
  });

  it('gives up after `retries` and says what failed last', async () => {
    const endpoint = await server({ faults: () => ({ kind: 'status', status: 502 }) });
    const model = await client({ base_url: endpoint.url, retries: 2 });
    const error = await failure(model.complete(ask('x')));
    expect(error.code).toBe('model/unavailable');
    expect(error.message).toContain('gave up after 3 tries; last: HTTP 502');
    expect(endpoint.requests()).toBe(3);
    await model.close();
  });

  it('stops cleanly at the request budget, keeps what it got, and continues on a re-run', async () => {
    const endpoint = await server();
    const requests = Array.from({ length: 10 }, (_, index) => ask(`q${index}`));
    const limited = await client({ base_url: endpoint.url, concurrency: 1, budget: { max_requests: 4 } });
    const error = await failure(limited.completeAll(requests));
    expect(error.code).toBe('model/budget-exhausted');
    expect(error.message).toContain('4/4 requests (model.budget.max_requests)');
    expect(error.hint).toContain('raise model.budget');
    await limited.close();
    expect(endpoint.requests()).toBe(4);
    const more = await client({ base_url: endpoint.url, concurrency: 1, budget: { max_requests: 6 } });
    const answers = await more.completeAll(requests);
    expect(answers.filter((answer) => answer.cached)).toHaveLength(4);
    expect(endpoint.requests()).toBe(10);
    await more.close();
  });

  it('stops at the token budget', async () => {
    const endpoint = await server();
    const model = await client({ base_url: endpoint.url, concurrency: 1, budget: { max_tokens: 20 } });
    const error = await failure(model.completeAll(Array.from({ length: 5 }, (_, index) => ask(`word ${index}`))));
    expect(error.code).toBe('model/budget-exhausted');
    expect(error.message).toMatch(/\d+\/20 tokens \(model\.budget\.max_tokens\)/);
    await model.close();
  });

  it('asks again when a server returns fewer than n choices', async () => {
    const endpoint = await server({ respond: () => 'one sample' });
    // A server that ignores `n` answers one choice per request.
    const stingy = await server({ respond: (request) => [`only ${request.n}`] });
    const model = await client({ base_url: stingy.url, seed: 3 });
    const answer = await model.complete(ask('x', { n: 3 }));
    expect(answer.choices.map((choice) => choice.content)).toEqual(['only 3', 'only 2', 'only 1']);
    expect(stingy.received.map((request) => request.seed)).toEqual([3, 4, 5]);
    expect(endpoint.requests()).toBe(0);
    await model.close();
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let active = 0;
    let peak = 0;
    const endpoint = await server({
      respond: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 20));
        active--;
        return 'ok';
      },
    });
    const model = await client({ base_url: endpoint.url, concurrency: 3 });
    const done: number[] = [];
    await model.completeAll(
      Array.from({ length: 12 }, (_, index) => ask(`r${index}`)),
      (count) => done.push(count),
    );
    expect(peak).toBe(3);
    expect(done).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
    await model.close();
  });

  it('sends the API key from the named variable and stores it nowhere', async () => {
    const endpoint = await server({ apiKey: 'sk-secret-123' });
    const cassette = join(dir, 'tape.jsonl');
    const model = await client(
      { base_url: endpoint.url, api_key_env: 'TEST_MODEL_KEY' },
      { env: { TEST_MODEL_KEY: 'sk-secret-123' }, record: cassette },
    );
    await model.complete(ask('secret?'));
    await model.close();
    expect(endpoint.authorizations).toEqual(['Bearer sk-secret-123']);
    const stored = await db.all(sql`SELECT * FROM _model_cache`);
    expect(JSON.stringify(stored)).not.toContain('sk-secret');
    expect(readFileSync(cassette, 'utf8')).not.toContain('sk-secret');
    const missing = await failure(client({ base_url: endpoint.url, api_key_env: 'TEST_MODEL_KEY' }, { env: {} }));
    expect(missing.code).toBe('model/missing-key');
    expect(missing.message).toContain('environment variable TEST_MODEL_KEY');
    const wrong = await client({ base_url: endpoint.url, api_key_env: 'TEST_MODEL_KEY' }, { env: { TEST_MODEL_KEY: 'sk-wrong' } });
    const rejected = await failure(wrong.complete(ask('again')));
    expect(rejected.message).toContain('found 401');
    expect(rejected.message).not.toContain('sk-wrong');
    await wrong.close();
  });

  it('records a cassette and replays it with no endpoint; a request not on it fails with its key', async () => {
    const endpoint = await server();
    const cassette = join(dir, 'tape.jsonl');
    const recorder = await client({ base_url: endpoint.url }, { record: cassette });
    const live = await recorder.completeAll([ask('alpha'), ask('beta', { n: 2 })]);
    await recorder.close();
    expect(readFileSync(cassette, 'utf8').trim().split('\n')).toHaveLength(2);
    const player = await client({}, { replay: cassette });
    const replayed = await player.completeAll([ask('alpha'), ask('beta', { n: 2 })]);
    expect(replayed.map((answer) => answer.choices)).toEqual(live.map((answer) => answer.choices));
    expect(replayed.every((answer) => answer.cached)).toBe(true);
    const miss = await failure(player.complete(ask('gamma')));
    expect(miss.code).toBe('model/replay-miss');
    expect(miss.message).toContain('“gamma”');
    expect(endpoint.requests()).toBe(2);
    await player.close();
  });

  it('counts tokens with tiktoken when the server reports no usage', async () => {
    const endpoint = await server({ usage: false, respond: () => 'The answer is: 4' });
    const model = await client({ base_url: endpoint.url });
    const answer = await model.complete(ask('What is 2 + 2?'));
    expect(answer.usage.promptTokens).toBe(model.countTokens('What is 2 + 2?') + 4);
    expect(answer.usage.completionTokens).toBe(model.countTokens('The answer is: 4'));
    expect(model.countTokens('What is 2 + 2?')).toBe(8);
    await model.close();
  });

  it('shares one call between identical requests in flight', async () => {
    const endpoint = await server({
      respond: async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return 'same';
      },
    });
    const model = await client({ base_url: endpoint.url });
    const answers = await Promise.all([model.complete(ask('dup')), model.complete(ask('dup')), model.complete(ask('dup'))]);
    expect(answers.map((answer) => answer.choices[0]?.content)).toEqual(['same', 'same', 'same']);
    expect(endpoint.requests()).toBe(1);
    expect(model.usage()).toMatchObject({ requests: 3, cacheHits: 2, sent: 1 });
    await model.close();
  });

  it('stops waiting at once when the run is interrupted (Ctrl-C), mid-request and mid-backoff', async () => {
    const endpoint = await server({
      faults: (number) => (number <= 2 ? { kind: 'status', status: 503, retryAfter: 30 } : { kind: 'delay', ms: 30_000 }),
    });
    const controller = new AbortController();
    const model = await createModelClient({ spec: spec({ base_url: endpoint.url }), db, recipeDir: dir, signal: controller.signal });
    const pending = Promise.allSettled([model.complete(ask('one')), model.complete(ask('two')), model.complete(ask('three'))]);
    while (endpoint.requests() < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    const began = Date.now();
    controller.abort();
    const outcomes = await pending;
    expect(Date.now() - began).toBeLessThan(1000);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason.code).toBe('run/interrupted');
    }
    await model.close();
  });

  it('refuses to start without an endpoint or a cassette', async () => {
    const error = await failure(client({}));
    expect(error.code).toBe('model/no-endpoint');
  });
});
