// Schedule exploration in the runtime: the default chooser keeps Tokio's schedules, strategies find the examples'
// bugs, DFS exhausts a space, a replayed schedule is the same run, shrinking keeps the failure with fewer choices.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DfsChooser, ReplayChooser, type Choice } from '../../runtime/chooser.js';
import { explore, mergeJobs, newSharedJobsBuffer, replaySchedule, sharedJobs, shrinkChoices, type ExploreJobs, type ExploreOptions } from '../../runtime/explore.js';
import { compileProgram, loadProgram, programForTest, runCompiled, runProgram, type Program, type RuntimeEvent } from '../../runtime/index.js';
import { NOISY_RACE } from '../support/programs.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

async function compiledTest(file: string, test: string): Promise<Program> {
  const path = join(examples, file);
  const { program } = await loadProgram(readFileSync(path, 'utf8'), { path: `examples/${file}` });
  return programForTest(await compileProgram(program), test)!;
}

describe('the default chooser', () => {
  // Digests of the event streams as they were before the scheduler's choices went through a chooser (commit
  // 6b685d5): the default chooser must keep every schedule. A deliberate change of the default schedule (a Tokio
  // fidelity fix) updates them.
  const BEFORE: Record<string, string> = {
    // The main task runs on a block_on thread (its spawns go to the injection queue), timer wakes go to the local queue
    // of the worker driving the timer, and yield_now defers its waker to the next park or maintenance, as Tokio:
    // every schedule changed (test/runtime/tokio-loop.test.ts checks each of the three; the outputs are the same).
    'worker-pool 1': 'e9ffcf3d07c0abe8', 'worker-pool 3': '52473e93b6fa8b54',
    'fan-out-pipeline 1': 'e191d6c6cbebf38c', 'fan-out-pipeline 3': '1a6db0bc17cab763',
    'blocking-work 1': '512b9c1268ff5af4', 'fetch-all-scope 3': 'f2d96c187926a734',
  };
  for (const [name, digest] of Object.entries(BEFORE)) {
    it(`keeps the schedule of ${name.replace(' ', ' with seed ')}`, async () => {
      const [file, seed] = name.split(' ');
      const path = join(examples, `${file}.aria`);
      const r = await runProgram(readFileSync(path, 'utf8'), { path: `examples/${file}.aria`, seed: Number(seed), trace: true });
      expect(createHash('sha256').update(JSON.stringify(r.events)).digest('hex').slice(0, 16)).toBe(digest);
    });
  }
});

