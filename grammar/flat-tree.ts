// Copies a tree-sitter tree into flat typed arrays in one walk (reading tree-sitter's structures from wasm memory, or
// through a tree cursor), and offers a Node-like view over the copy whose reads are plain JavaScript (no call into
// wasm per property, as web-tree-sitter's Node makes). The rows are in columns.ts; the reading of wasm memory, with
// the layout facts it relies on, in wasm-layout.ts.
import type { Language, Node, Tree, TreeCursor } from 'web-tree-sitter';
import {
  ERROR_SYMBOL, HAS_ERROR, MISSING, NAMED, allocate, grow, markErrorAncestors, namedTable, shrink, writeRow, type Columns,
} from './columns.js';
import { memoryLanguage, readTree, type Heap, type MemoryLanguage } from './wasm-layout.js';

export { ERROR_SYMBOL };

/**
 * Every node of a tree in preorder: node 0 is the root, a node's first child (if any) follows it, and `next`
 * links siblings. Offsets are UTF-16 code units, as web-tree-sitter counts them.
 */
export class FlatTree {
  readonly count: number;
  /** Symbol (with aliases applied); `ERROR_SYMBOL` for ERROR nodes. */
  readonly symbol: Uint16Array;
  /** Field id under the parent; 0 when none. */
  readonly field: Uint16Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly parent: Int32Array;
  /** Next sibling, or -1. */
  readonly next: Int32Array;
  /** Index just past this node's subtree: the node has children when it is greater than index + 1. */
  readonly subtreeEnd: Int32Array;
  readonly flags: Uint8Array;
  /** Field and symbol ids by name: per language, shared by every tree of it. */
  private readonly fieldIds: Map<string, number>;
  private readonly symbolIds: Map<string, number[]>;

  constructor(readonly language: Language, readonly text: string, columns: Columns) {
    // Columns can be longer than the tree (a reused buffer): readers stay within `count` and the links.
    ({ count: this.count, symbol: this.symbol, field: this.field, start: this.start, end: this.end } = columns);
    ({ parent: this.parent, next: this.next, subtreeEnd: this.subtreeEnd, flags: this.flags } = columns);
    let ids = idsByLanguage.get(language);
    if (!ids) idsByLanguage.set(language, (ids = { fields: new Map(), symbols: new Map() }));
    this.fieldIds = ids.fields;
    this.symbolIds = ids.symbols;
  }

  get root(): FlatNode {
    return new FlatNode(this, 0);
  }

  /** The field id of a field name (0 when the grammar has no such field). */
  fieldId(name: string): number {
    let id = this.fieldIds.get(name);
    if (id === undefined) {
      id = Math.max(0, this.language.fields.indexOf(name));
      this.fieldIds.set(name, id);
    }
    return id;
  }

  /** The symbols a node type name stands for (a name can have several ids, e.g. through aliases). */
  symbolsOf(name: string): readonly number[] {
    let ids = this.symbolIds.get(name);
    if (!ids) {
      ids = [];
      if (name === 'ERROR') ids.push(ERROR_SYMBOL);
      this.language.types.forEach((t, i) => {
        if (t === name) ids!.push(i);
      });
      this.symbolIds.set(name, ids);
    }
    return ids;
  }

  typeName(symbol: number): string {
    return this.language.types[symbol] ?? 'ERROR';
  }

  isNamed(i: number): boolean {
    return (this.flags[i]! & NAMED) !== 0;
  }

  isMissing(i: number): boolean {
    return (this.flags[i]! & MISSING) !== 0;
  }

  hasError(i: number): boolean {
    return (this.flags[i]! & HAS_ERROR) !== 0;
  }

  firstChild(i: number): number {
    return this.subtreeEnd[i]! > i + 1 ? i + 1 : -1;
  }
}

const idsByLanguage = new WeakMap<Language, { readonly fields: Map<string, number>; readonly symbols: Map<string, number[]> }>();

/** A read-only view of one node of a FlatTree, shaped like the part of web-tree-sitter's Node the lowering uses. */
export class FlatNode {
  private cachedChildren: FlatNode[] | undefined;
  private cachedNamed: FlatNode[] | undefined;

  constructor(readonly flat: FlatTree, readonly index: number) {}

  get typeId(): number {
    return this.flat.symbol[this.index]!;
  }

  get type(): string {
    return this.flat.typeName(this.typeId);
  }

  get startIndex(): number {
    return this.flat.start[this.index]!;
  }

