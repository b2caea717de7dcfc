// The DAP session: translates Debug Adapter Protocol requests into Debuggee calls and runtime stops, snapshots and values into DAP.
import { resolve } from 'node:path';
import {
  Breakpoint, BreakpointEvent, ContinuedEvent, Event, ExitedEvent, InitializedEvent, Logger, LoggingDebugSession, OutputEvent, Scope, Source,
  StackFrame, StoppedEvent, TerminatedEvent, Thread, ThreadEvent, logger,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type * as A from '../analysis/syntax/ast.js';
import { PRELUDE_SOURCE, show, type Value } from '../runtime/index.js';
import { BreakpointTable, PRELUDE_MODULE, parseLogMessage, type ActiveBreakpoint } from './breakpoints.js';
import { Debuggee, EXCEPTION_FILTERS, type ExceptionFilter, type Outcome, type ResumeMode } from './debuggee.js';
import { compileExpression, evaluateExpr, type Compiled, type EvalScope } from './evaluate.js';
import { projectDefaults, readLaunchConfig, type LaunchConfig } from './launch-config.js';
import { argumentsProblem, messageProblem } from './message-check.js';
import { loadForDebug } from './program-loader.js';
import {
  FOCUS_TASK_REQUEST, RUNTIME_CHANGED_EVENT, RUNTIME_STATE_REQUEST, TIMELINE_REQUEST, type FocusTaskArguments, type RuntimeChangedBody,
} from './protocol.js';
import { StaticTypes } from './static-types.js';
import { VariableStore } from './variables.js';
import { formatMs } from './format.js';
import { OutputTail } from './output-tail.js';

/** The sourceReference under which the prelude's text is served. */
const PRELUDE_REF = 1;

/** Error ids of the adapter's error responses. */
const ERR = {
  launch: 3001,
  notRunning: 3002,
  badArgs: 3003,
  unknownThread: 3004,
  busy: 3005,
  evaluate: 3006,
  unsupported: 3007,
  internal: 3099,
} as const;

class RequestError extends Error {
  constructor(readonly id: number, message: string) {
    super(message);
  }
}

function intArg(args: unknown, key: string): number {
  const v = (args as Record<string, unknown> | undefined)?.[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new RequestError(ERR.badArgs, `the request needs an integer "${key}"`);
  return v;
}

/** What a frame id stands for during one stop. */
interface FrameRef {
  readonly task: number;
  readonly index: number;
}

export class AriaDebugSession extends LoggingDebugSession {
  /**
   * LoggingDebugSession logs every message to and from the client, and its logger (which `start` sets up anew) queues
   * them all until `setup` is called: set up at once, logging nothing, or a long run's messages all stay in memory
   * (test/dap/logger-queue.test.ts).
   */
  override start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    super.start(inStream, outStream);
    logger.setup(Logger.LogLevel.Stop, false);
  }

  override sendEvent(event: DebugProtocol.Event): void {
    this.outputTail?.flush();
    super.sendEvent(event);
  }

  override sendResponse(response: DebugProtocol.Response): void {
    this.outputTail?.flush();
    super.sendResponse(response);
  }

  private debuggee: Debuggee | undefined;
  private config: LaunchConfig | undefined;
  private configurationDone: Promise<void>;
  private resolveConfigurationDone: () => void = () => {};
  private readonly variables: VariableStore;
  private frames = new Map<number, FrameRef>();
  private nextFrameId = 1;
  /** Source breakpoints asked for before the program was loaded, replayed against it. */
  private pendingSourceBreakpoints = new Map<string, DebugProtocol.SourceBreakpoint[]>();
  private pendingFunctionBreakpoints: DebugProtocol.FunctionBreakpoint[] = [];
  private exceptionFilters: Set<ExceptionFilter> = new Set(EXCEPTION_FILTERS.filter(f => f.default).map(f => f.filter));
  /** Conditions and logpoint expressions, parsed ahead (a breakpoint's condition is checked synchronously). */
  private readonly compiled = new Map<string, Compiled>();
  private terminated = false;
  /** Program output in batches, a bounded tail of it while the client lags (flushed before any other message). */
  private readonly outputTail = new OutputTail(
    (text, category) => super.sendEvent(new OutputEvent(text, category)),
    () => (this as unknown as { _writableStream?: { writableLength?: number } })._writableStream?.writableLength ?? 0,
  );
  private lastReason = 'entry';
  /** Whether the client shows Variable.type (its `supportsVariableType`): DAP sends `type` only then. */
  private clientShowsTypes = false;
  /** Static types of the program being debugged, from the checker's workspace built at launch. */
  private staticTypes: StaticTypes | undefined;

  constructor() {
    super();
    // The base class reports a message it could not parse or handle as an 'error' event, and ends the session on
    // it (exit 0, nothing said). A bad message is dropped with a word on stderr and the session goes on; a broken
    // stream still ends it.
    this.removeAllListeners('error');
    this.on('error', (event: { body?: unknown }) => {
      const body = typeof event?.body === 'string' ? event.body : '';
      if (body.startsWith('Error handling data: ')) this.dropped(`a message that is not JSON (${body.slice(21, 221)})`);
      else this.shutdown();
    });
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configurationDone = new Promise(r => (this.resolveConfigurationDone = r));
    this.variables = new VariableStore(id => {
      const t = this.debuggee?.task(id);
      if (!t) return undefined;
      return {
        name: t.name, state: t.state,
        ...(t.wait ? { waitsOn: this.debuggee!.state('').tasks.find(x => x.id === id)?.waitsOn ?? '' } : {}),
        ...(t.state === 'completed' ? { result: show(t.result, true) } : {}),
        ...(t.failure ? { failure: t.failure.message } : {}),
      };
    });
  }

  /** No process.exit here: `runDebugAdapter` decides what ending the session means for its host. */
  override shutdown(): void {
    this.emit('shutdown');
  }

  // ------------------------------------------------------------ request plumbing

  /** A message that is not a well-formed DAP message is dropped with a word on stderr (or an error response, if it has a seq). */
  override handleMessage(message: DebugProtocol.ProtocolMessage): void {
    const problem = messageProblem(message);
    if (problem === undefined) {
      super.handleMessage(message);
      return;
    }
    const m = message as { seq?: unknown; command?: unknown } | null;
    if (m && typeof m === 'object' && typeof m.seq === 'number' && Number.isSafeInteger(m.seq)) {
      const response = new Response({ seq: m.seq, type: 'request', command: typeof m.command === 'string' ? m.command : 'unknown' });
      this.sendErrorResponse(response, { id: ERR.badArgs, format: `malformed request: ${problem}` });
    } else {
      this.dropped(`a malformed message: ${problem}`);
    }
  }

  private dropped(what: string): void {
    this.sendEvent(new OutputEvent(`aria debug adapter: ignored ${what}\n`, 'stderr'));
  }

  /** The base class answers an exception with its JS stack as the message: the message names the exception only. */
  protected override sendErrorResponse(response: DebugProtocol.Response, codeOrMessage: number | DebugProtocol.Message, format?: string, variables?: Record<string, string>, dest?: number): void {
    if (codeOrMessage === 1104) {
      const exception = typeof variables?._exception === 'string' ? variables._exception : 'an exception';
      super.sendErrorResponse(response, { id: ERR.internal, format: `internal error in the Aria debug adapter (${response.command}): ${exception.replace(/[{}]/g, '')}` });
      return;
    }
    super.sendErrorResponse(response, codeOrMessage, format, variables, dest);
  }

  /** Every request answers: failures become error responses with a plain message, never a JS stack. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const problem = argumentsProblem(request.arguments);
    if (problem !== undefined) {
      this.sendErrorResponse(new Response(request), { id: ERR.badArgs, format: `${request.command}: ${problem.replace(/[{}]/g, '')}` });
      return;
    }
    try {
      // DAP says an absent `pathFormat` means 'path'; the base class refuses anything but an explicit 'path'.
      if (request.command === 'initialize' && request.arguments && request.arguments.pathFormat === undefined) {
        request.arguments = { ...request.arguments, pathFormat: 'path' };
      }
      super.dispatchRequest(request);
    } catch (error) {
      this.fail(new Response(request), error);
    }
  }

  private fail(response: DebugProtocol.Response, error: unknown): void {
    if (error instanceof RequestError) {
      this.sendErrorResponse(response, { id: error.id, format: error.message, showUser: error.id === ERR.launch });
    } else {
      this.sendErrorResponse(response, { id: ERR.internal, format: `internal error in the Aria debug adapter: ${(error as Error)?.message ?? String(error)}` });
    }
  }

  /** Runs an async handler and answers its response, or an error response. */
  private handle<R extends DebugProtocol.Response>(response: R, body: () => Promise<void> | void): void {
    Promise.resolve()
      .then(body)
      .then(() => this.sendResponse(response), error => this.fail(response, error));
  }

  private requireDebuggee(): Debuggee {
    if (!this.debuggee) throw new RequestError(ERR.notRunning, 'no Aria program is being debugged');
    return this.debuggee;
  }

  private requireStopped(): Debuggee {
    const d = this.requireDebuggee();
    if (d.ended) throw new RequestError(ERR.notRunning, 'the program has ended');
    if (d.isRunning) throw new RequestError(ERR.busy, 'the program is running; pause it first');
    return d;
  }

  // ------------------------------------------------------------ lifecycle

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientShowsTypes = args?.supportsVariableType === true;
    this.variables.setTypes({ oracle: this.staticTypes, show: this.clientShowsTypes });
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsStepBack: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsExceptionInfoRequest: true,
      supportsDelayedStackTraceLoading: true,
      supportsLoadedSourcesRequest: true,
      supportsBreakpointLocationsRequest: true,
      // a step already moves one task; `singleThread` on continue/next is not read, so it is not advertised
      supportsSingleThreadExecutionRequests: false,
      supportSuspendDebuggee: false,
      supportTerminateDebuggee: true,
      supportsSetVariable: false,
      supportsSetExpression: false,
      supportsCompletionsRequest: false,
      supportsValueFormattingOptions: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map(f => ({ filter: f.filter, label: f.label, description: f.description, default: f.default })),
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.resolveConfigurationDone();
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): void {
    this.handle(response, async () => {
      const project = projectDefaults(args);
      if (!project.ok) throw new RequestError(ERR.launch, `Aria project file: ${project.error}`);
      const read = readLaunchConfig(args ?? {}, project.defaults);
      if (!read.ok) throw new RequestError(ERR.launch, `Aria launch configuration: ${read.error}`);
      await this.load(read.config);
      this.sendEvent(new InitializedEvent());
      // breakpoints and exception filters arrive now; wait for them (VS Code always sends configurationDone)
      await Promise.race([this.configurationDone, new Promise(r => setTimeout(r, 5000))]);
      // the launch response goes first, then the run starts
      setImmediate(() => void this.begin());
    });
  }

  /** Loads and checks the program and makes a fresh Debuggee for it (launch and restart). */
  private async load(config: LaunchConfig): Promise<void> {
    const loaded = await loadForDebug(config.program, config.cwd ?? process.cwd(), true, config.replay?.file.test ?? config.test);
    if (!loaded.ok) throw new RequestError(ERR.launch, loaded.error);
    this.config = config;
    // The first line says how the run is set up: the same seed, flavour and workers replay it in `aria run`.
    const workers = config.flavor === 'multi' ? `${config.workers} workers` : config.flavor === 'single' ? '1 worker' : 'an event loop';
    const replay = config.replay;
    if (replay) {
      const test = replay.file.test ? `, test ${replay.file.test}` : '';
      this.sendEvent(new OutputEvent(`Aria: ${loaded.path}, the schedule of ${replay.path} (${replay.file.choices.length} choices off Tokio's policy${test}), seed ${config.seed}, ${config.flavor} runtime (${workers}); recorded failure: ${replay.file.failure}\n`, 'console'));
      if (loaded.hash !== replay.file.programHash) {
        this.sendEvent(new OutputEvent(`warning: ${loaded.path} has changed since the schedule was recorded (its hash differs from the replay file's): the run may not reach the failure\n`, 'stderr'));
      }
    } else {
      // A test runs as the main task: `aria test` with the same seed replays it, not `aria run` (the top level).
      const again = config.test ? `aria test --filter ${config.test} --exact --seed ${config.seed}` : `aria run --seed ${config.seed}`;
      const what = config.test ? `, test ${config.test}` : '';
      this.sendEvent(new OutputEvent(`Aria: ${loaded.path}${what}, seed ${config.seed}, ${config.flavor} runtime (${workers}); \`${again}\` replays it\n`, 'console'));
    }
    this.staticTypes = loaded.workspace ? new StaticTypes(loaded.workspace) : undefined;
    this.variables.setTypes({ oracle: this.staticTypes, show: this.clientShowsTypes });
    for (const w of loaded.warnings) this.sendEvent(new OutputEvent(`${w}\n`, 'console'));
    const table = new BreakpointTable(loaded.program, samePath);
    // a restart keeps the breakpoints: they are replayed against the new program below
    const old = this.debuggee;
    this.debuggee = new Debuggee(config, loaded.program, {
      output: (text, category) => (category === 'stdout' ? this.outputTail.write(text) : this.sendEvent(new OutputEvent(text, category))),
      threads: (started, exited) => {
        for (const t of started) this.sendEvent(new ThreadEvent('started', t.id));
        for (const id of exited) this.sendEvent(new ThreadEvent('exited', id));
      },
      evaluate: (task, text) => this.evaluateSync(task, 0, text),
    }, table);
    this.debuggee.exceptionFilters = new Set(this.exceptionFilters);
    // A replayed schedule is there to show its failure: it stops there whatever the filters say.
    if (replay) for (const f of ['uncaught', 'deadlock'] as const) this.debuggee.exceptionFilters.add(f);
    for (const [path, specs] of this.pendingSourceBreakpoints) {
      const set = table.setSourceBreakpoints(path, specs);
      await this.precompile(set);
      if (old) for (const bp of set) this.sendEvent(new BreakpointEvent('changed', this.toDapBreakpoint(bp)));
    }
    if (this.pendingFunctionBreakpoints.length > 0) await this.precompile(table.setFunctionBreakpoints(this.pendingFunctionBreakpoints));
  }

  private async begin(): Promise<void> {
    const d = this.debuggee;
    if (!d || this.terminated) return;
    await this.report(await this.guard(() => d.start(this.config!.stopOnEntry && !this.config!.noDebug)));
  }

  /** A failing program never takes the adapter down: an internal error ends the session with a message. */
  private async guard(run: () => Promise<Outcome>): Promise<Outcome> {
    try {
      return await run();
    } catch (error) {
      this.sendEvent(new OutputEvent(`internal error in the Aria debug adapter: ${(error as Error).message}\n`, 'stderr'));
      return { kind: 'ended', exitCode: 70 };
    }
  }

  /** Tells the client how a resume ended: a stop (with the views' refresh event) or the end of the run. */
  private async report(outcome: Outcome): Promise<void> {
    if (this.terminated) return;
    this.resetStopState();
    const d = this.debuggee!;
    if (outcome.kind === 'stopped') {
      const stop = outcome.stop;
      this.lastReason = stop.reason;
      const ev = new StoppedEvent(stop.reason, stop.task) as DebugProtocol.StoppedEvent;
      ev.body.allThreadsStopped = true;
      if (stop.description) ev.body.description = stop.description;
      if (stop.exception) ev.body.text = stop.exception.failure.message;
      if (stop.breakpoints) ev.body.hitBreakpointIds = [...stop.breakpoints];
      this.sendEvent(ev);
      this.sendRuntimeChanged(stop.reason, true);
      return;
    }
    this.lastReason = 'terminated';
    if (outcome.failure) {
      this.sendEvent(new OutputEvent(`${outcome.failure.message}\n`, 'stderr'));
    }
    for (const id of d.machine.state.unobserved) {
      const f = d.task(id)?.failure;
      if (f) this.sendEvent(new OutputEvent(`a task failed and nobody awaited it: #${id} ${f.taskName}: ${f.message}\n`, 'stderr'));
    }
    this.sendRuntimeChanged('terminated', false);
    this.sendEvent(new ExitedEvent(outcome.exitCode));
    this.terminated = true;
    this.sendEvent(new TerminatedEvent());
  }

  private sendRuntimeChanged(reason: string, running: boolean): void {
    const d = this.debuggee!;
    const s = d.machine.state;
    const body: RuntimeChangedBody = { reason, step: s.steps, clockMs: s.us / 1000, focusTask: d.current?.task ?? 0, liveTasks: s.live.size, running };
    this.sendEvent(new Event(RUNTIME_CHANGED_EVENT, body));
  }

  private resetStopState(): void {
    this.variables.reset();
    this.frames.clear();
  }

  private resume(response: DebugProtocol.Response, mode: ResumeMode): void {
    this.handle(response, () => {
      const d = this.requireStopped();
      if (mode.kind !== 'continue' && !d.task(mode.task)) throw new RequestError(ERR.unknownThread, `no task #${mode.task}`);
      if (mode.kind !== 'continue' && d.task(mode.task)!.done) throw new RequestError(ERR.unknownThread, `task #${mode.task} has finished; step another task`);
      this.resetStopState();
      // answer first, then run: the stop event follows the response
      setImmediate(() => void this.guard(() => d.resume(mode)).then(o => this.report(o)));
    });
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.resume(response, { kind: 'continue' });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.resume(response, { kind: 'next', task: intArg(args, 'threadId') });
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.resume(response, { kind: 'stepIn', task: intArg(args, 'threadId') });
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.resume(response, { kind: 'stepOut', task: intArg(args, 'threadId') });
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.travel(response, d => d.stepBack(intArg(args, 'threadId')), intArg(args, 'threadId'));
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.travel(response, d => d.reverseContinue());
  }

  private travel(response: DebugProtocol.Response, go: (d: Debuggee) => Promise<Outcome>, task?: number): void {
    this.handle(response, () => {
      const d = this.requireStopped();
      if (task !== undefined && !d.task(task)) throw new RequestError(ERR.unknownThread, `no task #${task}`);
      this.resetStopState();
      setImmediate(() => void this.guard(() => go(d)).then(o => this.report(o)));
    });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.handle(response, () => {
      this.requireDebuggee().requestPause();
    });
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    this.handle(response, async () => {
      const old = this.requireDebuggee();
      old.cancel();
      const raw = (args.arguments ?? this.config) as unknown;
      const project = projectDefaults(raw);
      if (!project.ok) throw new RequestError(ERR.launch, `Aria project file: ${project.error}`);
      const read = readLaunchConfig(raw, project.defaults);
      if (!read.ok) throw new RequestError(ERR.launch, `Aria launch configuration: ${read.error}`);
      // the old run loop ends at its next slice; the new program starts from scratch
      for (const t of old.threads()) this.sendEvent(new ThreadEvent('exited', t.id));
      this.terminated = false;
      await this.load(read.config);
      this.resetStopState();
      this.sendEvent(new ContinuedEvent(0, true));
      setImmediate(() => void this.begin());
    });
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.debuggee?.cancel();
    this.sendResponse(response);
    if (!this.terminated) {
      this.terminated = true;
      if (this.debuggee) this.sendRuntimeChanged('terminated', false);
      this.sendEvent(new TerminatedEvent());
    }
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): void {
    this.debuggee?.cancel();
    this.terminated = true;
    super.disconnectRequest(response, args);
  }

  // ------------------------------------------------------------ breakpoints

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.handle(response, async () => {
      const path = args.source?.path;
      const specs = args.breakpoints ?? (args.lines ?? []).map(line => ({ line }));
      if (!path) {
        response.body = { breakpoints: specs.map(() => ({ verified: false, message: 'breakpoints need a source path' })) };
        return;
      }
      this.pendingSourceBreakpoints.set(resolve(path), specs);
      const d = this.debuggee;
      if (!d) {
        response.body = { breakpoints: specs.map(s => ({ verified: false, line: s.line, message: 'the program is not loaded yet' })) };
        return;
      }
      const set = d.breakpoints.setSourceBreakpoints(resolve(path), specs);
      await this.precompile(set);
      response.body = { breakpoints: set.map(bp => this.toDapBreakpoint(bp)) };
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.handle(response, async () => {
      this.pendingFunctionBreakpoints = args.breakpoints ?? [];
      const d = this.debuggee;
      if (!d) {
        response.body = { breakpoints: this.pendingFunctionBreakpoints.map(() => ({ verified: false })) };
        return;
      }
      const set = d.breakpoints.setFunctionBreakpoints(this.pendingFunctionBreakpoints);
      await this.precompile(set);
      response.body = { breakpoints: set.map(bp => this.toDapBreakpoint(bp)) };
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.handle(response, () => {
      const known = new Set<string>(EXCEPTION_FILTERS.map(f => f.filter));
      const filters = (args.filters ?? []).filter(f => known.has(f)) as ExceptionFilter[];
      this.exceptionFilters = new Set(filters);
      if (this.debuggee) {
        this.debuggee.exceptionFilters = new Set(filters);
        // A replayed schedule stops at its failure whatever the filters say.
        if (this.config?.replay) for (const f of ['uncaught', 'deadlock'] as const) this.debuggee.exceptionFilters.add(f);
      }
      response.body = { breakpoints: (args.filters ?? []).map(f => ({ verified: known.has(f), ...(known.has(f) ? {} : { message: `unknown filter ${f}` }) })) };
    });
  }

  protected override breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    this.handle(response, () => {
      const d = this.debuggee;
      const path = args.source?.path;
      const end = args.endLine ?? args.line;
      const lines = d && path ? d.breakpoints.executableLines(resolve(path)).filter(l => l >= args.line && l <= end) : [];
      response.body = { breakpoints: lines.map(line => ({ line })) };
    });
  }

  private async precompile(bps: readonly ActiveBreakpoint[]): Promise<void> {
    for (const bp of bps) {
      const texts = [...(bp.condition ? [bp.condition] : []), ...(bp.logMessage ? parseLogMessage(bp.logMessage).flatMap(p => ('expr' in p ? [p.expr] : [])) : [])];
      for (const text of texts) if (!this.compiled.has(text)) this.compiled.set(text, await compileExpression(text));
    }
  }

  private toDapBreakpoint(bp: ActiveBreakpoint): DebugProtocol.Breakpoint {
    const out = new Breakpoint(bp.verified, bp.line, bp.column, bp.path ? this.source(bp.path) : undefined) as DebugProtocol.Breakpoint;
    out.id = bp.id;
    if (bp.message) out.message = bp.message;
    return out;
  }

  // ------------------------------------------------------------ threads, stacks, variables

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const d = this.debuggee;
    response.body = { threads: d ? d.threads().map(t => new Thread(t.id, t.name)) : [] };
    this.sendResponse(response);
  }

  private source(path: string): Source {
    if (path === PRELUDE_MODULE) {
      const s = new Source('prelude.aria', undefined, PRELUDE_REF, 'deemphasize') as DebugProtocol.Source;
      s.presentationHint = 'deemphasize';
      return s as Source;
    }
    return new Source(basename(path), this.convertDebuggerPathToClient(path));
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.handle(response, () => {
      const d = this.requireDebuggee();
      const task = intArg(args, 'threadId');
      if (!d.task(task)) throw new RequestError(ERR.unknownThread, `no task #${task}`);
      const all = d.stack(task);
      const start = args.startFrame ?? 0;
      const levels = args.levels && args.levels > 0 ? args.levels : all.length;
      const frames = all.slice(start, start + levels).map(f => {
        const id = this.nextFrameId++;
        this.frames.set(id, { task, index: f.index });
        const sf = new StackFrame(id, f.fn, this.source(f.path), f.line, f.column) as DebugProtocol.StackFrame;
        if (f.prelude) sf.presentationHint = 'subtle';
        return sf;
      });
      response.body = { stackFrames: frames, totalFrames: all.length };
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.handle(response, () => {
      const d = this.requireDebuggee();
      const ref = this.frames.get(intArg(args, 'frameId'));
      if (!ref) throw new RequestError(ERR.badArgs, 'unknown frame (frames are valid until the program resumes)');
      const v = this.variables;
      const locals = v.lazy(() => {
        const types = this.localTypes(ref.task, ref.index);
        return d.locals(ref.task, ref.index).map(l => v.variable(l.name, l.value, l.name, types.get(l.name)));
      });
      const task = v.lazy(() => this.taskRows(ref.task));
      const runtime = v.lazy(() => this.runtimeRows());
      const scopes: DebugProtocol.Scope[] = [
        { ...new Scope('Locals', locals, false), presentationHint: 'locals' },
        new Scope('Task', task, false),
        new Scope('Runtime', runtime, true),
      ];
      response.body = { scopes };
    });
  }

  /** Where a frame stands in a workspace file (undefined for the prelude, or without static types). */
  private frameSite(task: number, index: number): { path: string; offset: number } | undefined {
    const f = this.debuggee?.stack(task)[index];
    if (!f || f.prelude || !this.staticTypes) return undefined;
    const offset = this.staticTypes.offset(f.path, f.line, f.column);
    return offset === undefined ? undefined : { path: f.path, offset };
  }

  /** The static types of a frame's locals, by name, from the bindings visible where the frame stands. */
  private localTypes(task: number, index: number): Map<string, string> {
    const site = this.frameSite(task, index);
    return site && this.staticTypes ? this.staticTypes.localsAt(site.path, site.offset) : new Map();
  }

  /**
   * The static type of an evaluated expression: a name's type at its binding, a field's from its struct's
   * declaration, an element's from its list's type, a literal's own; undefined for anything else.
   */
  private expressionType(e: A.Expr, site: { path: string; offset: number } | undefined, scope: EvalScope, depth = 0): string | undefined {
    const types = this.staticTypes;
    if (!types || depth > 64) return undefined;
    switch (e.kind) {
      case 'Int':
      case 'Float':
      case 'String':
      case 'Bool':
      case 'Unit':
        return e.kind;
      case 'Name':
        return site ? types.nameAt(site.path, site.offset, e.name) : undefined;
      case 'Member': {
        const objectType = this.expressionType(e.object, site, scope, depth + 1);
        const object = objectType ? evaluateExpr(e.object, scope) : undefined;
        return object?.ok ? types.field(objectType, object.value, e.property.name) : undefined;
      }
      case 'Index': {
        const listType = this.expressionType(e.object, site, scope, depth + 1);
        return listType?.startsWith('List[') ? types.element(listType) : undefined;
      }
      default:
        return undefined;
    }
  }

  private taskRows(id: number): DebugProtocol.Variable[] {
    const d = this.debuggee!;
    const v = this.variables;
    const row = d.state(this.lastReason).tasks.find(t => t.id === id);
    const t = d.task(id);
    if (!row || !t) return [v.row('task', `#${id} is gone`)];
    const threadName = (th: number) => {
      const w = d.machine.state.threads[th];
      return !w ? 'none' : w.kind === 'worker' ? `worker ${w.index}` : w.kind === 'block-on' ? 'block_on thread' : `blocking thread ${th}`;
    };
    return [
      v.row('id', String(row.id), undefined, 'Int'),
      v.row('name', row.name, undefined, 'String'),
      v.row('parent', row.parent > 0 ? `#${row.parent} ${d.task(row.parent)?.name ?? ''}`.trim() : 'none'),
      v.row('state', row.state + (row.waitsOn ? ` (waits on ${row.waitsOn})` : '')),
      v.row('worker', threadName(row.thread)),
      v.row('polls', String(row.polls), undefined, 'Int'),
      v.row('steps', String(row.steps), undefined, 'Int'),
      v.row('cancellation', t.aborted ? 'requested' : isTokenCancelled(t.token) ? 'token cancelled' : 'not requested'),
      v.row('scope', row.scope >= 0 ? `#${row.scope}` : 'none'),
      v.row('spawned at', row.spawnSite ? `${basename(row.spawnSite.path)}:${row.spawnSite.line}` : 'program start'),
      v.row('busy', formatMs(row.busyUs / 1000)),
      ...(t.failure ? [v.row('failure', t.failure.message)] : []),
      v.row('children', String(d.machine.state.tasks.filter(c => c && c.parent === id).length), () =>
        d.machine.state.tasks.filter(c => c && c.parent === id).map(c => v.row(`#${c!.id}`, `${c!.name} (${c!.state})`))),
    ];
  }

  private runtimeRows(): DebugProtocol.Variable[] {
    const d = this.debuggee!;
    const v = this.variables;
    const st = d.state(this.lastReason);
    return [
      v.row('clock', formatMs(st.clockMs)),
      v.row('step', String(st.step), undefined, 'Int'),
      v.row('seed', String(st.seed), undefined, 'Int'),
      v.row('workers', String(st.workers.length), () => st.workers.map(w => v.row(`worker ${w.index}`, [
        w.current >= 0 ? `running #${w.current}` : w.parked ? 'parked' : 'idle',
        `queue [${w.localQueue.map(x => `#${x}`).join(', ')}]`,
        `LIFO ${w.lifoSlot >= 0 ? `#${w.lifoSlot}` : 'empty'}`,
        `steals ${w.stealCount}`, `parks ${w.parkCount}`,
      ].join(', ')))),
      v.row('global queue', `[${st.runtimes.flatMap(r => r.globalQueue).map(x => `#${x}`).join(', ')}]`),
      v.row('timers', String(st.timers.length), () => [...st.timers].sort((a, b) => a.deadlineMs - b.deadlineMs).map(t =>
        v.row(`timer ${t.id}`, `${formatMs(t.deadlineMs)} ${t.purpose} for #${t.owner} (level ${t.level}, slot ${t.slot})`))),
      v.row('blocking pool', `${st.blockingThreads.filter(b => !b.closed).length} threads`),
      v.row('tasks', `${st.tasks.filter(t => t.state !== 'completed' && t.state !== 'failed' && t.state !== 'cancelled').length} live of ${st.tasks.length}`),
      this.checkpointRow(),
    ];
  }

  /** What stepping back keeps: the checkpoints and the estimate of their memory against the budget. */
  private checkpointRow(): DebugProtocol.Variable {
    const v = this.variables;
    const m = this.debuggee!.travel.memory();
    const mb = (b: number) => `${(b / (1024 * 1024)).toFixed(1)} MB`;
    return v.row('checkpoints', `${m.checkpoints} · ≈ ${mb(m.bytes)} of ${mb(m.budget)}`, () => [
      v.row('count', String(m.checkpoints), undefined, 'Int'),
      v.row('memory (estimate)', `${m.bytes} bytes`),
      v.row('budget', `${m.budget} bytes`),
      v.row('structure objects', String(m.structureObjects), undefined, 'Int'),
      v.row('heap versions', String(m.heapPairs), undefined, 'Int'),
      v.row('heap copies', String(m.heapCopies), undefined, 'Int'),
      v.row('copied slots', String(m.heapSlots), undefined, 'Int'),
      v.row('copied string characters', String(m.heapChars), undefined, 'Int'),
    ]);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.handle(response, () => {
      const ref = intArg(args, 'variablesReference');
      const children = this.variables.children(ref, { ...(args.start !== undefined ? { start: args.start } : {}), ...(args.count !== undefined ? { count: args.count } : {}), ...(args.filter ? { filter: args.filter } : {}) });
      if (!children) throw new RequestError(ERR.badArgs, 'unknown variablesReference (references are valid until the program resumes)');
      response.body = { variables: children };
    });
  }

  // ------------------------------------------------------------ evaluation

  private scopeFor(task: number, frameIndex: number): EvalScope {
    const d = this.debuggee!;
    const locals = new Map(d.locals(task, frameIndex).map(l => [l.name, l.value] as const));
    return {
      has: name => locals.has(name) || d.global(name) !== undefined || d.program.globalNames.includes(name),
      lookup: name => (locals.has(name) ? locals.get(name) : d.global(name)),
      nowMs: () => d.machine.nowMs(),
    };
  }

  /** For conditions and logpoints: the expression was parsed when the breakpoint was set. */
  private evaluateSync(task: number, frameIndex: number, text: string): { ok: true; value: Value } | { ok: false; error: string } {
    const c = this.compiled.get(text);
    if (!c) return { ok: false, error: 'not parsed yet' };
    if (!c.ok) return c;
    return evaluateExpr(c.expr, this.scopeFor(task, frameIndex));
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.handle(response, async () => {
      const d = this.requireStopped();
      const ref = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
      if (args.frameId !== undefined && !ref) throw new RequestError(ERR.badArgs, 'unknown frame (frames are valid until the program resumes)');
      const task = ref?.task ?? d.current?.task ?? d.machine.state.mainTask;
      const compiled = await compileExpression(String(args.expression ?? ''));
      if (!compiled.ok) throw new RequestError(ERR.evaluate, compiled.error);
      const scope = this.scopeFor(task, ref?.index ?? 0);
      const r = evaluateExpr(compiled.expr, scope);
      if (!r.ok) throw new RequestError(ERR.evaluate, r.error);
      const type = this.expressionType(compiled.expr, this.frameSite(task, ref?.index ?? 0), scope);
      const v = this.variables.variable(args.expression, r.value, undefined, type);
      response.body = { result: v.value, ...(v.type ? { type: v.type } : {}), variablesReference: v.variablesReference, ...(v.indexedVariables ? { indexedVariables: v.indexedVariables } : {}) };
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    this.handle(response, () => {
      const d = this.requireDebuggee();
      const stop = d.current;
      const x = stop?.exception;
      if (!x) throw new RequestError(ERR.badArgs, 'the program is not stopped on an exception');
      void intArg(args, 'threadId');
      const f = x.failure;
      const stackText = f.stack.map(fr => `    at ${fr.fn} (${fr.module}:${fr.line}:${fr.column})`).join('\n');
      const blocked = 'blocked' in f && f.blocked ? `\n${f.blocked.map(b => `    task #${b.task} (${b.name}) waits on ${b.waitsOn}`).join('\n')}` : '';
      const cause = 'cause' in f && f.cause ? f.cause : undefined;
      response.body = {
        exceptionId: f.kind,
        description: f.message,
        breakMode: x.filter === 'uncaught' || x.filter === 'deadlock' ? 'unhandled' : 'always',
        details: {
          message: f.message,
          typeName: f.kind,
          fullTypeName: `aria.${f.kind}`,
          stackTrace: `${stackText}${blocked}`,
          ...(cause ? { innerException: [{ message: cause.message, typeName: cause.kind, stackTrace: cause.stack.map(fr => `    at ${fr.fn} (${fr.module}:${fr.line}:${fr.column})`).join('\n') }] } : {}),
        },
      };
    });
  }

  // ------------------------------------------------------------ sources

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    this.handle(response, () => {
      const ref = args.source?.sourceReference ?? args.sourceReference;
      if (ref === PRELUDE_REF) {
        response.body = { content: PRELUDE_SOURCE, mimeType: 'text/x-aria' };
        return;
      }
      const path = args.source?.path;
      const text = path ? this.debuggee?.program.sources.get(resolve(path))?.text : undefined;
      if (text === undefined) throw new RequestError(ERR.badArgs, 'unknown source');
      response.body = { content: text, mimeType: 'text/x-aria' };
    });
  }

  protected override loadedSourcesRequest(response: DebugProtocol.LoadedSourcesResponse): void {
    const d = this.debuggee;
    response.body = { sources: d ? [...d.program.sources.keys()].map(p => this.source(p) as DebugProtocol.Source) : [] };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------ custom requests

  // Not supported (and not advertised): the base class would answer success and do nothing.
  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse): void {
    this.unsupported(response, 'setVariable: changing a variable is not supported; the run is replayed from its seed, so a change would not hold');
  }

  protected override setExpressionRequest(response: DebugProtocol.SetExpressionResponse): void {
    this.unsupported(response, 'setExpression: assigning to an expression is not supported');
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse): void {
    this.unsupported(response, 'completions: the Debug Console does not offer completions');
  }

  private unsupported(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, { id: ERR.unsupported, format: message });
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    switch (command) {
      case RUNTIME_STATE_REQUEST:
        this.handle(response, () => {
          const d = this.requireDebuggee();
          if (d.isRunning) throw new RequestError(ERR.busy, 'the program is running; the state is sent at the next stop');
          response.body = d.state(this.lastReason);
        });
        return;
      case TIMELINE_REQUEST:
        this.handle(response, () => {
          const d = this.requireDebuggee();
          if (d.isRunning) throw new RequestError(ERR.busy, 'the program is running; the timeline is sent at the next stop');
          response.body = d.timeline();
        });
        return;
      case FOCUS_TASK_REQUEST:
        this.handle(response, () => {
          const d = this.requireStopped();
          const task = intArg(args, 'task' satisfies keyof FocusTaskArguments);
          const t = d.task(task);
          if (!t) throw new RequestError(ERR.unknownThread, `no task #${task}`);
          if (!d.inspect(task)) throw new RequestError(ERR.unknownThread, `task #${task} has finished (${t.state}); it has no thread`);
          // VS Code focuses the thread a `stopped` event names; the run stays where it is.
          setImmediate(() => {
            const ev = new StoppedEvent(this.lastReason === 'terminated' ? 'pause' : this.lastReason, task) as DebugProtocol.StoppedEvent;
            ev.body.allThreadsStopped = true;
            ev.body.preserveFocusHint = false;
            ev.body.description = `Focused task #${task}`;
            this.resetStopState();
            this.sendEvent(ev);
          });
        });
        return;
      default:
        this.sendErrorResponse(response, { id: ERR.unsupported, format: `unknown request ${command}` });
    }
  }
}

class Response implements DebugProtocol.Response {
  seq = 0;
  type = 'response' as const;
  request_seq: number;
  success = true;
  command: string;
  constructor(request: DebugProtocol.Request) {
    this.request_seq = request.seq;
    this.command = request.command;
  }
}

function isTokenCancelled(token: { cancelled: boolean; parent: unknown } | null): boolean {
  for (let t = token as { cancelled: boolean; parent: unknown } | null; t; t = t.parent as typeof t) if (t.cancelled) return true;
  return false;
}

function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}

/** Paths from the client and the program's module paths name the same file (case-insensitively on Windows and macOS). */
function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  const norm = (p: string) => resolve(p).replace(/\\/g, '/');
  if (process.platform === 'win32' || process.platform === 'darwin') return norm(a).toLowerCase() === norm(b).toLowerCase();
  return norm(a) === norm(b);
}
