// Schedule exploration: runs one compiled program under many schedules (random, PCT, DFS), finds a failing one, shrinks it.
import { DfsChooser, PctChooser, RandomChooser, ReplayChooser, type Choice, type ExploringChooser } from './chooser.js';
import type { Program } from './compiler.js';
import type { MachineOptions } from './machine.js';
import type { Failure } from './task.js';
import { runCompiled, type RunOutcome } from './testing.js';

export type Strategy = 'random' | 'pct' | 'dfs';
export const STRATEGIES: readonly Strategy[] = ['random', 'pct', 'dfs'];

/** PCT's default bug depth: orderings of up to three events (most bugs in practice need one or two). */
export const DEFAULT_PCT_DEPTH = 3;

export interface ExploreOptions {
  readonly strategy: Strategy;
  /** The most schedules to run. */
  readonly schedules: number;
  /** The strategy's own seed (random and PCT); default 1. */
  readonly seed?: number;
  /** PCT: the bug depth d (default 3). DFS: the most choices off Tokio's policy per schedule (default: no bound). */
  readonly depth?: number;
  /** The runtime of every run: workers, flavor, the program's generator seed (`random()`), the step limit. */
  readonly machine?: Omit<MachineOptions, 'chooser' | 'listener'>;
  /**
   * Offer `preempt` choice points: a worker's turn may end after any statement that touched shared memory, which finds
   * races with no suspension point between a read and a write (default false: turns run their whole quantum).
   */
  readonly preempt?: boolean;
  /** A run whose output differs from the default schedule's (Tokio's policies, the seed) fails too. */
  readonly checkOutput?: boolean;
  /** Shrink a failing schedule (default true), with at most this many extra runs (default 300). */
  readonly shrink?: boolean;
  readonly shrinkRuns?: number;
  /**
   * Run only the schedules of one shard. Random and PCT: schedule i (from 0) belongs to shard `i % count`; a schedule
   * depends only on the seed and its number, so the shards' schedules are disjoint and together are the whole run's.
   * DFS: the tree is dealt out by subtrees (DfsChooser), so the shards' schedules are disjoint and together are the
   * whole tree (each shard numbers its own from 1).
   */
  readonly shard?: { readonly index: number; readonly count: number };
  /**
   * The threads of one exploration that share its schedules (default: this one alone). Each claims units of work in
   * increasing order (random, PCT: a schedule; DFS: a subtree), so that together they run what one would.
   */
  readonly jobs?: ExploreJobs;
  /** Called with the choices off Tokio's policy of each schedule run (tests: which schedules an exploration ran). */
  readonly onSchedule?: (choices: readonly Choice[]) => void;
  /** Called after each schedule with the number run so far; returning false stops the exploration. */
  readonly onProgress?: (done: number) => boolean | void;
}

/** Why a run fails: its own failure, a task that failed unawaited, or (with checkOutput) a different output. */
export interface Verdict {
  readonly reason: 'failure' | 'deadlock' | 'unawaited' | 'output';
  /** What a shrunk schedule must still show: the root failure's kind and message (a deadlock: its kind). */
  readonly key: string;
  readonly message: string;
}

export interface FailedSchedule {
  /**
   * Which schedule failed, counting from 1 (random, PCT: over every shard, the number it has in the whole run; DFS: in
   * its shard). A job of several (`jobs`) gives DFS's as its own count, which mergeJobs makes the whole run's.
   */
  readonly schedule: number;
  /** Its unit (of this shard's, from 0; random and PCT: a schedule, DFS: a subtree) and its place in it (from 1). */
  readonly unit: number;
  readonly inUnit: number;
  readonly verdict: Verdict;
  /** The run of the (shrunk) failing schedule. */
  readonly outcome: RunOutcome;
  /** Its choices off Tokio's policy: the whole schedule (every other choice point takes alternative 0). */
  readonly choices: readonly Choice[];
  /** Its choice points. */
  readonly points: number;
  /** Off-policy choices of the schedule as found, before shrinking. */
  readonly foundChoices: number;
  /** Runs spent shrinking. */
  readonly shrinkRuns: number;
}

export interface ExploreResult {
  /** Schedules run (not counting the default schedule and shrinking). */
  readonly schedules: number;
  /** DFS explored every schedule (within its bound) before reaching the limit. */
  readonly exhausted: boolean;
  readonly cancelled: boolean;
  readonly failure?: FailedSchedule;
  /** The default schedule's output (with checkOutput). */
  readonly defaultOutput?: string;
  /** Choice points of the longest run seen. */
  readonly maxPoints: number;
  /** DFS: the schedules run in each unit this exploration ran, as [unit, schedules] in increasing order. */
  readonly units?: readonly (readonly [number, number])[];
}

