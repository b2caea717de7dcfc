// What the Test Explorer asks `aria test` and how it reads the answer (plain data, no vscode API).
import { isAbsolute, resolve } from 'node:path';

export type ExploreStrategy = 'random' | 'pct' | 'dfs';
export const EXPLORE_STRATEGIES: readonly ExploreStrategy[] = ['random', 'pct', 'dfs'];

/** The settings the Test Explorer reads (package.json declares them with these defaults), under `aria.`. */
export const TEST_SETTINGS = {
  'test.exploreSchedules': 1000,
  'test.exploreStrategy': 'random' as ExploreStrategy,
  'test.codeLens': true,
} as const;

/** How Explore schedules runs, from the settings' values (a bad value falls back to the default). */
export function exploreModeOf(schedules: unknown, strategy: unknown): TestMode {
  return {
    kind: 'explore',
    schedules: typeof schedules === 'number' && Number.isInteger(schedules) && schedules >= 1 ? schedules : TEST_SETTINGS['test.exploreSchedules'],
    strategy: (EXPLORE_STRATEGIES as readonly unknown[]).includes(strategy) ? strategy as ExploreStrategy : TEST_SETTINGS['test.exploreStrategy'],
  };
}

/** How tests run: on the default schedule, or exploring up to `schedules` schedules. */
export type TestMode =
  | { readonly kind: 'run' }
  | { readonly kind: 'explore'; readonly schedules: number; readonly strategy: ExploreStrategy };

/**
 * The arguments of the bundled CLI for one `aria test` process: the tests of `file` (all of them, or the one named
 * `name`, matched whole with `--exact`), with a JSON report on stdout.
 */
export function testCliArgs(cli: string, file: string, mode: TestMode, name?: string): string[] {
  const args = [cli, 'test', file, '--format', 'json'];
  if (name !== undefined) args.push('--filter', name, '--exact');
  if (mode.kind === 'explore') args.push('--explore', String(mode.schedules), '--strategy', mode.strategy);
  return args;
}

/** A frame of an Aria stack in a failure report: `at fn (file:line:col)`. */
export interface StackFrame {
  readonly name: string;
  /** Absolute path. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly column: number;
}

/** One test's result, read from the report, with paths made absolute. */
export interface TestResult {
  /** Absolute path of the test's file. */
  readonly file: string;
  readonly name: string;
  /** 1-based line of the function's name. */
  readonly line: number;
  readonly passed: boolean;
  readonly output: string;
  /** The whole failure report (explored: the summary line first). */
  readonly failure?: string;
  /** The failure's first `error:` line, without `error: `. */
  readonly message?: string;
  /** The Aria stack of the failure, innermost first. */
  readonly stack: readonly StackFrame[];
  /** For `assert_eq`: the two values shown (actual is the first argument). */
  readonly actual?: string;
  readonly expected?: string;
  /** With exploring: what was explored, in words, and the replay file (absolute) of a failing schedule. */
  readonly explored?: string;
  readonly replay?: string;
}

export type TestReport =
  | { readonly ok: true; readonly tests: readonly TestResult[]; readonly filesWithErrors: number }
  | { readonly ok: false; readonly error: string };

/**
 * Reads the `--format json` report `aria test` printed, run in `cwd`. Anything else (a crash, a usage error, a
 * truncated document) is `{ ok: false }` with a message that quotes stderr.
 */
export function readTestReport(stdout: string, stderr: string, cwd: string): TestReport {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    return { ok: false, error: noReport(stderr, stdout) };
  }
  const doc = data as { tests?: unknown; summary?: { filesWithErrors?: unknown } } | null;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.tests)) return { ok: false, error: noReport(stderr, stdout) };
  const tests: TestResult[] = [];
  for (const raw of doc.tests as unknown[]) {
    const t = raw as Record<string, unknown>;
    if (typeof t !== 'object' || t === null || typeof t['file'] !== 'string' || typeof t['name'] !== 'string') continue;
    const failure = typeof t['failure'] === 'string' ? t['failure'] : undefined;
    const message = failure === undefined ? undefined : firstError(failure);
    const values = message === undefined ? undefined : /^assert_eq failed: left (.*), right (.*)$/.exec(message);
    tests.push({
      file: absolute(t['file'], cwd),
      name: t['name'],
      line: typeof t['line'] === 'number' ? t['line'] : 1,
      passed: t['status'] === 'passed',
      output: typeof t['output'] === 'string' ? t['output'] : '',
      stack: failure === undefined ? [] : stackOf(failure, cwd),
      ...(failure !== undefined ? { failure } : {}),
      ...(message !== undefined ? { message } : {}),
      ...(values ? { actual: values[1]!, expected: values[2]! } : {}),
      ...(typeof t['explored'] === 'string' ? { explored: t['explored'] } : {}),
      ...(typeof t['replay'] === 'string' ? { replay: absolute(t['replay'], cwd) } : {}),
    });
  }
  const broken = doc.summary?.filesWithErrors;
  return { ok: true, tests, filesWithErrors: typeof broken === 'number' ? broken : 0 };
}

