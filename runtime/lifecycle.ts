// The machine's task lifecycle: spawning, finishing, aborting, waiting and waking, `with` blocks, runtimes.
import type { FnProto } from './bytecode.js';
import { AriaError, RETRY, SUSPEND, YIELDED, type NativeResult } from './natives.js';
import { BlockingThreadState, RuntimeState, runtimeConfig, scheduleFromDriver, scheduleTask } from './scheduler.js';
import { Task, describeWait, type Failure, type Frame, type HandlerNode, type WaitReason } from './task.js';
import type { TimerEntry } from './timer-wheel.js';
import { touch } from './heap-stamp.js';
import {
  BuiltinFnVal, BuiltinHandlerVal, Closure, HandlerVal, ScopeVal, StructVal, TaskVal, isCancelled, show, typeName, type Value,
} from './values.js';
import { MachineCore, NO_VALUE, type TimerPayload, type WithRecord } from './machine-core.js';

/** The message of the cancellation that ends a `Cancel.timeout` block at a suspension. */
export const DEADLINE_PASSED = 'cancelled (the deadline of Cancel.timeout passed)';

/**
 * Tasks from spawn to end: creating them, the end of a task (and what it releases: joiners, scopes, runtimes),
 * aborts, the end of a wait, closing the `with`s a task leaves, and the VM's and natives' task requests.
 */
export abstract class TaskLifecycle extends MachineCore {
  /**
   * Creates a task whose entry frame calls `callee` with `args`. A child inherits the spawner's handlers,
   * and its token hangs below the spawner's current one, so cancelling reaches it.
   */
  protected createTask(parent: Task, callee: Value, args: readonly Value[], scope: ScopeVal | null, handlers: HandlerNode | null,
    siteProto: FnProto, sitePc: number, kind: 'async' | 'blocking', runtime: number): Task {
    const name = taskName(callee);
    const t = new Task(this.newTaskId(), name, kind, parent.id, runtime, scope ? scope.id : -1, this.currentToken(parent, handlers),
      siteProto, sitePc, this.s.us, this.s.steps + this.inFlightSteps);
    let chain = handlers;
    if (chain && hasCancelNode(chain)) chain = { effect: 'Cancel', handler: null, token: t.token, next: chain };
    const p = callee instanceof Closure ? callee.proto : null;
    if (p && args.length >= p.required && args.length <= p.params.length) {
      // The common case: the task starts right in the callee's frame, its stack sized for it.
      const stack: Value[] = new Array(p.locals.length + 6);
      for (let i = 0; i < args.length; i++) stack[i] = args[i];
      for (let i = args.length; i < p.locals.length; i++) stack[i] = null as unknown as Value;
      t.stack = stack;
      t.sp = p.locals.length;
      t.frames.push({ proto: p, pc: 0, base: 0, retSp: 0, closure: callee as Closure, handlers: chain });
    } else {
      // Anything else (a built-in, a constructor, a wrong arity) goes through the entry frame, which calls it.
      t.frames.push({ proto: this.program.entry, pc: 0, base: 0, retSp: 0, closure: null, handlers: chain });
      t.stack.push(callee, ...args);
      t.sp = t.stack.length;
    }
    this.s.tasks[t.id] = t;
    this.s.live.add(t.id);
    t.readyUs = this.nowUs();
    this.s.waits.progressUs = t.readyUs;
    const rt = this.s.runtimes[runtime]!;
    rt.metrics.spawnedTasksCount++;
    if (scope) {
      touch(scope);
      scope.live.push(t.id);
      scope.children.push(t.id);
    }
    if (this.listener) {
      this.event({ kind: 'spawn', task: t.id, name, parent: parent.id, runtime, blocking: kind === 'blocking', site: this.siteText(t.spawnModule, t.spawnSpan) });
    } else {
      this.s.events++; // counted like any other (see emitNow)
    }
    return t;
  }

