/**
 * A small pool of worker threads for the CPU-heavy loops (shingling, signatures, n-gram matching).
 * Size 0 runs tasks inline on the calling thread with the same code, so results never depend on the
 * pool size. The size comes from `OVERSIGHT_WORKERS`, else the machine's available parallelism.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { OversightError } from '@oversight/core';
import { runTask, type Task, type TaskResult } from './tasks.js';

/** Workers to use: `OVERSIGHT_WORKERS` when set (0 = inline), else every available core. */
export function defaultWorkerCount(env: Record<string, string | undefined> = process.env): number {
  const configured = env.OVERSIGHT_WORKERS;
  if (configured !== undefined && configured !== '') {
    const count = Number(configured);
    if (Number.isInteger(count) && count >= 0) return count;
    throw new OversightError('run/bad-env', `expected OVERSIGHT_WORKERS to be a whole number ≥ 0, found \`${configured}\``);
  }
  return availableParallelism();
}

/** Below this many items a step runs inline: starting workers costs more than it saves. */
export function workersFor(items: number, env: Record<string, string | undefined> = process.env): number {
  if (env.OVERSIGHT_WORKERS !== undefined && env.OVERSIGHT_WORKERS !== '') return defaultWorkerCount(env);
  return items < 4000 ? 0 : defaultWorkerCount(env);
}

function workerScript(): string {
  // Under the test runner this module is TypeScript source; workers always run the compiled file.
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith('.ts')
    ? here.replace(/([\\/])src([\\/])parallel[\\/]pool\.ts$/, '$1dist$2parallel$2worker.js')
    : here.replace(/pool\.js$/, 'worker.js');
  if (!existsSync(path)) {
    throw new OversightError('run/missing-build', `worker script not found at ${path}`, { hint: 'run `npm run build` first' });
  }
  return path;
}

interface Pending {
  resolve: (result: TaskResult) => void;
  reject: (error: Error) => void;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending & { worker: number }>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(size: number) {
    if (size === 0) return;
    const script = workerScript();
    for (let index = 0; index < size; index++) {
      const worker = new Worker(script);
      worker.on('message', (message: { id: number; result?: TaskResult; error?: string }) => {
        const entry = this.pending.get(message.id);
        if (!entry) return;
        this.pending.delete(message.id);
        this.load[entry.worker] = (this.load[entry.worker] ?? 1) - 1;
        if (message.error !== undefined) entry.reject(new Error(message.error));
        else entry.resolve(message.result ?? null);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`worker thread exited with code ${code}`));
      });
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  static create(size: number): WorkerPool {
    return new WorkerPool(size);
  }

  /** Threads in the pool (0 = inline). */
  get size(): number {
    return this.workers.length;
  }

  /** Runs one task on the least loaded worker (inline when the pool is empty). */
  run<T extends TaskResult>(task: Task): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0) {
      try {
        return Promise.resolve(runTask(task) as T);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    let target = 0;
    for (let index = 1; index < this.workers.length; index++) if ((this.load[index] ?? 0) < (this.load[target] ?? 0)) target = index;
    return this.post<T>(target, task);
  }

  /** Runs a task on every worker (to give each the same state); inline once when empty. */
  async broadcast(task: Task): Promise<void> {
    if (this.workers.length === 0) {
      runTask(task);
      return;
    }
    await Promise.all(this.workers.map((_, index) => this.post(index, task)));
  }

  private post<T extends TaskResult>(worker: number, task: Task): Promise<T> {
    const id = this.nextId++;
    this.load[worker] = (this.load[worker] ?? 0) + 1;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: TaskResult) => void, reject, worker });
      this.workers[worker]?.postMessage({ id, task });
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Tasks `pipeline` keeps in flight: the batches alive at once are at most one more. */
export function pipelineWindow(pool: WorkerPool): number {
  return Math.max(2, pool.size * 2);
}

/**
 * Runs `produce`'s tasks through the pool with at most `2 × size` in flight, handing results to
 * `consume` in submission order (so writers see a deterministic sequence).
 */
export async function pipeline<I, R extends TaskResult>(
  pool: WorkerPool,
  batches: AsyncIterable<I>,
  toTask: (batch: I) => Task,
  consume: (batch: I, result: R) => void | Promise<void>,
): Promise<void> {
  const window = pipelineWindow(pool);
  const queue: Array<{ batch: I; result: Promise<R> }> = [];
  for await (const batch of batches) {
    const result = pool.run<R>(toTask(batch));
    result.catch(() => {});
    queue.push({ batch, result });
    while (queue.length >= window) {
      const head = queue.shift() as { batch: I; result: Promise<R> };
      await consume(head.batch, await head.result);
    }
  }
  while (queue.length > 0) {
    const head = queue.shift() as { batch: I; result: Promise<R> };
    await consume(head.batch, await head.result);
  }
}