/**
 * What the threads (jobs) of one exploration share, so that each unit of work is run by one of them. Units are this
 * shard's schedules (random, PCT) or subtrees (DFS, runtime/chooser.ts), numbered from 0 in the order one thread would
 * run them; each job claims them in increasing order.
 */
export interface ExploreJobs {
  /** Random, PCT: claims the next unit this job is to run (past the last: the job stops). */
  take(): number;
  /** DFS: claims unit `t`, met in DFS order; false when it is another job's. */
  claim(t: number): boolean;
  /**
   * Asked just before claiming a unit: at most the number of schedules of the units before it (every job's), which
   * bounds from below the number a schedule of the unit has in the whole run (0 is always right).
   */
  before(): number;
  /** Told of each schedule this job runs. */
  ran(): void;
  /** The lowest unit where a job found a failing schedule (Infinity: none yet): later units are not run. */
  failedUnit(): number;
  /** Told that this job found a failing schedule in unit `t`. */
  failed(t: number): void;
}

/** One thread alone: every unit in turn. */
export function soloJobs(): ExploreJobs {
  let next = 0;
  let ran = 0;
  let failed = Infinity;
  return {
    take: () => next++,
    claim: t => t === next && (next++, true),
    before: () => ran,
    ran: () => { ran++; },
    failedUnit: () => failed,
    failed: t => { failed = Math.min(failed, t); },
  };
}

/** The size of the buffer sharedJobs reads: three Int32s (the next unit, schedules run, the lowest failing unit). */
export const SHARED_JOBS_BYTES = 12;
const NO_FAILURE = 0x7fffffff;

/** Jobs on several threads that share `buffer` (SHARED_JOBS_BYTES, from newSharedJobsBuffer): whoever is free takes the next unit. */
export function sharedJobs(buffer: SharedArrayBuffer): ExploreJobs {
  const a = new Int32Array(buffer);
  return {
    take: () => Atomics.add(a, 0, 1),
    claim: t => Atomics.compareExchange(a, 0, t, t + 1) === t,
    before: () => Atomics.load(a, 1),
    ran: () => { Atomics.add(a, 1, 1); },
    failedUnit: () => {
      const f = Atomics.load(a, 2);
      return f === NO_FAILURE ? Infinity : f;
    },
    failed: t => {
      for (let cur = Atomics.load(a, 2); t < cur; cur = Atomics.load(a, 2)) {
        if (Atomics.compareExchange(a, 2, cur, t) === cur) break;
      }
    },
  };
}

/** A buffer for sharedJobs: no unit claimed, no schedule run, no failure. */
export function newSharedJobsBuffer(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(SHARED_JOBS_BYTES);
  new Int32Array(buffer)[2] = NO_FAILURE;
  return buffer;
}

/**
 * The result of one exploration from its jobs' (each run with `options` and one `jobs` shared by all of them): the
 * same as one thread's. The earliest unit with a failure holds the reported failure (every unit before it ran whole);
 * a DFS schedule's number is the schedules of the units before it plus its place in its unit.
 */
export function mergeJobs(results: readonly ExploreResult[], options: Pick<ExploreOptions, 'strategy' | 'schedules'>): ExploreResult {
  const first = results.flatMap(r => (r.failure ? [r.failure] : [])).sort((a, b) => a.unit - b.unit)[0];
  const base = { cancelled: results.some(r => r.cancelled), defaultOutput: results[0]?.defaultOutput, maxPoints: Math.max(0, ...results.map(r => r.maxPoints)) };
  if (options.strategy !== 'dfs') {
    if (first) return { ...base, schedules: first.unit + 1, exhausted: false, failure: first };
    return { ...base, schedules: results.reduce((n, r) => n + r.schedules, 0), exhausted: false };
  }
  const units = results.flatMap(r => r.units ?? []);
  const total = units.reduce((n, [, k]) => n + k, 0);
  if (first) {
    const schedule = units.reduce((n, [t, k]) => (t < first.unit ? n + k : n), 0) + first.inUnit;
    if (schedule <= options.schedules) return { ...base, schedules: schedule, exhausted: false, failure: { ...first, schedule } };
    // past the limit: one thread would not have come to it
    return { ...base, schedules: options.schedules, exhausted: false };
  }
  const exhausted = results.every(r => r.exhausted) && total <= options.schedules;
  return { ...base, schedules: Math.min(total, options.schedules), exhausted };
}

/** The innermost cause of a failure (where it happened). */
function rootOf(f: Failure): Failure {
  let cur = f;
  while (cur.cause) cur = cur.cause;
  return cur;
}

