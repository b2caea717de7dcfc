// `aria check`: text and JSON output, directory arguments, exit codes; in-process (runCheck) and as a process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe as suite, expect, test } from 'vitest';
import { runCheck } from '../../cli/check.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
let dir = '';

const CLEAN = 'fn double(x: Int) -> {} Int = x * 2\nprint(double(21))\n';
const ERRORS = `fn fetch_a() -> {Async, Cancel} Int
  Cancel.check()
  sleep(1.ms)
  1
end

fn fetch_all() -> {Async} Int
  fetch_a()
end

print(fetch_all())
`;
const WARNING = 'fn add(a: Int, b: Int) -> {IO} Int = a + b\nprint(add(1, 2))\n';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aria-check-'));
  writeFileSync(join(dir, 'clean.aria'), CLEAN);
  writeFileSync(join(dir, 'errors.aria'), ERRORS);
  writeFileSync(join(dir, 'warning.aria'), WARNING);
  mkdirSync(join(dir, 'lib', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'lib', 'deep', 'util.aria'), 'fn util() -> {} Int = 1\n');
  writeFileSync(join(dir, 'lib', 'notes.txt'), 'not aria');
  mkdirSync(join(dir, '.hidden'));
  writeFileSync(join(dir, '.hidden', 'skipped.aria'), 'this is not checked(\n');
  writeFileSync(join(dir, 'uses-lib.aria'), 'import lib.deep.util\nprint(util.util())\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCheck(args, { stdout: t => (stdout += t), stderr: t => (stderr += t), cwd: dir });
  return { code, stdout, stderr };
}

suite('aria check (runCheck)', () => {
  test('a clean file: exit 0 and a summary', async () => {
    const r = await check(['clean.aria']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no problems in 1 file\n');
  });

  test('errors: file:line:col: error CODE: message, the source line in a gutter, an underline, notes, help, a summary; exit 1', async () => {
    const r = await check(['errors.aria']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^errors\.aria:8:3: error E0202: `fetch_all` performs `Cancel` \(fetch_all -> fetch_a -> Cancel\.check\(\)\)/);
    expect(lines.slice(1, 10)).toEqual([
      '  |',
      '8 |   fetch_a()',
      `  |   ${'^'.repeat('fetch_a()'.length)}`,
      '  = note: errors.aria:2:3: `Cancel` comes through `Cancel.check()` in `fetch_a`',
      '  = note: errors.aria:7:19: the row of `fetch_all`',
      'help: add `Cancel` to the row of `fetch_all`',
      '  |',
      '7 | fn fetch_all() -> {Async, Cancel} Int',
      `  |                         ${'+'.repeat(', Cancel'.length)}`,
    ]);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('1 error, 0 warnings in 1 file');
  });

  test('warnings alone exit 0', async () => {
    const r = await check(['warning.aria']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning.aria:1:28: warning W0201:');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('0 errors, 1 warning in 1 file');
  });

  test('a directory checks every .aria file under it (not hidden folders), imports resolve from the root', async () => {
    const r = await check(['.', '--format', 'json']);
    const out = JSON.parse(r.stdout) as { files: string[]; summary: { files: number; errors: number; warnings: number }; diagnostics: { path: string; code: string }[] };
    expect(out.files).toEqual(['clean.aria', 'errors.aria', 'lib/deep/util.aria', 'uses-lib.aria', 'warning.aria']);
    expect(out.summary).toEqual({ files: 5, errors: 1, warnings: 1 });
    expect(r.code).toBe(1);
  });

  test('--format json: positions (1-based), ranges, severity, code, related', async () => {
    const r = await check(['--format=json', 'errors.aria']);
    const out = JSON.parse(r.stdout);
    expect(out.diagnostics).toEqual([{
      path: 'errors.aria', line: 8, column: 3, endLine: 8, endColumn: 12, severity: 'error', code: 'E0202',
      message: expect.stringContaining('fetch_all'),
      related: [
        { path: 'errors.aria', line: 2, column: 3, message: '`Cancel` comes through `Cancel.check()` in `fetch_a`' },
        { path: 'errors.aria', line: 7, column: 19, message: 'the row of `fetch_all`' },
      ],
    }]);
  });

  test('bad usage exits 2', async () => {
    expect((await check(['missing.aria'])).code).toBe(2);
    expect((await check(['--format', 'xml', 'clean.aria'])).code).toBe(2);
    expect((await check(['--frobnicate'])).code).toBe(2);
    const help = await check(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: aria check');
  });

  test('the examples folder: the programs are clean; errors/ and seed/ (excluded by aria.toml) carry errors', async () => {
    const run = async (args: string[]) => {
      let stdout = '';
      const code = await runCheck([...args, '--format', 'json'], { stdout: t => (stdout += t), stderr: () => {}, cwd: repo });
      return { code, out: JSON.parse(stdout) as { files: string[]; diagnostics: { path: string; severity: string }[] } };
    };
    const programs = await run(['examples']);
    expect(programs.code).toBe(0);
    expect(programs.out.files.some(f => f.startsWith('examples/errors/') || f.startsWith('examples/seed/'))).toBe(false);
    for (const folder of ['examples/errors', 'examples/seed']) {
      const r = await run([folder]);
      expect(r.code).toBe(1);
      expect(r.out.diagnostics.some(d => d.severity === 'error' && d.path.startsWith(folder))).toBe(true);
    }
  });
});

suite('aria check as a process', () => {
  // From the repository (where tsx resolves), on the temporary files by absolute path.
  const aria = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(here, 'run-cli.ts'), ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 });

  test('exit status 1 with errors, 0 without: a CI gate', () => {
    const bad = aria(['check', join(dir, 'errors.aria')]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`${join(dir, 'errors.aria')}:8:3: error E0202:`);
    const good = aria(['check', join(dir, 'clean.aria'), join(dir, 'warning.aria')]);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('0 errors, 1 warning in 2 files');
  });
});
