// The Aria abstract syntax tree: plain readonly data lowered from the tree-sitter tree, shared by the checker and the interpreter.

/** A half-open range of UTF-16 code-unit offsets into the file's text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface Ident {
  readonly name: string;
  readonly span: Span;
}

// ---------------------------------------------------------------- Module

export interface Module {
  /** The file's path as given to the lowerer (workspace-relative or absolute; used in messages). */
  readonly path: string;
  /** Items in source order (functions, effects, handlers, structs, enums, imports). */
  readonly items: readonly Item[];
  /** Top-level statements in source order: the program. Empty means "run main()". */
  readonly statements: readonly Stmt[];
  /** Syntax errors found while lowering (ERROR and MISSING nodes). */
  readonly syntaxErrors: readonly SyntaxError[];
  /** The spans of the outermost ERROR nodes: text the parser could not place. */
  readonly errorRegions: readonly Span[];
  readonly span: Span;
}

export interface SyntaxError {
  readonly message: string;
  readonly span: Span;
}

export interface Annotation {
  readonly name: Ident;
  readonly args: readonly Arg[];
  readonly span: Span;
}

// ---------------------------------------------------------------- Items

export type Item = FnDecl | EffectDecl | HandlerDecl | StructDecl | EnumDecl | ImportDecl;

export interface FnDecl {
  readonly kind: 'Fn';
  readonly span: Span;
  readonly name: Ident;
  readonly typeParams: readonly Ident[];
  readonly params: readonly Param[];
  /** The declared row; absent means the row is inferred. */
  readonly effects?: EffectRow;
  readonly returnType?: TypeExpr;
  readonly body: Block;
  /** `fn f(x) = e`: the body is one expression statement. */
  readonly exprBody: boolean;
  readonly annotations: readonly Annotation[];
  /** The `#` comment lines directly above the item, without the `#`. */
  readonly doc?: string;
}

export interface OpSig {
  readonly span: Span;
  readonly name: Ident;
  readonly typeParams: readonly Ident[];
  readonly params: readonly Param[];
  readonly effects?: EffectRow;
  readonly returnType?: TypeExpr;
  readonly doc?: string;
}

export interface EffectDecl {
  readonly kind: 'Effect';
  readonly span: Span;
  readonly name: Ident;
  readonly typeParams: readonly Ident[];
  readonly ops: readonly OpSig[];
  readonly annotations: readonly Annotation[];
  readonly doc?: string;
}

export interface HandlerDecl {
  readonly kind: 'Handler';
  readonly span: Span;
  readonly name: Ident;
  /** `handler Console(prefix: String) for Log`; absent when the handler takes no parameter list. */
  readonly params?: readonly Param[];
  readonly effect: Ident;
  readonly ops: readonly FnDecl[];
  readonly annotations: readonly Annotation[];
  readonly doc?: string;
}

export interface StructDecl {
  readonly kind: 'Struct';
  readonly span: Span;
  readonly name: Ident;
  readonly typeParams: readonly Ident[];
  readonly fields: readonly Param[];
  readonly annotations: readonly Annotation[];
  readonly doc?: string;
}

/** `enum Shape { Circle(radius: Int), Empty }`: a sum type; each variant is a constructor. */
export interface EnumDecl {
  readonly kind: 'Enum';
  readonly span: Span;
  readonly name: Ident;
  readonly typeParams: readonly Ident[];
  readonly variants: readonly Variant[];
  readonly annotations: readonly Annotation[];
  readonly doc?: string;
}

export interface Variant {
  readonly span: Span;
  readonly name: Ident;
  /** empty for a variant written without a parameter list */
  readonly fields: readonly Param[];
  readonly doc?: string;
}

export interface ImportDecl {
  readonly kind: 'Import';
  readonly span: Span;
  /** `import net.http` is ["net", "http"]; the module is bound to the last segment. */
  readonly path: readonly Ident[];
}

