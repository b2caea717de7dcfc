// `--jobs N`: one exploration split over worker threads, each compiling the program once and running its part of the
// schedules; the earliest failing schedule over all of them is the one reported, as one thread would report it.
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { programForTest, type ExploreResult, type Program } from '../runtime/index.js';
import type { CliIo } from './io.js';
import { compileFile, exploreWith, type ExploreSettings } from './exploring.js';
import { readSource } from './source-file.js';

/** What a worker thread is asked to do. */
interface JobRequest {
  readonly kind: 'aria-explore-job';
  readonly file: string;
  readonly cwd: string;
  readonly test?: string;
  readonly settings: ExploreSettings;
  /** This job's number (from 0) and how many there are. */
  readonly job: number;
  readonly jobs: number;
  /** One Int32: the lowest failing schedule number any job found (0x7fffffff: none yet). */
  readonly best: SharedArrayBuffer;
}

const NONE = 0x7fffffff;

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

/**
 * Explores with `jobs` worker threads. Job j of J runs, of this machine's shard k of n, the schedules i with
 * i mod (n J) = (k - 1) + n j: together the shard's schedules, each once. Jobs stop when they pass a failing schedule
 * another job found, so the earliest failure is the one every run reports.
 */
export async function exploreInJobs(file: string, cwd: string, test: string | undefined, settings: ExploreSettings, jobs: number): Promise<ExploreResult> {
  const script = cliScript()!;
  const best = new SharedArrayBuffer(4);
  new Int32Array(best)[0] = NONE;
  const results = await Promise.all(Array.from({ length: jobs }, (_, job) => new Promise<ExploreResult>((resolvePromise, reject) => {
    const request: JobRequest = { kind: 'aria-explore-job', file, cwd, test, settings, job, jobs, best };
    const worker = new Worker(script, { workerData: request, argv: [], stdout: true, stderr: true });
    let answer: ExploreResult | undefined;
    worker.on('message', (m: { result?: ExploreResult; error?: string }) => {
      if (m.error) reject(new Error(m.error));
      else answer = m.result;
    });
    worker.on('error', reject);
    worker.on('exit', code => (answer ? resolvePromise(answer) : reject(new Error(`an exploration thread ended with status ${code}`))));
  })));
  const failures = results.map(r => r.failure).filter(f => f !== undefined).sort((a, b) => a!.schedule - b!.schedule);
  return {
    schedules: results.reduce((n, r) => n + r.schedules, 0),
    exhausted: false,
    cancelled: false,
    failure: failures[0],
    defaultOutput: results[0]?.defaultOutput,
    maxPoints: Math.max(...results.map(r => r.maxPoints)),
  };
}

/** The worker side: compiles the program, explores its part, posts the result (without the machine). */
export async function runExploreJob(): Promise<number> {
  const request = workerData as JobRequest;
  const post = (m: unknown) => parentPort!.postMessage(m);
  try {
    const read = readSource(request.file);
    if (!read.ok) throw new Error(`cannot read ${request.file}: it ${read.reason}`);
    const quiet: CliIo = { stdout: () => {}, stderr: () => {}, cwd: request.cwd };
    const compiled = await compileFile(request.file, read.text, quiet, 'explore');
    if (!compiled) throw new Error(`${request.file} does not check`);
    let program: Program | undefined = compiled.program;
    if (request.test !== undefined) program = programForTest(program, request.test);
    if (!program) throw new Error(`no test ${request.test}`);
    const shard = request.settings.shard ?? { k: 1, n: 1 };
    const best = new Int32Array(request.best);
    const result = exploreWith(program, request.settings, {
      shard: { index: shard.k - 1 + shard.n * request.job, count: shard.n * request.jobs },
      stopAfter: () => Atomics.load(best, 0),
      onFound: schedule => {
        for (let cur = Atomics.load(best, 0); schedule < cur; cur = Atomics.load(best, 0)) {
          if (Atomics.compareExchange(best, 0, cur, schedule) === cur) break;
        }
      },
    });
    const failure = result.failure ? { ...result.failure, outcome: { ...result.failure.outcome, machine: undefined } } : undefined;
    post({ result: { ...result, failure } });
  } catch (error) {
    post({ error: (error as Error).message });
  }
  return 0;
}

/**
 * Explores on `jobs` worker threads when there are several, the strategy can be split (not DFS) and the bundled CLI
 * runs (it starts itself as the workers); else on this thread.
 */
export async function exploreFile(program: Program, file: string, cwd: string, test: string | undefined, settings: ExploreSettings, jobs: number): Promise<ExploreResult> {
  if (jobs > 1 && settings.strategy !== 'dfs') {
    if (jobsAvailable()) return exploreInJobs(file, cwd, test, settings, jobs);
  }
  return exploreWith(program, settings);
}
