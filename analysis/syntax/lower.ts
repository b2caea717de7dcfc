// Lowers a tree-sitter tree of an Aria file into the AST, collecting syntax errors instead of throwing.
import type { Node as TsNode, Tree } from 'web-tree-sitter';
import { ERROR_SYMBOL, FlatNode, rootChildRanges, withFlatTree, type FlatTree } from '../../grammar/flat-tree.js';
import type * as A from './ast.js';
import { detached } from '../text-edit.js';

type Node = FlatNode;

/**
 * Lowers `tree` (parsed from `text`) into a Module. Never throws on user input. The tree is first copied into
 * flat arrays in one walk (`withFlatTree`): reading web-tree-sitter's Nodes one property at a time costs a call
 * into wasm each, which made the lowering cost several parses.
 */
export function lowerModule(tree: Tree, text: string, path: string): A.Module {
  return withFlatTree(tree, text, flat => {
    const lowerer = new Lowerer(flat);
    const entries: TopLevel[] = [];
    for (let c = flat.firstChild(0); c !== NONE; c = flat.next[c]!) entries.push(lowerer.topLevelEntry(c));
    // When the whole file is one ERROR node, that node is the one report (not each thing inside it).
    const rootErrors = flat.symbol[0] === ERROR_SYMBOL ? { regions: [] as A.Span[], errors: [] as A.SyntaxError[] } : undefined;
    if (rootErrors) rootErrors.errors.push(...syntaxErrors(flat.root, rootErrors.regions));
    return assemble(path, { start: flat.start[0]!, end: flat.end[0]! }, entries, text, rootErrors);
  });
}

/** A change between two versions of a file, for `lowerModuleAgain`. */
export interface Reuse {
  /** The earlier version's module (made by `lowerModule` or `lowerModuleAgain`) and text. */
  readonly module: A.Module;
  readonly text: string;
  /** Where the new text differs from the old, in new-text offsets (edits and tree-sitter's changed ranges, joined). */
  readonly changedStart: number;
  readonly changedEnd: number;
}

/**
 * Lowers `tree` as `lowerModule` does, reusing the top-level items of `reuse.module` that the change did not
 * touch: those before it as they are, those after it with their spans moved by the change in length (in place:
 * the earlier module is spent). Only the touched items (and any holding a syntax error) are lowered again, so an
 * edit costs in proportion to the item edited, not the file. Falls back to `lowerModule` when `reuse.module` was
 * not made here.
 */
export function lowerModuleAgain(tree: Tree, text: string, path: string, reuse: Reuse, lowered?: (results: readonly (A.Item | A.Stmt)[]) => void): A.Module {
  const old = topLevels.get(reuse.module);
  if (!old || old.text !== reuse.text) return lowerModule(tree, text, path);
  const delta = text.length - reuse.text.length;
  const before = new Map<number, TopLevel>();
  const after = new Map<number, TopLevel>();
  for (const e of old.entries) {
    if (e.end < reuse.changedStart) before.set(e.start, e);
    else if (e.start + delta > reuse.changedEnd) after.set(e.start + delta, e);
  }
  const root = tree.rootNode;
  if (root.isError) return lowerModule(tree, text, path);
  const entries: TopLevel[] = [];
  const ranges = rootChildRanges(tree); // one cursor walk over the top level, no Node object per item
  for (let i = 0; i < ranges.length; i += 2) {
    const start = ranges[i]!;
    const end = ranges[i + 1]!;
    // An item depends on its own text and on the comment lines above it (its doc), up to the line that ends them.
    const touched = end >= reuse.changedStart && docReach(text, start) <= reuse.changedEnd;
    const kept = touched ? undefined : end < reuse.changedStart ? before.get(start) : after.get(start);
    // Outside the changed ranges tree-sitter's tree is the same, so an item without syntax errors still has none;
    // one with errors is lowered again (its messages read the text after it).
    if (kept && kept.end - kept.start === end - start && kept.errors.length === 0) {
      entries.push(start === kept.start ? kept : shiftEntry(kept, start - kept.start));
      continue;
    }
    const entry = lowerSubtree(root.child(i / 2)!, text);
    lowered?.(entry.results);
    entries.push(entry);
  }
  return assemble(path, { start: root.startIndex, end: root.endIndex }, entries, text);
}

/** Where the text an item's doc is read from begins: the line above its `#` comment lines (see Lowerer.doc). */
function docReach(text: string, start: number): number {
  let lineEnd = text.lastIndexOf('\n', start - 1);
  while (lineEnd > 0) {
    const lineStart = text.lastIndexOf('\n', lineEnd - 1) + 1;
    if (!text.slice(lineStart, lineEnd).trim().startsWith('#')) return lineStart;
    lineEnd = lineStart - 1;
  }
  return 0;
}

/** What one top-level node of a file lowered to, with the syntax errors inside it. */
interface TopLevel {
  readonly start: number;
  readonly end: number;
  readonly results: readonly (A.Item | A.Stmt)[];
  /** Syntax errors inside the node, and the spans of its outermost ERROR nodes. */
  readonly errors: readonly A.SyntaxError[];
  readonly regions: readonly A.Span[];
  /** Constructs that parse but stand where they may not (an import inside a block). */
  readonly misplaced: readonly A.SyntaxError[];
}

