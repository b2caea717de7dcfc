// Types and effect rows of Aria's static type system: the terms, unification of shapes, and the row graph whose least solution says what every function value may perform.
import type { Span } from '../syntax/ast.js';

/** Where a fact about a type or a row came from: a place in some file, with words for it. */
export interface Origin {
  readonly path: string;
  readonly span: Span;
  readonly label: string;
  /** The function (or `the top level`) the place is in. */
  readonly fn?: string;
  /** A call of a function: its body's row, where the explanation goes on. */
  readonly into?: { readonly row: RowVar | undefined };
}

// ---------------------------------------------------------------- types

/** A type: a unification variable, a constructor applied to arguments, or a function type with its row. */
export type Type = TVar | TCon | TFun;

export interface TVar {
  readonly k: 'var';
  readonly id: number;
  /** Generalisation level: a variable made while inferring a top-level SCC is generalised after it. */
  level: number;
  /** Set once the variable is solved. */
  ref: Type | undefined;
  /** A written type parameter (`T` of `fn f[T]`): it equals only itself while its function is checked. */
  readonly rigid?: string;
}

export interface TCon {
  readonly k: 'con';
  /** The name shown to users (`List`, `Shape`). */
  readonly name: string;
  /** Identity: built-in types by name, declared ones by `path#Name`. */
  readonly key: string;
  readonly args: readonly Type[];
}

export interface TFun {
  readonly k: 'fun';
  readonly params: readonly Type[];
  /** What calling it may perform. */
  readonly row: RowVar;
  readonly ret: Type;
}

let nextId = 1;

export function tvar(level: number, rigid?: string): TVar {
  return { k: 'var', id: nextId++, level, ref: undefined, rigid };
}

export function tcon(name: string, args: readonly Type[] = [], key = name): TCon {
  return { k: 'con', name, key, args };
}

export function tfun(params: readonly Type[], row: RowVar, ret: Type): TFun {
  return { k: 'fun', params, row, ret };
}

export const INT = tcon('Int');
export const FLOAT = tcon('Float');
export const BOOL = tcon('Bool');
export const STRING = tcon('String');
export const UNIT = tcon('Unit');
export const DURATION = tcon('Duration');

/** The type a variable stands for, following solved variables. */
export function prune(t: Type): Type {
  while (t.k === 'var' && t.ref) t = t.ref;
  return t;
}

// ---------------------------------------------------------------- rows

/**
 * A row variable: the set of effects (and of rigid row variables, as atoms `~id`) that a function value may
 * perform. Rows are sets; flows between them are edges `from ⊆ filter ∪ to`, and the graph keeps its least
 * solution as atoms arrive. An upper bound (a declared closed row, the top level's provided effects) is checked
 * against that solution.
 */
export class RowVar {
  readonly id = nextId++;
  /** The least solution so far: each atom with why it is here. */
  readonly atoms = new Map<string, Why>();
  /** Edges out of and into it (added by `RowGraph`; one shared empty list until the first). */
  out: readonly Edge[] = NO_EDGES;
  in: readonly Edge[] = NO_EDGES;
  upper: Upper | undefined;
  /** Atoms placed here directly by a site (an operation, a built-in call), for reporting every offending site. */
  direct: readonly { readonly atom: string; readonly origin: Origin }[] = NO_SITES;
  /** A rigid row variable (`e` of a signature, while that function is checked) is its own atom. */
  readonly rigid?: string;
  /** The row of a block inside a body (a `with`'s): a diagnostic looks through it for the sites within. */
  transparent = false;
  /** A closed row written in a field's type: each use of the field gets a copy (the checker's `fieldRow`). */
  template = false;
  /**
   * A function's body row from an earlier check, whose function was checked again since: a reused caller's
   * explanation stops at the call rather than follow it into what the callee used to do.
   */
  retired = false;

  constructor(rigid?: string) {
    if (rigid !== undefined) {
      this.rigid = rigid;
      this.atoms.set(this.atom, { origin: undefined, from: undefined });
    }
  }

  get atom(): string {
    return `~${this.id}`;
  }
}

const NO_EDGES: readonly Edge[] = Object.freeze([]);
const NO_SITES: readonly { readonly atom: string; readonly origin: Origin }[] = Object.freeze([]);

export interface Why {
  /** The site that put the atom here, when it was put directly. */
  readonly origin: Origin | undefined;
  /** The edge it came along, when it flowed here. */
  readonly from: Edge | undefined;
}

