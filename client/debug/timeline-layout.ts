// The timeline's layout, without a DOM: lanes (spawn tree or workers), the visible window, axis ticks, and the runs
// of pixels each visible lane draws, merged so a lane never draws more rectangles than it has pixels.
import { formatUs } from '../../debug/format.js';
import {
  READY, RUNNING, SPAN_STATES, STATE_PRIORITY, firstEndingAfter, isTerminal, type TimelineData,
} from './timeline-spans.js';

export type LaneMode = 'tasks' | 'workers';

export interface LaneNode {
  readonly key: string;
  readonly kind: 'task' | 'group' | 'thread';
  readonly label: string;
  /** task lanes: the index in data.tasks; thread lanes: the index in data.threads. */
  readonly index: number;
  /** group lanes: the task indices it sums up. */
  readonly members: readonly number[];
  readonly children: readonly LaneNode[];
  /** Shown folded unless the user unfolded it (groups are; tasks are not). */
  readonly foldedByDefault: boolean;
}

export interface Lane {
  readonly node: LaneNode;
  readonly depth: number;
  readonly folded: boolean;
}

/** Siblings sharing a name are summed up in one lane (unfoldable) from this many on. */
export const GROUP_MIN = 6;

/**
 * Lanes per task, nested by spawn tree: a task's children follow it, in spawn order. Children with the same name,
 * GROUP_MIN or more of them, are one group lane ("job ×64") that sums their states up; unfolding it shows each.
 */
export function taskLanes(data: TimelineData): LaneNode[] {
  const kids = new Map<number, number[]>();
  const roots: number[] = [];
  data.tasks.forEach((t, i) => {
    const p = t.parent > 0 ? data.index.get(t.parent) : undefined;
    if (p === undefined) roots.push(i);
    else {
      let list = kids.get(p);
      if (!list) kids.set(p, (list = []));
      list.push(i);
    }
  });
  const taskNode = (i: number): LaneNode => {
    const t = data.tasks[i]!;
    return { key: `t${t.id}`, kind: 'task', label: `#${t.id} ${t.name}`, index: i, members: [i], children: siblings(kids.get(i) ?? [], `t${t.id}`), foldedByDefault: false };
  };
  const siblings = (list: readonly number[], parentKey: string): LaneNode[] => {
    const byName = new Map<string, number[]>();
    for (const i of list) {
      const name = data.tasks[i]!.name;
      let g = byName.get(name);
      if (!g) byName.set(name, (g = []));
      g.push(i);
    }
    const out: LaneNode[] = [];
    const done = new Set<string>();
    for (const i of list) {
      const name = data.tasks[i]!.name;
      const g = byName.get(name)!;
      if (g.length < GROUP_MIN) {
        out.push(taskNode(i));
        continue;
      }
      if (done.has(name)) continue;
      done.add(name);
      out.push({ key: `${parentKey}/g:${name}`, kind: 'group', label: `${name} ×${g.length}`, index: -1, members: g, children: g.map(taskNode), foldedByDefault: true });
    }
    return out;
  };
  return siblings(roots, '');
}

/** One lane per worker and blocking thread: each poll drawn as running, named by its task. */
export function threadLanes(data: TimelineData): LaneNode[] {
  return data.threads.map((t, i) => ({ key: `th${t.id}`, kind: 'thread', label: t.label, index: i, members: [], children: [], foldedByDefault: false }));
}

/** The lanes shown, depth first; `toggled` holds the keys folded or unfolded against their default. */
export function flattenLanes(roots: readonly LaneNode[], toggled: ReadonlySet<string>): Lane[] {
  const out: Lane[] = [];
  const walk = (nodes: readonly LaneNode[], depth: number) => {
    for (const node of nodes) {
      const folded = node.children.length > 0 && node.foldedByDefault !== toggled.has(node.key);
      out.push({ node, depth, folded });
      if (!folded) walk(node.children, depth + 1);
    }
  };
  walk(roots, 0);
  return out;
}

/**
 * Which lanes a first look unfolds: groups, nearest the root first, while the lanes shown stay within `budget`
 * (a thousand tasks open as a screenful: each batch, with its leaves summed up in one lane).
 */
