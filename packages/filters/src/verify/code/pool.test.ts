import { describe, expect, it } from 'vitest';
import { forEachConcurrent } from './pool.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('forEachConcurrent', () => {
  it('keeps at most `concurrency` calls in flight and visits every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    async function* items() {
      for (let index = 0; index < 10; index++) yield index;
    }
    await forEachConcurrent(items(), 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await tick(5 + (item % 3));
      seen.push(item);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stops starting calls after a failure, waits for those in flight, then throws the first error', async () => {
    const started: number[] = [];
    let finished = 0;
    await expect(
      forEachConcurrent([0, 1, 2, 3, 4, 5], 2, async (item) => {
        started.push(item);
        await tick(item === 1 ? 1 : 10);
        if (item === 1) throw new Error('boom');
        finished++;
      }),
    ).rejects.toThrow('boom');
    expect(started.length).toBeLessThan(6);
    expect(finished).toBe(started.length - 1);
  });
});
