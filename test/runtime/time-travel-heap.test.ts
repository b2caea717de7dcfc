// Time travel over a changing heap: lists, structs, cells, channels, tokens, scopes and connections that change
// between checkpoints come back exactly as the run had them, and a replay after going back is the same run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TimeTravel } from '../../runtime/checkpoint.js';
import type { RuntimeEvent } from '../../runtime/events.js';
import type { Machine, MachineOptions } from '../../runtime/machine.js';
import { machineFor } from './helpers.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

/**
 * The whole machine state as text, heap contents included: every object reached from `machine.s`, numbered in the
 * order first met (so sharing and cycles show), compiled code and struct types by name.
 */
export function fingerprint(machine: Machine): string {
  const ids = new Map<object, number>();
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (v === null) return void out.push('null');
    if (v === undefined) return void out.push('undef');
    if (typeof v === 'number' || typeof v === 'boolean') return void out.push(String(v));
    if (typeof v === 'string') return void out.push(JSON.stringify(v));
    if (typeof v === 'symbol') return void out.push(String(v));
    if (typeof v === 'function') return void out.push('fn');
    const o = v as object;
    const seen = ids.get(o);
    if (seen !== undefined) return void out.push(`#${seen}`);
    const ctor = (Object.getPrototypeOf(o) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null';
    if (ctor === 'FnProto') return void out.push(`proto:${(o as { name: string }).name}`);
    if (ctor === 'StructType') return void out.push(`type:${(o as { name: string }).name}`);
    ids.set(o, ids.size);
    out.push(`${ctor}#${ids.size - 1}{`);
    if (Array.isArray(o)) {
      for (const x of o) {
        visit(x);
        out.push(',');
      }
    } else if (o instanceof Map) {
      for (const [k, x] of o) {
        visit(k);
        out.push('=>');
        visit(x);
        out.push(',');
      }
    } else if (o instanceof Set) {
      for (const x of o) {
        visit(x);
        out.push(',');
      }
    } else {
      for (const k of Object.keys(o)) {
        out.push(`${k}:`);
        visit((o as Record<string, unknown>)[k]);
        out.push(',');
      }
    }
    out.push('}');
  };
  visit(machine.s);
  return out.join('');
}

/** Lists, structs and captured cells changed in place, over channels, tokens and scopes, by several tasks. */
const MUTATING = `struct Account(owner: String, balance: Int, log: List[Int])

fn worker(ch, id: Int, accounts: List[Account]) -> {Async} Int
  done = 0
  for round in 0..30
    a = accounts[(id + round) % len(accounts)]
    a.balance = a.balance + id
    push(a.log, round)
    if len(a.log) > 5
      pop(a.log)
    end
    send(ch, id * 100 + round)
    done += 1
  end
  done
end

fn main_loop() -> {Async, IO, Cancel} Int
  accounts = map(range(0, 4), |i| Account("owner #{i}", 0, []))
  grid = [[0, 0, 0], [0, 0, 0]]
  ch = channel(3)
  count = 0
  fn bump()
    count += 1
  end
  workers = map(range(1, 4), |id| spawn worker(ch, id, accounts))
  got = []
  for i in 0..90
    match recv(ch)
    case None =>
      print("closed")
    case Some(v) =>
      push(got, v)
      grid[i % 2][i % 3] = grid[i % 2][i % 3] + v
      bump()
    end
  end
  token = Cancel.token()
  with Async.scope |s|
    s.spawn worker(ch, 7, accounts)
    for i in 0..30
      recv(ch)
    end
  end
  cancel(token)
  print(sum(join(workers)), len(got), count, grid)
  for a in accounts
    print(a.owner, a.balance, a.log)
  end
  count
end

with Cancel.timeout(10.seconds)
  main_loop()
end
`;

/**
 * Many tasks end (completed, failed, cancelled by a race or a failing scope sibling) and are looked at again long
 * after they ended, with checkpoints in between: awaited (a failed one through a watcher, which then fails
 * unobserved), raced once they are all done, and their kept frames let go (`keepEndFrames`) as newer ones fail.
 * Checkpoints share finished tasks, so each of those late writes must go to the machine's own copy, never to one a
 * checkpoint holds.
 */
