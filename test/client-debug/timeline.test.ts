// The timeline's spans, lanes and drawing runs, on the recordings of real runs of the examples (and a 10,000-task program).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TimelineBody, TimelineThread } from '../../debug/protocol.js';
import { TimelineRecorder, locateIn } from '../../debug/runtime-state.js';
import {
  arrowsOf, defaultToggles, fitWindow, flattenLanes, follow, groupColumns, laneOfTask, taskLanes, unfoldTo, taskRuns, threadLanes, threadRuns, tickLabel, ticks, zoom,
} from '../../client/debug/timeline-layout.js';
import { SPAN_STATES, STATE_INDEX, buildTimelineData, spanAt, type TimelineData } from '../../client/debug/timeline-spans.js';
import { perfettoTrace } from '../../client/debug/timeline-export.js';
import { machineFor } from '../runtime/helpers.js';
import { traceProblems } from '../runtime/trace-format.js';
import { manyTasksProgram } from '../support/many-tasks.mjs';

/** Runs a program to its end (or `steps`) with the adapter's recorder listening, as the debugger does. */
async function record(text: string, path: string, steps?: number): Promise<TimelineBody> {
  const { machine } = await machineFor(text, { seed: 1 }, {}, path);
  const r = new TimelineRecorder(undefined, 1, locateIn(machine));
  r.onEvent({ kind: 'spawn', step: 0, us: 0, task: machine.state.mainTask, name: 'main', parent: 0, runtime: 0, blocking: false, site: '' });
  machine.listener = r.onEvent;
  machine.run(steps ?? Infinity);
  const s = machine.state;
  const threads = s.threads.map(th => ({ id: th.id, runtime: th.runtime, kind: th.kind as TimelineThread['kind'], label: th.kind === 'worker' ? `worker ${th.index}` : th.kind === 'block-on' ? 'block_on' : `blocking ${th.id}` }));
  const tasks = s.tasks.filter(t => !!t).map(t => ({ id: t!.id, name: t!.name, state: t!.state }));
  return r.body(s.us, threads, tasks);
}

let manyTasks: Promise<TimelineBody> | undefined;
/** The recording of a run of 10,001 tasks, made once for the tests that need it. */
const tenThousandTasks = () => (manyTasks ??= record(manyTasksProgram(10_000), 'many.aria'));

const example = (name: string) => {
  const path = join(import.meta.dirname, '..', '..', 'examples', name);
  return record(readFileSync(path, 'utf8'), path);
};

function spansOf(data: TimelineData, task: number): { state: string; from: number; to: number; detail: string }[] {
  const t = data.tasks[data.index.get(task)!]!;
  const out = [];
  for (let i = t.first; i < t.first + t.count; i++) {
    out.push({ state: SPAN_STATES[data.spans.state[i]!]!, from: data.spans.start[i]!, to: data.spans.end[i]!, detail: data.spans.detail[i]! >= 0 ? data.strings[data.spans.detail[i]!]! : '' });
  }
  return out;
}

/** What holds for every task of every recording: spans follow each other, stay before now, and move legally. */
function checkSpans(body: TimelineBody, data: TimelineData): void {
  const legal: Record<string, string[]> = {
    ready: ['running', 'ready', 'cancelled', 'failed'],
    running: ['ready', 'blocked', 'sleeping', 'completed', 'failed', 'cancelled'],
    blocked: ['ready', 'cancelled', 'failed'],
    sleeping: ['ready', 'cancelled', 'failed'],
  };
  const wrong: string[] = [];
  const { start, end, state } = data.spans;
  for (const t of data.tasks) {
    for (let i = t.first; i < t.first + t.count; i++) {
      if (start[i]! < 0 || end[i]! > data.nowUs || end[i]! < start[i]!) wrong.push(`#${t.id}: span ${start[i]}..${end[i]} (now ${data.nowUs})`);
      if (i + 1 === t.first + t.count) continue;
      const [a, b] = [SPAN_STATES[state[i]!]!, SPAN_STATES[state[i + 1]!]!];
      if (start[i + 1] !== end[i]) wrong.push(`#${t.id}: a gap or overlap after ${a}`);
      if (!(legal[a] ?? []).includes(b)) wrong.push(`#${t.id}: ${a} then ${b}`);
    }
  }
  // a task runs while the recording says it was polled: to the µs, but for the runtime's own 1 µs overlaps (a task
  // that yielded at the end of its turn may be polled by a worker whose clock is 1 µs behind)
  const polled = new Map<number, { us: number; n: number }>();
  for (const p of body.polls) {
    const x = polled.get(p.task) ?? { us: 0, n: 0 };
    polled.set(p.task, { us: x.us + Math.min(p.endUs, data.nowUs) - p.startUs, n: x.n + 1 });
  }
  for (const t of data.tasks) {
    let running = 0;
    for (let i = t.first; i < t.first + t.count; i++) if (state[i] === STATE_INDEX.running) running += end[i]! - start[i]!;
    const p = polled.get(t.id) ?? { us: 0, n: 0 };
    if (Math.abs(running - p.us) > p.n) wrong.push(`#${t.id} running ${running} µs, polled ${p.us} µs in ${p.n} polls`);
  }
  expect(wrong.slice(0, 20)).toEqual([]);
}

