// Compiles the AST of a program's modules into bytecode prototypes, globals and a statement table for the VM.
import type * as A from '../analysis/syntax/ast.js';
import { LineIndex } from '../analysis/line-index.js';
import { bodyBindings, spawnsDirectCall, walk, type Node } from '../analysis/syntax/visit.js';
import { BUILTIN_CONSTANTS, BUILTIN_HANDLERS, DURATION_UNITS, isBuiltinEffect } from '../analysis/builtins.js';
import { FnProto, Op, OPERANDS, type Capture, type LocalInfo, type ParamInfo, type ProtoKind } from './bytecode.js';
import { NATIVE_IDS, NATIVE_PARAMS } from './natives.js';
import { optimize } from './peephole.js';
import { BuiltinFnVal, Closure, EffectVal, FloatVal, ModuleVal, StructType, StructVal, type Value } from './values.js';

/** One statement of the program: the unit a step executes and a breakpoint names. */
export interface StmtInfo {
  readonly module: string;
  readonly span: A.Span;
  /** Zero-based line of the statement's first character. */
  readonly line: number;
  readonly column: number;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
  /** Offsets to lines and columns (the analysis's LineIndex: one conversion for every part). */
  readonly lines: LineIndex;
}

/** A handler declaration as the VM needs it to build handler values (`MakeHandler`). */
export interface HandlerTemplate {
  readonly name: string;
  readonly effect: string;
  /** The identity of the effect it handles (see `HandlerVal.effect`). */
  readonly effectKey: string;
  readonly ops: readonly { readonly name: string; readonly proto: FnProto }[];
}

export interface CompileError {
  readonly module: string;
  readonly span: A.Span;
  readonly message: string;
}

export interface Program {
  /** The entry module's top-level statements (or a call of `main()`). */
  readonly main: FnProto;
  readonly globals: readonly Value[];
  readonly globalNames: readonly string[];
  readonly stmts: readonly StmtInfo[];
  readonly sources: ReadonlyMap<string, SourceFile>;
  /** The entry prototype a new task starts in: calls whatever its stack holds. */
  readonly entry: FnProto;
  /** Problems found while compiling (a name that resolves to nothing is compiled to a failure at run time). */
  readonly errors: readonly CompileError[];
  /** Every prototype, for breakpoint lookups and disassembly. */
  readonly protos: readonly FnProto[];
  /** Compiles an expression in the scope of a module, its free names bound to `names` (the debugger's evaluate). */
  readonly compileExpression: (module: string, names: readonly string[], expr: A.Expr, text: string) => FnProto;
  /** The prelude's variants the machine builds values of (`recv` gives `Some(v)` or `None`, a timeout `Err`...). */
  readonly ctors: PreludeCtors;
}

export interface PreludeCtors {
  readonly ok: StructType;
  readonly err: StructType;
  readonly some: StructType;
  readonly none: StructType;
}

/**
 * Whether a declared effect restates a built-in one, and so is the built-in effect: a built-in effect's name, or the
 * namespace of built-in handlers (`effect Runtime { ... }` in the seed's 8.2 keeps `Runtime.multi_threaded`).
 */
function restatesBuiltin(name: string): boolean {
  return isBuiltinEffect(name) || BUILTIN_HANDLERS.some(h => h.name.startsWith(`${name}.`));
}

/** An effect's identity at run time: its declaration (`path#Name`), or its name for a built-in effect. */
function effectKey(path: string, name: string): string {
  return restatesBuiltin(name) ? name : `${path}#${name}`;
}

/** The zero-based line and column of an offset of a source file (of an unknown file: line 0, the offset). */
export function lineColumn(file: SourceFile | undefined, offset: number): { line: number; column: number } {
  return file ? file.lines.position(offset) : { line: 0, column: offset };
}

// ---------------------------------------------------------------- module-level names

type GlobalRef =
  | { readonly kind: 'fn'; readonly g: number; readonly decl: A.FnDecl }
  /** A struct, or an enum's variant (`type.variantOf`): a constructor. */
  | { readonly kind: 'struct'; readonly g: number; readonly type: StructType; readonly fields: readonly A.Param[] }
  | { readonly kind: 'enum'; readonly decl: A.EnumDecl }
  | { readonly kind: 'handler'; readonly g: number; readonly decl: A.HandlerDecl }
  /** `key` is the effect's identity (`effectKey`); `builtin` when the declaration restates a built-in effect. */
  | { readonly kind: 'effect'; readonly decl: A.EffectDecl; readonly key: string; readonly builtin: boolean }
  | { readonly kind: 'module'; readonly g: number; readonly scope: ModuleScope };

interface ModuleScope {
  readonly path: string;
  readonly module: A.Module;
  readonly items: Map<string, GlobalRef>;
  readonly file: SourceFile;
  /** Imported modules, whose effects, handlers, structs and enums are visible unqualified after the module's own items. */
  readonly imported: ModuleScope[];
}

// ---------------------------------------------------------------- per-function analysis

type FnNode = A.FnDecl | A.LambdaExpr | A.SpawnExpr | { readonly kind: 'Main'; readonly module: A.Module } | A.HandlerDecl;

type VarRef = { readonly kind: 'local'; readonly slot: number } | { readonly kind: 'up'; readonly index: number };

class FnAnalysis {
  readonly locals: { name: string; cell: boolean; hidden: boolean }[] = [];
  readonly localIndex = new Map<string, number>();
  readonly captures: Capture[] = [];
  readonly captureIndex = new Map<string, number>();

  constructor(readonly node: FnNode, readonly parent: FnAnalysis | null) {}

  declare(name: string, hidden = false): number {
    const existing = hidden ? undefined : this.localIndex.get(name);
    if (existing !== undefined) return existing;
    const slot = this.locals.length;
    this.locals.push({ name, cell: false, hidden });
    if (!hidden) this.localIndex.set(name, slot);
    return slot;
  }

  /** Whether `name` is a local of an enclosing function (so assigning it updates that variable). */
  visibleOutside(name: string): boolean {
    for (let a = this.parent; a; a = a.parent) if (a.localIndex.has(name)) return true;
    return false;
  }

  lookup(name: string): VarRef | undefined {
    const slot = this.localIndex.get(name);
    if (slot !== undefined) return { kind: 'local', slot };
    const known = this.captureIndex.get(name);
    if (known !== undefined) return { kind: 'up', index: known };
    if (!this.parent) return undefined;
    const outer = this.parent.lookup(name);
    if (!outer) return undefined;
    let capture: Capture;
    if (outer.kind === 'local') {
      this.parent.locals[outer.slot]!.cell = true;
      capture = { fromLocal: true, index: outer.slot, name };
    } else {
      capture = { fromLocal: false, index: outer.index, name };
    }
    const index = this.captures.length;
    this.captures.push(capture);
    this.captureIndex.set(name, index);
    return { kind: 'up', index };
  }
}

