// The machine's scheduling rounds: threads take turns, the clock advances, timers fire, debugger stops land.
import type { PollOutcome } from './events.js';
import {
  BLOCKING_KEEP_ALIVE_MS, BlockingThreadState, COOP_BUDGET, EVENT_INTERVAL, type RuntimeState, MAX_LIFO_POLLS_PER_TICK, WorkerState, hasLocalWork, nextTask, park,
  notifyParked, pushBackOrOverflow, scheduleFromDriver, shouldNotifyOthers, stealWork, transitionFromSearching, unparkAll,
  unparkWorker, type ThreadState,
} from './scheduler.js';
import { record, type Task } from './task.js';
import { execute } from './vm.js';
import { enterHeap, leaveHeap, touch } from './heap-stamp.js';
import { StructVal } from './values.js';
import type { StopReason, RunControl, TimerPayload } from './machine-core.js';
import { Network } from './network.js';
import { DEADLINE_PASSED } from './lifecycle.js';
import type { WaitReport } from './events.js';
import { analyzeWaits, cycleLine } from './waits.js';
import type { TimerEntry } from './timer-wheel.js';

/** Rounds between two looks at the wait-for graph at most (while nothing is found; a clock jump always looks). */
const MAX_WAIT_INTERVAL = 256;

/** A wait on another task or a channel (not a timer or the outside world). */
function waitsOnOthers(t: Task): boolean {
  const k = t.wait?.kind;
  return k === 'join' || k === 'join-any' || k === 'scope' || k === 'send' || k === 'recv';
}

/**
 * The run loop: rounds in which each thread takes a turn polling tasks, the clock moving by the round's work (or
 * jumping to the next deadline), timers firing, idle blocking threads closing, and the debugger's stop conditions.
 */
export abstract class Rounds extends Network {
  /**
   * Runs until the program ends, `maxSteps` more statements have begun, or the stop condition of `control` is
   * met. Deterministic: the same program, options and seed give the same run however it is sliced.
   */
  run(maxSteps = Infinity, control: RunControl = {}): StopReason {
    this.stop = control.stop ?? null;
    this.hold = control.hold ?? -1;
    this.retarget = control.retarget;
    this.beforeDeadlock = control.beforeDeadlock === true;
    // the program's writes to its heap go to this machine's time travel, if it has one
    const outer = enterHeap(this.heapLog);
    try {
      return this.runRounds(maxSteps);
    } finally {
      leaveHeap(outer);
      this.lastStop = this.stop;
      this.stop = null;
      this.hold = -1;
      this.retarget = undefined;
      this.beforeDeadlock = false;
      this.armed = false;
    }
  }

  protected runRounds(maxSteps: number): StopReason {
    const s = this.s;
    if (s.pendingDeadlock) {
      // the deadlock told last run: now the teardown
      const failure = s.pendingDeadlock;
      s.pendingDeadlock = null;
      this.endRun(failure);
    }
    if (s.stopped) return s.stopped;
    if (s.done) return s.failure ? { kind: 'failed', failure: s.failure } : { kind: 'done' };
    this.stopHit = null;
    this.stopSkip = this.stop?.skip ?? 0;
    this.armed = this.stop !== null;
    const target = s.steps + maxSteps;
    for (;;) {
      if (s.done) return s.failure ? { kind: 'failed', failure: s.failure } : { kind: 'done' };
      if (s.stopped) return s.stopped;
      if (s.steps >= this.stepLimit) {
        this.stopRun('step-limit', `the step limit of ${this.stepLimit} statements was reached`);
        continue;
      }
      if (s.steps >= target) return { kind: 'steps' };
      const r = s.round;
      if (r.index >= r.order.length) {
        if (this.hold >= 0) this.heldRound();
        else this.nextRound();
        if (this.stopHit) {
          const hit = this.stopHit;
          this.stopHit = null;
          return hit;
        }
        continue;
      }
      const th = s.threads[r.order[r.index]!]!;
      const allowed = Math.min(target, this.stepLimit) - s.steps;
      this.turn(th, allowed);
      if (this.stopHit) {
        const hit = this.stopHit;
        this.stopHit = null;
        return hit;
      }
    }
  }

