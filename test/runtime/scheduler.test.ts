// The scheduler's Tokio policies as units (LIFO slot, overflow, stealing, searching, global queue interval)
// and as properties of whole runs (no task lost or polled after it ended, load spread by stealing, budget).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../runtime/events.js';
import { DEFAULT_CHOOSER } from '../../runtime/chooser.js';
import { Prng } from '../../runtime/prng.js';
import { LOCAL_QUEUE_CAPACITY } from '../../runtime/queues.js';
import {
  COOP_BUDGET, CURRENT_THREAD_GLOBAL_QUEUE_INTERVAL, MAX_LIFO_POLLS_PER_TICK, MULTI_THREAD_GLOBAL_QUEUE_INTERVAL, RuntimeState,
  createWorkers, nextTask, notifyParked, park, runtimeConfig, scheduleTask, stealWork, transitionToSearching,
  type SchedulerContext, type ThreadState, type UnstampedEvent, type WorkerState,
} from '../../runtime/scheduler.js';
import { snapshot } from '../../runtime/snapshot.js';
import { machineFor, runFile, runText } from './helpers.js';

function setup(flavor: 'multi' | 'single' = 'multi', workers = 4): { ctx: SchedulerContext; rt: RuntimeState; w: WorkerState[]; events: UnstampedEvent[] } {
  const events: UnstampedEvent[] = [];
  const ctx: SchedulerContext = { threads: [] as ThreadState[], runtimes: [], prng: new Prng(1), chooser: DEFAULT_CHOOSER, choices: { picks: 0 }, emit: e => events.push(e) };
  const rt = new RuntimeState(0, runtimeConfig(flavor, workers), -1);
  ctx.runtimes.push(rt);
  createWorkers(ctx, rt);
  return { ctx, rt, w: rt.workers.map(id => ctx.threads[id] as WorkerState), events };
}

describe('scheduler policies', () => {
  it('uses the constants from Tokio', () => {
    expect(LOCAL_QUEUE_CAPACITY).toBe(256);
    expect(MAX_LIFO_POLLS_PER_TICK).toBe(3);
    expect(MULTI_THREAD_GLOBAL_QUEUE_INTERVAL).toBe(61);
    expect(CURRENT_THREAD_GLOBAL_QUEUE_INTERVAL).toBe(31);
    expect(COOP_BUDGET).toBe(128);
    expect(runtimeConfig('single').globalQueueInterval).toBe(31);
    expect(runtimeConfig('single').lifo).toBe(false);
  });

  it('puts a task woken by a running worker in its LIFO slot; the next one pushes it to the queue', () => {
    const { ctx, rt, w } = setup();
    w[0]!.current = 100;
    scheduleTask(ctx, rt, 1, w[0]!, false);
    expect(w[0]!.lifo).toBe(1);
    scheduleTask(ctx, rt, 2, w[0]!, false);
    expect(w[0]!.lifo).toBe(2);
    expect(w[0]!.queue.toArray()).toEqual([1]);
    // A yield always goes to the back of the queue.
    scheduleTask(ctx, rt, 3, w[0]!, true);
    expect(w[0]!.lifo).toBe(2);
    expect(w[0]!.queue.toArray()).toEqual([1, 3]);
    // From outside a worker: the injection queue.
    scheduleTask(ctx, rt, 4, null, false);
    expect(rt.inject.toArray()).toEqual([4]);
    expect(rt.metrics.remoteScheduleCount).toBe(1);
  });

  it('moves half of a full local queue and the new task to the injection queue', () => {
    const { ctx, rt, w, events } = setup();
    const worker = w[0]!;
    worker.current = 9999;
    worker.lifoEnabled = false;
    for (let i = 0; i < LOCAL_QUEUE_CAPACITY; i++) scheduleTask(ctx, rt, i, worker, false);
    expect(worker.queue.length).toBe(256);
    expect(rt.inject.length).toBe(0);
    scheduleTask(ctx, rt, 1000, worker, false);
    expect(worker.queue.length).toBe(128);
    expect(rt.inject.toArray()).toEqual([...Array.from({ length: 128 }, (_, i) => i), 1000]);
    expect(worker.metrics.overflowCount).toBe(1);
    expect(events.some(e => e.kind === 'overflow' && e.count === 129)).toBe(true);
  });

  it('steals half (rounded up) of a victim queue, never its LIFO slot, and runs the last one stolen', () => {
    const { ctx, rt, w, events } = setup('multi', 2);
    const victim = w[0]!;
    for (let i = 1; i <= 9; i++) victim.queue.push(i);
    victim.lifo = 50;
    const thief = w[1]!;
    const t = stealWork(ctx, rt, thief);
    expect(t).toBe(5);
    expect(thief.queue.toArray()).toEqual([1, 2, 3, 4]);
    expect(victim.queue.toArray()).toEqual([6, 7, 8, 9]);
    expect(victim.lifo).toBe(50);
    expect(thief.metrics.stealCount).toBe(5);
    expect(thief.metrics.stealOperations).toBe(1);
    expect(events.find(e => e.kind === 'steal')).toMatchObject({ thread: thief.id, victim: victim.id, count: 5 });
  });

  it('lets at most half of the workers search at once', () => {
    const { rt, w } = setup('multi', 4);
    expect(transitionToSearching(rt, w[0]!)).toBe(true);
    expect(transitionToSearching(rt, w[1]!)).toBe(true);
    expect(transitionToSearching(rt, w[2]!)).toBe(false);
    expect(rt.numSearching).toBe(2);
  });

  it('checks the injection queue first every 61 ticks, else the local queue first', () => {
    const { ctx, rt, w } = setup();
    const worker = w[0]!;
    worker.queue.push(1);
    rt.inject.push(2);
    worker.tick = 61;
    expect(nextTask(ctx, rt, worker)).toBe(2);
    worker.tick = 62;
    expect(nextTask(ctx, rt, worker)).toBe(1);
  });

  it('pulls a batch from the injection queue when the local queue is empty', () => {
    const { ctx, rt, w } = setup('multi', 4);
    for (let i = 0; i < 20; i++) rt.inject.push(i);
    const worker = w[0]!;
    worker.tick = 1;
    // 20 / 4 workers + 1 = 6: one to run, five to the local queue.
    expect(nextTask(ctx, rt, worker)).toBe(0);
    expect(worker.queue.toArray()).toEqual([1, 2, 3, 4, 5]);
    expect(rt.inject.length).toBe(14);
  });

  it('unparks one worker, as a searcher, only when no worker is searching', () => {
    const { ctx, rt, w } = setup('multi', 3);
    for (const x of w) park(ctx, rt, x);
    expect(rt.sleepers.length).toBe(3);
    notifyParked(ctx, rt);
    expect(w.filter(x => !x.parked).length).toBe(1);
    expect(rt.numSearching).toBe(1);
    notifyParked(ctx, rt);
    expect(w.filter(x => !x.parked).length).toBe(1);
  });
});

