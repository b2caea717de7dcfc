// The runtime's entry points: load and compile a program, run it (the CLI's `aria run`), and the stepping API.
import type * as A from '../analysis/syntax/ast.js';
import { LineIndex } from '../analysis/line-index.js';
import { lowerModule } from '../analysis/syntax/lower.js';
import { parse } from '../grammar/parser.js';
import { Compiler, type Program } from './compiler.js';
import type { EventListener, Flavor, RuntimeEvent, WaitReport } from './events.js';
import { FAILURE_OUTER_FRAMES, Machine, type Host, type MachineOptions } from './machine.js';
import type { RuntimeLimits } from './limits.js';
import { PRELUDE_SOURCE } from './natives.js';
import { collectStats, formatStats, type RunStats } from './stats.js';
import type { Failure } from './task.js';
import { toChromeTrace, type ChromeTrace } from './trace.js';
import { programForTest } from './testing.js';
import { programHash } from './replay-file.js';

export { FAILURE_OUTER_FRAMES, Machine, type Host, type MachineOptions, type RunControl, type StopReason, type StopCondition } from './machine.js';
export { Session, type SessionOptions, type FrameView, type LocalView, type EvalResult } from './session.js';
export { TimeTravel, type TimeTravelOptions, type Checkpoint } from './checkpoint.js';

export type { RuntimeEvent, EventListener, Flavor, WaitReport } from './events.js';
export { describeWait, frameLocals, isAtStatement } from './task.js';
export type { Failure, FailureKind, AriaFrame, Frame, Task, TaskState, WaitReason } from './task.js';
export { firstStatement, type FnProto } from './bytecode.js';
export {
  Cell, ChannelVal, Closure, ConnVal, FloatVal, HandlerVal, ModuleVal, ScopeVal, StructVal, TaskVal, TokenVal,
  equals, numberOf, show, typeName, type Value,
} from './values.js';
export { PRELUDE_SOURCE } from './natives.js';
export type { Program } from './compiler.js';
export { toChromeTrace, type ChromeTrace, type TraceEvent } from './trace.js';
export { DEFAULT_LIMITS, limitsWith, type RuntimeLimits } from './limits.js';
export { DEFAULT_SEED, MAX_SEED } from './prng.js';
export { collectStats, formatStats, type RunStats } from './stats.js';
export * from './snapshot.js';
export { programForTest, runCompiled, testFunctions, type RunOutcome, type TestFunction } from './testing.js';
export {
  CHOICE_KINDS, DEFAULT_CHOOSER, DfsChooser, ExploringChooser, PctChooser, RandomChooser, ReplayChooser, type Choice, type ChoiceKind,
  type Chooser,
} from './chooser.js';
export {
  DEFAULT_PCT_DEPTH, STRATEGIES, explore, mergeJobs, newSharedJobsBuffer, replaySchedule, sharedJobs, shrinkChoices, shrinkSchedule,
  soloJobs, verdictOf, type ExploreJobs, type ExploreOptions, type ExploreResult, type FailedSchedule, type Strategy, type Verdict,
} from './explore.js';
export { REPLAY_FORMAT, REPLAY_VERSION, formatReplayFile, parseReplayFile, programHash, type ReplayFile } from './replay-file.js';

/** A problem that stops a program from running (a syntax error, an effect error from the checker). */
export interface Diagnostic {
  readonly severity: 'error' | 'warning' | 'info' | 'hint';
  readonly message: string;
  readonly file?: string;
  readonly span?: A.Span;
  readonly code?: string;
}

/** The parsed modules of a program, by path: what a checker gets. */
export interface LoadedProgram {
  readonly entry: string;
  readonly modules: ReadonlyMap<string, { readonly ast: A.Module; readonly text: string }>;
}

export type Checker = (program: LoadedProgram) => readonly Diagnostic[];

