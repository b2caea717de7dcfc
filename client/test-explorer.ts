// The Test Explorer for Aria: a TestController listing the `@test` functions of the workspace, with Run, Debug and
// Explore schedules profiles that run the bundled `aria test`, "Debug this schedule", and the Run | Debug | Explore lenses.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from './command-ids.js';
import { discoverTests, type DiscoveredTest, type TextPosition } from './test-discovery.js';
import {
  DebugRunOutcome, TEST_SETTINGS, exploreModeOf, failureLocation, readTestReport, replayInMessage, replayMessage, testCliArgs,
  type TestMode, type TestResult,
} from './test-model.js';

/** The context value of a failing schedule's message: package.json's testing/message menus show Debug this schedule for it. */
export const REPLAY_MESSAGE = 'aria.replay';
const EXCLUDE = '**/{node_modules,.git,dist,out}/**';

export function activateTests(context: vscode.ExtensionContext): vscode.Disposable[] {
  const controller = vscode.tests.createTestController('aria', 'Aria');
  const explorer = new TestExplorer(context, controller);
  return [controller, ...explorer.register()];
}

class TestExplorer {
  /** The replay file of each test's last failing schedule. */
  private readonly replays = new Map<string, string>();
  /** The Debug runs of tests under way, by their session's `__ariaTestRun` marker: what the adapter said of each. */
  private readonly debugRuns = new Map<string, DebugRunOutcome>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly changed = new vscode.EventEmitter<void>();
  private runProfile!: vscode.TestRunProfile;
  private debugProfile!: vscode.TestRunProfile;
  private exploreProfile!: vscode.TestRunProfile;

  constructor(private readonly context: vscode.ExtensionContext, private readonly controller: vscode.TestController) {}

  register(): vscode.Disposable[] {
    const c = this.controller;
    this.runProfile = c.createRunProfile('Run', vscode.TestRunProfileKind.Run, (r, t) => this.run(r, t, { kind: 'run' }), true);
    this.debugProfile = c.createRunProfile('Debug', vscode.TestRunProfileKind.Debug, (r, t) => this.debug(r, t), true);
    this.exploreProfile = c.createRunProfile('Explore schedules', vscode.TestRunProfileKind.Run, (r, t) => this.run(r, t, exploreMode()), false);
    c.refreshHandler = () => this.discoverWorkspace();
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.aria');
    const fromDisk = (uri: vscode.Uri) => {
      // an open document is followed as it is typed, not as it is saved
      if (!vscode.workspace.textDocuments.some(d => d.uri.toString() === uri.toString() && d.isDirty)) void this.refreshFromDisk(uri);
    };
    void this.discoverWorkspace();
    return [
      this.changed,
      watcher,
      watcher.onDidCreate(fromDisk),
      watcher.onDidChange(fromDisk),
      watcher.onDidDelete(uri => this.remove(uri)),
      vscode.workspace.onDidOpenTextDocument(d => this.schedule(d)),
      vscode.workspace.onDidChangeTextDocument(e => this.schedule(e.document)),
      vscode.workspace.onDidSaveTextDocument(d => this.schedule(d)),
      vscode.languages.registerCodeLensProvider({ language: 'aria', scheme: 'file' }, new TestLenses(this.changed.event)),
      vscode.commands.registerCommand(COMMANDS.runTest, (uri?: unknown, name?: unknown) => this.fromLens(uri, name, this.runProfile)),
      vscode.commands.registerCommand(COMMANDS.debugTest, (uri?: unknown, name?: unknown) => this.fromLens(uri, name, this.debugProfile)),
      vscode.commands.registerCommand(COMMANDS.exploreTest, (uri?: unknown, name?: unknown) => this.fromLens(uri, name, this.exploreProfile)),
      vscode.commands.registerCommand(COMMANDS.debugSchedule, (arg?: unknown) => this.debugSchedule(arg)),
      // A Debug run's result comes from what its adapter sends (a stop on the failure, the exit code).
      vscode.debug.registerDebugAdapterTrackerFactory('aria', {
        createDebugAdapterTracker: session => {
          const outcome = this.debugRuns.get(String(session.configuration['__ariaTestRun']));
          return outcome ? { onDidSendMessage: (m: unknown) => outcome.read(m) } : undefined;
        },
      }),
    ];
  }

