// The typed event stream a run emits: scheduling, timers and task lifecycle, for traces, stats and the debugger.
import type { Failure, WaitReason } from './task.js';

/** Every event carries the step count and the virtual time (microseconds) at which it happened. */
interface At {
  readonly step: number;
  readonly us: number;
}

export type RuntimeEvent =
  | (At & { readonly kind: 'spawn'; readonly task: number; readonly name: string; readonly parent: number; readonly runtime: number; readonly blocking: boolean; readonly site: string })
  | (At & { readonly kind: 'poll-start'; readonly task: number; readonly thread: number })
  /** `statements`: how many statements this poll ran (not the task's running total). */
  | (At & { readonly kind: 'poll-end'; readonly task: number; readonly thread: number; readonly outcome: PollOutcome; readonly statements: number })
  | (At & { readonly kind: 'block'; readonly task: number; readonly on: WaitReason })
  | (At & { readonly kind: 'wake'; readonly task: number; readonly by: number; readonly remote: boolean })
  | (At & { readonly kind: 'steal'; readonly thread: number; readonly victim: number; readonly count: number })
  | (At & { readonly kind: 'overflow'; readonly thread: number; readonly count: number })
  | (At & { readonly kind: 'park'; readonly thread: number })
  | (At & { readonly kind: 'unpark'; readonly thread: number })
  | (At & { readonly kind: 'timer-set'; readonly timer: number; readonly deadline: number; readonly owner: number; readonly purpose: TimerPurpose })
  | (At & { readonly kind: 'timer-fire'; readonly timer: number; readonly deadline: number; readonly owner: number; readonly purpose: TimerPurpose })
  | (At & { readonly kind: 'complete'; readonly task: number })
  | (At & { readonly kind: 'cancel'; readonly task: number; readonly reason: string })
  | (At & { readonly kind: 'fail'; readonly task: number; readonly failure: Failure })
  | (At & { readonly kind: 'blocking-start'; readonly task: number; readonly thread: number })
  | (At & { readonly kind: 'thread-block'; readonly thread: number; readonly task: number; readonly until: number })
  | (At & { readonly kind: 'runtime-start'; readonly runtime: number; readonly flavor: Flavor; readonly workers: number })
  | (At & { readonly kind: 'runtime-stop'; readonly runtime: number })
  | (At & { readonly kind: 'clock'; readonly fromUs: number; readonly toUs: number })
  | (At & { readonly kind: 'output'; readonly task: number; readonly text: string })
  /** A deadlock cycle, a wait nothing can complete, or the watchdog (runtime/waits.ts), found while the run goes on. */
  | (At & { readonly kind: 'deadlock'; readonly report: WaitReport })
  | (At & { readonly kind: 'counters' } & CounterSample)
  /**
   * Not counted either (like `counters`): a poll that ran to the end of its thread's turn goes on in the next round,
   * which starts when the round's longest turn ended; from `fromUs` (its turn's end) to `toUs` the worker idled.
   */
  | (At & { readonly kind: 'poll-gap'; readonly task: number; readonly thread: number; readonly fromUs: number; readonly toUs: number });

/**
 * A runtime's queue depths and worker states at one moment: sampled for the listener (the trace's counter tracks)
 * at each poll's end, each turn's end and after timers fire, whenever a value changed. A sample is not counted
 * among the run's events (it is no part of the state), so after a restore the same sample may arrive again.
 */
export interface CounterSample {
  readonly runtime: number;
  /** Tasks in the injection (global) queue. */
  readonly injection: number;
  /** Tasks waiting for a blocking-pool thread. */
  readonly blockingQueue: number;
  readonly searching: number;
  readonly parked: number;
  /** Per worker index: its local queue's length plus 1 when its LIFO slot holds a task. */
  readonly local: readonly number[];
}

export type PollOutcome = 'ready' | 'pending' | 'yield' | 'preempted' | 'failed' | 'cancelled' | 'moved';

export type TimerPurpose = 'sleep' | 'timeout' | 'cancel-token' | 'thread-sleep' | 'connection';

export type Flavor = 'multi' | 'single' | 'wasm';

export type EventKind = RuntimeEvent['kind'];

export type EventListener = (event: RuntimeEvent) => void;

/** One deadlock, blocked-forever or no-progress report, as `aria run` prints it and the debugger stops for it. */
export interface WaitReport {
  /** `cycle`: tasks wait on each other; `blocked`: a wait nothing can complete; `no-progress`: the watchdog. */
  readonly kind: 'cycle' | 'blocked' | 'no-progress';
  /** The tasks of the cycle in wait order (`cycle`), else the tasks blocked forever or stuck. */
  readonly tasks: readonly number[];
  readonly message: string;
  /** Virtual µs and step when it was found. */
  readonly us: number;
  readonly step: number;
}
