// `aria explore FILE`: runs a program under many schedules, shrinks a failing one and saves it as a replay file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { findProject, formatProjectError } from '../analysis/project.js';
import { Workspace } from '../analysis/workspace.js';
import {
  DEFAULT_PCT_DEPTH, DEFAULT_SEED, MAX_SEED, REPLAY_FORMAT, REPLAY_VERSION, STRATEGIES, compileProgram, explore, formatFailure,
  formatReplayFile, loadProgram, programHash, type ExploreOptions, type ExploreResult, type Flavor, type LoadedProgram, type Program, type ReplayFile,
  type Strategy,
} from '../runtime/index.js';
import { readArgs, wholeNumber } from './args.js';
import { readText } from './check.js';
import { usageError, type CliIo } from './io.js';
import { formatDiagnostics, shownPath } from './render.js';
import { readSource } from './source-file.js';
import { makeStyle } from './style.js';

export const EXPLORE_USAGE = `usage: aria explore FILE [--schedules N] [--strategy random|pct|dfs] [--depth D] [--workers N]
                    [--seed S] [--flavor F] [--check-output] [--step-limit N] [--out FILE] [--format text|json]
                    [--shard k/n] [--jobs N]

Runs the program under up to N schedules of the scheduler, chosen by a strategy, and stops at the first that fails:
a failure of the program, a deadlock, a task that failed and that nobody awaited, or (--check-output) output that
differs from the default schedule's. The failing schedule is shrunk (fewer choices off Tokio's policy) and saved as
a replay file: \`aria run --replay FILE\` reproduces it, "replay": FILE in launch.json opens it in the debugger.
  --schedules N    the most schedules to run (default 1000)
  --strategy S     random (uniform choices), pct (probabilistic concurrency testing), dfs (every schedule in
                   turn, "all N schedules explored" when none is left) (default random)
  --depth D        pct: the bug depth (default ${DEFAULT_PCT_DEPTH}); dfs: at most D choices off Tokio's policy per schedule
                   (default: no bound)
  --seed S         the strategy's seed and the program's (random()) (default 1)
  --workers N, --flavor F   the runtime (default: aria.toml's [runtime], else 4 workers, multi)
  --check-output   a schedule whose output differs from the default schedule's fails
  --step-limit N   fail a schedule after N statements (default 10000000)
  --out FILE       where the replay file goes (default .aria/replays/NAME.json)
  --shard k/n      run the k-th of n disjoint parts of the schedules (random, pct): n machines with the same
                   flags together run what one would
  --jobs N, -j N   split the schedules over N worker threads (random, pct; default 1): the same schedules and
                   the same first failure as one thread
Exit status: 0 when no schedule failed, 1 when one did, 2 on bad usage.
`;

export const EXPLORE_DEFAULT_SCHEDULES = 1000;
const DEFAULT_STEP_LIMIT = 10_000_000;
const FLAVORS: readonly Flavor[] = ['multi', 'single', 'wasm'];

/** The exploration options every command shares (`aria explore`, `aria test --explore`). */
export interface ExploreSettings {
  readonly schedules: number;
  readonly strategy: Strategy;
  readonly depth?: number;
  readonly seed: number;
  readonly workers: number;
  readonly flavor: Flavor;
  readonly stepLimit: number;
  readonly checkOutput: boolean;
  /** `--shard k/n`: this machine's part (k from 1). */
  readonly shard?: { readonly k: number; readonly n: number };
}

/** `--shard k/n` (1 <= k <= n), refused with DFS; a message on a bad one. */
export function shardFlag(value: string | undefined, strategy: Strategy): { k: number; n: number } | string | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!(Number.isSafeInteger(k) && Number.isSafeInteger(n) && k >= 1 && n >= 1 && k <= n && n <= 10_000)) {
    return `--shard takes k/n with 1 <= k <= n, such as 2/4, not \`${value}\``;
  }
  if (strategy === 'dfs') return '--shard splits random and pct explorations; dfs explores one tree in order and cannot be split';
  return { k, n };
}

