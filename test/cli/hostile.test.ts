// Hostile programs and files given to the `aria` command as a process: each ends in a clean error, never a JS stack or a V8 fatal error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