export interface LoadOptions {
  /** The entry file's path (for messages and for resolving imports); default `main.aria`. */
  readonly path?: string;
  /** Reads an imported module by path (`import lib.geometry` from `dir/main.aria` asks for `dir/lib/geometry.aria`). */
  readonly readModule?: (path: string) => string | undefined;
  /** Module texts by path, consulted before `readModule`. */
  readonly files?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /**
   * An AST already made for a module's text (by a checker that read the same files), used instead of parsing the
   * text again; its `path` is replaced by the loader's. Undefined: the loader parses and lowers the text itself.
   */
  readonly lowered?: (path: string, text: string) => A.Module | undefined;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

/** `import a.b` from the module at `from`: `<root>/a/b.aria` (root: the entry file's directory), else `a/b.aria` beside `from`. */
function importCandidates(root: string, from: string, segments: readonly string[]): string[] {
  const rel = `${segments.join('/')}.aria`;
  const beside = `${dirOf(from)}${rel}`;
  return beside === `${root}${rel}` ? [`${root}${rel}`] : [`${root}${rel}`, beside];
}

/** Parses the entry module and everything it imports (transitively). */
export async function loadProgram(source: string, options: LoadOptions = {}): Promise<{ program: LoadedProgram; diagnostics: Diagnostic[] }> {
  const entry = options.path ?? 'main.aria';
  const root = dirOf(entry);
  const files = options.files instanceof Map ? options.files : new Map(Object.entries(options.files ?? {}));
  const modules = new Map<string, { ast: A.Module; text: string }>();
  const diagnostics: Diagnostic[] = [];
  const pending: { path: string; text: string }[] = [{ path: entry, text: source }];
  while (pending.length > 0) {
    const { path, text } = pending.shift()!;
    if (modules.has(path)) continue;
    const made = options.lowered?.(path, text);
    let ast: A.Module;
    if (made) {
      ast = { ...made, path };
    } else {
      const tree = await parse(text);
      ast = lowerModule(tree, text, path);
      tree.delete();
    }
    modules.set(path, { ast, text });
    for (const e of ast.syntaxErrors) diagnostics.push({ severity: 'error', message: e.message, file: path, span: e.span });
    for (const item of ast.items) {
      if (item.kind !== 'Import') continue;
      const candidates = importCandidates(root, path, item.path.map(p => p.name));
      if (candidates.some(c => modules.has(c) || pending.some(p => p.path === c))) continue;
      let found = false;
      for (const target of candidates) {
        const body = files.get(target) ?? options.readModule?.(target);
        if (body === undefined) continue;
        pending.push({ path: target, text: body });
        found = true;
        break;
      }
      if (!found) {
        diagnostics.push({ severity: 'error', message: `cannot find module ${item.path.map(p => p.name).join('.')} (${candidates.join(' or ')})`, file: path, span: item.span });
      }
    }
  }
  return { program: { entry, modules }, diagnostics };
}

let preludeModule: Promise<{ readonly ast: A.Module; readonly text: string }> | undefined;

/** The prelude's AST, lowered once per process (its source never changes, and the AST is not modified). */
function prelude(): Promise<{ readonly ast: A.Module; readonly text: string }> {
  preludeModule ??= (async () => {
    const tree = await parse(PRELUDE_SOURCE);
    try {
      return { ast: lowerModule(tree, PRELUDE_SOURCE, '<prelude>'), text: PRELUDE_SOURCE };
    } finally {
      tree.delete();
    }
  })();
  return preludeModule;
}

/** Compiles a loaded program together with the prelude. */
export async function compileProgram(loaded: LoadedProgram): Promise<Program> {
  const root = dirOf(loaded.entry);
  return new Compiler().compile(loaded.entry, loaded.modules,
    (from, segments) => importCandidates(root, from, segments).find(c => loaded.modules.has(c)), await prelude());
}

export interface RunOptions extends LoadOptions {
  readonly workers?: number;
  /** The scheduler's seed, a whole number from 0 to 2^32 - 1 (default `DEFAULT_SEED`, 1). */
  readonly seed?: number;
  readonly flavor?: Flavor;
  readonly stepLimit?: number;
  /** Fail the run after this many milliseconds of wall time (measured with `clock`), checked every 10,000 statements. */
  readonly timeoutMs?: number;
  /** Milliseconds for `timeoutMs` (default performance.now); tests inject their own. */
  readonly clock?: () => number;
  /** List, string and heap limits (runtime/limits.ts; a field left out keeps its default). */
  readonly limits?: Partial<RuntimeLimits>;
  /** Collect the event stream (for `--trace`); the result then holds `events` and `trace`. */
  readonly trace?: boolean;
  /** Compute the per-worker and per-task summary (for `--stats`). */
  readonly stats?: boolean;
  /** Host I/O; output is also collected into the result. */
  readonly host?: Partial<Host>;
  /** The effect checker's seam: a program with an error diagnostic does not run. */
  readonly check?: Checker;
  /** Receives every event as it happens. */
  readonly onEvent?: EventListener;
  /** Told at once of each deadlock cycle, wait nothing can complete, or watchdog report (runtime/waits.ts) while the run goes on. */
  readonly onWaitReport?: (report: WaitReport) => void;
  readonly machine?: Omit<MachineOptions, 'workers' | 'seed' | 'flavor' | 'stepLimit'>;
  /** Run this `@test` function of the entry module as the main task instead of the top-level statements. */
  readonly test?: string;
}

export interface RunResult {
  /**
   * What the program printed: all of it when no `host.write` was given; with one, the output went there as it was
   * printed and this holds only its last OUTPUT_TAIL characters (4M lines kept whole took 692 MB).
   */
  readonly output: string;
  /** 0 on success; 1 when the program failed, a task failed unobserved, or it did not compile. */
  readonly exitCode: number;
  readonly failure?: Failure;
  /** The failure as text: message, Aria stack with file:line:column, causes. */
  readonly failureText?: string;
  /** Failures of tasks nobody awaited (each also in `failureText`). */
  readonly taskFailures: readonly Failure[];
  readonly diagnostics: readonly Diagnostic[];
  readonly events?: readonly RuntimeEvent[];
  readonly trace?: ChromeTrace;
  readonly stats?: RunStats;
  readonly statsText?: string;
  readonly steps: number;
  /** Deadlock cycles, waits nothing could complete and watchdog reports found during the run, in order. */
  readonly waitReports: readonly WaitReport[];
  /** Virtual time at the end, in milliseconds. */
  readonly virtualMs: number;
  /** The hash of the program's module texts (`programHash`), as a replay file keeps it. */
  readonly programHash?: string;
}

/** Characters of output a run that streams its output keeps (RunResult.output). */
export const OUTPUT_TAIL = 64 * 1024;
/** Statements between two looks at the clock of a run with a timeout. */
const TIMEOUT_SLICE = 10_000;

/** Runs a program to the end: what `aria run` does. */
export async function runProgram(source: string, options: RunOptions = {}): Promise<RunResult> {
  const { program: loaded, diagnostics } = await loadProgram(source, options);
  const all: Diagnostic[] = [...diagnostics];
  if (options.check) all.push(...options.check(loaded));
  if (all.some(d => d.severity === 'error')) {
    return { output: '', exitCode: 1, diagnostics: all, taskFailures: [], steps: 0, waitReports: [], virtualMs: 0, failureText: formatDiagnostics(all, loaded) };
  }
  const compiled = await compileProgram(loaded);
  const hash = programHash([...loaded.modules.values()].map(m => m.text));
  const program = options.test === undefined ? compiled : programForTest(compiled, options.test);
  if (!program) {
    return {
      output: '', exitCode: 1, diagnostics: all, taskFailures: [], steps: 0, waitReports: [], virtualMs: 0, programHash: hash,
      failureText: `error: ${loaded.entry} has no function ${options.test} to run as a test`,
    };
  }
  let output = '';
  const streamed = options.host?.write;
  const host: Host = {
    ...options.host,
    write: streamed
      ? text => {
        streamed(text);
        output = output.length + text.length <= 2 * OUTPUT_TAIL ? output + text : (output + text).slice(-OUTPUT_TAIL);
      }
      : text => {
        output += text;
      },
  };
  const events: RuntimeEvent[] | undefined = options.trace || options.stats ? [] : undefined;
  const listener = events || options.onEvent || options.onWaitReport
    ? (e: RuntimeEvent) => {
      events?.push(e);
      options.onEvent?.(e);
      if (e.kind === 'deadlock') options.onWaitReport?.(e.report);
    }
    : undefined;
  const machine = new Machine(program, host, {
    ...options.machine, workers: options.workers, seed: options.seed, flavor: options.flavor, stepLimit: options.stepLimit,
    limits: options.limits ?? options.machine?.limits, listener,
  });
  if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
    const clock = options.clock ?? (() => performance.now());
    const deadline = clock() + options.timeoutMs;
    while (machine.run(TIMEOUT_SLICE).kind === 'steps') {
      if (clock() >= deadline) {
        machine.timeOut(`the time limit of ${options.timeoutMs} ms was reached (aria run --timeout)`);
        break;
      }
    }
  } else {
    machine.run();
  }
  if (streamed && output.length > OUTPUT_TAIL) output = output.slice(-OUTPUT_TAIL);
  const s = machine.s;
  const taskFailures = s.unobserved.map(id => s.tasks[id]!.failure!).filter(Boolean);
  const failure = s.failure ?? undefined;
  const texts: string[] = [];
  if (failure) texts.push(formatFailure(failure, program));
  for (const f of taskFailures) texts.push(formatFailure(f, program, 'a task failed and nobody awaited it'));
  const stats = options.stats ? collectStats(machine, events ?? []) : undefined;
  return {
    output,
    exitCode: failure || taskFailures.length > 0 ? 1 : 0,
    failure,
    failureText: texts.length > 0 ? texts.join('\n') : undefined,
    taskFailures,
    diagnostics: all,
    events: options.trace ? events : undefined,
    trace: options.trace && events ? toChromeTrace(events, machine) : undefined,
    stats,
    statsText: stats ? formatStats(stats) : undefined,
    steps: s.steps,
    waitReports: [...s.waitReports],
    virtualMs: s.us / 1000,
    programHash: hash,
  };
}