  get endIndex(): number {
    return this.flat.end[this.index]!;
  }

  get text(): string {
    return this.flat.text.slice(this.startIndex, this.endIndex);
  }

  get isNamed(): boolean {
    return this.flat.isNamed(this.index);
  }

  get isError(): boolean {
    return this.typeId === ERROR_SYMBOL;
  }

  get isMissing(): boolean {
    return this.flat.isMissing(this.index);
  }

  get hasError(): boolean {
    return this.flat.hasError(this.index);
  }

  get children(): FlatNode[] {
    if (!this.cachedChildren) {
      const out: FlatNode[] = [];
      for (let c = this.flat.firstChild(this.index); c !== -1; c = this.flat.next[c]!) out.push(new FlatNode(this.flat, c));
      this.cachedChildren = out;
    }
    return this.cachedChildren;
  }

  get namedChildren(): FlatNode[] {
    return (this.cachedNamed ??= this.children.filter(c => c.isNamed));
  }

  child(i: number): FlatNode | null {
    return this.children[i] ?? null;
  }

  get lastChild(): FlatNode | null {
    return this.children.at(-1) ?? null;
  }

  childForFieldName(name: string): FlatNode | null {
    const id = this.flat.fieldId(name);
    if (id === 0) return null;
    for (let c = this.flat.firstChild(this.index); c !== -1; c = this.flat.next[c]!) {
      if (this.flat.field[c] === id) return new FlatNode(this.flat, c);
    }
    return null;
  }

  childrenForFieldName(name: string): FlatNode[] {
    const id = this.flat.fieldId(name);
    const out: FlatNode[] = [];
    if (id === 0) return out;
    for (let c = this.flat.firstChild(this.index); c !== -1; c = this.flat.next[c]!) {
      if (this.flat.field[c] === id) out.push(new FlatNode(this.flat, c));
    }
    return out;
  }

  /** Descendants (not the node itself) whose type is one of `types`, in document order. */
  descendantsOfType(types: readonly string[]): FlatNode[] {
    const wanted = new Set(types.flatMap(t => this.flat.symbolsOf(t)));
    const out: FlatNode[] = [];
    const stop = this.flat.subtreeEnd[this.index]!;
    for (let i = this.index + 1; i < stop; i++) if (wanted.has(this.flat.symbol[i]!)) out.push(new FlatNode(this.flat, i));
    return out;
  }
}

/**
 * What the walk needs of a cursor: five reads of the current node and three moves. Each takes the tree's address:
 * on the fast path these are the binding's exports themselves, called with no JavaScript in between.
 */
interface CursorOps {
  symbol(tree: number): number;
  field(tree: number): number;
  start(tree: number): number;
  end(tree: number): number;
  missing(tree: number): number;
  firstChild(tree: number): number;
  nextSibling(tree: number): number;
  parent(tree: number): number;
  done(): void;
}

/**
 * How a tree is read: `memory` reads web-tree-sitter's tree structures from wasm memory directly (no call into wasm
 * per node), `cursor` drives its tree cursor through the binding's exports, `public` uses its public TreeCursor.
 * `fast` is the fastest one available (memory, else cursor, else public).
 */
export type WalkVia = 'fast' | 'memory' | 'cursor' | 'public';

/** Copies `tree` (parsed from `text`) into a FlatTree, read as `via` says. */
export function flattenTree(tree: Tree, text: string, via: WalkVia = 'fast'): FlatTree {
  return scratchOf(tree.language).flatten(tree, text, via);
}

/**
 * Runs `use` on a flat copy of `tree` that lives in a buffer reused from call to call: no allocation per tree (a
 * buffer per file made garbage collections for external memory). The copy is valid only during `use`. With
 * `from` (a node of `tree`), the copy holds that node's subtree, with `from` as node 0.
 */
export function withFlatTree<T>(tree: Tree, text: string, use: (flat: FlatTree) => T, from?: Node): T {
  return scratchOf(tree.language).lend(tree, text, use, from);
}

/** Nodes a reused buffer keeps room for between calls (25 bytes each). */
const MAX_KEPT_SCRATCH = 1 << 18;

/**
 * The buffer a language's walks reuse (walks are synchronous), and whether a copy in it is lent out now (then a
 * nested walk, say of a subtree during a lowering, gets a buffer of its own).
 */
class ScratchColumns {
  private columns = allocate(4096);
  private lent = false;

