// The seeded random generator (xoshiro128**, seeded by splitmix32) behind every scheduling choice of a run.

/**
 * The seed of a run that names none: `aria run` without `--seed` and a debug launch without `"seed"` alike, so a run
 * seen in the terminal replays in the debugger.
 */
export const DEFAULT_SEED = 1;

/** The largest seed: seeds are whole numbers from 0 to 2^32 - 1. */
export const MAX_SEED = 0xffffffff;

/**
 * A small, fast, seedable generator. Its whole state is four 32-bit words in a plain array, so a
 * checkpoint copies it like any other data and a restored run draws the same numbers again.
 */
export class Prng {
  /** xoshiro128** state; never all zero. */
  s: number[];

  constructor(seed: number = DEFAULT_SEED) {
    let x = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads a single seed word over the four state words.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = [next(), next(), next(), next()];
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = (s2 ^ s0) >>> 0;
    const n3 = (s3 ^ s1) >>> 0;
    s[1] = (s1 ^ n2) >>> 0;
    s[0] = (s0 ^ n3) >>> 0;
    s[2] = (n2 ^ t) >>> 0;
    s[3] = rotl(n3, 11);
    return result;
  }

  /** An integer in `0..n` (exclusive), without modulo bias. */
  below(n: number): number {
    if (n <= 1) return 0;
    if (n > 0x1_0000_0000) return Math.floor(this.float() * n);
    // Rejection sampling over the largest multiple of n below 2^32.
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const r = this.nextU32();
      if (r < limit) return r % n;
    }
  }

  /** A float in [0, 1). */
  float(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** Shuffles `xs` in place (Fisher-Yates). */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = xs[i]!;
      xs[i] = xs[j]!;
      xs[j] = tmp;
    }
    return xs;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