function sameFrame(a: { fn: string; module: string; line: number; column: number }, b: typeof a): boolean {
  return a.fn === b.fn && a.module === b.module && a.line === b.line && a.column === b.column;
}

function formatDiagnostics(ds: readonly Diagnostic[], loaded: LoadedProgram): string {
  return ds.map(d => {
    const m = d.file ? loaded.modules.get(d.file) : undefined;
    if (!d.span || !m) return `${d.severity}: ${d.message}`;
    const { line, column } = new LineIndex(m.text).position(d.span.start);
    return `${d.file}:${line + 1}:${column + 1}: ${d.severity}: ${d.message}`;
  }).join('\n');
}

/**
 * A failure as a report. The headline names the root failure, the task where it happened and its message
 * (`error: task #2 (work) failed: division by zero`), then its Aria stack (innermost first); then, outwards, each
 * task it reached: `awaited by task #1 (main)` with the stack of the await, or what it made fail in another way.
 */
export function formatFailure(f: Failure, program: Program, heading?: string): string {
  const lines: string[] = [];
  if (heading) lines.push(`${heading}:`);
  const chain: Failure[] = [];
  for (let cur: Failure | undefined = f; cur; cur = cur.cause) chain.push(cur);
  const root = chain[chain.length - 1]!;
  const where = (x: Failure) => (x.task > 0 && x.taskName !== 'main' ? `task #${x.task} (${x.taskName}) failed: ` : '');
  lines.push(`error: ${where(root)}${root.message}`);
  pushStack(lines, root);
  for (let i = chain.length - 2; i >= 0; i--) {
    const outer = chain[i]!;
    const cancelled = /^awaited (task #\d+ \(.*?\)) was cancelled because/.exec(outer.message);
    lines.push(outer.kind !== 'task-failed' ? `  which made task #${outer.task} (${outer.taskName}) fail: ${outer.message}`
      : cancelled ? `  which cancelled its scope's ${cancelled[1]}, awaited by task #${outer.task} (${outer.taskName})`
        : `  awaited by task #${outer.task} (${outer.taskName})`);
    pushStack(lines, outer);
  }
  void program;
  return lines.join('\n');
}

/** A failure's Aria stack, runs of the same frame (deep recursion) printed once with a count, and blocked tasks. */
function pushStack(lines: string[], cur: Failure): void {
  const frames = cur.stack;
  for (let i = 0; i < frames.length; i++) {
    const fr = frames[i]!;
    let j = i;
    while (j + 1 < frames.length && sameFrame(frames[j + 1]!, fr)) j++;
    const repeat = j > i ? ` (and ${j - i} more like it)` : '';
    lines.push(`    at ${fr.fn} (${fr.module}:${fr.line}:${fr.column})${repeat}`);
    if (cur.elidedFrames && i < frames.length - FAILURE_OUTER_FRAMES && j >= frames.length - FAILURE_OUTER_FRAMES - 1) lines.push(`    ... ${cur.elidedFrames} frames not shown`);
    i = j;
  }
  for (const b of cur.blocked ?? []) {
    lines.push(`    task #${b.task} (${b.name}) waits on ${b.waitsOn}${b.at ? ` at ${b.at.module}:${b.at.line}:${b.at.column}` : ''}`);
  }
}