describe('timeline spans from real runs', () => {
  it('shows fetch-all-scope\'s 230 ms concurrent sleep as sleeping, and the scope waiting on its children', async () => {
    const body = await example('fetch-all-scope.aria');
    const data = buildTimelineData(body);
    checkSpans(body, data);
    // fetch("https://a.example/users") sleeps 23 characters x 10 ms; the b fetch 24 x 10 ms, at the same time
    const fetches = data.tasks.filter(t => t.name === 'fetch');
    expect(fetches.length).toBeGreaterThanOrEqual(2);
    const [a, b] = fetches.map(t => spansOf(data, t.id).find(s => s.state === 'sleeping')!);
    expect(a!.to - a!.from).toBeGreaterThanOrEqual(229_000);
    expect(a!.detail).toMatch(/^sleep until 2\d\d/);
    expect(b!.from).toBeLessThan(a!.to);
    // main waits for the scope while its children sleep
    const mainBlocked = spansOf(data, 1).filter(s => s.state === 'blocked');
    expect(mainBlocked.some(s => s.to - s.from >= 229_000 && /task|scope/.test(s.detail))).toBe(true);
    // the end of each task: completed
    for (const t of fetches) expect(spansOf(data, t.id).at(-1)!.state).toBe('completed');
  });

  it('says where worker-pool\'s ready tasks were queued, and who woke or spawned them', async () => {
    const body = await example('worker-pool.aria');
    const data = buildTimelineData(body);
    checkSpans(body, data);
    expect(data.tasks.length).toBe(1 + 64 + 8 + (8 + 9 + 10 + 11 + 12 + 13 + 14 + 15) + 1000);
    const ready = [];
    for (const t of data.tasks) ready.push(...spansOf(data, t.id).filter(s => s.state === 'ready'));
    const placed = ready.filter(s => /LIFO slot|local queue|global queue|deferred yield|block_on thread/.test(s.detail));
    expect(placed.length / ready.length).toBeGreaterThan(0.9);
    for (const q of ['LIFO slot', 'local queue', 'global queue', 'deferred yield', 'block_on thread']) expect(ready.some(s => s.detail.startsWith(q))).toBe(true);
    expect(ready.some(s => /stolen/.test(s.detail))).toBe(true);
    expect(ready.some(s => /yielded/.test(s.detail))).toBe(true);
    // main spawned 64 jobs, 8 batches and 1,000 tiny tasks: one spawn arrow each; it was woken by the tasks it joined
    const arrows = arrowsOf(data, 1);
    expect(arrows.filter(a => a.kind === 'spawn' && a.from === 1)).toHaveLength(64 + 8 + 1000);
    expect(arrows.some(a => a.kind === 'wake' && a.to === 1)).toBe(true);
  });

  it('keeps the recording of a 10,000-task run whole (about 60,000 events) and every span in order', async () => {
    const body = await tenThousandTasks();
    const data = buildTimelineData(body);
    expect(data.tasks).toHaveLength(10_001);
    expect(data.events).toBeGreaterThan(50_000);
    expect(data.truncated).toBe(false);
    checkSpans(body, data);
  });

  it('draws nothing past now when stopped mid-run', async () => {
    const path = join(import.meta.dirname, '..', '..', 'examples', 'worker-pool.aria');
    const body = await record(readFileSync(path, 'utf8'), path, 3000);
    const data = buildTimelineData(body);
    checkSpans(body, data);
    const w = { t0: 0, t1: data.nowUs * 3 };
    const nowX = (data.nowUs / w.t1) * 1000;
    for (let i = 0; i < data.tasks.length; i++) for (const r of taskRuns(data, i, w, 1000)) expect(r.x1).toBeLessThanOrEqual(Math.ceil(nowX) + 3);
    for (let i = 0; i < data.threads.length; i++) for (const r of threadRuns(data, i, w, 1000)) expect(r.x1).toBeLessThanOrEqual(Math.ceil(nowX) + 1);
    // live tasks: their last span lasts until now
    const live = data.tasks.filter(t => body.tasks.find(x => x.id === t.id)!.state !== 'completed');
    expect(live.length).toBeGreaterThan(0);
    for (const t of live) expect(spansOf(data, t.id).at(-1)!.to).toBe(data.nowUs);
  });
});

