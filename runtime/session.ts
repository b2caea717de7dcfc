// The stepping API a debugger drives: breakpoints by line, run and step (in, over, out, back), stacks with locals, evaluate.
import { lowerModule } from '../analysis/syntax/lower.js';
import { parse } from '../grammar/parser.js';
import { TimeTravel, type TimeTravelOptions } from './checkpoint.js';
import type { Program } from './compiler.js';
import { Machine, type Host, type MachineOptions, type StopCondition, type StopReason } from './machine.js';
import { snapshot, type MachineSnapshot } from './snapshot.js';
import { frameLocals, isAtStatement, type AriaFrame, type Frame, type Task } from './task.js';
import { Closure, show, type Value } from './values.js';

export interface SessionOptions extends MachineOptions {
  readonly timeTravel?: TimeTravelOptions;
}

export interface LocalView {
  readonly name: string;
  /** The value as Aria prints it inside a list (strings quoted). */
  readonly text: string;
  readonly value: Value;
}

export interface FrameView extends AriaFrame {
  /** Index in the task's frames, innermost 0. */
  readonly index: number;
  readonly locals: readonly LocalView[];
}

export type EvalResult =
  | { readonly ok: true; readonly value: Value; readonly text: string; readonly output: string }
  | { readonly ok: false; readonly error: string; readonly output: string };

/**
 * A debuggable run. Every command returns when the machine stops (a breakpoint, the end of a step, the
 * end of the program); a front end that must stay responsive calls `run` with step budgets instead.
 */
export class Session {
  readonly machine: Machine;
  readonly travel: TimeTravel;
  private readonly breakpoints = new Set<number>();

  constructor(readonly program: Program, host: Host, options: SessionOptions = {}) {
    this.machine = new Machine(program, host, options);
    this.travel = new TimeTravel(this.machine, options.timeTravel);
  }

  /** Sets the breakpoints of a module by line (1-based); returns, per line, the line of the statement it binds to. */
  setBreakpoints(module: string, lines: readonly number[]): { readonly line: number; readonly verified: boolean; readonly boundLine?: number }[] {
    for (const id of [...this.breakpoints]) if (this.program.stmts[id]!.module === module) this.breakpoints.delete(id);
    return lines.map(line => {
      // A line without a statement binds to the next line that has one.
      let best: number | undefined;
      this.program.stmts.forEach((st, id) => {
        if (st.module !== module || st.line + 1 < line) return;
        if (best === undefined || st.line < this.program.stmts[best]!.line) best = id;
      });
      if (best === undefined) return { line, verified: false };
      const boundLine = this.program.stmts[best]!.line + 1;
      this.program.stmts.forEach((st, id) => {
        if (st.module === module && st.line + 1 === boundLine) this.breakpoints.add(id);
      });
      return { line, verified: true, boundLine };
    });
  }

  /** Runs until a breakpoint, the end, or `maxSteps` more statements. */
  continue(maxSteps = Infinity): StopReason {
    return this.drive({ breakpoints: this.breakpoints, resumeFrom: this.resumePoint() }, maxSteps);
  }

  /**
   * Runs until the next statement of `task` (-1: of any task), stopping only in frames at most as deep as
   * the current one (`over`), shallower (`out`) or anywhere (`in`). Other tasks run meanwhile, unless
   * `hold` keeps them where they are (then `stuck` means the task cannot go on alone).
   */
  step(task: number, kind: 'in' | 'over' | 'out' = 'in', options: { readonly hold?: boolean; readonly maxSteps?: number } = {}): StopReason {
    const t = task >= 0 ? this.machine.s.tasks[task] : undefined;
    const depth = t ? t.frames.length : 0;
    const maxDepth = kind === 'in' || !t ? undefined : kind === 'over' ? depth : depth - 1;
    const atStatement = t ? isAtStatement(t) : false;
    const stop = { breakpoints: this.breakpoints, task, maxDepth, skip: atStatement && kind !== 'out' ? 1 : 0, resumeFrom: this.resumePoint() };
    if (!options.hold || !t) return this.drive(stop, options.maxSteps ?? Infinity);
    this.travel.beginHold(task);
    try {
      return this.drive(stop, options.maxSteps ?? Infinity);
    } finally {
      this.travel.endHold();
    }
  }

  /** Goes back `n` statements (of any task), as the run was. */
  stepBack(n = 1): void {
    this.travel.stepBack(n);
  }

