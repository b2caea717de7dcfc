// Reads and validates the `launch` request's arguments (launch.json attributes of the "aria" debugger) into a config.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { findProject, formatProjectError } from '../analysis/project.js';
import { DEFAULT_SEED, MAX_SEED, parseReplayFile, type ReplayFile } from '../runtime/index.js';

export type OtherTasksMode = 'hold' | 'run';

export interface LaunchConfig {
  /** Absolute or cwd-relative path of the .aria program. */
  readonly program: string;
  readonly args: readonly string[];
  /** Worker threads of the default runtime (ignored by the single and wasm flavours). */
  readonly workers: number;
  readonly seed: number;
  readonly flavor: 'multi' | 'single' | 'wasm';
  readonly stopOnEntry: boolean;
  /** Statements after which the run fails with `step-limit` (0: no limit). */
  readonly stepLimit: number;
  /** While one task steps (next/stepIn/stepOut), the other tasks are held where they are, or run as scheduled. */
  readonly otherTasks: OtherTasksMode;
  /** `noDebug`: run to the end, ignoring breakpoints (VS Code's "Run Without Debugging"). */
  readonly noDebug: boolean;
  /** Stop at the first step of every new task. */
  readonly stopOnSpawn: boolean;
  readonly cwd?: string;
  /** Resource limits of the run (0 or absent: the runtime's default; see docs/runtime.md). */
  readonly maxListLength: number;
  readonly maxStringLength: number;
  readonly maxHeapMb: number;
  /**
   * `"replay": FILE`: the run follows the schedule of a replay file (aria explore, aria test --explore), with its
   * runtime options, and runs its `@test` function when it names one.
   */
  readonly replay?: { readonly path: string; readonly file: ReplayFile };
  /** `"test": NAME`: the run calls the program's `@test` function NAME as its main task (as `aria test` does). */
  readonly test?: string;
}

export const DEFAULT_WORKERS = 4;
export const MAX_WORKERS = 64;

/** Defaults a launch takes from the program's project file (`aria.toml`'s `[runtime]`) before the built-in ones. */
export interface LaunchDefaults {
  readonly flavor?: 'multi' | 'single' | 'wasm';
  readonly workers?: number;
}

/**
 * The `[runtime]` defaults of the project the launched program belongs to (the nearest `aria.toml` above it);
 * a project file with a problem is reported as the launch error.
 */
export function projectDefaults(raw: unknown): { readonly ok: true; readonly defaults: LaunchDefaults } | { readonly ok: false; readonly error: string } {
  if (!isObject(raw) || typeof raw['program'] !== 'string') return { ok: true, defaults: {} };
  const cwd = typeof raw['cwd'] === 'string' ? raw['cwd'] : process.cwd();
  const program = isAbsolute(raw['program']) ? raw['program'] : resolve(cwd, raw['program']);
  const found = findProject(dirname(program), path => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  });
  if (!found.ok) return { ok: false, error: formatProjectError(found.error) };
  return { ok: true, defaults: found.project.runtime };
}

