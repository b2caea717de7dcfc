// The Tasks view's data: the tree of spawns by parent and scope, with state, worker, what a blocked task waits on,
// tokio-console's columns (total, busy, scheduled and idle time, polls, spawn site, warnings), sorting and filtering.
import type { LintRow, RuntimeStateBody, TaskRow, TaskStateName } from '../../debug/protocol.js';
import { formatUs, isLive, taskIcon, taskLabel, threadLabel } from './labels.js';
import type { ViewNode } from './view-node.js';

/** The columns the view sorts by (tokio-console's). */
export type TaskSortKey = 'id' | 'name' | 'state' | 'total' | 'busy' | 'scheduled' | 'idle' | 'polls' | 'warnings';

export const TASK_SORT_KEYS: readonly { readonly key: TaskSortKey; readonly label: string }[] = [
  { key: 'id', label: 'Id (spawn order)' },
  { key: 'name', label: 'Name' },
  { key: 'state', label: 'State (running, scheduled, blocked, then finished)' },
  { key: 'total', label: 'Total time (longest first)' },
  { key: 'busy', label: 'Busy time (longest first)' },
  { key: 'scheduled', label: 'Scheduled time: ready but not running (longest first)' },
  { key: 'idle', label: 'Idle time: blocked or sleeping (longest first)' },
  { key: 'polls', label: 'Polls (most first)' },
  { key: 'warnings', label: 'Warnings (most first)' },
];

export interface TasksModelOptions {
  /** Show completed, failed and cancelled tasks (default true). */
  readonly showFinished?: boolean;
  readonly sort?: TaskSortKey;
  /** Only tasks in these states (empty or absent: all), and whose `#id name` contains this text (any case). */
  readonly states?: ReadonlySet<TaskStateName>;
  readonly name?: string;
}

/** From spawn to its end, or to now. */
export function totalUs(state: RuntimeStateBody, t: TaskRow): number {
  return Math.max(0, (t.endedAtUs >= 0 ? t.endedAtUs : state.clockUs) - t.spawnedAtUs);
}

/** The runtime's lints about a task (runtime/lints.ts, served in `aria/runtimeState`). */
export function warningsOf(state: RuntimeStateBody, t: Pick<TaskRow, 'id'>): LintRow[] {
  return (state.lints ?? []).filter(l => l.task === t.id);
}

/** tokio-console's columns in words: "total 12 ms · busy 1 ms · sched 0.2 ms · idle 10 ms · 3 polls". */
export function taskColumns(state: RuntimeStateBody, t: TaskRow): string {
  const m = t.metrics;
  const times = m ? ` · sched ${formatUs(m.scheduledUs)} · idle ${formatUs(m.idleUs)}` : '';
  return `total ${formatUs(totalUs(state, t))} · busy ${formatUs(t.busyUs)}${times} · ${t.polls} ${t.polls === 1 ? 'poll' : 'polls'}`;
}

/** The words after a task's name: warnings, its state, where it runs, what it waits on, then the columns. */
export function taskDescription(state: RuntimeStateBody, task: TaskRow): string {
  // what a blocked task waits on matters more than where it last ran: it comes first (the sidebar is narrow)
  const parts: string[] = [];
  const warnings = warningsOf(state, task);
  if (warnings.length > 0) parts.push(`⚠ ${warnings.map(w => WARNING_WORDS[w.kind] ?? w.kind).join(', ')}`);
  parts.push(task.state);
  if (task.state === 'blocked' && task.waitsOn) parts.push(`waits on ${task.waitsOn}`);
  if (task.state === 'running' || task.state === 'scheduled') {
    if (task.thread >= 0) parts.push(`on ${threadLabel(state, task.thread)}`);
  } else if (task.thread >= 0 && task.state === 'blocked') {
    parts.push(`last on ${threadLabel(state, task.thread)}`);
  }
  if ((task.state === 'failed' || task.state === 'cancelled') && task.failure) parts.push(task.failure);
  if (task.cancelRequested && isLive(task.state)) parts.push('cancel requested');
  parts.push(taskColumns(state, task));
  if (task.spawnSite) parts.push(`${baseName(task.spawnSite.path)}:${task.spawnSite.line}`);
  return parts.join(' · ');
}

const WARNING_WORDS: Readonly<Record<string, string>> = {
  'long-poll': 'long poll', 'never-yields': 'never yields', 'self-wakes': 'wakes itself', 'blocked-forever': 'blocked forever',
  'unawaited-failure': 'failure not awaited',
};

