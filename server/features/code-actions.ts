// Quick fixes: for effect diagnostics (add a missing effect to a row, remove an unused one, wrap a call in a
// handler, complete a handler), and annotations with the inferred type (a return type, a parameter's type, E0306).
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit } from 'vscode-languageserver/node';
import type * as A from '../../analysis/syntax/ast.js';
import { BUILTIN_EFFECT_INFO, BUILTIN_HANDLERS, isBuiltinEffect } from '../../analysis/builtins.js';
import { addToRow as rowAddition, placeholder, removeFromRow as rowRemoval, type FixEdit } from '../../analysis/quick-fixes.js';
import type { FileState } from '../analyzer.js';
import { rangeOf } from '../convert.js';
import type { ServerContext } from '../context.js';
import type { Semantics } from '../semantics.js';
import type { DiagnosticData } from './diagnostics.js';
import { writable } from './inlay-hints.js';

export function codeActions(
  ctx: ServerContext, file: FileState, diagnostics: readonly Diagnostic[], only?: readonly string[], semantics?: Semantics, range?: Range,
): CodeAction[] {
  if (only && !only.some(k => CodeActionKind.QuickFix.startsWith(k) || k.startsWith(CodeActionKind.QuickFix))) return [];
  const out: CodeAction[] = [];
  if (semantics && range) out.push(...annotationActions(file, semantics, file.doc.offsetAt(range.start), file.doc.offsetAt(range.end)));
  for (const diagnostic of diagnostics) {
    const data = diagnostic.data as DiagnosticData | undefined;
    const code = String(diagnostic.code ?? data?.code ?? '');
    const offset = file.doc.offsetAt(diagnostic.range.start);
    switch (code) {
      case 'E0202': {
        const effect = data?.effect;
        const fn = enclosingFunction(file, offset, data?.function);
        if (effect && fn?.effects) {
          out.push(fix(`Add \`${effect}\` to the row of \`${fn.name.name}\``, file, diagnostic, [addToRow(file, fn.effects, effect)], true));
        }
        if (effect) out.push(...wrapActions(ctx, file, diagnostic, offset, effect));
        break;
      }
      case 'W0201': {
        const fn = enclosingFunction(file, offset, data?.function);
        const entry = fn?.effects?.effects.find(e => e.span.start === offset);
        if (fn?.effects && entry) out.push(fix(`Remove \`${entry.name}\` from the row of \`${fn.name.name}\``, file, diagnostic, [removeFromRow(file, fn.effects, entry)], true));
        break;
      }
      case 'E0203': {
        const effect = data?.effect;
        if (effect) out.push(...wrapActions(ctx, file, diagnostic, offset, effect));
        break;
      }
      case 'E0306': {
        if (semantics) out.push(...annotateReceiver(file, semantics, diagnostic, offset));
        break;
      }
      case 'E0206': {
        const action = completeHandler(ctx, file, offset, diagnostic);
        if (action) out.push(action);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function fix(title: string, file: FileState, diagnostic: Diagnostic, edits: TextEdit[], preferred = false): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: preferred, edit: { changes: { [file.uri]: edits } } };
}

/** The innermost function (item, local function or handler operation) around `offset`, preferring one named `name`. */
function enclosingFunction(file: FileState, offset: number, name?: string): A.FnDecl | undefined {
  let best: A.FnDecl | undefined;
  for (const fn of file.index.functions.keys()) {
    if (fn.span.start > offset || offset > fn.span.end) continue;
    if (name && fn.name.name !== name) continue;
    if (!best || fn.span.end - fn.span.start < best.span.end - best.span.start) best = fn;
  }
  return best;
}

/** The analysis core's row edit (analysis/quick-fixes.ts, which `aria check`'s help lines use too) as an LSP edit. */
export function addToRow(file: FileState, row: A.EffectRow, effect: string): TextEdit {
  return lspEdit(file, rowAddition(row, effect));
}

/** Removes one entry of a row with the separator on one side. */
export function removeFromRow(file: FileState, row: A.EffectRow, entry: A.Ident): TextEdit {
  return lspEdit(file, rowRemoval(file.doc.getText(), row, entry));
}

function lspEdit(file: FileState, e: FixEdit): TextEdit {
  return { range: rangeOf(file.doc, { start: e.start, end: e.end }), newText: e.newText };
}

/** `with H` for each handler that discharges `effect`: `Cancel.timeout(1.seconds)`, user handlers by name. */
function handlerChoices(ctx: ServerContext, file: FileState, effect: string): string[] {
  if (isBuiltinEffect(effect)) {
    return BUILTIN_HANDLERS.filter(h => h.discharges.includes(effect as keyof typeof BUILTIN_EFFECT_INFO)).map(h => {
      if (h.name === 'Cancel.timeout') return 'Cancel.timeout(1.seconds)';
      return h.params ? `${h.name}()` : h.name;
    }).slice(0, 3);
  }
  const out: string[] = [];
  // Handlers this file can name: its own and those of the files it imports.
  for (const source of [file, ...ctx.analyzer.imports(file)]) {
    for (const item of source.module.items) {
      if (item.kind !== 'Handler' || item.effect.name !== effect) continue;
      const required = (item.params ?? []).filter(p => !p.default).map(p => `${p.name.name}: ${placeholder(p)}`);
      out.push(item.params ? `${item.name.name}(${required.join(', ')})` : item.name.name);
    }
  }
  return [...new Set(out)];
}

/** Wraps the statement holding the call in `with H ... end`, indented like the statement. */
function wrapActions(ctx: ServerContext, file: FileState, diagnostic: Diagnostic, offset: number, effect: string): CodeAction[] {
  const stmt = statementAt(file, offset);
  if (!stmt) return [];
  const text = file.doc.getText();
  const lineStart = text.lastIndexOf('\n', stmt.start - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  if (lineStart + indent.length !== stmt.start) return [];
  const lineEnd = text.indexOf('\n', stmt.end);
  const end = lineEnd === -1 ? text.length : lineEnd;
  const body = text.slice(lineStart, end).split('\n').map(l => (l.trim() === '' ? l : `  ${l}`)).join('\n');
  return handlerChoices(ctx, file, effect).map(handler => ({
    title: `Wrap in \`with ${handler}\``,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: { changes: { [file.uri]: [{ range: rangeOf(file.doc, { start: lineStart, end }), newText: `${indent}with ${handler}\n${body}\n${indent}end` }] } },
  }));
}

/** The span of the innermost statement around `offset` (in any block of the file). */
function statementAt(file: FileState, offset: number): A.Span | undefined {
  let best: A.Span | undefined;
  const visitBlock = (stmts: readonly A.Stmt[]) => {
    for (const stmt of stmts) {
      if (stmt.span.start > offset || offset > stmt.span.end) continue;
      if (!best || stmt.span.end - stmt.span.start <= best.end - best.start) best = stmt.span;
      for (const inner of innerBlocks(stmt)) visitBlock(inner.stmts);
    }
  };
  visitBlock(file.module.statements);
  for (const fn of file.index.functions.keys()) if (fn.span.start <= offset && offset <= fn.span.end) visitBlock(fn.body.stmts);
  return best;
}

function innerBlocks(stmt: A.Stmt): A.Block[] {
  switch (stmt.kind) {
    case 'While':
    case 'Loop':
    case 'For':
      return [stmt.body];
    case 'ExprStmt':
    case 'Assign':
    case 'Return': {
      const expr = stmt.kind === 'ExprStmt' ? stmt.expr : stmt.kind === 'Assign' ? stmt.value : stmt.value;
      if (!expr) return [];
      switch (expr.kind) {
        case 'If': return [...expr.branches.map(b => b.body), ...(expr.otherwise ? [expr.otherwise] : [])];
        case 'Match': return expr.arms.map(a => a.body);
        case 'With': return [expr.body];
        default: return [];
      }
    }
    default:
      return [];
  }
}

/** E0206: adds a stub for each operation the handler misses, before its closing brace. */
function completeHandler(ctx: ServerContext, file: FileState, offset: number, diagnostic: Diagnostic): CodeAction | undefined {
  const handler = file.module.items.find((i): i is A.HandlerDecl => i.kind === 'Handler' && i.span.start <= offset && offset <= i.span.end);
  if (!handler) return undefined;
  const effect = findEffect(ctx, file, handler.effect.name);
  const have = new Set(handler.ops.map(op => op.name.name));
  const ops: { name: string; params: string[] }[] = effect
    ? effect.ops.filter(op => !have.has(op.name.name)).map(op => ({ name: op.name.name, params: op.params.map(p => p.name.name) }))
    : isBuiltinEffect(handler.effect.name)
      ? BUILTIN_EFFECT_INFO[handler.effect.name].ops.filter(op => !have.has(op.name)).map(op => ({ name: op.name, params: [...op.params] }))
      : [];
  if (!ops.length) return undefined;
  const text = file.doc.getText();
  const close = handler.span.end - 1;
  if (text[close] !== '}') return undefined;
  const lineStart = text.lastIndexOf('\n', close - 1) + 1;
  const handlerLine = text.slice(text.lastIndexOf('\n', handler.span.start - 1) + 1);
  const baseIndent = /^[ \t]*/.exec(handlerLine)![0];
  const opIndent = handler.ops[0] ? /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', handler.ops[0].span.start - 1) + 1))![0] : `${baseIndent}  `;
  const stubs = ops.map(op => `${opIndent}fn ${op.name}(${op.params.join(', ')}) = panic("${handler.name.name}.${op.name} is not implemented")\n`).join('');
  const closeOnOwnLine = text.slice(lineStart, close).trim() === '';
  const edit: TextEdit = closeOnOwnLine
    ? { range: rangeOf(file.doc, { start: lineStart, end: lineStart }), newText: stubs }
    : { range: rangeOf(file.doc, { start: close, end: close }), newText: `\n${stubs}${baseIndent}` };
  return fix(`Add the missing operation${ops.length > 1 ? 's' : ''} ${ops.map(o => `\`${o.name}\``).join(', ')}`, file, diagnostic, [edit], true);
}

function findEffect(ctx: ServerContext, file: FileState, name: string): A.EffectDecl | undefined {
  const local = file.module.items.find((i): i is A.EffectDecl => i.kind === 'Effect' && i.name.name === name);
  if (local) return local;
  const found = ctx.analyzer.resolve({ kind: 'global', name, as: 'effect' }, file);
  return found?.item.decl as A.EffectDecl | undefined;
}

/**
 * Add the inferred annotation the source leaves out, where the cursor is: on a function's name or parameter list
 * without a return type (`-> {IO} Int`, the inlay hint's label), on an untyped parameter (`: List[Job]`). Not
 * offered when the type names a variable the printer made up (`T`), which the source could not say.
 */
function annotationActions(file: FileState, semantics: Semantics, start: number, end: number): CodeAction[] {
  const out: CodeAction[] = [];
  const hints = semantics.typeHints(file);
  for (const h of hints) {
    if (h.kind === 'binding' || !writable(h.label)) continue;
    // A parameter: the cursor on its name. A return type: on the function's name or up to its `)`.
    const from = h.span.start;
    const to = h.kind === 'parameter' ? h.span.end : h.offset;
    if (end < from || start > to) continue;
    const at = file.doc.positionAt(h.offset);
    const edit: TextEdit = { range: { start: at, end: at }, newText: h.kind === 'return' ? ` ${h.label}` : h.label };
    const name = file.doc.getText().slice(h.span.start, h.span.end);
    const title = h.kind === 'return' ? `Add the inferred return type \`${h.label}\` to \`${name}\`` : `Add the inferred type \`${h.label.slice(2)}\` to \`${name}\``;
    out.push({ title, kind: CodeActionKind.QuickFix, edit: { changes: { [file.uri]: [edit] } } });
  }
  return out;
}

