// The name model of one file: declarations, references, scopes, call sites and `with` blocks, as plain data. Every editor query that asks what a name means reads it (docs/analysis.md).
import type * as A from './syntax/ast.js';
import { spawnsDirectCall } from './syntax/visit.js';
import {
  BUILTIN_CONSTANTS, BUILTIN_CONSTRUCTORS, BUILTIN_EFFECT_INFO, BUILTIN_HANDLERS, builtinFunction, isBuiltinEffect,
} from './builtins.js';

export type Span = A.Span;

export type SymbolKind =
  | 'function' | 'effect' | 'operation' | 'handler' | 'handler-operation' | 'struct' | 'enum' | 'field' | 'module'
  | 'parameter' | 'variable' | 'type-parameter' | 'row-variable';

export type SymbolDecl = A.FnDecl | A.EffectDecl | A.OpSig | A.HandlerDecl | A.StructDecl | A.EnumDecl | A.ImportDecl | A.Param;

/** Something declared in a file: an item, an operation, a parameter, a local. */
export interface AriaSymbol {
  readonly kind: SymbolKind;
  readonly name: string;
  /** The file (the analyzer's key for it). */
  readonly path: string;
  readonly nameSpan: Span;
  /** The whole declaration (for document symbols and folding). */
  readonly span: Span;
  readonly container?: AriaSymbol;
  readonly decl?: SymbolDecl;
  readonly doc?: string;
  /** Visible only inside its file (locals, parameters). */
  readonly local: boolean;
  /** For a handler's operation: the effect operation it implements, when the effect is known in this file. */
  implements?: AriaSymbol;
  /** For a module symbol: the import path (`lib.geometry` is ["lib", "geometry"]). */
  readonly importPath?: readonly string[];
}

export type BuiltinWhat = 'function' | 'effect' | 'operation' | 'handler' | 'constructor' | 'constant' | 'type';

/** What a name in the source stands for. */
export type Target =
  | { readonly kind: 'symbol'; readonly symbol: AriaSymbol }
  | { readonly kind: 'builtin'; readonly what: BuiltinWhat; readonly name: string }
  /** `geometry.point`: an item of an imported file, resolved by the workspace. */
  | { readonly kind: 'external'; readonly importPath: readonly string[]; readonly name: string }
  /** An operation of an effect that another file declares (`Log.log` with Log imported). */
  | { readonly kind: 'external-op'; readonly effect: string; readonly name: string }
  /** A capitalised name no declaration here explains: an effect or item of another file, or an error. */
  | { readonly kind: 'global'; readonly name: string; readonly as: 'effect' | 'value' | 'type' };

export type RefRole = 'declaration' | 'read' | 'write' | 'call' | 'type' | 'row' | 'perform' | 'implements' | 'handles' | 'named-argument';

export interface Reference {
  readonly span: Span;
  readonly target: Target;
  readonly role: RefRole;
}

export interface ScopeEntry {
  readonly symbol: AriaSymbol;
  /** The name is visible from here on (declarations by assignment are not hoisted). */
  readonly from: number;
}

export interface Scope {
  readonly kind: 'module' | 'program' | 'function' | 'lambda';
  readonly span: Span;
  readonly parent?: Scope;
  readonly entries: ScopeEntry[];
  /** The function whose body this scope is, if any. */
  readonly owner?: AriaSymbol;
}

export interface CallSite {
  readonly span: Span;
  readonly call: A.CallExpr;
  /** The span of the callee's name (the property of `a.f(x)`, the name of `f(x)`). */
  readonly calleeSpan: Span;
  readonly target?: Target;
  /** `a.f(x)` with `f` a plain function: `a` is the first argument. */
  readonly uniform: boolean;
  /** From `(` to `)` inclusive. */
  readonly argsSpan: Span;
}

/** A `with` block in this file. */
export interface WithSite {
  readonly span: Span;
  readonly expr: A.WithExpr;
  /** The handler's name (`Async.default`, `Console`) and what it resolved to. */
  readonly handlerName: string;
  readonly handlerSpan: Span;
  readonly target?: Target;
}

