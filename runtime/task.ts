// Tasks as plain data: explicit frames, an operand stack, a state and what the task waits on.
import type { Span } from '../analysis/syntax/ast.js';
import { Op, type FnProto } from './bytecode.js';
import type { TimerEntry } from './timer-wheel.js';
import { Cell, TokenVal, type Closure, type HandlerVal, type Value } from './values.js';

export type TaskState = 'scheduled' | 'running' | 'blocked' | 'completed' | 'failed' | 'cancelled';

/** What a blocked task waits on (shown by snapshots and deadlock reports). */
export type WaitReason =
  | { readonly kind: 'sleep'; readonly until: number }
  | { readonly kind: 'join'; readonly task: number }
  | { readonly kind: 'join-any'; readonly tasks: readonly number[] }
  | { readonly kind: 'timeout'; readonly task: number; readonly until: number }
  | { readonly kind: 'send'; readonly channel: number }
  | { readonly kind: 'recv'; readonly channel: number }
  | { readonly kind: 'scope'; readonly scope: number; readonly live: readonly number[] }
  | { readonly kind: 'runtime'; readonly runtime: number; readonly action: 'enter' | 'leave' }
  | { readonly kind: 'accept' }
  | { readonly kind: 'read'; readonly conn: number };

/** A node of the handler chain: immutable, so frames and tasks share tails. */
export interface HandlerNode {
  readonly effect: string;
  /** A user handler; absent for `Cancel.timeout`, whose node only carries a token. */
  readonly handler: HandlerVal | null;
  readonly token: TokenVal | null;
  readonly next: HandlerNode | null;
}

export interface Frame {
  proto: FnProto;
  /** The next instruction (for a caller: just after its call). */
  pc: number;
  /** Stack index of local 0. */
  base: number;
  /** Where the result goes when this frame returns. */
  retSp: number;
  closure: Closure | null;
  handlers: HandlerNode | null;
}

/** One frame of an Aria stack: what a failure report and the debugger show. */
export interface AriaFrame {
  readonly fn: string;
  readonly module: string;
  readonly span: Span;
  /** One-based line and column. */
  readonly line: number;
  readonly column: number;
}

export type FailureKind =
  | 'panic'
  | 'assertion'
  | 'division-by-zero'
  | 'stack-overflow'
  | 'unhandled-operation'
  | 'no-match'
  | 'type-error'
  | 'index-out-of-range'
  | 'unknown-name'
  | 'arity'
  | 'cancelled'
  | 'task-failed'
  | 'channel-closed'
  | 'deadlock'
  | 'step-limit'
  /** The wall-clock limit of `aria run --timeout` was reached. */
  | 'timeout'
  /** A list, a string or the heap passed its limit (runtime/limits.ts). */
  | 'resource-limit'
  | 'unsupported';

/** A program failure: an Aria stack and source spans, never a JS stack. */
export interface Failure {
  readonly kind: FailureKind;
  readonly message: string;
  /** The task that failed (0 when the failure belongs to the whole run: a deadlock, the step limit). */
  readonly task: number;
  readonly taskName: string;
  /** Innermost frame first. */
  readonly stack: readonly AriaFrame[];
  /** Frames left out of `stack` between its innermost and outermost ones (a very deep stack). */
  readonly elidedFrames?: number;
  /** The failure of an awaited task or a scope child that this one propagates. */
  readonly cause?: Failure;
  /** For a deadlock: every blocked task and what it waits on. */
  readonly blocked?: readonly { readonly task: number; readonly name: string; readonly waitsOn: string; readonly at?: AriaFrame }[];
  /** For a deadlock: the tasks that wait on each other, in wait order (each on the next, the last on the first). */
  readonly cycle?: readonly number[];
}

export type TaskKind = 'main' | 'async' | 'blocking';

