/** Worker-thread entry: runs tasks posted by `WorkerPool` and posts their results back. */
import { parentPort } from 'node:worker_threads';
import { runTask, type Task, transferables } from './tasks.js';

const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread');
port.on('message', (message: { id: number; task: Task }) => {
  try {
    const result = runTask(message.task);
    port.postMessage({ id: message.id, result }, transferables(result));
  } catch (error) {
    port.postMessage({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
