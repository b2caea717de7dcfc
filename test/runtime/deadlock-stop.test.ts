// `RunControl.beforeDeadlock`: a run that finds a deadlock returns before the teardown, then tears down as usual.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineFor } from './helpers.js';

const dap = (name: string) => readFileSync(join(import.meta.dirname, '..', 'dap', 'programs', name), 'utf8');

describe('stopping before a deadlock is torn down', () => {
  it.each([
    ['deadlock.aria', [1, 2]],
    ['deadlock-cycle.aria', [1, 2, 3]],
  ])('%s: every task still waits at the stop, and the next run ends as a plain run does', async (name, blocked) => {
    const plain = await machineFor(dap(name));
    const expected = plain.machine.run();
    expect(expected.kind).toBe('failed');

    const { machine, output } = await machineFor(dap(name));
    const r = machine.run(Infinity, { beforeDeadlock: true });
    expect(r.kind).toBe('deadlock');
    if (r.kind !== 'deadlock' || expected.kind !== 'failed') return;
    expect(r.failure).toEqual(expected.failure);
    expect(machine.state.done).toBe(false);
    const live = machine.state.tasks.filter(t => !!t && !t.done).map(t => [t!.id, t!.state, !!t!.wait]);
    expect(live).toEqual(blocked.map(id => [id, 'blocked', true]));
    expect(machine.state.steps).toBe(plain.machine.state.steps);

    // the next run (asking again or not) tears down: the same failure, every task cancelled, nothing more runs
    const end = machine.run(Infinity, { beforeDeadlock: true });
    expect(end).toEqual(expected);
    expect(machine.state.done).toBe(true);
    expect(machine.state.tasks.filter(t => !!t && !t.done)).toEqual([]);
    expect(machine.state.tasks.filter(t => !!t).map(t => t!.state)).toEqual(plain.machine.state.tasks.filter(t => !!t).map(t => t!.state));
    expect(output()).toBe('');
  });

  it('a checkpoint taken at the stop restores to it, and tears down from there', async () => {
    const { machine } = await machineFor(dap('deadlock-cycle.aria'));
    expect(machine.run(Infinity, { beforeDeadlock: true }).kind).toBe('deadlock');
    const copy = machine.checkpoint();
    expect(machine.run().kind).toBe('failed');
    machine.restore(copy);
    expect(machine.state.tasks[2]?.state).toBe('blocked');
    expect(machine.run().kind).toBe('failed');
    expect(machine.state.tasks[2]?.state).toBe('cancelled');
  });
});
