// Folding ranges and selection ranges, read off the tree-sitter tree.
import { FoldingRangeKind, type FoldingRange, type Position, type SelectionRange } from 'vscode-languageserver/node';
import type { Node, Tree } from '../../grammar/parser.js';
import type { FileState } from '../analyzer.js';
import { rangeOf } from '../convert.js';

const FOLDABLE = new Set([
  'function_definition', 'effect_declaration', 'handler_declaration', 'struct_declaration', 'if_expression', 'elif_clause',
  'else_clause', 'while_statement', 'loop_statement', 'for_statement', 'match_expression', 'match_arm', 'with_expression',
  'lambda', 'list', 'argument_list', 'parameter_list', 'string',
]);

export function foldingRanges(file: FileState, tree: Tree): FoldingRange[] {
  const doc = file.doc;
  const out: FoldingRange[] = [];
  const lineOf = (offset: number) => doc.positionAt(offset).line;
  const add = (start: number, end: number, kind?: FoldingRangeKind) => {
    if (end > start) out.push(kind ? { startLine: start, endLine: end, kind } : { startLine: start, endLine: end });
  };
  // Runs of comment lines, and of imports.
  let commentRun: [number, number] | undefined;
  let importRun: [number, number] | undefined;
  const flushComments = () => { if (commentRun) add(commentRun[0], commentRun[1], FoldingRangeKind.Comment); commentRun = undefined; };
  const flushImports = () => { if (importRun) add(importRun[0], importRun[1], FoldingRangeKind.Imports); importRun = undefined; };

  const visit = (node: Node): 'skip' | void => {
    if (node.type === 'comment') {
      const line = lineOf(node.startIndex);
      const ownLine = doc.getText({ start: { line, character: 0 }, end: doc.positionAt(node.startIndex) }).trim() === '';
      if (ownLine && commentRun && commentRun[1] === line - 1) commentRun[1] = line;
      else if (ownLine) { flushComments(); commentRun = [line, line]; }
      return 'skip';
    }
    if (node.type === 'import_declaration') {
      const line = lineOf(node.startIndex);
      if (importRun && importRun[1] >= line - 1) importRun[1] = line;
      else { flushImports(); importRun = [line, line]; }
    }
    if (FOLDABLE.has(node.type)) {
      const start = lineOf(node.startIndex);
      let end = lineOf(node.endIndex);
      // Keep the closing `end`, `}`, `)` or `]` visible when it stands on its own line.
      const last = node.lastChild;
      if (last && !last.isNamed && ['end', '}', ')', ']'].includes(last.type) && lineOf(last.startIndex) > start) end = lineOf(last.startIndex) - 1;
      if (node.type === 'match_arm' || node.type === 'elif_clause' || node.type === 'else_clause') {
        // An arm ends where the next one starts: fold through its last statement.
        end = lineOf(Math.max(node.startIndex, node.endIndex - 1));
      }
      add(start, end);
    }
  };
  // Depth first with a stack of its own: 10,000 nested brackets overflowed the call stack of a recursive walk.
  const stack: Node[] = [tree.rootNode];
  while (stack.length) {
    const node = stack.pop()!;
    if (visit(node) === 'skip') continue;
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) if (children[i]) stack.push(children[i]!);
  }
  flushComments();
  flushImports();
  // One range per start line (the outermost), as line-folding clients expect.
  const byStart = new Map<number, FoldingRange>();
  for (const range of out) {
    const existing = byStart.get(range.startLine);
    if (!existing || range.endLine > existing.endLine) byStart.set(range.startLine, range);
  }
  return [...byStart.values()].sort((a, b) => a.startLine - b.startLine);
}

/** The most levels a selection range answer has; of those, this many are the outermost. */
export const MAX_SELECTION_LEVELS = 200;
const OUTER_SELECTION_LEVELS = 50;

export function selectionRanges(file: FileState, tree: Tree, positions: readonly Position[]): SelectionRange[] {
  return positions.map(position => {
    const offset = file.doc.offsetAt(position);
    let node: Node | null = tree.rootNode.descendantForIndex(offset, offset);
    const spans: { start: number; end: number }[] = [];
    while (node) {
      const span = { start: node.startIndex, end: node.endIndex };
      const last = spans[spans.length - 1];
      if (!last || last.start !== span.start || last.end !== span.end) spans.push(span);
      // A block's statements, then the construct holding it: also offer the inner lines without `end`.
      node = node.parent;
    }
    if (!spans.length) spans.push({ start: offset, end: offset });
    // The answer nests one object per level: thousands of levels overflow the stack of whoever serialises it.
    // The innermost levels and the outermost ones (the statement, the function, the file) are kept.
    if (spans.length > MAX_SELECTION_LEVELS) {
      spans.splice(MAX_SELECTION_LEVELS - OUTER_SELECTION_LEVELS, spans.length - MAX_SELECTION_LEVELS);
    }
    let result: SelectionRange | undefined;
    for (let i = spans.length - 1; i >= 0; i--) result = { range: rangeOf(file.doc, spans[i]!), parent: result };
    return result!;
  });
}
