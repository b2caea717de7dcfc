// Snapshots of a paused machine as plain data: task tree, workers, queues, timer wheel, blocking pool, clock, metrics.
import type { Machine } from './machine.js';
import type { BlockOnThreadState, BlockingThreadState, RuntimeState, WorkerState } from './scheduler.js';
import { describeWait, type AriaFrame, type TaskKind, type TaskState, type WaitReason } from './task.js';
import { show } from './values.js';
import type { WaitReport } from './events.js';
import { computeLints, type Lint } from './lints.js';

export interface TaskSnapshot {
  readonly id: number;
  readonly name: string;
  readonly kind: TaskKind;
  /** The task that spawned it (0 for the main task). */
  readonly parent: number;
  readonly children: readonly number[];
  readonly runtime: number;
  /** The structured scope it belongs to, or -1. */
  readonly scope: number;
  readonly state: TaskState;
  readonly wait?: WaitReason;
  readonly waitsOn?: string;
  /** The thread it runs or last ran on, -1 if never polled. */
  readonly thread: number;
  readonly spawnSite: string;
  readonly polls: number;
  readonly steps: number;
  /**
   * Virtual microseconds spent running (Busy), scheduled (ready, from a wake to the next poll: Sched) and alive but
   * neither (waiting: Idle), as tokio-console's task columns.
   */
  readonly busyUs: number;
  readonly scheduledUs: number;
  readonly idleUs: number;
  /** Times it was woken or yielded, and of those by itself (`yield_now`, a spent budget). */
  readonly wakes: number;
  readonly selfWakes: number;
  /** The longest poll, in virtual µs. */
  readonly maxPollUs: number;
  /** Poll and scheduled times: counts per bucket, bucket 0 = 0 µs, bucket i = [2^(i-1), 2^i) µs. */
  readonly pollTimeHistogram: readonly number[];
  readonly scheduledTimeHistogram: readonly number[];
  readonly cancelRequested: boolean;
  /** Where it stands (its innermost frame), while it is alive. */
  readonly location?: AriaFrame;
  readonly result?: string;
  readonly failure?: string;
}

/** Named after Tokio's `RuntimeMetrics::worker_*` accessors. */
export interface WorkerMetricsSnapshot {
  readonly worker_poll_count: number;
  readonly worker_park_count: number;
  readonly worker_park_unpark_count: number;
  readonly worker_noop_count: number;
  readonly worker_steal_count: number;
  readonly worker_steal_operations: number;
  readonly worker_local_schedule_count: number;
  readonly worker_overflow_count: number;
  readonly worker_local_queue_depth: number;
  /** Microseconds of virtual time spent polling. */
  readonly worker_total_busy_duration_us: number;
  readonly worker_mean_poll_time_us: number;
  /** Poll times, bucketed as `TaskSnapshot.pollTimeHistogram` (Tokio's `poll_time_histogram`). */
  readonly worker_poll_time_histogram: readonly number[];
}

export interface WorkerSnapshot {
  readonly thread: number;
  readonly runtime: number;
  readonly index: number;
  /** The task being polled, -1 if none. */
  readonly current: number;
  readonly lifoSlot: number;
  readonly localQueue: readonly number[];
  readonly searching: boolean;
  readonly parked: boolean;
  /** Set while a blocking call (`thread_sleep`) holds the worker: until then (ms). */
  readonly blockedUntilMs?: number;
  readonly tick: number;
  readonly budget: number;
  readonly metrics: WorkerMetricsSnapshot;
}

export interface BlockingThreadSnapshot {
  readonly thread: number;
  readonly runtime: number;
  readonly current: number;
  readonly blockedUntilMs?: number;
  readonly closed: boolean;
  readonly tasksRun: number;
  readonly busyUs: number;
}

/** The thread that calls `block_on` (multi-threaded runtimes): it polls the main task (or a `with` runtime's owner), off the workers. */
export interface BlockOnThreadSnapshot {
  readonly thread: number;
  readonly runtime: number;
  /** Its task while that is on the runtime (ready, running or waiting), else -1. */
  readonly current: number;
  readonly blockedUntilMs?: number;
  readonly polls: number;
  readonly busyUs: number;
}

/** Named after Tokio's `RuntimeMetrics` accessors. */
export interface RuntimeMetricsSnapshot {
  readonly num_workers: number;
  readonly num_alive_tasks: number;
  readonly global_queue_depth: number;
  readonly spawned_tasks_count: number;
  readonly remote_schedule_count: number;
  readonly budget_forced_yield_count: number;
  readonly num_blocking_threads: number;
  readonly num_idle_blocking_threads: number;
  readonly blocking_queue_depth: number;
}

