/**
 * `oversight show clusters` and `oversight show contamination`: the evidence near-duplicate and
 * decontamination steps keep beside their verdicts.
 */
import { type Database, identifier, type RunResult, sql, stepTable } from '@oversight/core';
import { EXIT_OK } from '../exit.js';
import { styleFor } from '../format/style.js';
import { formatCount, renderTable } from '../format/table.js';

export interface EvidenceOptions {
  json?: boolean;
  examples: number;
}

async function tableExists(db: Database, name: string): Promise<boolean> {
  const row = await db.one<{ n: number }>(
    sql`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ${name} AND NOT temporary`,
  );
  return (row?.n ?? 0) > 0;
}

const preview = (messages: string) =>
  sql`left(array_to_string(list_transform(${identifier(messages)}, m -> m.role || ': ' || replace(m.content, chr(10), ' ')), ' | '), 160)`;

/** The largest near-duplicate clusters of every step of the last run that kept clusters. */
export async function showClusters(db: Database, result: RunResult, options: EvidenceOptions): Promise<number> {
  const out: Array<{
    step: string;
    clusters: number;
    rows: number;
    largest: Array<{
      cluster_id: string;
      size: number;
      members: Array<{ id: string; source: string; representative: boolean; similarity: number | null; preview: string }>;
    }>;
  }> = [];
  for (const step of result.steps) {
    const table = stepTable(step.fingerprint, 'clusters');
    if (!(await tableExists(db, table))) continue;
    const record = await db.one<{ input_view: string }>(sql`SELECT input_view FROM _steps WHERE fingerprint = ${step.fingerprint}`);
    const totals = await db.one<{ clusters: number; rows: number }>(
      sql`SELECT count(DISTINCT cluster_id)::INTEGER AS clusters, count(*)::INTEGER AS rows FROM ${identifier(table)}`,
    );
    const largest = await db.all<{ cluster_id: string; size: number }>(sql`
      SELECT cluster_id, any_value(cluster_size)::INTEGER AS size FROM ${identifier(table)}
      GROUP BY cluster_id ORDER BY size DESC, min(_ord) LIMIT ${options.examples}`);
    const clusters = [];
    for (const cluster of largest) {
      const members = record
        ? await db.all<{ id: string; source: string; representative: boolean; similarity: number | null; preview: string }>(sql`
            SELECT c.id, i.source, c.id = c.representative AS representative, c.similarity, ${preview('messages')} AS preview
            FROM ${identifier(table)} c JOIN ${identifier(record.input_view)} i USING (id)
            WHERE c.cluster_id = ${cluster.cluster_id} ORDER BY (c.id = c.representative) DESC, c._ord LIMIT 6`)
        : [];
      clusters.push({ ...cluster, members });
    }
    out.push({ step: step.id, clusters: totals?.clusters ?? 0, rows: totals?.rows ?? 0, largest: clusters });
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ clusters: out }, null, 2)}\n`);
    return EXIT_OK;
  }
  const style = styleFor(process.stdout);
  const lines: string[] = [];
  if (out.length === 0) lines.push(style.dim('no step of the last run kept near-duplicate clusters (dedup/minhash)'));
  for (const step of out) {
    lines.push(`${style.bold(step.step)}  ${formatCount(step.clusters)} cluster(s) · ${formatCount(step.rows)} row(s)`);
    for (const cluster of step.largest) {
      lines.push('', `  cluster ${style.cyan(cluster.cluster_id.slice(0, 12))}  ${cluster.size} rows`);
      for (const member of cluster.members) {
        const mark = member.representative ? style.green('kept ') : style.red('drop ');
        const similarity = member.representative ? '      ' : member.similarity === null ? '  –   ' : ` ${member.similarity.toFixed(3)}`;
        lines.push(
          `    ${mark}${similarity} ${style.cyan(member.id.slice(0, 12))} ${style.dim(member.source)}  ${style.dim(member.preview)}`,
        );
      }
    }
    lines.push('');
  }
  process.stdout.write(`${lines.join('\n').replace(/\n+$/, '')}\n`);
  return EXIT_OK;
}

/** The contamination report of the last run, with example matches and their n-grams. */
export async function showContamination(db: Database, result: RunResult, options: EvidenceOptions): Promise<number> {
  const examples: Array<{
    step: string;
    id: string;
    source: string;
    eval: string;
    item: string;
    scope: string;
    matched: number;
    ngrams: string[];
  }> = [];
  for (const step of result.steps) {
    const table = stepTable(step.fingerprint, 'matches');
    if (!(await tableExists(db, table))) continue;
    const rows = await db.all<{
      id: string;
      source: string;
      eval: string;
      item: string;
      scope: string;
      matched: number;
      ngrams: string;
    }>(sql`
      SELECT id, source, eval, item, scope, matched, ngrams::VARCHAR AS ngrams FROM ${identifier(table)}
      ORDER BY matched DESC, id, eval, item LIMIT ${options.examples}`);
    for (const row of rows) examples.push({ step: step.id, ...row, ngrams: JSON.parse(row.ngrams) as string[] });
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ contamination: result.contamination, examples }, null, 2)}\n`);
    return EXIT_OK;
  }
  const style = styleFor(process.stdout);
  if (result.contamination.length === 0) {
    process.stdout.write(`${style.dim('no decontamination step in the last run')}\n`);
    return EXIT_OK;
  }
  const lines = [
    renderTable(
      [style.bold('eval set'), 'source', 'rows hit', 'in mix'],
      result.contamination.map((entry) => [entry.eval, entry.source, formatCount(entry.found), formatCount(entry.mixed)]),
      [false, false, true, true],
    ),
  ];
  for (const example of examples) {
    lines.push(
      '',
      `${style.cyan(example.id.slice(0, 12))} ${style.dim(example.source)} ↔ ${example.eval}:${example.item.slice(0, 12)}  ${example.scope}, ${example.matched} match(es)  ${style.dim(example.step)}`,
    );
    for (const ngram of example.ngrams) lines.push(`    “${ngram}”`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
