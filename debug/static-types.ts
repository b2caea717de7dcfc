// Static types for the debugger: a frame's locals and the parts of a value (fields, elements, captures), named as the type checker names them.
import type * as A from '../analysis/syntax/ast.js';
import type { Workspace } from '../analysis/workspace.js';
import { StructVal, type Value } from '../runtime/index.js';

/**
 * A type as the checker renders it, read back into its outer structure: a constructor with arguments
 * (`List[Job]`, `Option[T]`), or any other type kept as text (a function type, `…`). The arguments' texts are
 * slices of the parent's, so type variables keep the names the parent gave them.
 */
export type TypeTerm =
  | { readonly k: 'con'; readonly name: string; readonly args: readonly TypeTerm[]; readonly text: string }
  | { readonly k: 'other'; readonly text: string };

const MAX_DEPTH = 200;

/** Reads a rendered type (`List[(Int) -> {IO} Int]`); undefined for text that is not one. */
export function parseType(text: string): TypeTerm | undefined {
  let pos = 0;
  const space = () => {
    while (text[pos] === ' ') pos++;
  };
  const eat = (s: string): boolean => {
    space();
    if (!text.startsWith(s, pos)) return false;
    pos += s.length;
    return true;
  };
  // The checker prints at most 40 levels (then `…`); deeper text is not one of its types.
  let depth = 0;
  const type = (): TypeTerm | undefined => {
    if (++depth > MAX_DEPTH) return undefined;
    try {
      return typeAt();
    } finally {
      depth--;
    }
  };
  const typeAt = (): TypeTerm | undefined => {
    space();
    const start = pos;
    if (eat('(')) {
      if (!eat(')')) {
        do if (!type()) return undefined; while (eat(','));
        if (!eat(')')) return undefined;
      }
      if (!eat('->')) return undefined;
      space();
      if (text[pos] === '{') {
        const close = text.indexOf('}', pos);
        if (close < 0) return undefined;
        pos = close + 1;
      }
      if (!type()) return undefined;
      return { k: 'other', text: text.slice(start, pos).trim() };
    }
    if (eat('…')) return { k: 'other', text: '…' };
    const name = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(pos))?.[0];
    if (!name) return undefined;
    pos += name.length;
    const args: TypeTerm[] = [];
    if (eat('[')) {
      do {
        const a = type();
        if (!a) return undefined;
        args.push(a);
      } while (eat(','));
      if (!eat(']')) return undefined;
    }
    return { k: 'con', name, args, text: text.slice(start, pos).trim() };
  };
  const t = type();
  space();
  return t && pos === text.length ? t : undefined;
}

/** The variants of the prelude's enums (their values come from the prelude, which no workspace file declares). */
const PRELUDE_VARIANTS: Readonly<Record<string, { readonly params: readonly string[]; readonly fields: Readonly<Record<string, readonly string[]>> }>> = {
  Option: { params: ['T'], fields: { Some: ['T'], None: [] } },
  Result: { params: ['T', 'E'], fields: { Ok: ['T'], Err: ['E'] } },
};

/** A written type with the declaration's type parameters replaced by the instance's arguments, as the checker prints it. */
function render(t: A.TypeExpr, subst: ReadonlyMap<string, string>): string {
  switch (t.kind) {
    case 'TypeName':
      return subst.get(t.name) ?? t.name;
    case 'TypeApp':
      return `${t.name.name}[${t.args.map(a => render(a, subst)).join(', ')}]`;
    case 'FnType': {
      const effects = (t.effects?.effects ?? []).map(e => e.name).sort();
      const vars = [...(t.effects?.variables ?? []), ...(t.effects?.tail ? [t.effects.tail] : [])].map(v => v.name);
      const row = vars.length === 0 ? `{${effects.join(', ')}}` : effects.length === 0 ? `{${vars.join(', ')}}` : `{${effects.join(', ')} | ${vars.join(', ')}}`;
      return `(${t.params.map(p => render(p, subst)).join(', ')}) -> ${row} ${render(t.result, subst)}`;
    }
    default: {
      const never: never = t;
      return String(never);
    }
  }
}

/**
 * Answers the debugger's questions about static types from the checker's `Workspace` (built at launch to check
 * the program). Every answer is a type text or undefined: nothing is guessed from the running value alone.
 */
export class StaticTypes {
  constructor(private readonly ws: Workspace) {}

  /** The offset of a one-based line and column in a workspace file. */
  offset(path: string, line: number, column: number): number | undefined {
    const index = this.ws.lineIndex(path);
    return index ? index.offset({ line: line - 1, column: column - 1 }) : undefined;
  }

