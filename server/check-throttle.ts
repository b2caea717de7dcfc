// When a changed file's next check may start: at once after a quiet spell, else spaced by twice the last check's time.

/**
 * A change after a quiet spell is checked at once; changes that come close together are gathered. Between the
 * starts of two checks of a file there are at least twice the time the last one took, and never more than the
 * debounce setting: checks then take at most about half the time while someone types, so the server stays free
 * for completion and hovers, and a small file is checked at every keystroke while a huge one is checked as often
 * as it can afford. The clock is injected (milliseconds), so tests drive it.
 */
export class CheckThrottle {
  /** When each file's last check started and how long it took. */
  private readonly last = new Map<string, { readonly at: number; readonly took: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Milliseconds to wait before checking `key` (0: now), given the debounce setting `maxMs`. */
  delay(key: string, maxMs: number): number {
    const last = this.last.get(key);
    if (!last) return 0;
    const window = Math.min(maxMs, 2 * last.took);
    const since = this.now() - last.at;
    return since >= window ? 0 : window - since;
  }

  /** Runs a check of `key` and remembers when it started and how long it took. */
  check<T>(key: string, run: () => T): T {
    const at = this.now();
    const result = run();
    this.last.set(key, { at, took: this.now() - at });
    return result;
  }

  /** Forgets `key` (its file left). */
  forget(key: string): void {
    this.last.delete(key);
  }
}