const FINISHING = `fn leaf(n: Int) -> {Async} Int
  acc = 0
  for i in 0..n % 5 + 1
    acc += i
  end
  if n % 7 == 3
    fail("leaf #{n} failed")
  end
  yield_now()
  acc
end

fn watch(t) -> {Async} Int
  t.await
end

fn first_of(ts) -> {Async} Int
  race(ts)
end

fn slow(n: Int) -> {Async} Int
  sleep((n % 4 + 1) * 1.ms)
  n
end

fn scoped(n: Int) -> {Async} Int
  with Async.scope |s|
    s.spawn slow(n)
    s.spawn leaf(3)
    s.spawn slow(n + 1)
  end
  n
end

fn spin(n: Int) -> Int
  i = 0
  while i < n
    i += 1
  end
  i
end

total = 0
for round in 0..10
  tasks = map(range(0, 12), |k| spawn leaf(round * 12 + k))
  spin(150)
  i = 0
  for t in tasks
    if (round * 12 + i) % 7 == 3
      spawn watch(t)
    else
      total += t.await
    end
    i += 1
  end
  spawn first_of(tasks)
  total += race([spawn slow(round), spawn slow(round + 1), spawn slow(round + 2)])
  spawn scoped(round)
  spin(100)
end
spin(300)
print("total:", total)
`;

/** Where two fingerprints first differ, with some text around it (the whole text is too long for a message). */
function firstDifference(actual: string, expected: string | undefined): string {
  if (expected === undefined) return 'no state recorded there';
  if (actual === expected) return 'same';
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  return `at ${i}: ${actual.slice(Math.max(0, i - 300), i + 200)}\n  expected: ${expected.slice(Math.max(0, i - 300), i + 200)}`;
}

function expectSameState(actual: string, expected: string | undefined, where: string): void {
  expect(actual === expected, `${where}: ${firstDifference(actual, expected)}`).toBe(true);
}

/** `MachineState.live` holds exactly the tasks that have not ended, in spawn order. */
function expectLiveSet(machine: Machine, where: string): void {
  const live = machine.s.tasks.filter(t => t && !t.done).map(t => t!.id);
  expect([...machine.s.live], where).toEqual(live);
}

interface Recorded {
  /** The state at each recorded step, as the run first reached that step (the clock may move on without steps). */
  readonly states: Map<number, string>;
  readonly end: string;
  readonly events: RuntimeEvent[];
  readonly output: string;
}

/** A run without time travel, its state taken every `every` steps (slicing a run does not change it). */
async function reference(text: string, path: string, every: number, seed: number, options: MachineOptions = {}): Promise<Recorded> {
  const { machine, output } = await machineFor(text, { seed, ...options }, {}, path);
  const events: RuntimeEvent[] = [];
  machine.listener = e => {
    if (e.kind !== 'counters') events.push(e);
  };
  const states = new Map<number, string>([[0, fingerprint(machine)]]);
  for (;;) {
    const r = machine.run(every);
    if (r.kind !== 'steps') break;
    if (!states.has(machine.s.steps)) states.set(machine.s.steps, fingerprint(machine));
  }
  return { states, end: fingerprint(machine), events, output: output() };
}

/** The same run under time travel, checkpoints every `interval` steps; events delivered again after a restore. */
async function travelling(text: string, path: string, interval: number, seed: number, options: MachineOptions = {}) {
  const { machine, output } = await machineFor(text, { seed, ...options }, {}, path);
  let events: RuntimeEvent[] = [];
  machine.listener = e => {
    if (e.kind !== 'counters') events.push(e);
  };
  const travel = new TimeTravel(machine, {
    minInterval: interval, stepsPerObject: 0, keep: () => events.length, restored: kept => {
      events = events.slice(0, kept);
    },
  });
  return { machine, travel, output, events: () => events };
}

/** Records the run's state about 40 times, and checks it with about 12 checkpoints (intervals that are not multiples). */
async function checkProgram(text: string, path: string, seed: number, options: MachineOptions = {}): Promise<void> {
  const plain = await machineFor(text, { seed, ...options }, {}, path);
  plain.machine.run();
  const total = plain.machine.s.steps;
  const every = Math.max(3, Math.floor(total / 40));
  const interval = Math.max(10, Math.floor(total / 12) + 1);
  const ref = await reference(text, path, every, seed, options);
  const { machine, travel, output, events } = await travelling(text, path, interval, seed, options);
  travel.run();
  expect(machine.s.done).toBe(true);
  expect(travel.steps.length).toBeGreaterThan(3);
  expectSameState(fingerprint(machine), ref.end, `${path} at the end`);
  const steps = [...ref.states.keys()];
  // backwards, one recorded point at a time
  for (const step of [...steps].reverse()) {
    travel.seek(step);
    expect(machine.s.steps).toBe(step);
    expectSameState(fingerprint(machine), ref.states.get(step), `${path} at step ${step}, going back`);
    expectLiveSet(machine, `${path} at step ${step}, going back`);
  }
  // jumping about: forwards over known ground, back again, and each time the state the run had there
  const order = steps.map((s, i) => steps[(i * 7) % steps.length]!);
  for (const step of order) {
    travel.seek(step);
    expectSameState(fingerprint(machine), ref.states.get(step), `${path} at step ${step}, jumping`);
  }
  // from a point in the middle, the rest of the run is the same run: same events, same output, nothing printed twice
  travel.seek(steps[Math.floor(steps.length / 3)]!);
  travel.run();
  expectSameState(fingerprint(machine), ref.end, `${path} at the end again`);
  expect(JSON.stringify(events())).toBe(JSON.stringify(ref.events));
  expect(output()).toBe(ref.output);
}

