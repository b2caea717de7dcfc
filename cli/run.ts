// `aria run FILE [options]`: checks a program like a compiler would, then runs it on the deterministic scheduler.
import { writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Workspace } from '../analysis/workspace.js';
import { runProgram, type Flavor } from '../runtime/index.js';
import { formatDiagnostics, readText } from './check.js';
import type { CliIo } from './main.js';

const USAGE = `usage: aria run FILE [--workers N] [--seed S] [--flavor multi|single|wasm] [--trace out.json] [--stats]
                    [--step-limit N] [--no-check]

Runs an Aria program on the deterministic work-stealing scheduler and prints what it prints.
  --workers N      worker threads of the default runtime (default 4, CPU.count)
  --seed S         the seed of every scheduling choice: the same seed replays the same run (default 1)
  --flavor F       multi (work-stealing, default), single (one worker) or wasm (an event loop)
  --trace FILE     write the run as Chrome Trace Event JSON (open it in Perfetto or chrome://tracing)
  --stats          print a per-worker and per-task summary after the output
  --step-limit N   stop a runaway program after N statements
  --no-check       run even if the effect checker reports errors
A program with effect errors does not run (exit 1); a program that fails exits 1 with its Aria stack.
`;

const FLAVORS: readonly Flavor[] = ['multi', 'single', 'wasm'];

function positiveInt(name: string, value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : `--${name} takes a whole number above 0, not \`${value}\``;
}

/** Runs `aria run` with its arguments; resolves to the exit code. */
export async function runRun(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        workers: { type: 'string' },
        seed: { type: 'string' },
        flavor: { type: 'string' },
        trace: { type: 'string' },
        stats: { type: 'boolean' },
        'step-limit': { type: 'string' },
        'no-check': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr(`aria run: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const usage = (message: string) => {
    io.stderr(`aria run: ${message}\n\n${USAGE}`);
    return 2;
  };
  if (positionals.length !== 1) return usage(positionals.length ? 'run takes one FILE (its imports are found from it)' : 'missing FILE');
  const workers = positiveInt('workers', values.workers);
  const stepLimit = positiveInt('step-limit', values['step-limit']);
  if (typeof workers === 'string') return usage(workers);
  if (typeof stepLimit === 'string') return usage(stepLimit);
  const flavor = values.flavor as Flavor | undefined;
  if (flavor !== undefined && !FLAVORS.includes(flavor)) return usage(`unknown flavor \`${flavor}\` (multi, single or wasm)`);

  const file = isAbsolute(positionals[0]!) ? positionals[0]! : resolve(io.cwd, positionals[0]!);
  const source = readText(file);
  if (source === undefined) {
    io.stderr(`aria run: cannot read ${positionals[0]}\n`);
    return 2;
  }

  let checked: Workspace | undefined;
  if (!values['no-check']) {
    // Check the program and everything it imports; errors stop the run, warnings are shown on stderr.
    const ws = (checked = await Workspace.create({ root: dirname(file), readFile: readText }));
    ws.setFile(file, source);
    ws.update(); // loads the modules the program imports
    const files = ws.filePaths({ imports: true });
    const all = files.flatMap(f => ws.diagnostics(f));
    if (all.length > 0) {
      io.stderr(formatDiagnostics(ws, all, files.length, io.cwd));
      if (all.some(d => d.severity === 'error')) {
        io.stderr(`aria run: ${positionals[0]} was not run because of the errors above\n`);
        return 1;
      }
    }
  }

  // Messages and stacks name the file as the user wrote it (relative to the working directory when inside it).
  const rel = relative(io.cwd, file);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
  const result = await runProgram(source, {
    path: shown,
    readModule: path => readText(resolve(io.cwd, path)),
    // The checker has parsed and lowered these files already: the run reuses its ASTs (of the same texts).
    lowered: checked ? (path, text) => {
      const full = resolve(io.cwd, path);
      return checked.text(full) === text ? checked.module(full) : undefined;
    } : undefined,
    workers,
    seed: values.seed,
    flavor,
    stepLimit,
    trace: values.trace !== undefined,
    stats: values.stats,
    host: { write: io.stdout },
  });
  if (result.diagnostics.some(d => d.severity === 'error')) {
    io.stderr(`${result.failureText ?? 'the program could not be loaded'}\n`);
    return 1;
  }
  if (result.failureText) io.stderr(`${result.failureText}\n`);
  if (values.trace !== undefined && result.trace) {
    const tracePath = resolve(io.cwd, values.trace);
    try {
      writeFileSync(tracePath, JSON.stringify(result.trace));
    } catch (error) {
      io.stderr(`aria run: cannot write the trace to ${values.trace}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  if (values.stats && result.statsText) io.stdout(`\n${result.statsText}${result.statsText.endsWith('\n') ? '' : '\n'}`);
  return result.exitCode;
}
