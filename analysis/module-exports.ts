// The items a file offers to its importers (and to itself): names, kinds, parameters, effect keys, node ids.
import { isBuiltinEffect } from './builtins.js';
import type { EffectKey, FnId } from './effect-keys.js';
import type * as A from './syntax/ast.js';

export interface ParamInfo {
  readonly name: string;
  readonly optional: boolean;
}

export interface OpInfo {
  readonly name: string;
  readonly params: readonly ParamInfo[];
  readonly nameSpan: A.Span;
  readonly span: A.Span;
  readonly detail: string;
  readonly doc?: string;
}

export type ExportItem =
  | {
    readonly kind: 'function';
    readonly name: string;
    readonly id: FnId;
    readonly params: readonly ParamInfo[];
    /** The declaration's name and whole span (not the declaration: exports outlive the AST they come from). */
    readonly nameSpan: A.Span;
    readonly span: A.Span;
    readonly detail: string;
  }
  | {
    readonly kind: 'effect';
    readonly name: string;
    readonly id: string;
    readonly key: EffectKey;
    readonly ops: ReadonlyMap<string, OpInfo>;
    /** The declaration's name and whole span (not the declaration: exports outlive the AST they come from). */
    readonly nameSpan: A.Span;
    readonly span: A.Span;
    readonly detail: string;
  }
  | {
    readonly kind: 'handler';
    readonly name: string;
    readonly id: FnId;
    readonly effect: string;
    /** Absent when the handler has no parameter list. */
    readonly params?: readonly ParamInfo[];
    /** The declaration's name and whole span (not the declaration: exports outlive the AST they come from). */
    readonly nameSpan: A.Span;
    readonly span: A.Span;
    readonly detail: string;
  }
  | {
    /** A struct, or a variant of an enum (a constructor like a struct's, named at the module level). */
    readonly kind: 'struct';
    readonly name: string;
    readonly id: string;
    readonly params: readonly ParamInfo[];
    /** The declaration's name and whole span (not the declaration: exports outlive the AST they come from). */
    readonly nameSpan: A.Span;
    readonly span: A.Span;
    readonly detail: string;
    /** For a variant: the enum it belongs to. */
    readonly variantOf?: string;
  }
  | {
    /** An enum's name: a type (its variants are exported as constructors of their own). */
    readonly kind: 'enum';
    readonly name: string;
    readonly id: string;
    readonly variants: readonly string[];
    /** The declaration's name and whole span (not the declaration: exports outlive the AST they come from). */
    readonly nameSpan: A.Span;
    readonly span: A.Span;
    readonly detail: string;
  };

export interface ModuleExports {
  readonly path: string;
  /** The first item of each name (later duplicates are reported by the file's own analysis). */
  readonly items: ReadonlyMap<string, ExportItem>;
  /** Changes exactly when what importers can see changes (names, kinds, parameters, operations); spans excluded. */
  readonly signature: string;
}

export function functionId(path: string, name: string): FnId {
  return `${path}#fn:${name}`;
}

export function handlerId(path: string, name: string): FnId {
  return `${path}#handler:${name}`;
}

export function handlerOpId(path: string, handler: string, op: string): FnId {
  return `${path}#handler:${handler}.${op}`;
}

/** A user effect named like a built-in one is the built-in effect (its declaration only restates the operations). */
export function userEffectKey(path: string, name: string): EffectKey {
  return isBuiltinEffect(name) ? name : `${path}#${name}`;
}

export function paramInfos(params: readonly A.Param[]): ParamInfo[] {
  return params.map(p => ({ name: p.name.name, optional: p.default !== undefined }));
}

export function typeText(t: A.TypeExpr): string {
  switch (t.kind) {
    case 'TypeName':
      return t.name;
    case 'TypeApp':
      return `${t.name.name}[${t.args.map(typeText).join(', ')}]`;
    case 'FnType':
      return `(${t.params.map(typeText).join(', ')}) -> ${t.effects ? `${rowText(t.effects)} ` : ''}${typeText(t.result)}`;
    default: {
      const never: never = t;
      return String(never);
    }
  }
}

/** A row in the brace spelling, whichever spelling the source used. */
export function rowText(row: A.EffectRow): string {
  const entries = [...row.effects, ...row.variables].sort((a, b) => a.span.start - b.span.start).map(e => e.name);
  return `{${entries.join(', ')}${row.tail ? `${entries.length ? ' ' : ''}| ${row.tail.name}` : ''}}`;
}

export function paramsText(params: readonly A.Param[]): string {
  return params.map(p => `${p.name.name}${p.type ? `: ${typeText(p.type)}` : ''}${p.default ? ' = …' : ''}`).join(', ');
}

export function fnSignature(fn: A.FnDecl | A.OpSig, prefix = ''): string {
  const tps = fn.typeParams.length ? `[${fn.typeParams.map(t => t.name).join(', ')}]` : '';
  const ret = fn.effects || fn.returnType
    ? ` -> ${fn.effects ? rowText(fn.effects) : ''}${fn.effects && fn.returnType ? ' ' : ''}${fn.returnType ? typeText(fn.returnType) : ''}`
    : '';
  return `fn ${prefix}${fn.name.name}${tps}(${paramsText(fn.params)})${ret}`;
}

/**
 * What each item exports, made once per item object: after an edit the incremental lowering hands back the items
 * it did not touch, and their export entries (whose spans are the items' own) stand as they are.
 */
const exported = new WeakMap<A.Item, { readonly path: string; readonly entries: readonly ExportItem[]; readonly sig: string }>();

