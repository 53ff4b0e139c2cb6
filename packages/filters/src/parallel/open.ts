/** Opens the pool a step should use for `items` rows (inline below a few thousand; see `workersFor`). */
import { WorkerPool, workersFor } from './pool.js';

export function openPool(items: number): WorkerPool {
  return WorkerPool.create(workersFor(items));
}
