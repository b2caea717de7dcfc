// Call hierarchy (incoming and outgoing calls), answered from the name model; handler operations and the program included.
import { SymbolKind, type CallHierarchyIncomingCall, type CallHierarchyItem, type CallHierarchyOutgoingCall } from 'vscode-languageserver/node';
import type { CallHierarchyItem as CheckerItem, SymbolKind as CheckerKind } from '../../analysis/workspace.js';
import type { FileState } from '../analyzer.js';
import { rangeOf } from '../convert.js';
import type { ServerContext } from '../context.js';

function kindOf(kind: CheckerKind): SymbolKind {
  switch (kind) {
    case 'handler-operation':
    case 'operation':
      return SymbolKind.Method;
    case 'handler':
      return SymbolKind.Class;
    case 'module':
      return SymbolKind.Module;
    default:
      return SymbolKind.Function;
  }
}

function toLsp(ctx: ServerContext, item: CheckerItem): CallHierarchyItem | undefined {
  const file = ctx.analyzer.all().find(f => f.path === item.path);
  if (!file) return undefined;
  const name = item.kind === 'module' ? '(program)' : item.name;
  return {
    name, kind: kindOf(item.kind), detail: item.detail, uri: file.uri,
    range: rangeOf(file.doc, item.span), selectionRange: rangeOf(file.doc, item.kind === 'module' ? { start: item.span.start, end: item.span.start } : item.nameSpan),
    data: item,
  };
}

export function prepareCallHierarchy(ctx: ServerContext, file: FileState, offset: number): CallHierarchyItem[] {
  const item = ctx.analyzer.checker?.callHierarchyItem(file.path, offset);
  const lsp = item ? toLsp(ctx, item) : undefined;
  return lsp ? [lsp] : [];
}

export function incomingCalls(ctx: ServerContext, item: CallHierarchyItem): CallHierarchyIncomingCall[] {
  const ws = ctx.analyzer.checker;
  if (!ws || !item.data) return [];
  return ws.incomingCalls(item.data as CheckerItem).flatMap(call => {
    const from = toLsp(ctx, call.item);
    const file = ctx.analyzer.all().find(f => f.path === call.item.path);
    return from && file ? [{ from, fromRanges: call.spans.map(s => rangeOf(file.doc, s)) }] : [];
  });
}

export function outgoingCalls(ctx: ServerContext, item: CallHierarchyItem): CallHierarchyOutgoingCall[] {
  const ws = ctx.analyzer.checker;
  const data = item.data as CheckerItem | undefined;
  if (!ws || !data) return [];
  const file = ctx.analyzer.all().find(f => f.path === data.path);
  if (!file) return [];
  return ws.outgoingCalls(data).flatMap(call => {
    const to = toLsp(ctx, call.item);
    return to ? [{ to, fromRanges: call.spans.map(s => rangeOf(file.doc, s)) }] : [];
  });
}
