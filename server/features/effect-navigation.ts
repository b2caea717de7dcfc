// Effect navigation: from a call to the handlers that serve it, from a `with` to the calls it discharges, and why a function performs an effect.
import type { Location, Position, Range } from 'vscode-languageserver/node';
import type * as A from '../../analysis/syntax/ast.js';
import type { FileState } from '../analyzer.js';
import { rangeOf } from '../convert.js';
import type { ServerContext } from '../context.js';
import type { Span } from '../../analysis/names.js';
import type { EffectOrigin, Semantics } from '../semantics.js';
import { withAt } from './navigation.js';

/** `aria/handlersFor` answer: one entry per (handler, effect). */
export interface HandlerInfo {
  readonly label: string;
  readonly effect: string;
  /** The `with` handler expression (or, for the default runtime, the start of the program). */
  readonly location: Location;
  /** True for the program's default runtime, which provides Async and IO. */
  readonly ambient: boolean;
  /** A user handler's declaration. */
  readonly declaration?: Location;
}

/** `aria/dischargedBy` answer. */
export interface DischargedInfo {
  readonly label: string;
  readonly effect: string;
  readonly location: Location;
}

/** `aria/explainEffect` answer (also the result of the `aria.explainEffect` command). */
export interface EffectExplanation {
  /** The function that performs the effect. */
  readonly function: string;
  readonly effect: string;
  /** From the function's body down to the operation or built-in that performs the effect. */
  readonly chain: readonly { readonly label: string; readonly uri: string; readonly range: Range; readonly inFunction: string }[];
  /** The other effects the function performs (each can be asked for with `effect`). */
  readonly otherEffects: readonly string[];
  /** A readable summary: `fetch_all performs Cancel: fetch_a (line 3) → Cancel.check() (line 9)`. */
  readonly text: string;
}

function location(ctx: ServerContext, path: string, span: Span): Location | undefined {
  const file = ctx.analyzer.all().find(f => f.path === path);
  return file ? { uri: file.uri, range: rangeOf(file.doc, span) } : undefined;
}

export function handlersFor(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number): HandlerInfo[] {
  const out: HandlerInfo[] = [];
  for (const h of semantics.handlersFor(file, offset)) {
    const loc = location(ctx, h.path, h.span);
    if (!loc) continue;
    const declaration = h.declaration ? location(ctx, h.declaration.path, h.declaration.span) : undefined;
    out.push({ label: h.label, effect: h.effect, location: loc, ambient: h.ambient, ...(declaration ? { declaration } : {}) });
  }
  return out;
}

/**
 * "Go to implementation" on an operation call or an effectful call: the `with` blocks serving it, innermost
 * first, then (for a user effect's operation) the handler operations that run.
 */
