// Exploring schedules from the command line as a new user would: `aria explore` finds a race and writes a replay
// file, `aria run --replay` reproduces it (and says when the program changed), `aria test --explore` finds the
// examples' bugs and passes their fixes.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lostUpdatePrelude, NOISY_RACE } from '../support/programs.js';

const root = resolve(import.meta.dirname, '..', '..');
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'aria-cli-explore-'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out, '--only', 'cli', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

function aria(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(out, 'cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A folder holding copies of examples. */
function withExamples(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'aria-explore-'));
  for (const n of names) copyFileSync(join(root, 'examples', n), join(dir, n));
  return dir;
}

// A racy program as a user might write it: no test, an assertion at the top level.
const RACY = `struct Counter(hits: Int)

fn record(c: Counter) -> {Async} Unit
  seen = c.hits
  stamp = spawn now()
  stamp.await
  c.hits = seen + 1
end

c = Counter(0)
tasks = [spawn record(c), spawn record(c), spawn record(c)]
join(tasks)
assert(c.hits == 3, "a hit was lost")
print("hits:", c.hits)
`;

// The lost update between two deposits among eight tasks that yield often: worker threads share the schedules.
const NEEDLE = `${lostUpdatePrelude(8)}@test
fn deposits_all_land()
  account = Account(100)
  others = []
  for n in 0..8
    push(others, spawn noise(n))
  end
  first = spawn deposit(account, 10)
  second = spawn deposit(account, 20)
  join(others)
  first.await
  second.await
  assert_eq(account.balance, 130)
end
`;

