/**
 * The model port: what a model-backed step sees of the LLM endpoint. Steps never talk HTTP; they
 * hand requests to `context.model()` and get answers back, cached, retried and counted by the client.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** One chat-completions request. Unset sampling fields take the recipe's `model:` defaults. */
export interface ChatRequest {
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  /** Samples wanted; when the server returns fewer, the client asks again for the rest. */
  n?: number;
  seed?: number;
  stop?: string[];
}

export interface ChatChoice {
  content: string;
  /** `stop`, `length`, … as the server said; null when it said nothing. */
  finishReason: string | null;
}

export interface ChatResponse {
  /** Exactly `n` choices. */
  choices: ChatChoice[];
  usage: { promptTokens: number; completionTokens: number };
  /** True when answered from the cache or a replay cassette (no request was sent). */
  cached: boolean;
}

/** Counters of one run's model use, shown in the run summary and `run --json`. */
export interface ModelUsage {
  /** Requests answered (from the endpoint, the cache or a cassette). */
  requests: number;
  /** Of those, answered from the cache or a replay cassette. */
  cacheHits: number;
  /** HTTP requests sent, retries included. */
  sent: number;
  retries: number;
  tokensIn: number;
  tokensOut: number;
}

export interface ModelPort {
  /** Model name as sent in requests. */
  readonly name: string;
  /**
   * One completion. Answers come from the workspace cache when this exact request (model, messages,
   * sampling) was answered before; otherwise the endpoint is called with retries. Rejects with an
   * `OversightError` on a non-retryable failure, retries exhausted, or the run's budget spent.
   */
  complete(request: ChatRequest): Promise<ChatResponse>;
  /**
   * Many completions, at most `concurrency` in flight, results in input order; `onProgress(done)`
   * after each. On the first failure no new request starts; it rejects once in-flight ones settle
   * (their answers are cached).
   */
  completeAll(requests: readonly ChatRequest[], onProgress?: (done: number) => void): Promise<ChatResponse[]>;
  /** Tokens of `text` in the recipe's tokenizer (cl100k_base unless set). */
  countTokens(text: string): number;
}
