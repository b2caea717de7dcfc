// A deep copy of plain runtime state that keeps classes, shared references and cycles: what a checkpoint of the machine is.

/**
 * Copies everything reachable from a root: objects keep their prototype, arrays, Maps, Sets and typed arrays are
 * copied, and an object reached twice is copied once (so identity and cycles survive). Objects in `shared` (and
 * instances of `sharedClasses`) are immutable program data and are kept as they are.
 */
export class Cloner {
  constructor(
    private readonly shared: ReadonlySet<object> = new Set(),
    private readonly sharedClasses: readonly (abstract new (...args: never[]) => object)[] = [],
  ) {}

  clone<T>(root: T): T {
    const memo = new Map<object, unknown>();
    const copy = (v: unknown): unknown => {
      if (v === null || typeof v !== 'object') return v; // primitives, and functions are not state
      const seen = memo.get(v);
      if (seen !== undefined) return seen;
      if (this.shared.has(v) || this.sharedClasses.some(c => v instanceof c)) return v;
      if (Array.isArray(v)) {
        const out: unknown[] = new Array(v.length);
        memo.set(v, out);
        for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
        return out;
      }
      if (v instanceof Map) {
        const out = new Map();
        memo.set(v, out);
        for (const [k, x] of v) out.set(copy(k), copy(x));
        return out;
      }
      if (v instanceof Set) {
        const out = new Set();
        memo.set(v, out);
        for (const x of v) out.add(copy(x));
        return out;
      }
      if (ArrayBuffer.isView(v)) {
        const out = (v as unknown as { slice(): unknown }).slice();
        memo.set(v, out);
        return out;
      }
      const out = Object.create(Object.getPrototypeOf(v) as object) as Record<string, unknown>;
      memo.set(v, out);
      // class fields (TypeScript `readonly` and `private` included) are plain writable own properties
      const src = v as Record<string, unknown>;
      for (const key of Object.keys(src)) {
        const x = src[key];
        out[key] = typeof x === 'function' ? x : copy(x);
      }
      return out;
    };
    return copy(root) as T;
  }
}

/** Every object reachable from `roots` (for marking program data as shared), stopping at `stop` classes. */
export function reachable(roots: readonly unknown[], stopAt: readonly (abstract new (...args: never[]) => object)[] = []): Set<object> {
  const seen = new Set<object>();
  const stack: unknown[] = [...roots];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (stopAt.some(c => v instanceof c)) continue;
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    else if (!ArrayBuffer.isView(v)) for (const key of Reflect.ownKeys(v)) stack.push((v as Record<string | symbol, unknown>)[key]);
  }
  return seen;
}