export interface Param {
  readonly span: Span;
  readonly name: Ident;
  readonly type?: TypeExpr;
  readonly default?: Expr;
}

// ---------------------------------------------------------------- Types and rows

export type TypeExpr = TypeName | TypeApp | FnType;

export interface TypeName {
  readonly kind: 'TypeName';
  readonly span: Span;
  readonly name: string;
}

export interface TypeApp {
  readonly kind: 'TypeApp';
  readonly span: Span;
  readonly name: Ident;
  readonly args: readonly TypeExpr[];
}

export interface FnType {
  readonly kind: 'FnType';
  readonly span: Span;
  readonly params: readonly TypeExpr[];
  readonly effects?: EffectRow;
  readonly result: TypeExpr;
}

/** `{A, B | e}` or `<A, B | e>`: both spellings mean the same row. */
export interface EffectRow {
  readonly span: Span;
  readonly spelling: 'brace' | 'angle';
  /** Capitalised entries: effect names. */
  readonly effects: readonly Ident[];
  /** Lowercase entries before the `|`, and the tail after it: row variables. */
  readonly variables: readonly Ident[];
  readonly tail?: Ident;
}

// ---------------------------------------------------------------- Statements

export interface Block {
  readonly span: Span;
  readonly stmts: readonly Stmt[];
}

export type Stmt =
  | ExprStmt
  | AssignStmt
  | ReturnStmt
  | BreakStmt
  | ContinueStmt
  | WhileStmt
  | LoopStmt
  | ForStmt
  | LocalFnStmt;

export interface ExprStmt {
  readonly kind: 'ExprStmt';
  readonly span: Span;
  readonly expr: Expr;
  readonly annotations?: readonly Annotation[];
}

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=';

export interface AssignStmt {
  readonly kind: 'Assign';
  readonly span: Span;
  readonly target: NameExpr | MemberExpr | IndexExpr;
  readonly op: AssignOp;
  readonly value: Expr;
  readonly annotations?: readonly Annotation[];
}

export interface ReturnStmt {
  readonly kind: 'Return';
  readonly span: Span;
  readonly value?: Expr;
  readonly annotations?: readonly Annotation[];
}

export interface BreakStmt {
  readonly kind: 'Break';
  readonly span: Span;
  readonly annotations?: readonly Annotation[];
}

export interface ContinueStmt {
  readonly kind: 'Continue';
  readonly span: Span;
  readonly annotations?: readonly Annotation[];
}

export interface WhileStmt {
  readonly kind: 'While';
  readonly span: Span;
  readonly condition: Expr;
  readonly body: Block;
  readonly annotations?: readonly Annotation[];
}

export interface LoopStmt {
  readonly kind: 'Loop';
  readonly span: Span;
  readonly body: Block;
  readonly annotations?: readonly Annotation[];
}

export interface ForStmt {
  readonly kind: 'For';
  readonly span: Span;
  readonly variable: Ident;
  readonly iterable: Expr;
  readonly body: Block;
  readonly annotations?: readonly Annotation[];
}

/** A `fn` nested in a block: a local function that sees the enclosing locals. */
export interface LocalFnStmt {
  readonly kind: 'LocalFn';
  readonly span: Span;
  readonly fn: FnDecl;
  readonly annotations?: readonly Annotation[];
}

// ---------------------------------------------------------------- Expressions

export type Expr =
  | NameExpr
  | IntExpr
  | FloatExpr
  | StringExpr
  | BoolExpr
  | UnitExpr
  | ListExpr
  | CallExpr
  | MemberExpr
  | IndexExpr
  | AwaitExpr
  | SpawnExpr
  | UnaryExpr
  | BinaryExpr
  | LambdaExpr
  | IfExpr
  | MatchExpr
  | WithExpr
  | ErrorExpr;

export interface NameExpr {
  readonly kind: 'Name';
  readonly span: Span;
  readonly name: string;
}

export interface IntExpr {
  readonly kind: 'Int';
  readonly span: Span;
  readonly value: number;
}

