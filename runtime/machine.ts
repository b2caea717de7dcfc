// The deterministic simulation: runtimes, worker and blocking threads taking turns, timers, tasks and their waits.
import type { FnProto } from './bytecode.js';
import { scheduleTask, type SchedulerContext } from './scheduler.js';
import type { HandlerNode } from './task.js';
import type { VmHost } from './vm.js';
import type { Value } from './values.js';
import type { StopReason } from './machine-core.js';
import { Rounds } from './rounds.js';

export {
  FAILURE_OUTER_FRAMES, MachineState, type Host, type MachineOptions, type RunControl, type StopCondition, type StopReason,
  type WithRecord,
} from './machine-core.js';
export type { FnProto };

/**
 * The deterministic simulation of a program's runtimes: the shared context (`machine-core.ts`) and its rooms
 * (`lifecycle.ts`, `channels.ts`, `network.ts`, `rounds.ts`), put together.
 */
export class Machine extends Rounds implements VmHost, SchedulerContext {
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

}
