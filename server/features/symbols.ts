// Document symbols (an outline: items with their operations, fields and local functions) and workspace symbols.
import { SymbolKind, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver/node';
import type * as A from '../../analysis/syntax/ast.js';
import type { FileState } from '../analyzer.js';
import { rangeOf } from '../convert.js';
import type { ServerContext } from '../context.js';
import type { AriaSymbol, SymbolKind as AriaKind } from '../../analysis/names.js';
import { fnSignature, rowText, structSignature } from '../ide/signature.js';

export function lspKind(kind: AriaKind): SymbolKind {
  switch (kind) {
    case 'function':
      return SymbolKind.Function;
    case 'effect':
      return SymbolKind.Interface;
    case 'operation':
    case 'handler-operation':
      return SymbolKind.Method;
    case 'handler':
      return SymbolKind.Class;
    case 'struct':
      return SymbolKind.Struct;
    case 'enum':
      return SymbolKind.Enum;
    case 'field':
      return SymbolKind.Field;
    case 'module':
      return SymbolKind.Module;
    case 'parameter':
    case 'variable':
      return SymbolKind.Variable;
    case 'type-parameter':
    case 'row-variable':
      return SymbolKind.TypeParameter;
    default: {
      const _exhaustive: never = kind;
      return _exhaustive;
    }
  }
}

/** A one-line detail for a symbol (its row or signature without the name). */
export function symbolDetail(symbol: AriaSymbol, source: string): string {
  const decl = symbol.decl;
  if (!decl) return '';
  switch (symbol.kind) {
    case 'function':
    case 'operation':
    case 'handler-operation': {
      const fn = decl as A.FnDecl | A.OpSig;
      return fnSignature(fn, source, '').slice(fn.name.name.length);
    }
    case 'handler':
      return `for ${(decl as A.HandlerDecl).effect.name}`;
    case 'effect':
      return `${(decl as A.EffectDecl).ops.length} operation(s)`;
    case 'struct':
      return structSignature(decl as A.StructDecl, source).replace(/^struct \w+/, '');
    case 'module':
      return (symbol.importPath ?? []).join('.');
    default:
      return '';
  }
}

export function documentSymbols(file: FileState): DocumentSymbol[] {
  const source = file.doc.getText();
  const out: DocumentSymbol[] = [];
  const make = (name: string, kind: SymbolKind, span: A.Span, nameSpan: A.Span, detail: string, children?: DocumentSymbol[]): DocumentSymbol => ({
    name: name || '(unnamed)', kind, detail, range: rangeOf(file.doc, span), selectionRange: rangeOf(file.doc, nameSpan),
    ...(children && children.length ? { children } : {}),
  });
  const localFns = (block: A.Block): DocumentSymbol[] => {
    const found: DocumentSymbol[] = [];
    const visit = (b: A.Block) => {
      for (const stmt of b.stmts) {
        if (stmt.kind === 'LocalFn') found.push(make(stmt.fn.name.name, SymbolKind.Function, stmt.fn.span, stmt.fn.name.span, fnDetail(stmt.fn, source), localFns(stmt.fn.body)));
        else if (stmt.kind === 'While' || stmt.kind === 'Loop' || stmt.kind === 'For') visit(stmt.body);
      }
    };
    visit(block);
    return found;
  };
  for (const item of file.module.items) {
    switch (item.kind) {
      case 'Fn':
        out.push(make(item.name.name, SymbolKind.Function, item.span, item.name.span, fnDetail(item, source), localFns(item.body)));
        break;
      case 'Effect':
        out.push(make(item.name.name, SymbolKind.Interface, item.span, item.name.span, 'effect',
          item.ops.map(op => make(op.name.name, SymbolKind.Method, op.span, op.name.span, fnDetail(op, source)))));
        break;
      case 'Handler':
        out.push(make(item.name.name, SymbolKind.Class, item.span, item.name.span, `for ${item.effect.name}`,
          item.ops.map(op => make(op.name.name, SymbolKind.Method, op.span, op.name.span, fnDetail(op, source)))));
        break;
      case 'Struct':
        out.push(make(item.name.name, SymbolKind.Struct, item.span, item.name.span, 'struct',
          item.fields.map(f => make(f.name.name, SymbolKind.Field, f.span, f.name.span, ''))));
        break;
      case 'Enum':
        out.push(make(item.name.name, SymbolKind.Enum, item.span, item.name.span, 'enum',
          item.variants.map(v => make(v.name.name, SymbolKind.EnumMember, v.span, v.name.span, '',
            v.fields.map(f => make(f.name.name, SymbolKind.Field, f.span, f.name.span, ''))))));
        break;
      case 'Import': {
        const last = item.path[item.path.length - 1];
        if (last) out.push(make(last.name, SymbolKind.Module, item.span, last.span, item.path.map(p => p.name).join('.')));
        break;
      }
      default: {
        const _exhaustive: never = item;
        void _exhaustive;
      }
    }
  }
  return out;
}

function fnDetail(fn: A.FnDecl | A.OpSig, source: string): string {
  return fn.effects ? rowText(fn.effects) : fnSignature(fn, source, '').slice(fn.name.name.length);
}

function checkerKind(kind: string): SymbolKind {
  switch (kind) {
    case 'effect': return SymbolKind.Interface;
    case 'operation':
    case 'handler-operation': return SymbolKind.Method;
    case 'handler': return SymbolKind.Class;
    case 'struct': return SymbolKind.Struct;
    case 'enum': return SymbolKind.Enum;
    case 'variant': return SymbolKind.EnumMember;
    case 'field': return SymbolKind.Field;
    case 'module': return SymbolKind.Module;
    default: return SymbolKind.Function;
  }
}

/** Whether `query` matches `name` as a case-insensitive subsequence (what editors' symbol pickers expect). */
export function fuzzyMatch(query: string, name: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let i = 0;
  for (let j = 0; j < n.length && i < q.length; j++) if (n[j] === q[i]) i++;
  return i === q.length;
}

export async function workspaceSymbols(ctx: ServerContext, query: string, check: () => Promise<void>): Promise<SymbolInformation[]> {
  const checker = ctx.analyzer.checker;
  if (checker) {
    // The checker keeps every file's outline: no need to index closed files here.
    await check();
    const files = new Map(ctx.analyzer.all().map(f => [f.path, f]));
    return checker.workspaceSymbols(query, 500).flatMap(s => {
      const file = files.get(s.path);
      return file ? [{ name: s.name, kind: checkerKind(s.kind), containerName: s.container, location: { uri: file.uri, range: rangeOf(file.doc, s.nameSpan) } }] : [];
    });
  }
  const out: SymbolInformation[] = [];
  for (const file of ctx.analyzer.all()) {
    await check();
    for (const symbol of file.index.symbols) {
      if (symbol.local && symbol.kind !== 'function') continue;
      if (symbol.kind === 'module' || symbol.name === '') continue;
      if (!fuzzyMatch(query, symbol.name)) continue;
      out.push({
        name: symbol.name, kind: lspKind(symbol.kind), containerName: symbol.container?.name,
        location: { uri: file.uri, range: rangeOf(file.doc, symbol.nameSpan) },
      });
      if (out.length >= 500) return out;
    }
  }
  return out;
}
