// The analysis entry point: a workspace of Aria files, re-checked incrementally, answering editor queries in plain data.
/*
 * Usage (see docs/analysis.md):
 *
 *   const ws = await Workspace.create({ root: '/project', readFile: p => (existsSync(p) ? readFileSync(p, 'utf8') : undefined) });
 *   ws.setFile('/project/main.aria', text);          // parses (incrementally when the file is known)
 *   ws.updateFile('/project/main.aria', newText);     // the same; `edits` optional (start/end/text, applied in order)
 *   ws.diagnostics('/project/main.aria');             // syntax (E0001), names, arity, effect rules
 *   ws.symbolAt(path, offset); ws.definition(path, offset); ws.references(path, offset);
 *   ws.scopeAt(path, offset);                         // completion candidates
 *   ws.functionRows(path); ws.effectOrigins(path, 'fetch_all'); ws.handlersFor(path, offset); ws.dischargedBy(path, offset);
 *   ws.documentSymbols(path); ws.workspaceSymbols('fetch'); ws.callHierarchyItem / incomingCalls / outgoingCalls
 *
 * Paths are file-system paths (relative ones are taken from the root); spans are UTF-16 offsets [start, end).
 * Nothing here throws on user input. Queries compute lazily what edits invalidated: a file's tree, AST, exports
 * and analysis are cached per file and redone only when its text or its imports' exports change; rows are
 * re-solved only for the functions that depend on what changed. A query given a cancelled token returns an
 * empty answer and leaves the work for the next call.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createParser, editFor } from '../grammar/parser.js';
import type { Parser, Tree } from 'web-tree-sitter';
import {
  BUILTIN_CONSTANTS,
  BUILTIN_CONSTRUCTORS,
  BUILTIN_EFFECT_INFO,
  BUILTIN_EFFECTS,
  BUILTIN_FUNCTIONS,
  BUILTIN_HANDLERS,
  builtinSignaturesSource,
  isBuiltinEffect,
} from './builtins.js';
import { functionItem, incomingCalls, itemAround, outgoingCalls, type CallHierarchyCall, type CallHierarchyItem, type HierarchyHost } from './call-hierarchy.js';
import { compareDiagnostics, diagnostic, type Diagnostic } from './diagnostics.js';
import { dischargedBy, effectOrigins, functionRow, functionRows, handlersFor, type DischargedCall, type EffectHost, type EffectOrigin, type FunctionRow, type HandlerRef } from './effect-queries.js';
import { effectName } from './effect-keys.js';
import { analyzeFile, newItemCache, type FileAnalysis, type FileContext } from './file-analyzer.js';
import { LineIndex } from './line-index.js';
import { diffEdit, type TextEdit } from './text-edit.js';
import { checkProgram, type Member, type ProgramSource, type ProgramTypes } from './typing/checker.js';
import { fieldReferences, membersAt, typeAt, typeDefinition, typeHints, type FieldReferences, type TypeAt, type TypeHintAt, type TypeHost } from './type-queries.js';
import { exportKind, moduleExports, type ModuleExports } from './module-exports.js';
import { resolveModule, visibleAt, type FileIndex, type Reference as NameReference, type Target } from './names.js';
import {
  builtinId, builtinSymbol, declarationOfId, describe, describeBuiltin, referencesIn, resolveTarget, targetAt, type Declared, type NameHost,
} from './navigation.js';
import type { Location, ScopeEntry, SymbolInfo, SymbolKind } from './symbols.js';
import type * as A from './syntax/ast.js';
import type { Module, Span } from './syntax/ast.js';
import { lowerModule, lowerModuleAgain, type Reuse } from './syntax/lower.js';

export type { ChainStep } from './effect-queries.js';

/** Set by the caller to ask a query to stop: it then answers empty and leaves the work for the next call. */
export interface CancellationToken {
  readonly isCancellationRequested: boolean;
}
export type { Diagnostic, RelatedInformation, Severity, DiagnosticCode } from './diagnostics.js';
export type { Location, ScopeEntry, SymbolInfo, SymbolKind } from './symbols.js';

export interface WorkspaceOptions {
  /** Imports resolve from here first (`import net.http` is `<root>/net/http.aria`), then from the importing file's folder. */
  readonly root: string;
  /** Reads a file the workspace does not hold yet (an import target); undefined when it does not exist. */
  readonly readFile?: (path: string) => string | undefined;
  /**
   * How much text (UTF-16 units, all together) the closed files (added with `keepTree: false`) that keep their AST
   * and navigation model may have; those used longest ago let theirs go and rebuild them from the text when a
   * query needs them. Default 100,000.
   */
  readonly closedAstBudget?: number;
  /**
   * Only diagnostics will be asked of this workspace, once (`aria check`): the type checker records no types for the
   * queries (hover, inlay hints, completion, renaming fields find nothing) and keeps nothing for a re-check, so a
   * check after a change checks every file again.
   */
  readonly diagnosticsOnly?: boolean;
  /**
   * Told of each piece of work done again (the recompute log, for tests and tracing): a top-level item lowered to
   * the AST, analysed (names, arity, handlers) or type-checked, and a file's top-level statements.
   */
  readonly onRecompute?: (event: Recompute) => void;
  /** For tests: told when a shortcut of the type checker's item reuse disagrees with what it stands for. */
  readonly onShortcutMismatch?: (what: string) => void;
}

/** One piece of work a check did (not reused): `item` is a top-level item's name, `(top level)` for statements. */
export interface Recompute {
  readonly step: 'lower' | 'analyse' | 'type';
  readonly path: string;
  readonly item: string;
}

const TOP_LEVEL = '(top level)';

function itemLabel(x: A.Item | A.Stmt | undefined): string {
  if (!x) return TOP_LEVEL;
  switch (x.kind) {
    case 'Fn':
    case 'Handler':
    case 'Effect':
    case 'Struct':
    case 'Enum':
      return x.name.name;
    case 'Import':
      return `import ${x.path.map(p => p.name).join('.')}`;
    default:
      return TOP_LEVEL;
  }
}

