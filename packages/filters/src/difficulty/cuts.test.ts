import { describe, expect, it } from 'vitest';
import { equalQuantiles, quantilePositions } from './cuts.js';

describe('quantile cuts', () => {
  it('gives equal-count fractions', () => {
    expect(equalQuantiles(3)).toEqual([1 / 3, 2 / 3]);
    expect(equalQuantiles(2)).toEqual([0.5]);
  });

  it('reads positions round(q × n), clamped to the rows there are', () => {
    expect(quantilePositions([1 / 3, 2 / 3], 9)).toEqual([3, 6]);
    expect(quantilePositions([1 / 3, 2 / 3], 10)).toEqual([3, 7]);
    expect(quantilePositions([0.5, 0.99], 1)).toEqual([0, 0]);
  });
});
