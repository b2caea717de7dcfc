// What a check recorded in one file (types at spans, inferred-type hints, uses of fields), kept in chunks: the
// records of a top-level item stay placed where the item was when it was checked, so an item reused by the next
// check, which an edit above it has moved, moves by one number instead of a copy of each record.
import type { Span } from '../syntax/ast.js';

/**
 * Records of one top-level item, which starts at `base` now. They are placed as they were when the item started at
 * `at` (0 when omitted: relative to its start), so they all lie within `[at, at + length]` and move by `base - at`.
 */
export interface Chunk<T> {
  readonly base: number;
  readonly at?: number;
  readonly length: number;
  readonly records: readonly T[];
}

/** A record at `delta` characters further on. */
export type Mover<T> = (record: T, delta: number) => T;

export class Records<T extends { readonly span: Span }> {
  private placed: readonly T[] | undefined;
  private made: readonly Chunk<T>[] | undefined;

  /**
   * `loose`: records placed where they are (outside any item: top-level statements); `chunks`: the items', sorted by
   * base, not overlapping, or what makes them when first needed.
   */
  constructor(private readonly loose: readonly T[], private readonly source: readonly Chunk<T>[] | (() => readonly Chunk<T>[]), private readonly move: Mover<T>) {}

  private get chunks(): readonly Chunk<T>[] {
    if (!this.made) {
      this.made = typeof this.source === 'function' ? this.source() : this.source;
    }
    return this.made;
  }

  /** Every record, placed where it is now: the loose ones, then each item's in order. Made once, on first use. */
  all(): readonly T[] {
    if (!this.placed) {
      const out = [...this.loose];
      for (const c of this.chunks) {
        const d = c.base - (c.at ?? 0);
        for (const r of c.records) out.push(d === 0 ? r : this.move(r, d));
      }
      this.placed = out;
    }
    return this.placed;
  }

  /** The records whose span contains `offset` (its ends included), placed. Reads only the items around it. */
  at(offset: number): T[] {
    const out = this.loose.filter(r => r.span.start <= offset && offset <= r.span.end);
    // The last chunk starting at or before the offset, and the one before it (they may touch at the offset).
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.chunks[mid]!.base <= offset) lo = mid + 1;
      else hi = mid - 1;
    }
    for (let i = Math.max(0, hi - 1); i <= hi; i++) {
      const c = this.chunks[i]!;
      if (offset < c.base || offset > c.base + c.length) continue;
      const d = c.base - (c.at ?? 0);
      const rel = offset - d;
      for (const r of c.records) if (r.span.start <= rel && rel <= r.span.end) out.push(d === 0 ? r : this.move(r, d));
    }
    return out;
  }

  /**
   * The records of the items that meet `[start, end]`, and the loose records whose span meets it, placed: a caller
   * that places something of a record elsewhere than its span (a return type's hint goes after the parameter list)
   * filters it itself.
   */
  between(start: number, end: number): T[] {
    const out = this.loose.filter(r => r.span.start <= end && r.span.end >= start);
    for (const c of this.chunks) {
      if (c.base > end || c.base + c.length < start) continue;
      const d = c.base - (c.at ?? 0);
      for (const r of c.records) out.push(d === 0 ? r : this.move(r, d));
    }
    return out;
  }

  get size(): number {
    return this.chunks.reduce((n, c) => n + c.records.length, this.loose.length);
  }
}

export const moveSpan = (s: Span, delta: number): Span => ({ start: s.start + delta, end: s.end + delta });

/** Empty records of any kind. */
export function noRecords<T extends { readonly span: Span }>(): Records<T> {
  return new Records<T>([], [], r => r);
}
