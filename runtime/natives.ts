// The built-in functions implemented natively (the higher-order ones live in the Aria prelude), by name and id.
import { BUILTIN_CONSTANTS, BUILTIN_FUNCTIONS, BUILTIN_HANDLERS } from '../analysis/builtins.js';
import type { Span } from '../analysis/syntax/ast.js';
import { listLimitProblem, stringLimitProblem, type RuntimeLimits } from './limits.js';
import type { Task } from './task.js';
import { touch } from './heap-stamp.js';
import {
  BuiltinHandlerVal, ChannelVal, FloatVal, StructVal, TaskVal, TokenVal, equals, isCancelled, numberOf, show, typeName,
  type StructType, type Value,
} from './values.js';

/** The task blocked; whoever wakes it supplies the call's value. */
export const SUSPEND: unique symbol = Symbol('suspend');
/** The call's value is unit and the task gave up its thread for now (a yield, a blocking call). */
export const YIELDED: unique symbol = Symbol('yielded');
/** The cooperative budget ran out: the task yields and the call runs again when it is next polled. */
export const RETRY: unique symbol = Symbol('retry');

export type NativeResult = Value | typeof SUSPEND | typeof YIELDED | typeof RETRY;

/** A failure raised by a built-in or the VM; the VM turns it into a task failure with the Aria stack. */
export class AriaError {
  constructor(
    readonly kind: import('./task.js').FailureKind,
    readonly message: string,
    readonly cause?: import('./task.js').Failure,
  ) {}
}

/** Throws the `resource-limit` failure with `problem` (runtime/limits.ts words it). */
export function limitFailure(problem: string | undefined): never {
  throw new AriaError('resource-limit', problem ?? 'a resource limit was passed');
}

/** What built-ins may ask of the machine. */
export interface NativeHost {
  /** How long lists and strings may grow (runtime/limits.ts). */
  readonly limits: RuntimeLimits;
  readonly ok: StructType;
  readonly err: StructType;
  readonly some: StructType;
  readonly none: StructType;
  nowMs(): number;
  write(task: Task, text: string): void;
  sleep(task: Task, ms: number): typeof SUSPEND;
  yieldNow(task: Task): typeof YIELDED;
  /** Takes one unit of the cooperative budget; false when it is spent (the caller returns RETRY). */
  consumeBudget(task: Task): boolean;
  spawnBlocking(task: Task, f: Value): TaskVal;
  threadSleep(task: Task, ms: number): typeof YIELDED;
  readFile(path: string): string;
  newChannel(capacity: number): ChannelVal;
  send(task: Task, ch: ChannelVal, v: Value): NativeResult;
  recv(task: Task, ch: ChannelVal): NativeResult;
  close(task: Task, ch: ChannelVal): void;
  race(task: Task, tasks: readonly TaskVal[]): NativeResult;
  timeout(task: Task, ms: number, f: Value): NativeResult;
  cancelTask(task: Task, target: TaskVal): void;
  newToken(parent: TokenVal | null): TokenVal;
  accept(task: Task): NativeResult;
  connRead(task: Task, conn: Value): NativeResult;
  connWrite(task: Task, conn: Value, data: string): NativeResult;
  random(n: number): number;
  callSite(task: Task): Span;
}

export type Native = (m: NativeHost, task: Task, stack: Value[], base: number, argc: number) => NativeResult;

const CPU_COUNT = BUILTIN_CONSTANTS.find(c => c.name === 'CPU.count')?.value ?? 4;

function int(v: Value, what: string): number {
  if (typeof v === 'number') return v;
  throw new AriaError('type-error', `${what} must be an Int, not ${typeName(v)}`);
}

function durationMs(v: Value, what = 'a duration'): number {
  const n = numberOf(v);
  if (n === undefined) throw new AriaError('type-error', `${what} must be a Duration, not ${typeName(v)}`);
  return Math.max(0, n);
}

function list(v: Value, what: string): Value[] {
  if (Array.isArray(v)) return v;
  throw new AriaError('type-error', `${what} must be a List, not ${typeName(v)}`);
}

function channel(v: Value): ChannelVal {
  if (v instanceof ChannelVal) return v;
  throw new AriaError('type-error', `expected a Channel, not ${typeName(v)}`);
}

function compare(a: Value, b: Value): number {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== undefined && y !== undefined) return x - y;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new AriaError('type-error', `cannot compare ${typeName(a)} with ${typeName(b)}`);
}