interface LoopCtx {
  readonly breaks: number[];
  readonly continues: number[];
  /** How many `with` blocks were open when the loop started (break/continue leave the inner ones). */
  readonly withDepth: number;
  continueTarget: number;
}

const PRELUDE_PATH = '<prelude>';

/** Compiles modules (the entry first, then imports, then the prelude) into one program. */
export class Compiler {
  private readonly globals: Value[] = [];
  private readonly globalNames: string[] = [];
  private readonly stmts: StmtInfo[] = [];
  private readonly sources = new Map<string, SourceFile>();
  private readonly scopes = new Map<string, ModuleScope>();
  private readonly analyses = new Map<object, FnAnalysis>();
  private readonly errors: CompileError[] = [];
  private readonly protos: FnProto[] = [];
  private prelude: ModuleScope | undefined;
  /** Globals filled in once every module is compiled (handler values, module values). */
  private readonly pendingModules: { g: number; scope: ModuleScope; name: string }[] = [];

  /**
   * `modules` maps a path to its AST and text; `imports` resolves `import a.b` from a module to a path in `modules`.
   */
  compile(
    entry: string,
    modules: ReadonlyMap<string, { ast: A.Module; text: string }>,
    resolveImport: (from: string, segments: readonly string[]) => string | undefined,
    prelude?: { ast: A.Module; text: string },
  ): Program {
    if (prelude) this.prelude = this.declareModule(PRELUDE_PATH, prelude.ast, prelude.text);
    const order: string[] = [];
    const visit = (path: string) => {
      if (this.scopes.has(path)) return;
      const m = modules.get(path);
      if (!m) return;
      const scope = this.declareModule(path, m.ast, m.text);
      order.push(path);
      for (const item of m.ast.items) {
        if (item.kind !== 'Import') continue;
        const target = resolveImport(path, item.path.map(p => p.name));
        const last = item.path[item.path.length - 1];
        if (!target || !last || !modules.has(target)) {
          this.error(path, item.span, `cannot find module ${item.path.map(p => p.name).join('.')}`);
          continue;
        }
        visit(target);
        const g = this.addGlobal(last.name, undefined);
        scope.items.set(last.name, { kind: 'module', g, scope: this.scopes.get(target)! });
        scope.imported.push(this.scopes.get(target)!);
        this.pendingModules.push({ g, scope: this.scopes.get(target)!, name: last.name });
      }
    };
    visit(entry);
    if (this.prelude) this.compileItems(this.prelude);
    for (const path of order) this.compileItems(this.scopes.get(path)!);
    for (const { g, scope, name } of this.pendingModules) {
      const members = new Map<string, Value>();
      for (const [itemName, ref] of scope.items) {
        if (ref.kind === 'fn' || ref.kind === 'struct' || ref.kind === 'handler') members.set(itemName, this.globals[ref.g]);
        else if (ref.kind === 'effect') members.set(itemName, new EffectVal(itemName));
      }
      this.globals[g] = new ModuleVal(name, scope.path, members);
    }
    const entryScope = this.scopes.get(entry);
    const main = entryScope ? this.compileMain(entryScope) : this.emptyMain(entry);
    const entryProto = new FnProto('<task>', 'entry', PRELUDE_PATH, { start: 0, end: 0 }, [], 0, [], [],
      Int32Array.from([Op.CallAll, Op.Return]), [], Int32Array.from([-1, -1]), Int32Array.from([-1, -1]));
    return {
      main, entry: entryProto, globals: this.globals, globalNames: this.globalNames, stmts: this.stmts,
      sources: this.sources, errors: this.errors, protos: this.protos,
      compileExpression: (module, names, expr, text) => this.compileExpression(module, names, expr, text),
      ctors: this.preludeCtors(),
    };
  }

  /** The prelude's Option and Result variants (fresh types if a prelude without them was given). */
  private preludeCtors(): PreludeCtors {
    const ctor = (name: string, fields: readonly string[], variantOf: string): StructType => {
      const ref = this.prelude?.items.get(name);
      return ref?.kind === 'struct' ? ref.type : new StructType(name, fields, PRELUDE_PATH, variantOf);
    };
    return {
      ok: ctor('Ok', ['value'], 'Result'), err: ctor('Err', ['error'], 'Result'),
      some: ctor('Some', ['value'], 'Option'), none: ctor('None', [], 'Option'),
    };
  }

  /** A module-level name as `scope` sees it: its own items, then the imported modules' types, then the prelude's. */
  itemIn(scope: ModuleScope, name: string): GlobalRef | undefined {
    const own = scope.items.get(name);
    if (own) return own;
    for (const m of scope.imported) {
      const ref = m.items.get(name);
      if (ref && (ref.kind === 'struct' || ref.kind === 'enum' || ref.kind === 'handler' || ref.kind === 'effect')) return ref;
    }
    return this.prelude?.items.get(name);
  }

  /** Whether a bare name in a pattern is a variant without fields, which it matches instead of binding (`case None =>`). */
  nullaryVariant(scope: ModuleScope, name: string): StructType | undefined {
    const ref = this.itemIn(scope, name);
    return ref?.kind === 'struct' && ref.type.variantOf !== undefined && ref.fields.length === 0 ? ref.type : undefined;
  }

  /**
   * An expression as a function of the given names, in a module's scope (its items, the prelude, the
   * built-ins). Its statements and spans belong to the pseudo-module `<eval>`, so they never mix with the
   * program's breakpoints.
   */
  private compileExpression(module: string, names: readonly string[], expr: A.Expr, text: string): FnProto {
    const home = this.scopes.get(module) ?? [...this.scopes.values()].find(sc => sc.path !== PRELUDE_PATH)!;
    const file: SourceFile = { path: '<eval>', text, lines: new LineIndex(text) };
    this.sources.set('<eval>', file);
    const scope: ModuleScope = { path: '<eval>', module: home.module, items: home.items, file, imported: home.imported };
    const span = expr.span;
    const lambda: A.LambdaExpr = {
      kind: 'Lambda', span,
      params: names.map(name => ({ span, name: { name, span } })),
      body: { span, stmts: [{ kind: 'ExprStmt', span, expr }] },
    };
    this.analyze(lambda, null, scope);
    return this.compileLambda(scope, lambda, '<eval>');
  }

  private error(module: string, span: A.Span, message: string): void {
    this.errors.push({ module, span, message });
  }

  private addGlobal(name: string, value: Value): number {
    this.globals.push(value);
    this.globalNames.push(name);
    return this.globals.length - 1;
  }

