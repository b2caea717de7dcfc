// Navigation queries over the name model: what a name stands for across files, where it is used, and how a symbol is described.
import { BUILTIN_CONSTANTS, BUILTIN_CONSTRUCTORS, BUILTIN_EFFECT_INFO, BUILTIN_FUNCTIONS, BUILTIN_HANDLERS, isBuiltinEffect } from './builtins.js';
import { enumDetail, fnSignature, paramsText, typeText, variantDetail } from './module-exports.js';
import { BUILTIN_TYPES, type AriaSymbol, type FileIndex, type Reference, type Target } from './names.js';
import type { SymbolInfo, SymbolKind } from './symbols.js';
import type * as A from './syntax/ast.js';

/** What the navigation queries read of a workspace. */
export interface NameHost {
  /** The name model of a file the workspace holds (undefined for one it does not). */
  names(path: string): FileIndex | undefined;
  /** The file `import a.b` in `from` names, if it exists. */
  importTarget(from: string, segments: readonly string[]): string | undefined;
  /** The text of a file, to skip files that never spell a name. */
  text(path: string): string | undefined;
}

/** A declaration of some file. */
export interface Declared {
  readonly path: string;
  readonly symbol: AriaSymbol;
}

/** The files `path` imports, as its imports resolve. */
function importsOf(host: NameHost, path: string): string[] {
  const out: string[] = [];
  for (const symbol of host.names(path)?.symbols ?? []) {
    if (symbol.kind !== 'module' || !symbol.importPath) continue;
    const target = host.importTarget(path, symbol.importPath);
    if (target) out.push(target);
  }
  return out;
}

/** A top-level declaration named `name` in a file that `from` imports, directly or not (nearest first). */
function findGlobal(host: NameHost, name: string, from: string, accept: (s: AriaSymbol) => boolean): Declared | undefined {
  const seen = new Set<string>([from]);
  const queue = importsOf(host, from);
  for (let i = 0; i < queue.length; i++) {
    const path = queue[i]!;
    if (seen.has(path)) continue;
    seen.add(path);
    const symbol = host.names(path)?.symbols.find(s => !s.local && !s.container && s.name === name && accept(s));
    if (symbol) return { path, symbol };
    queue.push(...importsOf(host, path));
  }
  return undefined;
}

/** The declaration a target stands for, following imports; undefined for built-ins and names nothing declares. */
export function resolveTarget(host: NameHost, target: Target, from: string): Declared | undefined {
  switch (target.kind) {
    case 'symbol':
      return { path: target.symbol.path, symbol: target.symbol };
    case 'builtin':
      return undefined;
    case 'external': {
      const path = host.importTarget(from, target.importPath);
      const symbol = path === undefined ? undefined : host.names(path)?.symbols.find(s =>
        !s.local && s.name === target.name && s.kind !== 'operation' && s.kind !== 'field' && s.kind !== 'handler-operation');
      return path !== undefined && symbol ? { path, symbol } : undefined;
    }
    case 'external-op': {
      const effect = findGlobal(host, target.effect, from, s => s.kind === 'effect');
      const op = effect && host.names(effect.path)?.symbols.find(s => s.kind === 'operation' && s.container === effect.symbol && s.name === target.name);
      return effect && op ? { path: effect.path, symbol: op } : undefined;
    }
    case 'global':
      return findGlobal(host, target.name, from, s => (target.as === 'effect' ? s.kind === 'effect'
        : target.as === 'type' ? s.kind === 'struct' || s.kind === 'enum' || s.kind === 'effect' : s.kind !== 'module'));
    default: {
      const never: never = target;
      return never;
    }
  }
}

/** The reference at `offset` (references do not nest, but spans touch: the last one starting at or before it). */
export function referenceAtOffset(index: FileIndex, offset: number): Reference | undefined {
  const refs = index.references;
  let lo = 0;
  let hi = refs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (refs[mid]!.span.start <= offset) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0 && i >= lo - 4; i--) {
    const ref = refs[i]!;
    if (ref.span.start <= offset && offset <= ref.span.end) return ref;
  }
  return undefined;
}

