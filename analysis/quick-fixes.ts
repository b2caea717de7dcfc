// The preferred fix of a diagnostic as plain text edits: what the editor's quick fix does, for `aria check`'s `help:` lines.
//
// The same edits as server/features/code-actions.ts offers as its first (preferred) action: add an effect to a
// declared row (E0202), wrap the statement in `with H ... end` (E0202 without a row, E0203), remove an unused row
// entry (W0201), add stubs for a handler's missing operations (E0206). Offsets into the file's text.
import type * as A from './syntax/ast.js';
import { walk, type Node } from './syntax/visit.js';
import { BUILTIN_EFFECT_INFO, BUILTIN_HANDLERS, isBuiltinEffect } from './builtins.js';
import type { Diagnostic } from './diagnostics.js';

export interface FixEdit {
  readonly start: number;
  readonly end: number;
  readonly newText: string;
}

export interface QuickFix {
  /** What the fix does, as the editor titles it: "add `IO` to the row of `f`". */
  readonly title: string;
  readonly edits: readonly FixEdit[];
}

/** Where the fix looks beyond the file: the effect declarations and handlers of the modules it imports. */
export interface FixContext {
  readonly module: A.Module;
  readonly text: string;
  readonly imported?: readonly A.Module[];
}

/** The preferred fix of `d` (in the file of `ctx`), or undefined when the editor offers none. */
export function preferredFix(d: Diagnostic, ctx: FixContext): QuickFix | undefined {
  const offset = d.span.start;
  switch (d.code) {
    case 'E0202': {
      if (!d.effect) return undefined;
      const fn = enclosingFunction(ctx.module, offset, d.function);
      if (fn?.effects) return { title: `add \`${d.effect}\` to the row of \`${fn.name.name}\``, edits: [addToRow(fn.effects, d.effect)] };
      return wrap(ctx, offset, d.effect);
    }
    case 'E0203':
      return d.effect ? wrap(ctx, offset, d.effect) : undefined;
    case 'W0201': {
      const fn = enclosingFunction(ctx.module, offset, d.function);
      const entry = fn?.effects?.effects.find(e => e.span.start === offset);
      if (!fn?.effects || !entry) return undefined;
      return { title: `remove \`${entry.name}\` from the row of \`${fn.name.name}\``, edits: [removeFromRow(ctx.text, fn.effects, entry)] };
    }
    case 'E0206':
      return completeHandler(ctx, offset);
    default:
      return undefined;
  }
}

/**
 * The functions of a module (items, handler operations, local functions) whose declaration holds `offset`, and the
 * innermost statement that holds it, found with the AST visitor; a node whose span does not hold the offset is
 * skipped with all it contains (the spans nest).
 */
function around(module: A.Module, offset: number): { functions: A.FnDecl[]; stmt?: A.Stmt } {
  const holds = (s: A.Span) => s.start <= offset && offset <= s.end;
  const functions: A.FnDecl[] = [];
  const roots: Node[] = [...module.statements];
  const fnRoots = (fn: A.FnDecl) => {
    if (!holds(fn.span)) return;
    functions.push(fn);
    for (const p of fn.params) if (p.default) roots.push(p.default);
    roots.push(...fn.body.stmts);
  };
  for (const item of module.items) {
    if (item.kind === 'Fn') fnRoots(item);
    else if (item.kind === 'Handler' && holds(item.span)) {
      for (const p of item.params ?? []) if (p.default) roots.push(p.default);
      item.ops.forEach(fnRoots);
    } else if (item.kind === 'Struct' && holds(item.span)) {
      for (const f of item.fields) if (f.default) roots.push(f.default);
    }
  }
  let stmt: A.Stmt | undefined;
  walk(roots, n => {
    if (!holds(n.span)) return false;
    if (STATEMENTS.has(n.kind) && (!stmt || n.span.end - n.span.start <= stmt.span.end - stmt.span.start)) stmt = n as A.Stmt;
    if (n.kind === 'LocalFn') functions.push(n.fn);
  });
  return { functions, stmt };
}

const STATEMENTS: ReadonlySet<string> = new Set<A.Stmt['kind']>(['ExprStmt', 'Assign', 'Return', 'Break', 'Continue', 'While', 'Loop', 'For', 'LocalFn']);

/** The innermost function (item, local function or handler operation) around `offset`, preferring one named `name`. */
function enclosingFunction(module: A.Module, offset: number, name?: string): A.FnDecl | undefined {
  let best: A.FnDecl | undefined;
  for (const fn of around(module, offset).functions) {
    if (name && fn.name.name !== name) continue;
    if (!best || fn.span.end - fn.span.start < best.span.end - best.span.start) best = fn;
  }
  return best;
}

/** Inserts `effect` into a declared row, keeping its spelling: `{}` → `{IO}`, `{Async}` → `{Async, IO}`, `{Async | e}` → `{Async, IO | e}`. */
/** Inserts `effect` into a declared row, keeping its spelling: `{}` → `{IO}`, `{Async}` → `{Async, IO}`, `{Async | e}` → `{Async, IO | e}`. */
export function addToRow(row: A.EffectRow, effect: string): FixEdit {
  const entries = [...row.effects, ...row.variables].sort((a, b) => a.span.start - b.span.start);
  const last = entries[entries.length - 1];
  if (last) return { start: last.span.end, end: last.span.end, newText: `, ${effect}` };
  const at = row.span.start + 1;
  return { start: at, end: at, newText: row.tail ? `${effect} ` : effect };
}

