// The Workers view's data: per runtime (the busy one first, idle ones folded), each worker's current task, queue depth,
// LIFO slot, steals, parks and busy %, its queue's contents, the global queue and the blocking pool.
import type { RuntimeRow, RuntimeStateBody, TaskRow, WorkerRow } from '../../debug/protocol.js';
import { formatUs, taskIcon, taskLabel, threadLabel } from './labels.js';
import { leaf, type ViewNode } from './view-node.js';

function taskRef(state: RuntimeStateBody, id: number): string {
  const t = state.tasks.find(x => x.id === id);
  return t ? taskLabel(t) : `#${id}`;
}

function taskLeaf(state: RuntimeStateBody, key: string, id: number, prefix = ''): ViewNode {
  const t: TaskRow | undefined = state.tasks.find(x => x.id === id);
  return leaf(key, `${prefix}${taskRef(state, id)}`, {
    ...(t ? { description: t.state, icon: taskIcon(t) } : {}),
    task: id,
  });
}

/** "running #3 fetch", "parked", "searching", "idle", "blocked in thread_sleep until 12 ms". */
export function workerActivity(state: RuntimeStateBody, w: WorkerRow): string {
  if (w.blockedUntilUs >= 0) return `blocked (blocking call) until ${formatUs(w.blockedUntilUs)}`;
  if (w.current >= 0) return `running ${taskRef(state, w.current)}`;
  if (w.parked) return 'parked';
  if (w.searching) return 'searching';
  return 'idle';
}

/** The share of the run's virtual time the worker spent polling. */
export function busyPercent(state: RuntimeStateBody, w: WorkerRow): number {
  return state.clockUs > 0 ? Math.min(100, Math.round((w.busyUs / state.clockUs) * 100)) : 0;
}

/** One row per worker: what it does, queue depth, LIFO slot, steals, parks and busy % (expand for the queue). */
export function workerDescription(state: RuntimeStateBody, w: WorkerRow): string {
  const parts = [workerActivity(state, w), `queue ${w.localQueue.length}`];
  if (w.lifoSlot >= 0) parts.push(`LIFO #${w.lifoSlot}`);
  parts.push(`steals ${w.stealCount}`, `parks ${w.parkCount}`, `busy ${busyPercent(state, w)}%`);
  return parts.join(' · ');
}

function workerIcon(w: WorkerRow): { id: string; color?: string } {
  if (w.blockedUntilUs >= 0) return { id: 'lock', color: 'charts.orange' };
  if (w.current >= 0) return { id: 'gear', color: 'charts.green' };
  if (w.parked) return { id: 'debug-pause' };
  if (w.searching) return { id: 'search', color: 'charts.blue' };
  return { id: 'circle-outline' };
}

function workerNode(state: RuntimeStateBody, w: WorkerRow): ViewNode {
  const k = `worker:${w.id}`;
  const capacity = Number.isFinite(w.localQueueCapacity) && w.localQueueCapacity > 0 ? `/${w.localQueueCapacity}` : '';
  const children: ViewNode[] = [
    w.current >= 0 ? taskLeaf(state, `${k}:current`, w.current, 'current: ') : leaf(`${k}:current`, 'current: none'),
    w.lifoSlot >= 0 ? taskLeaf(state, `${k}:lifo`, w.lifoSlot, 'LIFO slot: ') : leaf(`${k}:lifo`, 'LIFO slot: empty'),
    {
      key: `${k}:queue`,
      label: `local queue (${w.localQueue.length}${capacity})`,
      description: w.localQueue.map(id => `#${id}`).join(' '),
      children: w.localQueue.map((id, i) => taskLeaf(state, `${k}:queue:${i}`, id, `${i + 1}. `)),
      expanded: false,
    },
    leaf(`${k}:counts`, 'counters', {
      description: `polls ${w.pollCount} · steals ${w.stealCount} (${w.stealOperations} ops) · parks ${w.parkCount} · overflows ${w.overflowCount}`,
      tooltip: `busy ${formatUs(w.busyUs)} of virtual time`,
    }),
  ];
  return {
    key: k,
    label: threadLabel(state, w.id),
    description: workerDescription(state, w),
    tooltip: `thread ${w.id} of runtime #${w.runtime}: ${workerActivity(state, w)}\npolls ${w.pollCount}, steals ${w.stealCount} in ${w.stealOperations} operations, parks ${w.parkCount}`,
    icon: workerIcon(w),
    children,
    expanded: true,
    ...(w.current >= 0 ? { task: w.current } : {}),
  };
}

