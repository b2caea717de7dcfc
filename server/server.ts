// The Aria language server: registers every LSP handler and glues the analyzer, the checker and the features together.
import { formatProjectError } from '../analysis/project.js';
import {
  CodeActionKind, DidChangeConfigurationNotification, DidChangeWatchedFilesNotification, FileChangeType, ProposedFeatures,
  TextDocumentSyncKind, createConnection, type Connection, type Diagnostic, type DocumentDiagnosticReport, type InitializeParams,
  type InitializeResult, type Position, type WorkspaceDocumentDiagnosticReport,
} from 'vscode-languageserver/node';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Workspace } from '../analysis/workspace.js';
import { createParser, wasmMemoryBytes } from '../grammar/parser.js';
import { Analyzer, CHECKED_CHARS, limitMessage, readDiskSource, uriToPath, type FileState } from './analyzer.js';
import { collectGarbage } from './memory.js';
import { FrameGuard } from './frames.js';
import { CheckThrottle } from './check-throttle.js';
import { CheckerSemantics } from './checker-semantics.js';
import { cancellationCheck, createContext, guarded, type ServerContext } from './context.js';
import { rangeOf, rangeProblem } from './convert.js';
import { incomingCalls, outgoingCalls, prepareCallHierarchy } from './features/call-hierarchy.js';
import { codeActions } from './features/code-actions.js';
import { codeLenses } from './features/code-lens.js';
import { completion, resolveCompletion } from './features/completion.js';
import { fileDiagnostics } from './features/diagnostics.js';
import { dischargedBy, explainArguments, explainEffect, handlersFor, implementation } from './features/effect-navigation.js';
import { hover } from './features/hover.js';
import { inlayHints } from './features/inlay-hints.js';
import { definition, highlights, prepareRename, references, rename, typeDefinition } from './features/navigation.js';
import { LEGEND, SemanticTokensCache, classifyTokens, effectfulCalls } from './features/semantic-tokens.js';
import { signatureHelp } from './features/signature-help.js';
import { foldingRanges, selectionRanges } from './features/structure.js';
import { documentSymbols, workspaceSymbols } from './features/symbols.js';
import { formatTree } from './format/formatter.js';
import { diffEdit } from '../analysis/text-edit.js';
import type { Semantics } from './semantics.js';
import { readSettings } from './settings.js';

/** Custom requests (see docs/server.md): each takes `{textDocument: {uri}, position}`. */
export const HANDLERS_FOR = 'aria/handlersFor';
export const DISCHARGED_BY = 'aria/dischargedBy';
export const EXPLAIN_EFFECT = 'aria/explainEffect';
/** What the server holds (files, open documents and their characters, trees): for tests, takes no params. */
export const SERVER_STATS = 'aria/serverStats';
/** The command behind `aria/explainEffect`, for clients that only run commands. */
export const EXPLAIN_COMMAND = 'aria.explainEffect';

/** `{textDocument: {uri}, position}` as LSP requests have it, or the shorter `{uri, position}`. */
interface PositionParams {
  readonly textDocument?: { readonly uri: string };
  readonly uri?: string;
  readonly position: Position;
}

export const SERVER_NAME = 'aria-language-server';
export const SERVER_VERSION = '0.1.0';

/** What `published` holds as the checker's report of a file past the size limit. */
const LIMITED: readonly unknown[] = [];

/** Characters of workspace files read at start-up between two checks (and collections) of what was read. */
const SCAN_BATCH = 256 * 1024;

/**
 * Starts the server on `connection`, or on one made from the process arguments (`--stdio`, `--node-ipc`,
 * `--socket=N`). Resolves once the handlers are registered and the connection listens.
 */
export async function startServer(connection: Connection = defaultConnection()): Promise<void> {
  const parser = await createParser();
  const analyzer = new Analyzer(parser);
  const ctx = createContext(connection, analyzer);
  const server = new AriaServer(ctx, new CheckerSemantics(analyzer));
  server.register();
  connection.listen();
}

