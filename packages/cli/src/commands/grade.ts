/**
 * `oversight grade FILE`: grades model responses in a JSONL file against their gold answers with one
 * of the math graders (strict, or a compat grader that reproduces a reference evaluator), prints the
 * accuracy, and with `--out` writes one verdict line per input line, in order. `--diff GRADER` grades
 * with a second grader too and lists the rows where the two disagree, grouped by their verdicts.
 *
 * A line that is not a JSON object, or lacks the response or gold field, is reported on stderr as
 * `file:line:col` with what was expected and found, gets an `invalid` verdict line in `--out`, and is
 * left out of the accuracy.
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { didYouMean } from '@oversight/core';
import { type GradeResult, type Grader, mathGraders } from '@oversight/filters';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../exit.js';
import { styleFor } from '../format/style.js';
import { formatCount, renderTable } from '../format/table.js';
import { ProgressReporter } from '../progress.js';

export interface GradeOptions {
  responseField: string;
  goldField: string;
  grader: string;
  diff?: string;
  out?: string;
  json?: boolean;
  limit: number;
  progress?: boolean;
}

/** One `--out` line (DESIGN.md, "Machine-readable results"). */
interface VerdictLine {
  line: number;
  correct: boolean;
  reason: string | null;
  extracted: string | null;
  pred: string | null;
  gold: string | null;
}

interface Disagreement {
  line: number;
  first: GradeResult;
  second: GradeResult;
}

/** What `--json` prints. */
interface GradeSummary {
  grader: string;
  total: number;
  correct: number;
  accuracy: number;
  /** Lines that could not be graded (not JSON, or a field missing): left out of `total`. */
  invalid: number;
  reasons: Record<string, number>;
  diff?: {
    grader: string;
    correct: number;
    accuracy: number;
    disagreements: number;
    /** `<this grader's verdict> / <the other's>` → rows, e.g. `correct / answer_mismatch`. */
    categories: Record<string, number>;
    rows: Array<{ line: number; [grader: string]: VerdictLine | number }>;
  };
}

function graderNamed(name: string, flag: string): Grader {
  const grader = mathGraders[name];
  if (grader) return grader;
  const names = Object.keys(mathGraders);
  const suggestion = didYouMean(name, names);
  throw new CliError(
    `${flag}: expected one of ${names.join(', ')}, found \`${name}\``,
    EXIT_USAGE,
    suggestion ? `did you mean \`${suggestion}\`?` : undefined,
  );
}