export interface Edge {
  readonly from: RowVar;
  readonly to: RowVar;
  /** Atoms that do not flow along this edge (what a `with` handles). */
  readonly filter: ReadonlySet<string> | undefined;
  readonly origin: Origin;
}

/** A closed bound: what a row may hold, and who says so. */
export interface Upper {
  readonly allowed: ReadonlySet<string>;
  readonly owner: UpperOwner;
}

export type UpperOwner =
  | { readonly kind: 'function'; readonly name: string; readonly origin: Origin }
  | { readonly kind: 'top-level'; readonly path: string }
  | { readonly kind: 'annotation'; readonly origin: Origin }
  | { readonly kind: 'handler-op'; readonly name: string; readonly origin: Origin };

export interface Violation {
  readonly row: RowVar;
  readonly atom: string;
}

/** The row graph: adding atoms and edges keeps the least solution, with no recursion (a worklist). */
export class RowGraph {
  readonly violations: Violation[] = [];

  addAtom(v: RowVar, atom: string, origin: Origin): void {
    if (v.direct === NO_SITES) v.direct = [{ atom, origin }];
    else (v.direct as { atom: string; origin: Origin }[]).push({ atom, origin });
    this.flow([[v, atom, { origin, from: undefined }]]);
  }

  addEdge(from: RowVar, to: RowVar, origin: Origin, filter?: ReadonlySet<string>): void {
    if (from === to && !filter) return;
    const edge: Edge = { from, to, filter: filter && filter.size > 0 ? filter : undefined, origin };
    if (from.out === NO_EDGES) from.out = [edge];
    else (from.out as Edge[]).push(edge);
    if (to.in === NO_EDGES) to.in = [edge];
    else (to.in as Edge[]).push(edge);
    const work: [RowVar, string, Why][] = [];
    for (const atom of from.atoms.keys()) if (!edge.filter?.has(atom)) work.push([to, atom, { origin: undefined, from: edge }]);
    this.flow(work);
  }

  setUpper(v: RowVar, allowed: ReadonlySet<string>, owner: UpperOwner): void {
    v.upper = { allowed, owner };
    for (const atom of v.atoms.keys()) if (!allowed.has(atom)) this.violations.push({ row: v, atom });
  }

  private flow(work: [RowVar, string, Why][]): void {
    while (work.length > 0) {
      const [v, atom, why] = work.pop()!;
      if (v.atoms.has(atom)) continue;
      v.atoms.set(atom, why);
      if (v.upper && !v.upper.allowed.has(atom)) this.violations.push({ row: v, atom });
      for (const e of v.out) if (!e.filter?.has(atom)) work.push([e.to, atom, { origin: undefined, from: e }]);
    }
  }
}

/** The steps an atom took to reach a row: from the site that performed it, along each edge. Bounded. */
export function explain(v: RowVar, atom: string, limit = 12): Origin[] {
  const steps: Origin[] = [];
  const seen = new Set<RowVar>();
  let at: RowVar | undefined = v;
  while (at && steps.length < limit && !seen.has(at)) {
    seen.add(at);
    const why: Why | undefined = at.atoms.get(atom);
    if (!why) break;
    if (why.origin) {
      steps.push(why.origin);
      const next: RowVar | undefined = why.origin.into?.row;
      if (!next || next.retired || !next.atoms.has(atom)) break;
      at = next;
      continue;
    }
    if (!why.from) break;
    steps.push(why.from.origin);
    at = why.from.from;
  }
  return steps;
}

/**
 * The places that brought `atom` into `row`: each operation or call that put it there, looking through the rows of
 * blocks (a `with`'s) to the calls inside, with the steps it took to that place (`explain`). `callee` picks the
 * calls (the rows they bring the atom from) to keep.
 */
export function sitesOf(row: RowVar, atom: string, callee: (from: RowVar) => boolean = () => true): { readonly origin: Origin; readonly via?: readonly Origin[] }[] {
  const sites: { origin: Origin; via?: Origin[] }[] = [];
  const rows = [row];
  const visited = new Set<RowVar>(rows);
  while (rows.length > 0) {
    const r = rows.pop()!;
    for (const d of r.direct) if (d.atom === atom) sites.push({ origin: d.origin });
    for (const edge of r.in) {
      if (edge.filter?.has(atom) || !edge.from.atoms.has(atom)) continue;
      if (edge.from.transparent) {
        if (!visited.has(edge.from)) {
          visited.add(edge.from);
          rows.push(edge.from);
        }
        continue;
      }
      if (callee(edge.from)) sites.push({ origin: edge.origin, via: explain(edge.from, atom) });
    }
  }
  return sites;
}

