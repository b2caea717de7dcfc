// The deterministic simulation: runtimes, worker and blocking threads taking turns, timers, tasks and their waits.
import type { Span } from '../analysis/syntax/ast.js';
import { Op, type FnProto } from './bytecode.js';
import { deepCopy } from './deep-copy.js';
import { lineColumn, type Program } from './compiler.js';
import type { EventListener, Flavor, PollOutcome, RuntimeEvent, TimerPurpose } from './events.js';
import { AriaError, RETRY, SUSPEND, YIELDED, type NativeHost, type NativeResult } from './natives.js';
import { Prng } from './prng.js';
import {
  BLOCKING_KEEP_ALIVE_MS, BlockingThreadState, COOP_BUDGET, MAX_LIFO_POLLS_PER_TICK, RuntimeState, WorkerState,
  createWorkers, hasLocalWork, nextTask, park, pushBackOrOverflow, runtimeConfig, scheduleTask, stealWork,
  transitionFromSearching, unparkAll, type SchedulerContext, type ThreadState, type UnstampedEvent,
} from './scheduler.js';
import { Task, describeWait, type AriaFrame, type Failure, type FailureKind, type Frame, type HandlerNode, type WaitReason } from './task.js';
import { TimerWheel, type TimerEntry } from './timer-wheel.js';
import { execute, type VmHost } from './vm.js';
import {
  BuiltinFnVal, BuiltinHandlerVal, ChannelVal, Closure, ConnVal, HandlerVal, ScopeVal, StructVal, TaskVal, TokenVal,
  isCancelled, show, typeName, type Value,
} from './values.js';

/** The host side of I/O: injected, never reached for. */
export interface Host {
  /** Receives the program's output as it is printed. */
  write(text: string): void;
  /** A file for `read_file`; undefined means "not found" (the run then reads a deterministic placeholder). */
  readFile?(path: string): string | undefined;
  /**
   * The simulated listener's `index`-th connection: its request and how long after the previous `accept`
   * it arrives. Undefined ends the listener (later `accept` calls wait forever). Default: an endless
   * stream of `GET /<index>` requests, one per millisecond.
   */
  connection?(index: number): { readonly request: string; readonly delayMs?: number } | undefined;
  /** What the program wrote to a connection. */
  onConnectionWrite?(conn: number, data: string): void;
}

export interface MachineOptions {
  /** Workers of the program's runtime (default CPU.count = 4). */
  readonly workers?: number;
  readonly seed?: number | string;
  /** The flavour of the runtime the top level runs on (default multi). */
  readonly flavor?: Flavor;
  /** Stop the run with a failure after this many statements. */
  readonly stepLimit?: number;
  /** Statements a thread runs per turn before the next thread's turn (default 100). */
  readonly quantum?: number;
  /** Virtual microseconds one statement takes (default 1). */
  readonly statementUs?: number;
  /** Frames a task may nest before a stack overflow (default 10,000). */
  readonly maxDepth?: number;
  /**
   * How many of the tasks that failed or were cancelled last keep their frames and operand stack (`Task.endFrames`)
   * for a debugger to show their locals; default 0 (a finished task's memory is freed at once).
   */
  readonly keepEndFrames?: number;
}

/** Why `run` returned. */
export type StopReason =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly failure: Failure }
  | { readonly kind: 'steps' }
  | { readonly kind: 'stop'; readonly task: number; readonly stmt: number; readonly cause: 'breakpoint' | 'step' }
  | { readonly kind: 'stuck'; readonly task: number };

/** What the debugger asks the VM to stop at (checked at statement boundaries while armed). */
export interface StopCondition {
  /** Stop before a statement with a breakpoint (by statement id). */
  readonly breakpoints: ReadonlySet<number>;
  /** Stop before the next statement of this task (-1: any task), once `skip` statements of it have begun. */
  readonly task?: number;
  /** With `task`: only at a frame depth at most this (step over / out). */
  readonly maxDepth?: number;
  readonly skip?: number;
  /** Let this task pass a breakpoint at this statement once (resuming from it). */
  readonly resumeFrom?: { readonly task: number; readonly stmt: number };
}

/**
 * How one call of `run` may stop: passed in as a value for that call, never left in the machine. A debugger that
 * runs in slices passes, each slice, the condition `stopCondition` says stood when the last slice returned.
 */
export interface RunControl {
  /** Where to stop (none: only the end, a step limit or `maxSteps` stop the run). */
  readonly stop?: StopCondition | null;
  /**
   * A task id: only that task runs, the debugger holds the others. Timers still fire and the clock still moves;
   * when the task cannot go on alone, `run` returns `stuck`. Default -1: every task runs.
   */
  readonly hold?: number;
  /**
   * Asked after each event the listener receives while `stop` is set: a condition it returns replaces the one in
   * force for the rest of the run (a new task to stop in, a stepped task that ended, a failure to report).
   */
  readonly retarget?: (e: RuntimeEvent, current: StopCondition) => StopCondition | undefined;
}

/** A plain number: the task a `sleep` wakes (the most common timer, kept small). */
type TimerPayload =
  | number
  | { readonly kind: 'timeout'; readonly task: number; readonly child: number }
  | { readonly kind: 'cancel-token'; readonly token: TokenVal; readonly owner: number }
  | { readonly kind: 'thread-wake'; readonly thread: number; readonly task: number }
  | { readonly kind: 'connection'; readonly conn: ConnVal };

/** A `with` block's record, kept in a hidden local so leaving the block (or failing) can undo it. */
export type WithRecord =
  | { readonly kind: 'handler'; readonly prev: HandlerNode | null; open: boolean }
  | { readonly kind: 'cancel'; readonly prev: HandlerNode | null; readonly timer: TimerEntry<unknown>; open: boolean }
  | { readonly kind: 'scope'; readonly scope: ScopeVal; open: boolean }
  | { readonly kind: 'runtime'; readonly runtime: number; readonly prev: number; open: boolean };

interface RoundState {
  /** Threads taking turns this round, in the order the generator drew. */
  order: number[];
  index: number;
  /** Statements left in the current thread's turn. */
  turnLeft: number;
  /** Statements the current thread ran in this turn. */
  turnUsed: number;
  /** The most statements any thread ran this round: the virtual time the round takes. */
  maxUsed: number;
  started: boolean;
  /** Consecutive rounds in which nothing ran. */
  idle: number;
}

/** Everything that changes during a run. A checkpoint is a deep copy of it. */
export class MachineState {
  steps = 0;
  us = 0;
  readonly wheel = new TimerWheel<TimerPayload>();
  readonly tasks: (Task | undefined)[] = [undefined];
  readonly threads: ThreadState[] = [];
  readonly runtimes: RuntimeState[] = [];
  readonly round: RoundState = { order: [], index: 0, turnLeft: 0, turnUsed: 0, maxUsed: 0, started: false, idle: 0 };
  readonly channels: ChannelVal[] = [];
  readonly scopes: ScopeVal[] = [];
  nextToken = 1;
  finishSeq = 0;
  /** The simulated listener: connections that arrived and wait for `accept`, tasks waiting in `accept`. */
  readonly arrived: ConnVal[] = [];
  readonly acceptors: number[] = [];
  connectionsMade = 0;
  connectionPending = false;
  mainTask = 0;
  done = false;
  failure: Failure | null = null;
  /** Failed tasks whose failure nobody awaited. */
  readonly unobserved: number[] = [];
  /** Tasks that keep their frames after failing or being cancelled (`MachineOptions.keepEndFrames`), oldest first. */
  readonly keptEndFrames: number[] = [];
  outputChars = 0;
  /** Writes (prints and connection writes) and events so far: positions in the run's output and event streams. */
  outputs = 0;
  events = 0;
  /** The task that began the most recent statement. */
  lastTask = 0;
  /** The run was cut short (step limit, deadlock); the stop is final. */
  stopped: StopReason | null = null;
  constructor(readonly prng: Prng) {}
}

const NO_VALUE: unique symbol = Symbol('no value');

/** Frames a failure keeps (innermost and outermost) when the stack is deeper. */
const MAX_FAILURE_FRAMES = 64;
/** Of those, the outermost ones (the rest are the innermost). */
export const FAILURE_OUTER_FRAMES = 16;

