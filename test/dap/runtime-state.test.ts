// The adapter's recording of polls and spawns for the timeline, from synthetic events and from real runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../runtime/events.js';
import { machineFor } from '../runtime/helpers.js';
import { TimelineRecorder, parseSite, waitTasks } from '../../debug/runtime-state.js';

const at = (step: number, us: number) => ({ step, us });

describe('TimelineRecorder', () => {
  it('lays the polls of one thread in one round end to end, and places spawns inside the spawner\'s poll', () => {
    const r = new TimelineRecorder();
    const events: RuntimeEvent[] = [
      { kind: 'spawn', ...at(0, 0), task: 1, name: 'main', parent: 0, runtime: 0, blocking: false, site: '' },
      { kind: 'poll-start', ...at(0, 0), task: 1, thread: 0 },
      { kind: 'spawn', ...at(2, 0), task: 2, name: 'a', parent: 1, runtime: 0, blocking: false, site: 'm.aria:3:5' },
      { kind: 'poll-end', ...at(5, 0), task: 1, thread: 0, outcome: 'pending', statements: 5 },
      { kind: 'poll-start', ...at(5, 0), task: 2, thread: 0 },
      { kind: 'poll-end', ...at(8, 0), task: 2, thread: 0, outcome: 'ready', statements: 3 },
      { kind: 'complete', ...at(8, 0), task: 2 },
      // next round, 100 µs later: main runs again, 4 statements (a poll's own count, not the task's total)
      { kind: 'poll-start', ...at(8, 100), task: 1, thread: 1 },
      { kind: 'poll-end', ...at(12, 100), task: 1, thread: 1, outcome: 'pending', statements: 4 },
      { kind: 'poll-start', ...at(12, 100), task: 1, thread: 1 },
    ];
    for (const e of events) r.onEvent(e);
    const body = r.body(130, [], []);
    expect(body.polls).toEqual([
      { task: 1, thread: 0, startUs: 0, endUs: 5, outcome: 'pending' },
      { task: 2, thread: 0, startUs: 5, endUs: 8, outcome: 'ready' },
      { task: 1, thread: 1, startUs: 100, endUs: 104, outcome: 'pending' },
      { task: 1, thread: 1, startUs: 104, endUs: 130, outcome: 'open' },
    ]);
    expect(body.spawns).toEqual([{ parent: 1, child: 2, atUs: 2, thread: 0 }]);
    expect(r.spawnOf(2)).toBe(0);
    expect(r.endOf(2)).toBe(8);
    expect(r.endOf(1)).toBeUndefined();
  });

  it('keeps a bounded recording, shared with its copies: a copy keeps only what the latest recording keeps', () => {
    const r = new TimelineRecorder(2);
    const poll = (rec: TimelineRecorder, i: number, us: number) => {
      rec.onEvent({ kind: 'poll-start', ...at(i, us), task: 1, thread: 0 });
      rec.onEvent({ kind: 'poll-end', ...at(i + 1, us), task: 1, thread: 0, outcome: 'yield', statements: i + 1 });
    };
    for (let i = 0; i < 3; i++) poll(r, i, i * 10);
    expect(r.body(30, [], []).polls.map(p => p.startUs)).toEqual([10, 20]);
    const copy = r.clone();
    poll(r, 9, 90);
    expect(copy.body(100, [], []).polls.map(p => p.startUs)).toEqual([20]);
    expect(copy.truncated).toBe(true);
    expect(r.body(100, [], []).polls.map(p => p.startUs)).toEqual([20, 90]);
    // going back to the copy (a restore): what it records next replaces what was recorded after it
    const back = copy.clone();
    poll(back, 5, 50);
    expect(back.body(100, [], []).polls.map(p => p.startUs)).toEqual([20, 50]);
    expect(copy.body(100, [], []).polls.map(p => p.startUs)).toEqual([20]);
  });

  it('holds, with a copy per checkpoint, the limits of one recording and a table chunk per task that changed', () => {
    // a worker pool's long run: 20,000 tasks, one after another; a checkpoint keeps a copy every 100 tasks
    const limit = 1000;
    const r = new TimelineRecorder(limit);
    const kept: TimelineRecorder[] = [];
    const tasks = 20_000;
    for (let t = 2; t < tasks + 2; t++) {
      const us = t * 10;
      r.onEvent({ kind: 'spawn', ...at(t * 5, us), task: t, name: 'job', parent: 1, runtime: 0, blocking: false, site: 'm.aria:3:5' });
      r.onEvent({ kind: 'poll-start', ...at(t * 5, us + 1), task: t, thread: t % 4 });
      r.onEvent({ kind: 'poll-end', ...at(t * 5 + 3, us + 4), task: t, thread: t % 4, outcome: 'ready', statements: 3 });
      r.onEvent({ kind: 'complete', ...at(t * 5 + 3, us + 4), task: t });
      if (t % 100 === 0) kept.push(r.clone());
    }
    const held = TimelineRecorder.held([r, ...kept]);
    // polls, spawns and four transitions a task: at most the limits of the live recording (plus a chunk of each log)
    expect(held.logItems).toBeLessThanOrEqual(6 * limit + 3 * 4096);
    // five tables of a slot per task, and each checkpoint's copy of the chunks (256 tasks) it wrote: not a copy of
    // every table per checkpoint (200 copies, 10,000,000 slots)
    expect(held.tableSlots).toBeLessThanOrEqual(5 * (tasks + 2 * 256 * kept.length));
    // the oldest copy still reads right: its tasks' spawn and end times
    expect(kept[0]!.spawnOf(50)).toBe(500);
    expect(kept[0]!.endOf(50)).toBe(504);
    expect(kept[0]!.spawnOf(150)).toBeUndefined();
  });
});

