// The `aria` command line: dispatches `check | run | lsp | dap | parse` to the parts of the project that do the work.
import { readFileSync } from 'node:fs';
import { parse } from '../grammar/parser.js';
import { LineIndex } from '../analysis/line-index.js';
import { lowerModule } from '../analysis/syntax/lower.js';

/** Where a command writes; injected so tests can run commands in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

const defaultIo: CliIo = {
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
  cwd: process.cwd(),
};

const USAGE = `usage: aria <command> [options]

commands:
  check [paths...] [--format text|json]   check effects; exit 1 when there are errors
  run FILE [--workers N] [--seed S] [--flavor multi|single|wasm] [--trace out.json] [--stats] [--step-limit N]
                                          run a program on the deterministic scheduler
  lsp [--stdio | --node-ipc]              serve the Language Server Protocol
  dap                                     serve the Debug Adapter Protocol on stdio
  parse FILE                              print the syntax tree and any syntax errors
  help, --help                            this text
  version, --version                      the version
`;

type Command = (args: string[], io: CliIo) => Promise<number>;

const commands: Readonly<Record<string, Command>> = {
  check: async (args, io) => (await import('./check.js')).runCheck(args, io),
  run: async (args, io) => (await import('./run.js')).runRun(args, io),
  lsp: lspCommand,
  dap: async () => {
    // Serves DAP on stdio until the client disconnects, then exits (pending virtual-time timers must not linger).
    await (await import('../debug/main.js')).start();
    return 0;
  },
  parse: parseCommand,
  help: async (_args, io) => {
    io.stdout(USAGE);
    return 0;
  },
  version: async (_args, io) => {
    io.stdout(`aria ${VERSION}\n`);
    return 0;
  },
};

declare const ARIA_VERSION: string | undefined;
const VERSION = typeof ARIA_VERSION === 'string' ? ARIA_VERSION : '0.1.0-dev';

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') return commands.help!([], io);
  if (name === '--version' || name === '-v') return commands.version!([], io);
  const command = commands[name];
  if (!command) {
    io.stderr(`aria: unknown command \`${name}\`\n\n${USAGE}`);
    return 2;
  }
  return command(rest, io);
}

async function parseCommand(args: string[], io: CliIo): Promise<number> {
  const file = args[0];
  if (!file) {
    io.stderr('aria parse: missing FILE\n');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    io.stderr(`aria parse: cannot read ${file}: ${(error as Error).message}\n`);
    return 2;
  }
  const tree = await parse(text);
  io.stdout(`${tree.rootNode.toString()}\n`);
  const module = lowerModule(tree, text, file);
  const lines = new LineIndex(text);
  for (const error of module.syntaxErrors) {
    const { line, column } = lines.position(error.span.start);
    io.stderr(`${file}:${line + 1}:${column + 1}: error E0001: ${error.message}\n`);
  }
  return module.syntaxErrors.length ? 1 : 0;
}

/** `aria lsp [--stdio | --node-ipc | --socket=N]`: the transport is read from argv by vscode-languageserver. */
async function lspCommand(args: string[], io: CliIo): Promise<number> {
  if (!args.some(a => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket=') || a.startsWith('--pipe='))) {
    io.stderr('aria lsp: choose a transport: --stdio, --node-ipc or --socket=PORT\n');
    return 2;
  }
  const { startServer } = await import('../server/server.js');
  await startServer();
  // The connection keeps the process alive; it exits when the client sends `exit` or closes the stream.
  return new Promise<number>(() => {});
}
