// The `aria` command line: dispatches `check | run | test | explore | explain | lsp | dap | parse` to the parts of the project that do the work.
import { isMainThread } from 'node:worker_threads';
import { readArgs } from './args.js';
import { wantsColour } from './style.js';
import { usageError, type CliIo } from './io.js';

export { usageError, type CliIo };

/**
 * The process's streams. Output into a closed pipe (`aria run prog.aria | head -1`) ends the process quietly with
 * status 141, as a Unix tool killed by SIGPIPE reports it, instead of an unhandled EPIPE.
 */
function processIo(): CliIo {
  const closed = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(141);
    throw error;
  };
  process.stdout.on('error', closed);
  process.stderr.on('error', closed);
  const write = (stream: NodeJS.WriteStream) => (text: string) => {
    try {
      stream.write(text);
    } catch (error) {
      closed(error as NodeJS.ErrnoException);
    }
  };
  return {
    stdout: write(process.stdout),
    stderr: write(process.stderr),
    cwd: process.cwd(),
    colour: { stdout: wantsColour(process.stdout.isTTY === true, process.env), stderr: wantsColour(process.stderr.isTTY === true, process.env) },
    progress: process.stderr.isTTY === true && process.env['TERM'] !== 'dumb',
  };
}

const USAGE = `usage: aria <command> [options]

commands:
  check [paths...]   check effects (no paths: the workspace of aria.toml or the current folder); exit 1 on errors
  run FILE           run a program on the deterministic scheduler
  test [paths...]    run the @test functions (--explore N: on N explored schedules); exit 1 on a failure
  explore FILE       run a program under many schedules; save a failing one as a replay file
  explain CODE       explain a diagnostic code (E0202, W0201, ...) with an example
  parse FILE         print the syntax tree and any syntax errors
  lsp --stdio        serve the Language Server Protocol (also --node-ipc, --socket=PORT, --pipe=NAME)
  dap                serve the Debug Adapter Protocol on stdio
  help [COMMAND]     this text, or a command's options (also \`aria COMMAND --help\`)
  version            the version

Exit status: 0 on success, 1 when checking finds errors or a program fails, 2 on bad usage.
`;

interface Command {
  /** The command's help text (`aria help NAME`, `aria NAME --help`). */
  readonly usage: () => Promise<string>;
  readonly run: (args: string[], io: CliIo) => Promise<number>;
}

const commands: Readonly<Record<string, Command>> = {
  check: {
    usage: async () => (await import('./check.js')).CHECK_USAGE,
    run: async (args, io) => (await import('./check.js')).runCheck(args, io),
  },
  run: {
    usage: async () => (await import('./run.js')).RUN_USAGE,
    run: async (args, io) => (await import('./run.js')).runRun(args, io),
  },
  test: {
    usage: async () => (await import('./test.js')).TEST_USAGE,
    run: async (args, io) => (await import('./test.js')).runTest(args, io),
  },
  explore: {
    usage: async () => (await import('./explore.js')).EXPLORE_USAGE,
    run: async (args, io) => (await import('./explore.js')).runExplore(args, io),
  },
  explain: {
    usage: async () => (await import('./explain.js')).explainUsage(),
    run: async (args, io) => {
      const { runExplain, explainUsage } = await import('./explain.js');
      return withArgs('explain', args, {}, explainUsage(), io, positionals => runExplain(positionals, io));
    },
  },
  parse: {
    usage: async () => (await import('./parse.js')).PARSE_USAGE,
    run: async (args, io) => (await import('./parse.js')).runParse(args, io),
  },
  lsp: { usage: async () => LSP_USAGE, run: lspCommand },
  dap: {
    usage: async () => DAP_USAGE,
    run: (args, io) => withArgs('dap', args, {}, DAP_USAGE, io, async positionals => {
      if (positionals.length) return usageError('dap', `unexpected argument \`${positionals[0]}\``, DAP_USAGE, io);
      // Serves DAP on stdio until the client disconnects, then exits (pending virtual-time timers must not linger).
      await (await import('../debug/main.js')).start();
      return 0;
    }),
  },
  help: {
    usage: async () => USAGE,
    run: async (args, io) => {
      const name = args[0];
      if (name === undefined) {
        io.stdout(USAGE);
        return 0;
      }
      const command = commands[name];
      if (!command) return unknownCommand(name, io);
      io.stdout(await command.usage());
      return 0;
    },
  },
  version: {
    usage: async () => 'usage: aria version\n\nPrints the version.\n',
    run: async (_args, io) => {
      io.stdout(`aria ${VERSION}\n`);
      return 0;
    },
  },
};