describe('exploration', () => {
  const bugs = [
    ['bug-lost-update', 'deposits_all_land', 'assert_eq failed'],
    ['bug-check-then-act', 'never_overbooked', 'the flight is overbooked'],
    ['bug-channel-deadlock', 'transfers_finish', 'deadlock'],
    ['bug-timeout-race', 'one_outcome_per_request', 'answered and refunded'],
  ] as const;
  for (const [file, test, message] of bugs) {
    it(`finds the bug of ${file} with every strategy, and the fix passes 200 schedules`, async () => {
      const buggy = await compiledTest(`${file}.aria`, test);
      // The default schedule passes: the bug only shows under other schedules.
      expect(runCompiled(buggy).failure).toBeUndefined();
      for (const strategy of ['random', 'pct', 'dfs'] as const) {
        const r = explore(buggy, { strategy, schedules: 200, seed: 1 });
        expect(r.failure, strategy).toBeDefined();
        expect(r.failure!.verdict.message + r.failure!.outcome.failure?.message).toContain(message);
        // The shrunk schedule is no longer than the one found, and replays to the same failure.
        expect(r.failure!.choices.length).toBeLessThanOrEqual(r.failure!.foundChoices);
        const again = replaySchedule(buggy, undefined, r.failure!.choices);
        expect(again.outcome.failure?.message).toBe(r.failure!.outcome.failure?.message);
        expect(again.chooser.mismatches).toEqual([]);
      }
      const fixed = await compiledTest(`${file}-fixed.aria`, test);
      for (const strategy of ['random', 'pct'] as const) {
        const r = explore(fixed, { strategy, schedules: 200, seed: 1 });
        expect(r.failure, strategy).toBeUndefined();
        expect(r.schedules).toBe(200);
      }
    }, 60_000);
  }

  it('DFS explores every schedule of a small program once, and says when none is left', async () => {
    const fixed = await compiledTest('bug-lost-update-fixed.aria', 'deposits_all_land');
    const r = explore(fixed, { strategy: 'dfs', schedules: 100_000 });
    expect(r.exhausted).toBe(true);
    expect(r.schedules).toBeGreaterThan(10);
    // Every schedule DFS ran was a different one.
    const dfs = new DfsChooser();
    const seen = new Set<string>();
    do {
      runCompiled(fixed, { chooser: dfs });
      seen.add(dfs.chosen.join(','));
    } while (dfs.advance());
    expect(seen.size).toBe(r.schedules);
    // A bound on the choices off Tokio's policy makes the space smaller.
    const bounded = explore(fixed, { strategy: 'dfs', schedules: 100_000, depth: 1 });
    expect(bounded.exhausted).toBe(true);
    expect(bounded.schedules).toBeLessThan(r.schedules);
    // A limit below the space's size stops before it is exhausted.
    expect(explore(fixed, { strategy: 'dfs', schedules: 5 })).toMatchObject({ schedules: 5, exhausted: false });
  });

  it('shards split the schedules: disjoint, and together the whole run', async () => {
    const fixed = await compiledTest('bug-lost-update-fixed.aria', 'deposits_all_land');
    for (const strategy of ['random', 'pct'] as const) {
      const parts = [0, 1, 2].map(index => explore(fixed, { strategy, schedules: 100, shard: { index, count: 3 } }).schedules);
      expect(parts).toEqual([34, 33, 33]);
    }
    // The whole run's first failing schedule is the one the shard that holds it finds, with the same failure.
    const buggy = await compiledTest('bug-lost-update.aria', 'deposits_all_land');
    for (const strategy of ['random', 'pct'] as const) {
      const whole = explore(buggy, { strategy, schedules: 300, seed: 3, shrink: false }).failure!;
      const shards = [0, 1, 2, 3].map(index => explore(buggy, { strategy, schedules: 300, seed: 3, shrink: false, shard: { index, count: 4 } }).failure);
      const found = shards.filter(f => f !== undefined).map(f => f!.schedule);
      expect(Math.min(...found)).toBe(whole.schedule);
      const holder = shards[(whole.schedule - 1) % 4]!;
      expect(holder.schedule).toBe(whole.schedule);
      expect(holder.choices).toEqual(whole.choices);
    }
  });

  it('DFS shards split the tree: disjoint, together every schedule of the whole run, each exhausted', async () => {
    const fixed = await compiledTest('bug-lost-update-fixed.aria', 'deposits_all_land');
    /** The schedules (every choice made) a DFS run over `shard` explores, as explore() runs them. */
    const schedulesOf = (shard: { index: number; count: number }, depth = Infinity) => {
      const dfs = new DfsChooser(depth, shard);
      const seen: string[] = [];
      do {
        const owned = dfs.owned;
        runCompiled(fixed, { chooser: dfs });
        if (owned) seen.push(dfs.chosen.join(','));
      } while (dfs.advance());
      return seen;
    };
    for (const depth of [Infinity, 2]) {
      const whole = schedulesOf({ index: 0, count: 1 }, depth);
      expect(new Set(whole).size).toBe(whole.length);
      for (const count of [2, 3, 5]) {
        const parts = Array.from({ length: count }, (_, index) => schedulesOf({ index, count }, depth));
        const all = parts.flat();
        // disjoint (no schedule twice) and together the whole tree
        expect(new Set(all).size, `${count} shards, depth ${depth}`).toBe(all.length);
        expect(new Set(all), `${count} shards, depth ${depth}`).toEqual(new Set(whole));
        // every shard has work: the subtrees go round the shards
        for (const part of parts) expect(part.length).toBeGreaterThan(0);
        const explored = parts.map((_, index) => explore(fixed, { strategy: 'dfs', schedules: 100_000, depth, shard: { index, count } }));
        expect(explored.map(r => r.schedules)).toEqual(parts.map(p => p.length));
        for (const r of explored) expect(r.exhausted).toBe(true);
      }
    }
    // A failure is found by the shard whose subtree holds it.
    const buggy = await compiledTest('bug-lost-update.aria', 'deposits_all_land');
    const found = [0, 1, 2].map(index => explore(buggy, { strategy: 'dfs', schedules: 100_000, shard: { index, count: 3 } }));
    expect(found.some(r => r.failure)).toBe(true);
  });

  it('a replayed schedule is the same run, event for event', async () => {
    const buggy = await compiledTest('bug-lost-update.aria', 'deposits_all_land');
    const r = explore(buggy, { strategy: 'random', schedules: 200, seed: 7, shrink: false });
    const record = (choices: readonly { index: number; chosen: number }[]) => {
      const events: RuntimeEvent[] = [];
      runCompiled(buggy, { chooser: new ReplayChooser(choices), listener: e => events.push(e) });
      return JSON.stringify(events);
    };
    expect(record(r.failure!.choices)).toBe(record(r.failure!.choices));
    expect(record(r.failure!.choices)).not.toBe(record([]));
  });

  it('a task that failed and that nobody awaited fails a schedule, and so does a deadlock main does not see', async () => {
    const compile = async (text: string) => compileProgram((await loadProgram(text, { path: 'p.aria' })).program);
    const unawaited = await compile('fn boom() -> Unit\n  panic("lost")\nend\nspawn boom()\nsleep(5.ms)\nprint("main done")\n');
    const r = explore(unawaited, { strategy: 'random', schedules: 10 });
    expect(r.failure?.verdict).toMatchObject({ reason: 'unawaited', message: 'a task failed and nobody awaited it: lost' });
    expect(r.failure?.schedule).toBe(1);
    // Two tasks each wait for the other's message, on channels only they hold, while main goes on: a cycle of waits.
    const partial = await compile([
      'fn relay(inbox: Channel[Int], outbox: Channel[Int]) -> {Async} Unit',
      '  v = recv(inbox)',
      '  send(outbox, 1)',
      'end',
      'fn pair() -> {Async} Unit',
      '  a = channel(1)',
      '  b = channel(1)',
      '  spawn relay(a, b)',
      '  spawn relay(b, a)',
      'end',
      'pair()',
      'sleep(50.ms)',
      'print("main done")',
    ].join('\n') + '\n');
    expect(runCompiled(partial).failure).toBeUndefined();
    const p = explore(partial, { strategy: 'random', schedules: 10 });
    expect(p.failure?.verdict.reason).toBe('deadlock');
  });

  it('--check-output: a schedule whose output differs from the default schedule\'s fails', async () => {
    const path = join(examples, 'bug-lost-update.aria');
    const { program } = await loadProgram(readFileSync(path, 'utf8'), { path: 'examples/bug-lost-update.aria' });
    const whole = await compileProgram(program);
    // The top level asserts nothing: only its output tells the lost update.
    expect(explore(whole, { strategy: 'random', schedules: 200 }).failure).toBeUndefined();
    const r = explore(whole, { strategy: 'random', schedules: 200, checkOutput: true });
    expect(r.failure?.verdict.reason).toBe('output');
    expect(r.defaultOutput).toBe('balance: 130\n');
    expect(r.failure?.outcome.output).not.toBe('balance: 130\n');
  });
});