export interface FloatExpr {
  readonly kind: 'Float';
  readonly span: Span;
  readonly value: number;
}

/** A string literal: text pieces and interpolated expressions, in order. */
export interface StringExpr {
  readonly kind: 'String';
  readonly span: Span;
  readonly parts: readonly (string | Expr)[];
}

export interface BoolExpr {
  readonly kind: 'Bool';
  readonly span: Span;
  readonly value: boolean;
}

export interface UnitExpr {
  readonly kind: 'Unit';
  readonly span: Span;
}

export interface ListExpr {
  readonly kind: 'List';
  readonly span: Span;
  readonly elements: readonly Expr[];
}

export interface Arg {
  readonly span: Span;
  /** Present for a named argument `name: value`. */
  readonly name?: Ident;
  readonly value: Expr;
}

export interface CallExpr {
  readonly kind: 'Call';
  readonly span: Span;
  readonly callee: Expr;
  readonly args: readonly Arg[];
}

export interface MemberExpr {
  readonly kind: 'Member';
  readonly span: Span;
  readonly object: Expr;
  readonly property: Ident;
}

export interface IndexExpr {
  readonly kind: 'Index';
  readonly span: Span;
  readonly object: Expr;
  readonly index: Expr;
}

export interface AwaitExpr {
  readonly kind: 'Await';
  readonly span: Span;
  readonly value: Expr;
}

/** `spawn e` or `scope.spawn e`. */
export interface SpawnExpr {
  readonly kind: 'Spawn';
  readonly span: Span;
  readonly scope?: Expr;
  readonly body: Expr;
}

export type UnaryOp = '-' | 'not';

export interface UnaryExpr {
  readonly kind: 'Unary';
  readonly span: Span;
  readonly op: UnaryOp;
  readonly operand: Expr;
}

export type BinaryOp =
  | 'or' | 'and'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '..'
  | '+' | '-'
  | '*' | '/' | '%';

export interface BinaryExpr {
  readonly kind: 'Binary';
  readonly span: Span;
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

export interface LambdaExpr {
  readonly kind: 'Lambda';
  readonly span: Span;
  readonly params: readonly Param[];
  /** An expression lambda `|x| e` has a one-statement body. */
  readonly body: Block;
}

export interface IfExpr {
  readonly kind: 'If';
  readonly span: Span;
  /** `if` then each `elif`, in order. */
  readonly branches: readonly { readonly condition: Expr; readonly body: Block; readonly span: Span }[];
  readonly otherwise?: Block;
}

export interface MatchArm {
  readonly span: Span;
  readonly pattern: Pattern;
  readonly guard?: Expr;
  readonly body: Block;
}

export interface MatchExpr {
  readonly kind: 'Match';
  readonly span: Span;
  readonly value: Expr;
  readonly arms: readonly MatchArm[];
}

export interface WithExpr {
  readonly kind: 'With';
  readonly span: Span;
  readonly handler: Expr;
  readonly binder?: Ident;
  readonly body: Block;
}

/** Stands where the source had a syntax error; evaluating it is a failure, checking it is silent. */
export interface ErrorExpr {
  readonly kind: 'Error';
  readonly span: Span;
}

// ---------------------------------------------------------------- Patterns

export type Pattern = WildcardPattern | BindPattern | LiteralPattern | CtorPattern | ListPattern;

export interface WildcardPattern {
  readonly kind: 'WildcardPat';
  readonly span: Span;
}

export interface BindPattern {
  readonly kind: 'BindPat';
  readonly span: Span;
  readonly name: string;
}

export interface LiteralPattern {
  readonly kind: 'LiteralPat';
  readonly span: Span;
  readonly value: number | string | boolean;
}

export interface CtorPattern {
  readonly kind: 'CtorPat';
  readonly span: Span;
  readonly name: Ident;
  readonly args: readonly Pattern[];
}

export interface ListPattern {
  readonly kind: 'ListPat';
  readonly span: Span;
  readonly elements: readonly Pattern[];
}