const LSP_USAGE = `usage: aria lsp (--stdio | --node-ipc | --socket=PORT | --pipe=NAME) [--clientProcessId=PID]

Serves the Language Server Protocol over the transport named. The server reads aria.toml for the files of the workspace.
`;

const DAP_USAGE = `usage: aria dap

Serves the Debug Adapter Protocol on stdio (VS Code's "aria" debugger starts it).
`;

declare const ARIA_VERSION: string | undefined;
const VERSION = typeof ARIA_VERSION === 'string' ? ARIA_VERSION : '0.1.0-dev';

/** Reads a command's arguments with the common parser: `--help` prints its usage, a bad flag is a usage error. */
async function withArgs(command: string, args: readonly string[], options: Parameters<typeof readArgs>[1], usage: string, io: CliIo,
  body: (positionals: string[]) => number | Promise<number>): Promise<number> {
  const parsed = readArgs(args, options);
  if (parsed.kind === 'help') {
    io.stdout(usage);
    return 0;
  }
  if (parsed.kind === 'error') return usageError(command, parsed.message, usage, io);
  return body(parsed.positionals);
}

function unknownCommand(name: string, io: CliIo): number {
  io.stderr(`aria: unknown command \`${name}\`\n\n${USAGE}`);
  return 2;
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io?: CliIo): Promise<number> {
  // The bundled CLI started again as a worker thread of `--jobs N` runs its part of an exploration, nothing else.
  if (!isMainThread) {
    const jobs = await import('./explore-jobs.js');
    if (jobs.isExploreJob()) return jobs.runExploreJob();
  }
  return dispatch(argv, io ?? processIo());
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a usage error: the help goes to stderr, so `aria | less` in a script is not mistaken for output.
    io.stderr(USAGE);
    return 2;
  }
  if (name === '--help' || name === '-h') return commands.help!.run([], io);
  if (name === '--version' || name === '-V' || name === '-v') return commands.version!.run([], io);
  const command = commands[name];
  if (!command && name.startsWith('-')) {
    io.stderr(`aria: unknown option \`${name}\`\n\n${USAGE}`);
    return 2;
  }
  if (!command) return unknownCommand(name, io);
  return command.run(rest, io);
}

/** `aria lsp [--stdio | --node-ipc | --socket=N]`: the transport is read from argv by vscode-languageserver. */
async function lspCommand(args: string[], io: CliIo): Promise<number> {
  return withArgs('lsp', args, {
    stdio: { type: 'boolean' }, 'node-ipc': { type: 'boolean' }, socket: { type: 'string' }, pipe: { type: 'string' },
    clientProcessId: { type: 'string' },
  }, LSP_USAGE, io, async positionals => {
    if (positionals.length) return usageError('lsp', `unexpected argument \`${positionals[0]}\``, LSP_USAGE, io);
    if (!args.some(a => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
      return usageError('lsp', 'choose a transport: --stdio, --node-ipc, --socket=PORT or --pipe=NAME', LSP_USAGE, io);
    }
    const { startServer } = await import('../server/server.js');
    const { tuneServerHeap } = await import('../server/memory.js');
    tuneServerHeap();
    await startServer();
    // The connection keeps the process alive; it exits when the client sends `exit` or closes the stream.
    return new Promise<number>(() => {});
  });
}