  private declareModule(path: string, ast: A.Module, text: string): ModuleScope {
    const file: SourceFile = { path, text, lines: new LineIndex(text) };
    this.sources.set(path, file);
    const scope: ModuleScope = { path, module: ast, items: new Map(), file, imported: [] };
    this.scopes.set(path, scope);
    for (const item of ast.items) {
      switch (item.kind) {
        case 'Fn':
          scope.items.set(item.name.name, { kind: 'fn', g: this.addGlobal(item.name.name, undefined), decl: item });
          break;
        case 'Struct': {
          const type = new StructType(item.name.name, item.fields.map(f => f.name.name), path);
          const g = this.addGlobal(item.name.name, new BuiltinFnVal(item.name.name, type));
          scope.items.set(item.name.name, { kind: 'struct', g, type, fields: item.fields });
          break;
        }
        case 'Enum': {
          // The enum's name is a type; each variant is a constructor, as a struct's name is.
          if (!scope.items.has(item.name.name)) scope.items.set(item.name.name, { kind: 'enum', decl: item });
          for (const v of item.variants) {
            const name = v.name.name;
            if (name === '') continue;
            const type = new StructType(name, v.fields.map(f => f.name.name), path, item.name.name);
            // A variant without fields is a value (`None`), which the debugger's evaluations read as such too.
            const g = this.addGlobal(name, v.fields.length === 0 ? new StructVal(type, []) : new BuiltinFnVal(name, type));
            scope.items.set(name, { kind: 'struct', g, type, fields: v.fields });
          }
          break;
        }
        case 'Handler':
          scope.items.set(item.name.name, { kind: 'handler', g: this.addGlobal(item.name.name, undefined), decl: item });
          break;
        case 'Effect':
          scope.items.set(item.name.name, { kind: 'effect', decl: item, key: effectKey(path, item.name.name), builtin: restatesBuiltin(item.name.name) });
          break;
        case 'Import':
          break;
        default: {
          const never: never = item;
          throw new Error(`unknown item ${String(never)}`);
        }
      }
    }
    return scope;
  }

  private compileItems(scope: ModuleScope): void {
    for (const ref of scope.items.values()) {
      if (ref.kind === 'fn') {
        const proto = this.compileFunction(scope, ref.decl, null, 'fn');
        this.globals[ref.g] = new Closure(proto, []);
      } else if (ref.kind === 'handler') {
        const proto = this.compileHandlerFactory(scope, ref.decl);
        this.globals[ref.g] = new Closure(proto, []);
      }
    }
  }

  private compileMain(scope: ModuleScope): FnProto {
    const node: FnNode = { kind: 'Main', module: scope.module };
    const analysis = this.analyze(node, null, scope);
    const e = new Emitter(this, scope, analysis, '<main>', 'main', scope.module.span);
    e.prologue([]);
    if (scope.module.statements.length > 0) {
      e.block(scope.module.statements, true);
    } else {
      const main = scope.items.get('main');
      if (main && main.kind === 'fn') {
        e.emit(Op.CallGlobal, main.g, 0);
      } else {
        e.emit(Op.Unit);
      }
    }
    e.emit(Op.Return);
    return e.finish([], 0);
  }

  private emptyMain(path: string): FnProto {
    return new FnProto('<main>', 'main', path, { start: 0, end: 0 }, [], 0, [], [], Int32Array.from([Op.Unit, Op.Return]), [],
      Int32Array.from([-1, -1]), Int32Array.from([-1, -1]));
  }

  // ------------------------------------------------------------ analysis (locals and captures)

  analysisOf(node: object): FnAnalysis {
    return this.analyses.get(node)!;
  }

  /** Declares the locals of a function and, recursively, of the functions nested in it. */
  analyze(node: FnNode, parent: FnAnalysis | null, scope: ModuleScope): FnAnalysis {
    const a = new FnAnalysis(node, parent);
    this.analyses.set(node, a);
    const nested: FnNode[] = [];
    const refs: string[] = [];
    const declareAssigned = (name: string) => {
      if (a.localIndex.has(name)) return;
      if (a.visibleOutside(name)) {
        refs.push(name);
        return;
      }
      a.declare(name);
    };
    const isVariant = (name: string) => this.nullaryVariant(scope, name) !== undefined;
    // The names the body binds are its locals (function-wide); every name it reads may be a capture; lambdas,
    // local functions and spawned closures are analysed as functions of their own.
    const visitBody = (roots: readonly Node[]): void => {
      for (const b of bodyBindings(roots, isVariant)) declareAssigned(b.ident.name);
      walk(roots, n => {
        switch (n.kind) {
          case 'Name': refs.push(n.name); return true;
          case 'Lambda': nested.push(n); return false;
          case 'LocalFn': nested.push(n.fn); return false;
          case 'Spawn':
            if (spawnsDirectCall(n)) return true;
            if (n.scope) visitBody([n.scope]);
            nested.push(n);
            return false;
          default: return true;
        }
      });
    };
    switch (node.kind) {
      case 'Main': visitBody(node.module.statements); break;
      case 'Fn':
        for (const p of node.params) a.declare(p.name.name);
        visitBody([...node.params.flatMap(p => (p.default ? [p.default] : [])), ...node.body.stmts]);
        break;
      case 'Lambda':
        for (const p of node.params) a.declare(p.name.name);
        visitBody(node.body.stmts);
        break;
      case 'Spawn': visitBody([node.body]); break;
      case 'Handler':
        for (const p of node.params ?? []) a.declare(p.name.name);
        visitBody((node.params ?? []).flatMap(p => (p.default ? [p.default] : [])));
        nested.push(...node.ops);
        break;
      default: { const never: never = node; throw new Error(String(never)); }
    }
    // Children first see this function's complete set of locals; their references mark captured cells.
    for (const child of nested) this.analyze(child, a, scope);
    for (const name of refs) a.lookup(name);
    return a;
  }

  // ------------------------------------------------------------ functions

  compileFunction(scope: ModuleScope, decl: A.FnDecl, parent: FnAnalysis | null, kind: ProtoKind): FnProto {
    const analysis = parent ? this.analysisOf(decl) : this.analyze(decl, null, scope);
    return this.compileCallable(scope, analysis, decl.name.name, kind, decl.span, decl.params, decl.body);
  }

  compileLambda(scope: ModuleScope, lambda: A.LambdaExpr, name: string): FnProto {
    return this.compileCallable(scope, this.analysisOf(lambda), name, 'lambda', lambda.span, lambda.params, lambda.body);
  }

  /** A function or lambda: its parameters, its body's statements, and a return of the last value. */
  private compileCallable(
    scope: ModuleScope, analysis: FnAnalysis, name: string, kind: ProtoKind, span: A.Span, params: readonly A.Param[], body: A.Block,
  ): FnProto {
    const e = new Emitter(this, scope, analysis, name, kind, span);
    e.prologue(params);
    e.block(body.stmts, true);
    e.emit(Op.Return);
    return e.finish(params, requiredCount(params));
  }