export class Machine implements VmHost, SchedulerContext {
  s: MachineState;
  listener: EventListener | undefined;
  /**
   * How far output and events have got, over every state this machine has been in: after a restore, the
   * replayed run emits nothing it already emitted (a run is deterministic, so it is the same sequence).
   */
  readonly seen = { outputs: 0, events: 0 };
  /** The task the current run holds alone (`RunControl.hold`), or -1. */
  private hold = -1;
  /** The current run's stop condition (`RunControl.stop`); `stopArmed` tells the VM to check it at each statement. */
  private stop: StopCondition | null = null;
  private retarget: RunControl['retarget'] = undefined;
  /** The condition in force when the last run returned (a consumed `resumeFrom` and retargets applied). */
  private lastStop: StopCondition | null = null;
  private armed = false;
  private stopSkip = 0;
  private stopHit: StopReason | null = null;
  /**
   * Statements the VM has completed in its current run of statements and not yet added to `s.steps`: the VM sets it
   * at each statement, so that an event raised inside one (a spawn, a wake, an output) carries that statement's step.
   */
  inFlightSteps = 0;
  /** The thread running the current poll (its worker takes local wakes). */
  private cur: ThreadState | null = null;
  readonly maxDepth: number;
  readonly quantum: number;
  readonly statementUs: number;
  readonly stepLimit: number;
  get ok() { return this.program.ctors.ok; }
  get err() { return this.program.ctors.err; }
  get some() { return this.program.ctors.some; }
  get none() { return this.program.ctors.none; }

  constructor(readonly program: Program, readonly host: Host, readonly options: MachineOptions = {}) {
    this.maxDepth = options.maxDepth ?? 10_000;
    this.quantum = Math.max(1, options.quantum ?? 100);
    this.statementUs = options.statementUs ?? 1;
    this.stepLimit = options.stepLimit ?? Infinity;
    this.s = new MachineState(new Prng(options.seed ?? 0));
    const rt = this.newRuntime(runtimeConfig(options.flavor ?? 'multi', options.workers ?? 4), -1);
    const main = new Task(this.newTaskId(), 'main', 'main', 0, rt.id, -1, null, program.main, -1, 0, 0);
    main.frames.push({ proto: program.main, pc: 0, base: 0, retSp: 0, closure: null, handlers: null });
    for (let i = 0; i < program.main.locals.length; i++) main.stack.push(null as unknown as Value);
    main.sp = program.main.locals.length;
    this.s.tasks[main.id] = main;
    this.s.mainTask = main.id;
    rt.metrics.spawnedTasksCount++;
    this.event({ kind: 'spawn', task: main.id, name: main.name, parent: 0, runtime: rt.id, blocking: false, site: this.siteText(main.spawnModule, main.spawnSpan) });
    scheduleTask(this, rt, main.id, null, false);
  }

  // ------------------------------------------------------------ SchedulerContext

  get threads(): ThreadState[] {
    return this.s.threads;
  }

  get runtimes(): RuntimeState[] {
    return this.s.runtimes;
  }

  get prng(): Prng {
    return this.s.prng;
  }

  get emit(): ((e: UnstampedEvent) => void) | undefined {
    return this.emitNow;
  }

  /**
   * Every event is counted (the count is part of the state); one reaches the listener only the first time
   * the run gets there, so replaying after going back never repeats an event.
   */
  private readonly emitNow = (e: UnstampedEvent): void => {
    const n = this.s.events++;
    if (n < this.seen.events) return;
    this.seen.events = n + 1;
    if (!this.listener) return;
    const stamped = { ...e, step: this.s.steps + this.inFlightSteps, us: this.s.us } as RuntimeEvent;
    this.listener(stamped);
    if (this.retarget && this.stop) {
      const next = this.retarget(stamped, this.stop);
      if (next) this.stop = next;
    }
  };

  /**
   * The machine's state for readers (a debugger between runs): its fields cannot be assigned through this view.
   * It changes only by running; `snapshot()` gives a plain-data copy.
   */
  get state(): Readonly<MachineState> {
    return this.s;
  }

  /** True while the current run has a stop condition: the VM then asks `shouldStop` before each statement. */
  get stopArmed(): boolean {
    return this.armed;
  }

  /** The stop condition as it stood when the last `run` returned; pass it to the next slice of the same resume. */
  get stopCondition(): StopCondition | null {
    return this.lastStop;
  }

  private event(e: UnstampedEvent): void {
    this.emitNow(e);
  }

  // ------------------------------------------------------------ checkpoints

  /** A deep copy of the current state (see checkpoint.ts). */
  checkpoint(): MachineState {
    return deepCopy(this.s).copy;
  }

  /**
   * Returns to a copied state; the copy stays untouched, so it can be restored again. Output already written is
   * never written again; events already delivered are delivered again only with `redeliverEvents` (a timeline
   * rebuilt from this point must see the replay's events).
   */
  restore(state: MachineState, options: { readonly redeliverEvents?: boolean } = {}): void {
    this.s = deepCopy(state).copy;
    if (options.redeliverEvents) this.seen.events = this.s.events;
    this.stopHit = null;
    this.cur = null;
  }

  // ------------------------------------------------------------ running

  /**
   * Runs until the program ends, `maxSteps` more statements have begun, or the stop condition of `control` is
   * met. Deterministic: the same program, options and seed give the same run however it is sliced.
   */
  run(maxSteps = Infinity, control: RunControl = {}): StopReason {
    this.stop = control.stop ?? null;
    this.hold = control.hold ?? -1;
    this.retarget = control.retarget;
    try {
      return this.runRounds(maxSteps);
    } finally {
      this.lastStop = this.stop;
      this.stop = null;
      this.hold = -1;
      this.retarget = undefined;
      this.armed = false;
    }
  }

  private runRounds(maxSteps: number): StopReason {
    const s = this.s;
    if (s.stopped) return s.stopped;
    if (s.done) return s.failure ? { kind: 'failed', failure: s.failure } : { kind: 'done' };
    this.stopHit = null;
    this.stopSkip = this.stop?.skip ?? 0;
    this.armed = this.stop !== null;
    const target = s.steps + maxSteps;
    for (;;) {
      if (s.done) return s.failure ? { kind: 'failed', failure: s.failure } : { kind: 'done' };
      if (s.stopped) return s.stopped;
      if (s.steps >= this.stepLimit) {
        this.stopRun('step-limit', `the step limit of ${this.stepLimit} statements was reached`);
        continue;
      }
      if (s.steps >= target) return { kind: 'steps' };
      const r = s.round;
      if (r.index >= r.order.length) {
        if (this.hold >= 0) this.heldRound();
        else this.nextRound();
        if (this.stopHit) {
          const hit = this.stopHit;
          this.stopHit = null;
          return hit;
        }
        continue;
      }
      const th = s.threads[r.order[r.index]!]!;
      const allowed = Math.min(target, this.stepLimit) - s.steps;
      this.turn(th, allowed);
      if (this.stopHit) {
        const hit = this.stopHit;
        this.stopHit = null;
        return hit;
      }
    }
  }

  /** One thread's turn: it polls tasks until it has run `quantum` statements or has nothing to do. */
  private turn(th: ThreadState, allowed: number): void {
    const s = this.s;
    const r = s.round;
    if (s.runtimes[th.runtime]!.closed || (th.kind === 'worker' && th.parked) || (this.hold >= 0 && th.current !== this.hold)) {
      this.endTurn();
      return;
    }
    while (r.turnLeft > 0 && !s.done) {
      if (th.blockedUntilUs >= 0) break;
      let t: Task;
      if (th.current === -1) {
        if (this.hold >= 0) break; // the held task's poll ended: nothing else may run
        const id = th.kind === 'worker' ? this.findWork(th) : this.takeBlocking(th);
        if (id === -1) break;
        t = s.tasks[id]!;
        this.pollStart(th, t);
        if (t.done || th.current !== t.id) continue;
      } else {
        t = s.tasks[th.current]!;
        if (t.state === 'blocked') break; // a blocking thread holding a task that waits
        if (t.state === 'scheduled') {
          t.state = 'running';
          t.polls++;
          th.pollStartSteps = t.steps;
          this.event({ kind: 'poll-start', task: t.id, thread: th.id });
        }
      }
      const quota = Math.min(r.turnLeft, allowed);
      if (quota <= 0) return;
      this.cur = th;
      let n: number;
      try {
        n = execute(this, t, quota);
      } finally {
        this.inFlightSteps = 0; // added to s.steps below
        this.cur = null;
      }
      if (n > 0) {
        s.steps += n;
        s.lastTask = t.id;
        t.steps += n;
        const us = n * this.statementUs;
        t.busyUs += us;
        if (th.kind === 'worker') th.metrics.totalBusyUs += us;
        else th.busyUs += us;
        r.turnLeft -= n;
        r.turnUsed += n;
        allowed -= n;
      }
      if (this.stopHit) return; // paused before a statement: the turn resumes from here
      if (t.state === 'running' && th.current === t.id) {
        if (th.blockedUntilUs >= 0) break; // a blocking call holds the thread
        if (allowed <= 0) return; // the caller's step target: the turn resumes from here
        continue;
      }
      if (n === 0) r.turnLeft--; // a poll that only suspended still takes a slot of the turn
      if (th.current === t.id) this.pollEnd(th, t);
    }
    this.endTurn();
  }

