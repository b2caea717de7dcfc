// Keeps the server's heap from growing to hold the garbage of bulk work: V8 keeps the pages its heap once grew to.

/**
 * A full garbage collection now, where the process allows it (started with `--expose-gc`, as the extension starts
 * the server: `execArgv` in client/server-controller.ts); else nothing. For the end of a batch of bulk work, such as
 * the start-up check: collecting there keeps the heap's high-water mark, which is what the process keeps in memory
 * afterwards, near what is live, at the cost of a few milliseconds per batch. (Setting the flag after start with
 * `v8.setFlagsFromString` is what Node's documentation warns against.)
 */
export function collectGarbage(): void {
  const gc: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof gc === 'function') (gc as () => void)();
}