export function defaultToggles(roots: readonly LaneNode[], budget = 40): Set<string> {
  const toggled = new Set<string>();
  let shown = flattenLanes(roots, toggled).length;
  let level: readonly LaneNode[] = roots;
  while (level.length > 0) {
    const next: LaneNode[] = [];
    for (const n of level) {
      const folded = n.children.length > 0 && n.foldedByDefault !== toggled.has(n.key);
      if (folded) {
        const more = flattenLanes(n.children, toggled).length;
        if (shown + more <= budget) {
          toggled.add(n.key);
          shown += more;
        } else if (shown + n.children.length <= budget) {
          // each member on a lane of its own, its children folded under it
          toggled.add(n.key);
          for (const c of n.children) if (c.children.length > 0 && !c.foldedByDefault) toggled.add(c.key);
          shown += n.children.length;
          continue;
        } else continue;
      }
      next.push(...n.children);
    }
    level = next;
  }
  return toggled;
}

/** The lane that shows a task: its own, else the lane of the nearest folded group or ancestor that holds it (-1: none). */
export function laneOfTask(lanes: readonly Lane[], data: TimelineData, task: number): number {
  const laneOf = new Map<number, number>();
  lanes.forEach((l, i) => {
    if (l.node.kind === 'task') laneOf.set(l.node.index, i);
    else if (l.node.kind === 'group') for (const m of l.node.members) if (!laneOf.has(m)) laneOf.set(m, i);
  });
  for (let i = data.index.get(task), guard = 0; i !== undefined && guard < 10_000; guard++) {
    const l = laneOf.get(i);
    if (l !== undefined) return l;
    const parent = data.tasks[i]!.parent;
    i = parent > 0 ? data.index.get(parent) : undefined;
  }
  return -1;
}

/** `toggled` changed so that every lane above a task is unfolded: the task gets a lane of its own. */
export function unfoldTo(roots: readonly LaneNode[], data: TimelineData, task: number, toggled: ReadonlySet<string>): Set<string> {
  const out = new Set(toggled);
  const i = data.index.get(task);
  if (i === undefined) return out;
  const path: LaneNode[] = [];
  const find = (nodes: readonly LaneNode[]): boolean => {
    for (const n of nodes) {
      path.push(n);
      if (n.kind === 'task' && n.index === i) return true;
      if (find(n.children)) return true;
      path.pop();
    }
    return false;
  };
  if (!find(roots)) return out;
  for (const n of path.slice(0, -1)) {
    if (n.foldedByDefault) out.add(n.key);
    else out.delete(n.key);
  }
  return out;
}

// ------------------------------------------------------------------ the visible window of time

export interface Window {
  readonly t0: number;
  readonly t1: number;
}

/** The whole run, from 0 to now (a little room on the right for the now line). */
export function fitWindow(nowUs: number): Window {
  const span = Math.max(nowUs, 10);
  return { t0: 0, t1: span * 1.02 };
}

/** Zooms by `factor` (<1: in) around time `at`; never narrower than 1 µs for 100 px, never wider than 4 runs. */
export function zoom(w: Window, factor: number, at: number, nowUs: number): Window {
  const width = w.t1 - w.t0;
  const next = Math.min(Math.max(width * factor, 0.5), Math.max(nowUs, 10) * 4);
  const f = (at - w.t0) / width;
  return clampWindow({ t0: at - f * next, t1: at - f * next + next }, nowUs);
}

export function pan(w: Window, dt: number, nowUs: number): Window {
  return clampWindow({ t0: w.t0 + dt, t1: w.t1 + dt }, nowUs);
}

/** Keeps some of the run in view: the window may start before 0 or end past now by at most half its width. */
export function clampWindow(w: Window, nowUs: number): Window {
  const width = w.t1 - w.t0;
  let t0 = Math.max(w.t0, -width / 2);
  t0 = Math.min(t0, Math.max(nowUs, 10) - width / 2);
  return { t0, t1: t0 + width };
}

/**
 * A new stop moved now from `before` to `after`: a window that showed the old now moves so the new now sits where
 * the old one did (it follows the program); a window on the past stays.
 */
export function follow(w: Window, before: number, after: number): Window {
  if (before < w.t0 || before > w.t1) return w.t1 < after ? w : fitWindow(after);
  const width = w.t1 - w.t0;
  if (after < w.t0) return { t0: Math.max(0, after - width * 0.9), t1: Math.max(0, after - width * 0.9) + width };
  return { t0: w.t0 + (after - before), t1: w.t1 + (after - before) };
}

