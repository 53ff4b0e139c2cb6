import type { ModelUsage } from '../model/types.js';

/** The result of a run: the shape of `oversight run --json` (stable; scripts and CI depend on it). */
export interface SourceSummary {
  id: string;
  /** Rows read from the files (= kept + dropped + quarantined). */
  read: number;
  quarantined: number;
  /** Rows dropped by steps (or carved into held-out sets). */
  dropped: number;
  /** Rows left after every step (rows added by augment steps included). */
  kept: number;
  /** Rows that augment steps added to this source (evolved, filled in); absent when none. */
  added?: number;
  /** Rows of this source in the mix. */
  mixed: number;
  cached: boolean;
  /** Fingerprint of the ingested data (keys the quarantine). */
  fingerprint: string;
}

export interface StepSummary {
  id: string;
  use: string;
  in: number;
  kept: number;
  /** Rows added (augment steps). */
  added: number;
  dropped: Record<string, number>;
  /** Generated candidates not admitted, by reason (generating steps; absent otherwise). */
  rejected?: Record<string, number>;
  cached: boolean;
  notes: string[];
  durationMs: number;
  /** Fingerprint of this step's run (keys its side tables and lineage). */
  fingerprint: string;
}

export interface OutputSummary {
  path: string;
  format: string;
  /** Lines written (`preference`: pairs). */
  rows: number;
  /** `preference` only: rows of the mix without a pair, left out of the file. */
  skipped?: number;
}

export interface CheckSummary {
  metric: string;
  value: number;
  ok: boolean;
  min?: number;
  max?: number;
}

export interface HeldoutSummary {
  id: string;
  rows: number;
  /** Source it was carved from, for carves. */
  from?: string;
  quarantined: number;
}

/** Rows a decontamination step matched to an eval set, per training source. */
export interface ContaminationSummary {
  eval: string;
  source: string;
  /** Rows matched by any decontamination step. */
  found: number;
  /** Matched rows still in the mix (0 when every match was dropped). */
  mixed: number;
}

export interface RunResult {
  recipe: string;
  ok: boolean;
  sources: SourceSummary[];
  heldout: HeldoutSummary[];
  steps: StepSummary[];
  mix: { rows: number; bySource: Record<string, number>; notes: string[] } | undefined;
  outputs: OutputSummary[];
  checks: CheckSummary[];
  /** Per (eval set × training source) matches of decontamination steps; empty without one. */
  contamination: ContaminationSummary[];
  /** Model use of this run (absent when the recipe has no `model:`). */
  model?: ModelUsage;
  /** Set when the run failed before finishing. */
  error?: { code: string; message: string; hint?: string };
  durationMs: number;
}