/** The top-level entries a module was assembled from, for the next `lowerModuleAgain` of its file. */
const topLevels = new WeakMap<A.Module, { readonly text: string; readonly entries: readonly TopLevel[] }>();

function assemble(
  path: string, span: A.Span, entries: readonly TopLevel[], text: string,
  rootErrors?: { readonly errors: readonly A.SyntaxError[]; readonly regions: readonly A.Span[] },
): A.Module {
  const items: A.Item[] = [];
  const statements: A.Stmt[] = [];
  const errors: A.SyntaxError[] = [];
  const errorRegions: A.Span[] = [];
  for (const e of entries) {
    for (const r of e.results) {
      if (isItem(r)) items.push(r);
      else statements.push(r);
    }
    if (!rootErrors) errors.push(...e.errors);
    if (!rootErrors) errorRegions.push(...e.regions);
    errors.push(...e.misplaced);
  }
  if (rootErrors) {
    errors.push(...rootErrors.errors);
    errorRegions.push(...rootErrors.regions);
  }
  errors.sort((a, b) => a.span.start - b.span.start);
  const module: A.Module = { path, items, statements, syntaxErrors: errors, errorRegions, span };
  topLevels.set(module, { text, entries });
  return module;
}

function lowerSubtree(node: TsNode, text: string): TopLevel {
  return withFlatTree(node.tree, text, flat => new Lowerer(flat).topLevelEntry(0), node);
}

/**
 * Moves every span inside an entry by `delta`. Spans sit under the key `span` (errors' too) or in `regions`, and the
 * lowering never shares an object between two places (so nothing moves twice; the incremental tests compare with
 * a fresh lowering). The spans are found by a walk the first time, then kept: an edit in the middle of a file moves
 * every entry after it, at every keystroke.
 */
function shiftEntry(e: TopLevel, delta: number): TopLevel {
  let spans = entrySpans.get(e.results);
  if (!spans) {
    const found: A.Span[] = [];
    collectSpans(e.results, found);
    collectSpans(e.errors, found);
    collectSpans(e.misplaced, found);
    found.push(...e.regions);
    entrySpans.set(e.results, (spans = found));
  }
  for (let i = 0; i < spans.length; i++) moveSpan(spans[i]!, delta);
  return { ...e, start: e.start + delta, end: e.end + delta };
}

/** Every span object of an entry (keyed by its results, which its moved copies share). */
const entrySpans = new WeakMap<readonly unknown[], A.Span[]>();

function moveSpan(span: A.Span, delta: number): void {
  const s = span as { start: number; end: number };
  s.start += delta;
  s.end += delta;
}

function collectSpans(value: object, out: A.Span[]): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v !== null && typeof v === 'object') collectSpans(v, out);
    }
    return;
  }
  const o = value as Record<string, unknown>;
  for (const key in o) {
    const v = o[key];
    if (v === null || typeof v !== 'object') continue;
    if (key === 'span') out.push(v as A.Span);
    else collectSpans(v, out);
  }
}

/**
 * Syntax errors of a tree: ERROR nodes ("unexpected ...") and MISSING nodes ("expected ..."); `regions` receives
 * the span of each outermost ERROR node.
 */
export function syntaxErrors(root: Node, regions: A.Span[] = []): A.SyntaxError[] {
  const errors: A.SyntaxError[] = [];
  const pending: Node[] = [root]; // an explicit stack: error paths can nest thousands deep
  while (pending.length) {
    const node = pending.pop()!;
    if (node.isMissing) {
      const what = node.isNamed ? `${article(node.type)} ${node.type.replace(/_/g, ' ')}` : `\`${node.type}\``;
      errors.push({ message: `expected ${what}`, span: { start: node.startIndex, end: node.endIndex } });
    } else if (node.isError) {
      errors.push(describeError(node)); // one report per ERROR node, not per nested one
      regions.push({ start: node.startIndex, end: node.endIndex });
    } else if (node.hasError) {
      const children = node.children;
      for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
    }
  }
  return errors;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

const BLOCK_OPENERS = new Set(['fn', 'if', 'while', 'loop', 'for', 'match', 'with', 'effect', 'handler', 'enum']);

function describeError(node: Node): A.SyntaxError {
  const first = node.child(0);
  // An unclosed block swallows the rest of the file into one ERROR: point at its opening keyword.
  const openers = node.descendantsOfType([...BLOCK_OPENERS, 'end']).filter(n => !n.isNamed);
  const unclosed = openers.filter(n => n.type !== 'end').length > openers.filter(n => n.type === 'end').length;
  const opener = openers[0];
  if (opener && opener.type !== 'end' && unclosed && node.flat.text.slice(node.endIndex).trim() === '') {
    const closer = opener.type === 'effect' || opener.type === 'handler' || opener.type === 'enum' ? '}' : 'end';
    return { message: `expected \`${closer}\` to close this \`${opener.type}\``, span: { start: opener.startIndex, end: opener.endIndex } };
  }
  const token = (first ?? node).text.split('\n')[0]!.trim();
  const shown = token.length > 24 ? `${token.slice(0, 24)}…` : token;
  const message = token === '' ? 'syntax error' : `unexpected \`${shown}\``;
  return { message, span: { start: node.startIndex, end: node.endIndex } };
}

/** Node types complete enough to lower when they turn up loose inside an ERROR node. */
const RECOVERABLE = new Set([
  'function_definition', 'effect_declaration', 'handler_declaration', 'struct_declaration', 'enum_declaration',
  'import_declaration', 'annotated', 'assignment', 'return_statement', 'while_statement', 'loop_statement', 'for_statement',
  'call_expression', 'if_expression', 'match_expression', 'with_expression', 'spawn_expression', 'await_expression',
]);

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '0': '\0', '"': '"', '\\': '\\', '#': '#' };

