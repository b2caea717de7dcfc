// The timeline's data: each task's state spans (from the adapter's transitions) and each thread's polls, in flat arrays.
import type { SpanState, TimelineBody } from '../../debug/protocol.js';

/** The states in drawing order; a span's state is an index into this list. */
export const SPAN_STATES: readonly SpanState[] = ['running', 'ready', 'blocked', 'sleeping', 'completed', 'failed', 'cancelled'];
export const STATE_INDEX: Readonly<Record<SpanState, number>> = Object.fromEntries(SPAN_STATES.map((s, i) => [s, i])) as Record<SpanState, number>;
export const RUNNING = 0;
export const READY = 1;
export const BLOCKED = 2;
export const SLEEPING = 3;
export const COMPLETED = 4;
export const FAILED = 5;
export const CANCELLED = 6;

/** The colour of each state: the canvas and the page's legend (no per-task legend: a lane carries its task's name). */
export const STATE_COLOURS: readonly string[] = ['#3fb950', '#d29922', '#f0883e', '#58a6ff', '#8b949e', '#f85149', '#a371f7'];

/** Which state wins a pixel that several spans share (a short run beats a long sleep, a failure beats both). */
export const STATE_PRIORITY: readonly number[] = [6, 3, 4, 2, 0, 7, 1];

export function isTerminal(state: number): boolean {
  return state >= COMPLETED;
}

/** Flat columns of spans; a task's spans are contiguous, in time order, and never overlap. */
export interface SpanTable {
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly state: Uint8Array;
  /** running: the thread; ready: the worker whose queue holds it (-1: none). */
  readonly thread: Int32Array;
  /** index into `strings` (-1: none): the queue and why, what it waits on, the failure. */
  readonly detail: Int32Array;
  /** ready: the task that spawned or woke it (0: none). */
  readonly by: Int32Array;
}

export interface TaskInfo {
  readonly id: number;
  readonly name: string;
  /** The spawning task (0: none). */
  readonly parent: number;
  readonly spawnUs: number;
  /** Its spans: `spans[first .. first + count)`. */
  readonly first: number;
  readonly count: number;
}

export interface ThreadInfo {
  readonly id: number;
  readonly label: string;
  /** Its polls: `polls[first .. first + count)`, by start. */
  readonly first: number;
  readonly count: number;
}

export interface PollTable {
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly task: Int32Array;
}

export interface TimelineData {
  readonly nowUs: number;
  readonly tasks: readonly TaskInfo[];
  /** task id -> index in `tasks` */
  readonly index: ReadonlyMap<number, number>;
  readonly spans: SpanTable;
  readonly strings: readonly string[];
  readonly threads: readonly ThreadInfo[];
  readonly polls: PollTable;
  /** Every event the timeline holds (transitions and polls): what "100,000 events" counts. */
  readonly events: number;
  readonly truncated: boolean;
}

const QUEUE_WORDS: Readonly<Record<string, string>> = {
  lifo: 'LIFO slot', local: 'local queue', global: 'global queue', blocking: 'blocking pool queue',
  deferred: 'deferred yield', 'block-on': 'block_on thread',
};

/**
 * Turns the adapter's transitions into spans: a task is in the state of its last transition until the next one,
 * and the last one lasts until now. Nothing starts or ends past now; a poll of no statements is a span of no length.
 */
