// Call hierarchy from the name model: a function's callers are the calls whose callee resolves to its declaration, in the function (or top level) around each call.
import { functionAround, type AriaSymbol, type CallSite, type FileIndex } from './names.js';
import { resolveTarget, type Declared, type NameHost } from './navigation.js';
import type { SymbolKind } from './symbols.js';
import type * as A from './syntax/ast.js';
import type { Span } from './syntax/ast.js';

export interface CallHierarchyItem {
  /** `path#@offset` of the function's name; `path#program` for a file's top level. */
  readonly id: string;
  readonly name: string;
  readonly kind: SymbolKind;
  readonly path: string;
  readonly span: Span;
  readonly nameSpan: Span;
  readonly detail: string;
}

export interface CallHierarchyCall {
  readonly item: CallHierarchyItem;
  /** The call sites: in the caller (incoming) or in this function (outgoing). */
  readonly spans: readonly Span[];
}

/** What the call hierarchy reads of a workspace besides the name model. */
export interface HierarchyHost extends NameHost {
  /** Every file the workspace holds. */
  files(): readonly string[];
  /** The signature shown beside a function (`fn f(x: Int) -> Int`). */
  detail(path: string, nameStart: number): string | undefined;
}

/** The function, local function or handler operation declared at `decl`, or undefined for other symbols. */
export function functionItem(host: HierarchyHost, decl: Declared): CallHierarchyItem | undefined {
  if (decl.symbol.kind !== 'function' && decl.symbol.kind !== 'handler-operation') return undefined;
  for (const [fn, symbol] of host.names(decl.path)?.functions ?? []) {
    if (symbol.nameSpan.start === decl.symbol.nameSpan.start) return itemOf(host, decl.path, fn, symbol);
  }
  return undefined;
}

/** The innermost function around an offset, or the file's top level. */
export function itemAround(host: HierarchyHost, path: string, offset: number): CallHierarchyItem | undefined {
  const index = host.names(path);
  if (!index) return undefined;
  const around = functionAround(index, offset);
  return around ? itemOf(host, path, around[0], around[1]) : programItem(index);
}

/** The calls of `item` across the workspace, grouped by the function (or top level) they are made in. */
export function incomingCalls(host: HierarchyHost, item: CallHierarchyItem): CallHierarchyCall[] {
  const name = item.name.includes('.') ? item.name.slice(item.name.lastIndexOf('.') + 1) : item.name;
  const out = new Map<string, { item: CallHierarchyItem; spans: Span[] }>();
  for (const path of host.files()) {
    const text = host.text(path);
    if (!text?.includes(name)) continue;
    const index = host.names(path);
    if (!index) continue;
    for (const [call, caller] of callsNamed(index, text).get(name) ?? []) {
      if (!call.target) continue;
      const decl = resolveTarget(host, call.target, path);
      if (!decl || decl.path !== item.path || decl.symbol.nameSpan.start !== item.nameSpan.start) continue;
      const from = caller ? itemOf(host, path, caller[0], caller[1]) : programItem(index);
      let entry = out.get(from.id);
      if (!entry) out.set(from.id, (entry = { item: from, spans: [] }));
      entry.spans.push(call.span);
    }
  }
  return [...out.values()];
}

/** The functions `item` calls (directly in its body, its lambdas and local functions' bodies not included). */
export function outgoingCalls(host: HierarchyHost, item: CallHierarchyItem): CallHierarchyCall[] {
  const index = host.names(item.path);
  if (!index) return [];
  const out = new Map<string, { item: CallHierarchyItem; spans: Span[] }>();
  for (const [call, caller] of callers(index)) {
    const from = caller ? `${item.path}#@${caller[0].name.span.start}` : `${item.path}#program`;
    if (from !== item.id || !call.target) continue;
    const decl = resolveTarget(host, call.target, item.path);
    const to = decl && functionItem(host, decl);
    if (!to) continue;
    let entry = out.get(to.id);
    if (!entry) out.set(to.id, (entry = { item: to, spans: [] }));
    entry.spans.push(call.span);
  }
  return [...out.values()];
}

function itemOf(host: HierarchyHost, path: string, fn: A.FnDecl, symbol: AriaSymbol): CallHierarchyItem {
  const operation = symbol.kind === 'handler-operation';
  const name = operation && symbol.container ? `${symbol.container.name}.${symbol.name}` : symbol.name;
  return {
    id: `${path}#@${fn.name.span.start}`, name, kind: operation ? 'handler-operation' : symbol.local ? 'local-function' : 'function',
    path, span: fn.span, nameSpan: fn.name.span, detail: host.detail(path, fn.name.span.start) ?? name,
  };
}

function programItem(index: FileIndex): CallHierarchyItem {
  const span = index.module.span;
  return { id: `${index.path}#program`, name: '(top level)', kind: 'module', path: index.path, span, nameSpan: { start: span.start, end: span.start }, detail: '(top level)' };
}

type Caller = [CallSite, [A.FnDecl, AriaSymbol] | undefined];

/** The calls of a file by the name they call (the callee's last name: `step` of `lib.step(x)`), made once per model. */
const byName = new WeakMap<FileIndex, Map<string, Caller[]>>();

function callsNamed(index: FileIndex, text: string): Map<string, Caller[]> {
  let map = byName.get(index);
  if (!map) {
    map = new Map();
    for (const entry of callers(index)) {
      const span = entry[0].calleeSpan;
      const name = text.slice(span.start, span.end);
      let list = map.get(name);
      if (!list) map.set(name, (list = []));
      list.push(entry);
    }
    byName.set(index, map);
  }
  return map;
}

/** Each call of a file with the innermost function around it (undefined: the top level), in one sweep; made once per model. */
const swept = new WeakMap<FileIndex, Caller[]>();

function callers(index: FileIndex): Caller[] {
  const known = swept.get(index);
  if (known) return known;
  const out = sweep(index);
  swept.set(index, out);
  return out;
}

function sweep(index: FileIndex): Caller[] {
  const fns = [...index.functions].sort((x, y) => x[0].span.start - y[0].span.start);
  const open: [A.FnDecl, AriaSymbol][] = [];
  const out: Caller[] = [];
  let next = 0;
  const close = (at: number) => {
    while (open.length > 0 && open[open.length - 1]![0].span.end < at) open.pop();
  };
  for (const call of index.calls) {
    while (next < fns.length && fns[next]![0].span.start <= call.span.start) {
      close(fns[next]![0].span.start);
      open.push(fns[next++]!);
    }
    close(call.span.start);
    out.push([call, open[open.length - 1]]);
  }
  return out;
}
