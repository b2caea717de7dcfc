// The built-in effects, handlers, functions and constructors of Aria: one table shared by the checker, the server and the interpreter.

/** The effects every program knows without declaring them. */
export const BUILTIN_EFFECTS = ['Async', 'IO', 'Cancel', 'Blocking'] as const;
export type BuiltinEffect = (typeof BUILTIN_EFFECTS)[number];

export interface BuiltinEffectInfo {
  readonly name: BuiltinEffect;
  readonly doc: string;
  /** Operations callable as `Effect.op(...)`. */
  readonly ops: readonly BuiltinFunction[];
}

export interface BuiltinFunction {
  readonly name: string;
  /** Parameter names in order; a trailing `...rest` means any number of further arguments. */
  readonly params: readonly string[];
  /** How many leading parameters are required. */
  readonly required: number;
  /** Effects the call performs itself. */
  readonly effects: readonly BuiltinEffect[];
  /**
   * Indices of parameters taking a function that the built-in calls: their latent effects are performed by
   * the call (effect polymorphism: `each(xs, |x| print(x))` performs IO).
   */
  readonly callsArgs?: readonly number[];
  /** Effects removed from the latent effects of the called arguments (`spawn_blocking` discharges Blocking). */
  readonly discharges?: readonly BuiltinEffect[];
  /** A signature for hovers and completion. */
  readonly signature: string;
  readonly doc: string;
}

/** A built-in handler usable as `with H ... end`. */
export interface BuiltinHandler {
  /** How it is written: `Async.default`, `Cancel.timeout`, ... */
  readonly name: string;
  readonly discharges: readonly BuiltinEffect[];
  /** Parameter names when it is called (`Cancel.timeout(d)`); absent when written without a call. */
  readonly params?: readonly string[];
  readonly required?: number;
  /** What the interpreter sets up. */
  readonly role: 'runtime' | 'cancel-timeout' | 'scope';
  /** For runtime handlers: the scheduler flavour. */
  readonly flavor?: 'multi' | 'single' | 'wasm';
  /** `with Async.scope |s|` binds a scope. */
  readonly binds?: boolean;
  readonly signature: string;
  readonly doc: string;
}

function fn(
  name: string,
  params: readonly string[],
  effects: readonly BuiltinEffect[],
  signature: string,
  doc: string,
  extra: Partial<Pick<BuiltinFunction, 'callsArgs' | 'discharges' | 'required'>> = {},
): BuiltinFunction {
  const required = extra.required ?? params.filter(p => !p.startsWith('...')).length;
  return { name, params, required, effects, signature, doc, callsArgs: extra.callsArgs, discharges: extra.discharges };
}

export const BUILTIN_EFFECT_INFO: Readonly<Record<BuiltinEffect, BuiltinEffectInfo>> = {
  Async: {
    name: 'Async',
    doc: 'Suspension: spawning tasks, awaiting them, sleeping, channels. Provided by a runtime handler (the top level runs under the default runtime).',
    ops: [],
  },
  IO: {
    name: 'IO',
    doc: 'Input and output through the (simulated) I/O driver: `print`, `accept`, `read`, `write`. Provided at the top level.',
    ops: [],
  },
  Cancel: {
    name: 'Cancel',
    doc: 'Cooperative cancellation. Handled by `with Cancel.timeout(d)`; `Cancel.check()` is a cancellation point.',
    ops: [
      fn('check', [], ['Cancel'], 'Cancel.check() -> Unit', 'Fails the task with `cancelled` if its cancellation token has been cancelled.'),
      fn('token', [], ['Cancel'], 'Cancel.token() -> CancellationToken', 'The cancellation token of the current task.'),
    ],
  },
  Blocking: {
    name: 'Blocking',
    doc: 'A call that blocks an OS thread. In `Async` code, run it through `spawn_blocking` so no worker stalls.',
    ops: [],
  },
};

