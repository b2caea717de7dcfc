// `--jobs N`: one exploration shared by this thread and N - 1 worker threads. It starts on this thread alone; when the
// work left looks worth a thread (THREAD_COST_MS), the workers start (each compiles the program once) and join in: every thread claims
// the next unit of work (random, PCT: a schedule; DFS: a subtree) as it becomes free, and the results merge into what
// one thread would report (runtime/explore.ts, mergeJobs).
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { loadavg } from 'node:os';
import {
  compileProgram, loadProgram, mergeJobs, newSharedJobsBuffer, programForTest, sharedJobs, type ExploreResult, type LoadedProgram,
  type Program,
} from '../runtime/index.js';
import { defaultJobs, exploreWith, type ExploreSettings } from './exploring.js';
import { shownPath } from './render.js';

/**
 * The CPU time (ms) a worker thread costs before it runs a schedule: loading the CLI, checking and compiling the
 * program (`aria check` of a small file takes 0.25 to 0.3 s of CPU). Threads start when the work left is expected to
 * cost twice this: with random and PCT, the schedules left at the rate of the last ones (the first are slower, before
 * the JIT has compiled the interpreter); with DFS, whose tree's size is unknown, once the exploration has cost that
 * much (as a ski rental: never more than about twice the best choice's cost).
 */
export const THREAD_COST_MS = 300;
const START_WHEN_LEFT_MS = 2 * THREAD_COST_MS;
/** CPU time spent before the rate of schedules is trusted, and the span the rate is measured over. */
const MEASURE_MS = 100;

