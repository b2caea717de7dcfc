// Preemption inside a turn (`--preempt`): a lost update with no suspension point between the read and the write,
// on several workers of the multi-threaded runtime, is found by random, PCT and DFS exploration only when the
// chooser may end a worker's turn after a statement that touched shared memory; the replay file reproduces it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PREEMPT_COUNTER } from '../support/programs.js';

const root = resolve(import.meta.dirname, '..', '..');
let out: string;
let dir: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'aria-cli-preempt-'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out, '--only', 'cli', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'aria-preempt-'));
  // The main task runs on the block_on thread, off the workers: its spawns go to the injection queue, three workers
  // wake and take one bump each, and run them at the same time (so one cut turn loses one or two of the updates).
  writeFileSync(join(dir, 'counter.aria'), PREEMPT_COUNTER);
  writeFileSync(join(dir, 'counter-fixed.aria'), PREEMPT_COUNTER.replace('  x = c.value\n  c.value = x + 1\n', '  c.value += 1\n'));
}, 120_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

function aria(args: string[]) {
  const r = spawnSync(process.execPath, [join(out, 'cli.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aria test --explore --preempt', () => {
  test('without --preempt, 2,000 random schedules and every DFS schedule miss the race', () => {
    const r = aria(['test', 'counter.aria', '--explore', '2000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2000 schedules passed');
    const dfs = aria(['test', 'counter.aria', '--explore', '2000', '--strategy', 'dfs']);
    expect(dfs.code).toBe(0);
    expect(dfs.stdout).toMatch(/all \d+ schedules? explored/);
  });

  for (const strategy of ['random', 'pct', 'dfs']) {
    for (const seed of strategy === 'dfs' ? ['1'] : ['1', '2', '3']) {
      test(`${strategy} (seed ${seed}) finds the lost update within 50 schedules, and the replay reproduces it`, () => {
        const replayDir = `replays-${strategy}-${seed}`;
        const r = aria(['test', 'counter.aria', '--explore', '50', '--preempt', '--strategy', strategy, '--seed', seed, '--replay-dir', replayDir]);
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(/schedule \d+ of up to 50 failed/);
        expect(r.stdout).toContain('assert_eq failed');
        const file = join(dir, replayDir, 'counter.every_bump_lands.json');
        const replay = JSON.parse(readFileSync(file, 'utf8')) as { options: { preempt?: boolean }; choices: { kind: string }[] };
        expect(replay.options.preempt).toBe(true);
        // Shrunk to the preemption the bug needs: one turn cut after a read.
        expect(replay.choices.map(c => c.kind)).toEqual(['preempt']);
        const again = aria(['run', '--replay', file]);
        expect(again.code).toBe(1);
        expect(again.stderr).toContain('the recorded failure happened again');
        expect(again.stderr + again.stdout).toMatch(/assert_eq failed: left [12], right 3/);
      });
    }
  }

  test('the replay without its preemption points does not fail: the flag in the file matters', () => {
    const r = aria(['test', 'counter.aria', '--explore', '50', '--preempt', '--replay-dir', 'replays-flag']);
    expect(r.code).toBe(1);
    const file = join(dir, 'replays-flag', 'counter.every_bump_lands.json');
    const replay = JSON.parse(readFileSync(file, 'utf8')) as { options: Record<string, unknown> };
    delete replay.options['preempt'];
    writeFileSync(join(dir, 'no-preempt.json'), JSON.stringify(replay));
    const again = aria(['run', '--replay', 'no-preempt.json']);
    expect(again.stderr).not.toContain('the recorded failure happened again');
  });

  test('the fixed counter (one statement reads and writes) passes 500 preempting schedules of each strategy', () => {
    for (const strategy of ['random', 'pct', 'dfs']) {
      const r = aria(['test', 'counter-fixed.aria', '--explore', '500', '--preempt', '--strategy', strategy]);
      expect(r.code, r.stdout).toBe(0);
    }
  });

  test('--preempt without --explore is refused', () => {
    const r = aria(['test', 'counter.aria', '--preempt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--preempt');
  });
});
