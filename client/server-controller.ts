// Owns the language client: which server module runs, starting, restarting and stopping it, and its state for the UI.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ExecuteCommandRequest,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { SERVER_EXEC_ARGV } from '../server/memory.js';
import { COMMANDS } from './command-ids.js';
import { countSeverities, type DiagnosticCounts, type ServerState } from './status-model.js';

/** The client id: vscode-languageclient reads `<id>.trace.server` for its message tracing. */
export const CLIENT_ID = 'aria';
export const CLIENT_NAME = 'Aria Language Server';

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private clientSubscriptions: vscode.Disposable[] = [];
  private stopping = false;
  private state: ServerState = 'stopped';
  private detail: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  /** Fires when the server state changes (starting, ready, stopped, error). */
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
  ) {}

  get currentState(): ServerState {
    return this.state;
  }

  /** The last error message, when the state is `error`. */
  get errorDetail(): string | undefined {
    return this.detail;
  }

  /** The running client, or undefined while the server is not ready. */
  get readyClient(): LanguageClient | undefined {
    return this.state === 'ready' ? this.client : undefined;
  }

  /**
   * Counts errors and warnings on Aria files. Read from VS Code's merged view rather than `client.diagnostics`,
   * which holds only pushed diagnostics: a server answering pull requests fills a separate collection.
   */
  diagnosticCounts(): DiagnosticCounts {
    const ariaOpen = new Set(vscode.workspace.textDocuments.filter(d => d.languageId === 'aria').map(d => d.uri.toString()));
    const severities: Array<'error' | 'warning' | 'other'> = [];
    for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
      if (!uri.path.endsWith('.aria') && !ariaOpen.has(uri.toString())) continue;
      for (const d of diagnostics) {
        severities.push(d.severity === vscode.DiagnosticSeverity.Error ? 'error' : d.severity === vscode.DiagnosticSeverity.Warning ? 'warning' : 'other');
      }
    }
    return countSeverities(severities);
  }

  /**
   * The server module to run: `aria.server.path` if set (relative paths against the first workspace folder), else the
   * bundle. In an untrusted workspace the setting is ignored whatever its scope: package.json's
   * `restrictedConfigurations` drops only the workspace's own value, and a user-level relative path (`dist/server.js`)
   * joined to an untrusted folder would run that folder's JavaScript.
   */
  serverModule(): string {
    const configured = vscode.workspace.isTrusted ? vscode.workspace.getConfiguration('aria').get<string>('server.path', '').trim() : '';
    if (configured) {
      if (isAbsolute(configured)) return configured;
      const folder = vscode.workspace.workspaceFolders?.[0];
      return folder ? join(folder.uri.fsPath, configured) : configured;
    }
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'server.js').fsPath;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  /** Stops the server (if running) and starts a fresh client, picking up a changed aria.server.path. */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
  }

  // Start/stop/restart run one at a time, so a Restart clicked twice cannot interleave two clients.
  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  private async doStart(): Promise<void> {
    const module = this.serverModule();
    if (!existsSync(module)) {
      this.output.error(`Language server module not found: ${module}`);
      this.setState('error', `The language server module was not found at ${module}. Run \`npm run build\`, or fix the aria.server.path setting.`);
      return;
    }
    this.output.info(`Starting ${module}`);
    const serverOptions: ServerOptions = {
      // Node's flags for the server: server/memory.ts, SERVER_EXEC_ARGV
      run: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV] } },
      // used when the extension host itself runs under a debugger: lets you attach to the server on port 6009
      debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV, '--nolazy', '--inspect=6009'] } },
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, this.clientOptions());
    leaveOwnCommandsToExtension(client);
    this.client = client;
    this.stopping = false;
    this.clientSubscriptions.push(
      client.onDidChangeState(event => {
        if (this.client !== client) return;
        if (event.newState === State.Starting) this.setState('starting');
        else if (event.newState === State.Running) this.setState('ready');
        else if (this.stopping) this.setState('stopped');
        else this.setState('error', this.detail ?? 'The language server stopped unexpectedly.');
      }),
    );
    this.setState('starting');
    try {
      await client.start();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.output.error(`The language server failed to start: ${message}`);
      if (this.client === client) this.setState('error', `The language server failed to start: ${message}`);
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    try {
      if (client.needsStop()) await client.stop(2000);
    } catch (error) {
      this.output.warn(`Stopping the language server: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const d of this.clientSubscriptions) d.dispose();
    this.clientSubscriptions = [];
    this.client = undefined;
    this.detail = undefined;
    this.setState('stopped');
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: [
        { scheme: 'file', language: 'aria' },
        { scheme: 'untitled', language: 'aria' },
      ],
      synchronize: {
        configurationSection: 'aria',
        fileEvents: vscode.workspace.createFileSystemWatcher('**/*.aria'),
      },
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      errorHandler: this.errorHandler(),
    };
  }

  // Wraps the library's default handler (restart up to 4 times in 3 minutes) to remember why the server went away.
  private errorHandler(): ErrorHandler {
    let inner: ErrorHandler | undefined;
    const fallback = (): ErrorHandler => (inner ??= this.client!.createDefaultErrorHandler(4));
    return {
      error: (error, message, count): ErrorHandlerResult | Promise<ErrorHandlerResult> => {
        this.detail = `Connection error: ${error.message}`;
        return fallback().error(error, message, count);
      },
      closed: async (): Promise<CloseHandlerResult> => {
        const result = await fallback().closed();
        this.detail =
          result.action === CloseAction.DoNotRestart
            ? 'The language server crashed repeatedly and was not restarted. Use "Aria: Restart Language Server" to try again.'
            : 'The language server stopped unexpectedly and is being restarted.';
        return result;
      },
    };
  }

  private setState(state: ServerState, detail?: string): void {
    if (state === 'error') this.detail = detail ?? this.detail;
    else if (state === 'ready') this.detail = undefined;
    if (this.state === state && state !== 'error') return;
    this.state = state;
    this.stateEmitter.fire(state);
  }
}

/**
 * The server offers some of the extension's command ids through executeCommandProvider (`aria.explainEffect`, for
 * editors that can only run server commands). vscode-languageclient registers a VS Code command for each one, which
 * fails when the extension already registered that id and aborts the client's start. The extension's own command
 * (a Quick Pick over the `aria/explainEffect` request) is the one VS Code users want, so those ids are dropped here.
 */
function leaveOwnCommandsToExtension(client: LanguageClient): void {
  const owned = new Set<string>(Object.values(COMMANDS));
  const feature = client.getFeature(ExecuteCommandRequest.method);
  const register = feature.register.bind(feature);
  feature.register = data => {
    const commands = (data.registerOptions.commands ?? []).filter(command => !owned.has(command));
    register({ ...data, registerOptions: { ...data.registerOptions, commands } });
  };
}