/**
 * The connection the process arguments ask for. On stdio, the input passes through a FrameGuard first (a broken
 * frame is dropped and reading goes on), and console output goes to stderr (stdout carries the protocol).
 */
function defaultConnection(): Connection {
  if (!process.argv.includes('--stdio')) return createConnection(ProposedFeatures.all) as unknown as Connection;
  const guard = new FrameGuard(message => process.stderr.write(`${message}\n`));
  process.stdin.pipe(guard);
  for (const level of ['log', 'info', 'warn', 'debug'] as const) console[level] = (...args: unknown[]) => console.error(...args);
  return createConnection(ProposedFeatures.all, guard, process.stdout) as unknown as Connection;
}

class AriaServer {
  private pullDiagnostics = false;
  private configurationSupport = false;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /**
   * What was last published per URI: a file leaving is cleared, and an unchanged report is not sent again. An open
   * file's report is kept and turned into JSON only when a report for the same version comes (a new version is
   * always sent); a closed file's is kept as a digest of its JSON (there can be many, and they seldom change).
   */
  private readonly published = new Map<string, {
    readonly version?: number; readonly diagnostics?: Diagnostic[]; digest?: string;
    /** The checker's report it was made from, and the setting that shaped it. */
    checked: readonly unknown[]; readonly warningsAsErrors: boolean;
  }>();
  /** When each file's diagnostics may be computed again (see check-throttle.ts). */
  private readonly throttle = new CheckThrottle();
  private shuttingDown = false;
  private readonly semanticTokens = new SemanticTokensCache();
  /** Settles once the start-up scan has read the workspace: cross-file requests wait for it. */
  private scanned: Promise<void>;
  private markScanned: () => void = () => {};

  constructor(private readonly ctx: ServerContext, private readonly semantics: Semantics) {
    this.scanned = new Promise(resolve => (this.markScanned = resolve));
  }

  private get connection(): Connection {
    return this.ctx.connection;
  }

  private get analyzer(): Analyzer {
    return this.ctx.analyzer;
  }

  register(): void {
    const { connection } = this;
    connection.onInitialize(async params => {
      const result = this.initialize(params);
      // The checker resolves imports from one root: the first workspace folder.
      const root = this.analyzer.workspaceRoots[0] ?? process.cwd();
      // Imports the checker loads from disk: none past the checker's size limit (bytes: never fewer than characters).
      const readFromDisk = (path: string) => {
        try {
          const st = statSync(path, { throwIfNoEntry: false });
          return st?.isFile() && st.size <= CHECKED_CHARS ? readFileSync(path, 'utf8') : undefined;
        } catch {
          return undefined;
        }
      };
      this.analyzer.attach(await Workspace.create({ root, readFile: readFromDisk }));
      return result;
    });
    connection.onInitialized(() => void this.initialized());
    connection.onShutdown(() => {
      this.shuttingDown = true;
      for (const timer of this.timers.values()) clearTimeout(timer);
    });

    connection.onDidOpenTextDocument(params => {
      const file = this.analyzer.open(params.textDocument.uri, params.textDocument.text, params.textDocument.version);
      this.changed(file, 0);
    });
    connection.onDidChangeTextDocument(params => {
      // A change with a bad range is refused whole (a notification has no answer: it is logged). Applied, a
      // fractional position would shift every later span; refused, the document stays as it was, consistent.
      const changes: unknown = params.contentChanges;
      const problem = Array.isArray(changes)
        ? changes.map((c: { range?: unknown }, i) => (c && typeof c === 'object' && 'range' in c ? rangeProblem(c.range, `contentChanges[${i}].range`) : undefined)).find(p => p)
        : 'contentChanges must be an array';
      if (problem) {
        connection.console.error(`didChange of ${params.textDocument?.uri} refused: ${problem}`);
        return;
      }
      const file = this.analyzer.change(params.textDocument.uri, params.contentChanges, params.textDocument.version);
      if (file) this.changed(file, this.ctx.settings.diagnostics.debounceMs);
      // Each edit of a document past PARSED_CHARS copies all of it (50 MB): collected at once, twenty edits did not
      // take the server to a gigabyte before V8 saw fit to collect.
      if (file?.tier === 'none') collectGarbage();
    });
    connection.onDidCloseTextDocument(params => void this.closed(params.textDocument.uri));
    connection.onDidChangeConfiguration(params => void this.configure(params.settings));
    connection.onDidChangeWatchedFiles(params => void this.watched(params.changes));

    this.registerFeatures();

    connection.languages.diagnostics.on(guarded(this.ctx, 'diagnostics', { kind: 'full', items: [] } as DocumentDiagnosticReport, async params => {
      await this.scanned;
      const file = this.analyzer.get(params.textDocument.uri);
      return { kind: 'full', items: file ? this.diagnosticsOf(file) : [] } satisfies DocumentDiagnosticReport;
    }));
    connection.languages.diagnostics.onWorkspace(guarded(this.ctx, 'workspace diagnostics', { items: [] }, async (_params, token) => {
      await this.scanned;
      const check = cancellationCheck(token, 16);
      const items: WorkspaceDocumentDiagnosticReport[] = [];
      for (const file of this.analyzer.all()) {
        await check();
        items.push({ kind: 'full', uri: file.uri, version: file.open ? file.doc.version : null, items: this.diagnosticsOf(file) });
      }
      return { items };
    }));
  }

