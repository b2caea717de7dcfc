// VS Code extension entry: starts the Aria language server, wires the status bar item and commands to it, and the debugger.
import * as vscode from 'vscode';
import { registerCommands } from './commands.js';
import { activateDebug } from './debug/index.js';
import { CLIENT_NAME, ServerController } from './server-controller.js';
import { AriaStatusBar } from './status.js';
import { activateTests } from './test-explorer.js';

let controller: ServerController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  controller = new ServerController(context, output);
  const status = new AriaStatusBar(controller);
  const running = controller;
  context.subscriptions.push(
    output,
    status,
    ...registerCommands(context, running),
    ...activateTests(context),
    vscode.workspace.onDidChangeConfiguration(event => {
      // the other aria.* settings reach the running server through workspace/didChangeConfiguration
      if (event.affectsConfiguration('aria.server.path')) {
        output.info('aria.server.path changed; restarting the language server');
        void running.restart();
      }
    }),
    // aria.server.path is ignored until the workspace is trusted (ServerController.serverModule)
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (vscode.workspace.getConfiguration('aria').get<string>('server.path', '').trim()) {
        output.info('the workspace is trusted now; restarting the language server with aria.server.path');
        void running.restart();
      }
    }),
  );
  activateDebug(context);
  // activation must not wait for the server: the status item shows "starting" until it is ready
  void running.start();
}

export async function deactivate(): Promise<void> {
  const current = controller;
  controller = undefined;
  await current?.stop();
}
