// Going back in a run: checkpoints of the machine state (its structure copied, its heap by version) plus deterministic replay from the nearest one.
import { SHARED_TASK, copyStructure } from './deep-copy.js';
import { HeapVersions } from './heap-versions.js';
import type { Machine, MachineState, RunControl, StopCondition, StopReason } from './machine.js';
import type { Task } from './task.js';

export interface Checkpoint<X = undefined> {
  readonly step: number;
  /**
   * A copy of the machine's structure (tasks, frames, operand stacks, queues, timers); the heap objects it refers to
   * are the live ones, whose contents at this checkpoint the version store keeps (heap-versions.ts).
   */
  readonly state: MachineState;
  /** Objects the checkpoint copied or recorded because they changed: what taking it cost. */
  readonly objects: number;
  /** Bounds a stretch where one task ran alone: never thinned out (a replay inside it must hold that task). */
  readonly pinned: boolean;
  /** What the caller keeps with the checkpoint (`TimeTravelOptions.keep`): a debugger's timeline, its output count. */
  readonly kept: X;
}

/** A checkpoint as the list holds it: its number in the version store and the heap objects it has pairs for. */
interface Held<X> extends Checkpoint<X> {
  readonly seq: number;
  /** Grows when an older checkpoint is thinned out and its pairs move here. */
  readonly recorded: object[];
  /** Objects the structure copy made (`objects` adds the heap objects written since the checkpoint before). */
  readonly structure: number;
  /** Estimated bytes the stretch before it cost: its structure copy and the heap copies made since the one before. */
  readonly bytes: number;
}

/** What the checkpoints hold, and an estimate of the memory it takes. */
export interface CheckpointMemory {
  readonly checkpoints: number;
  /** Objects in the structure copies. */
  readonly structureObjects: number;
  /** [checkpoint, contents] pairs of heap objects, and those whose contents were copied because they changed. */
  readonly heapPairs: number;
  readonly heapCopies: number;
  /** Array slots in those copies. */
  readonly heapSlots: number;
  /** Characters of the strings in those slots (counted as kept alive by the copies, though the live heap may share them). */
  readonly heapChars: number;
  /**
   * An estimate in bytes, V8 on 64 bits: about 56 B a copied object, 16 B a pair, 8 B an array slot (so a list counts
   * its length, not one object) and 1 B a string character (one-byte strings; two-byte ones take twice that).
   */
  readonly bytes: number;
  /** The budget the checkpoints are kept under (`TimeTravelOptions.maxBytes`; Infinity: none). */
  readonly budget: number;
}

/** The estimate of `CheckpointMemory.bytes` (see there). */
function estimateBytes(objects: number, pairs: number, slots: number, chars: number): number {
  return objects * 56 + pairs * 16 + slots * 8 + chars;
}

export interface TimeTravelOptions<X = undefined> {
  /** Fewest steps between two checkpoints (default 10,000). */
  readonly minInterval?: number;
  /** Steps between checkpoints per object in the state (default 8): big states are copied less often. */
  readonly stepsPerObject?: number;
  /** Most checkpoints kept; beyond it every other one of the older half is dropped (default 256). */
  readonly maxCheckpoints?: number;
  /**
   * Estimated bytes the checkpoints may hold (`memory().bytes`; default Infinity). Past it, checkpoints are dropped
   * (never the first, the latest or a pinned one), each time the one whose loss leaves the shortest gap, so history
   * thins out evenly; going back then replays further.
   */
  readonly maxBytes?: number;
  /**
   * Estimated bytes a checkpoint may cost per step since the one before (default Infinity: no such rule; the debug
   * adapter uses 64): a stretch that copied much (a big list written) makes the next checkpoint come later, in
   * proportion.
   */
  readonly bytesPerStep?: number;
  /** Called at each checkpoint: what to keep with it (it must not change afterwards). */
  readonly keep?: () => X;
  /**
   * Called after a checkpoint is restored, with what `keep` returned there. When given, the replay from the
   * checkpoint delivers its events to the listener again (a caller that rebuilds its view from `kept` needs them).
   */
  readonly restored?: (kept: X) => void;
}

