// Copies of the machine state: whole (the machine's save/restore) or its structure only (time travel's checkpoints).
import { FnProto } from './bytecode.js';
import { VERSIONS, type Stamped } from './heap-stamp.js';
import { isHeapInstance } from './heap-versions.js';
import { Task } from './task.js';
import { BuiltinFnVal, BuiltinHandlerVal, Closure, EffectVal, FloatVal, ModuleVal, StructType, TaskVal } from './values.js';

/**
 * Marks a finished task that time travel froze (checkpoint.ts): a copy shares it. A non-enumerable own property, set
 * before freezing: cheaper to test than `Object.isFrozen`, which looks at every field.
 */
export const SHARED_TASK: unique symbol = Symbol('aria.task.shared');

/** Whether `v` is a frozen finished task (see `SHARED_TASK`). */
export function isSharedTask(v: unknown): boolean {
  return v instanceof Task && (v as unknown as { [SHARED_TASK]?: true })[SHARED_TASK] === true;
}

/** Immutable once built: shared between a state and its copies. */
const SHARED: ReadonlySet<unknown> = new Set<unknown>([FnProto, StructType, BuiltinFnVal, EffectVal, ModuleVal, BuiltinHandlerVal, FloatVal, TaskVal]);

/**
 * Copies an object graph, keeping sharing and cycles, and sharing what never changes (prototypes of
 * compiled code, struct types, immutable values, frozen objects, functions). Iterative, so deep data
 * (a long linked list of structs) cannot overflow the JS stack. Returns the copy and how many objects it made.
 */
export function deepCopy<T>(root: T): { copy: T; objects: number } {
  const memo = new Map<object, unknown>();
  const work: [object, Record<string, unknown> | unknown[]][] = [];
  const shell = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      memo.set(v, out);
      work.push([v, out]);
      return out;
    }
    const proto = Object.getPrototypeOf(v) as { constructor?: unknown } | null;
    if (SHARED.has(proto?.constructor) || Object.isFrozen(v)) return v;
    if (v instanceof Closure && v.ups.length === 0) return v; // captures nothing: immutable
    if (v instanceof Set) {
      const out = new Set<unknown>();
      memo.set(v, out);
      for (const x of v) out.add(shell(x));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      memo.set(v, out);
      for (const [k, x] of v) out.set(shell(k), shell(x));
      return out;
    }
    if (ArrayBuffer.isView(v)) {
      const out = (v as unknown as { slice(): unknown }).slice();
      memo.set(v, out);
      return out;
    }
    const out = Object.create(proto) as Record<string, unknown>;
    memo.set(v, out);
    work.push([v, out]);
    return out;
  };
  const copy = shell(root) as T;
  while (work.length > 0) {
    const [src, dst] = work.pop()!;
    if (Array.isArray(src)) {
      const d = dst as unknown[];
      for (let i = 0; i < src.length; i++) d[i] = shell(src[i]);
    } else {
      const d = dst as Record<string, unknown>;
      const s = src as Record<string, unknown>;
      for (const k of Object.keys(s)) d[k] = shell(s[k]);
    }
  }
  return { copy, objects: memo.size };
}

/**
 * Copies the machine's structure (tasks, frames, operand stacks, queues, the timer wheel...) as `deepCopy` does, but
 * keeps the program's heap objects (lists, structs, cells, channels, tokens, scopes, connections, handlers and
 * closures that capture) as they are, calling `onHeap` once for each it meets: time travel versions those in place
 * (heap-versions.ts). A list is an array in a value position: an element of a task's operand stack (or of the one it
 * kept when it failed), a task's result, or an array the version store has seen. A frozen object is shared, not
 * copied: time travel freezes a finished task once it has been copied (`onFinished` hears of each finished task copied,
 * with its copy). Returns the copy and how many objects it made.
 */
export function copyStructure<T>(root: T, onHeap: (o: object) => void, onFinished?: (task: Task, copy: Task) => void): { copy: T; objects: number } {
  const memo = new Map<object, unknown>();
  /** [source, copy, whether the source's elements are values]. */
  const work: [object, Record<string, unknown> | unknown[], boolean][] = [];
  let objects = 0;
  const heap = (v: object): object => {
    memo.set(v, v);
    onHeap(v);
    return v;
  };
  const values = (v: unknown[]): unknown[] => {
    const hit = memo.get(v);
    if (hit !== undefined) return hit as unknown[];
    const out: unknown[] = new Array(v.length);
    memo.set(v, out);
    objects++;
    work.push([v, out, true]);
    return out;
  };
  const shell = (v: unknown, valuePosition: boolean): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
    if (Array.isArray(v)) {
      if (valuePosition || (v as Stamped)[VERSIONS] !== undefined) return heap(v);
      const out: unknown[] = new Array(v.length);
      memo.set(v, out);
      objects++;
      work.push([v, out, false]);
      return out;
    }
    const proto = Object.getPrototypeOf(v) as { constructor?: unknown } | null;
    if (SHARED.has(proto?.constructor) || Object.isFrozen(v)) return v;
    if (v instanceof Closure && v.ups.length === 0) return v;
    if (isHeapInstance(v)) return heap(v);
    if (v instanceof Set) {
      const out = new Set<unknown>();
      memo.set(v, out);
      objects++;
      for (const x of v) out.add(shell(x, false));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      memo.set(v, out);
      objects++;
      for (const [k, x] of v) out.set(shell(k, false), shell(x, false));
      return out;
    }
    if (ArrayBuffer.isView(v)) {
      const out = (v as unknown as { slice(): unknown }).slice();
      memo.set(v, out);
      objects++;
      return out;
    }
    const out = Object.create(proto) as Record<string, unknown>;
    memo.set(v, out);
    objects++;
    work.push([v, out, false]);
    return out;
  };
  const copy = shell(root, false) as T;
  while (work.length > 0) {
    const [src, dst, elementsAreValues] = work.pop()!;
    if (Array.isArray(src)) {
      const d = dst as unknown[];
      for (let i = 0; i < src.length; i++) {
        const x: unknown = src[i];
        // a finished task (most of the task table, in a long run) is frozen: shared as it is
        d[i] = isSharedTask(x) ? x : shell(x, elementsAreValues);
      }
    } else if (src instanceof Task) {
      const d = dst as Record<string, unknown>;
      const s = src as unknown as Record<string, unknown>;
      for (const k of Object.keys(s)) {
        const x = s[k];
        if (k === 'stack') d[k] = values(x as unknown[]);
        else if (k === 'result') d[k] = shell(x, true);
        else if (k === 'endFrames' && x !== null) {
          const kept = x as { frames: unknown[]; stack: unknown[] };
          d[k] = { frames: shell(kept.frames, false), stack: values(kept.stack) };
        } else d[k] = shell(x, false);
      }
      if (onFinished && src.done) onFinished(src, dst as unknown as Task);
    } else {
      const d = dst as Record<string, unknown>;
      const s = src as Record<string, unknown>;
      for (const k of Object.keys(s)) d[k] = shell(s[k], false);
    }
  }
  return { copy, objects };
}