  compileThunk(scope: ModuleScope, spawn: A.SpawnExpr, name: string): FnProto {
    const analysis = this.analysisOf(spawn);
    const e = new Emitter(this, scope, analysis, name, 'thunk', spawn.body.span);
    e.prologue([]);
    e.stmtMark(spawn.body.span);
    e.expr(spawn.body);
    e.emit(Op.Return);
    return e.finish([], 0);
  }

  private compileHandlerFactory(scope: ModuleScope, decl: A.HandlerDecl): FnProto {
    const analysis = this.analyze(decl, null, scope);
    const params = decl.params ?? [];
    const e = new Emitter(this, scope, analysis, decl.name.name, 'handler-factory', decl.span);
    e.prologue(params);
    const ops = decl.ops.map(op => ({ name: op.name.name, proto: this.compileFunction(scope, op, analysis, 'handler-op') }));
    const effect = this.itemIn(scope, decl.effect.name);
    const key = effect?.kind === 'effect' ? effect.key : decl.effect.name;
    const template: HandlerTemplate = { name: decl.name.name, effect: decl.effect.name, effectKey: key, ops };
    e.emit(Op.MakeHandler, e.constant(template));
    e.emit(Op.Return);
    return e.finish(params, requiredCount(params));
  }

  // ------------------------------------------------------------ shared tables

  newStmt(module: string, span: A.Span, file: SourceFile): number {
    const { line, column } = lineColumn(file, span.start);
    this.stmts.push({ module, span, line, column });
    return this.stmts.length - 1;
  }

  registerProto(p: FnProto): void {
    this.protos.push(p);
  }

  reportError(module: string, span: A.Span, message: string): void {
    this.error(module, span, message);
  }

  preludeItem(name: string): GlobalRef | undefined {
    return this.prelude?.items.get(name);
  }

  global(g: number): Value {
    return this.globals[g];
  }
}

function requiredCount(params: readonly A.Param[]): number {
  let n = 0;
  for (const p of params) {
    if (p.default) break;
    n++;
  }
  return n;
}


const HANDLERS_BY_NAME = new Map(BUILTIN_HANDLERS.map(h => [h.name, h]));
const CONSTANTS_BY_NAME = new Map(BUILTIN_CONSTANTS.map(c => [c.name, c.value]));

/** Emits one function's bytecode. */
class Emitter {
  private readonly code: number[] = [];
  private readonly consts: unknown[] = [];
  private readonly constIndex = new Map<unknown, number>();
  private readonly spanStarts: number[] = [];
  private readonly spanEnds: number[] = [];
  private readonly loops: LoopCtx[] = [];
  /** Record slots of the `with` blocks open at this point, outermost first. */
  private readonly withs: number[] = [];
  private currentSpan: A.Span | undefined;
  private lambdaCount = 0;

  constructor(
    private readonly c: Compiler,
    private readonly scope: ModuleScope,
    private readonly a: FnAnalysis,
    private readonly name: string,
    private readonly kind: ProtoKind,
    private readonly span: A.Span,
  ) {}

  finish(params: readonly A.Param[], required: number): FnProto {
    const paramInfo: ParamInfo[] = params.map(p => ({ name: p.name.name, hasDefault: !!p.default }));
    const locals: LocalInfo[] = this.a.locals.map(l => ({ name: l.name, cell: l.cell, hidden: l.hidden }));
    const opt = optimize(this.code, this.spanStarts, this.spanEnds);
    const proto = new FnProto(this.name, this.kind, this.scope.path, this.span, paramInfo, required, locals, this.a.captures,
      Int32Array.from(opt.code), this.consts, Int32Array.from(opt.spanStarts), Int32Array.from(opt.spanEnds));
    this.c.registerProto(proto);
    return proto;
  }

  emit(op: Op, ...operands: number[]): number {
    const at = this.code.length;
    this.code.push(op, ...operands);
    const span = this.currentSpan;
    this.spanStarts.push(span ? span.start : -1);
    this.spanEnds.push(span ? span.end : -1);
    for (let i = 0; i < operands.length; i++) {
      this.spanStarts.push(-1);
      this.spanEnds.push(-1);
    }
    if (OPERANDS[op] !== operands.length) throw new Error(`bad operand count for op ${op}`);
    return at;
  }

  private here(): number {
    return this.code.length;
  }

  /** Patches the jump target operand at `at + index`. */
  private patch(at: number, target: number, index = 1): void {
    this.code[at + index] = target;
  }

  constant(v: unknown): number {
    if (typeof v === 'string' || typeof v === 'number') {
      const key = `${typeof v}:${v}`;
      const k = this.constIndex.get(key);
      if (k !== undefined) return k;
      this.consts.push(v);
      this.constIndex.set(key, this.consts.length - 1);
      return this.consts.length - 1;
    }
    this.consts.push(v);
    return this.consts.length - 1;
  }

  private at<T>(span: A.Span, f: () => T): T {
    const saved = this.currentSpan;
    this.currentSpan = span;
    try {
      return f();
    } finally {
      this.currentSpan = saved;
    }
  }

  private temp(name: string): number {
    return this.a.declare(name, true);
  }

  private fail(span: A.Span, message: string): void {
    this.c.reportError(this.scope.path, span, message);
    this.at(span, () => this.emit(Op.Fail, this.constant(message)));
  }

  stmtMark(span: A.Span): void {
    const id = this.c.newStmt(this.scope.path, span, this.scope.file);
    this.at(span, () => this.emit(Op.Stmt, id));
  }

  /** Parameters: cells for captured ones, defaults for missing ones, fresh cells for captured locals. */
  prologue(params: readonly A.Param[]): void {
    params.forEach((p, i) => {
      if (p.default) {
        const jump = this.emit(Op.JumpIfSet, i, 0);
        this.at(p.default.span, () => this.expr(p.default!));
        this.emit(Op.Store, i);
        this.patch(jump, this.here(), 2);
      }
      if (this.a.locals[i]!.cell) this.emit(Op.BoxParam, i);
    });
    for (let slot = params.length; slot < this.a.locals.length; slot++) {
      if (this.a.locals[slot]!.cell) this.emit(Op.NewCell, slot);
    }
  }

  // ------------------------------------------------------------ statements

  /** Compiles statements; with `value`, leaves the block's value (its last expression's, else unit). */
  block(stmts: readonly A.Stmt[], value: boolean): void {
    if (stmts.length === 0) {
      if (value) this.emit(Op.Unit);
      return;
    }
    stmts.forEach((s, i) => {
      const last = i === stmts.length - 1;
      if (s.kind === 'ExprStmt') {
        this.stmtMark(s.span);
        this.expr(s.expr);
        if (!(last && value)) this.emit(Op.Pop);
      } else {
        this.stmt(s);
        if (last && value) this.emit(Op.Unit);
      }
    });
  }

