// The debug views' data providers (Tasks, Workers, Timers, timeline) tested as plain functions, without VS Code.
import { describe, expect, it } from 'vitest';
import { formatMs, threadLabel } from '../../client/debug/labels.js';
import { taskProblems } from '../../client/debug/problems.js';
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
  it('names a deadlock cycle above the tree while its tasks still wait, each with what it waits on', () => {
    const s = sampleState();
    const relay = (id: number, channel: number) => task(id, 'relay', { parent: 1, state: 'blocked', waitsOn: `a value from channel #${channel}` });
    const stuck = {
      ...s,
      tasks: [task(1, 'main', { kind: 'main', parent: 0, state: 'blocked', waitsOn: 'task #7', waitsOnTasks: [7] }), relay(7, 0), relay(8, 1)],
      waitReports: [{ kind: 'cycle' as const, tasks: [7, 8], message: 'deadlock: tasks wait on each other (#7 relay → #8 relay → #7 relay)', atUs: 5 }],
    };
    const nodes = tasksTree(stuck);
    expect(shape(nodes)).toEqual([{ deadlock: ['#7 relay', '#8 relay'] }, { '#1 main': ['#7 relay', '#8 relay'] }]);
    expect(nodes[0]!.description).toBe('#7 relay → #8 relay → #7 relay');
    expect(nodes[0]!.tooltip).toBe(stuck.waitReports[0]!.message);
    expect(nodes[0]!.children.map(n => [n.task, n.description])).toEqual([[7, 'waits on a value from channel #0'], [8, 'waits on a value from channel #1']]);
    // once torn down (its tasks cancelled) the report is history: the view shows no deadlock
    const after = { ...stuck, tasks: stuck.tasks.map(t => ({ ...t, state: 'cancelled' as const })) };
    expect(tasksTree(after).map(n => n.label)).toEqual(['#1 main']);
    expect(tasksTree({ ...stuck, waitReports: [{ ...stuck.waitReports[0]!, kind: 'no-progress' as const }] }).map(n => n.label)).toEqual(['#1 main']);
  });
  it('nests spawns by parent, groups scope children, and folds completed tasks into one node with their count', () => {
    expect(shape(tasksTree(sampleState()))).toEqual([
      { '#1 main': ['#2 fetch', { '1 completed': ['#5 log'] }, { 'scope #1': [{ '#3 worker': ['#6 late'] }, '#4 worker'] }] },
    ]);
    const folded = [...walk(tasksTree(sampleState()))].find(n => n.label === '1 completed')!;
    expect(folded.expanded).toBe(false);
    // a completed task with a warning is not folded away
    const warned = { ...sampleState(), lints: [{ kind: 'long-poll', task: 5, name: 'log', message: 'm' }] };
    expect(shape(tasksTree(warned))[0]).toEqual({ '#1 main': ['#2 fetch', '#5 log', { 'scope #1': [{ '#3 worker': ['#6 late'] }, '#4 worker'] }] });
  });
  it('shows tokio-console\'s columns: total, busy, scheduled and idle time, polls, spawn site, the runtime\'s lints', () => {
    const s = sampleState();
    const metrics = { scheduledUs: 470, idleUs: 98_500, wakes: 1, selfWakes: 0, maxPollUs: 30, pollTimeHistogram: [], scheduledTimeHistogram: [] };
    const state = {
      ...s,
      tasks: s.tasks.map(t => (t.id === 2 ? { ...t, spawnedAtUs: 1000, busyUs: 30, metrics, spawnSite: { path: '/w/app.aria', line: 12, column: 5 } } : t)),
      lints: [{ kind: 'long-poll', task: 2, name: 'fetch', message: 'a poll ran 3 ms without a yield' }],
    };
    const fetch = [...walk(tasksTree(state))].find(n => n.task === 2)!;
    expect(fetch.description).toBe('⚠ long poll · blocked · waits on sleep until 250 ms · last on worker 1 · total 99 ms · busy 0.03 ms · sched 0.47 ms · idle 98.5 ms · 1 poll · app.aria:12');
    expect(fetch.tooltip).toContain('⚠ a poll ran 3 ms without a yield');
    expect(fetch.icon?.id).toBe('warning');
  });
  it('sorts siblings by any column and filters by state and name, keeping what leads to a match', () => {
    const s = sampleState();
    const state = { ...s, tasks: s.tasks.map(t => ({ ...t, busyUs: t.id * 10 % 7, polls: t.id === 4 ? 9 : t.polls })) };
    const scope = (tree: readonly ViewNode[]) => [...walk(tree)].find(n => n.label === 'scope #1')!.children.map(c => c.label);
    expect(scope(tasksTree(state, { sort: 'id' }))).toEqual(['#3 worker', '#4 worker']);
    expect(scope(tasksTree(state, { sort: 'polls' }))).toEqual(['#4 worker', '#3 worker']);
    expect(tasksTree(state, { sort: 'name' })[0]!.children.map(c => c.label)).toEqual(['#2 fetch', '1 completed', 'scope #1']);
    // only scheduled tasks: #4, and #6 under #3 (kept, unmatched, because #6 hangs below it), and main above them
    expect(shape(tasksTree(state, { states: new Set(['scheduled']) }))).toEqual([{ '#1 main': [{ 'scope #1': [{ '#3 worker': ['#6 late'] }, '#4 worker'] }] }]);
    // by name, any case; a filter shows completed tasks unfolded
    expect(shape(tasksTree(state, { name: 'LOG' }))).toEqual([{ '#1 main': ['#5 log'] }]);
    expect(shape(tasksTree(state, { name: '#6' }))).toEqual([{ '#1 main': [{ 'scope #1': [{ '#3 worker': ['#6 late'] }] }] }]);
    expect(tasksTree(state, { name: 'nothing like it' })).toEqual([]);
  });
  it('describes state, worker and what a blocked task waits on, with state icons', () => {
    const nodes = [...walk(tasksTree(sampleState()))];
    const byTask = new Map(nodes.filter(n => n.task !== undefined).map(n => [n.task!, n]));
    expect(byTask.get(2)!.description).toMatch(/^blocked · waits on sleep until 250 ms · last on worker 1 · total /);
    expect(byTask.get(2)!.icon?.id).toBe('watch');
    expect(byTask.get(3)!.description).toMatch(/^running · on worker 1 · total /);
    expect(byTask.get(3)!.icon?.id).toBe('play-circle');
    expect(byTask.get(1)!.description).toContain('waits on scope #1');
    expect(byTask.get(5)!.icon?.id).toBe('pass');
    expect(byTask.get(4)!.description).toMatch(/^scheduled · total /);
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
  it('puts each lint at the task\'s spawn site as a problem (main, spawned by no code, where it stands)', () => {
    const s = sampleState();
    const state = {
      ...s,
      tasks: s.tasks.map(t => (t.id === 2 ? { ...t, spawnSite: { path: '/w/app.aria', line: 12, column: 5 } }
        : t.id === 1 ? { ...t, location: { path: '/w/app.aria', line: 30, column: 1, fn: '<main>' } } : t)),
      lints: [
        { kind: 'long-poll', task: 2, name: 'fetch', message: 'a poll ran 3 ms without a yield' },
        { kind: 'blocked-forever', task: 1, name: 'main', message: 'nothing will release it' },
        { kind: 'self-wakes', task: 4, name: 'worker', message: 'no site: not a problem' },
      ],
    };
    expect(taskProblems(state)).toEqual([
      { path: '/w/app.aria', line: 30, column: 1, length: 1, message: '#1 main: nothing will release it', code: 'blocked-forever', task: 1 },
      { path: '/w/app.aria', line: 12, column: 5, length: 5, message: '#2 fetch: a poll ran 3 ms without a yield', code: 'long-poll', task: 2 },
    ]);
    expect(taskProblems(sampleState())).toEqual([]);
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
    expect(w0!.description).toBe('parked · queue 1 · steals 0 · parks 2 · busy 0%');
    expect(w1!.description).toBe('running #3 worker · queue 0 · LIFO #6 · steals 3 · parks 0 · busy 25%');
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
      runtimes: [...s.runtimes, { id: 2, flavor: 'single' as const, workers: 1, owner: 3, globalQueue: [], blockingQueue: [], blockingThreadsCap: 512, closed: false, blockOnTask: -1, blockOnThread: -1 }],
      workers: [...s.workers, { ...s.workers[0]!, id: 2, runtime: 2, index: 0, localQueue: [] }],
    };
    const tree = workersTree(state);
    expect(tree.map(n => `${n.label}: ${n.description}`)).toEqual([
      'runtime #1: 1 running, 3 queued · multi, 2 workers', 'runtime #2: nothing running · single, 1 worker, started by #3 worker',
    ]);
    expect(tree.map(n => n.expanded)).toEqual([true, false]);
    expect(tree[1]!.children[0]!.label).toBe('rt 2 worker 0');
    // the runtime doing the work comes first, whatever its id
    const busy2 = { ...state, workers: state.workers.map(w => (w.id === 2 ? { ...w, current: 6 } : { ...w, current: -1, localQueue: [], lifoSlot: -1 })), runtimes: state.runtimes.map(r => ({ ...r, globalQueue: [] })) };
    expect(workersTree(busy2).map(n => n.label)).toEqual(['runtime #2', 'runtime #1']);
  });
  it('shows the block_on thread, off the workers, with the main task it polls', () => {
    const s = sampleState();
    const state = {
      ...s,
      runtimes: s.runtimes.map(r => ({ ...r, blockOnTask: 1, blockOnThread: 9 })),
      tasks: s.tasks.map(t => (t.id === 1 ? { ...t, thread: 9 } : t)),
    };
    const tree = workersTree(state);
    expect(tree.map(n => n.label)).toEqual(['worker 0', 'worker 1', 'block_on thread', 'global queue (1)', 'blocking pool (0/512 threads)']);
    expect(tree[2]).toMatchObject({ description: 'waiting: #1 main', task: 1 });
    expect(threadLabel(state, 9)).toBe('block_on thread');
  });
});

