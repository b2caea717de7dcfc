// Diagnostic codes of the Aria checker and the plain-data diagnostic record the analysis hands out.
import type { Span } from './syntax/ast.js';

export type Severity = 'error' | 'warning';

/** Every code the checker reports; `docs/diagnostics.md` has a section (meaning and example) per code. */
export const DIAGNOSTIC_CODES = {
  E0001: { severity: 'error', title: 'syntax error' },
  E0002: { severity: 'error', title: 'nesting too deep to analyse' },
  E0101: { severity: 'error', title: 'undefined name' },
  E0102: { severity: 'error', title: 'wrong number of arguments' },
  E0103: { severity: 'error', title: 'unresolved import' },
  E0104: { severity: 'error', title: 'unknown member of a module' },
  E0105: { severity: 'error', title: 'duplicate definition' },
  E0106: { severity: 'error', title: 'unknown or repeated named argument' },
  E0107: { severity: 'error', title: 'unknown duration unit' },
  E0201: { severity: 'error', title: 'unknown effect in a row' },
  E0202: { severity: 'error', title: 'effect not allowed by the declared row' },
  E0203: { severity: 'error', title: 'effect unhandled at the top level' },
  E0204: { severity: 'error', title: 'unknown operation' },
  E0205: { severity: 'error', title: 'wrong number of arguments to an operation' },
  E0206: { severity: 'error', title: 'handler misses an operation' },
  E0207: { severity: 'error', title: 'handler operation with the wrong arity' },
  E0208: { severity: 'error', title: 'handler for an unknown effect' },
  E0209: { severity: 'error', title: 'handler defines an operation its effect does not have' },
  E0210: { severity: 'error', title: '`with` needs a handler' },
  E0212: { severity: 'error', title: 'operation a restated built-in effect lacks' },
  E0301: { severity: 'error', title: 'mismatched types' },
  E0302: { severity: 'error', title: 'not a function' },
  E0303: { severity: 'error', title: 'no such field' },
  E0304: { severity: 'error', title: 'unknown type' },
  E0305: { severity: 'error', title: 'wrong number of type arguments' },
  E0306: { severity: 'error', title: 'type cannot be inferred' },
  E0307: { severity: 'error', title: 'infinite type' },
  E0310: { severity: 'error', title: 'operator or built-in not defined for these types' },
  W0201: { severity: 'warning', title: 'declared effect never performed' },
  W0202: { severity: 'warning', title: 'blocking call in an async context' },
  W0203: { severity: 'warning', title: 'effect declaration shadows a built-in effect' },
  W0204: { severity: 'warning', title: 'handler discharges nothing in its block' },
} as const satisfies Record<string, { readonly severity: Severity; readonly title: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** A place in another part of the workspace that explains a diagnostic (one step of an effect's call chain). */
export interface RelatedInformation {
  readonly path: string;
  readonly span: Span;
  readonly message: string;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly path: string;
  readonly span: Span;
  readonly related: readonly RelatedInformation[];
  /** For the effect rules: the effect and the function (or `(top level)`) the message names. */
  readonly effect?: string;
  readonly function?: string;
}

export function diagnostic(
  code: DiagnosticCode,
  path: string,
  span: Span,
  message: string,
  related: readonly RelatedInformation[] = [],
  names: { readonly effect?: string; readonly function?: string } = {},
): Diagnostic {
  const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, path, span, related };
  return names.effect === undefined && names.function === undefined ? d : { ...d, effect: names.effect, function: names.function };
}

/** Orders diagnostics by position, then code, so that output is stable. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.span.start - b.span.start || a.span.end - b.span.end || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
    || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}
