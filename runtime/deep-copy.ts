// Deep copies of the machine state: the checkpoints of time travel and the machine's save/restore.
import { FnProto } from './bytecode.js';
import { BuiltinFnVal, BuiltinHandlerVal, Closure, EffectVal, FloatVal, ModuleVal, StructType, TaskVal } from './values.js';

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
