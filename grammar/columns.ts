// The columns a flat tree is copied into: one buffer per tree, a row per node, filled in preorder by a walk.
import type { Language } from 'web-tree-sitter';

/** tree-sitter's symbol of ERROR nodes (`ts_builtin_sym_error`, -1 as an unsigned 16-bit id). */
export const ERROR_SYMBOL = 0xffff;

export const NAMED = 1;
export const MISSING = 2;
export const HAS_ERROR = 4;

/** Growable columns filled by a walk (a language's walks reuse one set: see `ScratchColumns` in flat-tree.ts). */
export interface Columns {
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

export function allocate(capacity: number): Columns {
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
export function copyColumns(from: Columns, capacity: number): Columns {
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
export function shrink(from: Columns): Columns {
  return copyColumns(from, from.count);
}

/** Writes row `i`: a node of `parent` (-1 for node 0), with no next sibling yet. */
export function writeRow(c: Columns, i: number, named: Uint8Array, symbol: number, field: number, start: number, end: number, parent: number, missing: boolean): void {
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
export function markErrorAncestors(c: Columns): void {
  for (let i = c.count - 1; i > 0; i--) if ((c.flags[i]! & HAS_ERROR) !== 0) c.flags[c.parent[i]!]! |= HAS_ERROR;
}

export function grow(c: Columns): Columns {
  return copyColumns(c, c.symbol.length * 2);
}

/** Per language: whether each symbol is named (a side table of the language, filled once). */
const namedTables = new WeakMap<Language, Uint8Array>();

export function namedTable(language: Language): Uint8Array {
  let table = namedTables.get(language);
  if (!table) {
    table = new Uint8Array(language.types.length);
    for (let i = 0; i < table.length; i++) table[i] = language.nodeTypeIsNamed(i) ? 1 : 0;
    namedTables.set(language, table);
  }
  return table;
}
