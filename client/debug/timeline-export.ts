// The timeline's window as a trace in the Chrome Trace Event Format, which Perfetto (ui.perfetto.dev) opens: one track
// per task with its state spans, one per worker with its polls, and spawn flows from parent to child.
import type { ChromeTrace, TimelineBody, TraceEvent } from '../../debug/protocol.js';
import { SPAN_STATES, buildTimelineData, isTerminal } from './timeline-spans.js';

/** The format `aria run --trace` writes too: one spelling of it, the runtime's. */
export type PerfettoTrace = ChromeTrace;

const TASKS_PID = 1;
const WORKERS_PID = 2;

/** The spans and polls that overlap [t0, t1] (virtual µs), clipped to it; timestamps stay the run's own. */
export function perfettoTrace(body: TimelineBody, t0: number, t1: number, about: Record<string, unknown> = {}): PerfettoTrace {
  const data = buildTimelineData(body);
  const from = Math.max(0, Math.min(t0, t1));
  const to = Math.min(Math.max(t0, t1), data.nowUs);
  const out: TraceEvent[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid: TASKS_PID, tid: 0, args: { name: 'Aria tasks' } },
    { name: 'process_name', ph: 'M', ts: 0, pid: WORKERS_PID, tid: 0, args: { name: 'Aria workers' } },
  ];
  const { start, end, state, detail, thread } = data.spans;
  const shown = new Set<number>();
  data.tasks.forEach((t, order) => {
    const slices: TraceEvent[] = [];
    for (let i = t.first; i < t.first + t.count; i++) {
      const s = start[i]!;
      const e = isTerminal(state[i]!) ? s : end[i]!;
      if (e < from || s > to) continue;
      const a = Math.max(s, from);
      const b = Math.min(e, to);
      const name = SPAN_STATES[state[i]!]!;
      const args: Record<string, unknown> = {};
      if (detail[i]! >= 0) args['detail'] = data.strings[detail[i]!];
      if (name === 'running' && thread[i]! >= 0) args['thread'] = thread[i];
      if (isTerminal(state[i]!)) slices.push({ name, ph: 'i', s: 't', ts: a, pid: TASKS_PID, tid: t.id, cat: name, args });
      else if (b > a || name === 'running') slices.push({ name, ph: 'X', ts: a, dur: b - a, pid: TASKS_PID, tid: t.id, cat: name, args });
    }
    if (slices.length === 0) return;
    shown.add(t.id);
    out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: TASKS_PID, tid: t.id, args: { name: `#${t.id} ${t.name}` } });
    out.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: TASKS_PID, tid: t.id, args: { sort_index: order } });
    out.push(...slices);
  });
  data.threads.forEach(th => {
    const slices: TraceEvent[] = [];
    for (let i = th.first; i < th.first + th.count; i++) {
      const s = data.polls.start[i]!;
      const e = data.polls.end[i]!;
      if (e < from || s > to) continue;
      const task = data.polls.task[i]!;
      const info = data.tasks[data.index.get(task) ?? -1];
      slices.push({ name: `#${task} ${info?.name ?? ''}`.trim(), ph: 'X', ts: Math.max(s, from), dur: Math.min(e, to) - Math.max(s, from), pid: WORKERS_PID, tid: th.id, cat: 'poll', args: { task } });
    }
    if (slices.length === 0) return;
    out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: WORKERS_PID, tid: th.id, args: { name: th.label } });
    out.push(...slices);
  });
  // spawn flows between task tracks, when both ends are in the window (each end inside a slice of its track)
  const slicesOf = new Map<number, TraceEvent[]>();
  for (const e of out) if (e.ph === 'X' && e.pid === TASKS_PID) (slicesOf.get(e.tid) ?? slicesOf.set(e.tid, []).get(e.tid)!).push(e);
  const inSlice = (tid: number, ts: number) => (slicesOf.get(tid) ?? []).some(e => e.ts <= ts && ts <= e.ts + (e.dur ?? 0));
  let id = 1;
  for (const s of body.spawns) {
    if (s.atUs < from || s.atUs > to || !shown.has(s.parent) || !shown.has(s.child)) continue;
    const child = data.tasks[data.index.get(s.child)!]!;
    if (child.count === 0) continue;
    const at = Math.max(s.atUs, start[child.first]!);
    if (!inSlice(s.parent, s.atUs) || !inSlice(s.child, at)) continue;
    out.push({ name: 'spawn', ph: 's', ts: s.atUs, pid: TASKS_PID, tid: s.parent, id, cat: 'spawn' });
    out.push({ name: 'spawn', ph: 'f', bp: 'e', ts: at, pid: TASKS_PID, tid: s.child, id, cat: 'spawn' });
    id++;
  }
  return { traceEvents: out, displayTimeUnit: 'ms', otherData: { from: 'Aria debugger timeline', windowUs: [from, to], ...about } };
}