describe('time travel over a changing heap', () => {
  it('restores lists, structs, cells, channels, tokens and scopes changed between checkpoints', async () => {
    await checkProgram(MUTATING, 'mutating.aria', 3);
  });

  for (const name of ['producer-consumer.aria', 'fetch-all-scope.aria', 'cancellation-timeout.aria', 'counter-state.aria', 'echo-server.aria', 'worker-pool.aria']) {
    it(`restores every point of ${name}`, async () => {
      const path = join(examples, name);
      await checkProgram(readFileSync(path, 'utf8'), path, 7);
    });
  }

  it('shares finished tasks between checkpoints, and late writes to one never reach a checkpoint', async () => {
    await checkProgram(FINISHING, 'finishing.aria', 5, { keepEndFrames: 3 });
  });

  it('copies only the tasks that changed: a checkpoint after thousands of tasks ended copies a few objects', async () => {
    const { machine } = await machineFor(`fn leaf(n: Int) -> {Async} Int
  n * 2
end
tasks = map(range(0, 3000), |n| spawn leaf(n))
total = sum(join(tasks))
n = 0
while n < 20000
  n += 1
end
print(total, n)
`);
    const travel = new TimeTravel(machine, { minInterval: 2000, stepsPerObject: 0 });
    travel.run(30_000); // every task has ended (about 13,000 statements)
    expect(machine.s.tasks.filter(t => t?.done).length).toBe(3000);
    const before = travel.memory();
    travel.run(10_000);
    const after = travel.memory();
    expect(after.checkpoints - before.checkpoints).toBe(5);
    // each checkpoint copied main, the threads, queues and the timer wheel: not the 3,000 tasks (about 5 objects each)
    expect((after.structureObjects - before.structureObjects) / 5).toBeLessThan(200);
    // and a restore gives the machine the shared tasks, not copies: going back and on is the same run
    travel.stepBack(5000);
    travel.run();
    expect(machine.s.done).toBe(true);
  });

  it('keeps only what changed: a big list that stays the same is neither copied nor put back', async () => {
    const { machine } = await machineFor(`struct Item(id: Int, score: Int)
items = map(range(0, 5000), |i| Item(i, i * 2))
acc = 0
for k in 0..20000
  acc = (acc + k) % 1000
end
items[3].score = acc
print(acc, len(items))
`);
    const travel = new TimeTravel(machine, { minInterval: 1000, stepsPerObject: 0 });
    travel.run(16_000); // the list is built (about 15,000 statements)
    const built = travel.memory();
    expect(built.heapPairs).toBeGreaterThan(5000);
    travel.run();
    const after = travel.memory();
    // checkpoints taken while only `acc` changed recorded no heap object and copied nothing
    expect(after.checkpoints).toBeGreaterThan(built.checkpoints + 10);
    expect(after.heapPairs - built.heapPairs).toBeLessThan(50);
    expect(after.heapCopies).toBeLessThan(50);
    expect(machine.s.done).toBe(true);
    // going back over the write to items[3] puts that one struct back, not the list
    const before = travel.restoredObjects;
    travel.stepBack(20);
    expect(travel.restoredObjects - before).toBeLessThan(10);
  });

  it('steps back from far past a checkpoint by scanning the last window only, and leaves a checkpoint there', async () => {
    const { machine } = await machineFor(`fn spin(n: Int) -> {Async} Int
  i = 0
  while i < n
    i += 1
  end
  i
end
helpers = map(range(0, 3), |k| spawn spin(3000))
n = 0
while n < 20000
  n += 1
end
print(n, sum(join(helpers)))
`, { seed: 1 });
    const travel = new TimeTravel(machine, { minInterval: 1_000_000 });
    travel.run(30_000);
    expect(travel.steps).toEqual([0]);
    const back = (): number => {
      const now = machine.s.steps;
      const before = travel.replayed;
      const found = travel.lastStopBefore(now, { breakpoints: new Set(), task: 1, maxDepth: 1 }, () => true);
      expect(found).toBeDefined();
      expect(travel.replayTo(found!.step, 1)).toBeGreaterThanOrEqual(0);
      travel.forgetAfter(machine.s.steps);
      expect(machine.s.steps).toBe(found!.step);
      return travel.replayed - before;
    };
    // the first step back fast-forwards from the start to the window, and checkpoints there
    const first = back();
    expect(travel.steps.length).toBe(2);
    expect(first).toBeLessThan(2 * 30_000);
    // the next ones replay at most about two windows from that checkpoint
    for (let i = 0; i < 5; i++) expect(back()).toBeLessThan(1_000);
  });
});
