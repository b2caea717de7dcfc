// Keeps the server's heap from growing to hold the garbage of bulk work: V8 keeps the pages its heap once grew to.
import { setFlagsFromString } from 'node:v8';

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

/**
 * How far V8 lets the old generation grow past what the last full collection left, in percent, for the server
 * process. V8's own factor goes up to 4 for a small heap collected fast: typing in a 10,000-line file left 37 MB live
 * in an old generation of 100 MB and more, which V8 kept. At 20% the old generation stays near what is live (85
 * against 113 MB committed after 200 edits), at no measurable cost per edit (the collector's marking runs
 * concurrently).
 */
export const HEAP_GROWING_PERCENT = 20;

/**
 * Sets the server process's heap growing factor (`--heap-growing-percent`) unless its command line set one. V8 reads
 * this flag at each full collection, so setting it once the process runs takes effect (unlike the sizes of the young
 * generation, which are fixed when the heap is made: the extension passes `--max-semi-space-size` in `execArgv`).
 * For the process entry points only (`server/main.ts`, `aria lsp`), never for a server started inside another
 * program or a test.
 */
export function tuneServerHeap(argv: readonly string[] = process.execArgv): void {
  if (argv.some(a => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/**
 * Node's flags for the language server process. `--expose-gc`: the server collects garbage after each batch of its
 * start-up check (`collectGarbage`). `--max-semi-space-size=4`: a young generation of at most 8 MB instead of 32;
 * V8 keeps the young generation at the largest size it reached, and typing grows it there (about 20 MB less
 * resident, no measurable cost per edit; docs/server.md, "Memory"). It can only be given at start;
 * `aria lsp` runs without these (`tuneServerHeap` is what it gets).
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--expose-gc', '--max-semi-space-size=4'];
