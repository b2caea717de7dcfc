// The timeline webview panel: sends each stop's recording to the page, focuses a task it selects, saves Perfetto traces.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { TIMELINE_PANEL } from './commands.js';
import { perfettoTrace } from './timeline-export.js';
import { dataMessage, isWebviewMessage, timelineHtml } from './timeline-html.js';
import type { DebugViewsState } from './views-state.js';

export class TimelinePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The timeline last sent, so a refresh that brings nothing new is not sent again. */
  private sent: unknown;

  constructor(
    private readonly state: DebugViewsState,
    private readonly distUri: vscode.Uri,
    private readonly fetchTimeline: () => Promise<void>,
    private readonly focusTask: (task: number) => void,
  ) {
    this.subscriptions.push({ dispose: state.onChange(() => this.render()).dispose });
  }

  get visible(): boolean {
    return this.panel !== undefined;
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(TIMELINE_PANEL, 'Aria Timeline', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [this.distUri],
    });
    this.panel = panel;
    this.sent = undefined;
    this.state.timelineWanted = true;
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(this.distUri, 'timeline.js')).toString();
    panel.webview.html = timelineHtml(randomBytes(16).toString('base64'), panel.webview.cspSource, script);
    panel.webview.onDidReceiveMessage(m => {
      if (!isWebviewMessage(m)) return;
      if (m.type === 'focus') this.focusTask(m.task);
      else if (m.type === 'export') void this.export(m.t0, m.t1);
      else {
        this.sent = undefined;
        void this.fetchTimeline().then(() => this.render());
      }
    }, undefined, this.subscriptions);
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.state.timelineWanted = false;
    }, undefined, this.subscriptions);
  }

  /** A task was selected in the Tasks view: the timeline shows and selects its lane. */
  select(task: number): void {
    void this.panel?.webview.postMessage({ type: 'select', task });
  }

  private render(): void {
    if (!this.panel) return;
    const s = this.state.snapshot;
    if (s.timeline === this.sent && s.timeline !== undefined) return;
    this.sent = s.timeline;
    void this.panel.webview.postMessage(dataMessage(s.timeline, s.state, s.ended, s.sessionId ?? ''));
  }

  private async export(t0: number, t1: number): Promise<void> {
    const s = this.state.snapshot;
    if (!s.timeline) return;
    const trace = perfettoTrace(s.timeline, t0, t1, s.state ? { step: s.state.step, seed: s.state.seed } : {});
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Save the timeline as a Perfetto trace',
      filters: { 'Trace (Chrome JSON, opens in ui.perfetto.dev)': ['json'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `aria-timeline-step-${s.state?.step ?? 0}.json`) } : {}),
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(JSON.stringify(trace)));
    void vscode.window.showInformationMessage(`Aria: saved ${trace.traceEvents.length.toLocaleString('en-US')} trace events to ${target.fsPath}; open it in ui.perfetto.dev.`);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}