  private endTurn(): void {
    const r = this.s.round;
    if (r.turnUsed > r.maxUsed) r.maxUsed = r.turnUsed;
    r.index++;
    r.turnLeft = this.quantum;
    r.turnUsed = 0;
  }

  /** Ends a round: the clock advances by the round's work (or jumps to the next deadline when idle), timers fire. */
  private nextRound(): void {
    const s = this.s;
    const r = s.round;
    const worked = r.maxUsed > 0;
    // Rounds in which nothing ran while something counted as runnable: a scheduler bug, never a hang.
    r.idle = worked ? 0 : r.idle + 1;
    if (r.idle > 100_000) throw new Error(`scheduler made no progress at step ${s.steps}`);
    if (worked) {
      s.us += r.maxUsed * this.statementUs;
    } else if (r.started) {
      // Nothing ran: unless some queue holds work, the clock jumps to the next deadline.
      if (!this.anyRunnable()) {
        const next = s.wheel.nextDeadline();
        if (next === undefined) {
          this.deadlock();
          return;
        }
        const to = Math.max(s.us, next * 1000);
        if (to > s.us) this.event({ kind: 'clock', fromUs: s.us, toUs: to });
        s.us = to;
      }
    }
    this.fireTimers();
    this.closeIdleBlockingThreads();
    const order: number[] = [];
    for (const rt of s.runtimes) {
      if (rt.closed) continue;
      for (const id of rt.workers) {
        const w = s.threads[id] as WorkerState;
        if (!w.parked) order.push(id);
      }
      for (const id of rt.blockingThreads) {
        const b = s.threads[id] as BlockingThreadState;
        if (!b.closed && (b.current !== -1 || rt.blockingQueue.length > 0)) order.push(id);
      }
    }
    if (order.length === 0 && this.anyRunnable()) {
      for (const rt of s.runtimes) if (!rt.closed) unparkAll(this, rt);
    }
    s.prng.shuffle(order);
    this.beginRound(order);
  }

  /** A round while the debugger holds every task but one: only the thread running it takes a turn. */
  private heldRound(): void {
    const s = this.s;
    const r = s.round;
    const t = s.tasks[this.hold];
    if (r.maxUsed > 0) {
      s.us += r.maxUsed * this.statementUs;
    } else if (r.started) {
      const th = t && t.thread >= 0 ? s.threads[t.thread] : undefined;
      const canRun = t && !t.done && (t.state === 'scheduled' || (t.state === 'running' && !(th && th.blockedUntilUs >= 0)));
      if (!canRun) {
        // It waits: only a timer can change that (other tasks are held).
        const next = s.wheel.nextDeadline();
        if (!t || t.done || next === undefined || r.idle++ > 10_000) {
          r.idle = 0;
          this.stopHit = { kind: 'stuck', task: this.hold };
          r.order = [];
          r.index = 0;
          return;
        }
        const to = Math.max(s.us, next * 1000);
        if (to > s.us) this.event({ kind: 'clock', fromUs: s.us, toUs: to });
        s.us = to;
      }
    }
    this.fireTimers();
    let order: number[] = [];
    if (t && !t.done) {
      const th = t.thread >= 0 ? s.threads[t.thread] : undefined;
      if (th && th.current === t.id) order = [th.id];
      else if (t.state === 'scheduled') {
        const adopted = this.adopt(t);
        if (adopted) order = [adopted.id];
        else {
          this.stopHit = { kind: 'stuck', task: t.id };
        }
      }
    }
    if (r.maxUsed > 0 || order.length > 0) r.idle = 0;
    this.beginRound(order);
  }

  /** Starts a round in which the threads of `order` take their turns. */
  private beginRound(order: number[]): void {
    const r = this.s.round;
    r.order = order;
    r.started = true;
    r.index = 0;
    r.turnLeft = this.quantum;
    r.turnUsed = 0;
    r.maxUsed = 0;
  }

  /** Takes a ready task out of whatever queue holds it and starts polling it on a free thread of its runtime. */
  private adopt(t: Task): ThreadState | undefined {
    const s = this.s;
    const rt = s.runtimes[t.runtime]!;
    if (t.kind === 'blocking') {
      const b = rt.blockingThreads.map(id => s.threads[id] as BlockingThreadState).find(x => !x.closed && x.current === -1 && x.blockedUntilUs < 0);
      if (!b || !rt.blockingQueue.remove(t.id)) return undefined;
      this.pollStart(b, t);
      return b;
    }
    let home: WorkerState | undefined;
    for (const id of rt.workers) {
      const w = s.threads[id] as WorkerState;
      if (w.lifo === t.id) {
        w.lifo = -1;
        home = w;
      } else if (w.queue.remove(t.id)) home = w;
    }
    if (!home) rt.inject.remove(t.id);
    const free = (w: WorkerState | undefined) => !!w && w.current === -1 && w.blockedUntilUs < 0;
    const w = free(home) ? home! : rt.workers.map(id => s.threads[id] as WorkerState).find(free);
    if (!w) {
      // No free worker: put it back where a worker will find it once the debugger lets go.
      rt.inject.push(t.id);
      return undefined;
    }
    if (w.parked) {
      w.parked = false;
      const i = rt.sleepers.indexOf(w.id);
      if (i >= 0) rt.sleepers.splice(i, 1);
    }
    w.budget = COOP_BUDGET;
    this.pollStart(w, t);
    return w;
  }

  private anyRunnable(): boolean {
    for (const rt of this.s.runtimes) {
      if (rt.closed) continue;
      if (rt.inject.length > 0 || (rt.blockingQueue.length > 0 && this.idleBlockingThreads(rt) > 0)) return true;
      // Local work is runnable by its worker unless a blocking call holds it; its queue (not its LIFO
      // slot) can also be stolen by a free worker.
      const free = rt.workers.some(id => (this.s.threads[id] as WorkerState).blockedUntilUs < 0);
      for (const id of rt.workers) {
        const w = this.s.threads[id] as WorkerState;
        if (w.blockedUntilUs < 0 && (hasLocalWork(w) || w.current !== -1)) return true;
        if (free && rt.config.stealing && w.queue.length > 0) return true;
      }
      for (const id of rt.blockingThreads) {
        const b = this.s.threads[id] as BlockingThreadState;
        if (b.current !== -1 && b.blockedUntilUs < 0 && this.s.tasks[b.current]!.state !== 'blocked') return true;
      }
    }
    return false;
  }

  /** A worker looks for its next task the way Tokio's does; -1 when it found none (and parked). */
  private findWork(w: WorkerState): number {
    const rt = this.s.runtimes[w.runtime]!;
    // Tokio runs the LIFO slot right after a poll, sharing the poll's budget, at most 3 times in a row.
    if (w.lifoPolls > 0 || w.lifo !== -1) {
      if (w.lifo !== -1 && w.lifoEnabled && w.lifoPolls > 0) {
        if (w.budget > 0) {
          const t = w.lifo;
          w.lifo = -1;
          w.lifoPolls++;
          if (w.lifoPolls >= MAX_LIFO_POLLS_PER_TICK + 1) w.lifoEnabled = false;
          return t;
        }
        const t = w.lifo;
        w.lifo = -1;
        pushBackOrOverflow(this, rt, w, t);
      }
      w.lifoPolls = 0;
      w.lifoEnabled = rt.config.lifo;
    }
    w.tick++;
    let t = nextTask(this, rt, w);
    if (t === -1) t = stealWork(this, rt, w);
    if (t === -1) {
      if (w.unparked) w.metrics.noopCount++;
      w.unparked = false;
      park(this, rt, w);
      return -1;
    }
    w.unparked = false;
    transitionFromSearching(this, rt, w);
    w.budget = COOP_BUDGET;
    w.lifoPolls = 1;
    return t;
  }

