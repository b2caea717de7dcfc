// Every scheduling choice of a run goes through one Chooser: Tokio's policies and the seeded generator by default, or
// an exploring strategy (random, PCT, DFS, a replayed schedule) that records what it chose.
import { Prng } from './prng.js';

/**
 * The choice points of the scheduler:
 * - `order`: which thread takes the next turn of a round;
 * - `poll`: which ready task of its LIFO slot and local queue a worker polls;
 * - `lifo`: whether a worker polls its LIFO slot right after a poll, or puts it back and looks again;
 * - `global`: whether a worker takes from the injection queue or its local queue;
 * - `steal`: the victim a searching worker steals from;
 * - `timer`: the order in which timers of one deadline fire;
 * - `unpark`: which parked worker a notification wakes;
 * - `preempt`: whether a worker's turn ends right after a statement that read or wrote shared memory (a struct's
 *   field, a list's element), so that another thread runs before the task's next statement (only with a chooser
 *   whose `preempts` is true; loom's and shuttle's preemption points).
 */
export type ChoiceKind = 'order' | 'poll' | 'lifo' | 'global' | 'steal' | 'timer' | 'unpark' | 'preempt';

export const CHOICE_KINDS: readonly ChoiceKind[] = ['order', 'poll', 'lifo', 'global', 'steal', 'timer', 'unpark', 'preempt'];

/** Where a run stands among its choice points: part of the machine's state, so a restored checkpoint replays them. */
export interface ChoiceCursor {
  picks: number;
}

/**
 * Makes the scheduler's choices. At a choice point with several alternatives, alternative 0 is always what Tokio's
 * policy does; each alternative names the task it would run (-1 where it names none), which PCT reads.
 */
export interface Chooser {
  /**
   * Whether it decides choice points itself: when false (Tokio's policies), the scheduler skips the work of listing
   * alternatives that only an exploring chooser reads (a long local queue copied at every poll).
   */
  readonly explores: boolean;
  /**
   * Whether the scheduler offers `preempt` choice points inside a turn (after each statement that touched shared
   * memory while another thread has work). False or absent: a turn runs its whole quantum, as Tokio's threads do.
   */
  readonly preempts?: boolean;
  /** Orders the threads that take turns in a round, in place; `tasks[i]` is the task thread `threads[i]` is running (-1: none). */
  order(threads: number[], tasks: readonly number[], prng: Prng, at: ChoiceCursor): void;
  /**
   * The worker index a searching worker starts stealing at, among `workers`. `victims` are the indices of the workers
   * it could steal from, in the order it tries them from index 0, and `tasks` what a steal from each would run.
   */
  stealStart(workers: number, victims: readonly number[], tasks: readonly number[], prng: Prng, at: ChoiceCursor): number;
  /** One of `tasks.length` (at least 2) alternatives at a choice point; 0 is Tokio's. */
  pick(kind: ChoiceKind, tasks: readonly number[], at: ChoiceCursor): number;
}

/** Tokio's policies: the round's order and the first victim come from the seeded generator, the rest is the policy's. */
export const DEFAULT_CHOOSER: Chooser = {
  explores: false,
  order(threads, _tasks, prng) {
    prng.shuffle(threads);
  },
  stealStart(workers, _victims, _tasks, prng) {
    return prng.below(workers);
  },
  pick() {
    return 0;
  },
};

/** One choice an exploring chooser made: at the `index`-th choice point, of `kind`, alternative `chosen` of `n`. */
export interface Choice {
  readonly index: number;
  readonly kind: ChoiceKind;
  readonly n: number;
  readonly chosen: number;
}

/**
 * A chooser that decides every choice point itself (no generator draws for the schedule) and records what it chose.
 * The round's order is a series of `order` picks (which remaining thread goes next, 0 keeping the order the threads
 * stand in); idle threads (no task) keep their places after the busy ones and take no pick. A steal is a pick among
 * the victims that have work.
 */
export abstract class ExploringChooser implements Chooser {
  readonly explores = true;
  /** Offer `preempt` choice points (set before a run; a replay must use what the exploration used). */
  preempts = false;
  /** Every choice point met in the current run, in order (kinds, alternative counts, choices). */
  readonly kinds: ChoiceKind[] = [];
  readonly counts: number[] = [];
  readonly chosen: number[] = [];

  /** Decides the choice point at `index` among `tasks.length` alternatives. */
  protected abstract decide(kind: ChoiceKind, tasks: readonly number[], index: number): number;