export type { TextEdit } from './text-edit.js';

export interface SymbolAt {
  readonly symbol: SymbolInfo;
  /** The span of the name under the offset. */
  readonly span: Span;
  readonly isDeclaration: boolean;
  /** For functions and operations: the declared and the inferred row. */
  readonly row?: FunctionRow;
}

export type { DischargedCall, EffectOrigin, FunctionRow, HandlerRef } from './effect-queries.js';

export interface DocumentSymbol {
  readonly name: string;
  readonly kind: SymbolKind;
  readonly span: Span;
  readonly nameSpan: Span;
  readonly detail: string;
  readonly children: readonly DocumentSymbol[];
}

export interface WorkspaceSymbol {
  readonly name: string;
  readonly kind: SymbolKind;
  readonly path: string;
  readonly span: Span;
  readonly nameSpan: Span;
  readonly container?: string;
}

export type { CallHierarchyCall, CallHierarchyItem } from './call-hierarchy.js';

const CLOSED_AST_BUDGET = 100_000;

export interface FileOptions {
  /** Keep the parse tree after lowering (default true): for incremental reparses and `syntaxTree`. */
  readonly keepTree?: boolean;
}

interface FileState {
  readonly path: string;
  text: string;
  /** The parse tree, kept for the next incremental parse and for syntax queries, unless the caller let it go. */
  tree?: Tree;
  /**
   * Keep `tree` after lowering (open documents); else the tree is freed once the AST is made, and the AST itself
   * (and the navigation model) are kept only for the few closed files used last (`closedAstBudget`).
   */
  keepTree: boolean;
  module?: Module;
  /** The previous version's AST and where the text changed since: the next lowering reuses what was not touched. */
  reuse?: Reuse;
  /** Replaced an earlier text of the same file (an edit): such files keep what checking their items gave. */
  edited?: boolean;
  documentSymbols?: readonly DocumentSymbol[];
  /** What the checker needs of the AST every time, kept when the AST is let go: imports and syntax errors. */
  outline?: { readonly imports: readonly (readonly string[])[]; readonly syntaxErrors: Module['syntaxErrors']; readonly errorRegions: Module['errorRegions'] };
  lines?: LineIndex;
  exports?: ModuleExports;
  analysis?: FileAnalysis;
  /** The name model of `module` (declarations, references, scopes), made when a query needs it. */
  names?: { readonly module: Module; readonly index: FileIndex };
  analysisKey?: string;
  /** Loaded to resolve an import, not added by the client. */
  implicit: boolean;
  /** Lowering ran out of stack: the file is checked as empty and reports E0002. */
  tooDeep?: boolean;
  /** The last answer of `diagnostics` and what it was made from. */
  lastReport?: { readonly analysis: FileAnalysis; readonly typed: readonly Diagnostic[]; readonly result: Diagnostic[] };
}

const NO_DIAGNOSTICS: readonly Diagnostic[] = [];

export type { Member } from './typing/checker.js';
export type { FieldReferences, TypeAt, TypeHintAt } from './type-queries.js';


export class Workspace {
  private readonly files = new Map<string, FileState>();
  private readonly root: string;
  private dirty = true;
  private rev = 0;
  /** Counts re-analyses of any file: chains in related information may point into them. */
  private generation = 0;

  private constructor(private readonly parser: Parser, private readonly options: WorkspaceOptions) {
    this.root = resolve(options.root);
  }

  static async create(options: WorkspaceOptions): Promise<Workspace> {
    return new Workspace(await createParser(), options);
  }

  /** The built-in functions' signatures, lowered once per workspace for the type checker. */
  private builtinsModule?: Module;
  private typing?: { readonly rev: number; readonly result: ProgramTypes };
  /** Closed files a query asked the types of: checked with their records from then on (see `typesOf`). */
  private readonly wantRecords = new Set<string>();

  /**
   * The program's types, with those recorded for `path` (hover, hints, completion, the effect queries read them).
   * A closed file is checked without records (they are most of what a check keeps); the first query that wants
   * them has the file checked again with them, on its own: the rest of the program is reused.
   */
  private typesOf(path: string, token?: CancellationToken): ProgramTypes | undefined {
    const types = this.types(token);
    if (!types || !this.unrecorded(path)) return types;
    this.wantRecords.add(path);
    this.retype();
    return this.types(token);
  }

  /** Whether the last check left a file without records (a closed file). */
  private unrecorded(path: string): boolean {
    return this.typing?.result.reuse?.get(path)?.recorded === false;
  }

  /** Has the next `types()` check again with the last result as the previous one (the store is unchanged). */
  private retype(): void {
    if (this.typing) this.typing = { rev: -1, result: this.typing.result };
  }

  /** The whole program's types and type diagnostics (every file and what it imports), recomputed after a change. */
  types(token?: CancellationToken): ProgramTypes | undefined {
    if (!this.analysed(token)) return undefined;
    if (this.typing && this.typing.rev === this.rev) return this.typing.result;
    if (!this.builtinsModule) {
      const text = builtinSignaturesSource();
      const tree = this.parser.parse(text);
      this.builtinsModule = tree ? lowerModule(tree, text, '<builtins>') : emptyModule({ path: '<builtins>', text });
      tree?.delete();
    }
    const t0 = performance.now();
    const files = this.filePaths({ imports: true });
    const builtins = this.builtinsModule;
    const source = this.typingSource(files, builtins);
    const check = (previous: ProgramTypes | undefined, wholeFiles?: ReadonlySet<string>) => guarded(() => checkProgram({
      ...source,
      ...(previous ? { previous } : {}),
      ...(wholeFiles ? { wholeFiles } : {}),
    }), () => failedTypes(files));
    const previous = this.options.diagnosticsOnly ? undefined : this.typing?.result;
    let result = check(previous);
    // Explanations that run into bodies reused at another place would point where those bodies were.
    if (result.moved && result.moved.size > 0) result = check(previous, result.moved);
    this.timings.typeMs += performance.now() - t0;
    this.typing = { rev: this.rev, result };
    return result;
  }

