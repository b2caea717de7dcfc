// The hierarchical timer wheel (Tokio's layout: 6 levels of 64 slots, 1 ms per level-0 slot) behind every timer of a run.

/** Levels in the wheel: tokio/src/runtime/time/wheel/mod.rs `NUM_LEVELS`. */
export const NUM_LEVELS = 6;
/** Slots per level: tokio/src/runtime/time/wheel/level.rs `LEVEL_MULT` (1 << BITS_PER_LEVEL). */
export const LEVEL_MULT = 64;
/** The span the wheel can hold without clamping (64^6 ms, about 2.2 years): `MAX_DURATION`. */
export const MAX_DURATION = LEVEL_MULT ** NUM_LEVELS;

export interface TimerEntry<T> {
  readonly id: number;
  /** Absolute deadline, in wheel ticks (milliseconds of virtual time). */
  readonly deadline: number;
  readonly payload: T;
  /** Where the entry sits now: a level and a slot, or -1 while overdue (fired on the next poll). */
  level: number;
  slot: number;
}

export interface WheelSlotSnapshot<T> {
  readonly level: number;
  readonly slot: number;
  /** The time this slot expires at (the start of its range, for levels above 0). */
  readonly expiresAt: number;
  readonly timers: readonly { readonly id: number; readonly deadline: number; readonly payload: T }[];
}

export interface WheelSnapshot<T> {
  /** The wheel's own notion of now: every deadline at or before it has fired. */
  readonly elapsed: number;
  readonly pending: number;
  /** Occupied slots only, by level then slot. */
  readonly slots: readonly WheelSlotSnapshot<T>[];
}

interface Expiration {
  readonly level: number;
  readonly slot: number;
  readonly deadline: number;
}

function slotRange(level: number): number {
  return LEVEL_MULT ** level;
}

/** The lowest level whose slot holding `deadline` is not the one holding `elapsed` (Tokio's `level_for`). */
export function levelFor(elapsed: number, deadline: number): number {
  for (let level = 0; level < NUM_LEVELS - 1; level++) {
    const range = LEVEL_MULT ** (level + 1);
    if (Math.floor(elapsed / range) === Math.floor(deadline / range)) return level;
  }
  return NUM_LEVELS - 1;
}

function slotFor(deadline: number, level: number): number {
  return Math.floor(deadline / slotRange(level)) % LEVEL_MULT;
}

/**
 * Timers are kept in the slot of the level matching how far away they are; a slot of a higher level
 * is emptied when time reaches it and its timers fall to lower levels ("cascading"). Deadlines are
 * whole ticks; every operation is deterministic (slots keep insertion order, fired timers come out
 * ordered by deadline then id).
 */
export class TimerWheel<T> {
  elapsed = 0;
  private nextId = 1;
  private count = 0;
  /** levels[level][slot]: the entries of that slot, or null when empty. */
  private readonly levels: (Set<TimerEntry<T>> | null)[][];
  private readonly levelCounts: number[];
  /** Timers inserted at or before `elapsed`: they fire on the next poll. */
  private overdue: TimerEntry<T>[] = [];

  constructor() {
    this.levels = Array.from({ length: NUM_LEVELS }, () => new Array<Set<TimerEntry<T>> | null>(LEVEL_MULT).fill(null));
    this.levelCounts = new Array<number>(NUM_LEVELS).fill(0);
  }

  get size(): number {
    return this.count;
  }

  insert(deadline: number, payload: T): TimerEntry<T> {
    const entry: TimerEntry<T> = { id: this.nextId++, deadline: Math.max(0, Math.ceil(deadline)), payload, level: -1, slot: -1 };
    this.count++;
    if (entry.deadline <= this.elapsed) this.overdue.push(entry);
    else this.place(entry);
    return entry;
  }

  /** Removes a pending timer; false if it already fired or was cancelled. */
  cancel(entry: TimerEntry<T>): boolean {
    if (entry.level === -1) {
      const i = this.overdue.indexOf(entry);
      if (i < 0) return false;
      this.overdue.splice(i, 1);
      this.count--;
      return true;
    }
    const slots = this.levels[entry.level]!;
    const set = slots[entry.slot];
    if (!set || !set.delete(entry)) return false;
    if (set.size === 0) slots[entry.slot] = null;
    this.levelCounts[entry.level]!--;
    this.count--;
    entry.level = -1;
    entry.slot = -2; // detached: neither placed nor overdue
    return true;
  }

