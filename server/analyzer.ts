// Caches, per file of the workspace, its text, tree (reparsed incrementally on edits), AST and name index; keeps the checker in step.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { editFor, type Tree } from '../grammar/parser.js';
import type { Parser } from 'web-tree-sitter';
import { defaultProject, excluder, parseProjectFile, PROJECT_FILE, type ProjectError } from '../analysis/project.js';
import type * as A from '../analysis/syntax/ast.js';
import { lowerModule } from '../analysis/syntax/lower.js';
import type { Workspace } from '../analysis/workspace.js';
import { resolveModule, type AriaSymbol, type FileIndex, type Reference, type Span, type Target } from '../analysis/names.js';
import { referenceAtOffset } from '../analysis/navigation.js';

/**
 * A document of up to this many characters is type- and effect-checked. A bigger one gets syntax services only
 * (folding, selection ranges, document symbols, semantic tokens, formatting) and a diagnostic that says so; closed
 * files this big are not read at all. A 500,000-line file took 1.1 GB and 9.8 s to check.
 */
export const CHECKED_CHARS = 1024 * 1024;
/**
 * A document past this many characters is not parsed either (a parse tree lives in wasm memory, which never
 * shrinks): it gets the diagnostic and nothing else; its text is kept so that edits apply, and let go on close. A
 * 50 MB document took the server to 2.2 GB and kept it.
 */
export const PARSED_CHARS = 4 * 1024 * 1024;

/** What the server does with a file of a given size: everything, syntax services only, or nothing. */
export type Tier = 'checked' | 'syntax' | 'none';

export function tierOf(chars: number): Tier {
  return chars > PARSED_CHARS ? 'none' : chars > CHECKED_CHARS ? 'syntax' : 'checked';
}

/** The diagnostic message of a file past CHECKED_CHARS (undefined for one within it). */
export function limitMessage(file: { readonly tier: Tier; readonly doc: TextDocument }): string | undefined {
  if (file.tier === 'checked') return undefined;
  const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
  const size = `this file is ${file.doc.getText().length.toLocaleString('en-US')} characters (${mb(file.doc.getText().length)})`;
  return file.tier === 'syntax'
    ? `${size}: files over ${mb(CHECKED_CHARS)} get syntax services only (folding, selection, outline, highlighting, formatting), no type or effect checking`
    : `${size}: files over ${mb(PARSED_CHARS)} are not analysed at all; split it to get Aria services here`;
}

/** Reads a workspace file from disk unless it is past CHECKED_CHARS (bytes: never fewer than its characters). */
export async function readDiskSource(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size > CHECKED_CHARS) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** One file the server knows: an open document or a `.aria` file found in the workspace. */
export class FileState {
  /** Checked, syntax services only, or nothing (see CHECKED_CHARS, PARSED_CHARS). */
  tier: Tier = 'checked';

  private cachedModule?: A.Module;
  private cachedIndex?: FileIndex;

  constructor(
    /** The URI as the client spells it (answers use it). */
    readonly uri: string,
    /** The file system path (used by the AST and in messages). */
    readonly path: string,
    /** Text, version and line table; positions are UTF-16 code units, as LSP's default encoding. */
    readonly doc: TextDocument,
    /** Open in the editor (else read from disk). */
    readonly open: boolean,
    /**
     * The server's own tree, kept for open documents only when no checker is attached (with one, the checker's
     * tree is used: one incremental parse per edit, not two).
     */
    readonly tree: Tree | undefined,
    /** Bumped on every change of this file. */
    readonly revision: number,
    private readonly host: {
      moduleOf(file: FileState): A.Module;
      namesOf(file: FileState): FileIndex | undefined;
      indexed(file: FileState): void;
      shared(): boolean;
    },
    module?: A.Module,
  ) {
    this.cachedModule = module;
  }

  /**
   * The AST (the checker's, shared; lowered on first use). A closed file's is not held here: the checker keeps the
   * ASTs of the few closed files used last and lets the others go (they would be most of the server's memory).
   */
  get module(): A.Module {
    if (this.cachedModule) return this.cachedModule;
    const module = this.host.moduleOf(this);
    if (this.open || !this.host.shared()) this.cachedModule = module;
    return module;
  }

