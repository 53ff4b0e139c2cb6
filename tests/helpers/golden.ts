/** Golden files: compared byte for byte; `UPDATE_GOLDEN=1 npm test` rewrites them (review the diff). */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';

export function expectGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing; run UPDATE_GOLDEN=1 npm test and review it`);
  expect(actual, `differs from ${path} (UPDATE_GOLDEN=1 rewrites it)`).toBe(readFileSync(path, 'utf8'));
}

/** `run --json` without what changes from run to run (timings, fingerprints). */
export function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'durationMs' && key !== 'fingerprint')
        .map(([key, item]) => [key, withoutVolatile(item)]),
    );
  }
  return value;
}
