// The effect queries, from the type checker's rows and the name model: each function's row and where its effects come from, which `with` serves an effectful call (through lambdas and callers), and which calls a `with` serves.
import { functionItem, incomingCalls, type HierarchyHost } from './call-hierarchy.js';
import { effectName } from './effect-keys.js';
import type { Location } from './symbols.js';
import type * as A from './syntax/ast.js';
import type { Span } from './syntax/ast.js';
import type { TypedSpan } from './typing/checker.js';
import { rowText } from './module-exports.js';
import { functionAround, type AriaSymbol, type WithSite } from './names.js';
import { chainSteps, flowsInto, prune, sitesOf, UNIT, type Origin, type RowVar } from './typing/types.js';

/** A step of an effect's explanation: a call or the operation, in a function. */
export interface ChainStep {
  readonly path: string;
  readonly span: Span;
  readonly label: string;
  /** The function the step is in. */
  readonly inFunction: string;
}

export interface FunctionRow {
  readonly name: string;
  readonly kind: 'function' | 'local-function' | 'operation';
  readonly id: string;
  readonly nameSpan: Span;
  readonly span: Span;
  /** The declared row in brace spelling (`{Async, IO | e}`), if any. */
  readonly declared?: string;
  /** What the body performs, as a row: `{Async, IO}`. For a function with no declared row, its inferred row. */
  readonly inferred: string;
  readonly effects: readonly string[];
  /** Parameters whose latent effects the function performs (its row variables, instantiated at each call). */
  readonly latentParams: readonly string[];
}

export interface EffectOrigin {
  readonly effect: string;
  /** Each place in the body that performs the effect, with the chain down to where it is performed. */
  readonly origins: readonly { readonly span: Span; readonly label: string; readonly chain: readonly ChainStep[] }[];
}

export interface HandlerRef {
  readonly path: string;
  /** The `with` block, or the top level's span for the ambient runtime. */
  readonly span: Span;
  readonly handlerSpan: Span;
  readonly label: string;
  readonly effects: readonly string[];
  /** True for the program's ambient runtime (Async, IO and Blocking at the top level). */
  readonly ambient: boolean;
  /** Where a user handler is declared (its name). */
  readonly declaration?: Location;
}

export interface DischargedCall {
  readonly path: string;
  readonly span: Span;
  readonly label: string;
  readonly effects: readonly string[];
}

/** What the effect queries read of a workspace besides the name model. */
export interface EffectHost extends HierarchyHost {
  /** The type checker's records of a file (undefined when it has not typed the file). */
  records(path: string): Records | undefined;
}

/** The type checker's records of one file. */
type Records = { at(offset: number): readonly TypedSpan[]; between(start: number, end: number): readonly TypedSpan[] };

/** What the top level's runtime provides: effects that reach it unhandled are served there. */
const AMBIENT = new Set(['Async', 'IO', 'Blocking']);
/** How far handlersFor follows lambdas and callers. */
const MAX_DEPTH = 8;

/** The code an offset is in: a lambda, a function's body or the top level, with the row of what it performs. */
interface Context {
  readonly path: string;
  readonly kind: 'lambda' | 'function' | 'top';
  readonly span: Span;
  readonly row: RowVar;
  readonly fn?: readonly [A.FnDecl, AriaSymbol];
}

function contextAt(host: EffectHost, path: string, offset: number): Context | undefined {
  const index = host.names(path);
  const records = host.records(path);
  if (!index || !records) return undefined;
  let best: Context | undefined;
  const size = (s: Span) => s.end - s.start;
  const fn = functionAround(index, offset);
  const body = fn && recordedRow(records, fn[0].name.span, 'body');
  if (fn && body) best = { path, kind: 'function', span: fn[0].span, row: body, fn };
  for (const r of records.at(offset)) {
    if (r.kind !== 'lambda' || (best && size(r.span) >= size(best.span))) continue;
    const t = prune(r.type);
    if (t.k === 'fun') best = { path, kind: 'lambda', span: r.span, row: t.row };
  }
  if (best) return best;
  const start = index.module.span.start;
  const top = recordedRow(records, { start, end: start }, 'body');
  return top ? { path, kind: 'top', span: index.module.span, row: top } : undefined;
}

