// The timer wheel against a sorted-list model over random schedules of inserts, cancels and polls.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../runtime/prng.js';
import { levelFor, MAX_DURATION, TimerWheel, type TimerEntry } from '../../runtime/timer-wheel.js';

/** The model: a plain list, sorted on every poll. */
class SortedListTimers {
  pending: { id: number; deadline: number }[] = [];
  now = 0;
  insert(id: number, deadline: number): void {
    this.pending.push({ id, deadline });
  }
  cancel(id: number): boolean {
    const i = this.pending.findIndex(t => t.id === id);
    if (i < 0) return false;
    this.pending.splice(i, 1);
    return true;
  }
  poll(now: number): number[] {
    this.now = Math.max(this.now, now);
    const due = this.pending.filter(t => t.deadline <= this.now).sort((a, b) => a.deadline - b.deadline || a.id - b.id);
    this.pending = this.pending.filter(t => t.deadline > this.now);
    return due.map(t => t.id);
  }
  next(): number | undefined {
    return this.pending.length ? Math.min(...this.pending.map(t => t.deadline)) : undefined;
  }
}

function runSchedule(seed: number, steps: number, horizon: number): void {
  const rng = new Prng(seed);
  const wheel = new TimerWheel<number>();
  const model = new SortedListTimers();
  const live = new Map<number, TimerEntry<number>>();
  let now = 0;
  for (let step = 0; step < steps; step++) {
    const r = rng.below(100);
    if (r < 50) {
      // Mostly near timers, some far ones that must cascade through several levels.
      const scale = [1, 64, 4096, 262_144, horizon][rng.below(5)]!;
      const deadline = now + rng.below(scale) + (rng.below(10) === 0 ? 0 : 1);
      const e = wheel.insert(deadline, step);
      model.insert(e.id, deadline);
      live.set(e.id, e);
    } else if (r < 65 && live.size > 0) {
      const ids = [...live.keys()];
      const id = ids[rng.below(ids.length)]!;
      expect(wheel.cancel(live.get(id)!)).toBe(model.cancel(id));
      live.delete(id);
    } else {
      expect(wheel.nextDeadline()).toBe(model.next());
      // Sometimes jump straight to the next deadline, as the clock does when every worker is idle.
      const next = model.next();
      now = rng.below(4) === 0 && next !== undefined ? Math.max(now, next) : now + rng.below([2, 70, 5000, 300_000][rng.below(4)]!);
      const fired = wheel.poll(now).map(e => e.id);
      expect(fired).toEqual(model.poll(now));
      for (const id of fired) live.delete(id);
      expect(wheel.size).toBe(model.pending.length);
    }
  }
  // Drain everything.
  const rest = wheel.poll(now + 10 * horizon).map(e => e.id);
  expect(rest).toEqual(model.poll(now + 10 * horizon));
  expect(wheel.size).toBe(0);
}

describe('timer wheel', () => {
  it('places timers on the level matching their distance (Tokio level_for)', () => {
    expect(levelFor(0, 0)).toBe(0);
    expect(levelFor(0, 63)).toBe(0);
    expect(levelFor(0, 64)).toBe(1);
    expect(levelFor(0, 4095)).toBe(1);
    expect(levelFor(0, 4096)).toBe(2);
    expect(levelFor(60, 70)).toBe(1); // crosses a level-0 window boundary
    expect(levelFor(0, MAX_DURATION * 4)).toBe(5);
  });

  it('fires each timer exactly at its deadline, cascading from higher levels', () => {
    const wheel = new TimerWheel<string>();
    wheel.insert(100, 'a');
    wheel.insert(5000, 'b');
    wheel.insert(3, 'c');
    expect(wheel.poll(2)).toEqual([]);
    expect(wheel.poll(3).map(e => e.payload)).toEqual(['c']);
    expect(wheel.nextDeadline()).toBe(100);
    expect(wheel.poll(99)).toEqual([]);
    expect(wheel.poll(100).map(e => e.payload)).toEqual(['a']);
    expect(wheel.poll(4999)).toEqual([]);
    expect(wheel.poll(5000).map(e => e.payload)).toEqual(['b']);
    expect(wheel.size).toBe(0);
  });

  it('fires a timer set at or before now on the next poll', () => {
    const wheel = new TimerWheel<string>();
    wheel.poll(50);
    wheel.insert(10, 'late');
    expect(wheel.nextDeadline()).toBe(10);
    expect(wheel.poll(50).map(e => e.payload)).toEqual(['late']);
  });

  it('holds timers beyond its span and fires them in order', () => {
    const wheel = new TimerWheel<string>();
    wheel.insert(MAX_DURATION * 2 + 5, 'far');
    wheel.insert(MAX_DURATION + 1, 'near');
    expect(wheel.poll(MAX_DURATION * 3).map(e => e.payload)).toEqual(['near', 'far']);
  });

  it('snapshots occupied slots with their timers', () => {
    const wheel = new TimerWheel<string>();
    wheel.insert(10, 'x');
    wheel.insert(200, 'y');
    const snap = wheel.snapshot();
    expect(snap.pending).toBe(2);
    expect(snap.slots.map(s => [s.level, s.slot, s.timers.map(t => t.payload)])).toEqual([
      [0, 10, ['x']],
      [1, 3, ['y']],
    ]);
  });

  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`agrees with a sorted-list model over a random schedule (seed ${seed})`, () => {
      runSchedule(seed, 3000, 20_000_000);
    });
  }
});
