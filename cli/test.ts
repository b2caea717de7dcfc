// `aria test [paths...]`: runs the `@test` functions of Aria files, on the default schedule or exploring schedules.
import { statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { excluder, findProject, formatProjectError } from '../analysis/project.js';
import {
  DEFAULT_SEED, MAX_SEED, formatFailure, programForTest, runCompiled, testFunctions,
  type Failure, type Flavor, type LoadedProgram, type Program, type TestFunction,
} from '../runtime/index.js';
import { exploreFile } from './explore-jobs.js';
import {
  compileFile, exploreSummary, failureText, jobsFlag, saveReplay, shardFlag, strategyFlags, type ExploreSettings,
} from './exploring.js';
import { readArgs, wholeNumber } from './args.js';
import { ariaFiles, readText } from './check.js';
import { usageError, type CliIo } from './io.js';
import { shownPath } from './render.js';
import { readSource } from './source-file.js';

export const TEST_USAGE = `usage: aria test [paths...] [--filter TEXT [--exact]] [--format text|json] [--workers N] [--seed S]
                 [--flavor multi|single|wasm] [--step-limit N]
                 [--explore N [--strategy random|pct|dfs] [--depth D] [--check-output] [--preempt] [--replay-dir DIR]
                  [--shard k/n]]
       aria test --merge REPORT.json...

Runs every function marked @test in the .aria files named, or found under a directory named (no paths: the
workspace of aria.toml, else the current folder). Each test runs as the main task of a fresh run of its file's
program (the top-level statements do not run); it fails on a failed assert, assert_eq or fail, any other
failure, a deadlock, or a task that failed and that nobody awaited.
  --filter TEXT    run only the tests whose name (or file::name) contains TEXT
  --exact          with --filter: only the tests whose name, or file::name, is TEXT
  --format json    one JSON document: {tests, summary}
  --workers N      worker threads of the default runtime (default: aria.toml's [runtime] workers, else 4)
  --seed S         the scheduler's seed (default 1): the same seed gives the same schedule as aria run
  --flavor F       multi, single or wasm (default: aria.toml's [runtime] flavor, else multi)
  --step-limit N   fail a test after N statements (default 10000000)
  --explore N      run each test under up to N schedules (see aria explore --help) and stop at the first that
                   fails; the failing schedule, shrunk, goes to DIR/FILE.TEST.json (--replay-dir, default
                   .aria/replays) for aria run --replay and the debugger
  --strategy S, --depth D, --check-output, --preempt   as for aria explore
  --shard k/n      with --explore: run the k-th of n disjoint parts of each test's schedules, for n CI
                   machines; their --format json reports merge with --merge
  --jobs N, -j N   with --explore: share each test's schedules among N threads (default: the cores; as aria explore)
  --merge FILES    merge the --format json reports of shards into one summary (text, or --format json)
Exit status: 0 when every test passed, 1 when one failed or a file has errors, 2 on bad usage.
`;

/** Statements a test may run by default before it fails (a test that never ends must not hang the command). */
export const DEFAULT_TEST_STEP_LIMIT = 10_000_000;

const FLAVORS: readonly Flavor[] = ['multi', 'single', 'wasm'];

/** One test's result, as the JSON report gives it. */
interface TestReport {
  readonly file: string;
  readonly name: string;
  readonly line: number;
  readonly status: 'passed' | 'failed';
  readonly output: string;
  readonly failure?: string;
  readonly steps?: number;
  /** With --explore: what exploring found, in words. */
  readonly explored?: string;
  /** With --explore: schedules run, and whether DFS exhausted them. */
  readonly schedules?: number;
  readonly exhausted?: boolean;
  /** The replay file of the failing schedule. */
  readonly replay?: string;
}

/** A file's program, compiled once for all its tests. */
interface PreparedFile {
  readonly file: string;
  readonly shown: string;
  readonly program: Program;
  readonly tests: readonly (TestFunction & { readonly line: number })[];
  readonly loaded: LoadedProgram;
}

/** Runs `aria test` with its arguments; resolves to the exit code. */
export async function runTest(args: string[], io: CliIo): Promise<number> {
  const parsed = readArgs(args, {
    filter: { type: 'string' },
    exact: { type: 'boolean' },
    format: { type: 'string' },
    workers: { type: 'string' },
    seed: { type: 'string' },
    flavor: { type: 'string' },
    'step-limit': { type: 'string' },
    explore: { type: 'string' },
    strategy: { type: 'string' },
    depth: { type: 'string' },
    'check-output': { type: 'boolean' },
    preempt: { type: 'boolean' },
    'replay-dir': { type: 'string' },
    shard: { type: 'string' },
    merge: { type: 'boolean' },
    jobs: { type: 'string', short: 'j' },
  });
  if (parsed.kind === 'help') {
    io.stdout(TEST_USAGE);
    return 0;
  }
  const usage = (message: string) => usageError('test', message, TEST_USAGE, io);
  if (parsed.kind === 'error') return usage(parsed.message);
  const { values, positionals } = parsed;
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(`unknown format \`${format}\` (text or json)`);
  const workers = wholeNumber('workers', values.workers, 1, 64);
  const seed = wholeNumber('seed', values.seed, 0, MAX_SEED) ?? DEFAULT_SEED;
  const stepLimit = wholeNumber('step-limit', values['step-limit'], 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_TEST_STEP_LIMIT;
  for (const v of [workers, seed, stepLimit]) if (typeof v === 'string') return usage(v);
  const flavorArg = values.flavor as Flavor | undefined;
  if (flavorArg !== undefined && !FLAVORS.includes(flavorArg)) return usage(`unknown flavor \`${flavorArg}\` (multi, single or wasm)`);
  const exploreCount = wholeNumber('explore', values.explore, 1, 100_000_000);
  if (typeof exploreCount === 'string') return usage(exploreCount);
  const strategy = strategyFlags(values);
  if (typeof strategy === 'string') return usage(strategy);
  if (exploreCount === undefined) {
    const alone = (['strategy', 'depth', 'check-output', 'preempt', 'replay-dir', 'shard', 'jobs'] as const).find(k => values[k] !== undefined);
    if (alone) return usage(`--${alone} goes with --explore N`);
  }
  const shard = shardFlag(values.shard);
  if (typeof shard === 'string') return usage(shard);
  const jobs = jobsFlag(values.jobs);
  if (typeof jobs === 'string') return usage(jobs);
  if (values.exact && values.filter === undefined) return usage('--exact goes with --filter TEXT');
  if (values.merge) return mergeReports(positionals, format, io);

  const found = findProject(resolve(io.cwd), readText);
  if (!found.ok) {
    io.stderr(`aria test: ${formatProjectError(found.error, p => shownPath(p, io.cwd))}\n`);
    return 2;
  }
  const project = found.project;
  const files: string[] = [];
  if (positionals.length === 0) {
    const excluded = excluder(project);
    for (const root of project.roots) files.push(...ariaFiles(resolve(project.dir, root), excluded));
  }
  for (const p of positionals) {
    const full = isAbsolute(p) ? resolve(p) : resolve(io.cwd, p);
    let st;
    try {
      st = statSync(full);
    } catch {
      io.stderr(`aria test: no such file or directory: ${p}\n`);
      return 2;
    }
    if (st.isDirectory()) files.push(...ariaFiles(full, () => false));
    else if (!full.endsWith('.aria')) {
      io.stderr(`aria test: ${p} is not an Aria file (Aria files end in .aria)\n`);
      return 2;
    } else files.push(full);
  }

  const runOptions = {
    workers: (workers as number | undefined) ?? project.runtime.workers ?? 4,
    flavor: flavorArg ?? project.runtime.flavor ?? 'multi',
    seed: seed as number,
    stepLimit: stepLimit as number,
  };
  const explore: ExploreSettings | undefined = exploreCount === undefined ? undefined : {
    ...runOptions, schedules: exploreCount, strategy: strategy.strategy, depth: strategy.depth, checkOutput: values['check-output'] === true, preempt: values.preempt === true,
    ...(shard ? { shard } : {}),
  };
  const replayDir = resolve(io.cwd, values['replay-dir'] ?? join('.aria', 'replays'));
  const filter = values.filter;
  const reports: TestReport[] = [];
  let filtered = 0;
  let broken = 0;
  for (const file of [...new Set(files)]) {
    const text = readSource(file);
    // Only files that mark a test are compiled: a folder of programs is not run by accident.
    if (!text.ok || !text.text.includes('@test')) continue;
    const prepared = await prepare(file, text.text, io);
    if (!prepared) {
      broken++;
      continue;
    }
    for (const test of prepared.tests) {
      const id = `${prepared.shown}::${test.name}`;
      if (filter !== undefined && !(values.exact ? test.name === filter || id === filter : id.includes(filter))) {
        filtered++;
        continue;
      }
      const report = explore ? await exploreOneTest(prepared, test, explore, replayDir, io.cwd, jobs) : runOneTest(prepared, test, runOptions);
      reports.push(report);
      const note = report.explored ? ` (${report.explored})` : '';
      if (format === 'text') io.stdout(`test ${id} ... ${report.status === 'passed' ? 'ok' : 'FAILED'}${note}\n`);
    }
  }
  const passed = reports.filter(r => r.status === 'passed').length;
  const failed = reports.length - passed;
  if (format === 'json') {
    const shardText = shard ? { shard: `${shard.k}/${shard.n}` } : {};
    io.stdout(`${JSON.stringify({ ...shardText, tests: reports, summary: { passed, failed, filtered, total: reports.length, filesWithErrors: broken } }, null, 2)}\n`);
  } else {
    const failures = reports.filter(r => r.status === 'failed');
    if (failures.length > 0) {
      io.stdout('\nfailures:\n');
      for (const r of failures) {
        io.stdout(`\n---- ${r.file}::${r.name} (${r.file}:${r.line}) ----\n`);
        if (r.output) io.stdout(`output:\n${r.output.replace(/^/gm, '  ').replace(/ +$/, '')}${r.output.endsWith('\n') ? '' : '\n'}`);
        io.stdout(`${r.failure}\n`);
        if (r.replay) io.stdout(`replay: aria run --replay ${r.replay}\n`);
      }
    }
    const verdict = failed > 0 || broken > 0 ? 'FAILED' : 'ok';
    const files = broken > 0 ? `; ${broken} file${broken === 1 ? '' : 's'} not run because of errors` : '';
    io.stdout(`\ntest result: ${verdict}. ${passed} passed; ${failed} failed; ${filtered} filtered out${files}\n`);
    if (reports.length === 0 && broken === 0 && filtered === 0) io.stdout('(no @test functions found)\n');
  }
  return failed > 0 || broken > 0 ? 1 : 0;
}

/** Checks a file (errors: reported, undefined), then loads and compiles it once for all its tests. */
async function prepare(file: string, source: string, io: CliIo): Promise<PreparedFile | undefined> {
  const compiled = await compileFile(file, source, io, 'test', shown => `the tests of ${shown} were not run`);
  if (!compiled) return undefined;
  const { program, loaded, ws } = compiled;
  const shown = shownPath(file, io.cwd);
  const module = loaded.modules.get(shown)!.ast;
  const lines = ws.lineIndex(file);
  const tests = testFunctions(module).map(t => ({ ...t, line: (lines?.position(t.span.start).line ?? 0) + 1 }));
  return { file, shown, program, tests, loaded };
}

/** Runs a test under up to `settings.schedules` schedules; a failing one is shrunk and saved as a replay file. */
async function exploreOneTest(prepared: PreparedFile, test: PreparedFile['tests'][number], settings: ExploreSettings, replayDir: string, cwd: string,
  jobs: number | undefined): Promise<TestReport> {
  const base = { file: prepared.shown, name: test.name, line: test.line };
  if (test.problem) return { ...base, status: 'failed', output: '', failure: `error: ${test.problem}` };
  const program = programForTest(prepared.program, test.name)!;
  const result = await exploreFile(program, prepared.loaded, prepared.file, cwd, test.name, settings, jobs);
  const explored = exploreSummary(result, settings);
  if (!result.failure) return { ...base, status: 'passed', output: '', explored, schedules: result.schedules, exhausted: result.exhausted };
  const path = join(replayDir, `${basename(prepared.file, '.aria')}.${test.name}.json`);
  const saved = saveReplay(path, prepared.file, prepared.loaded, program, result, settings, test.name);
  const f = result.failure;
  return {
    ...base, status: 'failed', output: f.outcome.output, failure: `${explored}\n${failureText(f, program)}`, steps: f.outcome.steps,
    explored: `schedule ${f.schedule}`, schedules: result.schedules, exhausted: false,
    replay: saved.ok ? shownPath(path, cwd) : undefined,
  };
}

function runOneTest(prepared: PreparedFile, test: PreparedFile['tests'][number],
  options: { workers: number; flavor: Flavor; seed: number; stepLimit: number }): TestReport {
  const base = { file: prepared.shown, name: test.name, line: test.line };
  if (test.problem) return { ...base, status: 'failed', output: '', failure: `error: ${test.problem}` };
  const program = programForTest(prepared.program, test.name)!;
  const outcome = runCompiled(program, options);
  const failureText = describeFailures(outcome.failure, outcome.taskFailures, program);
  return { ...base, status: failureText ? 'failed' : 'passed', output: outcome.output, failure: failureText, steps: outcome.steps };
}

/** The failure reports of a run (its own, then each unawaited task's), or undefined when it passed. */
export function describeFailures(failure: Failure | undefined, taskFailures: readonly Failure[], program: Program): string | undefined {
  const texts: string[] = [];
  if (failure) texts.push(formatFailure(failure, program));
  for (const f of taskFailures) texts.push(formatFailure(f, program, 'a task failed and nobody awaited it'));
  return texts.length > 0 ? texts.join('\n') : undefined;
}

/**
 * `aria test --merge a.json b.json ...`: the --format json reports of shards as one. A test passed when it passed in
 * every shard; its schedules add up; a failure keeps the report of the earliest failing schedule.
 */
function mergeReports(paths: readonly string[], format: string, io: CliIo): number {
  if (paths.length === 0) return usageError('test', '--merge needs the JSON reports to merge', TEST_USAGE, io);
  const merged = new Map<string, TestReport>();
  const shards: string[] = [];
  let broken = 0;
  for (const p of paths) {
    const text = readText(resolve(io.cwd, p));
    let data: { shard?: unknown; tests?: unknown; summary?: { filesWithErrors?: unknown } } | undefined;
    try {
      data = text === undefined ? undefined : JSON.parse(text);
    } catch {
      data = undefined;
    }
    if (!data || !Array.isArray(data.tests)) {
      io.stderr(`aria test: cannot merge ${p}: it is not a report of aria test --format json\n`);
      return 2;
    }
    if (typeof data.shard === 'string') shards.push(data.shard);
    if (typeof data.summary?.filesWithErrors === 'number') broken = Math.max(broken, data.summary.filesWithErrors);
    for (const t of data.tests as TestReport[]) {
      const id = `${t.file}::${t.name}`;
      const before = merged.get(id);
      if (!before) {
        merged.set(id, t);
        continue;
      }
      const schedules = (before.schedules ?? 0) + (t.schedules ?? 0);
      const failedFirst = [before, t].filter(r => r.status === 'failed').sort((a, b) => scheduleOf(a) - scheduleOf(b))[0];
      merged.set(id, { ...(failedFirst ?? before), schedules });
    }
  }
  const tests = [...merged.values()];
  const passed = tests.filter(t => t.status === 'passed').length;
  const failed = tests.length - passed;
  const distinct = new Set(shards);
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ shards: [...distinct].sort(), tests, summary: { passed, failed, total: tests.length, filesWithErrors: broken } }, null, 2)}\n`);
  } else {
    for (const t of tests) {
      io.stdout(`test ${t.file}::${t.name} ... ${t.status === 'passed' ? 'ok' : 'FAILED'}${t.schedules !== undefined ? ` (${t.schedules} schedules${t.status === 'failed' ? `, failed at ${t.explored}` : ''})` : ''}\n`);
    }
    for (const t of tests.filter(x => x.status === 'failed')) {
      io.stdout(`\n---- ${t.file}::${t.name} (${t.file}:${t.line}) ----\n${t.failure}\n${t.replay ? `replay: aria run --replay ${t.replay}\n` : ''}`);
    }
    io.stdout(`\ntest result: ${failed > 0 || broken > 0 ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed; merged from ${paths.length} report${paths.length === 1 ? '' : 's'}${distinct.size > 0 ? ` (shards ${[...distinct].sort().join(', ')})` : ''}\n`);
  }
  return failed > 0 || broken > 0 ? 1 : 0;
}

/** The failing schedule's number of a report (`schedule 17`), else Infinity. */
function scheduleOf(r: TestReport): number {
  const m = /schedule (\d+)/.exec(r.explored ?? '');
  return m ? Number(m[1]) : Infinity;
}