export interface FileIndex {
  readonly path: string;
  readonly module: A.Module;
  /** Every declared symbol, in source order. */
  readonly symbols: readonly AriaSymbol[];
  /** Every reference (declarations included, role 'declaration'), in source order. */
  readonly references: readonly Reference[];
  readonly scopes: readonly Scope[];
  readonly calls: readonly CallSite[];
  readonly withs: readonly WithSite[];
  /** Functions (items, local fns, handler operations) by their declaration. */
  readonly functions: ReadonlyMap<A.FnDecl, AriaSymbol>;
}

/** Resolves names in `module` (the file at `path`). Never throws on user input. */
export function resolveModule(module: A.Module, path: string): FileIndex {
  return new Resolver(module, path).run();
}

export const BUILTIN_TYPES: ReadonlySet<string> = new Set([
  'Unit', 'Int', 'Float', 'Bool', 'String', 'Duration', 'Task', 'List', 'Channel', 'CancellationToken', 'Result',
  'Connection', 'Never', 'Option', 'Data',
]);
const BUILTIN_NAMESPACES = new Set(['Async', 'Cancel', 'Runtime', 'CPU', 'IO', 'Blocking']);
const constructorNames = new Set(BUILTIN_CONSTRUCTORS.map(c => c.name));
const constantNames = new Set(BUILTIN_CONSTANTS.map(c => c.name));
const handlerNames = new Set(BUILTIN_HANDLERS.map(h => h.name));

class Resolver {
  private readonly symbols: AriaSymbol[] = [];
  private readonly references: Reference[] = [];
  private readonly scopes: Scope[] = [];
  private readonly calls: CallSite[] = [];
  private readonly withs: WithSite[] = [];
  private readonly functions = new Map<A.FnDecl, AriaSymbol>();
  private readonly moduleScope: Scope;
  /** Operations of this file's effects, by effect name then operation name. */
  private readonly ops = new Map<string, Map<string, AriaSymbol>>();
  private readonly paramsOf = new Map<AriaSymbol, AriaSymbol[]>();

  constructor(private readonly module: A.Module, private readonly path: string) {
    this.moduleScope = this.scope('module', module.span, undefined);
  }

  run(): FileIndex {
    this.declareItems();
    for (const item of this.module.items) this.item(item);
    const program = this.scope('program', this.module.span, this.moduleScope);
    for (const stmt of this.module.statements) this.stmt(stmt, program);
    const byStart = (a: { span: Span }, b: { span: Span }) => a.span.start - b.span.start;
    this.references.sort(byStart);
    this.symbols.sort((a, b) => a.nameSpan.start - b.nameSpan.start);
    return {
      path: this.path, module: this.module, symbols: this.symbols, references: this.references, scopes: this.scopes,
      calls: this.calls.sort(byStart), withs: this.withs.sort(byStart), functions: this.functions,
    };
  }

  // ---------------------------------------------------------------- declarations

  private scope(kind: Scope['kind'], span: Span, parent: Scope | undefined, owner?: AriaSymbol): Scope {
    const scope: Scope = { kind, span, parent, entries: [], owner };
    this.scopes.push(scope);
    return scope;
  }

  /** Each scope's entries by name, in the order declared (lookups read these, not the whole list). */
  private readonly byName = new WeakMap<Scope, Map<string, Scope['entries'][number][]>>();

  private addEntry(scope: Scope, entry: Scope['entries'][number]): void {
    scope.entries.push(entry);
    let names = this.byName.get(scope);
    if (!names) this.byName.set(scope, (names = new Map()));
    const list = names.get(entry.symbol.name);
    if (list) list.push(entry);
    else names.set(entry.symbol.name, [entry]);
  }

  private declare(
    scope: Scope | undefined, kind: SymbolKind, ident: A.Ident, span: Span,
    extra: { container?: AriaSymbol; decl?: SymbolDecl; doc?: string; local?: boolean; importPath?: readonly string[] } = {},
  ): AriaSymbol {
    const symbol: AriaSymbol = {
      kind, name: ident.name, path: this.path, nameSpan: ident.span, span, container: extra.container, decl: extra.decl,
      doc: extra.doc, local: extra.local ?? false, importPath: extra.importPath,
    };
    this.symbols.push(symbol);
    if (ident.name !== '') this.references.push({ span: ident.span, target: { kind: 'symbol', symbol }, role: 'declaration' });
    if (scope && ident.name !== '') this.addEntry(scope, { symbol, from: ident.span.start });
    return symbol;
  }

