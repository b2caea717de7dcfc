// Checks tree-sitter highlight assertions (`# <- keyword`, `#  ^ function`) with web-tree-sitter, as `tree-sitter test` does.
import type { Node, Parser, Query, Tree } from 'web-tree-sitter';

/** One assertion comment: the position it points at and the capture expected there (or, if negative, not there). */
export interface Assertion {
  readonly row: number;
  readonly column: number;
  readonly negative: boolean;
  readonly expected: string;
}

/** A failed assertion, with what was found at its position. */
export interface Failure extends Assertion {
  readonly actual: string | undefined;
}

/**
 * Reads assertion comments the way tree-sitter 0.22 does: in a comment after the first line, `<-` points at the
 * comment's own column and `^` at the caret's column, on the nearest line above that is not an assertion line;
 * an optional `!` negates; the capture name follows.
 */
export function parseAssertions(tree: Tree): Assertion[] {
  const found: { row: number; column: number; negative: boolean; expected: string; commentRow: number }[] = [];
  for (const comment of tree.rootNode.descendantsOfType('comment')) {
    if (!comment || comment.startPosition.row === 0) continue;
    const text = comment.text;
    const arrow = /<-|\^/.exec(text);
    if (!arrow) continue;
    const rest = /^\s*(!?)\s*([\w\-.]+)/.exec(text.slice(arrow.index + arrow[0].length));
    if (!rest) continue;
    found.push({
      row: comment.startPosition.row,
      column: comment.startPosition.column + (arrow[0] === '^' ? arrow.index : 0),
      negative: rest[1] === '!',
      expected: rest[2]!,
      commentRow: comment.startPosition.row,
    });
  }
  const assertionRows = new Set(found.map(a => a.commentRow));
  return found
    .map(a => {
      let row = a.row;
      while (assertionRows.has(row)) row--;
      return { row, column: a.column, negative: a.negative, expected: a.expected };
    })
    .sort((a, b) => a.row - b.row || a.column - b.column);
}

interface Scope {
  readonly node: Node;
  readonly defs: { name: string; end: number; highlight: string | undefined }[];
}

/**
 * The highlight of every highlighted node, as tree-sitter-highlight computes it: among the patterns capturing a
 * node the last one wins; a reference to a local definition (locals query) takes the definition's highlight.
 */
export function highlightNodes(tree: Tree, highlights: Query, locals: Query | undefined): Map<number, { node: Node; name: string }> {
  const result = new Map<number, { node: Node; name: string; pattern: number }>();
  for (const capture of highlights.captures(tree.rootNode)) {
    const previous = result.get(capture.node.id);
    if (!previous || capture.patternIndex >= previous.pattern) {
      result.set(capture.node.id, { node: capture.node, name: capture.name, pattern: capture.patternIndex });
    }
  }
  if (!locals) return result;

  const scopes: Scope[] = [];
  const roles = new Map<number, { node: Node; def: boolean; ref: boolean }>();
  for (const capture of locals.captures(tree.rootNode)) {
    if (capture.name === 'local.scope') {
      scopes.push({ node: capture.node, defs: [] });
      continue;
    }
    const role = roles.get(capture.node.id) ?? { node: capture.node, def: false, ref: false };
    if (capture.name === 'local.definition') role.def = true;
    if (capture.name === 'local.reference') role.ref = true;
    roles.set(capture.node.id, role);
  }
  const within = (inner: Node, outer: Node): boolean =>
    outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
  // Innermost first: a scope inside another is shorter.
  const enclosing = (node: Node): Scope[] =>
    scopes.filter(s => within(node, s.node)).sort((a, b) => (a.node.endIndex - a.node.startIndex) - (b.node.endIndex - b.node.startIndex));

  const ordered = [...roles.values()].sort((a, b) => a.node.startIndex - b.node.startIndex);
  for (const { node, def, ref } of ordered) {
    if (def) {
      enclosing(node)[0]?.defs.push({ name: node.text, end: node.endIndex, highlight: result.get(node.id)?.name });
      continue;
    }
    if (!ref) continue;
    for (const scope of enclosing(node)) {
      const definition = scope.defs.filter(d => d.name === node.text && d.end <= node.startIndex).at(-1);
      if (!definition) continue;
      if (definition.highlight) result.set(node.id, { node, name: definition.highlight, pattern: Infinity });
      break;
    }
  }
  return result;
}

/** The innermost highlight covering a position, or undefined. */
export function highlightAt(nodes: Map<number, { node: Node; name: string }>, row: number, column: number): string | undefined {
  let best: { node: Node; name: string } | undefined;
  for (const entry of nodes.values()) {
    const { startPosition: s, endPosition: e } = entry.node;
    const afterStart = row > s.row || (row === s.row && column >= s.column);
    const beforeEnd = row < e.row || (row === e.row && column < e.column);
    if (!afterStart || !beforeEnd) continue;
    if (!best || within(entry.node, best.node)) best = entry;
  }
  return best?.name;
}

function within(inner: Node, outer: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** Every failed assertion of `source` (an empty list when all hold, or when there are none). */
export function checkHighlights(parser: Parser, highlights: Query, locals: Query | undefined, source: string): { assertions: number; failures: Failure[] } {
  const tree = parser.parse(source);
  if (!tree) return { assertions: 0, failures: [] };
  const assertions = parseAssertions(tree);
  const nodes = highlightNodes(tree, highlights, locals);
  const failures = assertions.flatMap((a): Failure[] => {
    const actual = highlightAt(nodes, a.row, a.column);
    const passed = actual !== undefined && (actual === a.expected) !== a.negative;
    return passed ? [] : [{ ...a, actual }];
  });
  return { assertions: assertions.length, failures };
}
