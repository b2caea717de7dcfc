// `aria run FILE [options]`: checks a program like a compiler would, then runs it on the deterministic scheduler.
import { writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { findProject, formatProjectError } from '../analysis/project.js';
import { Workspace } from '../analysis/workspace.js';
import {
  DEFAULT_SEED, MAX_SEED, ReplayChooser, parseReplayFile, runProgram, type Flavor, type ReplayFile, type RunResult,
} from '../runtime/index.js';
import { readArgs, wholeNumber } from './args.js';
import { readText } from './check.js';
import { readSource } from './source-file.js';
import { usageError, type CliIo } from './io.js';
import { formatDiagnostics, shownPath } from './render.js';
import { makeStyle } from './style.js';

export const RUN_USAGE = `usage: aria run FILE [--workers N] [--seed S] [--flavor multi|single|wasm] [--trace out.json] [--stats]
                    [--format text|json] [--step-limit N] [--timeout T] [--max-list-length N] [--max-string-length N]
                    [--max-heap-mb N] [--no-check]
       aria run --replay REPLAY.json [FILE] [--trace out.json] [--stats]

Runs an Aria program on the deterministic work-stealing scheduler and prints what it prints.
  --workers N      worker threads of the default runtime (default: aria.toml's [runtime] workers, else 4)
  --seed S         the seed of every scheduling choice, a whole number from 0 to 4294967295: the same seed
                   replays the same run, here and in the debugger ("seed" in launch.json) (default 1)
  --flavor F       multi (work-stealing), single (one worker) or wasm (an event loop)
                   (default: aria.toml's [runtime] flavor, else multi)
  --trace FILE     write the run as Chrome Trace Event JSON (open it in Perfetto: https://ui.perfetto.dev)
  --stats          print the seed and a per-worker and per-task summary after the output, with channels and
                   lints (long polls, tasks that never yield, self-wakes, waits that nothing can complete,
                   failures nobody awaits)
  --format F       text (default) or json: with --stats, the summary as one JSON object on the last line of
                   stdout (every metric: per task busy, scheduled and idle time, wakes, histograms; per worker
                   queue depth over time; channels; lints; deadlock reports)
  --step-limit N   stop a runaway program after N statements (default: no limit)
  --timeout T      stop it after T of wall time: 500ms, 30s, 2m; a bare number is seconds (default: no limit)
  --max-list-length N    fail when a list would pass N elements (default 10000000)
  --max-string-length N  fail when a string would pass N characters (default 16777216)
  --max-heap-mb N        fail when the program's memory passes N MB (default 1024, measured)
  --no-check       run even if the effect checker reports errors
  --replay FILE    run the schedule a replay file holds (written by aria explore or aria test --explore), with
                   its runtime options; FILE, when given, is where the program is now. Says whether the program
                   changed since and whether the recorded failure came back
A program with effect errors does not run (exit 1); a program that fails exits 1 with its Aria stack.
`;

const FLAVORS: readonly Flavor[] = ['multi', 'single', 'wasm'];

/** Runs `aria run` with its arguments; resolves to the exit code. */
export async function runRun(args: string[], io: CliIo): Promise<number> {
  const parsed = readArgs(args, {
    workers: { type: 'string' },
    seed: { type: 'string' },
    flavor: { type: 'string' },
    trace: { type: 'string' },
    stats: { type: 'boolean' },
    format: { type: 'string' },
    'step-limit': { type: 'string' },
    timeout: { type: 'string' },
    'max-list-length': { type: 'string' },
    'max-string-length': { type: 'string' },
    'max-heap-mb': { type: 'string' },
    'no-check': { type: 'boolean' },
    replay: { type: 'string' },
  });
  if (parsed.kind === 'help') {
    io.stdout(RUN_USAGE);
    return 0;
  }
  const usage = (message: string) => usageError('run', message, RUN_USAGE, io);
  if (parsed.kind === 'error') return usage(parsed.message);
  const { values, positionals } = parsed;
  let replay: { file: ReplayFile; path: string; chooser: ReplayChooser } | undefined;
  if (values.replay !== undefined) {
    const fixed = (['workers', 'seed', 'flavor', 'step-limit'] as const).find(k => values[k] !== undefined);
    if (fixed) return usage(`--${fixed} cannot go with --replay: the replay file fixes the runtime's options`);
    if (positionals.length > 1) return usage('run takes one FILE (its imports are found from it)');
    const path = resolve(io.cwd, values.replay);
    const text = readText(path);
    const file = text === undefined ? `it cannot be read` : parseReplayFile(text);
    if (typeof file === 'string') {
      io.stderr(`aria run: cannot replay ${values.replay}: ${file}\n`);
      return 2;
    }
    const chooser = new ReplayChooser(file.choices);
    chooser.preempts = file.options.preempt === true;
    replay = { file, path, chooser };
    if (positionals.length === 0) positionals.push(isAbsolute(file.program) ? file.program : relative(io.cwd, resolve(dirname(path), file.program)));
  }
  if (positionals.length !== 1) return usage(positionals.length ? 'run takes one FILE (its imports are found from it)' : 'missing FILE');
  const workers = replay ? replay.file.options.workers : wholeNumber('workers', values.workers, 1, 64);
  const stepLimit = replay ? replay.file.options.stepLimit : wholeNumber('step-limit', values['step-limit'], 1, Number.MAX_SAFE_INTEGER);
  const seed = replay ? replay.file.options.seed : wholeNumber('seed', values.seed, 0, MAX_SEED) ?? DEFAULT_SEED;
  if (typeof workers === 'string') return usage(workers);
  if (typeof stepLimit === 'string') return usage(stepLimit);
  if (typeof seed === 'string') return usage(seed);
  const timeoutMs = durationMs(values.timeout);
  if (typeof timeoutMs === 'string') return usage(timeoutMs);
  const maxList = wholeNumber('max-list-length', values['max-list-length'], 1, 100_000_000);
  const maxString = wholeNumber('max-string-length', values['max-string-length'], 1, 500_000_000);
  const maxHeapMb = wholeNumber('max-heap-mb', values['max-heap-mb'], 16, 1_000_000);
  for (const v of [maxList, maxString, maxHeapMb]) if (typeof v === 'string') return usage(v);
  const flavorArg = replay ? replay.file.options.flavor : values.flavor as Flavor | undefined;
  if (flavorArg !== undefined && !FLAVORS.includes(flavorArg)) return usage(`unknown flavor \`${flavorArg}\` (multi, single or wasm)`);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(`unknown format \`${format}\` (text or json)`);
  if (values.format !== undefined && !values.stats) return usage('--format chooses how --stats is written: give --stats too');
  const style = makeStyle(io.colour?.stderr ?? false);

  const file = isAbsolute(positionals[0]!) ? positionals[0]! : resolve(io.cwd, positionals[0]!);
  if (!file.endsWith('.aria')) {
    io.stderr(`aria run: ${positionals[0]} is not an Aria file (Aria files end in .aria)\n`);
    return 2;
  }
  const read = readSource(file);
  if (!read.ok) {
    io.stderr(`aria run: cannot read ${positionals[0]}: it ${read.reason}\n`);
    return 2;
  }
  const source = read.text;
  // The program's project (the nearest aria.toml above it) gives the runtime's defaults.
  const project = findProject(dirname(file), readText);
  if (!project.ok) {
    io.stderr(`aria run: ${formatProjectError(project.error, p => shownPath(p, io.cwd))}\n`);
    return 2;
  }
  const flavor = flavorArg ?? project.project.runtime.flavor;
  // Imports are read inside the program's project (or folder) only: a symlink out of it is not followed.
  const root = project.project.dir;
  const readInside = (path: string) => {
    const r = readSource(path, root);
    return r.ok ? r.text : undefined;
  };

  let checked: Workspace | undefined;
  if (!values['no-check']) {
    // Check the program and everything it imports; errors stop the run, warnings are shown on stderr.
    const ws = (checked = await Workspace.create({ root: dirname(file), readFile: readInside }));
    ws.setFile(file, source);
    ws.update(); // loads the modules the program imports
    const files = ws.filePaths({ imports: true });
    const all = files.flatMap(f => ws.diagnostics(f));
    if (all.length > 0) {
      io.stderr(formatDiagnostics(ws, all, files.length, io.cwd, style));
      if (all.some(d => d.severity === 'error')) {
        io.stderr(`aria run: ${positionals[0]} was not run because of the errors above\n`);
        return 1;
      }
    }
  }

  // Messages and stacks name the file as the user wrote it (relative to the working directory when inside it).
  const shown = shownPath(file, io.cwd);
  const result = await runProgram(source, {
    path: shown,
    readModule: path => readInside(resolve(io.cwd, path)),
    // The checker has parsed and lowered these files already: the run reuses its ASTs (of the same texts).
    lowered: checked ? (path, text) => {
      const full = resolve(io.cwd, path);
      return checked.text(full) === text ? checked.module(full) : undefined;
    } : undefined,
    workers: workers ?? project.project.runtime.workers,
    seed,
    flavor,
    stepLimit,
    timeoutMs,
    limits: {
      maxListLength: maxList as number | undefined,
      maxStringLength: maxString as number | undefined,
      maxHeapBytes: maxHeapMb === undefined ? undefined : (maxHeapMb as number) * 1024 * 1024,
    },
    trace: values.trace !== undefined,
    stats: values.stats,
    host: { write: io.stdout },
    // Deadlocks and stalls are told as they are found: the run may go on (other tasks, timers) or never end.
    onWaitReport: report => io.stderr(`warning: ${report.message} (at ${(report.us / 1000).toFixed(3)} ms of virtual time)\n`),
    test: replay?.file.test,
    machine: replay ? { chooser: replay.chooser } : undefined,
  });
  if (replay) reportReplay(replay, result, positionals[0]!, io);
  // A failure report names the seed, so the failing run can be replayed (`--seed`, or "seed" in launch.json).
  const seedNote = `note: run with seed ${seed}: \`--seed ${seed}\` or "seed": ${seed} in launch.json replays it\n`;
  if (result.diagnostics.some(d => d.severity === 'error')) {
    io.stderr(`${result.failureText ?? 'the program could not be loaded'}\n`);
    return 1;
  }
  if (result.failureText) io.stderr(`${result.failureText}\n${replay ? '' : seedNote}`);
  if (values.trace !== undefined && result.trace) {
    const tracePath = resolve(io.cwd, values.trace);
    try {
      writeFileSync(tracePath, JSON.stringify(result.trace));
    } catch (error) {
      io.stderr(`aria run: cannot write the trace to ${values.trace}: ${(error as Error).message}\n`);
      return 2;
    }
    io.stderr(`aria run: wrote the trace (${result.trace.traceEvents.length} events) to ${tracePath}\n`
      + '  open it in Perfetto: https://ui.perfetto.dev, "Open trace file" (or chrome://tracing in Chrome)\n');
  }
  if (values.stats && format === 'json' && result.stats) {
    io.stdout(`${JSON.stringify({ seed, ...result.stats })}\n`);
  } else if (values.stats && result.statsText) {
    io.stdout(`\nseed ${seed}\n${result.statsText}${result.statsText.endsWith('\n') ? '' : '\n'}`);
  }
  return result.exitCode;
}

/** `--timeout`: `500ms`, `30s`, `2m`, or a bare number of seconds; a message when it is none of those. */
function durationMs(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000) : NaN;
  return Number.isFinite(ms) && ms >= 1 && ms <= 7 * 24 * 3600_000 ? Math.round(ms) : `--timeout takes a duration such as 500ms, 30s or 2m, not \`${value}\``;
}

