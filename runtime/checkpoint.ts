// Going back in a run: deep copies of the machine state (checkpoints) plus deterministic replay from the nearest one.
import { FnProto } from './bytecode.js';
import type { Machine, MachineState, StopReason } from './machine.js';
import { BuiltinFnVal, BuiltinHandlerVal, Closure, EffectVal, FloatVal, ModuleVal, StructType, TaskVal } from './values.js';

/** Immutable once built: shared between a state and its copies. */
const SHARED: ReadonlySet<unknown> = new Set<unknown>([FnProto, StructType, BuiltinFnVal, EffectVal, ModuleVal, BuiltinHandlerVal, FloatVal, TaskVal]);

/**
 * Copies an object graph, keeping sharing and cycles, and sharing what never changes (prototypes of
 * compiled code, struct types, immutable values, frozen objects, functions). Iterative, so deep data
 * (a long linked list of structs) cannot overflow the JS stack. Returns the copy and how many objects it made.
 */
export function deepCopy<T>(root: T): { copy: T; objects: number } {
  const memo = new Map<object, unknown>();
  const work: [object, Record<string, unknown> | unknown[]][] = [];
  const shell = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      memo.set(v, out);
      work.push([v, out]);
      return out;
    }
    const proto = Object.getPrototypeOf(v) as { constructor?: unknown } | null;
    if (SHARED.has(proto?.constructor) || Object.isFrozen(v)) return v;
    if (v instanceof Closure && v.ups.length === 0) return v; // captures nothing: immutable
    if (v instanceof Set) {
      const out = new Set<unknown>();
      memo.set(v, out);
      for (const x of v) out.add(shell(x));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      memo.set(v, out);
      for (const [k, x] of v) out.set(shell(k), shell(x));
      return out;
    }
    if (ArrayBuffer.isView(v)) {
      const out = (v as unknown as { slice(): unknown }).slice();
      memo.set(v, out);
      return out;
    }
    const out = Object.create(proto) as Record<string, unknown>;
    memo.set(v, out);
    work.push([v, out]);
    return out;
  };
  const copy = shell(root) as T;
  while (work.length > 0) {
    const [src, dst] = work.pop()!;
    if (Array.isArray(src)) {
      const d = dst as unknown[];
      for (let i = 0; i < src.length; i++) d[i] = shell(src[i]);
    } else {
      const d = dst as Record<string, unknown>;
      const s = src as Record<string, unknown>;
      for (const k of Object.keys(s)) d[k] = shell(s[k]);
    }
  }
  return { copy, objects: memo.size };
}

export interface Checkpoint {
  readonly step: number;
  readonly state: MachineState;
  /** Objects in the copy: what restoring it costs. */
  readonly objects: number;
  /** Marks the start or end of a held segment: never thinned out. */
  readonly pinned: boolean;
}

export interface TimeTravelOptions {
  /** Fewest steps between two checkpoints (default 10,000). */
  readonly minInterval?: number;
  /** Steps between checkpoints per object in the state (default 8): big states are copied less often. */
  readonly stepsPerObject?: number;
  /** Most checkpoints kept; beyond it every other one is dropped (default 256). */
  readonly maxCheckpoints?: number;
}

/**
 * Runs a machine forward while taking checkpoints, and moves it back to any earlier step: restore the
 * nearest checkpoint at or before it and replay up to it. A run is a pure function of the program, the
 * options, the seed and the host's answers, so the replay is exact; output and events already emitted are
 * not emitted again (see `Machine.seen`), going back or forward over known ground.
 */
export class TimeTravel {
  private readonly checkpoints: Checkpoint[] = [];
  /** Steps replayed by seeks so far (what going back has cost). */
  replayed = 0;
  /** Stretches of the run during which one task ran alone (`Machine.hold`). */
  private held: { from: number; to: number; task: number }[] = [];
  private nextAt = 0;
  private readonly minInterval: number;
  private readonly stepsPerObject: number;
  private readonly maxCheckpoints: number;

  constructor(readonly machine: Machine, options: TimeTravelOptions = {}) {
    this.minInterval = options.minInterval ?? 10_000;
    this.stepsPerObject = options.stepsPerObject ?? 8;
    this.maxCheckpoints = options.maxCheckpoints ?? 256;
    this.take();
  }