  /** One thread's turn: it polls tasks until it has run `quantum` statements or has nothing to do. */
  protected turn(th: ThreadState, allowed: number): void {
    const s = this.s;
    const r = s.round;
    if (s.runtimes[th.runtime]!.closed || (th.kind === 'worker' && th.parked) || (this.hold >= 0 && th.current !== this.hold)) {
      this.endTurn();
      return;
    }
    while (r.turnLeft > 0 && !s.done) {
      if (th.blockedUntilUs >= 0) break;
      let t: Task;
      if (th.current === -1) {
        if (this.hold >= 0) break; // the held task's poll ended: nothing else may run
        // The block_on thread polls only its task, which `scheduleTask` hands it.
        const id = th.kind === 'worker' ? this.findWork(th) : th.kind === 'blocking' ? this.takeBlocking(th) : -1;
        if (id === -1) break;
        t = s.tasks[id]!;
        this.pollStart(th, t);
        if (t.done || th.current !== t.id) continue;
      } else {
        t = s.tasks[th.current]!;
        if (t.state === 'blocked') break; // a blocking thread holding a task that waits
        if (t.state === 'running' && r.turnUsed === 0) this.pollGap(th, t);
        if (t.state === 'scheduled') {
          if (th.kind === 'block-on') {
            t.thread = th.id;
            th.pollCount++;
            th.budget = COOP_BUDGET;
          }
          this.waitUntilReady(t);
          this.scheduledFor(t);
          t.state = 'running';
          t.polls++;
          th.pollStartSteps = t.steps;
          this.event({ kind: 'poll-start', task: t.id, thread: th.id });
        }
      }
      const preempts = this.chooser.preempts === true;
      // Preempting, a task runs one statement at a time, so a turn can end between any two (see `preempt` below).
      const quota = preempts ? Math.min(r.turnLeft, allowed, 1) : Math.min(r.turnLeft, allowed);
      if (quota <= 0) return;
      this.sharedAccess = false;
      this.cur = th;
      let n: number;
      try {
        n = execute(this, t, quota);
      } finally {
        this.inFlightSteps = 0; // added to s.steps below
        this.cur = null;
      }
      if (n > 0) {
        s.steps += n;
        s.lastTask = t.id;
        t.steps += n;
        const us = n * this.statementUs;
        t.busyUs += us;
        if (th.kind === 'worker') th.metrics.totalBusyUs += us;
        else th.busyUs += us;
        r.turnLeft -= n;
        r.turnUsed += n;
        allowed -= n;
      }
      if (this.stopHit) return; // paused before a statement: the turn resumes from here
      if (t.state === 'running' && th.current === t.id) {
        if (th.blockedUntilUs >= 0) break; // a blocking call holds the thread
        if (allowed <= 0) return; // the caller's step target: the turn resumes from here
        if (preempts && this.sharedAccess && r.turnLeft > 0) {
          // A preemption point: the statement touched shared memory; the chooser may end the turn here, so that a
          // thread with work runs before this task's next statement (alternative 0: the turn goes on, as Tokio's).
          const other = this.otherBusy(th);
          if (other >= 0 && this.chooser.pick('preempt', [t.id, other], s.choices) !== 0) break;
        }
        continue;
      }
      if (n === 0) r.turnLeft--; // a poll that only suspended still takes a slot of the turn
      if (th.current === t.id) this.pollEnd(th, t);
    }
    this.endTurn();
  }

  protected endTurn(): void {
    const r = this.s.round;
    this.sampleCounters(); // at the turn's end time: before turnUsed is reset
    if (r.turnUsed > r.maxUsed) r.maxUsed = r.turnUsed;
    const span = r.turnUsed * this.statementUs + r.turnWaitUs;
    if (span > r.maxSpanUs) r.maxSpanUs = span;
    const id = r.order[r.index];
    if (id !== undefined) this.s.turnEndUs[id] = this.nowUs();
    r.index++;
    r.turnLeft = this.quantum;
    r.turnUsed = 0;
    r.turnWaitUs = 0;
  }

  /** A poll going on from the thread's last turn: the listener hears of the time the thread idled in between. */
  protected pollGap(th: ThreadState, t: Task): void {
    const from = this.s.turnEndUs[th.id];
    const to = this.nowUs();
    if (!this.listener || from === undefined || from >= to) return;
    this.listener({ kind: 'poll-gap', task: t.id, thread: th.id, fromUs: from, toUs: to, step: this.s.steps, us: to });
  }

  /** The poll about to start ends the time `t` was scheduled (ready, not polled). */
  protected scheduledFor(t: Task): void {
    const d = Math.max(0, this.nowUs() - t.readyUs);
    t.schedUs += d;
    t.schedHist = record(t.schedHist, d);
  }

  /**
   * Threads take a round's turns one after another, each from the round's clock: a task made ready late in an earlier
   * turn is polled no earlier than that (the thread waits, idle, until then), so nothing runs before its cause.
   */
  protected waitUntilReady(t: Task): void {
    const gap = t.readyUs - this.nowUs();
    if (gap > 0) this.s.round.turnWaitUs += gap;
  }

