// Inlay hints: inferred types (of bindings, untyped parameters, omitted return types) and the inferred row of each
// function that declares none, insertable where the source can say the same; parameter names at call sites.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver/node';
import type * as A from '../../analysis/syntax/ast.js';
import { builtinFunction } from '../../analysis/builtins.js';
import type { FileState } from '../analyzer.js';
import type { Settings } from '../settings.js';
import type { Semantics, TypeHint } from '../semantics.js';

export function inlayHints(file: FileState, semantics: Semantics, settings: Settings, range: Range): InlayHint[] {
  const start = file.doc.offsetAt(range.start);
  const end = file.doc.offsetAt(range.end);
  const out: InlayHint[] = [];
  const { inferredRows, returnTypes, bindingTypes, parameterTypes } = settings.inlayHints;
  const hints = returnTypes || bindingTypes || parameterTypes ? semantics.typeHints(file, { start, end }) : [];
  if (inferredRows || returnTypes) out.push(...signatureHints(file, semantics, hints, settings, start, end));
  if (bindingTypes || parameterTypes) out.push(...valueTypeHints(file, hints, settings, start, end));
  if (settings.inlayHints.parameterNames) out.push(...parameterHints(file, start, end));
  return out.sort((a, b) => a.position.line - b.position.line || a.position.character - b.position.character);
}

/**
 * Whether a rendered type can be written in the source as it stands: not when it names a type or row variable the
 * printer made up (`T`, `U`, ..., `e`, `e1`, ...), which the function does not declare.
 */
export function writable(label: string): boolean {
  return !/\b(?:[TUVWXY]|T\d+|e\d*)\b/.test(label);
}

/** `-> {IO} Int` without its row: `-> Int`. */
function withoutRow(label: string): string {
  if (!label.startsWith('-> {')) return label;
  const close = label.indexOf('}');
  return close === -1 ? label : `-> ${label.slice(close + 1).trimStart()}`;
}

/**
 * After a function's parameter list: its inferred row, its inferred return type, or both in one hint
 * (`-> {IO} Int`) when the function declares neither. A function with a return type but no row gets its row
 * between `->` and the type.
 */
function signatureHints(file: FileState, semantics: Semantics, hints: readonly TypeHint[], settings: Settings, start: number, end: number): InlayHint[] {
  const { inferredRows, returnTypes } = settings.inlayHints;
  const out: InlayHint[] = [];
  const text = file.doc.getText();
  const rows = new Map(semantics.rows(file).map(r => [r.nameSpan.start, r]));
  const returns = new Map(hints.filter(h => h.kind === 'return').map(h => [h.offset, h]));
  const insertable = (at: number, label: string, tooltip: string, padding: 'left' | 'right'): InlayHint => ({
    position: file.doc.positionAt(at), label, kind: InlayHintKind.Type,
    ...(padding === 'left' ? { paddingLeft: true } : { paddingRight: true }),
    ...(writable(label) ? { textEdits: [{ range: { start: file.doc.positionAt(at), end: file.doc.positionAt(at) }, newText: padding === 'left' ? ` ${label}` : `${label} ` }] } : {}),
    tooltip,
  });
  for (const [fn, symbol] of file.index.functions) {
    if (fn.effects || symbol.kind === 'handler-operation') continue;
    if (fn.span.start > end || fn.span.end < start) continue;
    const row = rows.get(symbol.nameSpan.start);
    const paramsEnd = parametersEnd(fn, text);
    if (paramsEnd === undefined) continue;
    const name = fn.name.name;
    if (fn.returnType) {
      // `fn f(x) -> Int`: the row goes between `->` and the type.
      if (inferredRows && row) out.push(insertable(fn.returnType.span.start, row.inferred, `Inferred effect row of \`${name}\` (double-click to declare it)`, 'right'));
      continue;
    }
    const typed = returnTypes ? returns.get(paramsEnd) : undefined;
    if (typed) {
      const label = inferredRows ? typed.label : withoutRow(typed.label);
      const what = inferredRows ? 'effect row and return type' : 'return type';
      out.push(insertable(paramsEnd, label, `Inferred ${what} of \`${name}\`${writable(label) ? ' (double-click to declare it)' : ''}`, 'left'));
    } else if (inferredRows && row) {
      out.push(insertable(paramsEnd, `-> ${row.inferred}`, `Inferred effect row of \`${name}\` (double-click to declare it)`, 'left'));
    }
  }
  return out;
}

/**
 * The inferred type of a local after its first binding, and of an untyped parameter after its name (insertable:
 * `fn f(x: Int)`; a binding cannot carry a type in Aria, so its hint only shows). A binding hint is left out where
 * the value says the type already, as rust-analyzer does: a literal (`n = 3`, `s = "x"`, `ok = true`), or a call of
 * a constructor whose name is the type (`j = Job("a", 1)`, not `c = Circle(1)`, whose type is the enum `Shape`).
 */
function valueTypeHints(file: FileState, hints: readonly TypeHint[], settings: Settings, start: number, end: number): InlayHint[] {
  const { bindingTypes, parameterTypes } = settings.inlayHints;
  const out: InlayHint[] = [];
  const values = bindingTypes ? bindingValues(file) : undefined;
  for (const h of hints) {
    if (h.offset < start || h.offset > end) continue;
    if (h.kind === 'binding' && values) {
      const value = values.get(h.span.start);
      if (value && obvious(value, h.label)) continue;
      out.push({ position: file.doc.positionAt(h.offset), label: h.label, kind: InlayHintKind.Type, tooltip: 'Inferred type' });
    } else if (h.kind === 'parameter' && parameterTypes) {
      const at = file.doc.positionAt(h.offset);
      out.push({
        position: at, label: h.label, kind: InlayHintKind.Type,
        ...(writable(h.label) ? { textEdits: [{ range: { start: at, end: at }, newText: h.label }] } : {}),
        tooltip: `Inferred parameter type${writable(h.label) ? ' (double-click to declare it)' : ''}`,
      });
    }
  }
  return out;
}

/** Whether a bound value shows its type (`label` is `: Type`): a literal, or `Name(...)` whose type is `Name`. */
export function obvious(value: A.Expr, label: string): boolean {
  switch (value.kind) {
    case 'Int':
    case 'Float':
    case 'String':
    case 'Bool':
    case 'Unit':
      return true;
    case 'Call':
      return value.callee.kind === 'Name' && /^[A-Z]/.test(value.callee.name) && label === `: ${value.callee.name}`;
    default:
      return false;
  }
}

/** The value of each `name = value` in the file, by the name's start (memoized per revision). */
function bindingValues(file: FileState): Map<number, A.Expr> {
  return file.memo('inlay:bindingValues', () => {
    const out = new Map<number, A.Expr>();
    const seen = new Set<object>();
    const visit = (node: unknown): void => {
      if (node === null || typeof node !== 'object' || seen.has(node)) return;
      seen.add(node);
      if (Array.isArray(node)) {
        for (const child of node) visit(child);
        return;
      }
      const n = node as { kind?: string; target?: A.Expr; value?: A.Expr; op?: string };
      if (n.kind === 'Assign' && n.op === '=' && n.target?.kind === 'Name' && n.value) out.set(n.target.span.start, n.value);
      for (const key in node) if (key !== 'span') visit((node as Record<string, unknown>)[key]);
    };
    visit(file.module);
    return out;
  });
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
