// Shared wording of the debug views: task and thread names, virtual times, state icons.
import type { RuntimeStateBody, TaskRow, TaskStateName } from '../../debug/protocol.js';
import type { ViewIcon } from './view-node.js';

export { formatMs, formatUs } from '../../debug/format.js';

/** "#3 fetch": the same name the adapter gives the task's thread. */
export function taskLabel(task: Pick<TaskRow, 'id' | 'name'>): string {
  return `#${task.id} ${task.name}`;
}

/** The id of the runtime that owns the program (the default one): the first listed. */
export function defaultRuntime(state: Pick<RuntimeStateBody, 'runtimes'>): number {
  return state.runtimes[0]?.id ?? -1;
}

/** "worker 1", "blocking 0", "block_on thread", prefixed by the runtime when it is not the default one ("rt 2 worker 0"). */
export function threadLabel(state: Pick<RuntimeStateBody, 'runtimes' | 'workers' | 'blockingThreads'>, thread: number): string {
  const w = state.workers.find(x => x.id === thread);
  const rtPrefix = (rt: number) => (rt === defaultRuntime(state) ? '' : `rt ${rt} `);
  if (w) return `${rtPrefix(w.runtime)}worker ${w.index}`;
  const b = state.blockingThreads.find(x => x.id === thread);
  if (b) {
    const index = state.blockingThreads.filter(x => x.runtime === b.runtime).indexOf(b);
    return `${rtPrefix(b.runtime)}blocking ${index}`;
  }
  // Neither a worker nor a pool thread: a block_on thread (the main task's, off the workers).
  return thread < 0 ? 'no thread' : 'block_on thread';
}

export const STATE_ICONS: Readonly<Record<TaskStateName, ViewIcon>> = {
  running: { id: 'play-circle', color: 'charts.green' },
  scheduled: { id: 'circle-large-outline', color: 'charts.blue' },
  blocked: { id: 'debug-pause', color: 'charts.yellow' },
  completed: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  cancelled: { id: 'circle-slash', color: 'disabledForeground' },
};

/** The icon of a task: a blocked task that sleeps shows a watch. */
export function taskIcon(task: Pick<TaskRow, 'state' | 'waitsOn'>): ViewIcon {
  if (task.state === 'blocked' && task.waitsOn?.startsWith('sleep')) return { id: 'watch', color: 'charts.yellow' };
  return STATE_ICONS[task.state];
}

export function isLive(state: TaskStateName): boolean {
  return state === 'scheduled' || state === 'running' || state === 'blocked';
}