/** What the name at `offset` stands for: the reference, its target, and the declaration when one exists. */
export function targetAt(host: NameHost, path: string, offset: number): { ref: Reference; target: Target; decl?: Declared } | undefined {
  const index = host.names(path);
  const ref = index && referenceAtOffset(index, offset);
  if (!ref) return undefined;
  let target = ref.target;
  // A handler's operation stands for the effect operation it implements.
  if (target.kind === 'symbol' && target.symbol.kind === 'handler-operation' && target.symbol.implements) {
    target = { kind: 'symbol', symbol: target.symbol.implements };
  }
  const decl = resolveTarget(host, target, path);
  return { ref, target: decl ? { kind: 'symbol', symbol: decl.symbol } : target, decl };
}

/** The references in the file at `path` to the declaration `decl` (its declaration included). */
export function referencesIn(host: NameHost, path: string, decl: Declared): Reference[] {
  if (decl.symbol.local && path !== decl.path) return [];
  // Most files never spell the name: they are skipped without building their name model.
  if (path !== decl.path && !host.text(path)?.includes(decl.symbol.name)) return [];
  const out: Reference[] = [];
  for (const ref of host.names(path)?.references ?? []) {
    const t = ref.target;
    if (t.kind === 'symbol' ? sameDeclaration(t.symbol, decl.symbol)
      : path !== decl.path && mayName(t, decl.symbol) && sameDeclaration(resolveTarget(host, t, path)?.symbol, decl.symbol)) {
      out.push(ref);
    }
  }
  return out;
}

/**
 * One declaration, whether or not the two come from one build of the name model (a closed file's model is made
 * again after its AST was let go).
 */
export function sameDeclaration(a: AriaSymbol | undefined, b: AriaSymbol): boolean {
  return a === b || (a !== undefined && a.path === b.path && a.nameSpan.start === b.nameSpan.start && a.kind === b.kind && a.name === b.name);
}

/** A cheap filter before resolving a cross-file target. */
function mayName(target: Target, symbol: AriaSymbol): boolean {
  return (target.kind === 'external' || target.kind === 'external-op' || target.kind === 'global') && target.name === symbol.name;
}

// ---------------------------------------------------------------- descriptions

/** The stable id of a declaration within a revision: its file and the offset of its name. */
export function declarationId(symbol: AriaSymbol): string {
  return `${symbol.path}#@${symbol.nameSpan.start}`;
}

/** The declaration an id (from `declarationId`) names. */
export function declarationOfId(host: NameHost, id: string): Declared | undefined {
  const at = id.lastIndexOf('#@');
  if (at < 0) return undefined;
  const path = id.slice(0, at);
  const index = host.names(path);
  const symbol = index && symbolsByStart(index).get(Number(id.slice(at + 2)));
  return symbol ? { path, symbol } : undefined;
}

/** A file's declarations by the offset of their name (the first one there), made once per model. */
const byStart = new WeakMap<FileIndex, Map<number, AriaSymbol>>();

function symbolsByStart(index: FileIndex): Map<number, AriaSymbol> {
  let map = byStart.get(index);
  if (!map) {
    map = new Map();
    for (const s of index.symbols) if (!map.has(s.nameSpan.start)) map.set(s.nameSpan.start, s);
    byStart.set(index, map);
  }
  return map;
}

function kindOf(symbol: AriaSymbol): SymbolKind {
  switch (symbol.kind) {
    case 'function':
      return symbol.local ? 'local-function' : 'function';
    case 'variable':
      return 'local';
    case 'struct':
      return symbol.container?.kind === 'enum' ? 'variant' : 'struct';
    default:
      return symbol.kind;
  }
}