export const BUILTIN_FUNCTIONS: readonly BuiltinFunction[] = [
  fn('print', ['...values'], ['IO'], 'print(values...) -> Unit', 'Writes the values, separated by spaces, and a line break.'),
  fn('sleep', ['duration'], ['Async'], 'sleep(duration: Duration) -> Unit', 'Suspends the task for `duration` of virtual time.'),
  fn('yield_now', [], ['Async'], 'yield_now() -> Unit', 'Lets other tasks run before this one continues.'),
  fn('spawn_blocking', ['f'], ['Async'], 'spawn_blocking[T](f: () -> {Blocking | e} T) -> Task[T]',
    'Runs `f` on the blocking pool and returns its task. The `Blocking` effect of `f` is discharged.',
    { callsArgs: [0], discharges: ['Blocking'] }),
  fn('thread_sleep', ['duration'], ['Blocking'], 'thread_sleep(duration: Duration) -> Unit', 'Blocks the OS thread for `duration` (a worker, if called on one).'),
  fn('read_file', ['path'], ['Blocking', 'IO'], 'read_file(path: String) -> String', 'Reads a file (simulated, deterministic), blocking the thread.'),
  fn('channel', ['capacity'], [], 'channel[T](capacity: Int) -> Channel[T]', 'A bounded channel holding at most `capacity` values.'),
  fn('send', ['channel', 'value'], ['Async'], 'send[T](channel: Channel[T], value: T) -> Unit', 'Sends a value; waits while the channel is full.'),
  fn('recv', ['channel'], ['Async'], 'recv[T](channel: Channel[T]) -> Option[T]', 'Receives the next value as `Some(value)`; waits while the channel is empty; `None` once it is closed and empty.'),
  fn('close', ['channel'], [], 'close[T](channel: Channel[T]) -> Unit', 'Closes the channel: receivers drain it, then get `None`.'),
  fn('join', ['tasks'], ['Async'], 'join[T](tasks: List[Task[T]]) -> List[T]', 'Awaits every task and returns their results in order.'),
  fn('race', ['tasks'], ['Async'], 'race[T](tasks: List[Task[T]]) -> T', 'The result of the first task to finish; the others are cancelled.'),
  fn('select', ['tasks'], ['Async'], 'select[T](tasks: List[Task[T]]) -> T', 'The same as `race`.'),
  fn('timeout', ['duration', 'f'], ['Async'], 'timeout[T](duration: Duration, f: () -> {Async | e} T) -> Result',
    '`Ok(value)` if `f()` finishes within `duration`, else `Err("timeout")` (its task is cancelled).', { callsArgs: [1] }),
  fn('cancel', ['token'], [], 'cancel(token: CancellationToken) -> Unit', 'Cancels the token and the tokens of every task under it.'),
  fn('is_cancelled', ['token'], [], 'is_cancelled(token: CancellationToken) -> Bool', 'Whether the token has been cancelled.'),
  fn('accept', [], ['Async', 'IO'], 'accept() -> Connection', 'Waits for the next connection of the simulated listener.'),
  fn('read', ['conn'], ['Async', 'IO'], 'read(conn: Connection) -> String', 'Reads a request from a simulated connection.'),
  fn('write', ['conn', 'data'], ['Async', 'IO'], 'write(conn: Connection, data: String) -> Unit', 'Writes a response to a simulated connection.'),
  fn('now', [], ['Async'], 'now() -> Int', 'The virtual clock, in milliseconds since the run started.'),
  fn('random', ['n'], ['IO'], 'random(n: Int) -> Int', 'A number in `0..n` from the run\'s seeded generator.'),
  fn('len', ['value'], [], 'len(value) -> Int', 'The length of a list or a string.'),
  fn('push', ['list', 'value'], [], 'push[T](list: List[T], value: T) -> Unit', 'Appends a value to a list.'),
  fn('pop', ['list'], [], 'pop[T](list: List[T]) -> T', 'Removes and returns the last element of a list.'),
  fn('range', ['start', 'end'], [], 'range(start: Int, end: Int) -> List[Int]', 'The integers from `start` up to, not including, `end`.'),
  fn('str', ['value'], [], 'str(value) -> String', 'The text of a value.'),
  fn('int', ['value'], [], 'int(value) -> Int', 'An integer from a float (truncated) or a string.'),
  fn('abs', ['n'], [], 'abs(n) -> Int', 'The absolute value.'),
  fn('min', ['a', 'b'], [], 'min(a, b)', 'The smaller of two values.'),
  fn('max', ['a', 'b'], [], 'max(a, b)', 'The larger of two values.'),
  fn('sum', ['list'], [], 'sum(list: List[Int]) -> Int', 'The sum of a list of numbers.'),
  fn('contains', ['list', 'value'], [], 'contains[T](list: List[T], value: T) -> Bool', 'Whether the list holds the value.'),
  fn('map', ['list', 'f'], [], 'map[T, U](list: List[T], f: (T) -> {e} U) -> <e> List[U]', 'Applies `f` to every element.', { callsArgs: [1] }),
  fn('each', ['list', 'f'], [], 'each[T](list: List[T], f: (T) -> {e} Unit) -> <e> Unit', 'Calls `f` on every element.', { callsArgs: [1] }),
  fn('filter', ['list', 'f'], [], 'filter[T](list: List[T], f: (T) -> {e} Bool) -> <e> List[T]', 'The elements for which `f` is true.', { callsArgs: [1] }),
  fn('fold', ['list', 'init', 'f'], [], 'fold[T, A](list: List[T], init: A, f: (A, T) -> {e} A) -> <e> A', 'Combines the elements from the left.', { callsArgs: [2] }),
  fn('panic', ['message'], [], 'panic(message: String) -> Never', 'Fails the current task with `message`.'),
  fn('assert', ['condition', 'message'], [], 'assert(condition: Bool, message: String = "assertion failed") -> Unit', 'Fails the task when the condition is false.', { required: 1 }),
  fn('assert_eq', ['actual', 'expected'], [], 'assert_eq[T](actual: T, expected: T) -> Unit', 'Fails the task when the two values differ (as `==` compares them), showing both.'),
  fn('fail', ['message'], [], 'fail(message: String) -> Never', 'Fails the current task with `message` (in a test: the test fails).'),
];

