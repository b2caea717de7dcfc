// Checks a trace against the Chrome Trace Event Format (the fields each phase needs) and against the run's --stats.
import type { ChromeTrace, TraceEvent } from '../../runtime/trace.js';
import type { RunStats } from '../../runtime/stats.js';

/** Every way `trace` breaks the format or disagrees with `stats`, as sentences (empty: valid). */
export function traceProblems(trace: ChromeTrace, stats?: RunStats): string[] {
  const problems: string[] = [];
  const events = trace.traceEvents;
  const track = (e: TraceEvent) => `${e.pid}/${e.tid}`;
  for (const e of events) {
    for (const field of ['ph', 'ts', 'pid', 'tid'] as const) {
      if (e[field] === undefined) problems.push(`${JSON.stringify(e)} has no ${field}`);
    }
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) problems.push(`${JSON.stringify(e)}: ts is not a time`);
    if (e.ph === 'X' && (typeof e.dur !== 'number' || e.dur < 0)) problems.push(`X event ${e.name} at ${e.ts} has no dur`);
    if (e.ph === 'C' && !Object.values(e.args ?? {}).every(v => typeof v === 'number')) problems.push(`C event ${e.name} has a value that is not a number`);
  }
  // Metadata names every process and every thread track that a slice, flow or thread instant is on.
  const processNames = new Set(events.filter(e => e.ph === 'M' && e.name === 'process_name').map(e => e.pid));
  const threadNames = new Set(events.filter(e => e.ph === 'M' && e.name === 'thread_name').map(track));
  for (const e of events) {
    if (!processNames.has(e.pid)) problems.push(`process ${e.pid} has no process_name`);
    const onThread = e.ph === 'X' || e.ph === 's' || e.ph === 'f' || (e.ph === 'i' && e.s === 't');
    if (onThread && !threadNames.has(track(e))) problems.push(`track ${track(e)} (${e.ph} ${e.name}) has no thread_name`);
  }
  // Slices on one track nest or follow one another, never partially overlap.
  const slices = new Map<string, TraceEvent[]>();
  for (const e of events) if (e.ph === 'X') (slices.get(track(e)) ?? slices.set(track(e), []).get(track(e))!).push(e);
  for (const [key, list] of slices) {
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const open: TraceEvent[] = [];
    for (const e of list) {
      while (open.length > 0 && open[open.length - 1]!.ts + open[open.length - 1]!.dur! <= e.ts) open.pop();
      const parent = open[open.length - 1];
      if (parent && e.ts + e.dur! > parent.ts + parent.dur!) problems.push(`on ${key}, ${e.name} at ${e.ts} overlaps ${parent.name} at ${parent.ts} partially`);
      open.push(e);
    }
  }
  const within = (e: TraceEvent) => (slices.get(track(e)) ?? []).some(x => x.ts <= e.ts && e.ts <= x.ts + x.dur!);
  // Flows: one start and one end per id, the end bound to its enclosing slice (bp: e), both inside a slice.
  const starts = new Map<number, TraceEvent[]>();
  const ends = new Map<number, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 's' && e.ph !== 'f') continue;
    if (e.id === undefined) { problems.push(`flow ${e.ph} at ${e.ts} has no id`); continue; }
    const map = e.ph === 's' ? starts : ends;
    (map.get(e.id) ?? map.set(e.id, []).get(e.id)!).push(e);
    if (e.ph === 'f' && e.bp !== 'e') problems.push(`flow end ${e.id} has no bp: e`);
    if (!within(e)) problems.push(`flow ${e.ph} ${e.id} at ${e.ts} on ${track(e)} is outside every slice`);
  }
  for (const [id, list] of starts) {
    const end = ends.get(id);
    if (list.length !== 1 || end?.length !== 1) problems.push(`flow ${id}: ${list.length} starts, ${end?.length ?? 0} ends`);
    // A child is polled no earlier than it was spawned.
    else if (end[0]!.ts < list[0]!.ts) problems.push(`flow ${id} ends at ${end[0]!.ts}, before it starts at ${list[0]!.ts}`);
  }
  for (const id of ends.keys()) if (!starts.has(id)) problems.push(`flow ${id} ends but never starts`);
  // Busy time per worker (and block_on) track equals that thread's busy time in --stats.
  if (stats) {
    for (const w of stats.workers) {
      const busy = (slices.get(`${w.runtime}/${w.thread}`) ?? []).reduce((sum, e) => sum + e.dur!, 0);
      if (busy !== w.metrics.worker_total_busy_duration_us) {
        problems.push(`worker ${w.runtime}/${w.index}: busy ${busy} µs in the trace, ${w.metrics.worker_total_busy_duration_us} µs in --stats`);
      }
    }
    // And per block_on track (the main task's thread, off the workers).
    for (const b of stats.blockOnThreads ?? []) {
      const busy = (slices.get(`${b.runtime}/${b.thread}`) ?? []).reduce((sum, e) => sum + e.dur!, 0);
      if (busy !== b.busyUs) problems.push(`block_on ${b.runtime}: busy ${busy} µs in the trace, ${b.busyUs} µs in --stats`);
    }
  }
  return problems;
}
