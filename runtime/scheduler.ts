// Tokio's scheduling policies over plain state: local queues with a LIFO slot, injection, stealing, searching and parking.
import type { ChoiceCursor, Chooser } from './chooser.js';
import type { Flavor, RuntimeEvent } from './events.js';
import type { Prng } from './prng.js';
import { Deque, InjectQueue, LOCAL_QUEUE_CAPACITY, LocalQueue } from './queues.js';
import type { TimerEntry } from './timer-wheel.js';

/** tokio/src/runtime/scheduler/multi_thread/worker.rs `MAX_LIFO_POLLS_PER_TICK`. */
export const MAX_LIFO_POLLS_PER_TICK = 3;
/**
 * tokio/src/runtime/scheduler/multi_thread/stats.rs `TARGET_TASKS_POLLED_PER_GLOBAL_QUEUE_INTERVAL` (61, "the
 * previous default"): the multi-threaded flavour's global queue interval. Tokio now self-tunes it around that
 * target unless `Builder::global_queue_interval` fixes it; the simulation fixes it at 61.
 */
export const MULTI_THREAD_GLOBAL_QUEUE_INTERVAL = 61;
/**
 * tokio/src/runtime/builder.rs `EVENT_INTERVAL` (61, both flavours): a worker's maintenance (timers, I/O, deferred
 * wakers: `park_yield`) every this many ticks (multi_thread/worker.rs `maintenance`; current_thread `block_on`).
 */
export const EVENT_INTERVAL = 61;
/** tokio/src/runtime/scheduler/current_thread/mod.rs `DEFAULT_GLOBAL_QUEUE_INTERVAL`. */
export const CURRENT_THREAD_GLOBAL_QUEUE_INTERVAL = 31;
/** tokio/src/task/coop/mod.rs `Budget::initial()`: `Budget(Some(128))`. */
export const COOP_BUDGET = 128;
/** tokio/src/runtime/builder.rs: `max_blocking_threads: 512`. */
export const DEFAULT_MAX_BLOCKING_THREADS = 512;
/** tokio/src/runtime/blocking/pool.rs `KEEP_ALIVE` (10 s), in milliseconds. */
export const BLOCKING_KEEP_ALIVE_MS = 10_000;

export interface RuntimeConfig {
  readonly flavor: Flavor;
  readonly workers: number;
  readonly blockingThreads: number;
  /** Timer deadlines round up to a multiple of this many milliseconds. */
  readonly timerResolution: number;
  readonly globalQueueInterval: number;
  readonly lifo: boolean;
  readonly stealing: boolean;
}

export function runtimeConfig(flavor: Flavor, workers = 4, blockingThreads?: number, timerResolution = 1): RuntimeConfig {
  switch (flavor) {
    case 'multi':
      return {
        flavor, workers: Math.max(1, Math.floor(workers)), blockingThreads: blockingThreads ?? DEFAULT_MAX_BLOCKING_THREADS,
        timerResolution: Math.max(1, timerResolution), globalQueueInterval: MULTI_THREAD_GLOBAL_QUEUE_INTERVAL, lifo: true, stealing: true,
      };
    case 'single':
      return {
        flavor, workers: 1, blockingThreads: blockingThreads ?? DEFAULT_MAX_BLOCKING_THREADS, timerResolution: Math.max(1, timerResolution),
        globalQueueInterval: CURRENT_THREAD_GLOBAL_QUEUE_INTERVAL, lifo: false, stealing: false,
      };
    case 'wasm':
      return {
        flavor, workers: 1, blockingThreads: 0, timerResolution: Math.max(1, timerResolution),
        globalQueueInterval: CURRENT_THREAD_GLOBAL_QUEUE_INTERVAL, lifo: false, stealing: false,
      };
    default: {
      const never: never = flavor;
      throw new Error(String(never));
    }
  }
}

/** Per-worker counters, named after Tokio's `RuntimeMetrics::worker_*` accessors. */
export class WorkerMetrics {
  pollCount = 0;
  parkCount = 0;
  parkUnparkCount = 0;
  noopCount = 0;
  stealCount = 0;
  stealOperations = 0;
  localScheduleCount = 0;
  overflowCount = 0;
  /** Virtual microseconds spent polling tasks. */
  totalBusyUs = 0;
  /** Poll times (runtime/task.ts `histogramBucket`), like Tokio's `poll_time_histogram`. */
  pollHist: number[] | null = null;
}

