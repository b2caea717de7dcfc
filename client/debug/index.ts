// Wires the Aria debugger into VS Code: the inline adapter, launch configurations, and the Tasks, Workers, Timers and timeline views.
import * as vscode from 'vscode';
import { AriaDebugSession } from '../../debug/session.js';
import { FOCUS_TASK_REQUEST } from '../../debug/protocol.js';
import {
  DEBUG_TYPE, FILTER_TASKS_COMMAND, FOCUS_TASK_COMMAND, HAS_STATE_CONTEXT, HIDE_FINISHED_COMMAND, SHOW_FINISHED_COMMAND, SHOW_FINISHED_CONTEXT,
  SHOW_TIMELINE_COMMAND, SORT_TASKS_COMMAND, TASKS_VIEW, TIMERS_VIEW, WORKERS_VIEW,
} from './commands.js';
import { INITIAL_CONFIGURATIONS, resolveAriaConfiguration } from './configuration.js';
import type { TaskStateName } from '../../debug/protocol.js';
import { TASK_SORT_KEYS, taskCounts, tasksTree, type TaskSortKey } from './tasks-model.js';
import { taskProblems } from './problems.js';
import { TimelinePanel } from './timeline-panel.js';
import { timersTree } from './timers-model.js';
import { NodeTreeProvider } from './tree-provider.js';
import { DebugViewsState } from './views-state.js';
import { workersTree } from './workers-model.js';

