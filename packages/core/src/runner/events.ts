/** What a run reports while it works; reporters (progress bars, logs) subscribe to these. */
export type RunEvent =
  | { type: 'run-start'; recipe: string; sources: number; steps: number }
  | { type: 'source-start'; source: string; files: number; bytes: number }
  | { type: 'source-progress'; source: string; fraction: number }
  | { type: 'source-end'; source: string; read: number; quarantined: number; cached: boolean; durationMs: number }
  | { type: 'step-start'; step: string; use: string; index: number; inputRows: number }
  | { type: 'step-progress'; step: string; fraction: number }
  | { type: 'step-end'; step: string; kept: number; dropped: number; cached: boolean; durationMs: number }
  | { type: 'note'; scope: string; message: string }
  | { type: 'mix-end'; rows: number; cached: boolean }
  | { type: 'output-end'; path: string; rows: number }
  | { type: 'run-end'; ok: boolean; durationMs: number };

export type RunEventListener = (event: RunEvent) => void;
