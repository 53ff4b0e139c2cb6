import { afterEach, describe, expect, it } from 'vitest';
import { defaultWorkerCount, WorkerPool, workersFor } from './pool.js';
import type { SignResult } from './tasks.js';

const config = { shingles: { kind: 'words' as const, size: 3 }, numPerm: 32, bands: 8, rows: 4, seed: 1 };
const texts = Array.from({ length: 50 }, (_, index) => `text number ${index} with some shared words ${index % 5}`);

let pool: WorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('worker pool', () => {
  it('gives the same results on worker threads as inline', async () => {
    const inline = await WorkerPool.create(0).run<SignResult>({ kind: 'sign', texts, config, withSignatures: true });
    pool = WorkerPool.create(2);
    const threaded = await Promise.all([
      pool.run<SignResult>({ kind: 'sign', texts, config, withSignatures: true }),
      pool.run<SignResult>({ kind: 'sign', texts, config, withSignatures: true }),
    ]);
    for (const result of threaded) {
      expect([...result.keys]).toEqual([...inline.keys]);
      expect([...(result.signatures ?? [])]).toEqual([...(inline.signatures ?? [])]);
    }
  });

  it('rejects with the error a task threw on its thread', async () => {
    pool = WorkerPool.create(1);
    await expect(pool.run({ kind: 'ngram-match', texts: ['x'] })).rejects.toThrow(/ngram-match before ngram-index/);
    // The pool stays usable after a task error.
    await expect(pool.run<SignResult>({ kind: 'sign', texts: ['a b c'], config, withSignatures: false })).resolves.toHaveProperty('valid');
  });

  it('sizes from OVERSIGHT_WORKERS, inline for small inputs otherwise', () => {
    expect(defaultWorkerCount({ OVERSIGHT_WORKERS: '3' })).toBe(3);
    expect(workersFor(10, { OVERSIGHT_WORKERS: '2' })).toBe(2);
    expect(workersFor(10, {})).toBe(0);
    expect(workersFor(100_000, {})).toBeGreaterThanOrEqual(1);
    expect(() => defaultWorkerCount({ OVERSIGHT_WORKERS: 'many' })).toThrow(
      /expected OVERSIGHT_WORKERS to be a whole number ≥ 0, found `many`/,
    );
  });
});