describe('TimelineRecorder on real runs', () => {
  // Every poll is drawn at least as long as the statements it ran, and a thread's polls never overlap.
  // (worker-pool, seed 1: 7 of 1,390 polls wait on their thread, so they last longer than what they ran; at most 1%)
  for (const [name, polls, exceptions] of [['producer-consumer.aria', 13, 0], ['worker-pool.aria', 1390, 14]] as const) {
    it(`draws each poll of ${name} at the length of what it ran`, async () => {
      const path = join(import.meta.dirname, '..', '..', 'examples', name);
      const { machine } = await machineFor(readFileSync(path, 'utf8'), { seed: 1 }, {}, path);
      const r = new TimelineRecorder();
      const ends: Extract<RuntimeEvent, { kind: 'poll-end' }>[] = [];
      machine.listener = e => {
        r.onEvent(e);
        if (e.kind === 'poll-end') ends.push(e);
      };
      const result = machine.run();
      expect(result.kind).toBe('done');
      const body = r.body(machine.state.us, [], []);
      expect(ends.length).toBeGreaterThanOrEqual(polls);
      expect(body.polls).toHaveLength(ends.length);
      const short = body.polls.filter((p, i) => p.endUs - p.startUs < ends[i]!.statements);
      expect(short).toEqual([]);
      // exactly what it ran (1 µs a statement), unless the poll waited on its thread: then to the poll's end
      const wrong = body.polls.filter((p, i) => p.endUs !== Math.max(ends[i]!.us, p.startUs + ends[i]!.statements));
      expect(wrong).toEqual([]);
      const waited = body.polls.filter((p, i) => p.endUs - p.startUs !== ends[i]!.statements).length;
      expect(waited).toBeLessThanOrEqual(exceptions);
      // tasks polled more than once: a running total read as a per-poll count would draw their later polls short
      expect(new Set(ends.map(e => e.task)).size).toBeLessThan(ends.length);
      const byThread = new Map<number, number>();
      for (const p of body.polls) {
        expect(p.startUs).toBeGreaterThanOrEqual(byThread.get(p.thread) ?? 0);
        byThread.set(p.thread, p.endUs);
      }
    });
  }
});

describe('snapshot helpers', () => {
  it('reads spawn sites and the tasks a wait names', () => {
    expect(parseSite('/w/a b.aria:12:3')).toEqual({ path: '/w/a b.aria', line: 12, column: 3 });
    expect(parseSite('<builtin>')).toBeUndefined();
    expect(waitTasks({ kind: 'join-any', tasks: [3, 4] })).toEqual([3, 4]);
    expect(waitTasks({ kind: 'scope', scope: 0, live: [5] })).toEqual([5]);
    expect(waitTasks({ kind: 'sleep', until: 9 })).toBeUndefined();
  });
});
