// "Aria: Explain Effect": asks the server why the function at the cursor has an effect and walks the chain in a Quick Pick.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { EXPLAIN_EFFECT_METHOD, readExplainEffectResult, type ExplainEffectParams, type ExplainEffectResult, type LspRange } from './protocol.js';
import type { ServerController } from './server-controller.js';

interface StepItem extends vscode.QuickPickItem {
  readonly location?: vscode.Location;
}

/**
 * Runs the command. `uri`/`position` may come from a code lens or hover link; otherwise the active editor's cursor.
 * Resolves to the explanations shown (empty when there was nothing to explain), which keeps the command scriptable.
 */
export async function explainEffect(
  controller: ServerController,
  uriArg?: unknown,
  positionArg?: unknown,
  effectArg?: unknown,
): Promise<ExplainEffectResult[]> {
  const target = targetOf(uriArg, positionArg);
  if (!target) {
    void vscode.window.showInformationMessage('Aria: open an Aria file and place the cursor on a function to explain its effects.');
    return [];
  }
  const client = controller.readyClient;
  if (!client) {
    void vscode.window.showWarningMessage(`Aria: the language server is ${controller.currentState}; try again when it is ready.`);
    return [];
  }
  const params: ExplainEffectParams = {
    textDocument: { uri: target.uri.toString() },
    position: { line: target.position.line, character: target.position.character },
    ...(typeof effectArg === 'string' ? { effect: effectArg } : {}),
  };
  let reply: unknown;
  try {
    reply = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Explaining effect' },
      (_progress, token) => client.sendRequest(EXPLAIN_EFFECT_METHOD, params, token),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    controller.output.error(`${EXPLAIN_EFFECT_METHOD} failed: ${message}`);
    void vscode.window.showErrorMessage(`Aria: Explain Effect failed: ${message}`);
    return [];
  }
  const { results, problem } = readExplainEffectResult(reply);
  if (problem) {
    controller.output.error(`${EXPLAIN_EFFECT_METHOD}: unexpected reply (${problem}): ${JSON.stringify(reply)}`);
    void vscode.window.showErrorMessage(`Aria: the server's explanation could not be read (${problem}).`);
    return [];
  }
  if (results.length === 0) {
    void vscode.window.showInformationMessage('Aria: no effect to explain here. Place the cursor on a function that performs an effect.');
    return [];
  }
  await showChain(results);
  return results;
}

function targetOf(uriArg: unknown, positionArg: unknown): { uri: vscode.Uri; position: vscode.Position } | undefined {
  const uri = uriArg instanceof vscode.Uri ? uriArg : typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : undefined;
  const pos = positionArg as { line?: unknown; character?: unknown } | undefined;
  if (uri && pos && typeof pos.line === 'number' && typeof pos.character === 'number') {
    return { uri, position: new vscode.Position(pos.line, pos.character) };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'aria') return undefined;
  return { uri: editor.document.uri, position: editor.selection.active };
}

function toRange(range: LspRange): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

function itemsFor(results: readonly ExplainEffectResult[]): StepItem[] {
  const items: StepItem[] = [];
  for (const result of results) {
    if (results.length > 1) items.push({ label: `${result.effect} in ${result.function}`, kind: vscode.QuickPickItemKind.Separator });
    if (result.chain.length === 0) {
      items.push({ label: `$(info) ${result.function} declares ${result.effect} itself`, alwaysShow: true });
      continue;
    }
    result.chain.forEach((step, index) => {
      const uri = vscode.Uri.parse(step.uri);
      const last = index === result.chain.length - 1;
      items.push({
        // the chain runs from the function to where the effect is performed; the last step is the origin
        label: `${last ? '$(zap)' : '$(arrow-small-right)'} ${step.label}`,
        description: `${basename(uri.path)}:${step.range.start.line + 1}`,
        location: new vscode.Location(uri, toRange(step.range)),
      });
    });
  }
  return items;
}

async function showChain(results: readonly ExplainEffectResult[]): Promise<void> {
  const first = results[0]!;
  const pick = vscode.window.createQuickPick<StepItem>();
  pick.title =
    results.length === 1
      ? `Why ${first.function} performs ${first.effect}`
      : `Why ${first.function} performs ${results.map(r => r.effect).join(', ')}`;
  pick.placeholder = 'Select a step to go to it';
  pick.matchOnDescription = true;
  pick.items = itemsFor(results);
  const subscriptions: vscode.Disposable[] = [];
  await new Promise<void>(resolve => {
    subscriptions.push(
      pick.onDidChangeActive(([item]) => {
        if (item?.location) void reveal(item.location, true);
      }),
      pick.onDidAccept(() => {
        const item = pick.selectedItems[0];
        if (item?.location) void reveal(item.location, false);
        pick.hide();
      }),
      pick.onDidHide(() => resolve()),
    );
    pick.show();
  });
  for (const d of subscriptions) d.dispose();
  pick.dispose();
}

async function reveal(location: vscode.Location, preview: boolean): Promise<void> {
  await vscode.window.showTextDocument(location.uri, {
    selection: location.range,
    preview,
    preserveFocus: preview,
  });
}
