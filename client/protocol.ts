// The Aria-specific LSP requests the client sends, as plain data shapes plus a tolerant reader of the replies.

/** Method name of the custom request that explains why a function has an effect in its row. */
export const EXPLAIN_EFFECT_METHOD = 'aria/explainEffect';

export interface LspPosition {
  readonly line: number;
  readonly character: number;
}

export interface LspRange {
  readonly start: LspPosition;
  readonly end: LspPosition;
}

export interface ExplainEffectParams {
  readonly textDocument: { readonly uri: string };
  readonly position: LspPosition;
  /** Which effect to explain when the function has several; omitted means the server picks (or explains all). */
  readonly effect?: string;
}

/** One link of the chain: a call, a `perform`, or a handler boundary that brings the effect into the function. */
export interface ExplainEffectStep {
  readonly label: string;
  readonly uri: string;
  readonly range: LspRange;
}

export interface ExplainEffectResult {
  readonly function: string;
  readonly effect: string;
  readonly chain: readonly ExplainEffectStep[];
}

/**
 * Reads the server's reply defensively: the server is a separate process (and may be a user-supplied one via
 * aria.server.path), so a malformed reply becomes `undefined` plus a reason rather than an exception in the UI.
 * Accepts one explanation or a list of them (one per effect of the row).
 */
export function readExplainEffectResult(value: unknown): { results: ExplainEffectResult[]; problem?: string } {
  if (value === null || value === undefined) return { results: [] };
  const items = Array.isArray(value) ? value : [value];
  const results: ExplainEffectResult[] = [];
  for (const item of items) {
    const result = readOne(item);
    if (typeof result === 'string') return { results: [], problem: result };
    results.push(result);
  }
  return { results };
}

function readOne(value: unknown): ExplainEffectResult | string {
  if (!isRecord(value)) return 'the reply is not an object';
  const fn = value['function'];
  const effect = value['effect'];
  const chain = value['chain'];
  if (typeof fn !== 'string') return 'the reply has no `function` name';
  if (typeof effect !== 'string') return 'the reply has no `effect` name';
  if (!Array.isArray(chain)) return 'the reply has no `chain` list';
  const steps: ExplainEffectStep[] = [];
  for (const step of chain) {
    if (!isRecord(step) || typeof step['label'] !== 'string' || typeof step['uri'] !== 'string' || !isRange(step['range'])) {
      return 'a chain step lacks a label, uri or range';
    }
    steps.push({ label: step['label'], uri: step['uri'], range: step['range'] });
  }
  return { function: fn, effect, chain: steps };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPosition(value: unknown): value is LspPosition {
  return isRecord(value) && Number.isInteger(value['line']) && Number.isInteger(value['character']);
}

function isRange(value: unknown): value is LspRange {
  return isRecord(value) && isPosition(value['start']) && isPosition(value['end']);
}
