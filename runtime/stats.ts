// The `--stats` summary: per-runtime metrics (Tokio's names), per-worker counters and per-task timings, as data and text.
import type { RuntimeEvent } from './events.js';
import type { Machine } from './machine.js';
import type { WaitReport } from './events.js';
import { computeLints, type Lint } from './lints.js';
import {
  runtimeMetrics, snapshotBlockOn, snapshotChannels, snapshotTasks, snapshotWorkers, type BlockOnThreadSnapshot, type ChannelSnapshot, type RuntimeMetricsSnapshot, type TaskSnapshot,
  type WorkerSnapshot,
} from './snapshot.js';

/** Points a worker's queue-depth series keeps at most (a longer one keeps every n-th point, and its last). */
export const MAX_DEPTH_POINTS = 2_000;

export interface RunStats {
  readonly steps: number;
  readonly virtualMs: number;
  readonly runtimes: readonly { readonly id: number; readonly flavor: string; readonly metrics: RuntimeMetricsSnapshot }[];
  /** Each worker, with its local queue's depth (queue plus LIFO slot) over virtual time: `[us, depth]` at each change. */
  readonly workers: readonly (WorkerSnapshot & { readonly queueDepth: readonly (readonly [number, number])[] })[];
  /** The block_on threads (multi-threaded runtimes), where the main task runs. */
  readonly blockOnThreads: readonly BlockOnThreadSnapshot[];
  readonly tasks: readonly TaskSnapshot[];
  readonly channels: readonly ChannelSnapshot[];
  readonly lints: readonly Lint[];
  readonly waitReports: readonly WaitReport[];
  readonly events: number;
}

export function collectStats(m: Machine, events: readonly RuntimeEvent[]): RunStats {
  // Queue depth over time, from the counter samples (the same the trace's counter tracks draw).
  const depth = new Map<string, [number, number][]>();
  for (const e of events) {
    if (e.kind !== 'counters') continue;
    e.local.forEach((n, i) => {
      const key = `${e.runtime}/${i}`;
      const series = depth.get(key) ?? depth.set(key, []).get(key)!;
      const last = series[series.length - 1];
      if (!last || last[1] !== n) series.push([Math.max(e.us, last?.[0] ?? 0), n]);
    });
  }
  const thin = (xs: [number, number][]) => {
    if (xs.length <= MAX_DEPTH_POINTS) return xs;
    const stride = Math.ceil(xs.length / MAX_DEPTH_POINTS);
    return [...xs.filter((_, i) => i % stride === 0), xs[xs.length - 1]!];
  };
  return {
    steps: m.s.steps,
    virtualMs: m.s.us / 1000,
    runtimes: m.s.runtimes.map(rt => ({ id: rt.id, flavor: rt.config.flavor, metrics: runtimeMetrics(m, rt) })),
    workers: snapshotWorkers(m).map(w => ({ ...w, queueDepth: thin(depth.get(`${w.runtime}/${w.index}`) ?? []) })),
    blockOnThreads: snapshotBlockOn(m),
    tasks: snapshotTasks(m),
    channels: snapshotChannels(m),
    lints: computeLints(m.s),
    waitReports: [...m.s.waitReports],
    events: events.filter(e => e.kind !== 'counters' && e.kind !== 'poll-gap').length, // samples and gaps are not counted events
  };
}

function pad(s: string | number, n: number): string {
  const t = String(s);
  return t.length >= n ? t : t + ' '.repeat(n - t.length);
}

function padl(s: string | number, n: number): string {
  const t = String(s);
  return t.length >= n ? t : ' '.repeat(n - t.length) + t;
}

