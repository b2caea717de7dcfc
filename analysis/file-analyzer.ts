// One pass over a file for checking: names and arity, handler completeness, unknown effects in rows.
import {
  BUILTIN_CONSTANTS,
  BUILTIN_CONSTRUCTORS,
  BUILTIN_EFFECT_INFO,
  BUILTIN_EFFECTS,
  BUILTIN_FUNCTIONS,
  DURATION_UNITS,
  builtinFunction,
  builtinHandler,
  isBuiltinEffect,
  type BuiltinFunction,
  type BuiltinHandler,
} from './builtins.js';
import { compareDiagnostics, diagnostic, type Diagnostic, type DiagnosticCode, type RelatedInformation } from './diagnostics.js';
import type { EffectKey } from './effect-keys.js';
import {
  paramInfos,
  type ExportItem,
  type ModuleExports,
  type ParamInfo,
} from './module-exports.js';
import type * as A from './syntax/ast.js';
import { bodyBindings, spawnsDirectCall, type Node } from './syntax/visit.js';

/** What a file's analysis needs from the rest of the workspace. */
export interface FileContext {
  /** The file `import a.b` names, seen from this file, if the workspace has it. */
  resolveImport(segments: readonly string[]): string | undefined;
  exportsOf(path: string): ModuleExports | undefined;
}

export interface ResolvedImport {
  readonly decl: A.ImportDecl;
  /** The name the module is bound to (the last segment). */
  readonly name: string;
  readonly target?: string;
}

export interface FileAnalysis {
  readonly path: string;
  readonly imports: readonly ResolvedImport[];
  /** Name resolution and structural diagnostics (not the effect rules that need the whole workspace). */
  readonly diagnostics: readonly Diagnostic[];
}

// ---------------------------------------------------------------- bindings

interface ParamBinding {
  readonly kind: 'parameter';
  /**
   * A function's parameter that may hold a function: untyped, or a function type with a row (a lambda's or a
   * handler's parameter is not).
   */
  readonly callable: boolean;
}

interface LocalBinding {
  readonly kind: 'local';
  /** A function value (a lambda, a function, an effectful built-in) was assigned to it: `a.name()` may call it. */
  callable: boolean;
}

interface LocalFnBinding {
  readonly kind: 'local-function';
  readonly params: readonly ParamInfo[];
}

type Binding = ParamBinding | LocalBinding | LocalFnBinding;

class LexScope {
  readonly names = new Map<string, Binding>();
  constructor(readonly parent: LexScope | undefined) {}

  lookup(name: string): Binding | undefined {
    for (let s: LexScope | undefined = this; s; s = s.parent) {
      const b = s.names.get(name);
      if (b) return b;
    }
    return undefined;
  }
}

/** What a name means at module level. */
type ModuleName =
  | { readonly kind: 'item'; readonly item: ExportItem }
  | { readonly kind: 'module'; readonly imp: ResolvedImport }
  | { readonly kind: 'builtin-function'; readonly fn: BuiltinFunction }
  | { readonly kind: 'builtin-constructor'; readonly name: string; readonly arity: number }
  | { readonly kind: 'builtin-effect'; readonly name: string };

interface Ctx {
  readonly scope: LexScope;
}

/** The parameters of each built-in function, as calls bind them. */
const BUILTIN_PARAMS: ReadonlyMap<BuiltinFunction, { readonly params: readonly ParamInfo[]; readonly variadic: boolean }> = new Map(
  BUILTIN_FUNCTIONS.map(fn => [fn, {
    params: fn.params.filter(p => !p.startsWith('...')).map((p, i) => ({ name: p, optional: i >= fn.required })),
    variadic: fn.params.some(p => p.startsWith('...')),
  }]),
);

const noName = (a: A.Arg): boolean => !a.name;

/** Analyses one lowered file against the exports of the files it imports. Never throws on user input. */
/**
 * What checking one top-level item produced, kept for the next analysis of its file: an edit elsewhere reuses it
 * (the incremental lowering hands back the same item object, its spans moved in place, and the results point at
 * those spans). Valid while `context` (what the item can see of its file and imports) is unchanged.
 */
interface ItemResult {
  readonly context: string;
  readonly first: boolean;
  readonly diagnostics: readonly Diagnostic[];
}

/** What checking items gave, kept by a workspace from one analysis of a file to the next. */
export interface ItemCache {
  /** Results per item object: entries go with the items (an item the lowering replaced is collected). */
  readonly results: WeakMap<A.Item, ItemResult>;
}

export function newItemCache(): ItemCache {
  return { results: new WeakMap() };
}

export interface AnalyzeOptions {
  /** Reuse (and record) the results of items analysed before in the same `context`. */
  readonly items?: {
    readonly cache: ItemCache;
    readonly context: string;
    /** Told of each item analysed (not taken from the cache), and of the top-level statements. */
    readonly analysed?: (item: A.Item | undefined) => void;
  };
}

export function analyzeFile(module: A.Module, own: ModuleExports, ctx: FileContext, options: AnalyzeOptions = {}): FileAnalysis {
  return new FileAnalyzer(module, own, ctx, options.items).run();
}

class FileAnalyzer {
  private readonly path: string;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly imports: ResolvedImport[] = [];
  private readonly moduleNames = new Map<string, ModuleName>();
  /** Field names of the structs this file can see: a method call `a.f()` may call a field. */
  private readonly fieldNames = new Set<string>();

