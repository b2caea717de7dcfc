/// <reference lib="dom" />
// The timeline webview's script (bundled for the browser as dist/timeline.js): draws lanes and state spans on a canvas,
// only what is in view, and handles zoom, pan, folding, selection and export. The layout is timeline-layout.ts.
import type { TimelineBody } from '../../debug/protocol.js';
import { formatUs } from '../../debug/format.js';
import {
  arrowsOf, clampWindow, defaultToggles, describeSpan, fitWindow, flattenLanes, follow, groupColumns, laneOfTask, pan, taskLanes, taskRuns, threadLanes, threadRuns,
  ticks, timeAt, unfoldTo, xAt, zoom, type Lane, type LaneMode, type LaneNode, type Window,
} from './timeline-layout.js';
import { SPAN_STATES, STATE_COLOURS, buildTimelineData, spanAt, type TimelineData } from './timeline-spans.js';
import type { ExtensionToWebview } from './timeline-messages.js';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

const vscode = acquireVsCodeApi();
const LANE = 18;
const AXIS = 26;
/** The label column: 230 px, less in a narrow panel. */
let GUTTER = 230;

const canvas = document.getElementById('plot') as HTMLCanvasElement;
const tip = document.getElementById('tip') as HTMLDivElement;
const header = document.getElementById('header') as HTMLDivElement;
const ctx = canvas.getContext('2d')!;

let body: TimelineBody | undefined;
let data: TimelineData | undefined;
let mode: LaneMode = 'tasks';
let roots: LaneNode[] = [];
let toggled = new Set<string>();
let lanes: Lane[] = [];
let win: Window = { t0: 0, t1: 1 };
let scrollY = 0;
let selected = 0;
/** The session whose recording is shown: another session's first stop shows its whole run. */
let session: string | undefined;

function plotWidth(): number {
  return Math.max(50, canvas.clientWidth - GUTTER);
}

function rebuildLanes(fresh = false): void {
  if (!data) return;
  roots = mode === 'tasks' ? taskLanes(data) : threadLanes(data);
  if (fresh) toggled = defaultToggles(roots, Math.max(12, Math.floor((canvas.clientHeight - AXIS) / LANE) - 2));
  lanes = flattenLanes(roots, toggled);
}

function relayout(): void {
  if (!data) return;
  lanes = flattenLanes(roots, toggled);
  scrollY = Math.max(0, Math.min(scrollY, lanes.length * LANE - (canvas.clientHeight - AXIS) + LANE));
}

