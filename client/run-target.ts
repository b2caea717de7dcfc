// Works out which .aria file a Run/Debug request means and what to start for it (plain data, no vscode API).
import { basename, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of a vscode.Uri this module reads (so it can be tested without VS Code). */
export interface UriLike {
  readonly scheme: string;
  readonly fsPath: string;
  toString(): string;
}

export type RunTarget =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'unsaved'; readonly uri: string }
  | { readonly kind: 'none' };

/**
 * The file a command argument names. Code lenses from the server pass a `file:` URI string (LSP arguments are
 * JSON), the editor title button and explorer menus pass a vscode.Uri, and the palette passes nothing, in which
 * case the active Aria editor is the target.
 */
export function resolveRunTarget(arg: unknown, active: UriLike | undefined): RunTarget {
  const fromArg = targetOf(arg);
  if (fromArg) return fromArg;
  return active ? targetOfUri(active) : { kind: 'none' };
}

function targetOf(arg: unknown): RunTarget | undefined {
  if (typeof arg === 'string') {
    if (arg.startsWith('file:')) {
      try {
        return { kind: 'file', path: fileURLToPath(arg) };
      } catch {
        return undefined;
      }
    }
    if (isAbsolute(arg)) return { kind: 'file', path: arg };
    if (/^[a-z][a-z0-9+.-]*:/i.test(arg)) return { kind: 'unsaved', uri: arg };
    return undefined;
  }
  if (Array.isArray(arg)) return targetOf(arg[0]);
  if (typeof arg === 'object' && arg !== null) {
    const record = arg as Record<string, unknown>;
    if (typeof record['scheme'] === 'string' && typeof record['fsPath'] === 'string') return targetOfUri(arg as UriLike);
    if ('uri' in record) return targetOf(record['uri']);
  }
  return undefined;
}

function targetOfUri(uri: UriLike): RunTarget {
  return uri.scheme === 'file' ? { kind: 'file', path: uri.fsPath } : { kind: 'unsaved', uri: uri.toString() };
}

/**
 * The process a Run terminal starts: the bundled CLI under the extension host's own executable. In desktop VS Code
 * that executable is Electron, which behaves as plain Node when ELECTRON_RUN_AS_NODE is set; code-server's is Node.
 */
export function runProcess(nodePath: string, cliPath: string, file: string): {
  readonly name: string;
  readonly shellPath: string;
  readonly shellArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
} {
  return {
    name: `Aria: ${basename(file)}`,
    shellPath: nodePath,
    shellArgs: [cliPath, 'run', file],
    env: { ELECTRON_RUN_AS_NODE: '1' },
  };
}

/** The launch configuration the Debug command starts (the "aria" adapter defines the attributes it reads). */
export function debugConfiguration(file: string): {
  readonly type: 'aria';
  readonly request: 'launch';
  readonly name: string;
  readonly program: string;
} {
  return { type: 'aria', request: 'launch', name: `Debug ${basename(file)}`, program: file };
}

/** Whether any installed extension's manifest contributes a debugger of `type`. */
export function contributesDebugger(manifests: Iterable<unknown>, type: string): boolean {
  for (const manifest of manifests) {
    const debuggers = (manifest as { contributes?: { debuggers?: unknown } } | undefined)?.contributes?.debuggers;
    if (Array.isArray(debuggers) && debuggers.some(d => typeof d === 'object' && d !== null && (d as { type?: unknown }).type === type)) {
      return true;
    }
  }
  return false;
}

/** Program output as terminal text: a terminal needs CR LF where the program wrote LF. */
export function toTerminalText(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** The closing line of a Run terminal. */
export function exitLine(code: number | null, signal: string | null): string {
  if (signal) return `[the program was stopped by ${signal}]`;
  return code === 0 ? '[the program exited normally]' : `[the program exited with code ${code ?? 'unknown'}]`;
}
