// Hand-built runtime states and timelines (as the adapter sends them) for the debug views' data-provider tests.
import type { RuntimeStateBody, TaskRow, TimelineBody, WorkerRow } from '../../debug/protocol.js';

export function task(id: number, name: string, over: Partial<TaskRow> = {}): TaskRow {
  return {
    id, name, kind: 'async', parent: 1, scope: -1, runtime: 1, state: 'scheduled', thread: -1, polls: 0, steps: 0,
    cancelRequested: false, spawnedAtUs: 0, endedAtUs: -1, busyUs: 0, ...over,
  };
}

export function worker(id: number, over: Partial<WorkerRow> = {}): WorkerRow {
  return {
    id, runtime: 1, index: id, current: -1, localQueue: [], localQueueCapacity: 256, lifoSlot: -1, parked: false, searching: false,
    blockedUntilUs: -1, pollCount: 0, stealCount: 0, stealOperations: 0, parkCount: 0, overflowCount: 0, busyUs: 0, ...over,
  };
}

/**
 * main (#1) spawned #2 fetch (sleeping) and opened scope #1 with children #3 and #4; #3 runs on worker 1, #4
 * waits in worker 0's queue; #5 completed. Two timers.
 */
export function sampleState(): RuntimeStateBody {
  return {
    step: 42, clockMs: 100, clockUs: 100_000, seed: 7, reason: 'breakpoint', focusTask: 3,
    runtimes: [{ id: 1, flavor: 'multi', workers: 2, owner: -1, globalQueue: [6], blockingQueue: [], blockingThreadsCap: 512, closed: false, blockOnTask: -1, blockOnThread: -1 }],
    tasks: [
      task(1, 'main', { kind: 'main', parent: 0, state: 'blocked', thread: 0, waitsOn: 'scope #1 (children #3, #4)', waitsOnTasks: [3, 4], polls: 3 }),
      task(2, 'fetch', { state: 'blocked', thread: 1, waitsOn: 'sleep until 250 ms', polls: 1 }),
      task(3, 'worker', { scope: 1, state: 'running', thread: 1, polls: 2 }),
      task(4, 'worker', { scope: 1, state: 'scheduled' }),
      task(5, 'log', { state: 'completed', thread: 0, endedAtUs: 50_000, polls: 1 }),
      task(6, 'late', { parent: 3, state: 'scheduled' }),
    ],
    workers: [
      worker(0, { current: -1, localQueue: [4], parked: true, pollCount: 5, parkCount: 2 }),
      worker(1, { current: 3, lifoSlot: 6, pollCount: 4, stealCount: 3, stealOperations: 1, busyUs: 25_000 }),
    ],
    blockingThreads: [],
    timers: [
      { id: 9, deadlineMs: 250, owner: 2, purpose: 'sleep', level: 1, slot: 3 },
      { id: 4, deadlineMs: 120, owner: 1, purpose: 'timeout', level: 0, slot: 56 },
    ],
    wheelElapsedMs: 100,
    outputLines: 2,
  };
}

export function sampleTimeline(): TimelineBody {
  return {
    nowUs: 100_020,
    threads: [
      { id: 0, runtime: 1, kind: 'worker', label: 'worker 0' },
      { id: 1, runtime: 1, kind: 'worker', label: 'worker 1' },
    ],
    tasks: [
      { id: 1, name: 'main', state: 'blocked' },
      { id: 2, name: 'fetch', state: 'blocked' },
      { id: 3, name: 'worker', state: 'running' },
    ],
    polls: [
      { task: 1, thread: 0, startUs: 0, endUs: 10, outcome: 'pending' },
      { task: 2, thread: 1, startUs: 10, endUs: 14, outcome: 'pending' },
      { task: 3, thread: 1, startUs: 100_000, endUs: 100_020, outcome: 'open' },
    ],
    spawns: [
      { parent: 1, child: 2, atUs: 4, thread: 0 },
      { parent: 1, child: 3, atUs: 8, thread: 0 },
      { parent: 1, child: 4, atUs: 9, thread: 0 },
    ],
    transitions: [],
    truncated: false,
  };
}
