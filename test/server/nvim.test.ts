// A real editor as the client: headless Neovim's built-in LSP client (the shared nvim-lsp.sh harness) gets diagnostics and a hover.
import { describe, expect, test } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO, serverCommand } from './lsp-client.js';

const harness = '/work/shared/tools/editor-e2e/nvim-lsp.sh';

function nvimVersion(): string | undefined {
  try {
    return execFileSync('nvim', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return undefined;
  }
}

const version = nvimVersion();
const skipReason = !version ? 'nvim is not on PATH (apt-get install -y neovim)' : !existsSync(harness) ? `no harness at ${harness}` : undefined;
if (skipReason) console.warn(`[nvim.test] skipped: ${skipReason}`);

interface HarnessResult {
  ok: boolean;
  diagnostics: { file: string; lnum: number; col: number; code: string; severity: number; source: string; message: string }[];
  responses: { method: string; result?: { contents: { kind: string; value: string } }; error?: string }[];
}

describe.skipIf(skipReason !== undefined)(`Neovim (${version ?? 'absent'}) attached to the server over stdio`, () => {
  test('receives the diagnostics of an example and answers a hover', () => {
    const file = resolve(REPO, 'examples/errors/missing-io.aria');
    const run = spawnSync('bash', [
      harness, '--ft', 'aria', '--root', resolve(REPO, 'examples'), '--timeout-ms', '30000', '--min', '3',
      '--request', 'textDocument/hover@10:4', file, '--', ...serverCommand(),
    ], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as HarnessResult;
    expect(result.ok).toBe(true);
    const mine = result.diagnostics.filter(d => d.file === file);
    expect(mine.map(d => `${d.lnum}:${d.code}`).sort()).toEqual(['10:E0202', '16:E0202', '23:E0202']);
    expect(mine.every(d => d.source === 'aria' && d.severity === 1)).toBe(true);
    const hover = result.responses.find(r => r.method === 'textDocument/hover');
    expect(hover?.error).toBeUndefined();
    expect(hover?.result?.contents.value).toContain('print(values...) -> Unit');
  });
});
