// Reads tree-sitter's own structures out of web-tree-sitter's wasm memory: a tree's subtrees and a language's tables.
//
// The layout facts below hold for web-tree-sitter 0.27.2 (pinned exactly in package.json), whose wasm is built from
// tree-sitter 0.25 (`lib/src/subtree.h`, `lib/src/language.h`), with languages of ABI 14 or 15 (`struct TSLanguage`:
// version, symbol_count, alias_count at words 0 to 2, field_count at word 8, max_alias_sequence_length as the u16 at
// byte 36, field_map_slices, field_map_entries, public_symbol_map and alias_sequences at words 16, 17, 19 and 21).
// A Subtree is 8 bytes: inline data (bit 0 of its first byte set) or a pointer to a SubtreeHeapData. Inline: byte 0
// holds is_inline, visible, named, extra, has_changes, is_missing (bit 5); byte 1 the symbol; byte 6 padding bytes;
// byte 7 size bytes. Heap data: padding.bytes at +4, size.bytes at +16, child_count at +36, symbol (u16) at +40,
// flags (u16) at +44 (visible bit 0, named 1, extra 2, is_missing 9), production_id (u16) at +66; its children
// (Subtrees) lie just before it. Offsets count bytes of the UTF-16 text (web-tree-sitter parses strings as UTF-16).
// A web-tree-sitter whose layout differs is caught: flat-tree.ts checks the first walks of each language against
// its cursor and falls back to the cursor (test/grammar/flat-tree.test.ts checks that memory walks are in use).
import { ERROR_SYMBOL, grow, markErrorAncestors, namedTable, writeRow, type Columns } from './columns.js';
import type { Language, Tree } from 'web-tree-sitter';

/** The web-tree-sitter version these layout facts were read from. */
export const LAYOUT_VERSION = '0.27.2';

/** web-tree-sitter's heap views (replaced when its memory grows: read them per walk). */
export interface Heap {
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
  HEAPU32: Uint32Array;
}

/** What the walk needs of a language, as word indices into the heap views. */
export interface MemoryLanguage {
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

/**
 * The language's tables, from its `struct TSLanguage` in wasm memory (ABI 14 and 15 share these first fields), or
 * null when what is there does not look like what this code expects.
 */
export function memoryLanguage(heap: Heap, language: Language): MemoryLanguage | null {
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

const INLINE = 1;
const INLINE_VISIBLE = 2;
const INLINE_EXTRA = 8;
const INLINE_MISSING = 32;
const HEAP_VISIBLE = 1;
const HEAP_EXTRA = 4;
const HEAP_MISSING = 1 << 9;

/**
 * The walk itself; undefined when it meets what a tree of a text of `textLength` cannot hold (more subtrees than
 * the text could make, or a read outside wasm memory): the layout is not what this code reads.
 */
export function readTree(heap: Heap, lang: MemoryLanguage, tree: Tree, treeAddress: number, into: Columns, textLength: number): Columns | undefined {
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
