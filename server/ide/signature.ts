// Renders declarations as one-line Aria signatures for hovers, completion details and signature help (plain text).
import type * as A from '../../analysis/syntax/ast.js';

export function rowText(row: A.EffectRow): string {
  const entries = [...row.effects.map(e => e.name), ...row.variables.map(v => v.name)];
  const tail = row.tail ? `${entries.length ? ' ' : ''}| ${row.tail.name}` : '';
  return `{${entries.join(', ')}${tail}}`;
}

export function typeText(type: A.TypeExpr): string {
  switch (type.kind) {
    case 'TypeName':
      return type.name;
    case 'TypeApp':
      return `${type.name.name}[${type.args.map(typeText).join(', ')}]`;
    case 'FnType':
      return `(${type.params.map(typeText).join(', ')}) -> ${type.effects ? `${rowText(type.effects)} ` : ''}${typeText(type.result)}`;
    default: {
      const _exhaustive: never = type;
      return _exhaustive;
    }
  }
}

/** `name: Type = default` (the default is shown as written, shortened). */
export function paramText(param: A.Param, source?: string): string {
  let text = param.name.name;
  if (param.type) text += `: ${typeText(param.type)}`;
  if (param.default) {
    const written = source?.slice(param.default.span.start, param.default.span.end).replace(/\s+/g, ' ') ?? '…';
    text += ` = ${written.length > 24 ? `${written.slice(0, 23)}…` : written}`;
  }
  return text;
}

export interface SignatureParts {
  /** Everything up to the parameter list, `(` included. */
  readonly head: string;
  readonly params: readonly string[];
  /** `)` and what follows it. */
  readonly tail: string;
}

/** The parts of `fn name[T](params) -> {E} R`; `inferredRow` stands in when no row is declared. */
export function fnSignatureParts(fn: A.FnDecl | A.OpSig, source?: string, prefix = 'fn ', inferredRow?: string): SignatureParts {
  const typeParams = fn.typeParams.length ? `[${fn.typeParams.map(t => t.name).join(', ')}]` : '';
  const row = fn.effects ? rowText(fn.effects) : inferredRow;
  const ret = fn.returnType ? typeText(fn.returnType) : undefined;
  let tail = ')';
  if (row !== undefined || ret !== undefined) tail += ` ->${row !== undefined ? ` ${row}` : ''}${ret !== undefined ? ` ${ret}` : ''}`;
  return { head: `${prefix}${fn.name.name}${typeParams}(`, params: fn.params.map(p => paramText(p, source)), tail };
}

export function joinSignature(parts: SignatureParts): string {
  return `${parts.head}${parts.params.join(', ')}${parts.tail}`;
}

export function fnSignature(fn: A.FnDecl | A.OpSig, source?: string, prefix = 'fn ', inferredRow?: string): string {
  return joinSignature(fnSignatureParts(fn, source, prefix, inferredRow));
}

export function handlerSignature(handler: A.HandlerDecl, source?: string): string {
  const params = handler.params ? `(${handler.params.map(p => paramText(p, source)).join(', ')})` : '';
  return `handler ${handler.name.name}${params} for ${handler.effect.name}`;
}

export function structSignature(struct: A.StructDecl, source?: string): string {
  const typeParams = struct.typeParams.length ? `[${struct.typeParams.map(t => t.name).join(', ')}]` : '';
  return `struct ${struct.name.name}${typeParams}(${struct.fields.map(f => paramText(f, source)).join(', ')})`;
}

export function effectSignature(effect: A.EffectDecl, source?: string): string {
  const typeParams = effect.typeParams.length ? `[${effect.typeParams.map(t => t.name).join(', ')}]` : '';
  const ops = effect.ops.map(op => `  ${fnSignature(op, source)}`).join('\n');
  return `effect ${effect.name.name}${typeParams} {\n${ops}${ops ? '\n' : ''}}`;
}
