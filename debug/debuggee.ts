// Drives one run of the runtime for the debugger: resumes in slices (so pause always lands), steps one task, stops at breakpoints and failures.
import {
  FAILURE_OUTER_FRAMES, Machine, TimeTravel, describeWait, frameLocals, isAtStatement, show, snapshot,
  type Failure, type FailureKind, type Frame, type Program, type RuntimeEvent, type StopCondition, type StopReason, type Task, type Value,
  ReplayChooser,
} from '../runtime/index.js';
import { BreakpointTable, PRELUDE_MODULE, parseHitCondition, parseLogMessage, type ActiveBreakpoint } from './breakpoints.js';
import type { LaunchConfig } from './launch-config.js';
import type { RuntimeStateBody, TimelineBody, TimelineThread } from './protocol.js';
import { MAX_RECORDED_POLLS, TimelineRecorder, locateIn, runtimeStateBody } from './runtime-state.js';

/** A stop takes a checkpoint when this many steps ran since the last one (cheap stepBack after a few steps). */
const STOP_CHECKPOINT_MIN = 2_000;
/** Fewest steps between two checkpoints taken while the program runs. */
const CHECKPOINT_INTERVAL = 20_000;
/** Checkpoints kept; past this, every other old one is dropped (the newest stay dense). */
const MAX_CHECKPOINTS = 128;
/**
 * The checkpoints' memory budget, as `TimeTravel.memory()` estimates it (array slots and string characters counted):
 * past it, checkpoints are dropped evenly (see docs/debugging.md, "Stepping back").
 */
export const CHECKPOINT_BUDGET_BYTES = 128 * 1024 * 1024;
/** A checkpoint waits a step per this many bytes the stretch before it copied (a big list written: fewer checkpoints). */
const CHECKPOINT_BYTES_PER_STEP = 64;

/** Statements run between two looks at the message queue while the program runs freely. */
export const SLICE_STEPS = 20_000;
/** Tasks that failed or were cancelled last whose locals stay inspectable (each keeps its frames and operand stack). */
const KEEP_END_FRAMES = 64;

export type StopReasonName = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'pause' | 'exception' | 'goto';

/** The exception breakpoint filters (see docs/debugging.md). */
export const EXCEPTION_FILTERS = [
  { filter: 'uncaught', label: 'Uncaught Failures', description: 'A failure that ends the program, or that no task awaits', default: true },
  { filter: 'failure', label: 'All Task Failures', description: 'Any task failing (panic, assertion, division by zero...), even when awaited', default: false },
  { filter: 'cancellation', label: 'Task Cancellation', description: 'A task being cancelled (timeout, race, a failing scope sibling)', default: false },
  { filter: 'unhandled', label: 'Unhandled Operation', description: 'An effect operation performed where no handler serves it', default: true },
  { filter: 'deadlock', label: 'Deadlock', description: 'Tasks that wait on each other, a wait nothing can complete, or a run that only timers move', default: true },
] as const;

export type ExceptionFilter = (typeof EXCEPTION_FILTERS)[number]['filter'];

export interface ExceptionStop {
  readonly filter: ExceptionFilter;
  readonly failure: Failure | { readonly kind: 'cancelled'; readonly message: string; readonly task: number; readonly taskName: string; readonly stack: Failure['stack'] };
}

export interface Stop {
  readonly reason: StopReasonName;
  /** The task the stop is about (its thread gets the focus). */
  readonly task: number;
  readonly stmt: number;
  readonly breakpoints?: readonly number[];
  readonly exception?: ExceptionStop;
  readonly description?: string;
}

export type Outcome =
  | { readonly kind: 'stopped'; readonly stop: Stop }
  | { readonly kind: 'ended'; readonly exitCode: number; readonly failure?: Failure };

export type ResumeMode =
  | { readonly kind: 'continue' }
  | { readonly kind: 'next' | 'stepIn' | 'stepOut'; readonly task: number };

export interface FrameInfo {
  readonly index: number;
  readonly fn: string;
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly prelude: boolean;
}

export interface DebuggeeHooks {
  /** Program output (category stdout) and adapter messages (console). */
  output(text: string, category: 'stdout' | 'console' | 'stderr'): void;
  /** Tasks that started and ended since the last call (batched per slice). */
  threads(started: readonly { id: number; name: string }[], exited: readonly number[]): void;
  /** Evaluates a breakpoint condition or logpoint expression in the stopped task's top frame. */
  evaluate?(task: number, expression: string): { ok: true; value: Value } | { ok: false; error: string };
}