/** Reads the strategy flags; a message on a bad one. */
export function strategyFlags(values: { strategy?: string; depth?: string }): { strategy: Strategy; depth?: number } | string {
  const strategy = (values.strategy ?? 'random') as Strategy;
  if (!STRATEGIES.includes(strategy)) return `unknown strategy \`${values.strategy}\` (random, pct or dfs)`;
  const depth = wholeNumber('depth', values.depth, strategy === 'pct' ? 1 : 0, 1000);
  if (typeof depth === 'string') return depth;
  return { strategy, depth };
}

/** The program a file is: checked (errors printed: undefined), loaded and compiled once. */
export async function compileFile(file: string, source: string, io: CliIo, command: string): Promise<{ program: Program; loaded: LoadedProgram; ws: Workspace } | undefined> {
  const shown = shownPath(file, io.cwd);
  const root = dirname(file);
  const readInside = (path: string) => {
    const r = readSource(path, root);
    return r.ok ? r.text : undefined;
  };
  const ws = await Workspace.create({ root, readFile: readInside });
  ws.setFile(file, source);
  ws.update();
  const paths = ws.filePaths({ imports: true });
  const diagnostics = paths.flatMap(f => ws.diagnostics(f));
  if (diagnostics.some(d => d.severity === 'error')) {
    io.stderr(formatDiagnostics(ws, diagnostics, paths.length, io.cwd, makeStyle(io.colour?.stderr ?? false)));
    io.stderr(`aria ${command}: ${shown} was not run because of the errors above\n`);
    return undefined;
  }
  const { program: loaded } = await loadProgram(source, {
    path: shown,
    readModule: path => readInside(resolve(io.cwd, path)),
    lowered: (path, text) => {
      const full = resolve(io.cwd, path);
      return ws.text(full) === text ? ws.module(full) : undefined;
    },
  });
  return { program: await compileProgram(loaded), loaded, ws };
}

/** Explores with the settings (the program compiled once); `extra` overrides (a job's part of the schedules). */
export function exploreWith(program: Program, settings: ExploreSettings, extra: Partial<ExploreOptions> = {}): ExploreResult {
  return explore(program, {
    strategy: settings.strategy, schedules: settings.schedules, seed: settings.seed, depth: settings.depth,
    checkOutput: settings.checkOutput,
    ...(settings.shard ? { shard: { index: settings.shard.k - 1, count: settings.shard.n } } : {}),
    machine: { workers: settings.workers, flavor: settings.flavor, seed: settings.seed, stepLimit: settings.stepLimit },
    ...extra,
  });
}

/** `--jobs N`: a whole number of threads (default 1). */
export function jobsFlag(value: string | undefined): number | string {
  return wholeNumber('jobs', value, 1, 256) ?? 1;
}

/**
 * Explores on `jobs` worker threads when there are several, the strategy can be split (not DFS) and the bundled CLI
 * runs (it starts itself as the workers); else on this thread.
 */
export async function exploreFile(program: Program, file: string, cwd: string, test: string | undefined, settings: ExploreSettings, jobs: number): Promise<ExploreResult> {
  if (jobs > 1 && settings.strategy !== 'dfs') {
    const { exploreInJobs, jobsAvailable } = await import('./explore-jobs.js');
    if (jobsAvailable()) return exploreInJobs(file, cwd, test, settings, jobs);
  }
  return exploreWith(program, settings);
}

/** Writes the failing schedule of `result` as a replay file at `path`; the path as shown, or an error message. */
export function saveReplay(path: string, programFile: string, loaded: LoadedProgram, program: Program, result: ExploreResult,
  settings: ExploreSettings, test: string | undefined): { ok: true; file: ReplayFile } | { ok: false; message: string } {
  const f = result.failure!;
  const rel = relative(dirname(path), programFile);
  const file: ReplayFile = {
    format: REPLAY_FORMAT, version: REPLAY_VERSION,
    program: rel === '' || isAbsolute(rel) ? programFile : rel,
    programHash: programHash([...loaded.modules.values()].map(m => m.text)),
    ...(test !== undefined ? { test } : {}),
    options: { workers: settings.workers, flavor: settings.flavor, seed: settings.seed, stepLimit: settings.stepLimit },
    found: {
      strategy: settings.strategy, seed: settings.seed, ...(settings.depth !== undefined ? { depth: settings.depth } : {}),
      schedule: f.schedule, choicesBeforeShrinking: f.foundChoices,
    },
    failure: failureText(f, program).split('\n')[0]!.replace(/^error: /, ''),
    points: f.points,
    choices: f.choices,
  };
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, formatReplayFile(file));
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  return { ok: true, file };
}

