// Tests in Aria: finding `@test` functions, a program whose main task calls one, and one run of a compiled program.
import type * as A from '../analysis/syntax/ast.js';
import { FnProto, Op } from './bytecode.js';
import type { Program } from './compiler.js';
import { Machine, type MachineOptions } from './machine.js';
import type { WaitReport } from './events.js';
import type { Failure } from './task.js';
import { Closure } from './values.js';

/** A function marked `@test` in a module. */
export interface TestFunction {
  readonly name: string;
  /** The span of its name (where a report points). */
  readonly span: A.Span;
  /** Why it cannot run as a test (it takes parameters), or undefined. */
  readonly problem?: string;
}

/** The `@test` functions of a module, in source order. */
export function testFunctions(module: A.Module): TestFunction[] {
  const out: TestFunction[] = [];
  for (const item of module.items) {
    if (item.kind !== 'Fn' || !item.annotations.some(a => a.name.name === 'test')) continue;
    const required = item.params.filter(p => p.default === undefined).length;
    out.push({
      name: item.name.name, span: item.name.span,
      problem: required > 0 ? `a @test function takes no arguments, and ${item.name.name} requires ${required}` : undefined,
    });
  }
  return out;
}

/**
 * The program with a main task that calls the entry module's function `name` instead of running the top-level
 * statements. The compiled code is shared, not copied: one compilation serves every test and every schedule.
 */
export function programForTest(program: Program, name: string): Program | undefined {
  const module = program.main.module;
  const g = program.globals.findIndex(v => v instanceof Closure && v.proto.kind === 'fn' && v.proto.name === name && v.proto.module === module);
  if (g < 0) return undefined;
  const fn = (program.globals[g] as Closure).proto;
  // An 'entry' prototype (a trampoline, as a task's entry is): failure stacks and the debugger show the test's frames only.
  const main = new FnProto('<test>', 'entry', module, fn.span, [], 0, [], [], Int32Array.from([Op.CallGlobal, g, 0, Op.Return]), [],
    Int32Array.from([fn.span.start, -1, -1, -1]), Int32Array.from([fn.span.end, -1, -1, -1]));
  return { ...program, main };
}

/** What one run of a compiled program did. */
export interface RunOutcome {
  readonly output: string;
  /** The run's failure (the main task's, a deadlock, the step limit), if any. */
  readonly failure?: Failure;
  /** Tasks that failed and that nobody awaited. */
  readonly taskFailures: readonly Failure[];
  /** Deadlock cycles, waits nothing can complete and stalls found while the run went on (runtime/waits.ts). */
  readonly waitReports: readonly WaitReport[];
  readonly steps: number;
  readonly virtualMs: number;
  /** The machine at the end (its state, for reports); absent when the outcome came from another thread. */
  readonly machine?: Machine;
}

/** Runs a compiled program to its end with `options`, collecting its output; nothing is parsed or compiled again. */
export function runCompiled(program: Program, options: MachineOptions = {}): RunOutcome {
  let output = '';
  const machine = new Machine(program, { write: text => { output += text; } }, options);
  machine.run();
  const s = machine.s;
  return {
    output,
    failure: s.failure ?? undefined,
    taskFailures: s.unobserved.map(id => s.tasks[id]!.failure!).filter(Boolean),
    waitReports: [...s.waitReports],
    steps: s.steps,
    virtualMs: s.us / 1000,
    machine,
  };
}