/**
 * The static types of the built-in functions, as Aria signatures (lowered and read by the type checker). The
 * functions missing here take several types (`print` any number of any values, `len` a List or a String, ...):
 * the checker types their calls itself.
 */
export const BUILTIN_FUNCTION_TYPES: Readonly<Record<string, string>> = {
  sleep: 'sleep(duration: Duration) -> {Async} Unit',
  yield_now: 'yield_now() -> {Async} Unit',
  spawn_blocking: 'spawn_blocking[T](f: () -> {Blocking | e} T) -> {Async | e} Task[T]',
  thread_sleep: 'thread_sleep(duration: Duration) -> {Blocking} Unit',
  read_file: 'read_file(path: String) -> {Blocking, IO} String',
  channel: 'channel[T](capacity: Int) -> {} Channel[T]',
  send: 'send[T](channel: Channel[T], value: T) -> {Async} Unit',
  recv: 'recv[T](channel: Channel[T]) -> {Async} Option[T]',
  close: 'close[T](channel: Channel[T]) -> {} Unit',
  join: 'join[T](tasks: List[Task[T]]) -> {Async} List[T]',
  race: 'race[T](tasks: List[Task[T]]) -> {Async} T',
  select: 'select[T](tasks: List[Task[T]]) -> {Async} T',
  timeout: 'timeout[T](duration: Duration, f: () -> {Async | e} T) -> {Async | e} Result[T, String]',
  is_cancelled: 'is_cancelled(token: CancellationToken) -> {} Bool',
  accept: 'accept() -> {Async, IO} Connection',
  read: 'read(conn: Connection) -> {Async, IO} String',
  write: 'write[T](conn: Connection, data: T) -> {Async, IO} Unit',
  now: 'now() -> {Async} Int',
  random: 'random(n: Int) -> {IO} Int',
  push: 'push[T](list: List[T], value: T) -> {} Unit',
  pop: 'pop[T](list: List[T]) -> {} T',
  range: 'range(start: Int, end: Int) -> {} List[Int]',
  map: 'map[T, U](list: List[T], f: (T) -> {e} U) -> {e} List[U]',
  each: 'each[T](list: List[T], f: (T) -> {e} Unit) -> {e} Unit',
  filter: 'filter[T](list: List[T], f: (T) -> {e} Bool) -> {e} List[T]',
  fold: 'fold[T, A](list: List[T], init: A, f: (A, T) -> {e} A) -> {e} A',
  panic: 'panic[T](message: String) -> {} T',
  assert: 'assert(condition: Bool, message: String = "assertion failed") -> {} Unit',
  assert_eq: 'assert_eq[T](actual: T, expected: T) -> {} Unit',
  fail: 'fail[T](message: String) -> {} T',
};