/**
 * A row the type checker recorded at exactly `span`: what a function's body performs (`body`, at its name; the top
 * level's at the module's start) or what a `with`'s block performs (`with`, at its handler).
 */
function recordedRow(records: Records, span: Span, kind: 'body' | 'with'): RowVar | undefined {
  return records.at(span.start).find(t => t.kind === kind && t.span.start === span.start && t.span.end === span.end)?.rows?.[0]?.row;
}

/** The `with` blocks around an offset inside a context, innermost first, with their rows. */
function framesAt(host: EffectHost, context: Context, offset: number): { site: WithSite; row: RowVar; discharged: ReadonlySet<string> }[] {
  const records = host.records(context.path)!;
  const out: { site: WithSite; row: RowVar; discharged: ReadonlySet<string> }[] = [];
  for (const w of host.names(context.path)?.withs ?? []) {
    if (offset < w.span.start || offset > w.span.end || w.span.start < context.span.start || w.span.end > context.span.end) continue;
    const row = recordedRow(records, w.expr.handler.span, 'with');
    if (row) out.push({ site: w, row, discharged: discharged(row) });
  }
  return out.sort((x, y) => (y.site.span.start - x.site.span.start) || (x.site.span.end - y.site.span.end));
}

/** The effects a row holds (its atoms but the rigid row variables, `~id`). */
function effectsOf(row: RowVar): string[] {
  return [...row.atoms.keys()].filter(k => !k.startsWith('~'));
}

/** What a `with`'s handler discharges: the effects its block's row does not pass on. */
function discharged(row: RowVar): ReadonlySet<string> {
  return new Set(row.out.flatMap(e => (e.filter ? [...e.filter] : [])));
}

/** The innermost place around an offset that brings effects into `row` (a call, an operation, a spawn), and those effects. */
function siteAt(row: RowVar, offset: number): { span: Span; effects: Set<string> } | undefined {
  let best: { span: Span; effects: Set<string> } | undefined;
  for (const atom of effectsOf(row)) {
    for (const { origin } of sitesOf(row, atom)) {
      const s = origin.span;
      if (offset < s.start || offset > s.end) continue;
      if (!best || s.end - s.start < best.span.end - best.span.start) best = { span: s, effects: new Set([atom]) };
      else if (s.start === best.span.start && s.end === best.span.end) best.effects.add(atom);
    }
  }
  return best;
}

/**
 * For the effectful place at an offset: the `with` blocks that discharge its effects, following a lambda to where it
 * is called and a function to its callers, up to the top level's runtime.
 */