  constructor(
    private readonly module: A.Module, private readonly own: ModuleExports, private readonly ctx: FileContext,
    private readonly itemCache?: AnalyzeOptions['items'],
  ) {
    this.path = module.path;
  }

  run(): FileAnalysis {
    this.bindModule();
    for (const item of this.module.items) this.cachedItem(item);
    if (this.module.statements.length > 0) this.itemCache?.analysed?.(undefined);
    this.program();
    this.diagnostics.sort(compareDiagnostics);
    return {
      path: this.path,
      imports: this.imports,
      diagnostics: this.diagnostics,
    };
  }

  // ---------------------------------------------------------------- helpers

  private report(code: DiagnosticCode, span: A.Span, message: string, related: readonly RelatedInformation[] = []): void {
    this.diagnostics.push(diagnostic(code, this.path, span, message, related));
  }


  // ---------------------------------------------------------------- module level

  private bindModule(): void {
    const seen = new Map<string, A.Ident>();
    for (const item of this.module.items) {
      if (item.kind === 'Import') continue;
      // An enum's variants are names of the module, as its items are.
      for (const ident of item.kind === 'Enum' ? [item.name, ...item.variants.map(v => v.name)] : [item.name]) {
        const name = ident.name;
        if (name === '') continue;
        const first = seen.get(name);
        if (first) {
          this.report('E0105', ident.span, `\`${name}\` is already defined in this file`, [
            { path: this.path, span: first.span, message: `the first definition of \`${name}\`` },
          ]);
        } else {
          seen.set(name, ident);
        }
      }
    }
    for (const item of this.own.items.values()) {
      this.moduleNames.set(item.name, { kind: 'item', item });
      if (item.kind === 'struct') for (const p of item.params) this.fieldNames.add(p.name);
    }
    const importedTypes: ExportItem[] = [];
    for (const item of this.module.items) {
      if (item.kind !== 'Import' || item.path.length === 0) continue;
      const segments = item.path.map(p => p.name);
      const name = segments[segments.length - 1]!;
      const target = this.ctx.resolveImport(segments);
      const imp: ResolvedImport = { decl: item, name, target };
      this.imports.push(imp);
      const exports = target ? this.ctx.exportsOf(target) : undefined;
      const last = item.path[item.path.length - 1]!;
      if (!target) {
        this.report('E0103', { start: item.path[0]!.span.start, end: last.span.end },
          `cannot find module \`${segments.join('.')}\` (looked for ${segments.join('/')}.aria)`);
      }
      const existing = this.moduleNames.get(name);
      if (existing && (existing.kind === 'module' || existing.kind === 'item')) {
        this.report('E0105', last.span, `\`${name}\` is already defined in this file`);
        continue;
      }
      this.moduleNames.set(name, { kind: 'module', imp });
      if (exports) {
        for (const x of exports.items.values()) {
          if (x.kind !== 'function') importedTypes.push(x);
          if (x.kind === 'struct') for (const p of x.params) this.fieldNames.add(p.name);
        }
      }
    }
    // Capitalised items of imported modules (effects, handlers, structs) are visible unqualified, after this file's own.
    for (const x of importedTypes) if (!this.moduleNames.has(x.name)) this.moduleNames.set(x.name, { kind: 'item', item: x });
  }

  private lookupModule(name: string): ModuleName | undefined {
    const found = this.moduleNames.get(name);
    if (found) return found;
    const fn = builtinFunction(name);
    if (fn) return { kind: 'builtin-function', fn };
    const ctor = BUILTIN_CONSTRUCTORS.find(c => c.name === name);
    if (ctor) return { kind: 'builtin-constructor', name, arity: ctor.arity };
    if (isBuiltinEffect(name)) return { kind: 'builtin-effect', name };
    return undefined;
  }

  /** The key of an effect name as written in a row or an operation call, or undefined. */
  private effectKey(name: string): EffectKey | undefined {
    const m = this.moduleNames.get(name);
    if (m?.kind === 'item' && m.item.kind === 'effect') return m.item.key;
    if (isBuiltinEffect(name)) return name;
    return undefined;
  }