/** Whether what `from` holds flows into `to` along the graph's edges (whatever they filter). Bounded. */
export function flowsInto(from: RowVar, to: RowVar, limit = 10_000): boolean {
  const seen = new Set<RowVar>([from]);
  const work = [from];
  while (work.length > 0 && seen.size < limit) {
    const r = work.pop()!;
    if (r === to) return true;
    for (const e of r.out) {
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      work.push(e.to);
    }
  }
  return false;
}

/** A site and the steps after it, without a step that repeats the one before (a call and its callee's name). */
export function chainSteps(site: { readonly origin: Origin; readonly via?: readonly Origin[] }): Origin[] {
  const steps: Origin[] = [site.origin];
  for (const o of site.via ?? []) {
    const last = steps[steps.length - 1]!;
    if (o.path !== last.path || o.span.start !== last.span.start || o.span.end !== last.span.end) steps.push(o);
  }
  return steps;
}

// ---------------------------------------------------------------- unification of shapes

export type UnifyFailure =
  | { readonly kind: 'mismatch'; readonly expected: Type; readonly actual: Type }
  | { readonly kind: 'arity'; readonly expected: number; readonly actual: number }
  | { readonly kind: 'occurs'; readonly variable: TVar; readonly type: Type };

/**
 * Makes `actual` fit where `expected` is wanted. Shapes must be equal (type variables are solved); rows flow:
 * a function value whose row is smaller fits where a larger one is allowed (subsumption at function types:
 * covariant in the row and the result, contravariant in the parameters). Inside other constructors (a `List` of
 * functions, a field) rows are made equal both ways, since those places can be written through as well as read.
 * Explicit stack, no recursion.
 */
export function flowType(graph: RowGraph, actual: Type, expected: Type, origin: Origin, variance0 = 1): UnifyFailure | undefined {
  // [actual, expected, variance]: 1 covariant (actual ⊆ expected), -1 contravariant, 0 invariant.
  const work: [Type, Type, number][] = [[actual, expected, variance0]];
  let failure: UnifyFailure | undefined;
  let steps = 0;
  while (work.length > 0) {
    if (++steps > 100_000) return failure ?? { kind: 'mismatch', expected, actual };
    const [a0, e0, variance] = work.pop()!;
    const a = prune(a0);
    const e = prune(e0);
    if (a === e) continue;
    if (a.k === 'var' && !a.rigid) {
      const f = bind(a, e);
      if (f) failure ??= f;
      continue;
    }
    if (e.k === 'var' && !e.rigid) {
      const f = bind(e, a);
      if (f) failure ??= f;
      continue;
    }
    if (a.k === 'var' || e.k === 'var') {
      failure ??= { kind: 'mismatch', expected, actual };
      continue;
    }
    if (a.k === 'con' && e.k === 'con') {
      if (a.key !== e.key || a.args.length !== e.args.length) {
        if (!(isNumericWidening(a, e))) failure ??= { kind: 'mismatch', expected, actual };
        continue;
      }
      for (let i = 0; i < a.args.length; i++) work.push([a.args[i]!, e.args[i]!, 0]);
      continue;
    }
    if (a.k === 'fun' && e.k === 'fun') {
      if (a.params.length !== e.params.length) {
        failure ??= { kind: 'arity', expected: e.params.length, actual: a.params.length };
        continue;
      }
      if (variance >= 0) graph.addEdge(a.row, e.row, origin);
      if (variance <= 0) graph.addEdge(e.row, a.row, origin);
      work.push([a.ret, e.ret, variance]);
      for (let i = 0; i < a.params.length; i++) work.push([e.params[i]!, a.params[i]!, variance === 0 ? 0 : -variance]);
      continue;
    }
    failure ??= { kind: 'mismatch', expected, actual };
  }
  return failure;
}

/** Makes two types equal (rows both ways). */
export function unify(graph: RowGraph, a: Type, b: Type, origin: Origin): UnifyFailure | undefined {
  return flowType(graph, a, b, origin, 0);
}

/** An Int goes where a Float is wanted (arithmetic widens), and nowhere else implicitly. */
function isNumericWidening(a: TCon, e: TCon): boolean {
  return a.key === 'Int' && e.key === 'Float';
}

function bind(v: TVar, t: Type): UnifyFailure | undefined {
  if (occurs(v, t)) return { kind: 'occurs', variable: v, type: t };
  adjustLevels(t, v.level);
  v.ref = t;
  return undefined;
}

