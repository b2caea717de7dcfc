// Infers the rows of a workspace's functions: a least fixed point over the call graph (recursion included), and the chains that explain an effect.
import type { EffectKey, FnId, FnNode, Latent, Site, WithFrame } from './effect-graph.js';

/** What calling a function performs: its effects, plus the latent effects of the arguments it calls. */
export interface Summary {
  readonly effects: ReadonlySet<EffectKey>;
  /** Indices of parameters whose (caller-supplied) latent effects the function performs. */
  readonly calledParams: ReadonlySet<number>;
}

const EMPTY: Summary = { effects: new Set(), calledParams: new Set() };

/** A step of an effect's call chain: the call, operation or `spawn` at `span` in `path`. */
export interface ChainStep {
  readonly path: string;
  readonly span: { readonly start: number; readonly end: number };
  readonly label: string;
  /** The function the step is in. */
  readonly inFunction: string;
}

export interface CancellationToken {
  readonly isCancellationRequested: boolean;
}

/** What an evaluation read of a solution: each summary, body and node, as the object it found (or undefined). */
export interface SolutionReads {
  readonly summaries: Map<FnId, Summary>;
  readonly bodies: Map<FnId, ReadonlySet<EffectKey> | undefined>;
  readonly nodes: Map<FnId, FnNode | undefined>;
}

/** The solved rows of every node; evaluates sites against them. */
export class EffectSolution {
  private reads?: SolutionReads;

  /** Runs `f`, recording what it reads of this solution (for caches of what is derived from it). */
  recording<T>(f: () => T): { readonly value: T; readonly reads: SolutionReads } {
    const outer = this.reads;
    const reads: SolutionReads = { summaries: new Map(), bodies: new Map(), nodes: new Map() };
    this.reads = reads;
    try {
      return { value: f(), reads };
    } finally {
      this.reads = outer;
    }
  }

  /**
   * Whether this solution holds the very objects `reads` recorded (of another solution, maybe): then what was
   * derived from them stands. The solver hands back the same summary objects for what it did not solve again.
   */
  readsSame(reads: SolutionReads): boolean {
    for (const [id, s] of reads.summaries) if ((this.summaries.get(id) ?? EMPTY) !== s) return false;
    for (const [id, b] of reads.bodies) if (this.bodies.get(id) !== b) return false;
    for (const [id, n] of reads.nodes) if (this.nodes.get(id) !== n) return false;
    return true;
  }

  constructor(
    readonly nodes: ReadonlyMap<FnId, FnNode>,
    readonly summaries: ReadonlyMap<FnId, Summary>,
    /** What the bodies of declared-row nodes perform (for inferred rows that is the summary's effects). */
    readonly bodies: ReadonlyMap<FnId, ReadonlySet<EffectKey>>,
  ) {}

  summary(id: FnId): Summary {
    const s = this.summaries.get(id) ?? EMPTY;
    this.reads?.summaries.set(id, s);
    return s;
  }

  private node(id: FnId): FnNode | undefined {
    const n = this.nodes.get(id);
    this.reads?.nodes.set(id, n);
    return n;
  }

  /** Everything a site performs before the `with` frames around it discharge anything. */
  siteEffects(node: FnNode, site: Site, params?: Set<number>): Set<EffectKey> {
    return siteEffects(node, site, id => this.summary(id), params);
  }

  /** What a site performs after the `with` frames of its body around it. */
  residual(node: FnNode, site: Site, params?: Set<number>): Set<EffectKey> {
    return residual(node, site, id => this.summary(id), params);
  }

  /** What a node's body performs (for declared rows: what the body really does, not the declaration). */
  bodyEffects(node: FnNode): ReadonlySet<EffectKey> {
    const body = this.bodies.get(node.id);
    this.reads?.bodies.set(node.id, body);
    return body ?? (node.declared ? bodyEffects(node, id => this.summary(id), undefined) : this.summary(node.id).effects);
  }

  latentEffects(node: FnNode, latent: Latent): Set<EffectKey> {
    return latentEffects(node, latent, id => this.summary(id), undefined);
  }