  /** Resolves every effect name of a row (rule 1). */
  private row(row: A.EffectRow, owner: string): void {
    for (const e of row.effects) {
      const key = this.effectKey(e.name);
      if (key === undefined) {
        const effects = [...BUILTIN_EFFECTS, ...[...this.moduleNames.values()].flatMap(m => (m.kind === 'item' && m.item.kind === 'effect' ? [m.item.name] : []))];
        const hint = didYouMean(e.name, effects);
        this.report('E0201', e.span, `unknown effect \`${e.name}\` in the row of \`${owner}\`${hint || `: declare it with \`effect ${e.name} { ... }\``}`);
      }
    }
  }

  /** Checks the rows inside a type (function types), recording effect references. */
  private typeRows(t: A.TypeExpr | undefined, owner: string): void {
    if (!t) return;
    switch (t.kind) {
      case 'TypeName':
        return;
      case 'TypeApp':
        for (const a of t.args) this.typeRows(a, owner);
        return;
      case 'FnType':
        for (const p of t.params) this.typeRows(p, owner);
        if (t.effects) this.row(t.effects, owner);
        this.typeRows(t.result, owner);
        return;
      default: {
        const never: never = t;
        return never;
      }
    }
  }

  // ---------------------------------------------------------------- items

  /** Checks an item, or takes what checking it gave before (same item object, same context, same first-ness). */
  private cachedItem(item: A.Item): void {
    const c = this.itemCache;
    if (!c || item.kind === 'Import') {
      this.item(item);
      return;
    }
    const first = this.isFirst(item);
    const kept = c.cache.results.get(item);
    if (kept && kept.context === c.context && kept.first === first) {
      this.diagnostics.push(...kept.diagnostics);
      return;
    }
    const d0 = this.diagnostics.length;
    c.analysed?.(item);
    this.item(item);
    const diagnostics = this.diagnostics.slice(d0);
    // Messages pointing at other items go stale when other items change or move: such items are checked again.
    if (!diagnostics.some(d => d.related.length > 0)) c.cache.results.set(item, { context: c.context, first, diagnostics });
  }

  private item(item: A.Item): void {
    switch (item.kind) {
      case 'Fn':
        this.topFn(item);
        return;
      case 'Effect':
        this.effectDecl(item);
        return;
      case 'Handler':
        this.handlerDecl(item);
        return;
      case 'Struct':
        this.structDecl(item);
        return;
      case 'Enum':
        this.enumDecl(item);
        return;
      case 'Import':
        return;
      default: {
        const never: never = item;
        return never;
      }
    }
  }

  private isFirst(item: A.FnDecl | A.EffectDecl | A.HandlerDecl | A.StructDecl | A.EnumDecl): boolean {
    // By position: the exports may come from an earlier lowering of the same text (ASTs of closed files are let go).
    return this.own.items.get(item.name.name)?.span.start === item.span.start;
  }

  private topFn(fn: A.FnDecl): void {
    this.fnBody(fn, undefined, true);
  }

  /** A function-like body with parameters: a top-level or local function, or a handler operation. */
  private fnBody(fn: A.FnDecl, parentScope: LexScope | undefined, own: boolean, handlerParams?: readonly A.Param[], label = fn.name.name): void {
    if (fn.effects) this.row(fn.effects, label);
    for (const p of fn.params) this.typeRows(p.type, label);
    this.typeRows(fn.returnType, label);
    const scope = new LexScope(parentScope);
    if (handlerParams) this.bindParams(handlerParams, scope, false);
    this.bindParams(fn.params, scope, own);
    const ctx: Ctx = { scope };
    for (const p of fn.params) if (p.default) this.expr(p.default, ctx);
    this.hoist(fn.body.stmts, scope);
    this.block(fn.body, ctx);
  }

  private bindParams(params: readonly A.Param[], scope: LexScope, own: boolean): void {
    const seen = new Set<string>();
    for (const p of params) {
      const name = p.name.name;
      if (name === '') continue;
      if (seen.has(name)) this.report('E0105', p.name.span, `parameter \`${name}\` is declared twice`);
      seen.add(name);
      let callable = p.type === undefined;
      if (p.type?.kind === 'FnType' && p.type.effects) {
        const row = p.type.effects;
        callable = rowVariables(row).length > 0 || row.effects.some(e => this.effectKey(e.name) !== undefined);
      }
      scope.names.set(name, { kind: 'parameter', callable: own && callable });
    }
  }

  private effectDecl(e: A.EffectDecl): void {
    const name = e.name.name;
    if (isBuiltinEffect(name)) {
      this.report('W0203', e.name.span, `\`effect ${name}\` restates the built-in effect \`${name}\`: it is the same effect, with the built-in operations, and the built-in handlers (such as \`${name === 'Cancel' ? 'Cancel.timeout' : 'Async.default'}\`) discharge it`);
    }
    const seen = new Set<string>();
    for (const op of e.ops) {
      const opName = op.name.name;
      if (opName === '') continue;
      if (seen.has(opName)) {
        this.report('E0105', op.name.span, `operation \`${opName}\` is declared twice in \`effect ${name}\``);
        continue;
      }
      seen.add(opName);
      for (const p of op.params) this.typeRows(p.type, `${name}.${opName}`);
      if (op.effects) this.row(op.effects, `${name}.${opName}`);
      this.typeRows(op.returnType, `${name}.${opName}`);
    }
  }

  private structDecl(s: A.StructDecl): void {
    const name = s.name.name;
    const seen = new Set<string>();
    const scope = new LexScope(undefined);
    for (const f of s.fields) {
      if (f.name.name === '') continue;
      if (seen.has(f.name.name)) this.report('E0105', f.name.span, `field \`${f.name.name}\` is declared twice in \`struct ${name}\``);
      seen.add(f.name.name);
      this.typeRows(f.type, name);
      if (f.default) this.expr(f.default, { scope });
    }
  }

  /** An enum declares its name (a type) and its variants (constructors, as structs are) with their fields. */
  private enumDecl(e: A.EnumDecl): void {
    const name = e.name.name;
    for (const v of e.variants) {
      const vname = v.name.name;
      if (vname === '') continue;
      const seen = new Set<string>();
      for (const f of v.fields) {
        if (f.name.name === '') continue;
        if (seen.has(f.name.name)) this.report('E0105', f.name.span, `field \`${f.name.name}\` is declared twice in \`${name}.${vname}\``);
        seen.add(f.name.name);
        this.typeRows(f.type, `${name}.${vname}`);
      }
    }
  }

  /** A variant without fields, which a bare name in a pattern matches instead of binding (`case None =>`). */
  private isNullaryVariant(name: string): boolean {
    const m = this.lookupModule(name);
    if (m?.kind === 'item') return m.item.kind === 'struct' && m.item.variantOf !== undefined && m.item.params.length === 0;
    return m?.kind === 'builtin-constructor' && m.arity === 0;
  }

