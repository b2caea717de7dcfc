// Completion: keywords, locals and items, effect names inside a row, operations after `Effect.`, members by the
// receiver's type after `value.`, handlers after `with`, named arguments.
import {
  CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList,
} from 'vscode-languageserver/node';
import type * as A from '../../analysis/syntax/ast.js';
import {
  BUILTIN_CONSTANTS, BUILTIN_CONSTRUCTORS, BUILTIN_EFFECT_INFO, BUILTIN_EFFECTS, BUILTIN_FUNCTIONS, BUILTIN_HANDLERS,
  DURATION_UNITS, builtinFunction, isBuiltinEffect,
} from '../../analysis/builtins.js';
import type { FileState } from '../analyzer.js';
import type { ServerContext } from '../context.js';
import { visibleAt, type AriaSymbol } from '../../analysis/names.js';
import type { Semantics } from '../semantics.js';
import { builtinMarkdown, symbolMarkdown } from './hover.js';
import { enclosingCall } from './signature-help.js';
import { symbolDetail } from './symbols.js';

/**
 * What `completionItem/resolve` needs to find the item's documentation again, kept short (a long file offers
 * hundreds of names): `[nameStart, uriId]` for a declaration, `[what, name]` for a built-in.
 */
export type CompletionData = readonly [number, number] | readonly [string, string];

const KEYWORD_SNIPPETS: readonly [string, string][] = [
  ['fn', 'fn ${1:name}(${2}) -> {${3}} ${4:Unit}\n\t$0\nend'],
  ['effect', 'effect ${1:Name} {\n\tfn ${2:op}(${3}) -> ${4:Unit}\n}'],
  ['handler', 'handler ${1:Name} for ${2:Effect} {\n\tfn ${3:op}(${4}) = $0\n}'],
  ['struct', 'struct ${1:Name}(${2})'],
  ['import', 'import ${1:module}'],
  ['if', 'if ${1:condition}\n\t$0\nend'],
  ['while', 'while ${1:condition}\n\t$0\nend'],
  ['for', 'for ${1:x} in ${2:xs}\n\t$0\nend'],
  ['loop', 'loop\n\t$0\nend'],
  ['match', 'match ${1:value}\ncase ${2:_} => $0\nend'],
  ['with', 'with ${1:Async.default}\n\t$0\nend'],
];
const PLAIN_KEYWORDS = ['end', 'elif', 'else', 'case', 'return', 'break', 'continue', 'spawn', 'and', 'or', 'not', 'true', 'false', 'in'];
const NAMESPACES = ['Async', 'Cancel', 'Runtime', 'CPU'];

export function completion(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number, snippets: boolean): CompletionList {
  const text = file.doc.getText();
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const prefix = text.slice(lineStart, offset);
  const items = complete(ctx, semantics, file, offset, prefix, snippets);
  return { isIncomplete: false, items };
}

const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isWordStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace = (c: number) => c === 32 || c === 9 || c === 13 || c === 11 || c === 12;

/**
 * The object of a member access ending at the cursor (`x.`, `xs.le`, `f().`, `3.`), `)` for a call or index or
 * a line that starts with `.`, or undefined. A backward scan from the cursor: it reads each character at most
 * once (the regular expression it replaces was quadratic on long lines).
 */
export function memberObject(prefix: string): string | undefined {
  let i = prefix.length;
  // The member typed so far: `[A-Za-z_][A-Za-z0-9_]*` or nothing.
  let j = i;
  while (j > 0 && isWordChar(prefix.charCodeAt(j - 1))) j--;
  if (j < i && !isWordStart(prefix.charCodeAt(j))) {
    // `x.9a`: the member cannot start with a digit; what precedes the dot would have to be the last word run.
    return undefined;
  }
  i = j;
  while (i > 0 && isSpace(prefix.charCodeAt(i - 1))) i--;
  if (i === 0 || prefix[i - 1] !== '.') return undefined;
  const spaceAfterDot = i < j;
  i--;
  while (i > 0 && isSpace(prefix.charCodeAt(i - 1))) i--;
  // A line that starts with `.` (no space after it): a chain continued from the line above.
  if (i === 0) return spaceAfterDot ? undefined : ')';
  const last = prefix[i - 1]!;
  if (last === ')' || last === ']') return last;
  let start = i;
  while (start > 0 && isWordChar(prefix.charCodeAt(start - 1))) start--;
  if (start === i) return undefined;
  // The longest `[A-Za-z_][A-Za-z0-9_]*` ending here, else the digits (`3.`).
  for (let k = start; k < i; k++) if (isWordStart(prefix.charCodeAt(k))) return prefix.slice(k, i);
  return prefix.slice(start, i);
}

