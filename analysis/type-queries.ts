// Queries over the static types: the type at an offset, inferred-type hints, members after `.`, the uses of a field or constructor, and where a type is declared.
import type { Location } from './symbols.js';
import type { Span } from './syntax/ast.js';
import type * as A from './syntax/ast.js';
import type { Member, ProgramTypes, TypedSpan } from './typing/checker.js';

/** What the type queries read of a workspace besides the types. */
export interface TypeHost {
  /** The AST of a file the workspace holds. */
  module(path: string): A.Module | undefined;
  text(path: string): string | undefined;
}

/** A struct field or an enum constructor, and every place that names it. */
export interface FieldReferences {
  readonly kind: 'field' | 'variant';
  /** `path#Name` of the struct or enum. */
  readonly struct: string;
  readonly field: string;
  readonly declaration?: Location;
  readonly locations: Location[];
  /** Accesses of a field of that name whose struct is not known (E0306): a rename would miss them. */
  readonly unresolved: Location[];
}

/** An inferred type the source leaves out, rendered for an inlay hint or a quick fix. */
export interface TypeHintAt {
  readonly kind: 'binding' | 'parameter' | 'return';
  readonly offset: number;
  readonly span: Span;
  readonly label: string;
}

/** The type at an offset, rendered. */
export interface TypeAt {
  readonly span: Span;
  readonly type: string;
  /** A row-polymorphic callee's row variables at this call: `e = {IO}`. */
  readonly rows: readonly { readonly name: string; readonly row: string }[];
  readonly kind: TypedSpan['kind'];
  /** The struct or enum the type names, if declared in the workspace. */
  readonly declaration?: { readonly path: string; readonly name: string };
}

/**
 * The static type at an offset: of the innermost name, binding, call or lambda there, rendered (`(Int) -> {IO}
 * Unit`); a top-level function's name shows its scheme. `rows` says what a polymorphic callee's row variables
 * are at this call (`e = {IO}`).
 */
export function typeAt(types: ProgramTypes, host: TypeHost, key: string, offset: number): TypeAt | undefined {
  const spans = types.spans.get(key)?.at(offset);
  if (!spans) return undefined;
  let best: TypedSpan | undefined;
  const rank = (t: TypedSpan) => (t.kind === 'binding' || t.kind === 'use' ? 0 : t.kind === 'lambda' ? 1 : 2);
  const rows: { name: string; row: string }[] = [];
  for (const t of spans) {
    if (offset < t.span.start || offset > t.span.end) continue;
    if (t.rows) continue;
    const size = t.span.end - t.span.start;
    const bestSize = best ? best.span.end - best.span.start : Infinity;
    if (!best || size < bestSize || (size === bestSize && rank(t) < rank(best))) best = t;
  }
  if (!best) return undefined;
  for (const t of spans) {
    if (!t.rows || t.kind === 'body' || t.kind === 'with' || t.span.start !== best.span.start || t.span.end !== best.span.end) continue;
    for (const r of t.rows) rows.push({ name: r.name, row: types.showRow(r.row) });
  }
  const module = host.module(key);
  const fn = module?.items.find(i => i.kind === 'Fn' && i.name.span.start === best!.span.start && best!.kind === 'binding');
  const scheme = fn && fn.kind === 'Fn' ? types.schemes.get(`${key}#${fn.name.name}`) : undefined;
  const text = scheme ? types.showScheme(scheme) : types.show(best.type);
  const declaration = types.typeDeclaration(best.type);
  return { span: best.span, type: text, rows, kind: best.kind, declaration };
}

/**
 * Inferred types the source leaves out, rendered: `: Int` after a local's first binding and after an untyped
 * parameter, `-> {IO} Int` after the parameter list of a function with neither row nor return type.
 */
export function typeHints(types: ProgramTypes, host: TypeHost, key: string, range?: { readonly start: number; readonly end: number }): TypeHintAt[] {
  const records = types.hints.get(key);
  const hints = range ? records?.between(range.start, range.end) : records?.all();
  if (!hints) return [];
  const text = host.text(key) ?? '';
  return hints.map(h => {
    const scheme = h.scheme ? types.schemes.get(h.scheme) : undefined;
    const show = (t: Parameters<ProgramTypes['show']>[0]) => (scheme ? types.showIn(scheme, t) : types.show(t));
    const row = h.row ? (scheme ? types.showIn(scheme, h.row) : types.showRow(h.row)) : undefined;
    // A return type goes after the parameter list's `)`.
    const offset = h.kind === 'return' ? closingParen(text, h.offset) : h.offset;
    return { kind: h.kind, offset, span: h.span, label: h.kind === 'return' ? `-> ${row ? `${row} ` : ''}${show(h.type)}` : `: ${show(h.type)}` };
  });
}