  private handlerDecl(h: A.HandlerDecl): void {
    const name = h.name.name;
    const handlerScope = new LexScope(undefined);
    if (h.params) {
      this.bindParams(h.params, handlerScope, false);
      for (const p of h.params) this.typeRows(p.type, name);
    }
    // The effect it handles, and its operations.
    let ops: ReadonlyMap<string, { params: readonly ParamInfo[] }> | undefined;
    const effectName = h.effect.name;
    const target = effectName === '' ? undefined : this.moduleNames.get(effectName);
    if (target?.kind === 'item' && target.item.kind === 'effect') {
      ops = target.item.ops;
    } else if (isBuiltinEffect(effectName)) {
      ops = new Map(BUILTIN_EFFECT_INFO[effectName].ops.map(o => [o.name, { params: o.params.map(p => ({ name: p, optional: false })) }]));
    } else if (effectName !== '') {
      this.report('E0208', h.effect.span, `handler \`${name}\` is for \`${effectName}\`, which is not an effect`);
    }
    const seen = new Set<string>();
    for (const op of h.ops) {
      const opName = op.name.name;
      if (opName === '') continue;
      if (seen.has(opName)) {
        this.report('E0105', op.name.span, `operation \`${opName}\` is implemented twice in handler \`${name}\``);
        continue;
      }
      seen.add(opName);
      if (ops) {
        const sig = ops.get(opName);
        if (!sig) {
          this.report('E0209', op.name.span, `handler \`${name}\` implements \`${opName}\`, but effect \`${effectName}\` has no operation \`${opName}\``);
        } else if (sig.params.length !== op.params.length) {
          this.report('E0207', op.name.span, `\`${name}.${opName}\` takes ${plural(op.params.length, 'parameter')}, but \`${effectName}.${opName}\` declares ${sig.params.length}`);
        }
      }
      this.fnBody(op, handlerScope, true, undefined, `${name}.${opName}`);
    }
    if (ops) {
      const missing = [...ops.keys()].filter(o => !seen.has(o));
      if (missing.length) {
        this.report('E0206', h.name.span, `handler \`${name}\` does not implement ${missing.map(m => `\`${effectName}.${m}\``).join(', ')}: a handler must implement every operation of its effect`);
      }
    }
  }

  // ---------------------------------------------------------------- the program

  private program(): void {
    const scope = new LexScope(undefined);
    const ctx: Ctx = { scope };
    this.hoist(this.module.statements, scope);
    for (const s of this.module.statements) this.stmt(s, ctx);
  }

  // ---------------------------------------------------------------- hoisting

  /** Declares the locals a body binds (locals are function-wide: `bodyBindings` has the rule). */
  private hoist(roots: readonly Node[], scope: LexScope): void {
    for (const { ident, site, fn } of bodyBindings(roots, name => this.isNullaryVariant(name))) {
      if (scope.lookup(ident.name)) continue;
      scope.names.set(ident.name, site === 'local-fn' && fn
        ? { kind: 'local-function', params: paramInfos(fn.params) }
        : { kind: 'local', callable: false });
    }
  }

  // ---------------------------------------------------------------- statements

  private block(b: A.Block, ctx: Ctx): void {
    for (const s of b.stmts) this.stmt(s, ctx);
  }

  private stmt(s: A.Stmt, ctx: Ctx): void {
    switch (s.kind) {
      case 'ExprStmt':
        this.expr(s.expr, ctx);
        return;
      case 'Assign': {
        if (s.target.kind === 'Name') {
          const b = ctx.scope.lookup(s.target.name);
          if (this.value(s.value, ctx) && b?.kind === 'local') b.callable = true;
        } else {
          this.expr(s.target, ctx);
          this.expr(s.value, ctx);
        }
        return;
      }
      case 'Return':
        if (s.value) this.expr(s.value, ctx);
        return;
      case 'Break':
      case 'Continue':
        return;
      case 'While':
        this.expr(s.condition, ctx);
        this.block(s.body, ctx);
        return;
      case 'Loop':
        this.block(s.body, ctx);
        return;
      case 'For': {
        this.expr(s.iterable, ctx);
        this.block(s.body, ctx);
        return;
      }
      case 'LocalFn':
        this.fnBody(s.fn, ctx.scope, true);
        return;
      default: {
        const never: never = s;
        return never;
      }
    }
  }

  // ---------------------------------------------------------------- expressions

  private undefinedName(name: string, span: A.Span, ctx: Ctx, what = 'name'): void {
    const visible: string[] = [...this.moduleNames.keys(), ...BUILTIN_FUNCTIONS.map(f => f.name), ...BUILTIN_CONSTRUCTORS.map(c => c.name)];
    for (let sc: LexScope | undefined = ctx.scope; sc; sc = sc.parent) visible.push(...sc.names.keys());
    this.report('E0101', span, `undefined ${what} \`${name}\`${didYouMean(name, visible)}`);
  }

  /** Resolves a name in value position, recording the reference; reports it when undefined. */
  private nameRef(name: string, span: A.Span, ctx: Ctx): Binding | ModuleName | undefined {
    const b = ctx.scope.lookup(name);
    if (b) {
      return b;
    }
    const m = this.lookupModule(name);
    if (m) {
      return m;
    }
    this.undefinedName(name, span, ctx);
    return undefined;
  }

