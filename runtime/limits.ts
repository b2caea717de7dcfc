// Resource limits of a run: list length, string length and heap, each turned into an Aria failure before V8 gives up.
import { getHeapStatistics } from 'node:v8';

/**
 * What one run may use. Past a limit, the statement that went past it fails with a `resource-limit` failure and
 * the task's Aria stack, as any other failure: without them `range(0, 1000000000)` or `loop push(xs, 1) end`
 * ended the process with a V8 fatal error, and `s = s + s` in a loop with an internal RangeError.
 */
export interface RuntimeLimits {
  /** Elements of one list. */
  readonly maxListLength: number;
  /** UTF-16 code units of one string. */
  readonly maxStringLength: number;
  /** The JavaScript heap the process may use while the program runs, in bytes (measured, see HeapMeter). */
  readonly maxHeapBytes: number;
}

/** 10 million elements (80 MB of Ints). */
export const DEFAULT_MAX_LIST_LENGTH = 10_000_000;
/** 16 Mi code units (16 to 32 MB). */
export const DEFAULT_MAX_STRING_LENGTH = 16 * 1024 * 1024;
/** 1 GiB, or 3/4 of V8's own heap limit when that is smaller. */
export const DEFAULT_MAX_HEAP_BYTES = Math.min(1024 * 1024 * 1024, Math.floor(getHeapStatistics().heap_size_limit * 0.75));

export const DEFAULT_LIMITS: RuntimeLimits = {
  maxListLength: DEFAULT_MAX_LIST_LENGTH,
  maxStringLength: DEFAULT_MAX_STRING_LENGTH,
  maxHeapBytes: DEFAULT_MAX_HEAP_BYTES,
};

/** The limits with `partial`'s fields in place of the defaults (a field of 0 or less, or absent, keeps the default). */
export function limitsWith(partial: Partial<RuntimeLimits> | undefined): RuntimeLimits {
  const pick = (v: number | undefined, d: number) => (typeof v === 'number' && v > 0 ? v : d);
  return {
    maxListLength: pick(partial?.maxListLength, DEFAULT_MAX_LIST_LENGTH),
    maxStringLength: pick(partial?.maxStringLength, DEFAULT_MAX_STRING_LENGTH),
    maxHeapBytes: pick(partial?.maxHeapBytes, DEFAULT_MAX_HEAP_BYTES),
  };
}

const count = (n: number) => n.toLocaleString('en-US');

/** Why a list of `length` elements is over the limit, or undefined. */
export function listLimitProblem(length: number, limits: RuntimeLimits, what = 'a list'): string | undefined {
  if (length > limits.maxListLength) {
    return (`${what} of ${count(length)} elements would pass the limit of ${count(limits.maxListLength)} elements (aria run --max-list-length, "maxListLength" in launch.json)`);
  }
  return undefined;
}

/** Why a string of `length` code units is over the limit, or undefined. */
export function stringLimitProblem(length: number, limits: RuntimeLimits): string | undefined {
  if (length > limits.maxStringLength) {
    return (`a string of ${count(length)} characters would pass the limit of ${count(limits.maxStringLength)} characters (aria run --max-string-length, "maxStringLength" in launch.json)`);
  }
  return undefined;
}

/**
 * For a JS exception V8 throws when a value outgrows what it can hold ("Invalid string length", "Invalid array
 * length"), the message of the Aria failure it becomes; undefined for any other exception. The explicit checks
 * come first; this catches what they do not see (the text of a list too long to print).
 */
export function resourceProblemOf(error: unknown): string | undefined {
  if (error instanceof RangeError && /Invalid (string|array|typed array) length|Array buffer allocation failed/.test(error.message)) {
    return `a value grew past what the runtime can hold (${error.message})`;
  }
  return undefined;
}

/**
 * Measures the heap every so many statements; past the limit, the running statement fails. V8 counts garbage it has
 * not collected yet: over the limit, the meter collects first when the process allows it (`--expose-gc`) and
 * measures again; else it fails only when two measures in a row are over (V8 collects in between as it sees fit),
 * so a program that makes much garbage but keeps little is not failed.
 */
export class HeapMeter {
  private statements = 0;
  private overBefore = false;

  constructor(
    private readonly limit: number,
    private readonly every = 200_000,
    private readonly used: () => number = () => getHeapStatistics().used_heap_size,
    private readonly collect: (() => void) | undefined = exposedGc(),
  ) {}

  /** Counts `n` statements; when a measure finds the heap over the limit, says why (else undefined). */
  tick(n: number): string | undefined {
    this.statements += n;
    if (this.statements < this.every) return undefined;
    this.statements = 0;
    let used = this.used();
    if (used <= this.limit) {
      this.overBefore = false;
      return undefined;
    }
    if (this.collect) {
      this.collect();
      used = this.used();
    } else if (!this.overBefore) {
      this.overBefore = true;
      return undefined;
    }
    if (used <= this.limit) return undefined;
    const mb = (b: number) => `${Math.round(b / (1024 * 1024))} MB`;
    return `the program's memory (${mb(used)}) passed the limit of ${mb(this.limit)} (aria run --max-heap-mb, "maxHeapMb" in launch.json)`;
  }
}

/** V8's `gc`, when the process was started with `--expose-gc`. */
function exposedGc(): (() => void) | undefined {
  const gc: unknown = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as () => void) : undefined;
}
