// The program's heap objects by version: what each list, struct, cell, channel, token, scope and connection held at each checkpoint, kept only for what changed.
//
// Each heap object carries (under the `VERSIONS` symbol) a list of [checkpoint seq, contents] pairs, oldest first
// (or only the seq, while it has one pair whose contents are its own: most objects never change after being made).
// The contents an object had at checkpoint k are those of its latest pair at or before k. A pair's contents are
// `LIVE` while the object has not changed since: the object itself holds them, nothing is copied. The write
// barrier (`touch`, heap-stamp.ts) copies them out on the first write after a checkpoint, and notes the object as
// written; the next checkpoint gives every written object, and every object it has not seen before, a `LIVE` pair.
// So a checkpoint costs what changed since the last one (plus the new objects), never the whole live heap, and an
// object that never changes again is never copied. Restoring a checkpoint puts the contents back into the same
// objects (identity is kept: the checkpoint's copy of the machine's structure refers to them).
//
// Only an object's latest pair may be `LIVE`: its older pairs were copied out when it changed.
import { STAMP, VERSIONS, epochChanged, nextEpoch, type HeapLog, type Stamped } from './heap-stamp.js';
import { Cell, ChannelVal, Closure, ConnVal, HandlerVal, ScopeVal, StructVal, TokenVal, type Value } from './values.js';

/** The contents are the live object's (it has not changed since the pair was made). */
const LIVE: unique symbol = Symbol('live');

type Contents = unknown[] | typeof LIVE;

/** The classes of heap objects (lists are arrays). A closure capturing nothing is immutable and shared, not one. */
const HEAP_CLASSES: ReadonlySet<unknown> = new Set<unknown>([StructVal, Cell, ChannelVal, TokenVal, ScopeVal, ConnVal, HandlerVal, Closure]);

/** Whether a class instance is a heap object (arrays are judged by where they are: see deep-copy.ts). */
export function isHeapInstance(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as { constructor?: unknown } | null;
  if (!HEAP_CLASSES.has(proto?.constructor)) return false;
  return !(v instanceof Closure) || v.ups.length > 0;
}

/** Whether a value is a heap object: a list, or an instance of a heap class. */
export function isHeapValue(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  return Array.isArray(v) || isHeapInstance(v);
}

/** A shallow copy of what can change in `o` (undefined for the immutable kinds). */
function contentsOf(o: object): Contents {
  if (Array.isArray(o)) return o.slice();
  if (o instanceof StructVal) return o.values.slice();
  if (o instanceof Cell) return [o.v];
  if (o instanceof ChannelVal) return [o.buffer.slice(), o.closed, o.receivers.slice(), o.senders.slice()];
  if (o instanceof TokenVal) return [o.cancelled];
  if (o instanceof ScopeVal) return [o.live.slice(), o.children.slice(), o.failedBy, o.closed];
  if (o instanceof ConnVal) return [o.written.slice()];
  return LIVE; // closures and handlers never change
}

/** Puts contents back into `o` (copies of the arrays: the recorded contents stay as they were). */
function apply(o: object, c: unknown[]): void {
  if (Array.isArray(o)) {
    o.length = c.length;
    for (let i = 0; i < c.length; i++) o[i] = c[i];
  } else if (o instanceof StructVal) {
    const values = o.values;
    values.length = c.length;
    for (let i = 0; i < c.length; i++) values[i] = c[i] as Value;
  } else if (o instanceof Cell) {
    o.v = c[0] as Value | null;
  } else if (o instanceof ChannelVal) {
    o.buffer = (c[0] as Value[]).slice();
    o.closed = c[1] as boolean;
    o.receivers = (c[2] as number[]).slice();
    o.senders = (c[3] as ChannelVal['senders']).slice();
  } else if (o instanceof TokenVal) {
    o.cancelled = c[0] as boolean;
  } else if (o instanceof ScopeVal) {
    o.live = (c[0] as number[]).slice();
    o.children = (c[1] as number[]).slice();
    o.failedBy = c[2] as number | null;
    o.closed = c[3] as boolean;
  } else if (o instanceof ConnVal) {
    o.written = (c[0] as string[]).slice();
  }
}