  /**
   * What the type checker reads of the workspace. Made apart from the previous result: the checker's result keeps
   * these callbacks, and a closure made where the previous result is in scope would keep every result alive.
   */
  private typingSource(files: readonly string[], builtins: Module): ProgramSource {
    return {
      files,
      module: p => {
        const f = this.files.get(p);
        return f && !f.tooDeep ? this.lowered(f) : undefined;
      },
      resolveImport: (from, segments) => this.resolveImport(from, segments),
      builtins,
      stamp: p => this.files.get(p)?.text,
      recorded: p => this.files.get(p)?.keepTree !== false || this.wantRecords.has(p),
      ...(this.options.diagnosticsOnly ? { diagnosticsOnly: true, release: (p: string) => this.release(p) } : {}),
      ...(this.options.onShortcutMismatch ? { shortcutMismatch: this.options.onShortcutMismatch } : {}),
      ...(this.options.onRecompute ? { checked: (path: string, item: A.FnDecl | A.HandlerDecl | undefined) => this.options.onRecompute!({ step: 'type', path, item: itemLabel(item) }) } : {}),
    };
  }

  /** Time spent so far in each phase (milliseconds), for benchmarks and logs. */
  readonly timings = { parseMs: 0, lowerMs: 0, analyzeMs: 0, solveMs: 0, typeMs: 0 };

  /** Increases with every change of the workspace's files. */
  get revision(): number {
    return this.rev;
  }

  /** The normalised path the workspace uses for `path`. */
  path(path: string): string {
    return isAbsolute(path) ? resolve(path) : resolve(this.root, path);
  }

  // ---------------------------------------------------------------- files

  /**
   * Adds or replaces a file. A known file is re-parsed incrementally (the change is found by diffing).
   * `keepTree: false` frees the parse tree as soon as the file is lowered (files not open in an editor: their
   * trees would be most of the memory, and nothing reparses them incrementally); `syntaxTree` is then undefined.
   */
  setFile(path: string, text: string, options: FileOptions = {}): void {
    this.updateFile(path, text, undefined, options);
  }

  /** Replaces a file's text; `edits`, if given, describe the change (applied in order) so the parse can reuse the old tree. */
  updateFile(path: string, text: string, edits?: readonly TextEdit[], options: FileOptions = {}): void {
    const key = this.path(path);
    const old = this.files.get(key);
    const keepTree = options.keepTree ?? true;
    if (old && old.text === text) {
      old.implicit = false;
      // A closed file opened: the next check (the diagnostics that follow an open) records its types, so that the
      // first hover or hint does not wait for that check.
      if (keepTree && !old.keepTree && this.unrecorded(key)) this.retype();
      old.keepTree = keepTree;
      if (!keepTree) this.dropTree(old);
      return;
    }
    if (!keepTree) {
      // Parsed when first needed, and the tree freed right after lowering.
      old?.tree?.delete();
      this.files.set(key, { path: key, text, keepTree, implicit: false });
      this.changed();
      return;
    }
    let tree: Tree | null = null;
    const t0 = performance.now();
    let reuse: Reuse | undefined;
    if (old?.tree) {
      const oldTree = old.tree;
      const whole = edits ? undefined : diffEdit(old.text, text);
      const steps = edits ?? (whole ? [whole] : []);
      let current = old.text;
      // The changed interval, carried through the edits into the coordinates of the final text.
      let lo = Infinity;
      let hi = -Infinity;
      for (const e of steps) {
        const start = clamp(e.start, 0, current.length);
        const end = clamp(e.end, start, current.length);
        const next = current.slice(0, start) + e.text + current.slice(end);
        oldTree.edit(editFor(current, start, end, next));
        const delta = e.text.length - (end - start);
        const map = (p: number) => (p < start ? p : p >= end ? p + delta : start);
        if (lo <= hi) [lo, hi] = [map(lo), map(hi)];
        lo = Math.min(lo, start);
        hi = Math.max(hi, start + e.text.length);
        current = next;
      }
      tree = current === text ? this.parser.parse(text, oldTree) : null;
      if (tree && old.module && lo <= hi) {
        // Where tree-sitter found the structure changed (an edit can change how the text after it parses).
        for (const r of oldTree.getChangedRanges(tree)) {
          lo = Math.min(lo, r.startIndex);
          hi = Math.max(hi, r.endIndex);
        }
        reuse = { module: old.module, text: old.text, changedStart: lo, changedEnd: hi };
      }
      oldTree.delete();
      old.tree = undefined;
    }
    tree ??= this.parser.parse(text);
    this.timings.parseMs += performance.now() - t0;
    if (!tree) return;
    this.files.set(key, { path: key, text, tree, keepTree, implicit: false, reuse, edited: old !== undefined });
    this.changed();
  }

  /** Lowers the file while its tree is at hand, then frees the tree. */
  private dropTree(f: FileState): void {
    if (!f.tree) return;
    this.lowered(f);
    f.tree.delete();
    f.tree = undefined;
  }

  removeFile(path: string): void {
    const key = this.path(path);
    const old = this.files.get(key);
    if (!old) return;
    old.tree?.delete();
    this.files.delete(key);
    this.analysisContexts.delete(key);
    this.changed();
  }

  /** Frees the parse trees (wasm memory); the workspace is empty afterwards. */
  dispose(): void {
    for (const f of this.files.values()) f.tree?.delete();
    this.files.clear();
    this.analysisContexts.clear();
    this.changed();
  }

  hasFile(path: string): boolean {
    return this.files.has(this.path(path));
  }

  /** The files added by the client; with `imports`, also those loaded only to resolve imports (after a check). */
  filePaths(options: { readonly imports?: boolean } = {}): string[] {
    return [...this.files.values()].filter(f => options.imports || !f.implicit).map(f => f.path).sort();
  }

