// Maps the runtime's snapshots onto the custom protocol's `aria/runtimeState` body, and records polls and spawns for the timeline.
import { describeWait, type Machine, type MachineSnapshot, type RuntimeEvent, type TaskSnapshot, type WaitReason } from '../runtime/index.js';
import type {
  FlavorName, QueueName, RuntimeStateBody, SourcePoint, SpanState, TaskRow, TimelineBody, TimelinePoll, TimelineSpawn, TimelineThread,
  TimelineTransition,
} from './protocol.js';

/** The task ids a wait names, so the views can link a blocked task to what it waits for. */
export function waitTasks(w: WaitReason | undefined): number[] | undefined {
  if (!w) return undefined;
  switch (w.kind) {
    case 'join': return [w.task];
    case 'join-any': return [...w.tasks];
    case 'timeout': return [w.task];
    case 'scope': return [...w.live];
    default: return undefined;
  }
}

/** `path:line:column` as the runtime writes a spawn site, split back; undefined when it is not one. */
export function parseSite(site: string): SourcePoint | undefined {
  const m = /^(.*):(\d+):(\d+)$/.exec(site);
  return m ? { path: m[1]!, line: Number(m[2]), column: Number(m[3]) } : undefined;
}

function taskRow(t: TaskSnapshot, endedAtUs: number, scopeOf: (t: TaskSnapshot) => number): TaskRow {
  const site = parseSite(t.spawnSite);
  const waits = t.state === 'blocked' ? waitTasks(t.wait) : undefined;
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    parent: t.parent,
    scope: scopeOf(t),
    runtime: t.runtime,
    state: t.state,
    thread: t.thread,
    ...(t.state === 'blocked' && t.waitsOn ? { waitsOn: t.waitsOn } : {}),
    ...(waits ? { waitsOnTasks: waits } : {}),
    polls: t.polls,
    steps: t.steps,
    cancelRequested: t.cancelRequested,
    spawnedAtUs: 0,
    endedAtUs,
    busyUs: t.busyUs,
    ...(site ? { spawnSite: site } : {}),
    ...(t.location ? { location: { path: t.location.module, line: t.location.line, column: t.location.column, fn: t.location.fn } } : {}),
    ...(t.failure ? { failure: t.failure } : {}),
    metrics: {
      scheduledUs: t.scheduledUs, idleUs: t.idleUs, wakes: t.wakes, selfWakes: t.selfWakes, maxPollUs: t.maxPollUs,
      pollTimeHistogram: t.pollTimeHistogram, scheduledTimeHistogram: t.scheduledTimeHistogram,
    },
  };
}

export interface StateContext {
  readonly seed: number;
  readonly reason: string;
  readonly focusTask: number;
  readonly outputLines: number;
  /** Spawn and end times from the recorder (snapshots carry durations, not instants). */
  readonly times?: TimelineRecorder;
}