/**
 * What a replay did, on stderr: that the program changed since the replay file was written (its hash differs), where
 * the schedule did not fit, and whether the recorded failure came back.
 */
function reportReplay(replay: { file: ReplayFile; path: string; chooser: ReplayChooser }, result: RunResult, program: string, io: CliIo): void {
  const { file, chooser } = replay;
  const lines: string[] = [];
  if (result.programHash !== undefined && result.programHash !== file.programHash) {
    lines.push(`warning: ${program} has changed since this schedule was recorded (its hash differs from the replay file's):`
      + ' the schedule may no longer lead to the failure');
  }
  if (chooser.mismatches.length > 0) {
    lines.push(`warning: the schedule did not fit at ${chooser.mismatches.length} choice point${chooser.mismatches.length === 1 ? '' : 's'}`
      + ` (first at #${chooser.mismatches[0]}): the run went another way than the recorded one`);
  } else if (chooser.points !== file.points) {
    lines.push(`warning: the run met ${chooser.points} choice points, the recorded one ${file.points}: it went another way`);
  }
  const first = result.failureText?.split('\n')[0]?.replace(/^error: /, '');
  const what = `${file.choices.length} choice${file.choices.length === 1 ? '' : 's'} off Tokio's policy${file.test ? `, test ${file.test}` : ''}`;
  lines.push(first === file.failure
    ? `replayed ${shownPath(replay.path, io.cwd)} (${what}): the recorded failure happened again`
    : `replayed ${shownPath(replay.path, io.cwd)} (${what}): the recorded failure did NOT happen (recorded: ${file.failure})`);
  io.stderr(`${lines.join('\n')}\n`);
}