/** The built-in signatures as one Aria text, for the type checker to parse and lower. */
export function builtinSignaturesSource(): string {
  return Object.values(BUILTIN_FUNCTION_TYPES).map(sig => `fn ${sig}\nend\n`).join('');
}

/** Constructors that need no `struct` declaration. */
export const BUILTIN_CONSTRUCTORS: readonly { readonly name: string; readonly arity: number; readonly doc: string }[] = [
  { name: 'Ok', arity: 1, doc: 'A successful result.' },
  { name: 'Err', arity: 1, doc: 'A failed result.' },
  { name: 'Some', arity: 1, doc: 'A present optional value.' },
  { name: 'None', arity: 0, doc: 'An absent optional value.' },
];

export const BUILTIN_HANDLERS: readonly BuiltinHandler[] = [
  { name: 'Async.default', discharges: ['Async'], role: 'runtime', flavor: 'multi', signature: 'Async.default',
    doc: 'The multi-threaded work-stealing runtime with `CPU.count` workers.' },
  { name: 'Runtime.multi_threaded', discharges: ['Async'], role: 'runtime', flavor: 'multi', params: ['workers'], required: 0,
    signature: 'Runtime.multi_threaded(workers: Int = CPU.count)', doc: 'The multi-threaded work-stealing runtime with `workers` workers.' },
  { name: 'Async.single_threaded', discharges: ['Async'], role: 'runtime', flavor: 'single', signature: 'Async.single_threaded',
    doc: 'One worker, like Tokio\'s current-thread runtime.' },
  { name: 'Async.configure', discharges: ['Async'], role: 'runtime', flavor: 'multi', params: ['workers', 'blocking_threads', 'timer_resolution'], required: 0,
    signature: 'Async.configure(workers: Int, blocking_threads: Int, timer_resolution: Duration)', doc: 'A tuned multi-threaded runtime.' },
  { name: 'Async.wasm', discharges: ['Async'], role: 'runtime', flavor: 'wasm', signature: 'Async.wasm',
    doc: 'A single-threaded event loop with no blocking pool, as in a browser.' },
  { name: 'Cancel.timeout', discharges: ['Cancel'], role: 'cancel-timeout', params: ['duration'], required: 1,
    signature: 'Cancel.timeout(duration: Duration)', doc: 'Runs the block with a cancellation token that is cancelled after `duration`.' },
  { name: 'Async.scope', discharges: [], role: 'scope', binds: true, signature: 'Async.scope |scope|',
    doc: 'A structured scope: waits for every task spawned into it and cancels the rest when one fails.' },
];

/** Built-in constants written as member access. */
export const BUILTIN_CONSTANTS: readonly { readonly name: string; readonly value: number; readonly doc: string }[] = [
  { name: 'CPU.count', value: 4, doc: 'The simulated machine\'s number of cores (the default worker count).' },
];

/** Duration units: `5.seconds` is 5000 (milliseconds of virtual time). */
export const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1, millis: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  minute: 60_000, minutes: 60_000,
};

const functionsByName = new Map(BUILTIN_FUNCTIONS.map(f => [f.name, f]));
const handlersByName = new Map(BUILTIN_HANDLERS.map(h => [h.name, h]));

export function builtinFunction(name: string): BuiltinFunction | undefined {
  return functionsByName.get(name);
}

export function builtinHandler(qualifiedName: string): BuiltinHandler | undefined {
  return handlersByName.get(qualifiedName);
}

export function isBuiltinEffect(name: string): name is BuiltinEffect {
  return (BUILTIN_EFFECTS as readonly string[]).includes(name);
}