describe('timers tree', () => {
  it('shows the clock, then pending timers by deadline with owner, purpose, wheel level and slot', () => {
    const tree = timersTree(sampleState());
    expect(shape(tree)).toEqual(['clock 100 ms', { 'wheel level 0': ['120 ms'] }, { 'wheel level 1': ['250 ms'] }]);
    expect(tree[0]!.description).toBe('step 42 · wheel at 100 ms · 2 pending');
    expect(tree[1]!.description).toBe('1 timer · next 120 ms · slots of 1 ms');
    const [t120, t250] = [tree[1]!.children[0]!, tree[2]!.children[0]!];
    expect(t120.description).toBe('in 20 ms · timeout · #1 main · level 0, slot 56');
    expect(t250.description).toBe('in 150 ms · sleep · #2 fetch · level 1, slot 3');
    expect(t250.task).toBe(2);
    expect(t250.icon?.id).toBe('watch');
  });
  it('puts the level with the next deadline first, overdue timers before all', () => {
    const s = sampleState();
    const state = { ...s, timers: [
      { id: 1, deadlineMs: 5000, owner: 2, purpose: 'sleep', level: 2, slot: 1 },
      { id: 2, deadlineMs: 300, owner: 2, purpose: 'sleep', level: 1, slot: 4 },
      { id: 3, deadlineMs: 130, owner: 2, purpose: 'sleep', level: 2, slot: 0 },
      { id: 4, deadlineMs: 99, owner: 1, purpose: 'timeout', level: -1, slot: 0 },
    ] };
    expect(shape(timersTree(state))).toEqual(['clock 100 ms', { overdue: ['99 ms'] }, { 'wheel level 2': ['130 ms', '5000 ms'] }, { 'wheel level 1': ['300 ms'] }]);
  });
});