function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function draw(): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  GUTTER = Math.round(Math.max(120, Math.min(230, w * 0.28)));
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const fg = css('--vscode-foreground', '#ccc');
  const dim = css('--vscode-descriptionForeground', '#999');
  const bg = css('--vscode-editor-background', '#1e1e1e');
  const stripe = css('--vscode-list-hoverBackground', 'rgba(128,128,128,0.08)');
  const select = css('--vscode-list-activeSelectionBackground', 'rgba(0,120,215,0.35)');
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, w, h);
  const stats = { lanes: lanes.length, visible: 0, runs: 0, states: {} as Record<string, number>, pastNow: 0, labels: [] as string[] };
  if (!data) {
    publish(stats);
    return;
  }
  const pw = plotWidth();
  const nowX = GUTTER + xAt(win, pw, data.nowUs);
  // axis
  ctx.font = '11px var(--vscode-font-family, sans-serif)';
  ctx.textBaseline = 'middle';
  for (const t of ticks(win, pw)) {
    const x = GUTTER + t.x;
    ctx.fillStyle = 'rgba(128,128,128,0.25)';
    ctx.fillRect(Math.round(x), AXIS - 6, 1, h - AXIS + 6);
    ctx.fillStyle = dim;
    ctx.fillText(t.label, x + 3, AXIS / 2);
  }
  // lanes in view
  const first = Math.max(0, Math.floor(scrollY / LANE));
  const last = Math.min(lanes.length, Math.ceil((scrollY + h - AXIS) / LANE));
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, AXIS, w, h - AXIS);
  ctx.clip();
  for (let l = first; l < last; l++) {
    const lane = lanes[l]!;
    const y = AXIS + l * LANE - scrollY;
    const isSelected = laneShowsTask(lane, selected);
    if (isSelected) {
      ctx.fillStyle = select;
      ctx.fillRect(0, y, w, LANE);
    } else if (l % 2) {
      ctx.fillStyle = stripe;
      ctx.fillRect(0, y, w, LANE);
    }
    stats.visible++;
    drawLane(lane, y, pw, stats);
    // the label: folded/unfolded marker, indentation by depth, name
    ctx.fillStyle = fg;
    const indent = 6 + lane.depth * 12;
    const marker = lane.node.children.length > 0 ? (lane.folded ? '▸ ' : '▾ ') : '  ';
    const label = marker + lane.node.label;
    ctx.fillText(clip(label, GUTTER - indent - 6), indent, y + LANE / 2);
    if (stats.labels.length < 40) stats.labels.push(lane.node.label);
  }
  // the future is not drawn: shade it
  if (nowX < w) {
    ctx.fillStyle = 'rgba(128,128,128,0.12)';
    ctx.fillRect(Math.max(GUTTER, nowX), AXIS, w - Math.max(GUTTER, nowX), h - AXIS);
  }
  drawArrows(pw, first, last, fg);
  ctx.restore();
  // gutter edge and now
  ctx.fillStyle = 'rgba(128,128,128,0.4)';
  ctx.fillRect(GUTTER - 1, 0, 1, h);
  if (nowX >= GUTTER && nowX <= w) {
    ctx.fillStyle = css('--vscode-debugIcon-breakpointForeground', '#e51400');
    ctx.fillRect(Math.round(nowX), 4, 2, h - 4);
    ctx.fillText('now', Math.round(nowX) + 4, 8);
  }
  publish(stats);
}

function laneShowsTask(lane: Lane, task: number): boolean {
  if (!data || task <= 0) return false;
  const i = data.index.get(task);
  return lane.node.kind === 'task' && lane.node.index === i;
}

function drawLane(lane: Lane, y: number, pw: number, stats: { runs: number; states: Record<string, number>; pastNow: number }): void {
  if (!data) return;
  const nowX = xAt(win, pw, data.nowUs);
  const node = lane.node;
  if (node.kind === 'group') {
    drawGroup(node, y, pw, stats);
    return;
  }
  const runs = node.kind === 'task' ? taskRuns(data, node.index, win, pw) : threadRuns(data, node.index, win, pw);
  for (const r of runs) {
    if (r.x1 <= 0 || r.x0 >= pw) continue;
    const x0 = Math.max(0, r.x0);
    const x1 = Math.min(pw, r.x1);
    const terminal = r.state >= 4;
    let colour = STATE_COLOURS[r.state]!;
    if (node.kind === 'thread') {
      // a worker lane: each poll in the running colour, every other task a shade darker, the selected task outlined
      const task = data.polls.task[r.item]!;
      colour = task === selected ? '#ffffff' : task % 2 ? '#2ea043' : '#3fb950';
    }
    ctx.fillStyle = colour;
    const top = terminal ? y + 2 : y + 4;
    const height = terminal ? LANE - 4 : LANE - 8;
    ctx.fillRect(GUTTER + x0, top, Math.max(1, x1 - x0), height);
    stats.runs++;
    const name = SPAN_STATES[r.state]!;
    stats.states[name] = (stats.states[name] ?? 0) + 1;
    if (x0 > nowX + 4) stats.pastNow++;
  }
}

function drawGroup(node: LaneNode, y: number, pw: number, stats: { runs: number; states: Record<string, number>; pastNow: number }): void {
  if (!data) return;
  const n = SPAN_STATES.length;
  const cols = groupColumns(data, node.members, win, pw);
  const width = cols.length / n;
  const total = node.members.length;
  const inner = LANE - 4;
  // columns with the same counts are one rectangle per state
  let x = 0;
  while (x < width) {
    let end = x + 1;
    while (end < width && sameColumn(cols, x, end, n)) end++;
    let offset = 0;
    for (let s = 0; s < n; s++) {
      const c = cols[x * n + s]!;
      if (c === 0) continue;
      const hpx = Math.max(1, (c / total) * inner);
      ctx.fillStyle = STATE_COLOURS[s]!;
      ctx.fillRect(GUTTER + x, y + 2 + inner - offset - hpx, end - x, hpx);
      offset += hpx;
      stats.runs++;
      stats.states[SPAN_STATES[s]!] = (stats.states[SPAN_STATES[s]!] ?? 0) + 1;
    }
    x = end;
  }
}

