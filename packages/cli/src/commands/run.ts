import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadRecipe, openWorkspace, runRecipe } from '@oversight/core';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../exit.js';
import { diagnosticJson, formatDiagnostics } from '../format/diagnostics.js';
import { formatFunnel } from '../format/funnel.js';
import { styleFor } from '../format/style.js';
import { ProgressReporter } from '../progress.js';
import { builtinRegistry } from '../registry.js';

export interface RunCommandOptions {
  json?: boolean;
  db: string;
  progress?: boolean;
  /** DuckDB's memory_limit, e.g. `2GB`; beyond it DuckDB spills to disk. */
  memoryLimit?: string;
  /** Model cassettes, relative to the working directory. */
  record?: string;
  replay?: string;
}

/** `oversight run RECIPE`: validate, run with progress on stderr, print the funnel. */
export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const { recipe, diagnostics } = await loadRecipe(file, { registry: builtinRegistry() });
  if (!recipe) {
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ recipe: file, ok: false, diagnostics: diagnostics.map(diagnosticJson) }, null, 2)}\n`);
    } else {
      let text: string | undefined;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        text = undefined;
      }
      process.stderr.write(`${formatDiagnostics(diagnostics, text, styleFor(process.stderr))}\n`);
    }
    return EXIT_USAGE;
  }
  const db = await openWorkspace(options.db, options.memoryLimit ? { memoryLimit: options.memoryLimit } : {});
  const progress = new ProgressReporter(process.stderr, styleFor(process.stderr), options.progress !== false);
  const controller = new AbortController();
  const interrupt = () => {
    controller.abort();
    db.interrupt();
  };
  process.once('SIGINT', interrupt);
  try {
    const model = {
      ...(options.record ? { record: resolve(options.record) } : {}),
      ...(options.replay ? { replay: resolve(options.replay) } : {}),
    };
    const result = await runRecipe(recipe, { db, onEvent: progress.handle, signal: controller.signal, model });
    progress.stop();
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${formatFunnel(result, styleFor(process.stdout))}\n`);
    return result.ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    process.off('SIGINT', interrupt);
    progress.stop();
    db.close();
  }
}
