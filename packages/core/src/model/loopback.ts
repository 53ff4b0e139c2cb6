/**
 * A chat-completions server on loopback for tests and benchmarks: it speaks the OpenAI protocol
 * (`POST /v1/chat/completions`, `GET /v1/models`), answers with a scripted responder, and injects
 * faults on chosen requests (delays, 429 with `Retry-After`, 5xx, malformed JSON, dropped
 * connections). Offline by construction: it listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatMessage } from './types.js';

/** A request as the server received it (`n` defaults to 1). */
export interface ServedRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  n: number;
  seed?: number;
  stop?: string[];
}

/** The scripted model: the contents of the `n` choices (a string is used for every choice). */
export type Responder = (request: ServedRequest) => string | string[] | Promise<string | string[]>;

export type Fault =
  /** Answer with this status (429, 500, 503 …), with `Retry-After: retryAfter` seconds when given. */
  | { kind: 'status'; status: number; retryAfter?: number; body?: string }
  /** A 200 whose body is not a chat completion (`json`: not JSON at all; `shape`: JSON without choices). */
  | { kind: 'malformed'; variant?: 'json' | 'shape' }
  /** Close the socket without answering. */
  | { kind: 'drop' }
  /** Wait this long, then answer normally (or not at all if the client gave up). */
  | { kind: 'delay'; ms: number };

export interface LoopbackModelOptions {
  respond: Responder;
  /** Fault for the k-th HTTP request (1-based, counting every request, retries included). */
  faults?: (requestNumber: number, request: ServedRequest) => Fault | undefined;
  /** Report `usage` in answers (default true); without it clients count tokens themselves. */
  usage?: boolean;
  /** Answer only to this model name (others get 404, like a real server); default: any. */
  model?: string;
  /** Require `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
}

export interface LoopbackModel {
  /** Base URL including `/v1`, for `model.base_url`. */
  readonly url: string;
  /** Requests that reached the responder (faulted ones excluded), in arrival order. */
  readonly received: ServedRequest[];
  /** Every HTTP request, faulted or not. */
  requests(): number;
  /** Authorization headers seen (for checking that keys are sent, never logged). */
  readonly authorizations: string[];
  close(): Promise<void>;
}

export async function startLoopbackModel(options: LoopbackModelOptions): Promise<LoopbackModel> {
  const received: ServedRequest[] = [];
  const authorizations: string[] = [];
  let count = 0;
  let completionId = 0;
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { error: { message: String(error) } });
    });
  });
  server.keepAliveTimeout = 30_000;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && path === '/v1/models') {
      send(response, 200, { object: 'list', data: [{ id: options.model ?? 'scripted', object: 'model' }] });
      return;
    }
    if (request.method !== 'POST' || path !== '/v1/chat/completions') {
      send(response, 404, { error: { message: `no route ${request.method} ${path}` } });
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    count++;
    const number = count;
    if (request.headers.authorization) authorizations.push(request.headers.authorization);
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      send(response, 401, { error: { message: 'invalid api key' } });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      send(response, 400, { error: { message: 'request body is not JSON' } });
      return;
    }
    if (!Array.isArray(body.messages) || typeof body.model !== 'string') {
      send(response, 400, { error: { message: 'expected `model` and `messages`' } });
      return;
    }
    if (options.model !== undefined && body.model !== options.model) {
      send(response, 404, { error: { message: `model ${body.model} not found` } });
      return;
    }
    const served: ServedRequest = {
      model: body.model,
      messages: body.messages as ChatMessage[],
      n: typeof body.n === 'number' ? body.n : 1,
      ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
      ...(typeof body.top_p === 'number' ? { top_p: body.top_p } : {}),
      ...(typeof body.max_tokens === 'number' ? { max_tokens: body.max_tokens } : {}),
      ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
      ...(Array.isArray(body.stop) ? { stop: body.stop as string[] } : {}),
    };
    const fault = options.faults?.(number, served);
    if (fault?.kind === 'status') {
      response.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}),
      });
      response.end(fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status}` } }));
      return;
    }
    if (fault?.kind === 'malformed') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(fault.variant === 'shape' ? JSON.stringify({ id: 'x', object: 'chat.completion' }) : '{"id": "x", "choices": [');
      return;
    }
    if (fault?.kind === 'drop') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') {
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      if (request.socket.destroyed) return;
    }
    received.push(served);
    const answer = await options.respond(served);
    const contents = typeof answer === 'string' ? Array.from({ length: served.n }, () => answer) : answer;
    const words = (text: string) => (text.match(/\S+/g) ?? []).length;
    send(response, 200, {
      id: `chatcmpl-${++completionId}`,
      object: 'chat.completion',
      created: 0,
      model: served.model,
      choices: contents.map((content, index) => ({
        index,
        message: { role: 'assistant', content },
        finish_reason: 'stop',
      })),
      ...(options.usage === false
        ? {}
        : {
            usage: {
              prompt_tokens: served.messages.reduce((sum, message) => sum + words(message.content) + 4, 0),
              completion_tokens: contents.reduce((sum, content) => sum + words(content), 0),
              total_tokens: 0,
            },
          }),
    });
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    received,
    authorizations,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