describe('shrinking', () => {
  // A bug that needs choice X and either a preemption P or another choice C (neither alone is enough). The schedule
  // found holds X, P and C, P before C. Dropping from the last alone would drop C first and keep the preemption; the
  // preemption-first pass drops P, and what is left is the schedule without a preemption.
  const X: Choice = { index: 2, kind: 'poll', n: 3, chosen: 2 };
  const P: Choice = { index: 5, kind: 'preempt', n: 2, chosen: 1 };
  const C: Choice = { index: 9, kind: 'lifo', n: 2, chosen: 1 };
  const has = (cs: readonly Choice[], c: Choice) => cs.some(x => x.index === c.index && x.chosen === c.chosen);
  const tried: Choice[][] = [];
  const fails = (cs: readonly Choice[]) => {
    tried.push([...cs]);
    return has(cs, X) && (has(cs, P) || has(cs, C)) ? cs : undefined;
  };

  it('drops preemptions before other choices', () => {
    const r = shrinkChoices([X, P, C], fails, 300);
    expect(r.choices).toEqual([X, C]);
    expect(r.choices.some(c => c.kind === 'preempt')).toBe(false);
    // no single choice and no empty schedule fails, and the first removal tried after them is the preemption's
    expect(tried.slice(0, 5)).toEqual([[], [X], [P], [C], [X, C]]);
    expect(r.runs).toBe(1 + tried.length);
  });

  it('a preemption the bug needs stays', () => {
    const needsP = (cs: readonly Choice[]) => (has(cs, X) && has(cs, P) ? cs : undefined);
    expect(shrinkChoices([X, P, C], needsP, 300).choices).toEqual([X, P]);
    // the budget bounds the runs, the schedule found counting as the first
    expect(shrinkChoices([X, P, C], needsP, 3).runs).toBe(3);
  });
});


