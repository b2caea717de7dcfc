// Checkpoints of the machine for stepping backwards: copies of its state every few thousand steps, restored and replayed exactly.
import { deepCopy } from '../runtime/checkpoint.js';
import type { Machine } from '../runtime/index.js';
import type { TimelineRecorder } from './runtime-state.js';

/** Fewest steps between two checkpoints taken while the program runs. */
export const CHECKPOINT_INTERVAL = 20_000;
/** Steps between checkpoints per object of the state: a big state is copied less often (memory stays bounded). */
export const STEPS_PER_OBJECT = 8;
/** Checkpoints kept; past this, every other old one is dropped (the newest stay dense). */
export const MAX_CHECKPOINTS = 128;

export interface Checkpoint {
  readonly step: number;
  readonly state: Machine['s'];
  /** Objects in the copy (what it costs to keep and to restore). */
  readonly objects: number;
  readonly recorder: TimelineRecorder;
  readonly outputLines: number;
  /** Bounds a stretch where one task ran alone (`otherTasks: "hold"`): never thinned out (replay needs it). */
  readonly pinned?: boolean;
}

/**
 * The machine's whole mutable state is `machine.s` (a `MachineState`); the program (prototypes, globals,
 * struct types) is immutable and shared by every copy. Replaying from a checkpoint gives the same run
 * because every scheduling choice comes from the seeded generator inside the state.
 */
export class CheckpointStore {
  private list: Checkpoint[] = [];

  get size(): number {
    return this.list.length;
  }

  get latestStep(): number {
    return this.list.length > 0 ? this.list[this.list.length - 1]!.step : -1;
  }

  /** Steps to run before the next checkpoint is worth taking. */
  get interval(): number {
    const last = this.list[this.list.length - 1];
    return Math.max(CHECKPOINT_INTERVAL, (last?.objects ?? 0) * STEPS_PER_OBJECT);
  }

  /** Copies the machine's state now (once per step count). */
  take(machine: Machine, recorder: TimelineRecorder, outputLines: number, pinned = false): void {
    const step = machine.s.steps;
    // checkpoints stay sorted: anything at or after this step belongs to another history
    while (this.list.length > 0 && this.list[this.list.length - 1]!.step >= step) {
      // a pinned one at this very step is replaced by the same point later in time: it stays pinned
      if (this.list[this.list.length - 1]!.step === step && this.list[this.list.length - 1]!.pinned) pinned = true;
      this.list.pop();
    }
    const c = this.capture(machine, recorder, outputLines);
    this.list.push(pinned ? { ...c, pinned } : c);
    if (this.list.length > MAX_CHECKPOINTS) this.thin();
  }

  /** A copy of the machine's state now (the runtime's deep copy: compiled code and immutable values are shared). */
  capture(machine: Machine, recorder: TimelineRecorder, outputLines: number): Checkpoint {
    const { copy, objects } = deepCopy(machine.s);
    return { step: machine.s.steps, state: copy, objects, recorder: recorder.clone(), outputLines };
  }

  /** Keeps the first, then every other one of the older half (and the pinned ones), and all of the newer half. */
  private thin(): void {
    const half = this.list.length >> 1;
    const older = this.list.slice(0, half).filter((c, i) => i === 0 || i % 2 === 0 || c.pinned);
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

  /**
   * Puts a checkpoint's state into the machine (a copy, so the checkpoint can be used again) and returns the
   * timeline recorder as it was there. The runtime passes each event on only the first time a run gets there;
   * the returned recorder must see the replay's events again, so delivery is re-armed from this point.
   */
  restore(machine: Machine, c: Checkpoint): TimelineRecorder {
    machine.restore(c.state);
    machine.stop = null;
    machine.seen.events = machine.s.events;
    return c.recorder.clone();
  }
}
