/** Renders recipe diagnostics as `file:line:col severity[code] message`, a code frame and a hint. */
import type { Diagnostic } from '@oversight/core';
import type { Style } from './style.js';

export function formatDiagnostic(diagnostic: Diagnostic, sourceText: string | undefined, style: Style): string {
  const severity = diagnostic.severity === 'error' ? style.red(style.bold('error')) : style.yellow(style.bold('warning'));
  const lines = [
    `${style.bold(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`)} ${severity}${style.dim(`[${diagnostic.code}]`)} ${diagnostic.message}`,
  ];
  const source = sourceText?.split('\n')[diagnostic.line - 1]?.replace(/\r$/, '');
  if (source !== undefined) {
    const gutter = String(diagnostic.line);
    const pad = ' '.repeat(gutter.length);
    const caretPad = [...source.slice(0, diagnostic.column - 1)].map((character) => (character === '\t' ? '\t' : ' ')).join('');
    const width = Math.max(1, Math.min(diagnostic.length, Math.max(1, source.length - diagnostic.column + 1)));
    lines.push(`${style.dim(` ${gutter} |`)} ${source}`);
    lines.push(`${style.dim(` ${pad} |`)} ${caretPad}${style.red('^'.repeat(width))}`);
  }
  if (diagnostic.hint) lines.push(`${style.dim(`   = hint:`)} ${diagnostic.hint}`);
  return lines.join('\n');
}

export function formatDiagnostics(diagnostics: Diagnostic[], sourceText: string | undefined, style: Style): string {
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const body = diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, sourceText, style)).join('\n\n');
  const summary = [
    errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : '',
    warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return summary ? `${body}\n\n${summary}` : body;
}

/** The `check --json` shape of a diagnostic. */
export function diagnosticJson(diagnostic: Diagnostic): Record<string, unknown> {
  return {
    code: diagnostic.code,
    severity: diagnostic.severity,
    message: diagnostic.message,
    file: diagnostic.file,
    line: diagnostic.line,
    column: diagnostic.column,
    hint: diagnostic.hint ?? null,
  };
}
