// The Aria formatter: canonical indentation (two spaces per level) and spacing, same tokens on the same lines, so meaning is kept.
import type { Node, Tree } from '../../grammar/parser.js';
import { LineIndex } from '../../analysis/line-index.js';

export interface FormatOptions {
  /** Spaces per indentation level (canonical: 2). */
  readonly indent?: number;
}

/** A token of the source: a leaf of the tree, a whole string literal, or a comment. */
interface Token {
  readonly node: Node;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
}

const OPENERS = new Set(['(', '[', '{', '#{']);
const CLOSERS = new Set([')', ']', '}']);

/**
 * Formats a whole file. Returns undefined when the tree has syntax errors: a formatter must never guess what
 * broken code means. Line breaks are kept where they are (they end statements in Aria); only indentation,
 * the spaces between tokens, trailing whitespace and runs of blank lines change.
 */
export function formatTree(tree: Tree, text: string, options: FormatOptions = {}): string | undefined {
  if (tree.rootNode.hasError) return undefined;
  const unit = ' '.repeat(options.indent ?? 2);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // Lines as the parser and LSP positions count them (a lone CR ends one too).
  const index = new LineIndex(text);
  const lineOf = (offset: number): number => index.position(offset).line;

  const tokens = collectTokens(tree.rootNode, text, lineOf);
  // Tokens grouped by source line.
  const lines = new Map<number, Token[]>();
  for (const token of tokens) {
    const list = lines.get(token.line);
    if (list) list.push(token);
    else lines.set(token.line, [token]);
  }

  // Indentation levels of code lines first (they only look at earlier lines), then comment lines (they look ahead).
  const levels = new Map<number, number>();
  const sortedLines = [...lines.keys()].sort((a, b) => a - b);
  for (const line of sortedLines) {
    const first = lines.get(line)![0]!;
    if (first.node.type === 'comment') continue;
    levels.set(line, codeLevel(first, line, lineOf, levels));
  }
  let nextCode: { level: number; closer: 'end' | 'mid' | 'none' } | undefined;
  for (let i = sortedLines.length - 1; i >= 0; i--) {
    const line = sortedLines[i]!;
    const first = lines.get(line)![0]!;
    if (first.node.type !== 'comment') {
      nextCode = { level: levels.get(line)!, closer: closerKind(first) };
      continue;
    }
    if (!nextCode) levels.set(line, 0);
    else levels.set(line, nextCode.closer === 'end' ? nextCode.level + 1 : nextCode.level);
  }

  const out: string[] = [];
  let blank = 0;
  let lastLine = -1;
  for (const line of sortedLines) {
    if (lastLine >= 0 && line - lastLine > 1) blank = 1;
    lastLine = line;
    if (blank && out.length) out.push('');
    blank = 0;
    const lineTokens = lines.get(line)!;
    let rendered = unit.repeat(levels.get(line) ?? 0) + lineTokens[0]!.text;
    for (let k = 1; k < lineTokens.length; k++) {
      const prev = lineTokens[k - 1]!;
      const next = lineTokens[k]!;
      rendered += spaceBetween(prev, next, text) + next.text;
    }
    out.push(rendered.replace(/\s+$/, ''));
  }
  return out.length ? out.join(eol) + eol : '';
}

function collectTokens(root: Node, text: string, lineOf: (offset: number) => number): Token[] {
  const tokens: Token[] = [];
  const cursor = root.walk();
  let descend = true;
  for (;;) {
    const node = cursor.currentNode;
    let visitChildren = false;
    if (descend) {
      if (node.type === 'string' || node.type === 'comment' || node.childCount === 0) {
        if (node.endIndex > node.startIndex) {
          const raw = text.slice(node.startIndex, node.endIndex);
          const trimmed = node.type === 'comment' ? raw.replace(/\s+$/, '') : raw;
          if (trimmed.trim() !== '') tokens.push({ node, text: trimmed, start: node.startIndex, end: node.endIndex, line: lineOf(node.startIndex) });
        }
      } else {
        visitChildren = true;
      }
    }
    if (visitChildren && cursor.gotoFirstChild()) {
      descend = true;
      continue;
    }
    descend = true;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        cursor.delete();
        return tokens;
      }
    }
  }
}

/** `end`, `}`, `)`, `]` close a construct; `elif`, `else`, `case` continue one at its own level. */
function closerKind(token: Token): 'end' | 'mid' | 'none' {
  const t = token.node.type;
  if (token.node.isNamed) return 'none';
  if (t === 'end' || CLOSERS.has(t)) return 'end';
  if (t === 'elif' || t === 'else' || t === 'case') return 'mid';
  return 'none';
}

