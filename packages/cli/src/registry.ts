import { StepRegistry } from '@oversight/core';
import { builtinSteps } from '@oversight/filters';

/** The registry of every built-in step. */
export function builtinRegistry(): StepRegistry {
  return new StepRegistry(builtinSteps);
}
