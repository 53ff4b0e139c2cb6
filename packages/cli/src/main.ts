#!/usr/bin/env node
/**
 * The `oversight` command. Exit codes: 0 ok, 1 the run failed (a step or a recipe check),
 * 2 a bad recipe or bad arguments.
 */
import { OversightError } from '@oversight/core';
import { Command, CommanderError, Option } from 'commander';
import { checkCommand } from './commands/check.js';
import { type GradeOptions, gradeCommand } from './commands/grade.js';
import { initCommand } from './commands/init.js';
import { runCommand } from './commands/run.js';
import { showCommand } from './commands/show.js';
import { stepsCommand } from './commands/steps.js';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './exit.js';
import { styleFor } from './format/style.js';

const DEFAULT_DB = '.oversight/oversight.duckdb';

function program(): Command {
  const root = new Command('oversight')
    .description('Curate supervised fine-tuning data: recipes of composable steps over DuckDB tables.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  const dbOption = () => new Option('--db <path>', 'workspace database').default(DEFAULT_DB);

  root
    .command('init')
    .description('write a starter recipe (NAME.yaml) and a sample data file it runs on')
    .argument('[name]', 'recipe name', 'recipe')
    .option('--force', 'overwrite existing files')
    .action(async (name: string, options: { force?: boolean }) => finish(await initCommand(name, options)));

  root
    .command('check')
    .description('validate a recipe; every problem as file:line:col with a code frame (exit 2 when invalid)')
    .argument('<recipe>', 'recipe file (YAML)')
    .option('--json', 'print {"ok", "diagnostics": [...]} on stdout')
    .action(async (file: string, options: { json?: boolean }) => finish(await checkCommand(file, options)));

  root
    .command('run')
    .description('run a recipe: progress on stderr, funnel on stdout (exit 1 when a step or a check fails)')
    .argument('<recipe>', 'recipe file (YAML)')
    .option('--json', 'print the run result as JSON on stdout')
    .addOption(dbOption())
    .option('--no-progress', 'no progress on stderr')
    .addOption(
      new Option(
        '--memory-limit <size>',
        "DuckDB's memory limit, e.g. 2GB (default: 80% of RAM); beyond it DuckDB spills to disk",
      ).argParser(memorySize),
    )
    .option('--record <file>', "append every model answer to this JSONL cassette (overrides the recipe's model.record)")
    .option('--replay <file>', 'answer model requests only from this JSONL cassette; a request not in it fails the run')
    .action(
      async (
        file: string,
        options: { json?: boolean; db: string; progress?: boolean; memoryLimit?: string; record?: string; replay?: string },
      ) => finish(await runCommand(file, options)),
    );

  root
    .command('grade')
    .description('grade model responses (JSONL) against gold answers: accuracy, per-row verdicts, disagreements between graders')
    .argument('<file>', 'JSONL file, one response per line')
    .option('--response-field <path>', 'field holding the model response (dotted path allowed)', 'response')
    .option('--gold-field <path>', 'field holding the gold answer, or a full gold solution ending in #### or \\boxed{}', 'gold')
    .option(
      '--grader <name>',
      'strict (ours) | abel | wizardmath | minerva (reproduce the reference evaluators, quirks included)',
      'strict',
    )
    .option('--diff <grader>', 'also grade with GRADER and list the rows where the two disagree')
    .option('--out <file>', 'write one verdict per input line, in order: {"line", "correct", "reason", "extracted", "pred", "gold"}')
    .addOption(new Option('--limit <count>', 'disagreements listed (--diff)').default(20).argParser(positiveInteger))
    .option('--json', 'print {"grader", "total", "correct", "accuracy", "invalid", "reasons"} (+ "diff") on stdout')
    .option('--no-progress', 'no progress on stderr')
    .action(async (file: string, options: GradeOptions) => finish(await gradeCommand(file, options)));

  root
    .command('steps')
    .description('the step catalogue; with an ID, its parameters and drop reasons')
    .argument('[id]', 'step id, e.g. dedup/exact')
    .option('--json', 'print [{"id", "summary", "effect", "reasons", "params"}] (params as JSON Schema)')
    .action(async (id: string | undefined, options: { json?: boolean }) => finish(await stepsCommand(id, options)));

  root
    .command('show')
    .description(
      "the last run's funnel; `show STEP` for its dropped rows by reason, `show quarantine` for bad input rows, `show clusters` for near-duplicate clusters, `show contamination` for eval-set matches",
    )
    .argument('[target]', 'a step id of the last run, `quarantine`, `clusters` or `contamination`')
    .option('--json', 'print as JSON')
    .addOption(dbOption())
    .addOption(new Option('-n, --examples <count>', 'examples per reason (clusters, matches)').default(3).argParser(positiveInteger))
    .option('--reason <reason>', 'only this reason')
    .action(async (target: string | undefined, options: { json?: boolean; db: string; examples: number; reason?: string }) =>
      finish(await showCommand(target, options)),
    );
  return root;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new CliError(`expected a non-negative integer, found \`${value}\``, EXIT_USAGE);
  return parsed;
}

/** A DuckDB memory size: a number and a unit (`512MB`, `2GB`, `1.5GiB`). */
function memorySize(value: string): string {
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(value.trim())) {
    throw new CliError(`expected a size such as 512MB or 2GB, found \`${value}\``, EXIT_USAGE);
  }
  return value.trim();
}

let exitCode = 0;
function finish(code: number): void {
  exitCode = code;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return exitCode;
  } catch (error) {
    const style = styleFor(process.stderr);
    if (error instanceof CommanderError) {
      // Help and version exit 0; any other commander complaint is bad arguments.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help'
        ? 0
        : EXIT_USAGE;
    }
    if (error instanceof CliError) {
      process.stderr.write(
        `${style.red(style.bold('error'))} ${error.message}\n${error.hint ? `${style.dim('   = hint:')} ${error.hint}\n` : ''}`,
      );
      return error.exitCode;
    }
    if (OversightError.is(error)) {
      process.stderr.write(
        `${style.red(style.bold('error'))}${style.dim(`[${error.code}]`)} ${error.message}\n${error.hint ? `${style.dim('   = hint:')} ${error.hint}\n` : ''}`,
      );
      return error.code.startsWith('recipe/') ? EXIT_USAGE : EXIT_FAILED;
    }
    process.stderr.write(
      `${style.red(style.bold('internal error'))} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_FAILED;
  }
}

// The Hub client logs each download with console.debug; stdout belongs to results (`--json`).
console.debug = process.env.OVERSIGHT_DEBUG ? (...parts: unknown[]) => process.stderr.write(`${parts.join(' ')}\n`) : () => {};

const code = await main(process.argv);
process.exitCode = code;
