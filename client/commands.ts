// Registers the extension's commands: restart/show output, Explain Effect, and Run/Debug (which need workspace trust).
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from './command-ids.js';
import { explainEffect } from './explain-effect.js';
import { contributesDebugger, debugConfiguration, resolveRunTarget, runProcess } from './run-target.js';
import { startRunTerminal } from './run-terminal.js';
import type { ServerController } from './server-controller.js';

export function registerCommands(context: vscode.ExtensionContext, controller: ServerController): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(COMMANDS.restartServer, async () => {
      controller.output.info('Restart requested');
      await controller.restart();
    }),
    vscode.commands.registerCommand(COMMANDS.showOutput, () => controller.output.show(true)),
    vscode.commands.registerCommand(COMMANDS.explainEffect, (uri?: unknown, position?: unknown, effect?: unknown) =>
      explainEffect(controller, uri, position, effect),
    ),
    vscode.commands.registerCommand(COMMANDS.run, (target?: unknown) => runProgram(context, target)),
    vscode.commands.registerCommand(COMMANDS.debug, (target?: unknown) => debugProgram(target)),
  ];
}

/** Run and Debug execute the user's program, so untrusted workspaces refuse them (language features still work). */
async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const answer = await vscode.window.showWarningMessage(
    `Aria: ${action} Aria programs is disabled because this workspace is not trusted. Language features keep working.`,
    manage,
  );
  if (answer === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

/** The saved .aria file the command targets, or undefined after telling the user why there is none. */
async function programFile(target: unknown, action: string): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const active = editor?.document.languageId === 'aria' ? editor.document.uri : undefined;
  const resolved = resolveRunTarget(target, active);
  switch (resolved.kind) {
    case 'none':
      void vscode.window.showInformationMessage(`Aria: open an Aria file to ${action} it.`);
      return undefined;
    case 'unsaved':
      void vscode.window.showInformationMessage(`Aria: save the file before you ${action} it.`);
      return undefined;
    case 'file': {
      // run what the user sees: save an open, modified copy first
      const open = vscode.workspace.textDocuments.find(d => d.uri.scheme === 'file' && d.uri.fsPath === resolved.path);
      if (open?.isDirty && !(await open.save())) {
        void vscode.window.showWarningMessage(`Aria: could not save ${resolved.path}.`);
        return undefined;
      }
      return resolved.path;
    }
    default: {
      const unreachable: never = resolved;
      return unreachable;
    }
  }
}

async function runProgram(context: vscode.ExtensionContext, target: unknown): Promise<vscode.Terminal | undefined> {
  if (!(await requireTrust('running'))) return undefined;
  const file = await programFile(target, 'run');
  if (!file) return undefined;
  const cli = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  if (!existsSync(cli)) {
    void vscode.window.showErrorMessage(`Aria: the bundled CLI is missing (${cli}). Rebuild the extension with \`npm run build\`.`);
    return undefined;
  }
  return startRunTerminal({ ...runProcess(process.execPath, cli, file), cwd: dirname(file) });
}

async function debugProgram(target: unknown): Promise<boolean> {
  if (!(await requireTrust('debugging'))) return false;
  const file = await programFile(target, 'debug');
  if (!file) return false;
  if (!contributesDebugger(vscode.extensions.all.map(e => e.packageJSON as unknown), 'aria')) {
    void vscode.window.showInformationMessage(
      'Aria: debugging is not available yet: no debug adapter of type "aria" is installed. Use "Aria: Run File" to run the program.',
    );
    return false;
  }
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  return vscode.debug.startDebugging(folder, debugConfiguration(file));
}
