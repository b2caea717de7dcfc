// Hostile programs and files given to the `aria` command as a process: each ends in a clean error, never a JS stack or a V8 fatal error.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
let out: string;
let dir: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'aria-cli-hostile-'));
  dir = mkdtempSync(join(tmpdir(), 'aria-hostile-files-'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out, '--only', 'cli', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
}, 120_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

function aria(args: string[], cwd = dir) {
  const r = spawnSync(process.execPath, [join(out, 'cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** No JS stack, no V8 fatal error, no internal error in what the user sees. */
function expectClean(stderr: string): void {
  expect(stderr).not.toMatch(/\.[jt]s:\d+|node:internal|FATAL ERROR|internal error|RangeError/);
}

describe('aria run: runaway programs', () => {
  test('xs = range(0, 1000000000) is a resource-limit failure with an Aria stack (it was a V8 fatal error)', () => {
    const r = aria(['run', file('range.aria', 'xs = range(0, 1000000000)\nprint(len(xs))\n')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: range\(0, 1000000000\) of 1,000,000,000 elements would pass the limit of 10,000,000 elements/);
    expect(r.stderr).toMatch(/at <main> \(range\.aria:1:6\)/);
    expectClean(r.stderr);
  });

  test('loop push(xs, 1) end stops at --max-list-length', () => {
    const r = aria(['run', '--max-list-length', '5000', file('push.aria', 'xs = []\nloop\n  push(xs, 1)\nend\n')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a list of 5,001 elements would pass the limit of 5,000 elements/);
    expect(r.stderr).toMatch(/at <main> \(push\.aria:3:3\)/);
    expectClean(r.stderr);
  });

  test('s = s + s in a loop is a resource-limit failure by default (it was an internal RangeError)', () => {
    const r = aria(['run', file('double.aria', 's = "ab"\nloop\n  s = s + s\nend\n')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a string of 33,554,432 characters would pass the limit of 16,777,216 characters/);
    expectClean(r.stderr);
  });

  test('--timeout stops an endless program; --step-limit too; both are in the help', () => {
    const endless = file('endless.aria', 'i = 0\nloop\n  i = i + 1\nend\n');
    const timed = aria(['run', '--timeout', '300ms', endless]);
    expect(timed.code).toBe(1);
    expect(timed.stderr).toMatch(/error: the time limit of 300 ms was reached/);
    expectClean(timed.stderr);
    const stepped = aria(['run', '--step-limit', '1000', endless]);
    expect(stepped.code).toBe(1);
    expect(stepped.stderr).toMatch(/the step limit of 1000 statements was reached/);
    const help = aria(['run', '--help']);
    expect(help.stdout).toMatch(/--timeout T/);
    expect(help.stdout).toMatch(/--step-limit N/);
    expect(help.stdout).toMatch(/--max-heap-mb N/);
    const bad = aria(['run', '--timeout', 'soon', endless]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--timeout takes a duration such as 500ms, 30s or 2m, not `soon`/);
  });
});

describe('aria parse: deep nesting', () => {
  test('5,000 nested parentheses print the tree and answer E0002, not a stack overflow', () => {
    const depth = 5000;
    const r = aria(['parse', file('deep.aria', `x = ${'('.repeat(depth)}1${')'.repeat(depth)}\n`)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/deep\.aria:1:1: error E0002: this file nests too deeply to analyse/);
    expect(r.stdout.startsWith('(source_file')).toBe(true);
    expectClean(r.stderr);
  });
});

describe('aria parse: long and deep one-line files', () => {
  test('indentation stops at 40 levels and deeper nodes carry their depth: the output grows with the tree, not with size times depth', () => {
    // 20,000 chained additions nest 20,000 deep on one line: with full indentation, 400 million spaces.
    const terms = 20_000;
    const r = aria(['parse', file('chain.aria', `x = ${'1 + '.repeat(terms)}1\n`)]);
    expect([0, 1]).toContain(r.code);
    expectClean(r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3 + 2 * terms + 1);
    expect(Math.max(...lines.map(l => l.length))).toBeLessThan(2 * 40 + 40 + terms + 20);
    // The innermost addition (the first `1 + 1`) is at depth 2 + 20,000 - 1, its operands one deeper.
    expect(lines.filter(l => l.includes(`[depth ${terms + 2}] left: (integer)`))).toHaveLength(1);
    expect(lines[3 + 38]).toBe(`${'  '.repeat(40)}left: (binary_expression`);
    expect(lines[3 + 39]).toBe(`${'  '.repeat(40)}[depth 41] left: (binary_expression`);
    // Every parenthesis opened is closed.
    const opened = r.stdout.split('(').length;
    expect(r.stdout.split(')').length).toBe(opened);
  });

  test('a file over 8 MB or that is not UTF-8 text is refused by name, as check and run refuse it', () => {
    const big = aria(['parse', file('big-parse.aria', `x = [${'1, '.repeat(3_000_000)}1]\n`)]);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/aria parse: cannot read .*big-parse\.aria: it is 8\.6 MB; source files over 8 MB are not read/);
    expect(big.stdout).toBe('');
    writeFileSync(join(dir, 'latin1.aria'), Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x22, 0xe9, 0x22, 0x0a]));
    const latin = aria(['parse', join(dir, 'latin1.aria')]);
    expect(latin.code).toBe(2);
    expect(latin.stderr).toMatch(/latin1\.aria: it is not valid UTF-8 text/);
    // aria check of that file by name fails too: "No problems in 0 files" would pass a CI job that names it.
    const checked = aria(['check', join(dir, 'latin1.aria')]);
    expect(checked.code).toBe(2);
    expect(checked.stderr).toMatch(/aria check: cannot check .*latin1\.aria: it is not valid UTF-8 text/);
    expect(checked.stdout).not.toMatch(/No problems/);
  });
});

describe('files that are not what they seem', () => {
  /** A fresh project folder (an aria.toml) under the temp folder, with `files`. */
  function project(name: string, files: Record<string, string>): string {
    const root = join(dir, name);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'aria.toml'), '');
    for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
    return root;
  }

  test('aria check . does not follow a symlink to /proc/self/environ, and never prints the environment', () => {
    const root = project('environ', { 'main.aria': 'print(1)\n' });
    symlinkSync('/proc/self/environ', join(root, 'env.aria'));
    const secret = 'ARIA_SECRET_TOKEN_0123456789';
    const r = spawnSync(process.execPath, [join(out, 'cli.js'), 'check', '.'], { cwd: root, encoding: 'utf8', env: { ...process.env, ARIA_SECRET: secret } });
    expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    expect(r.stderr).toMatch(/skipped env\.aria: it is a symlink to \/proc\/\d+\/environ, outside the workspace .*: not followed/);
    expect(r.status).toBe(0);
  });

  test('a symlink inside the workspace is followed; a loop is named as a loop; a binary file is refused without an excerpt', () => {
    const root = project('links', { 'real.aria': 'x = 1\nprint(x)\n', 'bin.aria': `x = 1\n${'\u0000secret'.repeat(1000)}\n` });
    symlinkSync(join(root, 'real.aria'), join(root, 'alias.aria'));
    symlinkSync('loop.aria', join(root, 'loop.aria'));
    symlinkSync('..', join(root, 'up'));
    const r = aria(['check', '.'], root);
    expect(r.stderr).toMatch(/skipped loop\.aria: it is a symlink loop/);
    expect(r.stderr).toMatch(/skipped bin\.aria: it is not a text file \(it holds NUL bytes\)/);
    expect(r.stderr).not.toMatch(/secret/);
    expect(r.stderr).not.toMatch(/alias\.aria/);
    expect(r.stdout).toMatch(/in 2 files/);
  });

  test('aria run does not follow an import through a symlink that leaves the project', () => {
    const outside = project('outside', { 'lib.aria': 'fn secret() = 42\n' });
    const root = project('runner', { 'main.aria': 'import lib\nprint(lib.secret())\n' });
    symlinkSync(join(outside, 'lib.aria'), join(root, 'lib.aria'));
    const r = aria(['run', 'main.aria'], root);
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('42');
    expectClean(r.stderr);
  });

  test('a file over 8 MB is refused with its size, not parsed', () => {
    const big = file('big.aria', `x = [${'1, '.repeat(3_000_000)}1]\n`);
    const r = aria(['run', big]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*big\.aria: it is 8\.6 MB; source files over 8 MB are not read/);
  });
});

describe('a lone CR is a line break, for the parser as for positions', () => {
  test('statements separated by lone CRs run, and an error is reported on its own line', () => {
    const ok = file('cr.aria', 'x = 1\rprint(x)\rprint(x + 1)\r');
    const run = aria(['run', ok]);
    expectClean(run.stderr);
    expect(run.stdout).toBe('1\n2\n');
    const bad = file('cr-bad.aria', '# first line\rfn f(a: Int) -> {} Int = a\rprint(f("two"))\r');
    const check = aria(['check', bad]);
    expect(check.code).toBe(1);
    // line 3 (1-based) in the CR-separated text: the parser and the report agree on where lines are
    expect(check.stdout).toMatch(/cr-bad\.aria:3:\d+: error E0301/);
  });
});