  private stmt(s: A.Stmt): void {
    switch (s.kind) {
      case 'ExprStmt':
        this.stmtMark(s.span);
        this.expr(s.expr);
        this.emit(Op.Pop);
        return;
      case 'Assign':
        this.stmtMark(s.span);
        this.at(s.span, () => this.assign(s));
        return;
      case 'Return':
        this.stmtMark(s.span);
        this.at(s.span, () => {
          if (s.value) this.expr(s.value);
          else this.emit(Op.Unit);
          for (let i = this.withs.length - 1; i >= 0; i--) this.emit(Op.WithExit, this.withs[i]!);
          this.emit(Op.Return);
        });
        return;
      case 'Break':
      case 'Continue': {
        this.stmtMark(s.span);
        const loop = this.loops[this.loops.length - 1];
        if (!loop) {
          this.fail(s.span, `\`${s.kind === 'Break' ? 'break' : 'continue'}\` outside a loop`);
          return;
        }
        this.at(s.span, () => {
          if (this.withs.length > loop.withDepth) {
            this.emit(Op.Unit);
            for (let i = this.withs.length - 1; i >= loop.withDepth; i--) this.emit(Op.WithExit, this.withs[i]!);
            this.emit(Op.Pop);
          }
          const j = this.emit(Op.Jump, 0);
          (s.kind === 'Break' ? loop.breaks : loop.continues).push(j);
        });
        return;
      }
      case 'While': {
        const top = this.here();
        this.stmtMark(s.span);
        this.at(s.condition.span, () => this.expr(s.condition));
        const exit = this.at(s.span, () => this.emit(Op.JumpIfFalse, 0));
        const loop = this.pushLoop();
        loop.continueTarget = top;
        this.block(s.body.stmts, false);
        this.emit(Op.Jump, top);
        this.popLoop(loop, this.here());
        this.patch(exit, this.here());
        return;
      }
      case 'Loop': {
        this.stmtMark(s.span);
        const top = this.here();
        const loop = this.pushLoop();
        this.block(s.body.stmts, false);
        loop.continueTarget = this.here();
        this.stmtMark(s.span);
        this.emit(Op.Jump, top);
        this.popLoop(loop, this.here());
        return;
      }
      case 'For':
        this.forLoop(s);
        return;
      case 'LocalFn': {
        this.stmtMark(s.span);
        const proto = this.c.compileFunction(this.scope, s.fn, this.a, 'local-fn');
        this.at(s.span, () => {
          this.emit(Op.MakeClosure, this.constant(proto));
          this.storeName(s.fn.name.name, s.span);
        });
        return;
      }
      default: {
        const never: never = s;
        throw new Error(String(never));
      }
    }
  }

  private pushLoop(): LoopCtx {
    const loop: LoopCtx = { breaks: [], continues: [], withDepth: this.withs.length, continueTarget: -1 };
    this.loops.push(loop);
    return loop;
  }

  private popLoop(loop: LoopCtx, breakTarget: number): void {
    this.loops.pop();
    for (const j of loop.breaks) this.patch(j, breakTarget);
    for (const j of loop.continues) this.patch(j, loop.continueTarget);
  }

  private forLoop(s: A.ForStmt): void {
    this.stmtMark(s.span);
    const iter = s.iterable;
    const varRef = this.a.lookup(s.variable.name);
    const freshCell = varRef?.kind === 'local' && this.a.locals[varRef.slot]!.cell;
    let next: number;
    let top: number;
    if (iter.kind === 'Binary' && iter.op === '..') {
      const counter = this.temp('%i');
      const end = this.temp('%end');
      this.at(iter.span, () => {
        this.expr(iter.left);
        this.emit(Op.Store, counter);
        this.expr(iter.right);
        this.emit(Op.Store, end);
      });
      top = this.here();
      next = this.at(s.span, () => this.emit(Op.RangeNext, counter, end, 0));
    } else {
      const list = this.temp('%list');
      const index = this.temp('%index');
      this.at(iter.span, () => {
        this.expr(iter);
        this.emit(Op.Store, list);
        this.emit(Op.Int, 0);
        this.emit(Op.Store, index);
      });
      top = this.here();
      next = this.at(s.span, () => this.emit(Op.IterNext, list, index, 0));
    }
    this.at(s.span, () => {
      if (freshCell && varRef?.kind === 'local') this.emit(Op.NewCell, varRef.slot);
      this.storeName(s.variable.name, s.span);
    });
    const loop = this.pushLoop();
    this.block(s.body.stmts, false);
    loop.continueTarget = this.here();
    this.stmtMark(s.span);
    this.emit(Op.Jump, top);
    this.popLoop(loop, this.here());
    this.patch(next, this.here(), 3);
  }

  private assign(s: A.AssignStmt): void {
    const arith = s.op === '=' ? undefined : ({ '+=': Op.Add, '-=': Op.Sub, '*=': Op.Mul, '/=': Op.Div } as const)[s.op];
    const t = s.target;
    switch (t.kind) {
      case 'Name':
        if (arith !== undefined) this.loadName(t.name, t.span);
        this.expr(s.value);
        if (arith !== undefined) this.at(s.span, () => this.emit(arith));
        this.storeName(t.name, t.span);
        return;
      case 'Member': {
        this.expr(t.object);
        if (arith !== undefined) {
          const obj = this.temp('%obj');
          this.emit(Op.Dup);
          this.emit(Op.Store, obj);
          this.emit(Op.GetField, this.constant(t.property.name));
          this.expr(s.value);
          this.emit(arith);
          const val = this.temp('%val');
          this.emit(Op.Store, val);
          this.emit(Op.Load, obj);
          this.emit(Op.Load, val);
        } else {
          this.expr(s.value);
        }
        this.emit(Op.SetField, this.constant(t.property.name));
        return;
      }
      case 'Index': {
        this.expr(t.object);
        this.expr(t.index);
        if (arith !== undefined) {
          const idx = this.temp('%idx');
          const obj = this.temp('%obj');
          this.emit(Op.Store, idx);
          this.emit(Op.Store, obj);
          this.emit(Op.Load, obj);
          this.emit(Op.Load, idx);
          this.emit(Op.Load, obj);
          this.emit(Op.Load, idx);
          this.emit(Op.GetIndex);
          this.expr(s.value);
          this.emit(arith);
        } else {
          this.expr(s.value);
        }
        this.emit(Op.SetIndex);
        return;
      }
      default: {
        const never: never = t;
        throw new Error(String(never));
      }
    }
  }

  // ------------------------------------------------------------ names

