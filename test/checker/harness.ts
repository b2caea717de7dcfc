// Test helpers for the checker: expectation comments (`# error: E0101`) and a workspace over real files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../../analysis/diagnostics.js';
import { Workspace, type WorkspaceOptions } from '../../analysis/workspace.js';

/** `line: CODE` for every `# error: CODE` / `# warning: CODE` marker (several may share a line: `E0101, E0102`). */
export function expectedMarkers(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/#\s*(error|warning):\s*([EW]\d{4}(?:\s*,\s*[EW]\d{4})*)/g)) {
      for (const code of m[2]!.split(',')) out.push(`${i + 1}: ${code.trim()}`);
    }
  });
  return out.sort(byLine);
}

/** Markers that are present but carry no code (`# error: some description`): a test asks for codes. */
export function uncodedMarkers(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/#\s*(error|warning):\s*(.*)$/g)) if (!/^[EW]\d{4}/.test(m[2]!)) out.push(`${i + 1}: ${m[0]}`);
  });
  return out;
}

export function actualMarkers(ws: Workspace, path: string, diagnostics: readonly Diagnostic[]): string[] {
  const lines = ws.lineIndex(path)!;
  return diagnostics.map(d => `${lines.position(d.span.start).line + 1}: ${d.code}`).sort(byLine);
}

function byLine(a: string, b: string): number {
  const la = parseInt(a, 10);
  const lb = parseInt(b, 10);
  return la - lb || (a < b ? -1 : a > b ? 1 : 0);
}

/** Every `.aria` file under a folder, sorted. */
export function ariaFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...ariaFilesUnder(p));
    else if (name.endsWith('.aria')) out.push(p);
  }
  return out;
}

/** A workspace holding the given files (read from disk), rooted at `root`. */
export async function workspaceOf(root: string, files: readonly string[], options: { diagnosticsOnly?: boolean } = {}): Promise<Workspace> {
  const ws = await Workspace.create({ root, readFile: p => { try { return readFileSync(p, 'utf8'); } catch { return undefined; } }, ...options });
  for (const f of files) ws.setFile(f, readFileSync(f, 'utf8'));
  return ws;
}

/** A workspace of in-memory sources: `{ 'main.aria': '...' }`, rooted at a virtual folder. */
export async function memoryWorkspace(files: Readonly<Record<string, string>>, options: Omit<WorkspaceOptions, 'root'> = {}): Promise<Workspace> {
  const ws = await Workspace.create({ ...options, root: '/virtual' });
  for (const [name, text] of Object.entries(files)) ws.setFile(name, text);
  return ws;
}

/** Human-readable diagnostics for failure messages. */
export function describe(ws: Workspace, diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map(d => {
    const p = ws.lineIndex(d.path)!.position(d.span.start);
    return `${d.path}:${p.line + 1}:${p.column + 1} ${d.code} ${d.message}`;
  }).join('\n');
}
