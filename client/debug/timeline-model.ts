// Draws the timeline as SVG text: one lane per worker, each poll a bar over virtual time, spawn arrows, long idle gaps folded.
import type { TimelineBody, TimelinePoll } from '../../debug/protocol.js';
import { formatUs } from './labels.js';

export interface TimelineLayoutOptions {
  /** The width to fit (px); the picture grows past it (and scrolls) when polls would get thinner than 2 px. */
  readonly width?: number;
  /** The task to highlight. */
  readonly focusTask?: number;
}

export const GUTTER_PX = 116;
export const LANE_PX = 42;
/** Room above the bars in each lane, where same-lane spawn arrows arc. */
export const ARC_PX = 13;
export const BAR_PX = 22;
export const AXIS_PX = 30;
/** An idle stretch wider than this is folded to this width and labelled with its length. */
export const FOLD_PX = 34;
export const MIN_POLL_PX = 3;
/** The poll running at the stop is drawn at least this wide, past the `now` line. */
export const OPEN_POLL_PX = 9;

export interface TimeSegment {
  readonly fromUs: number;
  readonly toUs: number;
  readonly x: number;
  readonly width: number;
  /** An idle stretch shown shorter than its length. */
  readonly folded: boolean;
}

export interface TimelinePicture {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
  readonly segments: readonly TimeSegment[];
  /** Drawn bars and arrows, in drawing order (what the webview's DOM shows). */
  readonly bars: readonly { readonly task: number; readonly thread: number; readonly x: number; readonly width: number; readonly lane: number }[];
  readonly arrows: readonly { readonly parent: number; readonly child: number; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number }[];
}

/** A stable, well-spread hue per task id (golden-angle steps). */
export function taskHue(task: number): number {
  return Math.round((task * 137.508) % 360);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Time runs left to right piecewise: stretches where some thread is busy are linear (one scale for all of
 * them), idle stretches are linear too until they would be wider than FOLD_PX, and are folded to it past that.
 */
export function timeSegments(polls: readonly TimelinePoll[], extraTimes: readonly number[], nowUs: number, availablePx: number): TimeSegment[] {
  const times = new Set<number>([0, nowUs, ...extraTimes]);
  for (const p of polls) {
    times.add(p.startUs);
    times.add(Math.max(p.startUs, p.endUs));
  }
  const sorted = [...times].filter(t => t >= 0 && Number.isFinite(t)).sort((a, b) => a - b);
  // busy[i]: some poll covers (sorted[i], sorted[i+1])
  const spans = sorted.slice(0, -1).map((from, i) => ({ from, to: sorted[i + 1]!, busy: false }));
  const starts = sorted.map(t => t);
  for (const p of polls) {
    const end = Math.max(p.startUs, p.endUs);
    if (end === p.startUs) continue;
    let i = lowerBound(starts, p.startUs);
    while (i < spans.length && spans[i]!.from < end) spans[i++]!.busy = true;
  }
  const busyUs = spans.reduce((s, x) => s + (x.busy ? x.to - x.from : 0), 0);
  const idle = spans.filter(x => !x.busy).map(x => x.to - x.from);
  // Fixed point for the scale k (px per µs): busy time takes whatever the folded idle stretches leave.
  let k = availablePx / Math.max(1, busyUs + idle.reduce((a, b) => a + b, 0));
  for (let iter = 0; iter < 8; iter++) {
    const idlePx = idle.reduce((s, d) => s + Math.min(d * k, FOLD_PX), 0);
    const next = busyUs > 0 ? Math.max(availablePx - idlePx, availablePx * 0.3) / busyUs : k;
    if (Math.abs(next - k) < 1e-9) break;
    k = next;
  }
  const segments: TimeSegment[] = [];
  let x = 0;
  for (const s of spans) {
    const d = s.to - s.from;
    let width = d * k;
    let folded = false;
    if (!s.busy && width > FOLD_PX) {
      width = FOLD_PX;
      folded = true;
    }
    segments.push({ fromUs: s.from, toUs: s.to, x, width, folded });
    x += width;
  }
  return segments;
}

function lowerBound(xs: readonly number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The x of a virtual time on the piecewise axis (relative to the plot's left edge). */
export function xOf(segments: readonly TimeSegment[], us: number): number {
  if (segments.length === 0) return 0;
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid]!.fromUs <= us) lo = mid;
    else hi = mid - 1;
  }
  const s = segments[lo]!;
  if (us <= s.fromUs) return s.x;
  if (us >= s.toUs) return s.x + s.width;
  return s.x + ((us - s.fromUs) / (s.toUs - s.fromUs)) * s.width;
}