/** What `receiver.` offers, the receiver being the expression that ends at `dot` (the offset of the `.`). */
export function membersAt(types: ProgramTypes, key: string, dot: number): readonly Member[] {
  const spans = types.spans.get(key)?.at(dot);
  if (!spans) return [];
  let best: TypedSpan | undefined;
  for (const t of spans) {
    if (t.rows || t.span.end !== dot) continue;
    if (!best || t.span.start < best.span.start) best = t;
  }
  return best ? types.membersOf(key, best.type) : [];
}

/**
 * The struct field named at an offset (in its declaration, an access `value.field`, or a constructor's named
 * argument), or the enum constructor (its declaration, a call, a value, a pattern), and every place that names
 * it, by the static types: another struct's field or another enum's constructor of the same name is left alone. `unresolved`: accesses of a field of that name whose struct is not known (E0306),
 * which a rename would miss.
 */
export function fieldReferences(types: ProgramTypes, host: TypeHost, p: string, offset: number): FieldReferences | undefined {
  const module = host.module(p);
  if (!module) return undefined;
  const within = (span: Span) => span.start <= offset && offset <= span.end;
  let target: { kind: 'field' | 'variant'; struct: string; field: string } | undefined;
  for (const item of module.items) {
    if (item.kind === 'Struct') {
      const field = item.fields.find(x => within(x.name.span));
      if (field) target = { kind: 'field', struct: `${p}#${item.name.name}`, field: field.name.name };
    } else if (item.kind === 'Enum') {
      const variant = item.variants.find(v => within(v.name.span));
      if (variant) target = { kind: 'variant', struct: `${p}#${item.name.name}`, field: variant.name.name };
    }
  }
  target ??= types.fieldUses.get(p)?.at(offset).find(u => within(u.span));
  if (!target) return undefined;
  const { kind, struct, field } = target;
  const hash = struct.lastIndexOf('#');
  const declPath = struct.slice(0, hash);
  const decl = host.module(declPath)?.items.find(i => (i.kind === 'Struct' || i.kind === 'Enum') && i.name.name === struct.slice(hash + 1));
  const locations: Location[] = [];
  let declaration: Location | undefined;
  const declared = decl?.kind === 'Struct' && kind === 'field' ? decl.fields.find(x => x.name.name === field)
    : decl?.kind === 'Enum' && kind === 'variant' ? decl.variants.find(x => x.name.name === field) : undefined;
  if (declared) locations.push((declaration = { path: declPath, span: declared.name.span }));
  for (const [where, uses] of types.fieldUses) {
    for (const u of uses.all()) if (u.kind === kind && u.struct === struct && u.field === field) locations.push({ path: where, span: u.span });
  }
  const unresolved: Location[] = [];
  for (const [where, ds] of types.diagnostics) {
    const text = host.text(where) ?? '';
    for (const d of ds) if (kind === 'field' && d.code === 'E0306' && text.slice(d.span.start, d.span.end) === field) unresolved.push({ path: where, span: d.span });
  }
  const key = (l: Location) => `${l.path}\n${l.span.start}`;
  const unique = [...new Map(locations.map(l => [key(l), l])).values()];
  unique.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : x.span.start - y.span.start));
  return { kind, struct, field, locations: unique, unresolved, ...(declaration ? { declaration } : {}) };
}

/** Where the struct or enum of the type at an offset is declared (Go to Type Definition). */
export function typeDefinition(types: ProgramTypes, host: TypeHost, key: string, offset: number): Location[] {
  const decl = typeAt(types, host, key, offset)?.declaration;
  if (!decl) return [];
  const module = host.module(decl.path);
  const item = module?.items.find(i => i.kind !== 'Import' && i.name.name === decl.name);
  return item && item.kind !== 'Import' ? [{ path: decl.path, span: item.name.span }] : [];
}

/** The offset just after the `)` that closes a parameter list, searching from `from`. */
function closingParen(text: string, from: number): number {
  const i = text.indexOf(')', from);
  return i < 0 ? from : i + 1;
}
