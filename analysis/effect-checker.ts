// The effect rules of one file against a solved workspace: declared rows (rule 4), unused effects (5), the top level (6), Blocking (7), idle handlers.
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

  private checkNode(node: FnNode, out: Diagnostic[]): void {
    const s = this.solution;
    const blockingErrors = new Set<Site>();
    // One pass for what the body performs; per-site work only where something is wrong.
    const performed = s.bodyEffects(node);
    if (node.declared) {
      const allowed = new Set(node.declared.effects.map(e => e.key));
      const offending = [...performed].some(k => !allowed.has(k));
      for (const site of offending ? node.sites : []) {
        for (const k of s.residual(node, site)) {
          if (allowed.has(k)) continue;
          if (k === 'Blocking') blockingErrors.add(site);
          const chain = s.chain(node, site, k);
          out.push(diagnostic('E0202', node.path, site.span,
            `\`${node.name}\` performs \`${effectName(k)}\` (${chainText(node, chain)}), but its row ${node.declared.text} does not include it`,
            [...chainRelated(chain, k), { path: node.path, span: node.declared.span, message: `the row of \`${node.name}\`` }],
            { effect: effectName(k), function: node.name }));
        }
      }
      // A parameter whose function type has its own row variable: calling it performs effects the row cannot name.
      if (node.escapingParams.length) {
        for (const site of node.sites) {
          const params = new Set<number>();
          s.residual(node, site, params);
          for (const i of params) {
            if (!node.escapingParams.includes(i)) continue;
            out.push(diagnostic('E0202', node.path, site.span,
              `\`${node.name}\` performs the effects of its parameter \`${node.params[i]}\` (through \`${site.label}\`), but its row ${node.declared.text} does not hold the row variable of \`${node.params[i]}\`'s type`,
              [{ path: node.path, span: node.declared.span, message: `the row of \`${node.name}\`` }], { function: node.name }));
          }
        }
      }
      if (!node.unresolved) {
        for (const e of node.declared.effects) {
          if (performed.has(e.key)) continue;
          out.push(diagnostic('W0201', node.path, e.span,
            `\`${node.name}\` declares \`${effectName(e.key)}\` but never performs it; remove it from the row`, [],
            { effect: effectName(e.key), function: node.name }));
        }
      }
    } else if (node.kind === 'program' && node.ambient) {
      const ambient = new Set(node.ambient);
      const offending = [...performed].some(k => !ambient.has(k));
      for (const site of offending ? node.sites : []) {
        for (const k of s.residual(node, site)) {
          if (ambient.has(k)) continue;
          const chain = s.chain(node, site, k);
          const fix = k === 'Cancel' ? ' (wrap it in `with Cancel.timeout(d) ... end`)' : ` (wrap it in \`with\` a handler for \`${effectName(k)}\`)`;
          out.push(diagnostic('E0203', node.path, site.span,
            `\`${effectName(k)}\` is not handled: ${chainText(node, chain)} performs it at the top level, which provides only Async and IO${fix}`,
            chainRelated(chain, k), { effect: effectName(k), function: node.name }));
        }
      }
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
