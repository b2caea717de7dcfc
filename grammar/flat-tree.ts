// Copies a tree-sitter tree into flat typed arrays in one walk (reading tree-sitter's structures from wasm memory, or
// through a tree cursor), and offers a Node-like view over the copy whose reads are plain JavaScript (no call into
// wasm per property, as web-tree-sitter's Node makes).
import type { Language, Node, Tree, TreeCursor } from 'web-tree-sitter';

/** tree-sitter's symbol of ERROR nodes (`ts_builtin_sym_error`, -1 as an unsigned 16-bit id). */
export const ERROR_SYMBOL = 0xffff;

const NAMED = 1;
const MISSING = 2;
const HAS_ERROR = 4;

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

/** Growable columns filled by the walk; one set, reused by every walk (walks are synchronous). */
interface Columns {
  count: number;
  symbol: Uint16Array;
  field: Uint16Array;
  start: Int32Array;
  end: Int32Array;
  parent: Int32Array;
  next: Int32Array;
  subtreeEnd: Int32Array;
  flags: Uint8Array;
}

/** Bytes per node over all columns. */
const NODE_BYTES = 2 + 2 + 4 * 5 + 1;

function allocate(capacity: number): Columns {
  // One buffer per tree: allocating eight typed arrays per file cost more than filling them.
  const buffer = new ArrayBuffer(capacity * NODE_BYTES);
  let offset = 0;
  const take = <T>(make: (buffer: ArrayBuffer, offset: number, length: number) => T, bytes: number): T => {
    const view = make(buffer, offset, capacity);
    offset += bytes * capacity;
    return view;
  };
  return {
    count: 0,
    start: take((b, o, n) => new Int32Array(b, o, n), 4),
    end: take((b, o, n) => new Int32Array(b, o, n), 4),
    parent: take((b, o, n) => new Int32Array(b, o, n), 4),
    next: take((b, o, n) => new Int32Array(b, o, n), 4),
    subtreeEnd: take((b, o, n) => new Int32Array(b, o, n), 4),
    symbol: take((b, o, n) => new Uint16Array(b, o, n), 2),
    field: take((b, o, n) => new Uint16Array(b, o, n), 2),
    flags: take((b, o, n) => new Uint8Array(b, o, n), 1),
  };
}

/** The first `from.count` rows of `from`, in a new buffer with room for `capacity` rows. */
function copyColumns(from: Columns, capacity: number): Columns {
  const to = allocate(capacity);
  const n = (to.count = from.count);
  to.start.set(from.start.subarray(0, n));
  to.end.set(from.end.subarray(0, n));
  to.parent.set(from.parent.subarray(0, n));
  to.next.set(from.next.subarray(0, n));
  to.subtreeEnd.set(from.subtreeEnd.subarray(0, n));
  to.symbol.set(from.symbol.subarray(0, n));
  to.field.set(from.field.subarray(0, n));
  to.flags.set(from.flags.subarray(0, n));
  return to;
}

/** A copy of the rows of `from` in a buffer of exactly their size. */
function shrink(from: Columns): Columns {
  return copyColumns(from, from.count);
}

let scratch = allocate(4096);

/** Writes row `i`: a node of `parent` (-1 for node 0), with no next sibling yet. */
function writeRow(c: Columns, i: number, named: Uint8Array, symbol: number, field: number, start: number, end: number, parent: number, missing: boolean): void {
  c.symbol[i] = symbol;
  c.field[i] = field;
  c.start[i] = start;
  c.end[i] = end;
  c.parent[i] = parent;
  c.next[i] = -1;
  let flags = symbol === ERROR_SYMBOL || named[symbol] === 1 ? NAMED : 0;
  if (missing) flags |= MISSING;
  if (symbol === ERROR_SYMBOL || missing) flags |= HAS_ERROR;
  c.flags[i] = flags;
}

/** Marks every ancestor of an ERROR or MISSING node (as ts_node_has_error does); rows are in preorder. */
function markErrorAncestors(c: Columns): void {
  for (let i = c.count - 1; i > 0; i--) if ((c.flags[i]! & HAS_ERROR) !== 0) c.flags[c.parent[i]!]! |= HAS_ERROR;
}