  private idleBlockingThreads(rt: RuntimeState): number {
    let n = 0;
    for (const id of rt.blockingThreads) {
      const b = this.s.threads[id] as BlockingThreadState;
      if (!b.closed && b.current === -1) n++;
    }
    return n;
  }

  private takeBlocking(b: BlockingThreadState): number {
    const rt = this.s.runtimes[b.runtime]!;
    const t = rt.blockingQueue.shift();
    return t ?? -1;
  }

  private pollStart(th: ThreadState, t: Task): void {
    if (t.done) return;
    th.current = t.id;
    t.thread = th.id;
    if (t.aborted) {
      // A task cancelled while it waited in a queue ends at its first poll (as an aborted Tokio task does).
      this.finish(t, 'cancelled', undefined, null, 'cancelled before it ran');
      return;
    }
    t.state = 'running';
    t.polls++;
    th.pollStartSteps = t.steps;
    if (th.kind === 'worker') th.metrics.pollCount++;
    else {
      th.tasksRun++;
      this.event({ kind: 'blocking-start', task: t.id, thread: th.id });
    }
    this.event({ kind: 'poll-start', task: t.id, thread: th.id });
  }

  /** The current poll of `t` ended (it blocked, yielded, finished or moved to another runtime). */
  private pollEnd(th: ThreadState, t: Task): void {
    let outcome: PollOutcome;
    switch (t.state) {
      case 'completed': outcome = 'ready'; break;
      case 'failed': outcome = 'failed'; break;
      case 'cancelled': outcome = 'cancelled'; break;
      case 'blocked': outcome = 'pending'; break;
      case 'scheduled': outcome = t.runtime !== th.runtime ? 'moved' : 'yield'; break;
      case 'running': outcome = 'preempted'; break;
      default: {
        const never: never = t.state;
        throw new Error(String(never));
      }
    }
    this.event({ kind: 'poll-end', task: t.id, thread: th.id, outcome, statements: t.steps - th.pollStartSteps });
    if (th.kind === 'worker') {
      th.current = -1;
    } else if (t.done) {
      th.current = -1;
      th.idleSinceUs = this.s.us;
    }
    if (t.aborted && !t.done && (t.state === 'blocked' || t.state === 'scheduled')) {
      this.abandonWait(t);
      this.finish(t, 'cancelled', undefined, null, 'cancelled');
    }
  }

  // ------------------------------------------------------------ timers

  private setTimer(deadlineMs: number, payload: TimerPayload, owner: number, purpose: TimerPurpose, resolution = 1): TimerEntry<TimerPayload> {
    const d = resolution > 1 ? Math.ceil(deadlineMs / resolution) * resolution : deadlineMs;
    const entry = this.s.wheel.insert(d, payload);
    this.event({ kind: 'timer-set', timer: entry.id, deadline: entry.deadline, owner, purpose });
    return entry;
  }

