// Hover: the signature, declared and inferred effect rows, documentation, and where each effect of a function comes from.
import { MarkupKind, type Hover } from 'vscode-languageserver/node';
import type * as A from '../../analysis/syntax/ast.js';
import {
  BUILTIN_CONSTANTS, BUILTIN_CONSTRUCTORS, BUILTIN_EFFECT_INFO, BUILTIN_HANDLERS, builtinFunction, isBuiltinEffect,
} from '../../analysis/builtins.js';
import type { FileState } from '../analyzer.js';
import { rangeOf } from '../convert.js';
import type { ServerContext } from '../context.js';
import type { AriaSymbol, Target } from '../../analysis/names.js';
import { effectSignature, fnSignature, handlerSignature, paramText, structSignature } from '../ide/signature.js';
import type { EffectOrigin, Semantics, TypeInfo } from '../semantics.js';
import { withAt } from './navigation.js';

const fence = (code: string) => `\`\`\`aria\n${code}\n\`\`\``;

export function hover(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number): Hover | null {
  const site = withAt(file, offset);
  if (site) return withHover(ctx, semantics, file, site.span, site.handlerName);
  const found = ctx.analyzer.targetAt(file, offset);
  const typed = semantics.typeAt(file, offset);
  if (!found) {
    // An expression with no name under the cursor (a lambda, a call): its type.
    if (!typed) return null;
    return { contents: { kind: MarkupKind.Markdown, value: typeMarkdown(typed) }, range: rangeOf(file.doc, typed.span) };
  }
  const value = found.decl
    ? symbolMarkdown(ctx, semantics, found.decl.file, found.decl.item)
    : targetMarkdown(found.target);
  if (!value) return null;
  const withType = typed && typed.span.start < found.ref.span.end && found.ref.span.start < typed.span.end ? `${value}\n\n${typeMarkdown(typed)}` : value;
  return { contents: { kind: MarkupKind.Markdown, value: withType }, range: rangeOf(file.doc, found.ref.span) };
}

/** `Type: (Int) -> {IO} Unit`, and what a polymorphic callee's row variables are at this call. */
function typeMarkdown(typed: TypeInfo): string {
  const lines = [`Type: \`${typed.type}\``];
  if (typed.rows.length) lines.push(`At this call: ${typed.rows.map(r => `\`${r.name} = ${r.row}\``).join(', ')}`);
  return lines.join('\n\n');
}

function withHover(ctx: ServerContext, semantics: Semantics, file: FileState, span: A.Span, handlerName: string): Hover {
  const discharged = semantics.dischargedBy(file, span.start);
  const builtin = BUILTIN_HANDLERS.find(h => h.name === handlerName);
  const lines = [fence(`with ${builtin?.signature ?? handlerName}`)];
  if (builtin) lines.push(`Discharges ${builtin.discharges.length ? builtin.discharges.map(e => `\`${e}\``).join(', ') : 'nothing'}. ${builtin.doc}`);
  if (discharged.length) {
    lines.push(`Serves ${discharged.length} construct(s) in this block:`);
    for (const d of discharged.slice(0, 12)) lines.push(`- \`${d.label}\` (${d.effect}) line ${lineOf(ctx, d.path, d.span.start)}`);
    if (discharged.length > 12) lines.push(`- … and ${discharged.length - 12} more`);
  }
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n\n') }, range: rangeOf(file.doc, { start: span.start, end: span.start + 4 }) };
}

function lineOf(ctx: ServerContext, path: string, offset: number): number {
  const file = ctx.analyzer.all().find(f => f.path === path);
  return file ? file.doc.positionAt(offset).line + 1 : 0;
}