function grow(c: Columns): Columns {
  return copyColumns(c, c.symbol.length * 2);
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
  if (borrowed) return new FlatTree(tree.language, text, walk(tree, via, allocate(Math.max(64, text.length >> 2)), undefined, text.length));
  const c = walk(tree, via, scratch, undefined, text.length);
  scratch = c;
  return new FlatTree(tree.language, text, shrink(c));
}

let borrowed = false;

/**
 * Runs `use` on a flat copy of `tree` that lives in a buffer reused from call to call: no allocation per tree (a
 * buffer per file made garbage collections for external memory). The copy is valid only during `use`. With
 * `from` (a node of `tree`), the copy holds that node's subtree, with `from` as node 0.
 */
export function withFlatTree<T>(tree: Tree, text: string, use: (flat: FlatTree) => T, from?: Node): T {
  if (borrowed) return use(new FlatTree(tree.language, text, walk(tree, 'fast', allocate(64), from, text.length)));
  const c = walk(tree, 'fast', scratch, from, text.length);
  scratch = c;
  borrowed = true;
  try {
    return use(new FlatTree(tree.language, text, c));
  } finally {
    borrowed = false;
    if (scratch.symbol.length > MAX_KEPT_SCRATCH) scratch = allocate(4096); // a huge file's buffer is not kept
  }
}

/** Nodes the shared buffer keeps room for between calls (25 bytes each). */
const MAX_KEPT_SCRATCH = 1 << 18;

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

const namedTables = new WeakMap<Language, Uint8Array>();

