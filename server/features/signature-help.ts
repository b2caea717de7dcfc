// Signature help: the call around the cursor (found in the text, so that half-typed calls work), its signature with
// the parameter types at this call when the static types know them, and the active parameter.
import { MarkupKind, type SignatureHelp } from 'vscode-languageserver/node';
import type * as A from '../../analysis/syntax/ast.js';
import { BUILTIN_CONSTRUCTORS, BUILTIN_EFFECT_INFO, BUILTIN_HANDLERS, builtinFunction, isBuiltinEffect } from '../../analysis/builtins.js';
import type { FileState } from '../analyzer.js';
import type { ServerContext } from '../context.js';
import { visibleAt, type AriaSymbol } from '../../analysis/names.js';
import { fnSignatureParts, handlerSignature, paramText, type SignatureParts } from '../ide/signature.js';
import type { Semantics } from '../semantics.js';

/** The call whose parentheses hold the cursor. */
export interface EnclosingCall {
  /** How the callee is written (`geometry.point`, `Log.log`, `print`). */
  readonly label: string;
  readonly signature: SignatureParts;
  /** Parameter names (a leading `...` marks a rest parameter). */
  readonly params: readonly string[];
  readonly activeParameter: number;
  readonly namedGiven: readonly string[];
  readonly doc?: string;
  /** The offset of the call's `(` (the callee's name ends there). */
  readonly open: number;
}

interface Frame {
  readonly open: string;
  readonly at: number;
  readonly commas: number[];
}

/** The innermost unclosed `(` before `offset` (strings, interpolations and comments skipped). */
function openParens(text: string, offset: number): Frame[] {
  let start = Math.max(0, offset - 6000);
  // From a line start inside the window; on one long line, from the window's start (not from the file's).
  if (start > 0) {
    const eol = text.indexOf('\n', start);
    if (eol !== -1 && eol < offset) start = eol + 1;
  }
  const stack: Frame[] = [];
  for (let i = start; i < offset; i++) {
    const ch = text[i];
    if (ch === '#') {
      const eol = text.indexOf('\n', i);
      if (eol === -1 || eol >= offset) break;
      i = eol;
    } else if (ch === '"') {
      // Skip the string (one line), stepping into interpolations as brackets.
      for (i++; i < offset && text[i] !== '"' && text[i] !== '\n'; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '#' && text[i + 1] === '{') { stack.push({ open: '#{', at: i, commas: [] }); i++; break; }
      }
    } else if (ch === '(' || ch === '[' || ch === '{') {
      stack.push({ open: ch, at: i, commas: [] });
    } else if (ch === ')' || ch === ']' || ch === '}') {
      const top = stack.pop();
      if (top?.open === '#{' && ch === '}') {
        // Back inside the string: skip to its end.
        for (i++; i < offset && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      }
    } else if (ch === ',') {
      stack[stack.length - 1]?.commas.push(i);
    }
  }
  return stack;
}

interface Callee {
  readonly label: string;
  readonly signature: SignatureParts;
  readonly params: readonly string[];
  /** `a.f(x)` calls `f(a, x)`: the first parameter is already given. */
  readonly skip: number;
  readonly doc?: string;
}

function parts(head: string, params: readonly string[], tail: string): SignatureParts {
  return { head, params, tail };
}

function fromSymbol(file: FileState, symbol: AriaSymbol, label: string, skip: number): Callee | undefined {
  const decl = symbol.decl;
  const source = file.doc.getText();
  switch (symbol.kind) {
    case 'function':
    case 'operation': {
      const fn = decl as A.FnDecl | A.OpSig;
      const prefix = symbol.kind === 'operation' ? `fn ${symbol.container?.name ?? ''}.` : 'fn ';
      return { label, signature: fnSignatureParts(fn, source, prefix), params: fn.params.map(p => p.name.name), skip, doc: symbol.doc };
    }
    case 'struct': {
      const s = decl as A.StructDecl;
      return { label, signature: parts(`${s.name.name}(`, s.fields.map(f => paramText(f, source)), ')'), params: s.fields.map(f => f.name.name), skip: 0, doc: symbol.doc };
    }
    case 'handler': {
      const h = decl as A.HandlerDecl;
      const params = h.params ?? [];
      return { label, signature: parts(`${h.name.name}(`, params.map(p => paramText(p, source)), `) for ${h.effect.name}`), params: params.map(p => p.name.name), skip: 0, doc: symbol.doc ?? handlerSignature(h) };
    }
    default:
      return undefined;
  }
}