  spawnFromVm(task: Task, stack: Value[], calleeIdx: number, argc: number, scopeV: Value | null, handlers: HandlerNode | null, at: number): TaskVal {
    let scope: ScopeVal | null = null;
    if (scopeV !== null) {
      if (!(scopeV instanceof ScopeVal)) throw new AriaError('type-error', `\`.spawn\` needs a scope (from \`with Async.scope |s|\`), not ${typeName(scopeV)}`);
      if (scopeV.closed) throw new AriaError('type-error', `scope #${scopeV.id} has already ended`);
      scope = scopeV;
    }
    const frame = task.frames[task.frames.length - 1]!;
    const callee = stack[calleeIdx];
    const args = stack.slice(calleeIdx + 1, calleeIdx + 1 + argc);
    const rt = this.s.runtimes[task.runtime]!;
    const child = this.createTask(task, callee, args, scope, handlers, frame.proto, at, 'async', task.runtime);
    scheduleTask(this, rt, child.id, this.cur, false);
    return new TaskVal(child.id);
  }

  /** Keeps what a failing task held, for the debugger, within `keepEndFrames` tasks (the oldest let go). */
  protected keepEndFrames(t: Task): void {
    const kept = this.s.keptEndFrames;
    t.endFrames = { frames: t.frames, stack: t.stack };
    kept.push(t.id);
    while (kept.length > this.options.keepEndFrames!) this.writable(this.s.tasks[kept.shift()!]!).endFrames = null;
  }

  /** Marks a task finished, releases what waits on it and what it held. */
  protected finish(t: Task, state: 'completed' | 'failed' | 'cancelled', result: Value, failure: Failure | null, reason = ''): void {
    const s = this.s;
    if (t.done) return;
    t.state = state;
    t.result = result;
    t.failure = failure;
    t.wait = null;
    t.endUs = s.us;
    t.endSeq = s.finishSeq++;
    s.live.delete(t.id);
    s.waits.progressUs = this.nowUs();
    if (t.waitTimer) {
      s.wheel.cancel(t.waitTimer as TimerEntry<TimerPayload>);
      t.waitTimer = null;
    }
    this.closeWiths(t);
    const th = t.thread >= 0 ? s.threads[t.thread] : undefined;
    if (th && th.current === t.id && th !== this.cur) {
      th.current = -1;
      if (th.kind === 'blocking') th.idleSinceUs = s.us;
    }
    // A blocking thread polling `t` right now is released by pollEnd.
    if (state !== 'completed' && (this.options.keepEndFrames ?? 0) > 0) this.keepEndFrames(t);
    // Free the task's memory; its result stays.
    t.frames = [];
    t.stack = [];
    t.sp = 0;
    if (state === 'completed') this.event({ kind: 'complete', task: t.id });
    else if (state === 'cancelled') this.event({ kind: 'cancel', task: t.id, reason });
    else this.event({ kind: 'fail', task: t.id, failure: failure! });
    // Wake whoever waits on it.
    if (t.joiners) {
      const joiners = t.joiners;
      t.joiners = null;
      for (const id of joiners) this.resolveJoiner(s.tasks[id]!, t);
    }
    // Scope bookkeeping.
    if (t.scope >= 0) {
      const scope = s.scopes[t.scope]!;
      touch(scope);
      const i = scope.live.indexOf(t.id);
      if (i >= 0) scope.live.splice(i, 1);
      if (state === 'failed' && scope.failedBy === null) {
        scope.failedBy = t.id;
        t.observed = true;
        for (const id of [...scope.live]) this.abort(s.tasks[id]!, `a sibling (task #${t.id}) failed`);
        const owner = s.tasks[scope.owner]!;
        if (owner.state === 'blocked' && owner.wait?.kind !== 'scope') {
          this.wakeWithFailure(owner, this.childFailure(owner, t, 'a task of its scope'));
        }
      }
      if (scope.live.length === 0) {
        const owner = s.tasks[scope.owner]!;
        if (owner.state === 'blocked' && owner.wait?.kind === 'scope' && owner.wait.scope === scope.id) this.wake(owner, NO_VALUE);
      }
    }
    if (state === 'failed' && !t.observed && t.id !== s.mainTask) {
      // Reported at the end unless an awaiter or a scope sees it first.
      s.unobserved.push(t.id);
    }
    if (t.id === s.mainTask) {
      s.done = true;
      if (state !== 'completed') s.failure ??= failure ?? this.failureFor(t, 'cancelled', 'the main task was cancelled');
      this.shutdownAll();
    }
    // A runtime whose owner is gone is shut down.
    for (const rt of s.runtimes) {
      if (!rt.closed && rt.owner === t.id) this.shutdownRuntime(rt, t.id);
    }
  }