  text(path: string): string | undefined {
    return this.files.get(this.path(path))?.text;
  }

  lineIndex(path: string): LineIndex | undefined {
    const f = this.files.get(this.path(path));
    if (!f) return undefined;
    f.lines ??= new LineIndex(f.text);
    return f.lines;
  }

  /**
   * The tree-sitter tree of a file (owned by the workspace: do not edit or delete it); undefined for a file added
   * with `keepTree: false`.
   */
  syntaxTree(path: string): Tree | undefined {
    return this.files.get(this.path(path))?.tree;
  }

  /** The lowered AST of a file. */
  module(path: string): Module | undefined {
    const f = this.files.get(this.path(path));
    return f ? this.lowered(f) : undefined;
  }

  private changed(): void {
    this.dirty = true;
    this.rev++;
  }

  /** What checking each top-level item gave, reused when an edit elsewhere in its file leaves it as it was. */
  private readonly itemResults = newItemCache();

  /** While every file's diagnostics are computed: the ASTs lowered meanwhile, whatever the budget. */
  private pinned: Map<FileState, Module> | undefined;

  /** Closed files lowered last (oldest first): only these keep their AST and navigation model. */
  private readonly closedLowered: FileState[] = [];

  private lowered(f: FileState): Module {
    const pinned = this.pinned?.get(f);
    if (pinned && !f.module) return pinned;
    if (!f.module) {
      // A file that keeps no tree (or whose AST was let go) is parsed for this, and the tree freed after.
      let t0 = performance.now();
      const tree = f.tree ?? this.parser.parse(f.text);
      if (tree !== f.tree) {
        this.timings.parseMs += performance.now() - t0;
        t0 = performance.now();
      }
      try {
        const reuse = f.reuse;
        f.reuse = undefined;
        const log = this.options.onRecompute;
        const lowered = log ? (results: readonly (A.Item | A.Stmt)[]) => {
          for (const r of results) log({ step: 'lower', path: f.path, item: itemLabel(r) });
        } : undefined;
        f.module = tree ? guarded(() => {
          if (reuse && tree === f.tree) return lowerModuleAgain(tree, f.text, f.path, reuse, lowered);
          const module = lowerModule(tree, f.text, f.path);
          lowered?.([...module.items, ...module.statements]);
          return module;
        }, () => {
          f.tooDeep = true;
          return emptyModule(f);
        }) : emptyModule(f);
      } finally {
        if (tree && tree !== f.tree) tree.delete();
      }
      this.timings.lowerMs += performance.now() - t0;
      const module = f.module;
      this.pinned?.set(f, module);
      f.outline ??= {
        imports: module.items.flatMap(item => (item.kind === 'Import' && item.path.length ? [item.path.map(p => p.name)] : [])),
        syntaxErrors: module.syntaxErrors,
        errorRegions: module.errorRegions,
      };
      f.exports ??= moduleExports(module, f.keepTree);
      if (!f.keepTree) this.rememberClosed(f);
      return module;
    }
    return f.module;
  }

  /** Lets a closed file's AST go once a check for diagnostics only is done with it (it is lowered again if asked). */
  private release(path: string): void {
    const f = this.files.get(path);
    if (!f || f.keepTree) return;
    this.pinned?.delete(f);
    this.dropAst(f);
  }

  /** A closed file lets its AST and name model go (made again from the text when a query needs them). */
  private dropAst(f: FileState): void {
    if (f.keepTree) return;
    f.module = undefined;
    f.names = undefined;
  }

  /** Keeps the AST of a closed file among those lowered last, within the budget; lets the oldest ones' go. */
  private rememberClosed(f: FileState): void {
    const list = this.closedLowered;
    const at = list.indexOf(f);
    if (at >= 0) list.splice(at, 1);
    list.push(f);
    let size = list.reduce((n, x) => n + x.text.length, 0);
    while (list.length > 1 && size > (this.options.closedAstBudget ?? CLOSED_AST_BUDGET)) {
      const old = list.shift()!;
      size -= old.text.length;
      this.dropAst(old);
    }
  }

  /** A file's imports and syntax errors (from the AST, which need not be in memory any more). */
  private outline(f: FileState): NonNullable<FileState['outline']> {
    if (!f.outline) this.lowered(f);
    return f.outline!;
  }

  /** What a file exports (made when it is lowered; it outlives the AST). */
  private exportsOfState(f: FileState): ModuleExports {
    if (!f.exports) this.lowered(f);
    return f.exports!;
  }