// ------------------------------------------------------------------ the axis

export interface Tick {
  readonly us: number;
  readonly x: number;
  readonly label: string;
}

/** Ticks at 1, 2 or 5 times a power of ten (µs), at least `minPx` apart, labelled in the unit that suits the step. */
export function ticks(w: Window, widthPx: number, minPx = 90): Tick[] {
  const perPx = (w.t1 - w.t0) / Math.max(1, widthPx);
  const raw = perPx * minPx;
  const pow = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-3))));
  const step = [1, 2, 5, 10].map(m => m * pow).find(s => s >= raw) ?? 10 * pow;
  const out: Tick[] = [];
  const first = Math.ceil(Math.max(w.t0, 0) / step) * step;
  for (let us = first; us <= w.t1 && out.length < 1000; us += step) {
    out.push({ us, x: ((us - w.t0) / (w.t1 - w.t0)) * widthPx, label: tickLabel(us, step, w.t1) });
  }
  return out;
}

/** A time on the axis in the unit of the window's end (µs, ms or s), with as many decimals as the step needs. */
export function tickLabel(us: number, step: number, endUs: number): string {
  const unit = endUs >= 1_000_000 ? 's' : endUs >= 1000 ? 'ms' : 'µs';
  const scale = unit === 's' ? 1_000_000 : unit === 'ms' ? 1000 : 1;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / scale) - 1e-9));
  const value = us / scale;
  return `${value.toFixed(Math.min(decimals, 3))} ${unit}`;
}

// ------------------------------------------------------------------ what a lane draws

/** A run of pixels drawn in one state: [x0, x1) in px from the plot's left edge. */
export interface Run {
  readonly x0: number;
  readonly x1: number;
  readonly state: number;
  /** The span (task lanes) or poll (thread lanes) it starts with, for hit tests and labels. */
  readonly item: number;
}

/**
 * The runs a task lane draws in the window: spans visited from the first that ends inside it (binary search),
 * clipped to now, and spans thinner than a pixel merged into the pixel they share (the state of highest
 * priority wins). Finished tasks draw no span after their end.
 */
export function taskRuns(data: TimelineData, taskIndex: number, w: Window, widthPx: number): Run[] {
  const info = data.tasks[taskIndex];
  if (!info) return [];
  const { start, end, state } = data.spans;
  const k = widthPx / (w.t1 - w.t0);
  const out: Run[] = [];
  const limit = Math.min(w.t1, data.nowUs);
  for (let i = firstEndingAfter(end, info.first, info.count, w.t0); i < info.first + info.count; i++) {
    const s = start[i]!;
    if (s > limit) break;
    const st = state[i]!;
    const x0 = (Math.max(s, w.t0) - w.t0) * k;
    // the end (completed, failed, cancelled) is a mark 3 px wide where the task ended, then the lane is empty
    const x1 = isTerminal(st) ? x0 + 3 : (Math.min(end[i]!, limit) - w.t0) * k;
    push(out, x0, x1, st, i);
    if (isTerminal(st)) break;
  }
  return out;
}

/** The runs of a thread lane: its polls (running), merged per pixel likewise. */
export function threadRuns(data: TimelineData, threadIndex: number, w: Window, widthPx: number): Run[] {
  const info = data.threads[threadIndex];
  if (!info) return [];
  const { start, end } = data.polls;
  const k = widthPx / (w.t1 - w.t0);
  const out: Run[] = [];
  const limit = Math.min(w.t1, data.nowUs);
  // polls of a thread do not overlap, so their ends rise with their starts
  for (let i = firstEndingAfter(end, info.first, info.count, w.t0); i < info.first + info.count; i++) {
    const s = start[i]!;
    if (s > limit) break;
    push(out, (Math.max(s, w.t0) - w.t0) * k, (Math.min(end[i]!, limit) - w.t0) * k, RUNNING, i);
  }
  return out;
}

/**
 * Appends a run. Runs come in time order, so a new one overlaps the last at most in the last one's final pixel
 * (rounding): that pixel goes to the state of higher priority, and a run of the same state next to it is extended.
 */