/** The value at a dotted path (`meta.gold`); numbers become their decimal text. */
function fieldOf(record: Record<string, unknown>, path: string): { found: boolean; value: string | null } {
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !(part in value)) return { found: false, value: null };
    value = (value as Record<string, unknown>)[part];
  }
  if (value === null) return { found: true, value: null };
  if (typeof value === 'string') return { found: true, value };
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return { found: true, value: String(value) };
  return { found: true, value: JSON.stringify(value) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function verdictOf(line: number, result: GradeResult): VerdictLine {
  return { line, correct: result.correct, reason: result.reason, extracted: result.extracted, pred: result.pred, gold: result.gold };
}

const percent = (correct: number, total: number) => (total === 0 ? '–' : `${((100 * correct) / total).toFixed(2)}%`);

export async function gradeCommand(file: string, options: GradeOptions): Promise<number> {
  const grader = graderNamed(options.grader, '--grader');
  const other = options.diff !== undefined ? graderNamed(options.diff, '--diff') : undefined;
  if (!existsSync(file) || !statSync(file).isFile())
    throw new CliError(`expected a JSONL file of responses, found no file at ${file}`, EXIT_USAGE);
  const shown = relative(process.cwd(), file) || file;
  const err = styleFor(process.stderr);
  const progress = new ProgressReporter(process.stderr, err, options.progress !== false);
  const size = statSync(file).size;
  const out = options.out ? createWriteStream(options.out) : undefined;
  const reasons: Record<string, number> = {};
  const categories: Record<string, number> = {};
  const disagreements: Disagreement[] = [];
  let total = 0;
  let correct = 0;
  let otherCorrect = 0;
  let invalid = 0;
  let read = 0;
  let lineNumber = 0;
  const invalidLine = (column: number, message: string) => {
    invalid++;
    if (invalid <= 20) process.stderr.write(`${err.yellow('warning')} ${shown}:${lineNumber}:${column}: ${message}\n`);
    out?.write(`${JSON.stringify({ line: lineNumber, correct: false, reason: 'invalid', extracted: null, pred: null, gold: null })}\n`);
  };
  progress.begin(`grade ${shown} (${grader.name}${other ? ` vs ${other.name}` : ''})`);
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const text of lines) {
      lineNumber++;
      read += Buffer.byteLength(text) + 1;
      if (lineNumber % 512 === 0) progress.update(Math.min(1, read / Math.max(1, size)));
      if (text.trim() === '') {
        invalidLine(1, 'expected a JSON object, found an empty line');
        continue;
      }
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (error) {
        const position = /position (\d+)/.exec(String(error))?.[1];
        invalidLine(
          position === undefined ? 1 : Number(position) + 1,
          `expected a JSON object, found invalid JSON (${(error as Error).message})`,
        );
        continue;
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        invalidLine(1, `expected a JSON object, found ${describe(record)}`);
        continue;
      }
      const response = fieldOf(record as Record<string, unknown>, options.responseField);
      const gold = fieldOf(record as Record<string, unknown>, options.goldField);
      if (!response.found || !gold.found) {
        const missing = !response.found ? options.responseField : options.goldField;
        invalidLine(1, `expected a \`${missing}\` field (${!response.found ? '--response-field' : '--gold-field'}), found none`);
        continue;
      }
      const result = grader.grade(response.value ?? '', gold.value ?? '');
      total++;
      if (result.correct) correct++;
      else reasons[result.reason ?? 'answer_mismatch'] = (reasons[result.reason ?? 'answer_mismatch'] ?? 0) + 1;
      out?.write(`${JSON.stringify(verdictOf(lineNumber, result))}\n`);
      if (other) {
        const second = other.grade(response.value ?? '', gold.value ?? '');
        if (second.correct) otherCorrect++;
        if (second.correct !== result.correct) {
          const category = `${result.correct ? 'correct' : result.reason} / ${second.correct ? 'correct' : second.reason}`;
          categories[category] = (categories[category] ?? 0) + 1;
          disagreements.push({ line: lineNumber, first: result, second });
        }
      }
    }
  } finally {
    progress.end(`${formatCount(total)} graded`);
    progress.stop();
    if (out) await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  if (invalid > 20) process.stderr.write(`${err.yellow('warning')} ${shown}: ${invalid - 20} more invalid line(s) not shown\n`);

  const summary: GradeSummary = { grader: grader.name, total, correct, accuracy: total === 0 ? 0 : correct / total, invalid, reasons };
  if (other) {
    summary.diff = {
      grader: other.name,
      correct: otherCorrect,
      accuracy: total === 0 ? 0 : otherCorrect / total,
      disagreements: disagreements.length,
      categories,
      rows: disagreements.map(({ line, first, second }) => ({
        line,
        [grader.name]: verdictOf(line, first),
        [other.name === grader.name ? `${other.name}-2` : other.name]: verdictOf(line, second),
      })),
    };
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const style = styleFor(process.stdout);
    const lines: string[] = [
      `${style.bold(grader.name)}  ${formatCount(correct)} / ${formatCount(total)} correct  ${style.bold(percent(correct, total))}${invalid > 0 ? style.yellow(`  (${formatCount(invalid)} invalid line(s) left out)`) : ''}`,
    ];
    const wrong = Object.entries(reasons).sort((a, b) => b[1] - a[1]);
    if (wrong.length > 0) {
      lines.push(
        '',
        renderTable(
          [style.bold('reason'), 'rows'],
          wrong.map(([reason, count]) => [reason, formatCount(count)]),
          [false, true],
        ),
      );
    }
    if (other && summary.diff) {
      lines.push(
        '',
        `${style.bold(other.name)}  ${formatCount(otherCorrect)} / ${formatCount(total)} correct  ${style.bold(percent(otherCorrect, total))}`,
        `${formatCount(disagreements.length)} row(s) where ${grader.name} and ${other.name} disagree`,
      );
      if (disagreements.length > 0) {
        const byCategory = Object.entries(categories).sort((a, b) => b[1] - a[1]);
        lines.push(
          '',
          renderTable(
            [style.bold(`${grader.name} / ${other.name}`), 'rows'],
            byCategory.map(([category, count]) => [category, formatCount(count)]),
            [false, true],
          ),
          '',
        );
        const clip = (value: string | null) => (value === null ? '∅' : value.length > 40 ? `${value.slice(0, 39)}…` : value);
        const rows = disagreements
          .slice(0, options.limit)
          .map(({ line, first, second }) => [
            String(line),
            first.correct ? style.green('correct') : (first.reason ?? ''),
            clip(first.pred),
            second.correct ? style.green('correct') : (second.reason ?? ''),
            clip(second.pred),
            clip(first.gold),
          ]);
        lines.push(
          renderTable(['line', grader.name, `${grader.name} pred`, other.name, `${other.name} pred`, `${grader.name} gold`], rows, [
            true,
            false,
            false,
            false,
            false,
            false,
          ]),
        );
        if (disagreements.length > options.limit)
          lines.push(style.dim(`… ${disagreements.length - options.limit} more (--limit, or --json for all)`));
      }
    }
    if (options.out) lines.push('', `${style.bold('wrote')} ${options.out}  ${formatCount(lineNumber)} verdict line(s)`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return total === 0 ? EXIT_FAILED : EXIT_OK;
}
