// The write barrier of the program's heap: every place that changes a list, struct, cell, channel, token, scope or connection calls `touch` first.
//
// Time travel (checkpoint.ts, heap-versions.ts) keeps each heap object's contents per checkpoint and shares an object
// between checkpoints until it changes. `touch` tells it an object is about to change: the first time in a checkpoint
// interval, the object is noted as written (and its contents at the last checkpoint are kept, when only the live object
// held them). Without time travel the check is one comparison that always holds.

/** The interval an object was last noted as written in (`HeapLog.epoch`); undefined: never. */
export const STAMP: unique symbol = Symbol('aria.heap.stamp');
/**
 * An object's recorded contents per checkpoint (heap-versions.ts): undefined, never recorded; a number, one checkpoint
 * whose contents are the object's own (the common case: no array is made for it); else the pairs.
 */
export const VERSIONS: unique symbol = Symbol('aria.heap.versions');

export interface Stamped {
  [STAMP]?: number | undefined;
  [VERSIONS]?: number | unknown[] | undefined;
}

/** What the barrier reports to: the version store of the machine that is running. */
export interface HeapLog {
  /** Changes at every checkpoint and restore, so that each object is noted once per interval. */
  readonly epoch: number;
  /** `o` is about to change (its stamp is not this epoch). */
  written(o: object): void;
}

let epoch: number | undefined;
let log: HeapLog | null = null;

/** Call before changing a heap object in place. */
export function touch(o: object): void {
  if ((o as Stamped)[STAMP] !== epoch && log !== null) log.written(o);
}

/** Makes `l` the log the barrier reports to (a machine's run begins); returns the one it replaces. */
export function enterHeap(l: HeapLog | null): HeapLog | null {
  const prev = log;
  log = l;
  epoch = l ? l.epoch : undefined;
  return prev;
}

/** Puts back what `enterHeap` replaced (the run ends). */
export function leaveHeap(prev: HeapLog | null): void {
  log = prev;
  epoch = prev ? prev.epoch : undefined;
}

/** After `l` changed its epoch: if it is the active log, the barrier compares against the new one. */
export function epochChanged(l: HeapLog): void {
  if (log === l) epoch = l.epoch;
}

let epochs = 0;

/** A new epoch, never used before by any log (objects of one machine never match another's). */
export function nextEpoch(): number {
  return ++epochs;
}