  /**
   * The name model, the checker's (made on first use: an edit pays for it only when a request needs it). A file
   * the checker does not hold (past CHECKED_CHARS) makes its own, kept for a few closed files.
   */
  get index(): FileIndex {
    const shared = this.host.namesOf(this);
    if (shared) return shared;
    if (!this.cachedIndex) {
      this.cachedIndex = resolveModule(this.module, this.path);
      this.host.indexed(this);
    }
    return this.cachedIndex;
  }

  private readonly memos = new Map<string, unknown>();

  /** A value derived from this revision of the file, computed once (features cache what every request would redo). */
  memo<T>(key: string, compute: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, compute());
    return this.memos.get(key) as T;
  }

  /** Forgets the index (of a closed file, to bound memory); it is recomputed when next needed. */
  dropIndex(): void {
    this.cachedIndex = undefined;
  }
}

/** How many closed files keep their name index between requests. */
const CLOSED_INDEX_CACHE = 24;

/** A text change in offsets of the text it applies to. */
export interface TextChange {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** A reference found anywhere in the workspace. */
export interface Located<T> {
  readonly file: FileState;
  readonly item: T;
}

/** The canonical key of a URI, so that two spellings of one file meet. */
export function uriKey(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return pathToFileURL(fileURLToPath(uri)).href;
  } catch {
    return uri;
  }
}

