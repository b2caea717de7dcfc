// Diagnostics as the terminal shows them: a `file:line:col` headline, then rustc's gutter, underline and `help:` suggestion.
import { isAbsolute, relative } from 'node:path';
import type { Diagnostic } from '../analysis/diagnostics.js';
import type { LineIndex } from '../analysis/line-index.js';
import { preferredFix, type QuickFix } from '../analysis/quick-fixes.js';
import type { Module } from '../analysis/syntax/ast.js';
import type { Workspace } from '../analysis/workspace.js';
import type { Style } from './style.js';

/** A path as the user would write it: relative to `cwd` when inside it. */
export function shownPath(path: string, cwd: string): string {
  const r = relative(cwd, path);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? path : r;
}

/** One-based line and column of an offset in a file of the workspace. */
export function position(ws: Workspace, path: string, offset: number): { line: number; column: number } {
  const p = ws.lineIndex(path)?.position(offset) ?? { line: 0, column: 0 };
  return { line: p.line + 1, column: p.column + 1 };
}

/**
 * The ASTs the fixes of one file's diagnostics read: the file's and those of the modules it imports, made once for a
 * run of diagnostics of that file (`aria check` lists them file by file). Only the ASTs of the file last asked for
 * and of its imports are held: a workspace's closed files keep no AST (`closedAstBudget`), and asking the workspace
 * for one per diagnostic lowered the file again each time (10 files of 10,000 lines took 5 minutes and 1 GB to
 * print). A module the previous file held (the next file imports it, or is imported by it) is not lowered again.
 */
export class FixSources {
  private path?: string;
  private imported?: Module[];
  /** The ASTs held, by path: the current file's and, once asked for, its imports'. */
  private held = new Map<string, Module | undefined>();
  /** Those the previous file held, until this file's imports are asked for. */
  private before = new Map<string, Module | undefined>();

  constructor(private readonly ws: Workspace) {}

  private lowered(path: string): Module | undefined {
    if (!this.held.has(path)) this.held.set(path, this.before.has(path) ? this.before.get(path) : this.ws.module(path));
    return this.held.get(path);
  }

  /** The file's AST, or undefined when the workspace does not hold it. */
  moduleOf(path: string): Module | undefined {
    if (path !== this.path) {
      this.path = path;
      this.imported = undefined;
      this.before = this.held;
      this.held = new Map();
    }
    return this.lowered(path);
  }

  /** The ASTs of the modules the file imports that the workspace holds (for fixes naming an imported effect or handler). */
  importedOf(path: string): Module[] {
    const own = this.moduleOf(path);
    if (!own) return [];
    if (!this.imported) {
      const targets = new Set<string>();
      for (const item of own.items) {
        if (item.kind !== 'Import') continue;
        const target = this.ws.importTarget(path, item.path.map(p => p.name));
        if (target !== undefined && target !== path) targets.add(target);
      }
      this.imported = [...targets].map(p => this.lowered(p)).filter((m): m is Module => m !== undefined);
      this.before = new Map();
    }
    return this.imported;
  }
}

/** The fix the editor would offer first for `d`, computed from the same file. */
export function fixFor(ws: Workspace, d: Diagnostic, sources = new FixSources(ws)): QuickFix | undefined {
  const module = sources.moduleOf(d.path);
  const text = ws.text(d.path);
  if (!module || text === undefined) return undefined;
  const imported = d.code === 'E0206' || d.code === 'E0203' || d.code === 'E0202' ? sources.importedOf(d.path) : [];
  return preferredFix(d, { module, text, imported });
}

/** Spaces under `text` up to `column` (tabs kept, so the underline lines up however tabs are shown). */
function padTo(text: string, column: number): string {
  return text.slice(0, column).replace(/[^\t]/g, ' ');
}