/** Registers everything debugging needs; the extension's activate() calls it once. */
export function activateDebug(context: vscode.ExtensionContext): void {
  const state = new DebugViewsState();
  let showFinished = true;
  let sort: TaskSortKey = 'id';
  let filterStates = new Set<TaskStateName>();
  let filterName = '';
  const tasks = new NodeTreeProvider(() => tasksTree(state.snapshot.state, { showFinished, sort, states: filterStates, name: filterName }));
  // runtime warnings as Problems at each task's spawn site
  const problems = vscode.languages.createDiagnosticCollection('aria-runtime');
  const workers = new NodeTreeProvider(() => workersTree(state.snapshot.state));
  const timers = new NodeTreeProvider(() => timersTree(state.snapshot.state));
  const tasksView = vscode.window.createTreeView(TASKS_VIEW, { treeDataProvider: tasks, showCollapseAll: true });
  const workersView = vscode.window.createTreeView(WORKERS_VIEW, { treeDataProvider: workers });
  const timersView = vscode.window.createTreeView(TIMERS_VIEW, { treeDataProvider: timers });
  // VS Code creates a view's tree when the view is first expanded, but lays it out (gives it its height) only
  // when the view's message is updated, which it does by itself 2 s later: the rows stay invisible until then.
  // Setting the message (even to what it was) makes it lay the tree out at once.
  const refreshWhenShown = (view: vscode.TreeView<unknown>, provider: NodeTreeProvider) =>
    view.onDidChangeVisibility(e => {
      if (!e.visible) return;
      view.message = view.message;
      provider.refresh();
    });

  const sessionById = new Map<string, vscode.DebugSession>();
  const requester = (session: vscode.DebugSession) => (command: string, args?: unknown) => Promise.resolve(session.customRequest(command, args));
  const currentSession = () => {
    const id = state.snapshot.sessionId;
    return id ? sessionById.get(id) : undefined;
  };
  const focusTask = (task: number) => {
    const session = currentSession();
    if (!session || state.snapshot.ended) return;
    session.customRequest(FOCUS_TASK_REQUEST, { task }).then(undefined, (error: Error) => {
      void vscode.window.showInformationMessage(`Aria: ${error.message}`);
    });
  };
  /** The timeline selected a task: the Call Stack focuses its thread (and the editor its line), the Tasks view its row. */
  const focusFromTimeline = (task: number) => {
    focusTask(task);
    const node = tasks.node(`task:${task}`);
    if (node && tasksView.visible) void tasksView.reveal(node, { select: true, focus: false });
  };
  const timeline = new TimelinePanel(state, vscode.Uri.joinPath(context.extensionUri, 'dist'), async () => {
    const session = currentSession();
    if (session) await state.fetchTimeline(requester(session));
  }, focusFromTimeline);

  state.onChange(s => {
    tasks.refresh();
    workers.refresh();
    timers.refresh();
    const counts = taskCounts(s.state);
    const filtered = filterStates.size > 0 || filterName !== '' ? ` · filtered: ${[...filterStates, ...(filterName ? [`"${filterName}"`] : [])].join(', ')}` : '';
    tasksView.description = `${s.ended ? `ended · ${counts}` : counts}${sort !== 'id' ? ` · by ${sort}` : ''}${filtered}`;
    problems.clear();
    for (const p of taskProblems(s.state)) {
      const at = new vscode.Range(p.line - 1, Math.max(0, p.column - 1), p.line - 1, Math.max(0, p.column - 1) + p.length);
      const d = new vscode.Diagnostic(at, p.message, vscode.DiagnosticSeverity.Warning);
      d.source = 'Aria debugger';
      d.code = p.code;
      const uri = vscode.Uri.file(p.path);
      problems.set(uri, [...(problems.get(uri) ?? []), d]);
    }
    timersView.description = s.state ? `clock ${Math.round(s.state.clockMs * 1000) / 1000} ms` : undefined;
    workersView.description = s.state ? `step ${s.state.step}` : undefined;
    tasksView.message = s.error ? `Could not read the runtime state: ${s.error}` : undefined;
    void vscode.commands.executeCommand('setContext', HAS_STATE_CONTEXT, s.state !== undefined);
  });
  void vscode.commands.executeCommand('setContext', SHOW_FINISHED_CONTEXT, showFinished);

  const setShowFinished = (value: boolean) => {
    showFinished = value;
    void vscode.commands.executeCommand('setContext', SHOW_FINISHED_CONTEXT, value);
    tasks.refresh();
  };

  context.subscriptions.push(
    tasks, workers, timers, tasksView, workersView, timersView, timeline, problems,
    refreshWhenShown(tasksView, tasks), refreshWhenShown(workersView, workers), refreshWhenShown(timersView, timers),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new AriaDebugSession()),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      provideDebugConfigurations: () => INITIAL_CONFIGURATIONS.map(c => ({ ...c })),
      resolveDebugConfiguration: (folder, config) => {
        const editor = vscode.window.activeTextEditor;
        const active = editor?.document.languageId === 'aria' && editor.document.uri.scheme === 'file' ? editor.document.uri.fsPath : undefined;
        const r = resolveAriaConfiguration(config, active);
        if (!r.ok) {
          void vscode.window.showErrorMessage(r.message);
          return undefined;
        }
        if (r.config['cwd'] === undefined && folder) r.config['cwd'] = folder.uri.fsPath;
        return r.config;
      },
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      provideDebugConfigurations: () => INITIAL_CONFIGURATIONS.map(c => ({ ...c })),
    }, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.onDidStartDebugSession(s => {
      if (s.type === DEBUG_TYPE) sessionById.set(s.id, s);
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent(e => {
      if (e.session.type !== DEBUG_TYPE) return;
      sessionById.set(e.session.id, e.session);
      void state.onCustomEvent(e.session.id, e.event, e.body, requester(e.session));
    }),
    vscode.debug.onDidTerminateDebugSession(s => {
      if (s.type !== DEBUG_TYPE) return;
      state.sessionEnded(s.id);
      sessionById.delete(s.id);
    }),
    vscode.commands.registerCommand(FOCUS_TASK_COMMAND, (task: unknown) => {
      if (typeof task !== 'number') return;
      focusTask(task);
      timeline.select(task);
    }),
    vscode.commands.registerCommand(SHOW_TIMELINE_COMMAND, () => timeline.show()),
    vscode.commands.registerCommand(SHOW_FINISHED_COMMAND, () => setShowFinished(true)),
    vscode.commands.registerCommand(SORT_TASKS_COMMAND, async () => {
      const pick = await vscode.window.showQuickPick(TASK_SORT_KEYS.map(k => ({ label: k.label, key: k.key, picked: k.key === sort, description: k.key === sort ? 'now' : '' })), {
        title: 'Sort the Tasks view by',
      });
      if (!pick) return;
      sort = pick.key;
      tasks.refresh();
      state.touch();
    }),
    vscode.commands.registerCommand(FILTER_TASKS_COMMAND, async () => {
      const all: TaskStateName[] = ['running', 'scheduled', 'blocked', 'completed', 'failed', 'cancelled'];
      const picked = await vscode.window.showQuickPick(all.map(st => ({ label: st, picked: filterStates.has(st) })), {
        title: 'Show only tasks in these states (none: all)', canPickMany: true,
      });
      if (!picked) return;
      const name = await vscode.window.showInputBox({ title: 'Show only tasks whose "#id name" contains (empty: all)', value: filterName });
      if (name === undefined) return;
      filterStates = new Set(picked.map(p => p.label as TaskStateName));
      filterName = name.trim();
      tasks.refresh();
      state.touch();
    }),
    vscode.commands.registerCommand(HIDE_FINISHED_COMMAND, () => setShowFinished(false)),
  );
}