function push(out: Run[], x0: number, x1: number, state: number, item: number): void {
  let a = Math.floor(x0);
  const b = Math.max(a + 1, Math.round(x1));
  const last = out[out.length - 1];
  if (last && a < last.x1) {
    if (STATE_PRIORITY[state]! <= STATE_PRIORITY[last.state]!) {
      if (b <= last.x1) return;
      a = last.x1;
    } else {
      a = Math.max(last.x0, Math.min(a, last.x1 - 1));
      if (a <= last.x0) out.pop();
      else out[out.length - 1] = { ...last, x1: a };
    }
  }
  const prev = out[out.length - 1];
  if (prev && prev.state === state && prev.x1 === a) {
    out[out.length - 1] = { ...prev, x1: Math.max(prev.x1, b) };
    return;
  }
  out.push({ x0: a, x1: Math.max(a + 1, b), state, item });
}

/**
 * A group lane's picture: per pixel column, how many of its tasks are in each state (finished tasks are not
 * counted after their end). `counts[x * SPAN_STATES.length + state]`.
 */
export function groupColumns(data: TimelineData, members: readonly number[], w: Window, widthPx: number): Uint32Array {
  const n = SPAN_STATES.length;
  const cols = Math.max(1, Math.ceil(widthPx));
  const counts = new Uint32Array(cols * n);
  const k = widthPx / (w.t1 - w.t0);
  const limit = Math.min(w.t1, data.nowUs);
  const { start, end, state } = data.spans;
  for (const m of members) {
    const info = data.tasks[m];
    if (!info) continue;
    for (let i = firstEndingAfter(end, info.first, info.count, w.t0); i < info.first + info.count; i++) {
      const s = start[i]!;
      if (s > limit) break;
      const st = state[i]!;
      if (isTerminal(st)) break;
      const a = Math.max(0, Math.floor((Math.max(s, w.t0) - w.t0) * k));
      const b = Math.min(cols, Math.max(a + 1, Math.ceil((Math.min(end[i]!, limit) - w.t0) * k)));
      for (let x = a; x < b; x++) counts[x * n + st]!++;
    }
  }
  return counts;
}

// ------------------------------------------------------------------ arrows for the selected task

export interface Arrow {
  readonly kind: 'spawn' | 'wake';
  readonly from: number;
  readonly to: number;
  readonly atUs: number;
}

/** Spawn and wake arrows that touch one task: who spawned and woke it, and whom it spawned and woke. */
export function arrowsOf(data: TimelineData, task: number): Arrow[] {
  const out: Arrow[] = [];
  const { start, state, by, detail } = data.spans;
  data.tasks.forEach(t => {
    for (let i = t.first; i < t.first + t.count; i++) {
      if (state[i] !== READY) continue;
      const b = by[i]!;
      if (b <= 0 || b === t.id) continue;
      if (t.id !== task && b !== task) continue;
      // a ready span says why: spawned, woken by #n, or moved between queues (no arrow)
      const words = detail[i]! >= 0 ? data.strings[detail[i]!]! : '';
      const kind = words.endsWith('spawned') ? 'spawn' : words.includes('woken by') ? 'wake' : undefined;
      if (kind) out.push({ kind, from: b, to: t.id, atUs: start[i]! });
    }
  });
  return out;
}

/** The time of a pixel column, and back. */
export function timeAt(w: Window, widthPx: number, x: number): number {
  return w.t0 + (x / widthPx) * (w.t1 - w.t0);
}

export function xAt(w: Window, widthPx: number, us: number): number {
  return ((us - w.t0) / (w.t1 - w.t0)) * widthPx;
}

/** Words for a span: state, for how long, and its detail. */
export function describeSpan(data: TimelineData, i: number): string {
  const st = SPAN_STATES[data.spans.state[i]!]!;
  const d = data.spans.detail[i]!;
  const from = data.spans.start[i]!;
  const to = data.spans.end[i]!;
  const words = d >= 0 ? data.strings[d] : '';
  if (isTerminal(data.spans.state[i]!)) return `${st} at ${formatUs(from)}${words ? `: ${words}` : ''}`;
  return `${st} ${formatUs(to - from)} (${formatUs(from)} to ${formatUs(to)})${words ? `: ${words}` : ''}`;
}
