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

/**
 * How many polls the recorder keeps (the oldest are dropped past it), and spawns; transitions are kept up to 4 times
 * that. The copies the checkpoints keep share these logs: all of them together hold no more (see `ForkLog`).
 */
export const MAX_RECORDED_POLLS = 100_000;

/** Items of a recording per chunk (`ForkLog`), and tasks per chunk of a per-task table (`ForkArray`). */
const LOG_CHUNK = 4096;
const TABLE_CHUNK = 256;

/** The items of a log and of all its forks, by absolute index; those below `floor` are let go by every fork. */
class LogStore<T> {
  chunks: (T[] | undefined)[] = [];
  length = 0;
  floor = 0;
  /** Chunks below this index are let go. */
  released = 0;
}

/**
 * An append-only list that forks in O(1): a fork is a length over the same chunks. Forks are a line, as the
 * checkpoints of a run are: a fork that appends after a longer one did (the run went back to it) takes the store back
 * to its own length first, and the later items go. Dropping the oldest items drops them for every fork: a checkpoint's
 * recording keeps only what the latest one keeps, so all of them together hold at most the limit of the live one.
 */
export class ForkLog<T> {
  constructor(private store = new LogStore<T>(), private end = 0) {}

  get length(): number {
    return this.end - Math.min(this.end, this.store.floor);
  }

  push(x: T): void {
    const s = this.store;
    if (s.length !== this.end) {
      // the run went back to this fork: what was recorded after it belongs to a future that is gone
      for (let c = Math.ceil(this.end / LOG_CHUNK); c < s.chunks.length; c++) s.chunks[c] = undefined;
      s.length = this.end;
      if (s.floor > this.end) s.floor = this.end;
    }
    const c = Math.floor(this.end / LOG_CHUNK);
    const chunk = s.chunks[c] ?? (s.chunks[c] = []);
    chunk[this.end - c * LOG_CHUNK] = x;
    s.length = ++this.end;
  }

  /** Forgets the oldest `n` items, for this log and every fork of it (whole chunks are let go). */
  dropOldest(n: number): void {
    const s = this.store;
    s.floor = Math.min(this.end, s.floor + n);
    const below = Math.floor(s.floor / LOG_CHUNK);
    for (; s.released < below; s.released++) s.chunks[s.released] = undefined;
  }

  fork(): ForkLog<T> {
    return new ForkLog(this.store, this.end);
  }

  toArray(): T[] {
    const s = this.store;
    const out: T[] = [];
    for (let i = Math.min(this.end, s.floor); i < this.end; i++) out.push(s.chunks[Math.floor(i / LOG_CHUNK)]![i % LOG_CHUNK]!);
    return out;
  }

  /** Whether items of this log were dropped (the oldest, past the limit). */
  get dropped(): boolean {
    return Math.min(this.end, this.store.floor) > 0;
  }

  /** The store this log and its forks share, and the items it holds for all of them. */
  get shared(): { readonly store: object; readonly items: number } {
    let items = 0;
    for (const c of this.store.chunks) if (c) items += c.length;
    return { store: this.store, items };
  }
}

let tableOwners = 0;

/**
 * Values by task id that fork in O(tasks / 256): the table is chunks of 256 tasks, shared by the forks until one
 * writes a chunk, which then copies that chunk (copy-on-write). A checkpoint's copy of the recording costs the chunks
 * of the tasks that changed since the one before, most often one or two, not a copy per task ever spawned.
 */
export class ForkArray<T> {
  private owner = ++tableOwners;

  constructor(private chunks: ({ owner: number; items: (T | undefined)[] } | undefined)[] = []) {}

  get(task: number): T | undefined {
    return this.chunks[Math.floor(task / TABLE_CHUNK)]?.items[task % TABLE_CHUNK];
  }

  has(task: number): boolean {
    return this.get(task) !== undefined;
  }

  set(task: number, v: T): void {
    const i = Math.floor(task / TABLE_CHUNK);
    let c = this.chunks[i];
    if (!c) c = this.chunks[i] = { owner: this.owner, items: [] };
    else if (c.owner !== this.owner) c = this.chunks[i] = { owner: this.owner, items: c.items.slice() };
    c.items[task % TABLE_CHUNK] = v;
  }

  /** A copy that shares every chunk: both write their own copy of a chunk from now on. */
  fork(): ForkArray<T> {
    this.owner = ++tableOwners;
    return new ForkArray(this.chunks.slice());
  }

