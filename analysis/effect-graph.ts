// The effect graph of a workspace: function nodes, the effect sites of their bodies, and `with` frames.
import type { Span } from './syntax/ast.js';

/** `Async`, `IO`, `Cancel`, `Blocking` for built-in effects; `path#Name` for a user effect. */
export type EffectKey = string;
/** `path#fn:name`, `path#handler:H`, `path#handler:H.op`, `path#local:offset`, `path#program`. */
export type FnId = string;

/** The name an effect key is written with. */
export function effectName(key: EffectKey): string {
  const hash = key.lastIndexOf('#');
  return hash === -1 ? key : key.slice(hash + 1);
}

export type FnNodeKind = 'function' | 'local-function' | 'operation' | 'handler' | 'program';

export interface DeclaredRow {
  readonly span: Span;
  /** The row as written, normalised to the brace spelling: `{Async, IO | e}`. */
  readonly text: string;
  /** Resolved effect entries (unknown names are left out: they are reported by rule 1). */
  readonly effects: readonly { readonly key: EffectKey; readonly span: Span }[];
  readonly variables: readonly string[];
}

/** A function-like unit whose row is declared or inferred. */
export interface FnNode {
  readonly id: FnId;
  readonly kind: FnNodeKind;
  readonly name: string;
  readonly path: string;
  readonly span: Span;
  readonly nameSpan: Span;
  readonly declared?: DeclaredRow;
  /** Parameter names in order. */
  readonly params: readonly string[];
  /** Parameters whose latent effects a declared row instantiates (their type mentions a row variable of the row). */
  readonly polyParams: readonly number[];
  /** Untyped parameters: calling one makes the function polymorphic in it, whatever the row says. */
  readonly untypedParams: readonly number[];
  /** Parameters whose function type has row variables that the declared row does not hold: calling them escapes the row. */
  readonly escapingParams: readonly number[];
  readonly sites: readonly Site[];
  readonly frames: readonly WithFrame[];
  /** The body calls something the checker could not resolve: unused-effect warnings would be guesses. */
  readonly unresolved: boolean;
  /** The program's ambient effects (Async and IO, plus Blocking, which only warns). */
  readonly ambient?: readonly EffectKey[];
  /** The enclosing node of a local function. */
  readonly parent?: FnId;
  /** Every function whose summary this node's summary depends on (callees and functions passed as values). */
  readonly callees: readonly FnId[];
}

/** A `with` block inside a node's body. */
export interface WithFrame {
  readonly span: Span;
  readonly handlerSpan: Span;
  /** How the handler is written: `Console`, `Async.default`, `Cancel.timeout`. */
  readonly label: string;
  readonly discharges: readonly EffectKey[];
  /** The handler could not be determined statically (a variable, a call of a function). */
  readonly dynamic: boolean;
  /** The user handler's node id (its declaration), when the handler is one. */
  readonly handler?: FnId;
  /** Frames are nested: the enclosing frame of the same body, if any. */
  readonly parent?: number;
}

/**
 * A latent effect term: a lambda's body, a function used as a value, or a parameter of the enclosing node,
 * performed where it is called.
 */
export interface Latent {
  readonly span: Span;
  readonly label: string;
  /** A lambda: the sites of its body (their frames are the node's frames inside the lambda). */
  readonly sites?: readonly Site[];
  /** A function passed by name. */
  readonly fn?: FnId;
  /** A parameter of the enclosing node (its latent effects are the caller's argument's). */
  readonly param?: number;
  /** Concrete effects known from a function type (`f: () -> {IO} Unit`) or a built-in used as a value. */
  readonly effects?: readonly EffectKey[];
}

/** A construct that performs effects: an operation, a call, a `spawn`, an `.await`, a `with` (its handler). */
export interface Site {
  readonly span: Span;
  /** How the chain shows it: `fetch_a`, `Cancel.check()`, `print`, `spawn`, `.await`. */
  readonly label: string;
  /** Effects the construct performs itself. */
  readonly own: readonly EffectKey[];
  /** A function whose row the call performs. */
  readonly callee?: FnId;
  /** Latent terms of the callee's arguments, by parameter index. */
  readonly args?: readonly (Latent | undefined)[];
  /** Latent terms the construct performs (the lambda arguments of `each`, a local lambda called). */
  readonly performs?: readonly Latent[];
  /** Effects removed from what `performs` yields (`spawn_blocking` discharges Blocking). */
  readonly discharges?: readonly EffectKey[];
  /** Calls a parameter of the enclosing node. */
  readonly paramCall?: number;
  /** The innermost `with` frame (of the node) around the site, inside the same lambda body. */
  readonly frame?: number;
  /** Inside a `spawn` body or a runtime handler's block: an Async context whatever the function performs. */
  readonly asyncContext: boolean;
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
