import { z } from 'zod';
import type { AnyStep } from './step.js';

/** A step as `oversight steps --json` prints it: `{id, summary, effect, reasons, params}`. */
export interface StepDescription {
  id: string;
  summary: string;
  description: string;
  effect: string;
  reasons: string[];
  /** JSON Schema (draft 2020-12) of the step's `with:` (input form: defaults make keys optional). */
  params: Record<string, unknown>;
}

export function describeStep(step: AnyStep): StepDescription {
  const params = z.toJSONSchema(step.params as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete params.$schema;
  return { id: step.id, summary: step.summary, description: step.description, effect: step.effect, reasons: [...step.reasons], params };
}