/** One diagnostic: headline, gutter with the source line and underline, notes, and a `help:` suggestion. */
export function renderDiagnostic(ws: Workspace, d: Diagnostic, cwd: string, style: Style, sources = new FixSources(ws)): string {
  const lines = ws.lineIndex(d.path);
  const start = position(ws, d.path, d.span.start);
  const paint = d.severity === 'error' ? style.error : style.warning;
  let out = `${style.bold(`${shownPath(d.path, cwd)}:${start.line}:${start.column}:`)} ${paint(`${d.severity} ${d.code}`)}${style.bold(`: ${d.message}`)}\n`;
  const fix = fixFor(ws, d, sources);
  const text = ws.text(d.path);
  const suggestion = fix && lines && text !== undefined ? suggestionLines(fix, lines, text) : undefined;
  const lastLine = Math.max(start.line, ...(suggestion ?? []).map(l => l.line ?? 0));
  const width = String(lastLine).length;
  const bar = (mark = '|') => style.gutter(`${' '.repeat(width)} ${mark}`);
  if (lines) {
    const at = lines.position(d.span.start);
    const end = lines.position(d.span.end);
    const source = lines.lineText(at.line);
    const stop = end.line === at.line ? Math.max(end.column, at.column + 1) : Math.max(source.length, at.column + 1);
    out += `${bar()}\n`;
    out += `${style.gutter(`${String(at.line + 1).padStart(width)} |`)} ${source}\n`;
    out += `${bar()} ${padTo(source, at.column)}${paint('^'.repeat(stop - at.column))}\n`;
  }
  for (const r of d.related) {
    const p = position(ws, r.path, r.span.start);
    out += `${' '.repeat(width)} ${style.gutter('=')} ${style.bold('note')}: ${shownPath(r.path, cwd)}:${p.line}:${p.column}: ${r.message}\n`;
  }
  if (fix && suggestion) {
    out += `${style.help('help')}: ${fix.title}\n${bar()}\n`;
    for (const l of suggestion) {
      if (l.line === undefined) out += `${bar()} ${l.text.replace(/[+-]+/, m => (m[0] === '+' ? style.added(m) : style.removed(m)))}\n`;
      else out += `${style.gutter(`${String(l.line).padStart(width)} ${l.mark}`)} ${l.mark === '~' ? style.added(l.text) : l.text}\n`;
    }
  }
  return out;
}

/**
 * The lines of a suggestion as rustc prints them: an insertion or a removal inside one line shows that line with `+`
 * (or `-`) under the text it adds (or removes); any other edit shows the new lines marked `~` in the gutter.
 */
function suggestionLines(fix: QuickFix, lines: LineIndex, text: string): { line?: number; mark?: string; text: string }[] | undefined {
  const edit = fix.edits[0];
  if (!edit || fix.edits.length !== 1) return undefined;
  const first = lines.position(edit.start);
  const last = lines.position(edit.end);
  const oldFirst = lines.lineText(first.line);
  if (first.line === last.line && !edit.newText.includes('\n')) {
    const before = oldFirst.slice(0, first.column);
    if (edit.start === edit.end) {
      const changed = `${before}${edit.newText}${oldFirst.slice(first.column)}`;
      return [{ line: first.line + 1, mark: '|', text: changed }, { text: `${padTo(before, before.length)}${'+'.repeat(edit.newText.length)}` }];
    }
    if (edit.newText === '') {
      return [{ line: first.line + 1, mark: '|', text: oldFirst }, { text: `${padTo(before, before.length)}${'-'.repeat(last.column - first.column)}` }];
    }
  }
  const lineStart = edit.start - first.column;
  const oldLast = lines.lineText(last.line);
  const lineEnd = edit.end - last.column + oldLast.length;
  const replaced = `${text.slice(lineStart, edit.start)}${edit.newText}${text.slice(edit.end, lineEnd)}`;
  return replaced.split('\n').map((t, i) => ({ line: first.line + 1 + i, mark: '~', text: t }));
}

/**
 * Diagnostics as `aria check` prints them, then a summary over `fileCount` files. `aria run` shows a refused
 * program's errors with it too.
 */
export function formatDiagnostics(ws: Workspace, all: readonly Diagnostic[], fileCount: number, cwd: string, style: Style): string {
  let out = '';
  const sources = new FixSources(ws);
  for (const d of all) out += `${renderDiagnostic(ws, d, cwd, style, sources)}\n`;
  const errors = all.filter(d => d.severity === 'error').length;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const where = count(fileCount, 'file');
  out += all.length ? `${style.bold(`${count(errors, 'error')}, ${count(all.length - errors, 'warning')} in ${where}`)}\n` : `no problems in ${where}\n`;
  return out;
}
