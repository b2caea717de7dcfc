// Where Tokio's worker loop puts work, each as a regression test: the main task runs on a block_on thread off the
// workers (its spawns go to the injection queue), timer wakes go to the local queue of the worker driving the timer (on
// park or at the maintenance every 61 ticks), and `yield_now` defers its waker until the worker parks or runs that
// maintenance. Each of these failed before the change it tests.
import { describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../runtime/events.js';
import { EVENT_INTERVAL, type WorkerState } from '../../runtime/scheduler.js';
import { snapshot } from '../../runtime/snapshot.js';
import { machineFor, runText } from './helpers.js';

function polls(events: readonly RuntimeEvent[], task: number): number[] {
  return events.filter((e): e is Extract<RuntimeEvent, { kind: 'poll-start' }> => e.kind === 'poll-start' && e.task === task).map(e => e.thread);
}

describe('the main task runs on a block_on thread (multi-threaded)', () => {
  const program = `
fn work(n: Int) -> Int
  acc = 0
  for i in 0..20
    acc += i * n
  end
  acc
end
tasks = map(range(0, 6), |n| spawn work(n))
print(sum(join(tasks)))
`;

  it('polls main only on its block_on thread, and main\'s spawns go to the injection queue', async () => {
    const events: RuntimeEvent[] = [];
    const { machine, output } = await machineFor(program, { workers: 4, seed: 1, listener: e => events.push(e) });
    const rt = machine.s.runtimes[0]!;
    expect(rt.blockOnTask).toBe(machine.s.mainTask);
    const blockOn = machine.s.threads[rt.blockOnThread]!;
    expect(blockOn.kind).toBe('block-on');
    // Run until main's first poll spawned its six tasks: they wait in the injection queue, no worker's LIFO slot.
    while (events.filter(e => e.kind === 'spawn').length < 7) machine.run(1);
    const snap = snapshot(machine);
    const spawned = events.filter(e => e.kind === 'spawn').slice(1).map(e => (e as { task: number }).task);
    const queued = [...snap.runtimes[0]!.globalQueue, ...snap.workers.flatMap(w => [w.lifoSlot, ...w.localQueue])];
    expect(snap.runtimes[0]!.globalQueue.length).toBeGreaterThan(0);
    expect(snap.workers.every(w => w.lifoSlot === -1 || !spawned.includes(w.lifoSlot) || w.current !== -1)).toBe(true);
    expect(spawned.every(t => queued.includes(t) || machine.s.tasks[t]!.polls > 0)).toBe(true);
    machine.run();
    expect(output()).toBe('2850\n');
    // Every poll of main is on the block_on thread; no worker ever polled it.
    const mainPolls = polls(events, machine.s.mainTask);
    expect(mainPolls.length).toBeGreaterThan(1);
    expect(new Set(mainPolls)).toEqual(new Set([blockOn.id]));
    // Each of main's spawns was a remote schedule (Tokio's `push_remote_task`).
    expect(rt.metrics.remoteScheduleCount).toBeGreaterThanOrEqual(6);
    expect(snapshot(machine).blockOnThreads).toEqual([expect.objectContaining({ thread: blockOn.id, runtime: 0 })]);
  });

  it('gives a `with Runtime.multi_threaded` block\'s owner that runtime\'s block_on thread', async () => {
    const events: RuntimeEvent[] = [];
    const { machine } = await machineFor(`
with Runtime.multi_threaded(workers: 2)
  t = spawn 1 + 1
  print(t.await)
end
`, { listener: e => events.push(e) });
    machine.run();
    const inner = machine.s.runtimes[1]!;
    expect(inner.blockOnTask).toBe(machine.s.mainTask);
    expect(polls(events, machine.s.mainTask)).toContain(inner.blockOnThread);
    expect(machine.s.threads[inner.blockOnThread]!.kind).toBe('block-on');
  });

  it('names the block_on track in the trace', async () => {
    const r = await runText(program, { trace: true, workers: 4 });
    const names = r.trace!.traceEvents.filter(e => e.ph === 'M' && e.name === 'thread_name').map(e => (e.args as { name: string }).name);
    expect(names).toContain('block_on');
  });
});

describe('current_thread: block_on polls main at the top of its loop', () => {
  it('polls a woken main after at most 61 tasks, not after every queued task', async () => {
    // Main is woken by task 0 while 199 more tasks are queued: Tokio polls it at the top of block_on's next loop, after
    // the loop's 61 tasks; a main queued behind them all saw 200.
    const r = await runText(`
struct Count(n: Int)
fn bump(c: Count) -> Unit
  c.n += 1
end
c = Count(0)
tasks = map(range(0, 200), |n| spawn bump(c))
tasks[0].await
print(c.n)
`, { flavor: 'single' });
    expect(r.output).toBe(`${EVENT_INTERVAL}\n`);
  });
});

describe('timer wakes go to the worker driving the timer', () => {
  it('a parked worker holding the driver wakes and runs the woken task from its own LIFO slot', async () => {
    const events: RuntimeEvent[] = [];
    const { machine } = await machineFor(`
t = spawn sleep(5.ms)
t.await
print("done")
`, { workers: 4, seed: 1, listener: e => events.push(e) });
    // The clock jumps to the deadline while every worker is parked: one of them holds the driver.
    let holder = -1;
    let queued = -1;
    machine.listener = e => {
      events.push(e);
      if (e.kind === 'clock') holder = machine.s.runtimes[0]!.driver;
      if (e.kind === 'poll-start' && e.task === 2) queued = machine.s.threads.findIndex(th => th.kind === 'worker' && th.id === e.thread);
    };
    machine.run();
    const wake = events.find(e => e.kind === 'wake' && e.task === 2)!;
    expect(wake).toMatchObject({ remote: false });
    expect(holder).toBeGreaterThanOrEqual(0);
    // The woken task was polled by the worker that held the driver, which left it when it woke.
    expect(queued).toBe(holder);
    // Only main's spawn was scheduled from outside a worker; the timer's wake was local.
    expect(machine.s.runtimes[0]!.metrics.remoteScheduleCount).toBe(1);
  });

  it('a busy worker processes due timers only at its maintenance, every 61 ticks', async () => {
    // One worker, kept busy by 400 small tasks; the sleeper's deadline passes while they run, and its wake lands when
    // the worker's tick is a multiple of 61 (before: at the start of the next round, into the injection queue).
    const ticks: number[] = [];
    let remote: boolean | undefined;
    const { machine } = await machineFor(`
fn small(n: Int) -> Int
  acc = 0
  for i in 0..5
    acc += i + n
  end
  acc
end
s = spawn sleep(1.ms)
jobs = map(range(0, 400), |n| spawn small(n))
s.await
print(sum(join(jobs)))
`, { workers: 1, seed: 1 });
    machine.listener = e => {
      if (e.kind === 'wake' && e.task === 2) {
        remote = e.remote;
        ticks.push((machine.s.threads[0] as WorkerState).tick);
      }
    };
    machine.run();
    expect(remote).toBe(false);
    expect(ticks.length).toBe(1);
    expect(ticks[0]! % EVENT_INTERVAL).toBe(0);
  });
});

describe('yield_now defers its waker until the worker parks or runs its maintenance', () => {
  it('runs a task spawned after the yield first (current_thread)', async () => {
    // Tokio: A's waker is deferred, B runs and spawns D, D runs, then the worker would park and wakes A.
    // Pushed to the back of the queue at once, A ran before D: a1 b1 b2 a2 d.
    const r = await runText(`
fn a_task() -> {Async, IO} Unit
  print("a1")
  yield_now()
  print("a2")
end
fn b_task() -> {Async, IO} Unit
  print("b1")
  spawn print("d")
  print("b2")
end
a = spawn a_task()
b = spawn b_task()
a.await
b.await
sleep(1.ms)
`, { flavor: 'single' });
    expect(r.output.trim().split('\n')).toEqual(['a1', 'b1', 'b2', 'd', 'a2']);
  });

  it('keeps a yielding task on its worker until that worker has nothing else, stealing included', async () => {
    const events: RuntimeEvent[] = [];
    const { machine } = await machineFor(`
fn spin() -> {Async} Unit
  for i in 0..3
    yield_now()
  end
end
t = spawn spin()
t.await
`, { workers: 2, seed: 1, listener: e => events.push(e) });
    let deferredSeen = false;
    const listener = machine.listener!;
    machine.listener = e => {
      listener(e);
      if (e.kind === 'poll-end' && e.task === 2 && e.outcome === 'yield') {
        deferredSeen ||= machine.s.threads.some(th => th.kind === 'worker' && th.deferred.includes(2));
      }
    };
    machine.run();
    expect(deferredSeen).toBe(true);
    expect(machine.s.tasks[2]!.selfWakes).toBe(3);
  });
});