  private expr(e: A.Expr, ctx: Ctx): void {
    switch (e.kind) {
      case 'Name':
        this.nameRef(e.name, e.span, ctx);
        return;
      case 'Int':
      case 'Float':
      case 'Bool':
      case 'Unit':
      case 'Error':
        return;
      case 'String':
        for (const p of e.parts) if (typeof p !== 'string') this.expr(p, ctx);
        return;
      case 'List':
        for (const x of e.elements) this.value(x, ctx);
        return;
      case 'Call':
        this.call(e, ctx);
        return;
      case 'Member':
        this.member(e, ctx);
        return;
      case 'Index':
        this.expr(e.object, ctx);
        this.expr(e.index, ctx);
        return;
      case 'Await':
        this.expr(e.value, ctx);
        return;
      case 'Spawn': {
        if (e.scope) this.expr(e.scope, ctx);
        // A spawned closure (any body but a direct call) binds its own locals, as a lambda does.
        let scope = ctx.scope;
        if (!spawnsDirectCall(e)) {
          scope = new LexScope(ctx.scope);
          this.hoist([e.body], scope);
        }
        this.expr(e.body, { scope });
        return;
      }
      case 'Unary':
        this.expr(e.operand, ctx);
        return;
      case 'Binary':
        this.expr(e.left, ctx);
        this.expr(e.right, ctx);
        return;
      case 'Lambda':
        this.lambda(e, ctx);
        return;
      case 'If':
        for (const br of e.branches) {
          this.expr(br.condition, ctx);
          this.block(br.body, ctx);
        }
        if (e.otherwise) this.block(e.otherwise, ctx);
        return;
      case 'Match':
        this.expr(e.value, ctx);
        for (const arm of e.arms) {
          this.pattern(arm.pattern, ctx);
          if (arm.guard) this.expr(arm.guard, ctx);
          this.block(arm.body, ctx);
        }
        return;
      case 'With':
        this.withExpr(e, ctx);
        return;
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  private pattern(p: A.Pattern, ctx: Ctx): void {
    switch (p.kind) {
      case 'BindPat': {
        return;
      }
      case 'CtorPat': {
        const name = p.name.name;
        const m = name === '' ? undefined : this.lookupModule(name);
        let arity: { min: number; max: number } | undefined;
        if (m?.kind === 'item' && m.item.kind === 'struct') {
          arity = { min: m.item.params.filter(x => !x.optional).length, max: m.item.params.length };
        } else if (m?.kind === 'builtin-constructor') {
          arity = { min: m.arity, max: m.arity };
        }
        if (m && arity) {
          if (p.args.length < arity.min || p.args.length > arity.max) {
            this.report('E0102', p.span, `the pattern \`${name}\` needs ${rangeText(arity.min, arity.max)} ${arity.max === 1 ? 'field' : 'fields'}, but has ${p.args.length}`);
          }
        } else if (name !== '') {
          this.undefinedName(name, p.name.span, ctx, 'constructor');
        }
        for (const a of p.args) this.pattern(a, ctx);
        return;
      }
      case 'ListPat':
        for (const x of p.elements) this.pattern(x, ctx);
        return;
      case 'WildcardPat':
      case 'LiteralPat':
        return;
      default: {
        const never: never = p;
        return never;
      }
    }
  }

  private lambda(e: A.LambdaExpr, ctx: Ctx): void {
    const scope = new LexScope(ctx.scope);
    this.bindParams(e.params, scope, false);
    const inner: Ctx = { scope };
    for (const p of e.params) if (p.default) this.expr(p.default, inner);
    this.hoist(e.body.stmts, scope);
    this.block(e.body, inner);
  }

  /**
   * Walks an expression that may be called later (an argument, a bound value): whether it is a function value (a
   * lambda, a function, an effectful built-in, a parameter or local that may hold one).
   */
  private value(e: A.Expr, ctx: Ctx): boolean {
    if (e.kind === 'Lambda') {
      this.lambda(e, ctx);
      return true;
    }
    if (e.kind === 'Name') {
      const r = this.nameRef(e.name, e.span, ctx);
      return r !== undefined && isCallable(r);
    }
    if (e.kind === 'Member' && e.object.kind === 'Name' && !ctx.scope.lookup(e.object.name)) {
      const m = this.moduleNames.get(e.object.name);
      if (m?.kind === 'module') {
        this.member(e, ctx);
        const x = m.imp.target ? this.ctx.exportsOf(m.imp.target)?.items.get(e.property.name) : undefined;
        return x?.kind === 'function';
      }
    }
    this.expr(e, ctx);
    return false;
  }

  // ---------------------------------------------------------------- calls

  /**
   * Matches arguments to parameters (positional first, then by name), reporting arity and name errors.
   * Returns, for each argument, the index of its parameter.
   */
  private bindArgs(
    call: A.Span, args: readonly A.Arg[], params: readonly ParamInfo[], name: string, kind: '' | 'handler' | 'operation',
    variadic = false, leading = 0, opCode: DiagnosticCode = 'E0102',
  ): (number | undefined)[] {
    // The common case, all positional and a fitting count, without bookkeeping.
    let required = 0;
    for (const p of params) if (!p.optional) required++;
    const count = args.length + leading;
    if (count >= required && (variadic || count <= params.length) && args.every(noName)) {
      const out: (number | undefined)[] = new Array(args.length);
      for (let i = 0; i < args.length; i++) out[i] = i + leading < params.length ? i + leading : undefined;
      return out;
    }
    // What the messages call the callee (made only for a message: the common case above returns before).
    const what = `${kind ? `${kind} ` : ''}\`${name}\``;
    const filled = new Set<number>();
    const out: (number | undefined)[] = [];
    let positional = leading;
    for (let i = 0; i < leading; i++) filled.add(i);
    let tooMany = false;
    for (const a of args) {
      if (a.name) {
        const idx = params.findIndex(p => p.name === a.name!.name);
        if (idx === -1) {
          this.report('E0106', a.name.span, `${what} has no parameter \`${a.name.name}\``);
          out.push(undefined);
        } else if (filled.has(idx)) {
          this.report('E0106', a.name.span, `parameter \`${a.name.name}\` of ${what} is given twice`);
          out.push(undefined);
        } else {
          filled.add(idx);
          out.push(idx);
        }
      } else {
        const idx = positional++;
        if (idx >= params.length && !variadic) {
          tooMany = true;
          out.push(undefined);
        } else {
          filled.add(Math.min(idx, params.length - 1));
          out.push(idx < params.length ? idx : undefined);
        }
      }
    }
    const min = params.filter(p => !p.optional).length;
    const max = params.length;
    const given = args.length + leading;
    const missing = params.map((p, i) => (!p.optional && !filled.has(i) ? p.name : undefined)).filter((x): x is string => x !== undefined);
    if (tooMany || missing.length) {
      const expects = variadic ? `at least ${min}` : rangeText(min, max);
      const detail = missing.length && !tooMany ? ` (missing ${missing.map(m => `\`${m}\``).join(', ')})` : '';
      this.report(opCode, call, `${what} expects ${expects} ${max === 1 && min === 1 && !variadic ? 'argument' : 'arguments'}, but got ${given}${detail}`);
    }
    return out;
  }

  private plainArgs(args: readonly A.Arg[], ctx: Ctx): void {
    for (const a of args) this.value(a.value, ctx);
  }

  private call(e: A.CallExpr, ctx: Ctx): void {
    const callee = e.callee;
    if (callee.kind === 'Name') {
      const r = this.nameRef(callee.name, callee.span, ctx);
      if (!r) {
        this.plainArgs(e.args, ctx);
        return;
      }
      this.callResolved(e, r, callee.name, ctx, 0);
      return;
    }
    if (callee.kind === 'Member') {
      this.methodCall(e, callee, ctx);
      return;
    }
    this.expr(callee, ctx);
    this.plainArgs(e.args, ctx);
  }

  /** A call of something resolved: `lead` is 1 for a uniform method call (its receiver is the first argument). */
  private callResolved(e: A.CallExpr, r: Binding | ModuleName, name: string, ctx: Ctx, lead: number): void {
    switch (r.kind) {
      case 'parameter':
      case 'local':
        this.plainArgs(e.args, ctx);
        return;
      case 'local-function':
        this.bindArgs(e.span, e.args, r.params, name, '', false, lead);
        this.plainArgs(e.args, ctx);
        return;
      case 'item': {
        const item = r.item;
        switch (item.kind) {
          case 'function':
            this.bindArgs(e.span, e.args, item.params, name, '', false, lead);
            this.plainArgs(e.args, ctx);
            return;
          case 'struct':
            this.bindArgs(e.span, e.args, item.params, name, '', false, lead);
            this.plainArgs(e.args, ctx);
            return;
          case 'handler':
            this.bindArgs(e.span, e.args, item.params ?? [], name, 'handler', false, lead);
            this.plainArgs(e.args, ctx);
            return;
          case 'effect':
          case 'enum':
            this.plainArgs(e.args, ctx);
            return;
          default: {
            const never: never = item;
            return never;
          }
        }
      }
      case 'builtin-function': {
        const fn = r.fn;
        const { params, variadic } = BUILTIN_PARAMS.get(fn)!;
        this.bindArgs(e.span, e.args, params, name, '', variadic, lead);
        this.plainArgs(e.args, ctx);
        return;
      }
      case 'builtin-constructor': {
        const params = Array.from({ length: r.arity }, (_, i) => ({ name: `value${i}`, optional: false }));
        this.bindArgs(e.span, e.args, params, name, '', false, lead);
        this.plainArgs(e.args, ctx);
        return;
      }
      case 'module':
      case 'builtin-effect':
        this.plainArgs(e.args, ctx);
        return;
      default: {
        const never: never = r;
        return never;
      }
    }
  }

  private builtinHandlerAt(e: A.MemberExpr, ctx: Ctx): BuiltinHandler | undefined {
    if (e.object.kind !== 'Name' || ctx.scope.lookup(e.object.name)) return undefined;
    return builtinHandler(`${e.object.name}.${e.property.name}`);
  }

  /** `E.op(...)`, `m.f(...)`, `Cancel.timeout(d)` outside a `with`, or the uniform call `a.f(...)`. */
  private methodCall(e: A.CallExpr, callee: A.MemberExpr, ctx: Ctx): void {
    const handler = this.builtinHandlerAt(callee, ctx);
    if (handler) {
      this.builtinHandlerArgs(handler, e, ctx);
      return;
    }
    const obj = callee.object;
    const prop = callee.property;
    if (obj.kind === 'Name' && !ctx.scope.lookup(obj.name)) {
      const effect = this.effectKey(obj.name);
      const m = this.moduleNames.get(obj.name);
      if (effect) {
        this.operationCall(e, obj.name, prop, ctx);
        return;
      }
      if (m?.kind === 'module') {
        const exports = m.imp.target ? this.ctx.exportsOf(m.imp.target) : undefined;
        if (!exports) {
          this.plainArgs(e.args, ctx);
          return;
        }
        const x = exports.items.get(prop.name);
        if (!x) {
          this.report('E0104', prop.span, `module \`${m.imp.name}\` has no item \`${prop.name}\`${didYouMean(prop.name, [...exports.items.keys()])}`);
          this.plainArgs(e.args, ctx);
          return;
        }
        this.callResolved(e, { kind: 'item', item: x }, `${m.imp.name}.${prop.name}`, ctx, 0);
        return;
      }
    }
    // `m.E.op(...)`: an operation of an effect of an imported module.
    if (obj.kind === 'Member' && obj.object.kind === 'Name' && !ctx.scope.lookup(obj.object.name)) {
      const m = this.moduleNames.get(obj.object.name);
      const x = m?.kind === 'module' && m.imp.target ? this.ctx.exportsOf(m.imp.target)?.items.get(obj.property.name) : undefined;
      if (m?.kind === 'module' && x?.kind === 'effect') {
        this.operationCall(e, x.name, prop, ctx, x);
        return;
      }
    }
    // Uniform call: a.f(x) is f(a, x) when f is a function; otherwise a field of `a` may hold something callable.
    const name = prop.name;
    if (name === '') {
      this.expr(obj, ctx);
      this.plainArgs(e.args, ctx);
      return;
    }
    const b = ctx.scope.lookup(name);
    const r: Binding | ModuleName | undefined = b && b.kind !== 'parameter' ? b : this.lookupModule(name);
    const callable = r && (r.kind === 'local-function' || (r.kind === 'local' && r.callable) || r.kind === 'builtin-function'
      || (r.kind === 'item' && r.item.kind === 'function'));
    if (r && callable) {
      this.value(obj, ctx);
      this.callResolved(e, r, name, ctx, 1);
      return;
    }
    this.expr(obj, ctx);
    this.plainArgs(e.args, ctx);
    if (!this.fieldNames.has(name)) {
      const functions = [...BUILTIN_FUNCTIONS.map(f => f.name), ...[...this.moduleNames.values()].flatMap(m => (m.kind === 'item' && m.item.kind === 'function' ? [m.item.name] : []))];
      this.report('E0101', prop.span, `undefined function \`${name}\` (\`a.${name}(...)\` calls \`${name}(a, ...)\` unless a field \`${name}\` holds a function)${didYouMean(name, functions)}`);
    }
  }

  private operationCall(e: A.CallExpr, effectName: string, prop: A.Ident, ctx: Ctx, item?: ExportItem): void {
    const opName = prop.name;
    const m: ModuleName | undefined = item ? { kind: 'item', item } : this.moduleNames.get(effectName);
    let params: readonly ParamInfo[] | undefined;
    if (m?.kind === 'item' && m.item.kind === 'effect') params = m.item.ops.get(opName)?.params;
    // A restated built-in effect is the built-in one: its operations stay callable.
    if (!params && isBuiltinEffect(effectName)) {
      const op = BUILTIN_EFFECT_INFO[effectName].ops.find(o => o.name === opName);
      if (op) {
        params = op.params.map((p, i) => ({ name: p, optional: i >= op.required }));
      }
    }
    if (!params) {
      if (opName !== '') {
        const ops = m?.kind === 'item' && m.item.kind === 'effect' ? [...m.item.ops.keys()] : isBuiltinEffect(effectName) ? BUILTIN_EFFECT_INFO[effectName].ops.map(o => o.name) : [];
        this.report('E0204', prop.span, `effect \`${effectName}\` has no operation \`${opName}\`${didYouMean(opName, ops)}`);
      }
      this.plainArgs(e.args, ctx);
      return;
    }
    this.bindArgs(e.span, e.args, params, `${effectName}.${opName}`, 'operation', false, 0, 'E0205');
    this.plainArgs(e.args, ctx);
  }

  private builtinHandlerArgs(h: BuiltinHandler, call: A.CallExpr | undefined, ctx: Ctx, at?: A.Span): void {
    const what = `\`${h.name}\``;
    if (!call) {
      if ((h.required ?? 0) > 0) this.report('E0102', at!, `${what} expects ${plural(h.required ?? 0, 'argument')}: \`${h.signature}\``);
      return;
    }
    if (!h.params) {
      if (call.args.length) this.report('E0102', call.span, `${what} takes no arguments`);
      this.plainArgs(call.args, ctx);
      return;
    }
    const params = h.params.map((p, i) => ({ name: p, optional: i >= (h.required ?? 0) }));
    this.bindArgs(call.span, call.args, params, h.name, '');
    this.plainArgs(call.args, ctx);
  }

  private member(e: A.MemberExpr, ctx: Ctx): void {
    const obj = e.object;
    const prop = e.property;
    if (obj.kind === 'Int' || obj.kind === 'Float') {
      if (prop.name !== '' && !(prop.name in DURATION_UNITS)) {
        this.report('E0107', prop.span, `unknown duration unit \`${prop.name}\` (use ${Object.keys(DURATION_UNITS).map(u => `\`${u}\``).join(', ')})`);
      }
      return;
    }
    if (obj.kind === 'Name' && !ctx.scope.lookup(obj.name)) {
      const qualified = `${obj.name}.${prop.name}`;
      const constant = BUILTIN_CONSTANTS.find(c => c.name === qualified);
      if (constant) {
        return;
      }
      const handler = builtinHandler(qualified);
      if (handler) {
        return;
      }
      const effect = this.effectKey(obj.name);
      if (effect) {
        const m = this.moduleNames.get(obj.name);
        const op = m?.kind === 'item' && m.item.kind === 'effect' ? m.item.ops.has(prop.name)
          : isBuiltinEffect(obj.name) && BUILTIN_EFFECT_INFO[obj.name].ops.some(o => o.name === prop.name);
        if (!op && prop.name !== '') this.report('E0204', prop.span, `effect \`${obj.name}\` has no operation \`${prop.name}\``);
        return;
      }
      const m = this.moduleNames.get(obj.name);
      if (m?.kind === 'module') {
        const exports = m.imp.target ? this.ctx.exportsOf(m.imp.target) : undefined;
        const x = exports?.items.get(prop.name);
        if (!x && exports && prop.name !== '') this.report('E0104', prop.span, `module \`${m.imp.name}\` has no item \`${prop.name}\``);
        return;
      }
    }
    this.expr(obj, ctx);
  }

  // ---------------------------------------------------------------- with

  private withExpr(e: A.WithExpr, ctx: Ctx): void {
    const h = e.handler;
    const call = h.kind === 'Call' ? h : undefined;
    const target = call ? call.callee : h;
    let handled = false;
    if (target.kind === 'Member') {
      const builtin = this.builtinHandlerAt(target, ctx);
      if (builtin) {
        this.builtinHandlerArgs(builtin, call, ctx, target.span);
        handled = true;
      } else if (target.object.kind === 'Name' && !ctx.scope.lookup(target.object.name)) {
        const m = this.moduleNames.get(target.object.name);
        if (m?.kind === 'module') {
          const x = m.imp.target ? this.ctx.exportsOf(m.imp.target)?.items.get(target.property.name) : undefined;
          if (x) {
            this.userHandler(x, `${m.imp.name}.${x.name}`, call, target.span, ctx);
          } else {
            if (m.imp.target) this.report('E0104', target.property.span, `module \`${m.imp.name}\` has no item \`${target.property.name}\``);
            if (call) this.plainArgs(call.args, ctx);
          }
          handled = true;
        } else if (/^[A-Z]/.test(target.object.name) && !this.effectKey(target.object.name) && !m) {
          this.report('E0210', target.span, `\`${target.object.name}.${target.property.name}\` is not a handler: the built-in handlers are ${builtinHandlerList()}`);
          if (call) this.plainArgs(call.args, ctx);
          handled = true;
        }
      }
    } else if (target.kind === 'Name') {
      const r = this.nameRef(target.name, target.span, ctx);
      handled = true;
      if (r?.kind === 'item') {
        this.userHandler(r.item, target.name, call, target.span, ctx);
      } else if (r && r.kind !== 'local' && r.kind !== 'parameter' && r.kind !== 'local-function') {
        this.report('E0210', target.span, `\`${target.name}\` is not a handler: \`with\` needs a handler such as ${builtinHandlerList()} or a \`handler ... for ...\` of this workspace`);
        if (call) this.plainArgs(call.args, ctx);
      } else if (call) {
        this.plainArgs(call.args, ctx);
      }
    }
    if (!handled) this.expr(h, ctx);
    this.block(e.body, ctx);
  }

  /** `with H(args)` for a user handler item: checks it is a handler, and its arguments. */
  private userHandler(x: ExportItem, label: string, call: A.CallExpr | undefined, at: A.Span, ctx: Ctx): void {
    if (x.kind !== 'handler') {
      this.report('E0210', at, `\`${label}\` is ${x.kind === 'effect' ? 'an effect' : x.kind === 'struct' ? 'a struct' : 'a function'}, not a handler: \`with\` needs a handler such as ${builtinHandlerList()} or a \`handler ... for ...\``);
      if (call) this.plainArgs(call.args, ctx);
      return;
    }
    const params = x.params ?? [];
    if (call) {
      if (!x.params && call.args.length) this.report('E0102', call.span, `handler \`${label}\` takes no arguments`);
      else this.bindArgs(call.span, call.args, params, label, 'handler');
      this.plainArgs(call.args, ctx);
    } else if (params.some(p => !p.optional)) {
      this.report('E0102', at, `handler \`${label}\` expects ${plural(params.filter(p => !p.optional).length, 'argument')}: \`${x.detail}\``);
    }
  }
}

/** Whether a name may hold a function value (see `value`). */
function isCallable(r: Binding | ModuleName): boolean {
  switch (r.kind) {
    case 'parameter':
    case 'local':
      return r.callable;
    case 'local-function':
      return true;
    case 'item':
      return r.item.kind === 'function';
    case 'builtin-function':
      return r.fn.effects.length > 0;
    default:
      return false;
  }
}

function rowVariables(row: A.EffectRow): string[] {
  return [...row.variables.map(v => v.name), ...(row.tail ? [row.tail.name] : [])];
}

/** `; did you mean \`helper\`?` for a close name (edit distance at most 2, and less than the name's length). */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Math.min(3, name.length);
  for (const c of candidates) {
    if (c === name || Math.abs(c.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, c, bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best ? `; did you mean \`${best}\`?` : '';
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]!);
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return prev[b.length]!;
}

function rangeText(min: number, max: number): string {
  return min === max ? `${min}` : `${min} to ${max}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function builtinHandlerList(): string {
  return '`Async.default`, `Runtime.multi_threaded(...)`, `Cancel.timeout(d)`';
}