  /** Advances the wheel to `now` and returns the timers that fired, by deadline then id. */
  poll(now: number): TimerEntry<T>[] {
    const fired: TimerEntry<T>[] = [];
    if (this.overdue.length > 0) {
      const overdue = this.overdue.sort(byDeadlineThenId);
      this.overdue = [];
      for (const e of overdue) this.fire(e, fired);
    }
    if (now < this.elapsed) return fired;
    for (;;) {
      const exp = this.nextExpiration();
      if (!exp || exp.deadline > now) break;
      this.process(exp, fired);
    }
    this.elapsed = now;
    return fired;
  }

  /** The earliest pending deadline (exact, not the slot's start), or undefined when none is pending. */
  nextDeadline(): number | undefined {
    let best: number | undefined;
    for (const e of this.overdue) if (best === undefined || e.deadline < best) best = e.deadline;
    for (let level = 0; level < NUM_LEVELS; level++) {
      const exp = this.levelExpiration(level);
      if (!exp) continue;
      // Every deadline in that slot lies at or after its start; the earliest of the level is in it.
      for (const e of this.levels[level]![exp.slot]!) if (best === undefined || e.deadline < best) best = e.deadline;
    }
    return best;
  }

  snapshot(): WheelSnapshot<T> {
    const slots: WheelSlotSnapshot<T>[] = [];
    for (let level = 0; level < NUM_LEVELS; level++) {
      const row = this.levels[level]!;
      for (let slot = 0; slot < LEVEL_MULT; slot++) {
        const set = row[slot];
        if (!set) continue;
        slots.push({
          level,
          slot,
          expiresAt: this.slotExpiry(level, slot),
          timers: [...set].map(e => ({ id: e.id, deadline: e.deadline, payload: e.payload })),
        });
      }
    }
    return { elapsed: this.elapsed, pending: this.count, slots };
  }

  /** Every pending entry, by deadline then id. */
  entries(): TimerEntry<T>[] {
    const all: TimerEntry<T>[] = [...this.overdue];
    for (const row of this.levels) for (const set of row) if (set) all.push(...set);
    return all.sort(byDeadlineThenId);
  }

  private place(entry: TimerEntry<T>): void {
    // Beyond the wheel's span a timer waits in the top level and is placed again when that slot expires.
    const when = Math.min(entry.deadline, this.elapsed + MAX_DURATION - 1);
    const level = levelFor(this.elapsed, when);
    const slot = slotFor(when, level);
    const row = this.levels[level]!;
    let set = row[slot];
    if (!set) row[slot] = set = new Set();
    set.add(entry);
    entry.level = level;
    entry.slot = slot;
    this.levelCounts[level]!++;
  }

  private fire(entry: TimerEntry<T>, fired: TimerEntry<T>[]): void {
    entry.level = -1;
    entry.slot = -2;
    this.count--;
    fired.push(entry);
  }

  private slotExpiry(level: number, slot: number): number {
    const sr = slotRange(level);
    const lr = sr * LEVEL_MULT;
    const levelStart = this.elapsed - (this.elapsed % lr);
    let deadline = levelStart + slot * sr;
    if (deadline + sr <= this.elapsed) deadline += lr; // the slot lies in the next rotation
    return deadline;
  }

  /** The next occupied slot of a level at or after the current position (Tokio's `next_occupied_slot`). */
  private levelExpiration(level: number): Expiration | undefined {
    if (this.levelCounts[level] === 0) return undefined;
    const row = this.levels[level]!;
    const nowSlot = Math.floor(this.elapsed / slotRange(level)) % LEVEL_MULT;
    for (let i = 0; i < LEVEL_MULT; i++) {
      const slot = (nowSlot + i) % LEVEL_MULT;
      if (row[slot]) return { level, slot, deadline: this.slotExpiry(level, slot) };
    }
    return undefined;
  }

  private nextExpiration(): Expiration | undefined {
    let best: Expiration | undefined;
    for (let level = 0; level < NUM_LEVELS; level++) {
      const exp = this.levelExpiration(level);
      if (exp && (!best || exp.deadline < best.deadline)) best = exp;
    }
    return best;
  }

  /** Empties one slot: due timers fire, the others fall to the level matching their distance. */
  private process(exp: Expiration, fired: TimerEntry<T>[]): void {
    const row = this.levels[exp.level]!;
    const set = row[exp.slot]!;
    row[exp.slot] = null;
    this.levelCounts[exp.level]! -= set.size;
    if (exp.deadline > this.elapsed) this.elapsed = exp.deadline;
    const due: TimerEntry<T>[] = [];
    for (const e of set) {
      if (e.deadline <= this.elapsed) due.push(e);
      else this.place(e);
    }
    due.sort(byDeadlineThenId);
    for (const e of due) this.fire(e, fired);
  }
}

function byDeadlineThenId(a: { deadline: number; id: number }, b: { deadline: number; id: number }): number {
  return a.deadline - b.deadline || a.id - b.id;
}