/** Freezes plain data (objects and arrays, not class instances: heap values stay as they are) and what it holds. */
function freezeData(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== Array.prototype) return;
  Object.freeze(v);
  for (const x of Object.values(v)) freezeData(x);
}

/**
 * Freezes a finished task and the structure only it holds (its failure, the frames it kept, its histograms), so that
 * copies share them as they share the task; the values its stacks hold are the program's (versioned in place). A
 * handler chain a kept frame refers to may be shared with live tasks: it is immutable, frozen too.
 */
function freezeFinished(t: Task): void {
  freezeData(t.failure);
  freezeData(t.pendingFailure);
  if (t.endFrames) {
    for (const f of t.endFrames.frames) {
      for (let n = f.handlers; n !== null && !Object.isFrozen(n); n = n.next) Object.freeze(n);
      Object.freeze(f);
    }
    Object.freeze(t.endFrames.frames);
    Object.freeze(t.endFrames.stack);
    Object.freeze(t.endFrames);
  }
  for (const a of [t.frames, t.stack, t.pollHist, t.schedHist, t.joiners]) if (a) Object.freeze(a);
  Object.defineProperty(t, SHARED_TASK, { value: true });
  Object.freeze(t);
}

/** Steps in the first window a step back scans (`lastStopBefore`). */
const FIRST_WINDOW = 256;

/** A stretch of the run in which one task ran alone (`RunControl.hold`). */
interface HeldStretch {
  readonly from: number;
  to: number;
  readonly task: number;
}

/**
 * Runs a machine forward while taking checkpoints, and moves it back to any earlier step: restore the
 * nearest checkpoint at or before it and replay up to it. A run is a pure function of the program, the
 * options, the seed and the host's answers, so the replay is exact; output already written is not written
 * again (see `Machine.seen`), going back or forward over known ground. The debugger's stepBack and
 * reverseContinue (`lastStopBefore`, `replayTo`) and the `Session` API both go back through this.
 */
export class TimeTravel<X = undefined> {
  private list: Held<X>[] = [];
  /** The contents of the program's heap objects per checkpoint; the machine's writes are reported here. */
  private readonly heap = new HeapVersions();
  private seqs = 0;
  /** Heap objects put back by restores so far (what going back has cost besides replaying). */
  restoredObjects = 0;
  /** Steps replayed so far by seeks, scans and landings (what going back has cost besides restoring). */
  replayed = 0;
  /**
   * Stretches of the run in which one task ran alone, oldest first. Each is bounded by pinned checkpoints at
   * its start and end, so a replay from a checkpoint inside one holds that task, and any other replay runs
   * freely: the replayed run is the one that happened.
   */
  private held: HeldStretch[] = [];
  /** The stretch being run now (`beginHold`), if any. */
  private open: HeldStretch | undefined;
  private readonly minInterval: number;
  private readonly stepsPerObject: number;
  private readonly maxCheckpoints: number;
  private readonly maxBytes: number;
  private readonly bytesPerStep: number;

  constructor(readonly machine: Machine, private readonly options: TimeTravelOptions<X> = {}) {
    this.minInterval = options.minInterval ?? 10_000;
    this.stepsPerObject = options.stepsPerObject ?? 8;
    this.maxCheckpoints = options.maxCheckpoints ?? 256;
    this.maxBytes = options.maxBytes ?? Infinity;
    this.bytesPerStep = options.bytesPerStep ?? Infinity;
    machine.heapLog = this.heap;
    this.take();
  }

  /** What the checkpoints hold now, with an estimate of their memory. */
  memory(): CheckpointMemory {
    const structureObjects = this.list.reduce((n, c) => n + c.structure, 0);
    const h = this.heap.stats();
    return {
      checkpoints: this.list.length, structureObjects, heapPairs: h.pairs, heapCopies: h.copies, heapSlots: h.slots, heapChars: h.chars,
      bytes: estimateBytes(structureObjects + h.copies, h.pairs, h.slots, h.chars), budget: this.maxBytes,
    };
  }

  /** Steps of the checkpoints held, oldest first. */
  get steps(): number[] {
    return this.list.map(c => c.step);
  }