  /** `import a.b` from `from`: the root first, then the importing file's folder; loads it through `readFile` if needed. */
  private resolveImport(from: string, segments: readonly string[]): string | undefined {
    const relative = `${join(...segments)}.aria`;
    const candidates = [resolve(this.root, relative), resolve(dirname(from), relative)];
    for (const c of candidates) if (this.files.has(c)) return c;
    for (const c of candidates) {
      const text = this.options.readFile?.(c);
      if (text === undefined) continue;
      // Parsed when lowered, keeping no tree: nobody edits a file loaded for an import.
      this.files.set(c, { path: c, text, keepTree: false, implicit: true });
      this.dirty = true;
      return c;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- analysis

  /**
   * Checks what changed since the last check now (queries do it when they need it): analyses and rows up to date.
   * Returns false when cancelled.
   */
  update(token?: CancellationToken): boolean {
    return this.analysed(token);
  }

  /** Brings every file's analysis (names, arity, handlers, unknown effects) up to date. False when cancelled. */
  private analysed(token?: CancellationToken): boolean {
    if (!this.dirty) return true;
    const changedFiles = new Set<string>();
    // Resolving an import may load a file (setting `dirty` again): repeat until nothing new appears.
    do {
      this.dirty = false;
      for (const f of [...this.files.values()]) {
        if (token?.isCancellationRequested) {
          this.dirty = true;
          return false;
        }
        const key = this.dependencyKey(f);
        if (f.analysis && f.analysisKey === key) continue;
        const module = this.lowered(f);
        const t0 = performance.now();
        const own = this.exportsOfState(f);
        // Only files being edited (kept open, changed at least once) keep per-item results: the memory and the
        // bookkeeping are for them, not for a whole workspace checked once.
        const log = this.options.onRecompute;
        const analysed = log ? (item: A.Item | undefined) => log({ step: 'analyse', path: f.path, item: itemLabel(item) }) : undefined;
        const items = f.keepTree && f.edited ? { cache: this.itemResults, context: this.analysisContext(f.path, `${f.path}\n${own.signature}\n${key}`), analysed } : undefined;
        if (!items && analysed) {
          for (const item of module.items) analysed(item);
          if (module.statements.length > 0) analysed(undefined);
        }
        f.analysis = guarded(() => analyzeFile(module, own, this.fileContext(f), { items }), () => failedAnalysis(f.path));
        this.timings.analyzeMs += performance.now() - t0;
        f.analysisKey = key;
        changedFiles.add(f.path);
        this.generation++;
      }
    } while (this.dirty);
    return true;
  }

  /** The last context each edited file was analysed in (see `analysisContext`). */
  private readonly analysisContexts = new Map<string, string>();

  /**
   * A file's analysis context as the same string object while its content is the same: each item compares it with
   * the context it was checked in, and two equal strings that are one object compare at once, while two copies
   * compare character by character (the context holds the file's whole exports signature).
   */
  private analysisContext(path: string, context: string): string {
    const last = this.analysisContexts.get(path);
    if (last === context) return last;
    this.analysisContexts.set(path, context);
    return context;
  }

  private fileContext(f: FileState): FileContext {
    return {
      resolveImport: segments => this.resolveImport(f.path, segments),
      exportsOf: p => {
        const target = this.files.get(p);
        return target ? this.exportsOfState(target) : undefined;
      },
    };
  }

  /**
   * The name model of a file the workspace holds: its declarations, references, scopes, calls and `with` blocks
   * (made from its AST when first asked, kept while the AST is). Every query about what a name means reads it.
   */
  names(path: string): FileIndex | undefined {
    const f = this.files.get(this.path(path));
    if (!f) return undefined;
    const module = this.lowered(f);
    if (f.names?.module !== module) f.names = { module, index: guarded(() => resolveModule(module, f.path), () => resolveModule(emptyModule(f), f.path)) };
    return f.names.index;
  }

  /** What the navigation queries read of the workspace. */
  private readonly nameHost: NameHost = {
    names: path => this.names(path),
    importTarget: (from, segments) => this.resolveImport(from, segments),
    text: path => this.files.get(path)?.text,
  };

  /** The declaration a target of a file's name model stands for, following imports (undefined for built-ins). */
  resolveTarget(target: Target, from: string): Declared | undefined {
    return resolveTarget(this.nameHost, target, this.path(from));
  }

  /** The name at `offset`: its reference, what it stands for, and its declaration when there is one. */
  targetAt(path: string, offset: number): { ref: NameReference; target: Target; decl?: Declared } | undefined {
    return targetAt(this.nameHost, this.path(path), offset);
  }

  /** The file `import a.b` in `from` names (the root first, then beside `from`), if it exists. */
  importTarget(from: string, segments: readonly string[]): string | undefined {
    return segments.length ? this.resolveImport(this.path(from), segments) : undefined;
  }

  /** The references in one file to a declaration (its declaration included). */
  referencesIn(path: string, decl: Declared): NameReference[] {
    return referencesIn(this.nameHost, this.path(path), decl);
  }

  /** What a file's analysis depends on besides its own text: where its imports resolve and what they export. */
  private dependencyKey(f: FileState): string {
    const parts: string[] = [];
    for (const segments of this.outline(f).imports) {
      const target = this.resolveImport(f.path, segments);
      const t = target ? this.files.get(target) : undefined;
      parts.push(`${segments.join('.')}=${target ?? '?'}:${t ? this.exportsOfState(t).signature : ''}`);
    }
    return parts.join('\n');
  }

  private analysis(path: string, token?: CancellationToken): { file: FileState; analysis: FileAnalysis } | undefined {
    const f = this.files.get(this.path(path));
    if (!f || !this.analysed(token) || !f.analysis) return undefined;
    return { file: f, analysis: f.analysis };
  }

  // ---------------------------------------------------------------- diagnostics

  /**
   * Every diagnostic of a file: syntax errors (E0001), names and arity, and the effect rules. Sorted by position.
   * While nothing they come from changed, the same array is returned (do not modify it).
   */
  diagnostics(path: string, token?: CancellationToken): Diagnostic[] {
    const file = this.files.get(this.path(path));
    if (!file || !this.analysed(token) || !file.analysis) return [];
    const analysis = file.analysis;
    // The same inputs give the same array back (callers must not change it): a caller can tell nothing changed.
    const typed = this.types(token)?.diagnostics.get(file.path) ?? NO_DIAGNOSTICS;
    if (file.lastReport && file.lastReport.analysis === analysis && file.lastReport.typed === typed) return file.lastReport.result;
    const result = this.report(file, analysis, typed);
    file.lastReport = { analysis, typed, result };
    return result;
  }

  private report(file: FileState, analysis: FileAnalysis, typed: readonly Diagnostic[]): Diagnostic[] {
    const errors = this.outline(file).syntaxErrors;
    const syntax = errors.map(e => diagnostic('E0001', file.path, e.span, e.message));
    if (file.tooDeep) syntax.unshift(diagnostic('E0002', file.path, { start: 0, end: 0 }, TOO_DEEP));
    // A syntax error leaves half-parsed code on its lines: other reports there would be noise.
    // One report per mistake: a type error where the name checker already found one (an undefined name, a wrong
    // number of arguments) would only repeat it.
    if (analysis.diagnostics.length > 0 && typed.length > 0) {
      const names = analysis.diagnostics.filter(d => d.severity === 'error');
      typed = typed.filter(t => (t.code === 'E0202' || t.code === 'E0203') || !names.some(d => d.span.start < t.span.end && t.span.start < d.span.end));
    }
    if (errors.length === 0) return [...syntax, ...analysis.diagnostics, ...typed].sort(compareDiagnostics);
    const lines = this.lineIndex(file.path)!;
    const broken = errors.map(e => ({ start: lines.position(e.span.start).line, end: lines.position(e.span.end).line }));
    const swallowed = this.outline(file).errorRegions;
    const quiet = (d: Diagnostic) => {
      const start = lines.position(d.span.start).line;
      const end = lines.position(d.span.end).line;
      return !broken.some(b => start <= b.end && end >= b.start)
        && !swallowed.some(r => d.span.start >= r.start && d.span.end <= r.end);
    };
    const semantic = [...analysis.diagnostics, ...typed].filter(d => broken.length === 0 || quiet(d));
    return [...syntax, ...semantic].sort(compareDiagnostics);
  }

  /** Diagnostics of every file the client added, by path. */
  allDiagnostics(token?: CancellationToken): Map<string, Diagnostic[]> {
    const out = new Map<string, Diagnostic[]>();
    // The analysis and the type checker both read every AST: each file is lowered once for both, not once each
    // (the type checker's result holds the ASTs anyway until the next change).
    this.pinned ??= new Map();
    try {
      for (const p of this.filePaths()) {
        if (token?.isCancellationRequested) break;
        out.set(p, this.diagnostics(p, token));
      }
    } finally {
      this.pinned = undefined;
    }
    return out;
  }

  // ---------------------------------------------------------------- symbols

  /**
   * The description of a symbol by id: a declaration (`path#@offset`, the offset of its name, as `symbolAt` and
   * `scopeAt` give it) or a built-in (`builtin:fn:print`).
   */
  symbolInfo(id: string): SymbolInfo | undefined {
    if (id.startsWith('builtin:')) return builtinSymbol(id);
    const decl = declarationOfId(this.nameHost, id);
    return decl && describe(decl.symbol);
  }


  /** What the type queries read of the workspace. */
  private readonly typeHost: TypeHost = {
    module: path => {
      const f = this.files.get(path);
      return f ? this.lowered(f) : undefined;
    },
    text: path => this.files.get(path)?.text,
  };

  /**
   * The static type at an offset: of the innermost name, binding, call or lambda there, rendered (`(Int) -> {IO}
   * Unit`); a top-level function's name shows its scheme. `rows` says what a polymorphic callee's row variables
   * are at this call (`e = {IO}`).
   */
  typeAt(path: string, offset: number, token?: CancellationToken): TypeAt | undefined {
    const types = this.typesOf(this.path(path), token);
    return types && typeAt(types, this.typeHost, this.path(path), offset);
  }

  /**
   * Inferred types the source leaves out, rendered: `: Int` after a local's first binding and after an untyped
   * parameter, `-> {IO} Int` after the parameter list of a function with neither row nor return type.
   */
  typeHints(path: string, token?: CancellationToken, range?: { readonly start: number; readonly end: number }): TypeHintAt[] {
    const types = this.typesOf(this.path(path), token);
    return types ? typeHints(types, this.typeHost, this.path(path), range) : [];
  }

  /** What `receiver.` offers, the receiver being the expression that ends at `dot` (the offset of the `.`). */
  membersAt(path: string, dot: number, token?: CancellationToken): readonly Member[] {
    const types = this.typesOf(this.path(path), token);
    return types ? membersAt(types, this.path(path), dot) : [];
  }

  /** The struct field or enum constructor named at an offset, and every place that names it (see `type-queries.ts`). */
  fieldReferences(path: string, offset: number, token?: CancellationToken): FieldReferences | undefined {
    const types = this.types(token);
    const key = this.path(path);
    return types && this.files.has(key) ? fieldReferences(types, this.typeHost, key, offset) : undefined;
  }

  /** Where the struct or enum of the type at an offset is declared (Go to Type Definition). */
  typeDefinition(path: string, offset: number, token?: CancellationToken): Location[] {
    const types = this.typesOf(this.path(path), token);
    return types ? typeDefinition(types, this.typeHost, this.path(path), offset) : [];
  }

  /** The symbol named at an offset (a use or a declaration). */
  symbolAt(path: string, offset: number, token?: CancellationToken): SymbolAt | undefined {
    if (token?.isCancellationRequested || !this.files.has(this.path(path))) return undefined;
    const found = this.targetAt(path, offset);
    if (!found) return undefined;
    const symbol = found.decl ? describe(found.decl.symbol) : found.target.kind === 'builtin' ? describeBuiltin(found.target) : undefined;
    if (!symbol) return undefined;
    const row = found.decl && this.rowOfDeclaration(found.decl, token);
    return { symbol, span: found.ref.span, isDeclaration: found.ref.role === 'declaration', row };
  }

  /** The row of a declared function, local function or handler operation. */
  private rowOfDeclaration(decl: Declared, token?: CancellationToken): FunctionRow | undefined {
    const kind = decl.symbol.kind;
    if (kind !== 'function' && kind !== 'handler-operation') return undefined;
    if (!this.types(token)) return undefined;
    const index = this.names(decl.path);
    for (const [fn, symbol] of index?.functions ?? []) {
      if (symbol.nameSpan.start === decl.symbol.nameSpan.start) return functionRow(this.effectHost, decl.path, fn, symbol);
    }
    return undefined;
  }


  definition(path: string, offset: number, token?: CancellationToken): Location[] {
    if (token?.isCancellationRequested) return [];
    const decl = this.targetAt(path, offset)?.decl;
    return decl ? [{ path: decl.path, span: decl.symbol.nameSpan }] : [];
  }

  /** Every use of the symbol at an offset, across the workspace (the declaration too, unless told otherwise). */
  references(path: string, offset: number, includeDeclaration = true, token?: CancellationToken): Location[] {
    const decl = this.targetAt(path, offset)?.decl;
    if (!decl) return [];
    const out: Location[] = [];
    for (const f of decl.symbol.local ? [decl.path] : [...this.files.keys()]) {
      if (token?.isCancellationRequested) return [];
      for (const r of this.referencesIn(f, decl)) {
        if (includeDeclaration || r.role !== 'declaration') out.push({ path: f, span: r.span });
      }
    }
    return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : x.span.start - y.span.start));
  }