export interface RuntimeSnapshot {
  readonly id: number;
  readonly flavor: string;
  readonly owner: number;
  readonly closed: boolean;
  readonly globalQueue: readonly number[];
  readonly blockingQueue: readonly number[];
  readonly workers: readonly number[];
  readonly blockingThreads: readonly number[];
  /** The task `block_on` drives (the main task, or the `with`'s owner; -1: none), and its thread (-1: the worker). */
  readonly blockOnTask: number;
  readonly blockOnThread: number;
  readonly config: { readonly workers: number; readonly blockingThreads: number; readonly timerResolutionMs: number; readonly globalQueueInterval: number };
  readonly metrics: RuntimeMetricsSnapshot;
}

export interface TimerSnapshot {
  readonly id: number;
  readonly deadlineMs: number;
  readonly owner: number;
  readonly purpose: string;
  readonly level: number;
  readonly slot: number;
}

export interface WheelSnapshot {
  /** The wheel's own time: every deadline at or before it has fired. */
  readonly elapsedMs: number;
  /** Occupied slots by level: [level, slot, timer ids]. */
  readonly slots: readonly { readonly level: number; readonly slot: number; readonly expiresAtMs: number; readonly timers: readonly number[] }[];
  readonly pending: readonly TimerSnapshot[];
}

export interface ChannelSnapshot {
  readonly id: number;
  readonly capacity: number;
  /** Values in its buffer now. */
  readonly length: number;
  readonly buffered: readonly string[];
  readonly closed: boolean;
  readonly waitingReceivers: readonly number[];
  readonly waitingSenders: readonly number[];
}

export interface MachineSnapshot {
  readonly step: number;
  readonly clockUs: number;
  readonly clockMs: number;
  readonly done: boolean;
  readonly tasks: readonly TaskSnapshot[];
  readonly workers: readonly WorkerSnapshot[];
  readonly blockingThreads: readonly BlockingThreadSnapshot[];
  readonly blockOnThreads: readonly BlockOnThreadSnapshot[];
  readonly runtimes: readonly RuntimeSnapshot[];
  readonly timers: WheelSnapshot;
  readonly channels: readonly ChannelSnapshot[];
  /** The run's lints so far (runtime/lints.ts) and its deadlock, blocked-forever and watchdog reports. */
  readonly lints: readonly Lint[];
  readonly waitReports: readonly WaitReport[];
}

function ownerOf(payload: unknown): { owner: number; purpose: string } {
  if (typeof payload === 'number') return { owner: payload, purpose: 'sleep' };
  const p = payload as { kind: string; task?: number; owner?: number };
  switch (p.kind) {
    case 'wake': return { owner: p.task ?? 0, purpose: 'sleep' };
    case 'timeout': return { owner: p.task ?? 0, purpose: 'timeout' };
    case 'cancel-token': return { owner: p.owner ?? 0, purpose: 'cancel-token' };
    case 'thread-wake': return { owner: p.task ?? 0, purpose: 'thread-sleep' };
    case 'connection': return { owner: 0, purpose: 'connection' };
    default: return { owner: 0, purpose: p.kind };
  }
}

export function snapshotTasks(m: Machine): TaskSnapshot[] {
  const s = m.s;
  const children = new Map<number, number[]>();
  for (const t of s.tasks) if (t) (children.get(t.parent) ?? children.set(t.parent, []).get(t.parent)!).push(t.id);
  const out: TaskSnapshot[] = [];
  for (const t of s.tasks) {
    if (!t) continue;
    const alive = t.endUs < 0 ? s.us : t.endUs;
    const loc = t.done ? undefined : m.stackOf(t)[0];
    out.push({
      id: t.id, name: t.name, kind: t.kind, parent: t.parent, children: children.get(t.id) ?? [], runtime: t.runtime, scope: t.scope,
      state: t.state, wait: t.wait ?? undefined, waitsOn: t.wait ? describeWait(t.wait) : undefined, thread: t.thread,
      spawnSite: m.siteText(t.spawnModule, t.spawnSpan), polls: t.polls, steps: t.steps, busyUs: t.busyUs,
      scheduledUs: t.schedUs, idleUs: Math.max(0, alive - t.spawnUs - t.busyUs - t.schedUs), wakes: t.wakes, selfWakes: t.selfWakes,
      maxPollUs: t.maxPollUs, pollTimeHistogram: [...(t.pollHist ?? [])], scheduledTimeHistogram: [...(t.schedHist ?? [])],
      cancelRequested: t.aborted, location: loc,
      result: t.state === 'completed' ? show(t.result, true) : undefined, failure: t.failure?.message,
    });
  }
  return out;
}

function workerMetrics(w: WorkerState): WorkerMetricsSnapshot {
  const m = w.metrics;
  return {
    worker_poll_count: m.pollCount, worker_park_count: m.parkCount, worker_park_unpark_count: m.parkUnparkCount,
    worker_noop_count: m.noopCount, worker_steal_count: m.stealCount, worker_steal_operations: m.stealOperations,
    worker_local_schedule_count: m.localScheduleCount, worker_overflow_count: m.overflowCount,
    worker_local_queue_depth: w.queue.length, worker_total_busy_duration_us: m.totalBusyUs,
    worker_mean_poll_time_us: m.pollCount > 0 ? m.totalBusyUs / m.pollCount : 0,
    worker_poll_time_histogram: [...(m.pollHist ?? [])],
  };
}