  /** Delivers the end of `target` to a task that waited for it (join, race, timeout). */
  protected resolveJoiner(j: Task, target: Task): void {
    const w = j.wait;
    if (j.state !== 'blocked' || !w) return;
    if (w.kind === 'join' && w.task === target.id) {
      this.deliverJoin(j, target, (v) => v);
    } else if (w.kind === 'join-any' && w.tasks.includes(target.id)) {
      this.deliverJoin(j, target, (v) => v);
      for (const other of w.tasks) {
        const o = this.s.tasks[other]!;
        if (other !== target.id && !o.done) this.abort(o, `lost a race to task #${target.id}`);
      }
    } else if (w.kind === 'timeout' && w.task === target.id) {
      this.deliverJoin(j, target, (v) => new StructVal(this.ok, [v]));
    }
  }

  protected deliverJoin(j: Task, target: Task, wrap: (v: Value) => Value): void {
    if (target.state === 'completed') {
      this.wake(j, wrap(target.result));
    } else {
      this.writable(target).observed = true;
      const i = this.s.unobserved.indexOf(target.id);
      if (i >= 0) this.s.unobserved.splice(i, 1);
      this.wakeWithFailure(j, this.childFailure(j, target, `task #${target.id}`));
    }
  }

  /** The failure an awaiter gets from a task that failed or was cancelled. */
  protected childFailure(awaiter: Task, child: Task, what: string): Failure {
    if (child.state === 'cancelled') {
      // A sibling cancelled because a child of its scope failed keeps that failure as its cause: the report names it.
      const scope = child.scope >= 0 ? this.s.scopes[child.scope] : undefined;
      const failed = scope && scope.failedBy !== null && scope.failedBy !== child.id ? this.s.tasks[scope.failedBy] : undefined;
      if (failed?.failure) {
        const root = failed.failure;
        return this.failureFor(awaiter, 'task-failed',
          `awaited ${what} (${child.name}) was cancelled because task #${failed.id} (${failed.name}) of its scope failed: ${root.message}`, root);
      }
      return this.failureFor(awaiter, 'cancelled', `awaited ${what} (${child.name}) was cancelled`);
    }
    const cause = child.failure!;
    return this.failureFor(awaiter, 'task-failed', `${what} (${child.name}) failed: ${cause.message}`, cause);
  }

  /** Requests cancellation: a waiting task ends now, a running one at its next suspension point. */
  abort(t: Task, reason: string): void {
    if (t.done) return;
    t.aborted = true;
    touch(t.token);
    t.token.cancelled = true;
    if (t.state === 'blocked') {
      if (t.kind === 'blocking' && t.thread >= 0) {
        const th = this.s.threads[t.thread]!;
        if (th.current === t.id) {
          th.current = -1;
          if (th.kind === 'blocking') th.idleSinceUs = this.s.us;
        }
      }
      this.abandonWait(t);
      this.finish(t, 'cancelled', undefined, null, reason);
    }
    // Any other task ends at its next suspension point, or (never polled yet) when a worker picks it up.
  }

  /** Undoes the registration of a wait (a channel's queue, a timer, the listener). */
  protected abandonWait(t: Task): void {
    const w = t.wait;
    if (t.waitTimer) {
      this.s.wheel.cancel(t.waitTimer as TimerEntry<TimerPayload>);
      t.waitTimer = null;
    }
    if (!w) return;
    switch (w.kind) {
      case 'send': {
        const ch = this.s.channels[w.channel]!;
        touch(ch);
        ch.senders = ch.senders.filter(x => x.task !== t.id);
        break;
      }
      case 'recv': {
        const ch = this.s.channels[w.channel]!;
        touch(ch);
        ch.receivers = ch.receivers.filter(x => x !== t.id);
        break;
      }
      case 'accept': {
        const i = this.s.acceptors.indexOf(t.id);
        if (i >= 0) this.s.acceptors.splice(i, 1);
        break;
      }
      case 'timeout': {
        const child = this.s.tasks[w.task];
        if (child && !child.done) this.abort(child, 'its timeout was abandoned');
        break;
      }
      case 'sleep': case 'join': case 'join-any': case 'scope': case 'runtime': case 'read':
        break;
      default: {
        const never: never = w;
        throw new Error(String(never));
      }
    }
    t.wait = null;
  }