function builtinCallee(name: string, label: string, skip: number): Callee | undefined {
  const fn = builtinFunction(name);
  if (fn) {
    const open = fn.signature.indexOf('(');
    const close = fn.signature.lastIndexOf(')');
    const inner = fn.signature.slice(open + 1, close);
    const pieces = inner ? splitTopLevel(inner) : [];
    return { label, signature: parts(fn.signature.slice(0, open + 1), pieces, fn.signature.slice(close)), params: fn.params, skip, doc: fn.doc };
  }
  const ctor = BUILTIN_CONSTRUCTORS.find(c => c.name === name);
  if (ctor) return { label, signature: parts(`${name}(`, ctor.arity ? ['value'] : [], ')'), params: ctor.arity ? ['value'] : [], skip: 0, doc: ctor.doc };
  return undefined;
}

/** Splits `a: Int, f: (T) -> {e} U` at the commas that are not inside brackets. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '[' || ch === '{' || ch === '<') depth++;
    else if (ch === ')' || ch === ']' || ch === '}' || (ch === '>' && text[i - 1] !== '-')) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

function resolveCallee(ctx: ServerContext, file: FileState, chain: string, at: number): Callee | undefined {
  const names = chain.split('.');
  const visible = (name: string) => visibleAt(file.index, at).find(s => s.name === name);
  if (names.length === 1) {
    const symbol = visible(names[0]!);
    return symbol ? fromSymbol(file, symbol, chain, 0) : builtinCallee(names[0]!, chain, 0);
  }
  const object = names[names.length - 2]!;
  const member = names[names.length - 1]!;
  const objectSymbol = names.length === 2 ? visible(object) : undefined;
  if (objectSymbol?.kind === 'effect') {
    const op = file.index.symbols.find(s => s.kind === 'operation' && s.container === objectSymbol && s.name === member);
    return op ? fromSymbol(file, op, chain, 0) : undefined;
  }
  if (objectSymbol?.kind === 'module' && objectSymbol.importPath) {
    const target = ctx.analyzer.importedFile(objectSymbol.importPath, file);
    const symbol = target?.index.symbols.find(s => !s.local && !s.container && s.name === member);
    return target && symbol ? fromSymbol(target, symbol, chain, 0) : undefined;
  }
  if (!objectSymbol && names.length === 2 && /^[A-Z]/.test(object)) {
    const handler = BUILTIN_HANDLERS.find(h => h.name === chain);
    if (handler) {
      const params = handler.params ?? [];
      return { label: chain, signature: parts(`${chain}(`, splitTopLevel(handler.signature.slice(handler.signature.indexOf('(') + 1, handler.signature.lastIndexOf(')'))), ')'), params, skip: 0, doc: handler.doc };
    }
    if (isBuiltinEffect(object)) {
      const op = BUILTIN_EFFECT_INFO[object].ops.find(o => o.name === member);
      if (op) return { label: chain, signature: parts(`${chain}(`, [], op.signature.slice(op.signature.indexOf(')'))), params: [], skip: 0, doc: op.doc };
    }
    const found = ctx.analyzer.resolve({ kind: 'external-op', effect: object, name: member }, file);
    if (found) return fromSymbol(found.file, found.item, chain, 0);
    return undefined;
  }
  // A uniform call on a value.
  const fn = visibleAt(file.index, at).find(s => s.kind === 'function' && s.name === member);
  return fn ? fromSymbol(file, fn, chain, 1) : builtinCallee(member, chain, 1);
}

export function enclosingCall(ctx: ServerContext, file: FileState, offset: number): EnclosingCall | undefined {
  const text = file.doc.getText();
  const frames = openParens(text, offset);
  for (let k = frames.length - 1; k >= 0; k--) {
    const frame = frames[k]!;
    if (frame.open !== '(') {
      if (frame.open === '#{' || frame.open === '{') return undefined;
      continue;
    }
    const before = /([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/.exec(text.slice(Math.max(0, frame.at - 200), frame.at));
    if (!before) continue; // a parenthesised expression, not a call
    const callee = resolveCallee(ctx, file, before[1]!, frame.at);
    if (!callee) return undefined;
    const argStarts = [frame.at + 1, ...frame.commas.map(c => c + 1)];
    const args = argStarts.map((s, i) => text.slice(s, i + 1 < argStarts.length ? argStarts[i + 1]! - 1 : offset));
    const namedOf = (arg: string) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(arg)?.[1];
    const namedGiven = args.map(namedOf).filter((n): n is string => n !== undefined);
    const current = args[args.length - 1] ?? '';
    const currentName = namedOf(current);
    let active: number;
    if (currentName) {
      active = callee.params.indexOf(currentName);
    } else {
      const positional = args.slice(0, -1).filter(a => namedOf(a) === undefined).length + callee.skip;
      const rest = callee.params.findIndex(p => p.startsWith('...'));
      active = rest !== -1 && positional >= rest ? rest : positional;
    }
    return { label: callee.label, signature: callee.signature, params: callee.params, activeParameter: active, namedGiven, doc: callee.doc, open: frame.at };
  }
  return undefined;
}

/**
 * The signature at this call with the callee's type as the checker instantiated it (`ws.typeAt` on the callee's
 * name): `fn map(xs: List[Job], f: (Job) -> {} String) -> {} List[String]` for `fn map[T, U](xs: List[T], ...)`.
 * Undefined when the types do not know the callee there (a half-typed call that does not parse) or when its
 * parameters do not line up with the declared ones (variadic built-ins).
 */
