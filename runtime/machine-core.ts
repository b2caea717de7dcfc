// The machine's shared context: its state, its options, the event stream, timers, and stacks of tasks.
import { DEFAULT_CHOOSER, type ChoiceCursor, type Chooser } from './chooser.js';
import { HeapMeter, limitsWith, type RuntimeLimits } from './limits.js';
import type { Span } from '../analysis/syntax/ast.js';
import { Op } from './bytecode.js';
import { deepCopy, isSharedTask } from './deep-copy.js';
import type { HeapLog } from './heap-stamp.js';
import { lineColumn, type Program } from './compiler.js';
import type { EventListener, Flavor, RuntimeEvent, TimerPurpose, WaitReport } from './events.js';
import { DEFAULT_SEED, Prng } from './prng.js';
import {
  BlockingThreadState, RuntimeState, createWorkers, runtimeConfig, scheduleTask, type SchedulerContext, type ThreadState,
  type WorkerState,
  type UnstampedEvent,
} from './scheduler.js';
import { Task, type AriaFrame, type Failure, type FailureKind, type Frame, type HandlerNode } from './task.js';
import { TimerWheel, type TimerEntry } from './timer-wheel.js';

import { ChannelVal, ConnVal, ScopeVal, TokenVal, show, type Value } from './values.js';

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
  /** The generator's seed, a whole number from 0 to 2^32 - 1 (default `DEFAULT_SEED`, 1). */
  readonly seed?: number;
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
  /** List, string and heap limits (runtime/limits.ts; a field left out keeps its default). */
  readonly limits?: Partial<RuntimeLimits>;
  /**
   * How many of the tasks that failed or were cancelled last keep their frames and operand stack (`Task.endFrames`)
   * for a debugger to show their locals; default 0 (a finished task's memory is freed at once).
   */
  readonly keepEndFrames?: number;
  /**
   * Receives the events from the first one on: the main task's spawn is emitted while the machine is built, before
   * a listener assigned afterwards could see it (a trace then could not name the main task).
   */
  readonly listener?: EventListener;
  /**
   * The watchdog: virtual milliseconds the clock may jump ahead with only timers waking tasks, while some task waits
   * on another task or a channel, before that is reported (default 60,000: a minute of virtual time).
   */
  readonly watchdogMs?: number;
  /**
   * Makes the scheduler's choices (runtime/chooser.ts); default: Tokio's policies with the seeded generator. An
   * exploring chooser makes a run follow one schedule of many.
   */
  readonly chooser?: Chooser;
}

/** Why `run` returned. */
export type StopReason =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly failure: Failure }
  | { readonly kind: 'steps' }
  | { readonly kind: 'stop'; readonly task: number; readonly stmt: number; readonly cause: 'breakpoint' | 'step' }
  | { readonly kind: 'stuck'; readonly task: number }
  /** With `RunControl.beforeDeadlock`: the run found a deadlock and stopped before tearing down (see there). */
  | { readonly kind: 'deadlock'; readonly failure: Failure };

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
  /**
   * When the run finds that the main task can never go on, return `deadlock` before the teardown that cancels every
   * task: the tasks keep their waits (a debugger shows the wait-for graph there). The next `run` tears down and
   * returns the same failure as a run without this option would have.
   */
  readonly beforeDeadlock?: boolean;
}

/** A plain number: the task a `sleep` wakes (the most common timer, kept small). */
export type TimerPayload =
  | number
  | { readonly kind: 'timeout'; readonly task: number; readonly child: number }
  | { readonly kind: 'cancel-token'; readonly token: TokenVal; readonly owner: number }
  | { readonly kind: 'thread-wake'; readonly thread: number; readonly task: number }
  | { readonly kind: 'connection'; readonly conn: ConnVal };

/**
 * A `with` block's record, kept in a hidden local so leaving the block (or failing) can undo it. `enter` and `exit`
 * are the offsets where its block starts and just past its own WithExit: a record whose range lies inside another's
 * in the same frame is nested in it.
 */
export type WithRecord = { readonly enter: number; readonly exit: number } & (
  | { readonly kind: 'handler'; readonly prev: HandlerNode | null; open: boolean }
  | {
    readonly kind: 'cancel'; readonly prev: HandlerNode | null; readonly timer: TimerEntry<unknown>; open: boolean;
    /** The block's token (cancelled by its own deadline) and the stack height where its value goes. */
    readonly token: TokenVal; readonly sp: number;
  }
  | { readonly kind: 'scope'; readonly scope: ScopeVal; open: boolean }
  | { readonly kind: 'runtime'; readonly runtime: number; readonly prev: number; open: boolean });

