import { OversightError } from '../errors.js';
import type { AnyStep } from './step.js';

/** An explicit list of steps, looked up by id. Duplicate ids are refused. */
export class StepRegistry {
  private readonly steps = new Map<string, AnyStep>();

  constructor(steps: readonly AnyStep[]) {
    for (const step of steps) {
      if (this.steps.has(step.id)) {
        throw new OversightError('registry/duplicate-step', `two steps are registered as \`${step.id}\``);
      }
      if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*\/[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(step.id)) {
        throw new OversightError('registry/bad-step-id', `step id \`${step.id}\` is not \`family/kebab-name\``);
      }
      this.steps.set(step.id, step);
    }
  }

  get(id: string): AnyStep | undefined {
    return this.steps.get(id);
  }

  ids(): string[] {
    return [...this.steps.keys()].sort();
  }

  list(): AnyStep[] {
    return this.ids().map((id) => this.steps.get(id) as AnyStep);
  }
}
