// Lints over a run's tasks, as tokio-console warns: long polls, tasks that never yield, self-wakes, waits nothing
// can complete, failures nobody awaits. Computed from the machine's state, so the debugger and `--stats` agree.
import type { MachineState } from './machine-core.js';
import { describeWait } from './task.js';

/** A poll at least this long (virtual µs: statements × `statementUs`) holds its worker too long without a yield. */
export const LONG_POLL_US = 1_000;
/** Self-wakes count when a task has been woken at least this often and more than half of the wakes were its own. */
export const SELF_WAKE_MIN_WAKES = 2;

export type LintKind = 'long-poll' | 'never-yields' | 'self-wakes' | 'blocked-forever' | 'unawaited-failure';

export interface Lint {
  readonly kind: LintKind;
  readonly task: number;
  readonly name: string;
  readonly message: string;
}

const ms = (us: number) => `${(us / 1000).toFixed(3)} ms`;

/** Every lint of the run so far, by task id then kind. */
export function computeLints(s: MachineState): Lint[] {
  const out: Lint[] = [];
  const dead = new Set(s.reportedDead);
  const unobserved = new Set(s.unobserved);
  for (const t of s.tasks) {
    if (!t) continue;
    const add = (kind: LintKind, message: string) => out.push({ kind, task: t.id, name: t.name, message });
    if (t.polls === 1 && t.busyUs >= LONG_POLL_US) {
      add('never-yields', `never yielded: ${t.done ? 'it ran' : 'it has run'} ${ms(t.busyUs)} in its one poll`);
    } else if (t.maxPollUs >= LONG_POLL_US) {
      add('long-poll', `a poll ran ${ms(t.maxPollUs)} without a yield (of ${t.polls} polls)`);
    }
    if (t.wakes >= SELF_WAKE_MIN_WAKES && t.selfWakes * 2 > t.wakes) {
      add('self-wakes', `woke itself ${t.selfWakes} of ${t.wakes} times (yield_now or a spent budget)`);
    }
    if (dead.has(t.id)) {
      add('blocked-forever', t.wait && !t.done
        ? `waits on ${describeWait(t.wait)}, which nothing that can run will release`
        : 'waited on what nothing that could run would release, until the run ended');
    }
    if (unobserved.has(t.id) && t.failure) add('unawaited-failure', `failed and nobody awaited it: ${t.failure.message}`);
  }
  return out;
}