  /** Leaves every `with` the task still has open (it ended inside them). */
  protected closeWiths(t: Task): void {
    for (let f = t.frames.length - 1; f >= 0; f--) {
      const frame = t.frames[f]!;
      const locals = frame.proto.locals;
      for (let i = locals.length - 1; i >= 0; i--) {
        if (!locals[i]!.hidden || locals[i]!.name !== '%with') continue;
        const rec = t.stack[frame.base + i] as unknown as WithRecord | null;
        if (!rec || typeof rec !== 'object' || !rec.open) continue;
        rec.open = false;
        switch (rec.kind) {
          case 'handler': break;
          case 'cancel': this.s.wheel.cancel(rec.timer as TimerEntry<TimerPayload>); break;
          case 'scope':
            touch(rec.scope);
            rec.scope.closed = true;
            for (const id of [...rec.scope.live]) this.abort(this.s.tasks[id]!, `its scope's owner (task #${t.id}) ended`);
            break;
          case 'runtime': {
            const rt = this.s.runtimes[rec.runtime]!;
            if (!rt.closed) this.shutdownRuntime(rt, t.id);
            break;
          }
          default: {
            const never: never = rec;
            throw new Error(String(never));
          }
        }
      }
    }
  }

  /** Shuts a runtime down: its remaining tasks are cancelled and its threads stop. */
  protected shutdownRuntime(rt: RuntimeState, except: number): void {
    rt.closed = true;
    for (const t of this.s.tasks) {
      if (t && !t.done && t.runtime === rt.id && t.id !== except) {
        t.aborted = true;
        touch(t.token);
        t.token.cancelled = true;
        this.abandonWait(t);
        this.finish(t, 'cancelled', undefined, null, `runtime #${rt.id} shut down`);
      }
    }
    for (const id of [...rt.workers, ...rt.blockingThreads, ...(rt.blockOnThread >= 0 ? [rt.blockOnThread] : [])]) {
      const th = this.s.threads[id]!;
      if (th.current !== -1 && th.current !== except) th.current = -1;
      if (th.kind === 'blocking') th.closed = true;
    }
    this.event({ kind: 'runtime-stop', runtime: rt.id });
  }

  protected shutdownAll(): void {
    for (const t of this.s.tasks) {
      if (t && !t.done) {
        t.aborted = true;
        this.abandonWait(t);
        this.finish(t, 'cancelled', undefined, null, 'the program ended');
      }
    }
  }

  protected block(t: Task, wait: WaitReason): typeof SUSPEND {
    t.state = 'blocked';
    t.wait = wait;
    // A wait on another task or a channel: the wait-for graph is looked at again at the round's end (rounds.ts).
    if (wait.kind === 'join' || wait.kind === 'join-any' || wait.kind === 'scope' || wait.kind === 'send' || wait.kind === 'recv') this.s.waits.dirty = true;
    this.event({ kind: 'block', task: t.id, on: wait });
    // A suspension is a cancellation point: inside a `Cancel.timeout` block whose deadline passed, the block ends.
    if (!t.aborted && this.deadlineBlock(t)) this.wakeWithFailure(t, this.failureFor(t, 'cancelled', DEADLINE_PASSED));
    return SUSPEND;
  }

  /**
   * The innermost open `Cancel.timeout` block of `t`'s own frames whose own deadline has passed (its token, not an
   * enclosing one, is cancelled), with its frame; undefined when there is none.
   */
  protected deadlineBlock(t: Task): { frame: number; rec: Extract<WithRecord, { kind: 'cancel' }> } | undefined {
    // Cheap test first: a cancelled token among the Cancel handlers in scope of the top frame.
    let any = false;
    for (let n = t.frames[t.frames.length - 1]?.handlers ?? null; n !== null; n = n.next) if (n.token?.cancelled) any = true;
    if (!any) return undefined;
    for (let f = t.frames.length - 1; f >= 0; f--) {
      let best: Extract<WithRecord, { kind: 'cancel' }> | undefined;
      for (const rec of this.openWiths(t, f)) {
        if (rec.kind !== 'cancel' || !rec.token.cancelled) continue;
        if (!best || rec.enter >= best.enter) best = rec; // the innermost of the frame
      }
      if (best) return { frame: f, rec: best };
    }
    return undefined;
  }

  /** The open `with` records of frame `f` of `t`. */
  private openWiths(t: Task, f: number): WithRecord[] {
    const frame = t.frames[f]!;
    const out: WithRecord[] = [];
    const locals = frame.proto.locals;
    for (let i = 0; i < locals.length; i++) {
      if (!locals[i]!.hidden || locals[i]!.name !== '%with') continue;
      const rec = t.stack[frame.base + i] as unknown as WithRecord | null;
      if (rec && typeof rec === 'object' && rec.open) out.push(rec);
    }
    return out;
  }