  /** Ends a round: the clock advances by the round's work (or jumps to the next deadline when idle), timers fire. */
  protected nextRound(): void {
    const s = this.s;
    const r = s.round;
    const worked = r.maxUsed > 0;
    // Rounds in which nothing ran while something counted as runnable: a scheduler bug, never a hang.
    r.idle = worked ? 0 : r.idle + 1;
    if (r.idle > 100_000) throw new Error(`scheduler made no progress at step ${s.steps}`);
    if (worked) {
      s.us += r.maxSpanUs;
      if (s.waits.dirty && --s.waits.wait <= 0) this.checkWaits();
      if (s.done || s.pendingDeadlock) return;
    } else if (r.started && !this.anyRunnable()) {
      // Nothing ran and no queue holds work: the clock jumps to the next deadline.
      const next = s.wheel.nextDeadline();
      if (next === undefined) {
        const a = analyzeWaits(s, this.program.globals);
        this.deadlock(a.cycle.length > 0 ? cycleLine(s, a.cycle) : '', a.cycle);
        return;
      }
      if (s.waits.dirty) this.checkWaits();
      if (s.done || s.pendingDeadlock) return;
      this.watchdog(next);
      this.jumpClock(next);
    }
    this.expireTimers();
    this.closeIdleBlockingThreads();
    this.sampleCounters();
    const order: number[] = [];
    for (const rt of s.runtimes) {
      if (rt.closed) continue;
      for (const id of rt.workers) {
        const w = s.threads[id] as WorkerState;
        if (!w.parked) order.push(id);
      }
      for (const id of rt.blockingThreads) {
        const b = s.threads[id] as BlockingThreadState;
        if (!b.closed && (b.current !== -1 || rt.blockingQueue.length > 0)) order.push(id);
      }
      if (rt.blockOnThread >= 0) {
        const b = s.threads[rt.blockOnThread]!;
        if (b.current !== -1 && s.tasks[b.current]!.state !== 'blocked') order.push(b.id);
      }
    }
    if (order.length === 0 && this.anyRunnable()) {
      for (const rt of s.runtimes) if (!rt.closed) unparkAll(this, rt);
    }
    this.chooser.order(order, order.map(id => this.busyWith(s.threads[id]!)), s.prng, s.choices);
    this.beginRound(order);
  }

  /** The task another thread of the round runs or will take (the next in the round's order first), -1: none. */
  protected otherBusy(th: ThreadState): number {
    const r = this.s.round;
    for (let k = 1; k < r.order.length; k++) {
      const id = r.order[(r.index + k) % r.order.length]!;
      if (id === th.id) continue;
      const task = this.busyWith(this.s.threads[id]!);
      if (task >= 0) return task;
    }
    return -1;
  }

  /** The task a thread runs or will take from its own queues, -1 when it has none (it may still find one). */
  protected busyWith(th: ThreadState): number {
    if (th.current !== -1) return th.current;
    if (th.kind === 'worker') return th.lifo !== -1 ? th.lifo : th.queue.length > 0 ? th.queue.items[th.queue.head]! : -1;
    if (th.kind === 'block-on') return -1;
    const q = this.s.runtimes[th.runtime]!.blockingQueue;
    return q.length > 0 ? q.items[q.head]! : -1;
  }

  /** A round while the debugger holds every task but one: only the thread running it takes a turn. */
  protected heldRound(): void {
    const s = this.s;
    const r = s.round;
    const t = s.tasks[this.hold];
    if (r.maxUsed > 0) {
      s.us += r.maxSpanUs;
    } else if (r.started) {
      const th = t && t.thread >= 0 ? s.threads[t.thread] : undefined;
      const canRun = t && !t.done && (t.state === 'scheduled' || (t.state === 'running' && !(th && th.blockedUntilUs >= 0)));
      if (!canRun) {
        // It waits: only a timer can change that (other tasks are held).
        const next = s.wheel.nextDeadline();
        if (!t || t.done || next === undefined || r.idle++ > 10_000) {
          r.idle = 0;
          this.stopHit = { kind: 'stuck', task: this.hold };
          r.order = [];
          r.index = 0;
          return;
        }
        this.jumpClock(next);
      }
    }
    this.fireTimers(); // held: what is due fires now, whoever holds the driver
    let order: number[] = [];
    if (t && !t.done) {
      const th = t.thread >= 0 ? s.threads[t.thread] : undefined;
      if (th && th.current === t.id) order = [th.id];
      else if (t.state === 'scheduled') {
        const adopted = this.adopt(t);
        if (adopted) order = [adopted.id];
        else this.stopHit = { kind: 'stuck', task: t.id };
      }
    }
    if (r.maxUsed > 0 || order.length > 0) r.idle = 0;
    this.beginRound(order);
  }

  /** Idle: the virtual clock jumps to a timer's deadline (in ms), never backwards. */
  protected jumpClock(deadlineMs: number): void {
    const s = this.s;
    const to = Math.max(s.us, deadlineMs * 1000);
    if (to > s.us) this.event({ kind: 'clock', fromUs: s.us, toUs: to });
    s.us = to;
  }

  /** Starts a round in which the threads of `order` take their turns. */
  protected beginRound(order: number[]): void {
    const r = this.s.round;
    r.order = order;
    r.started = true;
    r.index = 0;
    r.turnLeft = this.quantum;
    r.turnUsed = 0;
    r.turnWaitUs = 0;
    r.maxUsed = 0;
    r.maxSpanUs = 0;
  }

