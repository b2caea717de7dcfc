// Lowers a tree-sitter tree of an Aria file into the AST, collecting syntax errors instead of throwing.
import type { Tree } from 'web-tree-sitter';
import { flattenTree, type FlatNode as Node } from '../../grammar/flat-tree.js';
import type * as A from './ast.js';

/**
 * Lowers `tree` (parsed from `text`) into a Module. Never throws on user input. The tree is first copied into
 * flat arrays in one walk (`flattenTree`): reading web-tree-sitter's Nodes one property at a time costs a call
 * into wasm each, which made the lowering cost several parses.
 */
export function lowerModule(tree: Tree, text: string, path: string): A.Module {
  return new Lowerer(text, path).module(flattenTree(tree, text).root);
}

/** Syntax errors of a tree: ERROR nodes ("unexpected ...") and MISSING nodes ("expected ..."). */
export function syntaxErrors(root: Node): A.SyntaxError[] {
  const errors: A.SyntaxError[] = [];
  const pending: Node[] = [root]; // an explicit stack: error paths can nest thousands deep
  while (pending.length) {
    const node = pending.pop()!;
    if (node.isMissing) {
      const what = node.isNamed ? `${article(node.type)} ${node.type.replace(/_/g, ' ')}` : `\`${node.type}\``;
      errors.push({ message: `expected ${what}`, span: { start: node.startIndex, end: node.endIndex } });
    } else if (node.isError) {
      errors.push(describeError(node, root)); // one report per ERROR node, not per nested one
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

const BLOCK_OPENERS = new Set(['fn', 'if', 'while', 'loop', 'for', 'match', 'with', 'effect', 'handler']);

function describeError(node: Node, root: Node): A.SyntaxError {
  const first = node.child(0);
  // An unclosed block swallows the rest of the file into one ERROR: point at its opening keyword.
  const openers = node.descendantsOfType([...BLOCK_OPENERS, 'end']).filter(n => !n.isNamed);
  const unclosed = openers.filter(n => n.type !== 'end').length > openers.filter(n => n.type === 'end').length;
  const opener = openers[0];
  if (opener && opener.type !== 'end' && unclosed && root.text.slice(node.endIndex).trim() === '') {
    const closer = opener.type === 'effect' || opener.type === 'handler' ? '}' : 'end';
    return { message: `expected \`${closer}\` to close this \`${opener.type}\``, span: { start: opener.startIndex, end: opener.endIndex } };
  }
  const token = (first ?? node).text.split('\n')[0]!.trim();
  const shown = token.length > 24 ? `${token.slice(0, 24)}…` : token;
  const message = token === '' ? 'syntax error' : `unexpected \`${shown}\``;
  return { message, span: { start: node.startIndex, end: node.endIndex } };
}

/** Node types complete enough to lower when they turn up loose inside an ERROR node. */
const RECOVERABLE = new Set([
  'function_definition', 'effect_declaration', 'handler_declaration', 'struct_declaration', 'import_declaration',
  'annotated', 'assignment', 'return_statement', 'while_statement', 'loop_statement', 'for_statement',
  'call_expression', 'if_expression', 'match_expression', 'with_expression', 'spawn_expression', 'await_expression',
]);

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '0': '\0', '"': '"', '\\': '\\', '#': '#' };

class Lowerer {
  /** Errors the tree does not show: constructs that parse but stand where they may not. */
  private readonly misplaced: A.SyntaxError[] = [];

  constructor(private readonly text: string, private readonly path: string) {}

  module(root: Node): A.Module {
    const items: A.Item[] = [];
    const statements: A.Stmt[] = [];
    for (const child of root.namedChildren) {
      if (child.type === 'comment') continue;
      for (const lowered of child.isError ? this.recover(child) : [this.topLevel(child, [])]) {
        if (!lowered) continue;
        if (isItem(lowered)) items.push(lowered);
        else statements.push(lowered);
      }
    }
    const errors = [...syntaxErrors(root), ...this.misplaced].sort((a, b) => a.span.start - b.span.start);
    return { path: this.path, items, statements, syntaxErrors: errors, span: this.span(root) };
  }

  private span(node: Node): A.Span {
    return { start: node.startIndex, end: node.endIndex };
  }

  private ident(node: Node | null, fallback: Node): A.Ident {
    if (!node || node.isMissing) return { name: '', span: { start: fallback.endIndex, end: fallback.endIndex } };
    return { name: node.text, span: this.span(node) };
  }

  /** An item or a statement, with the annotations standing before it. */
  private topLevel(node: Node, annotations: A.Annotation[]): A.Item | A.Stmt | undefined {
    switch (node.type) {
      case 'annotated': {
        const anns = node.childrenForFieldName('annotation').map(a => this.annotation(a));
        const inner = node.childForFieldName('item');
        return inner ? this.topLevel(inner, [...annotations, ...anns]) : undefined;
      }
      case 'function_definition':
        return this.fn(node, annotations);
      case 'effect_declaration':
        return {
          kind: 'Effect', span: this.span(node), name: this.ident(node.childForFieldName('name'), node),
          typeParams: this.typeParams(node), ops: node.childrenForFieldName('operation').map(op => this.opSig(op)),
          annotations, doc: this.doc(node, annotations),
        };
      case 'handler_declaration': {
        const params = node.childForFieldName('parameters');
        return {
          kind: 'Handler', span: this.span(node), name: this.ident(node.childForFieldName('name'), node),
          params: params ? this.params(params) : undefined,
          effect: this.ident(node.childForFieldName('effect'), node),
          ops: node.childrenForFieldName('operation').map(op => this.fn(op, [])),
          annotations, doc: this.doc(node, annotations),
        };
      }
      case 'struct_declaration': {
        const fields = node.childForFieldName('fields');
        return {
          kind: 'Struct', span: this.span(node), name: this.ident(node.childForFieldName('name'), node),
          typeParams: this.typeParams(node), fields: fields ? this.params(fields) : [],
          annotations, doc: this.doc(node, annotations),
        };
      }
      case 'import_declaration': {
        const path = node.childForFieldName('path');
        return {
          kind: 'Import', span: this.span(node),
          path: path ? path.namedChildren.filter(c => c.type === 'identifier').map(c => this.ident(c, c)) : [],
        };
      }
      default: {
        const stmt = this.stmt(node);
        return stmt && annotations.length ? { ...stmt, annotations } : stmt;
      }
    }
  }

  private annotation(node: Node): A.Annotation {
    const args = node.childForFieldName('arguments');
    return { name: this.ident(node.childForFieldName('name'), node), args: args ? this.args(args) : [], span: this.span(node) };
  }

  /** The `#` comment lines directly above the node (or its annotations), joined. */
  private doc(node: Node, annotations: readonly A.Annotation[]): string | undefined {
    const start = annotations.length ? Math.min(node.startIndex, annotations[0]!.span.start) : node.startIndex;
    const lines: string[] = [];
    let lineEnd = this.text.lastIndexOf('\n', start - 1);
    while (lineEnd > 0) {
      const lineStart = this.text.lastIndexOf('\n', lineEnd - 1) + 1;
      const line = this.text.slice(lineStart, lineEnd).trim();
      if (!line.startsWith('#')) break;
      lines.unshift(line.replace(/^#+ ?/, ''));
      lineEnd = lineStart - 1;
    }
    return lines.length ? lines.join('\n') : undefined;
  }

  private fn(node: Node, annotations: readonly A.Annotation[]): A.FnDecl {
    const body = node.childForFieldName('body');
    const exprBody = body !== null && body.type !== 'block';
    const params = node.childForFieldName('parameters');
    const effects = node.childForFieldName('effects');
    const ret = node.childForFieldName('return_type');
    return {
      kind: 'Fn', span: this.span(node), name: this.ident(node.childForFieldName('name'), node),
      typeParams: this.typeParams(node), params: params ? this.params(params) : [],
      effects: effects ? this.row(effects) : undefined, returnType: ret ? this.type(ret) : undefined,
      body: exprBody ? this.exprBlock(body) : this.block(body, node),
      exprBody, annotations, doc: this.doc(node, annotations),
    };
  }

  private opSig(node: Node): A.OpSig {
    const params = node.childForFieldName('parameters');
    const effects = node.childForFieldName('effects');
    const ret = node.childForFieldName('return_type');
    return {
      span: this.span(node), name: this.ident(node.childForFieldName('name'), node), typeParams: this.typeParams(node),
      params: params ? this.params(params) : [], effects: effects ? this.row(effects) : undefined,
      returnType: ret ? this.type(ret) : undefined, doc: this.doc(node, []),
    };
  }

  private typeParams(node: Node): A.Ident[] {
    const tps = node.childForFieldName('type_parameters');
    return tps ? tps.childrenForFieldName('parameter').map(p => this.ident(p, p)) : [];
  }

  private params(list: Node): A.Param[] {
    return list.namedChildren.filter(c => c.type === 'parameter').map(p => this.param(p));
  }

  private param(node: Node): A.Param {
    const type = node.childForFieldName('type');
    const def = node.childForFieldName('default');
    return {
      span: this.span(node), name: this.ident(node.childForFieldName('name'), node),
      type: type ? this.type(type) : undefined, default: def ? this.expr(def) : undefined,
    };
  }

  // ---------------------------------------------------------------- types

  private type(node: Node): A.TypeExpr {
    switch (node.type) {
      case 'generic_type':
        return {
          kind: 'TypeApp', span: this.span(node), name: this.ident(node.childForFieldName('name'), node),
          args: node.childrenForFieldName('argument').map(a => this.type(a)),
        };
      case 'function_type': {
        const effects = node.childForFieldName('effects');
        const result = node.childForFieldName('return_type');
        return {
          kind: 'FnType', span: this.span(node), params: node.childrenForFieldName('parameter').map(p => this.type(p)),
          effects: effects ? this.row(effects) : undefined,
          result: result ? this.type(result) : { kind: 'TypeName', span: this.span(node), name: 'Unit' },
        };
      }
      default:
        return { kind: 'TypeName', span: this.span(node), name: node.text };
    }
  }

  private row(node: Node): A.EffectRow {
    const tail = node.childForFieldName('tail');
    return {
      span: this.span(node),
      spelling: node.child(0)?.type === '<' ? 'angle' : 'brace',
      effects: node.childrenForFieldName('effect').map(e => this.ident(e, e)),
      variables: node.childrenForFieldName('variable').map(v => this.ident(v, v)),
      tail: tail ? this.ident(tail, tail) : undefined,
    };
  }

  // ---------------------------------------------------------------- statements

  /** A block node (or its absence: an empty block at the end of `owner`). */
  private block(node: Node | null, owner: Node): A.Block {
    if (!node) {
      const at = owner.endIndex - (owner.lastChild?.type === 'end' ? 3 : 0);
      return { span: { start: at, end: at }, stmts: [] };
    }
    const stmts: A.Stmt[] = [];
    for (const child of node.namedChildren) {
      if (child.type === 'comment') continue;
      for (const lowered of child.isError ? this.recover(child) : [this.topLevel(child, [])]) {
        if (!lowered) continue;
        if (isItem(lowered)) {
          if (lowered.kind === 'Fn') {
            stmts.push({ kind: 'LocalFn', span: lowered.span, fn: lowered });
            continue;
          }
          const what = lowered.kind === 'Import' ? 'an import' : `${article(lowered.kind.toLowerCase())} ${lowered.kind.toLowerCase()} declaration`;
          this.misplaced.push({ message: `${what} may stand only at the top level of a file`, span: lowered.span });
          continue;
        }
        stmts.push(lowered);
      }
    }
    return { span: this.span(node), stmts };
  }

  /**
   * Salvages what an ERROR node still holds, so that a file being typed keeps its symbols: a function whose
   * `end` is missing (tree-sitter keeps its name, parameters, row and statements as loose children) becomes a
   * function again; other complete statements and items inside are lowered as they are.
   */
  private recover(node: Node): (A.Item | A.Stmt | undefined)[] {
    const children = node.children;
    const fnAt = children.findIndex(c => c.type === 'fn' && !c.isNamed);
    const name = fnAt >= 0 ? children[fnAt + 1] : undefined;
    const params = children.find(c => c.type === 'parameter_list');
    if (fnAt >= 0 && name?.type === 'identifier' && params) {
      const effects = children.find(c => c.type === 'effect_row' && c.startIndex > params.startIndex);
      const ret = children.find(c => c.startIndex > params.endIndex && ['type_identifier', 'generic_type', 'function_type'].includes(c.type));
      const headerEnd = Math.max(params.endIndex, effects?.endIndex ?? 0, ret?.endIndex ?? 0);
      const stmts: A.Stmt[] = [];
      for (const child of children) {
        if (!child.isNamed || child.startIndex < headerEnd || child.type === 'comment') continue;
        const lowered = child.isError ? undefined : this.topLevel(child, []);
        if (!lowered) continue;
        if (isItem(lowered)) {
          if (lowered.kind === 'Fn') stmts.push({ kind: 'LocalFn', span: lowered.span, fn: lowered });
        } else {
          stmts.push(lowered);
        }
      }
      const fn: A.FnDecl = {
        kind: 'Fn', span: this.span(node), name: this.ident(name, node), typeParams: [], params: this.params(params),
        effects: effects ? this.row(effects) : undefined, returnType: ret ? this.type(ret) : undefined,
        body: { span: { start: headerEnd, end: node.endIndex }, stmts }, exprBody: false, annotations: [],
        doc: this.doc(node, []),
      };
      return [fn];
    }
    return node.namedChildren
      .filter(c => !c.isError && c.type !== 'comment' && RECOVERABLE.has(c.type))
      .map(c => this.topLevel(c, []));
  }

  private exprBlock(node: Node): A.Block {
    const expr = this.expr(node);
    return { span: expr.span, stmts: [{ kind: 'ExprStmt', span: expr.span, expr }] };
  }

  private stmt(node: Node): A.Stmt | undefined {
    const span = this.span(node);
    switch (node.type) {
      case 'assignment': {
        const left = node.childForFieldName('left');
        const target = left ? this.expr(left) : undefined;
        const op = (node.childForFieldName('operator')?.type ?? '=') as A.AssignOp;
        if (!target || (target.kind !== 'Name' && target.kind !== 'Member' && target.kind !== 'Index')) {
          return { kind: 'ExprStmt', span, expr: { kind: 'Error', span } };
        }
        return { kind: 'Assign', span, target, op, value: this.field(node, 'right') };
      }
      case 'return_statement': {
        const value = node.childForFieldName('value');
        return { kind: 'Return', span, value: value ? this.expr(value) : undefined };
      }
      case 'break_statement':
        return { kind: 'Break', span };
      case 'continue_statement':
        return { kind: 'Continue', span };
      case 'while_statement':
        return { kind: 'While', span, condition: this.field(node, 'condition'), body: this.block(node.childForFieldName('body'), node) };
      case 'loop_statement':
        return { kind: 'Loop', span, body: this.block(node.childForFieldName('body'), node) };
      case 'for_statement':
        return {
          kind: 'For', span, variable: this.ident(node.childForFieldName('variable'), node),
          iterable: this.field(node, 'iterable'), body: this.block(node.childForFieldName('body'), node),
        };
      default:
        return { kind: 'ExprStmt', span, expr: this.expr(node) };
    }
  }

  // ---------------------------------------------------------------- expressions

  /** The expression in field `name` of `node`, or an error expression where the source has none. */
  private field(node: Node, name: string): A.Expr {
    const child = node.childForFieldName(name);
    if (!child) return { kind: 'Error', span: { start: node.endIndex, end: node.endIndex } };
    return this.expr(child);
  }

  private expr(node: Node): A.Expr {
    const span = this.span(node);
    switch (node.type) {
      case 'identifier':
        return node.isMissing ? { kind: 'Error', span } : { kind: 'Name', span, name: node.text };
      case 'integer':
        return { kind: 'Int', span, value: Number(node.text.replace(/_/g, '')) };
      case 'float':
        return { kind: 'Float', span, value: Number(node.text.replace(/_/g, '')) };
      case 'true':
        return { kind: 'Bool', span, value: true };
      case 'false':
        return { kind: 'Bool', span, value: false };
      case 'unit':
        return { kind: 'Unit', span };
      case 'string':
        return { kind: 'String', span, parts: this.stringParts(node) };
      case 'list':
        return { kind: 'List', span, elements: node.childrenForFieldName('element').map(e => this.expr(e)) };
      case 'parenthesized_expression':
        return this.field(node, 'expression');
      case 'call_expression': {
        const args = node.childForFieldName('arguments');
        return { kind: 'Call', span, callee: this.field(node, 'function'), args: args ? this.args(args) : [] };
      }
      case 'member_expression':
        return { kind: 'Member', span, object: this.field(node, 'object'), property: this.ident(node.childForFieldName('property'), node) };
      case 'index_expression':
        return { kind: 'Index', span, object: this.field(node, 'object'), index: this.field(node, 'index') };
      case 'await_expression':
        return { kind: 'Await', span, value: this.field(node, 'value') };
      case 'spawn_expression': {
        const scope = node.childForFieldName('scope');
        return { kind: 'Spawn', span, scope: scope ? this.expr(scope) : undefined, body: this.field(node, 'body') };
      }
      case 'unary_expression':
        return { kind: 'Unary', span, op: (node.childForFieldName('operator')?.type ?? '-') as A.UnaryOp, operand: this.field(node, 'operand') };
      case 'binary_expression':
        return {
          kind: 'Binary', span, op: (node.childForFieldName('operator')?.type ?? '+') as A.BinaryOp,
          left: this.field(node, 'left'), right: this.field(node, 'right'),
        };
      case 'lambda': {
        const body = node.childForFieldName('body');
        const params = node.namedChildren.filter(c => c.type === 'parameter').map(p => this.param(p));
        const blockBody = body === null || body.type === 'block';
        return { kind: 'Lambda', span, params, body: blockBody ? this.block(body, node) : this.exprBlock(body) };
      }
      case 'if_expression': {
        const branches: { condition: A.Expr; body: A.Block; span: A.Span }[] = [
          { condition: this.field(node, 'condition'), body: this.block(node.childForFieldName('consequence'), node), span },
        ];
        let otherwise: A.Block | undefined;
        for (const alt of node.childrenForFieldName('alternative')) {
          if (alt.type === 'elif_clause') {
            branches.push({ condition: this.field(alt, 'condition'), body: this.block(alt.childForFieldName('consequence'), alt), span: this.span(alt) });
          } else if (alt.type === 'else_clause') {
            otherwise = this.block(alt.childForFieldName('body'), alt);
          }
        }
        return { kind: 'If', span, branches, otherwise };
      }
      case 'match_expression':
        return {
          kind: 'Match', span, value: this.field(node, 'value'),
          arms: node.childrenForFieldName('arm').map(arm => {
            const guard = arm.childForFieldName('guard');
            const pattern = arm.childForFieldName('pattern');
            return {
              span: this.span(arm),
              pattern: pattern ? this.pattern(pattern) : { kind: 'WildcardPat', span: this.span(arm) },
              guard: guard ? this.expr(guard) : undefined,
              body: this.block(arm.childForFieldName('body'), arm),
            };
          }),
        };
      case 'with_expression': {
        const binder = node.childForFieldName('binder');
        return {
          kind: 'With', span, handler: this.field(node, 'handler'),
          binder: binder ? this.ident(binder, binder) : undefined, body: this.block(node.childForFieldName('body'), node),
        };
      }
      default:
        return { kind: 'Error', span };
    }
  }

  private args(list: Node): A.Arg[] {
    const args: A.Arg[] = [];
    for (const child of list.namedChildren) {
      if (child.type === 'comment' || child.isError) continue;
      if (child.type === 'named_argument') {
        args.push({ span: this.span(child), name: this.ident(child.childForFieldName('name'), child), value: this.field(child, 'value') });
      } else {
        args.push({ span: this.span(child), value: this.expr(child) });
      }
    }
    return args;
  }

  private stringParts(node: Node): (string | A.Expr)[] {
    const parts: (string | A.Expr)[] = [];
    const pushText = (s: string) => {
      const last = parts[parts.length - 1];
      if (typeof last === 'string') parts[parts.length - 1] = last + s;
      else parts.push(s);
    };
    for (const child of node.namedChildren) {
      switch (child.type) {
        case 'string_content':
          pushText(child.text);
          break;
        case 'escape_sequence': {
          const body = child.text.slice(1);
          if (body.startsWith('u{')) pushText(String.fromCodePoint(parseInt(body.slice(2, -1), 16)));
          else pushText(ESCAPES[body] ?? body);
          break;
        }
        case 'interpolation':
          parts.push(this.field(child, 'expression'));
          break;
        default:
          break;
      }
    }
    return parts;
  }

  // ---------------------------------------------------------------- patterns

  private pattern(node: Node): A.Pattern {
    const span = this.span(node);
    switch (node.type) {
      case 'wildcard_pattern':
        return { kind: 'WildcardPat', span };
      case 'identifier':
        return { kind: 'BindPat', span, name: node.text };
      case 'integer':
      case 'float':
        return { kind: 'LiteralPat', span, value: Number(node.text.replace(/_/g, '')) };
      case 'negative_pattern':
        return { kind: 'LiteralPat', span, value: -Number((node.childForFieldName('value')?.text ?? '0').replace(/_/g, '')) };
      case 'string': {
        const parts = this.stringParts(node);
        return { kind: 'LiteralPat', span, value: parts.filter((p): p is string => typeof p === 'string').join('') };
      }
      case 'true':
        return { kind: 'LiteralPat', span, value: true };
      case 'false':
        return { kind: 'LiteralPat', span, value: false };
      case 'constructor_pattern':
        return {
          kind: 'CtorPat', span, name: this.ident(node.childForFieldName('constructor'), node),
          args: node.childrenForFieldName('argument').map(a => this.pattern(a)),
        };
      case 'list_pattern':
        return { kind: 'ListPat', span, elements: node.childrenForFieldName('element').map(e => this.pattern(e)) };
      default:
        return { kind: 'WildcardPat', span };
    }
  }
}

function isItem(x: A.Item | A.Stmt): x is A.Item {
  return x.kind === 'Fn' || x.kind === 'Effect' || x.kind === 'Handler' || x.kind === 'Struct' || x.kind === 'Import';
}