export class WorkerState {
  readonly kind = 'worker';
  readonly queue: LocalQueue;
  /** The LIFO slot: the task most recently woken or spawned by this worker (not stealable). */
  lifo = -1;
  lifoEnabled: boolean;
  /** LIFO polls in a row in the current tick. */
  lifoPolls = 0;
  current = -1;
  /** The cooperative budget left in the current poll. */
  budget = COOP_BUDGET;
  tick = 0;
  searching = false;
  parked = false;
  /** A blocking call (`thread_sleep`) holds this thread until then (virtual µs), else -1. */
  blockedUntilUs = -1;
  /** Woken from parking and has not found work yet (Tokio counts a wake that finds none as a no-op). */
  unparked = false;
  /** The polled task's step count when the poll started. */
  pollStartSteps = 0;
  /** At the top of block_on's loop (current-thread: after a park or a maintenance), where its task is polled if woken. */
  loopTop = true;
  /** Current-thread: tasks taken since the top of block_on's loop. */
  batch = 0;
  /**
   * Tasks that called `yield_now` in a poll on this worker: their wakers are deferred (Tokio's `Defer`) until it
   * parks or runs its maintenance (`park_yield`), so they run after the other ready tasks, timers and I/O.
   */
  readonly deferred: number[] = [];
  readonly metrics = new WorkerMetrics();

  constructor(readonly id: number, readonly runtime: number, readonly index: number, capacity: number, lifo: boolean) {
    this.queue = new LocalQueue(capacity);
    this.lifoEnabled = lifo;
  }
}

export class BlockingThreadState {
  readonly kind = 'blocking';
  current = -1;
  blockedUntilUs = -1;
  idleSinceUs = 0;
  /** Closed after idling for the keep-alive time, or at runtime shutdown. */
  closed = false;
  tasksRun = 0;
  busyUs = 0;
  pollStartSteps = 0;
  constructor(readonly id: number, readonly runtime: number) {}
}

/**
 * The thread that calls `block_on` (Tokio's `#[tokio::main]`): it polls one task, the runtime's block_on task (the main
 * task, or the task whose `with Runtime.multi_threaded(...)` started the runtime), off the workers. Only the
 * multi-threaded flavour has one; on the current-thread flavours block_on drives the one worker itself.
 */
export class BlockOnThreadState {
  readonly kind = 'block-on';
  /** The block_on task while it is on this runtime (ready, running or waiting), else -1. */
  current = -1;
  blockedUntilUs = -1;
  /** The cooperative budget left in the current poll (tokio/src/runtime/park.rs `block_on` polls under `coop::budget`). */
  budget = COOP_BUDGET;
  pollCount = 0;
  busyUs = 0;
  pollStartSteps = 0;
  constructor(readonly id: number, readonly runtime: number) {}
}

export type ThreadState = WorkerState | BlockingThreadState | BlockOnThreadState;

/** Runtime-wide counters, named after Tokio's `RuntimeMetrics`. */
export class RuntimeMetrics {
  spawnedTasksCount = 0;
  remoteScheduleCount = 0;
  budgetForcedYieldCount = 0;
}

export class RuntimeState {
  readonly inject = new InjectQueue();
  /** Thread ids of the workers, by worker index. */
  readonly workers: number[] = [];
  /** Parked workers, most recently parked last (Tokio keeps a stack of sleepers). */
  readonly sleepers: number[] = [];
  numSearching = 0;
  readonly blockingThreads: number[] = [];
  readonly blockingQueue = new Deque();
  readonly metrics = new RuntimeMetrics();
  closed = false;
  /**
   * The task `block_on` drives (the main task, or the owner of a `with` runtime), never in a run queue: on the
   * multi-threaded flavour it runs on the block_on thread `blockOnThread`; on a current-thread flavour on the worker,
   * at the top of each of its scheduling loops when `blockOnReady` (Tokio's `woken` flag).
   */
  blockOnTask = -1;
  blockOnThread = -1;
  blockOnReady = false;
  /**
   * The parked worker that holds the time driver (the first to park while it was free, as Tokio's `TryLock` on the
   * driver in multi_thread/park.rs), -1 when none does: it wakes when a timer is due and processes it.
   */
  driver = -1;
  /**
   * Timers past their deadline that no worker has processed yet, in firing order: the worker holding the driver, or the
   * next one to park or run its maintenance while the driver is free, fires them (their wakes go to its local queue).
   */
  readonly due: TimerEntry<unknown>[] = [];
  constructor(
    readonly id: number,
    readonly config: RuntimeConfig,
    /** The task whose `with` started this runtime (-1 for the program's default runtime). */
    readonly owner: number,
  ) {}
}

