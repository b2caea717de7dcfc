// The messages between the timeline webview (timeline-webview.ts) and the extension (timeline-panel.ts), plain data.
import type { TimelineBody } from '../../debug/protocol.js';

/** Extension -> webview. */
export type ExtensionToWebview =
  /** A new stop (or the end): the recording, a line about the stop, and the task the stop is about (0: none). */
  | { readonly type: 'data'; readonly body: TimelineBody | undefined; readonly header: string; readonly focusTask: number; readonly session: string }
  /** A task was selected elsewhere (the Tasks view): show and select its lane. */
  | { readonly type: 'select'; readonly task: number };

/** Webview -> extension. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'focus'; readonly task: number }
  /** Save the window [t0, t1] (virtual µs) as a Perfetto trace. */
  | { readonly type: 'export'; readonly t0: number; readonly t1: number };

export function isWebviewMessage(x: unknown): x is WebviewMessage {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  if (m['type'] === 'ready') return true;
  if (m['type'] === 'focus') return typeof m['task'] === 'number' && Number.isInteger(m['task']);
  if (m['type'] === 'export') return typeof m['t0'] === 'number' && typeof m['t1'] === 'number' && Number.isFinite(m['t0']) && Number.isFinite(m['t1']);
  return false;
}
