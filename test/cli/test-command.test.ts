// `aria test` as a user runs it: the bundled CLI as a child process, on test files a user would write.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'aria-cli-test-'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out, '--only', 'cli', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

function aria(args: string[], cwd: string) {
  const env = { ...process.env };
  delete env['FORCE_COLOR'];
  const r = spawnSync(process.execPath, [join(out, 'cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aria-tests-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const BANK = `struct Account(balance: Int)

fn deposit(a: Account, n: Int) -> Unit
  a.balance += n
end

# Runs on the top level only: a test run never prints it.
print("top level")

@test
fn deposits_add_up()
  a = Account(0)
  deposit(a, 5)
  deposit(a, 7)
  assert_eq(a.balance, 12)
end

@test
fn lists_compare_by_value()
  print("comparing")
  assert_eq([1, 2], [1, 3])
end

@test
fn not_written_yet()
  fail("write this test")
end

@test
fn parallel_deposits()
  a = Account(0)
  tasks = [spawn deposit(a, 1), spawn deposit(a, 2)]
  join(tasks)
  assert(a.balance == 3, "both deposits land")
end
`;

describe('aria test', () => {
  test('prints a line per test, the failures with their Aria stacks, a summary, and exits 1', () => {
    const dir = folder({ 'bank.aria': BANK });
    const r = aria(['test', 'bank.aria'], dir);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines.filter(l => l.startsWith('test ') && l.includes('::'))).toEqual([
      'test bank.aria::deposits_add_up ... ok',
      'test bank.aria::lists_compare_by_value ... FAILED',
      'test bank.aria::not_written_yet ... FAILED',
      'test bank.aria::parallel_deposits ... ok',
    ]);
    expect(r.stdout).toContain('error: assert_eq failed: left [1, 2], right [1, 3]\n    at lists_compare_by_value (bank.aria:21:3)');
    expect(r.stdout).toContain('error: write this test\n    at not_written_yet (bank.aria:26:3)');
    // A failing test's output is shown with its failure; the top-level statements never ran.
    expect(r.stdout).toContain('output:\n  comparing\n');
    expect(r.stdout).not.toContain('top level');
    expect(r.stdout).toContain('test result: FAILED. 2 passed; 2 failed; 0 filtered out');
  });

  test('exits 0 when every test passes; --filter picks tests by name', () => {
    const dir = folder({ 'bank.aria': BANK });
    const r = aria(['test', '--filter', 'deposit'], dir);
    expect(r.stdout).toContain('test bank.aria::deposits_add_up ... ok');
    expect(r.stdout).toContain('test bank.aria::parallel_deposits ... ok');
    expect(r.stdout).toContain('test result: ok. 2 passed; 0 failed; 2 filtered out');
    expect(r.code).toBe(0);
  });

  test('--filter with --exact picks the test of that name only, not the ones whose name contains it', () => {
    const dir = folder({ 'bank.aria': BANK + '\n@test\nfn deposits_add_up_twice()\n  assert_eq(1, 1)\nend\n' });
    const byName = aria(['test', 'bank.aria', '--filter', 'deposits_add_up', '--exact'], dir);
    expect(byName.stdout.split('\n').filter(l => l.startsWith('test bank'))).toEqual(['test bank.aria::deposits_add_up ... ok']);
    expect(byName.stdout).toContain('1 passed; 0 failed; 4 filtered out');
    const byId = aria(['test', 'bank.aria', '--filter', 'bank.aria::deposits_add_up_twice', '--exact'], dir);
    expect(byId.stdout).toContain('1 passed; 0 failed; 4 filtered out');
    expect(aria(['test', 'bank.aria', '--filter', 'deposits_add_up'], dir).stdout).toContain('2 passed; 0 failed; 3 filtered out');
    const alone = aria(['test', 'bank.aria', '--exact'], dir);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--exact goes with --filter TEXT');
  });

  test('--format json gives every test with its status, output and failure, and a summary', () => {
    const dir = folder({ 'tests/bank.aria': BANK, 'aria.toml': 'roots = ["tests"]\n' });
    const r = aria(['test', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { tests: { file: string; name: string; line: number; status: string; output: string; failure?: string }[]; summary: Record<string, number> };
    expect(report.summary).toMatchObject({ passed: 2, failed: 2, filtered: 0, total: 4 });
    const failed = report.tests.find(t => t.name === 'lists_compare_by_value')!;
    expect(failed).toMatchObject({ file: 'tests/bank.aria', line: 19, status: 'failed', output: 'comparing\n' });
    expect(failed.failure).toContain('assert_eq failed');
    expect(report.tests.find(t => t.name === 'deposits_add_up')).toMatchObject({ status: 'passed' });
  });

  test('a deadlock, a failure nobody awaited and a runaway loop each fail their test', () => {
    const dir = folder({
      'hazards.aria': `fn boom() -> Unit
  panic("lost in the background")
end

@test
fn forgets_its_task()
  spawn boom()
  sleep(5.ms)
end

@test
fn waits_forever()
  ch = channel(1)
  recv(ch)
end

@test
fn never_ends()
  loop
    x = 1
  end
end
`,
    });
    const r = aria(['test', 'hazards.aria', '--step-limit', '100000'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('test result: FAILED. 0 passed; 3 failed');
    expect(r.stdout).toContain('a task failed and nobody awaited it:\nerror: task #2 (boom) failed: lost in the background');
    expect(r.stdout).toMatch(/deadlock/);
    expect(r.stdout).toContain('the step limit of 100000 statements was reached');
  });

  test('aria check accepts tests that use assert_eq and fail, and types their arguments', () => {
    const dir = folder({ 'bank.aria': BANK, 'bad.aria': '@test\nfn t()\n  assert_eq(1, "one")\n  fail(3)\nend\n' });
    const ok = aria(['check', 'bank.aria'], dir);
    expect(ok.stdout).toContain('no problems');
    expect(ok.code).toBe(0);
    const bad = aria(['check', 'bad.aria'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('bad.aria:3:16: error E0301: expected `Int`, found `String`');
    expect(bad.stdout).toContain('bad.aria:4:8: error E0301: expected `String`, found `Int`');
    // A file with errors is not run: its tests are reported as not run, and the exit status is 1.
    const run = aria(['test', 'bad.aria'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the tests of bad.aria were not run because of the errors above');
    expect(run.stdout).toContain('1 file not run because of errors');
  });

  test('hostile input: a test with parameters, no tests, a missing path, a bad flag', () => {
    const dir = folder({ 'odd.aria': '@test\nfn needs(x: Int)\n  assert(x > 0)\nend\n', 'plain.aria': 'print(1)\n' });
    const odd = aria(['test', 'odd.aria'], dir);
    expect(odd.code).toBe(1);
    expect(odd.stdout).toContain('a @test function takes no arguments, and needs requires 1');
    const none = aria(['test', 'plain.aria'], dir);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('(no @test functions found)');
    expect(aria(['test', 'missing.aria'], dir)).toMatchObject({ code: 2 });
    const flag = aria(['test', '--frob'], dir);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('unknown option `--frob`');
  });
});
