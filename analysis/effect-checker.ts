// The effect graph's rules for one file against a solved workspace: Blocking on async workers (rule 7) and idle handlers.
import { diagnostic, type Diagnostic, type RelatedInformation } from './diagnostics.js';
import { effectName, type EffectKey, type FnNode, type Latent, type Site } from './effect-graph.js';
import type { ChainStep, EffectSolution, SolutionReads } from './effect-solver.js';

/** The diagnostics of a node, with what producing them read of the solution. */
export type CheckCache = WeakMap<FnNode, { readonly reads: SolutionReads; readonly diagnostics: readonly Diagnostic[] }>;

export class EffectChecker {
  /**
   * @param cache if given, a node's diagnostics are taken from it while the node is the same object and the
   * solution holds the same summaries, bodies and nodes that producing them read (and recorded there otherwise).
   */
  constructor(private readonly solution: EffectSolution, private readonly cache?: CheckCache) {}

  /** The effect diagnostics of the nodes of one file. */
  check(nodes: readonly FnNode[]): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const node of nodes) {
      if (!this.cache) {
        this.checkNode(node, out);
        continue;
      }
      const kept = this.cache.get(node);
      if (kept && this.solution.readsSame(kept.reads)) {
        out.push(...kept.diagnostics);
        continue;
      }
      const { value: diagnostics, reads } = this.solution.recording(() => {
        const mine: Diagnostic[] = [];
        this.checkNode(node, mine);
        return mine;
      });
      this.cache.set(node, { reads, diagnostics });
      out.push(...diagnostics);
    }
    return out;
  }

  /**
   * The effect graph's rules: Blocking calls on async workers (rule 7) and idle handlers. Rules 4 to 6 (declared
   * rows, unused effects, the top level: E0202, E0203, W0201) are the type checker's, which follows function values
   * through data; a Blocking site it reports against a declared row gets no W0202 besides.
   */
  private checkNode(node: FnNode, out: Diagnostic[]): void {
    const s = this.solution;
    const performed = s.bodyEffects(node);
    const blockingErrors = new Set<Site>();
    if (node.declared && performed.has('Blocking') && !node.declared.effects.some(e => e.key === 'Blocking')) {
      for (const site of node.sites) if (s.residual(node, site).has('Blocking')) blockingErrors.add(site);
    }
    if (performed.has('Blocking') || node.frames.some(f => f.discharges.includes('Blocking'))) this.blocking(node, blockingErrors, out);
    if (!node.unresolved) this.idleHandlers(node, out);
  }

  /** Rule 7: a Blocking call made directly where the code runs on an async worker. */
  private blocking(node: FnNode, skip: ReadonlySet<Site>, out: Diagnostic[]): void {
    const s = this.solution;
    const nodeAsync = node.kind === 'program'
      || (node.declared ? node.declared.effects.some(e => e.key === 'Async') : s.summary(node.id).effects.has('Async'));
    for (const site of node.sites) {
      if (skip.has(site) || !(site.asyncContext || nodeAsync)) continue;
      if (!this.directlyBlocking(node, site)) continue;
      const chain = s.chain(node, site, 'Blocking');
      out.push(diagnostic('W0202', node.path, site.span,
        `blocking call in an async context: ${chainText(node, chain)} blocks a worker thread of \`${node.name}\`; run it with \`spawn_blocking(|| ...)\``,
        chainRelated(chain, 'Blocking'), { effect: 'Blocking', function: node.name }));
    }
  }

  private directlyBlocking(node: FnNode, site: Site): boolean {
    const s = this.solution;
    if (site.own.includes('Blocking')) return true;
    if (site.performs && !site.discharges?.includes('Blocking')) {
      if (site.performs.some(l => s.latentEffects(node, l).has('Blocking'))) return true;
    }
    if (site.callee) {
      const callee = s.summary(site.callee);
      if (callee.effects.has('Blocking') && !callee.effects.has('Async')) return true;
      for (const i of callee.calledParams) {
        const arg = site.args?.[i];
        if (arg && s.latentEffects(node, arg).has('Blocking')) return true;
      }
    }
    return false;
  }

  /** A `with` whose handler discharges effects that nothing in its block performs. */
  private idleHandlers(node: FnNode, out: Diagnostic[]): void {
    if (node.frames.length === 0) return;
    const used = node.frames.map(() => new Set<EffectKey>());
    for (const site of allSites(node)) {
      const remaining = this.solution.siteEffects(node, site);
      for (let f = site.frame; f !== undefined && remaining.size; f = node.frames[f]!.parent) {
        for (const k of node.frames[f]!.discharges) {
          if (remaining.delete(k)) used[f]!.add(k);
          // A suspension is a cancellation point: a `Cancel.timeout` block that only sleeps or awaits is cut short
          // by its deadline there, so the handler serves it.
          else if (k === 'Cancel' && remaining.has('Async')) used[f]!.add(k);
        }
      }
    }
    node.frames.forEach((frame, i) => {
      if (frame.dynamic || frame.discharges.length === 0 || used[i]!.size > 0) return;
      out.push(diagnostic('W0204', node.path, frame.handlerSpan,
        `\`with ${frame.label}\` discharges ${frame.discharges.map(k => `\`${effectName(k)}\``).join(', ')}, but nothing in its block performs ${frame.discharges.length === 1 ? 'it' : 'them'}`));
    });
  }
}

/** Every site of a node, including those inside its lambdas (each once). */
export function allSites(node: FnNode): Site[] {
  const out: Site[] = [];
  const seen = new Set<Site>();
  const seenLatent = new Set<Latent>();
  const latent = (l: Latent) => {
    if (seenLatent.has(l)) return;
    seenLatent.add(l);
    l.sites?.forEach(site);
  };
  const site = (s: Site) => {
    if (seen.has(s)) return;
    seen.add(s);
    out.push(s);
    s.args?.forEach(a => a && latent(a));
    s.performs?.forEach(latent);
  };
  node.sites.forEach(site);
  return out;
}

/** `fetch_all -> fetch_a -> Cancel.check()`. */
export function chainText(node: FnNode, chain: readonly ChainStep[]): string {
  const labels = [node.kind === 'program' ? 'the top level' : node.name, ...chain.map(c => c.label)];
  const deduped = labels.filter((l, i) => i === 0 || l !== labels[i - 1]);
  return deduped.join(' -> ');
}

export function chainRelated(chain: readonly ChainStep[], effect: EffectKey): RelatedInformation[] {
  return chain.slice(1).map(step => ({
    path: step.path,
    span: step.span,
    message: `\`${effectName(effect)}\` comes through \`${step.label}\` in \`${step.inFunction}\``,
  }));
}