/** Yields to the event loop so requests (pause, disconnect) are read between slices. */
const yieldToLoop = () => new Promise<void>(resolve => setImmediate(resolve));

export class Debuggee {
  readonly machine: Machine;
  recorder: TimelineRecorder;
  /** Checkpoints (each keeps the timeline and the output count) and replay: stepBack and reverseContinue. */
  readonly travel: TimeTravel<{ readonly recorder: TimelineRecorder; readonly outputLines: number }>;
  /** Replaying history to step back: no output, no thread events, no exception stops. */
  private replaying = false;
  /** Every breakpoint hit counted, with the step it was at (for stepping back: see `rewindHits`). */
  private hitLog: { readonly step: number; readonly bp: ActiveBreakpoint }[] = [];
  readonly breakpoints: BreakpointTable;
  exceptionFilters = new Set<ExceptionFilter>(EXCEPTION_FILTERS.filter(f => f.default).map(f => f.filter));
  /** Where the run is stopped now (undefined while running or before the start). */
  current: Stop | undefined;
  /** A finished task the user chose to look at while stopped (one that kept its frames); forgotten on resuming. */
  private inspected = 0;
  ended: Outcome | undefined;
  outputLines = 0;
  private running = false;
  private pauseRequested = false;
  private cancelled = false;
  /** Exception stops waiting to be reported, oldest first (a failure cascades: the task, then its awaiter). */
  private exceptionQueue: ExceptionStop[] = [];
  /** Failures already reported as stops, so the run's final failure is not shown twice. */
  private readonly reported = new Set<string>();
  private started = new Map<number, string>();
  /** New tasks waiting for their first statement (`stopOnSpawn`). */
  private readonly spawnStops = new Set<number>();
  private exited: number[] = [];