  /**
   * Explains how `site` performs `effect`: the chain of calls down to the operation or built-in that performs it.
   * The first step is the site itself.
   */
  chain(node: FnNode, site: Site, effect: EffectKey, limit = 12): ChainStep[] {
    const steps: ChainStep[] = [];
    const visited = new Set<FnId>([node.id]);
    let currentNode = node;
    let current: Site | undefined = site;
    while (current && steps.length < limit) {
      steps.push({ path: currentNode.path, span: current.span, label: current.label, inFunction: currentNode.name });
      if (current.own.includes(effect)) break;
      const next = this.explainSite(currentNode, current, effect, visited);
      if (!next) break;
      currentNode = next.node;
      current = next.site;
    }
    return steps;
  }

  private explainSite(node: FnNode, site: Site, effect: EffectKey, visited: Set<FnId>): { node: FnNode; site: Site } | undefined {
    if (site.callee) {
      const callee = this.node(site.callee);
      if (callee && this.summary(callee.id).effects.has(effect) && !visited.has(callee.id)) {
        const inner = callee.sites.find(s => this.residual(callee, s).has(effect));
        if (inner) {
          visited.add(callee.id);
          return { node: callee, site: inner };
        }
      }
      const calledParams = this.summary(site.callee).calledParams;
      for (const i of calledParams) {
        const arg = site.args?.[i];
        if (arg) {
          const found = this.explainLatent(node, arg, effect, visited);
          if (found) return found;
        }
      }
    }
    const blocked = new Set(site.discharges ?? []);
    if (!blocked.has(effect)) {
      for (const l of site.performs ?? []) {
        const found = this.explainLatent(node, l, effect, visited);
        if (found) return found;
      }
    }
    return undefined;
  }

  private explainLatent(node: FnNode, latent: Latent, effect: EffectKey, visited: Set<FnId>): { node: FnNode; site: Site } | undefined {
    if (latent.sites) {
      const inner = latent.sites.find(s => this.residual(node, s).has(effect));
      if (inner) return { node, site: inner };
    }
    if (latent.fn && !visited.has(latent.fn)) {
      const fn = this.node(latent.fn);
      const inner = fn?.sites.find(s => this.residual(fn, s).has(effect));
      if (fn && inner) {
        visited.add(fn.id);
        return { node: fn, site: inner };
      }
    }
    return undefined;
  }
}

type Lookup = (id: FnId) => Summary;

/**
 * What stands between an effect and the body it reaches: the `with` frames around a site (walked through
 * their parents) and the discharges of a built-in that performs a latent term, innermost first.
 */
interface Filter {
  readonly frames?: readonly WithFrame[];
  readonly frame?: number;
  readonly discharges?: readonly EffectKey[];
  readonly next: Filter | undefined;
}

function blocked(k: EffectKey, filter: Filter | undefined): boolean {
  for (let f = filter; f; f = f.next) {
    if (f.discharges && f.discharges.includes(k)) return true;
    if (f.frames) for (let i = f.frame; i !== undefined; i = f.frames[i]!.parent) if (f.frames[i]!.discharges.includes(k)) return true;
  }
  return false;
}

/**
 * Adds what a site performs to `out`, as seen through `filter`; with `ownFrame`, the site's own `with`
 * frames apply too (the residual), else not (what the construct itself performs).
 */
function collectSite(node: FnNode, site: Site, lookup: Lookup, params: Set<number> | undefined, out: Set<EffectKey>, filter: Filter | undefined, ownFrame: boolean, seen?: Set<Latent>): void {
  const f: Filter | undefined = ownFrame && site.frame !== undefined ? { frames: node.frames, frame: site.frame, next: filter } : filter;
  for (const k of site.own) if (!out.has(k) && !blocked(k, f)) out.add(k);
  if (site.paramCall !== undefined) params?.add(site.paramCall);
  if (site.callee) {
    const s = lookup(site.callee);
    for (const k of s.effects) if (!out.has(k) && !blocked(k, f)) out.add(k);
    if (s.calledParams.size) {
      for (const i of s.calledParams) {
        const arg = site.args?.[i];
        if (arg) collectLatent(node, arg, lookup, params, out, f, seen);
      }
    }
  }
  if (site.performs) {
    const g: Filter | undefined = site.discharges?.length ? { discharges: site.discharges, next: f } : f;
    for (const l of site.performs) collectLatent(node, l, lookup, params, out, g, seen);
  }
}

