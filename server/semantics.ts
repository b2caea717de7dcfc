// The effect facts the server asks of the checker (rows, origins, handlers, diagnostics), as plain data.
import type { FileState } from './analyzer.js';
import type { Span } from '../analysis/names.js';

export interface CheckedDiagnostic {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly span: Span;
  readonly related: readonly { readonly path: string; readonly span: Span; readonly message: string }[];
  /** The effect a row diagnostic is about (for code actions). */
  readonly effect?: string;
  /** The function whose row is concerned. */
  readonly function?: string;
}

/** One step of the chain that explains why a function performs an effect. */
export interface ChainStep {
  readonly label: string;
  readonly path: string;
  readonly span: Span;
  /** The function the step stands in. */
  readonly inFunction: string;
}

export interface EffectOrigin {
  readonly effect: string;
  /** From the function's own call site down to the construct that performs the effect. */
  readonly chain: readonly ChainStep[];
  /** How many places of the body perform it (the chain follows the first). */
  readonly sites: number;
}

export interface FunctionRow {
  /** The declared row as written (`{Async, IO}`), if any. */
  readonly declared?: string;
  /** What the body performs, less what it discharges, as a row (`{Async, Cancel}`). */
  readonly inferred: string;
  readonly effects: readonly string[];
}

export interface NamedRow extends FunctionRow {
  readonly name: string;
  readonly nameSpan: Span;
  readonly span: Span;
}

/** A handler serving a performed effect: an enclosing `with`, or a caller's. */
export interface HandlerSite {
  readonly label: string;
  readonly path: string;
  readonly span: Span;
  readonly effect: string;
  /** The program's default runtime (Async and IO at the top level), not a `with`. */
  readonly ambient: boolean;
  /** The whole `with` block (the top level for the ambient runtime). */
  readonly block: Span;
  /** For a user handler: where its declaration is (so navigation can show the operation body). */
  readonly declaration?: { readonly path: string; readonly span: Span };
}

/** A construct inside a `with` whose effect the handler discharges. */
export interface DischargedSite {
  readonly label: string;
  readonly path: string;
  readonly span: Span;
  readonly effect: string;
}

export interface Semantics {
  /** Re-checks after files changed (cheap when nothing changed). */
  refresh(): void;
  diagnostics(file: FileState): readonly CheckedDiagnostic[];
  /** The row of the function declared at `nameStart` (the offset of its name). */
  functionRow(file: FileState, nameStart: number): FunctionRow | undefined;
  /** The rows of every function, local function and handler operation of a file. */
  rows(file: FileState): readonly NamedRow[];
  /** Why the function declared at `nameStart` performs each of its effects. */
  origins(file: FileState, nameStart: number): readonly EffectOrigin[];
  /** The handlers serving the effects of the construct at `offset`. */
  handlersFor(file: FileState, offset: number): readonly HandlerSite[];
  /** The constructs inside the `with` starting at `withStart` whose effect it discharges. */
  dischargedBy(file: FileState, withStart: number): readonly DischargedSite[];
  /** The static type at `offset`, rendered, with a polymorphic callee's row variables at a call. */
  typeAt(file: FileState, offset: number): TypeInfo | undefined;
  /**
   * Inferred types the source leaves out (bindings, untyped parameters, omitted return types), rendered: those of
   * the names that meet `range` (offsets), or all of them.
   */
  typeHints(file: FileState, range?: { readonly start: number; readonly end: number }): readonly TypeHint[];
  /** What `receiver.` offers by the receiver's type, the receiver ending at `dot` (the offset of the `.`). */
  membersAt(file: FileState, dot: number): readonly TypeMember[];
  /** Where the struct or enum of the type at `offset` is declared. */
  typeDefinition(file: FileState, offset: number): readonly { readonly path: string; readonly span: Span }[];
  /**
   * The struct field (declaration, access, named argument) or enum constructor (declaration, call, value, pattern)
   * named at `offset`, and its places by the static types;
   * `unresolved`: accesses of a field of that name whose struct the checker could not tell.
   */
  fieldReferences(file: FileState, offset: number): FieldReferences | undefined;
}

export interface FieldReferences {
  /** A struct's field, or an enum's constructor. */
  readonly kind: 'field' | 'variant';
  readonly field: string;
  readonly declaration?: { readonly path: string; readonly span: Span };
  readonly locations: readonly { readonly path: string; readonly span: Span }[];
  readonly unresolved: readonly { readonly path: string; readonly span: Span }[];
}

export interface TypeHint {
  readonly kind: 'binding' | 'parameter' | 'return';
  /** Where the hint goes: after the binding's or parameter's name, after the parameter list's `)`. */
  readonly offset: number;
  /** The name (binding, parameter, function) the hint is about. */
  readonly span: Span;
  /** `: List[Job]`, `-> {IO} Int`. */
  readonly label: string;
}

export interface TypeMember {
  readonly name: string;
  readonly kind: 'field' | 'function' | 'await';
  readonly type: string;
}

export interface TypeInfo {
  readonly span: Span;
  readonly type: string;
  readonly rows: readonly { readonly name: string; readonly row: string }[];
}
