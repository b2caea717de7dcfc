// The one AST visitor: the children of a statement, expression or pattern, a walk over them without recursion, and
// the rule of which names a body binds (locals are function-wide), for the checkers and the interpreter alike.
import type * as A from './ast.js';

/** What the visitor walks: statements, expressions and patterns. */
export type Node = A.Stmt | A.Expr | A.Pattern;

function pushArgs(out: Node[], args: readonly A.Arg[] | undefined): void {
  if (args) for (const a of args) out.push(a.value);
}

function pushDefaults(out: Node[], params: readonly A.Param[]): void {
  for (const p of params) if (p.default) out.push(p.default);
}

/**
 * Pushes the direct children of `node` onto `out`, in source order: the arguments of its annotations, its expressions, the statements
 * of its blocks, the patterns of its `case`s. A lambda's and a local function's bodies are children too (with their
 * parameters' defaults): a walk that must not enter them says so (`walk`).
 */
function pushChildren(out: Node[], node: Node): void {
  switch (node.kind) {
    // Statements
    case 'ExprStmt':
      for (const a of node.annotations ?? []) pushArgs(out, a.args);
      out.push(node.expr);
      break;
    case 'Assign':
      for (const a of node.annotations ?? []) pushArgs(out, a.args);
      out.push(node.target, node.value);
      break;
    case 'Return':
      for (const a of node.annotations ?? []) pushArgs(out, a.args);
      if (node.value) out.push(node.value);
      break;
    case 'Break':
    case 'Continue':
      for (const a of node.annotations ?? []) pushArgs(out, a.args);
      break;
    case 'While':
      for (const a of node.annotations ?? []) pushArgs(out, a.args);
      out.push(node.condition, ...node.body.stmts);
      break;
    case 'Loop':
      for (const a of node.annotations ?? []) pushArgs(out, a.args);
      out.push(...node.body.stmts);
      break;
    case 'For':
      for (const a of node.annotations ?? []) pushArgs(out, a.args);
      out.push(node.iterable, ...node.body.stmts);
      break;
    case 'LocalFn':
      for (const a of node.annotations ?? []) pushArgs(out, a.args);
      pushDefaults(out, node.fn.params);
      out.push(...node.fn.body.stmts);
      break;
    // Expressions
    case 'Name':
    case 'Int':
    case 'Float':
    case 'Bool':
    case 'Unit':
    case 'Error':
      break;
    case 'String':
      for (const p of node.parts) if (typeof p !== 'string') out.push(p);
      break;
    case 'List':
      out.push(...node.elements);
      break;
    case 'Call':
      out.push(node.callee);
      pushArgs(out, node.args);
      break;
    case 'Member':
      out.push(node.object);
      break;
    case 'Index':
      out.push(node.object, node.index);
      break;
    case 'Await':
      out.push(node.value);
      break;
    case 'Spawn':
      if (node.scope) out.push(node.scope);
      out.push(node.body);
      break;
    case 'Unary':
      out.push(node.operand);
      break;
    case 'Binary':
      out.push(node.left, node.right);
      break;
    case 'Lambda':
      pushDefaults(out, node.params);
      out.push(...node.body.stmts);
      break;
    case 'If':
      for (const b of node.branches) out.push(b.condition, ...b.body.stmts);
      if (node.otherwise) out.push(...node.otherwise.stmts);
      break;
    case 'Match':
      out.push(node.value);
      for (const arm of node.arms) {
        out.push(arm.pattern);
        if (arm.guard) out.push(arm.guard);
        out.push(...arm.body.stmts);
      }
      break;
    case 'With':
      out.push(node.handler, ...node.body.stmts);
      break;
    // Patterns
    case 'WildcardPat':
    case 'BindPat':
    case 'LiteralPat':
      break;
    case 'CtorPat':
      out.push(...node.args);
      break;
    case 'ListPat':
      out.push(...node.elements);
      break;
    default: {
      const never: never = node;
      return never;
    }
  }
}

/**
 * Visits `roots` and everything below them, depth first in source order, with an explicit stack (no recursion,
 * whatever the nesting). `enter` returning false skips the node's children.
 */
export function walk(roots: readonly Node[], enter: (node: Node) => boolean | void): void {
  const stack: Node[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i]!);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (enter(node) === false) continue;
    // The children go on the stack in place (no array per node), then their order is turned so the first pops first.
    let lo = stack.length;
    pushChildren(stack, node);
    for (let hi = stack.length - 1; lo < hi; lo++, hi--) {
      const t = stack[lo]!;
      stack[lo] = stack[hi]!;
      stack[hi] = t;
    }
  }
}

/** `spawn f(a, b)` evaluates f, a and b in the spawning task; any other body runs as a closure in the new task. */
export function spawnsDirectCall(e: A.SpawnExpr): boolean {
  return e.body.kind === 'Call' && e.body.callee.kind === 'Name' && e.body.args.every(a => !a.name);
}

/** What binds a name for a whole function body. */
export type BindingSite = 'assign' | 'for' | 'pattern' | 'with' | 'local-fn';

export interface Binding {
  readonly ident: A.Ident;
  readonly site: BindingSite;
  /** The local function, for `local-fn`. */
  readonly fn?: A.FnDecl;
}

/**
 * The names a body binds, each at its first binding, in source order (docs/language.md, "Locals are
 * function-wide"): an assignment `x = ...` (not `x += ...`), a `for` variable, a name in a `case` pattern (not a
 * variant without fields: `isVariant`), a `with ... |s|` binder, a local `fn`. Lambdas, local functions and
 * spawned closures bind their own; `_` binds nothing.
 */
export function bodyBindings(roots: readonly Node[], isVariant: (name: string) => boolean): Binding[] {
  const out: Binding[] = [];
  const seen = new Set<string>();
  const bind = (ident: A.Ident, site: BindingSite, fn?: A.FnDecl) => {
    if (ident.name === '' || ident.name === '_' || seen.has(ident.name)) return;
    seen.add(ident.name);
    out.push({ ident, site, fn });
  };
  walk(roots, node => {
    switch (node.kind) {
      case 'Lambda':
        return false;
      case 'LocalFn':
        bind(node.fn.name, 'local-fn', node.fn);
        return false;
      case 'Spawn':
        if (spawnsDirectCall(node)) return true;
        if (node.scope) walkScope(node.scope);
        return false;
      case 'Assign':
        if (node.target.kind === 'Name' && node.op === '=') bind(node.target, 'assign');
        return true;
      case 'For':
        bind(node.variable, 'for');
        return true;
      case 'With':
        if (node.binder) bind(node.binder, 'with');
        return true;
      case 'BindPat':
        if (!isVariant(node.name)) bind({ name: node.name, span: node.span }, 'pattern');
        return true;
      default:
        return true;
    }
  });
  // A spawn's scope expression runs in the spawning task (rarely more than a name).
  function walkScope(scope: A.Expr): void {
    for (const b of bodyBindings([scope], isVariant)) bind(b.ident, b.site, b.fn);
  }
  return out;
}
