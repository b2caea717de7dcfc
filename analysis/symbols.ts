// Symbols, references and scopes of the semantic model: plain data that the queries answer with.
import type { Span } from './syntax/ast.js';

export type SymbolKind =
  | 'function'
  | 'local-function'
  | 'parameter'
  | 'local'
  | 'effect'
  | 'operation'
  | 'handler'
  | 'handler-operation'
  | 'struct'
  | 'enum'
  | 'variant'
  | 'field'
  | 'module'
  | 'type-parameter'
  | 'row-variable'
  | 'builtin-function'
  | 'builtin-effect'
  | 'builtin-operation'
  | 'builtin-handler'
  | 'builtin-constructor'
  | 'builtin-constant'
  | 'builtin-type';

/** A place in the workspace. */
export interface Location {
  readonly path: string;
  readonly span: Span;
}

export interface SymbolInfo {
  /** Stable within a revision: `path#fn:name`, `path#local:offset`, `builtin:print`, ... */
  readonly id: string;
  readonly kind: SymbolKind;
  readonly name: string;
  /** Where it is declared; absent for built-ins. */
  readonly path?: string;
  /** The span of the declaring name. */
  readonly nameSpan?: Span;
  /** The span of the whole declaration. */
  readonly span?: Span;
  /** A one-line signature for hovers and completion details. */
  readonly detail: string;
  readonly doc?: string;
  /** The enclosing declaration's name (the effect of an operation, the function of a parameter). */
  readonly container?: string;
}

/** A use (or the declaration) of a symbol at a span of a file. */
export interface Reference {
  readonly span: Span;
  readonly symbol: string;
  readonly isDeclaration: boolean;
}

/** A name visible at some offset, for completion. */
export interface ScopeEntry {
  readonly name: string;
  readonly kind: SymbolKind;
  readonly symbol: string;
  readonly detail: string;
}

/** A lexical scope of a file: a function, lambda, handler operation or the program. */
export interface ScopeRecord {
  readonly span: Span;
  readonly parent?: number;
  /** Bindings with the offset from which they are visible (parameters: the scope start). */
  readonly bindings: readonly { readonly entry: ScopeEntry; readonly from: number }[];
}