  /** What is in scope at an offset, innermost first: locals and parameters, the file's items, imports, built-ins. */
  scopeAt(path: string, offset: number, token?: CancellationToken): ScopeEntry[] {
    const key = this.path(path);
    const f = this.files.get(key);
    const index = f && !token?.isCancellationRequested ? this.names(key) : undefined;
    if (!f || !index) return [];
    const out: ScopeEntry[] = [];
    const seen = new Set<string>();
    const add = (e: ScopeEntry) => {
      if (seen.has(e.name) || e.name === '') return;
      seen.add(e.name);
      out.push(e);
    };
    for (const s of visibleAt(index, offset)) {
      const info = describe(s);
      add({ name: s.name, kind: info.kind, symbol: info.id, detail: info.detail });
    }
    for (const imported of this.outline(f).imports) {
      const target = this.resolveImport(key, imported);
      const t = target ? this.files.get(target) : undefined;
      if (!t) continue;
      for (const item of this.exportsOfState(t).items.values()) {
        if (item.kind !== 'function') add({ name: item.name, kind: exportKind(item), symbol: `${t.path}#@${item.nameSpan.start}`, detail: item.detail });
      }
    }
    for (const fn of BUILTIN_FUNCTIONS) add({ name: fn.name, kind: 'builtin-function', symbol: builtinId('fn', fn.name), detail: fn.signature });
    for (const e of BUILTIN_EFFECTS) add({ name: e, kind: 'builtin-effect', symbol: builtinId('effect', e), detail: `effect ${e}` });
    for (const c of BUILTIN_CONSTRUCTORS) add({ name: c.name, kind: 'builtin-constructor', symbol: builtinId('ctor', c.name), detail: `${c.name}(${c.arity ? 'value' : ''})` });
    for (const prefix of new Set([...BUILTIN_HANDLERS.map(h => h.name), ...BUILTIN_CONSTANTS.map(c => c.name)].map(n => n.split('.')[0]!))) {
      if (!isBuiltinEffect(prefix)) add({ name: prefix, kind: 'builtin-handler', symbol: builtinId('effect', prefix), detail: prefix });
    }
    return out;
  }