  private declareItems(): void {
    for (const item of this.module.items) {
      switch (item.kind) {
        case 'Fn': {
          const symbol = this.declare(this.moduleScope, 'function', item.name, item.span, { decl: item, doc: item.doc });
          this.functions.set(item, symbol);
          break;
        }
        case 'Effect': {
          const effect = this.declare(this.moduleScope, 'effect', item.name, item.span, { decl: item, doc: item.doc });
          const ops = new Map<string, AriaSymbol>();
          for (const op of item.ops) {
            ops.set(op.name.name, this.declare(undefined, 'operation', op.name, op.span, { container: effect, decl: op, doc: op.doc }));
          }
          this.ops.set(item.name.name, ops);
          break;
        }
        case 'Handler':
          this.declare(this.moduleScope, 'handler', item.name, item.span, { decl: item, doc: item.doc });
          break;
        case 'Struct':
          this.declare(this.moduleScope, 'struct', item.name, item.span, { decl: item, doc: item.doc });
          break;
        case 'Enum': {
          // A variant is a constructor like a struct's: declared as one, through a struct view of it.
          const container = this.declare(this.moduleScope, 'enum', item.name, item.span, { decl: item, doc: item.doc });
          for (const v of item.variants) {
            const view: A.StructDecl = { kind: 'Struct', span: v.span, name: v.name, typeParams: item.typeParams, fields: v.fields, annotations: [], doc: v.doc };
            this.declare(this.moduleScope, 'struct', v.name, v.span, { container, decl: view, doc: v.doc });
          }
          break;
        }
        case 'Import': {
          const last = item.path[item.path.length - 1];
          if (last) {
            this.declare(this.moduleScope, 'module', last, item.span, { decl: item, importPath: item.path.map(p => p.name) });
          }
          break;
        }
        default: {
          const _exhaustive: never = item;
          void _exhaustive;
        }
      }
    }
  }

  private lookupItem(name: string): AriaSymbol | undefined {
    return this.byName.get(this.moduleScope)?.get(name)?.[0]?.symbol;
  }

  private item(item: A.Item): void {
    switch (item.kind) {
      case 'Fn':
        this.fnBody(item, this.functions.get(item)!, this.moduleScope);
        break;
      case 'Effect': {
        const effect = this.lookupItem(item.name.name);
        for (const op of item.ops) {
          const opSymbol = this.ops.get(item.name.name)?.get(op.name.name);
          const scope = this.scope('function', op.span, this.moduleScope, opSymbol);
          this.typeParams(op.typeParams, scope, opSymbol);
          this.params(op.params, scope, opSymbol);
          if (op.effects) this.row(op.effects, scope);
          if (op.returnType) this.type(op.returnType, scope);
        }
        void effect;
        break;
      }
      case 'Handler': {
        const handler = this.moduleScope.entries.find(e => e.symbol.decl === item)?.symbol;
        const scope = this.scope('function', item.span, this.moduleScope, handler);
        if (item.params && handler) this.paramsOf.set(handler, this.params(item.params, scope, handler));
        const effectTarget = this.effectTarget(item.effect.name);
        if (item.effect.name !== '') this.references.push({ span: item.effect.span, target: effectTarget, role: 'handles' });
        for (const op of item.ops) {
          const symbol = this.declare(undefined, 'handler-operation', op.name, op.span, { container: handler, decl: op, doc: op.doc });
          this.functions.set(op, symbol);
          const implemented = this.ops.get(item.effect.name)?.get(op.name.name);
          if (implemented) {
            symbol.implements = implemented;
            this.references.push({ span: op.name.span, target: { kind: 'symbol', symbol: implemented }, role: 'implements' });
          } else if (effectTarget.kind === 'builtin') {
            this.references.push({ span: op.name.span, target: { kind: 'builtin', what: 'operation', name: `${item.effect.name}.${op.name.name}` }, role: 'implements' });
          } else if (effectTarget.kind === 'global') {
            this.references.push({ span: op.name.span, target: { kind: 'external-op', effect: item.effect.name, name: op.name.name }, role: 'implements' });
          }
          this.fnBody(op, symbol, scope);
        }
        break;
      }
      case 'Struct': {
        const struct = this.lookupItem(item.name.name);
        const scope = this.scope('function', item.span, this.moduleScope, struct);
        this.typeParams(item.typeParams, scope, struct);
        const fields = item.fields.map(f => {
          if (f.type) this.type(f.type, scope);
          if (f.default) this.expr(f.default, scope);
          return this.declare(undefined, 'field', f.name, f.span, { container: struct, decl: f });
        });
        if (struct) this.paramsOf.set(struct, fields);
        break;
      }
      case 'Enum': {
        const scope = this.scope('function', item.span, this.moduleScope, this.lookupItem(item.name.name));
        this.typeParams(item.typeParams, scope, this.lookupItem(item.name.name));
        for (const v of item.variants) {
          const variant = this.moduleScope.entries.find(e => e.symbol.kind === 'struct' && e.symbol.decl?.span === v.span)?.symbol;
          const fields = v.fields.map(f => {
            if (f.type) this.type(f.type, scope);
            return this.declare(undefined, 'field', f.name, f.span, { container: variant, decl: f });
          });
          if (variant) this.paramsOf.set(variant, fields);
        }
        break;
      }
      case 'Import':
        break;
      default: {
        const _exhaustive: never = item;
        void _exhaustive;
      }
    }
  }