  /** Entries by increasing task id. */
  *entries(): IterableIterator<[number, T]> {
    for (let i = 0; i < this.chunks.length; i++) {
      const items = this.chunks[i]?.items;
      if (!items) continue;
      for (let j = 0; j < items.length; j++) {
        const v = items[j];
        if (v !== undefined) yield [i * TABLE_CHUNK + j, v];
      }
    }
  }

  /** The chunks of this table, to count what a set of forks holds (`TimelineRecorder.held`). */
  chunkItems(): readonly (readonly unknown[])[] {
    const out: (readonly unknown[])[] = [];
    for (const c of this.chunks) if (c) out.push(c.items);
    return out;
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
  private open = new Map<number, { task: number; startUs: number; startStep: number }>();
  private running = new Map<number, number>(); // task -> thread
  // per task (shared by the copies a checkpoint keeps, chunk by chunk: `ForkArray`)
  private spawned = new ForkArray<number>();
  private ended = new ForkArray<number>();
  private names = new ForkArray<string>();
  private cursor = new Map<number, number>(); // thread -> end of its last poll
  private lastEnd = new ForkArray<number>(); // task -> end of its last poll
  /** Per task: its last transition (the state it is in, since when). */
  private last = new ForkArray<Transition>();
  /** The tasks whose last transition is `ready` (what a steal or an overflow may have moved). */
  private ready = new Map<number, Transition>();
  /** The latest moment of any transition (each task's are in order, so the latest of `last`). */
  private lastTransitionUs = 0;
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

  /** Whether the oldest polls, transitions or spawns were dropped (past the limits). */
  get truncated(): boolean {
    return this.pollLog.dropped || this.transitionLog.dropped || this.spawnLog.dropped;
  }

  /**
   * What a set of recordings (the live one and the copies the checkpoints keep) holds together: log items (polls,
   * transitions, spawns; their stores are shared, so at most the limits of the live one) and per-task table slots
   * (chunks shared until written).
   */
  static held(recorders: Iterable<TimelineRecorder>): { readonly logItems: number; readonly tableSlots: number } {
    const stores = new Map<object, number>();
    const chunks = new Set<readonly unknown[]>();
    for (const r of recorders) {
      for (const log of [r.pollLog, r.transitionLog, r.spawnLog] as ForkLog<unknown>[]) stores.set(log.shared.store, log.shared.items);
      for (const table of [r.spawned, r.ended, r.names, r.lastEnd, r.last] as ForkArray<unknown>[]) for (const c of table.chunkItems()) chunks.add(c);
    }
    let logItems = 0;
    for (const n of stores.values()) logItems += n;
    let tableSlots = 0;
    for (const c of chunks) tableSlots += c.length;
    return { logItems, tableSlots };
  }

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
    }
    this.last.set(task, t);
    if (state === 'ready') this.ready.set(task, t);
    else this.ready.delete(task);
    if (at > this.lastTransitionUs) this.lastTransitionUs = at;
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
    // the ready tasks queued on a shaken worker, by id
    const candidates: [number, Transition][] = [];
    for (const [task, t] of this.ready) if (t.thread >= 0 && this.shaken.has(t.thread)) candidates.push([task, t]);
    candidates.sort((a, b) => a[0] - b[0]);
    for (const [task, t] of candidates) {
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
          if (this.spawnLog.length > this.limit) {
            this.spawnLog.dropOldest(this.spawnLog.length - this.limit);
                }
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

  /**
   * A copy of the recording (what a checkpoint keeps): the logs are forked and the per-task tables forked by chunk (both
   * shared, not copied), the per-thread and in-poll maps (small) copied.
   */
  clone(): TimelineRecorder {
    // a copy must not share a transition that is still to be placed
    if (this.unplaced.length > 0 || this.shaken.size > 0) this.place(this.lastTransitionUs);
    const r = new TimelineRecorder(this.limit, this.statementUs, this.locate);
    r.pollLog = this.pollLog.fork();
    r.spawnLog = this.spawnLog.fork();
    r.transitionLog = this.transitionLog.fork();
    r.open = new Map(this.open);
    r.running = new Map(this.running);
    r.spawned = this.spawned.fork();
    r.ended = this.ended.fork();
    r.names = this.names.fork();
    r.cursor = new Map(this.cursor);
    r.lastEnd = this.lastEnd.fork();
    r.last = this.last.fork();
    r.lastTransitionUs = this.lastTransitionUs;
    r.ready = new Map(this.ready);
    r.waits = new Map(this.waits);
    r.endings = new Map(this.endings);
    r.latestUs = this.latestUs;
    r.shift = new Map(this.shift);
    return r;
  }
}