/** The `aria/runtimeState` body for a snapshot. */
export function runtimeStateBody(snap: MachineSnapshot, ctx: StateContext): RuntimeStateBody {
  const scopeOf = (t: TaskSnapshot) => t.scope;
  const tasks = snap.tasks.map(t => {
    const row = taskRow(t, ctx.times?.endOf(t.id) ?? -1, scopeOf);
    const spawned = ctx.times?.spawnOf(t.id);
    return spawned !== undefined ? { ...row, spawnedAtUs: spawned } : row;
  });
  const capacityOf = (flavor: string) => (flavor === 'multi' ? 256 : 0);
  return {
    step: snap.step,
    clockMs: snap.clockUs / 1000,
    clockUs: snap.clockUs,
    seed: ctx.seed,
    reason: ctx.reason,
    focusTask: ctx.focusTask,
    runtimes: snap.runtimes.map(rt => ({
      id: rt.id, flavor: rt.flavor as FlavorName, workers: rt.config.workers, owner: rt.owner, globalQueue: rt.globalQueue,
      blockingQueue: rt.blockingQueue, blockingThreadsCap: rt.config.blockingThreads, closed: rt.closed,
      blockOnTask: rt.blockOnTask, blockOnThread: rt.blockOnThread,
    })),
    tasks,
    workers: snap.workers.map(w => ({
      id: w.thread, runtime: w.runtime, index: w.index, current: w.current, localQueue: w.localQueue,
      localQueueCapacity: capacityOf(snap.runtimes.find(r => r.id === w.runtime)?.flavor ?? 'multi'),
      lifoSlot: w.lifoSlot, parked: w.parked, searching: w.searching,
      blockedUntilUs: w.blockedUntilMs !== undefined ? w.blockedUntilMs * 1000 : -1,
      pollCount: w.metrics.worker_poll_count, stealCount: w.metrics.worker_steal_count, stealOperations: w.metrics.worker_steal_operations,
      parkCount: w.metrics.worker_park_count, overflowCount: w.metrics.worker_overflow_count, busyUs: w.metrics.worker_total_busy_duration_us,
      noopCount: w.metrics.worker_noop_count, meanPollUs: w.metrics.worker_mean_poll_time_us, pollTimeHistogram: w.metrics.worker_poll_time_histogram,
    })),
    blockingThreads: snap.blockingThreads.map(b => ({
      id: b.thread, runtime: b.runtime, current: b.current, closed: b.closed, tasksRun: b.tasksRun, busyUs: b.busyUs,
    })),
    timers: snap.timers.pending.map(t => ({ id: t.id, deadlineMs: t.deadlineMs, owner: t.owner, purpose: t.purpose, level: t.level, slot: t.slot })),
    wheelElapsedMs: snap.timers.elapsedMs,
    outputLines: ctx.outputLines,
    channels: snap.channels.map(c => ({
      id: c.id, capacity: Number.isFinite(c.capacity) ? c.capacity : null, length: c.length, closed: c.closed,
      waitingSenders: c.waitingSenders, waitingReceivers: c.waitingReceivers,
    })),
    lints: snap.lints.map(l => ({ kind: l.kind, task: l.task, name: l.name, message: l.message })),
    waitReports: snap.waitReports.map(r => ({ kind: r.kind, tasks: r.tasks, message: r.message, atUs: r.us })),
  };
}

/** How many polls the recorder keeps (the oldest are dropped past it); transitions are kept up to 4 times that. */
export const MAX_RECORDED_POLLS = 100_000;

/**
 * An append-only list that forks in O(1): a fork shares the items, and whichever copy appends after the other
 * did copies its part first. Checkpoints keep a fork of the recording without copying it.
 */
export class ForkLog<T> {
  constructor(private items: T[] = [], private end = 0, private start = 0) {}

  get length(): number {
    return this.end - this.start;
  }

  push(x: T): void {
    if (this.items.length !== this.end) this.items = this.items.slice(0, this.end);
    this.items.push(x);
    this.end++;
  }

