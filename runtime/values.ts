// Aria values at run time: JS primitives for Int, Bool, String and Unit, arrays for lists, small classes for the rest.
import type { FnProto } from './bytecode.js';
import { STAMP, VERSIONS } from './heap-stamp.js';

/**
 * - Int: a JS number holding an integer; Float: a boxed `FloatVal` so `3.0` stays a float.
 * - Bool, String: JS booleans and strings. Unit: `undefined`. Lists: JS arrays (mutable, shared).
 * - Whatever changes a list, a struct, a cell, a channel, a token, a scope or a connection in place calls
 *   `touch` (heap-stamp.ts) first: time travel keeps only what changed between checkpoints.
 * - Duration: an Int of milliseconds.
 */
export type Value =
  | number
  | string
  | boolean
  | undefined
  | Value[]
  | FloatVal
  | StructVal
  | Closure
  | BuiltinFnVal
  | TaskVal
  | ChannelVal
  | TokenVal
  | HandlerVal
  | BuiltinHandlerVal
  | ScopeVal
  | ConnVal
  | ModuleVal
  | EffectVal;

/** Marks a local that has not been assigned yet (never an Aria value). */
export const UNSET = null;

export class FloatVal {
  readonly kind = 'float';
  constructor(readonly value: number) {}
}

/** A struct type (user-declared or built-in `Ok`, `Err`, `Some`, `None`); shared, never mutated. */
export class StructType {
  readonly kind = 'struct-type';
  readonly index: ReadonlyMap<string, number>;
  /** `variantOf` names the enum of a variant (`Circle` of `Shape`); a variant without fields prints bare (`None`). */
  constructor(readonly name: string, readonly fields: readonly string[], readonly module: string, readonly variantOf?: string) {
    this.index = new Map(fields.map((f, i) => [f, i]));
  }
}

export class StructVal {
  readonly kind = 'struct';
  /** Time travel's bookkeeping (heap-stamp.ts): declared so every instance has one shape. */
  [STAMP]: number | undefined = undefined;
  [VERSIONS]: number | unknown[] | undefined = undefined;
  constructor(readonly type: StructType, readonly values: Value[]) {}
}

/** A mutable box for a local captured by a lambda or a local function (capture is by reference). */
export class Cell {
  /** Time travel's bookkeeping (heap-stamp.ts): declared so every instance has one shape. */
  [STAMP]: number | undefined = undefined;
  [VERSIONS]: number | unknown[] | undefined = undefined;
  constructor(public v: Value | null) {}
}

export class Closure {
  readonly kind = 'closure';
  /** Time travel's bookkeeping (heap-stamp.ts): declared so every instance has one shape. */
  [STAMP]: number | undefined = undefined;
  [VERSIONS]: number | unknown[] | undefined = undefined;
  constructor(readonly proto: FnProto, readonly ups: readonly Cell[]) {}
}

/** A built-in function used as a value (`each(xs, print)`), or a struct constructor (`map(xs, Some)`). */
export class BuiltinFnVal {
  readonly kind = 'builtin';
  constructor(readonly name: string, readonly ctor?: StructType) {}
}

/** A handle to a task (what `spawn` returns); the task itself lives in the machine. */
export class TaskVal {
  readonly kind = 'task';
  constructor(readonly id: number) {}
}

/** A bounded channel; the tasks waiting on it are ids, so it is plain data. */
export class ChannelVal {
  readonly kind = 'channel';
  /** Time travel's bookkeeping (heap-stamp.ts): declared so every instance has one shape. */
  [STAMP]: number | undefined = undefined;
  [VERSIONS]: number | unknown[] | undefined = undefined;
  buffer: Value[] = [];
  closed = false;
  /** Tasks waiting to receive, in arrival order. */
  receivers: number[] = [];
  /** Tasks waiting to send, with the value each wants to send. */
  senders: { task: number; value: Value }[] = [];
  constructor(readonly id: number, readonly capacity: number) {}
}

/** A cancellation token. Cancelling a token cancels every token below it (checked by walking up). */
export class TokenVal {
  readonly kind = 'token';
  /** Time travel's bookkeeping (heap-stamp.ts): declared so every instance has one shape. */
  [STAMP]: number | undefined = undefined;
  [VERSIONS]: number | unknown[] | undefined = undefined;
  cancelled = false;
  constructor(readonly id: number, readonly parent: TokenVal | null) {}
}

export function isCancelled(token: TokenVal | null): boolean {
  for (let t = token; t; t = t.parent) if (t.cancelled) return true;
  return false;
}

/** An instance of a user `handler X(params) for E`: the operations as closures over the parameters. */
export class HandlerVal {
  readonly kind = 'handler';
  /** Time travel's bookkeeping (heap-stamp.ts): declared so every instance has one shape. */
  [STAMP]: number | undefined = undefined;
  [VERSIONS]: number | unknown[] | undefined = undefined;
  /**
   * `effect` is the effect's identity, which operations are dispatched on: a built-in effect's name, or `path#Name`
   * for a declared one (two modules that each declare `effect Log` have two effects); `effectName` is its name.
   */
  constructor(
    readonly name: string, readonly effect: string, readonly ops: ReadonlyMap<string, Closure>, readonly effectName = effect,
  ) {}
}

export type BuiltinHandlerSpec =
  | { readonly role: 'runtime'; readonly flavor: 'multi' | 'single' | 'wasm'; readonly workers?: number; readonly blockingThreads?: number; readonly timerResolution?: number }
  | { readonly role: 'cancel-timeout'; readonly duration: number }
  | { readonly role: 'scope' };