  /** Takes a ready task out of whatever queue holds it and starts polling it on a free thread of its runtime. */
  protected adopt(t: Task): ThreadState | undefined {
    const s = this.s;
    const rt = s.runtimes[t.runtime]!;
    if (t.kind === 'blocking') {
      const b = rt.blockingThreads.map(id => s.threads[id] as BlockingThreadState).find(x => !x.closed && x.current === -1 && x.blockedUntilUs < 0);
      if (!b || !rt.blockingQueue.remove(t.id)) return undefined;
      this.pollStart(b, t);
      return b;
    }
    for (const id of rt.workers) {
      const d = (s.threads[id] as WorkerState).deferred;
      const i = d.indexOf(t.id);
      if (i >= 0) d.splice(i, 1); // a yield's deferred waker: the debugger runs it now
    }
    if (t.id === rt.blockOnTask) {
      // Never in a queue: its block_on thread holds it, or (current-thread) the worker polls it when it is free.
      if (rt.blockOnThread >= 0) {
        const b = s.threads[rt.blockOnThread]!;
        return b.current === t.id && b.blockedUntilUs < 0 ? b : undefined;
      }
      const w = s.threads[rt.workers[0]!] as WorkerState;
      if (w.current !== -1 || w.blockedUntilUs >= 0) return undefined;
      rt.blockOnReady = false;
      if (w.parked) {
        w.parked = false;
        const i = rt.sleepers.indexOf(w.id);
        if (i >= 0) rt.sleepers.splice(i, 1);
      }
      w.budget = COOP_BUDGET;
      this.pollStart(w, t);
      return w;
    }
    let home: WorkerState | undefined;
    for (const id of rt.workers) {
      const w = s.threads[id] as WorkerState;
      if (w.lifo === t.id) {
        w.lifo = -1;
        home = w;
      } else if (w.queue.remove(t.id)) home = w;
    }
    if (!home) rt.inject.remove(t.id);
    const free = (w: WorkerState | undefined) => !!w && w.current === -1 && w.blockedUntilUs < 0;
    const w = free(home) ? home! : rt.workers.map(id => s.threads[id] as WorkerState).find(free);
    if (!w) {
      // No free worker: put it back where a worker will find it once the debugger lets go.
      rt.inject.push(t.id);
      return undefined;
    }
    if (w.parked) {
      w.parked = false;
      if (rt.driver === w.id) rt.driver = -1;
      const i = rt.sleepers.indexOf(w.id);
      if (i >= 0) rt.sleepers.splice(i, 1);
    }
    w.budget = COOP_BUDGET;
    this.pollStart(w, t);
    return w;
  }

  protected anyRunnable(): boolean {
    for (const rt of this.s.runtimes) {
      if (rt.closed) continue;
      if (rt.inject.length > 0 || (rt.blockingQueue.length > 0 && this.idleBlockingThreads(rt) > 0)) return true;
      if (rt.blockOnThread >= 0) {
        const b = this.s.threads[rt.blockOnThread]!;
        if (b.current !== -1 && b.blockedUntilUs < 0 && this.s.tasks[b.current]!.state !== 'blocked') return true;
      } else if (rt.blockOnReady && (this.s.threads[rt.workers[0]!] as WorkerState).blockedUntilUs < 0) return true;
      // Due timers or deferred wakers are runnable by a worker that is free: it processes them when it parks.
      if (rt.due.length > 0 || rt.workers.some(id => (this.s.threads[id] as WorkerState).deferred.length > 0)) {
        if (rt.workers.some(id => { const w = this.s.threads[id] as WorkerState; return !w.parked && w.blockedUntilUs < 0; })) return true;
      }
      // Local work is runnable by its worker unless a blocking call holds it; its queue (not its LIFO
      // slot) can also be stolen by a free worker.
      const free = rt.workers.some(id => (this.s.threads[id] as WorkerState).blockedUntilUs < 0);
      for (const id of rt.workers) {
        const w = this.s.threads[id] as WorkerState;
        if (w.blockedUntilUs < 0 && (hasLocalWork(w) || w.current !== -1)) return true;
        if (free && rt.config.stealing && w.queue.length > 0) return true;
      }
      for (const id of rt.blockingThreads) {
        const b = this.s.threads[id] as BlockingThreadState;
        if (b.current !== -1 && b.blockedUntilUs < 0 && this.s.tasks[b.current]!.state !== 'blocked') return true;
      }
    }
    return false;
  }

