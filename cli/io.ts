// Where the CLI's commands write, and their usage errors: its own module, so the commands and the dispatcher
// (`main.ts`, which loads them) do not import each other.

/** Where a command writes; injected so tests can run commands in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** Whether to colour what goes to each stream (default: no colour). */
  readonly colour?: { readonly stdout: boolean; readonly stderr: boolean };
  /** stderr is a terminal: a progress line may be drawn there and erased (default: no). */
  readonly progress?: boolean;
}

/** Prints a usage error naming the problem, then the command's usage, on stderr; exit status 2. */
export function usageError(command: string, message: string, usage: string, io: CliIo): number {
  io.stderr(`aria ${command}: ${message}\n\n${usage}`);
  return 2;
}