  constructor(readonly config: LaunchConfig, readonly program: Program, private readonly hooks: DebuggeeHooks, breakpoints?: BreakpointTable) {
    this.recorder = new TimelineRecorder(MAX_RECORDED_POLLS, 1, task => locateIn(this.machine)(task));
    this.breakpoints = breakpoints ?? new BreakpointTable(program);
    this.machine = new Machine(program, { write: text => this.write(text) }, {
      workers: config.workers, seed: config.seed, flavor: config.flavor, ...(config.stepLimit > 0 ? { stepLimit: config.stepLimit } : {}),
      keepEndFrames: KEEP_END_FRAMES,
      // A replay file's schedule: its choices, by choice point (the cursor is in the state, so going back replays them).
      ...(config.replay ? { chooser: replayChooser(config.replay.file) } : {}),
      limits: { maxListLength: config.maxListLength, maxStringLength: config.maxStringLength, maxHeapBytes: config.maxHeapMb * 1024 * 1024 },
    });
    this.machine.listener = this.onEvent;
    // the main task exists before the first event listener was attached
    this.started.set(this.machine.state.mainTask, 'main');
    this.recorder.onEvent({ kind: 'spawn', step: 0, us: 0, task: this.machine.state.mainTask, name: 'main', parent: 0, runtime: 0, blocking: false, site: '' });
    this.travel = new TimeTravel(this.machine, {
      minInterval: CHECKPOINT_INTERVAL, maxCheckpoints: MAX_CHECKPOINTS, maxBytes: CHECKPOINT_BUDGET_BYTES, bytesPerStep: CHECKPOINT_BYTES_PER_STEP,
      keep: () => ({ recorder: this.recorder.clone(), outputLines: this.outputLines }),
      restored: kept => {
        this.recorder = kept.recorder.clone();
        this.outputLines = kept.outputLines;
      },
    });
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The machine writes each piece of output once (never again on a replay or a second pass after a jump back). */
  private write(text: string): void {
    if (!this.replaying) this.hooks.output(text, 'stdout');
  }

  private readonly onEvent = (e: RuntimeEvent): void => {
    this.recorder.onEvent(e);
    // counted from the event, which replays deliver again (from the count a restored checkpoint kept)
    if (e.kind === 'output') for (const c of e.text) if (c === '\n') this.outputLines++;
    if (this.replaying) return;
    switch (e.kind) {
      case 'spawn':
        this.started.set(e.task, e.name);
        if (this.config.stopOnSpawn && this.running && !this.config.noDebug) {
          // stop at the new task's first statement: watch every task's next statement until it comes (`retarget`)
          this.spawnStops.add(e.task);
          this.widen = { breakpoints: this.widen?.breakpoints, task: -1 };
        }
        break;
      case 'complete':
        this.exited.push(e.task);
        break;
      case 'fail': {
        this.exited.push(e.task);
        const f = e.failure;
        const filter: ExceptionFilter | undefined =
          f.kind === 'unhandled-operation' && this.exceptionFilters.has('unhandled') ? 'unhandled'
            : f.kind === 'cancelled' && this.exceptionFilters.has('cancellation') ? 'cancellation'
              : f.kind !== 'cancelled' && this.exceptionFilters.has('failure') ? 'failure' : undefined;
        if (filter) this.armException({ filter, failure: f });
        break;
      }
      case 'deadlock': {
        // Found while other tasks and timers go on: stop at the next statement any task runs (or at the run's end).
        if (!this.exceptionFilters.has('deadlock')) break;
        const t = this.machine.state.tasks[e.report.tasks[0] ?? 0];
        const blocked = e.report.tasks.map(id => this.machine.state.tasks[id]).filter(x => !!x && !!x.wait)
          .map(x => ({ task: x!.id, name: x!.name, waitsOn: describeWait(x!.wait!), at: this.machine.stackOf(x!)[0] }));
        this.armException({
          filter: 'deadlock',
          failure: { kind: 'deadlock', message: e.report.message, task: t?.id ?? 0, taskName: t?.name ?? '', stack: t ? this.machine.stackOf(t) : [], blocked },
        });
        break;
      }
      case 'cancel': {
        this.exited.push(e.task);
        if (this.exceptionFilters.has('cancellation')) {
          const t = this.machine.state.tasks[e.task];
          this.armException({ filter: 'cancellation', failure: { kind: 'cancelled', message: `task #${e.task} cancelled: ${e.reason}`, task: e.task, taskName: t?.name ?? '', stack: t?.failure?.stack ?? [] } });
        }
        break;
      }
      default:
        break;
    }
  };


  /** Remembers an exception stop and makes the run stop at the next statement of any task. */
  private armException(x: ExceptionStop): void {
    this.exceptionQueue.push(x);
    this.widen = { breakpoints: this.breakpoints.statementSet(), task: -1 };
  }

  /**
   * What the last event asks of the run in progress: stop at the next statement of any task, keeping the
   * breakpoints in force (undefined) or these. Handed to the machine by `retarget`, after each event.
   */
  private widen: { breakpoints: ReadonlySet<number> | undefined; task: -1 } | undefined;

  private readonly retarget = (e: RuntimeEvent, current: StopCondition): StopCondition | undefined => {
    const w = this.widen;
    this.widen = undefined;
    // The task the step watches now ended. It need not be the task the user stepped: a step that went into the
    // prelude (a `join`) watches the task running it. Either way, stop wherever the program goes next.
    const watchedEnded = (e.kind === 'complete' || e.kind === 'fail' || e.kind === 'cancel') && current.task !== undefined && current.task > 0 && e.task === current.task;
    if (!w && !watchedEnded) return undefined;
    return { breakpoints: w?.breakpoints ?? current.breakpoints, task: -1 };
  };

  private static failureKey(f: ExceptionStop['failure']): string {
    return `${f.task}:${f.kind}:${f.message}`;
  }

  /** The next queued exception not reported yet. */
  private nextQueued(): ExceptionStop | undefined {
    for (;;) {
      const x = this.exceptionQueue.shift();
      if (!x) return undefined;
      const key = Debuggee.failureKey(x.failure);
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      return x;
    }
  }

  private flushThreads(): void {
    if (this.started.size === 0 && this.exited.length === 0) return;
    const exitedSet = new Set(this.exited);
    // a task that started and ended within one slice is reported as neither
    const started = [...this.started].filter(([id]) => !exitedSet.has(id)).map(([id, name]) => ({ id, name }));
    const exited = this.exited.filter(id => !this.started.has(id));
    this.started.clear();
    this.exited = [];
    if (started.length > 0 || exited.length > 0) this.hooks.threads(started, exited);
  }

  requestPause(): void {
    if (this.running) this.pauseRequested = true;
  }

  /** Ends the run loop at the next slice (terminate, disconnect). */
  cancel(): void {
    this.cancelled = true;
  }

  /** Starts the run: stops on entry, or runs to the first stop. */
  start(stopOnEntry: boolean): Promise<Outcome> {
    if (stopOnEntry) {
      return this.drive({ breakpoints: this.breakpoints.statementSet(), task: -1 }, 'entry');
    }
    return this.resume({ kind: 'continue' });
  }

  resume(mode: ResumeMode): Promise<Outcome> {
    const bps = this.config.noDebug ? new Set<number>() : this.breakpoints.statementSet();
    const from = this.current;
    const resumeFrom = from && from.stmt >= 0 ? { task: from.task, stmt: from.stmt } : undefined;
    switch (mode.kind) {
      case 'continue':
        return this.drive({ breakpoints: bps, ...(resumeFrom ? { resumeFrom } : {}) }, 'breakpoint');
      case 'stepIn':
        return this.drive({ breakpoints: bps, task: mode.task, skip: this.pausedBeforeStatement(mode.task) ? 1 : 0, ...(resumeFrom ? { resumeFrom } : {}) }, 'step', mode.task, this.holdFor(mode.task));
      case 'next': {
        const depth = this.depth(mode.task);
        return this.drive({ breakpoints: bps, task: mode.task, maxDepth: depth, skip: this.pausedBeforeStatement(mode.task) ? 1 : 0, ...(resumeFrom ? { resumeFrom } : {}) }, 'step', mode.task, this.holdFor(mode.task));
      }
      case 'stepOut': {
        const depth = this.depth(mode.task);
        return this.drive({ breakpoints: bps, task: mode.task, maxDepth: Math.max(0, depth - 1), ...(resumeFrom ? { resumeFrom } : {}) }, 'step', mode.task, this.holdFor(mode.task));
      }
      default: {
        const never: never = mode;
        throw new Error(String(never));
      }
    }
  }

  /** The task to run alone while stepping `task` (`"otherTasks": "hold"`), or -1: every task runs. */
  private holdFor(task: number): number {
    const t = this.task(task);
    return this.config.otherTasks === 'hold' && !this.config.noDebug && t && !t.done ? task : -1;
  }


  /**
   * After a jump back to `step`: each breakpoint's hit count is what it was then (the hits counted up to and at
   * that step), so hit conditions count from there as they did the first time.
   */
  private rewindHits(step: number): void {
    this.hitLog = this.hitLog.filter(h => h.step <= step);
    const counts = new Map<ActiveBreakpoint, number>();
    for (const h of this.hitLog) counts.set(h.bp, (counts.get(h.bp) ?? 0) + 1);
    for (const bp of this.breakpoints.all()) bp.hits = counts.get(bp) ?? 0;
  }

  /** After a jump back to `step`: the recorded future may not happen again (held stretches change the schedule). */
  /** Frame depth of a task as the VM counts it at a statement. */
  depth(task: number): number {
    return this.machine.state.tasks[task]?.frames.length ?? 0;
  }

  /** Whether the task sits right before a statement (so resuming it first re-checks that statement). */
  private pausedBeforeStatement(task: number): boolean {
    const t = this.machine.state.tasks[task];
    return !!t && !t.done && isAtStatement(t);
  }

  /**
   * Runs the machine under `cond` until something worth stopping for. Breakpoint conditions, hit counts and
   * logpoints are decided here; steps that land in the prelude keep going until they reach user code.
   */
  private async drive(cond: StopCondition, defaultReason: StopReasonName, stepTask = 0, hold = -1): Promise<Outcome> {
    if (this.ended) return this.ended;
    if (this.running) throw new Error('the program is already running');
    this.running = true;
    this.current = undefined;
    this.inspected = 0;
    this.pauseRequested = false;
    this.widen = undefined;
    const m = this.machine;
    // The condition in force: passed to each slice, and carried over from the last (`Machine.stopCondition`).
    let stop = cond;
    if (this.spawnStops.size > 0 && cond.task === undefined) {
      // new tasks still owe their first stop: watch every statement (passing the one we resume from)
      stop = { ...cond, task: -1, skip: cond.resumeFrom ? 1 : 0 };
    }
    // A condition's `skip` passes statements of its task (any task for -1). The machine counts it down within a
    // slice only, so the count is judged here: once that task ran a statement after the skip was set, it is spent.
    const stepsOf = (task: number | undefined): number => (task === undefined ? 0 : task === -1 ? m.state.steps : (this.task(task)?.steps ?? 0));
    let skipMark = stepsOf(stop.task);
    const setStop = (c: StopCondition): void => {
      stop = c;
      skipMark = stepsOf(c.task);
    };
    let pausing = false;
    // Holding the other tasks: recorded (with pinned checkpoints at both ends) so replays hold the same task.
    if (hold >= 0) this.travel.beginHold(hold);
    try {
      for (;;) {
        if (this.cancelled) return (this.ended = { kind: 'ended', exitCode: 1 });
        if (this.pauseRequested && !pausing) {
          pausing = true;
          setStop({ breakpoints: cond.breakpoints, task: -1 });
        }
        // A deadlock stops before the teardown cancels every task, so the views show the waits (not with noDebug).
        const beforeDeadlock = this.exceptionFilters.has('deadlock') && !this.config.noDebug;
        const r: StopReason = this.travel.run(SLICE_STEPS, { stop, retarget: this.retarget, beforeDeadlock });
        const carried = m.stopCondition ?? stop;
        if (carried !== stop) {
          // a retarget (a task ended, a failure, a new task) replaced the condition: it carries no skip
          stop = carried;
          if (!stop.skip) skipMark = stepsOf(stop.task);
        }
        this.flushThreads();
        if (stop.skip && stepsOf(stop.task) > skipMark) stop = { ...stop, skip: 0 };
        switch (r.kind) {
          case 'steps':
            await yieldToLoop();
            continue;
          case 'stuck': {
            // the held task cannot go on alone (it waits on another task, or it ended)
            this.travel.endHold();
            const t = this.task(r.task);
            if (!t || t.done) continue; // it ended: the step stops wherever the program goes next, as without hold
            const waits = t.wait ? describeWait(t.wait) : undefined;
            const why = `task #${t.id} (${t.name}) cannot go on while the other tasks are held${waits ? `: it waits on ${waits}` : ''}`;
            this.hooks.output(`${why}\n`, 'console');
            return this.stopAt({ reason: 'step', task: t.id, stmt: -1, description: why });
          }
          case 'deadlock': {
            // every task still waits; continuing tears down (the run then ends with this failure, not stopping again)
            const failure = r.failure;
            this.reported.add(Debuggee.failureKey(failure));
            // the focus: the first task of the cycle, else of the blocked, that has Aria frames to show
            const ids = [...(failure.cycle ?? []), ...(failure.blocked ?? []).map(b => b.task), m.state.mainTask];
            const task = ids.find(id => this.stack(id).length > 0) ?? ids[0]!;
            return this.stopAt({ reason: 'exception', task, stmt: -1, exception: { filter: 'deadlock', failure }, description: failure.message });
          }
          case 'done':
          case 'failed': {
            const failure = r.kind === 'failed' ? r.failure : undefined;
            const exceptionStop = this.finalException(failure);
            if (exceptionStop) return this.stopAt(exceptionStop);
            const s = m.state;
            const unobserved = s.unobserved.length > 0;
            return (this.ended = { kind: 'ended', exitCode: failure || unobserved ? 1 : 0, ...(failure ? { failure } : {}) });
          }
          case 'stop': {
            const x = this.nextQueued();
            if (x) {
              return this.stopAt({ reason: 'exception', task: x.failure.task > 0 ? x.failure.task : r.task, stmt: r.stmt, exception: x, description: x.failure.message });
            }
            if (pausing) return this.stopAt({ reason: 'pause', task: r.task, stmt: r.stmt });
            const inPrelude = m.program.stmts[r.stmt]?.module === PRELUDE_MODULE;
            if (r.cause === 'step') {
              if (defaultReason === 'entry') return this.stopAt({ reason: 'entry', task: r.task, stmt: r.stmt });
              if (this.spawnStops.delete(r.task)) {
                return this.stopAt({ reason: 'entry', task: r.task, stmt: r.stmt, description: `Task #${r.task} started` });
              }
              if (this.spawnStops.size > 0 && !(stepTask === r.task && !inPrelude)) {
                // watching for a new task's first statement: pass this one
                setStop({ breakpoints: cond.breakpoints, task: -1, skip: 1, resumeFrom: { task: r.task, stmt: r.stmt } });
                continue;
              }
              if (inPrelude) {
                // library code: keep stepping in until user code runs again in this task
                setStop({ breakpoints: cond.breakpoints, task: r.task, skip: 1 });
                continue;
              }
              return this.stopAt({ reason: 'step', task: r.task, stmt: r.stmt });
            }
            const decision = this.breakpointDecision(r.task, r.stmt);
            if (decision.stop) {
              const fn = decision.hit.every(b => b.kind === 'function');
              return this.stopAt({ reason: fn ? 'function breakpoint' : 'breakpoint', task: r.task, stmt: r.stmt, breakpoints: decision.hit.map(b => b.id) });
            }
            // not stopping here: pass this statement once and keep the condition in force (the step may have moved
            // to another task: a prelude `join` it went into, or any task once the stepped one ended)
            setStop({ ...stop, resumeFrom: { task: r.task, stmt: r.stmt } });
            continue;
          }
          default: {
            const never: never = r;
            throw new Error(String(never));
          }
        }
      }
    } finally {
      this.travel.endHold();
      this.running = false;
      this.widen = undefined;
    }
  }

  /** A run that ended stops first for queued exceptions, then for its final failure when a filter asks (each once). */
  private finalException(failure: Failure | undefined): Stop | undefined {
    const s = this.machine.state;
    let x: ExceptionStop | undefined = this.nextQueued();
    if (!x && failure && !this.reported.has(Debuggee.failureKey(failure))) {
      if (failure.kind === 'deadlock' && this.exceptionFilters.has('deadlock')) x = { filter: 'deadlock', failure };
      else if (failure.kind === 'unhandled-operation' && this.exceptionFilters.has('unhandled')) x = { filter: 'unhandled', failure };
      else if (failure.kind !== 'deadlock' && this.exceptionFilters.has('uncaught')) x = { filter: 'uncaught', failure };
    }
    if (!x && this.exceptionFilters.has('uncaught')) {
      for (const id of s.unobserved) {
        const f = s.tasks[id]?.failure;
        if (f && !this.reported.has(Debuggee.failureKey(f))) {
          x = { filter: 'uncaught', failure: f };
          break;
        }
      }
    }
    if (!x) return undefined;
    this.reported.add(Debuggee.failureKey(x.failure));
    const task = x.failure.task > 0 ? x.failure.task : this.firstBlockedTask(x.failure) ?? s.mainTask;
    return { reason: 'exception', task, stmt: -1, exception: x, description: x.failure.message };
  }

  private firstBlockedTask(f: ExceptionStop['failure']): number | undefined {
    return 'blocked' in f && f.blocked && f.blocked.length > 0 ? f.blocked[0]!.task : undefined;
  }

  private stopAt(stop: Stop): Outcome {
    this.current = stop;
    this.travel.takeIfDue(STOP_CHECKPOINT_MIN);
    return { kind: 'stopped', stop };
  }

  // ------------------------------------------------------------ stepping backwards

  /** The live tasks now, by id (for thread events after a jump in time). */
  private liveTasks(): Map<number, string> {
    const out = new Map<number, string>();
    const s = this.machine.state;
    for (const id of s.live) out.set(id, s.tasks[id]!.name);
    return out;
  }

  private async goBack(find: () => { step: number; task: number; reason: StopReasonName } | undefined): Promise<Outcome> {
    if (this.ended) return this.ended;
    if (this.running) throw new Error('the program is already running');
    const from = this.current;
    const home = this.machine.state.steps;
    const before = this.liveTasks();
    this.running = true;
    this.replaying = true;
    let outcome: Outcome;
    try {
      const target = find();
      let landed: Stop | undefined;
      if (target) {
        const stmt = this.travel.replayTo(target.step, target.task);
        if (stmt >= 0) landed = { reason: target.reason, task: target.task, stmt };
      }
      if (!landed) {
        // nothing earlier: back to where we were (replayed from the checkpoint before it, as any point is)
        if (!from || from.stmt < 0 || this.travel.replayTo(home, from.task) < 0) this.travel.seek(home);
        landed = { ...(from ?? { task: this.machine.state.mainTask, stmt: -1 }), reason: 'step', description: 'No earlier point to go back to' };
      }
      this.travel.forgetAfter(this.machine.state.steps);
      this.rewindHits(this.machine.state.steps);
      this.exceptionQueue = [];
      this.reported.clear();
      this.current = landed;
      this.inspected = 0;
      outcome = { kind: 'stopped', stop: landed };
    } finally {
      this.replaying = false;
      this.running = false;
    }
    const after = this.liveTasks();
    const started = [...after].filter(([id]) => !before.has(id)).map(([id, name]) => ({ id, name }));
    const exited = [...before.keys()].filter(id => !after.has(id));
    if (started.length > 0 || exited.length > 0) this.hooks.threads(started, exited);
    return outcome;
  }

  /** Steps `task` back to its previous statement at the same depth or shallower (reverse of `next`). */
  stepBack(task: number): Promise<Outcome> {
    const now = this.machine.state.steps;
    const depth = this.depth(task);
    return this.goBack(() => {
      const found = this.travel.lastStopBefore(now, { breakpoints: new Set(), task, maxDepth: Math.max(depth, 1) }, () => true);
      return found ? { step: found.step, task, reason: 'step' } : undefined;
    });
  }

  /** Runs backwards to the previous breakpoint hit (conditions hold, hit counts and logpoints are not replayed), else to the start. */
  reverseContinue(): Promise<Outcome> {
    const now = this.machine.state.steps;
    const bps = this.breakpoints.statementSet();
    return this.goBack(() => {
      const found = bps.size === 0 ? undefined : this.travel.lastStopBefore(now, { breakpoints: bps }, (task, stmt) => this.breakpoints.at(stmt).some(bp => {
        if (bp.logMessage !== undefined) return false;
        if (!bp.condition) return true;
        const r = this.hooks.evaluate?.(task, bp.condition);
        return !r || !r.ok || r.value === true;
      }));
      if (found) return { step: found.step, task: found.task, reason: 'breakpoint' };
      return { step: 0, task: this.machine.state.mainTask, reason: 'entry' };
    });
  }

  /** Counts the hit and decides: a logpoint logs and goes on, a condition must hold, a hit condition must match. */
  private breakpointDecision(task: number, stmt: number): { stop: boolean; hit: ActiveBreakpoint[] } {
    const hit: ActiveBreakpoint[] = [];
    for (const bp of this.breakpoints.at(stmt)) {
      if (bp.condition) {
        const r = this.hooks.evaluate?.(task, bp.condition);
        if (!r) continue;
        if (!r.ok) {
          this.hooks.output(`breakpoint condition \`${bp.condition}\` failed: ${r.error}\n`, 'stderr');
          hit.push(bp); // a broken condition stops, so the user sees it
          continue;
        }
        if (r.value !== true) continue;
      }
      bp.hits++;
      if (!this.replaying) this.hitLog.push({ step: this.machine.state.steps, bp });
      if (bp.hitCondition) {
        const test = parseHitCondition(bp.hitCondition);
        if (test && !test(bp.hits)) continue;
      }
      if (bp.logMessage !== undefined) {
        this.hooks.output(`${this.formatLog(task, bp.logMessage)}\n`, 'console');
        continue;
      }
      hit.push(bp);
    }
    return { stop: hit.length > 0, hit };
  }

  formatLog(task: number, message: string): string {
    return parseLogMessage(message).map(p => {
      if ('text' in p) return p.text;
      const r = this.hooks.evaluate?.(task, p.expr);
      if (!r) return `{${p.expr}}`;
      return r.ok ? show(r.value) : `<${r.error}>`;
    }).join('');
  }

  // ------------------------------------------------------------ inspection

  task(id: number): Task | undefined {
    return this.machine.state.tasks[id];
  }

  /**
   * Live tasks, plus the task of the current stop (a failed task keeps its thread while the stop lasts) and a
   * finished task being inspected (`inspect`).
   */
  threads(): { id: number; name: string }[] {
    const s = this.machine.state;
    const ids = [...s.live];
    for (const id of [this.current?.task ?? 0, this.inspected]) if (id > 0 && s.tasks[id] && !s.live.has(id)) ids.push(id);
    ids.sort((a, b) => a - b);
    return ids.map(id => ({ id, name: `#${id} ${s.tasks[id]!.name}` }));
  }

  /**
   * Whether a task can be shown as a thread now: a live one, the current stop's, or a finished one that kept its
   * frames (it failed or was cancelled lately); such a one is listed among the threads until the program resumes.
   */
  inspect(taskId: number): boolean {
    const t = this.task(taskId);
    if (!t) return false;
    if (!t.done || t.id === this.current?.task) return true;
    if (!t.endFrames) return false;
    this.inspected = t.id;
    return true;
  }

  /**
   * The Aria frames of a task, innermost first. A task that failed or was cancelled shows the stack its failure
   * recorded (where it failed), else the frames it kept (`endFrames`), else nothing.
   */
  stack(taskId: number): FrameInfo[] {
    const t = this.task(taskId);
    if (!t) return [];
    const own = t.failure && t.failure.task === t.id ? t.failure.stack : undefined;
    const frames = !t.done ? this.machine.stackOf(t) : own ?? (t.endFrames ? this.machine.stackOf(t, undefined, t.endFrames.frames) : t.failure?.stack ?? []);
    return frames.map((f, index) => ({ index, fn: f.fn, path: f.module, line: f.line, column: f.column, prelude: f.module === PRELUDE_MODULE }));
  }

  /**
   * The frame `stack` lists at `frameIndex`, with the operand stack its locals live in: a running task's, or the
   * ones a failed or cancelled task kept (undefined once let go).
   */
  private frameAt(t: Task, frameIndex: number): { frame: Frame; stack: readonly Value[] } | undefined {
    const held = t.done ? t.endFrames : { frames: t.frames, stack: t.stack };
    if (!held) return undefined;
    const frames = held.frames.filter(f => f.proto.kind !== 'entry');
    let index = frameIndex;
    // A failure's record of a very deep stack leaves out frames in the middle: its later entries are outer frames.
    const elided = t.done && t.failure?.task === t.id ? (t.failure.elidedFrames ?? 0) : 0;
    if (elided > 0 && index >= t.failure!.stack.length - FAILURE_OUTER_FRAMES) index += elided;
    const frame = frames[frames.length - 1 - index];
    return frame ? { frame, stack: held.stack } : undefined;
  }

  /** The locals of a frame (its visible local slots and captured variables), by name; unassigned ones are left out. */
  locals(taskId: number, frameIndex: number): { name: string; value: Value }[] {
    const t = this.task(taskId);
    const at = t ? this.frameAt(t, frameIndex) : undefined;
    if (!at) return [];
    return frameLocals(at.frame, at.stack);
  }

  /** A global of the program by name. */
  global(name: string): Value | undefined {
    const i = this.program.globalNames.indexOf(name);
    return i >= 0 ? this.program.globals[i] : undefined;
  }

  state(reason: string): RuntimeStateBody {
    const body = runtimeStateBody(snapshot(this.machine), {
      seed: this.config.seed, reason, focusTask: this.current?.task ?? 0, outputLines: this.outputLines, times: this.recorder,
    });
    // Stopped at a deadlock the run has not torn down yet: the views name it (the runtime reports some such
    // deadlocks only as the run's failure, not among its reports).
    const f = this.current?.exception?.filter === 'deadlock' ? this.current.exception.failure : undefined;
    if (f && f.kind === 'deadlock' && !(body.waitReports ?? []).some(r => r.message === f.message)) {
      const tasks = f.cycle && f.cycle.length > 0 ? f.cycle : (f.blocked ?? []).map(b => b.task);
      const row = { kind: f.cycle && f.cycle.length > 0 ? 'cycle' as const : 'blocked' as const, tasks, message: f.message, atUs: body.clockUs };
      return { ...body, waitReports: [...(body.waitReports ?? []), row] };
    }
    return body;
  }

  timeline(): TimelineBody {
    const s = this.machine.state;
    const threads = s.threads.map((th): TimelineThread => {
      const rtIndex = s.runtimes.findIndex(r => r.id === th.runtime);
      const prefix = rtIndex > 0 ? `rt ${th.runtime} ` : '';
      const blockingIndex = th.kind === 'blocking' ? s.runtimes[rtIndex]!.blockingThreads.indexOf(th.id) : 0;
      const label = th.kind === 'worker' ? `${prefix}worker ${th.index}` : th.kind === 'block-on' ? `${prefix}block_on` : `${prefix}blocking ${blockingIndex}`;
      return { id: th.id, runtime: th.runtime, kind: th.kind, label };
    });
    const tasks = s.tasks.filter((t): t is Task => !!t).map(t => ({ id: t.id, name: t.name, state: t.state }));
    return this.recorder.body(s.us, threads, tasks);
  }

  failureKind(): FailureKind | undefined {
    return this.machine.state.failure?.kind;
  }
}

/** The chooser of a replay file's schedule (with `preempt` choice points when it was explored with them). */
function replayChooser(file: { readonly choices: ConstructorParameters<typeof ReplayChooser>[0]; readonly options: { readonly preempt?: boolean } }): ReplayChooser {
  const chooser = new ReplayChooser(file.choices);
  chooser.preempts = file.options.preempt === true;
  return chooser;
}