  // ---- discovery

  private async discoverWorkspace(): Promise<void> {
    const uris = await vscode.workspace.findFiles('**/*.aria', EXCLUDE, 5000);
    const seen = new Set(uris.map(u => u.toString()));
    this.controller.items.forEach(item => {
      if (!seen.has(item.id)) this.controller.items.delete(item.id);
    });
    for (const uri of uris) {
      const open = vscode.workspace.textDocuments.find(d => d.uri.toString() === uri.toString());
      if (open) await this.refresh(uri, open.getText());
      else await this.refreshFromDisk(uri);
    }
  }

  private async refreshFromDisk(uri: vscode.Uri): Promise<void> {
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      this.remove(uri);
      return;
    }
    await this.refresh(uri, text);
  }

  /** A document changed: find its tests again once the typing pauses. */
  private schedule(doc: vscode.TextDocument): void {
    if (doc.languageId !== 'aria' || doc.uri.scheme !== 'file') return;
    const key = doc.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(key, setTimeout(() => {
      this.pending.delete(key);
      void this.refresh(doc.uri, doc.getText());
    }, 200));
  }

  private remove(uri: vscode.Uri): void {
    this.controller.items.delete(uri.toString());
    this.changed.fire();
  }

  /** The file's item with one child per test, or no item when the file marks no test. */
  private async refresh(uri: vscode.Uri, text: string): Promise<vscode.TestItem | undefined> {
    let tests: DiscoveredTest[];
    try {
      tests = await discoverTests(text);
    } catch {
      tests = [];
    }
    const id = uri.toString();
    if (tests.length === 0) {
      this.remove(uri);
      return undefined;
    }
    let file = this.controller.items.get(id);
    if (!file) {
      file = this.controller.createTestItem(id, vscode.workspace.asRelativePath(uri, false), uri);
      this.controller.items.add(file);
    }
    const children = tests.map(t => {
      const child = file!.children.get(`${id}::${t.name}`) ?? this.controller.createTestItem(`${id}::${t.name}`, t.name, uri);
      child.range = new vscode.Range(pos(t.start), pos(t.end));
      return child;
    });
    file.children.replace(children);
    this.changed.fire();
    return file;
  }

  // ---- running

  /** The tests a request names: its items (a file stands for its tests) less its exclusions, grouped by file. */
  private requested(request: vscode.TestRunRequest): Map<vscode.TestItem, vscode.TestItem[]> {
    const excluded = new Set((request.exclude ?? []).map(i => i.id));
    const byFile = new Map<vscode.TestItem, vscode.TestItem[]>();
    const add = (item: vscode.TestItem) => {
      if (excluded.has(item.id)) return;
      if (item.children.size > 0) {
        item.children.forEach(add);
        return;
      }
      const file = item.parent ?? item;
      if (file === item) return;
      if (excluded.has(file.id)) return;
      const list = byFile.get(file) ?? [];
      if (!list.includes(item)) list.push(item);
      byFile.set(file, list);
    };
    if (request.include) request.include.forEach(add);
    else this.controller.items.forEach(add);
    return byFile;
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, mode: TestMode): Promise<void> {
    const run = this.controller.createTestRun(request);
    const groups = this.requested(request);
    const all = [...groups.values()].flat();
    all.forEach(t => run.enqueued(t));
    const refuse = (text: string) => {
      for (const t of all) run.errored(t, new vscode.TestMessage(text));
      run.end();
    };
    if (!vscode.workspace.isTrusted) return refuse('Aria: running tests is disabled because this workspace is not trusted.');
    const cli = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'cli.js').fsPath;
    if (!existsSync(cli)) return refuse(`Aria: the bundled CLI is missing (${cli}). Rebuild the extension with \`npm run build\`.`);
    // one process per file, or per test when only some of a file's tests run, and always per test when exploring
    // (each finished test then shows at once)
    const jobs: { file: vscode.TestItem; tests: vscode.TestItem[]; name?: string }[] = [];
    for (const [file, tests] of groups) {
      if (mode.kind === 'run' && tests.length === file.children.size) jobs.push({ file, tests });
      else for (const t of tests) jobs.push({ file, tests: [t], name: t.label });
    }
    const work = async (progress?: vscode.Progress<{ message?: string; increment?: number }>, cancel?: vscode.CancellationToken) => {
      let done = 0;
      for (const job of jobs) {
        if (token.isCancellationRequested || cancel?.isCancellationRequested) {
          job.tests.forEach(t => run.skipped(t));
          continue;
        }
        progress?.report({ message: `${job.name ?? job.file.label} (${done + 1} of ${jobs.length})` });
        await this.runJob(run, job, mode, cli, [token, ...(cancel ? [cancel] : [])]);
        done++;
        progress?.report({ increment: 100 / jobs.length });
      }
    };
    try {
      await saveOpen(jobs.map(j => j.file.uri!));
      if (mode.kind === 'explore') {
        await vscode.window.withProgress({
          location: vscode.ProgressLocation.Notification, cancellable: true,
          title: `Aria: exploring up to ${mode.schedules} schedules (${mode.strategy})`,
        }, (progress, cancel) => work(progress, cancel));
      } else {
        await work();
      }
    } finally {
      run.end();
    }
  }

  /** Runs one `aria test` process and reports its tests; a cancellation kills it. */
  private async runJob(run: vscode.TestRun, job: { file: vscode.TestItem; tests: vscode.TestItem[]; name?: string }, mode: TestMode, cli: string,
    tokens: vscode.CancellationToken[]): Promise<void> {
    const path = job.file.uri!.fsPath;
    const cwd = vscode.workspace.getWorkspaceFolder(job.file.uri!)?.uri.fsPath ?? dirname(path);
    job.tests.forEach(t => run.started(t));
    const args = testCliArgs(cli, path, mode, job.name);
    run.appendOutput(`$ aria ${args.slice(1).join(' ')}\r\n`);
    const started = Date.now();
    const outcome = await new Promise<{ stdout: string; stderr: string; cancelled: boolean }>(done => {
      const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let cancelled = false;
      const subscriptions = tokens.map(t => t.onCancellationRequested(() => {
        cancelled = true;
        child.kill();
      }));
      child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
      child.on('error', error => { stderr += `could not start the CLI: ${error.message}`; });
      child.on('close', () => {
        subscriptions.forEach(s => s.dispose());
        done({ stdout, stderr, cancelled });
      });
    });
    const duration = Date.now() - started;
    if (outcome.cancelled) {
      run.appendOutput('[cancelled]\r\n');
      job.tests.forEach(t => run.skipped(t));
      return;
    }
    const report = readTestReport(outcome.stdout, outcome.stderr, cwd);
    if (outcome.stderr.trim()) run.appendOutput(crlf(outcome.stderr));
    for (const item of job.tests) {
      // a job runs one file: its tests are known by name (the report's path may differ by a symlink)
      const result = report.ok ? report.tests.find(r => r.name === item.label) : undefined;
      if (!result) {
        const why = !report.ok ? report.error : report.filesWithErrors > 0
          ? `the tests of ${basename(path)} were not run: the file has errors\n${outcome.stderr.trim()}`
          : `aria test did not report ${item.label}\n${outcome.stderr.trim()}`;
        run.errored(item, new vscode.TestMessage(why));
        continue;
      }
      if (result.output) run.appendOutput(crlf(result.output), undefined, item);
      if (result.passed) {
        if (result.explored) run.appendOutput(`${item.label}: ${result.explored}\r\n`, undefined, item);
        this.replays.delete(item.id);
        run.passed(item, duration);
      } else {
        run.failed(item, this.messageFor(item, result), duration);
      }
    }
  }

  private messageFor(item: vscode.TestItem, result: TestResult): vscode.TestMessage {
    let message: vscode.TestMessage;
    if (result.replay) {
      this.replays.set(item.id, result.replay);
      // the first line is what the editor shows inline at the failure: the failure itself, not the summary
      const md = new vscode.MarkdownString(undefined, true);
      md.isTrusted = { enabledCommands: [COMMANDS.debugSchedule] };
      md.appendText(`${result.message ?? 'failed'}\n`);
      md.appendCodeblock(replayMessage(result), 'text');
      md.appendMarkdown(`\n[$(debug-alt) Debug this schedule](command:${COMMANDS.debugSchedule}?${encodeURIComponent(JSON.stringify([result.replay]))})`);
      message = new vscode.TestMessage(md);
      message.contextValue = REPLAY_MESSAGE;
    } else if (result.actual !== undefined && result.expected !== undefined) {
      message = vscode.TestMessage.diff(result.failure ?? result.message ?? 'failed', result.expected, result.actual);
    } else {
      message = new vscode.TestMessage(result.failure ?? result.message ?? 'failed');
    }
    const at = failureLocation(result);
    message.location = new vscode.Location(vscode.Uri.file(at.file), new vscode.Position(Math.max(0, at.line - 1), Math.max(0, at.column - 1)));
    message.stackTrace = result.stack.map(f =>
      new vscode.TestMessageStackFrame(f.name, vscode.Uri.file(f.file), new vscode.Position(Math.max(0, f.line - 1), Math.max(0, f.column - 1))));
    return message;
  }

  /**
   * Debugs each requested test in turn (the adapter's `"test"` attribute). When its session ends, the test is marked
   * as the adapter said: failed when it stopped on the failure (the assertion's message at the test), passed when the
   * run ended with exit code 0; a session stopped before the test ended gives no result (skipped).
   */
  private async debug(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    try {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Aria: debugging Aria programs is disabled because this workspace is not trusted.');
        return;
      }
      for (const [file, tests] of this.requested(request)) {
        await saveOpen([file.uri!]);
        for (const item of tests) {
          if (token.isCancellationRequested) {
            run.skipped(item);
            continue;
          }
          const folder = vscode.workspace.getWorkspaceFolder(item.uri!);
          const config = {
            type: 'aria', request: 'launch', name: `Debug test ${item.label}`, program: item.uri!.fsPath, test: item.label,
            cwd: folder?.uri.fsPath ?? dirname(item.uri!.fsPath),
          };
          run.started(item);
          const started = Date.now();
          const verdict = (await debugUntilEnd(folder, config, token, this.debugRuns)).verdict;
          if (verdict.kind === 'passed') run.passed(item, Date.now() - started);
          else if (verdict.kind === 'failed') {
            const message = new vscode.TestMessage(verdict.message);
            if (item.uri && item.range) message.location = new vscode.Location(item.uri, item.range);
            run.failed(item, message, Date.now() - started);
          } else run.skipped(item);
        }
      }
    } finally {
      run.end();
    }
  }

  /** A code lens's Run, Debug or Explore: the same run as the Test Explorer's, for the one test. */
  private async fromLens(uri: unknown, name: unknown, profile: vscode.TestRunProfile): Promise<void> {
    const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target) return;
    const open = vscode.workspace.textDocuments.find(d => d.uri.toString() === target.toString());
    const file = open ? await this.refresh(target, open.getText()) : (await this.refreshFromDisk(target), this.controller.items.get(target.toString()));
    const item = typeof name === 'string' ? file?.children.get(`${target.toString()}::${name}`) : file;
    if (!item) {
      void vscode.window.showInformationMessage(`Aria: no @test function ${typeof name === 'string' ? name : ''} in ${basename(target.fsPath)}.`);
      return;
    }
    const source = new vscode.CancellationTokenSource();
    try {
      await profile.runHandler(new vscode.TestRunRequest([item], undefined, profile), source.token);
    } finally {
      source.dispose();
    }
  }

  /**
   * Debug this schedule: the debugger on a replay file, stopped at its failure. The argument is a failing test's
   * message (its menu passes `{ test, message }`), a replay file's path, or nothing (pick one of the workspace's).
   */
  private async debugSchedule(arg: unknown): Promise<boolean> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Aria: debugging Aria programs is disabled because this workspace is not trusted.');
      return false;
    }
    let replay = replayOf(arg);
    if (!replay && typeof arg === 'object' && arg !== null) {
      const test = (arg as { test?: vscode.TestItem }).test;
      if (test) replay = this.replays.get(test.id);
    }
    if (!replay) {
      const files = await vscode.workspace.findFiles('**/.aria/replays/*.json', '**/node_modules/**', 200);
      const picked = await vscode.window.showQuickPick(files.map(f => ({ label: basename(f.fsPath), description: vscode.workspace.asRelativePath(f), path: f.fsPath })), {
        placeHolder: files.length ? 'The replay file of a failing schedule' : 'No replay files in .aria/replays: explore a test first',
      });
      replay = picked?.path;
    }
    if (!replay) return false;
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(replay));
    return vscode.debug.startDebugging(folder, {
      type: 'aria', request: 'launch', name: `Debug schedule ${basename(replay, '.json')}`, replay, cwd: folder?.uri.fsPath ?? dirname(replay),
    });
  }
}