/** `ARIA_EXPLORE_JOBS_AT_ONCE=1` (tests): start the threads at once, and explore when they are ready. */
function atOnce(): boolean {
  return process.env['ARIA_EXPLORE_JOBS_AT_ONCE'] === '1';
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** What a worker thread is asked to do. */
interface JobRequest {
  readonly kind: 'aria-explore-job';
  readonly file: string;
  /**
   * The texts this thread checked and compiled, by the loader's paths (the entry's first): a worker compiles these,
   * not what the disk holds by then (a file saved during the exploration would give threads different programs).
   */
  readonly sources: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly test?: string;
  readonly settings: ExploreSettings;
  /** What the jobs share (runtime/explore.ts, sharedJobs). */
  readonly jobs: SharedArrayBuffer;
  /** One Int32 per job: 0 starting, 1 exploring (set by the worker), 2 not needed (set by this thread). */
  readonly states: SharedArrayBuffer;
  readonly job: number;
}

const STARTING = 0;
const EXPLORING = 1;
const NOT_NEEDED = 2;

/** Whether this thread is a job of an exploration (the bundled CLI, started again as a worker). */
export function isExploreJob(): boolean {
  return !isMainThread && (workerData as JobRequest | undefined)?.kind === 'aria-explore-job';
}

/** The script a worker thread starts: the bundled CLI itself (a CommonJS bundle), else none (running from sources). */
function cliScript(): string | undefined {
  return typeof __filename === 'string' && __filename.endsWith('.js') ? __filename : undefined;
}

/** Whether `--jobs N` can run on worker threads here (the bundled CLI); else the exploration runs on this thread. */
export function jobsAvailable(): boolean {
  return cliScript() !== undefined;
}

/** A worker's answer: its result, none (it was not needed), or why it failed. */
type JobAnswer = { result: ExploreResult } | { notNeeded: true } | { error: string };

/** A worker thread started on a job; `ready` resolves when it explores (or ends). */
function startJob(request: JobRequest): { worker: Worker; answer: Promise<JobAnswer>; ready: Promise<void> } {
  const worker = new Worker(cliScript()!, { workerData: request, argv: [], stdout: true, stderr: true });
  let isReady: () => void = () => {};
  const ready = new Promise<void>(resolvePromise => { isReady = resolvePromise; });
  const answer = new Promise<JobAnswer>(resolvePromise => {
    let got: JobAnswer | undefined;
    worker.on('message', (m: JobAnswer | { ready: true }) => {
      if ('ready' in m) isReady();
      else got = m;
    });
    worker.on('error', error => { got ??= { error: error.message }; });
    worker.on('exit', code => {
      isReady();
      resolvePromise(got ?? { error: `an exploration thread ended with status ${code}` });
    });
  });
  return { worker, answer, ready };
}

/**
 * Explores on this thread and, when the work left is worth it, on `jobs - 1` worker threads with it (random, PCT and DFS alike, with
 * or without `--shard`), when the bundled CLI runs (it starts itself as the workers); else on this thread alone.
 * The result is the one thread's: the same first failure, numbered the same, and the same counts.
 */
export async function exploreFile(program: Program, loaded: LoadedProgram, file: string, cwd: string, test: string | undefined,
  settings: ExploreSettings, asked: number | undefined): Promise<ExploreResult> {
  const jobs = asked ?? defaultJobs();
  if (jobs <= 1 || !jobsAvailable()) return exploreWith(program, settings);
  const sources: Record<string, string> = {};
  for (const [path, m] of loaded.modules) sources[path] = m.text;
  const shared = newSharedJobsBuffer();
  const states = new SharedArrayBuffer(4 * jobs);
  const stateOf = new Int32Array(states);
  const started: { worker: Worker; answer: Promise<JobAnswer>; ready: Promise<void>; job: number }[] = [];
  const start = () => {
    for (let job = 1; job < jobs; job++) {
      started.push({ ...startJob({ kind: 'aria-explore-job', file, sources, cwd, test, settings, jobs: shared, states, job }), job });
    }
  };
  // Schedules of this machine's shard (random, PCT).
  const shard = settings.shard ?? { k: 1, n: 1 };
  const total = Math.max(0, Math.ceil((settings.schedules - (shard.k - 1)) / shard.n));
  // By default (no --jobs), threads start only when a core looks idle: on cores busy with other work, a thread found
  // no time to use and cost CPU (bench/explore-jobs.ts). `--jobs N` starts them whatever the load.
  const coreIdle = () => asked !== undefined || loadavg()[0] < jobs - 0.5;
  const cpu0 = cpuMs();
  let checked = performance.now();
  let mark = { cpu: cpu0, done: 0 };
  const startWhenWorthIt = (done: number) => {
    if (started.length > 0 || performance.now() - checked < 5) return;
    checked = performance.now();
    const cpu = cpuMs();
    if (cpu - cpu0 < MEASURE_MS) return;
    if (settings.strategy === 'dfs') {
      if (cpu - cpu0 >= START_WHEN_LEFT_MS && coreIdle()) start();
      return;
    }
    if (cpu - mark.cpu < MEASURE_MS || done === mark.done) return;
    if (mark.done === 0) {
      // the first span runs cold code: its rate says little
      mark = { cpu, done };
      return;
    }
    const left = ((cpu - mark.cpu) / (done - mark.done)) * (total - done);
    mark = { cpu, done };
    if (left >= START_WHEN_LEFT_MS && coreIdle()) start();
  };
  if (atOnce()) {
    start();
    await Promise.all(started.map(s => s.ready));
  }
  const mine = exploreWith(program, settings, { jobs: sharedJobs(shared), onProgress: startWhenWorthIt });
  if (started.length === 0) return mine;
  const theirs: ExploreResult[] = [];
  let broken = false;
  for (const s of started) {
    // A worker still starting holds no unit: this thread ran out of units, so it is not needed.
    if (Atomics.compareExchange(stateOf, s.job, STARTING, NOT_NEEDED) === STARTING) {
      void s.worker.terminate();
      continue;
    }
    const answer = await s.answer;
    if ('result' in answer) theirs.push(answer.result);
    else if ('error' in answer) broken = true;
  }
  // A worker that failed took units with it: explore again on this thread alone rather than report a part.
  if (broken) return exploreWith(program, settings);
  return mergeJobs([mine, ...theirs], settings);
}

/** The worker side: compiles the program, claims units until none is left, posts the result (without the machine). */
export async function runExploreJob(): Promise<number> {
  const request = workerData as JobRequest;
  const post = (m: JobAnswer) => parentPort!.postMessage(m);
  try {
    // The main thread checked the program: a worker only loads and compiles the same texts (no checker, no disk).
    const entry = shownPath(request.file, request.cwd);
    const text = request.sources[entry];
    if (text === undefined) throw new Error(`no source for ${entry}`);
    const { program: loaded, diagnostics } = await loadProgram(text, { path: entry, files: request.sources, readModule: () => undefined });
    if (diagnostics.some(d => d.severity === 'error')) throw new Error(`${request.file} does not load: ${diagnostics[0]!.message}`);
    let program: Program | undefined = await compileProgram(loaded);
    if (request.test !== undefined) program = programForTest(program, request.test);
    if (!program) throw new Error(`no test ${request.test}`);
    if (Atomics.compareExchange(new Int32Array(request.states), request.job, STARTING, EXPLORING) !== STARTING) {
      post({ notNeeded: true });
      return 0;
    }
    parentPort!.postMessage({ ready: true });
    const result = exploreWith(program, request.settings, { jobs: sharedJobs(request.jobs) });
    const failure = result.failure ? { ...result.failure, outcome: { ...result.failure.outcome, machine: undefined } } : undefined;
    post({ result: { ...result, failure } });
  } catch (error) {
    post({ error: (error as Error).message });
  }
  return 0;
}