function checkLifecycle(events: readonly RuntimeEvent[]): void {
  const spawned = new Set<number>();
  const ended = new Map<number, string>();
  const polling = new Map<number, number>();
  for (const e of events) {
    switch (e.kind) {
      case 'spawn':
        expect(spawned.has(e.task)).toBe(false);
        spawned.add(e.task);
        break;
      case 'poll-start':
        expect(ended.has(e.task), `task #${e.task} polled after it ended`).toBe(false);
        expect(polling.has(e.task), `task #${e.task} polled on two threads at once`).toBe(false);
        polling.set(e.task, e.thread);
        break;
      case 'poll-end':
        expect(polling.get(e.task)).toBe(e.thread);
        polling.delete(e.task);
        break;
      case 'complete':
      case 'cancel':
      case 'fail':
        expect(ended.has(e.task), `task #${e.task} ended twice`).toBe(false);
        ended.set(e.task, e.kind);
        break;
      default:
        break;
    }
  }
  // Every spawned task completed or was cancelled (or failed): none is lost.
  for (const id of spawned) expect(ended.has(id), `task #${id} never ended`).toBe(true);
}

describe('scheduler properties over whole runs', () => {
  const programs = ['worker-pool.aria', 'fan-out-pipeline.aria', 'race-timeout.aria', 'fetch-all-scope.aria', 'blocking-work.aria', 'cancellation-timeout.aria'];
  for (const name of programs) {
    for (const seed of [1, 2, 3]) {
      it(`${name}, seed ${seed}: no task lost, none polled after it ended or twice at once`, async () => {
        const r = await runFile(join(import.meta.dirname, '..', '..', 'examples', name), { seed, trace: true });
        expect(r.exitCode, r.failureText).toBe(0);
        checkLifecycle(r.events!);
      });
    }
  }

  it('spreads work over every worker by stealing', async () => {
    const r = await runFile(join(import.meta.dirname, '..', '..', 'examples', 'worker-pool.aria'), { seed: 11, stats: true, trace: true });
    const workers = r.stats!.workers.filter(w => w.runtime === 1);
    expect(workers.length).toBe(4);
    for (const w of workers) expect(w.metrics.worker_poll_count).toBeGreaterThan(50);
    expect(workers.reduce((n, w) => n + w.metrics.worker_steal_operations, 0)).toBeGreaterThan(0);
    expect(r.events!.some(e => e.kind === 'steal')).toBe(true);
    // No worker did more than twice its fair share of the polls.
    const polls = workers.map(w => w.metrics.worker_poll_count);
    const total = polls.reduce((a, b) => a + b, 0);
    expect(Math.max(...polls)).toBeLessThan((total / 4) * 2);
  });

  it('forces a yield when a task spends its cooperative budget', async () => {
    const r = await runText(`
ch = channel(1000)
for i in 0..600
  ch.send(i)
end
print(len([1]))
`, { stats: true });
    expect(r.output).toBe('1\n');
    // 600 sends without blocking: a yield after every 128 budget units.
    expect(r.stats!.runtimes[0]!.metrics.budget_forced_yield_count).toBe(4);
  });

  it('parks idle workers and jumps the clock when every task sleeps', async () => {
    const { machine } = await machineFor('sleep(1000)\nprint(now())\n');
    machine.run(1);
    machine.run(0);
    const r = machine.run();
    expect(r.kind).toBe('done');
    expect(machine.s.us).toBeGreaterThanOrEqual(1_000_000);
    expect(machine.s.us).toBeLessThan(1_001_000);
    const snap = snapshot(machine);
    expect(snap.workers.every(w => w.metrics.worker_park_count > 0)).toBe(true);
  });
});