const natives: [string, Native][] = [
  ['print', (m, t, s, b, n) => {
    let text = '';
    for (let i = 0; i < n; i++) text += (i > 0 ? ' ' : '') + show(s[b + i]);
    m.write(t, text + '\n');
    return undefined;
  }],
  ['sleep', (m, t, s, b) => m.sleep(t, durationMs(s[b], 'the duration of sleep'))],
  ['yield_now', (m, t) => m.yieldNow(t)],
  ['spawn_blocking', (m, t, s, b) => m.spawnBlocking(t, s[b])],
  ['thread_sleep', (m, t, s, b) => m.threadSleep(t, durationMs(s[b], 'the duration of thread_sleep'))],
  ['read_file', (m, _t, s, b) => {
    const path = s[b];
    if (typeof path !== 'string') throw new AriaError('type-error', `read_file takes a String path, not ${typeName(path)}`);
    return m.readFile(path);
  }],
  ['channel', (m, _t, s, b) => {
    const capacity = int(s[b], 'the capacity of a channel');
    if (capacity < 1) throw new AriaError('type-error', `a channel's capacity must be at least 1, not ${capacity}`);
    return m.newChannel(capacity);
  }],
  ['send', (m, t, s, b) => m.send(t, channel(s[b]), s[b + 1])],
  ['recv', (m, t, s, b) => m.recv(t, channel(s[b]))],
  ['close', (m, t, s, b) => {
    m.close(t, channel(s[b]));
    return undefined;
  }],
  ['race', (m, t, s, b) => m.race(t, tasksOf(s[b]))],
  ['select', (m, t, s, b) => m.race(t, tasksOf(s[b]))],
  ['timeout', (m, t, s, b) => m.timeout(t, durationMs(s[b], 'the duration of timeout'), s[b + 1])],
  ['cancel', (m, t, s, b) => {
    const v = s[b];
    if (v instanceof TokenVal) {
      touch(v);
      v.cancelled = true;
    }
    else if (v instanceof TaskVal) m.cancelTask(t, v);
    else throw new AriaError('type-error', `cancel takes a CancellationToken or a Task, not ${typeName(v)}`);
    return undefined;
  }],
  ['is_cancelled', (_m, _t, s, b) => {
    const v = s[b];
    if (!(v instanceof TokenVal)) throw new AriaError('type-error', `is_cancelled takes a CancellationToken, not ${typeName(v)}`);
    return isCancelled(v);
  }],
  ['accept', (m, t) => m.accept(t)],
  ['read', (m, t, s, b) => m.connRead(t, s[b])],
  ['write', (m, t, s, b) => {
    const data = s[b + 1];
    return m.connWrite(t, s[b], typeof data === 'string' ? data : show(data));
  }],
  ['now', m => m.nowMs()],
  ['random', (m, _t, s, b) => {
    const n = int(s[b], 'the bound of random');
    if (n < 1) throw new AriaError('type-error', `random needs a bound of at least 1, not ${n}`);
    return m.random(n);
  }],
  ['len', (_m, _t, s, b) => {
    const v = s[b];
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    throw new AriaError('type-error', `len takes a List or a String, not ${typeName(v)}`);
  }],
  ['push', (m, _t, s, b) => {
    const xs = list(s[b], 'the first argument of push');
    if (xs.length >= m.limits.maxListLength) limitFailure(listLimitProblem(xs.length + 1, m.limits));
    touch(xs);
    xs.push(s[b + 1]);
    return undefined;
  }],
  ['pop', (_m, _t, s, b) => {
    const xs = list(s[b], 'the argument of pop');
    if (xs.length === 0) throw new AriaError('index-out-of-range', 'pop from an empty list');
    touch(xs);
    return xs.pop();
  }],
  ['range', (m, _t, s, b) => {
    const lo = int(s[b], 'the start of range');
    const hi = int(s[b + 1], 'the end of range');
    if (hi - lo > m.limits.maxListLength) limitFailure(listLimitProblem(hi - lo, m.limits, `range(${lo}, ${hi})`));
    const out: Value[] = [];
    for (let i = lo; i < hi; i++) out.push(i);
    return out;
  }],
  ['str', (m, _t, s, b) => {
    const text = show(s[b]);
    if (text.length > m.limits.maxStringLength) limitFailure(stringLimitProblem(text.length, m.limits));
    return text;
  }],
  ['int', (_m, _t, s, b) => {
    const v = s[b];
    if (typeof v === 'number') return v;
    if (v instanceof FloatVal) return Math.trunc(v.value);
    if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
    throw new AriaError('type-error', `int cannot convert ${typeName(v)} ${show(v, true)}`);
  }],
  ['abs', (_m, _t, s, b) => {
    const v = s[b];
    if (typeof v === 'number') return Math.abs(v);
    if (v instanceof FloatVal) return new FloatVal(Math.abs(v.value));
    throw new AriaError('type-error', `abs takes a number, not ${typeName(v)}`);
  }],
  ['min', (_m, _t, s, b) => (compare(s[b], s[b + 1]) <= 0 ? s[b] : s[b + 1])],
  ['max', (_m, _t, s, b) => (compare(s[b], s[b + 1]) >= 0 ? s[b] : s[b + 1])],
  ['sum', (_m, _t, s, b) => {
    let total = 0;
    let float = false;
    for (const x of list(s[b], 'the argument of sum')) {
      const n = numberOf(x);
      if (n === undefined) throw new AriaError('type-error', `sum takes a list of numbers, found ${typeName(x)}`);
      if (x instanceof FloatVal) float = true;
      total += n;
    }
    return float ? new FloatVal(total) : total;
  }],
  ['contains', (_m, _t, s, b) => {
    const hay = s[b];
    if (typeof hay === 'string') return typeof s[b + 1] === 'string' && hay.includes(s[b + 1] as string);
    return list(hay, 'the first argument of contains').some(x => equals(x, s[b + 1]));
  }],
  ['panic', (_m, _t, s, b) => {
    throw new AriaError('panic', show(s[b]));
  }],
  ['assert', (_m, _t, s, b, n) => {
    const cond = s[b];
    if (cond === true) return undefined;
    if (cond !== false) throw new AriaError('type-error', `assert takes a Bool condition, not ${typeName(cond)}`);
    throw new AriaError('assertion', n > 1 && s[b + 1] !== undefined ? show(s[b + 1]) : 'assertion failed');
  }],
  ['assert_eq', (_m, _t, s, b) => {
    if (equals(s[b], s[b + 1])) return undefined;
    throw new AriaError('assertion', `assert_eq failed: left ${show(s[b], true)}, right ${show(s[b + 1], true)}`);
  }],
  ['fail', (_m, _t, s, b) => {
    throw new AriaError('assertion', show(s[b]));
  }],
  // Built-in handlers: `with` gives them their meaning.
  ['handler:Async.default', () => new BuiltinHandlerVal('Async.default', { role: 'runtime', flavor: 'multi', workers: CPU_COUNT })],
  ['handler:Runtime.multi_threaded', (_m, _t, s, b) => new BuiltinHandlerVal('Runtime.multi_threaded', {
    role: 'runtime', flavor: 'multi', workers: s[b] === undefined ? CPU_COUNT : positive(s[b], 'workers'),
  })],
  ['handler:Async.single_threaded', () => new BuiltinHandlerVal('Async.single_threaded', { role: 'runtime', flavor: 'single', workers: 1 })],
  ['handler:Async.configure', (_m, _t, s, b) => new BuiltinHandlerVal('Async.configure', {
    role: 'runtime', flavor: 'multi',
    workers: s[b] === undefined ? CPU_COUNT : positive(s[b], 'workers'),
    blockingThreads: s[b + 1] === undefined ? undefined : positive(s[b + 1], 'blocking_threads'),
    timerResolution: s[b + 2] === undefined ? 1 : Math.max(1, durationMs(s[b + 2], 'timer_resolution')),
  })],
  ['handler:Async.wasm', () => new BuiltinHandlerVal('Async.wasm', { role: 'runtime', flavor: 'wasm', workers: 1 })],
  ['handler:Cancel.timeout', (_m, _t, s, b) => new BuiltinHandlerVal('Cancel.timeout', { role: 'cancel-timeout', duration: durationMs(s[b]) })],
  ['handler:Async.scope', () => new BuiltinHandlerVal('Async.scope', { role: 'scope' })],
];