  flatten(tree: Tree, text: string, via: WalkVia): FlatTree {
    if (this.lent) return new FlatTree(tree.language, text, walk(tree, via, allocate(Math.max(64, text.length >> 2)), undefined, text.length));
    this.columns = walk(tree, via, this.columns, undefined, text.length);
    return new FlatTree(tree.language, text, shrink(this.columns));
  }

  lend<T>(tree: Tree, text: string, use: (flat: FlatTree) => T, from?: Node): T {
    if (this.lent) return use(new FlatTree(tree.language, text, walk(tree, 'fast', allocate(64), from, text.length)));
    this.columns = walk(tree, 'fast', this.columns, from, text.length);
    this.lent = true;
    try {
      return use(new FlatTree(tree.language, text, this.columns));
    } finally {
      this.lent = false;
      if (this.columns.symbol.length > MAX_KEPT_SCRATCH) this.columns = allocate(4096); // a huge file's buffer is not kept
    }
  }
}

/** Each language's reused buffer: a side table of the language. */
const scratchByLanguage = new WeakMap<Language, ScratchColumns>();

function scratchOf(language: Language): ScratchColumns {
  let scratch = scratchByLanguage.get(language);
  if (!scratch) scratchByLanguage.set(language, (scratch = new ScratchColumns()));
  return scratch;
}

/**
 * Fills `into` (growing it if needed: the columns returned may be new) with the nodes of `tree`, or of the subtree
 * of `from` (a node of `tree`: a cursor made from a node does not leave its subtree), which is then node 0.
 */
function walk(tree: Tree, via: WalkVia, into: Columns, from?: Node, textLength = 0): Columns {
  if (!from && (via === 'memory' || via === 'fast')) {
    const walked = memoryWalk(tree, textLength, into, via === 'fast');
    if (walked) return walked;
    if (via === 'memory') throw new Error('this web-tree-sitter cannot be read from memory');
  }
  const language = tree.language;
  const named = namedTable(language);
  const cursor = (from ?? tree.rootNode).walk();
  const fast = via === 'fast' || via === 'cursor' ? fastCursor(tree, cursor) : undefined;
  const ops = fast ?? publicCursor(cursor);
  const address = fast ? ((tree as unknown as Record<number, number>)[0] ?? 0) : 0;
  let c = into;
  c.count = 0;
  // Records the cursor's node as a child of `parent`, and returns its index.
  const record = (parent: number): number => {
    if (c.count === c.symbol.length) c = grow(c);
    const i = c.count++;
    const start = ops.start(address);
    const end = ops.end(address);
    // Only a zero-width node can be MISSING: ask the cursor about those alone.
    writeRow(c, i, named, ops.symbol(address), ops.field(address), start, end, parent, start === end && ops.missing(address) === 1);
    return i;
  };
  try {
    // `path` holds the open ancestors of the cursor's node, and that node last.
    const path: number[] = [record(-1)];
    for (;;) {
      if (ops.firstChild(address) === 1) {
        path.push(record(path[path.length - 1]!));
        continue;
      }
      // A leaf: close it and every ancestor that has no next sibling.
      let moved = false;
      while (path.length > 1) {
        const closing = path.pop()!;
        c.subtreeEnd[closing] = c.count;
        if (ops.nextSibling(address) === 1) {
          const sibling = record(path[path.length - 1]!);
          c.next[closing] = sibling;
          path.push(sibling);
          moved = true;
          break;
        }
        if (ops.parent(address) !== 1) break;
      }
      if (!moved) break;
    }
    for (const open of path) c.subtreeEnd[open] = c.count;
  } finally {
    ops.done();
  }
  markErrorAncestors(c);
  return c;
}

/** The start and end offsets of each child of the root, in order: [start0, end0, start1, end1, ...]. */
export function rootChildRanges(tree: Tree): number[] {
  const cursor = tree.rootNode.walk();
  const fast = fastCursor(tree, cursor);
  const ops = fast ?? publicCursor(cursor);
  const address = fast ? ((tree as unknown as Record<number, number>)[0] ?? 0) : 0;
  const out: number[] = [];
  try {
    for (let more = ops.firstChild(address) === 1; more; more = ops.nextSibling(address) === 1) out.push(ops.start(address), ops.end(address));
  } finally {
    ops.done();
  }
  return out;
}

/**
 * How `flattenTree` reads `tree` now by default: from wasm memory (once the first walks of its language were checked
 * against the cursor's), through the binding's cursor exports, or through the public cursor.
 */
