// Turns the analysis' offsets and spans into LSP positions, ranges and locations (UTF-16 code units both ways).
import type { Location, Position, Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileState } from './analyzer.js';
import type { Span } from '../analysis/names.js';

export function rangeOf(doc: TextDocument, span: Span): Range {
  return { start: doc.positionAt(span.start), end: doc.positionAt(span.end) };
}

export function locationOf(file: FileState, span: Span): Location {
  return { uri: file.uri, range: rangeOf(file.doc, span) };
}

export function offsetOf(doc: TextDocument, position: Position): number {
  return doc.offsetAt(position);
}

export function spanOf(doc: TextDocument, range: Range): Span {
  return { start: doc.offsetAt(range.start), end: doc.offsetAt(range.end) };
}

/** What is wrong with a position received from the client (`line` and `character` are non-negative integers), or undefined. */
export function positionProblem(position: unknown, name = 'position'): string | undefined {
  if (typeof position !== 'object' || position === null) return `${name} must be an object {line, character}`;
  const { line, character } = position as { line?: unknown; character?: unknown };
  for (const [field, value] of [['line', line], ['character', character]] as const) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      return `${name}.${field} must be a non-negative integer, not ${JSON.stringify(value) ?? String(value)}`;
    }
  }
  return undefined;
}

/** What is wrong with a range received from the client, or undefined. */
export function rangeProblem(range: unknown, name = 'range'): string | undefined {
  if (typeof range !== 'object' || range === null) return `${name} must be an object {start, end}`;
  const { start, end } = range as { start?: unknown; end?: unknown };
  return positionProblem(start, `${name}.start`) ?? positionProblem(end, `${name}.end`);
}

/**
 * What is wrong with the positions of a request's params (`position`, `positions`, `range`), or undefined. A
 * fraction or a negative number would be taken as an offset between characters, and every span after it would
 * be off for the rest of the session.
 */
export function paramsProblem(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const p = params as { position?: unknown; positions?: unknown; range?: unknown };
  if ('position' in p && p.position !== undefined) {
    const problem = positionProblem(p.position);
    if (problem) return problem;
  }
  if ('positions' in p && p.positions !== undefined) {
    if (!Array.isArray(p.positions)) return 'positions must be an array';
    for (const [i, position] of p.positions.entries()) {
      const problem = positionProblem(position, `positions[${i}]`);
      if (problem) return problem;
    }
  }
  if ('range' in p && p.range !== undefined) return rangeProblem(p.range);
  return undefined;
}