function runtimeChildren(state: RuntimeStateBody, rt: RuntimeRow): ViewNode[] {
  const k = `rt:${rt.id}`;
  const workers = state.workers.filter(w => w.runtime === rt.id).sort((a, b) => a.index - b.index);
  const blocking = state.blockingThreads.filter(b => b.runtime === rt.id);
  const nodes = workers.map(w => workerNode(state, w));
  if (rt.blockOnThread >= 0) {
    // The main task (or the `with`'s owner) runs here, off the workers, as under Tokio's `block_on`.
    const t = state.tasks.find(x => x.id === rt.blockOnTask);
    const on = t && t.thread === rt.blockOnThread && (t.state === 'running' || t.state === 'scheduled' || t.state === 'blocked');
    nodes.push(leaf(`thread:${rt.blockOnThread}`, 'block_on thread', {
      description: !on ? 'idle' : t.state === 'running' ? `running ${taskRef(state, t.id)}` : `${t.state === 'blocked' ? 'waiting' : 'ready'}: ${taskRef(state, t.id)}`,
      tooltip: `thread ${rt.blockOnThread} of runtime #${rt.id}: polls the block_on task (main, or the owner of a \`with\` runtime) off the workers; its spawns go to the global queue`,
      icon: { id: 'debug-start' },
      ...(on ? { task: t.id } : {}),
    }));
  }
  nodes.push({
    key: `${k}:global`,
    label: `global queue (${rt.globalQueue.length})`,
    description: rt.globalQueue.map(id => `#${id}`).join(' '),
    tooltip: 'the injection queue: tasks scheduled from outside a worker (timers, other runtimes, overflow)',
    icon: { id: 'list-ordered' },
    children: rt.globalQueue.map((id, i) => taskLeaf(state, `${k}:global:${i}`, id, `${i + 1}. `)),
    expanded: false,
  });
  if (rt.flavor !== 'wasm') {
    const open = blocking.filter(b => !b.closed);
    nodes.push({
      key: `${k}:blocking`,
      label: `blocking pool (${open.length}/${rt.blockingThreadsCap} threads)`,
      description: rt.blockingQueue.length > 0 ? `${rt.blockingQueue.length} waiting` : '',
      icon: { id: 'server-process' },
      children: [
        ...open.map(b => leaf(`thread:${b.id}`, threadLabel(state, b.id), {
          description: b.current >= 0 ? `running ${taskRef(state, b.current)}` : `idle · ran ${b.tasksRun}`,
          ...(b.current >= 0 ? { task: b.current } : {}),
        })),
        ...rt.blockingQueue.map((id, i) => taskLeaf(state, `${k}:bq:${i}`, id, 'waiting: ')),
      ],
      expanded: false,
    });
  }
  return nodes;
}

/** How much a runtime is doing now: tasks running, then tasks queued (its workers' and its global queue). */
function activity(state: RuntimeStateBody, rt: RuntimeRow): { running: number; queued: number } {
  const workers = state.workers.filter(w => w.runtime === rt.id);
  const running = workers.filter(w => w.current >= 0).length + state.blockingThreads.filter(b => b.runtime === rt.id && b.current >= 0).length;
  const queued = rt.globalQueue.length + rt.blockingQueue.length + workers.reduce((n, w) => n + w.localQueue.length + (w.lifoSlot >= 0 ? 1 : 0), 0);
  return { running, queued };
}

/**
 * One runtime (the usual case): its workers at the top level. Several (a `with Runtime.multi_threaded(...)`
 * nested in the program): one node per runtime, the one doing the work first; a runtime with nothing running or
 * queued is folded.
 */
export function workersTree(state: RuntimeStateBody | undefined): ViewNode[] {
  if (!state) return [];
  const live = state.runtimes.filter(r => !r.closed || r === state.runtimes[0]);
  if (live.length <= 1) return live[0] ? runtimeChildren(state, live[0]) : [];
  const ranked = live.map((rt, i) => ({ rt, i, ...activity(state, rt) }))
    .sort((a, b) => b.running - a.running || b.queued - a.queued || a.i - b.i);
  return ranked.map(({ rt, running, queued }) => ({
    key: `rt:${rt.id}`,
    label: `runtime #${rt.id}`,
    description: `${running > 0 ? `${running} running` : 'nothing running'}${queued > 0 ? `, ${queued} queued` : ''} · ${rt.flavor}, ${rt.workers} ${rt.workers === 1 ? 'worker' : 'workers'}${rt.owner > 0 ? `, started by ${taskRef(state, rt.owner)}` : ''}`,
    icon: { id: 'server-environment', ...(running > 0 ? { color: 'charts.green' } : {}) },
    children: runtimeChildren(state, rt),
    expanded: running + queued > 0,
  }));
}