export function taskTooltip(state: RuntimeStateBody, task: TaskRow): string {
  const lines = [
    `${taskLabel(task)} (${task.kind} task)`,
    `state: ${task.state}${task.waitsOn ? `, waiting on ${task.waitsOn}` : ''}`,
    `parent: ${task.parent > 0 ? `#${task.parent}` : 'none'}${task.scope >= 0 ? `, scope #${task.scope}` : ''}`,
    `thread: ${threadLabel(state, task.thread)}`,
    `${taskColumns(state, task)}, ${task.steps} steps`,
    `spawned at ${formatUs(task.spawnedAtUs)}${task.endedAtUs >= 0 ? `, ended at ${formatUs(task.endedAtUs)}` : ''}`,
  ];
  if (task.spawnSite) lines.push(`spawned at ${baseName(task.spawnSite.path)}:${task.spawnSite.line}`);
  if (task.location) lines.push(`now in ${task.location.fn} at ${baseName(task.location.path)}:${task.location.line}`);
  if (task.failure) lines.push(`failure: ${task.failure}`);
  for (const w of warningsOf(state, task)) lines.push(`⚠ ${w.message}`);
  return lines.join('\n');
}

function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}

const STATE_ORDER: Readonly<Record<TaskStateName, number>> = { running: 0, scheduled: 1, blocked: 2, failed: 3, cancelled: 4, completed: 5 };

/** How two sibling tasks compare under a sort key (ties by id, spawn order). */
export function compareTasks(state: RuntimeStateBody, key: TaskSortKey): (a: TaskRow, b: TaskRow) => number {
  const lintCount = new Map<number, number>();
  for (const l of state.lints ?? []) lintCount.set(l.task, (lintCount.get(l.task) ?? 0) + 1);
  const by: (t: TaskRow) => number | string = {
    id: (t: TaskRow) => t.id,
    name: (t: TaskRow) => t.name,
    state: (t: TaskRow) => STATE_ORDER[t.state],
    total: (t: TaskRow) => -totalUs(state, t),
    busy: (t: TaskRow) => -t.busyUs,
    scheduled: (t: TaskRow) => -(t.metrics?.scheduledUs ?? 0),
    idle: (t: TaskRow) => -(t.metrics?.idleUs ?? 0),
    polls: (t: TaskRow) => -t.polls,
    warnings: (t: TaskRow) => -(lintCount.get(t.id) ?? 0),
  }[key];
  return (a, b) => {
    const x = by(a);
    const y = by(b);
    if (x < y) return -1;
    if (x > y) return 1;
    return a.id - b.id;
  };
}

/**
 * Roots are the tasks without a (listed) parent. Under each task come its plain children, then one node per
 * structured scope holding the children spawned into it, then its completed children folded into one node with
 * their count. Siblings are in spawn order, or by the sort key. A filter keeps the tasks it matches and what leads
 * to them.
 */