describe('timeline lanes and drawing', () => {
  it('nests lanes by spawn tree and sums up siblings that share a name, so 1,164 tasks fit in a screen', async () => {
    const data = buildTimelineData(await example('worker-pool.aria'));
    const roots = taskLanes(data);
    const lanes = flattenLanes(roots, new Set());
    expect(lanes.map(l => `${'  '.repeat(l.depth)}${l.node.label}`)).toEqual([
      '#1 main', '  job ×64', '  run_batch ×8', expect.stringMatching(/^ {2}\S+ ×1000$/),
    ]);
    // unfolding the batches shows each, with its own jobs summed up under it
    const batches = lanes[2]!.node;
    const unfolded = flattenLanes(roots, new Set([batches.key]));
    expect(unfolded).toHaveLength(4 + 8 + 8);
    expect(unfolded[4]!.node.label).toMatch(/^job ×\d+$/);
    // a task inside a folded group is shown by the group; unfoldTo gives it a lane of its own
    const someJob = data.tasks.find(t => t.name === 'job' && t.parent !== 1)!;
    expect(laneOfTask(lanes, data, someJob.id)).toBe(2);
    const opened = flattenLanes(roots, unfoldTo(roots, data, someJob.id, new Set()));
    expect(opened[laneOfTask(opened, data, someJob.id)]!.node.label).toBe(`#${someJob.id} job`);
    // two runtimes of four workers each, and each one's block_on thread (the main task, then the `with`'s owner)
    expect(threadLanes(data).map(l => l.label)).toEqual(['worker 0', 'worker 1', 'worker 2', 'worker 3', 'block_on', 'worker 0', 'worker 1', 'worker 2', 'worker 3', 'block_on']);
  });

  it('draws each pixel in a state its task was in there (a short span wins only its own pixel)', async () => {
    for (const name of ['fetch-all-scope.aria', 'worker-pool.aria']) {
      const data = buildTimelineData(await example(name));
      for (const width of [200, 670, 1500]) {
        const w = fitWindow(data.nowUs);
        const wrong: string[] = [];
        for (let i = 0; i < data.tasks.length; i++) {
          for (const r of taskRuns(data, i, w, width)) {
            if (r.x1 - r.x0 < 3 || r.state >= STATE_INDEX.completed) continue;
            // the middle pixel of a run wider than 2 px: the task was in the run's state during that pixel
            const px = Math.floor((r.x0 + r.x1) / 2);
            const [from, to] = [w.t0 + (px / width) * (w.t1 - w.t0), w.t0 + ((px + 1) / width) * (w.t1 - w.t0)];
            const t = data.tasks[i]!;
            const states = new Set<number>();
            for (let k = t.first; k < t.first + t.count; k++) if (data.spans.start[k]! < to && data.spans.end[k]! >= from) states.add(data.spans.state[k]!);
            if (!states.has(r.state)) wrong.push(`${name} #${t.id} pixel ${px}: drawn ${SPAN_STATES[r.state]}, was ${[...states].map(x => SPAN_STATES[x]).join(', ')}`);
          }
        }
        expect(wrong.slice(0, 10)).toEqual([]);
      }
    }
  });

  it('opens 1,000 tasks as a screenful: each batch on a lane, its leaves summed up under it', async () => {
    const data = buildTimelineData(await record(manyTasksProgram(1000), 'many.aria'));
    const roots = taskLanes(data);
    const lanes = flattenLanes(roots, defaultToggles(roots, 40));
    expect(lanes.length).toBeLessThanOrEqual(40);
    expect(lanes.map(l => l.node.label).slice(0, 5)).toEqual(['#1 main', 'batch ×13', '#2 batch', 'leaf ×76', '#3 batch']);
    // 10,000 tasks: the 40 batches, each folded
    const big = buildTimelineData(await tenThousandTasks());
    const bigRoots = taskLanes(big);
    const bigLanes = flattenLanes(bigRoots, defaultToggles(bigRoots, 45));
    expect(bigLanes.length).toBe(42);
    expect(bigLanes.filter(l => l.folded)).toHaveLength(40);
  });

  it('draws at most one run per pixel, whatever the zoom, at 60,000 events', async () => {
    const data = buildTimelineData(await tenThousandTasks());
    const width = 800;
    let w = fitWindow(data.nowUs);
    for (const factor of [1, 0.1, 0.01, 0.001]) {
      const win = zoom(w, factor, data.nowUs / 2, data.nowUs);
      let total = 0;
      for (let i = 0; i < data.tasks.length; i += 97) {
        const runs = taskRuns(data, i, win, width);
        expect(runs.length).toBeLessThanOrEqual(width + 1);
        for (let j = 1; j < runs.length; j++) expect(runs[j]!.x0).toBeGreaterThanOrEqual(runs[j - 1]!.x1);
        total += runs.length;
      }
      expect(total).toBeGreaterThan(0);
      for (let i = 0; i < data.threads.length; i++) expect(threadRuns(data, i, win, width).length).toBeLessThanOrEqual(width + 1);
      w = fitWindow(data.nowUs);
    }
    // the summary of a group of leaves: per column, how many are in each state
    const lanes = flattenLanes(taskLanes(data), new Set());
    const group = lanes.find(l => l.node.kind === 'group')!;
    const cols = groupColumns(data, group.node.members, fitWindow(data.nowUs), width);
    let running = 0;
    for (let x = 0; x < width; x++) running += cols[x * SPAN_STATES.length + STATE_INDEX.running]!;
    expect(running).toBeGreaterThan(0);
  });

  it('picks the span under a time and keeps the window on now while stepping', async () => {
    const data = buildTimelineData(await example('fetch-all-scope.aria'));
    const fetch = data.index.get(data.tasks.find(t => t.name === 'fetch')!.id)!;
    const sleeping = spansOf(data, data.tasks[fetch]!.id).find(s => s.state === 'sleeping')!;
    expect(SPAN_STATES[data.spans.state[spanAt(data, fetch, (sleeping.from + sleeping.to) / 2)]!]).toBe('sleeping');
    // a window showing now follows it; a window on the past stays
    expect(follow({ t0: 50, t1: 150 }, 140, 240)).toEqual({ t0: 150, t1: 250 });
    expect(follow({ t0: 0, t1: 100 }, 500, 600)).toEqual({ t0: 0, t1: 100 });
  });

  it('labels the axis in µs, ms or s, one step apart, at least the asked pixels apart', () => {
    const t = ticks({ t0: 0, t1: 250_000 }, 1000, 90);
    expect(t.map(x => x.label).slice(0, 3)).toEqual(['0 ms', '50 ms', '100 ms']);
    for (let i = 1; i < t.length; i++) expect(t[i]!.x - t[i - 1]!.x).toBeGreaterThanOrEqual(90);
    expect(ticks({ t0: 1000, t1: 1100 }, 1000, 90).map(x => x.label).slice(0, 2)).toEqual(['1.00 ms', '1.01 ms']);
    expect(ticks({ t0: 0, t1: 400 }, 1000, 90).map(x => x.label).slice(0, 3)).toEqual(['0 µs', '50 µs', '100 µs']);
    expect(tickLabel(2_500_000, 500_000, 9_000_000)).toBe('2.5 s');
    expect(tickLabel(1500, 500, 9000)).toBe('1.5 ms');
    expect(tickLabel(30_000, 10_000, 250_000)).toBe('30 ms');
  });
});