interface RoundState {
  /** Threads taking turns this round, in the order the generator drew. */
  order: number[];
  index: number;
  /** Statements left in the current thread's turn. */
  turnLeft: number;
  /** Statements the current thread ran in this turn. */
  turnUsed: number;
  /**
   * Virtual µs the current thread's turn spent waiting for a task to become ready: a task made ready late in an
   * earlier turn of the round (spawned, woken) cannot be polled before that moment by a thread whose clock is behind.
   */
  turnWaitUs: number;
  /** The longest turn of the round in virtual µs (statements and waits): how far the round moves the clock. */
  maxSpanUs: number;
  /** The most statements any thread ran this round: the virtual time the round takes. */
  maxUsed: number;
  started: boolean;
  /** Consecutive rounds in which nothing ran. */
  idle: number;
}

/**
 * Everything that changes during a run. A checkpoint copies its structure and keeps the program's heap objects by
 * version (checkpoint.ts); `checkpoint()` below is a full deep copy.
 */
export class MachineState {
  steps = 0;
  us = 0;
  readonly wheel = new TimerWheel<TimerPayload>();
  readonly tasks: (Task | undefined)[] = [undefined];
  /**
   * The tasks that have not ended, by id, in spawn order: what a reader that wants the live ones goes through (the
   * table above keeps every task ever spawned).
   */
  readonly live = new Set<number>();
  readonly threads: ThreadState[] = [];
  readonly runtimes: RuntimeState[] = [];
  readonly round: RoundState = { order: [], index: 0, turnLeft: 0, turnUsed: 0, turnWaitUs: 0, maxUsed: 0, maxSpanUs: 0, started: false, idle: 0 };
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
  /**
   * The wait-for analysis (waits.ts): `dirty` once a task blocked on another task or a channel since the last one;
   * `progressUs`, the last time something other than a timer made a task ready, spawned or ended one (the watchdog);
   * `watchdogFrom`, the `progressUs` the watchdog last reported from. An analysis that finds nothing doubles the rounds
   * until the next one (`interval`, up to 256; `wait` counts them down); a clock jump always looks.
   */
  readonly waits = { dirty: false, progressUs: 0, watchdogFrom: -1, interval: 1, wait: 0 };
  /** Tasks already reported blocked forever, and every report (deadlock cycles, blocked forever, no progress). */
  readonly reportedDead: number[] = [];
  readonly waitReports: WaitReport[] = [];
  /** Per thread id, the virtual µs at which its last turn ended (a poll going on in its next turn resumes there). */
  readonly turnEndUs: number[] = [];
  /** The task that began the most recent statement. */
  lastTask = 0;
  /** The run was cut short (step limit, deadlock); the stop is final. */
  stopped: StopReason | null = null;
  /** A deadlock found under `RunControl.beforeDeadlock`, told and not yet torn down (the next `run` does it). */
  pendingDeadlock: Failure | null = null;
  /** The choice points met so far (an exploring chooser's position in its schedule). */
  readonly choices: ChoiceCursor = { picks: 0 };
  constructor(readonly prng: Prng) {}
}

/** What a woken task's pending call returns when it re-runs its instruction instead. */
export const NO_VALUE: unique symbol = Symbol('no value');

/** Frames a failure keeps (innermost and outermost) when the stack is deeper. */
export const MAX_FAILURE_FRAMES = 64;
/** Of those, the outermost ones (the rest are the innermost). */
export const FAILURE_OUTER_FRAMES = 16;

/**
 * The context every room of the machine shares: its state, options, event stream, clock helpers and the
 * answers about stacks and failures. The rooms (`lifecycle.ts`, `channels.ts`, `network.ts`, `rounds.ts`)
 * extend it in that order, each calling only the rooms below it; `Machine` (machine.ts) is the last.
 */