  /** Forgets the oldest `n` items (the array is compacted now and then, never written in place). */
  dropOldest(n: number): void {
    this.start = Math.min(this.end, this.start + n);
    if (this.start > 4096 && this.start * 2 > this.end) {
      this.items = this.items.slice(this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
  }

  fork(): ForkLog<T> {
    return new ForkLog(this.items, this.end, this.start);
  }

  toArray(): T[] {
    return this.items.slice(this.start, this.end);
  }
}

/** Where a ready task waits: the LIFO slot or local queue of a worker, the global queue, or the blocking pool's. */
export type Locate = (task: number) => { readonly queue: QueueName; readonly thread: number } | undefined;

/** Reads a task's place in the machine's queues (what `aria/runtimeState` shows as the queues' contents). */
export function locateIn(machine: Machine): Locate {
  return task => {
    const s = machine.state;
    const t = s.tasks[task];
    if (!t) return undefined;
    const rt = s.runtimes[t.runtime];
    if (!rt) return undefined;
    for (const id of rt.workers) {
      const w = s.threads[id];
      if (!w || w.kind !== 'worker') continue;
      if (w.lifo === task) return { queue: 'lifo', thread: id };
      if (w.queue.includes(task)) return { queue: 'local', thread: id };
      if (w.deferred.includes(task)) return { queue: 'deferred', thread: id };
    }
    if (task === rt.blockOnTask && rt.blockOnThread >= 0) return { queue: 'block-on', thread: rt.blockOnThread };
    if (rt.inject.includes(task)) return { queue: 'global', thread: -1 };
    if (rt.blockingQueue.includes(task)) return { queue: 'blocking', thread: -1 };
    return undefined;
  };
}

interface Transition {
  task: number;
  atUs: number;
  state: SpanState;
  thread: number;
  queue?: QueueName;
  detail?: string;
  by?: number;
  on?: readonly number[];
}

/**
 * Listens to the runtime's event stream and keeps what the timeline draws: each poll (task, thread, start,
 * end), each spawn (parent, child, time, the parent's thread), each task's spawn and end instants, and each
 * task's state transitions: ready (queued where, woken by whom), running (on which thread), blocked (on what),
 * sleeping, and its end. A ready task's queue is read from the machine (`locate`) at the event after the one that
 * made it ready, when the scheduler has placed it; a steal, an overflow or a newer task in its LIFO slot moves it.
 * Plain data, so a checkpoint restore can reset it to a copy.
 */
export class TimelineRecorder {
  private pollLog = new ForkLog<TimelinePoll>();
  private spawnLog = new ForkLog<TimelineSpawn>();
  private transitionLog = new ForkLog<Transition>();
  truncated = false;
  private open = new Map<number, { task: number; startUs: number; startStep: number }>();
  private running = new Map<number, number>(); // task -> thread
  private spawned = new Map<number, number>();
  private ended = new Map<number, number>();
  private names = new Map<number, string>();
  private cursor = new Map<number, number>(); // thread -> end of its last poll
  private lastEnd = new Map<number, number>(); // task -> end of its last poll
  /** Per task: its last transition (the state it is in, since when). */
  private last = new Map<number, Transition>();
  /** The wait a task blocked on during its poll, applied when the poll ends pending. */
  private waits = new Map<number, WaitReason>();
  /** Ready transitions whose queue is read at the next event. */
  private unplaced: Transition[] = [];
  /** Per task, how far its open poll was moved later on its lane (its end moves as much). */
  private shift = new Map<number, number>();
  /** The latest moment recorded: a run that ended mid-round ends after the clock's round start. */
  private latestUs = 0;
  /** Workers whose queues changed without telling which tasks moved (steal, overflow): re-read at the next event. */
  private shaken = new Set<number>();

  constructor(private readonly limit = MAX_RECORDED_POLLS, private readonly statementUs = 1, private readonly locate?: Locate) {}

  get polls(): readonly TimelinePoll[] {
    return this.pollLog.toArray();
  }

  get spawns(): readonly TimelineSpawn[] {
    return this.spawnLog.toArray();
  }

  spawnOf(task: number): number | undefined {
    return this.spawned.get(task);
  }

  endOf(task: number): number | undefined {
    return this.ended.get(task);
  }

  /**
   * Appends a transition of a task, never earlier than its last one; the same state twice is one span. Each thread
   * runs its own turn of a round on its own clock, so a moment read on another thread's clock (a wake, a steal, the
   * next poll) can be earlier than the task's last transition: the task's lane then moves it to that transition,
   * and a poll moved so keeps its length (see `shift`).
   */
  private transition(task: number, atUs: number, state: SpanState, more: Partial<Transition> = {}, exact = false): Transition | undefined {
    const prev = this.last.get(task);
    if (prev && (prev.state === 'completed' || prev.state === 'failed' || prev.state === 'cancelled')) return undefined;
    const at = Math.max(atUs, prev?.atUs ?? 0);
    if (exact && state === 'running') this.shift.set(task, at - atUs);
    this.latestUs = Math.max(this.latestUs, at);
    const t: Transition = { task, atUs: at, state, thread: -1, ...more };
    if (prev && prev.state === state && prev.thread === t.thread && prev.queue === t.queue && prev.detail === t.detail) return prev;
    this.transitionLog.push(t);
    if (this.transitionLog.length > this.limit * 4) {
      this.transitionLog.dropOldest(this.transitionLog.length - this.limit * 4);
      this.truncated = true;
    }
    this.last.set(task, t);
    return t;
  }

  /** A task became ready at `atUs`: its queue is read once the scheduler has placed it. */
  private becameReady(task: number, atUs: number, by: number, detail?: string, exact = false): void {
    const t = this.transition(task, atUs, 'ready', { by, ...(detail ? { detail } : {}) }, exact);
    if (t && t.state === 'ready' && t.queue === undefined && this.locate) this.unplaced.push(t);
  }

  /** Reads the queues of the tasks made ready since the last event, and of the ready tasks a steal may have moved. */
  private place(atUs: number): void {
    const locate = this.locate;
    if (!locate) return;
    for (const t of this.unplaced) {
      if (this.last.get(t.task) !== t) continue; // it ran already
      const where = locate(t.task);
      if (where) {
        t.queue = where.queue;
        t.thread = where.thread;
        // a task that takes a LIFO slot pushes the one there to the local queue
        if (where.queue === 'lifo') this.shaken.add(where.thread);
      }
    }
    this.unplaced = [];
    if (this.shaken.size === 0) return;
    for (const [task, t] of this.last) {
      if (t.state !== 'ready' || t.thread < 0 || !this.shaken.has(t.thread)) continue;
      const where = locate(task);
      if (!where || (where.queue === t.queue && where.thread === t.thread)) continue;
      const moved = where.thread !== t.thread ? (where.thread >= 0 ? 'stolen' : 'overflowed to the global queue')
        : t.queue === 'deferred' ? 'its deferred yield woken' : 'pushed out of the LIFO slot';
      this.transition(task, atUs, 'ready', { queue: where.queue, thread: where.thread, detail: moved, ...(t.by !== undefined ? { by: t.by } : {}) });
    }
    this.shaken.clear();
  }

  readonly onEvent = (e: RuntimeEvent): void => {
    if (e.kind === 'counters' || e.kind === 'poll-gap') return;
    if (this.unplaced.length > 0 || this.shaken.size > 0) this.place(e.us);
    switch (e.kind) {
      case 'spawn': {
        this.spawned.set(e.task, e.us);
        this.names.set(e.task, e.name);
        let at = e.us;
        if (e.parent > 0) {
          // within the spawner's poll: its start plus the statements it ran since
          const thread = this.running.get(e.parent) ?? -1;
          const o = this.open.get(thread);
          at = o && o.task === e.parent ? Math.max(e.us, o.startUs + Math.max(0, e.step - o.startStep) * this.statementUs) : e.us;
          this.spawnLog.push({ parent: e.parent, child: e.task, atUs: at, thread });
        }
        this.becameReady(e.task, at, e.parent, 'spawned');
        break;
      }
      case 'poll-start': {
        const start = Math.max(e.us, this.cursor.get(e.thread) ?? 0);
        this.open.set(e.thread, { task: e.task, startUs: start, startStep: e.step });
        this.running.set(e.task, e.thread);
        this.waits.delete(e.task);
        this.transition(e.task, start, 'running', { thread: e.thread }, true);
        this.latestUs = Math.max(this.latestUs, start);
        break;
      }
      case 'poll-end': {
        const o = this.open.get(e.thread);
        this.open.delete(e.thread);
        this.running.delete(e.task);
        const start = o?.startUs ?? e.us;
        // `statements` is what this poll ran (the machine counts per poll, not a running total)
        const end = Math.max(e.us, start + e.statements * this.statementUs);
        this.cursor.set(e.thread, end);
        this.lastEnd.set(e.task, end);
        this.latestUs = Math.max(this.latestUs, end);
        // a task that finished in this poll ends where the poll ends
        if (this.ended.has(e.task)) this.ended.set(e.task, end);
        this.pollLog.push({ task: e.task, thread: e.thread, startUs: start, endUs: end, outcome: e.outcome });
        if (this.pollLog.length > this.limit) {
          this.pollLog.dropOldest(this.pollLog.length - this.limit);
          this.truncated = true;
        }
        this.afterPoll(e.task, end + (this.shift.get(e.task) ?? 0), e.outcome);
        this.shift.delete(e.task);
        break;
      }
      case 'block':
        this.waits.set(e.task, e.on);
        // a task blocked outside a poll (a blocking-pool task) blocks at once
        if (!this.running.has(e.task)) this.blockNow(e.task, e.us);
        break;
      case 'wake': {
        const cur = this.last.get(e.task);
        // woken while its own poll is still open: it becomes ready when that poll ends
        if (this.running.has(e.task) && cur?.state === 'running') {
          this.waits.delete(e.task);
          break;
        }
        this.becameReady(e.task, e.us, e.by, e.by > 0 ? `woken by #${e.by}` : 'woken');
        break;
      }
      case 'steal':
        this.shaken.add(e.victim);
        this.shaken.add(e.thread);
        break;
      case 'overflow':
        this.shaken.add(e.thread);
        break;
      case 'complete':
      case 'fail':
      case 'cancel': {
        const at = Math.max(e.us, this.lastEnd.get(e.task) ?? 0);
        if (!this.ended.has(e.task)) this.ended.set(e.task, at);
        if (!this.running.has(e.task)) this.finish(e);
        else this.endings.set(e.task, e);
        break;
      }
      default:
        break;
    }
  };

  /** How a task ended, kept until its poll ends (it ends where its last poll ends). */
  private endings = new Map<number, Extract<RuntimeEvent, { kind: 'complete' | 'fail' | 'cancel' }>>();

  private finish(e: Extract<RuntimeEvent, { kind: 'complete' | 'fail' | 'cancel' }>, atUs?: number): void {
    const exact = atUs !== undefined;
    const at = atUs ?? Math.max(e.us, this.lastEnd.get(e.task) ?? 0);
    if (e.kind === 'complete') this.transition(e.task, at, 'completed', {}, exact);
    else if (e.kind === 'fail') this.transition(e.task, at, 'failed', { detail: e.failure.message }, exact);
    else this.transition(e.task, at, 'cancelled', { detail: e.reason }, exact);
  }

  private blockNow(task: number, atUs: number, exact = false): void {
    const w = this.waits.get(task);
    this.waits.delete(task);
    if (!w) {
      this.transition(task, atUs, 'blocked', { detail: 'waiting' }, exact);
      return;
    }
    const on = waitTasks(w);
    this.transition(task, atUs, w.kind === 'sleep' ? 'sleeping' : 'blocked', { detail: describeWait(w), ...(on ? { on } : {}) }, exact);
  }

  private afterPoll(task: number, end: number, outcome: string): void {
    const ending = this.endings.get(task);
    if (ending) {
      this.endings.delete(task);
      this.finish(ending, end);
      return;
    }
    switch (outcome) {
      case 'pending':
        if (this.waits.has(task)) this.blockNow(task, end, true);
        else if (this.last.get(task)?.state === 'running') this.becameReady(task, end, 0, 'woken during its poll', true);
        break;
      case 'yield':
        this.becameReady(task, end, task, 'yielded', true);
        break;
      case 'preempted':
        this.becameReady(task, end, task, 'its budget ran out', true);
        break;
      case 'moved':
        this.becameReady(task, end, task, 'moved to another runtime', true);
        break;
      default:
        break;
    }
  }

  /** The `aria/timeline` body at `nowUs`; polls still open are drawn up to now. */
  body(clockUs: number, threads: readonly TimelineThread[], tasks: TimelineBody['tasks']): TimelineBody {
    // the clock moves at a round's end: a stop (or the end) within a round is later than the round's start
    const nowUs = Math.max(clockUs, this.latestUs);
    if (this.unplaced.length > 0 || this.shaken.size > 0) this.place(nowUs);
    const open: TimelinePoll[] = [...this.open].map(([thread, o]) => ({ task: o.task, thread, startUs: o.startUs, endUs: Math.max(nowUs, o.startUs), outcome: 'open' }));
    const transitions: TimelineTransition[] = this.transitionLog.toArray().map(t => ({ ...t, atUs: Math.min(t.atUs, nowUs) }));
    return { nowUs, threads, tasks, polls: [...this.pollLog.toArray(), ...open], spawns: this.spawnLog.toArray(), transitions, truncated: this.truncated };
  }

  /** A copy of the recording (what a checkpoint keeps): the logs are forked, the per-task maps copied. */
  clone(): TimelineRecorder {
    // a copy must not share a transition that is still to be placed
    if (this.unplaced.length > 0 || this.shaken.size > 0) this.place(this.lastAt());
    const r = new TimelineRecorder(this.limit, this.statementUs, this.locate);
    r.pollLog = this.pollLog.fork();
    r.spawnLog = this.spawnLog.fork();
    r.transitionLog = this.transitionLog.fork();
    r.truncated = this.truncated;
    r.open = new Map(this.open);
    r.running = new Map(this.running);
    r.spawned = new Map(this.spawned);
    r.ended = new Map(this.ended);
    r.names = new Map(this.names);
    r.cursor = new Map(this.cursor);
    r.lastEnd = new Map(this.lastEnd);
    r.last = new Map(this.last);
    r.waits = new Map(this.waits);
    r.endings = new Map(this.endings);
    r.latestUs = this.latestUs;
    r.shift = new Map(this.shift);
    return r;
  }

  private lastAt(): number {
    let at = 0;
    for (const t of this.last.values()) at = Math.max(at, t.atUs);
    return at;
  }
}