/** `^\s*[A-Za-z_]*$` without a regular expression. */
function isWordAfterSpace(prefix: string): boolean {
  let i = 0;
  while (i < prefix.length && isSpace(prefix.charCodeAt(i))) i++;
  for (; i < prefix.length; i++) if (!isWordStart(prefix.charCodeAt(i))) return false;
  return true;
}

function inCommentOrString(prefix: string): boolean {
  let inString = false;
  let interp = 0;
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '#' && prefix[i + 1] === '{') { interp++; inString = false; i++; }
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === '}' && interp > 0) {
      interp--;
      inString = true;
    } else if (ch === '#') {
      return true;
    }
  }
  return inString;
}

/**
 * How much of the line before the cursor the patterns below look at. They end at the cursor (`...$`), and an
 * unanchored pattern is tried from every start: over a whole 160,000-character line that was quadratic (57 s).
 * What they look for (`with H`, `-> {E`, `x.`, `(name`) is short, so a window of this size loses nothing real.
 */
export const COMPLETION_WINDOW = 256;

function complete(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number, prefix: string, snippets: boolean): CompletionItem[] {
  if (inCommentOrString(prefix)) return [];
  const near = prefix.length > COMPLETION_WINDOW ? prefix.slice(prefix.length - COMPLETION_WINDOW) : prefix;

  // `with H`: the handlers.
  const withMatch = /\bwith\s+([A-Za-z_][\w.]*)?$/.exec(near);
  if (withMatch) return handlerItems(ctx, file, snippets);

  // Inside an effect row: effect names and row variables.
  if (/->\s*[{<][^}>]*$/.test(near) || /\(\s*[^()]*\)\s*->\s*[{<][^}>]*$/.test(near)) return effectItems(ctx, file, offset);

  // `X.member`
  const object = memberObject(prefix);
  if (object !== undefined) return memberItems(ctx, semantics, file, offset, prefix, object, snippets);

  const items: CompletionItem[] = [];
  // Named arguments of the call around the cursor, at the start of an argument.
  if (/[(,]\s*[A-Za-z_]*$/.test(near)) items.push(...namedArgumentItems(ctx, file, offset));
  items.push(...scopeItems(ctx, file, offset, snippets));
  const atStatementStart = isWordAfterSpace(prefix);
  for (const [keyword, body] of KEYWORD_SNIPPETS) {
    if (!atStatementStart && keyword !== 'if' && keyword !== 'match' && keyword !== 'with') continue;
    items.push(snippets
      ? { label: keyword, kind: CompletionItemKind.Snippet, insertText: body, insertTextFormat: InsertTextFormat.Snippet, detail: `${keyword} … end`, sortText: `4${keyword}`, filterText: keyword }
      : { label: keyword, kind: CompletionItemKind.Keyword, sortText: `4${keyword}` });
  }
  for (const keyword of PLAIN_KEYWORDS) items.push({ label: keyword, kind: CompletionItemKind.Keyword, sortText: `5${keyword}` });
  return dedupe(items);
}

function dedupe(items: CompletionItem[]): CompletionItem[] {
  const seen = new Set<string>();
  return items.filter(item => {
    const key = `${item.label}\u0000${item.kind}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function kindOf(symbol: AriaSymbol): CompletionItemKind {
  switch (symbol.kind) {
    case 'function': return CompletionItemKind.Function;
    case 'effect': return CompletionItemKind.Interface;
    case 'operation':
    case 'handler-operation': return CompletionItemKind.Method;
    case 'handler': return CompletionItemKind.Class;
    case 'struct': return symbol.container?.kind === 'enum' ? CompletionItemKind.EnumMember : CompletionItemKind.Struct;
    case 'enum': return CompletionItemKind.Enum;
    case 'field': return CompletionItemKind.Field;
    case 'module': return CompletionItemKind.Module;
    case 'parameter':
    case 'variable': return CompletionItemKind.Variable;
    case 'type-parameter':
    case 'row-variable': return CompletionItemKind.TypeParameter;
    default: {
      const _exhaustive: never = symbol.kind;
      return _exhaustive;
    }
  }
}

/** `name(${1:a}, ${2:b})` for the required parameters. */
function callSnippet(name: string, params: readonly string[], snippets: boolean): Pick<CompletionItem, 'insertText' | 'insertTextFormat'> {
  if (!snippets) return { insertText: name };
  const placeholders = params.map((p, i) => `\${${i + 1}:${p.replace(/[$}\\]/g, '')}}`).join(', ');
  return { insertText: `${name}(${placeholders})$0`, insertTextFormat: InsertTextFormat.Snippet };
}

function requiredParams(params: readonly A.Param[]): string[] {
  return params.filter(p => !p.default).map(p => p.name.name);
}

function symbolItem(ctx: ServerContext, file: FileState, symbol: AriaSymbol, sort: string, snippets: boolean, uri = file.uri): CompletionItem {
  // The detail (a signature) is left to `completionItem/resolve`; the sort text is the group (ties sort by label).
  const item: CompletionItem = {
    label: symbol.name, kind: kindOf(symbol), sortText: sort,
    data: [symbol.nameSpan.start, ctx.uriIds.id(uri)] satisfies CompletionData,
  };
  const decl = symbol.decl;
  if ((symbol.kind === 'function' || symbol.kind === 'operation') && decl) Object.assign(item, callSnippet(symbol.name, requiredParams((decl as A.FnDecl).params), snippets));
  if (symbol.kind === 'struct' && decl) Object.assign(item, callSnippet(symbol.name, requiredParams((decl as A.StructDecl).fields), snippets));
  return item;
}

function builtinFunctionItem(name: string, sort: string, snippets: boolean): CompletionItem {
  const fn = builtinFunction(name)!;
  return {
    label: name, kind: CompletionItemKind.Function, detail: fn.signature, sortText: sort,
    data: ['function', name] satisfies CompletionData,
    ...callSnippet(name, fn.params.slice(0, fn.required).filter(p => !p.startsWith('...')), snippets),
  };
}

function scopeItems(ctx: ServerContext, file: FileState, offset: number, snippets: boolean): CompletionItem[] {
  const items: CompletionItem[] = [];
  const locals = new Set<string>();
  for (const symbol of visibleAt(file.index, offset)) {
    if (!symbol.local || symbol.kind === 'row-variable' || symbol.kind === 'type-parameter' || symbol.name === '') continue;
    locals.add(symbol.name);
    items.push(symbolItem(ctx, file, symbol, '0', snippets));
  }
  // The same everywhere in the file (its items, imports' effects, built-ins): built once per revision.
  const globals = file.memo(`completion:globals:${snippets}`, () => globalItems(ctx, file, snippets));
  for (const item of globals) if (!locals.has(item.label)) items.push(item);
  return items;
}

function globalItems(ctx: ServerContext, file: FileState, snippets: boolean): CompletionItem[] {
  const items: CompletionItem[] = [];
  const module = file.index.scopes.find(s => s.kind === 'module');
  for (const entry of module?.entries ?? []) {
    if (entry.symbol.name !== '') items.push(symbolItem(ctx, file, entry.symbol, '1', snippets));
  }
  for (const fn of BUILTIN_FUNCTIONS) items.push(builtinFunctionItem(fn.name, '3', snippets));
  for (const c of BUILTIN_CONSTRUCTORS) {
    items.push({ label: c.name, kind: CompletionItemKind.Constructor, detail: `${c.name}(${c.arity ? 'value' : ''})`, sortText: '3', data: ['constructor', c.name] satisfies CompletionData });
  }
  for (const ns of NAMESPACES) items.push({ label: ns, kind: isBuiltinEffect(ns) ? CompletionItemKind.Interface : CompletionItemKind.Module, sortText: '3', data: ['effect', ns] satisfies CompletionData });
  // User effects of imported files (for `Effect.op`).
  for (const other of importedFiles(ctx, file)) {
    for (const s of other.index.symbols) {
      if (s.kind === 'effect') items.push(symbolItem(ctx, other, s, '2', snippets, other.uri));
    }
  }
  return dedupe(items);
}

function importedFiles(ctx: ServerContext, file: FileState): FileState[] {
  const seen = new Set<string>([file.path]);
  const queue = ctx.analyzer.imports(file);
  const out: FileState[] = [];
  while (queue.length) {
    const next = queue.shift()!;
    if (seen.has(next.path)) continue;
    seen.add(next.path);
    out.push(next);
    queue.push(...ctx.analyzer.imports(next));
  }
  return out;
}

function effectItems(ctx: ServerContext, file: FileState, offset: number): CompletionItem[] {
  const items: CompletionItem[] = BUILTIN_EFFECTS.map(name => ({
    label: name, kind: CompletionItemKind.Interface, detail: 'built-in effect', sortText: `1${name}`,
    data: ['effect', name] satisfies CompletionData,
  }));
  for (const source of [file, ...importedFiles(ctx, file)]) {
    for (const s of source.index.symbols) {
      if (s.kind === 'effect') items.push(symbolItem(ctx, source, s, '0', false, source.uri));
    }
  }
  // Row variables already bound by the signature around the cursor.
  for (const s of file.index.symbols) {
    if (s.kind !== 'row-variable' || s.nameSpan.start > offset) continue;
    const owner = s.container?.decl;
    if (owner && 'span' in owner && owner.span.start <= offset && offset <= owner.span.end) {
      items.push({ label: s.name, kind: CompletionItemKind.TypeParameter, detail: 'row variable', sortText: `2${s.name}` });
    }
  }
  return dedupe(items);
}

function handlerItems(ctx: ServerContext, file: FileState, snippets: boolean): CompletionItem[] {
  const items: CompletionItem[] = BUILTIN_HANDLERS.map(h => {
    let insert = h.name;
    if (snippets && h.params?.length) insert = `${h.name}(${h.params.map((p, i) => `${p}: \${${i + 1}}`).join(', ')})`;
    if (snippets && h.name === 'Cancel.timeout') insert = 'Cancel.timeout(${1:1.seconds})';
    if (snippets && h.binds) insert = `${h.name} |\${1:scope}|`;
    return {
      label: h.name, kind: CompletionItemKind.Class, detail: `discharges ${h.discharges.join(', ') || 'nothing'}`, sortText: `1${h.name}`,
      insertText: insert, insertTextFormat: snippets ? InsertTextFormat.Snippet : InsertTextFormat.PlainText, filterText: h.name,
      data: ['handler', h.name] satisfies CompletionData,
    };
  });
  for (const source of ctx.analyzer.all()) {
    if (source !== file && !importedFiles(ctx, file).includes(source)) continue;
    for (const s of source.index.symbols) {
      if (s.kind !== 'handler') continue;
      const decl = s.decl as A.HandlerDecl;
      const item = symbolItem(ctx, source, s, '0', snippets, source.uri);
      item.detail = `for ${decl.effect.name}`;
      if (decl.params) Object.assign(item, callSnippet(s.name, requiredParams(decl.params), snippets));
      items.push(item);
    }
  }
  return items;
}

/** Built-ins typed by hand in the checker, and the receiver types (`*`: any) they take as first argument. */
const HAND_TYPED_MEMBERS: readonly (readonly [string, readonly string[]])[] = [
  ['len', ['List', 'String']], ['contains', ['List', 'String']], ['sum', ['List']], ['int', ['String', 'Float']],
  ['abs', ['Int', 'Float']], ['min', ['Int', 'Float']], ['max', ['Int', 'Float']], ['str', ['*']], ['print', ['*']],
];

/** The offset of the `.` of the member access ending at the cursor (`prefix` is the line up to the cursor). */
function dotOffset(prefix: string, offset: number): number | undefined {
  let i = prefix.length;
  while (i > 0 && isWordChar(prefix.charCodeAt(i - 1))) i--;
  while (i > 0 && isSpace(prefix.charCodeAt(i - 1))) i--;
  return i > 0 && prefix[i - 1] === '.' ? offset - (prefix.length - i) - 1 : undefined;
}

/**
 * What the receiver's static type offers after `.`: its struct's fields, `await` on a task, and the functions whose
 * first parameter fits (called uniformly: `xs.len()` is `len(xs)`), each with its type (at this receiver).
 * Undefined when the types say nothing about the receiver.
 */
function typedMemberItems(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number, dot: number, snippets: boolean): CompletionItem[] | undefined {
  const members = [...semantics.membersAt(file, dot)];
  if (!members.length) return undefined;
  // The built-ins the checker types by hand (variadic, or over several types) have no scheme to match: offered by
  // the receiver's type head (`xs.len()`, `s.contains(x)`, `n.abs()`).
  const receiver = semantics.typeAt(file, dot)?.type ?? '';
  const head = /^[A-Za-z_]\w*/.exec(receiver)?.[0] ?? '';
  for (const [name, heads] of HAND_TYPED_MEMBERS) {
    if ((heads.includes('*') || heads.includes(head)) && !members.some(m => m.name === name)) {
      members.push({ name, kind: 'function', type: builtinFunction(name)?.signature ?? name });
    }
  }
  const visible = new Map<string, AriaSymbol>();
  for (const s of visibleAt(file.index, offset)) if (s.kind === 'function' && !visible.has(s.name)) visible.set(s.name, s);
  return members.map((m): CompletionItem => {
    switch (m.kind) {
      case 'field':
        return { label: m.name, kind: CompletionItemKind.Field, detail: m.type, sortText: `0${m.name}` };
      case 'await':
        return { label: 'await', kind: CompletionItemKind.Keyword, detail: m.type, labelDetails: { description: 'waits for the task' }, sortText: '0await' };
      case 'function': {
        const symbol = visible.get(m.name);
        if (symbol) {
          const params = (symbol.decl as A.FnDecl | undefined)?.params ?? [];
          return { ...symbolItem(ctx, file, symbol, '1', snippets), detail: m.type, ...callSnippet(m.name, requiredParams(params).slice(1), snippets) };
        }
        const builtin = builtinFunction(m.name);
        if (builtin) return { ...builtinFunctionItem(m.name, '2', snippets), detail: m.type, ...callSnippet(m.name, builtin.params.slice(1, builtin.required).filter(p => !p.startsWith('...')), snippets) };
        return { label: m.name, kind: CompletionItemKind.Function, detail: m.type, sortText: '1', ...callSnippet(m.name, [], snippets) };
      }
      default: {
        const _exhaustive: never = m.kind;
        return _exhaustive;
      }
    }
  });
}

function memberItems(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number, prefix: string, object: string, snippets: boolean): CompletionItem[] {
  // `5.` then a duration unit.
  if (/^\d+$/.test(object)) {
    return Object.entries(DURATION_UNITS).map(([unit, ms]) => ({ label: unit, kind: CompletionItemKind.Unit, detail: `${ms} ms each`, sortText: `${String(ms).padStart(6, '0')}${unit}` }));
  }
  const items: CompletionItem[] = [];
  const symbol = /^[A-Za-z_]/.test(object) ? visibleAt(file.index, offset).find(s => s.name === object) : undefined;
  if (symbol?.kind === 'effect') {
    for (const s of file.index.symbols) if (s.kind === 'operation' && s.container === symbol) items.push(symbolItem(ctx, file, s, '0', snippets));
    return items;
  }
  if (symbol?.kind === 'module' && symbol.importPath) {
    const target = ctx.analyzer.importedFile(symbol.importPath, file);
    for (const s of target?.index.symbols ?? []) {
      if (!s.local && !s.container && s.kind !== 'module') items.push(symbolItem(ctx, target!, s, '0', snippets, target!.uri));
    }
    return items;
  }
  if (!symbol && /^[A-Z]/.test(object)) {
    // Built-in namespaces, and effects declared in imported files.
    if (isBuiltinEffect(object)) {
      for (const op of BUILTIN_EFFECT_INFO[object].ops) {
        items.push({ label: op.name, kind: CompletionItemKind.Method, detail: op.signature, sortText: `0${op.name}`, data: ['operation', `${object}.${op.name}`] satisfies CompletionData, ...callSnippet(op.name, op.params, snippets) });
      }
    }
    for (const h of BUILTIN_HANDLERS) {
      const [ns, name] = h.name.split('.') as [string, string];
      if (ns === object) items.push({ label: name, kind: CompletionItemKind.Class, detail: `handler: discharges ${h.discharges.join(', ') || 'nothing'}`, sortText: `1${name}`, data: ['handler', h.name] satisfies CompletionData });
    }
    for (const c of BUILTIN_CONSTANTS) {
      const [ns, name] = c.name.split('.') as [string, string];
      if (ns === object) items.push({ label: name, kind: CompletionItemKind.Constant, detail: `= ${c.value}`, data: ['constant', c.name] satisfies CompletionData });
    }
    for (const other of importedFiles(ctx, file)) {
      const effect = other.index.symbols.find(s => s.kind === 'effect' && s.name === object);
      if (effect) for (const s of other.index.symbols) if (s.kind === 'operation' && s.container === effect) items.push(symbolItem(ctx, other, s, '0', snippets, other.uri));
    }
    return items;
  }
  // A value: what its type offers, when the types know it.
  const dot = dotOffset(prefix, offset);
  const typed = dot === undefined ? undefined : typedMemberItems(ctx, semantics, file, offset, dot, snippets);
  if (typed) return typed;
  // Otherwise `.await`, and every function called uniformly (`xs.len()` is `len(xs)`).
  items.push({ label: 'await', kind: CompletionItemKind.Keyword, detail: 'waits for the task', sortText: '0await' });
  for (const s of visibleAt(file.index, offset)) {
    if (s.kind !== 'function') continue;
    const params = (s.decl as A.FnDecl | undefined)?.params ?? [];
    if (!params.length) continue;
    items.push({ ...symbolItem(ctx, file, s, '1', snippets), ...callSnippet(s.name, requiredParams(params).slice(1), snippets) });
  }
  for (const fn of BUILTIN_FUNCTIONS) {
    if (!fn.params.length) continue;
    items.push({ ...builtinFunctionItem(fn.name, '2', snippets), ...callSnippet(fn.name, fn.params.slice(1, fn.required).filter(p => !p.startsWith('...')), snippets) });
  }
  return items;
}

function namedArgumentItems(ctx: ServerContext, file: FileState, offset: number): CompletionItem[] {
  const call = enclosingCall(ctx, file, offset);
  if (!call?.params) return [];
  const given = new Set(call.namedGiven);
  return call.params.filter(p => !p.startsWith('...') && !given.has(p)).map(p => ({
    label: `${p}:`, kind: CompletionItemKind.Field, detail: `named argument of ${call.label}`, insertText: `${p}: `, sortText: `00${p}`, filterText: p,
  }));
}

export function resolveCompletion(ctx: ServerContext, semantics: Semantics, item: CompletionItem): CompletionItem {
  const data = item.data as CompletionData | undefined;
  if (!Array.isArray(data) || data.length !== 2) return item;
  let value: string | undefined;
  if (typeof data[0] === 'string') {
    value = builtinMarkdown(data[0], String(data[1]));
  } else {
    const uri = ctx.uriIds.uri(Number(data[1]));
    const file = uri ? ctx.analyzer.get(uri) : undefined;
    const nameStart = data[0];
    const symbol = file?.index.symbols.find(s => s.nameSpan.start === nameStart);
    if (file && symbol) {
      value = symbolMarkdown(ctx, semantics, file, symbol);
      item.detail ??= symbolDetail(symbol, file.doc.getText()) || undefined;
    }
  }
  if (value) item.documentation = { kind: MarkupKind.Markdown, value };
  return item;
}