function occurs(v: TVar, t: Type): boolean {
  const stack: Type[] = [t];
  let steps = 0;
  while (stack.length > 0 && ++steps < 100_000) {
    const x = prune(stack.pop()!);
    if (x === v) return true;
    if (x.k === 'con') stack.push(...x.args);
    else if (x.k === 'fun') stack.push(...x.params, x.ret);
  }
  return false;
}

function adjustLevels(t: Type, level: number): void {
  const stack: Type[] = [t];
  let steps = 0;
  while (stack.length > 0 && ++steps < 100_000) {
    const x = prune(stack.pop()!);
    if (x.k === 'var') {
      if (x.level > level) x.level = level;
    } else if (x.k === 'con') stack.push(...x.args);
    else stack.push(...x.params, x.ret);
  }
}

// ---------------------------------------------------------------- schemes

/** A constraint of a scheme among its quantified rows, re-issued on every instantiation. */
export type SchemeConstraint =
  | { readonly k: 'atom'; readonly row: RowVar; readonly atom: string; readonly origin: Origin }
  | { readonly k: 'edge'; readonly from: RowVar; readonly to: RowVar; readonly filter: ReadonlySet<string> | undefined; readonly origin: Origin }
  | { readonly k: 'upper'; readonly row: RowVar; readonly allowed: ReadonlySet<string>; readonly owner: UpperOwner };

/** A polymorphic type: `∀ vars, rows. constraints ⇒ type`. */
export interface Scheme {
  readonly vars: readonly TVar[];
  readonly rows: readonly RowVar[];
  readonly type: Type;
  readonly constraints: readonly SchemeConstraint[];
  /** The body's row of the function it was made from, for explanations (set once the body is checked). */
  readonly body: { row: RowVar | undefined };
}

export function monoScheme(type: Type): Scheme {
  return { vars: [], rows: [], type, constraints: [], body: { row: undefined } };
}

/** Every row variable a type mentions, in order of first appearance. */
export function rowsOf(t: Type, out: RowVar[] = [], seen = new Set<RowVar>()): RowVar[] {
  const stack: Type[] = [t];
  let steps = 0;
  while (stack.length > 0 && ++steps < 100_000) {
    const x = prune(stack.pop()!);
    if (x.k === 'con') for (let i = x.args.length - 1; i >= 0; i--) stack.push(x.args[i]!);
    else if (x.k === 'fun') {
      if (!seen.has(x.row)) {
        seen.add(x.row);
        out.push(x.row);
      }
      stack.push(x.ret);
      for (let i = x.params.length - 1; i >= 0; i--) stack.push(x.params[i]!);
    }
  }
  return out;
}

function typeVarsOf(t: Type, level: number, out: TVar[], seen: Set<TVar>): void {
  const stack: Type[] = [t];
  let steps = 0;
  while (stack.length > 0 && ++steps < 100_000) {
    const x = prune(stack.pop()!);
    if (x.k === 'var') {
      if ((x.level > level || x.rigid !== undefined) && !seen.has(x)) {
        seen.add(x);
        out.push(x);
      }
    } else if (x.k === 'con') stack.push(...x.args);
    else stack.push(...x.params, x.ret);
  }
}

/**
 * Generalises a type inferred at a deeper level: its variables above `level` and all its rows become quantified.
 * What the row graph knows of those rows is kept as constraints: atoms, flows between them (also through rows
 * that are not in the type, such as a lambda's inside the body), and closed bounds they reach.
 */
