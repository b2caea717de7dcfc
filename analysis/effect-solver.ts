// Infers the rows of a workspace's functions: a least fixed point over the call graph (recursion included), and the chains that explain an effect.
import type { EffectKey, FnId, FnNode, Latent, Site } from './effect-graph.js';

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

/** The solved rows of every node; evaluates sites against them. */
export class EffectSolution {
  constructor(
    readonly nodes: ReadonlyMap<FnId, FnNode>,
    readonly summaries: ReadonlyMap<FnId, Summary>,
  ) {}

  summary(id: FnId): Summary {
    return this.summaries.get(id) ?? EMPTY;
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
  bodyEffects(node: FnNode): Set<EffectKey> {
    const out = new Set<EffectKey>();
    for (const s of node.sites) for (const k of this.residual(node, s)) out.add(k);
    return out;
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
      const callee = this.nodes.get(site.callee);
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
      const fn = this.nodes.get(latent.fn);
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

function siteEffects(node: FnNode, site: Site, lookup: Lookup, params: Set<number> | undefined): Set<EffectKey> {
  const out = new Set<EffectKey>(site.own);
  if (site.paramCall !== undefined) params?.add(site.paramCall);
  if (site.callee) {
    const s = lookup(site.callee);
    for (const k of s.effects) out.add(k);
    for (const i of s.calledParams) {
      const arg = site.args?.[i];
      if (arg) for (const k of latentEffects(node, arg, lookup, params)) out.add(k);
    }
  }
  if (site.performs) {
    const blocked = site.discharges;
    for (const l of site.performs) {
      for (const k of latentEffects(node, l, lookup, params)) if (!blocked?.includes(k)) out.add(k);
    }
  }
  return out;
}

function residual(node: FnNode, site: Site, lookup: Lookup, params: Set<number> | undefined): Set<EffectKey> {
  const out = siteEffects(node, site, lookup, params);
  for (let f = site.frame; f !== undefined && out.size; f = node.frames[f]!.parent) {
    for (const k of node.frames[f]!.discharges) out.delete(k);
  }
  return out;
}

function latentEffects(node: FnNode, latent: Latent, lookup: Lookup, params: Set<number> | undefined): Set<EffectKey> {
  const out = new Set<EffectKey>(latent.effects ?? []);
  if (latent.param !== undefined) params?.add(latent.param);
  if (latent.fn) for (const k of lookup(latent.fn).effects) out.add(k);
  if (latent.sites) for (const s of latent.sites) for (const k of residual(node, s, lookup, params)) out.add(k);
  return out;
}

/** The summary a node offers its callers, computed from its body (inferred rows) or its declaration. */
function evaluate(node: FnNode, lookup: Lookup): Summary {
  const params = new Set<number>();
  const effects = new Set<EffectKey>();
  for (const s of node.sites) for (const k of residual(node, s, lookup, params)) effects.add(k);
  if (node.declared) {
    const called = new Set(node.polyParams);
    for (const i of params) if (node.untypedParams.includes(i)) called.add(i);
    return { effects: new Set(node.declared.effects.map(e => e.key)), calledParams: called };
  }
  return { effects, calledParams: params };
}

function sameSummary(a: Summary, b: Summary): boolean {
  if (a.effects.size !== b.effects.size || a.calledParams.size !== b.calledParams.size) return false;
  for (const k of a.effects) if (!b.effects.has(k)) return false;
  for (const k of a.calledParams) if (!b.calledParams.has(k)) return false;
  return true;
}

/** Callees a node's summary depends on. */
function dependencies(node: FnNode): Set<FnId> {
  const out = new Set<FnId>();
  const latent = (l: Latent) => {
    if (l.fn) out.add(l.fn);
    if (l.sites) l.sites.forEach(site);
  };
  const site = (s: Site) => {
    if (s.callee) out.add(s.callee);
    s.args?.forEach(a => a && latent(a));
    s.performs?.forEach(latent);
  };
  node.sites.forEach(site);
  return out;
}

/**
 * Solves every node's summary: a worklist iteration from the empty row up to the least fixed point, so that
 * recursion and mutual recursion converge. `previous` seeds nodes that are known not to have changed and whose
 * dependencies did not change either (`keep`). Returns undefined when cancelled.
 */
export function solve(
  nodes: ReadonlyMap<FnId, FnNode>,
  previous?: { readonly summaries: ReadonlyMap<FnId, Summary>; readonly keep: ReadonlySet<FnId> },
  token?: CancellationToken,
): EffectSolution | undefined {
  const summaries = new Map<FnId, Summary>();
  const callers = new Map<FnId, FnId[]>();
  for (const node of nodes.values()) {
    for (const dep of dependencies(node)) {
      let list = callers.get(dep);
      if (!list) callers.set(dep, (list = []));
      list.push(node.id);
    }
  }
  const work: FnId[] = [];
  const queued = new Set<FnId>();
  for (const node of nodes.values()) {
    const prev = previous?.keep.has(node.id) ? previous.summaries.get(node.id) : undefined;
    if (prev) {
      summaries.set(node.id, prev);
    } else {
      work.push(node.id);
      queued.add(node.id);
    }
  }
  const lookup: Lookup = id => summaries.get(id) ?? EMPTY;
  let steps = 0;
  while (work.length) {
    if ((++steps & 255) === 0 && token?.isCancellationRequested) return undefined;
    const id = work.pop()!;
    queued.delete(id);
    const node = nodes.get(id);
    if (!node) continue;
    const next = evaluate(node, lookup);
    const prev = summaries.get(id);
    if (prev && sameSummary(prev, next)) continue;
    summaries.set(id, next);
    for (const caller of callers.get(id) ?? []) {
      if (!queued.has(caller)) {
        queued.add(caller);
        work.push(caller);
      }
    }
  }
  return new EffectSolution(nodes, summaries);
}

/** The nodes whose summaries may depend on `changed` (they and their transitive callers). */
export function dependents(nodes: ReadonlyMap<FnId, FnNode>, changed: ReadonlySet<FnId>): Set<FnId> {
  const callers = new Map<FnId, FnId[]>();
  for (const node of nodes.values()) {
    for (const dep of dependencies(node)) {
      let list = callers.get(dep);
      if (!list) callers.set(dep, (list = []));
      list.push(node.id);
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
