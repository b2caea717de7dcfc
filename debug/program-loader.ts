// Loads, checks and compiles the program a launch names; any problem becomes one clear launch error message.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineIndex } from '../analysis/line-index.js';
import { Workspace } from '../analysis/workspace.js';
import { compileProgram, loadProgram, programForTest, programHash, type Program } from '../runtime/index.js';

export interface LoadedForDebug {
  readonly ok: true;
  readonly path: string;
  readonly program: Program;
  /** Effect-checker warnings, shown in the debug console. */
  readonly warnings: readonly string[];
  /** The checked workspace (the program and its imports): the debugger reads static types from it. */
  readonly workspace?: Workspace;
  /** The hash of the program's module texts (a replay file keeps the one it was recorded with). */
  readonly hash: string;
}

export type LoadResult = LoadedForDebug | { readonly ok: false; readonly error: string };

/** How many diagnostics a launch error lists before "and N more". */
const SHOWN = 5;

function readText(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** The one-based line and column of an offset, as a `file:line:column` location shows them. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const { line, column } = new LineIndex(text).position(offset);
  return { line: line + 1, column: column + 1 };
}

function list(kind: string, path: string, items: readonly string[]): string {
  const shown = items.slice(0, SHOWN).map(s => `  ${s}`);
  if (items.length > SHOWN) shown.push(`  ... and ${items.length - SHOWN} more`);
  return `${path} ${kind}:\n${shown.join('\n')}`;
}

/**
 * Reads `program` (relative to `cwd`), parses it and its imports, runs the effect checker, compiles.
 * Never throws: a missing file, a syntax error or a checker error is `{ ok: false, error }`.
 */
export async function loadForDebug(program: string, cwd: string = process.cwd(), checkEffects = true, test?: string): Promise<LoadResult> {
  const path = isAbsolute(program) ? resolve(program) : resolve(cwd, program);
  const text = readText(path);
  if (text === undefined) return { ok: false, error: `cannot read the program ${path}: no such file` };
  try {
    const { program: loaded, diagnostics } = await loadProgram(text, { path, readModule: readText });
    const errors = diagnostics.filter(d => d.severity === 'error').map(d => {
      const file = d.file ?? path;
      const body = loaded.modules.get(file)?.text ?? '';
      const at = d.span ? lineColumn(body, d.span.start) : { line: 1, column: 1 };
      return `${file}:${at.line}:${at.column}: ${d.message}`;
    });
    if (errors.length > 0) return { ok: false, error: list('does not parse', path, errors) };
    const warnings: string[] = [];
    let workspace: Workspace | undefined;
    if (checkEffects) {
      const ws = (workspace = await Workspace.create({ root: dirname(path), readFile: readText }));
      for (const [file, m] of loaded.modules) ws.setFile(file, m.text);
      const found: string[] = [];
      for (const file of loaded.modules.keys()) {
        for (const d of ws.diagnostics(file)) {
          const body = loaded.modules.get(file)?.text ?? '';
          const at = lineColumn(body, d.span.start);
          const line = `${file}:${at.line}:${at.column}: ${d.severity} ${d.code}: ${d.message}`;
          (d.severity === 'error' ? found : warnings).push(line);
        }
      }
      if (found.length > 0) return { ok: false, error: list('fails the effect check', path, found) };
    }
    const compiled = await compileProgram(loaded);
    const hash = programHash([...loaded.modules.values()].map(m => m.text));
    // A replay of a test runs that test function as the main task.
    const run = test === undefined ? compiled : programForTest(compiled, test);
    if (!run) return { ok: false, error: `${path} has no function ${test} to run as the test` };
    return { ok: true, path, program: run, warnings, hash, ...(workspace ? { workspace } : {}) };
  } catch (error) {
    // The front end should never throw on user input; if it does, the launch still fails cleanly.
    return { ok: false, error: `cannot load ${path}: ${(error as Error).message}` };
  }
}