export function generalize(type: Type, level: number, extraRows: readonly RowVar[] = []): Scheme {
  const vars: TVar[] = [];
  typeVarsOf(type, level, vars, new Set());
  const rows = rowsOf(type);
  for (const r of extraRows) if (!rows.includes(r)) rows.push(r);
  // The written row variables behind rows like `{Async | e}`: quantified too, so instances share them.
  const stack = [...rows];
  const seenRows = new Set(rows);
  let walked = 0;
  while (stack.length > 0 && ++walked < 10_000) {
    const r = stack.pop()!;
    for (const e of r.out) {
      if (seenRows.has(e.to)) continue;
      seenRows.add(e.to);
      if (e.to.rigid !== undefined) {
        rows.push(e.to);
        stack.push(e.to);
      }
    }
  }
  const inType = new Set(rows);
  const byAtom = new Map(rows.filter(r => r.rigid !== undefined).map(r => [r.atom, r]));
  const constraints: SchemeConstraint[] = [];
  for (const r of rows) {
    for (const [atom, why] of r.atoms) {
      if (r.rigid !== undefined && atom === r.atom) continue;
      const rigid = byAtom.get(atom);
      if (rigid) {
        constraints.push({ k: 'edge', from: rigid, to: r, filter: undefined, origin: originOf(why) ?? NO_ORIGIN });
        continue;
      }
      if (atom.startsWith('~')) continue;
      constraints.push({ k: 'atom', row: r, atom, origin: rootOrigin(r, atom) ?? NO_ORIGIN });
    }
    if (r.upper) constraints.push({ k: 'upper', row: r, allowed: r.upper.allowed, owner: r.upper.owner });
    // Flows out of r through rows outside the type: to rows of the type (edges) and to closed bounds (uppers).
    const seen = new Set<RowVar>([r]);
    const stack: [RowVar, ReadonlySet<string> | undefined, Origin][] = r.out.map(e => [e.to, e.filter, e.origin]);
    let steps = 0;
    while (stack.length > 0 && ++steps < 10_000) {
      const [to, filter, origin] = stack.pop()!;
      if (inType.has(to)) {
        if (to !== r) constraints.push({ k: 'edge', from: r, to, filter, origin });
        continue;
      }
      if (seen.has(to)) continue;
      seen.add(to);
      if (to.upper) constraints.push({ k: 'upper', row: r, allowed: union(to.upper.allowed, filter) ?? new Set(), owner: to.upper.owner });
      for (const e of to.out) stack.push([e.to, union(e.filter, filter), origin]);
    }
  }
  return { vars, rows, type, constraints, body: { row: undefined } };
}

const NO_ORIGIN: Origin = { path: '', span: { start: 0, end: 0 }, label: '' };

function originOf(why: Why): Origin | undefined {
  return why.origin ?? why.from?.origin;
}

/** Where an atom was first performed, following it back to its site. */
function rootOrigin(r: RowVar, atom: string): Origin | undefined {
  const steps = explain(r, atom);
  return steps[steps.length - 1];
}

function union(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  if (!a || a.size === 0) return b;
  if (!b || b.size === 0) return a;
  return new Set([...a, ...b]);
}

/** A fresh instance of a scheme at `level`: new variables and rows, its constraints issued again. */
export function instantiate(graph: RowGraph, s: Scheme, level: number, at: Origin): { type: Type; rows: Map<RowVar, RowVar>; vars: Map<TVar, TVar> } {
  const vars = new Map<TVar, TVar>(s.vars.map(v => [v, tvar(level)]));
  const rows = new Map<RowVar, RowVar>(s.rows.map(r => [r, new RowVar()]));
  if (s.vars.length === 0 && s.rows.length === 0) return { type: s.type, rows, vars };
  const type = substitute(s.type, vars, rows);
  let byAtom: Map<string, RowVar> | undefined;
  for (const c of s.constraints) {
    if (c.k === 'atom') graph.addAtom(rows.get(c.row)!, c.atom, { path: at.path, span: at.span, label: at.label, fn: at.fn, into: s.body });
    else if (c.k === 'edge') graph.addEdge(rows.get(c.from)!, rows.get(c.to)!, at, c.filter);
    else {
      const row = rows.get(c.row)!;
      byAtom ??= new Map(s.rows.filter(r => r.rigid !== undefined).map(r => [r.atom, rows.get(r)!]));
      const rigid = [...c.allowed].filter(a => byAtom!.has(a));
      if (rigid.length > 0) {
        // `r ⊆ {A} ∪ e` with e quantified: what is not A flows into e's instance.
        graph.addEdge(row, byAtom.get(rigid[0]!)!, at, new Set([...c.allowed].filter(a => !byAtom!.has(a))));
      } else if (![...c.allowed].some(a => a.startsWith('~'))) {
        graph.setUpper(row, c.allowed, c.owner);
      }
    }
  }
  return { type, rows, vars };
}

export function substitute(t: Type, vars: ReadonlyMap<TVar, TVar>, rows: ReadonlyMap<RowVar, RowVar>): Type {
  const x = prune(t);
  if (x.k === 'var') return vars.get(x) ?? x;
  if (x.k === 'con') return x.args.length === 0 ? x : tcon(x.name, x.args.map(a => substitute(a, vars, rows)), x.key);
  return tfun(x.params.map(p => substitute(p, vars, rows)), rows.get(x.row) ?? x.row, substitute(x.ret, vars, rows));
}