function sameColumn(cols: Uint32Array, a: number, b: number, n: number): boolean {
  for (let s = 0; s < n; s++) if (cols[a * n + s] !== cols[b * n + s]) return false;
  return true;
}

/** Spawn and wake arrows of the selected task only: from the lane of who spawned or woke, at that moment. */
function drawArrows(pw: number, first: number, last: number, colour: string): void {
  if (!data || selected <= 0 || mode !== 'tasks') return;
  const arrows = arrowsOf(data, selected);
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = 1.2;
  let drawn = 0;
  for (const a of arrows) {
    const from = laneOfTask(lanes, data, a.from);
    const to = laneOfTask(lanes, data, a.to);
    if (from < 0 || to < 0 || from === to) continue;
    if (Math.max(from, to) < first - 1 || Math.min(from, to) > last + 1) continue;
    const x = GUTTER + xAt(win, pw, a.atUs);
    if (x < GUTTER || x > GUTTER + pw) continue;
    const y1 = AXIS + from * LANE - scrollY + LANE / 2;
    const y2 = AXIS + to * LANE - scrollY + LANE / 2;
    const bend = Math.min(40, Math.abs(y2 - y1) / 2);
    ctx.setLineDash(a.kind === 'wake' ? [3, 3] : []);
    ctx.beginPath();
    ctx.moveTo(x, y1);
    ctx.bezierCurveTo(x + bend, y1, x + bend, y2, x + 2, y2);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x + 2, y2);
    ctx.lineTo(x + 8, y2 - 3);
    ctx.lineTo(x + 8, y2 + 3);
    ctx.fill();
    if (++drawn > 2000) break;
  }
  document.body.dataset['arrows'] = String(drawn);
}

function clip(text: string, px: number): string {
  if (ctx.measureText(text).width <= px) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= px) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** What was drawn, for the e2e test (it cannot read a canvas): lanes, runs by state, anything past now. */
function publish(stats: { lanes: number; visible?: number; runs: number; states: Record<string, number>; pastNow: number; labels?: string[] }): void {
  const d = document.body.dataset;
  d['mode'] = mode;
  d['lanes'] = String(stats.lanes);
  d['visibleLanes'] = String(stats.visible ?? 0);
  d['runs'] = String(stats.runs);
  d['states'] = JSON.stringify(stats.states);
  d['pastNow'] = String(stats.pastNow);
  d['labels'] = JSON.stringify(stats.labels ?? []);
  d['window'] = JSON.stringify([Math.round(win.t0), Math.round(win.t1)]);
  d['selected'] = String(selected);
  d['events'] = String(data?.events ?? 0);
  d['drawn'] = String(Number(d['drawn'] ?? 0) + 1);
}

let pending = false;
function redraw(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    draw();
  });
}

// ------------------------------------------------------------------ input

function laneAt(y: number): number {
  if (y < AXIS) return -1;
  const l = Math.floor((y - AXIS + scrollY) / LANE);
  return l >= 0 && l < lanes.length ? l : -1;
}

/** The task under a point (a span's task, a poll's task), or 0. */
function taskAt(x: number, y: number): number {
  if (!data) return 0;
  const l = laneAt(y);
  if (l < 0) return 0;
  const node = lanes[l]!.node;
  const t = timeAt(win, plotWidth(), x - GUTTER);
  if (node.kind === 'task') return x < GUTTER || spanAt(data, node.index, t) >= 0 ? data.tasks[node.index]!.id : 0;
  if (node.kind === 'thread') {
    const th = data.threads[node.index]!;
    for (let i = th.first; i < th.first + th.count; i++) if (data.polls.start[i]! <= t && data.polls.end[i]! >= t) return data.polls.task[i]!;
  }
  return 0;
}

