// The debugger timeline at scale: a run of about 17,000 tasks (over 100,000 recorded events), then what one frame of
// the webview computes (the runs of the lanes in view, the group summaries) at fit, zoomed in 10x and 1,000x, and
// while panning. A frame must stay well under 16 ms for the canvas to feel smooth. Run: npm run bench timeline.
import { performance } from 'node:perf_hooks';
import { TimelineRecorder, locateIn } from '../debug/runtime-state.js';
import { compileProgram, loadProgram, Machine } from '../runtime/index.js';
import {
  defaultToggles, fitWindow, flattenLanes, groupColumns, pan, taskLanes, taskRuns, threadLanes, threadRuns, zoom, type Lane, type LaneNode, type Window,
} from '../client/debug/timeline-layout.js';
import { buildTimelineData, type TimelineData } from '../client/debug/timeline-spans.js';
import { manyTasksProgram } from '../test/support/many-tasks.mjs';

const WIDTH = 1400;
const LANES_IN_VIEW = 45;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The lanes, every one unfolded (the worst case) or as first shown: computed when the data or the folding changes. */
function lanesOf(data: TimelineData, unfolded: boolean): Lane[] {
  const roots = taskLanes(data);
  if (!unfolded) return flattenLanes(roots, defaultToggles(roots, LANES_IN_VIEW));
  const toggled = new Set<string>();
  const all = (nodes: readonly LaneNode[]) => {
    for (const n of nodes) {
      if (n.foldedByDefault) toggled.add(n.key);
      all(n.children);
    }
  };
  all(roots);
  return flattenLanes(roots, toggled);
}

/** What the webview computes to draw one frame: the runs of the lanes in view (from `first`), the group summaries. */
function frame(data: TimelineData, lanes: readonly Lane[], w: Window, first = 0): number {
  let drawn = 0;
  for (const lane of lanes.slice(first, first + LANES_IN_VIEW)) {
    if (lane.node.kind === 'group') drawn += groupColumns(data, lane.node.members, w, WIDTH).length / 7;
    else drawn += taskRuns(data, lane.node.index, w, WIDTH).length;
  }
  return drawn;
}

const source = manyTasksProgram(17_000);
const { program: loaded, diagnostics } = await loadProgram(source, { path: 'bench.aria' });
if (diagnostics.some(d => d.severity === 'error')) throw new Error(diagnostics.map(d => d.message).join('\n'));
const program = await compileProgram(loaded);
const machine = new Machine(program, { write: () => {} }, { workers: 4, seed: 1 });
const recorder = new TimelineRecorder(undefined, 1, locateIn(machine));
recorder.onEvent({ kind: 'spawn', step: 0, us: 0, task: machine.state.mainTask, name: 'main', parent: 0, runtime: 0, blocking: false, site: '' });
machine.listener = recorder.onEvent;
let t = performance.now();
machine.run();
const runMs = performance.now() - t;
const s = machine.state;
const threads = s.threads.map(th => ({ id: th.id, runtime: th.runtime, kind: th.kind as 'worker' | 'blocking', label: `thread ${th.id}` }));
t = performance.now();
const body = recorder.body(s.us, threads, s.tasks.filter(x => !!x).map(x => ({ id: x!.id, name: x!.name, state: x!.state })));
const bodyMs = performance.now() - t;
t = performance.now();
const data = buildTimelineData(body);
const buildMs = performance.now() - t;
console.log(`recording: ${data.tasks.length.toLocaleString('en-US')} tasks, ${data.events.toLocaleString('en-US')} events (run with the recorder ${runMs.toFixed(0)} ms, body ${bodyMs.toFixed(1)} ms, spans ${buildMs.toFixed(1)} ms, JSON ${(JSON.stringify(body).length / 1e6).toFixed(1)} MB)`);
if (data.events < 100_000) throw new Error(`only ${data.events} events`);

const fit = fitWindow(data.nowUs);
t = performance.now();
const shown = lanesOf(data, false);
const lanesMs = performance.now() - t;
const everyLane = lanesOf(data, true);
console.log(`lanes: ${shown.length} as first shown (${lanesMs.toFixed(1)} ms to build), ${everyLane.length.toLocaleString('en-US')} with every group unfolded`);
for (const [label, w] of [['fit', fit], ['zoomed 10x', zoom(fit, 0.1, data.nowUs / 2, data.nowUs)], ['zoomed 1,000x', zoom(fit, 0.001, data.nowUs / 2, data.nowUs)]] as const) {
  for (const unfolded of [false, true]) {
    const times: number[] = [];
    let drawn = 0;
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      // unfolded: the lanes in view are somewhere in the middle of 17,000
      drawn = frame(data, unfolded ? everyLane : shown, w, unfolded ? Math.floor(everyLane.length / 2) : 0);
      times.push(performance.now() - t0);
    }
    console.log(`frame, ${label}, ${unfolded ? 'every lane unfolded' : 'as first shown'}: median ${median(times).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms (${drawn.toLocaleString('en-US')} rectangles or columns)`);
  }
}
// panning: 60 frames, each moved by 1% of the window, at 10x
let w = zoom(fit, 0.1, data.nowUs / 4, data.nowUs);
const pans: number[] = [];
for (let i = 0; i < 60; i++) {
  w = pan(w, (w.t1 - w.t0) * 0.01, data.nowUs);
  const t0 = performance.now();
  frame(data, shown, w);
  pans.push(performance.now() - t0);
}
console.log(`panning at 10x, 60 frames: median ${median(pans).toFixed(2)} ms, max ${Math.max(...pans).toFixed(2)} ms`);
const threadTimes: number[] = [];
for (let i = 0; i < 15; i++) {
  const t0 = performance.now();
  for (const lane of threadLanes(data)) threadRuns(data, lane.index, fit, WIDTH);
  threadTimes.push(performance.now() - t0);
}
console.log(`frame, worker lanes, fit: median ${median(threadTimes).toFixed(2)} ms`);
