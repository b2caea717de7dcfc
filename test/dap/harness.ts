// DebugClient scaffolding for the adapter tests: builds dist/debug.js into a temp folder, launches programs, finds marked lines.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { DebugProtocol } from '@vscode/debugprotocol';

const run = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const programsDir = join(repoRoot, 'test', 'dap', 'programs');

export function program(name: string): string {
  return join(programsDir, name);
}

/** The one-based line of `program` that carries the comment `# @marker`. */
export function lineOf(name: string, marker: string): number {
  const lines = readFileSync(program(name), 'utf8').split('\n');
  const i = lines.findIndex(l => new RegExp(`#\\s*@${marker}\\b`).test(l));
  if (i < 0) throw new Error(`no line marked @${marker} in ${name}`);
  return i + 1;
}

/**
 * Bundles the CLI with the project's build script (what dist/cli.js is) into a fresh temp folder, beside a
 * two-line launcher that runs `aria dap` the way bin/aria.js does (DebugClient passes a single script path).
 */
export async function buildAdapter(): Promise<{ adapter: string; cleanup: () => void }> {
  const outdir = mkdtempSync(join(tmpdir(), 'aria-dap-test-'));
  await run(process.execPath, ['scripts/build.mjs', '--outdir', outdir, '--only', 'cli', '--no-sourcemap', '--quiet'], { cwd: repoRoot });
  const launcher = join(outdir, 'aria-dap.js');
  writeFileSync(launcher, "// aria dap\nrequire('./cli.js').main(['dap']).then(code => { process.exitCode = code; });\n");
  return { adapter: launcher, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

export async function startClient(adapter: string): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, adapter, 'aria', { cwd: repoRoot });
  dc.defaultTimeout = 10_000;
  await dc.start();
  return dc;
}

export interface LaunchSetup {
  readonly breakpoints?: Readonly<Record<string, readonly (number | DebugProtocol.SourceBreakpoint)[]>>;
  readonly functionBreakpoints?: readonly string[];
  readonly exceptionFilters?: readonly string[];
  /** Client capabilities sent with `initialize` (VS Code sends `supportsVariableType: true`). */
  readonly client?: Partial<DebugProtocol.InitializeRequestArguments>;
}

/** Initializes, launches with `args`, sets breakpoints at `initialized`, and resolves with the first `stopped` event. */
export async function launchToStop(dc: DebugClient, args: Record<string, unknown>, setup: LaunchSetup = {}): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  // A request that fails leaves this wait behind: its timeout must not become an unhandled rejection in a later test.
  stopped.catch(() => {});
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      for (const [name, bps] of Object.entries(setup.breakpoints ?? {})) {
        const path = name.startsWith('/') ? name : program(name);
        await dc.setBreakpointsRequest({ source: { path }, breakpoints: bps.map(b => (typeof b === 'number' ? { line: b } : b)) });
      }
      if (setup.functionBreakpoints) await dc.setFunctionBreakpointsRequest({ breakpoints: setup.functionBreakpoints.map(name => ({ name })) });
      if (setup.exceptionFilters) await dc.setExceptionBreakpointsRequest({ filters: [...setup.exceptionFilters] });
      await dc.configurationDoneRequest();
    }),
    setup.client
      ? dc.initializeRequest({ adapterID: 'aria', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', ...setup.client }).then(() => dc.launchRequest(args))
      : dc.launch(args),
  ]);
  return stopped;
}

/** Sends a request that resumes and resolves with the next `stopped` event (listening before the request goes out). */
export async function resumeToStop(dc: DebugClient, request: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  // A request that fails leaves this wait behind: its timeout must not become an unhandled rejection in a later test.
  stopped.catch(() => {});
  await request();
  return stopped;
}

export async function topFrame(dc: DebugClient, threadId: number): Promise<DebugProtocol.StackFrame> {
  const r = await dc.stackTraceRequest({ threadId });
  const f = r.body.stackFrames[0];
  if (!f) throw new Error(`task #${threadId} has no frames`);
  return f;
}

export async function frames(dc: DebugClient, threadId: number): Promise<string[]> {
  const r = await dc.stackTraceRequest({ threadId });
  return r.body.stackFrames.map(f => `${f.name}:${f.line}`);
}

/** The variables of one scope of a frame, as name -> display value. */
export async function scopeVariables(dc: DebugClient, frameId: number, scope: 'Locals' | 'Task' | 'Runtime'): Promise<Record<string, string>> {
  const scopes = await dc.scopesRequest({ frameId });
  const s = scopes.body.scopes.find(x => x.name === scope);
  if (!s) throw new Error(`no ${scope} scope`);
  const vars = await dc.variablesRequest({ variablesReference: s.variablesReference });
  return Object.fromEntries(vars.body.variables.map(v => [v.name, v.value]));
}

export async function locals(dc: DebugClient, threadId: number): Promise<Record<string, string>> {
  return scopeVariables(dc, (await topFrame(dc, threadId)).id, 'Locals');
}

/** Collects program output (category stdout) as it arrives. */
export function collectOutput(dc: DebugClient, category = 'stdout'): { text: () => string } {
  let text = '';
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    if (e.body.category === category) text += e.body.output;
  });
  return { text: () => text };
}

/**
 * The adapter built once for a test file, and its clients stopped after each test: `const { client } = useAdapter();`
 * then `await client()` in a test. `adapterPath()` is the bundled adapter (beside it, the bundled CLI).
 */
export function useAdapter(): { client: () => Promise<DebugClient>; adapterPath: () => string } {
  let adapter = '';
  let cleanup = () => {};
  const clients: DebugClient[] = [];
  beforeAll(async () => {
    ({ adapter, cleanup } = await buildAdapter());
  }, 120_000);
  afterAll(() => cleanup());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(c => c.stop()));
  });
  return {
    client: async () => {
      const c = await startClient(adapter);
      clients.push(c);
      return c;
    },
    adapterPath: () => adapter,
  };
}