/** The file system path of a URI; a document that is not a file (`untitled:`) gets a stand-in path. */
export function uriToPath(uri: string): string {
  try {
    if (uri.startsWith('file:')) return fileURLToPath(uri);
  } catch {
    // fall through
  }
  return `/${encodeURIComponent(uri)}`;
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

export class Analyzer {
  private readonly files = new Map<string, FileState>();
  private roots: string[] = [];
  private revisionCounter = 0;
  /** Closed files holding an index, oldest first. */
  private readonly closedIndexed: FileState[] = [];
  private readonly host = {
    moduleOf: (file: FileState) => (file.tier === 'checked' ? this.engine?.module(file.path) : undefined) ?? this.lowerFresh(file),
    namesOf: (file: FileState) => (file.tier === 'checked' ? this.engine?.names(file.path) : undefined),
    indexed: (file: FileState) => this.noteIndexed(file),
    /** ASTs come from the checker, which bounds how many it keeps. */
    shared: () => this.engine !== undefined,
  };

  /** The effect checker's workspace, kept in step with every file the server knows (absent in syntax-only mode). */
  private engine?: Workspace;

  constructor(private readonly parser: Parser) {}

  /** Hands every file to the checker from now on (and those known so far). */
  attach(engine: Workspace): void {
    this.engine = engine;
    for (const file of [...this.files.values()]) {
      if (file.tier !== 'checked') continue;
      engine.setFile(file.path, file.doc.getText(), { keepTree: file.open });
      file.tree?.delete();
      this.store(file.uri, file.doc, file.open, undefined);
    }
  }

  get checker(): Workspace | undefined {
    return this.engine;
  }

  setRoots(roots: readonly string[]): void {
    this.roots = [...roots];
  }

  get workspaceRoots(): readonly string[] {
    return this.roots;
  }

  get(uri: string): FileState | undefined {
    return this.files.get(uriKey(uri));
  }

  /** The files the checker holds (open documents past CHECKED_CHARS are not among them: see `limited`). */
  all(): FileState[] {
    return [...this.files.values()].filter(f => f.tier === 'checked');
  }

  /** Open documents past CHECKED_CHARS. */
  limited(): FileState[] {
    return [...this.files.values()].filter(f => f.tier !== 'checked');
  }

  /** What the server holds, for tests and `aria/serverStats`: files, open documents and their characters, trees. */
  stats(): { files: number; open: number; openChars: number; trees: number; checkerFiles: number; tiers: Record<Tier, number> } {
    const tiers: Record<Tier, number> = { checked: 0, syntax: 0, none: 0 };
    let open = 0;
    let openChars = 0;
    let trees = 0;
    for (const f of this.files.values()) {
      tiers[f.tier]++;
      if (f.open) {
        open++;
        openChars += f.doc.getText().length;
      }
      if (f.tree) trees++;
    }
    return { files: this.files.size, open, openChars, trees, checkerFiles: this.engine?.filePaths().length ?? 0, tiers };
  }

  /** A document opened in the editor: its text replaces what the disk has. */
  open(uri: string, text: string, version: number): FileState {
    const old = this.files.get(uriKey(uri));
    old?.tree?.delete();
    const doc = TextDocument.create(uri, 'aria', version, text);
    const tier = tierOf(text.length);
    if (this.engine && tier === 'checked') {
      this.engine.setFile(uriToPath(uri), text);
      return this.store(uri, doc, true, undefined);
    }
    // Past the checker's limit: the checker lets go of the disk version it may hold.
    if (tier !== 'checked') this.engine?.removeFile(uriToPath(uri));
    return this.store(uri, doc, true, tier === 'none' ? undefined : this.parse(text, undefined), tier);
  }

  /** Applies LSP content changes in order (each in the coordinates of the text before it). */
  change(uri: string, changes: readonly ({ range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string } | { text: string })[], version: number): FileState | undefined {
    const file = this.files.get(uriKey(uri));
    if (!file) return undefined;
    const doc = file.doc;
    let tree = file.tree;
    const edits: TextChange[] = [];
    for (const change of changes) {
      const before = doc.getText();
      if ('range' in change) {
        const start = doc.offsetAt(change.range.start);
        const end = doc.offsetAt(change.range.end);
        TextDocument.update(doc, [change], version);
        tree?.edit(editFor(before, start, end, doc.getText()));
        edits.push({ start, end, text: change.text });
      } else {
        TextDocument.update(doc, [change], version);
        tree?.delete();
        tree = undefined;
        edits.push({ start: 0, end: before.length, text: change.text });
      }
    }
    // An edit can carry a file across a size limit, either way.
    const tier = tierOf(doc.getText().length);
    if (this.engine && tier === 'checked') {
      if (file.tier === 'checked') this.engine.updateFile(file.path, doc.getText(), edits);
      else this.engine.setFile(file.path, doc.getText());
      tree?.delete();
      return this.store(file.uri, doc, true, undefined);
    }
    if (this.engine && file.tier === 'checked') this.engine.removeFile(file.path);
    if (tier === 'none') {
      tree?.delete();
      return this.store(file.uri, doc, true, undefined, tier);
    }
    // The old tree is reused only when it was edited along (a tree of the syntax tier, or without a checker).
    const next = this.parse(doc.getText(), file.tier === 'none' ? undefined : tree);
    if (tree && tree !== next) tree.delete();
    return this.store(file.uri, doc, true, next, tier);
  }

  /** Closed in the editor: the file falls back to its disk contents (or leaves the workspace if none). */
  async close(uri: string): Promise<FileState | undefined> {
    const file = this.files.get(uriKey(uri));
    if (!file) return undefined;
    file.tree?.delete();
    this.files.delete(uriKey(uri));
    // A closed file past the checker's limit is not read back: it leaves the server.
    const text = await readDiskSource(file.path);
    if (text === undefined || !this.inWorkspace(file.path)) {
      this.engine?.removeFile(file.path);
      return undefined;
    }
    return this.setDiskFile(file.uri, text);
  }

  /** A workspace file that is not open: parsed, lowered and indexed, its tree dropped. */
  setDiskFile(uri: string, text: string): FileState {
    const existing = this.files.get(uriKey(uri));
    if (existing?.open) return existing;
    const doc = TextDocument.create(uri, 'aria', 0, text);
    if (this.engine) {
      // Closed files keep no tree in the checker (it would be most of the memory): a request parses one again.
      this.engine.setFile(uriToPath(uri), text, { keepTree: false });
      return this.store(uri, doc, false, undefined);
    }
    const tree = this.parse(text, undefined);
    const file = this.store(uri, doc, false, tree);
    tree.delete();
    return file;
  }

  removeDiskFile(uri: string): void {
    const existing = this.files.get(uriKey(uri));
    if (existing && !existing.open) {
      this.files.delete(uriKey(uri));
      this.engine?.removeFile(existing.path);
    }
  }

  /** Problems in the `aria.toml` of a workspace folder found by the last scan (the folder is then scanned whole). */
  projectErrors: ProjectError[] = [];

  /**
   * Every `.aria` file under the workspace roots (skipping node_modules and dot-folders). A workspace folder with an
   * `aria.toml` is scanned as `aria check` checks it: its roots, without its excludes. Open files are checked anyway.
   */
  async scanWorkspace(shouldStop: () => boolean = () => false, onFile?: (done: number, total: number, file?: FileState) => void): Promise<FileState[]> {
    const paths: string[] = [];
    this.projectErrors = [];
    for (const root of this.roots) {
      const text = await readFile(join(root, PROJECT_FILE), 'utf8').catch(() => undefined);
      const read = text === undefined ? undefined : parseProjectFile(text, root);
      if (read && !read.ok) this.projectErrors.push(read.error);
      const project = read?.ok ? read.project : defaultProject(root);
      const excluded = excluder(project);
      for (const dir of project.roots) await collect(resolve(root, dir), paths, shouldStop, excluded);
    }
    const out: FileState[] = [];
    let done = 0;
    for (const path of paths) {
      if (shouldStop()) break;
      const uri = pathToUri(path);
      const existing = this.get(uri);
      let file: FileState | undefined;
      if (existing?.open) {
        file = existing;
      } else {
        const text = await readDiskSource(path);
        if (text !== undefined) file = this.setDiskFile(uri, text);
      }
      if (file) out.push(file);
      // The file just read (not one already open) is handed on: the server checks the workspace in batches.
      onFile?.(++done, paths.length, existing?.open ? undefined : file);
    }
    return out;
  }

  /** The tree of a file: the checker's or the cached one, else a fresh parse the caller must `delete()`. */
  treeOf(file: FileState): { tree: Tree; owned: boolean } {
    const shared = (file.tier === 'checked' ? this.engine?.syntaxTree(file.path) : undefined) ?? file.tree;
    if (shared) return { tree: shared, owned: false };
    // A file past PARSED_CHARS is never parsed (callers do not ask): an empty tree, not a parse of its text.
    return { tree: this.parse(file.tier === 'none' ? '' : file.doc.getText(), undefined), owned: true };
  }

  /** Runs `use` on the file's tree, deleting a temporary one afterwards. */
  withTree<T>(file: FileState, use: (tree: Tree) => T): T {
    const { tree, owned } = this.treeOf(file);
    try {
      return use(tree);
    } finally {
      if (owned) tree.delete();
    }
  }

  private inWorkspace(path: string): boolean {
    return this.roots.some(root => path.startsWith(root.endsWith('/') ? root : `${root}/`));
  }

  private parse(text: string, old: Tree | undefined): Tree {
    const tree = this.parser.parse(text, old ?? null);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }

  private store(uri: string, doc: TextDocument, open: boolean, tree: Tree | undefined, tier: Tier = 'checked'): FileState {
    const path = uriToPath(uri);
    // With a checker, the AST is the checker's (it lowers the file anyway), taken when first needed. Without one,
    // lower now, while the tree is at hand. A file past the size limits is lowered when first needed (never
    // past PARSED_CHARS: then it is the AST of no text).
    const module = this.engine || tier !== 'checked' ? undefined : lowerModule(tree ?? this.parse(doc.getText(), undefined), doc.getText(), path);
    const file = new FileState(uri, path, doc, open, open ? tree : undefined, ++this.revisionCounter, this.host, module);
    file.tier = tier;
    this.files.set(uriKey(uri), file);
    return file;
  }

  private lowerFresh(file: FileState): A.Module {
    const text = file.tier === 'none' ? '' : file.doc.getText();
    const tree = file.tree ?? this.parse(text, undefined);
    try {
      return lowerModule(tree, text, file.path);
    } finally {
      if (tree !== file.tree) tree.delete();
    }
  }

  private noteIndexed(file: FileState): void {
    if (file.open) return;
    this.closedIndexed.push(file);
    while (this.closedIndexed.length > CLOSED_INDEX_CACHE) this.closedIndexed.shift()!.dropIndex();
  }

  // ---------------------------------------------------------------- workspace-wide resolution (the checker's)

  /** The file an import path names, seen from `from`, as the checker resolves it. */
  importedFile(importPath: readonly string[], from: FileState): FileState | undefined {
    const path = this.engine?.importTarget(from.path, importPath);
    return path === undefined ? undefined : this.get(pathToUri(path));
  }

  /** The files `file` imports. */
  imports(file: FileState): FileState[] {
    const out: FileState[] = [];
    for (const item of file.module.items) {
      if (item.kind !== 'Import') continue;
      const target = this.importedFile(item.path.map(p => p.name), file);
      if (target) out.push(target);
    }
    return out;
  }

  /** A declaration the checker found, as a file of the server. */
  private located(decl: { readonly path: string; readonly symbol: AriaSymbol } | undefined): Located<AriaSymbol> | undefined {
    const file = decl && this.get(pathToUri(decl.path));
    return file && decl ? { file, item: decl.symbol } : undefined;
  }

  /** The declaration a target stands for, following imports; undefined for built-ins and unknown names. */
  resolve(target: Target, from: FileState): Located<AriaSymbol> | undefined {
    if (target.kind === 'symbol') {
      const file = target.symbol.path === from.path ? from : this.get(pathToUri(target.symbol.path));
      return file && { file, item: target.symbol };
    }
    return this.located(this.held(from) ? this.engine!.resolveTarget(target, from.path) : undefined);
  }

  /** The checker holds this file (it is not past CHECKED_CHARS). */
  private held(file: FileState): boolean {
    return this.engine !== undefined && file.tier === 'checked' && this.engine.hasFile(file.path);
  }

  /** The declaration under `offset`, or the target of the reference there (built-ins included). */
  targetAt(file: FileState, offset: number): { ref: Reference; target: Target; decl?: Located<AriaSymbol> } | undefined {
    if (this.held(file)) {
      const found = this.engine!.targetAt(file.path, offset);
      return found && { ref: found.ref, target: found.target, decl: this.located(found.decl) };
    }
    // A file past the checker's limit: its own names only.
    const ref = referenceAtOffset(file.index, offset);
    if (!ref) return undefined;
    const decl = ref.target.kind === 'symbol' ? { file, item: ref.target.symbol } : undefined;
    return { ref, target: ref.target, decl };
  }

  /** Every reference to the declaration `symbol` in the workspace (its declaration included). */
  async references(symbol: Located<AriaSymbol>, check: () => Promise<void> = async () => {}): Promise<Located<Reference>[]> {
    const out: Located<Reference>[] = [];
    const decl = { path: symbol.file.path, symbol: symbol.item };
    for (const file of symbol.item.local ? [symbol.file] : this.all()) {
      // Yields now and then so that a cancellation can arrive, and stops if it did.
      await check();
      const refs = this.held(file) ? this.engine!.referencesIn(file.path, decl)
        : file === symbol.file ? file.index.references.filter(r => r.target.kind === 'symbol' && r.target.symbol === symbol.item) : [];
      for (const ref of refs) out.push({ file, item: ref });
    }
    return out;
  }
}

export function containsSpan(outer: Span, offset: number): boolean {
  return outer.start <= offset && offset <= outer.end;
}

async function collect(dir: string, out: string[], shouldStop: () => boolean, excluded: (path: string) => boolean): Promise<void> {
  if (shouldStop()) return;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    if (excluded(full)) continue;
    if (entry.isDirectory()) await collect(full, out, shouldStop, excluded);
    else if (entry.isFile() && entry.name.endsWith('.aria')) out.push(full);
  }
}