/** Code lenses above each `@test` function: Run | Debug | Explore. */
class TestLenses implements vscode.CodeLensProvider {
  constructor(readonly onDidChangeCodeLenses: vscode.Event<void>) {}

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration('aria', doc.uri).get<boolean>('test.codeLens', TEST_SETTINGS['test.codeLens'])) return [];
    const tests = await discoverTests(doc.getText());
    return tests.flatMap(t => {
      const at = new vscode.Range(pos(t.start), pos(t.start));
      const args = [doc.uri.toString(), t.name];
      return [
        new vscode.CodeLens(at, { title: '$(play) Run', command: COMMANDS.runTest, arguments: args, tooltip: `Run the test ${t.name}` }),
        new vscode.CodeLens(at, { title: '$(debug-alt) Debug', command: COMMANDS.debugTest, arguments: args, tooltip: `Debug the test ${t.name}` }),
        new vscode.CodeLens(at, { title: '$(search) Explore', command: COMMANDS.exploreTest, arguments: args, tooltip: `Run ${t.name} under many schedules` }),
      ];
    });
  }
}

function exploreMode(): TestMode {
  const config = vscode.workspace.getConfiguration('aria');
  return exploreModeOf(config.get('test.exploreSchedules'), config.get('test.exploreStrategy'));
}

