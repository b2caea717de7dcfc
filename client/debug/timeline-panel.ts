// The timeline webview panel: draws the recorded polls of the stopped session and focuses a task when its bar is clicked.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { TIMELINE_PANEL } from './commands.js';
import { isWebviewMessage, renderMessage, timelineHtml } from './timeline-html.js';
import type { DebugViewsState } from './views-state.js';

export class TimelinePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private width = 900;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly state: DebugViewsState,
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
      localResourceRoots: [],
    });
    this.panel = panel;
    this.state.timelineWanted = true;
    panel.webview.html = timelineHtml(randomBytes(16).toString('base64'), panel.webview.cspSource);
    panel.webview.onDidReceiveMessage(m => {
      if (!isWebviewMessage(m)) return;
      if (m.type === 'focus') this.focusTask(m.task);
      else {
        this.width = Math.max(300, m.width);
        if (m.type === 'ready') void this.fetchTimeline().then(() => this.render());
        else this.render();
      }
    }, undefined, this.subscriptions);
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.state.timelineWanted = false;
    }, undefined, this.subscriptions);
  }

  private render(): void {
    if (!this.panel) return;
    const s = this.state.snapshot;
    void this.panel.webview.postMessage(renderMessage(s.timeline, s.state, this.width - 30, s.ended));
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}
