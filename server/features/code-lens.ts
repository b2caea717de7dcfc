// Code lenses `Run | Debug` above the program's entry: its first top-level statement, else `fn main`.
import type { CodeLens } from 'vscode-languageserver/node';
import type { FileState } from '../analyzer.js';
import { rangeOf } from '../convert.js';

export const RUN_COMMAND = 'aria.run';
export const DEBUG_COMMAND = 'aria.debug';

/** Where the program starts, or undefined for a library file (no top-level statement and no `main`). */
export function entrySpan(file: FileState): { start: number; end: number } | undefined {
  const first = file.module.statements[0];
  if (first) return { start: first.span.start, end: first.span.start };
  const main = file.module.items.find(i => i.kind === 'Fn' && i.name.name === 'main');
  return main ? { start: main.span.start, end: main.span.start } : undefined;
}

export function codeLenses(file: FileState): CodeLens[] {
  const span = entrySpan(file);
  if (!span) return [];
  const range = rangeOf(file.doc, span);
  return [
    { range, command: { title: '▶ Run', command: RUN_COMMAND, arguments: [file.uri] } },
    { range, command: { title: 'Debug', command: DEBUG_COMMAND, arguments: [file.uri] } },
  ];
}
