// Semantic tokens: every name classified by what it resolves to (effects, operations, handlers...), full and delta.
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensDelta, type SemanticTokensLegend } from 'vscode-languageserver/node';
import { isBuiltinEffect } from '../../analysis/builtins.js';
import { builtinFunction } from '../../analysis/builtins.js';
import type { FileState } from '../analyzer.js';
import type { Reference, Target } from '../../analysis/names.js';
import type { Semantics } from '../semantics.js';

export const TOKEN_TYPES = [
  'namespace', 'type', 'struct', 'interface', 'class', 'typeParameter', 'parameter', 'variable', 'property', 'function',
  'method', 'enumMember', 'decorator',
] as const;
export const TOKEN_MODIFIERS = ['declaration', 'readonly', 'defaultLibrary', 'modification', 'effect', 'handler', 'effectful'] as const;

type TokenType = (typeof TOKEN_TYPES)[number];
type TokenModifier = (typeof TOKEN_MODIFIERS)[number];

export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

export interface ClassifiedToken {
  readonly start: number;
  readonly length: number;
  readonly type: TokenType;
  readonly modifiers: readonly TokenModifier[];
}

function classify(target: Target): { type: TokenType; modifiers: TokenModifier[] } | undefined {
  switch (target.kind) {
    case 'symbol': {
      const s = target.symbol;
      switch (s.kind) {
        case 'function': return { type: 'function', modifiers: [] };
        case 'effect': return { type: 'interface', modifiers: ['effect'] };
        case 'operation': return { type: 'method', modifiers: ['effect'] };
        case 'handler': return { type: 'class', modifiers: ['handler'] };
        case 'handler-operation': return { type: 'method', modifiers: ['handler'] };
        case 'struct': return s.container?.kind === 'enum' ? { type: 'enumMember', modifiers: [] } : { type: 'struct', modifiers: [] };
        case 'enum': return { type: 'type', modifiers: [] };
        case 'field': return { type: 'property', modifiers: [] };
        case 'module': return { type: 'namespace', modifiers: [] };
        case 'parameter': return { type: 'parameter', modifiers: [] };
        case 'variable': return { type: 'variable', modifiers: [] };
        case 'type-parameter': return { type: 'typeParameter', modifiers: [] };
        case 'row-variable': return { type: 'typeParameter', modifiers: ['effect'] };
        default: {
          const _exhaustive: never = s.kind;
          return _exhaustive;
        }
      }
    }
    case 'builtin':
      switch (target.what) {
        case 'function': return { type: 'function', modifiers: ['defaultLibrary'] };
        case 'effect': return isBuiltinEffect(target.name) ? { type: 'interface', modifiers: ['effect', 'defaultLibrary'] } : { type: 'namespace', modifiers: ['defaultLibrary'] };
        case 'operation': return { type: 'method', modifiers: ['effect', 'defaultLibrary'] };
        case 'handler': return { type: 'class', modifiers: ['handler', 'defaultLibrary'] };
        case 'constructor': return { type: 'enumMember', modifiers: ['defaultLibrary'] };
        case 'constant': return { type: 'property', modifiers: ['readonly', 'defaultLibrary'] };
        case 'type': return { type: 'type', modifiers: ['defaultLibrary'] };
        default: {
          const _exhaustive: never = target.what;
          return _exhaustive;
        }
      }
    case 'external':
      return { type: 'function', modifiers: [] };
    case 'external-op':
      return { type: 'method', modifiers: ['effect'] };
    case 'global':
      return target.as === 'effect' ? { type: 'interface', modifiers: ['effect'] } : { type: 'type', modifiers: [] };
    default: {
      const _exhaustive: never = target;
      return _exhaustive;
    }
  }
}

/** The classified names of a file, in order. `effectful` marks call spans that perform effects. */
export function classifyTokens(file: FileState, effectful: (ref: Reference) => boolean = () => false): ClassifiedToken[] {
  const out: ClassifiedToken[] = [];
  for (const ref of file.index.references) {
    const c = classify(ref.target);
    if (!c) continue;
    const modifiers = [...c.modifiers];
    if (ref.role === 'declaration') modifiers.push('declaration');
    if (ref.role === 'write') modifiers.push('modification');
    if ((ref.role === 'call' || ref.role === 'perform') && effectful(ref)) modifiers.push('effectful');
    out.push({ start: ref.span.start, length: ref.span.end - ref.span.start, type: c.type, modifiers });
  }
  // Annotations (`@wasm_target`) are not references: find them in the items.
  for (const item of file.module.items) {
    if (item.kind === 'Import') continue;
    for (const ann of item.annotations) out.push({ start: ann.span.start, length: ann.name.span.end - ann.span.start, type: 'decorator', modifiers: [] });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * Which calls perform effects: operations, effectful built-ins, and functions of this file whose row is not empty
 * (rows of other files' functions are not consulted here, to keep tokens cheap).
 */
export function effectfulCalls(file: FileState, semantics: Semantics): (ref: Reference) => boolean {
  const rows = new Map(semantics.rows(file).map(r => [r.nameSpan.start, r.effects.length > 0]));
  return ref => {
    const t = ref.target;
    if (ref.role === 'perform') return true;
    if (t.kind === 'builtin') return t.what === 'operation' || (t.what === 'function' && (builtinFunction(t.name)?.effects.length ?? 0) > 0);
    if (t.kind === 'symbol' && t.symbol.path === file.path) return rows.get(t.symbol.nameSpan.start) === true;
    return false;
  };
}

function push(builder: SemanticTokensBuilder, file: FileState, tokens: readonly ClassifiedToken[]): void {
  for (const t of tokens) {
    if (t.length <= 0) continue;
    const pos = file.doc.positionAt(t.start);
    let mods = 0;
    for (const m of t.modifiers) mods |= 1 << TOKEN_MODIFIERS.indexOf(m);
    builder.push(pos.line, pos.character, t.length, TOKEN_TYPES.indexOf(t.type), mods);
  }
}

/** Keeps the last result per document so that a delta request can answer with edits. */
export class SemanticTokensCache {
  private readonly builders = new Map<string, SemanticTokensBuilder>();

  full(file: FileState, tokens: readonly ClassifiedToken[]): SemanticTokens {
    const builder = new SemanticTokensBuilder();
    this.builders.set(file.uri, builder);
    push(builder, file, tokens);
    return builder.build();
  }

  delta(file: FileState, previousResultId: string, tokens: readonly ClassifiedToken[]): SemanticTokens | SemanticTokensDelta {
    const builder = this.builders.get(file.uri);
    if (!builder) return this.full(file, tokens);
    builder.previousResult(previousResultId);
    push(builder, file, tokens);
    return builder.buildEdits();
  }

  forget(uri: string): void {
    this.builders.delete(uri);
  }
}
