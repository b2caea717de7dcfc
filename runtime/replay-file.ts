// The replay file: a failing schedule saved as JSON (the program's path and hash, the runtime options, the choices).
import { createHash } from 'node:crypto';
import { CHOICE_KINDS, type Choice, type ChoiceKind } from './chooser.js';
import type { Flavor } from './events.js';
import { MAX_SEED } from './prng.js';

export const REPLAY_FORMAT = 'aria-replay';
export const REPLAY_VERSION = 1;

/** What a replay file holds. */
export interface ReplayFile {
  readonly format: typeof REPLAY_FORMAT;
  readonly version: typeof REPLAY_VERSION;
  /** The program's entry file, relative to the replay file's folder (or absolute). */
  readonly program: string;
  /** `sha256:` and the hash of the program's module texts (`programHash`). */
  readonly programHash: string;
  /** The `@test` function the schedule ran, when it was a test; else the program's top level ran. */
  readonly test?: string;
  /** The runtime of the run. */
  readonly options: {
    readonly workers: number;
    readonly flavor: Flavor;
    /** The seed of the program's generator (`random()`). */
    readonly seed: number;
    readonly stepLimit?: number;
    /** The schedule has `preempt` choice points (explored with `--preempt`); a replay must offer them too. */
    readonly preempt?: boolean;
  };
  /** How the schedule was found (for the reader; replay does not need it). */
  readonly found?: { readonly strategy: string; readonly seed: number; readonly depth?: number; readonly schedule: number; readonly choicesBeforeShrinking: number };
  /** The failure the schedule shows, as the run reported it. */
  readonly failure: string;
  /** Choice points the run met. */
  readonly points: number;
  /** The choices off Tokio's policy; every other choice point takes alternative 0. */
  readonly choices: readonly Choice[];
}

/** The hash a replay file keeps of a program: of its modules' texts, in the order they were loaded. */
export function programHash(texts: Iterable<string>): string {
  const h = createHash('sha256');
  for (const t of texts) h.update(`${t.length}:`).update(t);
  return `sha256:${h.digest('hex')}`;
}

/** Reads a replay file's text: the file, or a message that says what is wrong with it. */
export function parseReplayFile(text: string): ReplayFile | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `it is not JSON (${(error as Error).message})`;
  }
  if (!isObject(data) || data['format'] !== REPLAY_FORMAT) return `it is not an Aria replay file (no "format": "${REPLAY_FORMAT}")`;
  if (data['version'] !== REPLAY_VERSION) return `its version ${JSON.stringify(data['version'])} is not ${REPLAY_VERSION}, the one this aria reads`;
  if (typeof data['program'] !== 'string' || data['program'] === '') return '"program" must name the program\'s file';
  if (typeof data['programHash'] !== 'string') return '"programHash" must be a string';
  if (data['test'] !== undefined && typeof data['test'] !== 'string') return '"test" must be a function name';
  const o = data['options'];
  if (!isObject(o)) return '"options" must be an object';
  if (!whole(o['workers'], 1, 64)) return '"options.workers" must be a whole number from 1 to 64';
  if (o['flavor'] !== 'multi' && o['flavor'] !== 'single' && o['flavor'] !== 'wasm') return '"options.flavor" must be multi, single or wasm';
  if (!whole(o['seed'], 0, MAX_SEED)) return `"options.seed" must be a whole number from 0 to ${MAX_SEED}`;
  if (o['stepLimit'] !== undefined && !whole(o['stepLimit'], 1, Number.MAX_SAFE_INTEGER)) return '"options.stepLimit" must be a positive whole number';
  if (o['preempt'] !== undefined && typeof o['preempt'] !== 'boolean') return '"options.preempt" must be true or false';
  if (!whole(data['points'], 0, Number.MAX_SAFE_INTEGER)) return '"points" must be a whole number';
  if (typeof data['failure'] !== 'string') return '"failure" must be a string';
  const choices = data['choices'];
  if (!Array.isArray(choices)) return '"choices" must be a list';
  let last = -1;
  for (const [i, c] of choices.entries()) {
    if (!isObject(c) || !whole(c['index'], 0, Number.MAX_SAFE_INTEGER) || !whole(c['n'], 2, Number.MAX_SAFE_INTEGER)
      || !whole(c['chosen'], 1, Number.MAX_SAFE_INTEGER) || (c['chosen'] as number) >= (c['n'] as number)
      || !CHOICE_KINDS.includes(c['kind'] as ChoiceKind)) {
      return `choice ${i + 1} must be {index, kind, n, chosen} with 1 <= chosen < n and a known kind`;
    }
    if ((c['index'] as number) <= last) return `choice ${i + 1} must come after the one before it (indices increase)`;
    last = c['index'] as number;
  }
  return data as unknown as ReplayFile;
}

/** A replay file as text (JSON, one choice per line so a diff reads well). */
export function formatReplayFile(file: ReplayFile): string {
  const { choices, ...rest } = file;
  const head = JSON.stringify(rest, null, 2);
  const list = choices.map(c => `    ${JSON.stringify(c)}`).join(',\n');
  return `${head.slice(0, -2)},\n  "choices": [${list ? `\n${list}\n  ` : ''}]\n}\n`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function whole(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}
