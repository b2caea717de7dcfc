// Go to definition, find references, document highlight and rename (with prepareRename), across the workspace's files.
import {
  DocumentHighlightKind, ResponseError, ErrorCodes, type DocumentHighlight, type Location, type Range,
  type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { FileState, Located } from '../analyzer.js';
import { locationOf, rangeOf } from '../convert.js';
import type { ServerContext } from '../context.js';
import { sameTarget, type AriaSymbol, type Reference, type Span, type Target } from '../../analysis/names.js';
import { sameDeclaration } from '../../analysis/navigation.js';
import type { Semantics } from '../semantics.js';

const KEYWORDS = new Set([
  'fn', 'end', 'effect', 'handler', 'for', 'struct', 'import', 'if', 'elif', 'else', 'while', 'loop', 'in', 'match',
  'case', 'with', 'return', 'break', 'continue', 'spawn', 'await', 'and', 'or', 'not', 'true', 'false',
]);

export function definition(ctx: ServerContext, file: FileState, offset: number): Location[] {
  const found = ctx.analyzer.targetAt(file, offset);
  if (!found?.decl) return [];
  const { file: declFile, item } = found.decl;
  if (item.kind === 'module' && found.ref.role !== 'declaration') {
    const imported = item.importPath ? ctx.analyzer.importedFile(item.importPath, declFile) : undefined;
    if (imported) return [{ uri: imported.uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }];
  }
  return [locationOf(declFile, item.nameSpan)];
}

/** The `with` whose keyword is at `offset`, if any. */
export function withAt(file: FileState, offset: number) {
  return file.index.withs.find(w => offset >= w.span.start && offset <= w.span.start + 4);
}

export async function references(
  ctx: ServerContext, semantics: Semantics, file: FileState, offset: number, includeDeclaration: boolean, check: () => Promise<void>,
): Promise<Location[]> {
  const site = withAt(file, offset);
  if (site) {
    // From a `with`: the calls inside it whose effects it discharges.
    return semantics.dischargedBy(file, site.span.start).flatMap(d => {
      const target = ctx.analyzer.all().find(f => f.path === d.path);
      return target ? [locationOf(target, d.span)] : [];
    });
  }
  const field = semantics.fieldReferences(file, offset);
  if (field) {
    // A struct's field: its uses by the static types (another struct's field of the same name is not one of them).
    return field.locations.filter(l => includeDeclaration || !field.declaration || l.path !== field.declaration.path || l.span.start !== field.declaration.span.start)
      .flatMap(l => fileAt(ctx, file, l.path).map(f => locationOf(f, l.span)));
  }
  const found = ctx.analyzer.targetAt(file, offset);
  if (!found) return [];
  let refs: Located<Reference>[];
  if (found.decl) {
    refs = await ctx.analyzer.references(found.decl, check);
  } else {
    // Built-ins and unresolved names: every use of the same name.
    refs = [];
    const name = 'name' in found.target ? found.target.name.split('.').pop()! : '';
    for (const other of ctx.analyzer.all()) {
      await check();
      if (!other.doc.getText().includes(name)) continue;
      for (const ref of other.index.references) if (sameTarget(ref.target, found.target)) refs.push({ file: other, item: ref });
    }
  }
  return refs.filter(r => includeDeclaration || r.item.role !== 'declaration').map(r => locationOf(r.file, r.item.span));
}

/** Highlights of the symbol at `offset` in its file; an effect also lights up its operations' uses. */
export function highlights(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number): DocumentHighlight[] {
  const site = withAt(file, offset);
  if (site) {
    const out: DocumentHighlight[] = [{ range: rangeOf(file.doc, { start: site.span.start, end: site.span.start + 4 }), kind: DocumentHighlightKind.Text }];
    for (const d of semantics.dischargedBy(file, site.span.start)) {
      if (d.path === file.path) out.push({ range: rangeOf(file.doc, d.span), kind: DocumentHighlightKind.Read });
    }
    return out;
  }
  const found = ctx.analyzer.targetAt(file, offset);
  if (!found) return [];
  const wanted = found.target;
  const isEffect = wanted.kind === 'symbol' && wanted.symbol.kind === 'effect' || wanted.kind === 'builtin' && wanted.what === 'effect'
    || wanted.kind === 'global' && wanted.as === 'effect';
  const out: DocumentHighlight[] = [];
  for (const ref of file.index.references) {
    let hit = matches(ctx, file, ref, wanted);
    if (!hit && isEffect) hit = isOperationOf(ctx, file, ref, wanted);
    if (hit) out.push({ range: rangeOf(file.doc, ref.span), kind: highlightKind(ref) });
  }
  return out;
}

function matches(ctx: ServerContext, file: FileState, ref: Reference, wanted: Target): boolean {
  let target = ref.target;
  if (target.kind === 'symbol' && target.symbol.kind === 'handler-operation' && target.symbol.implements) {
    target = { kind: 'symbol', symbol: target.symbol.implements };
  }
  if (sameTarget(target, wanted)) return true;
  if (wanted.kind === 'symbol' && target.kind !== 'symbol' && target.kind !== 'builtin' && 'name' in target && target.name === wanted.symbol.name) {
    return sameDeclaration(ctx.analyzer.resolve(target, file)?.item, wanted.symbol);
  }
  return false;
}

/** Whether `ref` names an operation of the effect `effect` (`Log.log` for Log). */
function isOperationOf(ctx: ServerContext, file: FileState, ref: Reference, effect: Target): boolean {
  const t = ref.target;
  if (effect.kind === 'symbol') {
    if (t.kind === 'symbol') return (t.symbol.kind === 'operation' && t.symbol.container === effect.symbol)
      || (t.symbol.kind === 'handler-operation' && t.symbol.implements?.container === effect.symbol);
    if (t.kind === 'external-op') return t.effect === effect.symbol.name && sameDeclaration(ctx.analyzer.resolve(t, file)?.item.container, effect.symbol);
    return false;
  }
  if (effect.kind === 'builtin') return t.kind === 'builtin' && (t.what === 'operation' || t.what === 'handler') && t.name.startsWith(`${effect.name}.`);
  if (effect.kind === 'global') return t.kind === 'external-op' && t.effect === effect.name;
  return false;
}

function highlightKind(ref: Reference): DocumentHighlightKind {
  switch (ref.role) {
    case 'declaration':
    case 'write':
    case 'implements':
      return DocumentHighlightKind.Write;
    case 'row':
    case 'type':
    case 'handles':
      return DocumentHighlightKind.Text;
    default:
      return DocumentHighlightKind.Read;
  }
}

/** The open or scanned file at `path`. */
function fileAt(ctx: ServerContext, from: FileState, path: string): FileState[] {
  const f = path === from.path ? from : ctx.analyzer.all().find(x => x.path === path);
  return f ? [f] : [];
}

/** A struct field at `offset` as a rename sees it: its uses by type, or why it cannot be renamed. */
function fieldRenameTarget(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number): { kind: 'field' | 'variant'; span: Span; locations: readonly { path: string; span: Span }[] } | string | undefined {
  const field = semantics.fieldReferences(file, offset);
  if (!field) return undefined;
  const here = field.locations.find(l => l.path === file.path && l.span.start <= offset && offset <= l.span.end);
  if (!here) return undefined;
  const missed = field.unresolved[0];
  if (missed) {
    const where = fileAt(ctx, file, missed.path)[0];
    const line = where ? where.doc.positionAt(missed.span.start).line + 1 : 0;
    return `\`${field.field}\` at ${missed.path}:${line} belongs to a struct the checker cannot tell (E0306): annotate that value's type, then rename`;
  }
  return { kind: field.kind, span: here.span, locations: field.locations };
}

/** What a rename at `offset` would rename, or an error saying why not. */
function renameTarget(ctx: ServerContext, file: FileState, offset: number): { ref: Reference; decl: Located<AriaSymbol> } | string {
  const found = ctx.analyzer.targetAt(file, offset);
  if (!found) return 'nothing to rename here';
  if (!found.decl) {
    if (found.target.kind === 'builtin') return `\`${found.target.name}\` is built in and cannot be renamed`;
    return 'the declaration of this name is not in the workspace';
  }
  if (found.decl.item.kind === 'module') return 'an imported module is named by its file: rename the file instead';
  // Fields are renamed by their static types (`fieldRenameTarget`); one the checker did not resolve is not safe.
  if (found.decl.item.kind === 'field') return 'this field\'s struct is not known here: annotate the value\'s type, then rename';
  return { ref: found.ref, decl: found.decl };
}

export function prepareRename(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number): { range: Range; placeholder: string } {
  const field = fieldRenameTarget(ctx, semantics, file, offset);
  if (typeof field === 'string') throw new ResponseError(ErrorCodes.InvalidRequest, field);
  if (field) return { range: rangeOf(file.doc, field.span), placeholder: file.doc.getText().slice(field.span.start, field.span.end) };
  const target = renameTarget(ctx, file, offset);
  if (typeof target === 'string') throw new ResponseError(ErrorCodes.InvalidRequest, target);
  return { range: rangeOf(file.doc, target.ref.span), placeholder: file.doc.getText().slice(target.ref.span.start, target.ref.span.end) };
}

export async function rename(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number, newName: string, check: () => Promise<void>): Promise<WorkspaceEdit> {
  const field = fieldRenameTarget(ctx, semantics, file, offset);
  if (typeof field === 'string') throw new ResponseError(ErrorCodes.InvalidRequest, field);
  if (field) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName) || KEYWORDS.has(newName)) {
      throw new ResponseError(ErrorCodes.InvalidParams, `\`${newName}\` is not a valid Aria name`);
    }
    if (field.kind === 'variant' && !/^[A-Z]/.test(newName)) {
      throw new ResponseError(ErrorCodes.InvalidParams, 'a constructor\'s name must be capitalised (a lowercase name in a pattern binds a variable)');
    }
    const changes: Record<string, TextEdit[]> = {};
    for (const l of field.locations) {
      for (const f of fileAt(ctx, file, l.path)) (changes[f.uri] ??= []).push({ range: rangeOf(f.doc, l.span), newText: newName });
    }
    return { changes };
  }
  const target = renameTarget(ctx, file, offset);
  if (typeof target === 'string') throw new ResponseError(ErrorCodes.InvalidRequest, target);
  const kind = target.decl.item.kind;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName) || KEYWORDS.has(newName)) {
    throw new ResponseError(ErrorCodes.InvalidParams, `\`${newName}\` is not a valid Aria name`);
  }
  if ((kind === 'effect') && !/^[A-Z]/.test(newName)) {
    throw new ResponseError(ErrorCodes.InvalidParams, 'an effect name must be capitalised (a lowercase name in a row is a row variable)');
  }
  if (kind === 'row-variable' && !/^[a-z_]/.test(newName)) {
    throw new ResponseError(ErrorCodes.InvalidParams, 'a row variable must start with a lowercase letter');
  }
  const refs = await ctx.analyzer.references(target.decl, check);
  const changes: Record<string, TextEdit[]> = {};
  const seen = new Set<string>();
  for (const { file: where, item } of refs) {
    const key = `${where.uri}#${item.span.start}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (changes[where.uri] ??= []).push({ range: rangeOf(where.doc, item.span), newText: newName });
  }
  return { changes };
}

/** Go to Type Definition: the struct or enum declaration of the static type at `offset` (`jobs` → `struct Job`). */
export function typeDefinition(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number): Location[] {
  return semantics.typeDefinition(file, offset).flatMap(loc => {
    const target = loc.path === file.path ? file : ctx.analyzer.all().find(f => f.path === loc.path);
    return target ? [locationOf(target, loc.span)] : [];
  });
}
