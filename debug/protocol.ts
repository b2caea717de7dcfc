// The Aria debug adapter's custom DAP messages (requests `aria/*`, events `aria/*`) as plain types, shared with client/debug.

/** The Chrome Trace Event Format as `aria run --trace` writes it; the timeline exports its window in it too. */
export type { ChromeTrace, TraceEvent } from '../runtime/index.js';

/** Custom request: the whole runtime state at the current stop (see docs/debugging.md). */
export const RUNTIME_STATE_REQUEST = 'aria/runtimeState';
/** Custom request: the recorded polls and spawns for the timeline webview. */
export const TIMELINE_REQUEST = 'aria/timeline';
/** Custom request: focus a task's thread in the Call Stack (the adapter answers with a `stopped` event for it). */
export const FOCUS_TASK_REQUEST = 'aria/focusTask';
/** Custom event: sent after every `stopped` event (and when the run ends) so views refresh. */
export const RUNTIME_CHANGED_EVENT = 'aria/runtimeChanged';

export type TaskStateName = 'scheduled' | 'running' | 'blocked' | 'completed' | 'failed' | 'cancelled';
export type TaskKindName = 'main' | 'async' | 'blocking';
export type FlavorName = 'multi' | 'single' | 'wasm';

/** A source position, one-based. */
export interface SourcePoint {
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

export interface TaskRow {
  /** The task id; also its DAP thread id. */
  readonly id: number;
  readonly name: string;
  readonly kind: TaskKindName;
  /** The spawning task (0: none, for the main task). */
  readonly parent: number;
  /** The structured scope it was spawned into (`s.spawn`), or -1 for a plain `spawn`. */
  readonly scope: number;
  readonly runtime: number;
  readonly state: TaskStateName;
  /** The thread (worker or blocking thread) it runs or last ran on, -1 if never polled. */
  readonly thread: number;
  /** What a blocked task waits on, in words ("task #3", "sleep until 250 ms"); absent unless blocked. */
  readonly waitsOn?: string;
  /** The task ids it waits on, for linking rows (join, race, scope). */
  readonly waitsOnTasks?: readonly number[];
  readonly polls: number;
  readonly steps: number;
  /** Cancellation requested (its token or an ancestor's is cancelled, or it was aborted). */
  readonly cancelRequested: boolean;
  readonly spawnedAtUs: number;
  /** When it finished, -1 while live. */
  readonly endedAtUs: number;
  readonly busyUs: number;
  readonly spawnSite?: SourcePoint;
  /** Where it is now (its innermost Aria frame), when it has a stack. */
  readonly location?: SourcePoint & { readonly fn: string };
  /** The failure message of a failed or cancelled task. */
  readonly failure?: string;
  /** tokio-console's task columns beyond busy time (the same numbers as `aria run --stats --format json`). */
  readonly metrics?: TaskMetricsRow;
}

/** Times in virtual µs; histograms count per bucket: bucket 0 = 0 µs, bucket i = [2^(i-1), 2^i) µs. */
export interface TaskMetricsRow {
  /** Ready but not polled yet (from a wake or a spawn to the poll): Sched. */
  readonly scheduledUs: number;
  /** Alive, neither running nor scheduled: Idle. */
  readonly idleUs: number;
  readonly wakes: number;
  /** Wakes it made itself (`yield_now`, a spent budget). */
  readonly selfWakes: number;
  readonly maxPollUs: number;
  /** Of the polls that ended (a task stopped inside a poll has one more in `polls`), and of the polls that started. */
  readonly pollTimeHistogram: readonly number[];
  readonly scheduledTimeHistogram: readonly number[];
}

/** A channel, as tokio-console's resources view shows one. */
export interface ChannelRow {
  readonly id: number;
  /** Null for an unbounded channel. */
  readonly capacity: number | null;
  /** Values in its buffer now. */
  readonly length: number;
  readonly closed: boolean;
  /** Tasks waiting to send (the buffer is full) and to receive (it is empty), in arrival order. */
  readonly waitingSenders: readonly number[];
  readonly waitingReceivers: readonly number[];
}

/** A lint the runtime found (runtime/lints.ts): `long-poll`, `never-yields`, `self-wakes`, `blocked-forever`, `unawaited-failure`. */
export interface LintRow {
  readonly kind: string;
  readonly task: number;
  readonly name: string;
  readonly message: string;
}

/** A deadlock cycle, a wait nothing can complete, or the watchdog, found during the run. */
export interface WaitReportRow {
  readonly kind: 'cycle' | 'blocked' | 'no-progress';
  readonly tasks: readonly number[];
  readonly message: string;
  readonly atUs: number;
}

export interface WorkerRow {
  /** The thread id (unique across runtimes). */
  readonly id: number;
  readonly runtime: number;
  /** Worker index within its runtime. */
  readonly index: number;
  /** The task being polled, -1 when idle. */
  readonly current: number;
  /** Task ids in the local run queue, front first. */
  readonly localQueue: readonly number[];
  readonly localQueueCapacity: number;
  /** The LIFO slot's task, -1 when empty. */
  readonly lifoSlot: number;
  readonly parked: boolean;
  readonly searching: boolean;
  /** Blocked by a blocking call (`thread_sleep`) until this virtual time, else -1. */
  readonly blockedUntilUs: number;
  readonly pollCount: number;
  /** Tasks stolen by this worker, and the steal operations that took them. */
  readonly stealCount: number;
  readonly stealOperations: number;
  readonly parkCount: number;
  readonly overflowCount: number;
  readonly busyUs: number;
  /** Polls that found the worker woken with nothing to do (Tokio's `worker_noop_count`), mean poll time, poll times. */
  readonly noopCount?: number;
  readonly meanPollUs?: number;
  readonly pollTimeHistogram?: readonly number[];
}

export interface BlockingThreadRow {
  readonly id: number;
  readonly runtime: number;
  readonly current: number;
  readonly closed: boolean;
  readonly tasksRun: number;
  readonly busyUs: number;
}

export interface RuntimeRow {
  readonly id: number;
  readonly flavor: FlavorName;
  readonly workers: number;
  /** The task whose `with` started it, -1 for the program's default runtime. */
  readonly owner: number;
  /** Task ids in the global injection queue, front first. */
  readonly globalQueue: readonly number[];
  /** Task ids waiting for a blocking-pool thread. */
  readonly blockingQueue: readonly number[];
  readonly blockingThreadsCap: number;
  readonly closed: boolean;
  /**
   * The task `block_on` drives (the main task, or the `with`'s owner; -1: none) and the thread it runs on, off the
   * workers (multi-threaded; -1 on a current-thread runtime, where the worker polls it).
   */
  readonly blockOnTask: number;
  readonly blockOnThread: number;
}

export interface TimerRow {
  readonly id: number;
  /** Absolute deadline, virtual milliseconds. */
  readonly deadlineMs: number;
  /** The task the timer wakes or belongs to (0: none). */
  readonly owner: number;
  readonly purpose: string;
  /** Where the timer sits in the hierarchical wheel; level -1 means overdue (fires at the next poll). */
  readonly level: number;
  readonly slot: number;
}

export interface RuntimeStateBody {
  /** Statements executed so far (the run's step counter). */
  readonly step: number;
  /** The virtual clock, milliseconds and microseconds. */
  readonly clockMs: number;
  readonly clockUs: number;
  readonly seed: number;
  /** Why the run is stopped now ("breakpoint", "step", ...) or "terminated". */
  readonly reason: string;
  /** The task the stop is about (0: none). */
  readonly focusTask: number;
  readonly runtimes: readonly RuntimeRow[];
  readonly tasks: readonly TaskRow[];
  readonly workers: readonly WorkerRow[];
  readonly blockingThreads: readonly BlockingThreadRow[];
  readonly timers: readonly TimerRow[];
  /** The timer wheel's own notion of now (ms): every deadline at or before it has fired. */
  readonly wheelElapsedMs: number;
  /** The program's output so far is not repeated here; only how many lines were written. */
  readonly outputLines: number;
  readonly channels?: readonly ChannelRow[];
  readonly lints?: readonly LintRow[];
  readonly waitReports?: readonly WaitReportRow[];
}

export interface TimelinePoll {
  readonly task: number;
  readonly thread: number;
  readonly startUs: number;
  readonly endUs: number;
  /** 'ready' | 'pending' | 'yield' | 'preempted' | 'failed' | 'cancelled' | 'moved' | 'open' (still running at the stop) */
  readonly outcome: string;
}

export interface TimelineSpawn {
  readonly parent: number;
  readonly child: number;
  readonly atUs: number;
  /** The thread the parent was on when it spawned, -1 if unknown (the top level before any poll). */
  readonly thread: number;
}

export interface TimelineThread {
  readonly id: number;
  readonly runtime: number;
  /** `block-on`: the thread that polls the main task (a `with` runtime's owner), off the workers, as Tokio's `block_on`. */
  readonly kind: 'worker' | 'blocking' | 'block-on';
  readonly label: string;
}

/** A task's state over time, as the timeline colours it. */
export type SpanState = 'ready' | 'running' | 'blocked' | 'sleeping' | 'completed' | 'failed' | 'cancelled';

/** Where a ready task waits to be polled. */
/** `deferred`: a `yield_now` whose waker waits for its worker's park or maintenance; `block-on`: the block_on thread's task. */
export type QueueName = 'lifo' | 'local' | 'global' | 'blocking' | 'deferred' | 'block-on';

/** A task enters a state at `atUs` and stays in it until its next transition (or now). */
export interface TimelineTransition {
  readonly task: number;
  readonly atUs: number;
  readonly state: SpanState;
  /** running: the thread it runs on; ready: the worker whose LIFO slot or local queue holds it (-1: none). */
  readonly thread: number;
  /** ready: the queue it waits in (absent when the scheduler had taken it before it could be read). */
  readonly queue?: QueueName;
  /** ready: why (`spawned`, `woken by #3`, `yielded`, `stolen`...); blocked and sleeping: the wait in words; failed, cancelled: the message. */
  readonly detail?: string;
  /** ready: the task that spawned or woke it (0: a timer or the runtime). */
  readonly by?: number;
  /** blocked: the tasks the wait names. */
  readonly on?: readonly number[];
}

export interface TimelineBody {
  readonly nowUs: number;
  readonly threads: readonly TimelineThread[];
  readonly tasks: readonly { readonly id: number; readonly name: string; readonly state: TaskStateName }[];
  readonly polls: readonly TimelinePoll[];
  readonly spawns: readonly TimelineSpawn[];
  /** Every task's state transitions, in the order they happened (see TimelineTransition). */
  readonly transitions: readonly TimelineTransition[];
  /** True when older polls were dropped to keep the recording bounded. */
  readonly truncated: boolean;
}

export interface RuntimeChangedBody {
  readonly reason: string;
  readonly step: number;
  readonly clockMs: number;
  readonly focusTask: number;
  readonly liveTasks: number;
  /** False once the run has ended (the views keep the last state). */
  readonly running: boolean;
}

export interface FocusTaskArguments {
  readonly task: number;
}