  /**
   * A cancellation reached `t` inside a `Cancel.timeout` block whose own deadline passed: the block ends there, as
   * if it had run to its `end`, with the value `None`. Every `with` inside it is left (a scope cancels its live
   * children). False (the task fails or ends cancelled as before) when the task itself was cancelled, when no such
   * block is open in its own frames, or when a runtime handler's block lies inside it.
   */
  private cutShort(t: Task): boolean {
    if (t.aborted || t.done) return false;
    const found = this.deadlineBlock(t);
    if (!found) return false;
    const { frame: f, rec } = found;
    const inner: WithRecord[] = [];
    for (let g = t.frames.length - 1; g > f; g--) inner.push(...this.openWiths(t, g));
    inner.push(...this.openWiths(t, f).filter(r => r !== rec && r.enter >= rec.enter && r.exit <= rec.exit));
    if (inner.some(r => r.kind === 'runtime')) return false;
    for (const r of inner) {
      r.open = false;
      if (r.kind === 'cancel') this.s.wheel.cancel(r.timer as TimerEntry<TimerPayload>);
      else if (r.kind === 'scope') {
        touch(r.scope);
        r.scope.closed = true;
        for (const id of [...r.scope.live]) this.abort(this.s.tasks[id]!, `the Cancel.timeout block around its scope (task #${t.id}) ran out of time`);
      }
    }
    rec.open = false;
    this.s.wheel.cancel(rec.timer as TimerEntry<TimerPayload>);
    t.frames.length = f + 1;
    const frame = t.frames[f]!;
    frame.handlers = rec.prev;
    frame.pc = rec.exit;
    t.sp = rec.sp;
    t.stack[t.sp++] = new StructVal(this.none, []);
    t.pendingFailure = null;
    return true;
  }

  /** Makes a blocked task ready; `value` is what its pending call returns (NO_VALUE: it re-runs its instruction). */
  protected wake(t: Task, value: Value | typeof NO_VALUE): void {
    if (t.state !== 'blocked') return;
    if (t.waitTimer) {
      this.s.wheel.cancel(t.waitTimer as TimerEntry<TimerPayload>);
      t.waitTimer = null;
    }
    t.wait = null;
    if (value !== NO_VALUE) t.stack[t.sp++] = value;
    this.ready(t);
  }

  protected wakeWithFailure(t: Task, failure: Failure): void {
    if (t.state !== 'blocked') return;
    this.abandonWait(t);
    t.pendingFailure = failure;
    this.ready(t);
  }

  protected ready(t: Task): void {
    t.state = 'scheduled';
    t.readyUs = this.nowUs();
    t.wakes++;
    if (!this.firingTimers) this.s.waits.progressUs = t.readyUs;
    const from = this.cur;
    const driver = this.driving && this.driving.runtime === t.runtime ? this.driving : null;
    this.event({ kind: 'wake', task: t.id, by: from ? from.current : 0, remote: !driver && (!from || from.runtime !== t.runtime || from.kind !== 'worker') });
    if (t.kind === 'blocking') return; // it stays on its blocking thread
    if (driver) scheduleFromDriver(this, this.s.runtimes[t.runtime]!, driver, t.id);
    else scheduleTask(this, this.s.runtimes[t.runtime]!, t.id, from, false);
  }

  complete(t: Task, result: Value): void {
    this.finish(t, 'completed', result, null);
  }

  /** A task fails (or is cancelled, for a cancellation failure) where its top frame stands. */
  raise(t: Task, e: AriaError, at: number): void {
    const failure = this.failureFor(t, e.kind, e.message, e.cause, at);
    this.failWith(t, failure);
  }

  failWith(t: Task, failure: Failure): void {
    if (failure.kind === 'cancelled' && this.cutShort(t)) return;
    if (failure.kind === 'cancelled' && (t.aborted || isCancelled(t.token) || failure.message.startsWith('cancelled'))) {
      this.finish(t, 'cancelled', undefined, failure, failure.message);
      return;
    }
    this.finish(t, 'failed', undefined, failure);
  }

