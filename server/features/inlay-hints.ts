// Inlay hints: the inferred row of each function that declares none (insertable), and parameter names at call sites.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver/node';
import type * as A from '../../analysis/syntax/ast.js';
import { builtinFunction } from '../../analysis/builtins.js';
import type { FileState } from '../analyzer.js';
import type { Settings } from '../settings.js';
import type { Semantics } from '../semantics.js';

export function inlayHints(file: FileState, semantics: Semantics, settings: Settings, range: Range): InlayHint[] {
  const start = file.doc.offsetAt(range.start);
  const end = file.doc.offsetAt(range.end);
  const out: InlayHint[] = [];
  if (settings.inlayHints.inferredRows) out.push(...rowHints(file, semantics, start, end));
  if (settings.inlayHints.parameterNames) out.push(...parameterHints(file, start, end));
  return out.sort((a, b) => a.position.line - b.position.line || a.position.character - b.position.character);
}

function rowHints(file: FileState, semantics: Semantics, start: number, end: number): InlayHint[] {
  const out: InlayHint[] = [];
  const text = file.doc.getText();
  const rows = new Map(semantics.rows(file).map(r => [r.nameSpan.start, r]));
  for (const [fn, symbol] of file.index.functions) {
    if (fn.effects || symbol.kind === 'handler-operation') continue;
    if (fn.span.start > end || fn.span.end < start) continue;
    const row = rows.get(symbol.nameSpan.start);
    if (!row) continue;
    const paramsEnd = parametersEnd(fn, text);
    if (paramsEnd === undefined) continue;
    if (fn.returnType) {
      // `fn f(x) -> Int`: the row goes between `->` and the type.
      const at = fn.returnType.span.start;
      out.push({
        position: file.doc.positionAt(at), label: `${row.inferred}`, kind: InlayHintKind.Type, paddingRight: true,
        textEdits: [{ range: { start: file.doc.positionAt(at), end: file.doc.positionAt(at) }, newText: `${row.inferred} ` }],
        tooltip: `Inferred effect row of \`${fn.name.name}\` (double-click to declare it)`,
      });
    } else {
      out.push({
        position: file.doc.positionAt(paramsEnd), label: `-> ${row.inferred}`, kind: InlayHintKind.Type, paddingLeft: true,
        textEdits: [{ range: { start: file.doc.positionAt(paramsEnd), end: file.doc.positionAt(paramsEnd) }, newText: ` -> ${row.inferred}` }],
        tooltip: `Inferred effect row of \`${fn.name.name}\` (double-click to declare it)`,
      });
    }
  }
  return out;
}

/** The offset just after the `)` of a function's parameter list. */
function parametersEnd(fn: A.FnDecl, text: string): number | undefined {
  let i = fn.name.span.end;
  if (fn.typeParams.length) i = text.indexOf(']', fn.typeParams[fn.typeParams.length - 1]!.span.end) + 1;
  const last = fn.params[fn.params.length - 1];
  const from = last ? last.span.end : i;
  const close = text.indexOf(')', from);
  return close === -1 || close > fn.span.end ? undefined : close + 1;
}

function parameterHints(file: FileState, start: number, end: number): InlayHint[] {
  const out: InlayHint[] = [];
  for (const call of file.index.calls) {
    if (call.span.end < start || call.span.start > end) continue;
    const names = parameterNames(call.target);
    if (!names) continue;
    const positional = call.call.args.filter(a => !a.name);
    positional.forEach((arg, i) => {
      const name = names[i + (call.uniform ? 1 : 0)];
      if (!name || name.startsWith('...')) return;
      if (arg.value.kind === 'Name' && arg.value.name === name) return;
      if (arg.value.kind === 'Lambda' && names.length === 1) return;
      out.push({ position: file.doc.positionAt(arg.span.start), label: `${name}:`, kind: InlayHintKind.Parameter, paddingRight: true });
    });
  }
  return out;
}

function parameterNames(target: FileState['index']['calls'][number]['target']): readonly string[] | undefined {
  if (!target) return undefined;
  if (target.kind === 'builtin' && target.what === 'function') {
    const fn = builtinFunction(target.name);
    return fn && fn.params.length > 1 ? fn.params : undefined;
  }
  if (target.kind !== 'symbol') return undefined;
  const decl = target.symbol.decl;
  if (!decl) return undefined;
  switch (target.symbol.kind) {
    case 'function':
    case 'operation': {
      const params = (decl as A.FnDecl | A.OpSig).params;
      return params.length > 1 ? params.map(p => p.name.name) : undefined;
    }
    case 'struct': {
      const fields = (decl as A.StructDecl).fields;
      return fields.length > 1 ? fields.map(f => f.name.name) : undefined;
    }
    case 'handler': {
      const params = (decl as A.HandlerDecl).params ?? [];
      return params.length > 1 ? params.map(p => p.name.name) : undefined;
    }
    default:
      return undefined;
  }
}