describe('aria explore and aria run --replay', () => {
  test('explore finds the race, writes a shrunk replay file; run --replay reproduces it; a changed program is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-racy-'));
    writeFileSync(join(dir, 'racy.aria'), RACY);
    // The default schedule passes.
    expect(aria(['run', 'racy.aria'], dir)).toMatchObject({ code: 0, stdout: 'hits: 3\n' });
    const r = aria(['explore', 'racy.aria', '--schedules', '500'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^exploring racy\.aria: up to 500 schedules \(random, 4 workers, multi\)\nschedule \d+ of up to 500 failed \(random, seed 1\); shrunk to 3 choices off Tokio's policy \(from \d+\)\n/);
    expect(r.stdout).toContain('error: a hit was lost\n    at <main> (racy.aria:13:1)');
    expect(r.stdout).toContain('wrote the failing schedule to .aria/replays/racy.json\n  aria run --replay .aria/replays/racy.json    reproduces it');
    const file = JSON.parse(readFileSync(join(dir, '.aria/replays/racy.json'), 'utf8'));
    expect(file).toMatchObject({ format: 'aria-replay', version: 1, program: '../../racy.aria', options: { workers: 4, flavor: 'multi', seed: 1 }, failure: 'a hit was lost' });
    expect(file.programHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Main runs off the workers (block_on), so a record runs its read, its stamp and its write on one worker unless the
    // schedule cuts in: three choices (one before main moved off the workers, whose spawns went to its LIFO slot).
    expect(file.choices).toHaveLength(3);

    const replay = aria(['run', '--replay', '.aria/replays/racy.json'], dir);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toBe('');
    expect(replay.stderr).toContain('replayed .aria/replays/racy.json (3 choices off Tokio\'s policy): the recorded failure happened again');
    expect(replay.stderr).toContain('error: a hit was lost\n    at <main> (racy.aria:13:1)');
    expect(replay.stderr).not.toContain('changed');

    // Without the schedule's one choice the run passes: the file is what makes it fail.
    writeFileSync(join(dir, 'empty.json'), JSON.stringify({ ...file, program: 'racy.aria', choices: [] }));
    const none = aria(['run', '--replay', 'empty.json'], dir);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain('the recorded failure did NOT happen (recorded: a hit was lost)');

    writeFileSync(join(dir, 'racy.aria'), RACY.replace('print("hits:", c.hits)', 'print("hits now:", c.hits)'));
    const changed = aria(['run', '--replay', '.aria/replays/racy.json'], dir);
    expect(changed.stderr).toContain('warning: racy.aria has changed since this schedule was recorded (its hash differs from the replay file\'s)');
  });

  test('a correct program: no failure in N schedules; DFS says when every schedule was explored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-fine-'));
    writeFileSync(join(dir, 'fine.aria'), RACY.replace('  seen = c.hits\n', '').replace('c.hits = seen + 1', 'c.hits += 1'));
    expect(aria(['explore', 'fine.aria', '-n', '300'], dir)).toMatchObject({ code: 0, stdout: expect.stringContaining('300 schedules passed (random, seed 1)') });
    const dfs = aria(['explore', 'fine.aria', '--strategy', 'dfs', '--workers', '2', '-n', '100000'], dir);
    expect(dfs.code).toBe(0);
    expect(dfs.stdout).toMatch(/all \d+ schedules explored \(dfs\)/);
  });

  test('--check-output fails a schedule whose output differs from the default schedule\'s', () => {
    const dir = withExamples('bug-lost-update.aria');
    expect(aria(['explore', 'bug-lost-update.aria', '-n', '300'], dir).code).toBe(0);
    const r = aria(['explore', 'bug-lost-update.aria', '-n', '300', '--check-output', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.failure).toMatchObject({ reason: 'output', message: 'the output differs from the default schedule\'s', replay: '.aria/replays/bug-lost-update.json' });
  });

  test('bad replay files and flags get clear errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aria-badreplay-'));
    writeFileSync(join(dir, 'racy.aria'), RACY);
    writeFileSync(join(dir, 'notjson.json'), '{ nope');
    writeFileSync(join(dir, 'other.json'), '{"format": "something"}');
    writeFileSync(join(dir, 'badchoice.json'), JSON.stringify({ format: 'aria-replay', version: 1, program: 'racy.aria', programHash: 'x', options: { workers: 4, flavor: 'multi', seed: 1 }, failure: '', points: 3, choices: [{ index: 0, kind: 'poll', n: 2, chosen: 5 }] }));
    expect(aria(['run', '--replay', 'notjson.json'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot replay notjson.json: it is not JSON') });
    expect(aria(['run', '--replay', 'other.json'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('it is not an Aria replay file') });
    expect(aria(['run', '--replay', 'badchoice.json'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('choice 1 must be {index, kind, n, chosen}') });
    expect(aria(['run', '--replay', 'missing.json'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('it cannot be read') });
    expect(aria(['run', '--replay', 'other.json', '--seed', '3'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('--seed cannot go with --replay') });
    expect(aria(['explore', 'racy.aria', '--strategy', 'bfs'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown strategy `bfs`') });
    expect(aria(['test', 'racy.aria', '--strategy', 'pct'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('--strategy goes with --explore N') });
  });
});

describe('aria test --explore --shard and --merge', () => {
  test('n shards run disjoint parts that add up; --merge gives the one summary; a failure keeps its earliest schedule', () => {
    const dir = withExamples('bug-lost-update.aria', 'bug-lost-update-fixed.aria');
    const shard = (k: number, file: string) => {
      const r = aria(['test', file, '--explore', '300', '--shard', `${k}/3`, '--format', 'json'], dir);
      writeFileSync(join(dir, `${file}.${k}.json`), r.stdout);
      return JSON.parse(r.stdout);
    };
    const fixed = [1, 2, 3].map(k => shard(k, 'bug-lost-update-fixed.aria'));
    expect(fixed.map(r => r.tests[0].schedules)).toEqual([100, 100, 100]);
    expect(fixed.map(r => r.shard)).toEqual(['1/3', '2/3', '3/3']);
    const merged = aria(['test', '--merge', ...[1, 2, 3].map(k => `bug-lost-update-fixed.aria.${k}.json`)], dir);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain('test bug-lost-update-fixed.aria::deposits_all_land ... ok (300 schedules)');
    expect(merged.stdout).toContain('test result: ok. 1 passed; 0 failed; merged from 3 reports (shards 1/3, 2/3, 3/3)');
    [1, 2, 3].forEach(k => shard(k, 'bug-lost-update.aria'));
    const failed = aria(['test', '--merge', ...[1, 2, 3].map(k => `bug-lost-update.aria.${k}.json`), '--format', 'json'], dir);
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout);
    expect(report.tests[0]).toMatchObject({ status: 'failed', explored: 'schedule 3' });
    expect(report.summary).toMatchObject({ passed: 0, failed: 1 });
    // DFS shards split the tree: each exhausts its part, and the parts add up to the whole tree
    const dfsWhole = JSON.parse(aria(['test', 'bug-lost-update-fixed.aria', '--explore', '100000', '--strategy', 'dfs', '--format', 'json'], dir).stdout).tests[0];
    expect(dfsWhole.exhausted).toBe(true);
    const dfsParts = [1, 2, 3].map(k => JSON.parse(aria(['test', 'bug-lost-update-fixed.aria', '--explore', '100000', '--strategy', 'dfs', '--shard', `${k}/3`, '--format', 'json'], dir).stdout).tests[0]);
    for (const p of dfsParts) expect(p).toMatchObject({ status: 'passed', exhausted: true });
    expect(dfsParts.reduce((n, p) => n + p.schedules, 0)).toBe(dfsWhole.schedules);
    expect(aria(['test', 'bug-lost-update.aria', '--explore', '10', '--shard', '3/2'], dir))
      .toMatchObject({ code: 2, stderr: expect.stringContaining('--shard takes k/n with 1 <= k <= n') });
    expect(aria(['test', '--merge', 'bug-lost-update.aria'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a report of aria test --format json') });
  });
});

describe('--jobs N', () => {
  // The workers start at once and the exploration waits for them, so that every thread takes part (by default they
  // start only when the work left looks worth a thread, which these small explorations never are).
  const threadsAtOnce = { ARIA_EXPLORE_JOBS_AT_ONCE: '1' };

  test('worker threads run the same schedules and report the same first failure as one thread', () => {
    const dir = withExamples('bug-lost-update-fixed.aria');
    writeFileSync(join(dir, 'needle.aria'), NEEDLE);
    const one = aria(['test', 'needle.aria', '--explore', '3000', '--strategy', 'pct', '--format', 'json', '--replay-dir', 'one', '--jobs', '1'], dir);
    const two = aria(['test', 'needle.aria', '--explore', '3000', '--strategy', 'pct', '--format', 'json', '--replay-dir', 'two', '--jobs', '2'], dir, threadsAtOnce);
    const a = JSON.parse(one.stdout).tests[0];
    const b = JSON.parse(two.stdout).tests[0];
    expect(a.status).toBe('failed');
    expect(b.explored).toBe(a.explored);
    expect(b.schedules).toBe(a.schedules);
    const replay = (d: string) => readFileSync(join(dir, d, 'needle.deposits_all_land.json'), 'utf8');
    expect(replay('two')).toBe(replay('one'));
    const passing = aria(['test', 'bug-lost-update-fixed.aria', '--explore', '500', '-j', '3', '--format', 'json'], dir, threadsAtOnce);
    expect(JSON.parse(passing.stdout).tests[0]).toMatchObject({ status: 'passed', schedules: 500 });
    expect(aria(['explore', 'bug-lost-update-fixed.aria', '-n', '400', '--jobs', '2'], dir, threadsAtOnce)).toMatchObject({ code: 0, stdout: expect.stringContaining('400 schedules passed') });
  });

  test('the threads explore the program that was checked, even if the file is saved meanwhile', async () => {
    const dir = withExamples('bug-lost-update-fixed.aria');
    const file = join(dir, 'bug-lost-update-fixed.aria');
    const child = spawn(process.execPath, [join(out, 'cli.js'), 'explore', 'bug-lost-update-fixed.aria', '-n', '3000', '--jobs', '2'], {
      cwd: dir, env: { ...process.env, ...threadsAtOnce },
    });
    let stdout = '';
    let saved = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Checked and compiled: the user saves a version that always fails, while the threads start.
      if (!saved && stdout.includes('exploring ')) {
        saved = true;
        writeFileSync(file, 'assert(false, "the saved version")\n');
      }
    });
    const code = await new Promise<number | null>(done => child.on('exit', done));
    expect(saved).toBe(true);
    expect(stdout).toContain('3000 schedules passed');
    expect(code).toBe(0);
  });

  test('DFS on threads: the same schedules as one thread, and the same failing schedule and replay file', () => {
    const dir = withExamples('bug-lost-update-fixed.aria');
    writeFileSync(join(dir, 'noisy-race.aria'), NOISY_RACE);
    const runs = [1, 2, 3].map(jobs => {
      const r = aria(['test', 'noisy-race.aria', '--explore', '100000', '--strategy', 'dfs', '--depth', '3', '--workers', '2',
        '--format', 'json', '--replay-dir', `jobs${jobs}`, '--jobs', String(jobs)], dir, threadsAtOnce);
      return { report: JSON.parse(r.stdout).tests[0], replay: readFileSync(join(dir, `jobs${jobs}`, 'noisy-race.deposits_all_land.json'), 'utf8') };
    });
    expect(runs[0]!.report).toMatchObject({ status: 'failed', explored: 'schedule 84', schedules: 84 });
    for (const r of runs.slice(1)) {
      expect(r.report.explored).toBe('schedule 84');
      expect(r.report.schedules).toBe(84);
      expect(r.report.failure).toBe(runs[0]!.report.failure);
      expect(r.replay).toBe(runs[0]!.replay);
    }
    // A passing tree: every schedule once, exhausted, as one thread; with --shard, the shard's part.
    const whole = (args: string[], jobs: number) => JSON.parse(aria(['test', 'bug-lost-update-fixed.aria', '--explore', '100000', '--strategy', 'dfs',
      '--format', 'json', '--jobs', String(jobs), ...args], dir, threadsAtOnce).stdout).tests[0];
    for (const args of [[], ['--shard', '2/3']]) {
      const alone = whole(args, 1);
      expect(alone).toMatchObject({ status: 'passed', exhausted: true });
      for (const jobs of [2, 3]) expect(whole(args, jobs)).toMatchObject({ status: 'passed', exhausted: true, schedules: alone.schedules, explored: alone.explored });
    }
  });
});

describe('aria test --explore on the examples', () => {
  const bugs = ['bug-lost-update', 'bug-check-then-act', 'bug-channel-deadlock', 'bug-timeout-race'];
  test('finds each bug (seeded, at most 300 schedules) and replays the test; the fixed versions pass', () => {
    const dir = withExamples(...bugs.flatMap(b => [`${b}.aria`, `${b}-fixed.aria`]));
    for (const strategy of ['random', 'pct']) {
      const r = aria(['test', ...bugs.map(b => `${b}.aria`), '--explore', '300', '--strategy', strategy, '--seed', '5'], dir);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toContain('test result: FAILED. 0 passed; 4 failed');
      for (const b of bugs) expect(r.stdout).toMatch(new RegExp(`test ${b}\\.aria::\\w+ \\.\\.\\. FAILED \\(schedule \\d+\\)`));
      expect(r.stdout).toContain('replay: aria run --replay .aria/replays/bug-lost-update.deposits_all_land.json');
    }
    const replay = aria(['run', '--replay', '.aria/replays/bug-channel-deadlock.transfers_finish.json'], dir);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain('test transfers_finish): the recorded failure happened again');
    expect(replay.stderr).toContain('deadlock');
    const fixed = aria(['test', ...bugs.map(b => `${b}-fixed.aria`), '--explore', '300', '--strategy', 'pct', '--seed', '5'], dir);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(fixed.stdout).toContain('test result: ok. 4 passed; 0 failed');
    const dfs = aria(['test', 'bug-lost-update-fixed.aria', '--explore', '100000', '--strategy', 'dfs', '--format', 'json'], dir);
    const report = JSON.parse(dfs.stdout);
    expect(report.tests[0]).toMatchObject({ status: 'passed', exhausted: true });
    expect(report.tests[0].explored).toMatch(/^all \d+ schedules explored/);
  }, 120_000);
});
