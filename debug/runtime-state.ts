// Maps the runtime's snapshots onto the custom protocol's `aria/runtimeState` body, and records polls and spawns for the timeline.
import type { MachineSnapshot, RuntimeEvent, TaskSnapshot, WaitReason } from '../runtime/index.js';
import type {
  FlavorName, RuntimeStateBody, SourcePoint, TaskRow, TimelineBody, TimelinePoll, TimelineSpawn, TimelineThread,
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
    })),
    tasks,
    workers: snap.workers.map(w => ({
      id: w.thread, runtime: w.runtime, index: w.index, current: w.current, localQueue: w.localQueue,
      localQueueCapacity: capacityOf(snap.runtimes.find(r => r.id === w.runtime)?.flavor ?? 'multi'),
      lifoSlot: w.lifoSlot, parked: w.parked, searching: w.searching,
      blockedUntilUs: w.blockedUntilMs !== undefined ? w.blockedUntilMs * 1000 : -1,
      pollCount: w.metrics.worker_poll_count, stealCount: w.metrics.worker_steal_count, stealOperations: w.metrics.worker_steal_operations,
      parkCount: w.metrics.worker_park_count, overflowCount: w.metrics.worker_overflow_count, busyUs: w.metrics.worker_total_busy_duration_us,
    })),
    blockingThreads: snap.blockingThreads.map(b => ({
      id: b.thread, runtime: b.runtime, current: b.current, closed: b.closed, tasksRun: b.tasksRun, busyUs: b.busyUs,
    })),
    timers: snap.timers.pending.map(t => ({ id: t.id, deadlineMs: t.deadlineMs, owner: t.owner, purpose: t.purpose, level: t.level, slot: t.slot })),
    wheelElapsedMs: snap.timers.elapsedMs,
    outputLines: ctx.outputLines,
  };
}

/** How many polls the recorder keeps (the oldest are dropped past it). */
export const MAX_RECORDED_POLLS = 20_000;

/**
 * Listens to the runtime's event stream and keeps what the timeline draws: each poll (task, thread, start,
 * end), each spawn (parent, child, time, the parent's thread) and each task's spawn and end instants.
 * Plain data, so a checkpoint restore can reset it to a copy.
 */
export class TimelineRecorder {
  polls: TimelinePoll[] = [];
  spawns: TimelineSpawn[] = [];
  truncated = false;
  private open = new Map<number, { task: number; startUs: number; startStep: number }>();
  private running = new Map<number, number>(); // task -> thread
  private spawned = new Map<number, number>();
  private ended = new Map<number, number>();
  private names = new Map<number, string>();
  private cursor = new Map<number, number>(); // thread -> end of its last poll
  private lastEnd = new Map<number, number>(); // task -> end of its last poll

  constructor(private readonly limit = MAX_RECORDED_POLLS, private readonly statementUs = 1) {}

  spawnOf(task: number): number | undefined {
    return this.spawned.get(task);
  }

  endOf(task: number): number | undefined {
    return this.ended.get(task);
  }

  readonly onEvent = (e: RuntimeEvent): void => {
    switch (e.kind) {
      case 'spawn': {
        this.spawned.set(e.task, e.us);
        this.names.set(e.task, e.name);
        if (e.parent > 0) {
          // within the spawner's poll: its start plus the statements it ran since (the clock moves per round)
          const thread = this.running.get(e.parent) ?? -1;
          const o = this.open.get(thread);
          const at = o && o.task === e.parent ? o.startUs + Math.max(0, e.step - o.startStep) * this.statementUs : e.us;
          this.spawns.push({ parent: e.parent, child: e.task, atUs: at, thread });
        }
        break;
      }
      case 'poll-start':
        // Threads take turns within a round and the clock moves only at the round's end, so polls on one
        // thread in one round share a timestamp: lay them end to end with the thread's cursor.
        this.open.set(e.thread, { task: e.task, startUs: Math.max(e.us, this.cursor.get(e.thread) ?? 0), startStep: e.step });
        this.running.set(e.task, e.thread);
        break;
      case 'poll-end': {
        const o = this.open.get(e.thread);
        this.open.delete(e.thread);
        this.running.delete(e.task);
        const start = o?.startUs ?? e.us;
        // `statements` is what this poll ran (the machine counts per poll, not a running total)
        const end = Math.max(e.us, start + e.statements * this.statementUs);
        this.cursor.set(e.thread, end);
        this.lastEnd.set(e.task, end);
        // a task that finished in this poll ends where the poll ends
        if (this.ended.has(e.task)) this.ended.set(e.task, end);
        this.polls.push({ task: e.task, thread: e.thread, startUs: start, endUs: end, outcome: e.outcome });
        if (this.polls.length > this.limit) {
          this.polls.splice(0, this.polls.length - this.limit);
          this.truncated = true;
        }
        break;
      }
      case 'complete':
      case 'fail':
      case 'cancel':
        if (!this.ended.has(e.task)) this.ended.set(e.task, Math.max(e.us, this.lastEnd.get(e.task) ?? 0));
        break;
      default:
        break;
    }
  };

  /** The `aria/timeline` body at `nowUs`; polls still open are drawn up to now. */
  body(nowUs: number, threads: readonly TimelineThread[], tasks: TimelineBody['tasks']): TimelineBody {
    const open: TimelinePoll[] = [...this.open].map(([thread, o]) => ({ task: o.task, thread, startUs: o.startUs, endUs: Math.max(nowUs, o.startUs), outcome: 'open' }));
    return { nowUs, threads, tasks, polls: [...this.polls, ...open], spawns: [...this.spawns], truncated: this.truncated };
  }

  /** A copy of the recording (what a checkpoint keeps). */
  clone(): TimelineRecorder {
    const r = new TimelineRecorder(this.limit, this.statementUs);
    r.polls = [...this.polls];
    r.spawns = [...this.spawns];
    r.truncated = this.truncated;
    r.open = new Map(this.open);
    r.running = new Map(this.running);
    r.spawned = new Map(this.spawned);
    r.ended = new Map(this.ended);
    r.names = new Map(this.names);
    r.cursor = new Map(this.cursor);
    r.lastEnd = new Map(this.lastEnd);
    return r;
  }
}
