/** The funnel summary printed at the end of every run. */
import type { RunResult } from '@oversight/core';
import type { Style } from './style.js';
import { formatCount, formatDuration, renderTable } from './table.js';

export function formatFunnel(result: RunResult, style: Style): string {
  const out: string[] = [];
  const status = result.ok ? style.green('ok') : style.red('failed');
  out.push(`${style.bold('oversight run')} · ${result.recipe} · ${status} · ${formatDuration(result.durationMs)}`, '');

  if (result.sources.length > 0) {
    const rows = result.sources.map((source) => [
      source.id + (source.cached ? style.dim(' (cached)') : '') + (source.added ? style.dim(` (+${formatCount(source.added)} added)`) : ''),
      formatCount(source.read),
      formatCount(source.quarantined),
      formatCount(source.dropped),
      formatCount(source.kept),
      formatCount(source.mixed),
    ]);
    if (result.sources.length > 1) {
      const total = (pick: (source: RunResult['sources'][number]) => number) =>
        formatCount(result.sources.reduce((sum, source) => sum + pick(source), 0));
      rows.push([
        style.bold('total'),
        total((s) => s.read),
        total((s) => s.quarantined),
        total((s) => s.dropped),
        total((s) => s.kept),
        total((s) => s.mixed),
      ]);
    }
    out.push(
      renderTable([style.bold('source'), 'read', 'quarantined', 'dropped', 'kept', 'mixed'], rows, [false, true, true, true, true, true]),
      '',
    );
  }

  if (result.heldout.length > 0) {
    const rows = result.heldout.map((set) => [
      set.id,
      formatCount(set.rows),
      set.from ? `carved from ${set.from}` : `${formatCount(set.quarantined)} quarantined`,
    ]);
    out.push(renderTable([style.bold('held out'), 'rows', ''], rows, [false, true, false]), '');
  }

  if (result.steps.length > 0) {
    const rows = result.steps.map((step) => {
      const dropped = Object.values(step.dropped).reduce((sum, count) => sum + count, 0);
      const reasons = Object.entries(step.dropped)
        .sort(([, a], [, b]) => b - a)
        .map(([reason, count]) => `${reason} ${formatCount(count)}`)
        .join(', ');
      const added = step.added > 0 ? `+${formatCount(step.added)} added` : '';
      const rejectedCount = Object.values(step.rejected ?? {}).reduce((sum, count) => sum + count, 0);
      const rejected =
        rejectedCount > 0
          ? `${formatCount(rejectedCount)} generated rejected (${Object.entries(step.rejected ?? {})
              .sort(([, a], [, b]) => b - a)
              .map(([reason, count]) => `${reason} ${formatCount(count)}`)
              .join(', ')})`
          : '';
      return [
        step.id,
        formatCount(step.in),
        formatCount(step.kept),
        formatCount(dropped),
        [reasons, added, rejected].filter(Boolean).join('; ') || '–',
        step.cached ? style.dim('cached') : formatDuration(step.durationMs),
      ];
    });
    out.push(renderTable([style.bold('step'), 'in', 'kept', 'dropped', 'reasons', 'time'], rows, [false, true, true, true, false, false]));
    for (const step of result.steps) for (const note of step.notes) out.push(style.dim(`  ${step.id}: ${note}`));
    out.push('');
  }

  if (result.model) {
    const usage = result.model;
    out.push(
      `${style.bold('model')}  ${formatCount(usage.requests)} requests (${formatCount(usage.cacheHits)} cached) · ${formatCount(usage.sent)} sent · ` +
        `${formatCount(usage.retries)} retries · tokens ${formatCount(usage.tokensIn)} in / ${formatCount(usage.tokensOut)} out`,
      '',
    );
  }

  if (result.contamination.length > 0) {
    const rows = result.contamination.map((entry) => [
      entry.eval,
      entry.source,
      formatCount(entry.found),
      entry.mixed > 0 ? style.red(formatCount(entry.mixed)) : formatCount(entry.mixed),
    ]);
    out.push(renderTable([style.bold('contamination'), 'source', 'rows hit', 'in mix'], rows, [false, false, true, true]), '');
  }

  if (result.mix) {
    const parts = Object.entries(result.mix.bySource).map(([source, count]) => `${source} ${formatCount(count)}`);
    out.push(`${style.bold('mix')}  ${formatCount(result.mix.rows)} rows${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`);
    for (const note of result.mix.notes) out.push(style.yellow(`  ${note}`));
  }
  for (const output of result.outputs)
    out.push(
      output.format === 'preference'
        ? `${style.bold('wrote')} ${output.path}  ${formatCount(output.rows)} pairs (preference; ${formatCount(output.skipped ?? 0)} rows without a pair skipped)`
        : `${style.bold('wrote')} ${output.path}  ${formatCount(output.rows)} rows (${output.format})`,
    );
  if (result.checks.length > 0) {
    out.push('');
    for (const check of result.checks) {
      const bounds = [check.min !== undefined ? `min ${check.min}` : '', check.max !== undefined ? `max ${check.max}` : '']
        .filter(Boolean)
        .join(', ');
      out.push(`${check.ok ? style.green('✓') : style.red('✗')} ${check.metric} = ${formatCount(check.value)} (${bounds})`);
    }
  }
  if (result.error) {
    out.push('', `${style.red(style.bold('error'))}${style.dim(`[${result.error.code}]`)} ${result.error.message}`);
    if (result.error.hint) out.push(`${style.dim('   = hint:')} ${result.error.hint}`);
  }
  return out.join('\n').replace(/\n+$/, '');
}