export function fastestPath(tree: Tree): 'memory' | 'cursor' | 'public' {
  const b = bindings().get(Object.getPrototypeOf(tree)?.constructor);
  const lang = b ? memoryLanguages.get(b)?.get(tree.language) : undefined;
  if (lang && (checkedWalks.get(lang) ?? 0) >= CHECKED_WALKS) return 'memory';
  const cursor = tree.walk();
  const fast = fastCursor(tree, cursor);
  if (fast) fast.done();
  else cursor.delete();
  return fast !== undefined ? 'cursor' : 'public';
}

/** The cursor through web-tree-sitter's public TreeCursor (each read copies the cursor in and out of wasm). */
function publicCursor(cursor: TreeCursor): CursorOps {
  return {
    symbol: () => cursor.nodeTypeId,
    field: () => cursor.currentFieldId ?? 0,
    start: () => cursor.startIndex,
    end: () => cursor.endIndex,
    missing: () => (cursor.nodeIsMissing ? 1 : 0),
    firstChild: () => (cursor.gotoFirstChild() ? 1 : 0),
    nextSibling: () => (cursor.gotoNextSibling() ? 1 : 0),
    parent: () => (cursor.gotoParent() ? 1 : 0),
    done: () => cursor.delete(),
  };
}

type WasmFn = (tree: number) => number;

interface Binding {
  HEAP32: Int32Array;
  _ts_init: () => number;
  _ts_tree_cursor_current_node_type_id_wasm: WasmFn;
  _ts_tree_cursor_current_field_id_wasm: WasmFn;
  _ts_tree_cursor_start_index_wasm: WasmFn;
  _ts_tree_cursor_end_index_wasm: WasmFn;
  _ts_tree_cursor_current_node_is_missing_wasm: WasmFn;
  _ts_tree_cursor_goto_first_child_wasm: WasmFn;
  _ts_tree_cursor_goto_next_sibling_wasm: WasmFn;
  _ts_tree_cursor_goto_parent_wasm: WasmFn;
}

const BINDING_FUNCTIONS = [
  '_ts_init', '_ts_tree_cursor_current_node_type_id_wasm', '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_index_wasm', '_ts_tree_cursor_end_index_wasm', '_ts_tree_cursor_current_node_is_missing_wasm',
  '_ts_tree_cursor_goto_first_child_wasm', '_ts_tree_cursor_goto_next_sibling_wasm', '_ts_tree_cursor_goto_parent_wasm',
] as const;

/**
 * Instantiated web-tree-sitter modules by their Tree class. Kept on globalThis and keyed by class, because a
 * process can hold two copies of web-tree-sitter (its ESM and CommonJS builds, e.g. under tsx), each with its own
 * wasm memory: a tree may only be read through the module that made it.
 */
function bindings(): WeakMap<object, Record<string, unknown>> {
  const key = Symbol.for('aria.web-tree-sitter.bindings');
  const store = globalThis as unknown as Record<symbol, WeakMap<object, Record<string, unknown>> | undefined>;
  return (store[key] ??= new WeakMap());
}

/** Records the module behind trees of class `treeClass` (called by `parser.ts` once web-tree-sitter is initialised). */
export function registerBinding(treeClass: object, binding: Record<string, unknown>): void {
  bindings().set(treeClass, binding);
}

const transferBuffers = new WeakMap<object, number>();

/**
 * The same cursor driven through the binding's exports directly. web-tree-sitter passes a cursor to wasm as four
 * words in its transfer buffer and the moves write the new state back there; the reads leave it alone. So the
 * state is copied in once, stays in the buffer for the whole walk, and is copied back for `delete`. Returns
 * undefined when this web-tree-sitter does not expose what that needs (then the public cursor serves).
 */