  /** Ends the whole run with a failure that belongs to no single task (deadlock, step limit, timeout). */
  protected stopRun(kind: 'deadlock' | 'step-limit' | 'timeout', message: string, blocked?: Failure['blocked'], cycle?: readonly number[]): void {
    const s = this.s;
    const main = s.tasks[s.mainTask]!;
    const failure: Failure = {
      kind, message, task: 0, taskName: '', stack: main.done ? [] : this.stackOf(main), blocked, ...(cycle && cycle.length > 0 ? { cycle: [...cycle] } : {}),
    };
    if (kind === 'deadlock' && this.beforeDeadlock) {
      // told first, with every task still waiting; the next run tears down (Rounds.runRounds)
      s.pendingDeadlock = failure;
      this.stopHit = { kind: 'deadlock', failure };
      return;
    }
    this.endRun(failure);
  }

  /** Ends the run with `failure`: every task is cancelled and the runtimes shut down. */
  protected endRun(failure: Failure): void {
    const s = this.s;
    s.failure = failure;
    s.done = true;
    s.stopped = { kind: 'failed', failure };
    this.shutdownAll();
  }

  /**
   * Ends the run with a `timeout` failure (the caller measures wall time between slices of `run`: the machine
   * itself knows only virtual time).
   */
  timeOut(message: string): void {
    if (!this.s.done) this.stopRun('timeout', message);
  }

  /** Every task blocked and no timer pending: the run ends with a deadlock naming each task and its wait (and a cycle). */
  protected deadlock(cycle = '', cycleTasks: readonly number[] = []): void {
    const s = this.s;
    const blocked = this.blockedList(s.tasks.filter((t): t is Task => !!t && !t.done && t.state === 'blocked' && !!t.wait).map(t => t.id));
    const list = blocked.map(b => `task #${b.task} (${b.name}) waits on ${b.waitsOn}`).join('; ');
    this.stopRun('deadlock', `deadlock: every task is blocked and no timer is pending: ${list}${cycle ? `; they wait on each other: ${cycle}` : ''}`, blocked, cycleTasks);
  }

  /** The blocked tasks of a deadlock report: what each waits on and where. */
  protected blockedList(ids: readonly number[]): NonNullable<Failure['blocked']>[number][] {
    const out: NonNullable<Failure['blocked']>[number][] = [];
    for (const id of ids) {
      const t = this.s.tasks[id];
      if (!t || t.done || !t.wait) continue;
      out.push({ task: t.id, name: t.name, waitsOn: describeWait(t.wait), at: this.stackOf(t)[0] });
    }
    return out;
  }

  consumeBudget(t: Task): boolean {
    const th = this.cur;
    if (!th || th.kind === 'blocking') return true;
    if (th.budget > 0) {
      th.budget--;
      return true;
    }
    // Budget spent: the task yields to the back of its worker's queue (Tokio's forced yield).
    this.s.runtimes[th.runtime]!.metrics.budgetForcedYieldCount++;
    t.state = 'scheduled';
    t.readyUs = this.nowUs();
    t.wakes++;
    t.selfWakes++;
    scheduleTask(this, this.s.runtimes[t.runtime]!, t.id, th, true);
    return false;
  }

  awaitTask(t: Task, v: Value): NativeResult {
    if (!(v instanceof TaskVal)) throw new AriaError('type-error', `\`.await\` needs a Task, not ${typeName(v)}`);
    const target = this.s.tasks[v.id]!;
    if (target.id === t.id) throw new AriaError('type-error', 'a task cannot await itself');
    if (target.done) {
      if (!this.consumeBudget(t)) return RETRY;
      if (target.state === 'completed') return target.result;
      this.writable(target).observed = true;
      const i = this.s.unobserved.indexOf(target.id);
      if (i >= 0) this.s.unobserved.splice(i, 1);
      const f = this.childFailure(t, target, `task #${target.id}`);
      throw new AriaError(f.kind, f.message, f.cause);
    }
    (target.joiners ??= []).push(t.id);
    return this.block(t, { kind: 'join', task: target.id });
  }