  private typeParams(params: readonly A.Ident[], scope: Scope, owner: AriaSymbol | undefined): void {
    for (const tp of params) this.declare(scope, 'type-parameter', tp, tp.span, { container: owner, local: true });
  }

  private params(params: readonly A.Param[], scope: Scope, owner: AriaSymbol | undefined): AriaSymbol[] {
    return params.map(p => {
      if (p.type) this.type(p.type, scope);
      if (p.default) this.expr(p.default, scope);
      return this.declare(scope, 'parameter', p.name, p.span, { container: owner, decl: p, local: true });
    });
  }

  private fnBody(fn: A.FnDecl, symbol: AriaSymbol, parent: Scope): void {
    const scope = this.scope('function', fn.span, parent, symbol);
    this.typeParams(fn.typeParams, scope, symbol);
    this.paramsOf.set(symbol, this.params(fn.params, scope, symbol));
    if (fn.effects) this.row(fn.effects, scope);
    if (fn.returnType) this.type(fn.returnType, scope);
    this.block(fn.body, scope);
  }

  // ---------------------------------------------------------------- types and rows

  private effectTarget(name: string): Target {
    const local = this.lookupItem(name);
    if (local && local.kind === 'effect') return { kind: 'symbol', symbol: local };
    if (isBuiltinEffect(name)) return { kind: 'builtin', what: 'effect', name };
    return { kind: 'global', name, as: 'effect' };
  }

  private row(row: A.EffectRow, scope: Scope): void {
    for (const e of row.effects) this.references.push({ span: e.span, target: this.effectTarget(e.name), role: 'row' });
    for (const v of [...row.variables, ...(row.tail ? [row.tail] : [])]) {
      const existing = this.lookup(v.name, scope, v.span.start, s => s.kind === 'row-variable');
      if (existing) this.references.push({ span: v.span, target: { kind: 'symbol', symbol: existing }, role: 'row' });
      else this.declare(scope, 'row-variable', v, v.span, { local: true, container: scope.owner });
    }
  }

  private type(type: A.TypeExpr, scope: Scope): void {
    switch (type.kind) {
      case 'TypeName':
        this.typeName(type.name, type.span, scope);
        break;
      case 'TypeApp':
        this.typeName(type.name.name, type.name.span, scope);
        for (const arg of type.args) this.type(arg, scope);
        break;
      case 'FnType':
        for (const p of type.params) this.type(p, scope);
        if (type.effects) this.row(type.effects, scope);
        this.type(type.result, scope);
        break;
      default: {
        const _exhaustive: never = type;
        void _exhaustive;
      }
    }
  }