  private fireTimers(): void {
    const s = this.s;
    const fired = s.wheel.poll(Math.floor(s.us / 1000));
    for (const e of fired) {
      const p = e.payload;
      if (typeof p === 'number') {
        this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: p, purpose: 'sleep' });
        const t = s.tasks[p];
        if (t && t.waitTimer === e) {
          t.waitTimer = null;
          this.wake(t, undefined);
        }
        continue;
      }
      switch (p.kind) {
        case 'timeout': {
          this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: p.task, purpose: 'timeout' });
          const t = s.tasks[p.task];
          if (t && t.waitTimer === e) {
            t.waitTimer = null;
            this.wake(t, new StructVal(this.err, ['timeout']));
            const child = s.tasks[p.child];
            if (child && !child.done) this.abort(child, 'timed out');
          }
          break;
        }
        case 'cancel-token':
          this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: p.owner, purpose: 'cancel-token' });
          p.token.cancelled = true;
          break;
        case 'thread-wake': {
          this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: p.task, purpose: 'thread-sleep' });
          const th = s.threads[p.thread]!;
          th.blockedUntilUs = -1;
          break;
        }
        case 'connection': {
          this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: 0, purpose: 'connection' });
          s.connectionPending = false;
          this.deliverConnection(p.conn);
          break;
        }
        default: {
          const never: never = p;
          throw new Error(String(never));
        }
      }
    }
  }

  private closeIdleBlockingThreads(): void {
    const s = this.s;
    for (const rt of s.runtimes) {
      for (const id of rt.blockingThreads) {
        const b = s.threads[id] as BlockingThreadState;
        if (!b.closed && b.current === -1 && rt.blockingQueue.length === 0 && s.us - b.idleSinceUs >= BLOCKING_KEEP_ALIVE_MS * 1000) {
          b.closed = true;
        }
      }
    }
  }

  // ------------------------------------------------------------ tasks

  private newTaskId(): number {
    return this.s.tasks.length;
  }

  newToken(parent: TokenVal | null): TokenVal {
    return new TokenVal(this.s.nextToken++, parent);
  }

  private newRuntime(config: ReturnType<typeof runtimeConfig>, owner: number): RuntimeState {
    const rt = new RuntimeState(this.s.runtimes.length, config, owner);
    this.s.runtimes.push(rt);
    createWorkers(this, rt);
    this.event({ kind: 'runtime-start', runtime: rt.id, flavor: config.flavor, workers: config.workers });
    return rt;
  }

  /** The innermost Cancel token of a handler chain, else the task's own. */
  private currentToken(task: Task, handlers: HandlerNode | null): TokenVal {
    for (let n = handlers; n; n = n.next) if (n.effect === 'Cancel' && n.token) return n.token;
    return task.token;
  }

  /**
   * Creates a task whose entry frame calls `callee` with `args`. A child inherits the spawner's handlers,
   * and its token hangs below the spawner's current one, so cancelling reaches it.
   */
  private createTask(parent: Task, callee: Value, args: readonly Value[], scope: ScopeVal | null, handlers: HandlerNode | null,
    siteProto: FnProto, sitePc: number, kind: 'async' | 'blocking', runtime: number): Task {
    const name = taskName(callee);
    const t = new Task(this.newTaskId(), name, kind, parent.id, runtime, scope ? scope.id : -1, this.currentToken(parent, handlers),
      siteProto, sitePc, this.s.us, this.s.steps);
    let chain = handlers;
    if (chain && hasCancelNode(chain)) chain = { effect: 'Cancel', handler: null, token: t.token, next: chain };
    const p = callee instanceof Closure ? callee.proto : null;
    if (p && args.length >= p.required && args.length <= p.params.length) {
      // The common case: the task starts right in the callee's frame, its stack sized for it.
      const stack: Value[] = new Array(p.locals.length + 6);
      for (let i = 0; i < args.length; i++) stack[i] = args[i];
      for (let i = args.length; i < p.locals.length; i++) stack[i] = null as unknown as Value;
      t.stack = stack;
      t.sp = p.locals.length;
      t.frames.push({ proto: p, pc: 0, base: 0, retSp: 0, closure: callee as Closure, handlers: chain });
    } else {
      // Anything else (a built-in, a constructor, a wrong arity) goes through the entry frame, which calls it.
      t.frames.push({ proto: this.program.entry, pc: 0, base: 0, retSp: 0, closure: null, handlers: chain });
      t.stack.push(callee, ...args);
      t.sp = t.stack.length;
    }
    this.s.tasks[t.id] = t;
    const rt = this.s.runtimes[runtime]!;
    rt.metrics.spawnedTasksCount++;
    if (scope) {
      scope.live.push(t.id);
      scope.children.push(t.id);
    }
    if (this.listener) {
      this.event({ kind: 'spawn', task: t.id, name, parent: parent.id, runtime, blocking: kind === 'blocking', site: this.siteText(t.spawnModule, t.spawnSpan) });
    } else {
      this.s.events++; // counted like any other (see emitNow)
    }
    return t;
  }

  siteText(module: string, span: Span): string {
    const { line, column } = lineColumn(this.program.sources.get(module), span.start);
    return `${module}:${line + 1}:${column + 1}`;
  }

  /**
   * Makes this (throwaway) machine run `callee(args)` as its main task, in the context of task `context`
   * (its runtime and handlers): the debugger's evaluate runs an expression this way on a copy of the state.
   */
  runAsMain(context: number, callee: Value, args: readonly Value[], handlers: HandlerNode | null, maxSteps: number): StopReason {
    const s = this.s;
    const parent = s.tasks[context] ?? s.tasks[s.mainTask]!;
    let rt = s.runtimes[parent.runtime]!;
    if (rt.closed) rt = s.runtimes[0]!;
    rt.closed = false;
    s.done = false;
    s.stopped = null;
    s.failure = null;
    const t = this.createTask(parent, callee, args, null, handlers, this.program.main, -1, 'async', rt.id);
    s.mainTask = t.id;
    scheduleTask(this, rt, t.id, null, false);
    return this.run(maxSteps);
  }

  spawnFromVm(task: Task, stack: Value[], calleeIdx: number, argc: number, scopeV: Value | null, handlers: HandlerNode | null, at: number): TaskVal {
    let scope: ScopeVal | null = null;
    if (scopeV !== null) {
      if (!(scopeV instanceof ScopeVal)) throw new AriaError('type-error', `\`.spawn\` needs a scope (from \`with Async.scope |s|\`), not ${typeName(scopeV)}`);
      if (scopeV.closed) throw new AriaError('type-error', `scope #${scopeV.id} has already ended`);
      scope = scopeV;
    }
    const frame = task.frames[task.frames.length - 1]!;
    const callee = stack[calleeIdx];
    const args = stack.slice(calleeIdx + 1, calleeIdx + 1 + argc);
    const rt = this.s.runtimes[task.runtime]!;
    const child = this.createTask(task, callee, args, scope, handlers, frame.proto, at, 'async', task.runtime);
    scheduleTask(this, rt, child.id, this.cur, false);
    return new TaskVal(child.id);
  }

  /** Keeps what a failing task held, for the debugger, within `keepEndFrames` tasks (the oldest let go). */
  private keepEndFrames(t: Task): void {
    const kept = this.s.keptEndFrames;
    t.endFrames = { frames: t.frames, stack: t.stack };
    kept.push(t.id);
    while (kept.length > this.options.keepEndFrames!) this.s.tasks[kept.shift()!]!.endFrames = null;
  }

  /** Marks a task finished, releases what waits on it and what it held. */
  private finish(t: Task, state: 'completed' | 'failed' | 'cancelled', result: Value, failure: Failure | null, reason = ''): void {
    const s = this.s;
    if (t.done) return;
    t.state = state;
    t.result = result;
    t.failure = failure;
    t.wait = null;
    t.endUs = s.us;
    t.endSeq = s.finishSeq++;
    if (t.waitTimer) {
      s.wheel.cancel(t.waitTimer as TimerEntry<TimerPayload>);
      t.waitTimer = null;
    }
    this.closeWiths(t);
    const th = t.thread >= 0 ? s.threads[t.thread] : undefined;
    if (th && th.current === t.id && th !== this.cur) {
      th.current = -1;
      if (th.kind === 'blocking') th.idleSinceUs = s.us;
    }
    if (th && th.kind === 'blocking' && th.current === t.id && th === this.cur) {
      // released by pollEnd
    }
    if (state !== 'completed' && (this.options.keepEndFrames ?? 0) > 0) this.keepEndFrames(t);
    // Free the task's memory; its result stays.
    t.frames = [];
    t.stack = [];
    t.sp = 0;
    if (state === 'completed') this.event({ kind: 'complete', task: t.id });
    else if (state === 'cancelled') this.event({ kind: 'cancel', task: t.id, reason });
    else this.event({ kind: 'fail', task: t.id, failure: failure! });
    // Wake whoever waits on it.
    if (t.joiners) {
      const joiners = t.joiners;
      t.joiners = null;
      for (const id of joiners) this.resolveJoiner(s.tasks[id]!, t);
    }
    // Scope bookkeeping.
    if (t.scope >= 0) {
      const scope = s.scopes[t.scope]!;
      const i = scope.live.indexOf(t.id);
      if (i >= 0) scope.live.splice(i, 1);
      if (state === 'failed' && scope.failedBy === null) {
        scope.failedBy = t.id;
        t.observed = true;
        for (const id of [...scope.live]) this.abort(s.tasks[id]!, `a sibling (task #${t.id}) failed`);
        const owner = s.tasks[scope.owner]!;
        if (owner.state === 'blocked' && owner.wait?.kind !== 'scope') {
          this.wakeWithFailure(owner, this.childFailure(owner, t, 'a task of its scope'));
        }
      }
      if (scope.live.length === 0) {
        const owner = s.tasks[scope.owner]!;
        if (owner.state === 'blocked' && owner.wait?.kind === 'scope' && owner.wait.scope === scope.id) this.wake(owner, NO_VALUE);
      }
    }
    if (state === 'failed' && !t.observed && t.id !== s.mainTask) {
      // Reported at the end unless an awaiter or a scope sees it first.
      s.unobserved.push(t.id);
    }
    if (t.id === s.mainTask) {
      s.done = true;
      if (state !== 'completed') s.failure ??= failure ?? this.failureFor(t, 'cancelled', 'the main task was cancelled');
      this.shutdownAll();
    }
    // A runtime whose owner is gone is shut down.
    for (const rt of s.runtimes) {
      if (!rt.closed && rt.owner === t.id) this.shutdownRuntime(rt, t.id);
    }
  }

  /** Delivers the end of `target` to a task that waited for it (join, race, timeout). */
  private resolveJoiner(j: Task, target: Task): void {
    const w = j.wait;
    if (j.state !== 'blocked' || !w) return;
    if (w.kind === 'join' && w.task === target.id) {
      this.deliverJoin(j, target, (v) => v);
    } else if (w.kind === 'join-any' && w.tasks.includes(target.id)) {
      this.deliverJoin(j, target, (v) => v);
      for (const other of w.tasks) {
        const o = this.s.tasks[other]!;
        if (other !== target.id && !o.done) this.abort(o, `lost a race to task #${target.id}`);
      }
    } else if (w.kind === 'timeout' && w.task === target.id) {
      this.deliverJoin(j, target, (v) => new StructVal(this.ok, [v]));
    }
  }

  private deliverJoin(j: Task, target: Task, wrap: (v: Value) => Value): void {
    if (target.state === 'completed') {
      this.wake(j, wrap(target.result));
    } else {
      target.observed = true;
      const i = this.s.unobserved.indexOf(target.id);
      if (i >= 0) this.s.unobserved.splice(i, 1);
      this.wakeWithFailure(j, this.childFailure(j, target, `task #${target.id}`));
    }
  }

  /** The failure an awaiter gets from a task that failed or was cancelled. */
  private childFailure(awaiter: Task, child: Task, what: string): Failure {
    if (child.state === 'cancelled') {
      return this.failureFor(awaiter, 'cancelled', `awaited ${what} (${child.name}) was cancelled`);
    }
    const cause = child.failure!;
    return this.failureFor(awaiter, 'task-failed', `${what} (${child.name}) failed: ${cause.message}`, cause);
  }

  /** Requests cancellation: a waiting task ends now, a running one at its next suspension point. */
  abort(t: Task, reason: string): void {
    if (t.done) return;
    t.aborted = true;
    t.token.cancelled = true;
    if (t.state === 'blocked') {
      if (t.kind === 'blocking' && t.thread >= 0) {
        const th = this.s.threads[t.thread]!;
        if (th.current === t.id) {
          th.current = -1;
          if (th.kind === 'blocking') th.idleSinceUs = this.s.us;
        }
      }
      this.abandonWait(t);
      this.finish(t, 'cancelled', undefined, null, reason);
    } else if (t.state === 'scheduled' && t.frames[0]?.pc === 0 && t.polls === 0) {
      // Never polled: it ends when a worker picks it up (it stays in its queue until then).
    }
  }

  /** Undoes the registration of a wait (a channel's queue, a timer, the listener). */
  private abandonWait(t: Task): void {
    const w = t.wait;
    if (t.waitTimer) {
      this.s.wheel.cancel(t.waitTimer as TimerEntry<TimerPayload>);
      t.waitTimer = null;
    }
    if (!w) return;
    switch (w.kind) {
      case 'send': {
        const ch = this.s.channels[w.channel]!;
        ch.senders = ch.senders.filter(x => x.task !== t.id);
        break;
      }
      case 'recv': {
        const ch = this.s.channels[w.channel]!;
        ch.receivers = ch.receivers.filter(x => x !== t.id);
        break;
      }
      case 'accept': {
        const i = this.s.acceptors.indexOf(t.id);
        if (i >= 0) this.s.acceptors.splice(i, 1);
        break;
      }
      case 'timeout': {
        const child = this.s.tasks[w.task];
        if (child && !child.done) this.abort(child, 'its timeout was abandoned');
        break;
      }
      case 'sleep': case 'join': case 'join-any': case 'scope': case 'runtime': case 'read':
        break;
      default: {
        const never: never = w;
        throw new Error(String(never));
      }
    }
    t.wait = null;
  }

  /** Leaves every `with` the task still has open (it ended inside them). */
  private closeWiths(t: Task): void {
    for (let f = t.frames.length - 1; f >= 0; f--) {
      const frame = t.frames[f]!;
      const locals = frame.proto.locals;
      for (let i = locals.length - 1; i >= 0; i--) {
        if (!locals[i]!.hidden || locals[i]!.name !== '%with') continue;
        const rec = t.stack[frame.base + i] as unknown as WithRecord | null;
        if (!rec || typeof rec !== 'object' || !rec.open) continue;
        rec.open = false;
        switch (rec.kind) {
          case 'handler': break;
          case 'cancel': this.s.wheel.cancel(rec.timer as TimerEntry<TimerPayload>); break;
          case 'scope':
            rec.scope.closed = true;
            for (const id of [...rec.scope.live]) this.abort(this.s.tasks[id]!, `its scope's owner (task #${t.id}) ended`);
            break;
          case 'runtime': {
            const rt = this.s.runtimes[rec.runtime]!;
            if (!rt.closed) this.shutdownRuntime(rt, t.id);
            break;
          }
          default: {
            const never: never = rec;
            throw new Error(String(never));
          }
        }
      }
    }
  }

  /** Shuts a runtime down: its remaining tasks are cancelled and its threads stop. */
  private shutdownRuntime(rt: RuntimeState, except: number): void {
    rt.closed = true;
    for (const t of this.s.tasks) {
      if (t && !t.done && t.runtime === rt.id && t.id !== except) {
        t.aborted = true;
        t.token.cancelled = true;
        this.abandonWait(t);
        this.finish(t, 'cancelled', undefined, null, `runtime #${rt.id} shut down`);
      }
    }
    for (const id of [...rt.workers, ...rt.blockingThreads]) {
      const th = this.s.threads[id]!;
      if (th.current !== -1 && th.current !== except) th.current = -1;
      if (th.kind === 'blocking') th.closed = true;
    }
    this.event({ kind: 'runtime-stop', runtime: rt.id });
  }

  private shutdownAll(): void {
    for (const t of this.s.tasks) {
      if (t && !t.done) {
        t.aborted = true;
        this.abandonWait(t);
        this.finish(t, 'cancelled', undefined, null, 'the program ended');
      }
    }
  }

  // ------------------------------------------------------------ waiting and waking

  private block(t: Task, wait: WaitReason): typeof SUSPEND {
    t.state = 'blocked';
    t.wait = wait;
    this.event({ kind: 'block', task: t.id, on: wait });
    return SUSPEND;
  }

  /** Makes a blocked task ready; `value` is what its pending call returns (NO_VALUE: it re-runs its instruction). */
  private wake(t: Task, value: Value | typeof NO_VALUE): void {
    if (t.state !== 'blocked') return;
    if (t.waitTimer) {
      this.s.wheel.cancel(t.waitTimer as TimerEntry<TimerPayload>);
      t.waitTimer = null;
    }
    t.wait = null;
    if (value !== NO_VALUE) t.stack[t.sp++] = value;
    this.ready(t);
  }

  private wakeWithFailure(t: Task, failure: Failure): void {
    if (t.state !== 'blocked') return;
    this.abandonWait(t);
    t.pendingFailure = failure;
    this.ready(t);
  }

  private ready(t: Task): void {
    t.state = 'scheduled';
    const from = this.cur;
    this.event({ kind: 'wake', task: t.id, by: from ? from.current : 0, remote: !from || from.runtime !== t.runtime || from.kind !== 'worker' });
    if (t.kind === 'blocking') return; // it stays on its blocking thread
    scheduleTask(this, this.s.runtimes[t.runtime]!, t.id, from, false);
  }

  // ------------------------------------------------------------ the VM's requests

  complete(t: Task, result: Value): void {
    this.finish(t, 'completed', result, null);
  }

  /** A task fails (or is cancelled, for a cancellation failure) where its top frame stands. */
  raise(t: Task, e: AriaError, at: number): void {
    const failure = this.failureFor(t, e.kind, e.message, e.cause, at);
    this.failWith(t, failure);
  }

  failWith(t: Task, failure: Failure): void {
    if (failure.kind === 'cancelled' && (t.aborted || isCancelled(t.token) || failure.message.startsWith('cancelled'))) {
      this.finish(t, 'cancelled', undefined, failure, failure.message);
      return;
    }
    this.finish(t, 'failed', undefined, failure);
  }

  /** Builds a failure with the task's Aria stack (innermost first); `at` is the failing instruction of the top frame. */
  failureFor(t: Task, kind: FailureKind, message: string, cause?: Failure, at?: number): Failure {
    const stack = this.stackOf(t, at);
    if (stack.length <= MAX_FAILURE_FRAMES) return { kind, message, task: t.id, taskName: t.name, stack, cause };
    // A deep stack (a stack overflow) keeps its innermost and outermost frames.
    const kept = [...stack.slice(0, MAX_FAILURE_FRAMES - FAILURE_OUTER_FRAMES), ...stack.slice(stack.length - FAILURE_OUTER_FRAMES)];
    return { kind, message, task: t.id, taskName: t.name, stack: kept, elidedFrames: stack.length - kept.length, cause };
  }

  /** The Aria stack of a task (or of `frames`, frames it had): one entry per frame, innermost first, with source positions. */
  stackOf(t: Task, at?: number, frames: readonly Frame[] = t.frames): AriaFrame[] {
    const out: AriaFrame[] = [];
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i]!;
      if (f.proto.kind === 'entry') continue;
      const span = this.frameSpan(f, i === frames.length - 1, at);
      const { line, column } = lineColumn(this.program.sources.get(f.proto.module), span.start);
      out.push({ fn: f.proto.name, module: f.proto.module, span, line: line + 1, column: column + 1 });
    }
    return out;
  }

  /** Where a frame stands: the failing instruction, the statement it is paused before, or its pending call. */
  frameSpan(f: Frame, top: boolean, at?: number): Span {
    if (top && at !== undefined) return f.proto.spanAt(at);
    if (top && f.proto.code[f.pc] === Op.Stmt) return f.proto.spanAt(f.pc);
    return f.proto.spanAt(Math.max(0, f.pc - 1));
  }

  /** Ends the whole run with a failure that belongs to no single task (deadlock, step limit). */
  private stopRun(kind: 'deadlock' | 'step-limit', message: string, blocked?: Failure['blocked']): void {
    const s = this.s;
    const main = s.tasks[s.mainTask]!;
    const failure: Failure = { kind, message, task: 0, taskName: '', stack: main.done ? [] : this.stackOf(main), blocked };
    s.failure = failure;
    s.done = true;
    s.stopped = { kind: 'failed', failure };
    this.shutdownAll();
  }

  private deadlock(): void {
    const s = this.s;
    const blocked: NonNullable<Failure['blocked']>[number][] = [];
    for (const t of s.tasks) {
      if (!t || t.done || t.state !== 'blocked' || !t.wait) continue;
      blocked.push({ task: t.id, name: t.name, waitsOn: describeWait(t.wait), at: this.stackOf(t)[0] });
    }
    const list = blocked.map(b => `task #${b.task} (${b.name}) waits on ${b.waitsOn}`).join('; ');
    this.stopRun('deadlock', `deadlock: every task is blocked and no timer is pending: ${list}`, blocked);
  }

  consumeBudget(t: Task): boolean {
    const th = this.cur;
    if (!th || th.kind !== 'worker') return true;
    if (th.budget > 0) {
      th.budget--;
      return true;
    }
    // Budget spent: the task yields to the back of its worker's queue (Tokio's forced yield).
    this.s.runtimes[th.runtime]!.metrics.budgetForcedYieldCount++;
    t.state = 'scheduled';
    scheduleTask(this, this.s.runtimes[t.runtime]!, t.id, th, true);
    return false;
  }

  awaitTask(t: Task, v: Value): NativeResult {
    if (!(v instanceof TaskVal)) throw new AriaError('type-error', `\`.await\` needs a Task, not ${typeName(v)}`);
    const target = this.s.tasks[v.id]!;
    if (target.id === t.id) throw new AriaError('type-error', 'a task cannot await itself');
    if (target.done) {
      if (!this.consumeBudget(t)) return RETRY;
      if (target.state === 'completed') return target.result;
      target.observed = true;
      const i = this.s.unobserved.indexOf(target.id);
      if (i >= 0) this.s.unobserved.splice(i, 1);
      const f = this.childFailure(t, target, `task #${target.id}`);
      throw new AriaError(f.kind, f.message, f.cause);
    }
    (target.joiners ??= []).push(t.id);
    return this.block(t, { kind: 'join', task: target.id });
  }

  withEnter(t: Task, frame: Frame, h: Value, slot: number): Value {
    const stack = t.stack;
    if (h instanceof HandlerVal) {
      stack[frame.base + slot] = { kind: 'handler', prev: frame.handlers, open: true } as unknown as Value;
      frame.handlers = { effect: h.effect, handler: h, token: null, next: frame.handlers };
      return h;
    }
    if (!(h instanceof BuiltinHandlerVal)) throw new AriaError('type-error', `\`with\` needs a handler, not ${typeName(h)} ${show(h, true)}`);
    const spec = h.spec;
    switch (spec.role) {
      case 'cancel-timeout': {
        const token = this.newToken(this.currentToken(t, frame.handlers));
        const rt = this.s.runtimes[t.runtime]!;
        const timer = this.setTimer(this.nowMs() + spec.duration, { kind: 'cancel-token', token, owner: t.id }, t.id, 'cancel-token', rt.config.timerResolution);
        stack[frame.base + slot] = { kind: 'cancel', prev: frame.handlers, timer, open: true } as unknown as Value;
        frame.handlers = { effect: 'Cancel', handler: null, token, next: frame.handlers };
        return token;
      }
      case 'scope': {
        const scope = new ScopeVal(this.s.scopes.length, t.id);
        this.s.scopes.push(scope);
        stack[frame.base + slot] = { kind: 'scope', scope, open: true } as unknown as Value;
        return scope;
      }
      case 'runtime': {
        const config = runtimeConfig(spec.flavor, spec.workers ?? 4, spec.blockingThreads, spec.timerResolution ?? 1);
        const rt = this.newRuntime(config, t.id);
        stack[frame.base + slot] = { kind: 'runtime', runtime: rt.id, prev: t.runtime, open: true } as unknown as Value;
        // The task moves onto the new runtime: its current poll ends and a worker there picks it up.
        t.runtime = rt.id;
        t.state = 'scheduled';
        scheduleTask(this, rt, t.id, null, false);
        return undefined;
      }
      default: {
        const never: never = spec;
        throw new Error(String(never));
      }
    }
  }

  withExit(t: Task, frame: Frame, slot: number): 'done' | 'wait' | 'moved' {
    const rec = t.stack[frame.base + slot] as unknown as WithRecord;
    if (!rec.open) return 'done';
    switch (rec.kind) {
      case 'handler':
        rec.open = false;
        frame.handlers = rec.prev;
        return 'done';
      case 'cancel':
        rec.open = false;
        frame.handlers = rec.prev;
        this.s.wheel.cancel(rec.timer as TimerEntry<TimerPayload>);
        return 'done';
      case 'scope': {
        const scope = rec.scope;
        if (scope.failedBy !== null && scope.live.length > 0) {
          for (const id of [...scope.live]) this.abort(this.s.tasks[id]!, `a sibling (task #${scope.failedBy}) failed`);
        }
        if (scope.live.length > 0) {
          this.block(t, { kind: 'scope', scope: scope.id, live: [...scope.live] });
          return 'wait';
        }
        rec.open = false;
        scope.closed = true;
        if (scope.failedBy !== null) {
          const child = this.s.tasks[scope.failedBy]!;
          const f = this.childFailure(t, child, `task #${child.id} of the scope`);
          throw new AriaError(f.kind, f.message, f.cause);
        }
        return 'done';
      }
      case 'runtime': {
        rec.open = false;
        const rt = this.s.runtimes[rec.runtime]!;
        this.shutdownRuntime(rt, t.id);
        t.runtime = rec.prev;
        t.state = 'scheduled';
        scheduleTask(this, this.s.runtimes[rec.prev]!, t.id, null, false);
        return 'moved';
      }
      default: {
        const never: never = rec;
        throw new Error(String(never));
      }
    }
  }

  // ------------------------------------------------------------ NativeHost

  nowMs(): number {
    return Math.floor(this.s.us / 1000);
  }

  write(t: Task, text: string): void {
    this.s.outputChars += text.length;
    const n = this.s.outputs++;
    if (n >= this.seen.outputs) {
      this.seen.outputs = n + 1;
      this.host.write(text);
    }
    this.event({ kind: 'output', task: t.id, text });
  }

  sleep(t: Task, ms: number): typeof SUSPEND {
    const rt = this.s.runtimes[t.runtime]!;
    const until = this.nowMs() + Math.ceil(ms);
    t.waitTimer = this.setTimer(until, t.id, t.id, 'sleep', rt.config.timerResolution);
    return this.block(t, { kind: 'sleep', until });
  }

  yieldNow(t: Task): typeof YIELDED {
    t.state = 'scheduled';
    const th = this.cur;
    const rt = this.s.runtimes[t.runtime]!;
    if (t.kind === 'blocking') return YIELDED;
    scheduleTask(this, rt, t.id, th && th.kind === 'worker' ? th : null, true);
    return YIELDED;
  }

  spawnBlocking(t: Task, f: Value): TaskVal {
    const rt = this.s.runtimes[t.runtime]!;
    if (rt.config.blockingThreads === 0) {
      throw new AriaError('unsupported', `spawn_blocking is not available on the ${rt.config.flavor} flavour (it has no blocking pool)`);
    }
    const frame = t.frames[t.frames.length - 1]!;
    const child = this.createTask(t, f, [], null, frame.handlers, frame.proto, Math.max(0, frame.pc - 1), 'blocking', t.runtime);
    rt.blockingQueue.push(child.id);
    // Spawn a pool thread when the idle ones cannot take every queued task and the cap allows (Tokio's `spawn_task`).
    const idle = this.idleBlockingThreads(rt);
    const live = rt.blockingThreads.filter(id => !(this.s.threads[id] as BlockingThreadState).closed).length;
    if (idle < rt.blockingQueue.length && live < rt.config.blockingThreads) {
      const b = new BlockingThreadState(this.s.threads.length, rt.id);
      b.idleSinceUs = this.s.us;
      this.s.threads.push(b);
      rt.blockingThreads.push(b.id);
    }
    return new TaskVal(child.id);
  }

  threadSleep(t: Task, ms: number): typeof YIELDED {
    const th = this.cur!;
    const until = this.nowMs() + Math.ceil(ms);
    th.blockedUntilUs = until * 1000;
    this.event({ kind: 'thread-block', thread: th.id, task: t.id, until });
    this.setTimer(until, { kind: 'thread-wake', thread: th.id, task: t.id }, t.id, 'thread-sleep');
    return YIELDED;
  }

  readFile(path: string): string {
    return this.host.readFile?.(path) ?? `contents of ${path}`;
  }

  newChannel(capacity: number): ChannelVal {
    const ch = new ChannelVal(this.s.channels.length, capacity);
    this.s.channels.push(ch);
    return ch;
  }

  send(t: Task, ch: ChannelVal, v: Value): NativeResult {
    if (ch.closed) throw new AriaError('channel-closed', `send on closed channel #${ch.id}`);
    while (ch.receivers.length > 0) {
      const r = this.s.tasks[ch.receivers.shift()!]!;
      if (r.state === 'blocked' && r.wait?.kind === 'recv') {
        if (!this.consumeBudget(t)) {
          ch.receivers.unshift(r.id);
          return RETRY;
        }
        this.wake(r, new StructVal(this.some, [v]));
        return undefined;
      }
    }
    if (ch.buffer.length < ch.capacity) {
      if (!this.consumeBudget(t)) return RETRY;
      ch.buffer.push(v);
      return undefined;
    }
    ch.senders.push({ task: t.id, value: v });
    return this.block(t, { kind: 'send', channel: ch.id });
  }

  recv(t: Task, ch: ChannelVal): NativeResult {
    if (ch.buffer.length > 0) {
      if (!this.consumeBudget(t)) return RETRY;
      const v = ch.buffer.shift()!;
      this.admitSender(ch);
      return new StructVal(this.some, [v]);
    }
    if (ch.closed) return new StructVal(this.none, []);
    ch.receivers.push(t.id);
    return this.block(t, { kind: 'recv', channel: ch.id });
  }

  /** Moves the first waiting sender's value into the freed slot and lets it go on. */
  private admitSender(ch: ChannelVal): void {
    while (ch.senders.length > 0 && ch.buffer.length < ch.capacity) {
      const { task, value } = ch.senders.shift()!;
      const s = this.s.tasks[task]!;
      if (s.state !== 'blocked' || s.wait?.kind !== 'send') continue;
      ch.buffer.push(value);
      this.wake(s, undefined);
    }
  }

  close(_t: Task, ch: ChannelVal): void {
    if (ch.closed) return;
    ch.closed = true;
    for (const id of ch.receivers.splice(0)) {
      const r = this.s.tasks[id]!;
      if (r.state === 'blocked' && r.wait?.kind === 'recv') this.wake(r, new StructVal(this.none, []));
    }
    for (const { task } of ch.senders.splice(0)) {
      const s = this.s.tasks[task]!;
      if (s.state === 'blocked' && s.wait?.kind === 'send') {
        this.wakeWithFailure(s, this.failureFor(s, 'channel-closed', `send on closed channel #${ch.id}`));
      }
    }
  }

  race(t: Task, tasks: readonly TaskVal[]): NativeResult {
    let winner: Task | undefined;
    for (const tv of tasks) {
      const x = this.s.tasks[tv.id]!;
      if (x.done && (!winner || x.endSeq < winner.endSeq)) winner = x;
    }
    if (winner) {
      for (const tv of tasks) if (tv.id !== winner.id) this.abort(this.s.tasks[tv.id]!, `lost a race to task #${winner.id}`);
      if (winner.state === 'completed') return winner.result;
      const f = this.childFailure(t, winner, `task #${winner.id}`);
      winner.observed = true;
      throw new AriaError(f.kind, f.message, f.cause);
    }
    for (const tv of tasks) (this.s.tasks[tv.id]!.joiners ??= []).push(t.id);
    return this.block(t, { kind: 'join-any', tasks: tasks.map(x => x.id) });
  }

  timeout(t: Task, ms: number, f: Value): NativeResult {
    const frame = t.frames[t.frames.length - 1]!;
    const rt = this.s.runtimes[t.runtime]!;
    const child = this.createTask(t, f, [], null, frame.handlers, frame.proto, Math.max(0, frame.pc - 1), 'async', t.runtime);
    scheduleTask(this, rt, child.id, this.cur, false);
    (child.joiners ??= []).push(t.id);
    const until = this.nowMs() + Math.ceil(ms);
    t.waitTimer = this.setTimer(until, { kind: 'timeout', task: t.id, child: child.id }, t.id, 'timeout', rt.config.timerResolution);
    return this.block(t, { kind: 'timeout', task: child.id, until });
  }

  cancelTask(_t: Task, target: TaskVal): void {
    const x = this.s.tasks[target.id];
    if (x) this.abort(x, 'cancelled by cancel()');
  }

  accept(t: Task): NativeResult {
    const s = this.s;
    const conn = s.arrived.shift();
    if (conn) {
      if (!this.consumeBudget(t)) {
        s.arrived.unshift(conn);
        return RETRY;
      }
      return conn;
    }
    s.acceptors.push(t.id);
    this.scheduleNextConnection();
    return this.block(t, { kind: 'accept' });
  }

  private scheduleNextConnection(): void {
    const s = this.s;
    if (s.connectionPending) return;
    const index = s.connectionsMade;
    const spec = this.host.connection ? this.host.connection(index) : { request: `GET /${index}`, delayMs: 1 };
    if (!spec) return;
    s.connectionsMade++;
    s.connectionPending = true;
    const conn = new ConnVal(index, spec.request);
    this.setTimer(this.nowMs() + Math.max(0, spec.delayMs ?? 1), { kind: 'connection', conn }, 0, 'connection');
  }

  private deliverConnection(conn: ConnVal): void {
    const s = this.s;
    while (s.acceptors.length > 0) {
      const t = s.tasks[s.acceptors.shift()!]!;
      if (t.state === 'blocked' && t.wait?.kind === 'accept') {
        this.wake(t, conn);
        if (s.acceptors.length > 0) this.scheduleNextConnection();
        return;
      }
    }
    s.arrived.push(conn);
  }

  connRead(t: Task, conn: Value): NativeResult {
    if (!(conn instanceof ConnVal)) throw new AriaError('type-error', `read needs a connection, not ${typeName(conn)}`);
    if (!this.consumeBudget(t)) return RETRY;
    return conn.request;
  }

  connWrite(t: Task, conn: Value, data: string): NativeResult {
    if (!(conn instanceof ConnVal)) throw new AriaError('type-error', `write needs a connection, not ${typeName(conn)}`);
    if (!this.consumeBudget(t)) return RETRY;
    conn.written.push(data);
    const n = this.s.outputs++;
    if (n >= this.seen.outputs) {
      this.seen.outputs = n + 1;
      this.host.onConnectionWrite?.(conn.id, data);
    }
    return undefined;
  }

  random(n: number): number {
    return this.s.prng.below(n);
  }

  callSite(t: Task): Span {
    const frame = t.frames[t.frames.length - 1]!;
    return frame.proto.spanAt(Math.max(0, frame.pc - 1));
  }

  // ------------------------------------------------------------ debugger stop conditions

  /** Called by the VM before each statement while a stop condition is armed; true stops the task there. */
  shouldStop(t: Task, stmt: number, depth: number): boolean {
    const c = this.stop;
    if (!c) return false;
    if (c.resumeFrom && c.resumeFrom.task === t.id && c.resumeFrom.stmt === stmt && this.stopSkip >= 0) {
      // Resuming from this breakpoint: pass it once.
      this.stop = { ...c, resumeFrom: undefined };
      return this.stepStop(t, stmt, depth, false);
    }
    return this.stepStop(t, stmt, depth, c.breakpoints.has(stmt));
  }

  private stepStop(t: Task, stmt: number, depth: number, breakpoint: boolean): boolean {
    const c = this.stop!;
    if (c.task !== undefined && (c.task === -1 || c.task === t.id) && (c.maxDepth === undefined || depth <= c.maxDepth)) {
      if (this.stopSkip > 0) {
        this.stopSkip--;
      } else {
        this.stopHit = { kind: 'stop', task: t.id, stmt, cause: 'step' };
        return true;
      }
    }
    if (breakpoint) {
      this.stopHit = { kind: 'stop', task: t.id, stmt, cause: 'breakpoint' };
      return true;
    }
    return false;
  }
}

function hasCancelNode(chain: HandlerNode | null): boolean {
  for (let n = chain; n; n = n.next) if (n.effect === 'Cancel') return true;
  return false;
}

function taskName(callee: Value): string {
  if (callee instanceof Closure) return callee.proto.kind === 'thunk' ? 'spawn' : callee.proto.name;
  if (callee instanceof BuiltinFnVal) return callee.name;
  return typeName(callee);
}

export type { FnProto };