/** The failing schedule's report: its failure(s) with Aria stacks, or what differed. */
export function failureText(f: NonNullable<ExploreResult['failure']>, program: Program): string {
  const o = f.outcome;
  if (o.failure) return formatFailure(o.failure, program);
  if (o.taskFailures.length > 0) return o.taskFailures.map(t => formatFailure(t, program, 'a task failed and nobody awaited it')).join('\n');
  return `error: ${f.verdict.message}`;
}

/** What exploring found, in words: `schedule 3 of up to 1000 (random, seed 1)`, `all 12 schedules explored`. */
export function exploreSummary(result: ExploreResult, settings: ExploreSettings): string {
  const how = `${settings.strategy}${settings.strategy === 'dfs' ? (settings.depth !== undefined ? `, at most ${settings.depth} off-policy choices` : '') : `, seed ${settings.seed}`}${settings.strategy === 'pct' ? `, depth ${settings.depth ?? DEFAULT_PCT_DEPTH}` : ''}`;
  if (result.failure) {
    const f = result.failure;
    return `schedule ${f.schedule} of up to ${settings.schedules} failed (${how}); shrunk to ${f.choices.length} choice${f.choices.length === 1 ? '' : 's'} off Tokio's policy (from ${f.foundChoices})`;
  }
  if (result.exhausted) return `all ${result.schedules} schedule${result.schedules === 1 ? '' : 's'} explored (${how})`;
  if (settings.shard) return `${result.schedules} schedule${result.schedules === 1 ? '' : 's'} of shard ${settings.shard.k}/${settings.shard.n} passed (${how})`;
  if (result.cancelled) return `stopped after ${result.schedules} schedules (${how})`;
  return `${result.schedules} schedule${result.schedules === 1 ? '' : 's'} passed (${how})`;
}

