// Determinism and time travel: a seed replays a run exactly; checkpoints plus replay restore any past step.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TimeTravel } from '../../runtime/checkpoint.js';
import { deepCopy } from '../../runtime/deep-copy.js';
import type { RuntimeEvent } from '../../runtime/events.js';
import { snapshot } from '../../runtime/snapshot.js';
import { DEFAULT_SEED } from '../../runtime/prng.js';
import { machineFor, runFile, runText } from './helpers.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');
const workerPool = join(examples, 'worker-pool.aria');

const PARALLEL = `
fn job(n)
  acc = 0
  for i in 0..n % 5 + 3
    acc += i
  end
  yield_now()
  acc
end
tasks = []
for n in 0..40
  push(tasks, spawn job(n))
end
print(sum(join(tasks)))
`;

function pollOrder(events: readonly RuntimeEvent[]): string {
  return events.filter(e => e.kind === 'poll-start').map(e => (e.kind === 'poll-start' ? `${e.thread}:${e.task}` : '')).join(' ');
}

describe('determinism', () => {
  it('gives the same event stream for the same seed', async () => {
    const a = await runFile(workerPool, { seed: 7, trace: true });
    const b = await runFile(workerPool, { seed: 7, trace: true });
    expect(a.events!.length).toBeGreaterThan(1000);
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
    expect(b.output).toBe(a.output);
  });

  it('gives different interleavings for different seeds, with the same output', async () => {
    const orders = new Set<string>();
    const outputs = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      const r = await runText(PARALLEL, { seed, trace: true });
      orders.add(pollOrder(r.events!));
      outputs.add(r.output);
    }
    expect(orders.size).toBeGreaterThan(1);
    expect([...outputs]).toEqual(['440\n']);
  });

  it('without a seed runs as seed 1 (DEFAULT_SEED, the debugger\'s default too)', async () => {
    expect(DEFAULT_SEED).toBe(1);
    const unseeded = await runText(PARALLEL, { trace: true });
    const one = await runText(PARALLEL, { seed: 1, trace: true });
    const two = await runText(PARALLEL, { seed: 2, trace: true });
    expect(pollOrder(unseeded.events!)).toBe(pollOrder(one.events!));
    expect(pollOrder(unseeded.events!)).not.toBe(pollOrder(two.events!));
  });

  it('runs the same however the run is sliced into step batches', async () => {
    const whole = await machineFor(PARALLEL, { seed: 3 });
    whole.machine.run();
    const sliced = await machineFor(PARALLEL, { seed: 3 });
    let slices = 0;
    while (sliced.machine.run(7).kind === 'steps') slices++;
    expect(slices).toBeGreaterThan(10);
    expect(sliced.machine.s.steps).toBe(whole.machine.s.steps);
    expect(JSON.stringify(snapshot(sliced.machine))).toBe(JSON.stringify(snapshot(whole.machine)));
    expect(sliced.output()).toBe(whole.output());
  });
});

describe('checkpoints and step back', () => {
  it('copies a state without sharing anything mutable', async () => {
    const { machine } = await machineFor(PARALLEL, { seed: 1 });
    machine.run(200);
    const { copy, objects } = deepCopy(machine.s);
    expect(objects).toBeGreaterThan(50);
    expect(copy).not.toBe(machine.s);
    expect(copy.tasks[1]).not.toBe(machine.s.tasks[1]);
    expect(copy.tasks[1]!.frames[0]!.proto).toBe(machine.s.tasks[1]!.frames[0]!.proto); // compiled code is shared
    const before = JSON.stringify(snapshot(machine));
    machine.run(100);
    machine.restore(copy);
    expect(JSON.stringify(snapshot(machine))).toBe(before);
  });

  it('restores any earlier step exactly, and the run continues as it did', async () => {
    const text = readFileSync(workerPool, 'utf8');
    const reference = await machineFor(text, { seed: 5 }, {}, workerPool);
    const seen = new Map<number, string>();
    for (;;) {
      const r = reference.machine.run(997);
      seen.set(reference.machine.s.steps, JSON.stringify(snapshot(reference.machine)));
      if (r.kind !== 'steps') break;
    }
    const total = reference.machine.s.steps;
    expect(total).toBeGreaterThan(5000);

    const { machine, output } = await machineFor(text, { seed: 5 }, {}, workerPool);
    const travel = new TimeTravel(machine, { minInterval: 1000, stepsPerObject: 0 });
    travel.run();
    expect(machine.s.done).toBe(true);
    expect(travel.steps.length).toBeGreaterThan(3);
    const outputAtEnd = output();
    for (const step of [...seen.keys()].reverse().filter((_, i) => i % 3 === 0)) {
      travel.seek(step);
      expect(machine.s.steps).toBe(step);
      expect(JSON.stringify(snapshot(machine)), `step ${step}`).toBe(seen.get(step));
    }
    // From a restored point, running on reproduces the rest of the run; replays print nothing twice.
    travel.seek(3000);
    travel.run();
    expect(machine.s.steps).toBe(total);
    expect(output().startsWith(outputAtEnd)).toBe(true);
  });

  it('steps back one statement at a time', async () => {
    const { machine } = await machineFor(PARALLEL, { seed: 2 });
    const travel = new TimeTravel(machine, { minInterval: 50, stepsPerObject: 0 });
    const states: string[] = [];
    for (let i = 0; i < 120; i++) {
      states.push(JSON.stringify(snapshot(machine)));
      travel.run(1);
    }
    for (let i = 119; i >= 0; i--) {
      travel.stepBack(1);
      expect(machine.s.steps).toBe(i);
      expect(JSON.stringify(snapshot(machine))).toBe(states[i]);
    }
    // Each step back replays at most the distance from the nearest checkpoint.
    expect(travel.replayed).toBeLessThan(120 * 50);
  });
});