export abstract class MachineCore implements SchedulerContext {
  s: MachineState;
  listener: EventListener | undefined;
  /**
   * How far output and events have got, over every state this machine has been in: after a restore, the
   * replayed run emits nothing it already emitted (a run is deterministic, so it is the same sequence).
   */
  readonly seen = { outputs: 0, events: 0 };
  /**
   * Where the program's writes to its heap are reported while this machine runs (`touch`, heap-stamp.ts): the
   * version store of its time travel (checkpoint.ts sets it), else nothing.
   */
  heapLog: HeapLog | null = null;
  /** The task the current run holds alone (`RunControl.hold`), or -1. */
  protected hold = -1;
  /** The current run's stop condition (`RunControl.stop`); `stopArmed` tells the VM to check it at each statement. */
  protected stop: StopCondition | null = null;
  protected retarget: RunControl['retarget'] = undefined;
  /** The current run's `RunControl.beforeDeadlock`. */
  protected beforeDeadlock = false;
  /** The condition in force when the last run returned (a consumed `resumeFrom` and retargets applied). */
  protected lastStop: StopCondition | null = null;
  protected armed = false;
  protected stopSkip = 0;
  protected stopHit: StopReason | null = null;
  /**
   * Statements the VM has completed in its current run of statements and not yet added to `s.steps`: the VM sets it
   * at each statement, so that an event raised inside one (a spawn, a wake, an output) carries that statement's step.
   */
  inFlightSteps = 0;
  /** See VmHost.sharedAccess: read by the turn loop when the chooser preempts. */
  sharedAccess = false;
  /** True while timers fire: what they wake is not progress for the watchdog. */
  protected firingTimers = false;
  /** The thread running the current poll (its worker takes local wakes). */
  protected cur: ThreadState | null = null;
  /** The worker processing due timers on the driver: what they wake goes to its local queues. */
  protected driving: WorkerState | null = null;
  readonly maxDepth: number;
  readonly quantum: number;
  readonly statementUs: number;
  readonly stepLimit: number;
  readonly limits: RuntimeLimits;
  /** Measures the heap for the VM (the heap limit). */
  readonly heap: HeapMeter;
  readonly chooser: Chooser;

  get ok() { return this.program.ctors.ok; }
  get err() { return this.program.ctors.err; }
  get some() { return this.program.ctors.some; }
  get none() { return this.program.ctors.none; }

  constructor(readonly program: Program, readonly host: Host, readonly options: MachineOptions = {}) {
    this.listener = options.listener;
    this.chooser = options.chooser ?? DEFAULT_CHOOSER;
    this.maxDepth = options.maxDepth ?? 10_000;
    this.quantum = Math.max(1, options.quantum ?? 100);
    this.statementUs = options.statementUs ?? 1;
    this.stepLimit = options.stepLimit ?? Infinity;
    this.limits = limitsWith(options.limits);
    this.heap = new HeapMeter(this.limits.maxHeapBytes);
    this.s = new MachineState(new Prng(options.seed ?? DEFAULT_SEED));
    const rt = this.newRuntime(runtimeConfig(options.flavor ?? 'multi', options.workers ?? 4), -1);
    const main = new Task(this.newTaskId(), 'main', 'main', 0, rt.id, -1, null, program.main, -1, 0, 0);
    main.frames.push({ proto: program.main, pc: 0, base: 0, retSp: 0, closure: null, handlers: null });
    for (let i = 0; i < program.main.locals.length; i++) main.stack.push(null as unknown as Value);
    main.sp = program.main.locals.length;
    this.s.tasks[main.id] = main;
    this.s.live.add(main.id);
    this.s.mainTask = main.id;
    rt.blockOnTask = main.id; // `#[tokio::main]`: block_on polls the main task
    rt.metrics.spawnedTasksCount++;
    this.event({ kind: 'spawn', task: main.id, name: main.name, parent: 0, runtime: rt.id, blocking: false, site: this.siteText(main.spawnModule, main.spawnSpan) });
    scheduleTask(this, rt, main.id, null, false);
  }

  get threads(): ThreadState[] {
    return this.s.threads;
  }

  get runtimes(): RuntimeState[] {
    return this.s.runtimes;
  }

  get prng(): Prng {
    return this.s.prng;
  }

  get choices(): ChoiceCursor {
    return this.s.choices;
  }

  get emit(): ((e: UnstampedEvent) => void) | undefined {
    return this.emitNow;
  }

