// `aria explore FILE`: runs a program under many schedules, shrinks a failing one and saves it as a replay file.
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { findProject, formatProjectError } from '../analysis/project.js';
import { DEFAULT_PCT_DEPTH, DEFAULT_SEED, MAX_SEED, type Flavor } from '../runtime/index.js';
import { readArgs, wholeNumber } from './args.js';
import { readText } from './check.js';
import { exploreFile } from './explore-jobs.js';
import {
  compileFile, exploreSummary, failureText, jobsFlag, lastLines, saveReplay, shardFlag, strategyFlags, type ExploreSettings,
} from './exploring.js';
import { usageError, type CliIo } from './io.js';
import { shownPath } from './render.js';
import { readSource } from './source-file.js';

export const EXPLORE_USAGE = `usage: aria explore FILE [--schedules N] [--strategy random|pct|dfs] [--depth D] [--workers N]
                    [--seed S] [--flavor F] [--check-output] [--preempt] [--step-limit N] [--out FILE] [--format text|json]
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
  --preempt        a worker's turn may also end after any statement that reads or writes a struct's field or a
                   list's element (finds races with no .await between a read and a write)
  --step-limit N   fail a schedule after N statements (default 10000000)
  --out FILE       where the replay file goes (default .aria/replays/NAME.json)
  --shard k/n      run the k-th of n disjoint parts of the schedules: n machines with the same flags together
                   run what one would (dfs: its tree is split by subtrees)
  --jobs N, -j N   share the schedules among N threads; the other threads start when the work left looks
                   worth twice what starting one costs (0.3 s of CPU). The same schedules, the same first
                   failure and the same replay file as one thread (every strategy). Default: the cores, when
                   one is idle (the load average is below the cores less a half)
Exit status: 0 when no schedule failed, 1 when one did, 2 on bad usage.
`;

export const EXPLORE_DEFAULT_SCHEDULES = 1000;
const DEFAULT_STEP_LIMIT = 10_000_000;
const FLAVORS: readonly Flavor[] = ['multi', 'single', 'wasm'];

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
    preempt: { type: 'boolean' },
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
  const shard = shardFlag(values.shard);
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
    stepLimit: stepLimit as number, checkOutput: values['check-output'] === true, preempt: values.preempt === true, ...(shard ? { shard } : {}),
  };
  const shown = shownPath(file, io.cwd);
  if (format === 'text') io.stdout(`exploring ${shown}: up to ${settings.schedules} schedules (${settings.strategy}, ${settings.workers} worker${settings.workers === 1 ? '' : 's'}, ${settings.flavor})\n`);
  const result = await exploreFile(compiled.program, compiled.loaded, file, io.cwd, undefined, settings, jobs);
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