export function implementation(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number): Location[] {
  const handlers = handlersFor(ctx, semantics, file, offset).filter(h => !h.ambient);
  const out: Location[] = [];
  const seen = new Set<string>();
  const push = (loc: Location) => {
    const key = `${loc.uri}:${loc.range.start.line}:${loc.range.start.character}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(loc);
    }
  };
  for (const h of handlers) push(h.location);
  // The operation bodies that serve an operation call: `Log.log` under `with Console` runs Console's `log`.
  const found = ctx.analyzer.targetAt(file, offset);
  const op = found?.decl?.item.kind === 'operation' ? found.decl.item : undefined;
  if (op) {
    for (const h of handlers) {
      const name = /^[A-Za-z_]\w*/.exec(h.label)?.[0];
      for (const other of ctx.analyzer.all()) {
        if (!name || !other.doc.getText().includes(`handler ${name}`)) continue;
        for (const s of other.index.symbols) {
          if (s.kind === 'handler-operation' && s.implements === op && s.container?.name === name) push({ uri: other.uri, range: rangeOf(other.doc, s.nameSpan) });
        }
      }
    }
  }
  return out;
}

export function dischargedBy(ctx: ServerContext, semantics: Semantics, file: FileState, offset: number): DischargedInfo[] {
  const site = withAt(file, offset) ?? innermostWith(file, offset);
  if (!site) return [];
  return semantics.dischargedBy(file, site.span.start).flatMap(d => {
    const loc = location(ctx, d.path, d.span);
    return loc ? [{ label: d.label, effect: d.effect, location: loc }] : [];
  });
}

function innermostWith(file: FileState, offset: number) {
  let best: (typeof file.index.withs)[number] | undefined;
  for (const w of file.index.withs) {
    if (w.span.start <= offset && offset <= w.span.end && (!best || w.span.end - w.span.start < best.span.end - best.span.start)) best = w;
  }
  return best;
}

/** The function a position is about: the function named there (declaration or call), else the one around it. */
function functionAt(ctx: ServerContext, file: FileState, offset: number): { file: FileState; nameStart: number; name: string; site?: number } | undefined {
  const found = ctx.analyzer.targetAt(file, offset);
  const item = found?.decl?.item;
  if (item && (item.kind === 'function' || item.kind === 'handler-operation')) {
    return { file: found!.decl!.file, nameStart: item.nameSpan.start, name: item.name };
  }
  // Inside a body: the innermost function around the offset, explaining the construct under the cursor.
  let best: { fn: A.FnDecl; nameStart: number } | undefined;
  for (const [fn, symbol] of file.index.functions) {
    if (fn.span.start <= offset && offset <= fn.span.end && (!best || fn.span.end - fn.span.start < best.fn.span.end - best.fn.span.start)) {
      best = { fn, nameStart: symbol.nameSpan.start };
    }
  }
  return best ? { file, nameStart: best.nameStart, name: best.fn.name.name, site: offset } : undefined;
}

export function explainEffect(
  ctx: ServerContext, semantics: Semantics, file: FileState, offset: number, wanted?: string,
): EffectExplanation | null {
  const fn = functionAt(ctx, file, offset);
  if (!fn) return null;
  const origins = semantics.origins(fn.file, fn.nameStart);
  if (!origins.length) return null;
  let chosen: EffectOrigin | undefined = wanted ? origins.find(o => o.effect === wanted) : undefined;
  if (!chosen && fn.site !== undefined) {
    // The effect of the construct under the cursor, if it is one of the function's.
    const atSite = semantics.handlersFor(file, offset).map(h => h.effect);
    chosen = origins.find(o => atSite.includes(o.effect) && o.chain[0] && o.chain[0].span.start <= offset && offset <= o.chain[0].span.end)
      ?? origins.find(o => o.chain[0] && o.chain[0].span.start <= offset && offset <= o.chain[0].span.end);
  }
  chosen ??= origins[0]!;
  const chain = chosen.chain.flatMap(step => {
    const loc = location(ctx, step.path, step.span);
    return loc ? [{ label: step.label, uri: loc.uri, range: loc.range, inFunction: step.inFunction }] : [];
  });
  const steps = chain.map(s => `${s.label} (line ${s.range.start.line + 1})`).join(' → ');
  return {
    function: fn.name,
    effect: chosen.effect,
    chain,
    otherEffects: origins.map(o => o.effect).filter(e => e !== chosen!.effect),
    text: `${fn.name} performs ${chosen.effect}: ${steps || 'directly'}`,
  };
}

/** Arguments of the `aria.explainEffect` command: `[uri, position, effect?]` or `[{uri, position, effect?}]`. */
export function explainArguments(args: readonly unknown[] | undefined): { uri: string; position: Position; effect?: string } | undefined {
  const first = args?.[0];
  if (first && typeof first === 'object' && 'uri' in first && 'position' in first) {
    const o = first as { uri: string; position: Position; effect?: string };
    return { uri: o.uri, position: o.position, effect: o.effect };
  }
  if (typeof first === 'string' && args?.[1] && typeof args[1] === 'object') {
    return { uri: first, position: args[1] as Position, effect: typeof args[2] === 'string' ? args[2] : undefined };
  }
  return undefined;
}