  /** Members after `X.` for completion: an effect's operations, a module's items, the built-in handlers and constants. */
  membersOf(path: string, name: string, token?: CancellationToken): ScopeEntry[] {
    const a = this.analysis(path, token);
    if (!a) return [];
    const out: ScopeEntry[] = [];
    for (const h of BUILTIN_HANDLERS) {
      const [prefix, member] = h.name.split('.') as [string, string];
      if (prefix === name) out.push({ name: member, kind: 'builtin-handler', symbol: builtinId('handler', h.name), detail: h.signature });
    }
    for (const c of BUILTIN_CONSTANTS) {
      const [prefix, member] = c.name.split('.') as [string, string];
      if (prefix === name) out.push({ name: member, kind: 'builtin-constant', symbol: builtinId('const', c.name), detail: c.name });
    }
    const own = this.exportsOfState(a.file).items.get(name);
    const imported = a.analysis.imports.find(i => i.name === name);
    if (own?.kind === 'effect') {
      for (const op of own.ops.values()) out.push({ name: op.name, kind: 'operation', symbol: `${a.file.path}#@${op.nameSpan.start}`, detail: op.detail });
    } else if (isBuiltinEffect(name)) {
      for (const op of BUILTIN_EFFECT_INFO[name].ops) out.push({ name: op.name, kind: 'builtin-operation', symbol: builtinId('op', `${name}.${op.name}`), detail: op.signature });
    } else if (imported?.target) {
      const t = this.files.get(imported.target);
      if (t) for (const item of this.exportsOfState(t).items.values()) out.push({ name: item.name, kind: exportKind(item), symbol: `${t.path}#@${item.nameSpan.start}`, detail: item.detail });
    }
    return out;
  }

  // ---------------------------------------------------------------- rows and effects


  /**
   * The declared and the inferred row of every function, local function and handler operation of a file, as the
   * type checker inferred them (the name model lists the functions).
   */
  functionRows(path: string, token?: CancellationToken): FunctionRow[] {
    const key = this.path(path);
    return this.files.has(key) && this.types(token) ? functionRows(this.effectHost, key) : [];
  }

  /** For each effect a function (by name, or the innermost one around an offset) performs: where it comes from. */
  effectOrigins(path: string, fnNameOrOffset: string | number, token?: CancellationToken): EffectOrigin[] {
    const key = this.path(path);
    return this.files.has(key) && this.types(token) ? effectOrigins(this.effectHost, key, fnNameOrOffset) : [];
  }


  /**
   * For the operation or effectful call at an offset: the `with` blocks that discharge its effects, following a
   * lambda to where it is called and a function to its callers, up to the program's ambient runtime.
   */
  handlersFor(path: string, offset: number, token?: CancellationToken): HandlerRef[] {
    const key = this.path(path);
    if (!this.files.has(key) || !this.types(token)) return [];
    return handlersFor(this.effectHost, key, offset);
  }

  /** The calls inside the `with` block around an offset whose effects that `with` discharges. */
  dischargedBy(path: string, withOffset: number, token?: CancellationToken): DischargedCall[] {
    const key = this.path(path);
    if (!this.files.has(key) || !this.types(token)) return [];
    return dischargedBy(this.effectHost, key, withOffset);
  }

  // ---------------------------------------------------------------- outlines and call hierarchy

  documentSymbols(path: string): DocumentSymbol[] {
    const f = this.files.get(this.path(path));
    if (!f) return [];
    // Kept with the file (small), so that workspace symbol searches need no AST of closed files.
    f.documentSymbols ??= this.outlineSymbols(f);
    return [...f.documentSymbols];
  }

