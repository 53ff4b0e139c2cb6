/**
 * Progress on stderr. On a terminal: one live line with a bar, shown once a stage has run for a
 * second. Elsewhere (CI, pipes): a line when a stage that took over a second ends, and a heartbeat
 * every 10 s while one runs.
 */
import type { RunEvent } from '@oversight/core';
import type { Style } from './format/style.js';
import { formatDuration } from './format/table.js';

interface Activity {
  label: string;
  started: number;
  fraction: number | undefined;
  lastHeartbeat: number;
}

export class ProgressReporter {
  private activity: Activity | undefined;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly style: Style,
    private readonly enabled: boolean,
  ) {}

  handle = (event: RunEvent): void => {
    if (!this.enabled) return;
    switch (event.type) {
      case 'source-start':
        this.begin(`ingest ${event.source}`);
        break;
      case 'source-progress':
      case 'step-progress':
        if (this.activity) this.activity.fraction = event.fraction;
        break;
      case 'source-end':
        this.end(event.cached ? 'cached' : `${event.read.toLocaleString('en-US')} rows`);
        break;
      case 'step-start':
        this.begin(`${event.step} (${event.inputRows.toLocaleString('en-US')} rows)`);
        break;
      case 'step-end':
        this.end(event.cached ? 'cached' : `${event.dropped.toLocaleString('en-US')} dropped`);
        break;
      case 'run-end':
        this.stop();
        break;
      default:
        break;
    }
  };

  /** Starts a stage outside a recipe run (e.g. `oversight grade`). */
  begin(label: string): void {
    if (!this.enabled) return;
    this.clear();
    this.activity = { label, started: Date.now(), fraction: undefined, lastHeartbeat: Date.now() };
    this.timer ??= setInterval(() => this.tick(), this.stream.isTTY ? 100 : 1000);
    this.timer.unref();
  }

  /** Sets the current stage's fraction done. */
  update(fraction: number): void {
    if (this.activity) this.activity.fraction = fraction;
  }

  /** Ends the current stage; a line is printed when it took a second or more. */
  end(outcome: string): void {
    const activity = this.activity;
    if (!activity) return;
    const elapsed = Date.now() - activity.started;
    this.clear();
    if (elapsed >= 1000)
      this.stream.write(`${this.style.green('✓')} ${activity.label} ${this.style.dim(`${outcome} · ${formatDuration(elapsed)}`)}\n`);
    this.activity = undefined;
  }

  private tick(): void {
    const activity = this.activity;
    if (!activity) return;
    const elapsed = Date.now() - activity.started;
    if (elapsed < 1000) return;
    const percent = activity.fraction === undefined ? '' : ` ${Math.floor(activity.fraction * 100)}%`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = activity.fraction === undefined ? 0 : Math.round(activity.fraction * width);
      const bar = activity.fraction === undefined ? '' : ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      this.stream.write(`\r\u001b[2K${this.style.cyan('…')} ${activity.label}${bar}${percent} ${this.style.dim(formatDuration(elapsed))}`);
      this.drawn = true;
    } else if (Date.now() - activity.lastHeartbeat >= 10_000) {
      activity.lastHeartbeat = Date.now();
      this.stream.write(`… ${activity.label}${percent} ${formatDuration(elapsed)}\n`);
    }
  }

  private clear(): void {
    if (this.drawn && this.stream.isTTY) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }

  stop(): void {
    this.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