  /** The step of the latest checkpoint (-1 before the first). */
  get latestStep(): number {
    return this.list.length > 0 ? this.list[this.list.length - 1]!.step : -1;
  }

  /** Steps to run after the latest checkpoint before the next is worth taking. */
  get interval(): number {
    const last = this.list[this.list.length - 1];
    return Math.max(this.minInterval, (last?.objects ?? 0) * this.stepsPerObject, Math.ceil((last?.bytes ?? 0) / this.bytesPerStep));
  }

  /** The step of the latest checkpoint at or before `step`. */
  checkpointBefore(step: number): number {
    return this.atOrBefore(step)?.step ?? 0;
  }

  /** Takes a checkpoint when at least `minSteps` (default: the interval) ran since the latest one. */
  takeIfDue(minSteps = this.interval): void {
    if (this.machine.s.steps - this.latestStep >= minSteps) this.take();
  }

  /**
   * Copies the machine's state now. Checkpoints stay sorted: any at or after this step belonged to another
   * history and go; a pinned one at this very step stays pinned.
   */
  take(pinned = false): void {
    const step = this.machine.s.steps;
    while (this.list.length > 0 && this.list[this.list.length - 1]!.step > step) this.dropLatest();
    // one at this very step is replaced, its heap pairs kept (the heap changed only where it was written since)
    const same = this.list.length > 0 && this.list[this.list.length - 1]!.step === step ? this.list.pop() : undefined;
    if (same?.pinned) pinned = true;
    const seq = same ? same.seq : ++this.seqs;
    const roots: object[] = [];
    const before = this.heapBytes();
    const finished: Task[] = [];
    const { copy, objects } = copyStructure(this.machine.s, o => roots.push(o), (task, c) => finished.push(task, c));
    // a finished task never changes again (but for copy-on-write bookkeeping: `MachineCore.writable`): frozen, the
    // machine's and this copy are shared by every later checkpoint and restore instead of copied each time
    for (const t of finished) freezeFinished(t);
    const { recorded, written } = this.heap.record(seq, roots);
    if (same) for (const o of same.recorded) recorded.push(o);
    // what the stretch since the last checkpoint cost: the heap copies its writes made, the pairs, this structure
    const copied = Math.max(0, before - this.heapAtLast);
    const bytes = copied + estimateBytes(objects, 0, 0, 0) + (this.heapBytes() - before);
    this.list.push({
      step, state: copy, objects: objects + written, structure: objects, bytes, pinned, kept: this.options.keep?.() as X, seq, recorded,
    });
    if (this.list.length > this.maxCheckpoints) this.thin();
    this.fitBudget();
    this.heapAtLast = this.heapBytes();
  }

  /** The heap version store's part of the estimate. */
  private heapBytes(): number {
    const h = this.heap.stats();
    return estimateBytes(h.copies, h.pairs, h.slots, h.chars);
  }

  /** The store's estimate when the latest checkpoint was taken. */
  private heapAtLast = 0;

  /** Drops checkpoints while the estimate is over the budget: each time the one whose loss leaves the shortest gap. */
  private fitBudget(): void {
    if (this.maxBytes === Infinity) return;
    while (this.list.length > 2 && this.memory().bytes > this.maxBytes) {
      let best = -1;
      let gap = Infinity;
      for (let i = 1; i < this.list.length - 1; i++) {
        if (this.list[i]!.pinned) continue;
        const g = this.list[i + 1]!.step - this.list[i - 1]!.step;
        if (g < gap) {
          gap = g;
          best = i;
        }
      }
      if (best < 0) return;
      this.dropAt(best);
    }
  }

  /** Drops a checkpoint that is not the latest: its pairs move to the next one where that has none. */
  private dropAt(i: number): void {
    const c = this.list[i]!;
    const next = this.list[i + 1]!;
    for (const o of this.heap.drop(c.seq, next.seq, c.recorded)) next.recorded.push(o);
    this.list.splice(i, 1);
  }

  /** Forgets the latest checkpoint: what its pairs recorded is noted as written, for the next one to record. */
  private dropLatest(): void {
    const c = this.list.pop()!;
    this.heap.drop(c.seq, undefined, c.recorded);
  }

