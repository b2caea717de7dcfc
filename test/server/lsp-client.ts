// A minimal LSP client for tests and the benchmark: spawns the server, speaks JSON-RPC over its stdio, records what it pushes.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  ClientCapabilities, Diagnostic, InitializeResult, PublishDiagnosticsParams, TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The server command: `ARIA_LSP_CMD` (a JSON array) or the TypeScript entry run through tsx. */
export function serverCommand(): string[] {
  const fromEnv = process.env.ARIA_LSP_CMD;
  if (fromEnv) return JSON.parse(fromEnv) as string[];
  return [process.execPath, '--expose-gc', '--import', 'tsx', resolve(REPO, 'server/main.ts'), '--stdio'];
}

export const FULL_CAPABILITIES: ClientCapabilities = {
  workspace: {
    configuration: true,
    workspaceFolders: true,
    applyEdit: true,
    workspaceEdit: { documentChanges: true },
    semanticTokens: { refreshSupport: true },
    inlayHint: { refreshSupport: true },
    codeLens: { refreshSupport: true },
    executeCommand: {},
    symbol: {},
  },
  window: { workDoneProgress: true },
  textDocument: {
    synchronization: { didSave: false },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown'], resolveSupport: { properties: ['documentation', 'detail'] } } },
    signatureHelp: { signatureInformation: { documentationFormat: ['markdown'], parameterInformation: { labelOffsetSupport: true } } },
    rename: { prepareSupport: true },
    semanticTokens: {
      requests: { full: { delta: true }, range: false },
      tokenTypes: [], tokenModifiers: [], formats: ['relative'],
    },
    inlayHint: { resolveSupport: { properties: [] } },
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'refactor.rewrite', 'source'] } } },
    publishDiagnostics: { relatedInformation: true, versionSupport: true },
    callHierarchy: {},
    foldingRange: { lineFoldingOnly: true },
    selectionRange: {},
    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
  },
};

export interface StartOptions {
  root?: string;
  capabilities?: ClientCapabilities;
  /** What `workspace/configuration` answers for section `aria`. */
  settings?: Record<string, unknown>;
  initializationOptions?: unknown;
}

export class LspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  /** Every publishDiagnostics received, in order. */
  readonly publishLog: PublishDiagnosticsParams[] = [];
  readonly progress: unknown[] = [];
  readonly logs: string[] = [];
  private readonly waiters: { uri: string; test: (d: PublishDiagnosticsParams) => boolean; done: (d: PublishDiagnosticsParams) => void }[] = [];
  private readonly versions = new Map<string, number>();
  private readonly progressWaiters: { test: (p: unknown) => boolean; done: () => void }[] = [];
  settings: Record<string, unknown>;
  stderr = '';
  initializeResult?: InitializeResult;

  private constructor(readonly child: ChildProcess, readonly connection: MessageConnection, settings: Record<string, unknown>) {
    this.settings = settings;
  }

  static async start(options: StartOptions = {}): Promise<LspClient> {
    const [command, ...args] = serverCommand();
    const child = spawn(command!, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspClient(child, connection, options.settings ?? {});
    child.stderr!.on('data', chunk => (client.stderr += String(chunk)));
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      client.diagnostics.set(params.uri, params);
      client.publishLog.push(params);
      for (const waiter of [...client.waiters]) {
        if (waiter.uri === params.uri && waiter.test(params)) {
          client.waiters.splice(client.waiters.indexOf(waiter), 1);
          waiter.done(params);
        }
      }
    });
    connection.onNotification('$/progress', (params: unknown) => {
      client.progress.push(params);
      for (const waiter of client.progressWaiters.splice(0)) {
        if (waiter.test(params)) waiter.done();
        else client.progressWaiters.push(waiter);
      }
    });
    connection.onNotification('window/logMessage', (params: { message: string }) => { client.logs.push(params.message); });
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
      params.items.map(item => (item.section === 'aria' ? client.settings : null)));
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('workspace/semanticTokens/refresh', () => null);
    connection.onRequest('workspace/inlayHint/refresh', () => null);
    connection.onRequest('workspace/codeLens/refresh', () => null);
    connection.onRequest('workspace/diagnostic/refresh', () => null);
    connection.onRequest('workspace/applyEdit', () => ({ applied: true }));
    connection.listen();
    const root = options.root ?? resolve(REPO, 'examples');
    client.initializeResult = await connection.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'ws' }],
      capabilities: options.capabilities ?? FULL_CAPABILITIES,
      initializationOptions: options.initializationOptions,
    });
    await connection.sendNotification('initialized', {});
    return client;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest<R>(method, params);
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'aria', version: 1, text } });
  }

  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.notify('textDocument/didClose', { textDocument: { uri } });
  }

  /** The next diagnostics published for `uri` that pass `test` (or the current ones, if they already do and `fresh` is false). */
  waitForDiagnostics(uri: string, test: (d: PublishDiagnosticsParams) => boolean = () => true, fresh = false, timeoutMs = 30_000): Promise<Diagnostic[]> {
    const current = this.diagnostics.get(uri);
    if (!fresh && current && test(current)) return Promise.resolve(current.diagnostics);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({ uri, test, done: d => { clearTimeout(timer); resolvePromise(d.diagnostics); } });
    });
  }

  /** Resolves when a `$/progress` notification passing `test` has come (at once if one already has). */
  waitForProgress(test: (p: unknown) => boolean, timeoutMs = 30_000): Promise<void> {
    if (this.progress.some(test)) return Promise.resolve();
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such $/progress within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.progressWaiters.push({ test, done: () => { clearTimeout(timer); resolvePromise(); } });
    });
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.request('shutdown', null), new Promise(r => setTimeout(r, 2000))]);
      await this.notify('exit', null);
    } catch {
      // The server may already be gone.
    }
    await new Promise<void>(resolveExit => {
      if (this.child.exitCode !== null) return resolveExit();
      const timer = setTimeout(() => { this.child.kill(); resolveExit(); }, 2000);
      this.child.once('exit', () => { clearTimeout(timer); resolveExit(); });
    });
    this.connection.dispose();
  }
}

export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

/** The position (line, UTF-16 character) of the `n`th occurrence (0-based) of `needle` in `text`, plus `delta` characters. */
export function positionOf(text: string, needle: string, n = 0, delta = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at === -1) throw new Error(`"${needle}" #${n} not found`);
  }
  const offset = at + delta;
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}
