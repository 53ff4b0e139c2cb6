import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Database, didYouMean, identifier, openWorkspace, type RunResult, sql, stepTable } from '@oversight/core';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../exit.js';
import { formatFunnel } from '../format/funnel.js';
import { styleFor } from '../format/style.js';
import { formatCount } from '../format/table.js';
import { showClusters, showContamination } from './show-evidence.js';

export interface ShowOptions {
  json?: boolean;
  db: string;
  examples: number;
  reason?: string;
}

type Example = {
  id: string;
  source: string;
  detail: string | null;
  preview: string;
};

type Candidate = { id: string; parent: string | null; kind: string; round: number; detail: string | null; preview: string | null };

/**
 * `oversight show`: the last run's funnel. `show STEP`: the rows a step dropped, by reason, with
 * examples. `show quarantine`: the bad input rows, by reason, with file:line. `show clusters` and
 * `show contamination`: near-duplicate clusters and eval-set matches.
 */
export async function showCommand(target: string | undefined, options: ShowOptions): Promise<number> {
  if (options.db !== ':memory:' && !existsSync(resolve(options.db))) {
    throw new CliError(
      `expected a workspace database at ${options.db}, found none`,
      EXIT_FAILED,
      'run a recipe first: oversight run RECIPE',
    );
  }
  const db = await openWorkspace(options.db);
  try {
    const last = await db.one<{ result: string; recipe_file: string }>(
      sql`SELECT result::VARCHAR AS result, recipe_file FROM _runs ORDER BY started_at DESC LIMIT 1`,
    );
    if (!last)
      throw new CliError(`expected a recorded run in ${options.db}, found none`, EXIT_FAILED, 'run a recipe first: oversight run RECIPE');
    const result = JSON.parse(last.result) as RunResult;
    if (target === undefined) {
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${formatFunnel(result, styleFor(process.stdout))}\n`);
      return EXIT_OK;
    }
    if (target === 'quarantine') return await showQuarantine(db, result, options);
    if (target === 'clusters') return await showClusters(db, result, options);
    if (target === 'contamination') return await showContamination(db, result, options);
    const step = result.steps.find((candidate) => candidate.id === target || candidate.use === target);
    if (!step) {
      const names = [...result.steps.map((candidate) => candidate.id), 'quarantine', 'clusters', 'contamination'];
      const suggestion = didYouMean(target, names);
      throw new CliError(
        `expected a step of the last run (${names.join(', ')}), found \`${target}\``,
        EXIT_USAGE,
        suggestion ? `did you mean \`${suggestion}\`?` : undefined,
      );
    }
    const record = await db.one<{ input_view: string }>(sql`SELECT input_view FROM _steps WHERE fingerprint = ${step.fingerprint}`);
    const reasons = Object.entries(step.dropped)
      .filter(([reason]) => options.reason === undefined || reason === options.reason)
      .sort(([, a], [, b]) => b - a);
    const groups: Array<{ reason: string; count: number; examples: Example[] }> = [];
    for (const [reason, count] of reasons) {
      const examples = record
        ? await db.all<Example>(sql`
            SELECT l.id, l.source, l.detail, left(array_to_string(list_transform(i.messages, m -> m.role || ': ' || replace(m.content, chr(10), ' ')), ' | '), 240) AS preview
            FROM _lineage l JOIN ${identifier(record.input_view)} i USING (id)
            WHERE l.fingerprint = ${step.fingerprint} AND l.reason = ${reason}
            ORDER BY i._ord LIMIT ${options.examples}`)
        : [];
      groups.push({ reason, count, examples });
    }
    // Generating steps: the candidates they did not admit, by reason, from their `generations` table.
    const generations = stepTable(step.fingerprint, 'generations');
    const rejected: Array<{ reason: string; count: number; examples: Candidate[] }> = [];
    for (const [reason, count] of Object.entries(step.rejected ?? {})
      .filter(([name]) => options.reason === undefined || name === options.reason)
      .sort(([, a], [, b]) => b - a)) {
      const examples = await db.all<Candidate>(sql`
        SELECT id, parent, kind, round::INTEGER AS round, detail, left(replace(prompt, chr(10), ' '), 240) AS preview
        FROM ${identifier(generations)} WHERE NOT admitted AND reason = ${reason} ORDER BY round, parent, kind, id LIMIT ${options.examples}`);
      rejected.push({ reason, count, examples });
    }
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ step: step.id, use: step.use, in: step.in, kept: step.kept, dropped: groups, ...(step.rejected ? { rejected } : {}) }, null, 2)}\n`,
      );
      return EXIT_OK;
    }
    const style = styleFor(process.stdout);
    const lines = [
      `${style.bold(step.id)} ${style.dim(step.use)}  in ${formatCount(step.in)} · kept ${formatCount(step.kept)} · dropped ${formatCount(step.in + step.added - step.kept)}`,
    ];
    if (groups.length === 0 && rejected.length === 0) lines.push('', style.dim('no rows dropped'));
    for (const group of groups) {
      lines.push('', `${style.bold(group.reason)}  ${formatCount(group.count)}`);
      for (const example of group.examples) {
        lines.push(
          `  ${style.cyan(example.id.slice(0, 12))} ${style.dim(example.source)}  ${example.detail ?? ''}`,
          `    ${style.dim(example.preview)}`,
        );
      }
    }
    if (rejected.length > 0) {
      lines.push(
        '',
        `${style.bold('generated candidates not admitted')}  ${formatCount(rejected.reduce((sum, group) => sum + group.count, 0))}`,
      );
    }
    for (const group of rejected) {
      lines.push('', `${style.bold(group.reason)}  ${formatCount(group.count)}`);
      for (const example of group.examples) {
        lines.push(
          `  ${style.cyan(example.id.slice(0, 12))} ${style.dim(`${example.kind}, round ${example.round}, from ${(example.parent ?? '–').slice(0, 12)}`)}  ${example.detail ?? ''}`,
          `    ${style.dim(example.preview ?? '')}`,
        );
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return EXIT_OK;
  } finally {
    db.close();
  }
}

async function showQuarantine(db: Database, result: RunResult, options: ShowOptions): Promise<number> {
  const fingerprints = result.sources.map((source) => source.fingerprint);
  const reasons = await db.all<{ reason: string; n: number }>(sql`
    SELECT reason, count(*)::INTEGER AS n FROM _quarantine WHERE list_contains(${JSON.stringify(fingerprints)}::VARCHAR[], fingerprint)
    ${options.reason !== undefined ? sql`AND reason = ${options.reason}` : sql``} GROUP BY reason ORDER BY n DESC, reason`);
  const groups = [];
  for (const { reason, n } of reasons) {
    const rows = await db.all<{ source: string; file: string; line: number; detail: string; raw: string }>(sql`
      SELECT source, file, line, detail, left(raw, 160) AS raw FROM _quarantine
      WHERE list_contains(${JSON.stringify(fingerprints)}::VARCHAR[], fingerprint) AND reason = ${reason}
      ORDER BY source, file, line LIMIT ${options.examples}`);
    groups.push({ reason, count: n, examples: rows });
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ quarantined: groups }, null, 2)}\n`);
    return EXIT_OK;
  }
  const style = styleFor(process.stdout);
  const lines = [`${style.bold('quarantine')}  ${formatCount(groups.reduce((sum, group) => sum + group.count, 0))} row(s)`];
  for (const group of groups) {
    lines.push('', `${style.bold(group.reason)}  ${formatCount(group.count)}`);
    for (const row of group.examples)
      lines.push(
        `  ${style.cyan(`${row.file}:${row.line}`)} ${style.dim(row.source)}  ${row.detail}`,
        `    ${style.dim(JSON.stringify(row.raw))}`,
      );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