/** Runs `aria explore` with its arguments; resolves to the exit code. */
export async function runExplore(args: string[], io: CliIo): Promise<number> {
  const parsed = readArgs(args, {
    schedules: { type: 'string', short: 'n' },
    strategy: { type: 'string' },
    depth: { type: 'string' },
    workers: { type: 'string' },
    seed: { type: 'string' },
    flavor: { type: 'string' },
    'check-output': { type: 'boolean' },
    'step-limit': { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    shard: { type: 'string' },
    jobs: { type: 'string', short: 'j' },
  });
  if (parsed.kind === 'help') {
    io.stdout(EXPLORE_USAGE);
    return 0;
  }
  const usage = (message: string) => usageError('explore', message, EXPLORE_USAGE, io);
  if (parsed.kind === 'error') return usage(parsed.message);
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usage(positionals.length ? 'explore takes one FILE' : 'missing FILE');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(`unknown format \`${format}\` (text or json)`);
  const schedules = wholeNumber('schedules', values.schedules, 1, 100_000_000) ?? EXPLORE_DEFAULT_SCHEDULES;
  const workers = wholeNumber('workers', values.workers, 1, 64);
  const seed = wholeNumber('seed', values.seed, 0, MAX_SEED) ?? DEFAULT_SEED;
  const stepLimit = wholeNumber('step-limit', values['step-limit'], 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_STEP_LIMIT;
  for (const v of [schedules, workers, seed, stepLimit]) if (typeof v === 'string') return usage(v);
  const strategy = strategyFlags(values);
  if (typeof strategy === 'string') return usage(strategy);
  const flavorArg = values.flavor as Flavor | undefined;
  if (flavorArg !== undefined && !FLAVORS.includes(flavorArg)) return usage(`unknown flavor \`${flavorArg}\` (multi, single or wasm)`);
  if (values.out === '') return usage('--out needs a file');
  const shard = shardFlag(values.shard, strategy.strategy);
  if (typeof shard === 'string') return usage(shard);
  const jobs = jobsFlag(values.jobs);
  if (typeof jobs === 'string') return usage(jobs);

  const file = isAbsolute(positionals[0]!) ? positionals[0]! : resolve(io.cwd, positionals[0]!);
  if (!file.endsWith('.aria')) {
    io.stderr(`aria explore: ${positionals[0]} is not an Aria file (Aria files end in .aria)\n`);
    return 2;
  }
  const read = readSource(file);
  if (!read.ok) {
    io.stderr(`aria explore: cannot read ${positionals[0]}: it ${read.reason}\n`);
    return 2;
  }
  const project = findProject(dirname(file), readText);
  if (!project.ok) {
    io.stderr(`aria explore: ${formatProjectError(project.error, p => shownPath(p, io.cwd))}\n`);
    return 2;
  }
  const compiled = await compileFile(file, read.text, io, 'explore');
  if (!compiled) return 1;
  const settings: ExploreSettings = {
    schedules: schedules as number, strategy: strategy.strategy, depth: strategy.depth, seed: seed as number,
    workers: (workers as number | undefined) ?? project.project.runtime.workers ?? 4,
    flavor: flavorArg ?? project.project.runtime.flavor ?? 'multi',
    stepLimit: stepLimit as number, checkOutput: values['check-output'] === true, ...(shard ? { shard } : {}),
  };
  const shown = shownPath(file, io.cwd);
  if (format === 'text') io.stdout(`exploring ${shown}: up to ${settings.schedules} schedules (${settings.strategy}, ${settings.workers} worker${settings.workers === 1 ? '' : 's'}, ${settings.flavor})\n`);
  const result = await exploreFile(compiled.program, file, io.cwd, undefined, settings, jobs);
  let replayPath: string | undefined;
  let saved: ReturnType<typeof saveReplay> | undefined;
  if (result.failure) {
    replayPath = values.out !== undefined ? resolve(io.cwd, values.out) : resolve(io.cwd, '.aria', 'replays', `${basename(file, '.aria')}.json`);
    saved = saveReplay(replayPath, file, compiled.loaded, compiled.program, result, settings, undefined);
  }
  if (format === 'json') {
    io.stdout(`${JSON.stringify({
      file: shown, schedules: result.schedules, exhausted: result.exhausted, ...(shard ? { shard: `${shard.k}/${shard.n}` } : {}),
      failure: result.failure ? {
        schedule: result.failure.schedule, reason: result.failure.verdict.reason, message: result.failure.verdict.message,
        report: failureText(result.failure, compiled.program), choices: result.failure.choices.length,
        foundChoices: result.failure.foundChoices, replay: saved?.ok ? shownPath(replayPath!, io.cwd) : undefined,
      } : undefined,
    }, null, 2)}\n`);
    return result.failure ? 1 : 0;
  }
  io.stdout(`${exploreSummary(result, settings)}\n`);
  if (!result.failure) return 0;
  const f = result.failure;
  const output = f.outcome.output;
  if (output) io.stdout(`output of the failing schedule:\n${lastLines(output, 40)}`);
  io.stdout(`${failureText(f, compiled.program)}\n`);
  if (saved?.ok) {
    const rel = shownPath(replayPath!, io.cwd);
    io.stdout(`wrote the failing schedule to ${rel}\n  aria run --replay ${rel}    reproduces it\n  "replay": "${rel}" in a launch configuration opens it in the debugger\n`);
  } else if (saved) {
    io.stderr(`aria explore: cannot write the replay file ${replayPath}: ${saved.message}\n`);
  }
  return 1;
}

/** The last `n` lines of a text, indented, with a note of what was left out. */
export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const kept = lines.slice(-n).map(l => `  ${l}`);
  return `${lines.length > n ? `  ... ${lines.length - n} lines before\n` : ''}${kept.join('\n')}\n`;
}