  private typeName(name: string, span: Span, scope: Scope): void {
    const found = this.lookup(name, scope, span.start, s => s.kind === 'type-parameter' || s.kind === 'struct' || s.kind === 'enum' || s.kind === 'effect');
    if (found) this.references.push({ span, target: { kind: 'symbol', symbol: found }, role: 'type' });
    else if (BUILTIN_TYPES.has(name)) this.references.push({ span, target: { kind: 'builtin', what: 'type', name }, role: 'type' });
    else if (/^[A-Z]/.test(name)) this.references.push({ span, target: { kind: 'global', name, as: 'type' }, role: 'type' });
  }

  // ---------------------------------------------------------------- statements

  private lookup(name: string, scope: Scope | undefined, at: number, accept: (s: AriaSymbol) => boolean = () => true): AriaSymbol | undefined {
    for (let s = scope; s; s = s.parent) {
      const entries = this.byName.get(s)?.get(name);
      if (!entries) continue;
      for (let i = entries.length - 1; i >= 0; i--) {
        const entry = entries[i]!;
        if ((s.kind === 'module' || entry.from <= at) && accept(entry.symbol)) return entry.symbol;
      }
    }
    return undefined;
  }

  private block(block: A.Block, scope: Scope): void {
    for (const stmt of block.stmts) this.stmt(stmt, scope);
  }

  /**
   * A name bound by an assignment, a `for`, a `case` pattern or `with ... |s|`: locals are function-wide, as the
   * checkers and the interpreter have them. An existing local or parameter is updated (an enclosing function's
   * too: lambdas and local functions capture by reference); otherwise the first binding declares the name in the
   * function.
   */
  private bindLocal(ident: A.Ident, span: Span, scope: Scope): void {
    const existing = this.lookup(ident.name, scope, ident.span.start, s => s.kind === 'variable' || s.kind === 'parameter');
    if (existing) {
      this.references.push({ span: ident.span, target: { kind: 'symbol', symbol: existing }, role: 'write' });
    } else {
      this.declare(scope, 'variable', ident, span, { local: true, container: scope.owner });
    }
  }

  private stmt(stmt: A.Stmt, scope: Scope): void {
    for (const ann of stmt.annotations ?? []) for (const arg of ann.args) this.expr(arg.value, scope);
    switch (stmt.kind) {
      case 'ExprStmt':
        this.expr(stmt.expr, scope);
        break;
      case 'Assign': {
        this.expr(stmt.value, scope);
        const target = stmt.target;
        if (target.kind === 'Name') {
          this.bindLocal({ name: target.name, span: target.span }, stmt.span, scope);
        } else {
          this.expr(target, scope);
        }
        break;
      }
      case 'Return':
        if (stmt.value) this.expr(stmt.value, scope);
        break;
      case 'Break':
      case 'Continue':
        break;
      case 'While':
        this.expr(stmt.condition, scope);
        this.block(stmt.body, scope);
        break;
      case 'Loop':
        this.block(stmt.body, scope);
        break;
      case 'For':
        this.expr(stmt.iterable, scope);
        this.bindLocal(stmt.variable, stmt.variable.span, scope);
        this.block(stmt.body, scope);
        break;
      case 'LocalFn': {
        const symbol = this.declare(scope, 'function', stmt.fn.name, stmt.fn.span, { decl: stmt.fn, doc: stmt.fn.doc, local: true, container: scope.owner });
        this.functions.set(stmt.fn, symbol);
        this.fnBody(stmt.fn, symbol, scope);
        break;
      }
      default: {
        const _exhaustive: never = stmt;
        void _exhaustive;
      }
    }
  }

  // ---------------------------------------------------------------- expressions