export type LaunchResult = { readonly ok: true; readonly config: LaunchConfig } | { readonly ok: false; readonly error: string };

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Validates raw launch arguments; every problem is a message naming the attribute, never an exception. */
export function readLaunchConfig(raw: unknown, defaults: LaunchDefaults = {}): LaunchResult {
  if (!isObject(raw)) return { ok: false, error: 'launch arguments must be an object' };
  const fail = (error: string): LaunchResult => ({ ok: false, error });
  const replay = readReplay(raw);
  if (typeof replay === 'string') return fail(replay);
  if (replay) {
    const fixed = ['workers', 'seed', 'flavor', 'stepLimit'].find(k => raw[k] !== undefined);
    if (fixed) return fail(`"${fixed}" cannot go with "replay": the replay file fixes the runtime's options`);
  }
  const program = raw['program'] ?? (replay ? replayProgram(replay) : undefined);
  if (typeof program !== 'string' || program.trim() === '') {
    return fail('the launch configuration needs "program": the path of an .aria file');
  }
  const args = raw['args'] ?? [];
  if (!Array.isArray(args) || !args.every(a => typeof a === 'string')) return fail('"args" must be a list of strings');
  const workers = replay?.file.options.workers ?? raw['workers'] ?? defaults.workers ?? DEFAULT_WORKERS;
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    return fail(`"workers" must be an integer from 1 to ${MAX_WORKERS}`);
  }
  const seed = replay?.file.options.seed ?? raw['seed'] ?? DEFAULT_SEED;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    return fail('"seed" must be an integer from 0 to 4294967295');
  }
  const flavor = replay?.file.options.flavor ?? raw['flavor'] ?? defaults.flavor ?? 'multi';
  if (flavor !== 'multi' && flavor !== 'single' && flavor !== 'wasm') return fail('"flavor" must be "multi", "single" or "wasm"');
  const stepLimit = replay?.file.options.stepLimit ?? raw['stepLimit'] ?? 0;
  if (typeof stepLimit !== 'number' || !Number.isInteger(stepLimit) || stepLimit < 0) {
    return fail('"stepLimit" must be a non-negative integer (0: no limit)');
  }
  const otherTasks = raw['otherTasks'] ?? 'run';
  if (otherTasks !== 'hold' && otherTasks !== 'run') return fail('"otherTasks" must be "hold" or "run"');
  const bools: Record<string, boolean> = {};
  for (const key of ['stopOnEntry', 'noDebug', 'stopOnSpawn']) {
    const v = raw[key] ?? false;
    if (typeof v !== 'boolean') return fail(`"${key}" must be true or false`);
    bools[key] = v;
  }
  const limits: Record<string, number> = {};
  for (const key of ['maxListLength', 'maxStringLength', 'maxHeapMb']) {
    const v = raw[key] ?? 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return fail(`"${key}" must be a non-negative integer (0: the default)`);
    limits[key] = v;
  }
  const cwd = raw['cwd'];
  if (cwd !== undefined && typeof cwd !== 'string') return fail('"cwd" must be a path');
  const test = raw['test'];
  if (test !== undefined && (typeof test !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(test))) return fail('"test" must be the name of a @test function');
  if (test !== undefined && replay) return fail('"test" cannot go with "replay": the replay file names its test');
  return {
    ok: true,
    config: {
      program,
      args: args as string[],
      workers,
      seed,
      flavor,
      stopOnEntry: bools['stopOnEntry']!,
      stepLimit,
      otherTasks,
      noDebug: bools['noDebug']!,
      stopOnSpawn: bools['stopOnSpawn']!,
      maxListLength: limits['maxListLength']!,
      maxStringLength: limits['maxStringLength']!,
      maxHeapMb: limits['maxHeapMb']!,
      ...(cwd !== undefined ? { cwd } : {}),
      ...(replay ? { replay } : {}),
      ...(test !== undefined ? { test } : {}),
    },
  };
}

/** The `"replay"` attribute: the replay file read and checked, a message saying what is wrong, or undefined. */
function readReplay(raw: Record<string, unknown>): { path: string; file: ReplayFile } | string | undefined {
  const value = raw['replay'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') return '"replay" must be the path of a replay file';
  const cwd = typeof raw['cwd'] === 'string' ? raw['cwd'] : process.cwd();
  const path = isAbsolute(value) ? value : resolve(cwd, value);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return `cannot read the replay file ${path}`;
  }
  const file = parseReplayFile(text);
  if (typeof file === 'string') return `the replay file ${path} cannot be used: ${file}`;
  return { path, file };
}

/** The program a replay file names, as an absolute path (it is relative to the replay file's folder). */
function replayProgram(replay: { path: string; file: ReplayFile }): string {
  return isAbsolute(replay.file.program) ? replay.file.program : resolve(dirname(replay.path), replay.file.program);
}
