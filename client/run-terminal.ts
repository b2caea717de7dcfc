// A terminal that runs one Aria program through the bundled CLI and stays open with its output after it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import { exitLine, toTerminalText } from './run-target.js';

export interface RunSpec {
  readonly name: string;
  readonly shellPath: string;
  readonly shellArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/**
 * A pseudoterminal rather than `createTerminal({ shellPath })`: a process terminal closes when the program exits,
 * taking a failing program's output with it, and a shell terminal would need per-shell quoting of the paths.
 * Ctrl+C stops the program; typed lines go to its stdin.
 */
export function startRunTerminal(spec: RunSpec): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  let child: ChildProcess | undefined;
  let line = '';
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    open: () => {
      write.fire(`\x1b[2m$ node ${spec.shellArgs.map(quoteForDisplay).join(' ')}\x1b[0m\r\n`);
      child = spawn(spec.shellPath, [...spec.shellArgs], { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdout?.on('data', (chunk: Buffer) => write.fire(toTerminalText(chunk.toString('utf8'))));
      child.stderr?.on('data', (chunk: Buffer) => write.fire(`\x1b[31m${toTerminalText(chunk.toString('utf8'))}\x1b[0m`));
      child.on('error', error => write.fire(`\r\n\x1b[31mCould not start the program: ${error.message}\x1b[0m\r\n`));
      child.on('close', (code, signal) => {
        write.fire(`\r\n\x1b[2m${exitLine(code, signal)}\x1b[0m\r\n`);
        child = undefined;
      });
    },
    close: () => {
      child?.kill();
      write.dispose();
    },
    handleInput: data => {
      if (!child) return;
      if (data === '\x03') {
        write.fire('^C\r\n');
        child.kill('SIGINT');
        return;
      }
      // a minimal line discipline: echo, backspace, and send the line on Enter
      for (const ch of data) {
        if (ch === '\r') {
          write.fire('\r\n');
          child.stdin?.write(`${line}\n`);
          line = '';
        } else if (ch === '\x7f') {
          if (line) {
            line = line.slice(0, -1);
            write.fire('\b \b');
          }
        } else if (ch >= ' ') {
          line += ch;
          write.fire(ch);
        }
      }
    },
  };
  const terminal = vscode.window.createTerminal({ name: spec.name, pty, iconPath: new vscode.ThemeIcon('play') });
  terminal.show();
  return terminal;
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