  pick(kind: ChoiceKind, tasks: readonly number[], at: ChoiceCursor): number {
    const index = at.picks++;
    const n = tasks.length;
    let c = this.decide(kind, tasks, index);
    if (!(c >= 0 && c < n)) c = 0;
    this.kinds[index] = kind;
    this.counts[index] = n;
    this.chosen[index] = c;
    return c;
  }

  order(threads: number[], tasks: readonly number[], _prng: Prng, at: ChoiceCursor): void {
    // Busy threads first (in the order given), then the idle ones, whose order changes nothing.
    const busy: number[] = [];
    const busyTasks: number[] = [];
    const idle: number[] = [];
    for (let i = 0; i < threads.length; i++) {
      if (tasks[i]! >= 0) {
        busy.push(threads[i]!);
        busyTasks.push(tasks[i]!);
      } else idle.push(threads[i]!);
    }
    for (let k = 0; k + 1 < busy.length; k++) {
      const j = k + this.pick('order', busyTasks.slice(k), at);
      if (j !== k) {
        // The chosen thread goes next; the others keep their order.
        const [th] = busy.splice(j, 1);
        const [tk] = busyTasks.splice(j, 1);
        busy.splice(k, 0, th!);
        busyTasks.splice(k, 0, tk!);
      }
    }
    threads.length = 0;
    threads.push(...busy, ...idle);
  }

  stealStart(workers: number, victims: readonly number[], tasks: readonly number[], _prng: Prng, at: ChoiceCursor): number {
    if (victims.length === 0) return 0;
    if (victims.length === 1) return victims[0]!;
    return victims[this.pick('steal', tasks, at)]!;
  }

  /** The choices off Tokio's policy (not 0) made in the current run. */
  offDefault(): Choice[] {
    const out: Choice[] = [];
    for (let i = 0; i < this.chosen.length; i++) {
      const c = this.chosen[i]!;
      if (c !== 0) out.push({ index: i, kind: this.kinds[i]!, n: this.counts[i]!, chosen: c });
    }
    return out;
  }

  /** How many choice points the current run met. */
  get points(): number {
    return this.chosen.length;
  }
}

/** Uniformly random choices from its own seeded generator. */
export class RandomChooser extends ExploringChooser {
  private readonly rng: Prng;
  constructor(seed: number) {
    super();
    this.rng = new Prng(seed);
  }

  protected decide(_kind: ChoiceKind, tasks: readonly number[]): number {
    return this.rng.below(tasks.length);
  }
}

/**
 * Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010; shuttle's `PctScheduler`): every task gets a
 * random priority when first seen, and each choice runs the alternative whose task has the highest priority. At
 * `depth - 1` random choice points (change points, spread over the expected length of a run) the task chosen there
 * drops below every other. A bug that needs `d` ordering constraints is found with probability at least
 * 1 / (n * k^(d-1)) per run (n tasks, k choice points).
 */
export class PctChooser extends ExploringChooser {
  private readonly rng: Prng;
  private readonly priority = new Map<number, number>();
  private readonly changePoints = new Set<number>();
  /** Priorities given at change points: below every initial priority, later ones lower still. */
  private low = 0;

  constructor(seed: number, depth: number, expectedPoints: number) {
    super();
    this.rng = new Prng(seed);
    const span = Math.max(1, expectedPoints);
    for (let i = 1; i < depth; i++) this.changePoints.add(this.rng.below(span));
  }

  private priorityOf(task: number): number {
    if (task < 0) return -Infinity;
    let p = this.priority.get(task);
    if (p === undefined) {
      p = 1 + this.rng.float();
      this.priority.set(task, p);
    }
    return p;
  }

  protected decide(_kind: ChoiceKind, tasks: readonly number[], index: number): number {
    let best = 0;
    for (let i = 1; i < tasks.length; i++) if (this.priorityOf(tasks[i]!) > this.priorityOf(tasks[best]!)) best = i;
    if (this.changePoints.has(index) && tasks[best]! >= 0) {
      this.priority.set(tasks[best]!, this.low--);
      best = 0;
      for (let i = 1; i < tasks.length; i++) if (this.priorityOf(tasks[i]!) > this.priorityOf(tasks[best]!)) best = i;
    }
    return best;
  }
}

/** Replays given choices (by choice point index); every other choice point takes Tokio's alternative, 0. */
export class ReplayChooser extends ExploringChooser {
  /** Choice points where the replayed choice did not fit (another number of alternatives than recorded). */
  readonly mismatches: number[] = [];
  private readonly byIndex: Map<number, { chosen: number; n?: number }>;