export function tasksTree(state: RuntimeStateBody | undefined, options: TasksModelOptions = {}): ViewNode[] {
  if (!state) return [];
  const showFinished = options.showFinished ?? true;
  const order = compareTasks(state, options.sort ?? 'id');
  const needle = (options.name ?? '').trim().toLowerCase();
  const states = options.states && options.states.size > 0 ? options.states : undefined;
  const matches = (t: TaskRow) => (!states || states.has(t.state)) && (needle === '' || taskLabel(t).toLowerCase().includes(needle));
  const filtering = needle !== '' || states !== undefined;
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
  // A finished or unmatched task stays when something kept hangs below it, so the tree never loses a task it shows.
  const keep = new Map<number, boolean>();
  const kept = (t: TaskRow): boolean => {
    const known = keep.get(t.id);
    if (known !== undefined) return known;
    keep.set(t.id, false); // a cycle of parents (never in a real run) ends here
    const self = (showFinished || isLive(t.state)) && (!filtering || matches(t));
    const result = self || (children.get(t.id) ?? []).some(kept);
    keep.set(t.id, result);
    return result;
  };
  const list = (tasks: readonly TaskRow[], parentKey: string): ViewNode[] => {
    const sorted = [...tasks].sort(order);
    // completed tasks fold into one node (unless a filter asked for them, or something kept hangs below them)
    // (a completed task with a warning stays out, to be seen)
    const folded = filtering ? [] : sorted.filter(t => t.state === 'completed' && warningsOf(state, t).length === 0 && !(children.get(t.id) ?? []).some(kept));
    const shown = sorted.filter(t => !folded.includes(t)).map(node);
    if (folded.length > 0) {
      shown.push({
        key: `${parentKey}:completed`,
        label: `${folded.length} completed`,
        description: folded.length <= 5 ? folded.map(t => `#${t.id}`).join(' ') : `#${folded[0]!.id} … #${folded[folded.length - 1]!.id}`,
        tooltip: 'completed tasks, folded: expand to see each',
        icon: { id: 'pass', color: 'testing.iconPassed' },
        children: folded.map(node),
        expanded: false,
        contextValue: 'ariaCompletedGroup',
      });
    }
    return shown;
  };
  const node = (t: TaskRow): ViewNode => {
    const kids = (children.get(t.id) ?? []).filter(kept);
    const plain = kids.filter(k => k.scope < 0);
    const scopes = new Map<number, TaskRow[]>();
    for (const k of kids) {
      if (k.scope < 0) continue;
      let group = scopes.get(k.scope);
      if (!group) scopes.set(k.scope, (group = []));
      group.push(k);
    }
    const scopeNodes: ViewNode[] = [...scopes].map(([scope, members]) => {
      const live = members.filter(m => isLive(m.state)).length;
      return {
        key: `scope:${t.id}:${scope}`,
        label: `scope #${scope}`,
        description: `${members.length} ${members.length === 1 ? 'child' : 'children'}${live < members.length ? `, ${live} live` : ''}`,
        tooltip: `structured scope #${scope} opened by ${taskLabel(t)}: it waits for every child and cancels the rest when one fails`,
        icon: { id: 'symbol-namespace' },
        children: list(members, `scope:${t.id}:${scope}`),
        expanded: true,
        contextValue: 'ariaScope',
      };
    });
    return {
      key: `task:${t.id}`,
      label: taskLabel(t),
      description: taskDescription(state, t),
      tooltip: taskTooltip(state, t),
      icon: isLive(t.state) && warningsOf(state, t).length > 0 ? { id: 'warning', color: 'list.warningForeground' } : taskIcon(t),
      children: [...list(plain, `task:${t.id}`), ...scopeNodes],
      expanded: true,
      contextValue: isLive(t.state) ? 'ariaTaskLive' : 'ariaTaskDone',
      task: t.id,
    };
  };
  return [...deadlockNodes(state), ...list(roots.filter(kept), 'roots')];
}

/**
 * The wait-for graph where it is stuck: one node per deadlock cycle (or set of tasks blocked forever) whose tasks
 * still wait, above the tree, naming the cycle; under it each of its tasks with what it waits on (selecting one
 * focuses its thread).
 */
export function deadlockNodes(state: RuntimeStateBody): ViewNode[] {
  const byId = new Map(state.tasks.map(t => [t.id, t]));
  const out: ViewNode[] = [];
  (state.waitReports ?? []).forEach((r, i) => {
    if (r.kind === 'no-progress') return;
    const tasks = r.tasks.map(id => byId.get(id)).filter((t): t is TaskRow => !!t);
    if (!tasks.some(t => t.state === 'blocked')) return; // torn down or released: history, not the graph now
    const cycle = r.kind === 'cycle';
    out.push({
      key: `deadlock:${i}`,
      label: cycle ? 'deadlock' : 'blocked forever',
      description: cycle ? [...tasks, tasks[0]!].map(taskLabel).join(' → ') : tasks.map(taskLabel).join(', '),
      tooltip: r.message,
      icon: { id: 'error', color: 'errorForeground' },
      children: tasks.map(t => ({
        key: `deadlock:${i}:${t.id}`,
        label: taskLabel(t),
        description: t.state === 'blocked' && t.waitsOn ? `waits on ${t.waitsOn}` : t.state,
        tooltip: taskTooltip(state, t),
        icon: taskIcon(t),
        children: [],
        task: t.id,
      })),
      expanded: true,
      contextValue: 'ariaDeadlock',
    });
  });
  return out;
}

/** Counts shown in the view's title/message: live tasks by state. */
export function taskCounts(state: RuntimeStateBody | undefined): string {
  if (!state) return '';
  const counts = new Map<string, number>();
  for (const t of state.tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const order = ['running', 'scheduled', 'blocked', 'completed', 'failed', 'cancelled'];
  return order.filter(s => counts.has(s)).map(s => `${counts.get(s)} ${s}`).join(', ');
}