function namedTable(language: Language): Uint8Array {
  let table = namedTables.get(language);
  if (!table) {
    table = new Uint8Array(language.types.length);
    for (let i = 0; i < table.length; i++) table[i] = language.nodeTypeIsNamed(i) ? 1 : 0;
    namedTables.set(language, table);
  }
  return table;
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

/** web-tree-sitter's heap views (replaced when its memory grows: read them per walk). */
interface Heap {
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
  HEAPU32: Uint32Array;
}

/** What the walk needs of a language, as word indices into the heap views. */
interface MemoryLanguage {
  /** `alias_sequences` (u16 index), and the length of one sequence. */
  readonly aliasSequences: number;
  readonly maxAliasLength: number;
  /** `field_map_slices` (u16 index: index, length per production) and `field_map_entries` (byte address). */
  readonly fieldSlices: number;
  readonly fieldEntries: number;
  readonly fieldCount: number;
  /** `public_symbol_map` (u16 index). */
  readonly publicSymbols: number;
}

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
 * The language's tables, from its `struct TSLanguage` in wasm memory (ABI 14 and 15 share these first fields), or
 * null when what is there does not look like what this code expects.
 */
function memoryLanguage(heap: Heap, language: Language): MemoryLanguage | null {
  const address = (language as unknown as Record<number, unknown>)[0];
  if (typeof address !== 'number' || address <= 0 || address % 4 !== 0) return null;
  const u32 = heap.HEAPU32;
  const at = address >> 2;
  const version = u32[at]!;
  const symbolCount = u32[at + 1]!;
  const aliasCount = u32[at + 2]!;
  const fieldCount = u32[at + 8]!;
  const maxAliasLength = heap.HEAPU16[(address + 36) >> 1]!;
  // field_map_slices, field_map_entries, symbol_metadata, public_symbol_map, alias_map, alias_sequences
  const fieldSlices = u32[at + 16]!;
  const fieldEntries = u32[at + 17]!;
  const publicSymbols = u32[at + 19]!;
  const aliasSequences = u32[at + 21]!;
  if (version < 14 || version > 15) return null;
  if (symbolCount + aliasCount !== language.types.length || fieldCount !== language.fields.length - 1) return null;
  if (fieldSlices % 2 !== 0 || publicSymbols % 2 !== 0 || aliasSequences % 2 !== 0 || fieldEntries % 2 !== 0) return null;
  return {
    aliasSequences: aliasSequences >> 1, maxAliasLength, fieldSlices: fieldSlices >> 1, fieldEntries, fieldCount,
    publicSymbols: publicSymbols >> 1,
  };
}

// A Subtree is 8 bytes: inline data (bit 0 of its first byte set) or a pointer to a SubtreeHeapData. Inline: byte 0
// holds is_inline, visible, named, extra, has_changes, is_missing (bit 5); byte 1 the symbol; byte 6 padding bytes;
// byte 7 size bytes. Heap data: padding.bytes at +4, size.bytes at +16, child_count at +36, symbol (u16) at +40,
// flags (u16) at +44 (visible bit 0, named 1, extra 2, is_missing 9), production_id (u16) at +66; its children
// (Subtrees) lie just before it. Offsets count bytes of the UTF-16 text (web-tree-sitter parses strings as UTF-16).
const INLINE = 1;
const INLINE_VISIBLE = 2;
const INLINE_EXTRA = 8;
const INLINE_MISSING = 32;
const HEAP_VISIBLE = 1;
const HEAP_EXTRA = 4;
const HEAP_MISSING = 1 << 9;

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

/**
 * The walk itself; undefined when it meets what a tree of a text of `textLength` cannot hold (more subtrees than
 * the text could make, or a read outside wasm memory): the layout is not what this code reads.
 */
function readTree(heap: Heap, lang: MemoryLanguage, tree: Tree, treeAddress: number, into: Columns, textLength: number): Columns | undefined {
  const u8 = heap.HEAPU8;
  const u16 = heap.HEAPU16;
  const u32 = heap.HEAPU32;
  const named = namedTable(tree.language);
  const publicSymbols = lang.publicSymbols;
  let c = into;
  c.count = 0;
  // The frames of the subtrees whose children are being read: parallel stacks, grown as needed.
  let depth = -1;
  let fPtr = new Int32Array(64); // the subtree's heap data
  let fIndex = new Int32Array(64); // its next child
  let fStructural = new Int32Array(64); // the structural index of that child (extras do not count)
  let fPos = new Int32Array(64); // the byte offset where that child starts
  let fParent = new Int32Array(64); // the node the children found here belong to
  let fAliases = new Int32Array(64); // the production's alias sequence (u16 index), or -1
  let fFields = new Int32Array(64); // its first field map entry (byte address)
  let fFieldsEnd = new Int32Array(64);
  let fInherited = new Int32Array(64); // the field of a hidden subtree, for its children that have none
  let fVisible = new Uint8Array(64); // the subtree is a node (its subtree ends with this frame)
  // For each node whose frame is open, innermost last: its last child recorded so far (to link the next one).
  const lastChild: number[] = [];
  const push = (ptr: number, pos: number, parent: number, inherited: number, visible: boolean) => {
    depth++;
    if (depth === fPtr.length) {
      const grow = <A extends Int32Array | Uint8Array>(a: A): A => {
        const b = new (a.constructor as new (n: number) => A)(a.length * 2);
        b.set(a);
        return b;
      };
      fPtr = grow(fPtr); fIndex = grow(fIndex); fStructural = grow(fStructural); fPos = grow(fPos); fParent = grow(fParent);
      fAliases = grow(fAliases); fFields = grow(fFields); fFieldsEnd = grow(fFieldsEnd); fInherited = grow(fInherited); fVisible = grow(fVisible);
    }
    const production = u16[(ptr + 66) >> 1]!;
    fPtr[depth] = ptr;
    fIndex[depth] = 0;
    fStructural[depth] = 0;
    fPos[depth] = pos;
    fParent[depth] = parent;
    fAliases[depth] = production !== 0 ? lang.aliasSequences + production * lang.maxAliasLength : -1;
    if (lang.fieldCount > 0) {
      const slice = lang.fieldSlices + production * 2;
      fFields[depth] = lang.fieldEntries + u16[slice]! * 4;
      fFieldsEnd[depth] = fFields[depth]! + u16[slice + 1]! * 4;
    } else {
      fFields[depth] = fFieldsEnd[depth] = 0;
    }
    fInherited[depth] = inherited;
    fVisible[depth] = visible ? 1 : 0;
    if (visible) lastChild.push(-1);
  };
  const record = (symbol: number, start: number, end: number, field: number, parent: number, missing: boolean): number => {
    if (c.count === c.symbol.length) c = grow(c);
    const i = c.count++;
    writeRow(c, i, named, symbol, field, start, end, parent, missing);
    c.subtreeEnd[i] = i + 1;
    if (parent >= 0) {
      // `parent`'s frame is the innermost visible one: hidden subtrees in between push none.
      const top = lastChild.length - 1;
      const previous = lastChild[top]!;
      if (previous >= 0) c.next[previous] = i;
      lastChild[top] = i;
    }
    return i;
  };
  const publicSymbol = (symbol: number) => (symbol === ERROR_SYMBOL ? symbol : u16[publicSymbols + symbol]!);

  // The root: a node at its padding, never aliased.
  {
    const first = u8[treeAddress]!;
    if ((first & INLINE) !== 0) {
      const pos = u8[treeAddress + 6]!;
      record(publicSymbol(u8[treeAddress + 1]!), pos >> 1, (pos + u8[treeAddress + 7]!) >> 1, 0, -1, (first & INLINE_MISSING) !== 0);
    } else {
      const ptr = u32[treeAddress >> 2]!;
      const pos = u32[(ptr + 4) >> 2]!;
      const flags = u16[(ptr + 44) >> 1]!;
      record(publicSymbol(u16[(ptr + 40) >> 1]!), pos >> 1, (pos + u32[(ptr + 16) >> 2]!) >> 1, 0, -1, (flags & HEAP_MISSING) !== 0);
      if (u32[(ptr + 36) >> 2]! > 0) push(ptr, pos, 0, 0, true);
    }
  }
  // A tree has a few subtrees per character (tokens, the nodes above them, MISSING ones: this loop turned at most 8
  // times per UTF-16 unit over the examples and 300 random texts): far more means what is read is not a tree.
  let budget = 64 * (textLength + 256);
  while (depth >= 0) {
    if (--budget < 0) return undefined;
    const ptr = fPtr[depth]!;
    const count = u32[(ptr + 36) >> 2];
    if (count === undefined) return undefined;
    const index = fIndex[depth]!;
    if (index === count) {
      if (fVisible[depth] === 1) {
        c.subtreeEnd[fParent[depth]!] = c.count;
        lastChild.pop();
      }
      depth--;
      continue;
    }
    fIndex[depth] = index + 1;
    const at = ptr - 8 * (count - index); // this child's Subtree
    const first = u8[at]!;
    let symbol: number;
    let size: number;
    let padding: number;
    let childPtr = 0;
    let childCount = 0;
    let visible: boolean;
    let extra: boolean;
    let missing: boolean;
    if ((first & INLINE) !== 0) {
      symbol = u8[at + 1]!;
      padding = u8[at + 6]!;
      size = u8[at + 7]!;
      visible = (first & INLINE_VISIBLE) !== 0;
      extra = (first & INLINE_EXTRA) !== 0;
      missing = (first & INLINE_MISSING) !== 0;
    } else {
      childPtr = u32[at >> 2]!;
      padding = u32[(childPtr + 4) >> 2]!;
      size = u32[(childPtr + 16) >> 2]!;
      childCount = u32[(childPtr + 36) >> 2]!;
      symbol = u16[(childPtr + 40) >> 1]!;
      const flags = u16[(childPtr + 44) >> 1]!;
      visible = (flags & HEAP_VISIBLE) !== 0;
      extra = (flags & HEAP_EXTRA) !== 0;
      missing = (flags & HEAP_MISSING) !== 0;
    }
    // The first child starts where its parent does (its padding is the parent's); the others after their padding.
    const pos = index === 0 ? fPos[depth]! : fPos[depth]! + padding;
    fPos[depth] = pos + size;
    let alias = 0;
    let field = 0;
    if (!extra) {
      const structural = fStructural[depth]!;
      fStructural[depth] = structural + 1;
      const aliases = fAliases[depth]!;
      if (aliases >= 0) alias = u16[aliases + structural]!;
      for (let e = fFields[depth]!; e < fFieldsEnd[depth]!; e += 4) {
        // TSFieldMapEntry: field_id (u16), child_index (u8), inherited (bool)
        if (u8[e + 3] === 0 && u8[e + 2] === structural) {
          field = u16[e >> 1]!;
          break;
        }
      }
      if (field === 0) field = fInherited[depth]!;
    }
    if (visible || alias !== 0) {
      const node = record(publicSymbol(alias !== 0 ? alias : symbol), pos >> 1, (pos + size) >> 1, field, fParent[depth]!, missing);
      if (childCount > 0) push(childPtr, pos, node, 0, true);
    } else if (childCount > 0) {
      push(childPtr, pos, fParent[depth]!, extra ? 0 : field, false);
    }
  }
  markErrorAncestors(c);
  return c;
}