/** Whether a run fails, and how. */
export function verdictOf(outcome: RunOutcome, expectedOutput?: string): Verdict | undefined {
  // A failure is the same when its kind and place are (an assertion's message may hold values that differ).
  const describe = (f: Failure) => {
    const root = rootOf(f);
    const at = root.stack[0];
    return root.kind === 'deadlock' ? 'deadlock' : `${root.kind} at ${at ? `${at.module}:${at.line}:${at.column}` : root.message}`;
  };
  if (outcome.failure) {
    const root = rootOf(outcome.failure);
    return { reason: 'failure', key: describe(outcome.failure), message: root.kind === 'deadlock' ? root.message.split('\n')[0]! : root.message };
  }
  // A deadlock that leaves the main task free (a cycle of waits, a wait nothing can complete) fails a schedule too.
  const stuck = outcome.waitReports.find(r => r.kind === 'cycle' || r.kind === 'blocked');
  if (stuck) return { reason: 'deadlock', key: `deadlock ${stuck.kind}`, message: stuck.message };
  const unawaited = outcome.taskFailures[0];
  if (unawaited) return { reason: 'unawaited', key: `unawaited ${describe(unawaited)}`, message: `a task failed and nobody awaited it: ${rootOf(unawaited).message}` };
  if (expectedOutput !== undefined && outcome.output !== expectedOutput) {
    return { reason: 'output', key: 'output', message: 'the output differs from the default schedule\'s' };
  }
  return undefined;
}

/** Runs `program` once under `chooser`. */
function runWith(program: Program, options: ExploreOptions, chooser: ExploringChooser): RunOutcome {
  chooser.preempts = options.preempt === true;
  return runCompiled(program, { ...options.machine, chooser });
}

/** Replays a schedule given by its off-policy choices. */
export function replaySchedule(program: Program, machine: ExploreOptions['machine'], choices: readonly Choice[], preempt = false): { outcome: RunOutcome; chooser: ReplayChooser } {
  const chooser = new ReplayChooser(choices);
  chooser.preempts = preempt;
  return { outcome: runCompiled(program, { ...machine, chooser }), chooser };
}

/**
 * Explores schedules of `program` until one fails or `schedules` have run (or DFS exhausted the space). The program
 * is compiled once by the caller; each schedule is a fresh machine over the same code.
 */
export function explore(program: Program, options: ExploreOptions): ExploreResult {
  const seed = options.seed ?? 1;
  let expected: string | undefined;
  if (options.checkOutput) expected = runCompiled(program, { ...options.machine }).output;
  const shard = options.shard ?? { index: 0, count: 1 };
  const jobs = options.jobs ?? soloJobs();
  // DFS: units are subtrees, claimed as the search meets them; `claimedBefore` is the bound jobs.before() gave.
  let claimedBefore = 0;
  const dfs = options.strategy === 'dfs'
    ? new DfsChooser(options.depth ?? Infinity, shard, d => {
      if (d % shard.count !== shard.index) return false;
      const before = jobs.before();
      if (!jobs.claim(Math.floor(d / shard.count))) return false;
      claimedBefore = before;
      return true;
    })
    : undefined;
  // PCT spreads its change points over the choice points of a run: as many as Tokio's own schedule meets (measured
  // once, so that each schedule depends only on the seed and its number, and shards stay disjoint).
  let expectedPoints = 0;
  if (options.strategy === 'pct') {
    const canonical = new ReplayChooser([]);
    runWith(program, options, canonical);
    expectedPoints = Math.max(1, canonical.points);
  }
  let maxPoints = 0;
  let run = 0;
  let exhausted = false;
  let cancelled = false;
  const units: [number, number][] = [];
  const done = (): ExploreResult => ({ schedules: run, exhausted, cancelled, defaultOutput: expected, maxPoints, ...(dfs ? { units } : {}) });
  for (;;) {
    let t: number;
    let i: number;
    let chooser: ExploringChooser;
    if (dfs) {
      // DFS shards and jobs split the tree, not the numbers (runtime/chooser.ts): the schedule's unit is its subtree.
      t = Math.floor(dfs.unit / shard.count);
      if (t > jobs.failedUnit()) break;
      if (dfs.owned) {
        const last = units[units.length - 1];
        if (!last || last[0] !== t) units.push([t, 0]);
        const inUnit = units[units.length - 1]![1];
        // The schedule's number in the whole run is at least this: one thread would stop before it.
        if (Math.max(claimedBefore, run - inUnit) + inUnit >= options.schedules) break;
      }
      chooser = dfs;
      i = run;
    } else {
      t = jobs.take();
      i = shard.index + shard.count * t;
      if (i >= options.schedules || t > jobs.failedUnit()) break;
      chooser = options.strategy === 'random'
        ? new RandomChooser(mix(seed, i))
        : new PctChooser(mix(seed, i), options.depth ?? DEFAULT_PCT_DEPTH, expectedPoints);
    }
    const outcome = runWith(program, options, chooser);
    if (dfs && !dfs.owned) {
      // another shard's or job's schedule, run only to learn the tree under it: not counted, its failure is theirs
      if (!dfs.advance()) {
        exhausted = true;
        break;
      }
      continue;
    }
    run++;
    jobs.ran();
    if (dfs) units[units.length - 1]![1]++;
    maxPoints = Math.max(maxPoints, chooser.points);
    options.onSchedule?.(chooser.offDefault());
    const verdict = verdictOf(outcome, expected);
    if (verdict) {
      jobs.failed(t);
      const found = chooser.offDefault();
      const shrunk = options.shrink === false
        ? { choices: found, outcome, points: chooser.points, runs: 0 }
        : shrinkSchedule(program, options.machine, found, verdict, expected, options.shrinkRuns ?? 300, options.preempt === true);
      return {
        ...done(), exhausted: false,
        failure: {
          schedule: dfs ? run : i + 1, unit: t, inUnit: dfs ? units[units.length - 1]![1] : 1,
          verdict: verdictOf(shrunk.outcome, expected) ?? verdict, outcome: shrunk.outcome, choices: shrunk.choices, points: shrunk.points,
          foundChoices: found.length, shrinkRuns: shrunk.runs,
        },
      };
    }
    if (options.onProgress?.(run) === false) {
      cancelled = true;
      break;
    }
    if (dfs && !dfs.advance()) {
      exhausted = true;
      break;
    }
  }
  return done();
}