  /** Steps of the checkpoints held, oldest first. */
  get steps(): number[] {
    return this.checkpoints.map(c => c.step);
  }

  /** The step of the latest checkpoint at or before `step`. */
  checkpointBefore(step: number): number {
    let best = 0;
    for (const c of this.checkpoints) if (c.step <= step) best = c.step;
    return best;
  }

  /** Like `machine.run`, taking checkpoints on the way. */
  run(maxSteps = Infinity): StopReason {
    const m = this.machine;
    if (m.hold >= 0) return this.runHeld(maxSteps);
    const target = m.s.steps + maxSteps;
    for (;;) {
      const chunk = Math.min(target, this.nextAt) - m.s.steps;
      const r = m.run(chunk > 0 ? chunk : 0);
      if (m.s.steps >= this.nextAt && !m.s.done) this.take();
      if (r.kind !== 'steps' || m.s.steps >= target) return r;
    }
  }

  /**
   * A run with the other tasks held schedules differently from a free run, so it is recorded: checkpoints
   * at its start and end, and the segment between them, replayed with the same task held.
   */
  private runHeld(maxSteps: number): StopReason {
    const m = this.machine;
    this.take(true);
    const from = m.s.steps;
    const segment = { from, to: from, task: m.hold };
    this.held.push(segment);
    const r = m.run(maxSteps);
    segment.to = m.s.steps;
    this.take(true);
    return r;
  }

  /** Moves back by `n` steps (to just before the statement that began n steps ago). */
  stepBack(n = 1): void {
    this.seek(Math.max(0, this.machine.s.steps - n));
  }

  /**
   * Puts the machine where it was (or will be) when `step` statements had begun, paused before the next
   * one: backwards by restoring and replaying muted, forwards by running.
   */
  seek(step: number): void {
    const m = this.machine;
    let cp: Checkpoint | undefined;
    for (const c of this.checkpoints) if (c.step <= step) cp = c;
    if (!cp) throw new Error(`no checkpoint at or before step ${step}`);
    const from = m.s.steps;
    if (step < from) {
      // The replay emits nothing the run already emitted (the machine keeps its high-water marks).
      m.restore(cp.state);
      const stop = m.stop;
      const hold = m.hold;
      m.stop = null;
      // Inside a held segment the replay holds the same task (a checkpoint marks every segment's start).
      const segment = this.held.find(h => h.from <= cp!.step && step <= h.to && step > h.from);
      m.hold = segment ? segment.task : -1;
      try {
        const start = m.s.steps;
        if (step > m.s.steps) m.run(step - m.s.steps);
        this.replayed += Math.max(0, m.s.steps - start);
      } finally {
        m.stop = stop;
        m.hold = hold;
      }
      if (segment && step < segment.to) {
        // Going on from inside the segment is a new future: it ends here.
        segment.to = step;
        this.held = this.held.filter(h => h.from <= step);
        while (this.checkpoints.length > 1 && this.checkpoints[this.checkpoints.length - 1]!.step > step) this.checkpoints.pop();
        this.take(true);
        return;
      }
    } else if (step > from) {
      const stop = m.stop;
      m.stop = null;
      try {
        this.run(step - from);
      } finally {
        m.stop = stop;
      }
    }
    // Checkpoints past this point describe a future that may not happen again (the debugger may change course).
    while (this.checkpoints.length > 1 && this.checkpoints[this.checkpoints.length - 1]!.step > step) this.checkpoints.pop();
    this.held = this.held.filter(h => h.from < step || (h.from === step && h.to === step));
    const last = this.checkpoints[this.checkpoints.length - 1]!;
    this.nextAt = last.step + this.interval(last.objects);
  }

  private interval(objects: number): number {
    return Math.max(this.minInterval, objects * this.stepsPerObject);
  }

  private take(pinned = false): void {
    const m = this.machine;
    const { copy, objects } = deepCopy(m.s);
    this.checkpoints.push({ step: m.s.steps, state: copy, objects, pinned });
    if (this.checkpoints.length > this.maxCheckpoints) {
      // Keep the first, the pinned ones (held segments) and every other one after it.
      const kept = this.checkpoints.filter((c, i) => i === 0 || c.pinned || i % 2 === 0);
      this.checkpoints.length = 0;
      this.checkpoints.push(...kept);
    }
    this.nextAt = m.s.steps + this.interval(objects);
  }
}