export function renderTimeline(data: TimelineBody, options: TimelineLayoutOptions = {}): TimelinePicture {
  const available = Math.max(200, (options.width ?? 900) - GUTTER_PX - 16);
  const names = new Map(data.tasks.map(t => [t.id, t.name]));
  const laneOf = new Map(data.threads.map((t, i) => [t.id, i]));
  const polls = data.polls.filter(p => laneOf.has(p.thread));
  const segments = timeSegments(polls, data.spawns.map(s => s.atUs), data.nowUs, available);
  const plotWidth = segments.length > 0 ? segments[segments.length - 1]!.x + segments[segments.length - 1]!.width : available;
  const width = Math.ceil(GUTTER_PX + plotWidth + 16);
  const height = AXIS_PX + data.threads.length * LANE_PX + 12;
  const X = (us: number) => GUTTER_PX + xOf(segments, us);
  const laneY = (lane: number) => AXIS_PX + lane * LANE_PX;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="aria-timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Aria task timeline">`);
  out.push('<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="arrow-head"/></marker></defs>');
  // lanes
  data.threads.forEach((t, i) => {
    out.push(`<g class="lane" data-thread="${t.id}">`);
    out.push(`<rect class="lane-bg${i % 2 ? ' odd' : ''}" x="0" y="${laneY(i)}" width="${width}" height="${LANE_PX}"/>`);
    out.push(`<text class="lane-label" x="8" y="${laneY(i) + ARC_PX + BAR_PX / 2 + 4}">${escapeXml(t.label)}</text>`);
    out.push('</g>');
  });
  // folded idle stretches and axis ticks
  let lastTickX = -Infinity;
  for (const s of segments) {
    const x = GUTTER_PX + s.x;
    if (s.folded) {
      out.push(`<g class="fold"><rect class="fold-bg" x="${f(x)}" y="${AXIS_PX}" width="${f(s.width)}" height="${data.threads.length * LANE_PX}"/>`);
      out.push(`<text class="fold-label" x="${f(x + s.width / 2)}" y="${AXIS_PX - 4}" text-anchor="middle">+${escapeXml(formatUs(s.toUs - s.fromUs))}</text></g>`);
    }
    if (x - lastTickX >= 64 && !s.folded) {
      out.push(`<g class="tick"><line x1="${f(x)}" y1="${AXIS_PX - 14}" x2="${f(x)}" y2="${height - 8}"/><text x="${f(x + 2)}" y="${AXIS_PX - 17}">${escapeXml(formatUs(s.fromUs))}</text></g>`);
      lastTickX = x;
    }
  }
  // polls
  const bars: { task: number; thread: number; x: number; width: number; lane: number }[] = [];
  const firstPoll = new Map<number, TimelinePoll>();
  for (const p of polls) {
    if (!firstPoll.has(p.task)) firstPoll.set(p.task, p);
    const lane = laneOf.get(p.thread)!;
    const x1 = X(p.startUs);
    const w = Math.max(p.outcome === 'open' ? OPEN_POLL_PX : MIN_POLL_PX, X(Math.max(p.startUs, p.endUs)) - x1);
    const y = laneY(lane) + ARC_PX;
    const hue = taskHue(p.task);
    const name = names.get(p.task) ?? '';
    const cls = ['poll', `outcome-${p.outcome}`, options.focusTask === p.task ? 'focus' : ''].filter(Boolean).join(' ');
    const title = `#${p.task} ${name}: ${formatUs(p.startUs)} to ${formatUs(p.endUs)}, ${p.outcome}`;
    out.push(`<g class="${cls}" data-task="${p.task}"><title>${escapeXml(title)}</title>`);
    out.push(`<rect x="${f(x1)}" y="${y}" width="${f(w)}" height="${BAR_PX}" rx="3" fill="hsl(${hue},60%,52%)"/>`);
    if (w >= 24) out.push(`<text class="poll-label" x="${f(x1 + 4)}" y="${y + 15}">${escapeXml(w >= 70 && name ? `#${p.task} ${name}` : `#${p.task}`)}</text>`);
    out.push('</g>');
    bars.push({ task: p.task, thread: p.thread, x: x1, width: w, lane });
  }
  // spawn arrows: from the parent's lane at the spawn to the child's first poll
  const arrows: { parent: number; child: number; x1: number; y1: number; x2: number; y2: number }[] = [];
  for (const s of data.spawns) {
    const target = firstPoll.get(s.child);
    const fromLane = laneOf.get(s.thread);
    if (!target || fromLane === undefined) continue;
    const toLane = laneOf.get(target.thread)!;
    const x1 = X(s.atUs);
    const x2 = X(target.startUs);
    const barTop = (lane: number) => laneY(lane) + ARC_PX;
    let d: string;
    let y1: number;
    let y2: number;
    if (toLane === fromLane) {
      // same worker: an arc over the bars, from the spawn point to where the child first runs
      y1 = barTop(fromLane);
      y2 = barTop(toLane);
      const lift = y1 - ARC_PX + 2;
      d = `M${f(x1)},${f(y1)} C${f(x1)},${f(lift)} ${f(x2)},${f(lift)} ${f(x2)},${f(y2)}`;
    } else {
      // another worker: an S-curve from the middle of the parent's bar to the top or bottom of the child's
      y1 = barTop(fromLane) + BAR_PX / 2;
      y2 = toLane > fromLane ? barTop(toLane) : barTop(toLane) + BAR_PX;
      const mx = (x1 + x2) / 2;
      d = `M${f(x1)},${f(y1)} C${f(mx)},${f(y1)} ${f(mx)},${f(y2)} ${f(x2)},${f(y2)}`;
    }
    out.push(`<circle class="spawn-dot" cx="${f(x1)}" cy="${f(y1)}" r="2.5"/>`);
    out.push(`<path class="spawn" data-parent="${s.parent}" data-child="${s.child}" d="${d}" marker-end="url(#arrow)"><title>#${s.parent} spawned #${s.child} at ${escapeXml(formatUs(s.atUs))}</title></path>`);
    arrows.push({ parent: s.parent, child: s.child, x1, y1, x2, y2 });
  }
  const nowX = X(data.nowUs);
  out.push(`<line class="now" x1="${f(nowX)}" y1="${AXIS_PX - 6}" x2="${f(nowX)}" y2="${height - 6}"><title>now: ${escapeXml(formatUs(data.nowUs))}</title></line>`);
  out.push('</svg>');
  return { svg: out.join(''), width, height, segments, bars, arrows };
}

function f(x: number): string {
  return String(Math.round(x * 10) / 10);
}
