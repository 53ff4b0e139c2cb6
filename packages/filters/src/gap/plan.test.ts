import { describe, expect, it } from 'vitest';
import { planGaps } from './plan.js';

describe('planGaps', () => {
  const counts = new Map([
    ['algebra', 6],
    ['geometry', 2],
    ['number_theory', 1],
    ['other', 1],
  ]);

  it('fills each target topic up to its share of N, boosted by the failure rate', () => {
    const plan = planGaps({
      counts,
      target: [
        ['algebra', 1],
        ['geometry', 1],
        ['number_theory', 1],
      ],
      failures: new Map([['geometry', { rate: 0.75, samples: 2 }]]),
      boost: 1,
    });
    // N = 10, τ = 1/3: goal ⌈3.33⌉ = 4; geometry ⌈3.33 × 1.75⌉ = 6.
    expect(plan.map((entry) => [entry.topic, entry.rows, entry.need, entry.failureRate])).toEqual([
      ['algebra', 6, 0, null],
      ['geometry', 2, 4, 0.75],
      ['number_theory', 1, 3, null],
      ['other', 1, 0, null],
    ]);
    expect(plan[3]).toMatchObject({ target: 0, share: 0.1 });
  });

  it('fills a topic at its target share when the model fails on it, and caps needs', () => {
    const plan = planGaps({
      counts: new Map([
        ['a', 5],
        ['b', 5],
      ]),
      target: [
        ['a', 1],
        ['b', 1],
      ],
      failures: new Map([['b', { rate: 0.4, samples: 10 }]]),
      boost: 1,
      maxPerTopic: 1,
    });
    expect(plan.map((entry) => entry.need)).toEqual([0, 1]);
    const uncapped = planGaps({
      counts: new Map([
        ['a', 5],
        ['b', 5],
      ]),
      target: [
        ['a', 1],
        ['b', 1],
      ],
      failures: new Map([['b', { rate: 0.4, samples: 10 }]]),
      boost: 2.5,
    });
    // ⌈5 × (1 + 2.5 × 0.4)⌉ − 5 = 5.
    expect(uncapped.map((entry) => entry.need)).toEqual([0, 5]);
  });

  it('does not round an exact goal up', () => {
    // 0.1 × 30 is 3.0000000000000004 in floating point.
    const plan = planGaps({
      counts: new Map([
        ['a', 27],
        ['b', 3],
      ]),
      target: [
        ['a', 0.9],
        ['b', 0.1],
      ],
      failures: new Map(),
      boost: 1,
    });
    expect(plan.map((entry) => entry.need)).toEqual([0, 0]);
  });
});
