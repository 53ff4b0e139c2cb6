import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { styleFor } from './format/style.js';
import { ProgressReporter } from './progress.js';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progress on stderr', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('says nothing about stages shorter than a second', () => {
    const { stream, written } = fakeStream(false);
    const reporter = new ProgressReporter(stream, styleFor(stream), true);
    reporter.handle({ type: 'step-start', step: 'dedup/exact', use: 'dedup/exact', index: 0, inputRows: 10 });
    vi.advanceTimersByTime(500);
    reporter.handle({ type: 'step-end', step: 'dedup/exact', kept: 9, dropped: 1, cached: false, durationMs: 500 });
    reporter.stop();
    expect(written).toEqual([]);
  });

  it('off a terminal: a heartbeat every 10 s with the fraction, and a line when a long stage ends', () => {
    const { stream, written } = fakeStream(false);
    const reporter = new ProgressReporter(stream, styleFor(stream), true);
    reporter.handle({ type: 'source-start', source: 'gsm8k', files: 1, bytes: 100 });
    reporter.handle({ type: 'source-progress', source: 'gsm8k', fraction: 0.42 });
    vi.advanceTimersByTime(11_000);
    reporter.handle({ type: 'source-end', source: 'gsm8k', read: 7473, quarantined: 0, cached: false, durationMs: 11_000 });
    reporter.stop();
    expect(written).toEqual(['… ingest gsm8k 42% 10.0 s\n', '✓ ingest gsm8k 7,473 rows · 11.0 s\n']);
  });

  it('on a terminal: one live line with a bar after the first second, cleared at the end', () => {
    const { stream, written } = fakeStream(true);
    const reporter = new ProgressReporter(
      stream,
      { ...styleFor(stream), dim: (text) => text, cyan: (text) => text, green: (text) => text },
      true,
    );
    reporter.handle({ type: 'step-start', step: 'quality/length', use: 'quality/length', index: 1, inputRows: 1000 });
    reporter.handle({ type: 'step-progress', step: 'quality/length', fraction: 0.5 });
    vi.advanceTimersByTime(1_100);
    expect(written.at(-1)).toBe('\r\u001b[2K… quality/length (1,000 rows) [############............] 50% 1.1 s');
    reporter.handle({ type: 'step-end', step: 'quality/length', kept: 990, dropped: 10, cached: false, durationMs: 1_100 });
    expect(written.slice(-2)).toEqual(['\r\u001b[2K', '✓ quality/length (1,000 rows) 10 dropped · 1.1 s\n']);
    reporter.stop();
  });

  it('is silent when disabled (--no-progress)', () => {
    const { stream, written } = fakeStream(false);
    const reporter = new ProgressReporter(stream, styleFor(stream), false);
    reporter.handle({ type: 'source-start', source: 'x', files: 1, bytes: 1 });
    vi.advanceTimersByTime(20_000);
    reporter.stop();
    expect(written).toEqual([]);
  });
});