export function instantiatedSignature(semantics: Semantics, file: FileState, call: EnclosingCall): SignatureParts | undefined {
  const info = semantics.typeAt(file, call.open - 1);
  if (!info || info.span.end !== call.open || !info.type.startsWith('(')) return undefined;
  const close = matchingParen(info.type);
  if (close === -1) return undefined;
  const inner = info.type.slice(1, close);
  const types = inner.trim() ? splitTopLevel(inner) : [];
  if (types.length !== call.params.length || call.params.some(p => p.startsWith('...'))) return undefined;
  const head = call.signature.head.replace(/\[[^\]]*\]\($/, '(');
  return { head, params: call.params.map((name, i) => `${name}: ${types[i]}`), tail: `)${info.type.slice(close + 1)}` };
}

/** The index of the `)` that closes the `(` at 0, or -1. */
function matchingParen(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return ch === ')' ? i : -1;
    }
  }
  return -1;
}

export function signatureHelp(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number): SignatureHelp | null {
  const call = enclosingCall(ctx, file, offset);
  if (!call) return null;
  const declared = call.signature;
  const instantiated = instantiatedSignature(semantics, file, call);
  const { head, params, tail } = instantiated ?? declared;
  const label = `${head}${params.join(', ')}${tail}`;
  const declaredLabel = `${declared.head}${declared.params.join(', ')}${declared.tail}`;
  const docs = [instantiated && declaredLabel !== label ? `Declared: \`${declaredLabel}\`` : undefined, call.doc].filter(Boolean).join('\n\n');
  const parameters: { label: [number, number] }[] = [];
  let at = head.length;
  for (const p of params) {
    parameters.push({ label: [at, at + p.length] });
    at += p.length + 2;
  }
  return {
    signatures: [{ label, parameters, ...(docs ? { documentation: { kind: MarkupKind.Markdown, value: docs } } : {}) }],
    activeSignature: 0,
    activeParameter: call.activeParameter >= 0 && call.activeParameter < params.length ? call.activeParameter : undefined,
  };
}