function select(task: number, tell: boolean): void {
  selected = task;
  if (tell && task > 0) vscode.postMessage({ type: 'focus', task });
  redraw();
}

/** Shows a task's lane: unfolds what holds it and scrolls it into view. */
function reveal(task: number): void {
  if (!data || mode !== 'tasks') return;
  toggled = unfoldTo(roots, data, task, toggled);
  relayout();
  const l = laneOfTask(lanes, data, task);
  const viewH = canvas.clientHeight - AXIS;
  if (l >= 0 && (l * LANE < scrollY || (l + 1) * LANE > scrollY + viewH)) scrollY = Math.max(0, l * LANE - viewH / 2);
}

let drag: { x: number; y: number; win: Window; scrollY: number; moved: boolean } | undefined;

canvas.addEventListener('mousedown', e => {
  drag = { x: e.offsetX, y: e.offsetY, win, scrollY, moved: false };
});
window.addEventListener('mousemove', e => {
  if (drag && data) {
    const dx = e.offsetX - drag.x;
    const dy = e.offsetY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) {
      win = pan(drag.win, (-dx / plotWidth()) * (drag.win.t1 - drag.win.t0), data.nowUs);
      scrollY = Math.max(0, Math.min(drag.scrollY - dy, Math.max(0, lanes.length * LANE - LANE)));
      redraw();
    }
    return;
  }
  hover(e);
});
window.addEventListener('mouseup', e => {
  const d = drag;
  drag = undefined;
  if (!d || d.moved || !data || e.target !== canvas) return;
  const l = laneAt(e.offsetY);
  if (l < 0) return;
  const lane = lanes[l]!;
  if (e.offsetX < GUTTER && lane.node.children.length > 0) {
    // the label folds or unfolds the lane
    if (toggled.has(lane.node.key)) toggled.delete(lane.node.key);
    else toggled.add(lane.node.key);
    relayout();
    if (lane.node.kind === 'task') select(data.tasks[lane.node.index]!.id, true);
    redraw();
    return;
  }
  if (lane.node.kind === 'group') {
    toggled.add(lane.node.key);
    relayout();
    redraw();
    return;
  }
  const task = taskAt(e.offsetX, e.offsetY);
  if (task > 0) select(task, true);
});

canvas.addEventListener('wheel', e => {
  if (!data) return;
  e.preventDefault();
  const pw = plotWidth();
  if (e.ctrlKey || e.metaKey) {
    const at = timeAt(win, pw, Math.max(0, e.offsetX - GUTTER));
    win = zoom(win, Math.exp(e.deltaY * 0.002), at, data.nowUs);
  } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
    const d = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.deltaY;
    win = pan(win, (d / pw) * (win.t1 - win.t0), data.nowUs);
  } else {
    scrollY = Math.max(0, Math.min(scrollY + e.deltaY, Math.max(0, lanes.length * LANE - LANE)));
  }
  redraw();
}, { passive: false });

window.addEventListener('keydown', e => {
  if (!data || e.target instanceof HTMLInputElement) return;
  const width = win.t1 - win.t0;
  const centre = (win.t0 + win.t1) / 2;
  switch (e.key) {
    case 'w': case 'W': case '+': case '=': win = zoom(win, 0.7, centre, data.nowUs); break;
    case 's': case 'S': case '-': case '_': win = zoom(win, 1 / 0.7, centre, data.nowUs); break;
    case 'a': case 'A': case 'ArrowLeft': win = pan(win, -width * 0.15, data.nowUs); break;
    case 'd': case 'D': case 'ArrowRight': win = pan(win, width * 0.15, data.nowUs); break;
    case 'ArrowUp': scrollY = Math.max(0, scrollY - LANE * 3); break;
    case 'ArrowDown': scrollY = Math.min(Math.max(0, lanes.length * LANE - LANE), scrollY + LANE * 3); break;
    case 'PageUp': scrollY = Math.max(0, scrollY - (canvas.clientHeight - AXIS)); break;
    case 'PageDown': scrollY = Math.min(Math.max(0, lanes.length * LANE - LANE), scrollY + (canvas.clientHeight - AXIS)); break;
    case 'f': case 'F': case '0': win = fitWindow(data.nowUs); break;
    case 'End': win = clampWindow({ t0: data.nowUs - width * 0.9, t1: data.nowUs + width * 0.1 }, data.nowUs); break;
    case 'Home': win = clampWindow({ t0: 0, t1: width }, data.nowUs); break;
    case 't': case 'T': setMode(mode === 'tasks' ? 'workers' : 'tasks'); break;
    default: return;
  }
  e.preventDefault();
  redraw();
});