  withEnter(t: Task, frame: Frame, h: Value, slot: number, exit: number): Value {
    const stack = t.stack;
    const enter = frame.pc;
    if (h instanceof HandlerVal) {
      stack[frame.base + slot] = { kind: 'handler', prev: frame.handlers, open: true, enter, exit } as unknown as Value;
      frame.handlers = { effect: h.effect, handler: h, token: null, next: frame.handlers };
      return h;
    }
    if (!(h instanceof BuiltinHandlerVal)) throw new AriaError('type-error', `\`with\` needs a handler, not ${typeName(h)} ${show(h, true)}`);
    const spec = h.spec;
    switch (spec.role) {
      case 'cancel-timeout': {
        const token = this.newToken(this.currentToken(t, frame.handlers));
        const rt = this.s.runtimes[t.runtime]!;
        const timer = this.setTimer(this.deadlineMs(spec.duration), { kind: 'cancel-token', token, owner: t.id }, t.id, 'cancel-token', rt.config.timerResolution);
        stack[frame.base + slot] = { kind: 'cancel', prev: frame.handlers, timer, open: true, enter, exit, token, sp: t.sp } as unknown as Value;
        frame.handlers = { effect: 'Cancel', handler: null, token, next: frame.handlers };
        return token;
      }
      case 'scope': {
        const scope = new ScopeVal(this.s.scopes.length, t.id);
        this.s.scopes.push(scope);
        stack[frame.base + slot] = { kind: 'scope', scope, open: true, enter, exit } as unknown as Value;
        return scope;
      }
      case 'runtime': {
        const config = runtimeConfig(spec.flavor, spec.workers ?? 4, spec.blockingThreads, spec.timerResolution ?? 1);
        const rt = this.newRuntime(config, t.id);
        stack[frame.base + slot] = { kind: 'runtime', runtime: rt.id, prev: t.runtime, open: true, enter, exit } as unknown as Value;
        // The task moves onto the new runtime: its current poll ends and a worker there picks it up.
        t.runtime = rt.id;
        t.state = 'scheduled';
        t.readyUs = this.nowUs();
        scheduleTask(this, rt, t.id, null, false);
        return undefined;
      }
      default: {
        const never: never = spec;
        throw new Error(String(never));
      }
    }
  }

  withExit(t: Task, frame: Frame, slot: number): 'done' | 'wait' | 'moved' {
    const rec = t.stack[frame.base + slot] as unknown as WithRecord;
    if (!rec.open) return 'done';
    switch (rec.kind) {
      case 'handler':
        rec.open = false;
        frame.handlers = rec.prev;
        return 'done';
      case 'cancel':
        rec.open = false;
        frame.handlers = rec.prev;
        this.s.wheel.cancel(rec.timer as TimerEntry<TimerPayload>);
        // The block finished: its value is `Some(v)` (a `return` or `break` leaving it early keeps its own value).
        if (frame.pc === rec.exit) t.stack[t.sp - 1] = new StructVal(this.some, [t.stack[t.sp - 1]]);
        return 'done';
      case 'scope': {
        const scope = rec.scope;
        if (scope.failedBy !== null && scope.live.length > 0) {
          for (const id of [...scope.live]) this.abort(this.s.tasks[id]!, `a sibling (task #${scope.failedBy}) failed`);
        }
        if (scope.live.length > 0) {
          this.block(t, { kind: 'scope', scope: scope.id, live: [...scope.live] });
          return 'wait';
        }
        rec.open = false;
        touch(scope);
        scope.closed = true;
        if (scope.failedBy !== null) {
          const child = this.s.tasks[scope.failedBy]!;
          const f = this.childFailure(t, child, `task #${child.id} of the scope`);
          throw new AriaError(f.kind, f.message, f.cause);
        }
        return 'done';
      }
      case 'runtime': {
        rec.open = false;
        const rt = this.s.runtimes[rec.runtime]!;
        this.shutdownRuntime(rt, t.id);
        t.runtime = rec.prev;
        t.state = 'scheduled';
        t.readyUs = this.nowUs();
        scheduleTask(this, this.s.runtimes[rec.prev]!, t.id, null, false);
        return 'moved';
      }
      default: {
        const never: never = rec;
        throw new Error(String(never));
      }
    }
  }

  sleep(t: Task, ms: number): typeof SUSPEND {
    const rt = this.s.runtimes[t.runtime]!;
    const until = this.deadlineMs(ms);
    t.waitTimer = this.setTimer(until, t.id, t.id, 'sleep', rt.config.timerResolution);
    return this.block(t, { kind: 'sleep', until });
  }

