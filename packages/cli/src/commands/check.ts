import { readFileSync } from 'node:fs';
import { loadRecipe } from '@oversight/core';
import { EXIT_OK, EXIT_USAGE } from '../exit.js';
import { diagnosticJson, formatDiagnostics } from '../format/diagnostics.js';
import { styleFor } from '../format/style.js';
import { builtinRegistry } from '../registry.js';

export interface CheckOptions {
  json?: boolean;
}

/** `oversight check RECIPE`: validates everything before anything runs. */
export async function checkCommand(file: string, options: CheckOptions): Promise<number> {
  const { recipe, diagnostics } = await loadRecipe(file, { registry: builtinRegistry() });
  const ok = recipe !== undefined;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok, diagnostics: diagnostics.map(diagnosticJson) }, null, 2)}\n`);
  } else if (diagnostics.length > 0) {
    const text = safeRead(file);
    process.stderr.write(`${formatDiagnostics(diagnostics, text, styleFor(process.stderr))}\n`);
  }
  if (ok && !options.json) {
    const style = styleFor(process.stdout);
    process.stdout.write(
      `${style.green('✓')} ${file}: ${recipe.sources.length} source(s), ${recipe.steps.length} step(s), ${recipe.outputs.length} output(s)\n`,
    );
  }
  return ok ? EXIT_OK : EXIT_USAGE;
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
