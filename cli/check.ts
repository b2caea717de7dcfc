// `aria check [paths...] [--format text|json] [--root DIR]`: checks Aria files and prints their diagnostics; exit 1 on errors.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readSource, realRoot } from './source-file.js';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Diagnostic } from '../analysis/diagnostics.js';
import { excluder, findProject, formatProjectError, type Project } from '../analysis/project.js';
import { Workspace } from '../analysis/workspace.js';
import { readArgs } from './args.js';
import { usageError, type CliIo } from './io.js';
import { formatDiagnostics, position, shownPath } from './render.js';
import { makeStyle } from './style.js';

/** What `aria check` needs of its surroundings (CliIo without the process's streams). */
export type CheckIo = CliIo;

export const CHECK_USAGE = `usage: aria check [paths...] [--format text|json] [--root DIR]

Checks every .aria file named, or found under a directory named, and the modules they import.
With no paths it checks the workspace: the nearest aria.toml in the current folder or above names its
roots and what to exclude (without one, every .aria file under the current folder).
  --format text   file:line:col: error|warning CODE: message, the source line under a line-number gutter,
                  notes, and a help: line with the fix the editor offers (default)
  --format json   one JSON document: {files, summary, diagnostics}
  --root DIR      where imports resolve from (default: the folder of aria.toml, else the current folder)
Colour goes to a terminal, not into a pipe; NO_COLOR turns it off, FORCE_COLOR on. On a terminal a progress
line counts the files checked. \`aria explain CODE\` explains a code.
Exit status: 0 when there is no error (warnings allowed), 1 when there are errors, 2 on bad usage.

aria.toml:
  roots = ["src"]              # folders of the workspace (default ["."])
  exclude = ["src/fixtures"]   # globs of files and folders left out
  [runtime]
  flavor = "multi"             # the default of aria run and of a debug launch: multi, single or wasm
  workers = 4
`;

/**
 * Every `.aria` file under a directory (skipping hidden folders, node_modules and excluded paths), sorted. A
 * symlinked folder is entered only when it leads inside `dir` and was not entered yet (a link to a parent folder
 * would make the walk endless).
 */
export function ariaFiles(dir: string, excluded: (path: string) => boolean): string[] {
  const out: string[] = [];
  const pending = [dir];
  const root = realRoot(dir);
  const entered = new Set<string>([root]);
  while (pending.length) {
    const d = pending.pop()!;
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      continue;
    }
    for (const name of entries) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const p = join(d, name);
      if (excluded(p)) continue;
      let st;
      try {
        st = statSync(p);
      } catch {
        // A symlink loop or a dangling link: listed, so that reading it says what it is.
        if (name.endsWith('.aria')) out.push(p);
        continue;
      }
      if (st.isDirectory()) {
        const real = realRoot(p);
        const rel = relative(root, real);
        if (entered.has(real) || rel.startsWith('..') || isAbsolute(rel)) continue;
        entered.add(real);
        pending.push(p);
      } else if (name.endsWith('.aria')) out.push(p);
    }
  }
  return out.sort();
}