function fastCursor(tree: Tree, cursor: TreeCursor): CursorOps | undefined {
  const b = bindings().get(Object.getPrototypeOf(tree)?.constructor) as Partial<Binding> | undefined;
  if (!b) return undefined;
  if (!(b.HEAP32 instanceof Int32Array) || BINDING_FUNCTIONS.some(f => typeof b[f] !== 'function')) return undefined;
  const bind = b as Binding;
  const handles = (cursor as unknown as { handles?: number[] }).handles;
  const treeAddress = (tree as unknown as Record<number, unknown>)[0];
  if (!Array.isArray(handles) || handles.length !== 4 || typeof treeAddress !== 'number') return undefined;
  let transfer = transferBuffers.get(bind);
  if (transfer === undefined) transferBuffers.set(bind, (transfer = bind._ts_init()));
  const at = transfer >> 2;
  const heap = () => bind.HEAP32; // re-read: the views are replaced when wasm memory grows
  for (let k = 0; k < 4; k++) heap()[at + k] = handles[k]!;
  return {
    symbol: bind._ts_tree_cursor_current_node_type_id_wasm,
    field: bind._ts_tree_cursor_current_field_id_wasm,
    start: bind._ts_tree_cursor_start_index_wasm,
    end: bind._ts_tree_cursor_end_index_wasm,
    missing: bind._ts_tree_cursor_current_node_is_missing_wasm,
    firstChild: bind._ts_tree_cursor_goto_first_child_wasm,
    nextSibling: bind._ts_tree_cursor_goto_next_sibling_wasm,
    parent: bind._ts_tree_cursor_goto_parent_wasm,
    done: () => {
      for (let k = 0; k < 4; k++) handles[k] = heap()[at + k]!;
      cursor.delete();
    },
  };
}

// ---------------------------------------------------------------- reading trees from wasm memory

/** Languages whose trees are read from memory, per binding; `null`: this one cannot be (the cursor serves). */
const memoryLanguages = new WeakMap<object, Map<Language, MemoryLanguage | null>>();

/**
 * Walks that are checked against the cursor walk before memory walks are trusted (per binding and language): the
 * layouts read here are tree-sitter's internals (`subtree.h`, `struct TSLanguage`), so a web-tree-sitter whose
 * layout differs is caught by the first trees it parses and read through the cursor from then on.
 */
const CHECKED_WALKS = 3;
const checkedWalks = new WeakMap<MemoryLanguage, number>();

/**
 * Copies a whole tree as `walk` does, reading tree-sitter's structures from wasm memory: the same nodes in the same
 * order, with aliases, fields (inherited through hidden nodes, as `ts_tree_cursor_current_field_id` finds them) and
 * offsets. Returns undefined when the tree cannot be read so (no binding, an unexpected layout, or, with `check`,
 * while the first walks of a language are compared with the cursor's and one differed).
 */
function memoryWalk(tree: Tree, textLength: number, into: Columns, check: boolean): Columns | undefined {
  const b = bindings().get(Object.getPrototypeOf(tree)?.constructor) as Partial<Heap> | undefined;
  if (!b || !(b.HEAPU8 instanceof Uint8Array) || !(b.HEAPU16 instanceof Uint16Array) || !(b.HEAPU32 instanceof Uint32Array)) return undefined;
  const heap = b as Heap;
  const treeAddress = (tree as unknown as Record<number, unknown>)[0];
  if (typeof treeAddress !== 'number' || treeAddress <= 0 || treeAddress % 4 !== 0) return undefined;
  let byLanguage = memoryLanguages.get(b);
  if (!byLanguage) memoryLanguages.set(b, (byLanguage = new Map()));
  let lang = byLanguage.get(tree.language);
  if (lang === undefined) byLanguage.set(tree.language, (lang = memoryLanguage(heap, tree.language)));
  if (lang === null) return undefined;
  const checks = checkedWalks.get(lang) ?? 0;
  if (check && checks < CHECKED_WALKS) {
    const walked = readTree(heap, lang, tree, treeAddress, into, textLength);
    if (!walked) {
      byLanguage.set(tree.language, null);
      return undefined;
    }
    const copy = shrink(walked);
    const cursor = walk(tree, 'cursor', allocate(Math.max(64, walked.count)));
    if (!sameColumns(copy, cursor)) {
      byLanguage.set(tree.language, null);
      return undefined;
    }
    checkedWalks.set(lang, checks + 1);
    return walked;
  }
  const walked = readTree(heap, lang, tree, treeAddress, into, textLength);
  if (!walked) byLanguage.set(tree.language, null);
  return walked;
}

function sameColumns(a: Columns, b: Columns): boolean {
  if (a.count !== b.count) return false;
  for (let i = 0; i < a.count; i++) {
    if (a.symbol[i] !== b.symbol[i] || a.field[i] !== b.field[i] || a.start[i] !== b.start[i] || a.end[i] !== b.end[i]) return false;
    if (a.parent[i] !== b.parent[i] || a.next[i] !== b.next[i] || a.subtreeEnd[i] !== b.subtreeEnd[i] || a.flags[i] !== b.flags[i]) return false;
  }
  return true;
}