/** The replay file an argument names: a path, a Uri, or a test message whose text names one. */
function replayOf(arg: unknown): string | undefined {
  if (Array.isArray(arg)) return replayOf(arg[0]);
  if (typeof arg === 'string') return arg.endsWith('.json') ? arg : undefined;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'object' && arg !== null) {
    const message = (arg as { message?: { message?: unknown } }).message?.message;
    const text = typeof message === 'string' ? message : typeof (message as { value?: unknown } | undefined)?.value === 'string'
      ? (message as { value: string }).value : undefined;
    return text ? replayInMessage(text) : undefined;
  }
  return undefined;
}

/**
 * Starts a debug session and resolves when it ends (or the token is cancelled, which stops it), with what its adapter
 * said of the test (`runs` holds it under the session's marker meanwhile, for the adapter tracker).
 */
async function debugUntilEnd(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration, token: vscode.CancellationToken,
  runs: Map<string, DebugRunOutcome>): Promise<DebugRunOutcome> {
  const marker = `aria-test-${Date.now()}-${Math.random()}`;
  const outcome = new DebugRunOutcome();
  runs.set(marker, outcome);
  let session: vscode.DebugSession | undefined;
  const subscriptions: vscode.Disposable[] = [];
  const ended = new Promise<void>(done => {
    subscriptions.push(
      vscode.debug.onDidStartDebugSession(s => {
        if (s.configuration['__ariaTestRun'] === marker) session = s;
      }),
      vscode.debug.onDidTerminateDebugSession(s => {
        if (s.configuration['__ariaTestRun'] === marker) done();
      }),
      token.onCancellationRequested(() => {
        if (session) void vscode.debug.stopDebugging(session);
        done();
      }),
    );
  });
  try {
    if (await vscode.debug.startDebugging(folder, { ...config, __ariaTestRun: marker })) await ended;
    return outcome;
  } finally {
    runs.delete(marker);
    subscriptions.forEach(s => s.dispose());
  }
}

async function saveOpen(uris: readonly vscode.Uri[]): Promise<void> {
  const wanted = new Set(uris.map(u => u.toString()));
  for (const doc of vscode.workspace.textDocuments) if (doc.isDirty && wanted.has(doc.uri.toString())) await doc.save();
}

function pos(p: TextPosition): vscode.Position {
  return new vscode.Position(p.line, p.character);
}

function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
