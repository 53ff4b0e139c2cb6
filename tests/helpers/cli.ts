/** Runs the built `oversight` CLI as a user would (built by `npm test` before vitest starts). */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'packages/cli/dist/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the CLI without waiting; for kill tests. */
export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function temporaryDirectory(prefix = 'oversight-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Like `runCli`, without blocking the event loop (for tests that serve the CLI from this process). */
export function runCliAsync(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = startCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A temporary directory holding the given files (path → content). */
export function directoryWith(files: Record<string, string>): string {
  const dir = temporaryDirectory();
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  return dir;
}

/** `chat.jsonl` text: `count` two-turn conversations with ids `r0…`, turns made by `turns(index)`. */
export function chatRows(count: number, turns: (index: number) => [user: string, assistant: string]): string {
  const rows = Array.from({ length: count }, (_, index) => {
    const [user, assistant] = turns(index);
    return JSON.stringify({
      id: `r${index}`,
      messages: [
        { role: 'user', content: user },
        { role: 'assistant', content: assistant },
      ],
    });
  });
  return `${rows.join('\n')}\n`;
}
