// Checkpoints of the machine for stepping backwards: copies of its state every few thousand steps, restored and replayed exactly.
import { FnProto } from '../runtime/bytecode.js';
import type { Machine, Program } from '../runtime/index.js';
import { BuiltinFnVal, BuiltinHandlerVal, EffectVal, ModuleVal, StructType } from '../runtime/values.js';
import { Cloner, reachable } from './clone.js';
import type { TimelineRecorder } from './runtime-state.js';

/** Steps between two checkpoints taken while the program runs. */
export const CHECKPOINT_INTERVAL = 20_000;
/** Checkpoints kept; past this, every other old one is dropped (the newest stay dense). */
export const MAX_CHECKPOINTS = 128;

export interface Checkpoint {
  readonly step: number;
  readonly state: Machine['s'];
  readonly recorder: TimelineRecorder;
  readonly outputLines: number;
}

/**
 * The machine's whole mutable state is `machine.s` (a `MachineState`); the program (prototypes, globals,
 * struct types) is immutable and shared by every copy. Replaying from a checkpoint gives the same run
 * because every scheduling choice comes from the seeded generator inside the state.
 */
export class CheckpointStore {
  private readonly cloner: Cloner;
  private list: Checkpoint[] = [];

  constructor(program: Program) {
    const immutable = [FnProto, StructType, BuiltinFnVal, BuiltinHandlerVal, EffectVal, ModuleVal] as const;
    // the program's globals (functions, structs, modules) are shared: equality by identity keeps working
    const shared = reachable([program.globals, program.main, program.entry], [...immutable]);
    this.cloner = new Cloner(shared, [...immutable]);
  }

  get size(): number {
    return this.list.length;
  }

  get latestStep(): number {
    return this.list.length > 0 ? this.list[this.list.length - 1]!.step : -1;
  }

  /** Copies the machine's state now (once per step count). */
  take(machine: Machine, recorder: TimelineRecorder, outputLines: number): void {
    const step = machine.s.steps;
    // checkpoints stay sorted: anything at or after this step belongs to another history
    while (this.list.length > 0 && this.list[this.list.length - 1]!.step >= step) this.list.pop();
    this.list.push({ step, state: this.cloner.clone(machine.s), recorder: recorder.clone(), outputLines });
    if (this.list.length > MAX_CHECKPOINTS) this.thin();
  }

  /** A copy of the machine's state now, kept outside the store (to come back to). */
  capture(machine: Machine, recorder: TimelineRecorder, outputLines: number): Checkpoint {
    return { step: machine.s.steps, state: this.cloner.clone(machine.s), recorder: recorder.clone(), outputLines };
  }

  /** Keeps the first, then every other one of the older half, and all of the newer half. */
  private thin(): void {
    const half = this.list.length >> 1;
    const older = this.list.slice(0, half).filter((_, i) => i === 0 || i % 2 === 0);
    this.list = [...older, ...this.list.slice(half)];
  }

  /** The latest checkpoint at or before `step`. */
  atOrBefore(step: number): Checkpoint | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.step <= step) return this.list[i];
    return undefined;
  }

  /** Checkpoints strictly before `step`, newest first. */
  before(step: number): Checkpoint[] {
    return this.list.filter(c => c.step < step).reverse();
  }

  /** Forgets checkpoints after `step` (the run is about to take another path from there). */
  dropAfter(step: number): void {
    while (this.list.length > 0 && this.list[this.list.length - 1]!.step > step) this.list.pop();
  }

  /** Puts a checkpoint's state into the machine (a copy, so the checkpoint can be used again). */
  restore(machine: Machine, c: Checkpoint): TimelineRecorder {
    machine.s = this.cloner.clone(c.state);
    machine.stop = null;
    return c.recorder.clone();
  }
}