/**
 * What a module exports. With `remember` (a file being edited), each item's entry is kept for the item object, so
 * that the next version of the file reuses the entries of the items the incremental lowering kept; a file checked
 * once has no next version, and skips the bookkeeping.
 */
export function moduleExports(module: A.Module, remember = true): ModuleExports {
  const path = module.path;
  const items = new Map<string, ExportItem>();
  const sig: string[] = [];
  for (const item of module.items) {
    if (item.kind === 'Import' || item.name.name === '' || items.has(item.name.name)) continue;
    const known = exported.get(item);
    if (known && known.path === path) {
      // An enum's variants may have been shadowed by earlier items then, or be now.
      for (const entry of known.entries) if (!items.has(entry.name)) items.set(entry.name, entry);
      sig.push(known.sig);
      continue;
    }
    const before = sig.length;
    const added = exportItem(path, item, items, sig);
    if (remember && sig.length === before + 1) exported.set(item, { path, entries: added, sig: sig[before]! });
  }
  return { path, items, signature: sig.join(';') };
}

/** Adds what `item` exports to `items` (the first of each name wins) and its part of the signature; returns its entries. */
function exportItem(path: string, item: Exclude<A.Item, A.ImportDecl>, items: Map<string, ExportItem>, sig: string[]): ExportItem[] {
  {
    const name = item.name.name;
    switch (item.kind) {
      case 'Fn': {
        const params = paramInfos(item.params);
        items.set(name, { kind: 'function', name, id: functionId(path, name), params, nameSpan: item.name.span, span: item.span, detail: fnSignature(item) });
        sig.push(`f ${name}(${params.map(p => p.name + (p.optional ? '?' : '')).join(',')})`);
        break;
      }
      case 'Effect': {
        const ops = new Map<string, OpInfo>();
        for (const op of item.ops) {
          if (ops.has(op.name.name) || op.name.name === '') continue;
          ops.set(op.name.name, {
            name: op.name.name, params: paramInfos(op.params), nameSpan: op.name.span, span: op.span,
            detail: fnSignature(op, `${name}.`), doc: op.doc,
          });
        }
        items.set(name, {
          kind: 'effect', name, id: `${path}#effect:${name}`, key: userEffectKey(path, name), ops, nameSpan: item.name.span, span: item.span,
          detail: `effect ${name}`,
        });
        sig.push(`e ${name}{${[...ops.values()].map(o => `${o.name}/${o.params.length}`).join(',')}}`);
        break;
      }
      case 'Handler': {
        const params = item.params ? paramInfos(item.params) : undefined;
        items.set(name, {
          kind: 'handler', name, id: handlerId(path, name), effect: item.effect.name, params, nameSpan: item.name.span, span: item.span,
          detail: `handler ${name}${item.params ? `(${paramsText(item.params)})` : ''} for ${item.effect.name}`,
        });
        sig.push(`h ${name}(${params ? params.map(p => p.name + (p.optional ? '?' : '')).join(',') : '-'}) ${item.effect.name}`);
        break;
      }
      case 'Struct': {
        const params = paramInfos(item.fields);
        items.set(name, {
          kind: 'struct', name, id: `${path}#struct:${name}`, params, nameSpan: item.name.span, span: item.span,
          detail: `struct ${name}(${paramsText(item.fields)})`,
        });
        sig.push(`s ${name}(${params.map(p => p.name + (p.optional ? '?' : '')).join(',')})`);
        break;
      }
      case 'Enum': {
        const entries: ExportItem[] = [];
        const variants = item.variants.filter(v => v.name.name !== '');
        entries.push({
          kind: 'enum', name, id: enumId(path, name), variants: variants.map(v => v.name.name), nameSpan: item.name.span, span: item.span,
          detail: enumDetail(item),
        });
        for (const v of variants) {
          entries.push({
            kind: 'struct', name: v.name.name, id: variantId(path, name, v.name.name), params: paramInfos(v.fields),
            nameSpan: v.name.span, span: v.span, detail: variantDetail(name, v), variantOf: name,
          });
        }
        const added = entries.filter(e => !items.has(e.name));
        for (const e of added) items.set(e.name, e);
        sig.push(`n ${name}{${variants.map(v => `${v.name.name}(${v.fields.map(f => f.name.name + (f.default ? '?' : '')).join(',')})`).join(',')}}`);
        return added;
      }
      default: {
        const never: never = item;
        return never;
      }
    }
    return [items.get(name)!];
  }
}

/** The symbol kind of an exported item: a struct entry that is an enum's variant is a variant. */
export function exportKind(item: ExportItem): 'function' | 'effect' | 'handler' | 'struct' | 'enum' | 'variant' {
  return item.kind === 'struct' && item.variantOf !== undefined ? 'variant' : item.kind;
}

export function enumId(path: string, name: string): string {
  return `${path}#enum:${name}`;
}

export function variantId(path: string, enumName: string, variant: string): string {
  return `${path}#enum:${enumName}.${variant}`;
}

export function enumDetail(e: A.EnumDecl): string {
  const tps = e.typeParams.length ? `[${e.typeParams.map(t => t.name).join(', ')}]` : '';
  return `enum ${e.name.name}${tps}`;
}

/** `Shape.Circle(radius: Int)`, or `Shape.Empty` for a variant without a parameter list. */
export function variantDetail(enumName: string, v: A.Variant): string {
  return `${enumName}.${v.name.name}${v.fields.length ? `(${paramsText(v.fields)})` : ''}`;
}
