// The preferred fix of a diagnostic as plain text edits: what the editor's quick fix does, for `aria check`'s `help:` lines.
//
// The same edits as server/features/code-actions.ts offers as its first (preferred) action: add an effect to a
// declared row (E0202), wrap the statement in `with H ... end` (E0202 without a row, E0203), remove an unused row
// entry (W0201), add stubs for a handler's missing operations (E0206). Offsets into the file's text.
import type * as A from './syntax/ast.js';
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
 * Every object of a module's tree around `offset`, outermost first, found by walking its plain data (no recursion:
 * nesting can be deep). A node whose span does not hold the offset is skipped with all it contains (the spans nest):
 * walking the whole tree for each diagnostic took `aria check` minutes on a 100,000-line file.
 */
function* nodes(root: unknown, offset: number): Generator<{ readonly kind?: unknown; readonly [key: string]: unknown }> {
  const stack: unknown[] = [root];
  while (stack.length) {
    const x = stack.pop();
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    } else if (typeof x === 'object' && x !== null) {
      const o = x as Record<string, unknown>;
      const span = o['span'] as A.Span | undefined;
      if (span && typeof span.start === 'number' && (span.start > offset || offset > span.end)) continue;
      yield o;
      for (const key of Object.keys(o)) if (key !== 'span') stack.push(o[key]);
    }
  }
}

/** The innermost function (item, local function or handler operation) around `offset`, preferring one named `name`. */
function enclosingFunction(module: A.Module, offset: number, name?: string): A.FnDecl | undefined {
  let best: A.FnDecl | undefined;
  for (const n of nodes(module, offset)) {
    if (n.kind !== 'Fn') continue;
    const fn = n as unknown as A.FnDecl;
    if (fn.span.start > offset || offset > fn.span.end) continue;
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
  let stmt: A.Span | undefined;
  // Statements are the elements of the module's `statements` and of every block's `stmts` (a block has no `kind`).
  const blocks: (readonly A.Stmt[])[] = [ctx.module.statements];
  for (const n of nodes(ctx.module, offset)) if (Array.isArray(n['stmts'])) blocks.push(n['stmts'] as readonly A.Stmt[]);
  for (const stmts of blocks) {
    for (const s of stmts) {
      if (s.span.start > offset || offset > s.span.end) continue;
      if (!stmt || s.span.end - s.span.start <= stmt.end - stmt.start) stmt = s.span;
    }
  }
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