  yieldNow(t: Task): typeof YIELDED {
    t.state = 'scheduled';
    t.readyUs = this.nowUs();
    t.wakes++;
    t.selfWakes++;
    const th = this.cur;
    const rt = this.s.runtimes[t.runtime]!;
    if (t.kind === 'blocking') return YIELDED;
    if (th && th.kind === 'worker' && th.runtime === t.runtime) {
      // Tokio's `yield_now` defers the waker (`context::defer`) until the worker parks or runs its maintenance.
      th.deferred.push(t.id);
      return YIELDED;
    }
    // Outside a worker (the block_on thread) there is no scheduler context: the waker is woken at once.
    scheduleTask(this, rt, t.id, null, true);
    return YIELDED;
  }

  spawnBlocking(t: Task, f: Value): TaskVal {
    const rt = this.s.runtimes[t.runtime]!;
    if (rt.config.blockingThreads === 0) {
      throw new AriaError('unsupported', `spawn_blocking is not available on the ${rt.config.flavor} flavour (it has no blocking pool)`);
    }
    const frame = t.frames[t.frames.length - 1]!;
    const child = this.createTask(t, f, [], null, frame.handlers, frame.proto, Math.max(0, frame.pc - 1), 'blocking', t.runtime);
    rt.blockingQueue.push(child.id);
    // Spawn a pool thread when the idle ones cannot take every queued task and the cap allows (Tokio's `spawn_task`).
    const idle = this.idleBlockingThreads(rt);
    const live = rt.blockingThreads.filter(id => !(this.s.threads[id] as BlockingThreadState).closed).length;
    if (idle < rt.blockingQueue.length && live < rt.config.blockingThreads) {
      const b = new BlockingThreadState(this.s.threads.length, rt.id);
      b.idleSinceUs = this.s.us;
      this.s.threads.push(b);
      rt.blockingThreads.push(b.id);
    }
    return new TaskVal(child.id);
  }

  threadSleep(t: Task, ms: number): typeof YIELDED {
    const th = this.cur!;
    const until = this.deadlineMs(ms);
    th.blockedUntilUs = until * 1000;
    this.event({ kind: 'thread-block', thread: th.id, task: t.id, until });
    this.setTimer(until, { kind: 'thread-wake', thread: th.id, task: t.id }, t.id, 'thread-sleep');
    return YIELDED;
  }

  race(t: Task, tasks: readonly TaskVal[]): NativeResult {
    let winner: Task | undefined;
    for (const tv of tasks) {
      const x = this.s.tasks[tv.id]!;
      if (x.done && (!winner || x.endSeq < winner.endSeq)) winner = x;
    }
    if (winner) {
      for (const tv of tasks) if (tv.id !== winner.id) this.abort(this.s.tasks[tv.id]!, `lost a race to task #${winner.id}`);
      if (winner.state === 'completed') return winner.result;
      const f = this.childFailure(t, winner, `task #${winner.id}`);
      this.writable(winner).observed = true;
      throw new AriaError(f.kind, f.message, f.cause);
    }
    for (const tv of tasks) (this.s.tasks[tv.id]!.joiners ??= []).push(t.id);
    return this.block(t, { kind: 'join-any', tasks: tasks.map(x => x.id) });
  }

  timeout(t: Task, ms: number, f: Value): NativeResult {
    const frame = t.frames[t.frames.length - 1]!;
    const rt = this.s.runtimes[t.runtime]!;
    const child = this.createTask(t, f, [], null, frame.handlers, frame.proto, Math.max(0, frame.pc - 1), 'async', t.runtime);
    scheduleTask(this, rt, child.id, this.cur, false);
    (child.joiners ??= []).push(t.id);
    const until = this.deadlineMs(ms);
    t.waitTimer = this.setTimer(until, { kind: 'timeout', task: t.id, child: child.id }, t.id, 'timeout', rt.config.timerResolution);
    return this.block(t, { kind: 'timeout', task: child.id, until });
  }

  cancelTask(_t: Task, target: TaskVal): void {
    const x = this.s.tasks[target.id];
    if (x) this.abort(x, 'cancelled by cancel()');
  }

}

function hasCancelNode(chain: HandlerNode | null): boolean {
  for (let n = chain; n; n = n.next) if (n.effect === 'Cancel') return true;
  return false;
}

function taskName(callee: Value): string {
  if (callee instanceof Closure) return callee.proto.kind === 'thunk' ? 'spawn' : callee.proto.name;
  if (callee instanceof BuiltinFnVal) return callee.name;
  return typeName(callee);
}
