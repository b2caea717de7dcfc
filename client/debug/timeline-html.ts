// The timeline webview's page and the messages between it and the extension (plain data; the SVG comes from timeline-model).
import type { RuntimeStateBody, TimelineBody } from '../../debug/protocol.js';
import { formatMs } from './labels.js';
import { renderTimeline, taskHue } from './timeline-model.js';

/** Extension -> webview. */
export interface RenderMessage {
  readonly type: 'render';
  readonly header: string;
  readonly svg: string;
  readonly legend: readonly { readonly task: number; readonly label: string; readonly hue: number; readonly state: string }[];
  readonly note?: string;
}

/** Webview -> extension. */
export type WebviewMessage =
  | { readonly type: 'ready'; readonly width: number }
  | { readonly type: 'resize'; readonly width: number }
  | { readonly type: 'focus'; readonly task: number };

export function isWebviewMessage(x: unknown): x is WebviewMessage {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  if (m['type'] === 'ready' || m['type'] === 'resize') return typeof m['width'] === 'number';
  if (m['type'] === 'focus') return typeof m['task'] === 'number' && Number.isInteger(m['task']);
  return false;
}

/** The message that draws the timeline for a state, at the webview's width. */
export function renderMessage(timeline: TimelineBody | undefined, state: RuntimeStateBody | undefined, width: number, ended: boolean): RenderMessage {
  if (!timeline) {
    return { type: 'render', header: 'No Aria debug session is stopped.', svg: '', legend: [] };
  }
  const pic = renderTimeline(timeline, { width, ...(state?.focusTask ? { focusTask: state.focusTask } : {}) });
  const where = state ? `step ${state.step} · clock ${formatMs(state.clockMs)} · ${ended ? 'session ended' : `stopped (${state.reason})`}` : '';
  return {
    type: 'render',
    header: `${timeline.threads.length} threads · ${timeline.polls.length} polls · ${timeline.spawns.length} spawns${where ? ` · ${where}` : ''}`,
    svg: pic.svg,
    legend: timeline.tasks.map(t => ({ task: t.id, label: `#${t.id} ${t.name}`, hue: taskHue(t.id), state: t.state })),
    ...(timeline.truncated ? { note: 'The oldest polls were dropped to keep the recording small.' } : {}),
  };
}

/** The page: a strict CSP (styles from the extension, one script with a nonce), theme colours from VS Code's variables. */
export function timelineHtml(nonce: string, cspSource: string): string {
  const csp = `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp.replace(/"/g, '&quot;')}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Aria Timeline</title>
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 8px 12px; }
  #header { margin-bottom: 8px; opacity: 0.85; }
  #note { color: var(--vscode-descriptionForeground); font-style: italic; }
  #chart { overflow-x: auto; border: 1px solid var(--vscode-panel-border, #8884); }
  svg text { fill: var(--vscode-foreground); font-size: 11px; }
  .lane-bg { fill: transparent; }
  .lane-bg.odd { fill: var(--vscode-list-hoverBackground, #8881); }
  .lane-label { font-weight: 600; }
  .tick line { stroke: var(--vscode-editorLineNumber-foreground, #8886); stroke-dasharray: 2 3; }
  .tick text { fill: var(--vscode-descriptionForeground); }
  .fold-bg { fill: var(--vscode-editorWidget-background, #8882); opacity: 0.6; }
  .fold-label { fill: var(--vscode-descriptionForeground); font-size: 10px; }
  .poll { cursor: pointer; }
  .poll rect { stroke: var(--vscode-editor-background, #000); stroke-width: 0.5; }
  .poll.outcome-failed rect { stroke: var(--vscode-errorForeground, red); stroke-width: 2; }
  .poll.outcome-open rect { stroke: var(--vscode-focusBorder, #08f); stroke-width: 2; stroke-dasharray: 3 2; }
  .poll.focus rect { stroke: var(--vscode-focusBorder, #08f); stroke-width: 2.5; }
  .poll-label { fill: #fff; font-size: 10px; pointer-events: none; }
  .spawn { fill: none; stroke: var(--vscode-foreground); stroke-opacity: 0.7; stroke-width: 1.4; }
  .arrow-head { fill: var(--vscode-foreground); fill-opacity: 0.8; }
  .spawn-dot { fill: var(--vscode-foreground); fill-opacity: 0.8; }
  .now { stroke: var(--vscode-debugIcon-breakpointForeground, #e51400); stroke-width: 1.5; stroke-dasharray: 4 3; }
  #legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin-top: 10px; }
  .chip { display: inline-flex; align-items: center; gap: 5px; cursor: pointer; }
  .swatch { width: 12px; height: 12px; border-radius: 2px; display: inline-block; }
</style>
</head>
<body>
<div id="header">Waiting for the debug session to stop…</div>
<div id="chart"></div>
<div id="note"></div>
<div id="legend"></div>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  const chart = document.getElementById('chart');
  const focus = task => vscode.postMessage({ type: 'focus', task });
  chart.addEventListener('click', e => {
    const g = e.target.closest && e.target.closest('[data-task]');
    if (g) focus(Number(g.getAttribute('data-task')));
  });
  window.addEventListener('message', e => {
    const m = e.data;
    if (!m || m.type !== 'render') return;
    document.getElementById('header').textContent = m.header;
    document.getElementById('note').textContent = m.note || '';
    chart.innerHTML = m.svg;
    const legend = document.getElementById('legend');
    legend.textContent = '';
    for (const item of m.legend) {
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.setAttribute('data-task', String(item.task));
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = 'hsl(' + item.hue + ',60%,52%)';
      chip.appendChild(sw);
      chip.appendChild(document.createTextNode(item.label + ' (' + item.state + ')'));
      chip.addEventListener('click', () => focus(item.task));
      legend.appendChild(chip);
    }
  });
  let timer;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => vscode.postMessage({ type: 'resize', width: document.body.clientWidth }), 150);
  });
  vscode.postMessage({ type: 'ready', width: document.body.clientWidth });
</script>
</body>
</html>`;
}
