// The machine's channels: bounded queues between tasks, with waiting senders and receivers.
import { AriaError, RETRY, type NativeResult } from './natives.js';
import type { Task } from './task.js';
import { touch } from './heap-stamp.js';
import { ChannelVal, StructVal, type Value } from './values.js';
import { TaskLifecycle } from './lifecycle.js';

/** Channels: `send` waits while the buffer is full, `recv` while it is empty; `close` wakes every waiter. */
export abstract class Channels extends TaskLifecycle {
  newChannel(capacity: number): ChannelVal {
    const ch = new ChannelVal(this.s.channels.length, capacity);
    this.s.channels.push(ch);
    return ch;
  }

  send(t: Task, ch: ChannelVal, v: Value): NativeResult {
    touch(ch);
    if (ch.closed) throw new AriaError('channel-closed', `send on closed channel #${ch.id}`);
    while (ch.receivers.length > 0) {
      const r = this.s.tasks[ch.receivers.shift()!]!;
      if (r.state === 'blocked' && r.wait?.kind === 'recv') {
        if (!this.consumeBudget(t)) {
          ch.receivers.unshift(r.id);
          return RETRY;
        }
        this.wake(r, new StructVal(this.some, [v]));
        return undefined;
      }
    }
    if (ch.buffer.length < ch.capacity) {
      if (!this.consumeBudget(t)) return RETRY;
      ch.buffer.push(v);
      return undefined;
    }
    ch.senders.push({ task: t.id, value: v });
    return this.block(t, { kind: 'send', channel: ch.id });
  }

  recv(t: Task, ch: ChannelVal): NativeResult {
    touch(ch);
    if (ch.buffer.length > 0) {
      if (!this.consumeBudget(t)) return RETRY;
      const v = ch.buffer.shift()!;
      this.admitSender(ch);
      return new StructVal(this.some, [v]);
    }
    if (ch.closed) return new StructVal(this.none, []);
    ch.receivers.push(t.id);
    return this.block(t, { kind: 'recv', channel: ch.id });
  }

  /** Moves the first waiting sender's value into the freed slot and lets it go on. */
  protected admitSender(ch: ChannelVal): void {
    touch(ch);
    while (ch.senders.length > 0 && ch.buffer.length < ch.capacity) {
      const { task, value } = ch.senders.shift()!;
      const s = this.s.tasks[task]!;
      if (s.state !== 'blocked' || s.wait?.kind !== 'send') continue;
      ch.buffer.push(value);
      this.wake(s, undefined);
    }
  }

  close(_t: Task, ch: ChannelVal): void {
    if (ch.closed) return;
    touch(ch);
    ch.closed = true;
    for (const id of ch.receivers.splice(0)) {
      const r = this.s.tasks[id]!;
      if (r.state === 'blocked' && r.wait?.kind === 'recv') this.wake(r, new StructVal(this.none, []));
    }
    for (const { task } of ch.senders.splice(0)) {
      const s = this.s.tasks[task]!;
      if (s.state === 'blocked' && s.wait?.kind === 'send') {
        this.wakeWithFailure(s, this.failureFor(s, 'channel-closed', `send on closed channel #${ch.id}`));
      }
    }
  }

}