export class Task {
  state: TaskState = 'scheduled';
  wait: WaitReason | null = null;
  /** The timer a sleeping or timed wait holds, cancelled when the wait ends another way. */
  waitTimer: TimerEntry<unknown> | null = null;
  /** The thread the task runs or last ran on (-1: never). */
  thread = -1;
  frames: Frame[] = [];
  stack: Value[] = [];
  sp = 0;
  result: Value = undefined;
  failure: Failure | null = null;
  /** The frames and operand stack the task had when it failed or was cancelled, kept for a debugger (see `MachineOptions.keepEndFrames`). */
  endFrames: { readonly frames: Frame[]; readonly stack: Value[] } | null = null;
  /** Delivered on the next poll: a cancellation or the failure of what the task awaited. */
  pendingFailure: Failure | null = null;
  /** Tasks blocked until this one ends (join, race, timeout). */
  joiners: number[] | null = null;
  /** Cancellation was requested: the task stops at its next suspension point. */
  aborted = false;
  polls = 0;
  /** Virtual microseconds spent running (statements executed). */
  busyUs = 0;
  endUs = -1;
  /** Order in which tasks finished (what `race` compares), -1 while running. */
  endSeq = -1;
  /** The failure was seen by an awaiter or a scope (an unobserved failure is reported at the end). */
  observed = false;
  /** Steps (statements) the task has executed. */
  steps = 0;
  /** The virtual µs at which it last became ready (spawned, woken, yielded): no thread polls it earlier. */
  readyUs = 0;
  /** Virtual µs spent scheduled: from becoming ready to the poll that follows (tokio-console's Sched). */
  schedUs = 0;
  /** Times it was made ready again after a poll (a wake or a yield), and of those, by itself (`yield_now`, a spent budget). */
  wakes = 0;
  selfWakes = 0;
  /** The longest poll (virtual µs of statements). */
  maxPollUs = 0;
  /** Histograms of poll time and scheduled time: counts per bucket (`histogramBucket`), grown as needed. */
  pollHist: number[] | null = null;
  schedHist: number[] | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly kind: TaskKind,
    readonly parent: number,
    /** The runtime the task belongs to now (a task moves while it runs a `with` of a runtime handler). */
    public runtime: number,
    readonly scope: number,
    /** The token the task's own token hangs below (cancelling it reaches this task). */
    readonly tokenParent: TokenVal | null,
    /** Where it was spawned: the spawner's code and the offset of the spawning instruction (-1: the whole function). */
    readonly spawnProto: FnProto,
    readonly spawnPc: number,
    readonly spawnUs: number,
    readonly spawnStep: number,
  ) {}

  private ownToken: TokenVal | null = null;

  /** The task's cancellation token, made when first needed (most tasks never need one). */
  get token(): TokenVal {
    return (this.ownToken ??= new TokenVal(0, this.tokenParent));
  }

  get spawnModule(): string {
    return this.spawnProto.module;
  }

  get spawnSpan(): Span {
    return this.spawnPc < 0 ? this.spawnProto.span : this.spawnProto.spanAt(this.spawnPc);
  }

  get done(): boolean {
    return this.state === 'completed' || this.state === 'failed' || this.state === 'cancelled';
  }
}

/** Bucket 0 holds 0 µs, bucket i ≥ 1 holds [2^(i-1), 2^i) µs (log-scale, as tokio-metrics' histograms can be). */
export function histogramBucket(us: number): number {
  return us < 1 ? 0 : Math.min(40, Math.floor(Math.log2(us)) + 1);
}

/** Counts one sample in a histogram made by `histogramBucket` (created or grown as needed). */
export function record(hist: number[] | null, us: number): number[] {
  const b = histogramBucket(us);
  const h = hist ?? [];
  while (h.length <= b) h.push(0);
  h[b]!++;
  return h;
}

export function describeWait(w: WaitReason): string {
  switch (w.kind) {
    case 'sleep': return `sleep until ${w.until} ms`;
    case 'join': return `task #${w.task}`;
    case 'join-any': return `the first of tasks ${w.tasks.map(t => `#${t}`).join(', ')}`;
    case 'timeout': return `task #${w.task} (timeout at ${w.until} ms)`;
    case 'send': return `space in channel #${w.channel}`;
    case 'recv': return `a value from channel #${w.channel}`;
    case 'scope': return `scope #${w.scope} (children ${w.live.map(t => `#${t}`).join(', ')})`;
    case 'runtime': return w.action === 'enter' ? `runtime #${w.runtime} to start` : `runtime #${w.runtime} to shut down`;
    case 'accept': return 'a connection (accept)';
    case 'read': return `data on connection #${w.conn}`;
    default: {
      const never: never = w;
      return String(never);
    }
  }
}

/** Whether the task's top frame sits right before a statement (resuming it first re-checks that statement). */
export function isAtStatement(t: Task): boolean {
  const f = t.frames[t.frames.length - 1];
  return !!f && f.proto.code[f.pc] === Op.Stmt;
}

/**
 * The named locals of a frame that hold a value (its visible local slots, then captured variables), cells
 * opened; unassigned ones are left out, and of two bindings of one name the last one assigned wins.
 */
export function frameLocals(f: Frame, stack: readonly Value[]): { name: string; value: Value }[] {
  const out: { name: string; value: Value }[] = [];
  const seen = new Set<string>();
  f.proto.locals.forEach((info, slot) => {
    if (info.hidden || info.name.startsWith('%')) return;
    let v = stack[f.base + slot] as Value | Cell | null | undefined;
    if (v instanceof Cell) v = v.v;
    if (v === null) return;
    if (seen.has(info.name)) {
      // a shadowing binding later in the function
      const i = out.findIndex(o => o.name === info.name);
      out[i] = { name: info.name, value: v as Value };
      return;
    }
    seen.add(info.name);
    out.push({ name: info.name, value: v as Value });
  });
  if (f.closure) {
    f.closure.ups.forEach((cell, i) => {
      const name = f.proto.captures[i]?.name;
      if (!name || seen.has(name) || cell.v === null) return;
      seen.add(name);
      out.push({ name, value: cell.v as Value });
    });
  }
  return out;
}