  /**
   * The file and offset a position request is about: undefined for a file the server does not know, and for one
   * past the checker's size limit (position requests are not syntax services).
   */
  private at(params: { textDocument?: { uri: string }; uri?: string; position: Position }): { file: FileState; offset: number } | undefined {
    const uri = params.textDocument?.uri ?? params.uri;
    const file = uri ? this.checked(uri) : undefined;
    return file && params.position ? { file, offset: file.doc.offsetAt(params.position) } : undefined;
  }

  /** A file the checker holds (not one past CHECKED_CHARS). */
  private checked(uri: string): FileState | undefined {
    const file = this.analyzer.get(uri);
    return file?.tier === 'checked' ? file : undefined;
  }

  /** A file that syntax services may answer for (not one past PARSED_CHARS: that one has no tree). */
  private parsed(uri: string): FileState | undefined {
    const file = this.analyzer.get(uri);
    return file && file.tier !== 'none' ? file : undefined;
  }

  private registerFeatures(): void {
    const { connection, ctx, semantics } = this;
    connection.onHover(guarded(ctx, 'hover', null, async params => {
      await this.scanned;
      const at = this.at(params);
      return at ? hover(ctx, semantics, at.file, at.offset) : null;
    }));
    connection.onDefinition(guarded(ctx, 'definition', [], async params => {
      await this.scanned;
      const at = this.at(params);
      return at ? definition(ctx, at.file, at.offset) : [];
    }));
    connection.onTypeDefinition(guarded(ctx, 'typeDefinition', [], async params => {
      await this.scanned;
      const at = this.at(params);
      return at ? typeDefinition(ctx, semantics, at.file, at.offset) : [];
    }));
    connection.onReferences(guarded(ctx, 'references', [], async (params, token) => {
      await this.scanned;
      const at = this.at(params);
      return at ? references(ctx, semantics, at.file, at.offset, params.context.includeDeclaration, cancellationCheck(token, 16)) : [];
    }));
    connection.onDocumentHighlight(guarded(ctx, 'documentHighlight', [], params => {
      const at = this.at(params);
      return at ? highlights(ctx, semantics, at.file, at.offset) : [];
    }));
    connection.onPrepareRename(guarded(ctx, 'prepareRename', null, async params => {
      await this.scanned;
      const at = this.at(params);
      return at ? prepareRename(ctx, semantics, at.file, at.offset) : null;
    }));
    connection.onRenameRequest(guarded(ctx, 'rename', null, async (params, token) => {
      await this.scanned;
      const at = this.at(params);
      return at ? rename(ctx, semantics, at.file, at.offset, params.newName, cancellationCheck(token, 16)) : null;
    }));
    connection.onDocumentSymbol(guarded(ctx, 'documentSymbol', [], params => {
      const file = this.parsed(params.textDocument.uri);
      return file ? documentSymbols(file) : [];
    }));
    connection.onFoldingRanges(guarded(ctx, 'foldingRange', [], params => {
      const file = this.parsed(params.textDocument.uri);
      return file ? this.analyzer.withTree(file, tree => foldingRanges(file, tree)) : [];
    }));
    connection.onSelectionRanges(guarded(ctx, 'selectionRange', [], params => {
      const file = this.parsed(params.textDocument.uri);
      return file ? this.analyzer.withTree(file, tree => selectionRanges(file, tree, params.positions)) : [];
    }));
    connection.languages.semanticTokens.on(guarded(ctx, 'semanticTokens', { data: [] }, params => {
      const file = this.parsed(params.textDocument.uri);
      return file ? this.semanticTokens.full(file, classifyTokens(file, effectfulCalls(file, semantics))) : { data: [] };
    }));
    connection.languages.semanticTokens.onDelta(guarded(ctx, 'semanticTokens/delta', { data: [] }, params => {
      const file = this.parsed(params.textDocument.uri);
      return file ? this.semanticTokens.delta(file, params.previousResultId, classifyTokens(file, effectfulCalls(file, semantics))) : { data: [] };
    }));
    connection.onDocumentFormatting(guarded(ctx, 'formatting', [], params => {
      const file = this.parsed(params.textDocument.uri);
      if (!file) return [];
      const text = file.doc.getText();
      const formatted = this.analyzer.withTree(file, tree => formatTree(tree, text));
      const edit = formatted === undefined ? undefined : diffEdit(text, formatted);
      return edit ? [{ range: rangeOf(file.doc, edit), newText: edit.text }] : [];
    }));
    connection.onCompletion(guarded(ctx, 'completion', null, async params => {
      await this.scanned;
      const at = this.at(params);
      const snippets = ctx.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
      return at ? completion(ctx, semantics, at.file, at.offset, snippets) : null;
    }));
    connection.onCompletionResolve(item => {
      try {
        return resolveCompletion(ctx, semantics, item);
      } catch (error) {
        connection.console.error(`completionItem/resolve failed: ${error instanceof Error ? error.stack : String(error)}`);
        return item;
      }
    });
    connection.onSignatureHelp(guarded(ctx, 'signatureHelp', null, async params => {
      await this.scanned;
      const at = this.at(params);
      return at ? signatureHelp(ctx, semantics, at.file, at.offset) : null;
    }));
    connection.languages.callHierarchy.onPrepare(guarded(ctx, 'callHierarchy/prepare', null, async params => {
      await this.scanned;
      const at = this.at(params);
      return at ? prepareCallHierarchy(ctx, at.file, at.offset) : null;
    }));
    connection.languages.callHierarchy.onIncomingCalls(guarded(ctx, 'callHierarchy/incomingCalls', null, params => incomingCalls(ctx, params.item)));
    connection.languages.callHierarchy.onOutgoingCalls(guarded(ctx, 'callHierarchy/outgoingCalls', null, params => outgoingCalls(ctx, params.item)));
    connection.onCodeAction(guarded(ctx, 'codeAction', [], async params => {
      await this.scanned;
      const file = this.checked(params.textDocument.uri);
      return file ? codeActions(ctx, file, params.context.diagnostics, params.context.only, semantics, params.range) : [];
    }));
    connection.onCodeLens(guarded(ctx, 'codeLens', [], params => {
      const file = this.checked(params.textDocument.uri);
      return file && ctx.settings.codeLens.enable ? codeLenses(file) : [];
    }));
    connection.languages.inlayHint.on(guarded(ctx, 'inlayHint', [], async params => {
      await this.scanned;
      const file = this.checked(params.textDocument.uri);
      return file ? inlayHints(file, semantics, ctx.settings, params.range) : [];
    }));
    connection.onImplementation(guarded(ctx, 'implementation', [], async params => {
      await this.scanned;
      const at = this.at(params);
      return at ? implementation(ctx, semantics, at.file, at.offset) : [];
    }));
    connection.onRequest(HANDLERS_FOR, guarded(ctx, HANDLERS_FOR, [], async (params: PositionParams) => {
      await this.scanned;
      const at = this.at(params);
      return at ? handlersFor(ctx, semantics, at.file, at.offset) : [];
    }));
    connection.onRequest(DISCHARGED_BY, guarded(ctx, DISCHARGED_BY, [], async (params: PositionParams) => {
      await this.scanned;
      const at = this.at(params);
      return at ? dischargedBy(ctx, semantics, at.file, at.offset) : [];
    }));
    connection.onRequest(EXPLAIN_EFFECT, guarded(ctx, EXPLAIN_EFFECT, null, async (params: PositionParams & { effect?: string }) => {
      await this.scanned;
      const at = this.at(params);
      return at ? explainEffect(ctx, semantics, at.file, at.offset, params.effect) : null;
    }));
    connection.onExecuteCommand(guarded(ctx, 'executeCommand', null, async params => {
      await this.scanned;
      if (params.command !== EXPLAIN_COMMAND) return null;
      const args = explainArguments(params.arguments);
      const at = args ? this.at({ textDocument: { uri: args.uri }, position: args.position }) : undefined;
      return at ? explainEffect(ctx, semantics, at.file, at.offset, args!.effect) : null;
    }));
    connection.onWorkspaceSymbol(guarded(ctx, 'workspaceSymbol', [], async (params, token) => {
      await this.scanned;
      return workspaceSymbols(ctx, params.query, cancellationCheck(token, 8));
    }));
    connection.onRequest(SERVER_STATS, guarded(ctx, SERVER_STATS, null, (params: { collect?: boolean } | null) => {
      const mb = (n: number) => Math.round(n / (1024 * 1024));
      // `collect: true`: a full collection first (with --expose-gc), so that heapUsed is what is live.
      if (params?.collect === true) collectGarbage();
      const m = process.memoryUsage();
      // Memory is for a person to read (tests assert on the state, never on memory).
      return { ...this.analyzer.stats(), memoryMb: { rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external + m.arrayBuffers), wasm: mb(wasmMemoryBytes()) } };
    }));
  }

  private initialize(params: InitializeParams): InitializeResult {
    const caps = params.capabilities;
    this.ctx.capabilities = caps;
    this.pullDiagnostics = caps.textDocument?.diagnostic !== undefined;
    this.configurationSupport = caps.workspace?.configuration === true;
    const roots = (params.workspaceFolders ?? []).map(f => uriToPath(f.uri));
    if (!roots.length && params.rootUri) roots.push(uriToPath(params.rootUri));
    this.analyzer.setRoots(roots);
    if (params.initializationOptions && typeof params.initializationOptions === 'object') {
      this.ctx.settings = readSettings((params.initializationOptions as Record<string, unknown>).settings ?? params.initializationOptions);
    }
    return {
      serverInfo: { name: SERVER_NAME, version: SERVER_VERSION },
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        diagnosticProvider: this.pullDiagnostics
          ? { identifier: 'aria', interFileDependencies: true, workspaceDiagnostics: true }
          : undefined,
        hoverProvider: true,
        definitionProvider: true,
        typeDefinitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: { label: 'Aria' },
        workspaceSymbolProvider: true,
        implementationProvider: true,
        completionProvider: { triggerCharacters: ['.', '{'], resolveProvider: true },
        signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [':'] },
        callHierarchyProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        inlayHintProvider: { resolveProvider: false },
        executeCommandProvider: { commands: [EXPLAIN_COMMAND] },
        foldingRangeProvider: true,
        selectionRangeProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: { delta: true }, range: false },
        documentFormattingProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: false } },
      },
    };
  }

  private async initialized(): Promise<void> {
    const caps = this.ctx.capabilities;
    if (caps.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void this.connection.client.register(DidChangeConfigurationNotification.type, { section: 'aria' }).catch(() => {});
    }
    if (caps.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      void this.connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.aria' }] }).catch(() => {});
    }
    try {
      await this.configure(undefined);
      await this.scanWorkspace();
    } finally {
      this.markScanned();
    }
  }

  /** Reads the `aria` settings (pulled when the client supports it, else taken from the notification). */
  private async configure(pushed: unknown): Promise<void> {
    let raw: unknown = pushed && typeof pushed === 'object' ? (pushed as Record<string, unknown>).aria : undefined;
    if (this.configurationSupport) {
      raw = await this.connection.workspace.getConfiguration('aria').catch(() => raw);
    }
    if (raw !== undefined && raw !== null) this.ctx.settings = readSettings(raw);
    this.refreshAll();
  }

  /** Reads every `.aria` file of the workspace and reports its diagnostics, with work-done progress. */
  private async scanWorkspace(): Promise<void> {
    if (!this.analyzer.workspaceRoots.length) return;
    const progress = await this.connection.window.createWorkDoneProgress().catch(() => undefined);
    progress?.begin('Aria: checking the workspace', 0, 'scanning', false);
    try {
      // Checked in batches of about SCAN_BATCH characters, with a collection after each: the garbage of one
      // batch (the ASTs the checker lets go of closed files) is gone before the next is read.
      let sinceBatch = 0;
      await this.analyzer.scanWorkspace(() => this.shuttingDown, (done, total, file) => {
        if (done % 20 === 0 || done === total) progress?.report(Math.round((done / Math.max(1, total)) * 100), `${done}/${total} files`);
        sinceBatch += file?.doc.getText().length ?? 0;
        if (sinceBatch >= SCAN_BATCH && this.analyzer.checker) {
          sinceBatch = 0;
          this.analyzer.checker.update();
          collectGarbage();
        }
      });
      for (const error of this.analyzer.projectErrors) {
        void this.connection.window.showWarningMessage(`Aria: ${formatProjectError(error)} (the whole folder is checked)`);
      }
      this.semantics.refresh();
      this.refreshAll();
    } finally {
      progress?.done();
    }
  }

  private async closed(uri: string): Promise<void> {
    this.semanticTokens.forget(uri);
    this.throttle.forget(uri);
    const tier = this.analyzer.get(uri)?.tier;
    const big = tier !== undefined && tier !== 'checked';
    const file = await this.analyzer.close(uri);
    // A document past the checker's limit held megabytes: they are given back now, not at V8's leisure.
    if (big) collectGarbage();
    if (file) {
      this.changed(file, 0);
    } else if (!this.pullDiagnostics) {
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
      this.published.delete(uri);
    }
  }

  private async watched(changes: readonly { uri: string; type: number }[]): Promise<void> {
    for (const change of changes) {
      const existing = this.analyzer.get(change.uri);
      if (existing?.open) continue;
      if (change.type === FileChangeType.Deleted) {
        this.analyzer.removeDiskFile(change.uri);
        if (!this.pullDiagnostics) void this.connection.sendDiagnostics({ uri: change.uri, diagnostics: [] });
        continue;
      }
      const text = await readDiskSource(uriToPath(change.uri));
      if (text !== undefined) this.analyzer.setDiskFile(change.uri, text);
      else this.analyzer.removeDiskFile(change.uri);
    }
    this.semantics.refresh();
    this.refreshAll();
  }

  // ---------------------------------------------------------------- diagnostics

  private diagnosticsOf(file: FileState): Diagnostic[] {
    const limit = limitMessage(file);
    if (limit) return [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 2, source: 'aria', code: 'size-limit', message: limit }];
    this.semantics.refresh();
    return fileDiagnostics(this.ctx, this.semantics, file);
  }

  /** A file changed: its diagnostics (and those of the files that may depend on it) are due after `delay` ms. */
  private changed(file: FileState, delay: number): void {
    if (this.pullDiagnostics) {
      if (this.ctx.capabilities.workspace?.diagnostics?.refreshSupport) {
        this.schedule('refresh', delay, () => void this.connection.languages.diagnostics.refresh().catch(() => {}));
      }
      this.schedule('views', 250, () => this.refreshViews());
      return;
    }
    // Changes that come close together are gathered (a pending check reads the text as it is when it runs); the
    // throttle says when the next check may start.
    if (this.timers.has(file.uri)) return;
    this.schedule(file.uri, this.throttle.delay(file.uri, delay), () => this.throttle.check(file.uri, () => {
      this.semantics.refresh();
      this.schedule('views', 250, () => this.refreshViews());
      this.publish(file.uri);
      for (const other of this.analyzer.all()) if (other.uri !== file.uri && this.published.has(other.uri)) this.publish(other.uri);
    }));
  }

  private schedule(key: string, delay: number, run: () => void): void {
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    const go = () => {
      this.timers.delete(key);
      if (this.shuttingDown) return;
      try {
        run();
      } catch (error) {
        this.connection.console.error(`diagnostics failed: ${error instanceof Error ? error.stack : String(error)}`);
      }
    };
    if (delay <= 0) {
      // After the messages already received (a burst of changes is applied before the check runs).
      this.timers.set(key, setTimeout(go, 0));
    } else {
      this.timers.set(key, setTimeout(go, delay));
    }
  }

  private publish(uri: string): void {
    const file = this.analyzer.get(uri);
    if (!file) return;
    const version = file.open ? file.doc.version : undefined;
    const warningsAsErrors = this.ctx.settings.checker.warningsAsErrors;
    // The checker answers with the same array while nothing changed: then the report already sent stands. A file
    // past the size limit is not the checker's: its one diagnostic changes with its version only.
    const checked = file.tier === 'checked' ? this.semantics.diagnostics(file) : LIMITED;
    const last = this.published.get(file.uri);
    if (last && last.version === version && last.checked === checked && last.warningsAsErrors === warningsAsErrors) return;
    const diagnostics = file.tier === 'checked' ? fileDiagnostics(this.ctx, this.semantics, file) : this.diagnosticsOf(file);
    if (diagnostics.length === 0 && !this.published.has(file.uri) && !file.open) return;
    const digestOf = (d: Diagnostic[]) => createHash('sha1').update(JSON.stringify(d)).digest('base64');
    let digest: string | undefined;
    if (last && last.version === version) {
      last.digest ??= digestOf(last.diagnostics ?? []);
      digest = digestOf(diagnostics);
      if (digest === last.digest && last.warningsAsErrors === warningsAsErrors) {
        last.checked = checked;
        return;
      }
    }
    if (version === undefined) this.published.set(file.uri, { version, digest: digest ?? digestOf(diagnostics), checked, warningsAsErrors });
    else this.published.set(file.uri, { version, diagnostics, digest, checked, warningsAsErrors });
    void this.connection.sendDiagnostics({ uri: file.uri, version, diagnostics });
  }

  /** Asks the client to re-request what other files' changes may have made stale (rows in hints, lenses). */
  private refreshViews(): void {
    const ws = this.ctx.capabilities.workspace;
    if (ws?.inlayHint?.refreshSupport) void this.connection.languages.inlayHint.refresh().catch(() => {});
    if (ws?.codeLens?.refreshSupport) void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => {});
  }

  private refreshAll(): void {
    this.refreshViews();
    if (this.pullDiagnostics) {
      if (this.ctx.capabilities.workspace?.diagnostics?.refreshSupport) void this.connection.languages.diagnostics.refresh().catch(() => {});
      return;
    }
    this.semantics.refresh();
    for (const file of this.analyzer.all()) this.publish(file.uri);
  }
}