function detailOf(symbol: AriaSymbol): string {
  const decl = symbol.decl;
  const name = symbol.name;
  switch (symbol.kind) {
    case 'function':
      return fnSignature(decl as A.FnDecl);
    case 'operation':
    case 'handler-operation':
      return fnSignature(decl as A.FnDecl | A.OpSig, `${symbol.container?.name ?? ''}.`);
    case 'effect':
      return `effect ${name}`;
    case 'handler': {
      const h = decl as A.HandlerDecl;
      return `handler ${name}${h.params ? `(${paramsText(h.params)})` : ''} for ${h.effect.name}`;
    }
    case 'struct': {
      const s = decl as A.StructDecl;
      return symbol.container?.kind === 'enum'
        ? variantDetail(symbol.container.name, s)
        : `struct ${name}(${paramsText(s.fields)})`;
    }
    case 'enum':
      return enumDetail(decl as A.EnumDecl);
    case 'field': {
      const f = decl as A.Param | undefined;
      return `(field) ${name}${f?.type ? `: ${typeText(f.type)}` : ''}`;
    }
    case 'parameter': {
      const p = decl as A.Param | undefined;
      return `(parameter) ${name}${p?.type ? `: ${typeText(p.type)}` : ''}`;
    }
    case 'variable':
      return `(local) ${name}`;
    case 'module':
      return `import ${symbol.importPath?.join('.') ?? name}`;
    case 'type-parameter':
      return `(type parameter) ${name}`;
    case 'row-variable':
      return `(row variable) ${name}`;
    default: {
      const never: never = symbol.kind;
      return never;
    }
  }
}

/** How a declaration is shown: kind, one-line signature, documentation. */
export function describe(symbol: AriaSymbol): SymbolInfo {
  return {
    id: declarationId(symbol), kind: kindOf(symbol), name: symbol.name, path: symbol.path, nameSpan: symbol.nameSpan,
    span: symbol.span, detail: detailOf(symbol), doc: symbol.doc, container: symbol.container?.name,
  };
}

/** The id of a built-in: `builtin:fn:print`, `builtin:op:Cancel.check`, ... */
export function builtinId(what: string, name: string): string {
  return `builtin:${what}:${name}`;
}

const BUILTIN_KIND: Record<string, string> = {
  function: 'fn', effect: 'effect', operation: 'op', handler: 'handler', constructor: 'ctor', constant: 'const', type: 'type',
};

/** How a built-in target is shown. */
export function describeBuiltin(target: Target & { kind: 'builtin' }): SymbolInfo | undefined {
  return builtinSymbol(builtinId(BUILTIN_KIND[target.what]!, target.name));
}

/** The description of a built-in by id (undefined for an id no built-in has). */
export function builtinSymbol(id: string): SymbolInfo | undefined {
  const [, kind, name] = id.split(':') as [string, string, string];
  switch (kind) {
    case 'fn': {
      const fn = BUILTIN_FUNCTIONS.find(f => f.name === name);
      return fn && { id, kind: 'builtin-function', name, detail: fn.signature, doc: fn.doc };
    }
    case 'effect':
      if (isBuiltinEffect(name)) return { id, kind: 'builtin-effect', name, detail: `effect ${name} (built-in)`, doc: BUILTIN_EFFECT_INFO[name].doc };
      // A namespace of built-in handlers and constants (`Runtime`, `CPU`).
      return [...BUILTIN_HANDLERS, ...BUILTIN_CONSTANTS].some(x => x.name.startsWith(`${name}.`))
        ? { id, kind: 'builtin-handler', name, detail: `${name} (built-in handlers)` } : undefined;
    case 'handler': {
      const h = BUILTIN_HANDLERS.find(x => x.name === name);
      return h && { id, kind: 'builtin-handler', name, detail: `${h.signature} (discharges ${h.discharges.length ? h.discharges.join(', ') : 'nothing'})`, doc: h.doc };
    }
    case 'ctor': {
      const c = BUILTIN_CONSTRUCTORS.find(x => x.name === name);
      return c && { id, kind: 'builtin-constructor', name, detail: `${name}(${c.arity ? 'value' : ''})`, doc: c.doc };
    }
    case 'const': {
      const c = BUILTIN_CONSTANTS.find(x => x.name === name);
      return c && { id, kind: 'builtin-constant', name, detail: `${name} = ${c.value}`, doc: c.doc };
    }
    case 'op': {
      const [effect, op] = name.split('.') as [string, string];
      const info = isBuiltinEffect(effect) ? BUILTIN_EFFECT_INFO[effect].ops.find(o => o.name === op) : undefined;
      return info && { id, kind: 'builtin-operation', name: op, detail: info.signature, doc: info.doc, container: effect };
    }
    case 'type':
      return BUILTIN_TYPES.has(name) ? { id, kind: 'builtin-type', name, detail: `type ${name} (built-in)` } : undefined;
    default:
      return undefined;
  }
}