/** Field ids of the grammar's fields the lowering reads, looked up once per tree. */
class Fields {
  readonly alternative: number; readonly annotation: number; readonly argument: number; readonly arguments: number;
  readonly arm: number; readonly binder: number; readonly body: number; readonly condition: number;
  readonly consequence: number; readonly ctor: number; readonly default: number; readonly effect: number;
  readonly effects: number; readonly element: number; readonly expression: number; readonly fields: number;
  readonly function: number; readonly guard: number; readonly handler: number; readonly index: number;
  readonly item: number; readonly iterable: number; readonly left: number; readonly name: number;
  readonly object: number; readonly operand: number; readonly operation: number; readonly operator: number;
  readonly parameter: number; readonly parameters: number; readonly path: number; readonly pattern: number;
  readonly property: number; readonly returnType: number; readonly right: number; readonly scope: number;
  readonly tail: number; readonly type: number; readonly typeParameters: number; readonly value: number;
  readonly variable: number; readonly variant: number;

  constructor(flat: FlatTree) {
    const id = (name: string) => flat.fieldId(name);
    this.alternative = id('alternative'); this.annotation = id('annotation'); this.argument = id('argument');
    this.arguments = id('arguments'); this.arm = id('arm'); this.binder = id('binder'); this.body = id('body');
    this.condition = id('condition'); this.consequence = id('consequence'); this.ctor = id('constructor');
    this.default = id('default'); this.effect = id('effect'); this.effects = id('effects'); this.element = id('element');
    this.expression = id('expression'); this.fields = id('fields'); this.function = id('function'); this.guard = id('guard');
    this.handler = id('handler'); this.index = id('index'); this.item = id('item'); this.iterable = id('iterable');
    this.left = id('left'); this.name = id('name'); this.object = id('object'); this.operand = id('operand');
    this.operation = id('operation'); this.operator = id('operator'); this.parameter = id('parameter');
    this.parameters = id('parameters'); this.path = id('path'); this.pattern = id('pattern'); this.property = id('property');
    this.returnType = id('return_type'); this.right = id('right'); this.scope = id('scope'); this.tail = id('tail');
    this.type = id('type'); this.typeParameters = id('type_parameters'); this.value = id('value'); this.variable = id('variable');
    this.variant = id('variant');
  }
}

/** No node: what the field and child lookups return when there is none. */
const NONE = -1;

/**
 * Lowers from the flat copy of the tree by node index (no object per node read: the lowering allocates the AST
 * and little else, which keeps garbage collection down).
 */
class Lowerer {
  /** Errors the tree does not show: constructs that parse but stand where they may not. */
  private readonly misplaced: A.SyntaxError[] = [];
  private readonly text: string;
  private readonly F: Fields;
  private readonly types: readonly string[];
  /** See `keep` and `take`. */
  private readonly stack: unknown[] = [];
  private top = 0;

  constructor(private readonly flat: FlatTree) {
    this.text = flat.text;
    this.F = new Fields(flat);
    this.types = flat.language.types;
  }

  // ---------------------------------------------------------------- reading the flat tree

  private type(n: number): string {
    return this.types[this.flat.symbol[n]!] ?? 'ERROR';
  }

  private isError(n: number): boolean {
    return this.flat.symbol[n] === 0xffff;
  }

  private isComment(n: number): boolean {
    return this.type(n) === 'comment';
  }

  private start(n: number): number {
    return this.flat.start[n]!;
  }

  private end(n: number): number {
    return this.flat.end[n]!;
  }

  /** The text of node `n`, as a string of its own (a slice would keep the whole document text alive: `detached`). */
  private source(n: number): string {
    return detached(this.text.slice(this.flat.start[n]!, this.flat.end[n]!));
  }

  /** The first child of `n` in field `field`, or NONE. */
  private child(n: number, field: number): number {
    if (field === 0) return NONE;
    for (let c = this.flat.firstChild(n); c !== NONE; c = this.flat.next[c]!) if (this.flat.field[c] === field) return c;
    return NONE;
  }

