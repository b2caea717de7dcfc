// A real editor as the client: headless Neovim's built-in LSP client (the shared nvim-lsp.sh harness) gets diagnostics and a hover.
import { describe, expect, test } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO, serverCommand } from './lsp-client.js';
import { missingTool } from '../support/ci.js';

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
const missing = missingTool('nvim.test', skipReason);
const hasCc = spawnSync('cc', ['--version']).status === 0;
const missingCc = missingTool('nvim.test (README setup)', skipReason ?? (hasCc ? undefined : 'no C compiler (cc) for the grammar'));

// In CI (`CI=true`) a suite that cannot run fails instead of passing silently.
test.runIf(missing.failure !== undefined || missingCc.failure !== undefined)('the Neovim suites can run', () => {
  throw new Error(missing.failure ?? missingCc.failure);
});

interface HarnessResult {
  ok: boolean;
  diagnostics: { file: string; lnum: number; col: number; code: string; severity: number; source: string; message: string }[];
  responses: { method: string; result?: { contents: { kind: string; value: string } }; error?: string }[];
}

describe.skipIf(missing.skip)(`Neovim (${version ?? 'absent'}) attached to the server over stdio`, () => {
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

describe.skipIf(missing.skip)(`Neovim (${version ?? 'absent'}): static types`, () => {
  test('a hover on a local shows its inferred type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-nvim-types-'));
    try {
      const file = join(dir, 'jobs.aria');
      writeFileSync(file, 'struct Job(name: String, size: Int)\n\njobs = [Job("a", 1), Job("b", 2)]\nnames = jobs.map(|j| j.name)\nprint(names)\n');
      const run = spawnSync('bash', [
        harness, '--ft', 'aria', '--root', dir, '--timeout-ms', '30000', '--min', '0', '--settle-ms', '500',
        '--request', 'textDocument/hover@3:1', file, '--', ...serverCommand(),
      ], { encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as HarnessResult;
      const hover = result.responses.find(r => r.method === 'textDocument/hover');
      expect(hover?.error).toBeUndefined();
      expect(hover?.result?.contents.value).toContain('Type: `List[String]`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(missing.skip)(`Neovim (${version ?? 'absent'}): names across files`, () => {
  test('definition and references follow an imported function, through the checker\'s name model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-nvim-names-'));
    try {
      mkdirSync(join(dir, 'lib'));
      const lib = join(dir, 'lib', 'geo.aria');
      writeFileSync(lib, '# Areas.\nfn area(w: Int, h: Int) -> {} Int = w * h\n');
      const file = join(dir, 'main.aria');
      writeFileSync(file, 'import lib.geo\n\nfor x in [1, 2]\n  print(geo.area(x, 3))\nend\n');
      const run = spawnSync('bash', [
        harness, '--ft', 'aria', '--root', dir, '--timeout-ms', '30000', '--min', '0', '--settle-ms', '500',
        '--request', 'textDocument/definition@3:13', '--request', 'textDocument/references@3:13',
        '--request', 'textDocument/definition@3:17', file, '--', ...serverCommand(),
      ], { encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      type Loc = { uri: string; range: { start: { line: number; character: number } } };
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { responses: { method: string; line: number; character: number; result?: Loc[] | Loc; error?: string }[] };
      const at = (method: string, character: number) => {
        const r = result.responses.find(x => x.method === method && x.character === character);
        expect(r?.error, method).toBeUndefined();
        const locs = Array.isArray(r?.result) ? r.result : r?.result ? [r.result] : [];
        return locs.map(l => `${l.uri.slice(l.uri.lastIndexOf('/') + 1)}:${l.range.start.line}:${l.range.start.character}`).sort();
      };
      expect(at('textDocument/definition', 13)).toEqual(['geo.aria:1:3']);
      expect(at('textDocument/references', 13)).toEqual(['geo.aria:1:3', 'main.aria:3:12']);
      // The loop variable, used in the call: its `for`.
      expect(at('textDocument/definition', 17)).toEqual(['main.aria:2:4']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The Lua snippet of the README, between its markers. */
function docSnippet(): string {
  const doc = readFileSync(resolve(REPO, 'README.md'), 'utf8');
  const block = /<!-- nvim-setup:begin -->\s*```lua\n([\s\S]*?)```\s*<!-- nvim-setup:end -->/.exec(doc);
  if (!block) throw new Error('README.md has no nvim-setup block');
  return block[1]!;
}

describe.skipIf(missingCc.skip)('the Neovim setup of the README', () => {
  test('attaches the server and tree-sitter highlighting to an Aria buffer', () => {
    const home = mkdtempSync(join(tmpdir(), 'aria-nvim-'));
    try {
      const site = join(home, 'data', 'nvim', 'site');
      mkdirSync(join(site, 'parser'), { recursive: true });
      mkdirSync(join(site, 'queries', 'aria'), { recursive: true });
      const grammar = resolve(REPO, 'grammar');
      const cc = spawnSync('cc', ['-O2', '-shared', '-fPIC', '-I', join(grammar, 'src'), '-o', join(site, 'parser', 'aria.so'),
        join(grammar, 'src', 'parser.c'), join(grammar, 'src', 'scanner.c')], { encoding: 'utf8' });
      expect(cc.status, cc.stderr).toBe(0);
      for (const q of readdirSync(join(grammar, 'queries'))) copyFileSync(join(grammar, 'queries', q), join(site, 'queries', 'aria', q));
      const init = join(home, 'init.lua');
      // Neovim starts the server in its own working directory; under tsx, grammar/parser.ts finds the wasm only
      // from the repository root, so the source-tree command is wrapped in a `cd` (a bundle needs none).
      const shell = (args: string[]) => args.map(a => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      const cmd = process.env.ARIA_LSP_CMD ? serverCommand() : ['sh', '-c', `cd ${shell([REPO])} && exec ${shell(serverCommand())}`];
      const command = cmd.map(a => JSON.stringify(a)).join(', ');
      writeFileSync(init, `vim.g.aria_lsp_cmd = { ${command} }\n${docSnippet()}`);
      const probe = join(home, 'probe.lua');
      writeFileSync(probe, [
        'local buf = vim.api.nvim_get_current_buf()',
        'local got = vim.wait(30000, function() return #vim.diagnostic.get(buf) >= 3 end, 50)',
        'local hl = vim.treesitter.highlighter.active[buf] ~= nil',
        'local clients = #vim.tbl_keys(vim.lsp.buf_get_clients(buf))',
        'io.stdout:write(vim.fn.json_encode({ got = got, highlighted = hl, clients = clients, filetype = vim.bo[buf].filetype, diagnostics = #vim.diagnostic.get(buf) }) .. "\\n")',
        'vim.cmd("qa!")',
      ].join('\n'));
      const file = resolve(REPO, 'examples/errors/missing-io.aria');
      const run = spawnSync('nvim', ['--headless', '-u', init, '-i', 'NONE', '-n', file, '-c', `luafile ${probe}`], {
        encoding: 'utf8', timeout: 60_000, cwd: resolve(REPO, 'examples'),
        env: { ...process.env, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), XDG_CACHE_HOME: join(home, 'cache') },
      });
      const line = run.stdout.trim().split('\n').filter(l => l.startsWith('{')).pop();
      expect(line, run.stderr).toBeDefined();
      expect(JSON.parse(line!)).toEqual({ got: true, highlighted: true, clients: 1, filetype: 'aria', diagnostics: 3 });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