  /** Keeps the first, then every other one of the older half (and the pinned ones), and all of the newer half. */
  private thin(): void {
    const half = this.list.length >> 1;
    const gone = this.list.slice(0, half).filter((c, i) => !(i === 0 || i % 2 === 0 || c.pinned));
    // a dropped checkpoint's pairs move to the next one kept, where the object has none
    for (const c of gone) this.dropAt(this.list.indexOf(c));
  }

  private atOrBefore(step: number): Held<X> | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.step <= step) return this.list[i];
    return undefined;
  }

  /**
   * Puts a checkpoint's state into the machine, once: the checkpoints after it go (the run may take another path
   * from there), the heap objects written since are put back in place, and the machine gets a copy of the
   * checkpoint's structure (the checkpoint can be restored again). Costs what changed since, not the live heap.
   */
  restore(c: Checkpoint<X>): void {
    const i = this.list.indexOf(c as Held<X>);
    if (i < 0) throw new Error(`the checkpoint at step ${c.step} is no longer kept`);
    while (this.list.length - 1 > i) this.dropLatest();
    this.restoredObjects += this.heap.restore();
    const { copy } = copyStructure(c.state, () => {});
    this.heapAtLast = this.heapBytes();
    this.machine.adoptState(copy, { redeliverEvents: this.options.restored !== undefined });
    this.options.restored?.(c.kept);
  }

  /** The task a replay from `fromStep` towards `toStep` must hold: inside a held stretch its task, else -1. */
  private heldAt(fromStep: number, toStep: number): number {
    const h = this.held.find(x => x.from <= fromStep && fromStep < x.to && toStep > x.from);
    return h ? h.task : -1;
  }

  // ------------------------------------------------------------ forward

  /**
   * From now on only `task` runs (until `endHold`): recorded, with pinned checkpoints at both ends, so that
   * replays hold the same task.
   */
  beginHold(task: number): void {
    if (this.open) this.endHold();
    this.take(true);
    const s = { from: this.machine.s.steps, to: this.machine.s.steps, task };
    this.held.push(s);
    this.open = s;
  }

  /** Ends the held stretch (every task runs again). */
  endHold(): void {
    if (!this.open) return;
    this.open.to = this.machine.s.steps;
    this.open = undefined;
    this.take(true);
  }

  /** Whether a held stretch is open. */
  get holding(): boolean {
    return this.open !== undefined;
  }

  /**
   * Like `machine.run`, taking checkpoints on the way (and holding the task of an open held stretch). The run
   * is cut at each checkpoint; the next piece goes on under the condition the machine says stood at the cut.
   */
  run(maxSteps = Infinity, control: Omit<RunControl, 'hold'> = {}): StopReason {
    const m = this.machine;
    const hold = this.open ? this.open.task : -1;
    const target = m.s.steps + maxSteps;
    let stop = control.stop ?? null;
    for (;;) {
      const nextAt = this.latestStep + this.interval;
      const chunk = Math.min(target, nextAt) - m.s.steps;
      const r = m.run(chunk > 0 ? chunk : 0, { ...control, stop, hold });
      stop = m.stopCondition;
      if (m.s.steps >= nextAt && !m.s.done) this.take();
      if (r.kind !== 'steps' || m.s.steps >= target) {
        // the writes since the latest checkpoint copied what they changed: the budget holds at every return too
        this.fitBudget();
        return r;
      }
    }
  }

  // ------------------------------------------------------------ backward

  /** Moves back by `n` steps (to just before the statement that began n steps ago). */
  stepBack(n = 1): void {
    this.seek(Math.max(0, this.machine.s.steps - n));
  }

  /**
   * Puts the machine where it was (or will be) when `step` statements had begun, paused before the next
   * one: backwards by restoring and replaying, forwards by running. What was recorded after `step` is
   * forgotten (the run may take another path from there).
   */
  seek(step: number): void {
    const m = this.machine;
    const from = m.s.steps;
    if (step < from) {
      const c = this.atOrBefore(step);
      if (!c) throw new Error(`no checkpoint at or before step ${step}`);
      this.restore(c);
      const start = m.s.steps;
      if (step > m.s.steps) m.run(step - m.s.steps, { hold: this.heldAt(c.step, step) });
      this.replayed += Math.max(0, m.s.steps - start);
    } else if (step > from) {
      this.run(step - from);
    }
    this.forgetAfter(m.s.steps);
  }

  /** After going back to `step`: the recorded future may not happen again (held stretches change the schedule). */
  forgetAfter(step: number): void {
    this.open = undefined;
    this.held = this.held.filter(h => h.from < step);
    while (this.list.length > 1 && this.list[this.list.length - 1]!.step > step) this.dropLatest();
    const cut = this.held.find(h => h.to > step);
    if (cut) {
      // landed inside a held stretch: it ends here, and the run goes on freely from this (pinned) point
      cut.to = step;
      this.take(true);
    }
  }

  /**
   * Replays from the checkpoint before `step` to exactly `step`, where `task` is about to begin a statement.
   * Returns that statement, or -1 if the replay did not land there (it always does for a point that was seen).
   */
  replayTo(step: number, task: number): number {
    const m = this.machine;
    const c = this.atOrBefore(step);
    if (!c) return -1;
    this.restore(c);
    const hold = this.heldAt(c.step, step);
    if (step > m.s.steps) m.run(step - m.s.steps, { hold });
    this.replayed += m.s.steps - c.step;
    // the thread whose turn it is may stop short of the statement: let the task reach its statement check
    const r = m.run(1, { stop: { breakpoints: new Set(), task }, hold });
    return r.kind === 'stop' && r.task === task && m.s.steps === step ? r.stmt : -1;
  }

  /**
   * Scans the history before `until` for the last point matching `cond`: each checkpoint interval, newest first,
   * is replayed with `cond`, and every stop before `until` that `accept` takes is a candidate. Leaves the
   * machine somewhere in the past: follow with `replayTo` (or `restore`).
   *
   * A condition on one task (a step back) stops at each of its statements, and each stop is a return from the
   * machine: the interval is scanned in windows that end where the scan must end, the newest first and each eight
   * times the last, the run fast-forwarded (no stop condition) to the window's start, where a checkpoint is taken
   * (so landing there, and the next step back, replay at most a window). The point looked for is most often a few
   * statements back, so the first window finds it.
   */
  lastStopBefore(until: number, cond: StopCondition, accept: (task: number, stmt: number) => boolean): { step: number; task: number; stmt: number } | undefined {
    const m = this.machine;
    let bound = until;
    for (const c of this.list.filter(x => x.step < until).reverse()) {
      const hold = this.heldAt(c.step, bound);
      let end = bound;
      let window = cond.task !== undefined ? FIRST_WINDOW : Infinity;
      for (;;) {
        const start = Math.max(c.step, end - window);
        this.restore(c);
        if (start > m.s.steps) m.run(start - m.s.steps, { hold });
        // a checkpoint where the window starts: landing in it (`replayTo`), and the next step back, replay from here
        if (window !== Infinity && m.s.steps - c.step >= FIRST_WINDOW) this.take();
        const found = this.lastStopIn(end, cond, accept, hold);
        this.replayed += m.s.steps - c.step;
        if (found) return found;
        if (start <= c.step) break;
        end = start;
        window *= 8;
      }
      bound = c.step;
    }
    return undefined;
  }

  /** Runs from where the machine is to `end` under `cond`, and answers the last stop before `end` that `accept` takes. */
  private lastStopIn(end: number, cond: StopCondition, accept: (task: number, stmt: number) => boolean, hold: number): { step: number; task: number; stmt: number } | undefined {
    const m = this.machine;
    let found: { step: number; task: number; stmt: number } | undefined;
    let stop = cond;
    for (;;) {
      const left = end - m.s.steps;
      if (left <= 0) break;
      const r = m.run(left, { stop, hold });
      if (r.kind !== 'stop') break;
      if (m.s.steps >= end) break;
      if (accept(r.task, r.stmt)) found = { step: m.s.steps, task: r.task, stmt: r.stmt };
      stop = { ...cond, resumeFrom: { task: r.task, stmt: r.stmt }, ...(cond.task !== undefined ? { skip: 1 } : {}) };
    }
    return found;
  }
}
