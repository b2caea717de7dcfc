// The debug views' data providers (Tasks, Workers, Timers, timeline) tested as plain functions, without VS Code.
import { describe, expect, it } from 'vitest';
import { formatMs, threadLabel } from '../../client/debug/labels.js';
import { taskCounts, tasksTree } from '../../client/debug/tasks-model.js';
import { timersTree } from '../../client/debug/timers-model.js';
import { walk, type ViewNode } from '../../client/debug/view-node.js';
import { workersTree } from '../../client/debug/workers-model.js';
import { sampleState, sampleTimeline, task } from './fixtures.js';

function shape(nodes: readonly ViewNode[]): unknown[] {
  return nodes.map(n => (n.children.length > 0 ? { [n.label]: shape(n.children) } : n.label));
}

describe('labels', () => {
  it('formats virtual times', () => {
    expect([formatMs(0), formatMs(250), formatMs(1.5), formatMs(0.25), formatMs(12_500)]).toEqual(['0 ms', '250 ms', '1.5 ms', '0.25 ms', '12.5 s']);
  });
  it('names threads by worker index, prefixing other runtimes', () => {
    const s = sampleState();
    const two = { ...s, runtimes: [...s.runtimes, { ...s.runtimes[0]!, id: 2 }], workers: [...s.workers, { ...s.workers[0]!, id: 7, runtime: 2, index: 0 }] };
    expect([threadLabel(two, 1), threadLabel(two, 7), threadLabel(two, -1)]).toEqual(['worker 1', 'rt 2 worker 0', 'no thread']);
  });
});

describe('tasks tree', () => {
  it('nests spawns by parent and groups scope children', () => {
    expect(shape(tasksTree(sampleState()))).toEqual([
      { '#1 main': ['#2 fetch', '#5 log', { 'scope #1': [{ '#3 worker': ['#6 late'] }, '#4 worker'] }] },
    ]);
  });
  it('describes state, worker and what a blocked task waits on, with state icons', () => {
    const nodes = [...walk(tasksTree(sampleState()))];
    const byTask = new Map(nodes.filter(n => n.task !== undefined).map(n => [n.task!, n]));
    expect(byTask.get(2)!.description).toBe('blocked · waits on sleep until 250 ms · last on worker 1');
    expect(byTask.get(2)!.icon?.id).toBe('watch');
    expect(byTask.get(3)!.description).toBe('running · on worker 1');
    expect(byTask.get(3)!.icon?.id).toBe('play-circle');
    expect(byTask.get(1)!.description).toContain('waits on scope #1');
    expect(byTask.get(5)!.icon?.id).toBe('pass');
    expect(byTask.get(4)!.description).toBe('scheduled');
  });
  it('hides finished tasks on request but keeps a finished parent of a live task', () => {
    const s = sampleState();
    const state = { ...s, tasks: s.tasks.map(t => (t.id === 3 ? { ...t, state: 'completed' as const } : t)) };
    const labels = [...walk(tasksTree(state, { showFinished: false }))].map(n => n.label);
    expect(labels).not.toContain('#5 log');
    expect(labels).toContain('#3 worker'); // completed, but #6 below it is live
    expect(labels).toContain('#6 late');
  });
  it('keeps node keys stable and unique', () => {
    const keys = [...walk(tasksTree(sampleState()))].map(n => n.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...walk(tasksTree(sampleState()))].map(n => n.key)).toEqual(keys);
  });
  it('treats a task whose parent is gone as a root', () => {
    const s = sampleState();
    expect(tasksTree({ ...s, tasks: [task(9, 'orphan', { parent: 40 })] }).map(n => n.label)).toEqual(['#9 orphan']);
    expect(tasksTree(undefined)).toEqual([]);
  });
  it('counts tasks by state', () => {
    expect(taskCounts(sampleState())).toBe('1 running, 2 scheduled, 2 blocked, 1 completed');
  });
});

describe('workers tree', () => {
  it('shows each worker with its current task, LIFO slot, local queue and counters, then the global queue', () => {
    const tree = workersTree(sampleState());
    expect(tree.map(n => n.label)).toEqual(['worker 0', 'worker 1', 'global queue (1)', 'blocking pool (0/512 threads)']);
    const [w0, w1] = tree;
    expect(w0!.description).toBe('parked · queue 1');
    expect(w1!.description).toBe('running #3 worker · queue 0 · LIFO #6');
    expect(w1!.task).toBe(3);
    expect(w1!.children.map(c => c.label)).toEqual(['current: #3 worker', 'LIFO slot: #6 late', 'local queue (0/256)', 'counters']);
    expect(w1!.children[3]!.description).toBe('polls 4 · steals 3 (1 ops) · parks 0 · overflows 0');
    expect(w0!.children[2]!.children.map(c => c.label)).toEqual(['1. #4 worker']);
    expect(tree[2]!.children.map(c => c.task)).toEqual([6]);
  });
  it('groups by runtime when the program started a second one', () => {
    const s = sampleState();
    const state = {
      ...s,
      runtimes: [...s.runtimes, { id: 2, flavor: 'single' as const, workers: 1, owner: 3, globalQueue: [], blockingQueue: [], blockingThreadsCap: 512, closed: false }],
      workers: [...s.workers, { ...s.workers[0]!, id: 2, runtime: 2, index: 0, localQueue: [] }],
    };
    const tree = workersTree(state);
    expect(tree.map(n => `${n.label}: ${n.description}`)).toEqual(['runtime #1: multi, 2 workers', 'runtime #2: single, 1 worker, started by #3 worker']);
    expect(tree[1]!.children[0]!.label).toBe('rt 2 worker 0');
  });
});

describe('timers tree', () => {
  it('shows the clock, then pending timers by deadline with owner, purpose, wheel level and slot', () => {
    const tree = timersTree(sampleState());
    expect(tree.map(n => n.label)).toEqual(['clock 100 ms', '120 ms', '250 ms']);
    expect(tree[0]!.description).toBe('step 42 · wheel at 100 ms · 2 pending');
    expect(tree[1]!.description).toBe('in 20 ms · timeout · #1 main · level 0, slot 56');
    expect(tree[2]!.description).toBe('in 150 ms · sleep · #2 fetch · level 1, slot 3');
    expect(tree[2]!.task).toBe(2);
    expect(tree[2]!.icon?.id).toBe('watch');
  });
});