  /** A worker looks for its next task the way Tokio's does; -1 when it found none (and parked). */
  protected findWork(w: WorkerState): number {
    const rt = this.s.runtimes[w.runtime]!;
    // Tokio runs the LIFO slot right after a poll, sharing the poll's budget, at most 3 times in a row.
    if (w.lifoPolls > 0 || w.lifo !== -1) {
      if (w.lifo !== -1 && w.lifoEnabled && w.lifoPolls > 0) {
        // A chooser may pass the LIFO slot over (`lifo`) when something else is ready: it goes to the queue's back.
        const other = w.queue.length > 0 ? w.queue.items[w.queue.head]! : rt.inject.length > 0 ? rt.inject.items[rt.inject.head]! : -1;
        if (w.budget > 0 && (other === -1 || this.chooser.pick('lifo', [w.lifo, other], this.s.choices) === 0)) {
          const t = w.lifo;
          w.lifo = -1;
          w.lifoPolls++;
          if (w.lifoPolls >= MAX_LIFO_POLLS_PER_TICK + 1) w.lifoEnabled = false;
          return t;
        }
        const t = w.lifo;
        w.lifo = -1;
        pushBackOrOverflow(this, rt, w, t);
      }
      w.lifoPolls = 0;
      w.lifoEnabled = rt.config.lifo;
    }
    // On a current-thread flavour block_on drives this worker (current_thread/mod.rs `block_on`): its task is polled, when
    // woken, at the top of each of block_on's loops, never from a queue; a loop runs up to `EVENT_INTERVAL` tasks, then
    // `park_yield`s (timers, deferred wakers), or ends early when the worker finds nothing and parks.
    const blockOn = rt.blockOnThread < 0 && rt.blockOnTask >= 0;
    const currentThread = rt.config.flavor !== 'multi';
    if (currentThread && w.batch >= EVENT_INTERVAL) {
      this.parkYield(rt, w);
      w.loopTop = true;
    }
    if (w.loopTop) w.batch = 0;
    if (blockOn && w.loopTop && rt.blockOnReady) return this.takeBlockOn(rt, w);
    w.loopTop = false;
    w.tick++;
    if (currentThread) w.batch++;
    else if (w.tick % EVENT_INTERVAL === 0) this.parkYield(rt, w); // multi_thread/worker.rs `maintenance`
    let t = nextTask(this, rt, w);
    if (t === -1) t = stealWork(this, rt, w);
    if (t === -1 && (w.deferred.length > 0 || (rt.due.length > 0 && rt.driver === -1))) {
      // Before parking it processes what is due on the driver and wakes its deferred tasks (Tokio's `park_yield`, or
      // `park`, whose driver processes expired timers first); what they wake runs here instead of parking.
      this.parkYield(rt, w);
      w.loopTop = true;
      t = nextTask(this, rt, w);
    }
    if (t === -1 && blockOn && rt.blockOnReady) return this.takeBlockOn(rt, w);
    if (t === -1) {
      if (w.unparked) w.metrics.noopCount++;
      w.unparked = false;
      w.loopTop = true;
      park(this, rt, w);
      return -1;
    }
    w.unparked = false;
    transitionFromSearching(this, rt, w);
    w.budget = COOP_BUDGET;
    w.lifoPolls = 1;
    return t;
  }

  /**
   * Tokio's `park_yield` on worker `w`: with the driver free it fires the runtime's due timers, then wakes the tasks
   * that yielded on it; what they wake goes to its own LIFO slot and local queue (`scheduleFromDriver`). Then, with
   * more than one task queued and not searching, it wakes a parked worker to share them.
   */
  protected parkYield(rt: RuntimeState, w: WorkerState): void {
    if (rt.due.length > 0 && rt.driver === -1) this.processTimers(rt, w);
    if (w.deferred.length > 0) {
      const tasks = w.deferred.splice(0);
      for (const id of tasks) {
        const t = this.s.tasks[id];
        if (t && !t.done && t.state === 'scheduled' && t.runtime === rt.id) scheduleFromDriver(this, rt, w, id);
      }
    }
    if (shouldNotifyOthers(w)) notifyParked(this, rt);
  }

  /** Worker `w` fires `rt`'s due timers (it holds the driver for that). */
  protected processTimers(rt: RuntimeState, w: WorkerState): void {
    const due = rt.due.splice(0) as TimerEntry<TimerPayload>[];
    this.firingTimers = true;
    this.driving = w;
    try {
      for (const e of due) this.fireTimer(e);
    } finally {
      this.firingTimers = false;
      this.driving = null;
    }
  }

  /** The current-thread worker polls the block_on task (it was woken). */
  protected takeBlockOn(rt: RuntimeState, w: WorkerState): number {
    rt.blockOnReady = false;
    w.loopTop = false;
    w.unparked = false;
    transitionFromSearching(this, rt, w);
    w.budget = COOP_BUDGET;
    w.lifoPolls = 1;
    return rt.blockOnTask;
  }

  protected takeBlocking(b: BlockingThreadState): number {
    const rt = this.s.runtimes[b.runtime]!;
    const t = rt.blockingQueue.shift();
    return t ?? -1;
  }