function hover(e: MouseEvent): void {
  if (!data || e.target !== canvas) {
    tip.style.display = 'none';
    return;
  }
  const l = laneAt(e.offsetY);
  if (l < 0) {
    tip.style.display = 'none';
    return;
  }
  const node = lanes[l]!.node;
  const t = timeAt(win, plotWidth(), e.offsetX - GUTTER);
  let text = node.label;
  if (e.offsetX >= GUTTER && node.kind === 'task') {
    const i = spanAt(data, node.index, t);
    if (i >= 0) text += `\n${describeSpan(data, i)}`;
  } else if (e.offsetX >= GUTTER && node.kind === 'thread') {
    const task = taskAt(e.offsetX, e.offsetY);
    if (task > 0) {
      const info = data.tasks[data.index.get(task) ?? -1];
      text += `\npolling #${task}${info ? ` ${info.name}` : ''}`;
    }
  } else if (node.kind === 'group') {
    text += `\n${node.members.length} tasks; click to show each`;
  }
  if (e.offsetX >= GUTTER) text += `\nat ${formatUs(Math.max(0, t))}`;
  tip.textContent = text;
  tip.style.display = 'block';
  tip.style.left = `${Math.min(e.clientX + 12, window.innerWidth - 320)}px`;
  tip.style.top = `${e.clientY + 14}px`;
}
canvas.addEventListener('mouseleave', () => {
  tip.style.display = 'none';
});

function setMode(next: LaneMode): void {
  mode = next;
  scrollY = 0;
  rebuildLanes(true);
  document.querySelectorAll<HTMLButtonElement>('[data-mode]').forEach(b => b.setAttribute('aria-pressed', String(b.dataset['mode'] === mode)));
  redraw();
}

document.querySelectorAll<HTMLButtonElement>('button[data-mode]').forEach(b => b.addEventListener('click', () => setMode(b.dataset['mode'] as LaneMode)));
document.getElementById('fit')?.addEventListener('click', () => {
  if (!data) return;
  win = fitWindow(data.nowUs);
  redraw();
});
document.getElementById('zoom-in')?.addEventListener('click', () => {
  if (!data) return;
  win = zoom(win, 0.5, (win.t0 + win.t1) / 2, data.nowUs);
  redraw();
});
document.getElementById('zoom-out')?.addEventListener('click', () => {
  if (!data) return;
  win = zoom(win, 2, (win.t0 + win.t1) / 2, data.nowUs);
  redraw();
});
document.getElementById('export')?.addEventListener('click', () => {
  if (!data) return;
  vscode.postMessage({ type: 'export', t0: Math.max(0, win.t0), t1: Math.min(win.t1, data.nowUs) });
});

window.addEventListener('message', e => {
  const m = e.data as ExtensionToWebview;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'data') {
    const before = data?.nowUs;
    body = m.body;
    header.textContent = m.header;
    if (!body) {
      data = undefined;
      lanes = [];
      redraw();
      return;
    }
    data = buildTimelineData(body);
    // the first picture of a session shows the whole run; while stepping, a window on now follows it
    const same = session === m.session && before !== undefined;
    if (!same) scrollY = 0;
    rebuildLanes(!same);
    win = same ? follow(win, before, data.nowUs) : fitWindow(data.nowUs);
    session = m.session;
    if (m.focusTask > 0) {
      selected = m.focusTask;
      reveal(m.focusTask);
    }
    redraw();
  } else if (m.type === 'select') {
    selected = m.task;
    setModeIfNeeded();
    reveal(m.task);
    redraw();
  }
});

function setModeIfNeeded(): void {
  if (mode !== 'tasks') setMode('tasks');
}

window.addEventListener('resize', () => redraw());
vscode.postMessage({ type: 'ready' });