/** Markdown for a declaration of the workspace. */
export function symbolMarkdown(ctx: ServerContext, semantics: Semantics, file: FileState, symbol: AriaSymbol): string {
  const source = file.doc.getText();
  const parts: string[] = [];
  const decl = symbol.decl;
  switch (symbol.kind) {
    case 'function':
    case 'handler-operation': {
      const fn = decl as A.FnDecl;
      const row = semantics.functionRow(file, symbol.nameSpan.start);
      const prefix = symbol.kind === 'handler-operation' && symbol.container ? `fn ${symbol.container.name}.` : 'fn ';
      parts.push(fence(fnSignature(fn, source, prefix, fn.effects ? undefined : row?.inferred)));
      if (row) {
        const rows = [];
        if (row.declared !== undefined) rows.push(`declared \`${row.declared}\``);
        rows.push(`${row.declared !== undefined ? 'performs' : 'inferred'} \`${row.inferred}\``);
        parts.push(`Effect row: ${rows.join(', ')}`);
      } else if (!fn.effects) {
        parts.push('Effect row: inferred');
      }
      if (symbol.doc) parts.push(symbol.doc);
      const origins = semantics.origins(file, symbol.nameSpan.start);
      if (origins.length) parts.push(originsMarkdown(ctx, origins));
      break;
    }
    case 'operation': {
      const op = decl as A.OpSig;
      const effect = symbol.container?.name ?? '?';
      parts.push(fence(fnSignature(op, source, `fn ${effect}.`)));
      parts.push(`Operation of effect \`${effect}\`: calling it performs \`${effect}\`.`);
      if (symbol.doc) parts.push(symbol.doc);
      break;
    }
    case 'effect': {
      parts.push(fence(effectSignature(decl as A.EffectDecl, source)));
      if (symbol.doc) parts.push(symbol.doc);
      // The handlers of this declaration: each handler's `for E` resolved from its own file (an effect of the same
      // name declared in another file has handlers of its own).
      const handlers = ctx.analyzer.all().flatMap(f => f.module.items.filter((i): i is A.HandlerDecl => {
        if (i.kind !== 'Handler' || i.effect.name !== symbol.name) return false;
        if (f.path === file.path) return true;
        const found = ctx.analyzer.resolve({ kind: 'global', name: i.effect.name, as: 'effect' }, f);
        return found !== undefined && found.file.path === file.path && found.item.nameSpan.start === symbol.nameSpan.start;
      }));
      if (handlers.length) parts.push(`Handled by ${handlers.map(h => `\`${h.name.name}\``).join(', ')}.`);
      break;
    }
    case 'handler': {
      const handler = decl as A.HandlerDecl;
      parts.push(fence(handlerSignature(handler, source)));
      parts.push(`Discharges \`${handler.effect.name}\` inside \`with ${handler.name.name}${handler.params ? '(…)' : ''} … end\`.`);
      if (symbol.doc) parts.push(symbol.doc);
      break;
    }
    case 'struct':
      parts.push(fence(symbol.container?.kind === 'enum' ? structSignature(decl as A.StructDecl, source).replace(/^struct /, `${symbol.container.name}.`) : structSignature(decl as A.StructDecl, source)));
      if (symbol.doc) parts.push(symbol.doc);
      break;
    case 'enum': {
      const e = decl as A.EnumDecl;
      const typeParams = e.typeParams.length ? `[${e.typeParams.map(t => t.name).join(', ')}]` : '';
      const variants = e.variants.map(v => `  ${v.name.name}${v.fields.length ? `(${v.fields.map(f => paramText(f, source)).join(', ')})` : ''}`);
      parts.push(fence(`enum ${e.name.name}${typeParams} {\n${variants.join('\n')}${variants.length ? '\n' : ''}}`));
      if (symbol.doc) parts.push(symbol.doc);
      break;
    }
    case 'field':
      parts.push(fence(`${symbol.container?.name ?? ''}.${paramText(decl as A.Param, source)}`));
      break;
    case 'module': {
      const path = symbol.importPath ?? [];
      const imported = ctx.analyzer.importedFile(path, file);
      parts.push(fence(`import ${path.join('.')}`));
      parts.push(imported ? `Module \`${imported.path}\`` : 'The imported file is not in the workspace.');
      break;
    }
    case 'parameter':
      parts.push(fence(paramText(decl as A.Param, source)));
      parts.push(symbol.container ? `Parameter of \`${symbol.container.name}\`` : 'Lambda parameter');
      break;
    case 'variable':
      parts.push(fence(symbol.name));
      parts.push(symbol.container ? `Local variable of \`${symbol.container.name}\`` : 'Variable of the program');
      break;
    case 'type-parameter':
      parts.push(fence(symbol.name));
      parts.push('Type parameter');
      break;
    case 'row-variable':
      parts.push(fence(`{${symbol.name}}`));
      parts.push('Row variable: stands for the effects of whatever is passed in, instantiated at each call.');
      break;
    default: {
      const _exhaustive: never = symbol.kind;
      void _exhaustive;
    }
  }
  return parts.join('\n\n');
}

