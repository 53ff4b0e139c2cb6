/** The loopback chat-completions server for tests (core's `startLoopbackModel`, under the name tests use). */
import { type LoopbackModel, type LoopbackModelOptions, type Responder, startLoopbackModel } from '@oversight/core';

export type { Fault, ServedRequest } from '@oversight/core';
export type { Responder };

export type ModelServer = LoopbackModel;

/** Starts a scripted OpenAI-compatible server on 127.0.0.1; `close()` it in `afterAll`/`finally`. */
export function startModelServer(options: LoopbackModelOptions): Promise<ModelServer> {
  return startLoopbackModel(options);
}
