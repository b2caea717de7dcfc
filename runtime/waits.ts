// The wait-for graph: which blocked tasks can never go on (a wait nothing can complete), and the cycles among them.
import { FnProto } from './bytecode.js';
import type { WaitReport } from './events.js';
import type { MachineState, TimerPayload } from './machine-core.js';

export type { WaitReport };
import { describeWait, type Task, type WaitReason } from './task.js';
import { Cell, ChannelVal, Closure, HandlerVal, StructType, StructVal, TaskVal, TokenVal, type Value } from './values.js';

/** Objects the reachability walk may visit in one analysis; past it the analysis gives up (reports nothing). */
export const WALK_BUDGET = 500_000;

/** What the analysis found: tasks blocked forever, and a cycle among them when there is one. */
export interface WaitAnalysis {
  /** Blocked tasks no task that can run will ever release, by id. */
  readonly dead: readonly number[];
  /** Tasks in a wait-for cycle, in wait order (each waits on the next, the last on the first); empty when none. */
  readonly cycle: readonly number[];
  /** Per task of the cycle, what it waits on and who holds it (`a value from channel #0 (held by task #4 relay, ...)`). */
  readonly cycleText: readonly string[];
  /** False when the walk ran out of budget (nothing is then claimed). */
  readonly complete: boolean;
}

/** A wait that a timer or the outside world ends by itself: the task is not stuck on another task. */
function endsByItself(w: WaitReason): boolean {
  switch (w.kind) {
    case 'sleep': case 'timeout': case 'accept': case 'read': case 'runtime': return true;
    case 'join': case 'join-any': case 'scope': case 'send': case 'recv': return false;
    default: {
      const never: never = w;
      return Boolean(never);
    }
  }
}

/**
 * Walks the values a task can reach (its frames, operand stack, closures, handlers, and what those hold) and records
 * the channels it finds. Conservative: a task that can reach a channel may send on it, receive from it or close it.
 */
class Reach {
  readonly channels = new Set<number>();
  private readonly seen = new Set<object>();
  visited = 0;
  /** Channels still to find: when `wanted` is given and all are found, the walk stops (nothing more to learn). */
  private missing: number;

  constructor(private readonly s: MachineState, private readonly wanted?: ReadonlySet<number>) {
    this.missing = wanted ? wanted.size : Infinity;
  }

  get exhausted(): boolean {
    return this.visited > WALK_BUDGET;
  }

  task(t: Task): void {
    const work: unknown[] = [];
    for (const f of t.frames) work.push(f.closure, f.handlers);
    // Only the live part of the operand stack: slots above `sp` hold what returned frames left behind.
    for (let i = 0; i < t.sp; i++) work.push(t.stack[i]);
    this.walk(work);
  }

  values(vs: readonly unknown[]): void {
    this.walk([...vs]);
  }

  private walk(work: unknown[]): void {
    while (work.length > 0 && this.missing > 0) {
      const v = work.pop();
      if (typeof v !== 'object' || v === null) continue;
      if (this.seen.has(v)) continue;
      this.seen.add(v);
      if (++this.visited > WALK_BUDGET) return;
      if (Array.isArray(v)) {
        for (const x of v) work.push(x);
      } else if (v instanceof ChannelVal) {
        if (!this.channels.has(v.id)) {
          this.channels.add(v.id);
          if (this.wanted?.has(v.id)) this.missing--;
        }
        for (const x of v.buffer) work.push(x);
        for (const x of v.senders) work.push(x.value);
      } else if (v instanceof TaskVal) {
        // A finished task's result can be taken by whoever holds its handle.
        const t = this.s.tasks[v.id];
        if (t && t.done) work.push(t.result);
      } else if (v instanceof StructVal) {
        for (const x of v.values) work.push(x);
      } else if (v instanceof Cell) {
        work.push(v.v);
      } else if (v instanceof Closure) {
        for (const c of v.ups) work.push(c);
      } else if (v instanceof HandlerVal) {
        for (const c of v.ops.values()) work.push(c);
      } else if (v instanceof FnProto || v instanceof StructType || v instanceof TokenVal) {
        continue;
      } else if (v instanceof Map || v instanceof Set) {
        for (const x of v.values()) work.push(x);
      } else if ('payload' in v && 'deadline' in v) {
        continue; // a timer entry (a with-record's): it links into the wheel
      } else {
        // Handler nodes, frames' with-records, anything else: their fields.
        for (const x of Object.values(v)) work.push(x);
      }
    }
  }
}