/** Removes one entry of a row with the separator on one side. */
export function removeFromRow(text: string, row: A.EffectRow, entry: A.Ident): FixEdit {
  let start = entry.span.start;
  let end = entry.span.end;
  const after = /^\s*,\s*/.exec(text.slice(end, row.span.end));
  if (after) {
    end += after[0].length;
  } else {
    const before = /,\s*$/.exec(text.slice(row.span.start + 1, start));
    if (before) start -= before[0].length;
    else {
      const tailSpace = /^\s*/.exec(text.slice(end, row.span.end));
      if (row.tail && tailSpace) end += tailSpace[0].length;
    }
  }
  return { start, end, newText: '' };
}

/** The first handler that discharges `effect`, as it is written in a `with`. */
function handlerFor(ctx: FixContext, effect: string): string | undefined {
  if (isBuiltinEffect(effect)) {
    const h = BUILTIN_HANDLERS.find(b => (b.discharges as readonly string[]).includes(effect));
    if (!h) return undefined;
    if (h.name === 'Cancel.timeout') return 'Cancel.timeout(1.seconds)';
    return h.params ? `${h.name}()` : h.name;
  }
  for (const module of [ctx.module, ...(ctx.imported ?? [])]) {
    for (const item of module.items) {
      if (item.kind !== 'Handler' || item.effect.name !== effect) continue;
      const required = (item.params ?? []).filter(p => !p.default).map(p => `${p.name.name}: ${placeholder(p)}`);
      return item.params ? `${item.name.name}(${required.join(', ')})` : item.name.name;
    }
  }
  return undefined;
}

/** A value to write for a required parameter in a generated call: `""`, `0`, `false`, `1.seconds`, `()`. */
export function placeholder(param: A.Param): string {
  const type = param.type?.kind === 'TypeName' ? param.type.name : undefined;
  switch (type) {
    case 'String': return '""';
    case 'Int': return '0';
    case 'Bool': return 'false';
    case 'Duration': return '1.seconds';
    default: return '()';
  }
}

/** Wraps the statement holding `offset` in `with H ... end`, indented like the statement. */
function wrap(ctx: FixContext, offset: number, effect: string): QuickFix | undefined {
  const handler = handlerFor(ctx, effect);
  if (!handler) return undefined;
  const stmt = around(ctx.module, offset).stmt?.span;
  if (!stmt) return undefined;
  const text = ctx.text;
  const lineStart = text.lastIndexOf('\n', stmt.start - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  if (lineStart + indent.length !== stmt.start) return undefined;
  const lineEnd = text.indexOf('\n', stmt.end);
  const end = lineEnd === -1 ? text.length : lineEnd;
  const body = text.slice(lineStart, end).split('\n').map(l => (l.trim() === '' ? l : `  ${l}`)).join('\n');
  return { title: `wrap it in \`with ${handler}\``, edits: [{ start: lineStart, end, newText: `${indent}with ${handler}\n${body}\n${indent}end` }] };
}

/** E0206: a stub for each operation the handler misses, before its closing brace. */
function completeHandler(ctx: FixContext, offset: number): QuickFix | undefined {
  const handler = ctx.module.items.find((i): i is A.HandlerDecl => i.kind === 'Handler' && i.span.start <= offset && offset <= i.span.end);
  if (!handler) return undefined;
  const effect = [ctx.module, ...(ctx.imported ?? [])].flatMap(m => m.items)
    .find((i): i is A.EffectDecl => i.kind === 'Effect' && i.name.name === handler.effect.name);
  const have = new Set(handler.ops.map(op => op.name.name));
  const ops: { name: string; params: string[] }[] = effect
    ? effect.ops.filter(op => !have.has(op.name.name)).map(op => ({ name: op.name.name, params: op.params.map(p => p.name.name) }))
    : isBuiltinEffect(handler.effect.name)
      ? BUILTIN_EFFECT_INFO[handler.effect.name].ops.filter(op => !have.has(op.name)).map(op => ({ name: op.name, params: [...op.params] }))
      : [];
  if (!ops.length) return undefined;
  const text = ctx.text;
  const close = handler.span.end - 1;
  if (text[close] !== '}') return undefined;
  const lineStart = text.lastIndexOf('\n', close - 1) + 1;
  const handlerLine = text.slice(text.lastIndexOf('\n', handler.span.start - 1) + 1);
  const baseIndent = /^[ \t]*/.exec(handlerLine)![0];
  const opIndent = handler.ops[0] ? /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', handler.ops[0].span.start - 1) + 1))![0] : `${baseIndent}  `;
  const stubs = ops.map(op => `${opIndent}fn ${op.name}(${op.params.join(', ')}) = panic("${handler.name.name}.${op.name} is not implemented")\n`).join('');
  const closeOnOwnLine = text.slice(lineStart, close).trim() === '';
  const edit: FixEdit = closeOnOwnLine
    ? { start: lineStart, end: lineStart, newText: stubs }
    : { start: close, end: close, newText: `\n${stubs}${baseIndent}` };
  return { title: `add the missing operation${ops.length > 1 ? 's' : ''} ${ops.map(o => `\`${o.name}\``).join(', ')}`, edits: [edit] };
}