  private loadName(name: string, span: A.Span): void {
    const ref = this.a.lookup(name);
    if (ref) {
      if (ref.kind === 'up') this.emit(Op.LoadUp, ref.index);
      else this.emit(this.a.locals[ref.slot]!.cell ? Op.LoadCell : Op.Load, ref.slot);
      return;
    }
    const item = this.item(name);
    if (item) {
      switch (item.kind) {
        case 'struct':
          // A variant without fields is a value (`None`); any other constructor is a function value.
          if (item.type.variantOf !== undefined && item.fields.length === 0) this.emit(Op.MakeStruct, this.constant(item.type), 0);
          else this.emit(Op.LoadGlobal, item.g);
          return;
        case 'fn':
        case 'module':
          this.emit(Op.LoadGlobal, item.g);
          return;
        case 'enum':
          this.fail(span, `\`${name}\` is an enum, a type: build a value with one of its variants (${item.decl.variants.map(v => `\`${v.name.name}\``).join(', ')})`);
          return;
        case 'handler':
          // A handler written without arguments (`with Console`): build it with its defaults.
          this.emit(Op.CallGlobal, item.g, 0);
          return;
        case 'effect':
          this.emit(Op.Const, this.constant(new EffectVal(name)));
          return;
      }
    }
    if (NATIVE_IDS.has(name)) {
      this.emit(Op.Const, this.constant(new BuiltinFnVal(name)));
      return;
    }
    if (isBuiltinEffect(name)) {
      this.emit(Op.Const, this.constant(new EffectVal(name)));
      return;
    }
    this.fail(span, `unknown name \`${name}\``);
  }

  private storeName(name: string, span: A.Span): void {
    const ref = this.a.lookup(name);
    if (!ref) {
      this.fail(span, `cannot assign \`${name}\` here`);
      return;
    }
    if (ref.kind === 'up') this.emit(Op.StoreUp, ref.index);
    else this.emit(this.a.locals[ref.slot]!.cell ? Op.StoreCell : Op.Store, ref.slot);
  }

  /** A module-level name: this module's items, then the imported modules' types, then the prelude's. */
  private item(name: string): GlobalRef | undefined {
    return this.c.itemIn(this.scope, name);
  }

  /** Whether `name` is a built-in handler's namespace here: not hidden by an item of this module (a restated effect is the built-in). */
  private builtinNamespace(name: string): boolean {
    const own = this.scope.items.get(name);
    return !own || (own.kind === 'effect' && own.builtin);
  }

  private isShadowed(name: string): boolean {
    return this.a.lookup(name) !== undefined;
  }

  // ------------------------------------------------------------ expressions

  expr(e: A.Expr): void {
    this.at(e.span, () => this.exprInner(e));
  }

  private exprInner(e: A.Expr): void {
    switch (e.kind) {
      case 'Name':
        this.loadName(e.name, e.span);
        return;
      case 'Int':
        if (Number.isSafeInteger(e.value) && Math.abs(e.value) < 2 ** 31) this.emit(Op.Int, e.value);
        else this.emit(Op.Const, this.constant(e.value));
        return;
      case 'Float':
        this.emit(Op.Const, this.constant(new FloatVal(e.value)));
        return;
      case 'Bool':
        this.emit(e.value ? Op.True : Op.False);
        return;
      case 'Unit':
        this.emit(Op.Unit);
        return;
      case 'String': {
        const parts = e.parts.filter(p => p !== '');
        if (parts.length === 0) {
          this.emit(Op.Const, this.constant(''));
          return;
        }
        if (parts.length === 1 && typeof parts[0] === 'string') {
          this.emit(Op.Const, this.constant(parts[0]));
          return;
        }
        for (const p of parts) {
          if (typeof p === 'string') this.emit(Op.Const, this.constant(p));
          else this.expr(p);
        }
        this.emit(Op.MakeString, parts.length);
        return;
      }
      case 'List':
        for (const el of e.elements) this.expr(el);
        this.emit(Op.MakeList, e.elements.length);
        return;
      case 'Call':
        this.call(e);
        return;
      case 'Member':
        this.member(e);
        return;
      case 'Index':
        this.expr(e.object);
        this.expr(e.index);
        this.emit(Op.GetIndex);
        return;
      case 'Await':
        this.expr(e.value);
        this.at(e.span, () => this.emit(Op.Await));
        return;
      case 'Spawn':
        this.spawn(e);
        return;
      case 'Unary':
        this.expr(e.operand);
        this.emit(e.op === '-' ? Op.Neg : Op.Not);
        return;
      case 'Binary':
        this.binary(e);
        return;
      case 'Lambda': {
        const proto = this.c.compileLambda(this.scope, e, `${this.name}.λ${++this.lambdaCount}`);
        this.emit(Op.MakeClosure, this.constant(proto));
        return;
      }
      case 'If': {
        const ends: number[] = [];
        for (const b of e.branches) {
          this.expr(b.condition);
          const skip = this.at(b.condition.span, () => this.emit(Op.JumpIfFalse, 0));
          this.block(b.body.stmts, true);
          ends.push(this.emit(Op.Jump, 0));
          this.patch(skip, this.here());
        }
        if (e.otherwise) this.block(e.otherwise.stmts, true);
        else this.emit(Op.Unit);
        for (const j of ends) this.patch(j, this.here());
        return;
      }
      case 'Match':
        this.match(e);
        return;
      case 'With':
        this.withExpr(e);
        return;
      case 'Error':
        this.fail(e.span, 'syntax error');
        return;
      default: {
        const never: never = e;
        throw new Error(String(never));
      }
    }
  }

  private binary(e: A.BinaryExpr): void {
    if (e.op === 'and' || e.op === 'or') {
      this.expr(e.left);
      const j = this.emit(e.op === 'and' ? Op.AndJump : Op.OrJump, 0);
      this.expr(e.right);
      this.patch(j, this.here());
      return;
    }
    this.expr(e.left);
    this.expr(e.right);
    const ops: Record<Exclude<A.BinaryOp, 'and' | 'or'>, Op> = {
      '==': Op.Eq, '!=': Op.Ne, '<': Op.Lt, '<=': Op.Le, '>': Op.Gt, '>=': Op.Ge,
      '..': Op.Range, '+': Op.Add, '-': Op.Sub, '*': Op.Mul, '/': Op.Div, '%': Op.Mod,
    };
    this.emit(ops[e.op]);
  }

  private member(e: A.MemberExpr): void {
    const prop = e.property.name;
    // Durations on literals fold at compile time: `5.seconds` is 5000.
    const unit = DURATION_UNITS[prop];
    if (unit !== undefined && (e.object.kind === 'Int' || e.object.kind === 'Float')) {
      const ms = e.object.value * unit;
      if (Number.isInteger(ms)) this.emit(Op.Int, ms);
      else this.emit(Op.Const, this.constant(new FloatVal(ms)));
      return;
    }
    if (e.object.kind === 'Name' && !this.isShadowed(e.object.name)) {
      const qualified = `${e.object.name}.${prop}`;
      const constant = CONSTANTS_BY_NAME.get(qualified);
      if (constant !== undefined) {
        this.emit(Op.Int, constant);
        return;
      }
      const handler = HANDLERS_BY_NAME.get(qualified);
      if (handler && this.builtinNamespace(e.object.name)) {
        this.builtinHandler(qualified, []);
        return;
      }
      const item = this.item(e.object.name);
      if (item?.kind === 'module') {
        const member = item.scope.items.get(prop);
        if (member?.kind === 'struct' && member.type.variantOf !== undefined && member.fields.length === 0) {
          this.emit(Op.MakeStruct, this.constant(member.type), 0);
          return;
        }
        if (member && (member.kind === 'fn' || member.kind === 'struct')) {
          this.emit(Op.LoadGlobal, member.g);
          return;
        }
        if (member?.kind === 'handler') {
          this.emit(Op.CallGlobal, member.g, 0);
          return;
        }
        this.fail(e.span, `module \`${e.object.name}\` has no item \`${prop}\``);
        return;
      }
    }
    this.expr(e.object);
    this.emit(Op.GetField, this.constant(prop));
  }

  private builtinHandler(qualified: string, args: readonly A.Arg[]): void {
    const h = HANDLERS_BY_NAME.get(qualified)!;
    const params = h.params ?? [];
    const ordered = this.orderArgs(params, args, `\`${qualified}\``);
    if (!ordered) return;
    for (const a of ordered) {
      if (a) this.expr(a);
      else this.emit(Op.Unit);
    }
    this.emit(Op.CallBuiltin, NATIVE_IDS.get(`handler:${qualified}`)!, params.length);
  }

  /** Orders positional and named arguments by parameter name; undefined entries are missing (defaults apply). */
  private orderArgs(params: readonly string[], args: readonly A.Arg[], what: string): (A.Expr | undefined)[] | undefined {
    const names = params.map(p => p.replace(/^\.\.\./, ''));
    const out: (A.Expr | undefined)[] = [];
    let positional = 0;
    for (const arg of args) {
      if (!arg.name) {
        out[positional++] = arg.value;
        continue;
      }
      const i = names.indexOf(arg.name.name);
      if (i < 0) {
        this.fail(arg.span, `${what} has no parameter \`${arg.name.name}\``);
        return undefined;
      }
      out[i] = arg.value;
    }
    const length = Math.max(out.length, args.some(a => a.name) ? names.length : 0);
    const result: (A.Expr | undefined)[] = [];
    for (let i = 0; i < length; i++) result.push(out[i]);
    return result;
  }

  private call(e: A.CallExpr): void {
    const callee = e.callee;
    const hasNamed = e.args.some(a => a.name);
    if (callee.kind === 'Name' && !this.isShadowed(callee.name)) {
      const item = this.item(callee.name);
      if (item?.kind === 'fn' || item?.kind === 'handler') {
        const params = item.kind === 'fn' ? item.decl.params : item.decl.params ?? [];
        this.callKnown(item.g, params, e);
        return;
      }
      if (item?.kind === 'struct') {
        this.makeStruct(item.type, item.fields, e);
        return;
      }
      if (item?.kind === 'enum') {
        this.fail(callee.span, `\`${callee.name}\` is an enum, a type: call one of its variants (${item.decl.variants.map(v => `\`${v.name.name}\``).join(', ')})`);
        return;
      }
      if (!item) {
        const native = NATIVE_IDS.get(callee.name);
        if (native !== undefined) {
          const params = NATIVE_PARAMS.get(callee.name)!;
          const variadic = params.some(p => p.startsWith('...'));
          const args = variadic ? e.args.map(a => a.value) : this.orderArgs(params, e.args, `\`${callee.name}\``);
          if (!args) return;
          for (const a of args) {
            if (a) this.expr(a);
            else this.emit(Op.Unit);
          }
          this.at(e.span, () => this.emit(Op.CallBuiltin, native, args.length));
          return;
        }
      }
    }
    if (callee.kind === 'Member' && callee.object.kind === 'Name' && !this.isShadowed(callee.object.name)) {
      const objName = callee.object.name;
      const prop = callee.property.name;
      const qualified = `${objName}.${prop}`;
      const item = this.item(objName);
      if (HANDLERS_BY_NAME.has(qualified) && (item?.kind !== 'effect' || item.builtin)) {
        this.builtinHandler(qualified, e.args);
        return;
      }
      if (item?.kind === 'module') {
        const member = item.scope.items.get(prop);
        if (member?.kind === 'fn' || member?.kind === 'handler') {
          this.callKnown(member.g, member.kind === 'fn' ? member.decl.params : member.decl.params ?? [], e);
          return;
        }
        if (member?.kind === 'struct') {
          this.makeStruct(member.type, member.fields, e);
          return;
        }
        this.fail(callee.span, `module \`${objName}\` has no function \`${prop}\``);
        return;
      }
      if (item?.kind === 'effect' || (!item && isBuiltinEffect(objName))) {
        let params: readonly string[] | undefined;
        if (item?.kind === 'effect') params = item.decl.ops.find(op => op.name.name === prop)?.params.map(p => p.name.name);
        if (!params && objName === 'Cancel' && (prop === 'check' || prop === 'token')) params = [];
        if (!params) {
          this.fail(callee.span, `effect \`${objName}\` has no operation \`${prop}\``);
          return;
        }
        const args = this.orderArgs(params, e.args, `\`${qualified}\``);
        if (!args) return;
        for (const a of args) {
          if (a) this.expr(a);
          else this.emit(Op.Unit);
        }
        const key = item?.kind === 'effect' ? item.key : objName;
        this.at(e.span, () => this.emit(Op.Perform, this.constant(key), this.constant(prop), args.length));
        return;
      }
    }
    if (callee.kind === 'Member') {
      // The uniform call: `a.f(x)` is a callable field of `a`, or `f(a, x)`.
      if (hasNamed) {
        this.fail(e.span, 'named arguments are not supported in method calls');
        return;
      }
      const prop = callee.property.name;
      this.expr(callee.object);
      for (const a of e.args) this.expr(a.value);
      this.at(e.span, () => this.emit(Op.CallMethod, this.constant(prop), e.args.length, this.constant(this.fallbackFor(prop))));
      return;
    }
    this.expr(callee);
    for (const a of e.args) this.expr(a.value);
    if (hasNamed) {
      this.at(e.span, () => this.emit(Op.CallNamed, e.args.length, this.constant(e.args.map(a => a.name?.name ?? null))));
    } else {
      this.at(e.span, () => this.emit(Op.Call, e.args.length));
    }
  }

  /**
   * What `recv.name(args)` calls when `recv` has no callable field `name`: a global's index, a built-in, or
   * null (then only a field can serve the call).
   */
  private fallbackFor(name: string): number | BuiltinFnVal | null {
    if (this.a.lookup(name)) return null;
    const item = this.item(name);
    if (item?.kind === 'fn' || item?.kind === 'handler') return item.g;
    if (item?.kind === 'struct') return new BuiltinFnVal(name, item.type);
    if (NATIVE_IDS.has(name)) return new BuiltinFnVal(name);
    return null;
  }

  private callKnown(g: number, params: readonly A.Param[], e: A.CallExpr): void {
    const what = e.callee.kind === 'Name' ? `\`${e.callee.name}\`` : e.callee.kind === 'Member' ? `\`${e.callee.property.name}\`` : 'the function';
    const args = this.orderArgs(params.map(p => p.name.name), e.args, what);
    if (!args) return;
    if (args.length > params.length) {
      this.fail(e.span, `${what} takes at most ${params.length} argument${params.length === 1 ? '' : 's'}, got ${args.length}`);
      return;
    }
    for (let i = 0; i < params.length; i++) {
      if (args[i] === undefined && !params[i]!.default) {
        this.fail(e.span, `missing argument \`${params[i]!.name.name}\` of ${what}`);
        return;
      }
    }
    for (const a of args) {
      if (a) this.expr(a);
      else this.emit(Op.Const, this.constant(null)); // left out: the callee's default applies
    }
    this.at(e.span, () => this.emit(Op.CallGlobal, g, args.length));
  }

  private makeStruct(type: StructType, fields: readonly A.Param[] | undefined, e: A.CallExpr): void {
    const args = this.orderArgs(type.fields, e.args, `\`${type.name}\``);
    if (!args) return;
    if (args.length > type.fields.length) {
      this.fail(e.span, `\`${type.name}\` takes ${type.fields.length} argument${type.fields.length === 1 ? '' : 's'}, got ${args.length}`);
      return;
    }
    for (let i = 0; i < type.fields.length; i++) {
      const a = args[i] ?? fields?.[i]?.default;
      if (a) this.expr(a);
      else {
        this.fail(e.span, `missing field \`${type.fields[i]}\` of \`${type.name}\``);
        return;
      }
    }
    this.at(e.span, () => this.emit(Op.MakeStruct, this.constant(type), type.fields.length));
  }

  private spawn(e: A.SpawnExpr): void {
    const scoped = e.scope ? 1 : 0;
    if (e.scope) this.expr(e.scope);
    if (spawnsDirectCall(e)) {
      const call = e.body as A.CallExpr;
      this.expr(call.callee);
      for (const a of call.args) this.expr(a.value);
      this.at(e.span, () => this.emit(Op.Spawn, call.args.length, scoped));
      return;
    }
    const proto = this.c.compileThunk(this.scope, e, `${this.name}.spawn${++this.lambdaCount}`);
    this.emit(Op.MakeClosure, this.constant(proto));
    this.at(e.span, () => this.emit(Op.Spawn, 0, scoped));
  }

  private withExpr(e: A.WithExpr): void {
    this.expr(e.handler);
    const record = this.temp('%with');
    const enter = this.at(e.span, () => this.emit(Op.WithEnter, record, -1));
    if (e.binder) this.storeName(e.binder.name, e.binder.span);
    else this.emit(Op.Pop);
    this.withs.push(record);
    this.block(e.body.stmts, true);
    this.withs.pop();
    this.at({ start: e.span.end - 3 >= e.span.start ? e.span.end - 3 : e.span.start, end: e.span.end }, () => this.emit(Op.WithExit, record));
    this.patch(enter, this.here(), 2);
  }

  private match(e: A.MatchExpr): void {
    this.expr(e.value);
    const subject = this.temp('%match');
    this.emit(Op.Store, subject);
    const ends: number[] = [];
    for (const arm of e.arms) {
      const fails: number[] = [];
      this.at(arm.pattern.span, () => this.pattern(arm.pattern, subject, fails));
      if (arm.guard) {
        this.expr(arm.guard);
        fails.push(this.emit(Op.JumpIfFalse, 0));
      }
      this.block(arm.body.stmts, true);
      ends.push(this.emit(Op.Jump, 0));
      for (const f of fails) this.patch(f, this.here());
    }
    this.at(e.span, () => this.emit(Op.FailMatch, subject));
    for (const j of ends) this.patch(j, this.here());
  }

  /** Tests the value in `slot` against `p`, binding names; jumps recorded in `fails` go to the next arm. */
  private pattern(p: A.Pattern, slot: number, fails: number[]): void {
    switch (p.kind) {
      case 'WildcardPat':
        return;
      case 'BindPat': {
        const variant = this.c.nullaryVariant(this.scope, p.name);
        if (variant) {
          this.emit(Op.Load, slot);
          this.emit(Op.IsCtor, this.constant(variant.name), 0);
          fails.push(this.emit(Op.JumpIfFalse, 0));
          return;
        }
        this.emit(Op.Load, slot);
        this.storeName(p.name, p.span);
        return;
      }
      case 'LiteralPat':
        this.emit(Op.Load, slot);
        if (typeof p.value === 'number') {
          if (Number.isInteger(p.value) && Math.abs(p.value) < 2 ** 31) this.emit(Op.Int, p.value);
          else this.emit(Op.Const, this.constant(p.value));
        } else if (typeof p.value === 'string') this.emit(Op.Const, this.constant(p.value));
        else this.emit(p.value ? Op.True : Op.False);
        this.emit(Op.Eq);
        fails.push(this.emit(Op.JumpIfFalse, 0));
        return;
      case 'CtorPat': {
        this.emit(Op.Load, slot);
        this.emit(Op.IsCtor, this.constant(p.name.name), p.args.length);
        fails.push(this.emit(Op.JumpIfFalse, 0));
        this.subpatterns(p.args, slot, fails);
        return;
      }
      case 'ListPat':
        this.emit(Op.Load, slot);
        this.emit(Op.IsList, p.elements.length);
        fails.push(this.emit(Op.JumpIfFalse, 0));
        this.subpatterns(p.elements, slot, fails);
        return;
      default: {
        const never: never = p;
        throw new Error(String(never));
      }
    }
  }

  private subpatterns(ps: readonly A.Pattern[], slot: number, fails: number[]): void {
    ps.forEach((sub, i) => {
      if (sub.kind === 'WildcardPat') return;
      const t = this.temp('%part');
      this.emit(Op.Load, slot);
      this.emit(Op.FieldAt, i);
      this.emit(Op.Store, t);
      this.pattern(sub, t, fails);
    });
  }
}

