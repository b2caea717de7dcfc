// What the Test Explorer asks `aria test` and how it reads the answer: the real CLI's --format json reports
// (a child process, as the extension starts it), and reports a broken or hostile CLI could print.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exploreModeOf, failureLocation, readTestReport, replayInMessage, replayMessage, testCliArgs, type TestResult,
} from '../../client/test-model.js';

const root = resolve(import.meta.dirname, '..', '..');
let out: string;
let cli: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'aria-client-tests-'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out, '--only', 'cli', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  cli = join(out, 'cli.js');
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Runs the CLI with the arguments the Test Explorer builds, in `cwd`, and reads its report as the extension does. */
function runAsExtension(cwd: string, ...args: Parameters<typeof testCliArgs> extends [string, ...infer R] ? R : never) {
  const argv = testCliArgs(cli, ...args);
  const r = spawnSync(process.execPath, argv, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, report: readTestReport(r.stdout, r.stderr, cwd) };
}

const BANK = `struct Account(balance: Int)

fn deposit(a: Account, n: Int) -> Unit
  a.balance += n
end

fn check(a: Account, want: Int) -> Unit
  assert_eq(a.balance, want)
end

@test
fn deposits_add_up()
  a = Account(0)
  deposit(a, 5)
  deposit(a, 7)
  assert_eq(a.balance, 12)
end

@test
fn helper_fails()
  print("checking")
  a = Account(1)
  check(a, 2)
end

@test
fn not_written_yet()
  fail("write this test")
end
`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aria-client-ws-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('testCliArgs', () => {
  it('asks for a JSON report of a file, one test matched whole, and exploring with a strategy', () => {
    expect(testCliArgs('/x/cli.js', '/w/a.aria', { kind: 'run' })).toEqual(['/x/cli.js', 'test', '/w/a.aria', '--format', 'json']);
    expect(testCliArgs('/x/cli.js', '/w/a.aria', { kind: 'explore', schedules: 50, strategy: 'pct' }, 'a_b')).toEqual([
      '/x/cli.js', 'test', '/w/a.aria', '--format', 'json', '--filter', 'a_b', '--exact', '--explore', '50', '--strategy', 'pct',
    ]);
  });

  it('reads the explore settings, falling back to the defaults on bad values', () => {
    expect(exploreModeOf(250, 'dfs')).toEqual({ kind: 'explore', schedules: 250, strategy: 'dfs' });
    expect(exploreModeOf(0, 'bogus')).toEqual({ kind: 'explore', schedules: 1000, strategy: 'random' });
    expect(exploreModeOf('12', undefined)).toEqual({ kind: 'explore', schedules: 1000, strategy: 'random' });
    expect(exploreModeOf(2.5, 'pct')).toEqual({ kind: 'explore', schedules: 1000, strategy: 'pct' });
  });
});

describe('readTestReport on the real CLI', () => {
  it('gives pass and fail per test, with output, the assert_eq values, the Aria stack and where the failure is', () => {
    const dir = folder({ 'bank.aria': BANK });
    const { code, report } = runAsExtension(dir, join(dir, 'bank.aria'), { kind: 'run' });
    expect(code).toBe(1);
    if (!report.ok) throw new Error(report.error);
    expect(report.tests.map(t => [t.name, t.passed])).toEqual([['deposits_add_up', true], ['helper_fails', false], ['not_written_yet', false]]);
    const helper = report.tests.find(t => t.name === 'helper_fails')!;
    expect(helper).toMatchObject({ file: join(dir, 'bank.aria'), line: 20, output: 'checking\n', message: 'assert_eq failed: left 1, right 2', actual: '1', expected: '2' });
    expect(helper.stack).toEqual([
      { name: 'check', file: join(dir, 'bank.aria'), line: 8, column: 3 },
      { name: 'helper_fails', file: join(dir, 'bank.aria'), line: 23, column: 3 },
    ]);
    // the failure shows where it happened: in check(), the innermost frame in the test's file
    expect(failureLocation(helper)).toEqual({ name: 'check', file: join(dir, 'bank.aria'), line: 8, column: 3 });
    const todo = report.tests.find(t => t.name === 'not_written_yet')!;
    expect(todo).toMatchObject({ message: 'write this test' });
    expect(todo.actual).toBeUndefined();
    expect(failureLocation(todo)).toMatchObject({ line: 28, column: 3 });
  });

  it('runs only the test named, not one whose name contains it', () => {
    const dir = folder({ 'bank.aria': `${BANK}\n@test\nfn deposits_add_up_twice()\n  fail("not me")\nend\n` });
    const { report } = runAsExtension(dir, join(dir, 'bank.aria'), { kind: 'run' }, 'deposits_add_up');
    if (!report.ok) throw new Error(report.error);
    expect(report.tests.map(t => t.name)).toEqual(['deposits_add_up']);
  });

  it('explores: a failing schedule comes with its replay file, which the message names for Debug this schedule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-client-explore-'));
    copyFileSync(join(root, 'examples', 'bug-lost-update.aria'), join(dir, 'bug-lost-update.aria'));
    copyFileSync(join(root, 'examples', 'bug-lost-update-fixed.aria'), join(dir, 'bug-lost-update-fixed.aria'));
    const { report } = runAsExtension(dir, join(dir, 'bug-lost-update.aria'), { kind: 'explore', schedules: 300, strategy: 'random' });
    if (!report.ok) throw new Error(report.error);
    const racy = report.tests.find(t => t.name === 'deposits_all_land')!;
    expect(racy.passed).toBe(false);
    expect(racy.replay).toBe(join(dir, '.aria', 'replays', 'bug-lost-update.deposits_all_land.json'));
    expect(racy.message).toBe('assert_eq failed: left 110, right 130'); // the second deposit's update lost (main runs off the workers)
    expect(racy.explored).toMatch(/^schedule \d+$/);
    expect(replayInMessage(replayMessage(racy))).toBe(racy.replay);
    expect(failureLocation(racy)).toMatchObject({ file: join(dir, 'bug-lost-update.aria'), line: 32 });

    const fixed = runAsExtension(dir, join(dir, 'bug-lost-update-fixed.aria'), { kind: 'explore', schedules: 200, strategy: 'pct' }).report;
    if (!fixed.ok) throw new Error(fixed.error);
    expect(fixed.tests.length).toBeGreaterThan(0);
    for (const t of fixed.tests) {
      expect(t.passed, t.name).toBe(true);
      expect(t.explored, t.name).toContain('schedules passed (pct');
      expect(t.replay).toBeUndefined();
    }
  });

  it('counts a file with errors, whose tests were not run', () => {
    const dir = folder({ 'broken.aria': '@test\nfn typed()\n  assert_eq(1, "one")\nend\n' });
    const { code, report } = runAsExtension(dir, join(dir, 'broken.aria'), { kind: 'run' });
    expect(code).toBe(1);
    expect(report).toEqual({ ok: true, tests: [], filesWithErrors: 1 });
  });
});