export function handlersFor(host: EffectHost, path: string, offset: number): HandlerRef[] {
  const out: HandlerRef[] = [];
  const seen = new Set<string>();
  const visited = new Set<string>();
  const visit = (path: string, offset: number, wanted: ReadonlySet<string> | undefined, depth: number): void => {
    const key = `${path}:${offset}`;
    if (visited.has(key) || depth > MAX_DEPTH) return;
    visited.add(key);
    const context = contextAt(host, path, offset);
    if (!context) return;
    const frames = framesAt(host, context, offset);
    const site = siteAt(frames[0]?.row ?? context.row, offset);
    if (!site) return;
    const remaining = new Set([...site.effects].filter(k => !wanted || wanted.has(k)));
    for (const f of frames) {
      if (remaining.size === 0) return;
      const hit = [...f.discharged].filter(k => remaining.delete(k));
      if (hit.length === 0) continue;
      const key = `${path}:${f.site.span.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const decl = f.site.target?.kind === 'symbol' ? f.site.target.symbol : undefined;
      out.push({
        path, span: f.site.span, handlerSpan: f.site.handlerSpan, label: f.site.handlerName, effects: hit.map(effectName).sort(), ambient: false,
        declaration: decl ? { path: decl.path, span: decl.nameSpan } : undefined,
      });
    }
    if (remaining.size === 0) return;
    if (context.kind === 'lambda') {
      for (const at of performers(host, context)) visit(at.path, at.span.start, remaining, depth + 1);
    } else if (context.kind === 'top') {
      const hit = [...remaining].filter(k => AMBIENT.has(k));
      const key = `${path}:ambient`;
      if (hit.length > 0 && !seen.has(key)) {
        seen.add(key);
        const span = context.span;
        out.push({ path, span, handlerSpan: { start: span.start, end: span.start }, label: 'the default runtime', effects: hit.map(effectName).sort(), ambient: true });
      }
    } else if (context.fn) {
      const item = functionItem(host, { path, symbol: context.fn[1] });
      for (const call of item ? incomingCalls(host, item) : []) {
        for (const span of call.spans) visit(call.item.path, span.start, remaining, depth + 1);
      }
    }
  };
  visit(path, offset, undefined, 0);
  return out;
}

/**
 * Where a lambda is performed: following its row along the graph's edges to the first row of code (a body, a
 * `with` block, another lambda) of its file, the place of the edge that enters it (the call of `each`, of `f`).
 */
function performers(host: EffectHost, lambda: Context): Origin[] {
  const records = host.records(lambda.path)!;
  const index = host.names(lambda.path);
  // Code rows of the function (or top level) the lambda is in: a lambda is called there, or passed on from there.
  const outer: Span = (index && functionAround(index, lambda.span.start, lambda.span.end)?.[0].span) ?? index?.module.span ?? lambda.span;
  const code = new Set<RowVar>();
  for (const r of records.between(outer.start, outer.end)) {
    if (r.kind === 'body' || r.kind === 'with') {
      const row = r.rows?.[0]?.row;
      if (row) code.add(row);
    } else if (r.kind === 'lambda' && r.span !== lambda.span) {
      const t = prune(r.type);
      if (t.k === 'fun' && t.row !== lambda.row) code.add(t.row);
    }
  }
  const out: Origin[] = [];
  const seen = new Set<RowVar>([lambda.row]);
  const work = [lambda.row];
  while (work.length > 0 && seen.size < 2_000) {
    const r = work.pop()!;
    for (const e of r.out) {
      if (code.has(e.to)) {
        if (e.origin.path === lambda.path) out.push(e.origin);
        continue;
      }
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      work.push(e.to);
    }
  }
  return out;
}

/** The calls inside the `with` block around an offset whose effects that `with` discharges. */
export function dischargedBy(host: EffectHost, path: string, offset: number): DischargedCall[] {
  const index = host.names(path);
  const records = host.records(path);
  if (!index || !records) return [];
  let w: WithSite | undefined;
  for (const x of index.withs) {
    if (x.span.start <= offset && offset <= x.span.end && (!w || x.span.end - x.span.start < w.span.end - w.span.start)) w = x;
  }
  const block = w && recordedRow(records, w.expr.handler.span, 'with');
  if (!w || !block) return [];
  const handled = discharged(block);
  const bySpan = new Map<string, DischargedCall>();
  const add = (o: Origin, atom: string) => {
    const key = `${o.span.start}:${o.span.end}`;
    const old = bySpan.get(key);
    bySpan.set(key, { path, span: o.span, label: old?.label ?? o.label, effects: [...new Set([...(old?.effects ?? []), effectName(atom)])].sort() });
  };
  for (const atom of block.atoms.keys()) {
    if (!handled.has(atom)) continue;
    for (const site of sitesOf(block, atom)) {
      if (site.origin.path !== path) continue;
      add(site.origin, atom);
      // Inside the lambdas it performs: the calls and the operation the effect comes from, when they are in the block.
      const steps = chainSteps(site);
      steps.forEach((o, i) => {
        if (i === 0 || o.path !== path || o.span.start < w!.span.start || o.span.end > w!.span.end) return;
        if (o.into || i === steps.length - 1) add(o, atom);
      });
    }
  }
  return [...bySpan.values()].sort((x, y) => x.span.start - y.span.start);
}

// ---------------------------------------------------------------- rows and origins

/**
 * Where each effect of a function's body (or the top level) comes from, as the type checker traced it (the chains
 * its diagnostics give): each place in the body that brings the effect in, with the steps down to where it is
 * performed.
 */
function typedOrigins(host: EffectHost, path: string, nameSpan: Span, name: string): EffectOrigin[] {
  const records = host.records(path);
  const row = records && recordedRow(records, nameSpan, 'body');
  if (!row) return [];
  const out: EffectOrigin[] = [];
  for (const atom of effectsOf(row)) {
    const origins = sitesOf(row, atom).map(site => {
      const steps = chainSteps(site);
      return {
        span: site.origin.span, label: site.origin.label,
        chain: steps.map(o => ({ label: o.label, path: o.path, span: o.span, inFunction: o.fn ?? name })),
      };
    });
    out.push({ effect: effectName(atom), origins });
  }
  return out.sort((x, y) => (x.effect < y.effect ? -1 : 1));
}

/**
 * The declared and the inferred row of every function, local function and handler operation of a file, as the
 * type checker inferred them (the name model lists the functions).
 */
export function functionRows(host: EffectHost, path: string): FunctionRow[] {
  const index = host.names(path);
  if (!index) return [];
  return [...index.functions].map(([fn, symbol]) => functionRow(host, path, fn, symbol)).sort((x, y) => x.nameSpan.start - y.nameSpan.start);
}

/** The row of one function of a file. */
export function functionRow(host: EffectHost, path: string, fn: A.FnDecl, symbol: AriaSymbol): FunctionRow {
  const records = host.records(path);
  const body = records && recordedRow(records, fn.name.span, 'body');
  const effects = body ? effectsOf(body).map(effectName).sort() : [];
  const operation = symbol.kind === 'handler-operation';
  return {
    name: operation && symbol.container ? `${symbol.container.name}.${symbol.name}` : symbol.name,
    kind: operation ? 'operation' : symbol.local ? 'local-function' : 'function',
    id: `${path}#@${fn.name.span.start}`, nameSpan: fn.name.span, span: fn.span,
    declared: fn.effects ? rowText(fn.effects) : undefined, inferred: `{${effects.join(', ')}}`, effects,
    latentParams: body && records ? latentParams(records, fn, body) : [],
  };
}

/**
 * The parameters holding functions whose row flows into the body's row (the body calls them, or passes them on
 * to something that does): their effects are performed by each call, as the row variables of the scheme say.
 */
function latentParams(records: Records, fn: A.FnDecl, body: RowVar): string[] {
  const binding = records.at(fn.name.span.start).find(t => t.kind === 'binding' && t.span.start === fn.name.span.start);
  const type = binding && prune(binding.type);
  if (!type || type.k !== 'fun') return [];
  return fn.params.filter((_, i) => {
    const param = prune(type.params[i] ?? UNIT);
    return param.k === 'fun' && flowsInto(param.row, body);
  }).map(p => p.name.name);
}

/** For each effect a function (by name, or the innermost one around an offset) performs: where it comes from. */
export function effectOrigins(host: EffectHost, key: string, fnNameOrOffset: string | number): EffectOrigin[] {
  const index = host.names(key);
  if (!index) return [];
  let found: { nameSpan: Span; name: string } | undefined;
  if (typeof fnNameOrOffset === 'string') {
    for (const [fn, symbol] of index.functions) if (symbol.name === fnNameOrOffset && symbol.kind !== 'handler-operation') found ??= { nameSpan: fn.name.span, name: symbol.name };
  } else {
    const best = functionAround(index, fnNameOrOffset)?.[0];
    if (best) found = { nameSpan: best.name.span, name: best.name.name };
  }
  if (!found && (fnNameOrOffset === '(top level)' || typeof fnNameOrOffset === 'number')) {
    const start = index.module.span.start;
    found = { nameSpan: { start, end: start }, name: '(top level)' };
  }
  return found ? typedOrigins(host, key, found.nameSpan, found.name) : [];
}