/** Finds the blocked tasks that can never go on, and a cycle of waits among them. */
export function analyzeWaits(s: MachineState, globals: readonly Value[]): WaitAnalysis {
  const alive = new Set<number>();
  const candidates: Task[] = [];
  // A task inside a `Cancel.timeout` block whose deadline is pending is woken by that timer.
  const woken = new Set<number>();
  for (const e of s.wheel.entries()) {
    const p = e.payload as TimerPayload;
    if (typeof p === 'number') woken.add(p);
    else if (p.kind === 'cancel-token') woken.add(p.owner);
    else if (p.kind === 'timeout' || p.kind === 'thread-wake') woken.add(p.task);
  }
  for (const t of s.tasks) {
    if (!t || t.done) continue;
    if (t.state !== 'blocked' || !t.wait || endsByItself(t.wait) || woken.has(t.id)) alive.add(t.id);
    else candidates.push(t);
  }
  if (candidates.length === 0) return { dead: [], cycle: [], cycleText: [], complete: true };
  const wanted = new Set<number>();
  for (const t of candidates) if (t.wait!.kind === 'send' || t.wait!.kind === 'recv') wanted.add(t.wait!.channel);
  const reach = new Reach(s, wanted);
  reach.values(globals);
  for (const id of alive) reach.task(s.tasks[id]!);
  const released = (t: Task): boolean => {
    const w = t.wait!;
    const ended = (id: number) => alive.has(id) || !!s.tasks[id]?.done;
    switch (w.kind) {
      case 'join': return ended(w.task);
      case 'join-any': return w.tasks.some(ended);
      // A scope's owner goes on when its children end; one that can still run may fail, which cancels the rest.
      case 'scope': return (s.scopes[w.scope]?.live ?? w.live).some(ended) || (s.scopes[w.scope]?.live.length ?? 0) === 0;
      case 'send': case 'recv': return reach.channels.has(w.channel) || !!s.channels[w.channel]?.closed;
      default: return true;
    }
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const t of candidates) {
      if (alive.has(t.id) || !released(t)) continue;
      alive.add(t.id);
      reach.task(t);
      changed = true;
    }
    if (reach.exhausted) return { dead: [], cycle: [], cycleText: [], complete: false };
  }
  const dead = candidates.filter(t => !alive.has(t.id));
  if (dead.length === 0) return { dead: [], cycle: [], cycleText: [], complete: true };
  const { cycle, text } = findCycle(s, dead);
  return { dead: dead.map(t => t.id), cycle, cycleText: text, complete: true };
}

/** The edges of the wait-for graph among dead tasks: a task waits on a task, or on a channel other dead tasks hold. */
function findCycle(s: MachineState, dead: readonly Task[]): { cycle: number[]; text: string[] } {
  const isDead = new Set(dead.map(t => t.id));
  const holders = new Map<number, number[]>(); // channel -> dead tasks that reach it
  const reachOf = (t: Task) => {
    const r = new Reach(s);
    r.task(t);
    return r.channels;
  };
  for (const t of dead) for (const ch of reachOf(t)) (holders.get(ch) ?? holders.set(ch, []).get(ch)!).push(t.id);
  const channelWait = (id: number) => {
    const k = s.tasks[id]!.wait!.kind;
    return k === 'send' || k === 'recv';
  };
  // Successors in a stable order; holders that themselves wait on a channel first (they are the ones that would act).
  const next = (t: Task): { to: number; via?: number }[] => {
    const w = t.wait!;
    switch (w.kind) {
      case 'join': return isDead.has(w.task) ? [{ to: w.task }] : [];
      case 'join-any': return w.tasks.filter(id => isDead.has(id)).map(to => ({ to }));
      case 'scope': return (s.scopes[w.scope]?.live ?? w.live).filter(id => isDead.has(id)).map(to => ({ to }));
      case 'send': case 'recv': {
        const hs = (holders.get(w.channel) ?? []).filter(id => id !== t.id);
        hs.sort((a, b) => Number(channelWait(b)) - Number(channelWait(a)) || a - b);
        return hs.map(to => ({ to, via: w.channel }));
      }
      default: return [];
    }
  };
  const order = [...dead].sort((a, b) => Number(channelWait(b.id)) - Number(channelWait(a.id)) || a.id - b.id);
  const done = new Set<number>();
  for (const start of order) {
    if (done.has(start.id)) continue;
    // Depth-first along successors; a successor on the current path closes a cycle.
    const path: { id: number; via?: number }[] = [];
    const onPath = new Map<number, number>();
    const visit = (id: number, via: number | undefined): number[] | undefined => {
      if (onPath.has(id)) return path.slice(onPath.get(id)!).map(p => p.id);
      if (done.has(id)) return undefined;
      onPath.set(id, path.length);
      path.push({ id, via });
      for (const e of next(s.tasks[id]!)) {
        const c = visit(e.to, e.via);
        if (c) return c;
      }
      path.pop();
      onPath.delete(id);
      done.add(id);
      return undefined;
    };
    const cycle = visit(start.id, undefined);
    if (cycle) {
      const text = cycle.map((id, i) => {
        const t = s.tasks[id]!;
        const to = s.tasks[cycle[(i + 1) % cycle.length]!]!;
        const w = t.wait!;
        const held = w.kind === 'send' || w.kind === 'recv' ? ` (held by task #${to.id} ${to.name}${(holders.get(w.channel)?.length ?? 0) > 2 ? ' and other blocked tasks' : ''}, and by no task that can run)` : '';
        const via = w.kind === 'scope' ? ` (its child task #${to.id}, ${to.name})` : w.kind === 'join-any' ? ` (task #${to.id} among them)` : '';
        return `${describeWait(w)}${via}${held}`;
      });
      return { cycle, text };
    }
  }
  return { cycle: [], text: [] };
}

/** `#2 a → #3 b → #2 a`: a cycle as a short line. */
export function cycleLine(s: MachineState, cycle: readonly number[]): string {
  const name = (id: number) => `#${id} ${s.tasks[id]?.name ?? ''}`.trim();
  return [...cycle, cycle[0]!].map(name).join(' → ');
}