export function runtimeMetrics(m: Machine, rt: RuntimeState): RuntimeMetricsSnapshot {
  const s = m.s;
  let alive = 0;
  for (const t of s.tasks) if (t && !t.done && t.runtime === rt.id) alive++;
  const blocking = rt.blockingThreads.map(id => s.threads[id] as BlockingThreadState).filter(b => !b.closed);
  return {
    num_workers: rt.workers.length, num_alive_tasks: alive, global_queue_depth: rt.inject.length,
    spawned_tasks_count: rt.metrics.spawnedTasksCount, remote_schedule_count: rt.metrics.remoteScheduleCount,
    budget_forced_yield_count: rt.metrics.budgetForcedYieldCount, num_blocking_threads: blocking.length,
    num_idle_blocking_threads: blocking.filter(b => b.current === -1).length, blocking_queue_depth: rt.blockingQueue.length,
  };
}

export function snapshotWorkers(m: Machine): WorkerSnapshot[] {
  return m.s.threads.filter((t): t is WorkerState => t.kind === 'worker').map(w => ({
    thread: w.id, runtime: w.runtime, index: w.index, current: w.current, lifoSlot: w.lifo, localQueue: w.queue.toArray(),
    searching: w.searching, parked: w.parked, blockedUntilMs: w.blockedUntilUs >= 0 ? w.blockedUntilUs / 1000 : undefined,
    tick: w.tick, budget: w.budget, metrics: workerMetrics(w),
  }));
}

export function snapshotBlockOn(m: Machine): BlockOnThreadSnapshot[] {
  return m.s.threads.filter((t): t is BlockOnThreadState => t.kind === 'block-on').map(b => ({
    thread: b.id, runtime: b.runtime, current: b.current, blockedUntilMs: b.blockedUntilUs >= 0 ? b.blockedUntilUs / 1000 : undefined,
    polls: b.pollCount, busyUs: b.busyUs,
  }));
}

export function snapshotTimers(m: Machine): WheelSnapshot {
  const wheel = m.s.wheel.snapshot();
  const pending: TimerSnapshot[] = [];
  for (const e of m.s.wheel.entries()) {
    const { owner, purpose } = ownerOf(e.payload);
    pending.push({ id: e.id, deadlineMs: e.deadline, owner, purpose, level: e.level, slot: e.slot });
  }
  return {
    elapsedMs: wheel.elapsed,
    slots: wheel.slots.map(sl => ({ level: sl.level, slot: sl.slot, expiresAtMs: sl.expiresAt, timers: sl.timers.map(t => t.id) })),
    pending,
  };
}

export function snapshotChannels(m: Machine): ChannelSnapshot[] {
  return m.s.channels.map(ch => ({
    id: ch.id, capacity: ch.capacity, length: ch.buffer.length, buffered: ch.buffer.map(v => show(v, true)), closed: ch.closed,
    waitingReceivers: [...ch.receivers], waitingSenders: ch.senders.map(x => x.task),
  }));
}

export function snapshot(m: Machine): MachineSnapshot {
  const s = m.s;
  return {
    step: s.steps,
    clockUs: s.us,
    clockMs: Math.floor(s.us / 1000),
    done: s.done,
    tasks: snapshotTasks(m),
    workers: snapshotWorkers(m),
    blockingThreads: s.threads.filter((t): t is BlockingThreadState => t.kind === 'blocking').map(b => ({
      thread: b.id, runtime: b.runtime, current: b.current, blockedUntilMs: b.blockedUntilUs >= 0 ? b.blockedUntilUs / 1000 : undefined,
      closed: b.closed, tasksRun: b.tasksRun, busyUs: b.busyUs,
    })),
    blockOnThreads: snapshotBlockOn(m),
    runtimes: s.runtimes.map(rt => ({
      id: rt.id, flavor: rt.config.flavor, owner: rt.owner, closed: rt.closed, globalQueue: rt.inject.toArray(),
      blockingQueue: rt.blockingQueue.toArray(), workers: [...rt.workers], blockingThreads: [...rt.blockingThreads],
      blockOnTask: rt.blockOnTask, blockOnThread: rt.blockOnThread,
      config: {
        workers: rt.config.workers, blockingThreads: rt.config.blockingThreads, timerResolutionMs: rt.config.timerResolution,
        globalQueueInterval: rt.config.globalQueueInterval,
      },
      metrics: runtimeMetrics(m, rt),
    })),
    timers: snapshotTimers(m),
    channels: snapshotChannels(m),
    lints: computeLints(s),
    waitReports: [...s.waitReports],
  };
}
