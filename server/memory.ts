// Keeps the server's heap from growing to hold the garbage of bulk work: V8 keeps the pages its heap once grew to.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | null | undefined;

/**
 * A full garbage collection now, where the runtime allows it (V8's `gc`, exposed for this process on first use);
 * else nothing. For the end of a batch of bulk work, such as the start-up check: collecting there keeps the heap's
 * high-water mark, which is what the process keeps in memory afterwards, near what is live, at the cost of a few
 * milliseconds per batch.
 */
export function collectGarbage(): void {
  if (collector === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collector = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collector = null;
    }
  }
  collector?.();
}