/** A generator seed for the `run`-th schedule of an exploration seeded `seed`. */
function mix(seed: number, run: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(run + 1, 0x85ebca6b)) >>> 0;
}

/**
 * Shrinks a failing schedule, as QuickCheck and shuttle do: tries to drop each off-policy choice (set it back to
 * Tokio's alternative 0), then to lower the rest, keeping every change after which the run still fails the same
 * way; each kept run's own choices become the schedule. Fewer off-policy choices means fewer preemptions.
 */
export function shrinkSchedule(program: Program, machine: ExploreOptions['machine'], choices: readonly Choice[], verdict: Verdict,
  expected: string | undefined, budget: number, preempt = false): { choices: Choice[]; outcome: RunOutcome; points: number; runs: number } {
  let best = replaySchedule(program, machine, choices, preempt);
  const shrunk = shrinkChoices(best.chooser.offDefault(), candidate => {
    const r = replaySchedule(program, machine, candidate, preempt);
    const v = verdictOf(r.outcome, expected);
    if (!(v && v.key === verdict.key)) return undefined;
    best = r;
    return r.chooser.offDefault();
  }, budget);
  return { choices: shrunk.choices, outcome: best.outcome, points: best.chooser.points, runs: shrunk.runs };
}

/**
 * The search of shrinkSchedule over schedules, apart from running them: `fails(candidate)` runs a candidate and
 * gives the choices the run made when it fails the same way (undefined when it does not). `initial` counts as the
 * first of at most `budget` runs.
 */
export function shrinkChoices(initial: readonly Choice[], fails: (candidate: readonly Choice[]) => readonly Choice[] | undefined,
  budget: number): { choices: Choice[]; runs: number } {
  let current: Choice[] = [...initial];
  let runs = 1;
  const stillFails = (candidate: readonly Choice[]) => {
    runs++;
    const r = fails(candidate);
    return r ? [...r] : undefined;
  };
  // Fewest first: no off-policy choice at all, then each choice alone (dropping one choice moves the choice points
  // after it, so a schedule can hold choices that only mattered on the path they led to).
  const few: Choice[][] = [[], ...current.map(c => [c])];
  for (const candidate of current.length > 1 ? few : []) {
    if (runs >= budget) break;
    const r = stillFails(candidate);
    if (r) {
      current = r;
      break;
    }
  }
  let progress = current.length > 0;
  while (progress && runs < budget) {
    progress = false;
    // Preemptions first, from the last (fewer preemptions is the simpler schedule: what is left is what the bug needs).
    for (let i = current.length - 1; i >= 0 && runs < budget; i--) {
      if (current[i]!.kind !== 'preempt') continue;
      const r = stillFails(current.filter((_, j) => j !== i));
      if (r) {
        current = r;
        progress = true;
        i = Math.min(i, current.length);
      }
    }
    // Drop one choice at a time, from the last: later choices matter less often.
    for (let i = current.length - 1; i >= 0 && runs < budget; i--) {
      const r = stillFails(current.filter((_, j) => j !== i));
      if (r) {
        current = r;
        progress = true;
        i = Math.min(i, current.length);
      }
    }
    // Lower what is left (a nearer alternative).
    for (let i = 0; i < current.length && runs < budget; i++) {
      const c = current[i]!;
      if (c.chosen <= 1) continue;
      const r = stillFails(current.map((x, j) => (j === i ? { ...x, chosen: x.chosen - 1 } : x)));
      if (r) {
        current = r;
        progress = true;
      }
    }
  }
  return { choices: current, runs };
}