  protected pollStart(th: ThreadState, t: Task): void {
    if (t.done) return;
    th.current = t.id;
    t.thread = th.id;
    if (t.aborted) {
      // A task cancelled while it waited in a queue ends at its first poll (as an aborted Tokio task does).
      this.finish(t, 'cancelled', undefined, null, 'cancelled before it ran');
      return;
    }
    this.waitUntilReady(t);
    this.scheduledFor(t);
    t.state = 'running';
    t.polls++;
    th.pollStartSteps = t.steps;
    if (th.kind === 'worker') th.metrics.pollCount++;
    else if (th.kind === 'block-on') th.pollCount++;
    else {
      th.tasksRun++;
      this.event({ kind: 'blocking-start', task: t.id, thread: th.id });
    }
    this.event({ kind: 'poll-start', task: t.id, thread: th.id });
  }

  /** The current poll of `t` ended (it blocked, yielded, finished or moved to another runtime). */
  protected pollEnd(th: ThreadState, t: Task): void {
    let outcome: PollOutcome;
    switch (t.state) {
      case 'completed': outcome = 'ready'; break;
      case 'failed': outcome = 'failed'; break;
      case 'cancelled': outcome = 'cancelled'; break;
      case 'blocked': outcome = 'pending'; break;
      case 'scheduled': outcome = t.runtime !== th.runtime ? 'moved' : 'yield'; break;
      case 'running': outcome = 'preempted'; break;
      default: {
        const never: never = t.state;
        throw new Error(String(never));
      }
    }
    const pollUs = (t.steps - th.pollStartSteps) * this.statementUs;
    if (pollUs > t.maxPollUs) t.maxPollUs = pollUs;
    t.pollHist = record(t.pollHist, pollUs);
    if (th.kind === 'worker') th.metrics.pollHist = record(th.metrics.pollHist, pollUs);
    this.event({ kind: 'poll-end', task: t.id, thread: th.id, outcome, statements: t.steps - th.pollStartSteps });
    this.sampleCounters();
    if (th.kind === 'worker') {
      th.current = -1;
    } else if (th.kind === 'blocking') {
      if (t.done) {
        th.current = -1;
        th.idleSinceUs = this.s.us;
      }
    } else if (t.done || t.runtime !== th.runtime) {
      th.current = -1; // the block_on thread keeps its task while it waits
    }
    if (t.aborted && !t.done && (t.state === 'blocked' || t.state === 'scheduled')) {
      this.abandonWait(t);
      this.finish(t, 'cancelled', undefined, null, 'cancelled');
    }
  }

