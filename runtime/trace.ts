// Chrome Trace Event JSON from a run's events (Perfetto opens it): polls as slices, spawns as flows, timers as instants, queues as counters.
import type { RuntimeEvent } from './events.js';
import type { Machine } from './machine.js';

/** One entry of the Trace Event Format (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU). */
export interface TraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'i' | 's' | 'f' | 'M' | 'C';
  readonly ts: number;
  readonly pid: number;
  readonly tid: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly id?: number;
  readonly bp?: 'e';
  readonly s?: 't' | 'p' | 'g';
  readonly args?: Record<string, unknown>;
}

export interface ChromeTrace {
  readonly traceEvents: readonly TraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly otherData: Record<string, unknown>;
}

/** The track timers and the clock appear on. */
const TIMER_TID = 100_000;

/** Builds the trace; timestamps are virtual microseconds, one process per runtime, one track per thread. */
export function toChromeTrace(events: readonly RuntimeEvent[], m: Machine): ChromeTrace {
  const out: TraceEvent[] = [];
  const s = m.s;
  const pidOfThread = new Map<number, number>();
  for (const th of s.threads) pidOfThread.set(th.id, th.runtime);
  for (const rt of s.runtimes) {
    out.push({ name: 'process_name', ph: 'M', ts: 0, pid: rt.id, tid: 0, args: { name: `runtime #${rt.id} (${rt.config.flavor})` } });
    out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: rt.id, tid: TIMER_TID, args: { name: 'timers' } });
  }
  for (const th of s.threads) {
    const label = th.kind === 'worker' ? `worker ${th.index}` : th.kind === 'block-on' ? 'block_on' : `blocking thread ${th.id}`;
    out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: th.runtime, tid: th.id, args: { name: label } });
    out.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: th.runtime, tid: th.id, args: { sort_index: th.id } });
  }
  const names = new Map<number, string>();
  const runtimeOfTask = new Map<number, number>();
  const open = new Map<number, { ts: number; thread: number; task: number; before: number }>();
  const flowPending = new Set<number>();
  const counters = new Map<string, number>();
  const counterTs = new Map<number, number>();
  for (const e of events) {
    switch (e.kind) {
      case 'spawn': {
        names.set(e.task, e.name);
        runtimeOfTask.set(e.task, e.runtime);
        // The flow starts where the spawner is running.
        const spawner = [...open.values()].find(p => p.task === e.parent);
        if (spawner) {
          out.push({ name: 'spawn', ph: 's', cat: 'spawn', id: e.task, ts: e.us, pid: pidOfThread.get(spawner.thread) ?? 0, tid: spawner.thread, args: { child: e.task, site: e.site } });
          flowPending.add(e.task);
        }
        break;
      }
      case 'poll-start':
        open.set(e.thread, { ts: e.us, thread: e.thread, task: e.task, before: 0 });
        if (flowPending.delete(e.task)) {
          out.push({ name: 'spawn', ph: 'f', bp: 'e', cat: 'spawn', id: e.task, ts: e.us, pid: pidOfThread.get(e.thread) ?? 0, tid: e.thread });
        }
        break;
      case 'poll-gap': {
        // The poll went on in the thread's next turn, after the thread idled: the slice so far ends where the turn did.
        const p = open.get(e.thread);
        if (!p || p.task !== e.task || e.fromUs <= p.ts || e.toUs <= e.fromUs) break;
        const statements = Math.round((e.fromUs - p.ts) / m.statementUs);
        out.push({
          name: `#${e.task} ${names.get(e.task) ?? ''}`.trim(), ph: 'X', cat: 'poll', ts: p.ts, dur: e.fromUs - p.ts,
          pid: pidOfThread.get(e.thread) ?? 0, tid: e.thread, args: { task: e.task, outcome: 'continued', step: e.step, statements },
        });
        open.set(e.thread, { ...p, ts: e.toUs, before: p.before + statements });
        break;
      }
      case 'poll-end': {
        const p = open.get(e.thread);
        if (!p) break;
        open.delete(e.thread);
        out.push({
          name: `#${e.task} ${names.get(e.task) ?? ''}`.trim(), ph: 'X', cat: 'poll', ts: p.ts, dur: Math.max(0, e.us - p.ts),
          pid: pidOfThread.get(e.thread) ?? 0, tid: e.thread,
          args: { task: e.task, outcome: e.outcome, step: e.step, statements: e.statements - p.before },
        });
        break;
      }
      case 'timer-set':
      case 'timer-fire': {
        const pid = runtimeOfTask.get(e.owner) ?? 0;
        out.push({
          name: `${e.kind === 'timer-set' ? 'set' : 'fire'} ${e.purpose} #${e.timer}`, ph: 'i', s: 't', cat: 'timer', ts: e.us,
          pid, tid: TIMER_TID, args: { timer: e.timer, deadline_ms: e.deadline, owner: e.owner },
        });
        break;
      }
      case 'steal':
        out.push({ name: `steal ${e.count} from thread ${e.victim}`, ph: 'i', s: 't', cat: 'scheduler', ts: e.us, pid: pidOfThread.get(e.thread) ?? 0, tid: e.thread });
        break;
      case 'overflow':
        out.push({ name: `overflow ${e.count} to the global queue`, ph: 'i', s: 't', cat: 'scheduler', ts: e.us, pid: pidOfThread.get(e.thread) ?? 0, tid: e.thread });
        break;
      case 'park':
      case 'unpark':
        out.push({ name: e.kind, ph: 'i', s: 't', cat: 'scheduler', ts: e.us, pid: pidOfThread.get(e.thread) ?? 0, tid: e.thread });
        break;
      case 'fail':
      case 'cancel':
      case 'complete': {
        const pid = runtimeOfTask.get(e.task) ?? 0;
        if (e.kind !== 'complete') {
          out.push({ name: `${e.kind} #${e.task}`, ph: 'i', s: 'p', cat: 'task', ts: e.us, pid, tid: 0, args: e.kind === 'fail' ? { message: e.failure.message } : { reason: e.reason } });
        }
        break;
      }
      case 'thread-block':
        out.push({ name: `blocking call until ${e.until} ms`, ph: 'i', s: 't', cat: 'blocking', ts: e.us, pid: pidOfThread.get(e.thread) ?? 0, tid: e.thread, args: { task: e.task } });
        break;
      case 'counters': {
        // One counter track per series, written only when its value changed.
        const series: [string, string, number][] = [
          ['injection queue', 'tasks', e.injection], ['blocking queue', 'tasks', e.blockingQueue],
          ['searching workers', 'workers', e.searching], ['parked workers', 'workers', e.parked],
          ...e.local.map((n, i): [string, string, number] => [`local queue, worker ${i}`, 'tasks', n]),
        ];
        // Threads take their turns of a round one after another, each from the round's start: a sample from a
        // later turn may be earlier in virtual time. The track keeps the simulation's order and never goes back.
        const ts = Math.max(e.us, counterTs.get(e.runtime) ?? 0);
        counterTs.set(e.runtime, ts);
        for (const [name, unit, value] of series) {
          const key = `${e.runtime}/${name}`;
          if (counters.get(key) === value) continue;
          counters.set(key, value);
          out.push({ name, ph: 'C', cat: 'counter', ts, pid: e.runtime, tid: 0, args: { [unit]: value } });
        }
        break;
      }
      case 'deadlock':
        out.push({ name: e.report.message.split(':')[0]!, ph: 'i', s: 'g', cat: 'deadlock', ts: e.us, pid: 0, tid: 0, args: { tasks: e.report.tasks, message: e.report.message } });
        break;
      case 'block': case 'wake': case 'blocking-start': case 'runtime-start': case 'runtime-stop': case 'clock': case 'output':
        break;
      default: {
        const never: never = e;
        throw new Error(String(never));
      }
    }
  }
  for (const p of open.values()) {
    out.push({ name: `#${p.task} ${names.get(p.task) ?? ''}`.trim(), ph: 'X', cat: 'poll', ts: p.ts, dur: Math.max(0, s.us - p.ts), pid: pidOfThread.get(p.thread) ?? 0, tid: p.thread });
  }
  return { traceEvents: out, displayTimeUnit: 'ms', otherData: { producer: 'aria runtime', clock: 'virtual microseconds', steps: s.steps } };
}