export function formatStats(st: RunStats, maxTasks = 40): string {
  const lines: string[] = [];
  lines.push(`steps ${st.steps}, virtual time ${st.virtualMs.toFixed(3)} ms`);
  for (const rt of st.runtimes) {
    const m = rt.metrics;
    lines.push(`runtime #${rt.id} (${rt.flavor}): workers ${m.num_workers}, spawned ${m.spawned_tasks_count}, remote schedules ${m.remote_schedule_count}, forced yields ${m.budget_forced_yield_count}, blocking threads ${m.num_blocking_threads}`);
  }
  lines.push('');
  lines.push(`${pad('worker', 12)}${padl('polls', 8)}${padl('busy ms', 10)}${padl('mean µs', 9)}${padl('steals', 8)}${padl('stolen', 8)}${padl('parks', 7)}${padl('noops', 7)}${padl('overflow', 10)}${padl('local', 8)}${padl('max queue', 11)}`);
  for (const w of st.workers) {
    const m = w.metrics;
    const maxDepth = w.queueDepth.reduce((a, [, n]) => Math.max(a, n), 0);
    lines.push(`${pad(`rt${w.runtime}/w${w.index}`, 12)}${padl(m.worker_poll_count, 8)}${padl((m.worker_total_busy_duration_us / 1000).toFixed(3), 10)}${padl(m.worker_mean_poll_time_us.toFixed(1), 9)}${padl(m.worker_steal_operations, 8)}${padl(m.worker_steal_count, 8)}${padl(m.worker_park_count, 7)}${padl(m.worker_noop_count, 7)}${padl(m.worker_overflow_count, 10)}${padl(m.worker_local_schedule_count, 8)}${padl(maxDepth, 11)}`);
  }
  for (const b of st.blockOnThreads) {
    lines.push(`${pad(`rt${b.runtime}/block_on`, 12)}${padl(b.polls, 8)}${padl((b.busyUs / 1000).toFixed(3), 10)}${padl((b.polls > 0 ? b.busyUs / b.polls : 0).toFixed(1), 9)}`);
  }
  lines.push('');
  lines.push(`${pad('task', 28)}${pad('state', 11)}${padl('polls', 7)}${padl('steps', 9)}${padl('busy ms', 10)}${padl('sched ms', 10)}${padl('idle ms', 10)}${padl('wakes', 7)}${padl('self', 6)}  spawned at`);
  const shown = st.tasks.slice(0, maxTasks);
  for (const t of shown) {
    lines.push(`${pad(`#${t.id} ${t.name}`.slice(0, 27), 28)}${pad(t.state, 11)}${padl(t.polls, 7)}${padl(t.steps, 9)}${padl((t.busyUs / 1000).toFixed(3), 10)}${padl((t.scheduledUs / 1000).toFixed(3), 10)}${padl((t.idleUs / 1000).toFixed(3), 10)}${padl(t.wakes, 7)}${padl(t.selfWakes, 6)}  ${t.spawnSite}`);
  }
  if (st.tasks.length > shown.length) lines.push(`... and ${st.tasks.length - shown.length} more tasks`);
  if (st.channels.length > 0) {
    lines.push('');
    lines.push(`${pad('channel', 12)}${padl('capacity', 10)}${padl('length', 8)}${padl('senders', 9)}${padl('receivers', 11)}  state`);
    for (const c of st.channels.slice(0, maxTasks)) {
      lines.push(`${pad(`#${c.id}`, 12)}${padl(Number.isFinite(c.capacity) ? c.capacity : 'unbounded', 10)}${padl(c.length, 8)}${padl(c.waitingSenders.length, 9)}${padl(c.waitingReceivers.length, 11)}  ${c.closed ? 'closed' : 'open'}`);
    }
    if (st.channels.length > maxTasks) lines.push(`... and ${st.channels.length - maxTasks} more channels`);
  }
  if (st.lints.length > 0) {
    lines.push('');
    lines.push(`lints (${st.lints.length}):`);
    for (const l of st.lints.slice(0, maxTasks)) lines.push(`  ${l.kind}: task #${l.task} (${l.name}) ${l.message}`);
    if (st.lints.length > maxTasks) lines.push(`  ... and ${st.lints.length - maxTasks} more`);
  }
  return lines.join('\n');
}