  /** What a bare name means at `at` in `scope`. */
  private nameTarget(name: string, scope: Scope, at: number): Target | undefined {
    const found = this.lookup(name, scope, at, s => s.kind !== 'type-parameter' && s.kind !== 'row-variable');
    if (found) return { kind: 'symbol', symbol: found };
    if (builtinFunction(name)) return { kind: 'builtin', what: 'function', name };
    if (constructorNames.has(name)) return { kind: 'builtin', what: 'constructor', name };
    if (isBuiltinEffect(name) || BUILTIN_NAMESPACES.has(name)) return { kind: 'builtin', what: 'effect', name };
    if (/^[A-Z]/.test(name)) return { kind: 'global', name, as: 'value' };
    return undefined;
  }

  private expr(expr: A.Expr, scope: Scope): void {
    switch (expr.kind) {
      case 'Name': {
        const target = this.nameTarget(expr.name, scope, expr.span.start);
        if (target) this.references.push({ span: expr.span, target, role: 'read' });
        break;
      }
      case 'Int':
      case 'Float':
      case 'Bool':
      case 'Unit':
      case 'Error':
        break;
      case 'String':
        for (const part of expr.parts) if (typeof part !== 'string') this.expr(part, scope);
        break;
      case 'List':
        for (const e of expr.elements) this.expr(e, scope);
        break;
      case 'Call':
        this.call(expr, scope);
        break;
      case 'Member':
        this.member(expr, scope, false);
        break;
      case 'Index':
        this.expr(expr.object, scope);
        this.expr(expr.index, scope);
        break;
      case 'Await':
        this.expr(expr.value, scope);
        break;
      case 'Spawn':
        if (expr.scope) this.expr(expr.scope, scope);
        // A spawned closure (any body but a direct call) has locals of its own, as a lambda does.
        this.expr(expr.body, spawnsDirectCall(expr) ? scope : this.scope('lambda', expr.body.span, scope, scope.owner));
        break;
      case 'Unary':
        this.expr(expr.operand, scope);
        break;
      case 'Binary':
        this.expr(expr.left, scope);
        this.expr(expr.right, scope);
        break;
      case 'Lambda': {
        const inner = this.scope('lambda', expr.span, scope, scope.owner);
        this.params(expr.params, inner, undefined);
        this.block(expr.body, inner);
        break;
      }
      case 'If':
        for (const branch of expr.branches) {
          this.expr(branch.condition, scope);
          this.block(branch.body, scope);
        }
        if (expr.otherwise) this.block(expr.otherwise, scope);
        break;
      case 'Match':
        this.expr(expr.value, scope);
        for (const arm of expr.arms) {
          this.pattern(arm.pattern, scope);
          if (arm.guard) this.expr(arm.guard, scope);
          this.block(arm.body, scope);
        }
        break;
      case 'With':
        this.with(expr, scope);
        break;
      default: {
        const _exhaustive: never = expr;
        void _exhaustive;
      }
    }
  }

  /** `a.b` outside a call: `E.op` without parentheses, `Async.default`, `mod.item`, a field, a duration. */
  private member(expr: A.MemberExpr, scope: Scope, called: boolean): Target | undefined {
    const object = expr.object;
    const prop = expr.property;
    if (object.kind === 'Name') {
      const objectTarget = this.nameTarget(object.name, scope, object.span.start);
      if (objectTarget) this.references.push({ span: object.span, target: objectTarget, role: objectTarget.kind === 'symbol' && objectTarget.symbol.kind === 'effect' ? 'perform' : 'read' });
      const qualified = `${object.name}.${prop.name}`;
      let target: Target | undefined;
      if (objectTarget?.kind === 'symbol' && objectTarget.symbol.kind === 'module') {
        target = { kind: 'external', importPath: objectTarget.symbol.importPath ?? [object.name], name: prop.name };
      } else if (objectTarget?.kind === 'symbol' && objectTarget.symbol.kind === 'effect') {
        const op = this.ops.get(object.name)?.get(prop.name);
        if (op) target = { kind: 'symbol', symbol: op };
      } else if (objectTarget?.kind === 'builtin' || objectTarget === undefined && BUILTIN_NAMESPACES.has(object.name)) {
        if (handlerNames.has(qualified)) target = { kind: 'builtin', what: 'handler', name: qualified };
        else if (constantNames.has(qualified)) target = { kind: 'builtin', what: 'constant', name: qualified };
        else if (isBuiltinEffect(object.name) && BUILTIN_EFFECT_INFO[object.name].ops.some(o => o.name === prop.name)) {
          target = { kind: 'builtin', what: 'operation', name: qualified };
        }
      } else if (objectTarget?.kind === 'global') {
        target = { kind: 'external-op', effect: object.name, name: prop.name };
      }
      if (target && prop.name !== '') {
        this.references.push({ span: prop.span, target, role: called ? (target.kind === 'symbol' && target.symbol.kind === 'operation' || target.kind === 'external-op' || target.kind === 'builtin' && target.what === 'operation' ? 'perform' : 'call') : 'read' });
        return target;
      }
      if (objectTarget && !(objectTarget.kind === 'symbol' && (objectTarget.symbol.kind === 'module' || objectTarget.symbol.kind === 'effect'))) {
        return called ? this.uniform(prop, scope) : undefined;
      }
      return undefined;
    }
    this.expr(object, scope);
    return called ? this.uniform(prop, scope) : undefined;
  }