/** The construct whose first line a closing or continuing keyword lines up with. */
function anchorOf(token: Token): Node | undefined {
  const node = token.node;
  const parent = node.parent;
  if (!parent) return undefined;
  switch (node.type) {
    case 'end':
      return parent;
    case 'elif':
    case 'else':
    case 'case':
      return parent.parent ?? parent;
    default: {
      // `)`, `]`, `}`: the line of the matching opener.
      const opener = parent.children.find(c => c !== null && !c.isNamed && OPENERS.has(c.type));
      return opener ?? parent;
    }
  }
}

function codeLevel(first: Token, line: number, lineOf: (offset: number) => number, levels: Map<number, number>): number {
  const levelAt = (offset: number) => levels.get(lineOf(offset)) ?? 0;
  if (closerKind(first) !== 'none') {
    const anchor = anchorOf(first);
    if (anchor && lineOf(anchor.startIndex) < line) return levelAt(anchor.startIndex);
  }
  let child: Node = first.node;
  let element: Node | undefined;
  for (let ancestor = first.node.parent; ancestor; child = ancestor, ancestor = ancestor.parent) {
    if (ancestor.type === 'annotated') {
      // An annotation and the item it marks are separate lines of one statement, neither continuing the other.
      element ??= child;
      continue;
    }
    const stmt = element ?? child;
    const continuation = lineOf(stmt.startIndex) < line ? 1 : 0;
    if (ancestor.type === 'source_file') return continuation;
    if (ancestor.type === 'block') {
      const owner = ancestor.parent;
      if (owner && lineOf(owner.startIndex) < line) return levelAt(owner.startIndex) + 1 + continuation;
      element = undefined;
      continue;
    }
    const opener = ancestor.children.find(c => c !== null && !c.isNamed && OPENERS.has(c.type));
    if (opener && opener.startIndex < first.start && lineOf(opener.startIndex) < line) {
      const closer = [...ancestor.children].reverse().find(c => c !== null && !c.isNamed && CLOSERS.has(c.type));
      if (!closer || closer.startIndex >= first.end) return levelAt(opener.startIndex) + 1 + continuation;
    }
    element = undefined;
  }
  return 0;
}

/** The spaces between two tokens of one line. */
function spaceBetween(prev: Token, next: Token, text: string): string {
  const gap = next.start - prev.end;
  const p = prev.node;
  const n = next.node;
  const pt = p.isNamed ? '' : p.type;
  const nt = n.isNamed ? '' : n.type;
  const pParent = p.parent?.type;
  const nParent = n.parent?.type;
  if (n.type === 'comment') return gap > 0 ? text.slice(prev.end, next.start).replace(/[^\t ]/g, '') || ' ' : ' ';
  // Unary minus and annotations bind to what follows.
  if (pt === '-' && (pParent === 'unary_expression' || pParent === 'negative_pattern')) return '';
  if (pt === '@') return '';
  // Brackets hug their contents.
  if (pt === '(' || pt === '[' || pt === '#{') return '';
  if (nt === ')' || nt === ']') return '';
  if (pt === '{') return pParent === 'effect_row' || nt === '}' ? '' : ' ';
  if (nt === '}') return nParent === 'effect_row' || nParent === 'interpolation' ? '' : ' ';
  if (pt === '<' && pParent === 'effect_row') return '';
  if (nt === '>' && nParent === 'effect_row') return '';
  // Separators.
  if (nt === ',' || nt === ';' || nt === ':') return '';
  if (pt === ',' || pt === ';' || pt === ':') return ' ';
  // Member access, `.await`, `scope.spawn` and ranges are tight.
  if (pt === '.' || nt === '.' || pt === '..' || nt === '..') return '';
  // A call's `(` and an index's `[` must touch the callee: after something that can end a callee, keep what the
  // source had (`f(x)` is a call, `f (x)` is not); after an operator or a keyword, one space.
  if (nt === '(' || nt === '[') {
    const mayEndCallee = p.isNamed ? p.type !== 'comment' : pt === ')' || pt === ']' || pt === 'await';
    return mayEndCallee && gap === 0 ? '' : ' ';
  }
  // Lambda and binder bars: `|x, y| body`, `with Async.scope |s|`.
  if (pt === '|' && (pParent === 'lambda' || pParent === 'with_expression')) return isOpeningBar(p) ? '' : ' ';
  if (nt === '|' && (nParent === 'lambda' || nParent === 'with_expression')) return isOpeningBar(n) ? ' ' : '';
  return ' ';
}

function isOpeningBar(bar: Node): boolean {
  const parent = bar.parent;
  if (!parent) return true;
  const bars = parent.children.filter(c => c !== null && c.type === '|');
  return bars[0]?.startIndex === bar.startIndex;
}