  /** Every child of `n` in field `field`. */
  private all(n: number, field: number): number[] {
    const out: number[] = [];
    if (field === 0) return out;
    for (let c = this.flat.firstChild(n); c !== NONE; c = this.flat.next[c]!) if (this.flat.field[c] === field) out.push(c);
    return out;
  }

  /** `fn` of every child of `n` in field `field`, in order (no array of indices in between). */
  private mapField<T>(n: number, field: number, fn: (child: number) => T): T[] {
    const base = this.top;
    if (field !== 0) {
      for (let c = this.flat.firstChild(n); c !== NONE; c = this.flat.next[c]!) if (this.flat.field[c] === field) this.keep(fn(c));
    }
    return this.take(base);
  }

  /** `fn` of every named child of `n` of type `type`, in order. */
  private mapNamedOfType<T>(n: number, type: string, fn: (child: number) => T): T[] {
    const base = this.top;
    for (let c = this.flat.firstChild(n); c !== NONE; c = this.flat.next[c]!) if (this.flat.isNamed(c) && this.type(c) === type) this.keep(fn(c));
    return this.take(base);
  }

  /**
   * Lists the AST keeps are collected on one shared stack and copied off it at their exact length (`take`): an
   * array grown by `push` keeps room for 16 or more elements, most lists here have one to three, and the AST lives
   * as long as the file is open. `keep` pushes; `take(base)` returns what was kept since `base` and pops it.
   */
  private keep(value: unknown): void {
    this.stack[this.top++] = value;
  }

  private take<T>(base: number): T[] {
    const out = this.stack.slice(base, this.top) as T[];
    this.top = base;
    return out;
  }

  private children(n: number): number[] {
    const out: number[] = [];
    for (let c = this.flat.firstChild(n); c !== NONE; c = this.flat.next[c]!) out.push(c);
    return out;
  }

  private named(n: number): number[] {
    const out: number[] = [];
    for (let c = this.flat.firstChild(n); c !== NONE; c = this.flat.next[c]!) if (this.flat.isNamed(c)) out.push(c);
    return out;
  }

  private lastChild(n: number): number {
    let last = NONE;
    for (let c = this.flat.firstChild(n); c !== NONE; c = this.flat.next[c]!) last = c;
    return last;
  }

  // ---------------------------------------------------------------- module

  /** Lowers one child of the root (any kind, comments and stray tokens too) with the syntax errors inside it. */
  topLevelEntry(n: number): TopLevel {
    this.misplaced.length = 0;
    const results: (A.Item | A.Stmt)[] = [];
    if (this.flat.isNamed(n) && !this.isComment(n)) {
      for (const lowered of this.isError(n) ? this.recover(n) : [this.topLevel(n, [])]) if (lowered) results.push(lowered);
    }
    const regions: A.Span[] = [];
    const errors = this.flat.hasError(n) ? syntaxErrors(new FlatNode(this.flat, n), regions) : [];
    return { start: this.start(n), end: this.end(n), results, errors, regions, misplaced: [...this.misplaced] };
  }

  private span(n: number): A.Span {
    return { start: this.flat.start[n]!, end: this.flat.end[n]! };
  }

  private ident(n: number, fallback: number): A.Ident {
    if (n === NONE || this.flat.isMissing(n)) return { name: '', span: { start: this.end(fallback), end: this.end(fallback) } };
    return { name: this.source(n), span: this.span(n) };
  }

  /** An item or a statement, with the annotations standing before it. */
  private topLevel(n: number, annotations: A.Annotation[]): A.Item | A.Stmt | undefined {
    const F = this.F;
    switch (this.type(n)) {
      case 'annotated': {
        const anns = this.mapField(n, F.annotation, a => this.annotation(a));
        const inner = this.child(n, F.item);
        return inner !== NONE ? this.topLevel(inner, [...annotations, ...anns]) : undefined;
      }
      case 'function_definition':
        return this.fn(n, annotations);
      case 'effect_declaration':
        return {
          kind: 'Effect', span: this.span(n), name: this.ident(this.child(n, F.name), n),
          typeParams: this.typeParams(n), ops: this.mapField(n, F.operation, op => this.opSig(op)),
          annotations, doc: this.doc(n, annotations),
        };
      case 'handler_declaration': {
        const params = this.child(n, F.parameters);
        return {
          kind: 'Handler', span: this.span(n), name: this.ident(this.child(n, F.name), n),
          params: params !== NONE ? this.params(params) : undefined,
          effect: this.ident(this.child(n, F.effect), n),
          ops: this.mapField(n, F.operation, op => this.fn(op, [])),
          annotations, doc: this.doc(n, annotations),
        };
      }
      case 'struct_declaration': {
        const fields = this.child(n, F.fields);
        return {
          kind: 'Struct', span: this.span(n), name: this.ident(this.child(n, F.name), n),
          typeParams: this.typeParams(n), fields: fields !== NONE ? this.params(fields) : [],
          annotations, doc: this.doc(n, annotations),
        };
      }
      case 'enum_declaration':
        return {
          kind: 'Enum', span: this.span(n), name: this.ident(this.child(n, F.name), n),
          typeParams: this.typeParams(n), variants: this.mapField(n, F.variant, v => this.variant(v)),
          annotations, doc: this.doc(n, annotations),
        };
      case 'import_declaration': {
        const path = this.child(n, F.path);
        return {
          kind: 'Import', span: this.span(n),
          path: path !== NONE ? this.mapNamedOfType(path, 'identifier', c => this.ident(c, c)) : [],
        };
      }
      default: {
        const stmt = this.stmt(n);
        return stmt && annotations.length ? { ...stmt, annotations } : stmt;
      }
    }
  }