  /** `a.f(x)` as `f(a, x)` when `f` names a function. */
  private uniform(prop: A.Ident, scope: Scope): Target | undefined {
    const found = this.lookup(prop.name, scope, prop.span.start, s => s.kind === 'function');
    const target: Target | undefined = found ? { kind: 'symbol', symbol: found }
      : builtinFunction(prop.name) ? { kind: 'builtin', what: 'function', name: prop.name } : undefined;
    if (target) this.references.push({ span: prop.span, target, role: 'call' });
    return target;
  }

  private call(call: A.CallExpr, scope: Scope): void {
    const callee = call.callee;
    let target: Target | undefined;
    let calleeSpan = callee.span;
    let uniform = false;
    if (callee.kind === 'Name') {
      target = this.nameTarget(callee.name, scope, callee.span.start);
      if (target) this.references.push({ span: callee.span, target, role: 'call' });
    } else if (callee.kind === 'Member') {
      target = this.member(callee, scope, true);
      calleeSpan = callee.property.span;
      uniform = target !== undefined && (target.kind === 'symbol' ? target.symbol.kind === 'function' : target.kind === 'builtin' && target.what === 'function')
        && !(callee.object.kind === 'Name' && this.isNamespace(callee.object.name, scope, callee.object.span.start));
    } else {
      this.expr(callee, scope);
    }
    const params = target?.kind === 'symbol' ? this.paramsOf.get(target.symbol) : undefined;
    for (const arg of call.args) {
      if (arg.name) {
        const param = params?.find(p => p.name === arg.name!.name);
        if (param) this.references.push({ span: arg.name.span, target: { kind: 'symbol', symbol: param }, role: 'named-argument' });
      }
      this.expr(arg.value, scope);
    }
    // A call's `(` touches its callee.
    this.calls.push({ span: call.span, call, calleeSpan, target, uniform, argsSpan: { start: call.callee.span.end, end: call.span.end } });
  }

  private isNamespace(name: string, scope: Scope, at: number): boolean {
    const t = this.nameTarget(name, scope, at);
    return t !== undefined && (t.kind === 'builtin' || t.kind === 'global' || t.kind === 'symbol' && (t.symbol.kind === 'module' || t.symbol.kind === 'effect'));
  }

  private with(expr: A.WithExpr, scope: Scope): void {
    const handler = expr.handler;
    const head = handler.kind === 'Call' ? handler.callee : handler;
    let name = '';
    let target: Target | undefined;
    let handlerSpan = head.span;
    if (head.kind === 'Name') {
      name = head.name;
      const found = this.lookup(head.name, scope, head.span.start, s => s.kind === 'handler');
      target = found ? { kind: 'symbol', symbol: found } : { kind: 'global', name: head.name, as: 'value' };
    } else if (head.kind === 'Member' && head.object.kind === 'Name') {
      name = `${head.object.name}.${head.property.name}`;
      handlerSpan = { start: head.object.span.start, end: head.property.span.end };
      if (handlerNames.has(name)) target = { kind: 'builtin', what: 'handler', name };
    }
    this.expr(handler, scope);
    if (expr.binder) this.bindLocal(expr.binder, expr.binder.span, scope);
    this.block(expr.body, scope);
    this.withs.push({ span: expr.span, expr, handlerName: name, handlerSpan, target });
  }

