// The "Aria" status bar item: server state and diagnostic counts; clicking it shows the server output.
import * as vscode from 'vscode';
import { COMMANDS } from './command-ids.js';
import type { ServerController } from './server-controller.js';
import { statusView } from './status-model.js';

export class AriaStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly controller: ServerController) {
    this.item = vscode.window.createStatusBarItem('aria.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Aria Language Server';
    this.item.command = COMMANDS.showOutput;
    this.subscriptions.push(
      controller.onDidChangeState(() => this.render()),
      // diagnostics arrive in bursts while typing; one recount per 200 ms is plenty for a status item
      vscode.languages.onDidChangeDiagnostics(() => this.scheduleRender()),
    );
    this.render();
    this.item.show();
  }

  private scheduleRender(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.render();
    }, 200);
  }

  private render(): void {
    const view = statusView(this.controller.currentState, this.controller.diagnosticCounts(), this.controller.errorDetail);
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip);
    tooltip.supportThemeIcons = true;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = view.alarm ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.accessibilityInformation = { label: `Aria language server ${this.controller.currentState}`, role: 'button' };
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const d of this.subscriptions) d.dispose();
    this.item.dispose();
  }
}