function noReport(stderr: string, stdout: string): string {
  const said = (stderr.trim() || stdout.trim()).split('\n').slice(0, 40).join('\n');
  return `aria test gave no report${said ? `:\n${said}` : ''}`;
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** The first `error: ...` line of a failure report, or its first line. */
function firstError(failure: string): string {
  const lines = failure.split('\n');
  const line = lines.find(l => l.startsWith('error: ')) ?? lines[0] ?? '';
  return line.replace(/^error: /, '');
}

/** The `    at name (file:line:col)` lines of a failure report (of its first failure, when there are several). */
function stackOf(failure: string, cwd: string): StackFrame[] {
  const frames: StackFrame[] = [];
  let inFirst = false;
  for (const line of failure.split('\n')) {
    if (line.startsWith('error: ')) {
      if (inFirst) break;
      inFirst = true;
      continue;
    }
    const m = /^\s+at (.+?) \((.+):(\d+):(\d+)\)\s*$/.exec(line);
    if (m) frames.push({ name: m[1]!, file: absolute(m[2]!, cwd), line: Number(m[3]), column: Number(m[4]) });
  }
  return frames;
}

/** Where a failure shows in the editor: its innermost frame in the test's file, else the innermost frame, else the test. */
export function failureLocation(result: TestResult): { readonly file: string; readonly line: number; readonly column: number } {
  const frame = result.stack.find(f => f.file === result.file) ?? result.stack[0];
  return frame ?? { file: result.file, line: result.line, column: 1 };
}

/** The replay file named in a test message's text (`Replay file: PATH`), as the Debug this schedule action reads it. */
export function replayInMessage(text: string): string | undefined {
  const m = /^Replay file: (.+)$/m.exec(text);
  return m ? m[1]!.trim() : undefined;
}

/** The text of a failing explored test's message: the failure, then the replay file's line. */
export function replayMessage(result: TestResult): string {
  const body = result.failure ?? result.message ?? 'failed';
  return result.replay ? `${body}\n\nReplay file: ${result.replay}` : body;
}

/** How a Debug run of a test ended, as the Testing view records it: passed, failed, or no result (stopped before the end). */
export type DebugVerdict =
  | { readonly kind: 'passed' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'none' };

/** The most of the adapter's stderr output a failure message keeps (its end). */
const STDERR_TAIL = 4000;

/**
 * Follows the messages the debug adapter sends during a Debug run of one test and says how the test ended: a stop on
 * a failure (`stopped` with reason `exception`: the assertion, a panic, a deadlock) fails it, whatever happens after
 * (the user stops the session there, or continues to the end); otherwise the run's exit code decides (`exited`: 0
 * passed, else failed, with what the adapter printed on stderr, such as a task that failed unawaited). A session
 * stopped by the user before the test ended has no result.
 */
export class DebugRunOutcome {
  private failure?: string;
  private exitCode?: number;
  private stderr = '';

  /** Reads one message the adapter sent (a DAP event; anything else is ignored). */
  read(message: unknown): void {
    const m = message as { type?: unknown; event?: unknown; body?: Record<string, unknown> } | null;
    if (typeof m !== 'object' || m === null || m.type !== 'event' || typeof m.body !== 'object' || m.body === null) return;
    const body = m.body;
    if (m.event === 'stopped' && body['reason'] === 'exception' && this.failure === undefined) {
      const text = [body['text'], body['description']].find(t => typeof t === 'string' && t.length > 0) as string | undefined;
      this.failure = text ?? 'the test failed';
    } else if (m.event === 'exited' && typeof body['exitCode'] === 'number') {
      this.exitCode = body['exitCode'];
    } else if (m.event === 'output' && body['category'] === 'stderr' && typeof body['output'] === 'string') {
      this.stderr = (this.stderr + body['output']).slice(-STDERR_TAIL);
    }
  }

  get verdict(): DebugVerdict {
    if (this.failure !== undefined) return { kind: 'failed', message: this.failure };
    if (this.exitCode === undefined) return { kind: 'none' };
    if (this.exitCode === 0) return { kind: 'passed' };
    return { kind: 'failed', message: this.stderr.trim() || `the test ended with exit code ${this.exitCode}` };
  }
}