  /**
   * Looks at the wait-for graph (waits.ts) after tasks blocked on tasks or channels: tasks blocked forever are reported
   * once (a `deadlock` event and `waitReports`), as a cycle when they wait on each other. When the main task is among
   * them the program can never end: the run stops with a deadlock failure, even if other tasks and timers go on.
   */
  protected checkWaits(): void {
    const s = this.s;
    s.waits.dirty = false;
    const a = analyzeWaits(s, this.program.globals);
    const fresh = a.complete ? a.dead.filter(id => !s.reportedDead.includes(id)) : [];
    // Nothing new: look less often (a busy program blocks all the time); found something: look again soon.
    s.waits.interval = fresh.length === 0 ? Math.min(s.waits.interval * 2, MAX_WAIT_INTERVAL) : 1;
    s.waits.wait = s.waits.interval;
    if (fresh.length === 0) return;
    s.reportedDead.push(...fresh);
    const cycle = a.cycle.length > 0 ? cycleLine(s, a.cycle) : '';
    // The cycle's waits say who holds what they wait on.
    const blocked = this.blockedList(a.dead).map(b => {
      const i = a.cycle.indexOf(b.task);
      return i >= 0 ? { ...b, waitsOn: a.cycleText[i]! } : b;
    });
    if (a.dead.includes(s.mainTask)) {
      const list = blocked.map(b => `task #${b.task} (${b.name}) waits on ${b.waitsOn}`).join('; ');
      const message = cycle
        ? `deadlock: tasks wait on each other (${cycle}), and the main task can never go on: ${list}`
        : `deadlock: the main task can never go on (nothing that can run will release it): ${list}`;
      // Kept among the reports; told as the run's failure (not as an event too).
      s.waitReports.push({ kind: a.cycle.length > 0 ? 'cycle' : 'blocked', tasks: a.cycle.length > 0 ? [...a.cycle] : [...a.dead], message, us: this.nowUs(), step: s.steps });
      this.stopRun('deadlock', message, blocked, a.cycle);
      return;
    }
    const others = blocked.filter(b => !a.cycle.includes(b.task)).map(b => `task #${b.task} (${b.name}) waits on ${b.waitsOn}`);
    if (cycle) {
      const waits = blocked.filter(b => a.cycle.includes(b.task)).map(b => `task #${b.task} (${b.name}) waits on ${b.waitsOn}`);
      this.report('cycle', a.cycle, `deadlock: tasks wait on each other (${cycle}): ${waits.join('; ')}${others.length > 0 ? `; also blocked forever: ${others.join('; ')}` : ''}`);
    } else {
      this.report('blocked', fresh, `blocked forever (no task that can run will release them): ${blocked.filter(b => fresh.includes(b.task)).map(b => `task #${b.task} (${b.name}) waits on ${b.waitsOn}`).join('; ')}`);
    }
  }

  /**
   * The virtual-time watchdog: the clock is about to jump to `nextMs` while, since the last progress that was not a
   * timer's, it has moved `watchdogMs` or more and some task still waits on a task or a channel. Reported once per
   * such stretch (the program may be right to wait: the report says what waits, the run goes on).
   */
  protected watchdog(nextMs: number): void {
    const s = this.s;
    const limitUs = (this.options.watchdogMs ?? 60_000) * 1000;
    const since = s.waits.progressUs;
    if (nextMs * 1000 - since < limitUs || s.waits.watchdogFrom === since) return;
    const stuck = s.tasks.filter((t): t is Task => !!t && !t.done && t.state === 'blocked' && !!t.wait && waitsOnOthers(t));
    if (stuck.length === 0) return;
    s.waits.watchdogFrom = since;
    const list = this.blockedList(stuck.map(t => t.id)).map(b => `task #${b.task} (${b.name}) waits on ${b.waitsOn}`).join('; ');
    const secs = (nextMs * 1000 - since) / 1e6;
    this.report('no-progress', stuck.map(t => t.id),
      `no progress: for ${secs.toFixed(3)} s of virtual time only timers have woken tasks, while ${list}`);
  }

  protected report(kind: WaitReport['kind'], tasks: readonly number[], message: string): void {
    const report: WaitReport = { kind, tasks: [...tasks], message, us: this.nowUs(), step: this.s.steps };
    this.s.waitReports.push(report);
    this.event({ kind: 'deadlock', report });
  }

  /** Fires every timer past its deadline now, from outside the workers (a held run), what was due before included. */
  protected fireTimers(): void {
    const s = this.s;
    const fired: TimerEntry<TimerPayload>[] = [];
    for (const rt of s.runtimes) fired.push(...(rt.due.splice(0) as TimerEntry<TimerPayload>[]));
    fired.push(...this.pollWheel());
    this.firingTimers = true;
    try {
      for (const e of fired) this.fireTimer(e);
    } finally {
      this.firingTimers = false;
    }
  }

  /**
   * At a round's start: the timers past their deadline become due on their task's runtime, for a worker to process
   * (Tokio's time driver, driven by the worker that parks on it, or at a maintenance). A parked worker holding the driver
   * wakes now and processes them. A thread blocked in `thread_sleep` wakes now (the OS wakes it), and so does a
   * connection arriving (the simulated listener), as does a timer of a closed runtime.
   */
  protected expireTimers(): void {
    const s = this.s;
    const fired = this.pollWheel();
    if (fired.length === 0) return;
    const now: TimerEntry<TimerPayload>[] = [];
    for (const e of fired) {
      const owner = timerTask(e.payload);
      const t = owner >= 0 ? s.tasks[owner] : undefined;
      const rt = t ? s.runtimes[t.runtime] : undefined;
      if (!rt || rt.closed) now.push(e);
      else rt.due.push(e);
    }
    if (now.length > 0) {
      this.firingTimers = true;
      try {
        for (const e of now) this.fireTimer(e);
      } finally {
        this.firingTimers = false;
      }
    }
    for (const rt of s.runtimes) {
      if (rt.closed || rt.due.length === 0) continue;
      let holder = rt.driver;
      // Every worker parked and none on the driver (woken all at once, or by the debugger): the last to park takes it.
      if (holder === -1 && rt.sleepers.length === rt.workers.length) holder = rt.sleepers[rt.sleepers.length - 1]!;
      if (holder === -1) continue; // no worker parks on the driver: the next to park or run its maintenance processes them
      const w = s.threads[holder] as WorkerState;
      rt.sleepers.splice(rt.sleepers.indexOf(w.id), 1);
      if (w.searching) {
        w.searching = false;
        rt.numSearching--;
      }
      unparkWorker(this, rt, w);
      w.loopTop = true;
      this.processTimers(rt, w);
      if (shouldNotifyOthers(w)) notifyParked(this, rt);
      // Woken by the driver and nothing for it (a wake of the block_on task): it parks again, on the driver.
      if (!hasLocalWork(w)) park(this, rt, w);
    }
  }

  /** The timers past their deadline, taken off the wheel, those of one deadline in the chooser's order. */
  private pollWheel(): TimerEntry<TimerPayload>[] {
    const s = this.s;
    const fired = s.wheel.poll(Math.floor(s.us / 1000));
    // Timers of one deadline fire in the wheel's order; a chooser may order them otherwise (`timer`).
    for (let i = 0; i < fired.length;) {
      let j = i + 1;
      while (j < fired.length && fired[j]!.deadline === fired[i]!.deadline) j++;
      for (let k = i; k + 1 < j; k++) {
        const c = this.chooser.pick('timer', fired.slice(k, j).map(e => timerOwner(e.payload)), s.choices);
        if (c > 0) fired.splice(k, 0, ...fired.splice(k + c, 1));
      }
      i = j;
    }
    return fired;
  }

  /** One timer fires: it wakes its task (with `driving` set, into that worker's local queues), or its thread. */
  private fireTimer(e: TimerEntry<TimerPayload>): void {
    const s = this.s;
    {
      const p = e.payload;
      if (typeof p === 'number') {
        this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: p, purpose: 'sleep' });
        const t = s.tasks[p];
        if (t && t.waitTimer === e) {
          t.waitTimer = null;
          this.wake(t, undefined);
        }
        return;
      }
      switch (p.kind) {
        case 'timeout': {
          this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: p.task, purpose: 'timeout' });
          const t = s.tasks[p.task];
          if (t && t.waitTimer === e) {
            t.waitTimer = null;
            this.wake(t, new StructVal(this.err, ['timeout']));
            const child = s.tasks[p.child];
            if (child && !child.done) this.abort(child, 'timed out');
          }
          break;
        }
        case 'cancel-token': {
          this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: p.owner, purpose: 'cancel-token' });
          touch(p.token);
          p.token.cancelled = true;
          // The task running the block, waiting inside it, stops at once (a suspension is a cancellation point).
          const t = s.tasks[p.owner];
          if (t && t.state === 'blocked' && !t.aborted && this.deadlineBlock(t)) {
            this.wakeWithFailure(t, this.failureFor(t, 'cancelled', DEADLINE_PASSED));
          }
          break;
        }
        case 'thread-wake': {
          this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: p.task, purpose: 'thread-sleep' });
          const th = s.threads[p.thread]!;
          th.blockedUntilUs = -1;
          break;
        }
        case 'connection': {
          this.event({ kind: 'timer-fire', timer: e.id, deadline: e.deadline, owner: 0, purpose: 'connection' });
          s.connectionPending = false;
          this.deliverConnection(p.conn);
          break;
        }
        default: {
          const never: never = p;
          throw new Error(String(never));
        }
      }
    }
  }

  protected closeIdleBlockingThreads(): void {
    const s = this.s;
    for (const rt of s.runtimes) {
      for (const id of rt.blockingThreads) {
        const b = s.threads[id] as BlockingThreadState;
        if (!b.closed && b.current === -1 && rt.blockingQueue.length === 0 && s.us - b.idleSinceUs >= BLOCKING_KEEP_ALIVE_MS * 1000) {
          b.closed = true;
        }
      }
    }
  }

  /** Called by the VM before each statement while a stop condition is armed; true stops the task there. */
  shouldStop(t: Task, stmt: number, depth: number): boolean {
    const c = this.stop;
    if (!c) return false;
    if (c.resumeFrom && c.resumeFrom.task === t.id && c.resumeFrom.stmt === stmt && this.stopSkip >= 0) {
      // Resuming from this breakpoint: pass it once.
      this.stop = { ...c, resumeFrom: undefined };
      return this.stepStop(t, stmt, depth, false);
    }
    return this.stepStop(t, stmt, depth, c.breakpoints.has(stmt));
  }

  protected stepStop(t: Task, stmt: number, depth: number, breakpoint: boolean): boolean {
    const c = this.stop!;
    if (c.task !== undefined && (c.task === -1 || c.task === t.id) && (c.maxDepth === undefined || depth <= c.maxDepth)) {
      if (this.stopSkip > 0) {
        this.stopSkip--;
      } else {
        this.stopHit = { kind: 'stop', task: t.id, stmt, cause: 'step' };
        return true;
      }
    }
    if (breakpoint) {
      this.stopHit = { kind: 'stop', task: t.id, stmt, cause: 'breakpoint' };
      return true;
    }
    return false;
  }
}

/** The task whose runtime's driver processes a timer; -1 for those that fire at once (a thread's sleep, a connection). */
function timerTask(p: TimerPayload): number {
  if (typeof p === 'number') return p;
  switch (p.kind) {
    case 'timeout': return p.task;
    case 'cancel-token': return p.owner;
    case 'thread-wake': return -1;
    case 'connection': return -1;
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** The task a timer wakes (or belongs to), for choosers that rank tasks. */
function timerOwner(p: TimerPayload): number {
  if (typeof p === 'number') return p;
  switch (p.kind) {
    case 'timeout': return p.task;
    case 'cancel-token': return p.owner;
    case 'thread-wake': return p.task;
    case 'connection': return -1;
    default: {
      const never: never = p;
      return never;
    }
  }
}