/** `Async.default`, `Runtime.multi_threaded(workers: 2)`, `Cancel.timeout(1.seconds)`, `Async.scope`. */
export class BuiltinHandlerVal {
  readonly kind = 'builtin-handler';
  constructor(readonly name: string, readonly spec: BuiltinHandlerSpec) {}
}

/** A structured scope (`with Async.scope |s|`). */
export class ScopeVal {
  readonly kind = 'scope';
  /** Time travel's bookkeeping (heap-stamp.ts): declared so every instance has one shape. */
  [STAMP]: number | undefined = undefined;
  [VERSIONS]: number | unknown[] | undefined = undefined;
  /** Ids of the children still running. */
  live: number[] = [];
  /** Every child ever spawned into it. */
  children: number[] = [];
  /** The first child failure: the scope cancels the others and fails its owner with it. */
  failedBy: number | null = null;
  closed = false;
  constructor(readonly id: number, readonly owner: number) {}
}

/** A connection of the simulated listener. */
export class ConnVal {
  readonly kind = 'conn';
  /** Time travel's bookkeeping (heap-stamp.ts): declared so every instance has one shape. */
  [STAMP]: number | undefined = undefined;
  [VERSIONS]: number | unknown[] | undefined = undefined;
  written: string[] = [];
  constructor(readonly id: number, readonly request: string) {}
}

/** An imported module, bound to the last segment of its path (`import lib.geometry` binds `geometry`). */
export class ModuleVal {
  readonly kind = 'module';
  constructor(readonly name: string, readonly path: string, readonly globals: ReadonlyMap<string, Value>) {}
}

/** How a message names an effect from its identity (`HandlerVal.effect`): `Log` for `main.aria#Log`. */
export function effectDisplayName(key: string): string {
  return key.slice(key.lastIndexOf('#') + 1);
}

/** An effect named as a value (`Log` in `Log.log(x)` when it is not called directly). */
export class EffectVal {
  readonly kind = 'effect';
  constructor(readonly name: string) {}
}

export function isFloat(v: Value): v is FloatVal {
  return v instanceof FloatVal;
}

/** The number inside an Int or a Float, or undefined for anything else. */
export function numberOf(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof FloatVal) return v.value;
  return undefined;
}

export function typeName(v: Value): string {
  if (v === undefined) return 'Unit';
  if (typeof v === 'number') return 'Int';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Bool';
  if (Array.isArray(v)) return 'List';
  switch (v.kind) {
    case 'float': return 'Float';
    case 'struct': return v.type.name;
    case 'closure': return 'Function';
    case 'builtin': return 'Function';
    case 'task': return 'Task';
    case 'channel': return 'Channel';
    case 'token': return 'CancellationToken';
    case 'handler': return 'Handler';
    case 'builtin-handler': return 'Handler';
    case 'scope': return 'Scope';
    case 'conn': return 'Connection';
    case 'module': return 'Module';
    case 'effect': return 'Effect';
    default: {
      const never: never = v;
      return String(never);
    }
  }
}

function formatFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return `${x}.0`;
  return String(x);
}

/** The text `print` and interpolation show: strings bare at the top, quoted inside lists and structs. */
export function show(v: Value, nested = false, depth = 0): string {
  if (v === undefined) return '()';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return nested ? JSON.stringify(v) : v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (depth > 20) return '…';
  if (Array.isArray(v)) return `[${v.map(x => show(x, true, depth + 1)).join(', ')}]`;
  switch (v.kind) {
    case 'float': return formatFloat(v.value);
    case 'struct':
      if (v.type.variantOf !== undefined && v.values.length === 0) return v.type.name;
      return `${v.type.name}(${v.values.map(x => show(x, true, depth + 1)).join(', ')})`;
    case 'closure': return `<fn ${v.proto.name}>`;
    case 'builtin': return `<fn ${v.name}>`;
    case 'task': return `<task #${v.id}>`;
    case 'channel': return `<channel #${v.id} ${v.buffer.length}/${v.capacity}${v.closed ? ' closed' : ''}>`;
    case 'token': return `<token${v.cancelled ? ' cancelled' : ''}>`;
    case 'handler': return `<handler ${v.name} for ${v.effectName}>`;
    case 'builtin-handler': return `<handler ${v.name}>`;
    case 'scope': return `<scope #${v.id}>`;
    case 'conn': return `<connection #${v.id}>`;
    case 'module': return `<module ${v.name}>`;
    case 'effect': return `<effect ${v.name}>`;
    default: {
      const never: never = v;
      return String(never);
    }
  }
}

/** Structural equality: numbers by value (1 == 1.0), lists and structs element-wise, the rest by identity. */
export function equals(a: Value, b: Value, depth = 0): boolean {
  if (a === b) return true;
  const na = numberOf(a);
  if (na !== undefined) {
    const nb = numberOf(b);
    return nb !== undefined && na === nb;
  }
  if (depth > 100) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (a instanceof StructVal && b instanceof StructVal) {
    if (a.type !== b.type && (a.type.name !== b.type.name || a.type.module !== b.type.module)) return false;
    for (let i = 0; i < a.values.length; i++) if (!equals(a.values[i], b.values[i], depth + 1)) return false;
    return true;
  }
  return false;
}

export function truthy(v: Value): boolean {
  return v === true;
}