describe('readTestReport on hostile output', () => {
  it('says that there is no report, quoting stderr, for a crash, a usage error or a truncated document', () => {
    expect(readTestReport('', 'aria test: unknown option --bogus\nusage: ...', '/w')).toEqual({ ok: false, error: 'aria test gave no report:\naria test: unknown option --bogus\nusage: ...' });
    expect(readTestReport('{"tests": [', '', '/w')).toMatchObject({ ok: false });
    expect(readTestReport('null', '', '/w')).toMatchObject({ ok: false });
    expect(readTestReport('{"tests": 3}', '', '/w')).toMatchObject({ ok: false });
    expect(readTestReport('', '', '/w')).toEqual({ ok: false, error: 'aria test gave no report' });
  });

  it('skips entries that are not tests and reads odd failures without throwing', () => {
    const doc = {
      tests: [null, 3, { name: 'no_file' }, { file: 'a.aria', name: 'odd', status: 'failed', failure: 'no error line at all', line: 'x' },
        { file: '/abs/b.aria', name: 'two', status: 'failed', failure: 'error: first\n    at f (b.aria:2:3)\nerror: a task failed and nobody awaited it: second\n    at g (b.aria:9:1)' },
        { file: 'c (1).aria', name: 'parens', status: 'failed', failure: 'error: x\n    at h (dir (2)/c (1).aria:4:5)' },
        { file: 'd.aria', name: 'no_stack', status: 'failed', failure: 'error: deadlock: every task waits', line: 7 }],
    };
    const report = readTestReport(JSON.stringify(doc), '', '/w');
    if (!report.ok) throw new Error(report.error);
    expect(report.tests.map(t => t.name)).toEqual(['odd', 'two', 'parens', 'no_stack']);
    // no Aria stack: the failure shows at the test
    expect(failureLocation(report.tests[3]!)).toEqual({ file: '/w/d.aria', line: 7, column: 1 });
    const odd = report.tests[0]!;
    expect(odd).toMatchObject({ file: '/w/a.aria', line: 1, message: 'no error line at all', stack: [] });
    expect(failureLocation(odd)).toEqual({ file: '/w/a.aria', line: 1, column: 1 });
    // several failures: the stack is the first one's
    expect(report.tests[1]!.stack).toEqual([{ name: 'f', file: '/w/b.aria', line: 2, column: 3 }]);
    expect(report.tests[1]!.file).toBe('/abs/b.aria');
    expect(report.tests[2]!.stack).toEqual([{ name: 'h', file: '/w/dir (2)/c (1).aria', line: 4, column: 5 }]);
  });

  it('finds no replay file in a message that names none', () => {
    const result: TestResult = { file: '/w/a.aria', name: 'a', line: 1, passed: false, output: '', failure: 'error: boom', stack: [] };
    expect(replayMessage(result)).toBe('error: boom');
    expect(replayInMessage(replayMessage(result))).toBeUndefined();
  });
});
