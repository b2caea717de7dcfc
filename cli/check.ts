// `aria check [paths...] [--format text|json] [--root DIR]`: checks Aria files and prints their diagnostics; exit 1 on errors.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Diagnostic } from '../analysis/diagnostics.js';
import { Workspace } from '../analysis/workspace.js';

export interface CheckIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

const USAGE = `usage: aria check [paths...] [--format text|json] [--root DIR]

Checks every .aria file named, or found under a directory named (default: the current directory).
  --format text   file:line:col: error|warning CODE: message, the source line and a caret (default)
  --format json   one JSON document: {files, summary, diagnostics}
  --root DIR      where imports resolve from (default: the current directory)
Exit status: 0 when there is no error (warnings allowed), 1 when there are errors, 2 on bad usage.
`;

interface Options {
  readonly paths: string[];
  readonly format: 'text' | 'json';
  readonly root?: string;
}

function parseArgs(args: readonly string[]): Options | string {
  const paths: string[] = [];
  let format: 'text' | 'json' = 'text';
  let root: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--format' || a.startsWith('--format=')) {
      const value = a === '--format' ? args[++i] : a.slice('--format='.length);
      if (value !== 'text' && value !== 'json') return `unknown format \`${value ?? ''}\` (text or json)`;
      format = value;
    } else if (a === '--root' || a.startsWith('--root=')) {
      const value = a === '--root' ? args[++i] : a.slice('--root='.length);
      if (!value) return '--root needs a directory';
      root = value;
    } else if (a === '--help' || a === '-h') {
      return 'help';
    } else if (a.startsWith('-') && a !== '-') {
      return `unknown option \`${a}\``;
    } else {
      paths.push(a);
    }
  }
  return { paths, format, root };
}

/** Every `.aria` file under a directory (skipping hidden folders and node_modules), sorted. */
function ariaFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const p = join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (name.endsWith('.aria')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** A file's text, or undefined when it is missing or not a file. */
export function readText(path: string): string | undefined {
  try {
    return existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `aria check` with its arguments; resolves to the exit code. */
export async function runCheck(args: string[], io: CheckIo): Promise<number> {
  const options = parseArgs(args);
  if (options === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (typeof options === 'string') {
    io.stderr(`aria check: ${options}\n\n${USAGE}`);
    return 2;
  }
  const abs = (p: string) => (isAbsolute(p) ? resolve(p) : resolve(io.cwd, p));
  const files: string[] = [];
  for (const p of options.paths.length ? options.paths : ['.']) {
    const full = abs(p);
    let st;
    try {
      st = statSync(full);
    } catch {
      io.stderr(`aria check: no such file or directory: ${p}\n`);
      return 2;
    }
    if (st.isDirectory()) files.push(...ariaFiles(full));
    else files.push(full);
  }
  const unique = [...new Set(files)];
  // A one-time check asks nothing of a file's AST once the file is analysed (no navigation): none is kept.
  const ws = await Workspace.create({ root: abs(options.root ?? '.'), readFile: readText, closedAstBudget: 0 });
  for (const f of unique) {
    const text = readText(f);
    if (text === undefined) {
      io.stderr(`aria check: cannot read ${f}\n`);
      return 2;
    }
    // A one-time check keeps no parse trees (each file is parsed when it is lowered, and the tree freed).
    ws.setFile(f, text, { keepTree: false });
  }
  const all: Diagnostic[] = [];
  for (const f of unique) all.push(...ws.diagnostics(f));
  const errors = all.filter(d => d.severity === 'error').length;
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(jsonReport(ws, all, unique, io.cwd), null, 2)}\n`);
    return errors ? 1 : 0;
  }
  io.stdout(formatDiagnostics(ws, all, unique.length, io.cwd));
  return errors ? 1 : 0;
}

/** A path as the user would write it: relative to `cwd` when inside it. */
function shownPath(path: string, cwd: string): string {
  const r = relative(cwd, path);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? path : r;
}

/** One-based line and column of an offset in a file of the workspace. */
function position(ws: Workspace, path: string, offset: number): { line: number; column: number } {
  const p = ws.lineIndex(path)?.position(offset) ?? { line: 0, column: 0 };
  return { line: p.line + 1, column: p.column + 1 };
}

function jsonReport(ws: Workspace, all: readonly Diagnostic[], files: readonly string[], cwd: string) {
  const errors = all.filter(d => d.severity === 'error').length;
  const diagnostics = all.map(d => {
    const start = position(ws, d.path, d.span.start);
    const end = position(ws, d.path, d.span.end);
    return {
      path: shownPath(d.path, cwd), line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
      severity: d.severity, code: d.code, message: d.message,
      related: d.related.map(r => ({ path: shownPath(r.path, cwd), ...position(ws, r.path, r.span.start), message: r.message })),
    };
  });
  return { files: files.map(f => shownPath(f, cwd)), summary: { files: files.length, errors, warnings: all.length - errors }, diagnostics };
}

/**
 * Diagnostics as `aria check` prints them: `file:line:col: severity CODE: message`, the source line with a caret,
 * the related notes, then a summary over `fileCount` files. `aria run` shows a refused program's errors with it too.
 */
export function formatDiagnostics(ws: Workspace, all: readonly Diagnostic[], fileCount: number, cwd: string): string {
  let out = '';
  for (const d of all) {
    const start = position(ws, d.path, d.span.start);
    out += `${shownPath(d.path, cwd)}:${start.line}:${start.column}: ${d.severity} ${d.code}: ${d.message}\n`;
    out += excerpt(ws, d.path, d.span);
    for (const r of d.related) {
      const at = position(ws, r.path, r.span.start);
      out += `  note: ${shownPath(r.path, cwd)}:${at.line}:${at.column}: ${r.message}\n`;
    }
  }
  const errors = all.filter(d => d.severity === 'error').length;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const where = count(fileCount, 'file');
  out += all.length ? `${count(errors, 'error')}, ${count(all.length - errors, 'warning')} in ${where}\n` : `no problems in ${where}\n`;
  return out;
}

/** The source line of a span and a caret line under it (to the end of the line for a span that runs on). */
function excerpt(ws: Workspace, path: string, span: { start: number; end: number }): string {
  const lines = ws.lineIndex(path);
  if (!lines) return '';
  const start = lines.position(span.start);
  const end = lines.position(span.end);
  const text = lines.lineText(start.line);
  const stop = end.line === start.line ? Math.max(end.column, start.column + 1) : Math.max(text.length, start.column + 1);
  const pad = text.slice(0, start.column).replace(/[^\t]/g, ' ');
  return `  ${text}\n  ${pad}^${'~'.repeat(Math.max(0, stop - start.column - 1))}\n`;
}
