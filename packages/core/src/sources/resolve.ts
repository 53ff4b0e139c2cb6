/** Turns a source spec into the concrete files to read (local globs, or Hub files in the HF cache). */
import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { OversightError } from '../errors.js';
import type { SourceSpec } from '../recipe/schema.js';
import { resolveHfSource } from './hf.js';

/** File kinds a source can read. */
export type FileKind = 'jsonl' | 'json' | 'csv' | 'parquet';

export interface SourceFile {
  /** Absolute path. */
  path: string;
  /** Path shown to users (relative to the working directory, or `hf://owner/name@rev/path`). */
  display: string;
  kind: FileKind;
  size: number;
  /** Modification time, part of a local file's fingerprint. */
  mtimeMs: number;
}

export interface ResolvedSource {
  spec: SourceSpec;
  files: SourceFile[];
  /** What identifies the data beyond the files' stats (the Hub commit). */
  origin: { kind: 'path' } | { kind: 'hf'; repo: string; revision: string; commit: string };
}

export interface ResolveOptions {
  recipeDir: string;
  env?: Record<string, string | undefined>;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** The kind of a file from its name. */
export function fileKind(path: string): FileKind | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.parquet')) return 'parquet';
  return undefined;
}

export async function resolveSource(spec: SourceSpec, options: ResolveOptions): Promise<ResolvedSource> {
  if (spec.hf !== undefined) {
    const resolved = await resolveHfSource(
      {
        repo: spec.hf,
        ...(spec.revision !== undefined ? { revision: spec.revision } : {}),
        ...(spec.config !== undefined ? { config: spec.config } : {}),
        ...(spec.split !== undefined ? { split: spec.split } : {}),
      },
      { ...(options.env ? { env: options.env } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
    );
    const files = resolved.files.map((file) => {
      const kind = fileKind(file.path);
      if (!kind) {
        throw new OversightError(
          'source/unsupported-file',
          `expected .jsonl, .json, .csv or .parquet files in ${spec.hf}, found ${file.path}`,
          {
            hint: 'pick another `config:`/`split:`, or download the files and use `path:`',
          },
        );
      }
      const stats = statSync(file.local);
      return {
        path: file.local,
        display: `hf://${resolved.repo}@${resolved.commit.slice(0, 8)}/${file.path}`,
        kind,
        size: stats.size,
        mtimeMs: 0,
      };
    });
    return { spec, files, origin: { kind: 'hf', repo: resolved.repo, revision: resolved.revision, commit: resolved.commit } };
  }
  const patterns = typeof spec.path === 'string' ? [spec.path] : (spec.path ?? []);
  const seen = new Set<string>();
  const files: SourceFile[] = [];
  for (const pattern of patterns) {
    const matches = (await glob(pattern, { cwd: options.recipeDir, absolute: true, onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length === 0) {
      throw new OversightError('source/not-found', `expected files matching ${pattern} for source \`${spec.id}\`, found none`, {
        hint: 'paths are relative to the recipe file',
      });
    }
    for (const match of matches) {
      const path = resolve(match);
      if (seen.has(path)) continue;
      seen.add(path);
      const kind = fileKind(path);
      if (!kind) {
        throw new OversightError(
          'source/unsupported-file',
          `expected a .jsonl, .json, .csv or .parquet file for source \`${spec.id}\`, found ${relative(process.cwd(), path)}`,
        );
      }
      const stats = statSync(path);
      files.push({ path, display: relative(process.cwd(), path) || path, kind, size: stats.size, mtimeMs: stats.mtimeMs });
    }
  }
  return { spec, files, origin: { kind: 'path' } };
}