function positive(v: Value, what: string): number {
  const n = int(v, what);
  if (n < 1) throw new AriaError('type-error', `${what} must be at least 1, not ${n}`);
  return n;
}

function tasksOf(v: Value): TaskVal[] {
  const xs = list(v, 'the argument of race');
  if (xs.length === 0) throw new AriaError('type-error', 'race needs at least one task');
  return xs.map(x => {
    if (x instanceof TaskVal) return x;
    throw new AriaError('type-error', `race takes a list of tasks, found ${typeName(x)}`);
  });
}

/** The natives in id order. */
export const NATIVES: readonly Native[] = natives.map(([, f]) => f);
export const NATIVE_NAMES: readonly string[] = natives.map(([name]) => name);
export const NATIVE_IDS: ReadonlyMap<string, number> = new Map(natives.map(([name], i) => [name, i]));

/** Parameter names, for named arguments: from the shared built-ins table. */
export const NATIVE_PARAMS: ReadonlyMap<string, readonly string[]> = new Map([
  ...BUILTIN_FUNCTIONS.map(f => [f.name, f.params] as const),
  ...BUILTIN_HANDLERS.map(h => [`handler:${h.name}`, h.params ?? []] as const),
]);

/** Built-ins whose implementation is Aria code in the prelude (they call closures that may suspend). */
export const PRELUDE_SOURCE = `
enum Option[T] {
  Some(value: T)
  None
}

enum Result[T, E] {
  Ok(value: T)
  Err(error: E)
}

fn map(list, f)
  out = []
  for x in list
    push(out, f(x))
  end
  out
end

fn each(list, f)
  for x in list
    f(x)
  end
end

fn filter(list, f)
  out = []
  for x in list
    if f(x)
      push(out, x)
    end
  end
  out
end

fn fold(list, init, f)
  acc = init
  for x in list
    acc = f(acc, x)
  end
  acc
end

fn join(tasks)
  out = []
  for task in tasks
    push(out, task.await)
  end
  out
end
`;

/** For the checker's sake every built-in function the table names is native or in the prelude. */
export function missingBuiltins(): string[] {
  const prelude = new Set(['map', 'each', 'filter', 'fold', 'join']);
  return BUILTIN_FUNCTIONS.map(f => f.name).filter(n => !NATIVE_IDS.has(n) && !prelude.has(n));
}

export { compare as compareValues };
export type { StructVal };
