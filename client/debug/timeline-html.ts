// The timeline webview's page (a canvas, a toolbar and a legend; the script is dist/timeline.js) and its header line.
import type { RuntimeStateBody, TimelineBody } from '../../debug/protocol.js';
import { formatMs } from './labels.js';
import { SPAN_STATES, STATE_COLOURS } from './timeline-spans.js';
import type { ExtensionToWebview } from './timeline-messages.js';

export { isWebviewMessage, type ExtensionToWebview, type WebviewMessage } from './timeline-messages.js';


/** The message that shows a stop's recording. */
export function dataMessage(timeline: TimelineBody | undefined, state: RuntimeStateBody | undefined, ended: boolean, session = ''): ExtensionToWebview {
  if (!timeline) return { type: 'data', body: undefined, header: 'No Aria debug session is stopped.', focusTask: 0, session };
  const where = state ? `step ${state.step} · clock ${formatMs(state.clockMs)} · ${ended ? 'session ended' : `stopped (${state.reason})`}` : '';
  const events = timeline.transitions.length + timeline.polls.length;
  const header = `${timeline.tasks.length.toLocaleString('en-US')} tasks · ${timeline.threads.length} threads · ${events.toLocaleString('en-US')} events${where ? ` · ${where}` : ''}${timeline.truncated ? ' · the oldest events were dropped' : ''}`;
  return { type: 'data', body: timeline, header, focusTask: state?.focusTask ?? 0, session };
}

/** The page: a strict CSP (the script from the extension's dist folder, styles with a nonce), theme colours from VS Code. */
export function timelineHtml(nonce: string, cspSource: string, scriptUri: string): string {
  const csp = `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}' ${cspSource};`;
  const legend = SPAN_STATES.map((s, i) => `<span class="chip"><span class="swatch s${i}"></span>${s}</span>`).join('');
  const swatches = STATE_COLOURS.map((c, i) => `.s${i} { background: ${c}; }`).join(' ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp.replace(/"/g, '&quot;')}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Aria Timeline</title>
<style nonce="${nonce}">
  html, body { height: 100%; margin: 0; }
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); display: flex; flex-direction: column; }
  #bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border, #8884); }
  #header { opacity: 0.85; flex: 1 1 320px; }
  button { font: inherit; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border: 1px solid transparent; padding: 2px 8px; cursor: pointer; }
  button[aria-pressed="true"] { color: var(--vscode-button-foreground); background: var(--vscode-button-background); }
  #legend { display: flex; gap: 4px 12px; flex-wrap: wrap; padding: 4px 10px; color: var(--vscode-descriptionForeground); }
  .chip { display: inline-flex; align-items: center; gap: 5px; }
  .swatch { width: 11px; height: 11px; border-radius: 2px; display: inline-block; }
  ${swatches}
  #hint { color: var(--vscode-descriptionForeground); }
  #plot { flex: 1 1 auto; width: 100%; min-height: 200px; display: block; outline: none; cursor: grab; }
  #tip { position: fixed; display: none; pointer-events: none; white-space: pre; max-width: 320px; overflow: hidden; padding: 4px 8px;
    background: var(--vscode-editorHoverWidget-background, #252526); color: var(--vscode-editorHoverWidget-foreground, inherit);
    border: 1px solid var(--vscode-editorHoverWidget-border, #454545); z-index: 2; }
</style>
</head>
<body>
<div id="bar">
  <span id="header">Waiting for the debug session to stop…</span>
  <span role="group" aria-label="lanes">
    <button data-mode="tasks" aria-pressed="true" title="One lane per task, nested by spawn tree (T)">Tasks</button><button data-mode="workers" aria-pressed="false" title="One lane per worker (T)">Workers</button>
  </span>
  <button id="zoom-out" title="Zoom out (S, Ctrl+wheel)">−</button><button id="zoom-in" title="Zoom in (W, Ctrl+wheel)">+</button>
  <button id="fit" title="The whole run (F)">Fit</button>
  <button id="export" title="Save what is in view as a trace Perfetto opens">Export Perfetto trace</button>
</div>
<div id="legend">${legend}<span id="hint">· Ctrl+wheel or W/S zoom · drag, Shift+wheel or A/D pan · F fit · click a span to select its task, a label to fold</span></div>
<canvas id="plot" tabindex="0" aria-label="Aria task timeline"></canvas>
<div id="tip"></div>
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