  private pattern(pattern: A.Pattern, scope: Scope): void {
    switch (pattern.kind) {
      case 'WildcardPat':
      case 'LiteralPat':
        break;
      case 'BindPat': {
        // A bare name that is a variant without fields matches it (`case None =>`) instead of binding.
        const variant = this.moduleScope.entries.find(e => e.symbol.name === pattern.name && e.symbol.kind === 'struct'
          && e.symbol.container?.kind === 'enum' && (e.symbol.decl as A.StructDecl | undefined)?.fields.length === 0)?.symbol;
        if (variant) this.references.push({ span: pattern.span, target: { kind: 'symbol', symbol: variant }, role: 'read' });
        else if (pattern.name === 'None' && !this.moduleScope.entries.some(e => e.symbol.name === 'None')) this.references.push({ span: pattern.span, target: { kind: 'builtin', what: 'constructor', name: 'None' }, role: 'read' });
        else if (pattern.name !== '_') this.bindLocal({ name: pattern.name, span: pattern.span }, pattern.span, scope);
        break;
      }
      case 'CtorPat': {
        const found = this.lookup(pattern.name.name, scope, pattern.name.span.start, s => s.kind === 'struct');
        const target: Target = found ? { kind: 'symbol', symbol: found }
          : constructorNames.has(pattern.name.name) ? { kind: 'builtin', what: 'constructor', name: pattern.name.name }
          : { kind: 'global', name: pattern.name.name, as: 'value' };
        this.references.push({ span: pattern.name.span, target, role: 'read' });
        for (const arg of pattern.args) this.pattern(arg, scope);
        break;
      }
      case 'ListPat':
        for (const e of pattern.elements) this.pattern(e, scope);
        break;
      default: {
        const _exhaustive: never = pattern;
        void _exhaustive;
      }
    }
  }
}

/** The innermost function (item, local function, handler operation) whose declaration holds `[start, end]`. */
export function functionAround(index: FileIndex, start: number, end = start): [A.FnDecl, AriaSymbol] | undefined {
  let best: [A.FnDecl, AriaSymbol] | undefined;
  for (const entry of index.functions) {
    const span = entry[0].span;
    if (span.start <= start && end <= span.end && (!best || span.end - span.start < best[0].span.end - best[0].span.start)) best = entry;
  }
  return best;
}

/** Names visible at `offset`: innermost first, without duplicates. */
export function visibleAt(index: FileIndex, offset: number): AriaSymbol[] {
  let innermost: Scope | undefined;
  for (const scope of index.scopes) {
    if (scope.span.start <= offset && offset <= scope.span.end) {
      if (!innermost || scope.span.end - scope.span.start <= innermost.span.end - innermost.span.start) innermost = scope;
    }
  }
  const seen = new Set<string>();
  const out: AriaSymbol[] = [];
  for (let s = innermost; s; s = s.parent) {
    for (let i = s.entries.length - 1; i >= 0; i--) {
      const e = s.entries[i]!;
      if (s.kind !== 'module' && e.from > offset) continue;
      if (seen.has(e.symbol.name)) continue;
      seen.add(e.symbol.name);
      out.push(e.symbol);
    }
  }
  if (!innermost) {
    const module = index.scopes.find(s => s.kind === 'module');
    for (const e of module?.entries ?? []) if (!seen.has(e.symbol.name)) out.push(e.symbol);
  }
  return out;
}

export function sameTarget(a: Target, b: Target): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'symbol':
      return a.symbol === (b as typeof a).symbol;
    case 'builtin':
      return a.what === (b as typeof a).what && a.name === (b as typeof a).name;
    case 'external':
      return a.name === (b as typeof a).name && a.importPath.join('.') === (b as typeof a).importPath.join('.');
    case 'external-op':
      return a.effect === (b as typeof a).effect && a.name === (b as typeof a).name;
    case 'global':
      return a.name === (b as typeof a).name;
    default: {
      const _exhaustive: never = a;
      return _exhaustive;
    }
  }
}