/** What the policies need from the machine. */
export interface SchedulerContext {
  readonly threads: ThreadState[];
  readonly runtimes: RuntimeState[];
  readonly prng: Prng;
  /** Makes every scheduling choice (Tokio's policies and `prng` by default; an exploring strategy otherwise). */
  readonly chooser: Chooser;
  /** How many choice points the run has met (part of the state). */
  readonly choices: ChoiceCursor;
  /** Emits an event (the machine stamps the step and the time); absent when nobody listens. */
  readonly emit: ((e: DistributiveOmit<RuntimeEvent, 'step' | 'us'>) => void) | undefined;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type UnstampedEvent = DistributiveOmit<RuntimeEvent, 'step' | 'us'>;

export function createWorkers(ctx: SchedulerContext, rt: RuntimeState): void {
  for (let i = 0; i < rt.config.workers; i++) {
    const id = ctx.threads.length;
    const capacity = rt.config.flavor === 'multi' ? LOCAL_QUEUE_CAPACITY : Infinity;
    ctx.threads.push(new WorkerState(id, rt.id, i, capacity, rt.config.lifo));
    rt.workers.push(id);
  }
  if (rt.config.flavor === 'multi') {
    rt.blockOnThread = ctx.threads.length;
    ctx.threads.push(new BlockOnThreadState(rt.blockOnThread, rt.id));
  }
}

function worker(ctx: SchedulerContext, id: number): WorkerState {
  return ctx.threads[id] as WorkerState;
}

/**
 * Schedules a task that became ready. From a worker of the same runtime it goes to that worker (its LIFO
 * slot unless it is a yield); from anywhere else it goes to the injection queue and wakes a parked worker.
 */
export function scheduleTask(ctx: SchedulerContext, rt: RuntimeState, task: number, from: ThreadState | null, isYield: boolean): void {
  if (task === rt.blockOnTask) {
    scheduleBlockOn(ctx, rt, task);
    return;
  }
  if (from && from.kind === 'worker' && from.runtime === rt.id && from.current !== -1) {
    scheduleLocal(ctx, rt, from, task, isYield);
    return;
  }
  rt.inject.push(task);
  rt.metrics.remoteScheduleCount++;
  notifyParked(ctx, rt);
}

/**
 * The block_on task became ready: it goes into no queue. On the multi-threaded flavour its thread polls it next
 * (tokio/src/runtime/park.rs `CachedParkThread::block_on`: the waker unparks that thread); on a current-thread flavour
 * the worker polls it at the top of its next scheduling loop (current_thread/mod.rs `block_on`, `reset_woken`), and a
 * parked worker wakes for it.
 */
function scheduleBlockOn(ctx: SchedulerContext, rt: RuntimeState, task: number): void {
  if (rt.blockOnThread >= 0) {
    ctx.threads[rt.blockOnThread]!.current = task;
    return;
  }
  rt.blockOnReady = true;
  const w = worker(ctx, rt.workers[0]!);
  if (w.parked) {
    rt.sleepers.splice(rt.sleepers.indexOf(w.id), 1);
    unparkWorker(ctx, rt, w);
    w.unparked = true;
  }
}

/** A parked worker wakes (it is out of `sleepers` already); the driver it held is free again. */
export function unparkWorker(ctx: SchedulerContext, rt: RuntimeState, w: WorkerState): void {
  w.parked = false;
  if (rt.driver === w.id) rt.driver = -1;
  w.metrics.parkUnparkCount++;
  ctx.emit?.({ kind: 'unpark', thread: w.id });
}

/**
 * A task woken by the driver (a timer) or a deferred waker that worker `w` runs while it parks or runs its maintenance:
 * Tokio's `schedule_local` with the parker taken out of the core, so into the LIFO slot (the previous one to the queue)
 * and without notifying a parked worker (multi_thread/worker.rs `schedule_local`: "the notification is delayed until
 * the park is complete"). The block_on task goes to its thread as always.
 */
export function scheduleFromDriver(ctx: SchedulerContext, rt: RuntimeState, w: WorkerState, task: number): void {
  if (task === rt.blockOnTask) {
    scheduleBlockOn(ctx, rt, task);
    return;
  }
  w.metrics.localScheduleCount++;
  if (!w.lifoEnabled) {
    pushBackOrOverflow(ctx, rt, w, task);
    return;
  }
  const prev = w.lifo;
  if (prev !== -1) pushBackOrOverflow(ctx, rt, w, prev);
  w.lifo = task;
}

/** Tokio's `should_notify_others` after a park: not searching, and more than one task in its local queues. */
export function shouldNotifyOthers(w: WorkerState): boolean {
  return !w.searching && (w.lifo !== -1 ? 1 : 0) + w.queue.length > 1;
}

function scheduleLocal(ctx: SchedulerContext, rt: RuntimeState, w: WorkerState, task: number, isYield: boolean): void {
  w.metrics.localScheduleCount++;
  let shouldNotify: boolean;
  if (isYield || !w.lifoEnabled) {
    pushBackOrOverflow(ctx, rt, w, task);
    shouldNotify = true;
  } else {
    const prev = w.lifo;
    if (prev !== -1) pushBackOrOverflow(ctx, rt, w, prev);
    w.lifo = task;
    shouldNotify = prev !== -1;
  }
  if (shouldNotify && rt.config.stealing) notifyParked(ctx, rt);
}

/** Pushes to the back of the local queue; when it is full, half of it and the task move to the injection queue. */
export function pushBackOrOverflow(ctx: SchedulerContext, rt: RuntimeState, w: WorkerState, task: number): void {
  if (!w.queue.full) {
    w.queue.push(task);
    return;
  }
  const moved = w.queue.shiftMany(Math.floor(w.queue.capacity / 2));
  for (const id of moved) rt.inject.push(id);
  rt.inject.push(task);
  w.metrics.overflowCount++;
  ctx.emit?.({ kind: 'overflow', thread: w.id, count: moved.length + 1 });
  notifyParked(ctx, rt);
}

/** Wakes one parked worker if none is searching (Tokio's `notify_parked`); it starts out searching. */
export function notifyParked(ctx: SchedulerContext, rt: RuntimeState): void {
  if (rt.numSearching > 0 || rt.sleepers.length === 0) return;
  // Tokio wakes the worker that parked last; a chooser may wake another (alternatives: from the last parked down).
  const n = rt.sleepers.length;
  const c = n > 1 ? ctx.chooser.pick('unpark', new Array<number>(n).fill(-1), ctx.choices) : 0;
  const id = rt.sleepers.splice(n - 1 - c, 1)[0]!;
  const w = worker(ctx, id);
  w.searching = true;
  w.unparked = true;
  rt.numSearching++;
  unparkWorker(ctx, rt, w);
}

/** Wakes every parked worker of a runtime (used when the run would otherwise stall). */
export function unparkAll(ctx: SchedulerContext, rt: RuntimeState): void {
  while (rt.sleepers.length > 0) {
    const id = rt.sleepers.pop()!;
    unparkWorker(ctx, rt, worker(ctx, id));
  }
}

/**
 * Tokio's `Core::next_task`: every `global_queue_interval` ticks the injection queue first, else local work first. When
 * both hold work, the chooser may take the other one (`global`); which local task runs is its `poll` choice.
 */
export function nextTask(ctx: SchedulerContext, rt: RuntimeState, w: WorkerState): number {
  let globalFirst = w.tick % rt.config.globalQueueInterval === 0;
  if (rt.inject.length > 0 && hasLocalWork(w)) {
    const local = w.lifo !== -1 ? w.lifo : w.queue.items[w.queue.head]!;
    const inject = rt.inject.items[rt.inject.head]!;
    if (ctx.chooser.pick('global', globalFirst ? [inject, local] : [local, inject], ctx.choices) === 1) globalFirst = !globalFirst;
  }
  if (globalFirst) {
    const t = rt.inject.shift();
    if (t !== undefined) return t;
    return nextLocalTask(ctx, w);
  }
  const local = nextLocalTask(ctx, w);
  if (local !== -1) return local;
  if (rt.inject.length === 0) return -1;
  // Take a batch from the injection queue, at most half a local queue, so other workers get some too. The
  // current-thread scheduler takes one remote task per tick (tokio current_thread/mod.rs `next_task`: `handle.pop()`).
  const cap = Math.min(w.queue.remainingSlots(), Math.floor(w.queue.capacity / 2));
  const n = rt.config.flavor !== 'multi' ? 1 : Math.max(1, Math.min(Math.floor(rt.inject.length / rt.workers.length) + 1, cap));
  const batch = rt.inject.shiftMany(n);
  const first = batch.shift()!;
  for (const id of batch) w.queue.push(id);
  return first;
}

/** The LIFO slot, else the front of the local queue; a chooser may pick any of them (`poll`: in that order). */
function nextLocalTask(ctx: SchedulerContext, w: WorkerState): number {
  const n = (w.lifo !== -1 ? 1 : 0) + w.queue.length;
  if (n > 1 && ctx.chooser.explores) {
    const ready = w.queue.toArray();
    if (w.lifo !== -1) ready.unshift(w.lifo);
    const c = ctx.chooser.pick('poll', ready, ctx.choices);
    if (c > 0) {
      const t = ready[c]!;
      w.queue.remove(t);
      return t;
    }
  }
  if (w.lifo !== -1) {
    const t = w.lifo;
    w.lifo = -1;
    return t;
  }
  return w.queue.shift() ?? -1;
}

/** Tokio's `transition_to_searching`: at most half the workers search at once. */
export function transitionToSearching(rt: RuntimeState, w: WorkerState): boolean {
  if (w.searching) return true;
  if (2 * rt.numSearching >= rt.workers.length) return false;
  w.searching = true;
  rt.numSearching++;
  return true;
}

/** Leaves the searching state; the last searcher to find work wakes another worker to keep looking. */
export function transitionFromSearching(ctx: SchedulerContext, rt: RuntimeState, w: WorkerState): void {
  if (!w.searching) return;
  w.searching = false;
  rt.numSearching--;
  if (rt.numSearching === 0) notifyParked(ctx, rt);
}

/** Tokio's `steal_work`: from a random victim on, take half of the first non-empty local queue; else the injection queue. */
export function stealWork(ctx: SchedulerContext, rt: RuntimeState, w: WorkerState): number {
  if (!rt.config.stealing) return rt.inject.shift() ?? -1;
  if (!transitionToSearching(rt, w)) return -1;
  const n = rt.workers.length;
  // The workers it could steal from (from index 0), and the task a steal from each would run (`stealInto`).
  const victims: number[] = [];
  const tasks: number[] = [];
  if (ctx.chooser.explores && w.queue.length <= Math.floor(w.queue.capacity / 2)) {
    for (let i = 0; i < n; i++) {
      const q = (ctx.threads[rt.workers[i]!] as WorkerState).queue;
      if (i === w.index || q.length === 0) continue;
      victims.push(i);
      tasks.push(q.items[q.head + q.length - Math.floor(q.length / 2) - 1]!);
    }
  }
  const start = ctx.chooser.stealStart(n, victims, tasks, ctx.prng, ctx.choices);
  for (let i = 0; i < n; i++) {
    const victimIndex = (start + i) % n;
    if (victimIndex === w.index) continue;
    const victim = worker(ctx, rt.workers[victimIndex]!);
    const t = stealInto(ctx, victim, w);
    if (t !== -1) return t;
  }
  return rt.inject.shift() ?? -1;
}

/** Moves half (rounded up) of `src`'s local queue to `dst`, returning the last one to run at once. */
export function stealInto(ctx: SchedulerContext, src: WorkerState, dst: WorkerState): number {
  const available = src.queue.length;
  if (available === 0) return -1;
  // Like Tokio, give up when the destination is more than half full.
  if (dst.queue.length > Math.floor(dst.queue.capacity / 2)) return -1;
  const n = available - Math.floor(available / 2);
  const stolen = src.queue.shiftMany(n);
  const ret = stolen.pop()!;
  for (const id of stolen) dst.queue.push(id);
  dst.metrics.stealCount += n;
  dst.metrics.stealOperations++;
  ctx.emit?.({ kind: 'steal', thread: dst.id, victim: src.id, count: n });
  return ret;
}

/** Parks an idle worker until work is scheduled for it. */
export function park(ctx: SchedulerContext, rt: RuntimeState, w: WorkerState): void {
  if (w.searching) {
    w.searching = false;
    rt.numSearching--;
  }
  w.parked = true;
  w.metrics.parkCount++;
  rt.sleepers.push(w.id);
  if (rt.driver === -1) rt.driver = w.id; // it parks on the driver (the others on a condition variable)
  ctx.emit?.({ kind: 'park', thread: w.id });
}

/** Whether a worker has work it could poll without searching. */
export function hasLocalWork(w: WorkerState): boolean {
  return w.lifo !== -1 || w.queue.length > 0;
}