describe('timeline export', () => {
  it('saves the window as a valid Chrome trace for Perfetto: task tracks, worker tracks, spawn flows, nothing outside', async () => {
    const body = await example('worker-pool.aria');
    const [t0, t1] = [300, 900];
    const trace = perfettoTrace(body, t0, t1);
    expect(traceProblems(trace as never)).toEqual([]);
    const slices = trace.traceEvents.filter(e => e.ph === 'X');
    expect(slices.length).toBeGreaterThan(100);
    for (const e of slices) {
      expect(e.ts).toBeGreaterThanOrEqual(t0);
      expect(e.ts + e.dur!).toBeLessThanOrEqual(t1);
    }
    const names = trace.traceEvents.filter(e => e.ph === 'M' && e.name === 'thread_name').map(e => (e.args as { name: string }).name);
    expect(names).toContain('#1 main');
    expect(names).toContain('worker 0');
    expect(new Set(slices.filter(e => e.pid === 1).map(e => e.name))).toEqual(new Set(['running', 'ready', 'blocked']));
    expect(trace.traceEvents.filter(e => e.ph === 's').length).toBeGreaterThan(0);
    // the whole run: every span of every task
    const all = perfettoTrace(body, 0, body.nowUs);
    expect(traceProblems(all as never)).toEqual([]);
    expect(all.traceEvents.filter(e => e.ph === 'i' && e.name === 'completed')).toHaveLength(body.tasks.length);
  });
});