  private outlineSymbols(f: FileState): DocumentSymbol[] {
    const out: DocumentSymbol[] = [];
    for (const item of this.lowered(f).items) {
      switch (item.kind) {
        case 'Fn':
          out.push({ name: item.name.name, kind: 'function', span: item.span, nameSpan: item.name.span, detail: detailOf(this.exportsOfState(f), item.name.name), children: [] });
          break;
        case 'Effect':
          out.push({
            name: item.name.name, kind: 'effect', span: item.span, nameSpan: item.name.span, detail: `effect ${item.name.name}`,
            children: item.ops.map(op => ({ name: op.name.name, kind: 'operation', span: op.span, nameSpan: op.name.span, detail: '', children: [] })),
          });
          break;
        case 'Handler':
          out.push({
            name: item.name.name, kind: 'handler', span: item.span, nameSpan: item.name.span, detail: `for ${item.effect.name}`,
            children: item.ops.map(op => ({ name: op.name.name, kind: 'handler-operation', span: op.span, nameSpan: op.name.span, detail: '', children: [] })),
          });
          break;
        case 'Struct':
          out.push({
            name: item.name.name, kind: 'struct', span: item.span, nameSpan: item.name.span, detail: '',
            children: item.fields.map(fd => ({ name: fd.name.name, kind: 'field', span: fd.span, nameSpan: fd.name.span, detail: '', children: [] })),
          });
          break;
        case 'Enum':
          out.push({
            name: item.name.name, kind: 'enum', span: item.span, nameSpan: item.name.span, detail: '',
            children: item.variants.map(v => ({ name: v.name.name, kind: 'variant', span: v.span, nameSpan: v.name.span, detail: '', children: [] })),
          });
          break;
        case 'Import':
          break;
        default: {
          const never: never = item;
          return never;
        }
      }
    }
    return out.filter(s => s.name !== '');
  }

  /** Top-level items and operations of every file whose name contains the query's characters in order (case-insensitive). */
  workspaceSymbols(query: string, limit = 200): WorkspaceSymbol[] {
    const q = query.toLowerCase();
    const matches = (name: string) => {
      let i = 0;
      for (const ch of name.toLowerCase()) if (ch === q[i]) i++;
      return i === q.length;
    };
    const out: WorkspaceSymbol[] = [];
    for (const f of [...this.files.values()].sort((x, y) => (x.path < y.path ? -1 : 1))) {
      for (const s of this.documentSymbols(f.path)) {
        if (matches(s.name)) out.push({ name: s.name, kind: s.kind, path: f.path, span: s.span, nameSpan: s.nameSpan });
        for (const c of s.children) {
          if (c.kind !== 'field' && matches(c.name)) out.push({ name: c.name, kind: c.kind, path: f.path, span: c.span, nameSpan: c.nameSpan, container: s.name });
        }
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** What the call hierarchy reads of the workspace. */
  private readonly hierarchyHost: HierarchyHost = {
    ...this.nameHost,
    files: () => [...this.files.keys()],
    detail: (path, nameStart) => this.symbolInfo(`${path}#@${nameStart}`)?.detail,
  };

  /** What the effect queries read of the workspace. */
  private readonly effectHost: EffectHost = {
    ...this.hierarchyHost,
    records: path => this.typesOf(path)?.spans.get(path),
  };

  /** The function (or handler operation, or the top level) at an offset, for a call hierarchy. */
  callHierarchyItem(path: string, offset: number, token?: CancellationToken): CallHierarchyItem | undefined {
    const key = this.path(path);
    if (token?.isCancellationRequested || !this.files.has(key)) return undefined;
    const decl = this.targetAt(key, offset)?.decl;
    return (decl && functionItem(this.hierarchyHost, decl)) ?? itemAround(this.hierarchyHost, key, offset);
  }

  incomingCalls(item: CallHierarchyItem, token?: CancellationToken): CallHierarchyCall[] {
    return token?.isCancellationRequested ? [] : incomingCalls(this.hierarchyHost, item);
  }

  outgoingCalls(item: CallHierarchyItem, token?: CancellationToken): CallHierarchyCall[] {
    return token?.isCancellationRequested ? [] : outgoingCalls(this.hierarchyHost, item);
  }
}

const TOO_DEEP = 'this file nests too deeply to analyse (the analysis ran out of stack); split the deepest expression';

/**
 * Runs a recursive pass over user input. Recursion follows the nesting of the source, so absurdly deep
 * nesting can exhaust the stack: that, and only that, becomes the fallback (reported as E0002).
 */
function guarded<T>(run: () => T, fallback: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError) return fallback();
    throw error;
  }
}

/**
 * What a check that ran out of stack answers: E0002 on every file, so that nothing is accepted (and run) that was
 * not checked. The checker bounds its own recursion; this is the last line.
 */
function failedTypes(files: readonly string[]): ProgramTypes {
  return {
    diagnostics: new Map(files.map(f => [f, [diagnostic('E0002', f, { start: 0, end: 0 }, TOO_DEEP)]])),
    spans: new Map(), schemes: new Map(), hints: new Map(), fieldUses: new Map(),
    show: () => '?', showRow: () => '{}', showScheme: () => '?', showIn: () => '?',
    typeDeclaration: () => undefined, membersOf: () => [],
  };
}

function emptyModule(f: { readonly path: string; readonly text: string }): Module {
  return { path: f.path, items: [], statements: [], syntaxErrors: [], errorRegions: [], span: { start: 0, end: f.text.length } };
}

function failedAnalysis(path: string): FileAnalysis {
  return {
    path, imports: [],
    diagnostics: [diagnostic('E0002', path, { start: 0, end: 0 }, TOO_DEEP)],
  };
}

function detailOf(exports: ModuleExports, name: string): string {
  return exports.items.get(name)?.detail ?? '';
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