describe('the blocking pool', () => {
  // Tokio's blocking pool keeps an idle thread for 10 s (`KEEP_ALIVE`): a job within that time reuses it, a
  // job after it gets a new thread. Each blocking job's first poll names the pool thread that took it.
  it('keeps an idle thread for the keep-alive time, then closes it', async () => {
    const text = [
      'fn work(n: Int) -> {Blocking} Int',
      '  thread_sleep(1.ms)',
      '  n',
      'end',
      '',
      'first = spawn_blocking(|| work(1)).await',
      'sleep(9998.ms)',
      'second = spawn_blocking(|| work(2)).await',
      'sleep(10001.ms)',
      'third = spawn_blocking(|| work(3)).await',
      'print(first, second, third)',
    ].join('\n');
    const { machine, output } = await machineFor(text, { workers: 1 });
    const threads: number[] = [];
    machine.listener = e => {
      if (e.kind === 'blocking-start') threads.push(e.thread);
    };
    expect(machine.run()).toEqual({ kind: 'done' });
    expect(output()).toBe('1 2 3\n');
    // 9,998 ms idle (9,999 with the deadline rounded up): the same thread; 10,001 ms idle: it closed, and the third
    // job starts a new one.
    expect(threads).toHaveLength(3);
    expect(threads[1]).toBe(threads[0]);
    expect(threads[2]).not.toBe(threads[0]);
  });
});

describe('frames of ended tasks', () => {
  const program = [
    'fn boom(n: Int) -> Int',
    '  k = n * 10',
    '  panic("boom #{k}")',
    'end',
    'ts = [spawn boom(1), spawn boom(2), spawn boom(3)]',
    'sleep(1.ms)',
  ].join('\n');

  it('are freed at once by default', async () => {
    const { machine } = await machineFor(program);
    machine.run();
    const failed = machine.s.tasks.filter(t => t?.state === 'failed');
    expect(failed).toHaveLength(3);
    expect(failed.every(t => t!.endFrames === null && t!.frames.length === 0)).toBe(true);
  });

  it('are kept for the last `keepEndFrames` tasks that failed, with their locals', async () => {
    const { machine } = await machineFor(program, { keepEndFrames: 2 });
    machine.run();
    const failed = machine.s.tasks.filter(t => t?.state === 'failed').sort((a, b) => a!.endSeq - b!.endSeq);
    expect(failed.map(t => t!.endFrames !== null)).toEqual([false, true, true]);
    const last = failed[2]!;
    const frame = last.endFrames!.frames.at(-1)!;
    const slot = frame.proto.locals.findIndex(l => l.name === 'k');
    // `k` as it was when the task panicked: the message the task failed with names it.
    expect(last.failure!.message).toBe(`boom ${String(last.endFrames!.stack[frame.base + slot])}`);
    expect(machine.stackOf(last, undefined, last.endFrames!.frames).map(f => f.fn)).toEqual(['boom']);
  });
});

describe('event steps', () => {
  it('stamps a spawn at the spawning statement, not at the start of the poll', async () => {
    const { machine } = await machineFor(['fn f() = 1', 'a = 1', 'b = 2', 'c = 3', 't = spawn f()', 'print(t.await)'].join('\n'));
    const events: RuntimeEvent[] = [];
    machine.listener = e => events.push(e);
    machine.run();
    const pollStart = events.find(e => e.kind === 'poll-start' && e.task === machine.s.mainTask)!;
    const spawn = events.find(e => e.kind === 'spawn' && e.parent === machine.s.mainTask)!;
    // three statements ran before the one that spawns
    expect(spawn.step - pollStart.step).toBe(3);
  });

  it('stamps any event raised inside a statement at that statement (here an output)', async () => {
    const { machine } = await machineFor(['a = 1', 'b = 2', 'print(a + b)'].join('\n'));
    const events: RuntimeEvent[] = [];
    machine.listener = e => events.push(e);
    machine.run();
    const pollStart = events.find(e => e.kind === 'poll-start' && e.task === machine.s.mainTask)!;
    const output = events.find(e => e.kind === 'output')!;
    expect(output.step - pollStart.step).toBe(2);
  });
});
