/** Runs recipe text in a fresh in-memory workspace through the core API. */

import { join } from 'node:path';
import { Database, ensureWorkspaceTables, type RunResult, runRecipe, StepRegistry, validateRecipeText } from '@oversight/core';
import { builtinSteps } from '@oversight/filters';

export async function runRecipeText(
  text: string,
  dir: string,
  options: {
    db?: Database;
    env?: Record<string, string | undefined>;
    /** Model client overrides (cassettes; `backoffMs` defaults to 5 here so fault tests stay fast). */
    model?: { record?: string; replay?: string; backoffMs?: number };
  } = {},
): Promise<{ result: RunResult; db: Database }> {
  const { recipe, diagnostics } = await validateRecipeText(text, join(dir, 'recipe.yaml'), {
    registry: new StepRegistry(builtinSteps),
    ...(options.env ? { env: options.env } : {}),
  });
  if (!recipe) throw new Error(`invalid recipe: ${diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join('; ')}`);
  const db = options.db ?? (await Database.open(':memory:'));
  await ensureWorkspaceTables(db);
  const result = await runRecipe(recipe, {
    db,
    ...(options.env ? { env: options.env } : {}),
    model: { backoffMs: 5, ...options.model },
  });
  return { result, db };
}