/**
 * E0306 on `v.field` when several structs have that field: annotate the untyped parameter `v` with each of them
 * (`v: Named`), or with its inferred type when that can be written.
 */
function annotateReceiver(file: FileState, semantics: Semantics, diagnostic: Diagnostic, offset: number): CodeAction[] {
  const text = file.doc.getText();
  let i = offset;
  while (i > 0 && /\s/.test(text[i - 1]!)) i--;
  if (text[i - 1] !== '.') return [];
  i--;
  let j = i;
  while (j > 0 && /[A-Za-z0-9_]/.test(text[j - 1]!)) j--;
  const receiver = text.slice(j, i);
  if (!receiver) return [];
  const fn = enclosingFunction(file, offset);
  const param = fn?.params.find(p => p.name.name === receiver && !p.type);
  if (!param) return [];
  const owners = /\(([A-Z][\w, ]*) have one\)/.exec(typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value)?.[1]?.split(/,\s*/) ?? [];
  const hint = semantics.typeHints(file).find(h => h.kind === 'parameter' && h.span.start === param.name.span.start);
  const labels = [...owners.map(o => `: ${o}`), ...(hint && writable(hint.label) && !owners.some(o => `: ${o}` === hint.label) ? [hint.label] : [])];
  const at = file.doc.positionAt(param.name.span.end);
  return labels.map((label, k) => ({
    ...fix(`Annotate \`${receiver}\` as \`${label.slice(2)}\``, file, diagnostic, [{ range: { start: at, end: at }, newText: label }], k === 0 && labels.length === 1),
  }));
}