/** "Where each effect comes from": one line per effect with its call chain. */
export function originsMarkdown(ctx: ServerContext, origins: readonly EffectOrigin[]): string {
  const lines = ['Where the effects come from:'];
  for (const origin of origins) {
    const chain = origin.chain.map(step => `\`${step.label}\` (line ${lineOf(ctx, step.path, step.span.start)})`).join(' → ');
    lines.push(`- **${origin.effect}**: ${chain || 'performed here'}`);
  }
  return lines.join('\n');
}

/** Markdown for a built-in or unresolved name. */
export function targetMarkdown(target: Target): string | undefined {
  switch (target.kind) {
    case 'builtin':
      return builtinMarkdown(target.what, target.name);
    case 'global':
      return target.as === 'effect' && !isBuiltinEffect(target.name) ? `\`${target.name}\`: no effect of this name is declared in the workspace` : undefined;
    default:
      return undefined;
  }
}

export function builtinMarkdown(what: string, name: string): string | undefined {
  const effects = (list: readonly string[]) => (list.length ? `\`{${list.join(', ')}}\`` : '`{}` (pure)');
  switch (what) {
    case 'function': {
      const fn = builtinFunction(name);
      if (!fn) return undefined;
      const poly = fn.callsArgs?.length ? ' plus the effects of the function it is given' : '';
      return [fence(fn.signature), `Built-in; performs ${effects(fn.effects)}${poly}.`, fn.doc].join('\n\n');
    }
    case 'effect': {
      if (!isBuiltinEffect(name)) return name === 'CPU' ? fence('CPU') : undefined;
      const info = BUILTIN_EFFECT_INFO[name];
      const handlers = BUILTIN_HANDLERS.filter(h => h.discharges.includes(name)).map(h => `\`${h.name}\``);
      return [fence(`effect ${name}`), 'Built-in effect.', info.doc, handlers.length ? `Handled by ${handlers.join(', ')}.` : ''].filter(Boolean).join('\n\n');
    }
    case 'operation': {
      const [effect, opName] = name.split('.');
      const op = effect && isBuiltinEffect(effect) ? BUILTIN_EFFECT_INFO[effect].ops.find(o => o.name === opName) : undefined;
      return op ? [fence(op.signature), `Performs \`${effect}\`.`, op.doc].join('\n\n') : undefined;
    }
    case 'handler': {
      const h = BUILTIN_HANDLERS.find(x => x.name === name);
      return h ? [fence(`with ${h.signature}`), `Built-in handler; discharges ${h.discharges.length ? h.discharges.map(e => `\`${e}\``).join(', ') : 'nothing'}.`, h.doc].join('\n\n') : undefined;
    }
    case 'constructor': {
      const c = BUILTIN_CONSTRUCTORS.find(x => x.name === name);
      return c ? [fence(`${c.name}(${c.arity ? 'value' : ''})`), c.doc].join('\n\n') : undefined;
    }
    case 'constant': {
      const c = BUILTIN_CONSTANTS.find(x => x.name === name);
      return c ? [fence(`${c.name} = ${c.value}`), c.doc].join('\n\n') : undefined;
    }
    case 'type':
      return `${fence(name)}\n\nBuilt-in type.`;
    default:
      return undefined;
  }
}
