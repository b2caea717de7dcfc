// The `--stats` summary: per-runtime metrics (Tokio's names), per-worker counters and per-task timings, as data and text.
import type { RuntimeEvent } from './events.js';
import type { Machine } from './machine.js';
import { runtimeMetrics, snapshotTasks, snapshotWorkers, type RuntimeMetricsSnapshot, type TaskSnapshot, type WorkerSnapshot } from './snapshot.js';

export interface RunStats {
  readonly steps: number;
  readonly virtualMs: number;
  readonly runtimes: readonly { readonly id: number; readonly flavor: string; readonly metrics: RuntimeMetricsSnapshot }[];
  readonly workers: readonly WorkerSnapshot[];
  readonly tasks: readonly TaskSnapshot[];
  readonly events: number;
}

export function collectStats(m: Machine, events: readonly RuntimeEvent[]): RunStats {
  return {
    steps: m.s.steps,
    virtualMs: m.s.us / 1000,
    runtimes: m.s.runtimes.map(rt => ({ id: rt.id, flavor: rt.config.flavor, metrics: runtimeMetrics(m, rt) })),
    workers: snapshotWorkers(m),
    tasks: snapshotTasks(m),
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
  lines.push(`${pad('worker', 12)}${padl('polls', 8)}${padl('busy ms', 10)}${padl('steals', 8)}${padl('stolen', 8)}${padl('parks', 7)}${padl('overflow', 10)}${padl('local', 8)}`);
  for (const w of st.workers) {
    const m = w.metrics;
    lines.push(`${pad(`rt${w.runtime}/w${w.index}`, 12)}${padl(m.worker_poll_count, 8)}${padl((m.worker_total_busy_duration_us / 1000).toFixed(3), 10)}${padl(m.worker_steal_operations, 8)}${padl(m.worker_steal_count, 8)}${padl(m.worker_park_count, 7)}${padl(m.worker_overflow_count, 10)}${padl(m.worker_local_schedule_count, 8)}`);
  }
  lines.push('');
  lines.push(`${pad('task', 28)}${pad('state', 11)}${padl('polls', 7)}${padl('steps', 9)}${padl('busy ms', 10)}${padl('idle ms', 10)}  spawned at`);
  const shown = st.tasks.slice(0, maxTasks);
  for (const t of shown) {
    lines.push(`${pad(`#${t.id} ${t.name}`.slice(0, 27), 28)}${pad(t.state, 11)}${padl(t.polls, 7)}${padl(t.steps, 9)}${padl((t.busyUs / 1000).toFixed(3), 10)}${padl((t.idleUs / 1000).toFixed(3), 10)}  ${t.spawnSite}`);
  }
  if (st.tasks.length > shown.length) lines.push(`... and ${st.tasks.length - shown.length} more tasks`);
  return lines.join('\n');
}
