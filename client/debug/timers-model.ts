// The Timers view's data: the virtual clock, then pending timers by deadline with owner, purpose, wheel level and slot.
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
  return [
    clock,
    ...timers.map(t => leaf(`timer:${t.id}`, `${formatMs(t.deadlineMs)}`, {
      description: timerDescription(state, t),
      tooltip: `timer ${t.id}: ${t.purpose} for task #${t.owner}, deadline ${formatMs(t.deadlineMs)}, wheel ${wheelPosition(t)}`,
      icon: { id: PURPOSE_ICONS[t.purpose] ?? 'clock' },
      ...(t.owner > 0 ? { task: t.owner } : {}),
    })),
  ];
}
