// Checkpoints sized by bytes: array slots and string characters count, and a byte budget bounds what they hold.
import { describe, expect, it } from 'vitest';
import { TimeTravel } from '../../runtime/checkpoint.js';
import { machineFor } from './helpers.js';

/** A list of `n` numbers built, then one slot written every 5,000 steps: each checkpoint's stretch copies it. */
const bigList = (n: number) => `xs = [0]
for i in 1..${n}
  push(xs, i)
end
for r in 0..30
  xs[r] = -r
  j = 0
  while j < 2500
    j += 1
  end
end
print(len(xs), xs[3])
`;

describe('checkpoint memory by bytes', () => {
  it('counts a list by its length and a string by its characters', async () => {
    const { machine } = await machineFor(`names = ["${'a'.repeat(1000)}"]
for k in 0..40
  names[0] = "${'b'.repeat(1000)}#{k}"
  j = 0
  while j < 300
    j += 1
  end
end
`);
    const travel = new TimeTravel(machine, { minInterval: 200, stepsPerObject: 0 });
    travel.run();
    const m = travel.memory();
    expect(m.heapCopies).toBeGreaterThan(10);
    // each copy of the one-slot list keeps a 1,000-character string
    expect(m.heapChars).toBeGreaterThanOrEqual(m.heapCopies * 1000);
    expect(m.bytes).toBeGreaterThanOrEqual(m.heapChars + m.heapSlots * 8);
    expect(m.budget).toBe(Infinity);
  });

  it('keeps the estimate under the budget by dropping checkpoints evenly, and still goes back exactly', async () => {
    const budget = 4 * 1024 * 1024;
    const free = await machineFor(bigList(100_000));
    const unbounded = new TimeTravel(free.machine, { minInterval: 5000 });
    unbounded.run();
    expect(unbounded.memory().bytes).toBeGreaterThan(2 * budget);

    const { machine, output } = await machineFor(bigList(100_000));
    const travel = new TimeTravel(machine, { minInterval: 5000, maxBytes: budget });
    travel.run();
    const m = travel.memory();
    expect(m.bytes).toBeLessThanOrEqual(budget);
    expect(m.budget).toBe(budget);
    expect(m.checkpoints).toBeGreaterThanOrEqual(3);
    expect(m.checkpoints).toBeLessThan(unbounded.memory().checkpoints);
    expect(output()).toBe('100000 -3\n');
    // the first checkpoint stays; the others spread over the run
    const steps = travel.steps;
    expect(steps[0]).toBe(0);
    // going back to any point replays to the same state as a run straight there
    const end = machine.s.steps;
    for (const at of [Math.floor(end * 0.3), Math.floor(end * 0.9), 10]) {
      travel.seek(at);
      const fresh = await machineFor(bigList(100_000));
      fresh.machine.run(at);
      const xs = (s: typeof machine.s) => JSON.stringify(s.tasks[1]?.stack.slice(0, 4));
      expect(machine.s.steps).toBe(fresh.machine.s.steps);
      expect(xs(machine.s)).toBe(xs(fresh.machine.s));
      expect(JSON.stringify(machine.program.globals.slice(0, 3))).toBe(JSON.stringify(fresh.machine.program.globals.slice(0, 3)));
    }
  });
});