  private annotation(n: number): A.Annotation {
    const args = this.child(n, this.F.arguments);
    return { name: this.ident(this.child(n, this.F.name), n), args: args !== NONE ? this.args(args) : [], span: this.span(n) };
  }

  /** The `#` comment lines directly above the node (or its annotations), joined. */
  private doc(n: number, annotations: readonly A.Annotation[]): string | undefined {
    const start = annotations.length ? Math.min(this.start(n), annotations[0]!.span.start) : this.start(n);
    const lines: string[] = [];
    let lineEnd = this.text.lastIndexOf('\n', start - 1);
    while (lineEnd > 0) {
      const lineStart = this.text.lastIndexOf('\n', lineEnd - 1) + 1;
      const line = this.text.slice(lineStart, lineEnd).trim();
      if (!line.startsWith('#')) break;
      lines.unshift(line.replace(/^#+ ?/, ''));
      lineEnd = lineStart - 1;
    }
    return lines.length ? detached(lines.join('\n')) : undefined;
  }

  private fn(n: number, annotations: readonly A.Annotation[]): A.FnDecl {
    const F = this.F;
    const body = this.child(n, F.body);
    const exprBody = body !== NONE && this.type(body) !== 'block';
    const params = this.child(n, F.parameters);
    const effects = this.child(n, F.effects);
    const ret = this.child(n, F.returnType);
    return {
      kind: 'Fn', span: this.span(n), name: this.ident(this.child(n, F.name), n),
      typeParams: this.typeParams(n), params: params !== NONE ? this.params(params) : [],
      effects: effects !== NONE ? this.row(effects) : undefined, returnType: ret !== NONE ? this.typeExpr(ret) : undefined,
      body: exprBody ? this.exprBlock(body) : this.block(body, n),
      exprBody, annotations, doc: this.doc(n, annotations),
    };
  }

  private variant(n: number): A.Variant {
    const fields = this.child(n, this.F.fields);
    // Only a variant that starts its line has a doc: above `enum E { A, B }` stands the enum's own.
    const lineStart = this.text.lastIndexOf('\n', this.start(n) - 1) + 1;
    const first = this.text.slice(lineStart, this.start(n)).trim() === '';
    return {
      span: this.span(n), name: this.ident(this.child(n, this.F.name), n),
      fields: fields !== NONE ? this.params(fields) : [], doc: first ? this.doc(n, []) : undefined,
    };
  }

  private opSig(n: number): A.OpSig {
    const F = this.F;
    const params = this.child(n, F.parameters);
    const effects = this.child(n, F.effects);
    const ret = this.child(n, F.returnType);
    return {
      span: this.span(n), name: this.ident(this.child(n, F.name), n), typeParams: this.typeParams(n),
      params: params !== NONE ? this.params(params) : [], effects: effects !== NONE ? this.row(effects) : undefined,
      returnType: ret !== NONE ? this.typeExpr(ret) : undefined, doc: this.doc(n, []),
    };
  }

  private typeParams(n: number): A.Ident[] {
    const tps = this.child(n, this.F.typeParameters);
    return tps !== NONE ? this.mapField(tps, this.F.parameter, p => this.ident(p, p)) : [];
  }

  private params(list: number): A.Param[] {
    return this.mapNamedOfType(list, 'parameter', p => this.param(p));
  }

  private param(n: number): A.Param {
    const type = this.child(n, this.F.type);
    const def = this.child(n, this.F.default);
    return {
      span: this.span(n), name: this.ident(this.child(n, this.F.name), n),
      type: type !== NONE ? this.typeExpr(type) : undefined, default: def !== NONE ? this.expr(def) : undefined,
    };
  }

  // ---------------------------------------------------------------- types

  private typeExpr(n: number): A.TypeExpr {
    const F = this.F;
    switch (this.type(n)) {
      case 'generic_type':
        return {
          kind: 'TypeApp', span: this.span(n), name: this.ident(this.child(n, F.name), n),
          args: this.mapField(n, F.argument, a => this.typeExpr(a)),
        };
      case 'function_type': {
        const effects = this.child(n, F.effects);
        const result = this.child(n, F.returnType);
        return {
          kind: 'FnType', span: this.span(n), params: this.mapField(n, F.parameter, p => this.typeExpr(p)),
          effects: effects !== NONE ? this.row(effects) : undefined,
          result: result !== NONE ? this.typeExpr(result) : { kind: 'TypeName', span: this.span(n), name: 'Unit' },
        };
      }
      default:
        return { kind: 'TypeName', span: this.span(n), name: this.source(n) };
    }
  }

  private row(n: number): A.EffectRow {
    const F = this.F;
    const tail = this.child(n, F.tail);
    const first = this.flat.firstChild(n);
    return {
      span: this.span(n),
      spelling: first !== NONE && this.type(first) === '<' ? 'angle' : 'brace',
      effects: this.mapField(n, F.effect, e => this.ident(e, e)),
      variables: this.mapField(n, F.variable, v => this.ident(v, v)),
      tail: tail !== NONE ? this.ident(tail, tail) : undefined,
    };
  }

  // ---------------------------------------------------------------- statements

  /** A block node (or its absence, NONE: an empty block at the end of `owner`). */
  private block(n: number, owner: number): A.Block {
    if (n === NONE) {
      const last = this.lastChild(owner);
      const at = this.end(owner) - (last !== NONE && this.type(last) === 'end' ? 3 : 0);
      return { span: { start: at, end: at }, stmts: [] };
    }
    const base = this.top;
    for (let child = this.flat.firstChild(n); child !== NONE; child = this.flat.next[child]!) {
      if (!this.flat.isNamed(child) || this.isComment(child)) continue;
      if (this.isError(child)) {
        for (const lowered of this.recover(child)) this.blockStmt(lowered);
      } else {
        this.blockStmt(this.topLevel(child, []));
      }
    }
    return { span: this.span(n), stmts: this.take(base) };
  }

  /** Keeps what a statement of a block lowered to (see `keep`): a local function, or a misplaced item reported. */
  private blockStmt(lowered: A.Item | A.Stmt | undefined): void {
    if (!lowered) return;
    if (!isItem(lowered)) {
      this.keep(lowered);
    } else if (lowered.kind === 'Fn') {
      this.keep({ kind: 'LocalFn', span: { ...lowered.span }, fn: lowered });
    } else {
      const what = lowered.kind === 'Import' ? 'an import' : `${article(lowered.kind.toLowerCase())} ${lowered.kind.toLowerCase()} declaration`;
      this.misplaced.push({ message: `${what} may stand only at the top level of a file`, span: lowered.span });
    }
  }

  /**
   * Salvages what an ERROR node still holds, so that a file being typed keeps its symbols: a function whose
   * `end` is missing (tree-sitter keeps its name, parameters, row and statements as loose children) becomes a
   * function again; other complete statements and items inside are lowered as they are.
   */
  private recover(n: number): (A.Item | A.Stmt | undefined)[] {
    const children = this.children(n);
    const fnAt = children.findIndex(c => this.type(c) === 'fn' && !this.flat.isNamed(c));
    const name = fnAt >= 0 ? children[fnAt + 1] : undefined;
    const params = children.find(c => this.type(c) === 'parameter_list');
    if (fnAt >= 0 && name !== undefined && this.type(name) === 'identifier' && params !== undefined) {
      const effects = children.find(c => this.type(c) === 'effect_row' && this.start(c) > this.start(params));
      const ret = children.find(c => this.start(c) > this.end(params) && ['type_identifier', 'generic_type', 'function_type'].includes(this.type(c)));
      const headerEnd = Math.max(this.end(params), effects !== undefined ? this.end(effects) : 0, ret !== undefined ? this.end(ret) : 0);
      const stmts: A.Stmt[] = [];
      for (const child of children) {
        if (!this.flat.isNamed(child) || this.start(child) < headerEnd || this.isComment(child)) continue;
        const lowered = this.isError(child) ? undefined : this.topLevel(child, []);
        if (!lowered) continue;
        if (isItem(lowered)) {
          if (lowered.kind === 'Fn') stmts.push({ kind: 'LocalFn', span: { ...lowered.span }, fn: lowered });
        } else {
          stmts.push(lowered);
        }
      }
      const fn: A.FnDecl = {
        kind: 'Fn', span: this.span(n), name: this.ident(name, n), typeParams: [], params: this.params(params),
        effects: effects !== undefined ? this.row(effects) : undefined, returnType: ret !== undefined ? this.typeExpr(ret) : undefined,
        body: { span: { start: headerEnd, end: this.end(n) }, stmts }, exprBody: false, annotations: [],
        doc: this.doc(n, []),
      };
      return [fn];
    }
    // An enum whose `}` is missing: its name and the variants typed so far (as a function's statements are kept).
    const enumAt = children.findIndex(c => this.type(c) === 'enum' && !this.flat.isNamed(c));
    const enumName = enumAt >= 0 ? children[enumAt + 1] : undefined;
    if (enumAt >= 0 && enumName !== undefined && this.type(enumName) === 'identifier') {
      const tps = children.find(c => this.type(c) === 'type_parameters' && this.start(c) > this.start(enumName));
      const decl: A.EnumDecl = {
        kind: 'Enum', span: this.span(n), name: this.ident(enumName, n),
        typeParams: tps !== undefined ? this.mapField(tps, this.F.parameter, c => this.ident(c, c)) : [],
        variants: children.filter(c => this.type(c) === 'variant' && this.start(c) > this.start(enumName)).map(c => this.variant(c)),
        annotations: [], doc: this.doc(n, []),
      };
      return [decl];
    }
    return this.named(n)
      .filter(c => !this.isError(c) && !this.isComment(c) && RECOVERABLE.has(this.type(c)))
      .map(c => this.topLevel(c, []));
  }

  private exprBlock(n: number): A.Block {
    const expr = this.expr(n);
    return { span: { ...expr.span }, stmts: [{ kind: 'ExprStmt', span: { ...expr.span }, expr }] };
  }

  private stmt(n: number): A.Stmt | undefined {
    const F = this.F;
    const span = this.span(n);
    switch (this.type(n)) {
      case 'assignment': {
        const left = this.child(n, F.left);
        const target = left !== NONE ? this.expr(left) : undefined;
        const operator = this.child(n, F.operator);
        const op = (operator !== NONE ? this.type(operator) : '=') as A.AssignOp;
        if (!target || (target.kind !== 'Name' && target.kind !== 'Member' && target.kind !== 'Index')) {
          return { kind: 'ExprStmt', span, expr: { kind: 'Error', span: this.span(n) } };
        }
        return { kind: 'Assign', span, target, op, value: this.field(n, F.right) };
      }
      case 'return_statement': {
        const value = this.child(n, F.value);
        return { kind: 'Return', span, value: value !== NONE ? this.expr(value) : undefined };
      }
      case 'break_statement':
        return { kind: 'Break', span };
      case 'continue_statement':
        return { kind: 'Continue', span };
      case 'while_statement':
        return { kind: 'While', span, condition: this.field(n, F.condition), body: this.block(this.child(n, F.body), n) };
      case 'loop_statement':
        return { kind: 'Loop', span, body: this.block(this.child(n, F.body), n) };
      case 'for_statement':
        return {
          kind: 'For', span, variable: this.ident(this.child(n, F.variable), n),
          iterable: this.field(n, F.iterable), body: this.block(this.child(n, F.body), n),
        };
      default:
        return { kind: 'ExprStmt', span, expr: this.expr(n) };
    }
  }

  // ---------------------------------------------------------------- expressions

  /** The expression in field `field` of `n`, or an error expression where the source has none. */
  private field(n: number, field: number): A.Expr {
    const child = this.child(n, field);
    if (child === NONE) return { kind: 'Error', span: { start: this.end(n), end: this.end(n) } };
    return this.expr(child);
  }

  private operator(n: number, fallback: string): string {
    const op = this.child(n, this.F.operator);
    return op !== NONE ? this.type(op) : fallback;
  }

  private expr(n: number): A.Expr {
    const F = this.F;
    const span = this.span(n);
    switch (this.type(n)) {
      case 'identifier':
        return this.flat.isMissing(n) ? { kind: 'Error', span } : { kind: 'Name', span, name: this.source(n) };
      case 'integer':
        return { kind: 'Int', span, value: numberOf(this.source(n)) };
      case 'float':
        return { kind: 'Float', span, value: numberOf(this.source(n)) };
      case 'true':
        return { kind: 'Bool', span, value: true };
      case 'false':
        return { kind: 'Bool', span, value: false };
      case 'unit':
        return { kind: 'Unit', span };
      case 'string':
        return { kind: 'String', span, parts: this.stringParts(n) };
      case 'list':
        return { kind: 'List', span, elements: this.mapField(n, F.element, e => this.expr(e)) };
      case 'parenthesized_expression':
        return this.field(n, F.expression);
      case 'call_expression': {
        const args = this.child(n, F.arguments);
        return { kind: 'Call', span, callee: this.field(n, F.function), args: args !== NONE ? this.args(args) : [] };
      }
      case 'member_expression':
        return { kind: 'Member', span, object: this.field(n, F.object), property: this.ident(this.child(n, F.property), n) };
      case 'index_expression':
        return { kind: 'Index', span, object: this.field(n, F.object), index: this.field(n, F.index) };
      case 'await_expression':
        return { kind: 'Await', span, value: this.field(n, F.value) };
      case 'spawn_expression': {
        const scope = this.child(n, F.scope);
        return { kind: 'Spawn', span, scope: scope !== NONE ? this.expr(scope) : undefined, body: this.field(n, F.body) };
      }
      case 'unary_expression':
        return { kind: 'Unary', span, op: this.operator(n, '-') as A.UnaryOp, operand: this.field(n, F.operand) };
      case 'binary_expression':
        return {
          kind: 'Binary', span, op: this.operator(n, '+') as A.BinaryOp,
          left: this.field(n, F.left), right: this.field(n, F.right),
        };
      case 'lambda': {
        const body = this.child(n, F.body);
        const params = this.mapNamedOfType(n, 'parameter', p => this.param(p));
        const blockBody = body === NONE || this.type(body) === 'block';
        return { kind: 'Lambda', span, params, body: blockBody ? this.block(body, n) : this.exprBlock(body) };
      }
      case 'if_expression': {
        const branches: { condition: A.Expr; body: A.Block; span: A.Span }[] = [
          { condition: this.field(n, F.condition), body: this.block(this.child(n, F.consequence), n), span: this.span(n) },
        ];
        let otherwise: A.Block | undefined;
        for (const alt of this.all(n, F.alternative)) {
          const kind = this.type(alt);
          if (kind === 'elif_clause') {
            branches.push({ condition: this.field(alt, F.condition), body: this.block(this.child(alt, F.consequence), alt), span: this.span(alt) });
          } else if (kind === 'else_clause') {
            otherwise = this.block(this.child(alt, F.body), alt);
          }
        }
        return { kind: 'If', span, branches, otherwise };
      }
      case 'match_expression':
        return {
          kind: 'Match', span, value: this.field(n, F.value),
          arms: this.mapField(n, F.arm, arm => {
            const guard = this.child(arm, F.guard);
            const pattern = this.child(arm, F.pattern);
            return {
              span: this.span(arm),
              pattern: pattern !== NONE ? this.pattern(pattern) : { kind: 'WildcardPat', span: this.span(arm) },
              guard: guard !== NONE ? this.expr(guard) : undefined,
              body: this.block(this.child(arm, F.body), arm),
            };
          }),
        };
      case 'with_expression': {
        const binder = this.child(n, F.binder);
        return {
          kind: 'With', span, handler: this.field(n, F.handler),
          binder: binder !== NONE ? this.ident(binder, binder) : undefined, body: this.block(this.child(n, F.body), n),
        };
      }
      default:
        return { kind: 'Error', span };
    }
  }

  private args(list: number): A.Arg[] {
    const base = this.top;
    for (let c = this.flat.firstChild(list); c !== NONE; c = this.flat.next[c]!) {
      if (!this.flat.isNamed(c) || this.isComment(c) || this.isError(c)) continue;
      if (this.type(c) === 'named_argument') {
        this.keep({ span: this.span(c), name: this.ident(this.child(c, this.F.name), c), value: this.field(c, this.F.value) });
      } else {
        this.keep({ span: this.span(c), value: this.expr(c) });
      }
    }
    return this.take(base);
  }

  private stringParts(n: number): (string | A.Expr)[] {
    const parts: (string | A.Expr)[] = [];
    const pushText = (s: string) => {
      const last = parts[parts.length - 1];
      if (typeof last === 'string') parts[parts.length - 1] = last + s;
      else parts.push(s);
    };
    for (let c = this.flat.firstChild(n); c !== NONE; c = this.flat.next[c]!) {
      if (!this.flat.isNamed(c)) continue;
      switch (this.type(c)) {
        case 'string_content':
          pushText(this.source(c));
          break;
        case 'escape_sequence': {
          const body = this.source(c).slice(1);
          if (body.startsWith('u{')) pushText(String.fromCodePoint(parseInt(body.slice(2, -1), 16)));
          else pushText(ESCAPES[body] ?? body);
          break;
        }
        case 'interpolation':
          parts.push(this.field(c, this.F.expression));
          break;
        default:
          break;
      }
    }
    return parts;
  }

  // ---------------------------------------------------------------- patterns

  private pattern(n: number): A.Pattern {
    const F = this.F;
    const span = this.span(n);
    switch (this.type(n)) {
      case 'wildcard_pattern':
        return { kind: 'WildcardPat', span };
      case 'identifier':
        return { kind: 'BindPat', span, name: this.source(n) };
      case 'integer':
      case 'float':
        return { kind: 'LiteralPat', span, value: numberOf(this.source(n)) };
      case 'negative_pattern': {
        const value = this.child(n, F.value);
        return { kind: 'LiteralPat', span, value: -numberOf(value !== NONE ? this.source(value) : '0') };
      }
      case 'string': {
        const parts = this.stringParts(n);
        return { kind: 'LiteralPat', span, value: parts.filter((p): p is string => typeof p === 'string').join('') };
      }
      case 'true':
        return { kind: 'LiteralPat', span, value: true };
      case 'false':
        return { kind: 'LiteralPat', span, value: false };
      case 'constructor_pattern':
        return {
          kind: 'CtorPat', span, name: this.ident(this.child(n, F.ctor), n),
          args: this.mapField(n, F.argument, a => this.pattern(a)),
        };
      case 'list_pattern':
        return { kind: 'ListPat', span, elements: this.mapField(n, F.element, e => this.pattern(e)) };
      default:
        return { kind: 'WildcardPat', span };
    }
  }
}

/** A numeric literal's value (`1_000` is 1000). */
function numberOf(source: string): number {
  return Number(source.includes('_') ? source.replace(/_/g, '') : source);
}

function isItem(x: A.Item | A.Stmt): x is A.Item {
  return x.kind === 'Fn' || x.kind === 'Effect' || x.kind === 'Handler' || x.kind === 'Struct' || x.kind === 'Enum' || x.kind === 'Import';
}