/** A file's text, or undefined when it is missing or not a file. */
export function readText(path: string): string | undefined {
  try {
    return existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** A line on stderr that counts the files checked, redrawn in place and erased at the end (a terminal only). */
class Progress {
  private shown = '';
  constructor(private readonly io: CliIo, private readonly total: number) {}

  update(done: number): void {
    if (!this.io.progress || this.total < 2) return;
    const text = `checking ${done}/${this.total} files`;
    if (text === this.shown) return;
    this.shown = text;
    this.io.stderr(`\r${text}\x1b[K`);
  }

  done(): void {
    if (this.shown) this.io.stderr('\r\x1b[K');
    this.shown = '';
  }
}

/** Runs `aria check` with its arguments; resolves to the exit code. */
export async function runCheck(args: string[], io: CheckIo): Promise<number> {
  const parsed = readArgs(args, { format: { type: 'string' }, root: { type: 'string' } });
  if (parsed.kind === 'help') {
    io.stdout(CHECK_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') return usageError('check', parsed.message, CHECK_USAGE, io);
  const format = parsed.values.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usageError('check', `unknown format \`${format}\` (text or json)`, CHECK_USAGE, io);
  if (parsed.values.root === '') return usageError('check', '--root needs a directory', CHECK_USAGE, io);
  const abs = (p: string) => (isAbsolute(p) ? resolve(p) : resolve(io.cwd, p));

  // The project of the current folder: its excludes apply to folders named or walked, its folder is the import root.
  const found = findProject(resolve(io.cwd), readText);
  if (!found.ok) {
    io.stderr(`aria check: ${formatProjectError(found.error, p => shownPath(p, io.cwd))}\n`);
    return 2;
  }
  const project: Project = found.project;
  const excluded = excluder(project);
  const files: string[] = [];
  // Files named on the command line, not found in a folder named.
  const namedFiles = new Set<string>();
  // Folders a named path lies in: a source is read inside one of them (or the import root), never through a
  // symlink out of it. A file named outside the current project (an absolute path elsewhere) is read in its folder.
  const bases: string[] = [];
  if (parsed.positionals.length === 0) {
    for (const root of project.roots) files.push(...ariaFiles(resolve(project.dir, root), excluded));
  }
  for (const p of parsed.positionals) {
    const full = abs(p);
    let st;
    try {
      st = statSync(full);
    } catch {
      io.stderr(`aria check: no such file or directory: ${p}\n`);
      return 2;
    }
    if (st.isDirectory()) {
      // A folder that the project excludes, named on purpose, is checked whole.
      files.push(...ariaFiles(full, excluded(full) ? () => false : excluded));
      bases.push(full);
    } else if (!full.endsWith('.aria')) {
      // A file named on purpose is checked even when excluded; a file that is not Aria is refused, not parsed.
      io.stderr(`aria check: ${p} is not an Aria file (Aria files end in .aria)\n`);
      return 2;
    } else {
      files.push(full);
      namedFiles.add(full);
      bases.push(dirname(full));
    }
  }
  const unique = [...new Set(files)];
  const root = abs(parsed.values.root ?? project.dir);
  const inside = (path: string, base: string) => {
    const rel = relative(base, path);
    return !rel.startsWith('..') && !isAbsolute(rel);
  };
  const baseOf = (path: string) => (inside(path, root) ? root : bases.find(b => inside(path, b)) ?? root);
  // A one-time check asks nothing of a file's AST once the file is analysed (no navigation): none is kept; nor
  // asks it for types, only for diagnostics (`diagnosticsOnly`).
  // Sources are read inside the root only (no symlink out of it), as text (no binary file, none over 8 MB).
  const readInside = (path: string) => {
    const read = readSource(path, baseOf(path));
    return read.ok ? read.text : undefined;
  };
  const ws = await Workspace.create({ root, readFile: readInside, closedAstBudget: 0, diagnosticsOnly: true });
  const readable: string[] = [];
  for (const f of unique) {
    const read = readSource(f, baseOf(f));
    if (!read.ok && namedFiles.has(f)) {
      // A file named on purpose that cannot be checked fails the command, as a missing one does: a CI job that
      // names it must not pass with "No problems".
      io.stderr(`aria check: cannot check ${shownPath(f, io.cwd)}: it ${read.reason}\n`);
      return 2;
    }
    if (!read.ok) {
      io.stderr(`aria check: skipped ${shownPath(f, io.cwd)}: it ${read.reason}\n`);
      continue;
    }
    readable.push(f);
    const text = read.text;
    // A one-time check keeps no parse trees (each file is parsed when it is lowered, and the tree freed).
    ws.setFile(f, text, { keepTree: false });
  }
  // All files at once, which loads the modules they import too (what runs is what is checked): each file is lowered
  // once for the name analysis and the type checker together. Asked file by file, or analysed first on its own,
  // each would be lowered again for the type checker, the closed files keeping no AST.
  const byFile = ws.allDiagnostics();
  const named = new Set(readable);
  const checked = [...readable, ...ws.filePaths({ imports: true }).filter(f => !named.has(f)).sort()];
  const progress = new Progress(io, checked.length);
  const all: Diagnostic[] = [];
  for (let i = 0; i < checked.length; i++) {
    progress.update(i);
    all.push(...(byFile.get(ws.path(checked[i]!)) ?? ws.diagnostics(checked[i]!)));
  }
  progress.done();
  const errors = all.filter(d => d.severity === 'error').length;
  if (format === 'json') {
    io.stdout(`${JSON.stringify(jsonReport(ws, all, checked, io.cwd), null, 2)}\n`);
    return errors ? 1 : 0;
  }
  io.stdout(formatDiagnostics(ws, all, checked.length, io.cwd, makeStyle(io.colour?.stdout ?? false)));
  return errors ? 1 : 0;
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