  /**
   * Every event is counted (the count is part of the state); one reaches the listener only the first time
   * the run gets there, so replaying after going back never repeats an event.
   */
  protected readonly emitNow = (e: UnstampedEvent): void => {
    const n = this.s.events++;
    if (n < this.seen.events) return;
    this.seen.events = n + 1;
    if (!this.listener) return;
    const stamped = { ...e, step: this.s.steps + this.inFlightSteps, us: this.nowUs() } as RuntimeEvent;
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

  /**
   * The true virtual time of the thread now running: the round's start plus the statements its turn has run
   * (`turnUsed`, and `inFlightSteps` inside the VM) and the time it waited for a task to become ready
   * (`turnWaitUs`). Between turns all are 0, so it is the round-start clock.
   */
  nowUs(): number {
    const r = this.s.round;
    return this.s.us + r.turnWaitUs + (r.turnUsed + this.inFlightSteps) * this.statementUs;
  }

  /** The last counter sample sent per runtime (see `sampleCounters`); not state: samples are not counted events. */
  private readonly lastCounters: string[] = [];

  /** Sends the listener each runtime's queue depths and worker states when they changed since the last sample. */
  protected sampleCounters(): void {
    const listener = this.listener;
    if (!listener) return;
    for (const rt of this.s.runtimes) {
      if (rt.closed) continue;
      let searching = 0;
      let parked = 0;
      const local: number[] = [];
      for (const id of rt.workers) {
        const w = this.s.threads[id] as WorkerState;
        if (w.searching) searching++;
        if (w.parked) parked++;
        local.push(w.queue.length + (w.lifo >= 0 ? 1 : 0));
      }
      const injection = rt.inject.length;
      const blockingQueue = rt.blockingQueue.length;
      const key = `${injection} ${blockingQueue} ${searching} ${parked} ${local.join(' ')}`;
      if (this.lastCounters[rt.id] === key) continue;
      this.lastCounters[rt.id] = key;
      listener({
        kind: 'counters', runtime: rt.id, injection, blockingQueue, searching, parked, local,
        step: this.s.steps + this.inFlightSteps, us: this.nowUs(),
      });
    }
  }

  protected event(e: UnstampedEvent): void {
    this.emitNow(e);
  }

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

  /**
   * Takes `state` as the machine's state as it is, without copying it: time travel restores a checkpoint this way
   * (it copies the checkpoint's structure itself and puts the heap objects back in place). Otherwise as `restore`.
   */
  adoptState(state: MachineState, options: { readonly redeliverEvents?: boolean } = {}): void {
    this.s = state;
    if (options.redeliverEvents) this.seen.events = this.s.events;
    this.stopHit = null;
    this.cur = null;
  }

  protected idleBlockingThreads(rt: RuntimeState): number {
    let n = 0;
    for (const id of rt.blockingThreads) {
      const b = this.s.threads[id] as BlockingThreadState;
      if (!b.closed && b.current === -1) n++;
    }
    return n;
  }

  protected setTimer(deadlineMs: number, payload: TimerPayload, owner: number, purpose: TimerPurpose, resolution = 1): TimerEntry<TimerPayload> {
    const d = resolution > 1 ? Math.ceil(deadlineMs / resolution) * resolution : deadlineMs;
    const entry = this.s.wheel.insert(d, payload);
    this.event({ kind: 'timer-set', timer: entry.id, deadline: entry.deadline, owner, purpose });
    return entry;
  }

  /**
   * `t`, ready to be written. A finished task is frozen once a checkpoint has copied it, and from then on shared by the
   * checkpoints and the machine's state (checkpoint.ts); its rare later writes (`observed`, `endFrames`) go to a copy
   * that takes its place in the state (copy-on-write). Tasks are referred to by id everywhere else, so the copy is
   * the task from then on.
   */
  protected writable(t: Task): Task {
    if (!isSharedTask(t)) return t;
    const copy = Object.assign(Object.create(Task.prototype) as Task, t);
    this.s.tasks[t.id] = copy;
    return copy;
  }

  protected newTaskId(): number {
    return this.s.tasks.length;
  }

  newToken(parent: TokenVal | null): TokenVal {
    return new TokenVal(this.s.nextToken++, parent);
  }

  protected newRuntime(config: ReturnType<typeof runtimeConfig>, owner: number): RuntimeState {
    const rt = new RuntimeState(this.s.runtimes.length, config, owner);
    rt.blockOnTask = owner; // `rt.block_on`: the task whose `with` started it (-1: the main task, set by the caller)
    this.s.runtimes.push(rt);
    createWorkers(this, rt);
    this.event({ kind: 'runtime-start', runtime: rt.id, flavor: config.flavor, workers: config.workers });
    return rt;
  }

  /** The innermost Cancel token of a handler chain, else the task's own. */
  protected currentToken(task: Task, handlers: HandlerNode | null): TokenVal {
    for (let n = handlers; n; n = n.next) if (n.effect === 'Cancel' && n.token) return n.token;
    return task.token;
  }

  siteText(module: string, span: Span): string {
    const { line, column } = lineColumn(this.program.sources.get(module), span.start);
    return `${module}:${line + 1}:${column + 1}`;
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

  nowMs(): number {
    return Math.floor(this.s.us / 1000);
  }

  /**
   * The millisecond a timer of `ms` set now fires at: now (the running thread's true time) plus the duration, rounded
   * up, so a sleep never ends early (Tokio's `TimeSource::deadline_to_tick` rounds up to the next millisecond tick).
   */
  deadlineMs(ms: number): number {
    return Math.ceil((this.nowUs() + Math.max(0, ms) * 1000) / 1000);
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

  readFile(path: string): string {
    return this.host.readFile?.(path) ?? `contents of ${path}`;
  }

  random(n: number): number {
    return this.s.prng.below(n);
  }

  callSite(t: Task): Span {
    const frame = t.frames[t.frames.length - 1]!;
    return frame.proto.spanAt(Math.max(0, frame.pc - 1));
  }

}
