// The Tasks view's data: the tree of spawns by parent and scope, with state, worker and what a blocked task waits on.
import type { RuntimeStateBody, TaskRow } from '../../debug/protocol.js';
import { formatUs, isLive, taskIcon, taskLabel, threadLabel } from './labels.js';
import type { ViewNode } from './view-node.js';

export interface TasksModelOptions {
  /** Show completed, failed and cancelled tasks (default true). */
  readonly showFinished?: boolean;
}

/** The words after a task's name: its state, where it runs, what it waits on. */
export function taskDescription(state: RuntimeStateBody, task: TaskRow): string {
  // what a blocked task waits on matters more than where it last ran: it comes first (the sidebar is narrow)
  const parts: string[] = [task.state];
  if (task.state === 'blocked' && task.waitsOn) parts.push(`waits on ${task.waitsOn}`);
  if (task.state === 'running' || task.state === 'scheduled') {
    if (task.thread >= 0) parts.push(`on ${threadLabel(state, task.thread)}`);
  } else if (task.thread >= 0 && task.state === 'blocked') {
    parts.push(`last on ${threadLabel(state, task.thread)}`);
  }
  if ((task.state === 'failed' || task.state === 'cancelled') && task.failure) parts.push(task.failure);
  if (task.cancelRequested && isLive(task.state)) parts.push('cancel requested');
  return parts.join(' · ');
}

export function taskTooltip(state: RuntimeStateBody, task: TaskRow): string {
  const lines = [
    `${taskLabel(task)} (${task.kind} task)`,
    `state: ${task.state}${task.waitsOn ? `, waiting on ${task.waitsOn}` : ''}`,
    `parent: ${task.parent > 0 ? `#${task.parent}` : 'none'}${task.scope >= 0 ? `, scope #${task.scope}` : ''}`,
    `thread: ${threadLabel(state, task.thread)}`,
    `polls: ${task.polls}, steps: ${task.steps}, busy ${formatUs(task.busyUs)}`,
    `spawned at ${formatUs(task.spawnedAtUs)}${task.endedAtUs >= 0 ? `, ended at ${formatUs(task.endedAtUs)}` : ''}`,
  ];
  if (task.spawnSite) lines.push(`spawned at ${baseName(task.spawnSite.path)}:${task.spawnSite.line}`);
  if (task.location) lines.push(`now in ${task.location.fn} at ${baseName(task.location.path)}:${task.location.line}`);
  if (task.failure) lines.push(`failure: ${task.failure}`);
  return lines.join('\n');
}

function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}

/**
 * Roots are the tasks without a (listed) parent. Under each task come its plain children, then one node per
 * structured scope holding the children spawned into it; tasks are listed by id (spawn order).
 */
export function tasksTree(state: RuntimeStateBody | undefined, options: TasksModelOptions = {}): ViewNode[] {
  if (!state) return [];
  const showFinished = options.showFinished ?? true;
  const byId = new Map(state.tasks.map(t => [t.id, t]));
  const children = new Map<number, TaskRow[]>();
  const roots: TaskRow[] = [];
  for (const t of [...state.tasks].sort((a, b) => a.id - b.id)) {
    if (t.parent > 0 && byId.has(t.parent)) {
      let list = children.get(t.parent);
      if (!list) children.set(t.parent, (list = []));
      list.push(t);
    } else {
      roots.push(t);
    }
  }
  // A finished task stays when something live hangs below it, so the tree never loses a live task.
  const keep = new Map<number, boolean>();
  const kept = (t: TaskRow): boolean => {
    const known = keep.get(t.id);
    if (known !== undefined) return known;
    const result = showFinished || isLive(t.state) || (children.get(t.id) ?? []).some(kept);
    keep.set(t.id, result);
    return result;
  };
  const node = (t: TaskRow): ViewNode => {
    const kids = (children.get(t.id) ?? []).filter(kept);
    const plain = kids.filter(k => k.scope < 0);
    const scopes = new Map<number, TaskRow[]>();
    for (const k of kids) {
      if (k.scope < 0) continue;
      let list = scopes.get(k.scope);
      if (!list) scopes.set(k.scope, (list = []));
      list.push(k);
    }
    const scopeNodes: ViewNode[] = [...scopes].map(([scope, members]) => {
      const live = members.filter(m => isLive(m.state)).length;
      return {
        key: `scope:${t.id}:${scope}`,
        label: `scope #${scope}`,
        description: `${members.length} ${members.length === 1 ? 'child' : 'children'}${live < members.length ? `, ${live} live` : ''}`,
        tooltip: `structured scope #${scope} opened by ${taskLabel(t)}: it waits for every child and cancels the rest when one fails`,
        icon: { id: 'symbol-namespace' },
        children: members.map(node),
        expanded: true,
        contextValue: 'ariaScope',
      };
    });
    return {
      key: `task:${t.id}`,
      label: taskLabel(t),
      description: taskDescription(state, t),
      tooltip: taskTooltip(state, t),
      icon: taskIcon(t),
      children: [...plain.map(node), ...scopeNodes],
      expanded: true,
      contextValue: isLive(t.state) ? 'ariaTaskLive' : 'ariaTaskDone',
      task: t.id,
    };
  };
  return roots.filter(kept).map(node);
}

/** Counts shown in the view's title/message: live tasks by state. */
export function taskCounts(state: RuntimeStateBody | undefined): string {
  if (!state) return '';
  const counts = new Map<string, number>();
  for (const t of state.tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const order = ['running', 'scheduled', 'blocked', 'completed', 'failed', 'cancelled'];
  return order.filter(s => counts.has(s)).map(s => `${counts.get(s)} ${s}`).join(', ');
}