  /**
   * Goes back to just before the latest statement `task` began (its previous step), replaying from the
   * nearest checkpoint with the other tasks as they ran. False if the task began no statement before now.
   */
  stepBackInTask(task: number): boolean {
    const m = this.machine;
    const now = m.s.steps;
    let to = now;
    while (to > 0) {
      const from = this.travel.checkpointBefore(to - 1);
      this.travel.seek(from);
      let found = -1;
      while (m.s.steps < to) {
        m.run(1);
        if (m.s.lastTask === task) found = m.s.steps;
      }
      if (found > 0) {
        this.travel.seek(found - 1);
        return true;
      }
      to = from;
    }
    this.travel.seek(now);
    return false;
  }

  snapshot(): MachineSnapshot {
    return snapshot(this.machine);
  }

  /** The Aria stack of a task, innermost first, with each frame's locals. */
  stackTrace(task: number): FrameView[] {
    const t = this.machine.s.tasks[task];
    if (!t) return [];
    if (t.done) return (t.failure?.stack ?? []).map((f, index) => ({ ...f, index, locals: [] }));
    const frames = this.machine.stackOf(t);
    const real = t.frames.filter(f => f.proto.kind !== 'entry').reverse();
    return frames.map((f, index) => ({ ...f, index, locals: localsOf(t, real[index]!) }));
  }

  /**
   * Evaluates an expression in a frame of a task (innermost 0), on a copy of the machine: whatever it does
   * (print, spawn, mutate a list) stays in the copy, so the run itself is unchanged.
   */
  async evaluate(text: string, task: number, frame = 0, maxSteps = 100_000): Promise<EvalResult> {
    const tree = await parse(text);
    const ast = lowerModule(tree, text, '<eval>');
    tree.delete();
    if (ast.syntaxErrors.length > 0) return { ok: false, error: ast.syntaxErrors[0]!.message, output: '' };
    const stmt = ast.statements[0];
    if (ast.statements.length !== 1 || ast.items.length > 0 || stmt?.kind !== 'ExprStmt') {
      return { ok: false, error: 'evaluate takes one expression', output: '' };
    }
    const t = this.machine.s.tasks[task];
    const f = t ? t.frames.filter(x => x.proto.kind !== 'entry').reverse()[frame] : undefined;
    const locals = t && f ? localsOf(t, f) : [];
    const proto = this.program.compileExpression(f?.proto.module ?? this.program.main.module, locals.map(l => l.name), stmt.expr, text);
    // Only what the expression's own task (and tasks it spawns) prints is its output.
    let output = '';
    const scratch = new Machine(this.program, { write: () => {} }, this.machine.options);
    scratch.restore(this.machine.s);
    const mine = new Set<number>();
    scratch.listener = e => {
      if (e.kind === 'spawn' && (mine.size === 0 || mine.has(e.parent))) mine.add(e.task);
      else if (e.kind === 'output' && mine.has(e.task)) output += e.text;
    };
    const r = scratch.runAsMain(task, new Closure(proto, []), locals.map(l => l.value), f?.handlers ?? null, maxSteps);
    const main = scratch.s.tasks[scratch.s.mainTask]!;
    if (main.state === 'completed') return { ok: true, value: main.result, text: show(main.result, true), output };
    if (r.kind === 'steps') return { ok: false, error: `the expression did not finish within ${maxSteps} steps`, output };
    return { ok: false, error: scratch.s.failure?.message ?? main.failure?.message ?? 'the expression did not finish', output };
  }

  private drive(stop: StopCondition, maxSteps: number): StopReason {
    const r = this.travel.run(maxSteps, { stop });
    this.stoppedAt = r.kind === 'stop' ? { task: r.task, stmt: r.stmt, step: this.machine.s.steps } : undefined;
    return r;
  }

  /** Where the last command stopped (a task before a statement), while the machine has not moved since. */
  private stoppedAt: { task: number; stmt: number; step: number } | undefined;

  /** When paused at a breakpoint, resuming passes it once. */
  private resumePoint(): { task: number; stmt: number } | undefined {
    const at = this.stoppedAt;
    if (!at || at.step !== this.machine.s.steps) return undefined;
    return { task: at.task, stmt: at.stmt };
  }
}

/** The named locals of a frame that hold a value, as Aria prints them. */
function localsOf(t: Task, f: Frame): LocalView[] {
  return frameLocals(f, t.stack).map(l => ({ ...l, text: show(l.value, true) }));
}