describe('jobs: one exploration over several threads', () => {
  /** Job `job` of `count` with a fixed deal (unit t is job t mod count's): threads share units so, in some order. */
  const fixedDeal = (job: number, count: number): ExploreJobs => {
    let next = job;
    return {
      take: () => { const t = next; next += count; return t; }, claim: t => t % count === job, before: () => 0,
      ran: () => {}, failedUnit: () => Infinity, failed: () => {},
    };
  };
  const key = (choices: readonly Choice[]) => choices.map(c => `${c.index}:${c.chosen}`).join(',');
  /** Explores as `count` jobs; what each ran, and the merged result. */
  const asJobs = (program: Program, options: ExploreOptions, count: number) => {
    const ran: string[][] = [];
    const results = Array.from({ length: count }, (_, job) => {
      const mine: string[] = [];
      ran.push(mine);
      return explore(program, { ...options, jobs: fixedDeal(job, count), onSchedule: c => mine.push(key(c)) });
    });
    return { ran, results, merged: mergeJobs(results, options) };
  };
  const alone = (program: Program, options: ExploreOptions) => {
    const ran: string[] = [];
    return { ran, result: explore(program, { ...options, onSchedule: c => ran.push(key(c)) }) };
  };
  const noisyRace = async () => {
    const { program } = await loadProgram(NOISY_RACE, { path: 'noisy-race.aria' });
    return programForTest(await compileProgram(program), 'deposits_all_land')!;
  };

  it('DFS: the jobs run disjoint schedules, together the one thread\'s, each subtree whole', async () => {
    const fixed = await compiledTest('bug-lost-update-fixed.aria', 'deposits_all_land');
    for (const depth of [Infinity, 2]) {
      for (const shard of [undefined, { index: 1, count: 2 }]) {
        const options: ExploreOptions = { strategy: 'dfs', schedules: 100_000, depth, ...(shard ? { shard } : {}) };
        const one = alone(fixed, options);
        expect(one.result.exhausted).toBe(true);
        for (const count of [2, 3]) {
          const { ran, merged } = asJobs(fixed, options, count);
          const all = ran.flat();
          const what = `depth ${depth}, shard ${shard ? '2/2' : 'none'}, ${count} jobs`;
          expect(new Set(all).size, what).toBe(all.length);
          expect(new Set(all), what).toEqual(new Set(one.ran));
          for (const part of ran) expect(part.length, what).toBeGreaterThan(0);
          expect({ schedules: merged.schedules, exhausted: merged.exhausted }, what).toEqual({ schedules: one.result.schedules, exhausted: true });
        }
      }
    }
    // A limit below the tree's size: the same count as one thread, not exhausted.
    const limited = asJobs(fixed, { strategy: 'dfs', schedules: 10 }, 3).merged;
    expect({ schedules: limited.schedules, exhausted: limited.exhausted }).toEqual({ schedules: 10, exhausted: false });
  });

  it('DFS: a failing schedule deep in the tree is found, numbered and shrunk as one thread finds it', async () => {
    const program = await noisyRace();
    const options: ExploreOptions = { strategy: 'dfs', schedules: 100_000, depth: 3, machine: { workers: 2 } };
    const one = explore(program, options);
    expect(one.failure?.schedule).toBe(84);
    expect(one.failure!.unit).toBeGreaterThan(10);
    for (const count of [2, 3, 4]) {
      const { ran, merged } = asJobs(program, options, count);
      for (const part of ran) expect(part.length).toBeGreaterThan(0);
      expect(merged.failure?.schedule, `${count} jobs`).toBe(84);
      expect(merged.schedules).toBe(84);
      expect(merged.failure!.choices).toEqual(one.failure!.choices);
      expect(merged.failure!.foundChoices).toBe(one.failure!.foundChoices);
      expect(merged.failure!.verdict).toEqual(one.failure!.verdict);
    }
    // One schedule short of it, one thread reports 83 passing schedules, and so do the jobs (one of which met it).
    const short = { ...options, schedules: 83 };
    const shortOne = explore(program, short);
    expect([shortOne.schedules, shortOne.exhausted, shortOne.failure]).toEqual([83, false, undefined]);
    const jobs = asJobs(program, short, 3);
    expect(jobs.results.some(r => r.failure)).toBe(true);
    expect([jobs.merged.schedules, jobs.merged.exhausted, jobs.merged.failure]).toEqual([83, false, undefined]);
  });

  it('random and PCT: the jobs run disjoint schedules, together the one thread\'s, and report its first failure', async () => {
    const fixed = await compiledTest('bug-lost-update-fixed.aria', 'deposits_all_land');
    const program = await noisyRace();
    for (const strategy of ['random', 'pct'] as const) {
      const options: ExploreOptions = { strategy, schedules: 120, seed: 4, shard: { index: 0, count: 2 } };
      const one = alone(fixed, options);
      const { ran, merged } = asJobs(fixed, options, 3);
      expect(new Set(ran.flat())).toEqual(new Set(one.ran));
      expect(ran.flat().length).toBe(one.ran.length);
      expect(merged.schedules).toBe(60);
      const race: ExploreOptions = { strategy, schedules: 3000, seed: 2, machine: { workers: 2 } };
      const first = explore(program, race).failure!;
      const jobs = asJobs(program, race, 3).merged;
      expect(jobs.failure?.schedule).toBe(first.schedule);
      expect(jobs.schedules).toBe(first.schedule);
      expect(jobs.failure!.choices).toEqual(first.choices);
    }
  });

  it('shared jobs: a unit is claimed once, and the lowest failing unit is kept', async () => {
    const fixed = await compiledTest('bug-lost-update-fixed.aria', 'deposits_all_land');
    const buffer = newSharedJobsBuffer();
    const options: ExploreOptions = { strategy: 'dfs', schedules: 100_000 };
    const a = explore(fixed, { ...options, jobs: sharedJobs(buffer) });
    // the second job comes when every unit is claimed: it only walks the tree
    const b = explore(fixed, { ...options, jobs: sharedJobs(buffer) });
    expect(b.schedules).toBe(0);
    expect(mergeJobs([a, b], options)).toMatchObject({ schedules: explore(fixed, options).schedules, exhausted: true });
    const jobs = sharedJobs(newSharedJobsBuffer());
    expect(jobs.failedUnit()).toBe(Infinity);
    jobs.failed(7);
    jobs.failed(9);
    jobs.failed(3);
    expect(jobs.failedUnit()).toBe(3);
    expect([jobs.take(), jobs.take(), jobs.claim(2), jobs.claim(2), jobs.claim(4)]).toEqual([0, 1, true, false, false]);
  });
});