export function buildTimelineData(body: TimelineBody): TimelineData {
  const now = body.nowUs;
  const names = new Map(body.tasks.map(t => [t.id, t.name]));
  const threadNames = new Map(body.threads.map(t => [t.id, t.label]));
  const parents = new Map<number, number>();
  for (const s of body.spawns) parents.set(s.child, s.parent);
  // transitions by task, keeping their order
  const byTask = new Map<number, number[]>();
  body.transitions.forEach((t, i) => {
    let list = byTask.get(t.task);
    if (!list) byTask.set(t.task, (list = []));
    list.push(i);
  });
  const ids = new Set<number>([...body.tasks.map(t => t.id), ...byTask.keys()]);
  const order = [...ids].sort((a, b) => a - b);
  const n = body.transitions.length;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const state = new Uint8Array(n);
  const thread = new Int32Array(n);
  const detail = new Int32Array(n);
  const by = new Int32Array(n);
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const intern = (s: string | undefined) => {
    if (s === undefined || s === '') return -1;
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    return i;
  };
  const tasks: TaskInfo[] = [];
  const index = new Map<number, number>();
  let k = 0;
  for (const id of order) {
    const list = byTask.get(id) ?? [];
    const first = k;
    // the adapter sends each task's transitions in time order; a recording from elsewhere is made so
    const at = new Float64Array(list.length);
    let max = 0;
    for (let j = 0; j < list.length; j++) {
      max = Math.min(Math.max(max, body.transitions[list[j]!]!.atUs), now);
      at[j] = max;
    }
    for (let j = 0; j < list.length; j++) {
      const t = body.transitions[list[j]!]!;
      const from = at[j]!;
      const to = j + 1 < list.length ? at[j + 1]! : now;
      start[k] = from;
      end[k] = Math.max(from, to);
      state[k] = STATE_INDEX[t.state];
      thread[k] = t.thread;
      let words = t.detail;
      if (t.state === 'ready' && t.queue) words = `${QUEUE_WORDS[t.queue]}${t.thread >= 0 ? ` of ${threadNames.get(t.thread) ?? `thread ${t.thread}`}` : ''}${t.detail ? `, ${t.detail}` : ''}`;
      detail[k] = intern(words);
      by[k] = t.by ?? 0;
      k++;
    }
    index.set(id, tasks.length);
    tasks.push({ id, name: names.get(id) ?? '?', parent: parents.get(id) ?? 0, spawnUs: k > first ? start[first]! : 0, first, count: k - first });
  }
  const spans: SpanTable = {
    start: start.subarray(0, k), end: end.subarray(0, k), state: state.subarray(0, k), thread: thread.subarray(0, k),
    detail: detail.subarray(0, k), by: by.subarray(0, k),
  };
  // polls by thread, by start, clipped to now
  const pollsBy = new Map<number, number[]>();
  body.polls.forEach((p, i) => {
    let list = pollsBy.get(p.thread);
    if (!list) pollsBy.set(p.thread, (list = []));
    list.push(i);
  });
  const m = body.polls.length;
  const pStart = new Float64Array(m);
  const pEnd = new Float64Array(m);
  const pTask = new Int32Array(m);
  const threads: ThreadInfo[] = [];
  let q = 0;
  for (const th of body.threads) {
    const list = (pollsBy.get(th.id) ?? []).sort((a, b) => body.polls[a]!.startUs - body.polls[b]!.startUs);
    const first = q;
    for (const i of list) {
      const p = body.polls[i]!;
      if (p.startUs > now) continue;
      pStart[q] = p.startUs;
      pEnd[q] = Math.min(Math.max(p.startUs, p.endUs), now);
      pTask[q] = p.task;
      q++;
    }
    threads.push({ id: th.id, label: th.label, first, count: q - first });
  }
  return {
    nowUs: now, tasks, index, spans, strings, threads,
    polls: { start: pStart.subarray(0, q), end: pEnd.subarray(0, q), task: pTask.subarray(0, q) },
    events: n + m, truncated: body.truncated,
  };
}

/** The first of `count` spans from `first` that ends after `t` (binary search on the ends, which rise). */
export function firstEndingAfter(ends: Float64Array, first: number, count: number, t: number): number {
  let lo = first;
  let hi = first + count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The span of a task at time `t` (its index), or -1. */
export function spanAt(data: TimelineData, taskIndex: number, t: number): number {
  const info = data.tasks[taskIndex];
  if (!info) return -1;
  const i = firstEndingAfter(data.spans.end, info.first, info.count, t);
  if (i >= info.first + info.count) return -1;
  return data.spans.start[i]! <= t ? i : -1;
}

/** Time each task spent per state (µs), tokio-console's busy / scheduled / idle. */
export function timeInStates(data: TimelineData, taskIndex: number): number[] {
  const out = SPAN_STATES.map(() => 0);
  const info = data.tasks[taskIndex];
  if (!info) return out;
  for (let i = info.first; i < info.first + info.count; i++) out[data.spans.state[i]!]! += data.spans.end[i]! - data.spans.start[i]!;
  return out;
}