function collectLatent(node: FnNode, latent: Latent, lookup: Lookup, params: Set<number> | undefined, out: Set<EffectKey>, filter: Filter | undefined, seen = new Set<Latent>()): void {
  // A lambda assigned to a name it calls (`step = |n| step(n)`) reaches itself: each latent is collected once.
  if (seen.has(latent)) return;
  seen.add(latent);
  if (latent.effects) for (const k of latent.effects) if (!out.has(k) && !blocked(k, filter)) out.add(k);
  if (latent.param !== undefined) params?.add(latent.param);
  if (latent.fn) for (const k of lookup(latent.fn).effects) if (!out.has(k) && !blocked(k, filter)) out.add(k);
  if (latent.sites) for (const s of latent.sites) collectSite(node, s, lookup, params, out, filter, true, seen);
}

function siteEffects(node: FnNode, site: Site, lookup: Lookup, params: Set<number> | undefined): Set<EffectKey> {
  const out = new Set<EffectKey>();
  collectSite(node, site, lookup, params, out, undefined, false);
  return out;
}

function residual(node: FnNode, site: Site, lookup: Lookup, params: Set<number> | undefined): Set<EffectKey> {
  const out = new Set<EffectKey>();
  collectSite(node, site, lookup, params, out, undefined, true);
  return out;
}

function latentEffects(node: FnNode, latent: Latent, lookup: Lookup, params: Set<number> | undefined): Set<EffectKey> {
  const out = new Set<EffectKey>();
  collectLatent(node, latent, lookup, params, out, undefined);
  return out;
}

/** What a node's body performs after its own `with` frames (and the latent parameters it calls). */
function bodyEffects(node: FnNode, lookup: Lookup, params: Set<number> | undefined): Set<EffectKey> {
  const out = new Set<EffectKey>();
  for (const s of node.sites) collectSite(node, s, lookup, params, out, undefined, true);
  return out;
}

/** The summary a node offers its callers, computed from its body (inferred rows) or its declaration; and its body's effects. */
function evaluate(node: FnNode, lookup: Lookup): { summary: Summary; body: ReadonlySet<EffectKey> } {
  const params = new Set<number>();
  const effects = bodyEffects(node, lookup, params);
  if (node.declared) {
    const called = new Set(node.polyParams);
    for (const i of params) if (node.untypedParams.includes(i)) called.add(i);
    return { summary: { effects: new Set(node.declared.effects.map(e => e.key)), calledParams: called }, body: effects };
  }
  return { summary: { effects, calledParams: params }, body: effects };
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}

function sameSummary(a: Summary, b: Summary): boolean {
  if (a.effects.size !== b.effects.size || a.calledParams.size !== b.calledParams.size) return false;
  for (const k of a.effects) if (!b.effects.has(k)) return false;
  for (const k of a.calledParams) if (!b.calledParams.has(k)) return false;
  return true;
}

/**
 * Solves every node's summary: the least fixed point, computed strongly connected component by component
 * (callees first, so a function outside a cycle is evaluated once; a cycle iterates from the empty row until
 * it is stable, so recursion and mutual recursion converge). `previous` supplies the summaries of nodes in
 * `keep`, which must not depend on anything that changed. Returns undefined when cancelled.
 */
