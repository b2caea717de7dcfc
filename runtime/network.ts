// The machine's simulated network: a listener whose connections arrive on the virtual clock.
import { AriaError, RETRY, type NativeResult } from './natives.js';
import type { Task } from './task.js';
import { touch } from './heap-stamp.js';
import { ConnVal, typeName, type Value } from './values.js';
import { Channels } from './channels.js';

/** The simulated listener: connections come from the host (`Host.connection`) on timers; `accept` waits for one. */
export abstract class Network extends Channels {
  accept(t: Task): NativeResult {
    const s = this.s;
    const conn = s.arrived.shift();
    if (conn) {
      if (!this.consumeBudget(t)) {
        s.arrived.unshift(conn);
        return RETRY;
      }
      return conn;
    }
    s.acceptors.push(t.id);
    this.scheduleNextConnection();
    return this.block(t, { kind: 'accept' });
  }

  protected scheduleNextConnection(): void {
    const s = this.s;
    if (s.connectionPending) return;
    const index = s.connectionsMade;
    const spec = this.host.connection ? this.host.connection(index) : { request: `GET /${index}`, delayMs: 1 };
    if (!spec) return;
    s.connectionsMade++;
    s.connectionPending = true;
    const conn = new ConnVal(index, spec.request);
    this.setTimer(this.nowMs() + Math.max(0, spec.delayMs ?? 1), { kind: 'connection', conn }, 0, 'connection');
  }

  protected deliverConnection(conn: ConnVal): void {
    const s = this.s;
    while (s.acceptors.length > 0) {
      const t = s.tasks[s.acceptors.shift()!]!;
      if (t.state === 'blocked' && t.wait?.kind === 'accept') {
        this.wake(t, conn);
        if (s.acceptors.length > 0) this.scheduleNextConnection();
        return;
      }
    }
    s.arrived.push(conn);
  }

  connRead(t: Task, conn: Value): NativeResult {
    if (!(conn instanceof ConnVal)) throw new AriaError('type-error', `read needs a connection, not ${typeName(conn)}`);
    if (!this.consumeBudget(t)) return RETRY;
    return conn.request;
  }

  connWrite(t: Task, conn: Value, data: string): NativeResult {
    if (!(conn instanceof ConnVal)) throw new AriaError('type-error', `write needs a connection, not ${typeName(conn)}`);
    if (!this.consumeBudget(t)) return RETRY;
    touch(conn);
    conn.written.push(data);
    const n = this.s.outputs++;
    if (n >= this.seen.outputs) {
      this.seen.outputs = n + 1;
      this.host.onConnectionWrite?.(conn.id, data);
    }
    return undefined;
  }

}