/** Array slots a recorded contents holds, and the characters of the strings in them (for the memory estimate). */
function sizeOf(c: Contents): { slots: number; chars: number } {
  if (c === LIVE) return { slots: 0, chars: 0 };
  let slots = c.length;
  let chars = 0;
  for (let i = 0; i < c.length; i++) {
    const x = c[i];
    if (typeof x === 'string') chars += x.length;
    else if (Array.isArray(x)) {
      slots += x.length;
      for (let j = 0; j < x.length; j++) {
        const y: unknown = x[j];
        if (typeof y === 'string') chars += y.length;
      }
    }
  }
  return { slots, chars };
}

/** Calls `f` on each heap object `o` refers to. */
function eachChild(o: object, f: (c: object) => void): void {
  const values = (xs: readonly unknown[]): void => {
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      if (isHeapValue(x)) f(x);
    }
  };
  if (Array.isArray(o)) values(o);
  else if (o instanceof StructVal) values(o.values);
  else if (o instanceof Cell) {
    if (isHeapValue(o.v)) f(o.v);
  } else if (o instanceof ChannelVal) {
    values(o.buffer);
    for (const s of o.senders) if (isHeapValue(s.value)) f(s.value);
  } else if (o instanceof TokenVal) {
    if (o.parent) f(o.parent);
  } else if (o instanceof Closure) {
    for (const c of o.ups) f(c);
  } else if (o instanceof HandlerVal) {
    for (const c of o.ops.values()) if (isHeapValue(c)) f(c);
  }
}

function known(o: object): boolean {
  const v = (o as Stamped)[VERSIONS];
  return v !== undefined && (typeof v === 'number' || v.length > 0);
}

/** What the store holds, for the memory estimate. */
export interface HeapVersionStats {
  /** [seq, contents] pairs over all objects. */
  readonly pairs: number;
  /** Pairs whose contents were copied out (the object changed after that checkpoint). */
  readonly copies: number;
  /** Array slots in those copies. */
  readonly slots: number;
  /** Characters of the strings those copies' slots hold (a copy may be all that keeps them alive). */
  readonly chars: number;
}

/** The version store of one machine's heap: the barrier's log, and what checkpoints record and restore. */
export class HeapVersions implements HeapLog {
  epoch = nextEpoch();
  /** Objects written (or marked so) since the last checkpoint or restore, each once. */
  private dirty: object[] = [];
  private pairs = 0;
  private copies = 0;
  private slots = 0;
  private chars = 0;

  /** The barrier: `o` is about to change for the first time since the last checkpoint or restore. */
  written(o: object): void {
    const x = o as Stamped;
    x[STAMP] = this.epoch;
    const v = x[VERSIONS];
    if (typeof v === 'number') {
      const c = contentsOf(o);
      x[VERSIONS] = [v, c];
      this.copied(c);
    } else if (v !== undefined && v.length > 0 && v[v.length - 1] === LIVE) {
      const c = contentsOf(o);
      v[v.length - 1] = c;
      this.copied(c);
    }
    this.dirty.push(o);
  }

  private copied(c: Contents): void {
    if (c === LIVE) return;
    const { slots, chars } = sizeOf(c);
    this.copies++;
    this.slots += slots;
    this.chars += chars;
  }

  private uncopied(c: Contents): void {
    if (c === LIVE) return;
    const { slots, chars } = sizeOf(c);
    this.copies--;
    this.slots -= slots;
    this.chars -= chars;
  }

  /** Notes `o` as possibly different from the latest checkpoint's view of it (without a write). */
  private mark(o: object): void {
    const x = o as Stamped;
    if (x[STAMP] === this.epoch) return;
    x[STAMP] = this.epoch;
    this.dirty.push(o);
  }

