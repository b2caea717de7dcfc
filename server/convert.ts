// Turns the analysis' offsets and spans into LSP positions, ranges and locations (UTF-16 code units both ways).
import type { Location, Position, Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileState } from './analyzer.js';
import type { Span } from './ide/resolver.js';

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
