// `--trace` and `--stats`: Chrome Trace Event JSON (polls as slices on worker tracks, spawns as flows, timers as instants) and the summary.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../runtime/trace.js';
import { runFile } from './helpers.js';
import { traceProblems } from './trace-format.js';

const example = (name: string) => join(import.meta.dirname, '..', '..', 'examples', name);

describe('trace and stats', () => {
  it('writes polls as complete slices on named worker tracks', async () => {
    const r = await runFile(example('fetch-all-scope.aria'), { trace: true });
    const trace = JSON.parse(JSON.stringify(r.trace));
    const events = trace.traceEvents as { ph: string; name: string; pid: number; tid: number; ts: number; dur?: number; id?: number; args?: Record<string, unknown> }[];
    const threadNames = events.filter(e => e.ph === 'M' && e.name === 'thread_name').map(e => e.args!.name);
    expect(threadNames).toContain('worker 0');
    expect(threadNames).toContain('timers');
    const slices = events.filter(e => e.ph === 'X');
    expect(slices.length).toBeGreaterThan(5);
    for (const s of slices) {
      expect(s.dur).toBeGreaterThanOrEqual(0);
      expect(s.name).toMatch(/^#\d+/);
    }
    // Slices on one track never overlap.
    const byTrack = new Map<string, { ts: number; dur: number }[]>();
    for (const s of slices) (byTrack.get(`${s.pid}/${s.tid}`) ?? byTrack.set(`${s.pid}/${s.tid}`, []).get(`${s.pid}/${s.tid}`)!).push({ ts: s.ts, dur: s.dur! });
    for (const list of byTrack.values()) {
      list.sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < list.length; i++) expect(list[i]!.ts).toBeGreaterThanOrEqual(list[i - 1]!.ts + list[i - 1]!.dur);
    }
  });

  it('draws each spawn as a flow from the spawner to the child, and timers as instants', async () => {
    const r = await runFile(example('fetch-all-scope.aria'), { trace: true });
    const events = r.trace!.traceEvents;
    const starts = events.filter(e => e.ph === 's');
    const finishes = events.filter(e => e.ph === 'f');
    expect(starts.length).toBeGreaterThanOrEqual(5);
    expect(new Set(finishes.map(e => e.id))).toEqual(new Set(starts.map(e => e.id)));
    const timers = events.filter(e => e.ph === 'i' && e.cat === 'timer');
    expect(timers.some(e => e.name.startsWith('set sleep'))).toBe(true);
    expect(timers.some(e => e.name.startsWith('fire sleep'))).toBe(true);
    // Virtual time: the two fetches sleep 230 and 240 ms, so the last timer fires at 240 ms + the first program's start.
    expect(Math.max(...timers.map(e => e.ts))).toBeGreaterThanOrEqual(240_000);
  });

  it('stamps polls at their true virtual time, so busy time per worker track equals --stats', async () => {
    const r = await runFile(example('worker-pool.aria'), { trace: true, stats: true, seed: 3 });
    const slices = r.trace!.traceEvents.filter(e => e.ph === 'X');
    const ran = slices.filter(e => (e.args!.statements as number) > 0);
    expect(ran.length).toBeGreaterThan(500);
    // A poll that ran statements lasts exactly as long as they take (1 µs each by default).
    for (const e of ran) expect(e.dur).toBe(e.args!.statements);
    const busy = new Map<number, number>();
    for (const e of slices) busy.set(e.tid, (busy.get(e.tid) ?? 0) + e.dur!);
    const workers = r.stats!.workers.filter(w => w.metrics.worker_total_busy_duration_us > 0);
    expect(workers.length).toBeGreaterThanOrEqual(4);
    for (const w of workers) expect(busy.get(w.thread)).toBe(w.metrics.worker_total_busy_duration_us);
  });

  it('names the main task\'s slices (its spawn is emitted while the machine is built)', async () => {
    const r = await runFile(example('worker-pool.aria'), { trace: true, seed: 3 });
    const slices = r.trace!.traceEvents.filter(e => e.ph === 'X');
    const main = slices.filter(e => e.args!.task === 1);
    expect(main.length).toBeGreaterThan(3);
    for (const e of main) expect(e.name).toBe('#1 main');
    // Every slice names its task.
    for (const e of slices) expect(e.name).toMatch(/^#\d+ \S/);
  });

  it('draws counter tracks for the queues, searching and parked workers', async () => {
    const r = await runFile(example('worker-pool.aria'), { trace: true, seed: 3 });
    const counters = r.trace!.traceEvents.filter(e => e.ph === 'C');
    const names = new Set(counters.filter(e => e.pid === 1).map(e => e.name));
    for (const name of ['injection queue', 'blocking queue', 'searching workers', 'parked workers', 'local queue, worker 0', 'local queue, worker 3']) {
      expect(names).toContain(name);
    }
    const values = (name: string) => counters.filter(e => e.pid === 1 && e.name === name).map(e => Object.values(e.args!)[0] as number);
    // 64 jobs spawned onto one worker's queue, then stolen: its depth climbs past 32 and falls back to 0.
    expect(Math.max(...[0, 1, 2, 3].map(i => Math.max(...values(`local queue, worker ${i}`))))).toBeGreaterThan(32);
    expect(values('parked workers').some(v => v > 0)).toBe(true);
    expect(values('searching workers').some(v => v > 0)).toBe(true);
    expect(Math.max(...values('searching workers'))).toBeLessThanOrEqual(2); // at most half of 4 workers search
    // A counter is written only when it changes, and its timestamps never go back.
    for (const name of names) {
      const track = counters.filter(e => e.pid === 1 && e.name === name);
      for (let i = 1; i < track.length; i++) {
        expect(track[i]!.ts).toBeGreaterThanOrEqual(track[i - 1]!.ts);
        expect(Object.values(track[i]!.args!)[0]).not.toBe(Object.values(track[i - 1]!.args!)[0]);
      }
    }
  });

  it('summarises workers and tasks', async () => {
    const r = await runFile(example('worker-pool.aria'), { stats: true, seed: 3 });
    expect(r.stats!.steps).toBe(r.steps);
    expect(r.statsText).toMatch(/runtime #1 \(multi\): workers 4/);
    expect(r.statsText).toMatch(/rt1\/w3/);
    expect(r.statsText).toMatch(/#1 main\s+completed/);
    const jobs = r.stats!.tasks.filter(t => t.name === 'job');
    expect(jobs.length).toBeGreaterThan(64);
    expect(jobs.every(t => t.state === 'completed' && t.polls >= 2)).toBe(true); // each job yields once
  });
});

describe('the trace format (Chrome Trace Event Format)', () => {
  const programs = ['worker-pool.aria', 'fetch-all-scope.aria', 'blocking-work.aria', 'producer-consumer.aria', 'fan-out-pipeline.aria', 'race-timeout.aria', 'runtime-flavours.aria', 'cancellation-timeout.aria'];
  it.each(programs)('%s: every event is well formed, flows pair, slices nest, busy time equals --stats', async name => {
    for (const seed of [1, 3]) {
      const r = await runFile(example(name), { trace: true, stats: true, seed });
      expect(traceProblems(r.trace!, r.stats)).toEqual([]);
    }
  });

  it('finds each kind of problem it checks', async () => {
    const r = await runFile(example('worker-pool.aria'), { trace: true, stats: true, seed: 3 });
    const events = r.trace!.traceEvents;
    const broken = (f: (e: TraceEvent[]) => TraceEvent[]) => traceProblems({ ...r.trace!, traceEvents: f([...events]) }, r.stats);
    // A slice another one on its track follows at once (moving it by 1 µs makes them overlap).
    const slice = events.findIndex(e => e.ph === 'X' && e.dur! > 1
      && events.some(f => f.ph === 'X' && f.pid === e.pid && f.tid === e.tid && f.ts === e.ts + e.dur!));
    expect(broken(list => list.map((e, i) => (i === slice ? { ...e, dur: undefined } : e)))).toContainEqual(expect.stringMatching(/has no dur/));
    expect(broken(list => list.map((e, i) => (i === slice ? { ...e, dur: e.dur! - 1 } : e)))).toContainEqual(expect.stringMatching(/busy .* in the trace/));
    expect(broken(list => list.map((e, i) => (i === slice ? { ...e, ts: e.ts + 1 } : e))).join('\n')).toMatch(/overlaps|busy/);
    expect(broken(list => list.filter(e => e.ph !== 'f'))).toContainEqual(expect.stringMatching(/1 starts, 0 ends/));
    expect(broken(list => list.map(e => (e.ph === 'f' ? { ...e, bp: undefined } : e)))).toContainEqual(expect.stringMatching(/no bp/));
    // A flow that ends before it starts (the child polled before its spawn).
    const flow = events.find(e => e.ph === 'f' && events.some(x => x.ph === 's' && x.id === e.id && x.ts > 0))!;
    const start = events.find(e => e.ph === 's' && e.id === flow.id)!;
    expect(broken(list => list.map(e => (e === flow ? { ...e, ts: start.ts - 1 } : e)))).toContainEqual(expect.stringMatching(/before it starts/));
    expect(broken(list => list.filter(e => !(e.ph === 'M' && e.name === 'thread_name' && e.args!.name === 'worker 2')))).toContainEqual(expect.stringMatching(/no thread_name/));
    expect(broken(list => list.map(e => (e.ph === 'i' ? { ...e, pid: undefined as unknown as number } : e)))).toContainEqual(expect.stringMatching(/has no pid/));
    const overlap = { ...events[slice]!, ts: events[slice]!.ts + 1, dur: events[slice]!.dur!, name: 'overlapping' };
    expect(broken(list => [...list, overlap])).toContainEqual(expect.stringMatching(/overlaps .* partially/));
  });
});
