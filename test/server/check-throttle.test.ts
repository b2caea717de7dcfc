// The diagnostics throttle on an injected clock: when the next check of a changed file may start.
import { describe, expect, test } from 'vitest';
import { CheckThrottle } from '../../server/check-throttle.js';

/** A throttle whose clock is `clock.ms`, and a check that takes `ms` of that clock. */
function setup(): { throttle: CheckThrottle; clock: { ms: number }; checkTaking: (key: string, ms: number) => void } {
  const clock = { ms: 1_000 };
  const throttle = new CheckThrottle(() => clock.ms);
  return { throttle, clock, checkTaking: (key, ms) => throttle.check(key, () => { clock.ms += ms; }) };
}

describe('CheckThrottle', () => {
  test('a file never checked is checked at once', () => {
    expect(setup().throttle.delay('a', 1500)).toBe(0);
  });

  test('right after a check, the next waits twice the time the last one took, counted from its start', () => {
    const { throttle, clock, checkTaking } = setup();
    checkTaking('a', 40);
    expect(throttle.delay('a', 1500)).toBe(40); // 80 ms from the start; 40 have passed
    clock.ms += 30;
    expect(throttle.delay('a', 1500)).toBe(10);
  });

  test('never more than the debounce setting, however long the last check took', () => {
    const { throttle, checkTaking } = setup();
    checkTaking('a', 2_000);
    // A fixed window of 2 × 2 s would hold the next check back 2 s more; the setting caps it (already passed).
    expect(throttle.delay('a', 1500)).toBe(0);
    checkTaking('a', 1_000);
    expect(throttle.delay('a', 1500)).toBe(500);
  });

  test('after a pause as long as the window, a change is checked at once', () => {
    const { throttle, clock, checkTaking } = setup();
    checkTaking('a', 100);
    clock.ms += 100;
    expect(throttle.delay('a', 1500)).toBe(0);
  });

  test('files are throttled apart, and a forgotten file starts afresh', () => {
    const { throttle, checkTaking } = setup();
    checkTaking('a', 100);
    expect(throttle.delay('b', 1500)).toBe(0);
    expect(throttle.delay('a', 1500)).toBe(100);
    throttle.forget('a');
    expect(throttle.delay('a', 1500)).toBe(0);
  });
});
