// What `aria explore` and `aria test --explore` share: the exploration settings and flags, compiling a file once,
// exploring, saving a replay file, and the words of the reports.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Workspace } from '../analysis/workspace.js';
import {
  DEFAULT_PCT_DEPTH, REPLAY_FORMAT, REPLAY_VERSION, STRATEGIES, compileProgram, explore, formatFailure, formatReplayFile,
  loadProgram, programHash, type ExploreOptions, type ExploreResult, type Flavor, type LoadedProgram, type Program,
  type ReplayFile, type Strategy,
} from '../runtime/index.js';
import { wholeNumber } from './args.js';
import type { CliIo } from './io.js';
import { formatDiagnostics, shownPath } from './render.js';
import { readSource } from './source-file.js';
import { makeStyle } from './style.js';

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
  /** `--preempt`: a worker's turn may end after any statement that touched shared memory. */
  readonly preempt?: boolean;
  /** `--shard k/n`: this machine's part (k from 1). */
  readonly shard?: { readonly k: number; readonly n: number };
}

/** `--shard k/n` (1 <= k <= n); a message on a bad one. */
export function shardFlag(value: string | undefined): { k: number; n: number } | string | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!(Number.isSafeInteger(k) && Number.isSafeInteger(n) && k >= 1 && n >= 1 && k <= n && n <= 10_000)) {
    return `--shard takes k/n with 1 <= k <= n, such as 2/4, not \`${value}\``;
  }
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

/**
 * The program a file is: checked (errors printed: undefined), loaded and compiled once. `notRun` names what was
 * not run, after `aria COMMAND: ` (by default the file).
 */
export async function compileFile(file: string, source: string, io: CliIo, command: string, notRun?: (shown: string) => string): Promise<{ program: Program; loaded: LoadedProgram; ws: Workspace } | undefined> {
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
    io.stderr(`aria ${command}: ${notRun ? notRun(shown) : `${shown} was not run`} because of the errors above\n`);
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
    checkOutput: settings.checkOutput, preempt: settings.preempt === true,
    ...(settings.shard ? { shard: { index: settings.shard.k - 1, count: settings.shard.n } } : {}),
    machine: { workers: settings.workers, flavor: settings.flavor, seed: settings.seed, stepLimit: settings.stepLimit },
    ...extra,
  });
}

/** `--jobs N`: a whole number of threads; undefined when not given (the default: defaultJobs, when a core is idle). */
export function jobsFlag(value: string | undefined): number | string | undefined {
  return wholeNumber('jobs', value, 1, 256);
}

/** `--jobs`' default: the cores Node may use (`os.availableParallelism()`). */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
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
    options: {
      workers: settings.workers, flavor: settings.flavor, seed: settings.seed, stepLimit: settings.stepLimit,
      ...(settings.preempt ? { preempt: true } : {}),
    },
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
  if (result.exhausted) {
    const part = settings.shard ? ` of shard ${settings.shard.k}/${settings.shard.n}` : '';
    return `all ${result.schedules} schedule${result.schedules === 1 ? '' : 's'}${part} explored (${how})`;
  }
  if (settings.shard) return `${result.schedules} schedule${result.schedules === 1 ? '' : 's'} of shard ${settings.shard.k}/${settings.shard.n} passed (${how})`;
  if (result.cancelled) return `stopped after ${result.schedules} schedules (${how})`;
  return `${result.schedules} schedule${result.schedules === 1 ? '' : 's'} passed (${how})`;
}

/** The last `n` lines of a text, indented, with a note of what was left out. */
export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const kept = lines.slice(-n).map(l => `  ${l}`);
  return `${lines.length > n ? `  ... ${lines.length - n} lines before\n` : ''}${kept.join('\n')}\n`;
}