export function solve(
  nodes: ReadonlyMap<FnId, FnNode>,
  previous?: { readonly solution: EffectSolution; readonly keep: ReadonlySet<FnId> },
  token?: CancellationToken,
): EffectSolution | undefined {
  const summaries = new Map<FnId, Summary>();
  const bodies = new Map<FnId, ReadonlySet<EffectKey>>();
  const todo: FnNode[] = [];
  for (const node of nodes.values()) {
    const prev = previous?.keep.has(node.id) ? previous.solution.summaries.get(node.id) : undefined;
    if (prev) {
      summaries.set(node.id, prev);
      const body = previous!.solution.bodies.get(node.id);
      if (body) bodies.set(node.id, body);
    } else {
      todo.push(node);
    }
  }
  const lookup: Lookup = id => summaries.get(id) ?? EMPTY;
  let steps = 0;
  for (const component of components(todo, nodes)) {
    if ((++steps & 63) === 0 && token?.isCancellationRequested) return undefined;
    const cyclic = component.length > 1 || component[0]!.callees.includes(component[0]!.id);
    for (let changed = true; changed;) {
      changed = false;
      for (const node of component) {
        const next = evaluate(node, lookup);
        if (node.declared) bodies.set(node.id, next.body);
        const prev = summaries.get(node.id);
        if (prev && sameSummary(prev, next.summary)) continue;
        summaries.set(node.id, next.summary);
        changed = cyclic;
      }
    }
    // A node solved again to what it was keeps its old objects: what was derived from them (its callers' effect
    // diagnostics, compared by identity) stands. An edit that changes one function re-solves its callers, but
    // rarely changes their rows.
    if (previous) {
      for (const node of component) {
        const old = previous.solution.summaries.get(node.id);
        const now = summaries.get(node.id);
        if (old && now && old !== now && sameSummary(old, now)) summaries.set(node.id, old);
        const oldBody = previous.solution.bodies.get(node.id);
        const body = bodies.get(node.id);
        if (oldBody && body && oldBody !== body && sameSet(oldBody, body)) bodies.set(node.id, oldBody);
      }
    }
  }
  return new EffectSolution(nodes, summaries, bodies);
}

/**
 * Tarjan's strongly connected components of `todo` (edges: callees, restricted to `todo`), in reverse
 * topological order: every component comes after the components it calls. Iterative, so deep chains do not
 * overflow the stack.
 */
function components(todo: readonly FnNode[], nodes: ReadonlyMap<FnId, FnNode>): FnNode[][] {
  const inTodo = new Set(todo.map(n => n.id));
  const index = new Map<FnId, number>();
  const low = new Map<FnId, number>();
  const onStack = new Set<FnId>();
  const stack: FnId[] = [];
  const out: FnNode[][] = [];
  let counter = 0;
  for (const root of todo) {
    if (index.has(root.id)) continue;
    const frames: { id: FnId; edges: readonly FnId[]; next: number }[] = [];
    const enter = (id: FnId) => {
      index.set(id, counter);
      low.set(id, counter);
      counter++;
      stack.push(id);
      onStack.add(id);
      frames.push({ id, edges: nodes.get(id)?.callees ?? [], next: 0 });
    };
    enter(root.id);
    while (frames.length) {
      const top = frames[frames.length - 1]!;
      if (top.next < top.edges.length) {
        const w = top.edges[top.next++]!;
        if (!inTodo.has(w)) continue;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(top.id, Math.min(low.get(top.id)!, index.get(w)!));
        continue;
      }
      frames.pop();
      if (frames.length) {
        const parent = frames[frames.length - 1]!;
        low.set(parent.id, Math.min(low.get(parent.id)!, low.get(top.id)!));
      }
      if (low.get(top.id) === index.get(top.id)) {
        const component: FnNode[] = [];
        for (;;) {
          const id = stack.pop()!;
          onStack.delete(id);
          component.push(nodes.get(id)!);
          if (id === top.id) break;
        }
        out.push(component);
      }
    }
  }
  return out;
}

/** The nodes whose summaries may depend on `changed` (they and their transitive callers), over several node maps. */
export function dependents(graphs: readonly ReadonlyMap<FnId, FnNode>[], changed: ReadonlySet<FnId>): Set<FnId> {
  const callers = new Map<FnId, FnId[]>();
  for (const nodes of graphs) {
    for (const node of nodes.values()) {
      for (const dep of node.callees) {
        let list = callers.get(dep);
        if (!list) callers.set(dep, (list = []));
        list.push(node.id);
      }
    }
  }
  const out = new Set<FnId>(changed);
  const stack = [...changed];
  while (stack.length) {
    const id = stack.pop()!;
    for (const c of callers.get(id) ?? []) {
      if (!out.has(c)) {
        out.add(c);
        stack.push(c);
      }
    }
  }
  return out;
}