  /**
   * Records checkpoint `seq`: a `LIVE` pair for every object written since the last checkpoint or restore, and for
   * every object not seen before that they or `roots` (the heap objects the machine's structure refers to) reach.
   * `seq` may be the latest checkpoint's own, when a new one at the same step replaces it: an object written since
   * then gets its pair back to `LIVE`. Returns the objects given a new pair and how many objects had been written.
   */
  record(seq: number, roots: readonly object[]): { recorded: object[]; written: number } {
    const recorded: object[] = [];
    const walk: object[] = [];
    const add = (o: object): void => {
      const x = o as Stamped;
      const v = x[VERSIONS];
      if (v === undefined || (typeof v !== 'number' && v.length === 0)) {
        x[VERSIONS] = seq;
      } else if (typeof v === 'number') {
        return; // one pair, its contents the object's own: unchanged since, so they are this checkpoint's too
      } else if (v[v.length - 2] === seq) {
        // recorded at this checkpoint already (it replaces one at the same step): written since, its contents are now
        const c = v[v.length - 1] as Contents;
        if (x[STAMP] === this.epoch) {
          this.uncopied(c);
          v[v.length - 1] = LIVE;
        }
        return;
      } else {
        v.push(seq, LIVE);
      }
      this.pairs++;
      recorded.push(o);
      walk.push(o);
    };
    const written = this.dirty.length;
    for (const o of this.dirty) add(o);
    for (const o of roots) if (!known(o)) add(o);
    while (walk.length > 0) {
      eachChild(walk.pop()!, c => {
        if (!known(c)) add(c);
      });
    }
    this.dirty = [];
    this.newEpoch();
    return { recorded, written };
  }

  /**
   * Forgets checkpoint `seq`, whose pairs belong to `objects`. With a `successor` (the next checkpoint kept), an
   * object that has no pair there gets this one, moved: returns those objects (they join the successor's). Without
   * one (the latest checkpoint goes), the objects are marked as written, so the next checkpoint records them again.
   */
  drop(seq: number, successor: number | undefined, objects: readonly object[]): object[] {
    const moved: object[] = [];
    for (const o of objects) {
      const x = o as Stamped;
      const v = x[VERSIONS];
      if (v === undefined) continue;
      if (typeof v === 'number') {
        if (v !== seq) continue;
        if (successor !== undefined) {
          x[VERSIONS] = successor;
          moved.push(o);
          continue;
        }
        x[VERSIONS] = undefined;
        this.pairs--;
        this.mark(o);
        continue;
      }
      let i = v.length - 2;
      while (i >= 0 && v[i] !== seq) i -= 2;
      if (i < 0) continue;
      if (successor !== undefined && v[i + 2] !== successor) {
        v[i] = successor;
        moved.push(o);
        continue;
      }
      this.uncopied(v[i + 1] as Contents);
      v.splice(i, 2);
      this.pairs--;
      if (successor === undefined) this.mark(o);
    }
    return moved;
  }

  /**
   * Puts every object written since the last checkpoint or restore (and every one marked by `drop`) back to its
   * latest recorded contents. The caller has dropped the checkpoints after the one it restores, so those are the
   * contents at that checkpoint. An object with no pair left was made after it: nothing refers to it any more.
   */
  restore(): number {
    let restored = 0;
    for (const o of this.dirty) {
      const v = (o as Stamped)[VERSIONS];
      if (v === undefined || typeof v === 'number' || v.length === 0) continue;
      const c = v[v.length - 1] as Contents;
      if (c === LIVE) continue;
      apply(o, c);
      restored++;
    }
    this.dirty = [];
    this.newEpoch();
    return restored;
  }

  stats(): HeapVersionStats {
    return { pairs: this.pairs, copies: this.copies, slots: this.slots, chars: this.chars };
  }

  private newEpoch(): void {
    this.epoch = nextEpoch();
    epochChanged(this);
  }
}