  /**
   * The static type of each local, parameter and local function visible at an offset, by name: the checker's
   * type at the name's binding (the binding the scope resolves the name to there).
   */
  localsAt(path: string, offset: number): Map<string, string> {
    const out = new Map<string, string>();
    if (!this.ws.hasFile(path)) return out;
    for (const entry of this.ws.scopeAt(path, offset)) {
      if (entry.kind !== 'local' && entry.kind !== 'parameter' && entry.kind !== 'local-function') continue;
      const type = this.declaredType(entry.symbol);
      if (type) out.set(entry.name, type);
    }
    return out;
  }

  /** The static type of a name visible at an offset: a local, or a top-level function or binding of the program. */
  nameAt(path: string, offset: number, name: string): string | undefined {
    if (!this.ws.hasFile(path)) return undefined;
    const entry = this.ws.scopeAt(path, offset).find(e => e.name === name);
    return entry ? this.declaredType(entry.symbol) : undefined;
  }

  private declaredType(symbol: string): string | undefined {
    const info = this.ws.symbolInfo(symbol);
    if (!info?.path || !info.nameSpan) return undefined;
    const at = this.ws.typeAt(info.path, info.nameSpan.start);
    // typeAt answers the innermost typed span: it must be the name itself, not an enclosing expression.
    return at && at.span.start === info.nameSpan.start && at.span.end === info.nameSpan.end ? at.type : undefined;
  }

  /** The element type of a list (or a channel's buffered values). */
  element(type: string | undefined): string | undefined {
    const t = type ? parseType(type) : undefined;
    return t?.k === 'con' && (t.name === 'List' || t.name === 'Channel') && t.args.length === 1 ? t.args[0]!.text : undefined;
  }

  /** The result type of a `Task[T]`. */
  taskResult(type: string | undefined): string | undefined {
    const t = type ? parseType(type) : undefined;
    return t?.k === 'con' && t.name === 'Task' && t.args.length === 1 ? t.args[0]!.text : undefined;
  }

  /**
   * The static types of a struct's or variant's fields, in the value's field order: the declaration's field types
   * with its type parameters replaced by the arguments `type` gives them (written parameters first, then one per
   * field written without a type, as the checker numbers them). Undefined entries where nothing is known.
   */
  fields(type: string | undefined, v: StructVal): (string | undefined)[] {
    const none = v.type.fields.map(() => undefined);
    const t = type ? parseType(type) : undefined;
    const owner = v.type.variantOf ?? v.type.name;
    if (t?.k !== 'con' || t.name !== owner) return none;
    const decl = this.ws.hasFile(v.type.module)
      ? this.ws.module(v.type.module)?.items.find(i => (i.kind === 'Struct' || i.kind === 'Enum') && i.name.name === owner)
      : undefined;
    if (!decl) {
      const prelude = v.type.variantOf ? PRELUDE_VARIANTS[v.type.variantOf] : undefined;
      const names = prelude?.fields[v.type.name];
      if (!prelude || !names || t.args.length !== prelude.params.length) return none;
      const subst = new Map(prelude.params.map((p, i) => [p, t.args[i]!.text]));
      return names.map(n => subst.get(n));
    }
    if (decl.kind !== 'Struct' && decl.kind !== 'Enum') return none;
    const params = decl.typeParams.map(p => p.name);
    // Fields written without a type are implicit parameters, after the written ones, in declaration order.
    const groups: readonly (readonly A.Param[])[] = decl.kind === 'Struct' ? [decl.fields] : decl.variants.map(x => x.fields);
    const implicit = new Map<A.Param, number>();
    for (const group of groups) for (const f of group) if (!f.type) implicit.set(f, params.length + implicit.size);
    if (t.args.length !== params.length + implicit.size) return none;
    const subst = new Map(params.map((p, i) => [p, t.args[i]!.text]));
    const own = decl.kind === 'Struct' ? decl.fields : decl.variants.find(x => x.name.name === v.type.name)?.fields;
    if (!own) return none;
    return v.type.fields.map(name => {
      const f = own.find(p => p.name.name === name);
      if (!f) return undefined;
      if (!f.type) return t.args[implicit.get(f)!]!.text;
      return render(f.type, subst);
    });
  }

  /** The static types of a closure's captured variables, by name: the bindings they capture, seen from the closure's code. */
  captures(module: string, span: A.Span): Map<string, string> {
    return this.localsAt(module, span.start);
  }

  /** The static type of a field of `value` (a struct or variant) whose type is `type`. */
  field(type: string | undefined, value: Value, name: string): string | undefined {
    if (!(value instanceof StructVal)) return undefined;
    const i = value.type.fields.indexOf(name);
    return i < 0 ? undefined : this.fields(type, value)[i];
  }
}