  constructor(choices: readonly { readonly index: number; readonly chosen: number; readonly n?: number }[]) {
    super();
    this.byIndex = new Map(choices.map(c => [c.index, { chosen: c.chosen, n: c.n }]));
  }

  protected decide(_kind: ChoiceKind, tasks: readonly number[], index: number): number {
    const c = this.byIndex.get(index);
    if (!c) return 0;
    if ((c.n !== undefined && c.n !== tasks.length) || c.chosen >= tasks.length) {
      this.mismatches.push(index);
      return c.chosen < tasks.length ? c.chosen : 0;
    }
    return c.chosen;
  }
}

/**
 * Depth-first search over every schedule (loom's and shuttle's DFS): the first run takes alternative 0 everywhere; each
 * next run keeps the longest prefix it can and takes the next alternative at the deepest choice point that has one
 * left. With `maxOffDefault`, only schedules with at most that many choices off Tokio's policy are explored (a
 * preemption bound), which makes the space small enough to exhaust.
 */
export class DfsChooser extends ExploringChooser {
  /** The path being explored: the choice and alternative count at each choice point. */
  private path: { chosen: number; n: number }[] = [];
  private off = 0;
  /** Schedules met so far with at most `split` choices off the policy (units): the i-th belongs to shard i mod count. */
  private dealt = 0;
  private current = 0;
  private mine: boolean;
  /** Whether a unit is this chooser's to run (asked once per unit, in order). */
  private readonly owns: (unit: number) => boolean;
  /** How many off-policy choices deep the tree is dealt out to the shards (two levels balance it better than one). */
  private readonly split: number;

  /**
   * With `shard`, only that shard's schedules are explored. Each schedule with at most `split` choices off the
   * policy belongs to one shard, dealt in turn in the order DFS meets them (the same on every machine); a deeper
   * schedule belongs to the shard of its ancestor with `split` choices. Another shard's schedule with fewer choices
   * still runs (not counted) to learn the tree under it; one with `split` is skipped with its whole subtree. So the
   * shards' schedules are disjoint and together are the whole tree. `owns` replaces the shard's rule: the threads of
   * one exploration claim units with it (runtime/explore.ts).
   */
  constructor(private readonly maxOffDefault = Infinity, private readonly shard: { readonly index: number; readonly count: number } = { index: 0, count: 1 },
    owns?: (unit: number) => boolean) {
    super();
    this.split = Math.min(2, maxOffDefault);
    this.owns = owns ?? (unit => this.shard.count === 1 || unit % this.shard.count === this.shard.index);
    this.mine = this.deal();
  }

  /** Whether the schedule about to run is this shard's; when not, it runs only to learn the tree under it. */
  get owned(): boolean {
    return this.mine;
  }

  /**
   * The unit of the schedule about to run: the number (from 0, in DFS order, over every shard) of the schedule with at
   * most `split` off-policy choices it belongs to. A unit's schedules come one after the other in DFS order.
   */
  get unit(): number {
    return this.current;
  }

  private deal(): boolean {
    this.current = this.dealt++;
    return this.owns(this.current);
  }

  protected decide(_kind: ChoiceKind, tasks: readonly number[], index: number): number {
    const step = this.path[index];
    if (step) {
      if (step.chosen !== 0) this.off++;
      return step.chosen < tasks.length ? step.chosen : 0;
    }
    this.path[index] = { chosen: 0, n: tasks.length };
    return 0;
  }

  /** Moves to the next schedule; false when every schedule (within the bound) has been explored. */
  advance(): boolean {
    const path = this.path.slice(0, this.points);
    this.kinds.length = 0;
    this.counts.length = 0;
    this.chosen.length = 0;
    this.off = 0;
    for (;;) {
      while (path.length > 0 && path[path.length - 1]!.chosen + 1 >= path[path.length - 1]!.n) path.pop();
      if (path.length === 0) {
        this.path = [];
        return false;
      }
      const last = path[path.length - 1]!;
      last.chosen++;
      const off = path.filter(s => s.chosen !== 0).length;
      if (off <= this.maxOffDefault) {
        if (off <= this.split) {
          const mine = this.deal();
          // another shard's schedule at the split level: it and its subtree are that shard's
          if (!mine && off === this.split) continue;
          this.mine = mine;
        }
        this.path = path;
        return true;
      }
      // Past the bound: no further alternative at this point is allowed either.
      last.chosen = last.n - 1;
    }
  }
}
