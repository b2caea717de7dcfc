// The Timers view's data: the virtual clock, then pending timers grouped by wheel level (the level with the next deadline
// first), each by deadline, with owner, purpose and slot.
import type { RuntimeStateBody, TimerRow } from '../../debug/protocol.js';
import { formatMs, taskLabel } from './labels.js';
import { leaf, type ViewNode } from './view-node.js';

const PURPOSE_ICONS: Readonly<Record<string, string>> = {
  sleep: 'watch',
  timeout: 'clock',
  'cancel-token': 'circle-slash',
  'thread-sleep': 'lock',
  connection: 'plug',
};

/** "level 1, slot 23", or "overdue" for a timer waiting to fire at the next poll. */
export function wheelPosition(t: Pick<TimerRow, 'level' | 'slot'>): string {
  return t.level < 0 ? 'overdue' : `level ${t.level}, slot ${t.slot}`;
}

export function timerDescription(state: RuntimeStateBody, t: TimerRow): string {
  const owner = state.tasks.find(x => x.id === t.owner);
  const ownerText = owner ? taskLabel(owner) : t.owner > 0 ? `#${t.owner}` : 'no task';
  const left = t.deadlineMs - state.clockMs;
  return `${left > 0 ? `in ${formatMs(left)}` : 'due'} · ${t.purpose} · ${ownerText} · ${wheelPosition(t)}`;
}

export function timersTree(state: RuntimeStateBody | undefined): ViewNode[] {
  if (!state) return [];
  const clock = leaf('clock', `clock ${formatMs(state.clockMs)}`, {
    description: `step ${state.step} · wheel at ${formatMs(state.wheelElapsedMs)} · ${state.timers.length} pending`,
    tooltip: 'the virtual clock: time advances only when every worker is idle and a timer is due (deterministic, seeded run)',
    icon: { id: 'history' },
  });
  const timers = [...state.timers].sort((a, b) => a.deadlineMs - b.deadlineMs || a.id - b.id);
  // one group per wheel level (overdue first), the level with the next deadline first; each by deadline
  const levels = new Map<number, TimerRow[]>();
  for (const t of timers) {
    let list = levels.get(t.level);
    if (!list) levels.set(t.level, (list = []));
    list.push(t);
  }
  const groups = [...levels].sort(([la, a], [lb, b]) => (la < 0 ? -1 : lb < 0 ? 1 : a[0]!.deadlineMs - b[0]!.deadlineMs || la - lb));
  return [
    clock,
    ...groups.map(([level, list]): ViewNode => ({
      key: `level:${level}`,
      label: level < 0 ? 'overdue' : `wheel level ${level}`,
      description: `${list.length} ${list.length === 1 ? 'timer' : 'timers'} · next ${formatMs(list[0]!.deadlineMs)}${level >= 0 ? ` · slots of ${formatMs(64 ** level)}` : ''}`,
      tooltip: level < 0 ? 'timers past their deadline: they fire at the next poll' : `level ${level} of the hierarchical wheel: 64 slots of ${formatMs(64 ** level)} each`,
      icon: { id: 'layers' },
      children: list.map(t => leaf(`timer:${t.id}`, `${formatMs(t.deadlineMs)}`, {
        description: timerDescription(state, t),
        tooltip: `timer ${t.id}: ${t.purpose} for task #${t.owner}, deadline ${formatMs(t.deadlineMs)}, wheel ${wheelPosition(t)}`,
        icon: { id: PURPOSE_ICONS[t.purpose] ?? 'clock' },
        ...(t.owner > 0 ? { task: t.owner } : {}),
      })),
      expanded: true,
    })),
  ];
}
