// Static type-and-effect inference for a whole program: Hindley-Milner types with generalisation per strongly connected component of top-level functions, and effect rows as sets solved on a flow graph.
import { DURATION_UNITS, builtinFunction, builtinHandler, isBuiltinEffect, BUILTIN_EFFECT_INFO, type BuiltinEffect } from '../builtins.js';
import { compareDiagnostics, diagnostic, type Diagnostic, type RelatedInformation } from '../diagnostics.js';
import type * as A from '../syntax/ast.js';
import { bodyBindings, spawnsDirectCall, walk, type Node } from '../syntax/visit.js';
import { TypePrinter } from './display.js';
import { Records, moveSpan, noRecords, type Chunk, type Mover } from './records.js';
import { detached } from '../text-edit.js';
import {
  BOOL, DURATION, FLOAT, INT, RowGraph, RowVar, STRING, UNIT,
  chainSteps, explain, flowType, sitesOf, generalize, instantiate, prune, rowsOf, tcon, tfun, tvar,
  type Origin, type Scheme, type TCon, type TFun, type Type, type UnifyFailure, type UpperOwner,
} from './types.js';

/** What the checker reads of the workspace. */
export interface ProgramSource {
  /** Files to check; the files they import are checked with them. */
  readonly files: readonly string[];
  module(path: string): A.Module | undefined;
  resolveImport(from: string, segments: readonly string[]): string | undefined;
  /** The built-in functions' signatures, lowered from Aria text (`fn sleep(duration: Duration) -> {Async} Unit`). */
  readonly builtins: A.Module;
  /** A file's text (or any value that changes when it does): a file whose stamp is as before may be reused. */
  stamp?(path: string): string | undefined;
  /** The last check of this program: files it checked whose inputs are unchanged are not checked again. */
  readonly previous?: ProgramTypes;
  /** Files whose items are all checked again (no item of theirs is reused from `previous`). */
  readonly wholeFiles?: ReadonlySet<string>;
  /** Told of each top-level function or handler checked (not reused), and of each file's top-level statements. */
  checked?(path: string, item: A.FnDecl | A.HandlerDecl | undefined): void;
  /** The check is done with the AST of a file it records nothing for (its group is checked): the source may let it go. */
  release?(path: string): void;
  /**
   * The check is made once, for its diagnostics only (`aria check`): it records no types, hints or field uses for
   * the queries, and keeps nothing a next check would reuse (no item texts, no interfaces). Give no `previous` to a
   * check after it.
   */
  readonly diagnosticsOnly?: boolean;
  /**
   * For tests: when given, each shortcut item reuse takes (`unchangedFor`) is checked against the comparison it
   * stands for, and a disagreement (the shortcut says unchanged, the comparison does not) is told here.
   */
  shortcutMismatch?(what: string): void;
  /**
   * Whether the check records a file's types for the queries (types at spans, hints) and what a re-check of its items
   * reuses; every file when omitted. A file checked without (a closed file) is checked again, whole, by the first
   * check that wants them. Field uses are recorded for every file (renaming a field reads them all).
   */
  recorded?(path: string): boolean;
}

/** A type recorded at a span of a file, rendered when asked. */
export interface TypedSpan {
  readonly span: A.Span;
  readonly type: Type;
  /**
   * What the span names: a binding, a use, a call, a lambda; `body` (at a function's name, or empty at the module's
   * start for the top level): its `rows` hold the row of what the body performs, as `body`; `with` (at a `with`'s
   * handler): the row of what its block performs.
   */
  readonly kind: 'binding' | 'use' | 'call' | 'lambda' | 'expression' | 'body' | 'with';
  /** For a call of a row-polymorphic function: its quantified rows instantiated here, by name. */
  readonly rows?: readonly { readonly name: string; readonly row: RowVar }[];
}

export interface ProgramTypes {
  readonly diagnostics: ReadonlyMap<string, readonly Diagnostic[]>;
  /** Recorded types per file. */
  readonly spans: ReadonlyMap<string, Records<TypedSpan>>;
  /** A top-level function's scheme, by `path#name`. */
  readonly schemes: ReadonlyMap<string, Scheme>;
  /** The text of a type, with effect names as users write them. */
  show(type: Type): string;
  showRow(row: RowVar): string;
  showScheme(s: Scheme): string;
  /** The declared type of a struct or enum a type names, if any: `path#Name`. */
  typeDeclaration(type: Type): { readonly path: string; readonly name: string } | undefined;
  /** Inferred types the source does not write, per file: for inlay hints and the quick fix that writes them. */
  readonly hints: ReadonlyMap<string, Records<TypeHint>>;
  /** A type or row as it reads inside a scheme (its row variables named as the scheme names them). */
  showIn(scheme: Scheme, t: Type | RowVar): string;
  /** What `value.` offers for a value of this type, seen from a file: fields, then functions it fits first. */
  membersOf(path: string, type: Type): readonly Member[];
  /** Per file, the uses of struct fields whose struct is known (`path#Struct`). */
  readonly fieldUses: ReadonlyMap<string, Records<FieldUse>>;
  /** Per file, what the next check needs to reuse this one's work (internal to the checker). */
  readonly reuse?: ReadonlyMap<string, FileResult>;
  /** Files this check inferred (the others were reused from the previous check). */
  readonly checked?: ReadonlySet<string>;
  /**
   * Files some diagnostic's related information points into, in which items were reused from a previous check at
   * another place: the explanations of effects follow calls into callees' bodies, and a reused body's places are
   * where it was. A check with these files in `wholeFiles` gives the places as they are now.
   */
  readonly moved?: ReadonlySet<string>;
  /** Top-level functions and handlers taken from the previous check (`path#fn:name`), not checked again. */
  readonly reusedItems?: ReadonlySet<string>;
  /**
   * Gives the items of `reuse` what the next check compares (`ItemResult.names`, `deps`, `resolution`), as they were
   * when each was checked: called by the next check before it reads them.
   */
  readonly settleReuse?: () => void;
}

/**
 * One file's results, kept for the next check. A file is reused when its text and where its imports resolve are
 * as before, the interfaces of the files it imports are as before, and none of its diagnostics points into a file
 * whose text changed. Reusing is then exact: what a file's check reads of other files is their interfaces.
 */
export interface FileResult {
  readonly stamp: string;
  readonly env: FileEnv;
  /** Each `import`'s segments and where it resolved. */
  readonly imports: readonly (readonly [readonly string[], string | undefined])[];
  /** The file's interface (its items' types and schemes, and its imports' interfaces), as text. */
  readonly fingerprint: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly spans: Records<TypedSpan>;
  readonly hints: Records<TypeHint>;
  readonly fieldUses: Records<FieldUse>;
  /** Other files its diagnostics point into. */
  readonly related: ReadonlySet<string>;
  /** Its types were recorded, and its items' results kept for a re-check (`ProgramSource.recorded`). */
  readonly recorded: boolean;
  /** What checking each top-level function or handler gave, for the next check of this file (see `ItemResult`). */
  readonly items: ReadonlyMap<string, ItemResult>;
  /**
   * It declares a struct or enum with a function-typed field whose row is open: such a row is one row for every
   * use in the program, so a check that reuses part of the program could leave stale flows in it. A program with
   * one is checked whole.
   */
  readonly shared: boolean;
  /** Each own item's interface (`itemKey`) by name, as this check ended: the next one compares names with it. */
  readonly keys?: ReadonlyMap<string, string>;
  /** The file's group of mutual imports in this check. */
  readonly group?: readonly string[];
}

/** An inferred type the source leaves out: a local's first binding, an untyped parameter, an omitted return type. */
export interface TypeHint {
  readonly kind: 'binding' | 'parameter' | 'return';
  /** Where the written form would go (after the name, after the parameter list). */
  readonly offset: number;
  /** The name it belongs to (its span). */
  readonly span: A.Span;
  readonly type: Type;
  /** For a return hint of a function without a written row: its row. */
  readonly row?: RowVar;
  /** The top-level function it belongs to (`path#name`): rendered with that function's scheme. */
  readonly scheme?: string;
}

/**
 * One top-level function's or handler's check, reused by the next check of its file when its text is the same and
 * what it names (the file's items, imported items and modules) has the same interface: its scheme, and what it
 * recorded (types, hints, member uses), which stays placed where it was checked (`checkedAt`) and moves by a number.
 */
interface ItemResult {
  readonly text: string;
  /**
   * The identifiers its text mentions, each once, in the order they first appear (what `dependencyKey` looks up),
   * `dependencyKey` of them as it was when the item was checked and, for a function with a complete signature, what
   * each resolves to (kind and file, not interface: its scheme reads no more). Made when the next check begins
   * (`ProgramTypes.settleReuse`) unless this check compared them with a previous one: a check that no other follows
   * (`aria check`) never makes them.
   */
  names?: readonly string[];
  deps?: readonly string[];
  resolution?: string;
  /** Checked (or reused) as an SCC of its own. */
  readonly alone?: boolean;
  /**
   * Every own function without a complete signature and every own handler its text names (but itself) is one its
   * body calls (`namesUsed`), so checked before it whatever the order: with `names`, see `unchangedFor`.
   */
  settled?: boolean;
  /**
   * Where the declaration starts now. The check that reuses the item moves it here in place (no copy): a check's
   * results are read only until the next check, and a check made again (`moved`) finds it where it is.
   */
  start: number;
  /** Where the declaration started when its body was checked: the places in its scheme's explanations. */
  readonly checkedAt: number;
  /**
   * The declaration checked. While the lowering keeps it (an edit elsewhere), it moves its spans in place, and the
   * places in the scheme's explanations, which are those spans, move with it.
   */
  readonly decl: A.FnDecl | A.HandlerDecl;
  readonly scheme: Scheme | undefined;
  readonly bodyRow: RowVar | undefined;
  /** What its check recorded, placed as at `checkedAt`: a chunk of the file's records (see `Records`). */
  readonly spans: readonly TypedSpan[];
  readonly hints: readonly TypeHint[];
  readonly fieldUses: readonly FieldUse[];
  /**
   * Its diagnostics, placed relative to its start; their related places relative to the item they are in (an
   * explanation follows calls into callees' bodies): `key` names that item in the same file.
   */
  readonly diagnostics: readonly ItemDiagnostic[];
}

interface ItemDiagnostic {
  readonly diagnostic: Diagnostic;
  readonly start: number;
  readonly end: number;
  readonly related: readonly { readonly key: string; readonly start: number; readonly end: number; readonly message: string }[];
}

// Records moved (always copies: a fresh check records the AST's own spans, which a later lowering moves in place).
const moveTypedSpan: Mover<TypedSpan> = (t, d) => ({ ...t, span: moveSpan(t.span, d) });
const moveHint: Mover<TypeHint> = (h, d) => ({ ...h, offset: h.offset + d, span: moveSpan(h.span, d) });
const moveFieldUse: Mover<FieldUse> = (u, d) => ({ ...u, span: moveSpan(u.span, d) });
/**
 * Records keep copies of the AST's spans: the lowering of a later edit moves a kept declaration's spans in place,
 * and a record is placed by its chunk (see `Records`).
 */
const copySpan = (s: A.Span): A.Span => ({ start: s.start, end: s.end });

/** A use of a declared member: a struct's field, or an enum's constructor. */
export interface FieldUse {
  readonly kind: 'field' | 'variant';
  readonly span: A.Span;
  /** The struct's or enum's key, `path#Name`. */
  readonly struct: string;
  /** The field's or constructor's name. */
  readonly field: string;
}

export interface Member {
  readonly name: string;
  readonly kind: 'field' | 'function' | 'await';
  readonly type: string;
}

// ---------------------------------------------------------------- environment

interface FnEntry {
  readonly kind: 'fn';
  readonly path: string;
  readonly decl: A.FnDecl;
  /** Every parameter, return type and row written out: the scheme comes from the signature alone. */
  readonly complete: boolean;
  scheme?: Scheme;
  /** While its SCC is inferred: the monomorphic type. */
  mono?: TFun;
}

interface StructEntry {
  readonly kind: 'struct';
  readonly path: string;
  readonly decl: A.StructDecl;
  readonly key: string;
  /** The struct's type parameters: written ones, then one per untyped field. */
  params?: readonly import('./types.js').TVar[];
  fields?: readonly Type[];
}

interface VariantEntry {
  readonly kind: 'variant';
  readonly enumKey: string;
  readonly enumName: string;
  readonly path: string;
  readonly name: string;
  readonly fieldNames: readonly string[];
  readonly required: number;
  readonly span: A.Span;
  index: number;
}

interface EnumEntry {
  readonly kind: 'enum';
  readonly path: string;
  readonly name: string;
  readonly key: string;
  readonly typeParams: readonly string[];
  readonly variants: Map<string, VariantEntry>;
  /** Per variant: field types over `params`. */
  params?: readonly import('./types.js').TVar[];
  fields?: Map<string, readonly Type[]>;
  readonly decl?: A.EnumDecl;
}

interface OpEntry {
  readonly name: string;
  readonly sig?: A.OpSig;
  /** A built-in operation's fixed type. */
  readonly builtin?: { readonly params: readonly Type[]; readonly ret: Type };
}

interface EffectEntry {
  readonly kind: 'effect';
  readonly key: string;
  readonly name: string;
  readonly path?: string;
  readonly decl?: A.EffectDecl;
  readonly ops: Map<string, OpEntry>;
}

interface HandlerEntry {
  readonly kind: 'handler';
  readonly path: string;
  readonly decl: A.HandlerDecl;
  scheme?: Scheme;
  mono?: Type;
}

interface ModuleEntry {
  readonly kind: 'module';
  readonly path: string;
}

type ItemEntry = FnEntry | StructEntry | EnumEntry | VariantEntry | EffectEntry | HandlerEntry;

export interface FileEnv {
  readonly path: string;
  readonly module: A.Module;
  /** Own items by name (first of a name wins). */
  readonly items: Map<string, ItemEntry>;
  readonly imports: Map<string, ModuleEntry>;
  /** Types, effects, handlers and constructors of imported modules, visible unqualified after the own items. */
  readonly imported: Map<string, ItemEntry>;
}

const BUILTIN_TYPES: Readonly<Record<string, number>> = {
  Int: 0, Float: 0, Bool: 0, String: 0, Unit: 0, Duration: 0, CancellationToken: 0, Connection: 0, Scope: 0,
  List: 1, Channel: 1, Task: 1, Never: 0,
};

const NUMERIC = new Set(['Int', 'Float']);

const NO_BODY: A.Block = { span: { start: 0, end: 0 }, stmts: [] };

/**
 * A file checked without records keeps its items' signatures and nothing of their bodies: what other files' checks
 * and a reuse of it read is the interface (parameters, types, rows, fields, operations), and its bodies are most of
 * its AST. Its next check that needs more lowers the file again. The entries, which importers share, are given the
 * bodiless declarations.
 */
function forgetBodies(env: FileEnv): void {
  const light = new Map<A.Item, A.Item>();
  const items = env.module.items.map(item => {
    const header: A.Item = item.kind === 'Fn' ? { ...item, body: NO_BODY }
      : item.kind === 'Handler' ? { ...item, ops: item.ops.map(op => ({ ...op, body: NO_BODY })) }
      : item;
    light.set(item, header);
    return header;
  });
  (env as { module: A.Module }).module = { ...env.module, items, statements: [] };
  for (const entry of env.items.values()) {
    if (entry.path !== env.path || (entry.kind !== 'fn' && entry.kind !== 'handler')) continue;
    const header = light.get(entry.decl);
    if (header) (entry as { decl: A.Item }).decl = header;
  }
}

/** Options of the checker. */
const MAX_DEPTH = 400;

// ---------------------------------------------------------------- the checker

interface Scope {
  readonly vars: Map<string, Type>;
  readonly parent?: Scope;
}

interface Ctx {
  readonly env: FileEnv;
  readonly level: number;
  /** What the code being checked performs flows here. */
  readonly row: RowVar;
  readonly scope: Scope;
  /** The type `return` gives its value to. */
  readonly ret: Type;
  readonly fnName: string;
  depth: number;
}

interface Deferred {
  /** Tries to settle; true when done. `force` settles with defaults. */
  (force: boolean): boolean;
}

export function checkProgram(source: ProgramSource): ProgramTypes {
  // The result holds the checker (for `membersOf` and the printers): it must not hold the previous result too, or
  // every check would keep all the checks before it alive.
  const { previous, ...rest } = source;
  previous?.settleReuse?.();
  return new Checker(rest, previous?.reuse).run();
}

class Checker {
  private readonly graph = new RowGraph();
  private readonly files = new Map<string, FileEnv>();
  private readonly diagnostics = new Map<string, Diagnostic[]>();
  private readonly spans = new Map<string, TypedSpan[]>();
  private readonly builtinSchemes = new Map<string, { scheme: Scheme; decl: A.FnDecl }>();
  private readonly builtinEffects = new Map<string, EffectEntry>();
  private readonly builtinEnums = new Map<string, EnumEntry>();
  private readonly builtinVariants = new Map<string, VariantEntry>();
  private deferred: Deferred[] = [];
  /** Effect keys' display names. */
  private readonly effectNames = new Map<string, string>();
  private readonly structsByField = new Map<string, StructEntry[]>();
  private readonly hints = new Map<string, TypeHint[]>();
  private readonly fields = new Map<string, FieldUse[]>();
  /** The texts of the files checked in this run. */
  private readonly texts = new Map<string, string>();
  /** Files this check records no types for (`ProgramSource.recorded`). */
  private readonly unrecorded = new Set<string>();
  /** The previous check's items of the files checked again in this run. */
  private readonly oldItems = new Map<string, ReadonlyMap<string, ItemResult>>();
  /** This run's item results, per file (filtered for diagnostics at the end). */
  private readonly itemResults = new Map<string, Map<string, ItemResult>>();
  /** Files done so far in this run (their interfaces are known). */
  private results = new Map<string, FileResult>();
  /** Per file, the keys of the items reused (`ProgramTypes.reusedItems`). */
  private readonly reusedItems = new Map<string, string[]>();
  /** Items (`path#kind:name`) whose text is as in the previous check. */
  private readonly sameText = new Map<string, Set<string>>();
  private readonly starts = new WeakMap<FileEnv, Map<string, number>>();
  /** Files in which an item was reused at another place than it was checked. */
  private readonly movedFiles = new Set<string>();
  /** Interface keys of items, made once per run. */
  private readonly itemKeys = new Map<ItemEntry, string>();
  /** The order in which top-level functions and handlers were checked or reused (`itemWork`), from 0. */
  private readonly itemOrder = new Map<ItemEntry, number>();
  /** Each checked file's group of mutual imports. */
  private readonly groupOf = new Map<string, readonly string[]>();
  /** Items whose `names` and `deps` are left for `settleReuse`, with what they were checked in. */
  private pending: { path: string; key: string; env: FileEnv; same: ReadonlySet<string>; order: number; complete: boolean }[] = [];
  /** See `diagnosticsAt`. */
  private readonly diagnosticIndex = new WeakMap<readonly Diagnostic[], { count: number; byStart: Map<number, Diagnostic[]> }>();
  /** The previous check's results of the files checked again with their items reused. */
  private readonly oldResults = new Map<string, FileResult>();
  /** Files checked in this run whose interface (fingerprint) differs from the previous check's. */
  private readonly interfaceChanged = new Set<string>();
  /**
   * Per file checked again with its items reused: the names that may read otherwise than in the previous check
   * (see `changedNames`), growing as functions and handlers are checked.
   */
  private readonly changed = new Map<FileEnv, Set<string>>();
  /** Set while `settleReuse` runs: it reports nothing. */
  private settling = false;
  /** The file each operation signature is declared in. */
  private readonly opPaths = new Map<A.OpSig, string>();
  /** Functions with a written row: an effect written there and never performed is worth a warning (W0201). */
  private readonly declaredRows: { path: string; fn: string; row: A.EffectRow; body: RowVar; env: FileEnv }[] = [];
  /** Functions (`path#name`) that use an undefined name: what they perform is not known, so no W0201 for them. */
  private readonly unresolved = new Set<string>();
  /** Rows code runs in, checked in this run: bodies (async when their row holds or allows `Async`) and top levels. */
  private readonly contexts: { path: string; row: RowVar; fn: string; async: boolean }[] = [];
  /** The `with` blocks checked in this run, with what their handler discharges (W0204, and runtime blocks for W0202). */
  private readonly withBlocks: { path: string; row: RowVar; fn: string; span: A.Span; label: string; discharged: ReadonlySet<string> }[] = [];
  /** Locals whose first binding has been hinted. */
  private readonly hinted = new WeakSet<Type>();

  constructor(private readonly source: Omit<ProgramSource, 'previous'>, private previous: ReadonlyMap<string, FileResult> | undefined) {}

  run(): ProgramTypes {
    this.setUpBuiltins();
    const previous = this.previous;
    this.previous = undefined;
    const reusable = previous && ![...previous.values()].some(r => r.shared) ? previous : undefined;
    // The files and their imports: a file that may be reused is not lowered (its imports are as they were).
    const candidates = new Map<string, FileResult>();
    const modules = new Map<string, A.Module>();
    const imports = new Map<string, readonly (readonly [readonly string[], string | undefined])[]>();
    const stamps = new Map<string, string | undefined>();
    const queue = [...this.source.files];
    for (let i = 0; i < queue.length; i++) {
      const path = queue[i]!;
      if (imports.has(path)) continue;
      const stamp = this.source.stamp?.(path);
      stamps.set(path, stamp);
      if (this.source.diagnosticsOnly || this.source.recorded?.(path) === false) this.unrecorded.add(path);
      const old = reusable?.get(path);
      let list: readonly (readonly [readonly string[], string | undefined])[];
      if (old && stamp !== undefined && old.stamp === stamp && (old.recorded || this.unrecorded.has(path)) && old.imports.every(([segments, target]) => this.source.resolveImport(path, segments) === target)) {
        candidates.set(path, old);
        list = old.imports;
      } else {
        const module = this.source.module(path);
        if (!module) continue;
        modules.set(path, module);
        list = module.items.flatMap(item => (item.kind === 'Import' ? [[item.path.map(s => s.name), this.source.resolveImport(path, item.path.map(s => s.name))] as const] : []));
      }
      imports.set(path, list);
      for (const [, target] of list) if (target && !imports.has(target)) queue.push(target);
    }
    // Files in groups of mutual imports, imported files first; each group is checked, or reused, as a whole.
    const paths = [...imports.keys()];
    const index = new Map(paths.map((p, i) => [p, i]));
    const edges = paths.map(p => [...new Set(imports.get(p)!.flatMap(([, t]) => (t !== undefined && index.has(t) ? [index.get(t)!] : [])))]);
    const interfaceChanged = this.interfaceChanged;
    const textChanged = new Set<string>();
    const results = this.results;
    const checked = new Set<string>();
    const fresh: { path: string; env: FileEnv }[] = [];
    for (const component of stronglyConnected(paths.length, edges)) {
      const group = component.map(i => paths[i]!);
      const olds = group.map(p => candidates.get(p));
      const reuse = olds.every(o => o !== undefined)
        && group.every(p => imports.get(p)!.every(([, t]) => t === undefined || group.includes(t) || !interfaceChanged.has(t)))
        && olds.every(o => ![...o!.related].some(r => textChanged.has(r)));
      if (reuse) {
        for (const o of olds) this.adopt(o!);
        for (let k = 0; k < group.length; k++) results.set(group[k]!, olds[k]!);
        continue;
      }
      const envs: FileEnv[] = [];
      for (const path of group) this.groupOf.set(path, group);
      for (const path of group) {
        const module = modules.get(path) ?? this.source.module(path);
        if (!module) continue;
        envs.push(this.declare(path, module, imports.get(path)!));
        const stamp = stamps.get(path);
        const old = reusable?.get(path)?.items;
        if (stamp !== undefined && !this.unrecorded.has(path)) this.texts.set(path, stamp);
        if (stamp !== undefined && old && old.size > 0 && !this.source.wholeFiles?.has(path)) {
          this.oldItems.set(path, old);
          this.oldResults.set(path, reusable!.get(path)!);
        }
        // Checked whole: every function of the file is checked again.
        else for (const item of old?.values() ?? []) if (item.bodyRow) item.bodyRow.retired = true;
      }
      for (const env of envs) this.linkImports(env);
      for (const env of envs) this.declareTypes(env);
      for (const env of envs) if (this.oldResults.has(env.path)) this.changed.set(env, this.changedNames(env));
      this.inferFunctions(envs);
      for (const env of envs) this.checkProgramStatements(env);
      // A file checked without records: nothing reads its bodies again (the diagnostics still to come read rows and
      // places, importers the signatures), so they go while the files that import it are checked.
      for (const env of envs) {
        if (!this.unrecorded.has(env.path)) continue;
        forgetBodies(env);
        this.source.release?.(env.path);
      }
      for (const env of envs) {
        const old = previous?.get(env.path);
        let keys: Map<string, string> | undefined;
        let fingerprint = '';
        if (!this.source.diagnosticsOnly) {
          // Every item's interface as it was (`keepKey` gives most of them the same string): the same fingerprint.
          // A file checked without records keeps no keys (its next check reuses none of its items).
          const was = this.oldResults.get(env.path);
          if (was?.keys && this.sameInterface(env, was)) {
            keys = was.keys as Map<string, string>;
            fingerprint = was.fingerprint;
            if (this.source.shortcutMismatch && digest(this.fingerprint(env)) !== fingerprint) this.source.shortcutMismatch(`fingerprint of ${env.path}`);
          } else {
            keys = this.unrecorded.has(env.path) ? undefined : new Map();
            fingerprint = digest(this.fingerprint(env, keys));
          }
        }
        if (old?.stamp !== stamps.get(env.path)) textChanged.add(env.path);
        if (old?.fingerprint !== fingerprint) interfaceChanged.add(env.path);
        checked.add(env.path);
        fresh.push({ path: env.path, env });
        results.set(env.path, { stamp: stamps.get(env.path) ?? '', env, imports: imports.get(env.path)!, fingerprint, diagnostics: [], spans: noRecords(), hints: noRecords(), fieldUses: noRecords(), related: new Set(), recorded: !this.unrecorded.has(env.path), items: new Map(), shared: this.sharesRows(env), ...(keys ? { keys, group: this.groupOf.get(env.path) } : {}) });
      }
    }
    this.report();
    // The previous check's results are not kept by this one (nor, through it, every check before).
    this.oldResults.clear();
    this.changed.clear();
    for (const { path } of fresh) {
      const r = results.get(path)!;
      // The same array in this result and in the next one that reuses the file: a caller can tell nothing changed.
      const diagnostics = this.diagnostics.get(path) ?? [];
      this.diagnostics.set(path, diagnostics);
      const related = new Set(diagnostics.flatMap(d => d.related.map(x => x.path)).filter(x => x !== path));
      // Made when a query first reads the records (a re-check that only reports diagnostics never does).
      const chunks = lazyChunks(this.itemResults.get(path));
      const chunked = <T>(loose: readonly T[], pick: (i: ItemResult) => readonly T[]) => [loose, chunks(pick)] as const;
      const items = this.itemsWithDiagnostics(path, diagnostics);
      results.set(path, {
        ...r, diagnostics, related, items,
        spans: new Records(...chunked(this.spans.get(path) ?? [], i => i.spans), moveTypedSpan),
        hints: new Records(...chunked(this.hints.get(path) ?? [], i => i.hints), moveHint),
        fieldUses: new Records(...chunked(this.fields.get(path) ?? [], i => i.fieldUses), moveFieldUse),
      });
    }
    const spans = new Map<string, Records<TypedSpan>>();
    const hints = new Map<string, Records<TypeHint>>();
    const fieldUses = new Map<string, Records<FieldUse>>();
    for (const [path, r] of results) {
      spans.set(path, r.spans);
      hints.set(path, r.hints);
      fieldUses.set(path, r.fieldUses);
      if (checked.has(path)) continue;
      const added = this.diagnostics.get(path);
      this.diagnostics.set(path, added && added.length > 0 ? [...r.diagnostics, ...added].sort(compareDiagnostics) : r.diagnostics as Diagnostic[]);
    }
    const moved = new Set<string>();
    if (this.movedFiles.size > 0) {
      for (const list of this.diagnostics.values()) for (const d of list) for (const r of d.related) if (this.movedFiles.has(r.path)) moved.add(r.path);
    }
    const printer = () => new TypePrinter(k => this.effectName(k));
    const reused = this.reusedItems;
    let reusedItems: Set<string> | undefined;
    let schemes: Map<string, Scheme> | undefined;
    const files = this.files;
    return {
      moved,
      // Made when first read: the reused items' ids, each function's scheme by `path#name`.
      get reusedItems() {
        return (reusedItems ??= new Set([...reused].flatMap(([path, keys]) => keys.map(k => `${path}#${k}`))));
      },
      get schemes() {
        if (!schemes) {
          schemes = new Map();
          for (const [path, env] of files) {
            for (const [name, e] of env.items) if (e.kind === 'fn' && e.path === path && e.scheme) schemes.set(`${path}#${name}`, e.scheme);
          }
        }
        return schemes;
      },
      settleReuse: () => this.settleReuse(),
      reuse: results,
      checked,
      fieldUses,
      diagnostics: this.diagnostics,
      spans,
      show: t => printer().type(t),
      showRow: r => printer().row(r),
      showScheme: s => showScheme(s, k => this.effectName(k)),
      typeDeclaration: t => this.typeDeclaration(t),
      hints,
      showIn: (scheme, t) => {
        const printer = schemePrinter(scheme, k => this.effectName(k));
        return t instanceof RowVar ? printer.row(t) : printer.type(t);
      },
      membersOf: (path, t) => this.membersOf(path, t),
    };
  }

  /** Takes a reused file's environment and what the program-wide tables need of it. */
  private adopt(r: FileResult): void {
    const env = r.env;
    this.files.set(env.path, env);
    for (const entry of env.items.values()) {
      if (entry.path !== env.path) continue;
      if (entry.kind === 'struct') {
        for (const f of entry.decl.fields) {
          const list = this.structsByField.get(f.name.name) ?? [];
          list.push(entry);
          this.structsByField.set(f.name.name, list);
        }
      } else if (entry.kind === 'effect') {
        if (!isBuiltinEffect(entry.name)) this.effectNames.set(entry.key, entry.name);
        for (const op of entry.decl?.ops ?? []) this.opPaths.set(op, env.path);
      }
    }
  }

  /**
   * A file's interface as text: what another file's check can read of it (its items' names, parameters, schemes,
   * field and operation types, resolved). Spans are left out: an edit that moves declarations changes nothing.
   */
  private fingerprint(env: FileEnv, keys?: Map<string, string>): string {
    const parts: string[] = [];
    for (const [name, e] of env.items) {
      if (e.path !== env.path) continue;
      const key = this.itemKey(env, name, e);
      parts.push(key);
      keys?.set(name, key);
    }
    for (const [name, m] of env.imports) parts.push(`import ${name}=${m.path}`);
    return parts.join('\n');
  }

  /**
   * Whether `fingerprint` would give the text it gave in the previous check (`was`): each own item's interface
   * (`itemKey`) and each import the same, in the same order.
   */
  private sameInterface(env: FileEnv, was: FileResult): boolean {
    const keys = was.keys!.entries();
    for (const [name, e] of env.items) {
      if (e.path !== env.path) continue;
      const k = keys.next();
      if (k.done || k.value[0] !== name || k.value[1] !== this.itemKey(env, name, e)) return false;
    }
    if (!keys.next().done) return false;
    const imports = was.env.imports.entries();
    for (const [name, m] of env.imports) {
      const i = imports.next();
      if (i.done || i.value[0] !== name || i.value[1].path !== m.path) return false;
    }
    return imports.next().done === true;
  }

  /** One item's interface as text (see `fingerprint`). A function's or handler's is taken once it has its scheme. */
  private itemKey(env: FileEnv, name: string, e: ItemEntry): string {
    const known = this.itemKeys.get(e);
    if (known !== undefined) return known;
    const params = (ps: readonly A.Param[] | undefined) => (ps ?? []).map(p => `${p.name.name}${p.default ? '?' : ''}`).join(',');
    let key: string;
    switch (e.kind) {
      case 'fn':
        if (!e.scheme) return `fn ${name} ?`;
        key = `fn ${name}(${params(e.decl.params)}) ${schemeKey(e.scheme)}`;
        break;
      case 'handler':
        if (!e.scheme) return `handler ${name} ?`;
        key = `handler ${name}(${params(e.decl.params)}) ${e.decl.effect.name} ${schemeKey(e.scheme)}`;
        break;
      case 'struct':
        key = `struct ${name}(${params(e.decl.fields)}) ${typesKey(e.params ?? [], e.fields ?? [])}`;
        break;
      case 'enum': {
        const variants = [...e.variants.values()].map(v => `${v.name}(${v.fieldNames.join(',')})${v.required}`).join(' ');
        key = `enum ${name}[${e.typeParams.join(',')}] ${variants} ${typesKey(e.params ?? [], [...(e.fields?.values() ?? [])].flat())}`;
        break;
      }
      case 'variant': {
        const en = this.files.get(e.path)?.items.get(e.enumName);
        key = `variant ${name} ${e.enumKey} ${e.index} ${en ? this.itemKey(env, e.enumName, en) : ''}`;
        break;
      }
      case 'effect': {
        const ops = [...e.ops.values()].map(op => {
          const t = this.opType(env, op, 0);
          return `${op.name}(${params(op.sig?.params)}) ${typesKey([], [...t.params, t.ret])}`;
        });
        key = `effect ${name} ${e.key} ${ops.join(' ')}`;
        break;
      }
    }
    this.itemKeys.set(e, key);
    return key;
  }

  /** Whether a file declares a field of a function type with an open row (see `FileResult.shared`). */
  private sharesRows(env: FileEnv): boolean {
    const open = (t: A.TypeExpr | undefined): boolean => {
      const stack = t ? [t] : [];
      for (let steps = 0; stack.length > 0 && steps < 10_000; steps++) {
        const x = stack.pop()!;
        if (x.kind === 'FnType') {
          if (!x.effects || x.effects.variables.length > 0 || x.effects.tail) return true;
          stack.push(...x.params, x.result);
        } else if (x.kind === 'TypeApp') stack.push(...x.args);
      }
      return false;
    };
    for (const item of env.module.items) {
      if (item.kind === 'Struct' && item.fields.some(f => open(f.type))) return true;
      if (item.kind === 'Enum' && item.variants.some(v => v.fields.some(f => open(f.type)))) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- built-ins

  private setUpBuiltins(): void {
    for (const name of Object.keys(BUILTIN_EFFECT_INFO) as BuiltinEffect[]) {
      const ops = new Map<string, OpEntry>();
      for (const op of BUILTIN_EFFECT_INFO[name].ops) {
        ops.set(op.name, { name: op.name, builtin: { params: [], ret: op.name === 'token' ? tcon('CancellationToken') : UNIT } });
      }
      this.builtinEffects.set(name, { kind: 'effect', key: name, name, ops });
      this.effectNames.set(name, name);
    }
    // Option and Result: ordinary sum types, known everywhere.
    this.builtinEnum('Option', ['T'], [['Some', ['value']], ['None', []]]);
    this.builtinEnum('Result', ['T', 'E'], [['Ok', ['value']], ['Err', ['error']]]);
    const opt = this.builtinEnums.get('Option')!;
    const [t] = opt.params!;
    opt.fields = new Map([['Some', [t!]], ['None', []]]);
    const res = this.builtinEnums.get('Result')!;
    const [rt, re] = res.params!;
    res.fields = new Map([['Ok', [rt!]], ['Err', [re!]]]);
    // Built-in function signatures, from the lowered Aria text.
    const env: FileEnv = { path: '<builtins>', module: this.source.builtins, items: new Map(), imports: new Map(), imported: new Map() };
    for (const item of this.source.builtins.items) {
      if (item.kind !== 'Fn') continue;
      const { type } = this.signatureType(env, item, 0, true);
      const scheme = generalize(type, -1);
      this.builtinSchemes.set(item.name.name, { scheme, decl: item });
    }
  }

  private builtinEnum(name: string, typeParams: readonly string[], variants: readonly [string, readonly string[]][]): void {
    const e: EnumEntry = { kind: 'enum', path: '<builtins>', name, key: name, typeParams, variants: new Map(), params: typeParams.map(p => tvar(0, p)) };
    variants.forEach(([v, fields], index) => {
      const entry: VariantEntry = { kind: 'variant', enumKey: name, enumName: name, path: '<builtins>', name: v, fieldNames: fields, required: fields.length, span: { start: 0, end: 0 }, index };
      e.variants.set(v, entry);
      this.builtinVariants.set(v, entry);
    });
    this.builtinEnums.set(name, e);
  }

  // ---------------------------------------------------------------- declarations

  /** `imports`: where each of the module's imports resolved, in order (`run` resolved them). */
  private declare(path: string, module: A.Module, imports: readonly (readonly [readonly string[], string | undefined])[]): FileEnv {
    const env: FileEnv = { path, module, items: new Map(), imports: new Map(), imported: new Map() };
    this.files.set(path, env);
    let importIndex = 0;
    for (const item of module.items) {
      switch (item.kind) {
        case 'Fn':
          this.put(env, item.name.name, { kind: 'fn', path, decl: item, complete: isComplete(item) });
          break;
        case 'Struct':
          this.put(env, item.name.name, { kind: 'struct', path, decl: item, key: `${path}#${item.name.name}` });
          break;
        case 'Effect': {
          const key = isBuiltinEffect(item.name.name) ? item.name.name : `${path}#${item.name.name}`;
          const ops = new Map<string, OpEntry>();
          const builtin = this.builtinEffects.get(item.name.name);
          for (const op of item.ops) {
            this.opPaths.set(op, path);
            if (builtin && !builtin.ops.has(op.name.name)) {
              this.error(path, 'E0212', op.name.span, `the built-in effect \`${item.name.name}\` has no operation \`${op.name.name}\`: restating a built-in effect declares the same effect, so its operations must be the built-in ones`);
            }
            if (!ops.has(op.name.name)) ops.set(op.name.name, builtin?.ops.get(op.name.name) ?? { name: op.name.name, sig: op });
          }
          if (builtin) for (const [n, o] of builtin.ops) if (!ops.has(n)) ops.set(n, o);
          this.put(env, item.name.name, { kind: 'effect', key, name: item.name.name, path, decl: item, ops });
          if (!isBuiltinEffect(item.name.name)) this.effectNames.set(key, item.name.name);
          break;
        }
        case 'Handler':
          this.put(env, item.name.name, { kind: 'handler', path, decl: item });
          break;
        case 'Import': {
          const name = item.path[item.path.length - 1]?.name;
          const target = imports[importIndex++]?.[1];
          if (name && target && !env.imports.has(name)) env.imports.set(name, { kind: 'module', path: target });
          break;
        }
        case 'Enum':
          this.declareEnum(env, item);
          break;
      }
    }
    return env;
  }

  private declareEnum(env: FileEnv, item: A.EnumDecl): void {
    const key = `${env.path}#${item.name.name}`;
    const e: EnumEntry = { kind: 'enum', path: env.path, name: item.name.name, key, typeParams: item.typeParams.map(p => p.name), variants: new Map(), decl: item };
    item.variants.forEach((v, index) => {
      const entry: VariantEntry = {
        kind: 'variant', enumKey: key, enumName: item.name.name, path: env.path, name: v.name.name,
        fieldNames: v.fields.map(f => f.name.name), required: v.fields.filter(f => !f.default).length, span: v.name.span, index,
      };
      e.variants.set(v.name.name, entry);
      if (!env.items.has(v.name.name)) env.items.set(v.name.name, entry);
    });
    this.put(env, item.name.name, e);
  }

  private put(env: FileEnv, name: string, entry: ItemEntry): void {
    if (!env.items.has(name)) env.items.set(name, entry);
  }

  private linkImports(env: FileEnv): void {
    for (const m of env.imports.values()) {
      const other = this.files.get(m.path);
      if (!other) continue;
      for (const [name, entry] of other.items) {
        if (entry.kind === 'fn' || entry.path !== other.path) continue;
        if (!env.imported.has(name)) env.imported.set(name, entry);
      }
    }
  }

  /** Field types of structs and enums (their type parameters, written or one per untyped field). */
  private declareTypes(env: FileEnv): void {
    for (const entry of env.items.values()) {
      if (entry.path !== env.path) continue;
      if (entry.kind === 'struct' && !entry.fields) {
        const params = entry.decl.typeParams.map(p => tvar(0, p.name));
        const scope = new Map(params.map(p => [p.rigid!, p as Type]));
        const fields = entry.decl.fields.map((f, i) => {
          if (f.type) return this.typeOf(env, f.type, scope, 0, 'fixed');
          const v = tvar(0, `${fieldParamName(i)}`);
          params.push(v);
          return v;
        });
        entry.params = params;
        entry.fields = fields;
        markTemplates(fields);
        entry.decl.fields.forEach(f => {
          const list = this.structsByField.get(f.name.name) ?? [];
          list.push(entry);
          this.structsByField.set(f.name.name, list);
        });
      } else if (entry.kind === 'enum' && !entry.fields && entry.decl) {
        const item = entry.decl;
        const params = item.typeParams.map(p => tvar(0, p.name));
        const scope = new Map(params.map(p => [p.rigid!, p as Type]));
        const fields = new Map<string, readonly Type[]>();
        for (const v of item.variants) {
          fields.set(v.name.name, v.fields.map((f, i) => {
            if (f.type) return this.typeOf(env, f.type, scope, 0, 'fixed');
            const t = tvar(0, `${v.name.name}${i}`);
            params.push(t);
            return t;
          }));
        }
        entry.params = params;
        entry.fields = fields;
        markTemplates([...fields.values()].flat());
      }
    }
  }

  // ---------------------------------------------------------------- annotations to types

  /**
   * The type an annotation writes. `rows` says how written rows become row variables: 'fixed' rows are what they
   * say (a closed row is an upper bound; row variables are the signature's), 'param' rows also let what flows in
   * pass on to their variables (`f: () -> {Log | e}` given a lambda that performs Ask: `e` gets Ask).
   */
  private typeOf(env: FileEnv, t: A.TypeExpr, scope: Map<string, Type>, level: number, mode: 'fixed' | 'param', rowScope?: Map<string, RowVar>, depth = 0): Type {
    if (depth > MAX_DEPTH) return tvar(level);
    switch (t.kind) {
      case 'TypeName':
        return this.namedType(env, t.name, [], t.span, scope, level);
      case 'TypeApp': {
        const args = t.args.map(a => this.typeOf(env, a, scope, level, mode, rowScope, depth + 1));
        return this.namedType(env, t.name.name, args, t.span, scope, level);
      }
      case 'FnType': {
        const params = t.params.map(p => this.typeOf(env, p, scope, level, mode === 'param' ? 'fixed' : 'param', rowScope, depth + 1));
        const row = t.effects ? this.rowOf(env, t.effects, mode, rowScope ?? new Map()) : new RowVar();
        const ret = this.typeOf(env, t.result, scope, level, mode, rowScope, depth + 1);
        return tfun(params, row, ret);
      }
    }
  }

  private namedType(env: FileEnv, name: string, args: readonly Type[], span: A.Span, scope: Map<string, Type>, level: number): Type {
    const local = scope.get(name);
    if (local) return local;
    if (name === 'Never') return tvar(level);
    const arity = BUILTIN_TYPES[name];
    const declared = this.lookupType(env, name);
    if (declared) {
      const n = declared.kind === 'struct' ? declared.decl.typeParams.length + declared.decl.fields.filter(f => !f.type).length : declared.params?.length ?? declared.typeParams.length;
      const full = args.length === n ? args : args.length === 0 ? Array.from({ length: n }, () => tvar(level)) : undefined;
      if (!full) {
        this.error(env.path, 'E0305', span, `\`${name}\` takes ${n} type argument${n === 1 ? '' : 's'}, not ${args.length}`);
        return tcon(name, Array.from({ length: n }, () => tvar(level)), declared.key);
      }
      return tcon(name, full, declared.key);
    }
    if (arity !== undefined) {
      if (args.length === arity) return tcon(name, args);
      if (args.length === 0) return tcon(name, Array.from({ length: arity }, () => tvar(level)));
      this.error(env.path, 'E0305', span, `\`${name}\` takes ${arity} type argument${arity === 1 ? '' : 's'}, not ${args.length}`);
      return tcon(name, Array.from({ length: arity }, () => tvar(level)));
    }
    this.error(env.path, 'E0304', span, `unknown type \`${name}\``);
    return tvar(level);
  }

  private lookupType(env: FileEnv, name: string): StructEntry | EnumEntry | undefined {
    const e = env.items.get(name) ?? env.imported.get(name);
    if (e && (e.kind === 'struct' || e.kind === 'enum')) return e;
    return this.builtinEnums.get(name);
  }

  /** A written row: its effects and its variables (from `rowScope`, made rigid on first sight). */
  private rowOf(env: FileEnv, row: A.EffectRow, mode: 'fixed' | 'param', rowScope: Map<string, RowVar>): RowVar {
    const effects = new Set<string>();
    for (const e of row.effects) {
      const key = this.effectKey(env, e.name);
      if (key) effects.add(key);
    }
    const vars: RowVar[] = [];
    for (const v of [...row.variables, ...(row.tail ? [row.tail] : [])]) {
      let r = rowScope.get(v.name);
      if (!r) {
        r = new RowVar(v.name);
        rowScope.set(v.name, r);
      }
      if (!vars.includes(r)) vars.push(r);
    }
    if (effects.size === 0 && vars.length === 1) return vars[0]!;
    const origin = this.origin(env.path, row.span, `the row ${rowSource(row)}`);
    const m = new RowVar();
    for (const e of effects) this.graph.addAtom(m, e, origin);
    for (const v of vars) this.graph.addEdge(v, m, origin);
    if (vars.length > 0) {
      // What flows in beyond the written effects is the variable's.
      this.graph.addEdge(m, vars[0]!, origin, effects);
    } else {
      this.graph.setUpper(m, effects, { kind: 'annotation', origin });
    }
    void mode;
    return m;
  }

  private effectKey(env: FileEnv, name: string): string | undefined {
    const e = env.items.get(name) ?? env.imported.get(name);
    if (e?.kind === 'effect') return e.key;
    if (isBuiltinEffect(name)) return name;
    return undefined; // E0201 comes from the name checker.
  }

  // ---------------------------------------------------------------- functions

  /**
   * A function's type from its signature: written parts as written (type parameters and row variables rigid),
   * omitted ones fresh. `body` is the row its body flows into (the type's row when no row is written).
   */
  private signatureType(env: FileEnv, fn: A.FnDecl, level: number, builtin = false): { type: TFun; body: RowVar; scope: Map<string, Type>; rows: Map<string, RowVar>; declared?: ReadonlySet<string> } {
    const scope = new Map<string, Type>(fn.typeParams.map(p => [p.name, tvar(level, p.name)]));
    const rows = new Map<string, RowVar>();
    const params = fn.params.map(p => (p.type ? this.typeOf(env, p.type, scope, level, 'param', rows) : tvar(level)));
    const ret = fn.returnType ? this.typeOf(env, fn.returnType, scope, level, 'fixed', rows) : fn.effects ? UNIT : tvar(level);
    if (!fn.effects) {
      const body = new RowVar();
      return { type: tfun(params, body, ret), body, scope, rows };
    }
    const declared = this.rowOf(env, fn.effects, 'fixed', rows);
    const allowed = new Set<string>();
    for (const e of fn.effects.effects) {
      const key = this.effectKey(env, e.name);
      if (key) allowed.add(key);
    }
    for (const v of [...fn.effects.variables, ...(fn.effects.tail ? [fn.effects.tail] : [])]) allowed.add(rows.get(v.name)!.atom);
    if (builtin) return { type: tfun(params, declared, ret), body: declared, scope, rows, declared: allowed };
    const body = new RowVar();
    return { type: tfun(params, declared, ret), body, scope, rows, declared: allowed };
  }

  private inferFunctions(envs: readonly FileEnv[]): void {
    // Nodes: top-level functions without a complete signature, and handlers; edges: the names their bodies use.
    type Node = { env: FileEnv; entry: FnEntry | HandlerEntry };
    const nodes: Node[] = [];
    const index = new Map<FnEntry | HandlerEntry, number>();
    for (const env of envs) {
      for (const item of env.module.items) {
        const entry = env.items.get(item.kind === 'Fn' || item.kind === 'Handler' ? item.name.name : '');
        if (!entry || (entry.kind !== 'fn' && entry.kind !== 'handler') || (entry.kind === 'fn' ? entry.decl !== item : entry.decl !== item)) continue;
        if (entry.kind === 'fn' && entry.complete) {
          // A complete signature's scheme: the previous one while the text and what its names resolve to are the same.
          const old = this.oldItems.get(env.path)?.get(`fn:${entry.decl.name.name}`);
          // The same declaration (the lowering kept it: the same text) whose names all resolve as they did: no text
          // compared, no resolution made.
          const kept = old?.decl === entry.decl && old.scheme && old.resolution !== undefined && old.names && this.unchangedFor(env, old);
          const text = kept ? undefined : this.texts.get(env.path)?.slice(entry.decl.span.start, entry.decl.span.end);
          if (kept && this.source.shortcutMismatch && old!.resolution !== this.resolution(env, old!.names!)) {
            this.source.shortcutMismatch(`resolution of ${env.path}#fn:${entry.decl.name.name}`);
          }
          if (kept || (old?.scheme && old.text === text && old.resolution !== undefined && old.names && old.resolution === this.resolution(env, old.names))) {
            entry.scheme = old!.scheme!;
            if (kept) this.keepKey(env, entry);
          } else {
            const { type } = this.signatureType(env, entry.decl, 1);
            entry.scheme = generalize(type, 0);
            this.noteKey(env, entry.decl.name.name, entry);
          }
          continue;
        }
        index.set(entry, nodes.length);
        nodes.push({ env, entry });
      }
    }
    const edges = nodes.map(n => {
      const out = new Set<number>();
      for (const name of namesUsed(n.entry.decl)) {
        const target = this.resolveCallable(n.env, name);
        if (target) {
          const i = index.get(target);
          if (i !== undefined) out.add(i);
        }
      }
      return [...out];
    });
    for (const scc of stronglyConnected(nodes.length, edges)) {
      const members = scc.map(i => nodes[i]!);
      this.itemWork(members, () => this.inferScc(members));
    }
    // Bodies of functions with complete signatures, against their signatures.
    for (const env of envs) {
      for (const item of env.module.items) {
        if (item.kind !== 'Fn') continue;
        const entry = env.items.get(item.name.name);
        if (entry?.kind === 'fn' && entry.decl === item && entry.complete) this.itemWork([{ env, entry }], () => this.checkFnBody(env, item, 1));
        else if (!entry || entry.kind !== 'fn' || entry.decl !== item) this.checkFnBody(env, item, 1); // a duplicate: still checked
      }
    }
  }

  /**
   * Checks some top-level items (an SCC, or one function's body), or takes the previous check's results for them
   * when each has the same text and what it names has the same interface (see `ItemResult`).
   */
  private itemWork(members: readonly { env: FileEnv; entry: FnEntry | HandlerEntry }[], check: () => void): void {
    const order = this.itemOrder.size;
    for (const m of members) this.itemOrder.set(m.entry, order);
    const names = new Set(members.map(m => m.entry.decl.name.name));
    const keyed = members.map(({ env, entry }) => {
      const text = this.texts.get(env.path);
      const span = entry.decl.span;
      const key = `${entry.kind}:${entry.decl.name.name}`;
      const kept = text === undefined ? undefined : this.oldItems.get(env.path)?.get(key);
      // A declaration the lowering kept (an edit elsewhere) has the text it had: no copy, no comparison.
      const own = text === undefined ? undefined : kept?.decl === entry.decl ? kept.text : detached(text.slice(span.start, span.end));
      // Names and their interfaces are made now only to compare with the previous check's; else when (and if) the
      // next check begins (`settleReuse`).
      if (own === undefined || kept === undefined || kept.text !== own) return { env, entry, key, text: own, names: undefined, deps: undefined, short: false };
      // The same declaration, alone then and now, none of whose names reads otherwise than then: the same key.
      if (members.length === 1 && kept.decl === entry.decl && kept.alone && kept.names && kept.deps && this.unchangedFor(env, kept)) {
        if (this.source.shortcutMismatch && !sameStrings(kept.deps, this.dependencyKey(env, kept.names, names))) {
          this.source.shortcutMismatch(`dependencies of ${env.path}#${key}`);
        }
        return { env, entry, key, text: own, names: kept.names, deps: kept.deps, short: true };
      }
      const ids = kept.names ?? identifiers(own);
      return { env, entry, key, text: own, names: ids, deps: this.dependencyKey(env, ids, names), short: false };
    });
    const olds = keyed.map(k => (k.text === undefined ? undefined : this.oldItems.get(k.env.path)?.get(k.key)));
    keyed.forEach((k, i) => {
      if (olds[i] === undefined || olds[i]!.text !== k.text) return;
      let same = this.sameText.get(k.env.path);
      if (!same) this.sameText.set(k.env.path, (same = new Set()));
      same.add(k.key);
    });
    // A diagnostic's related places must still be where they were, relative to their items.
    const placed = (o: ItemResult, path: string) => o.diagnostics.length === 0 || o.diagnostics.every(d => d.related.every(r => this.sameText.get(path)?.has(r.key)));
    // A declaration lowered again (an edit touched it or its doc) whose places moved would leave its scheme's
    // explanations pointing where it was: it is checked again.
    const inPlace = (o: ItemResult, entry: FnEntry | HandlerEntry) => entry.decl === o.decl || entry.decl.span.start === o.checkedAt;
    if (keyed.every((k, i) => olds[i] !== undefined && olds[i]!.text === k.text && k.deps !== undefined && olds[i]!.deps !== undefined && sameStrings(olds[i]!.deps!, k.deps) && placed(olds[i]!, k.env.path) && inPlace(olds[i]!, k.entry))) {
      keyed.forEach(({ env, entry }, i) => {
        const old = olds[i]!;
        let reused = this.reusedItems.get(env.path);
        if (!reused) this.reusedItems.set(env.path, (reused = []));
        reused.push(keyed[i]!.key);
        const complete = entry.kind === 'fn' && entry.complete;
        if (!complete) entry.scheme = old.scheme;
        else if (entry.scheme) entry.scheme.body.row = old.bodyRow;
        // The same declaration with the same scheme: the interface the previous check ended with.
        if (entry.decl === old.decl && entry.scheme === old.scheme) this.keepKey(env, entry);
        const delta = entry.decl.span.start - old.start;
        if (entry.decl !== old.decl && entry.decl.span.start !== old.checkedAt) this.movedFiles.add(env.path);
        if (old.diagnostics.length > 0) {
          const starts = this.itemStarts(env);
          const start = entry.decl.span.start;
          for (const d of old.diagnostics) {
            const related = d.related.map(r => {
              const base = starts.get(r.key) ?? start;
              return { path: env.path, span: { start: base + r.start, end: base + r.end }, message: r.message };
            });
            const span = { start: start + d.start, end: start + d.end };
            // The signature of a function with a complete one is read again whatever happens: its errors are there.
            const existing = this.diagnostics.get(env.path);
            if (existing && this.diagnosticsAt(existing, span.start).some(x => x.code === d.diagnostic.code && x.span.end === span.end && x.message === d.diagnostic.message)) continue;
            this.pushTo(this.diagnostics, env.path, { ...d.diagnostic, span, related });
          }
        }
        // Taken by its dependency key: the names it mentions may now be functions it does not call.
        // Its records are placed as at `checkedAt`: the chunk moves them to its start.
        const alone = members.length === 1;
        const settled = keyed[i]!.short ? old.settled : this.settledCalls(env, entry.decl, keyed[i]!.names!);
        if (old.alone === alone && old.settled === settled) {
          if (delta !== 0) old.start = entry.decl.span.start;
          this.keepItem(env.path, keyed[i]!.key, old);
        } else this.keepItem(env.path, keyed[i]!.key, { ...old, start: entry.decl.span.start, alone, settled });
      });
      return;
    }
    for (const { env, entry } of members) this.source.checked?.(env.path, entry.decl);
    for (const o of olds) if (o?.bodyRow) o.bodyRow.retired = true;
    const paths = [...new Set(members.map(m => m.env.path))];
    const before = paths.map(p => [this.spans.get(p)?.length ?? 0, this.hints.get(p)?.length ?? 0, this.fields.get(p)?.length ?? 0] as const);
    check();
    for (const { env, entry } of members) this.noteKey(env, entry.decl.name.name, entry);
    if (keyed.some(k => k.text === undefined)) return;
    paths.forEach((path, j) => {
      const [s0, h0, f0] = before[j]!;
      const own = keyed.filter(k => k.env.path === path);
      // What the check recorded inside each item moves out of the file's loose records into the item's, placed
      // where the item is now (`checkedAt`): a chunk of `Records` moves them when the item has moved.
      const split = <T extends { readonly span: A.Span }>(map: Map<string, T[]>, from: number, fits: (r: T, start: number, end: number) => boolean) => {
        const list = map.get(path) ?? [];
        const out = own.map(() => [] as T[]);
        const rest: T[] = [];
        for (let i = from; i < list.length; i++) {
          const r = list[i]!;
          let at = -1;
          for (let j = 0; j < own.length; j++) {
            const span = own[j]!.entry.decl.span;
            if (fits(r, span.start, span.end)) {
              at = j;
              break;
            }
          }
          if (at === -1) rest.push(r);
          else out[at]!.push(r);
        }
        list.length = from;
        list.push(...rest);
        return out;
      };
      const inside = (x: A.Span, start: number, end: number) => x.start >= start && x.end <= end;
      const spans = split(this.spans, s0, (t, s, e) => inside(t.span, s, e));
      const hints = split(this.hints, h0, (h, s, e) => inside(h.span, s, e) && h.offset >= s && h.offset <= e);
      const uses = split(this.fields, f0, (u, s, e) => inside(u.span, s, e));
      own.forEach((k, i) => {
        const start = k.entry.decl.span.start;
        if (k.deps === undefined) this.pending.push({ path, key: k.key, env: k.env, same: names, order, complete: k.entry.kind === 'fn' && !!k.entry.complete });
        this.keepItem(path, k.key, {
          text: k.text!, alone: members.length === 1, names: k.names, settled: k.names ? this.settledCalls(k.env, k.entry.decl, k.names) : undefined, resolution: k.names && k.entry.kind === 'fn' && k.entry.complete ? this.resolution(k.env, k.names) : undefined, deps: k.deps, start, checkedAt: start, decl: k.entry.decl, scheme: k.entry.scheme, bodyRow: k.entry.scheme?.body.row,
          spans: spans[i]!, hints: hints[i]!, fieldUses: uses[i]!, diagnostics: [],
        });
      });
    });
  }

  /**
   * A file's item results with the diagnostics inside each item, placed relative to it. An item with a diagnostic
   * that is not wholly inside it, or whose related places are not inside this file's items, is not kept.
   */
  private itemsWithDiagnostics(path: string, diagnostics: readonly Diagnostic[]): Map<string, ItemResult> {
    const ranges = [...(this.itemResults.get(path) ?? [])].map(([key, item]) => ({ key, item, start: item.start, end: item.start + item.text.length }));
    ranges.sort((a, b) => a.start - b.start);
    const find = (x: A.Span) => {
      let lo = 0;
      let hi = ranges.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const r = ranges[mid]!;
        if (x.end <= r.start) hi = mid - 1;
        else if (x.start >= r.end) lo = mid + 1;
        else return x.start >= r.start && x.end <= r.end ? r : null;
      }
      return undefined;
    };
    const found = new Map<string, ItemDiagnostic[]>();
    const dropped = new Set<string>();
    for (const d of diagnostics) {
      const at = find(d.span);
      if (at === undefined) continue;
      if (at === null) {
        for (const r of ranges) if (d.span.start < r.end && d.span.end > r.start) dropped.add(r.key);
        continue;
      }
      const related: ItemDiagnostic['related'][number][] = [];
      for (const r of d.related) {
        const inside = r.path === path ? find(r.span) : undefined;
        if (!inside) {
          dropped.add(at.key);
          break;
        }
        related.push({ key: inside.key, start: r.span.start - inside.start, end: r.span.end - inside.start, message: r.message });
      }
      let list = found.get(at.key);
      if (!list) found.set(at.key, (list = []));
      list.push({ diagnostic: d, start: d.span.start - at.start, end: d.span.end - at.start, related });
    }
    const out = new Map<string, ItemResult>();
    for (const { key, item } of ranges) {
      if (dropped.has(key)) continue;
      const mine = found.get(key);
      out.set(key, mine === undefined && item.diagnostics.length === 0 ? item : { ...item, diagnostics: mine ?? [] });
    }
    return out;
  }

  /** Where each top-level function and handler of a file starts now, by item key. */
  private itemStarts(env: FileEnv): Map<string, number> {
    let starts = this.starts.get(env);
    if (!starts) {
      starts = new Map();
      for (const item of env.module.items) {
        if (item.kind !== 'Fn' && item.kind !== 'Handler') continue;
        const e = env.items.get(item.name.name);
        if (e && (e.kind === 'fn' || e.kind === 'handler') && e.decl === item) starts.set(`${e.kind}:${item.name.name}`, item.span.start);
      }
      this.starts.set(env, starts);
    }
    return starts;
  }

  private pushTo<T>(map: Map<string, T[]>, path: string, value: T): void {
    let list = map.get(path);
    if (!list) map.set(path, (list = []));
    list.push(value);
  }

  private keepItem(path: string, key: string, item: ItemResult): void {
    let map = this.itemResults.get(path);
    if (!map) this.itemResults.set(path, (map = new Map()));
    map.set(key, item);
  }

  /** What each name resolves to in a file, by kind and file (see `ItemResult.resolution`). */
  private resolution(env: FileEnv, names: readonly string[]): string {
    // Types by their interface (their parameters decide how a signature reads them), effects by identity.
    const of = (e: ItemEntry, where: FileEnv) => (e.kind === 'struct' || e.kind === 'enum' ? this.itemKey(where, e.kind === 'struct' ? e.decl.name.name : e.name, e) : e.kind === 'effect' ? `e${e.key}` : `${e.kind}@${e.path ?? ''}`);
    return names.map(name => {
      const own = env.items.get(name);
      if (own) return of(own, env);
      const imported = env.imported.get(name);
      if (imported) return of(imported, (imported.path !== undefined ? this.files.get(imported.path) : undefined) ?? env);
      return env.imports.has(name) ? 'm' : '';
    }).join('\n');
  }

  /**
   * What an item's check reads of the program, as strings: for each name its text mentions (a conservative list: every
   * identifier), the interface of the item or module that name is in this file. Items of the same SCC are compared
   * by their text instead.
   */
  private dependencyKey(env: FileEnv, names: readonly string[], same: ReadonlySet<string>, at?: number): string[] {
    // Two entries per name, in the order of `names`: how it resolves (`=` an item of this file, `@` an imported
    // item, the file of an imported module, '' nothing) and that item's interface or that module's fingerprint.
    // `at`: made afterwards (`settleReuse`) for the item checked `at` that point of `itemOrder`, as it read then.
    const parts: string[] = [];
    for (const name of names) {
      const own = env.items.get(name);
      if (own) {
        parts.push('=', same.has(name) && (own.kind === 'fn' || own.kind === 'handler') ? 'scc' : this.keyAt(env, name, own, at));
        continue;
      }
      const imported = env.imported.get(name);
      if (imported) {
        parts.push('@', this.keyAt((imported.path !== undefined ? this.files.get(imported.path) : undefined) ?? env, name, imported, at));
        continue;
      }
      const m = env.imports.get(name);
      if (!m) {
        parts.push('', '');
        continue;
      }
      // While a group of mutual imports is checked, its files' fingerprints are not known yet: what the item can
      // read of such a module are its items that the text names (`m.f`), each by its interface.
      const fingerprint = at !== undefined && this.groupOf.get(env.path)?.includes(m.path) ? undefined : this.results.get(m.path)?.fingerprint;
      parts.push(m.path, fingerprint ?? '?');
      const other = fingerprint === undefined ? this.files.get(m.path) : undefined;
      if (other) {
        for (const x of names) {
          const e = other.items.get(x);
          if (e && e.path === m.path) parts.push(x, this.keyAt(other, x, e, at));
        }
      }
    }
    return parts;
  }

  /**
   * `itemKey`, or, for `dependencyKey` made afterwards (`at`), the key as it read when the item at that point of
   * `itemOrder` was checked: a function or handler checked from that point on had no scheme yet.
   */
  private keyAt(env: FileEnv, name: string, e: ItemEntry, at: number | undefined): string {
    if (at !== undefined && (e.kind === 'handler' || (e.kind === 'fn' && !e.complete))) {
      const order = this.itemOrder.get(e);
      if (order !== undefined ? order >= at : !e.scheme) return `${e.kind} ${name} ?`;
    }
    return this.itemKey(env, name, e);
  }

  /**
   * Whether a reused declaration (the same node as in the previous check, alone in its SCC then and now, `settled`)
   * would get from `dependencyKey` the key it had, and for a function with a complete signature, from `resolution`
   * the resolution it had: none of the names it mentions is among those that may read otherwise (`changed`). A
   * function or handler it names is one it calls (`settled`), so checked before it now as then, and its interface
   * is final when it is asked about.
   */
  private unchangedFor(env: FileEnv, item: ItemResult): boolean {
    const changed = this.changed.get(env);
    const names = item.names;
    return !!changed && !!names && !!item.settled && !names.some(n => changed.has(n));
  }

  /**
   * The names of a file that may read otherwise than in the previous check, as far as is known before its functions
   * are checked: own items added, removed, of another kind (a function with or without a complete signature counts as
   * two), types and effects with another interface; imported items and modules that come from elsewhere or from a
   * file that is not `steady`. Functions and handlers are added as they are checked (`noteKey`).
   */
  private changedNames(env: FileEnv): Set<string> {
    const old = this.oldResults.get(env.path)!;
    const was = old.env;
    const keys = old.keys;
    const out = new Set<string>();
    for (const [n, e] of env.items) {
      const b = was.items.get(n);
      if (!b || b.kind !== e.kind || b.path !== e.path || !keys) out.add(n);
      else if (e.kind === 'fn') {
        if (e.complete !== (b as FnEntry).complete) out.add(n);
      } else if (e.kind !== 'handler' && this.itemKey(env, n, e) !== keys.get(n)) out.add(n);
    }
    for (const n of was.items.keys()) if (!env.items.has(n)) out.add(n);
    for (const [n, e] of env.imported) {
      const b = was.imported.get(n);
      if (!b || b.kind !== e.kind || b.path !== e.path || e.path === undefined || !this.steady(env, e.path)) out.add(n);
    }
    for (const n of was.imported.keys()) if (!env.imported.has(n)) out.add(n);
    for (const [n, m] of env.imports) if (was.imports.get(n)?.path !== m.path || !this.steady(env, m.path)) out.add(n);
    for (const n of was.imports.keys()) if (!env.imports.has(n)) out.add(n);
    return out;
  }

  /** A kept declaration with its previous scheme has the interface it had: `itemKey` takes it as it was. */
  private keepKey(env: FileEnv, entry: FnEntry | HandlerEntry): void {
    if (this.itemKeys.has(entry) || env.items.get(entry.decl.name.name) !== entry) return;
    const key = this.oldResults.get(env.path)?.keys?.get(entry.decl.name.name);
    if (key === undefined) return;
    if (this.source.shortcutMismatch && this.itemKey(env, entry.decl.name.name, entry) !== key) {
      this.source.shortcutMismatch(`interface of ${env.path}#${entry.kind}:${entry.decl.name.name}`);
    }
    this.itemKeys.set(entry, key);
  }

  /** A function or handler whose scheme was made in this run: its name is changed when its interface is. */
  private noteKey(env: FileEnv, name: string, entry: FnEntry | HandlerEntry): void {
    const changed = this.changed.get(env);
    if (!changed || changed.has(name) || env.items.get(name) !== entry || !entry.scheme) return;
    if (this.itemKey(env, name, entry) !== this.oldResults.get(env.path)!.keys?.get(name)) changed.add(name);
  }

  /** See `ItemResult.settled`. */
  private settledCalls(env: FileEnv, decl: A.FnDecl | A.HandlerDecl, names: readonly string[]): boolean {
    let used: ReadonlySet<string> | undefined;
    for (const n of names) {
      if (n === decl.name.name) continue;
      const own = env.items.get(n);
      if (own && (own.kind === 'handler' || (own.kind === 'fn' && !own.complete)) && !(used ??= namesUsed(decl)).has(n)) return false;
    }
    return true;
  }

  /**
   * A file whose interface, as another file of this check reads it, is final and as in the previous check: checked
   * earlier in this run, its fingerprint unchanged, and in another group of mutual imports than `env`'s now and then.
   */
  private steady(env: FileEnv, path: string): boolean {
    return this.results.has(path) && !this.interfaceChanged.has(path)
      && !this.groupOf.get(env.path)?.includes(path) && !this.oldResults.get(env.path)?.group?.includes(path);
  }

  /** Gives the items this check left without names and dependency keys theirs, as they were when checked. */
  private settleReuse(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    this.settling = true;
    try {
      for (const p of pending) {
        const item = this.results.get(p.path)?.items.get(p.key);
        if (!item || item.deps !== undefined) continue;
        const names = identifiers(item.text);
        item.names = names;
        item.deps = this.dependencyKey(p.env, names, p.same, p.order);
        item.settled = this.settledCalls(p.env, item.decl, names);
        if (p.complete) item.resolution = this.resolution(p.env, names);
      }
    } finally {
      this.settling = false;
    }
  }

  /** `a` or `m.a` used in a body, resolved to a function or handler of the program. */
  private resolveCallable(env: FileEnv, name: string): FnEntry | HandlerEntry | undefined {
    const dot = name.indexOf('.');
    if (dot > 0) {
      const m = env.imports.get(name.slice(0, dot));
      const other = m && this.files.get(m.path);
      const e = other?.items.get(name.slice(dot + 1));
      return e && (e.kind === 'fn' || e.kind === 'handler') ? e : undefined;
    }
    const e = env.items.get(name) ?? env.imported.get(name);
    return e && (e.kind === 'fn' || e.kind === 'handler') ? e : undefined;
  }

  private inferScc(members: readonly { env: FileEnv; entry: FnEntry | HandlerEntry }[]): void {
    const level = 1;
    const prepared = members.map(({ env, entry }) => {
      if (entry.kind === 'fn') {
        const sig = this.signatureType(env, entry.decl, level);
        entry.mono = sig.type;
        return { env, entry, sig };
      }
      const mono = this.handlerSignature(env, entry.decl, level);
      entry.mono = mono.type;
      return { env, entry, sig: undefined, handler: mono };
    });
    const saved = this.deferred;
    this.deferred = [];
    for (const p of prepared) {
      if (p.entry.kind === 'fn' && p.sig) this.checkBody(p.env, p.entry.decl, p.sig, level);
      else if (p.entry.kind === 'handler' && p.handler) this.checkHandler(p.env, p.entry.decl, p.handler, level);
    }
    this.settleDeferred();
    this.deferred = saved;
    for (const p of prepared) {
      const type = p.entry.kind === 'fn' ? p.entry.mono! : p.entry.mono!;
      const scheme = generalize(type, 0);
      scheme.body.row = p.entry.kind === 'fn' ? p.sig?.body : p.handler?.ops;
      p.entry.scheme = scheme;
      p.entry.mono = undefined;
    }
  }

  private checkFnBody(env: FileEnv, fn: A.FnDecl, level: number): void {
    const saved = this.deferred;
    this.deferred = [];
    const sig = this.signatureType(env, fn, level);
    const entry = env.items.get(fn.name.name);
    if (entry?.kind === 'fn' && entry.decl === fn && entry.scheme) entry.scheme.body.row = sig.body;
    this.checkBody(env, fn, sig, level);
    this.settleDeferred();
    this.deferred = saved;
  }

  private checkBody(env: FileEnv, fn: A.FnDecl, sig: ReturnType<Checker['signatureType']>, level: number): void {
    const origin = this.origin(env.path, fn.effects?.span ?? fn.name.span, fn.name.name);
    if (sig.declared) {
      this.graph.setUpper(sig.body, sig.declared, { kind: 'function', name: fn.name.name, origin });
      if (fn.effects) this.declaredRows.push({ path: env.path, fn: fn.name.name, row: fn.effects, body: sig.body, env });
    }
    const vars = new Map<string, Type>();
    const top = env.items.get(fn.name.name);
    const schemeKey = top?.kind === 'fn' && top.decl === fn ? `${env.path}#${fn.name.name}` : undefined;
    fn.params.forEach((p, i) => {
      vars.set(p.name.name, sig.type.params[i]!);
      this.record(env.path, p.name.span, sig.type.params[i]!, 'binding');
      if (!p.type) this.hint(env.path, { kind: 'parameter', offset: p.name.span.end, span: copySpan(p.name.span), type: sig.type.params[i]!, scheme: schemeKey });
    });
    this.record(env.path, fn.name.span, sig.type, 'binding');
    this.bodyRow(env.path, fn.name.span, sig.body, fn.name.name);
    if (!fn.returnType && !fn.effects) {
      const close = fn.params.length > 0 ? fn.params[fn.params.length - 1]!.span.end : fn.name.span.end;
      this.hint(env.path, { kind: 'return', offset: close, span: copySpan(fn.name.span), type: sig.type.ret, row: sig.type.row, scheme: schemeKey });
    }
    const ctx: Ctx = { env, level, row: sig.body, scope: { vars }, ret: sig.type.ret, fnName: fn.name.name, depth: 0 };
    this.declareLocals(env, ctx.scope, fn.body.stmts, fn.params.map(p => p.name.name));
    this.checkDefaults(ctx, fn.params, sig.type.params);
    this.checkBlock(fn.body, ctx, sig.type.ret);
  }

  private checkDefaults(ctx: Ctx, params: readonly A.Param[], types: readonly Type[]): void {
    params.forEach((p, i) => {
      if (!p.default) return;
      // A default is evaluated at each call: it must be pure.
      const pure = new RowVar();
      this.graph.setUpper(pure, new Set(), { kind: 'annotation', origin: this.origin(ctx.env.path, p.default.span, 'a default value, which must be pure') });
      this.checkExpr(p.default, types[i]!, { ...ctx, row: pure, scope: { vars: new Map(), parent: undefined }, depth: 0 });
    });
  }

  // ---------------------------------------------------------------- handlers

  /** A handler's type: a constructor from its parameters to `Handler`, whose row is what its operations perform. */
  private handlerSignature(env: FileEnv, h: A.HandlerDecl, level: number): { type: Type; ops: RowVar; params: readonly Type[]; effect?: EffectEntry } {
    const scope = new Map<string, Type>();
    const rows = new Map<string, RowVar>();
    const params = (h.params ?? []).map(p => (p.type ? this.typeOf(env, p.type, scope, level, 'param', rows) : tvar(level)));
    const ops = new RowVar();
    const effect = this.lookupEffect(env, h.effect.name);
    const handlerType = this.handlerType(effect?.key ?? `?${h.effect.name}`, ops, effect?.name ?? h.effect.name);
    const type = h.params ? tfun(params, new RowVar(), handlerType) : handlerType;
    return { type, ops, params, effect };
  }

  private handlerType(effectKey: string, ops: RowVar, name: string): TCon {
    return tcon('Handler', [tcon(name, [], `effect:${effectKey}`), tfun([], ops, UNIT)], 'Handler');
  }

  private checkHandler(env: FileEnv, h: A.HandlerDecl, sig: { ops: RowVar; params: readonly Type[]; effect?: EffectEntry }, level: number): void {
    const vars = new Map<string, Type>();
    (h.params ?? []).forEach((p, i) => {
      vars.set(p.name.name, sig.params[i]!);
      this.record(env.path, p.name.span, sig.params[i]!, 'binding');
    });
    const base: Ctx = { env, level, row: sig.ops, scope: { vars }, ret: UNIT, fnName: h.name.name, depth: 0 };
    this.checkDefaults(base, h.params ?? [], sig.params);
    for (const op of h.ops) {
      const entry = sig.effect?.ops.get(op.name.name);
      const { params, ret } = this.opType(env, entry, level);
      const opVars = new Map<string, Type>();
      op.params.forEach((p, i) => {
        const t = params[i] ?? tvar(level);
        if (p.type) this.expectType(env, this.typeOf(env, p.type, new Map(), level, 'param'), t, p.span);
        opVars.set(p.name.name, t);
        this.record(env.path, p.name.span, t, 'binding');
      });
      const row = new RowVar();
      const origin = this.origin(env.path, op.name.span, `operation \`${op.name.name}\` of \`${h.name.name}\``);
      this.graph.addEdge(row, sig.ops, origin);
      if (entry?.sig?.effects) {
        const allowed = new Set<string>();
        for (const e of entry.sig.effects.effects) {
          const key = this.effectKey(env, e.name);
          if (key) allowed.add(key);
        }
        this.graph.setUpper(row, allowed, { kind: 'handler-op', name: `${h.name.name}.${op.name.name}`, origin });
      }
      this.bodyRow(env.path, op.name.span, row, `${h.name.name}.${op.name.name}`);
      const ctx: Ctx = { env, level, row, scope: { vars: opVars, parent: base.scope }, ret, fnName: `${h.name.name}.${op.name.name}`, depth: 0 };
      this.declareLocals(env, ctx.scope, op.body.stmts, op.params.map(p => p.name.name));
      this.checkBlock(op.body, ctx, ret);
    }
  }

  private lookupEffect(env: FileEnv, name: string): EffectEntry | undefined {
    const e = env.items.get(name) ?? env.imported.get(name);
    if (e?.kind === 'effect') return e;
    return this.builtinEffects.get(name);
  }

  /** An operation's parameter and result types, fresh: unannotated parameters are generic per use. */
  private opType(env: FileEnv, op: OpEntry | undefined, level: number): { params: readonly Type[]; ret: Type } {
    if (!op) return { params: [], ret: tvar(level) };
    if (op.builtin) return op.builtin;
    const sig = op.sig!;
    const scope = new Map<string, Type>(sig.typeParams.map(p => [p.name, tvar(level)]));
    const declEnv = (op.sig && this.files.get(this.effectPathOf(op))) ?? env;
    const params = sig.params.map(p => (p.type ? this.typeOf(declEnv, p.type, scope, level, 'param') : tvar(level)));
    const ret = sig.returnType ? this.typeOf(declEnv, sig.returnType, scope, level, 'fixed') : UNIT;
    return { params, ret };
  }

  private effectPathOf(op: OpEntry): string {
    return (op.sig && this.opPaths.get(op.sig)) ?? '';
  }

  // ---------------------------------------------------------------- the program's top level

  private checkProgramStatements(env: FileEnv): void {
    const statements = env.module.statements;
    if (statements.length > 0) this.source.checked?.(env.path, undefined);
    const row = new RowVar();
    this.graph.setUpper(row, new Set(['Async', 'IO', 'Blocking']), { kind: 'top-level', path: env.path });
    // What the top level performs, at the module's first offset (a name is never empty: no function's is there).
    if (statements.length > 0) this.bodyRow(env.path, { start: env.module.span.start, end: env.module.span.start }, row, '(top level)');
    if (statements.length === 0) {
      // A program of items only runs `main()`: what main performs reaches the top level.
      const main = env.items.get('main');
      if (main?.kind === 'fn' && main.path === env.path && main.scheme) {
        const at = this.origin(env.path, main.decl.name.span, 'main');
        const t = prune(instantiate(this.graph, main.scheme, 1, at).type);
        if (t.k === 'fun') this.graph.addEdge(t.row, row, at);
      }
      return;
    }
    const saved = this.deferred;
    this.deferred = [];
    const ctx: Ctx = { env, level: 1, row, scope: { vars: new Map() }, ret: tvar(1), fnName: '(top level)', depth: 0 };
    this.declareLocals(env, ctx.scope, statements, []);
    for (const s of statements) this.checkStmt(s, ctx, 'discard');
    this.settleDeferred();
    this.deferred = saved;
  }

  // ---------------------------------------------------------------- locals

  /** Locals are function-wide: every name a body binds (`bodyBindings` has the rule) is declared for all of it. */
  private declareLocals(env: FileEnv, scope: Scope, roots: readonly Node[], params: readonly string[]): void {
    const visible = (name: string) => {
      for (let s: Scope | undefined = scope; s; s = s.parent) if (s.vars.has(name)) return true;
      return false;
    };
    for (const { ident } of bodyBindings(roots, name => this.nullaryVariant(env, name) !== undefined)) {
      if (!params.includes(ident.name) && !visible(ident.name)) scope.vars.set(ident.name, tvar(1));
    }
  }

  private lookupVar(ctx: Ctx, name: string): Type | undefined {
    for (let s: Scope | undefined = ctx.scope; s; s = s.parent) {
      const t = s.vars.get(name);
      if (t) return t;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- statements and blocks

  /** Checks a block; its value must fit `expected` (a `Unit` expectation discards the value, as Kotlin does). */
  private checkBlock(block: A.Block, ctx: Ctx, expected: Type): void {
    const e = prune(expected);
    const discard = e.k === 'con' && e.key === 'Unit';
    const n = block.stmts.length;
    for (let i = 0; i < n - 1; i++) this.checkStmt(block.stmts[i]!, ctx, 'discard');
    if (n === 0) {
      if (!discard) this.expectType(ctx.env, UNIT, expected, block.span);
      return;
    }
    const last = block.stmts[n - 1]!;
    if (discard) {
      this.checkStmt(last, ctx, 'discard');
      return;
    }
    if (last.kind === 'ExprStmt') this.checkExpr(last.expr, expected, ctx);
    else {
      const t = this.checkStmt(last, ctx, 'value');
      if (t) this.expectType(ctx.env, t, expected, last.span);
    }
  }

  /** Checks a statement; in 'value' mode returns the type of its value (a fresh variable for a jump). */
  private checkStmt(s: A.Stmt, ctx: Ctx, mode: 'value' | 'discard'): Type | undefined {
    // Nesting deeper than this is not checked (the lowering's own bound reports E0002 long before).
    if (ctx.depth > MAX_DEPTH) return this.tooDeep(ctx, s.span);
    ctx.depth++;
    try {
      return this.checkStmtInner(s, ctx, mode);
    } finally {
      ctx.depth--;
    }
  }

  private checkStmtInner(s: A.Stmt, ctx: Ctx, mode: 'value' | 'discard'): Type | undefined {
    switch (s.kind) {
      case 'ExprStmt': {
        if (mode === 'discard') {
          this.inferDiscarded(s.expr, ctx);
          return undefined;
        }
        return this.inferExpr(s.expr, ctx);
      }
      case 'Assign':
        this.assign(s, ctx);
        return UNIT;
      case 'Return': {
        const t = s.value ? this.inferExpr(s.value, ctx) : UNIT;
        this.expectType(ctx.env, t, ctx.ret, s.value?.span ?? s.span);
        return tvar(ctx.level);
      }
      case 'Break':
      case 'Continue':
        return tvar(ctx.level);
      case 'While':
        this.checkExpr(s.condition, BOOL, ctx);
        this.checkBlock(s.body, ctx, UNIT);
        return UNIT;
      case 'Loop':
        this.checkBlock(s.body, ctx, UNIT);
        // A loop that no `break` leaves ends only by `return` (or never): its value fits anywhere.
        return breaks(s.body) ? UNIT : tvar(ctx.level);
      case 'For': {
        const it = this.inferExpr(s.iterable, ctx);
        const elem = tvar(ctx.level);
        this.expectType(ctx.env, it, tcon('List', [elem]), s.iterable.span);
        const v = this.lookupVar(ctx, s.variable.name);
        if (v) this.expectType(ctx.env, elem, v, s.variable.span);
        this.record(ctx.env.path, s.variable.span, elem, 'binding');
        this.checkBlock(s.body, ctx, UNIT);
        return UNIT;
      }
      case 'LocalFn': {
        const fn = s.fn;
        const sig = this.signatureType(ctx.env, fn, ctx.level);
        const v = this.lookupVar(ctx, fn.name.name);
        if (v) this.expectType(ctx.env, sig.type, v, fn.name.span);
        const origin = this.origin(ctx.env.path, fn.effects?.span ?? fn.name.span, fn.name.name);
        if (sig.declared) this.graph.setUpper(sig.body, sig.declared, { kind: 'function', name: fn.name.name, origin });
        const vars = new Map<string, Type>();
        fn.params.forEach((p, i) => {
          vars.set(p.name.name, sig.type.params[i]!);
          this.record(ctx.env.path, p.name.span, sig.type.params[i]!, 'binding');
        });
        this.record(ctx.env.path, fn.name.span, sig.type, 'binding');
        this.bodyRow(ctx.env.path, fn.name.span, sig.body, fn.name.name);
        const inner: Ctx = { env: ctx.env, level: ctx.level, row: sig.body, scope: { vars, parent: ctx.scope }, ret: sig.type.ret, fnName: fn.name.name, depth: ctx.depth + 1 };
        this.declareLocals(ctx.env, inner.scope, fn.body.stmts, fn.params.map(p => p.name.name));
        this.checkDefaults(inner, fn.params, sig.type.params);
        this.checkBlock(fn.body, inner, sig.type.ret);
        return UNIT;
      }
    }
  }

  /** An expression whose value is dropped: `if`, `match` and `with` then need no common type for their branches. */
  private inferDiscarded(e: A.Expr, ctx: Ctx): void {
    switch (e.kind) {
      case 'If':
        for (const b of e.branches) {
          this.checkExpr(b.condition, BOOL, ctx);
          this.checkBlock(b.body, ctx, UNIT);
        }
        if (e.otherwise) this.checkBlock(e.otherwise, ctx, UNIT);
        return;
      case 'Match':
        this.match(e, ctx, UNIT);
        return;
      case 'With':
        this.withExpr(e, ctx, UNIT);
        return;
      default:
        this.inferExpr(e, ctx);
    }
  }

  private assign(s: A.AssignStmt, ctx: Ctx): void {
    const target = s.target;
    let slot: Type;
    if (target.kind === 'Name') {
      slot = this.lookupVar(ctx, target.name) ?? this.nameType(target, ctx);
      this.record(ctx.env.path, target.span, slot, s.op === '=' ? 'binding' : 'use');
      if (s.op === '=' && !this.hinted.has(slot)) {
        this.hinted.add(slot);
        this.hint(ctx.env.path, { kind: 'binding', offset: target.span.end, span: copySpan(target.span), type: slot });
      }
    } else if (target.kind === 'Member') {
      slot = this.member(target, ctx);
    } else {
      slot = this.index(target, ctx);
    }
    if (s.op === '=') {
      this.checkExpr(s.value, slot, ctx);
      return;
    }
    const value = this.inferExpr(s.value, ctx);
    const op = s.op.slice(0, 1) as A.BinaryOp;
    const result = this.arith(op, slot, value, s.span, ctx);
    this.expectType(ctx.env, result, slot, s.span);
  }

  // ---------------------------------------------------------------- expressions

  private checkExpr(e: A.Expr, expected: Type, ctx: Ctx): void {
    if (ctx.depth > MAX_DEPTH) {
      this.tooDeep(ctx, e.span);
      return;
    }
    ctx.depth++;
    try {
      this.checkExprInner(e, expected, ctx);
    } finally {
      ctx.depth--;
    }
  }

  private checkExprInner(e: A.Expr, expected: Type, ctx: Ctx): void {
    const want = prune(expected);
    if (e.kind === 'Lambda' && want.k === 'fun') {
      this.lambda(e, ctx, want);
      return;
    }
    if ((e.kind === 'If' || e.kind === 'Match' || e.kind === 'With') && want.k === 'con' && want.key === 'Unit') {
      this.inferDiscarded(e, ctx);
      return;
    }
    if (e.kind === 'If' && e.otherwise) {
      for (const b of e.branches) {
        this.checkExpr(b.condition, BOOL, ctx);
        this.checkBlock(b.body, ctx, expected);
      }
      this.checkBlock(e.otherwise, ctx, expected);
      return;
    }
    if (e.kind === 'Match') {
      this.match(e, ctx, expected);
      return;
    }
    const t = this.inferExpr(e, ctx);
    this.expectType(ctx.env, t, expected, e.span, 'value', e.kind === 'Name' ? e.name : undefined);
  }

  /** Past the nesting bound nothing is checked, so nothing there may be accepted: E0002 (once per file). */
  private tooDeep(ctx: Ctx, span: A.Span): Type {
    const list = this.diagnostics.get(ctx.env.path) ?? [];
    if (!list.some(d => d.code === 'E0002')) this.error(ctx.env.path, 'E0002', span, `this expression nests more than ${MAX_DEPTH} levels deep: the type checker does not look inside it; split it`);
    return tvar(ctx.level);
  }

  private inferExpr(e: A.Expr, ctx: Ctx): Type {
    if (ctx.depth > MAX_DEPTH) return this.tooDeep(ctx, e.span);
    ctx.depth++;
    try {
      const t = this.inferInner(e, ctx);
      if (e.kind !== 'Name' && e.kind !== 'Call' && e.kind !== 'Lambda') this.record(ctx.env.path, e.span, t, 'expression');
      return t;
    } finally {
      ctx.depth--;
    }
  }

  private inferInner(e: A.Expr, ctx: Ctx): Type {
    switch (e.kind) {
      case 'Int': return INT;
      case 'Float': return FLOAT;
      case 'Bool': return BOOL;
      case 'Unit': return UNIT;
      case 'Error': return tvar(ctx.level);
      case 'String':
        for (const p of e.parts) if (typeof p !== 'string') this.inferExpr(p, ctx);
        return STRING;
      case 'Name': {
        const t = this.nameType(e, ctx);
        this.record(ctx.env.path, e.span, t, 'use');
        return t;
      }
      case 'List': {
        const elem = tvar(ctx.level);
        for (const x of e.elements) this.checkExpr(x, elem, ctx);
        return tcon('List', [elem]);
      }
      case 'Call': return this.call(e, ctx);
      case 'Member': return this.member(e, ctx);
      case 'Index': return this.index(e, ctx);
      case 'Await': {
        const t = this.inferExpr(e.value, ctx);
        const result = tvar(ctx.level);
        this.expectType(ctx.env, t, tcon('Task', [result]), e.value.span);
        this.perform(ctx, 'Async', e.span, '.await');
        return result;
      }
      case 'Spawn': {
        if (e.scope) this.expectType(ctx.env, this.inferExpr(e.scope, ctx), tcon('Scope'), e.scope.span);
        // A spawned closure (any body but a direct call) binds its own locals, as a lambda does.
        let bodyCtx = ctx;
        if (!spawnsDirectCall(e)) {
          bodyCtx = { ...ctx, scope: { vars: new Map(), parent: ctx.scope } };
          this.declareLocals(ctx.env, bodyCtx.scope, [e.body], []);
        }
        const body = this.inferExpr(e.body, bodyCtx);
        this.perform(ctx, 'Async', e.span, 'spawn');
        const t = tcon('Task', [body]);
        this.record(ctx.env.path, e.span, t, 'expression');
        return t;
      }
      case 'Unary': {
        if (e.op === 'not') {
          this.checkExpr(e.operand, BOOL, ctx);
          return BOOL;
        }
        const t = this.inferExpr(e.operand, ctx);
        const p = prune(t);
        if (p.k === 'con' && !NUMERIC.has(p.key) && p.key !== 'Duration') this.error(ctx.env.path, 'E0310', e.span, `\`-\` needs a number, not \`${this.show(p)}\``);
        return t;
      }
      case 'Binary': return this.binary(e, ctx);
      case 'Lambda': return this.lambda(e, ctx, undefined);
      case 'If': {
        if (!e.otherwise) {
          this.inferDiscarded(e, ctx);
          return UNIT;
        }
        const t = tvar(ctx.level);
        this.checkExpr(e, t, ctx);
        return t;
      }
      case 'Match': {
        const t = tvar(ctx.level);
        this.match(e, ctx, t);
        return t;
      }
      case 'With': {
        const t = tvar(ctx.level);
        return this.withExpr(e, ctx, t);
      }
    }
  }

  // ---------------------------------------------------------------- names

  private nameType(e: A.NameExpr, ctx: Ctx): Type {
    const local = this.lookupVar(ctx, e.name);
    if (local) return local;
    const at = this.origin(ctx.env.path, e.span, e.name);
    const item = ctx.env.items.get(e.name) ?? ctx.env.imported.get(e.name);
    if (item?.kind === 'handler' && item.decl.params && item.decl.params.every(p => p.default)) {
      // `with Console` for `handler Console(prefix: String = "")`: the handler with its defaults.
      const f = prune(this.itemValue(item, ctx, at, e.span));
      return f.k === 'fun' ? f.ret : f;
    }
    if (item) return this.itemValue(item, ctx, at, e.span);
    const b = this.builtinSchemes.get(e.name);
    if (b) return instantiate(this.graph, b.scheme, ctx.level, at).type;
    const v = this.builtinVariants.get(e.name);
    if (v) return this.variantValue(v, ctx);
    if (e.name === 'print') return tfun([tvar(ctx.level)], this.rowWith('IO', at), UNIT);
    this.unresolved.add(`${ctx.env.path}#${ctx.fnName}`);
    return tvar(ctx.level); // E0101 comes from the name checker
  }

  /** Whether a name means anything here (else the name checker has reported it). */
  private isKnownName(ctx: Ctx, name: string): boolean {
    return this.lookupVar(ctx, name) !== undefined || ctx.env.items.has(name) || ctx.env.imported.has(name) || ctx.env.imports.has(name)
      || this.builtinSchemes.has(name) || this.builtinVariants.has(name) || this.builtinEffects.has(name) || builtinFunction(name) !== undefined
      || name === 'CPU' || name === 'Async' || name === 'Runtime' || name === 'Cancel';
  }

  private rowWith(effect: string, at: Origin): RowVar {
    const r = new RowVar();
    this.graph.addAtom(r, effect, at);
    return r;
  }

  private itemValue(item: ItemEntry, ctx: Ctx, at: Origin, span: A.Span): Type {
    switch (item.kind) {
      case 'fn': {
        if (item.mono) return item.mono;
        if (!item.scheme) return tvar(ctx.level);
        const inst = instantiate(this.graph, item.scheme, ctx.level, at);
        this.recordRows(ctx.env.path, span, item.scheme, inst.rows);
        return inst.type;
      }
      case 'handler': {
        if (item.mono) return item.mono;
        if (!item.scheme) return tvar(ctx.level);
        return instantiate(this.graph, item.scheme, ctx.level, at).type;
      }
      case 'struct': {
        const { args, fields } = this.structInstance(item, ctx.level);
        return tfun(fields, new RowVar(), tcon(item.decl.name.name, args, item.key));
      }
      case 'variant':
        this.noteVariant(ctx.env.path, span, item);
        return this.variantValue(item, ctx);
      case 'enum':
      case 'effect':
        this.error(ctx.env.path, 'E0302', span, `\`${item.name}\` is ${item.kind === 'enum' ? 'a type' : 'an effect'}, not a value`);
        return tvar(ctx.level);
    }
  }

  private structInstance(s: StructEntry, level: number): { args: Type[]; fields: Type[] } {
    const params = s.params ?? [];
    const fresh = new Map(params.map(p => [p, tvar(level)]));
    const fields = (s.fields ?? []).map(f => substituteVars(f, fresh, this.fieldRow));
    return { args: params.map(p => fresh.get(p)!), fields };
  }

  private enumOf(v: VariantEntry): EnumEntry | undefined {
    if (v.path === '<builtins>') return this.builtinEnums.get(v.enumKey);
    const env = this.files.get(v.path);
    const e = env?.items.get(v.enumName);
    return e?.kind === 'enum' ? e : undefined;
  }

  private variantInstance(v: VariantEntry, level: number): { type: TCon; fields: Type[] } {
    const en = this.enumOf(v);
    const params = en?.params ?? [];
    const fresh = new Map(params.map(p => [p, tvar(level)]));
    const fields = (en?.fields?.get(v.name) ?? []).map(f => substituteVars(f, fresh, this.fieldRow));
    return { type: tcon(v.enumName, params.map(p => fresh.get(p)!), v.enumKey), fields };
  }

  /** A variant used as a value: a nullary one is the value, another one its constructor. */
  private variantValue(v: VariantEntry, ctx: Ctx): Type {
    const { type, fields } = this.variantInstance(v, ctx.level);
    return fields.length === 0 ? type : tfun(fields, new RowVar(), type);
  }

  // ---------------------------------------------------------------- calls

  private call(e: A.CallExpr, ctx: Ctx): Type {
    const callee = e.callee;
    const at = this.siteOrigin(ctx, e.span, this.calleeLabel(callee));
    if (callee.kind === 'Name' && !this.lookupVar(ctx, callee.name)) {
      const special = this.builtinCall(callee.name, e, ctx, at);
      if (special) return special;
      const item = ctx.env.items.get(callee.name) ?? ctx.env.imported.get(callee.name);
      if (item) return this.callItem(item, e, ctx, at);
      const b = this.builtinSchemes.get(callee.name);
      if (b) {
        const inst = instantiate(this.graph, b.scheme, ctx.level, at);
        this.record(ctx.env.path, callee.span, inst.type, 'use');
        this.recordRows(ctx.env.path, callee.span, b.scheme, inst.rows);
        return this.applyFn(inst.type, paramNames(b.decl.params), e, ctx, at);
      }
      const v = this.builtinVariants.get(callee.name);
      if (v) return this.constructVariant(v, e, ctx);
    }
    if (callee.kind === 'Member') {
      const r = this.memberCall(callee, e, ctx, at);
      if (r) return r;
    }
    const t = this.inferExpr(callee, ctx);
    return this.applyValue(t, e, ctx, at);
  }

  private calleeLabel(callee: A.Expr): string {
    if (callee.kind === 'Name') return callee.name;
    if (callee.kind === 'Member') {
      const o = callee.object;
      return o.kind === 'Name' ? `${o.name}.${callee.property.name}` : callee.property.name;
    }
    if (callee.kind === 'Index' && callee.object.kind === 'Name') return `${callee.object.name}[...]`;
    return 'a function value';
  }

  private callItem(item: ItemEntry, e: A.CallExpr, ctx: Ctx, at: Origin): Type {
    switch (item.kind) {
      case 'fn': {
        const t = this.itemValue(item, ctx, at, e.callee.span);
        this.record(ctx.env.path, e.callee.span, t, 'use');
        return this.applyFn(t, paramNames(item.decl.params), e, ctx, at);
      }
      case 'handler': {
        const t = this.itemValue(item, ctx, at, e.callee.span);
        return this.applyFn(t, paramNames(item.decl.params ?? []), e, ctx, at);
      }
      case 'struct': {
        const { args, fields } = this.structInstance(item, ctx.level);
        const result = tcon(item.decl.name.name, args, item.key);
        for (const a of e.args) if (a.name && item.decl.fields.some(f => f.name.name === a.name!.name)) this.noteField(ctx.env.path, a.name.span, item, a.name.name);
        this.bindArgs(e, fields, paramNames(item.decl.fields), ctx);
        this.record(ctx.env.path, e.span, result, 'call');
        return result;
      }
      case 'variant':
        this.noteVariant(ctx.env.path, e.callee.span, item);
        return this.constructVariant(item, e, ctx);
      default:
        return this.applyValue(this.itemValue(item, ctx, at, e.callee.span), e, ctx, at);
    }
  }

  private constructVariant(v: VariantEntry, e: A.CallExpr, ctx: Ctx): Type {
    const { type, fields } = this.variantInstance(v, ctx.level);
    this.bindArgs(e, fields, v.fieldNames.map((name, i) => ({ name, optional: i >= v.required })), ctx);
    this.record(ctx.env.path, e.span, type, 'call');
    return type;
  }

  /** Calls a function value whose parameters have names (a declared function). */
  private applyFn(t: Type, names: readonly ParamName[], e: A.CallExpr, ctx: Ctx, at: Origin): Type {
    const f = prune(t);
    if (f.k !== 'fun') return this.applyValue(t, e, ctx, at);
    this.bindArgs(e, f.params, names, ctx);
    this.graph.addEdge(f.row, ctx.row, at);
    this.record(ctx.env.path, e.span, f.ret, 'call');
    return f.ret;
  }

  /** Calls a value: arguments by position. */
  private applyValue(t: Type, e: A.CallExpr, ctx: Ctx, at: Origin): Type {
    let f = prune(t);
    if (f.k === 'var' && !f.rigid) {
      const fresh = tfun(e.args.map(() => tvar(ctx.level)), new RowVar(), tvar(ctx.level));
      this.expectType(ctx.env, fresh, f, e.callee.span);
      f = fresh;
    }
    if (f.k !== 'fun') {
      this.error(ctx.env.path, 'E0302', e.callee.span, `cannot call a value of type \`${this.show(f)}\``);
      for (const a of e.args) this.inferExpr(a.value, ctx);
      return tvar(ctx.level);
    }
    if (e.args.length !== f.params.length) {
      if (!e.args.some(a => a.name)) this.error(ctx.env.path, 'E0102', e.span, `this function value takes ${f.params.length} argument${f.params.length === 1 ? '' : 's'}, not ${e.args.length}`);
    }
    e.args.forEach((a, i) => {
      const p = f.params[i];
      if (p) this.checkExpr(a.value, p, ctx);
      else this.inferExpr(a.value, ctx);
    });
    this.graph.addEdge(f.row, ctx.row, at);
    this.record(ctx.env.path, e.span, f.ret, 'call');
    return f.ret;
  }

  /** Arguments to parameters: positional first, then by name; each checked against its parameter's type. */
  private bindArgs(e: A.CallExpr, params: readonly Type[], names: readonly ParamName[], ctx: Ctx, skip = 0): void {
    let position = skip;
    for (const a of e.args) {
      let i: number;
      if (a.name) i = names.findIndex(n => n.name === a.name!.name);
      else i = position++;
      const p = i >= 0 ? params[i] : undefined;
      if (p) this.checkExpr(a.value, p, ctx);
      else this.inferExpr(a.value, ctx);
    }
  }

  /** `E.op(...)`, `m.f(...)`, built-in handlers, field calls and uniform calls `a.f(x)` = `f(a, x)`. */
  private memberCall(callee: A.MemberExpr, e: A.CallExpr, ctx: Ctx, at: Origin): Type | undefined {
    const obj = callee.object;
    const prop = callee.property.name;
    if (obj.kind === 'Name' && !this.lookupVar(ctx, obj.name)) {
      const m = ctx.env.imports.get(obj.name);
      if (m) {
        const other = this.files.get(m.path);
        const item = other?.items.get(prop);
        if (item && item.path === m.path) return this.callItem(item, e, ctx, at);
        this.unresolved.add(`${ctx.env.path}#${ctx.fnName}`);
        for (const a of e.args) this.inferExpr(a.value, ctx);
        return tvar(ctx.level);
      }
      const handler = builtinHandler(`${obj.name}.${prop}`);
      if (handler) {
        for (const a of e.args) {
          const t = this.inferExpr(a.value, ctx);
          const name = a.name?.name ?? handler.params?.[e.args.indexOf(a)];
          if (name === 'workers' || name === 'blocking_threads') this.expectType(ctx.env, t, INT, a.value.span);
          else if (name === 'duration' || name === 'timer_resolution') this.expectType(ctx.env, t, DURATION, a.value.span);
        }
        return this.builtinHandlerType(handler.discharges[0] ?? '', handler.name);
      }
      const effect = this.lookupEffect(ctx.env, obj.name);
      if (effect) return this.operationCall(effect, prop, e, ctx);
    }
    if (obj.kind === 'Member' && obj.object.kind === 'Name' && !this.lookupVar(ctx, obj.object.name)) {
      // `m.Effect.op(...)`: an operation of an effect of an imported module.
      const m = ctx.env.imports.get(obj.object.name);
      const item = m && this.files.get(m.path)?.items.get(obj.property.name);
      if (item?.kind === 'effect') return this.operationCall(item, prop, e, ctx);
    }
    if (obj.kind === 'Name' && !this.isKnownName(ctx, obj.name)) {
      // An undefined name (the name checker reports it): nothing more to say about the call.
      this.unresolved.add(`${ctx.env.path}#${ctx.fnName}`);
      for (const a of e.args) this.inferExpr(a.value, ctx);
      return tvar(ctx.level);
    }
    // A field holding a function, or a uniform call.
    const t = this.inferExpr(obj, ctx);
    const p = prune(t);
    if (p.k === 'con') {
      const field = this.fieldType(p, prop, true, { path: ctx.env.path, span: callee.property.span });
      if (field) {
        this.record(ctx.env.path, callee.property.span, field, 'use');
        return this.applyValue(field, e, ctx, at);
      }
    }
    const fnName = prop;
    const item = ctx.env.items.get(fnName) ?? ctx.env.imported.get(fnName);
    const special = this.builtinCall(fnName, e, ctx, at, t);
    if (special) return special;
    let fnType: Type | undefined;
    let names: readonly ParamName[] = [];
    if (item?.kind === 'fn') {
      fnType = this.itemValue(item, ctx, at, callee.property.span);
      names = paramNames(item.decl.params);
    } else {
      const b = this.builtinSchemes.get(fnName);
      if (b) {
        const inst = instantiate(this.graph, b.scheme, ctx.level, at);
        this.recordRows(ctx.env.path, callee.property.span, b.scheme, inst.rows);
        fnType = inst.type;
        names = paramNames(b.decl.params);
      }
    }
    if (p.k === 'var' && !fnType) {
      // Not a function of that name: a field of some struct.
      const field = this.fieldOfUnknown(p, prop, callee.property.span, ctx);
      return this.applyValue(field, e, ctx, at);
    }
    if (!fnType) {
      if (p.k === 'con') this.error(ctx.env.path, 'E0303', callee.property.span, `\`${this.show(p)}\` has no field \`${prop}\` and there is no function \`${prop}\` to call on it`);
      for (const a of e.args) this.inferExpr(a.value, ctx);
      return tvar(ctx.level);
    }
    const f = prune(fnType);
    if (f.k !== 'fun' || f.params.length === 0) {
      this.error(ctx.env.path, 'E0302', callee.property.span, `\`${prop}\` cannot be called on a value`);
      return tvar(ctx.level);
    }
    this.record(ctx.env.path, callee.property.span, f, 'use');
    this.expectType(ctx.env, t, f.params[0]!, obj.span);
    this.bindArgs(e, f.params, names, ctx, 1);
    this.graph.addEdge(f.row, ctx.row, at);
    this.record(ctx.env.path, e.span, f.ret, 'call');
    return f.ret;
  }

  private operationCall(effect: EffectEntry, prop: string, e: A.CallExpr, ctx: Ctx): Type {
    const op = effect.ops.get(prop);
    const { params, ret } = this.opType(ctx.env, op, ctx.level);
    this.bindArgs(e, params, op?.sig ? paramNames(op.sig.params) : params.map((_, i) => ({ name: `#${i}`, optional: false })), ctx);
    this.perform(ctx, effect.key, e.span, `${effect.name}.${prop}()`);
    this.record(ctx.env.path, e.span, ret, 'call');
    return ret;
  }

  private builtinHandlerType(discharges: string, name: string): Type {
    if (name === 'Async.scope') return tcon('ScopeHandler');
    return this.handlerType(discharges, new RowVar(), discharges || name);
  }

  /** Built-ins whose types no signature can say: variadic, or over several types. */
  private builtinCall(name: string, e: A.CallExpr, ctx: Ctx, at: Origin, receiver?: Type): Type | undefined {
    if (this.lookupVar(ctx, name) || ctx.env.items.has(name) || ctx.env.imported.has(name)) return undefined;
    const fn = builtinFunction(name);
    if (!fn || this.builtinSchemes.has(name)) return undefined;
    const args: { type: Type; span: A.Span }[] = [];
    if (receiver) args.push({ type: receiver, span: (e.callee as A.MemberExpr).object.span });
    for (const a of e.args) args.push({ type: this.inferExpr(a.value, ctx), span: a.value.span });
    for (const eff of fn.effects) this.perform(ctx, eff, e.span, name);
    const arg = (i: number) => args[i]?.type ?? tvar(ctx.level);
    let result: Type;
    switch (name) {
      case 'print':
        result = UNIT;
        break;
      case 'str':
        result = STRING;
        break;
      case 'int':
        result = INT;
        break;
      case 'len': {
        this.deferSized(arg(0), args[0]?.span ?? e.span, ctx);
        result = INT;
        break;
      }
      case 'abs':
        result = arg(0);
        this.deferNumeric(result, args[0]?.span ?? e.span, ctx);
        break;
      case 'min':
      case 'max':
        result = arg(0);
        if (args[1]) this.expectType(ctx.env, args[1].type, result, args[1].span);
        break;
      case 'sum': {
        const elem = tvar(ctx.level);
        this.expectType(ctx.env, arg(0), tcon('List', [elem]), args[0]?.span ?? e.span);
        this.deferNumeric(elem, args[0]?.span ?? e.span, ctx);
        result = elem;
        break;
      }
      case 'contains': {
        const hay = prune(arg(0));
        if (hay.k === 'con' && hay.key === 'String') {
          if (args[1]) this.expectType(ctx.env, args[1].type, STRING, args[1].span);
        } else {
          const elem = tvar(ctx.level);
          this.expectType(ctx.env, arg(0), tcon('List', [elem]), args[0]?.span ?? e.span);
          if (args[1]) this.expectType(ctx.env, args[1].type, elem, args[1].span);
        }
        result = BOOL;
        break;
      }
      case 'cancel': {
        const t = prune(arg(0));
        if (t.k === 'con' && t.key !== 'CancellationToken' && t.key !== 'Task') this.expectType(ctx.env, t, tcon('CancellationToken'), args[0]!.span);
        result = UNIT;
        break;
      }
      default:
        result = tvar(ctx.level);
    }
    void at;
    this.record(ctx.env.path, e.span, result, 'call');
    return result;
  }

  // ---------------------------------------------------------------- members and indexing

  private member(e: A.MemberExpr, ctx: Ctx): Type {
    const obj = e.object;
    const prop = e.property.name;
    if (obj.kind === 'Name' && !this.lookupVar(ctx, obj.name)) {
      if (`${obj.name}.${prop}` === 'CPU.count') return INT;
      const handler = builtinHandler(`${obj.name}.${prop}`);
      if (handler) return this.builtinHandlerType(handler.discharges[0] ?? '', handler.name);
      const m = ctx.env.imports.get(obj.name);
      if (m) {
        const item = this.files.get(m.path)?.items.get(prop);
        const at = this.origin(ctx.env.path, e.span, `${obj.name}.${prop}`);
        if (item && item.path === m.path) return this.itemValue(item, ctx, at, e.property.span);
        return tvar(ctx.level);
      }
      if (this.lookupEffect(ctx.env, obj.name) && !(ctx.env.items.has(obj.name) && ctx.env.items.get(obj.name)!.kind !== 'effect')) {
        this.error(ctx.env.path, 'E0302', e.span, `\`${obj.name}.${prop}\` is an operation: call it`);
        return tvar(ctx.level);
      }
    }
    if ((obj.kind === 'Int' || obj.kind === 'Float') && DURATION_UNITS[prop] !== undefined) return DURATION;
    if (obj.kind === 'Name' && !this.isKnownName(ctx, obj.name)) return tvar(ctx.level);
    const t = this.inferExpr(obj, ctx);
    const p = prune(t);
    if (DURATION_UNITS[prop] !== undefined && p.k === 'con' && NUMERIC.has(p.key)) return DURATION;
    if (p.k === 'con') {
      const field = this.fieldType(p, prop, true, { path: ctx.env.path, span: e.property.span });
      if (field) {
        this.record(ctx.env.path, e.property.span, field, 'use');
        return field;
      }
      this.error(ctx.env.path, 'E0303', e.property.span, `\`${this.show(p)}\` has no field \`${prop}\``);
      return tvar(ctx.level);
    }
    if (p.k === 'fun') {
      this.error(ctx.env.path, 'E0303', e.property.span, `a function has no field \`${prop}\``);
      return tvar(ctx.level);
    }
    const field = this.fieldOfUnknown(p, prop, e.property.span, ctx);
    this.record(ctx.env.path, e.property.span, field, 'use');
    return field;
  }

  /** A field of a struct type, instantiated with the type's arguments. */
  private fieldType(t: TCon, name: string, copyRows = true, at?: { readonly path: string; readonly span: A.Span }): Type | undefined {
    const s = this.structByKey(t.key);
    if (!s || !s.fields) return undefined;
    const i = s.decl.fields.findIndex(f => f.name.name === name);
    if (i < 0) return undefined;
    if (at) this.noteField(at.path, at.span, s, name);
    const map = new Map((s.params ?? []).map((p, j) => [p, t.args[j] ?? tvar(0)]));
    return substituteVars(s.fields[i]!, map, copyRows ? this.fieldRow : undefined);
  }

  /**
   * A closed row written in a field's type, for one use of the field: a copy with the same effects and bound, so
   * that what one use brings in stays at that use (a check that reuses other files' results must find their rows
   * as they were). Open rows are one row for every use (see `FileResult.shared`).
   */
  private readonly fieldRow = (r: RowVar): RowVar => {
    if (!r.template || !r.upper) return r;
    const copy = new RowVar();
    for (const d of r.direct) this.graph.addAtom(copy, d.atom, d.origin);
    this.graph.setUpper(copy, r.upper.allowed, r.upper.owner);
    return copy;
  };

  private structByKey(key: string | undefined): StructEntry | undefined {
    if (typeof key !== 'string') return undefined;
    const hash = key.lastIndexOf('#');
    if (hash < 0) return undefined;
    const env = this.files.get(key.slice(0, hash));
    const e = env?.items.get(key.slice(hash + 1));
    return e?.kind === 'struct' ? e : undefined;
  }

  /** `x.f` where x's type is not known yet: the one struct with such a field, or wait until it is known. */
  private fieldOfUnknown(t: Type, prop: string, span: A.Span, ctx: Ctx): Type {
    const result = tvar(ctx.level);
    // Only the structs this file can name: its own and those of the modules it imports.
    const owners = (this.structsByField.get(prop) ?? []).filter(o => {
      const name = o.decl.name.name;
      return ctx.env.items.get(name) === o || ctx.env.imported.get(name) === o;
    });
    if (owners.length === 1) {
      const s = owners[0]!;
      const { args } = this.structInstance(s, ctx.level);
      this.expectType(ctx.env, t, tcon(s.decl.name.name, args, s.key), span);
      const field = this.fieldType(prune(t) as TCon, prop, true, { path: ctx.env.path, span });
      if (field) this.expectType(ctx.env, field, result, span);
      return result;
    }
    this.deferred.push(force => {
      const p = prune(t);
      if (p.k === 'con') {
        const field = this.fieldType(p, prop, true, { path: ctx.env.path, span });
        if (field) this.expectType(ctx.env, field, result, span);
        else this.error(ctx.env.path, 'E0303', span, `\`${this.show(p)}\` has no field \`${prop}\``);
        return true;
      }
      if (!force) return false;
      this.error(ctx.env.path, 'E0306', span, owners.length === 0
        ? `no struct has a field \`${prop}\``
        : `cannot tell which struct's field \`${prop}\` this is (${owners.map(o => o.decl.name.name).join(', ')} have one): annotate the value's type`);
      return true;
    });
    return result;
  }

  private index(e: A.IndexExpr, ctx: Ctx): Type {
    const t = this.inferExpr(e.object, ctx);
    this.checkExpr(e.index, INT, ctx);
    const p = prune(t);
    if (p.k === 'con' && p.key === 'String') return STRING;
    const elem = tvar(ctx.level);
    this.expectType(ctx.env, t, tcon('List', [elem]), e.object.span);
    return elem;
  }

  // ---------------------------------------------------------------- operators

  private binary(e: A.BinaryExpr, ctx: Ctx): Type {
    switch (e.op) {
      case 'and':
      case 'or':
        this.checkExpr(e.left, BOOL, ctx);
        this.checkExpr(e.right, BOOL, ctx);
        return BOOL;
      case '==':
      case '!=': {
        const l = this.inferExpr(e.left, ctx);
        const r = this.inferExpr(e.right, ctx);
        if (!(isNum(l) && isNum(r))) this.expectType(ctx.env, r, l, e.right.span);
        return BOOL;
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const l = this.inferExpr(e.left, ctx);
        const r = this.inferExpr(e.right, ctx);
        if (!(isNum(l) && isNum(r))) this.expectType(ctx.env, r, l, e.right.span);
        const p = prune(l);
        if (p.k === 'fun' || (p.k === 'con' && !['Int', 'Float', 'String', 'Duration', 'Bool'].includes(p.key))) {
          this.error(ctx.env.path, 'E0310', e.span, `\`${e.op}\` cannot compare values of type \`${this.show(p)}\``);
        }
        return BOOL;
      }
      case '..':
        this.checkExpr(e.left, INT, ctx);
        this.checkExpr(e.right, INT, ctx);
        return tcon('List', [INT]);
      default: {
        const l = this.inferExpr(e.left, ctx);
        const r = this.inferExpr(e.right, ctx);
        return this.arith(e.op, l, r, e.span, ctx);
      }
    }
  }

  /** `+ - * / %`: numbers (an Int widens to a Float), durations, and `+` joining a String with any value. */
  private arith(op: A.BinaryOp, l: Type, r: Type, span: A.Span, ctx: Ctx): Type {
    const result = tvar(ctx.level);
    const attempt = (force: boolean): boolean => {
      const a = prune(l);
      const b = prune(r);
      const key = (t: Type) => (t.k === 'con' ? t.key : t.k === 'fun' ? 'function' : undefined);
      const ka = key(a);
      const kb = key(b);
      if (op === '+' && (ka === 'String' || kb === 'String')) return this.settle(result, STRING, span, ctx);
      if (ka === undefined || kb === undefined) {
        if (!force) {
          // One side known and numeric: the other is the same.
          if (ka !== undefined && kb === undefined && (NUMERIC.has(ka) || ka === 'Duration') && !(ka === 'Duration' && (op === '*' || op === '/'))) {
            this.expectType(ctx.env, b, a, span);
            return attempt(false);
          }
          if (kb !== undefined && ka === undefined && (NUMERIC.has(kb) || kb === 'Duration') && !(kb === 'Duration' && op === '*')) {
            this.expectType(ctx.env, a, b, span);
            return attempt(false);
          }
          return false;
        }
        // Nothing says otherwise: both sides and the result are one numeric type, Int by default.
        this.expectType(ctx.env, b, a, span);
        if (prune(a).k === 'var') this.expectType(ctx.env, a, INT, span);
        return attempt(false);
      }
      const t = arithResult(op, ka, kb);
      if (!t) {
        this.error(ctx.env.path, 'E0310', span, `\`${op}\` is not defined for \`${this.show(a)}\` and \`${this.show(b)}\``);
        return true;
      }
      return this.settle(result, t, span, ctx);
    };
    if (!attempt(false)) this.deferred.push(attempt);
    return result;
  }

  private settle(v: Type, t: Type, span: A.Span, ctx: Ctx): boolean {
    this.expectType(ctx.env, t, v, span);
    return true;
  }

  private deferNumeric(t: Type, span: A.Span, ctx: Ctx): void {
    const attempt = (force: boolean): boolean => {
      const p = prune(t);
      if (p.k === 'con') {
        if (!NUMERIC.has(p.key) && p.key !== 'Duration') this.error(ctx.env.path, 'E0310', span, `a number is needed here, not \`${this.show(p)}\``);
        return true;
      }
      if (p.k === 'fun') {
        this.error(ctx.env.path, 'E0310', span, 'a number is needed here, not a function');
        return true;
      }
      if (!force) return false;
      this.expectType(ctx.env, p, INT, span);
      return true;
    };
    if (!attempt(false)) this.deferred.push(attempt);
  }

  private deferSized(t: Type, span: A.Span, ctx: Ctx): void {
    const attempt = (force: boolean): boolean => {
      const p = prune(t);
      if (p.k === 'con') {
        if (p.key !== 'String' && p.key !== 'List') this.error(ctx.env.path, 'E0310', span, `\`len\` takes a List or a String, not \`${this.show(p)}\``);
        return true;
      }
      if (p.k === 'fun') {
        this.error(ctx.env.path, 'E0310', span, '`len` takes a List or a String, not a function');
        return true;
      }
      if (!force) return false;
      this.expectType(ctx.env, p, tcon('List', [tvar(ctx.level)]), span);
      return true;
    };
    if (!attempt(false)) this.deferred.push(attempt);
  }

  private settleDeferred(): void {
    for (let round = 0; round < 20 && this.deferred.length > 0; round++) {
      const before = this.deferred.length;
      this.deferred = this.deferred.filter(d => !d(false));
      if (this.deferred.length === before) {
        const first = this.deferred.shift()!;
        first(true);
      }
    }
    for (const d of this.deferred) d(true);
    this.deferred = [];
  }

  // ---------------------------------------------------------------- lambdas

  private lambda(e: A.LambdaExpr, ctx: Ctx, expected: TFun | undefined): Type {
    const params = e.params.map((p, i) => {
      const want = expected?.params[i];
      if (p.type) {
        const t = this.typeOf(ctx.env, p.type, new Map(), ctx.level, 'param');
        if (want) this.expectType(ctx.env, want, t, p.span);
        return t;
      }
      return want ?? tvar(ctx.level);
    });
    const row = new RowVar();
    const ret = expected && expected.params.length === e.params.length ? expected.ret : tvar(ctx.level);
    const vars = new Map<string, Type>();
    e.params.forEach((p, i) => {
      vars.set(p.name.name, params[i]!);
      this.record(ctx.env.path, p.name.span, params[i]!, 'binding');
    });
    const inner: Ctx = { env: ctx.env, level: ctx.level, row, scope: { vars, parent: ctx.scope }, ret, fnName: ctx.fnName, depth: ctx.depth + 1 };
    this.declareLocals(ctx.env, inner.scope, e.body.stmts, e.params.map(p => p.name.name));
    this.checkBlock(e.body, inner, ret);
    const t = tfun(params, row, ret);
    this.record(ctx.env.path, e.span, t, 'lambda');
    if (expected && expected.params.length === e.params.length) {
      const failure = flowType(this.graph, t, expected, this.origin(ctx.env.path, e.span, 'this lambda'));
      if (failure) this.mismatch(ctx.env, failure, t, expected, e.span);
    } else if (expected) {
      this.error(ctx.env.path, 'E0301', e.span, `expected a function of ${expected.params.length} parameter${expected.params.length === 1 ? '' : 's'}, found a lambda of ${e.params.length}`);
    }
    return t;
  }

  // ---------------------------------------------------------------- match

  private match(e: A.MatchExpr, ctx: Ctx, expected: Type): void {
    const scrutinee = this.inferExpr(e.value, ctx);
    for (const arm of e.arms) {
      this.pattern(arm.pattern, scrutinee, ctx);
      if (arm.guard) this.checkExpr(arm.guard, BOOL, ctx);
      this.checkBlock(arm.body, ctx, expected);
    }
  }

  private pattern(p: A.Pattern, t: Type, ctx: Ctx): void {
    const stack: [A.Pattern, Type][] = [[p, t]];
    let steps = 0;
    while (stack.length > 0 && ++steps < 100_000) {
      const [pat, type] = stack.pop()!;
      switch (pat.kind) {
        case 'WildcardPat':
          break;
        case 'BindPat': {
          const v = this.nullaryVariant(ctx.env, pat.name);
          if (v) {
            this.noteVariant(ctx.env.path, pat.span, v);
            const { type: vt } = this.variantInstance(v, ctx.level);
            this.expectType(ctx.env, vt, type, pat.span, 'pattern');
            break;
          }
          const local = this.lookupVar(ctx, pat.name);
          if (local) this.expectType(ctx.env, type, local, pat.span);
          this.record(ctx.env.path, pat.span, type, 'binding');
          break;
        }
        case 'LiteralPat': {
          const lt = typeof pat.value === 'string' ? STRING : typeof pat.value === 'boolean' ? BOOL : Number.isInteger(pat.value) ? INT : FLOAT;
          this.expectType(ctx.env, lt, type, pat.span, 'pattern');
          break;
        }
        case 'ListPat': {
          const elem = tvar(ctx.level);
          this.expectType(ctx.env, tcon('List', [elem]), type, pat.span, 'pattern');
          for (const x of pat.elements) stack.push([x, elem]);
          break;
        }
        case 'CtorPat': {
          const name = pat.name.name;
          const item = ctx.env.items.get(name) ?? ctx.env.imported.get(name) ?? this.builtinVariants.get(name);
          let fields: readonly Type[] = [];
          if (item?.kind === 'variant') {
            this.noteVariant(ctx.env.path, pat.name.span, item);
            const inst = this.variantInstance(item, ctx.level);
            this.expectType(ctx.env, inst.type, type, pat.span, 'pattern');
            fields = inst.fields;
          } else if (item?.kind === 'struct') {
            const { args, fields: fs } = this.structInstance(item, ctx.level);
            this.expectType(ctx.env, tcon(item.decl.name.name, args, item.key), type, pat.span, 'pattern');
            fields = fs;
          } else {
            for (const x of pat.args) stack.push([x, tvar(ctx.level)]);
            break;
          }
          pat.args.forEach((x, i) => stack.push([x, fields[i] ?? tvar(ctx.level)]));
          break;
        }
      }
    }
  }

  private nullaryVariant(env: FileEnv, name: string): VariantEntry | undefined {
    if (!/^[A-Z]/.test(name)) return undefined;
    const item = env.items.get(name) ?? env.imported.get(name) ?? this.builtinVariants.get(name);
    return item?.kind === 'variant' && item.fieldNames.length === 0 ? item : undefined;
  }

  // ---------------------------------------------------------------- with

  private withExpr(e: A.WithExpr, ctx: Ctx, expected: Type): Type {
    const h = e.handler;
    const ht = prune(this.inferExpr(h, ctx));
    const at = this.siteOrigin(ctx, h.span, `with ${handlerLabel(h)}`);
    const inner = new RowVar();
    inner.transparent = true;
    const vars = new Map<string, Type>();
    let isTimeout = false;
    if (ht.k === 'con' && ht.key === 'ScopeHandler') {
      if (e.binder) {
        const scope = this.lookupVar(ctx, e.binder.name);
        if (scope) this.expectType(ctx.env, tcon('Scope'), scope, e.binder.span);
        this.record(ctx.env.path, e.binder.span, tcon('Scope'), 'binding');
      }
      this.graph.addEdge(inner, ctx.row, at);
    } else if (ht.k === 'con' && ht.key === 'Handler') {
      const effect = prune(ht.args[0]!);
      const ops = prune(ht.args[1]!);
      const effectKey = effect.k === 'con' ? effect.key.replace(/^effect:/, '') : '';
      const discharged = new Set([effectKey]);
      if (effectKey === 'Async') discharged.add('Runtime');
      this.graph.addEdge(inner, ctx.row, at, discharged);
      if (effectKey !== '') this.withBlocks.push({ path: ctx.env.path, row: inner, fn: ctx.fnName, span: h.span, label: handlerLabel(h), discharged });
      if (ops.k === 'fun') this.graph.addEdge(ops.row, ctx.row, at);
      isTimeout = h.kind === 'Call' && h.callee.kind === 'Member' && h.callee.object.kind === 'Name' && h.callee.object.name === 'Cancel' && h.callee.property.name === 'timeout';
    } else if (ht.k === 'var' && !ht.rigid) {
      this.error(ctx.env.path, 'E0306', h.span, 'cannot tell which handler this is: annotate its type');
      this.graph.addEdge(inner, ctx.row, at);
    } else {
      this.error(ctx.env.path, 'E0210', h.span, `\`with\` needs a handler, not a value of type \`${this.show(ht)}\``);
      this.graph.addEdge(inner, ctx.row, at);
    }
    this.recordRow(ctx.env.path, h.span, 'with', inner);
    const body: Ctx = { ...ctx, row: inner, scope: { vars, parent: ctx.scope } };
    if (isTimeout) {
      // `with Cancel.timeout(d) ... end` is `Some(v)` when the block finished, `None()` when its deadline cut it short.
      const value = tvar(ctx.level);
      const e2 = prune(expected);
      if (e2.k === 'con' && e2.key === 'Unit') {
        this.checkBlock(e.body, body, UNIT);
        return UNIT;
      }
      this.checkBlock(e.body, body, value);
      const t = tcon('Option', [value], 'Option');
      this.expectType(ctx.env, t, expected, e.span);
      return t;
    }
    this.checkBlock(e.body, body, expected);
    return expected;
  }

  // ---------------------------------------------------------------- effects

  private perform(ctx: Ctx, effect: string, span: A.Span, label: string): void {
    this.graph.addAtom(ctx.row, effect, this.siteOrigin(ctx, span, label));
  }

  // ---------------------------------------------------------------- bookkeeping

  private origin(path: string, span: A.Span, label: string): Origin {
    return { path, span, label };
  }

  /** A place in the function (or top level) being checked. */
  private siteOrigin(ctx: Ctx, span: A.Span, label: string): Origin {
    return { path: ctx.env.path, span, label, fn: ctx.fnName };
  }

  private record(path: string, span: A.Span, type: Type, kind: TypedSpan['kind']): void {
    if (this.unrecorded.has(path)) return;
    this.pushTo(this.spans, path, { span: copySpan(span), type, kind });
  }

  /**
   * A row the queries read: what a function's (or handler operation's) body performs, at its name (`body`), or what
   * a `with`'s block performs, at its handler (`with`).
   */
  private recordRow(path: string, span: A.Span, kind: 'body' | 'with', row: RowVar): void {
    if (this.unrecorded.has(path)) return;
    this.pushTo(this.spans, path, { span: copySpan(span), type: UNIT, kind, rows: [{ name: kind, row }] });
  }

  /** A body's row: recorded for the queries, and a context code runs in for W0202 (the top level always async). */
  private bodyRow(path: string, span: A.Span, row: RowVar, fn: string): void {
    this.recordRow(path, span, 'body', row);
    this.contexts.push({ path, row, fn, async: fn === '(top level)' });
  }

  /** A use of a struct's field (an access, or a named argument of its constructor): for renaming the field. */
  private noteField(path: string, span: A.Span, s: StructEntry, field: string): void {
    if (this.source.diagnosticsOnly) return;
    this.pushTo(this.fields, path, { kind: 'field', span: copySpan(span), struct: s.key, field });
  }

  /** A use of an enum's constructor (a call, a value, a pattern): for renaming it. */
  private noteVariant(path: string, span: A.Span, v: VariantEntry): void {
    if (this.source.diagnosticsOnly) return;
    if (v.path !== '<builtins>') this.pushTo(this.fields, path, { kind: 'variant', span: copySpan(span), struct: v.enumKey, field: v.name });
  }

  private hint(path: string, h: TypeHint): void {
    if (this.unrecorded.has(path)) return;
    this.pushTo(this.hints, path, h);
  }

  /** Fields of a struct type, `await` of a task, and the functions whose first parameter the type fits. */
  private membersOf(path: string, t0: Type): Member[] {
    const t = prune(t0);
    const out: Member[] = [];
    const printer = new TypePrinter(k => this.effectName(k));
    if (t.k === 'con') {
      const s = this.structByKey(t.key);
      if (s) for (const f of s.decl.fields) out.push({ name: f.name.name, kind: 'field', type: printer.type(this.fieldType(t, f.name.name, false) ?? tvar(0)) });
      if (t.key === 'Task') out.push({ name: 'await', kind: 'await', type: printer.type(t.args[0] ?? tvar(0)) });
    }
    const fits = (p: Type): boolean => {
      const q = prune(p);
      if (q.k === 'var') return true;
      if (t.k === 'var') return true;
      if (q.k === 'fun' || t.k === 'fun') return q.k === t.k;
      return t.k === 'con' && q.key === t.key;
    };
    const env = this.files.get(path);
    const seen = new Set(out.map(m => m.name));
    const consider = (name: string, scheme: Scheme | undefined) => {
      if (!scheme || seen.has(name)) return;
      const f = prune(scheme.type);
      if (f.k !== 'fun' || f.params.length === 0 || !fits(f.params[0]!)) return;
      seen.add(name);
      out.push({ name, kind: 'function', type: showScheme(scheme, k => this.effectName(k)) });
    };
    if (env) {
      for (const [name, e] of [...env.items, ...env.imported]) if (e.kind === 'fn') consider(name, e.scheme);
    }
    for (const [name, b] of this.builtinSchemes) consider(name, b.scheme);
    return out;
  }

  private recordRows(path: string, span: A.Span, scheme: Scheme, rows: ReadonlyMap<RowVar, RowVar>): void {
    if (this.unrecorded.has(path)) return;
    const named = scheme.rows.filter(r => r.rigid !== undefined);
    if (named.length === 0) return;
    let list = this.spans.get(path);
    if (!list) this.spans.set(path, (list = []));
    list.push({ span: copySpan(span), type: UNIT, kind: 'use', rows: named.map(r => ({ name: r.rigid!, row: rows.get(r)! })) });
  }

  private expectType(env: FileEnv, actual: Type, expected: Type, span: A.Span, what: 'value' | 'pattern' = 'value', label = 'a value'): void {
    const failure = flowType(this.graph, actual, expected, this.origin(env.path, span, label));
    if (failure) this.mismatch(env, failure, actual, expected, span, what);
  }

  private mismatch(env: FileEnv, f: UnifyFailure, actual: Type, expected: Type, span: A.Span, what: 'value' | 'pattern' = 'value'): void {
    const p = new TypePrinter(k => this.effectName(k));
    if (f.kind === 'occurs') {
      this.error(env.path, 'E0307', span, `this value would need an infinite type (\`${p.type(f.variable)}\` inside \`${p.type(f.type)}\`)`);
      return;
    }
    if (f.kind === 'arity') {
      this.error(env.path, 'E0301', span, `expected a function of ${f.expected} parameter${f.expected === 1 ? '' : 's'}, found one of ${f.actual}`);
      return;
    }
    const exp = p.type(expected);
    const act = p.type(actual);
    const inner = p.type(f.expected) !== exp || p.type(f.actual) !== act ? ` (\`${p.type(f.expected)}\` and \`${p.type(f.actual)}\` differ)` : '';
    this.error(env.path, 'E0301', span, what === 'pattern' ? `this pattern matches \`${act}\`, but the value is \`${exp}\`${inner}` : `expected \`${exp}\`, found \`${act}\`${inner}`);
  }

  private error(path: string, code: Diagnostic['code'], span: A.Span, message: string, related: readonly RelatedInformation[] = []): void {
    if (this.settling) return;
    let list = this.diagnostics.get(path);
    if (!list) this.diagnostics.set(path, (list = []));
    if (this.diagnosticsAt(list, span.start).some(d => d.code === code && d.span.end === span.end)) return;
    list.push(diagnostic(code, path, span, message, related));
  }

  /**
   * The diagnostics of a list that start at an offset, for the checks that one is not there yet (linear in the
   * list, not quadratic, however many a file has). Lists only grow (a sort reorders what is indexed already).
   */
  private diagnosticsAt(list: readonly Diagnostic[], start: number): readonly Diagnostic[] {
    let index = this.diagnosticIndex.get(list);
    if (!index || index.count > list.length) this.diagnosticIndex.set(list, (index = { count: 0, byStart: new Map() }));
    for (; index.count < list.length; index.count++) {
      const d = list[index.count]!;
      const at = index.byStart.get(d.span.start);
      if (at) at.push(d);
      else index.byStart.set(d.span.start, [d]);
    }
    return index.byStart.get(start) ?? [];
  }

  private show(t: Type): string {
    return new TypePrinter(k => this.effectName(k)).type(t);
  }

  effectName(key: string): string {
    if (key.startsWith('~')) return 'e';
    return this.effectNames.get(key) ?? key.slice(key.lastIndexOf('#') + 1);
  }

  /** The first declared struct or enum a type mentions (`List[Job]` is `Job`'s). */
  private typeDeclaration(t: Type): { path: string; name: string } | undefined {
    const stack = [t];
    let steps = 0;
    while (stack.length > 0 && ++steps < 1000) {
      const p = prune(stack.shift()!);
      if (p.k === 'fun') {
        stack.push(p.ret, ...p.params);
        continue;
      }
      if (p.k !== 'con') continue;
      const hash = p.key.lastIndexOf('#');
      if (hash >= 0 && !p.key.startsWith('effect:')) return { path: p.key.slice(0, hash), name: p.key.slice(hash + 1) };
      stack.push(...p.args);
    }
    return undefined;
  }

  // ---------------------------------------------------------------- effect diagnostics

  /** Every row that holds more than its bound allows: a diagnostic at each site that brought the effect in. */
  private report(): void {
    const seen = new Set<string>();
    for (const { row, atom } of this.graph.violations) {
      const key = `${row.id}:${atom}`;
      if (seen.has(key) || !row.upper) continue;
      seen.add(key);
      const owner = row.upper.owner;
      const effect = atom.startsWith('~') ? this.rigidName(atom) : this.effectName(atom);
      const sites = sitesOf(row, atom);
      if (sites.length === 0) {
        const why = explain(row, atom);
        sites.push({ origin: why[0] ?? ownerOrigin(owner) });
      }
      for (const site of sites) {
        // The chain: this site, then each step the effect took to it (calls, into their bodies, down to the site).
        const steps = chainSteps(site);
        const chain = chainOf(steps);
        const related = chainRelated(steps, effect);
        let message: string;
        let code: Diagnostic['code'];
        let fnName: string;
        if (owner.kind === 'top-level') {
          code = 'E0203';
          fnName = '(top level)';
          const fix = effect === 'Cancel' ? ' (wrap it in `with Cancel.timeout(d) ... end`)' : ` (wrap it in \`with\` a handler for \`${effect}\`)`;
          message = `\`${effect}\` is not handled: the top level -> ${chain} performs it at the top level, which provides only Async and IO${fix}`;
        } else if (owner.kind === 'function') {
          code = 'E0202';
          fnName = owner.name;
          const declared = this.rowText(row.upper.allowed);
          message = `\`${owner.name}\` performs \`${effect}\` (${owner.name} -> ${chain}), but its row ${declared} does not include it`;
          related.push({ path: owner.origin.path, span: owner.origin.span, message: `the row of \`${owner.name}\`` });
        } else if (owner.kind === 'handler-op') {
          code = 'E0202';
          fnName = owner.name;
          message = `operation \`${owner.name}\` performs \`${effect}\` (${chain}), but its declared row ${this.rowText(row.upper.allowed)} does not include it`;
        } else {
          code = 'E0202';
          fnName = '';
          message = `this function value performs \`${effect}\` (${chain}), but ${owner.origin.label} allows only ${this.rowText(row.upper.allowed)}`;
          related.push({ path: owner.origin.path, span: owner.origin.span, message: `${owner.origin.label} allows only ${this.rowText(row.upper.allowed)}` });
        }
        const list = this.diagnostics.get(site.origin.path) ?? [];
        this.diagnostics.set(site.origin.path, list);
        if (this.diagnosticsAt(list, site.origin.span.start).some(d => d.code === code && d.span.end === site.origin.span.end && d.effect === effect)) continue;
        list.push(diagnostic(code, site.origin.path, site.origin.span, message, related, { effect, function: fnName }));
      }
    }
    for (const d of this.declaredRows) {
      if (this.unresolved.has(`${d.path}#${d.fn}`)) continue;
      for (const e of d.row.effects) {
        const key = this.effectKey(d.env, e.name);
        if (!key || d.body.atoms.has(key)) continue;
        const list = this.diagnostics.get(d.path) ?? [];
        this.diagnostics.set(d.path, list);
        list.push(diagnostic('W0201', d.path, e.span, `\`${d.fn}\` declares \`${e.name}\` but never performs it; remove it from the row`, [], { effect: e.name, function: d.fn }));
      }
    }
    this.blockingCalls();
    this.idleHandlers();
    for (const list of this.diagnostics.values()) list.sort(compareDiagnostics);
  }

  /**
   * W0202: a `Blocking` call made directly where the code runs on an async worker: in a body whose row holds or
   * allows `Async`, at the top level, or in the block of a runtime handler (`with Async.default`). "Directly": the
   * place itself blocks (an operation, a built-in), or calls a function value or a function whose row has `Blocking`
   * but not `Async` (an async callee is warned about inside itself). Not where E0202 already reports `Blocking`.
   */
  private blockingCalls(): void {
    const contexts = [
      ...this.contexts.filter(c => c.async || c.row.atoms.has('Async') || !!c.row.upper?.allowed.has('Async')),
      ...this.withBlocks.filter(w => w.discharged.has('Async')).map(w => ({ path: w.path, row: w.row, fn: w.fn })),
    ];
    const warned = new Set<string>();
    for (const context of contexts) {
      if (!context.row.atoms.has('Blocking')) continue;
      for (const site of blockingSites(context.row)) {
        const o = site.origin;
        const key = `${o.path}:${o.span.start}:${o.span.end}`;
        if (warned.has(key)) continue;
        warned.add(key);
        const list = this.diagnostics.get(o.path) ?? [];
        this.diagnostics.set(o.path, list);
        if (list.some(d => (d.code === 'E0202' || d.code === 'E0203') && d.effect === 'Blocking' && d.span.start === o.span.start && d.span.end === o.span.end)) continue;
        const steps = chainSteps(site);
        const related = chainRelated(steps, 'Blocking');
        const who = context.fn === '(top level)' ? 'the top level' : context.fn;
        list.push(diagnostic('W0202', o.path, o.span,
          `blocking call in an async context: ${who} -> ${chainOf(steps)} blocks a worker thread of ${context.fn === '(top level)' ? 'the top level' : `\`${context.fn}\``}; run it with \`spawn_blocking(|| ...)\``,
          related, { effect: 'Blocking', function: context.fn }));
      }
    }
  }

  /** W0204: a `with` whose handler discharges effects that nothing in its block performs. */
  private idleHandlers(): void {
    for (const w of this.withBlocks) {
      if (this.unresolved.has(`${w.path}#${w.fn}`)) continue;
      let used = false;
      // A suspension is a cancellation point: a `Cancel.timeout` block that only sleeps or awaits is served.
      for (const atom of w.row.atoms.keys()) if (w.discharged.has(atom) || (atom === 'Async' && w.discharged.has('Cancel'))) used = true;
      if (used) continue;
      const shown = [...w.discharged].filter(k => k !== 'Runtime').map(k => `\`${this.effectName(k)}\``);
      const list = this.diagnostics.get(w.path) ?? [];
      this.diagnostics.set(w.path, list);
      list.push(diagnostic('W0204', w.path, w.span, `\`with ${w.label}\` discharges ${shown.join(', ')}, but nothing in its block performs ${shown.length === 1 ? 'it' : 'them'}`));
    }
  }

  private rowText(atoms: ReadonlySet<string>): string {
    return `{${[...atoms].map(a => (a.startsWith('~') ? this.rigidName(a) : this.effectName(a))).sort().join(', ')}}`;
  }

  private rigidName(atom: string): string {
    void atom;
    return 'a row variable';
  }
}

// ---------------------------------------------------------------- helpers

/** Types over some variables as text, as `schemeKey` writes them. */
function typesKey(vars: readonly import('./types.js').TVar[], types: readonly Type[]): string {
  // A scheme made for the key alone: not memoised (see `schemeKey`).
  return makeSchemeKey({ vars, rows: [], type: tcon('', types), constraints: [], body: { row: undefined } });
}

/** The identifiers of a text (`[A-Za-z_][A-Za-z0-9_]*`), each once, in the order they first appear. */
function identifiers(text: string): string[] {
  const seen = new Set<string>();
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // A letter or `_` starts one; a digit outside one is skipped (`1.seconds` mentions `seconds`).
    if ((c | 32) >= 97 && (c | 32) <= 122 || c === 95) {
      const start = i++;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (!((d | 32) >= 97 && (d | 32) <= 122 || d === 95 || (d >= 48 && d <= 57))) break;
      }
      seen.add(text.slice(start, i));
    } else i++;
  }
  return [...seen];
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A 53-bit digest of a text, in hex (two multiplicative hashes mixed, as cyrb53 does): interfaces compare by it. */
function digest(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
}

/** Marks the closed rows written in fields' types (bounded, nothing flowing in) as copied per use. */
function markTemplates(fields: readonly Type[]): void {
  for (const f of fields) for (const r of rowsOf(f)) if (r.upper && r.in.length === 0 && r.rigid === undefined) r.template = true;
}

/** A scheme as text, its variables and rows numbered in order of appearance: equal text, equal scheme. */
function schemeKey(s: Scheme): string {
  let key = schemeKeys.get(s);
  if (key === undefined) schemeKeys.set(s, (key = makeSchemeKey(s)));
  return key;
}

const schemeKeys = new WeakMap<Scheme, string>();

function makeSchemeKey(s: Scheme): string {
  const vars = new Map<unknown, number>();
  const rigid = new Map(s.rows.filter(r => r.rigid !== undefined).map(r => [r.atom, r]));
  const num = (x: unknown): number => {
    let n = vars.get(x);
    if (n === undefined) vars.set(x, (n = vars.size));
    return n;
  };
  const row = (r: RowVar): string => `r${num(r)}`;
  const atom = (a: string): string => {
    const r = rigid.get(a);
    return r ? row(r) : a.startsWith('~') ? '~' : a;
  };
  const out: string[] = [];
  const stack: (Type | string)[] = [s.type];
  for (let steps = 0; stack.length > 0 && steps < 100_000; steps++) {
    const x = stack.pop()!;
    if (typeof x === 'string') {
      out.push(x);
      continue;
    }
    const t = prune(x);
    if (t.k === 'var') out.push(`${s.vars.includes(t) ? 'q' : 'v'}${num(t)}`);
    else if (t.k === 'con') {
      out.push(`${t.key}[`);
      stack.push(']');
      for (let i = t.args.length - 1; i >= 0; i--) stack.push(t.args[i]!, ',');
    } else {
      out.push(`(${row(t.row)}`);
      stack.push(')', t.ret, '->');
      for (let i = t.params.length - 1; i >= 0; i--) stack.push(t.params[i]!, ',');
    }
  }
  for (const r of s.rows) row(r);
  // Rows that are not quantified (closed rows written in fields and operations): what they hold and allow.
  for (const [x, n] of [...vars]) {
    if (!(x instanceof RowVar) || s.rows.includes(x)) continue;
    out.push(` r${n}{${[...x.atoms.keys()].map(atom).sort().join(',')}}${x.upper ? `<{${[...x.upper.allowed].map(atom).sort().join(',')}}` : ''}`);
  }
  const constraints = s.constraints.map(c => {
    if (c.k === 'atom') return `${row(c.row)}+${atom(c.atom)}`;
    if (c.k === 'edge') return `${row(c.from)}>${row(c.to)}/${[...(c.filter ?? [])].map(atom).sort().join(',')}`;
    const owner = c.owner.kind === 'top-level' ? c.owner.path : c.owner.kind === 'annotation' ? c.owner.origin.label : c.owner.name;
    return `${row(c.row)}<${[...c.allowed].map(atom).sort().join(',')}:${c.owner.kind}:${owner}`;
  });
  return `${out.join('')} | ${[...new Set(constraints)].sort().join(' ')}`;
}

/** A written row as the source spells it, in braces. */
function rowSource(row: A.EffectRow): string {
  const names = [...row.effects.map(e => e.name), ...row.variables.map(v => v.name)];
  return `{${names.join(', ')}${row.tail ? ` | ${row.tail.name}` : ''}}`;
}

/** `fetch_a -> Cancel.check()`: the labels of a chain's steps, repeats dropped. */
/**
 * The places that bring `Blocking` into a row directly: operations and built-in calls that put it there, and calls
 * whose callee's row has it without `Async` (looking through the rows of blocks, as `sitesOf` does).
 */
function blockingSites(row: RowVar): { readonly origin: Origin; readonly via?: readonly Origin[] }[] {
  return sitesOf(row, 'Blocking', from => !from.atoms.has('Async'));
}

/** One note per step after the first of an effect's chain: where the effect comes through, in which function. */
function chainRelated(steps: readonly Origin[], effect: string): RelatedInformation[] {
  return steps.slice(1).map(o => ({ path: o.path, span: o.span, message: `\`${effect}\` comes through \`${o.label}\`${o.fn ? ` in \`${o.fn}\`` : ''}` }));
}

function chainOf(steps: readonly Origin[]): string {
  const labels = steps.map(o => o.label).filter(l => l !== '');
  return labels.filter((l, i) => i === 0 || l !== labels[i - 1]).join(' -> ');
}


interface ParamName {
  readonly name: string;
  readonly optional: boolean;
}

function paramNames(params: readonly A.Param[]): ParamName[] {
  return params.map(p => ({ name: p.name.name, optional: p.default !== undefined }));
}

function fieldParamName(i: number): string {
  return `F${i}`;
}

function ownerOrigin(owner: UpperOwner): Origin {
  return owner.kind === 'top-level' ? { path: owner.path, span: { start: 0, end: 0 }, label: 'the top level' } : owner.origin;
}

function handlerLabel(h: A.Expr): string {
  if (h.kind === 'Name') return h.name;
  if (h.kind === 'Member' && h.object.kind === 'Name') return `${h.object.name}.${h.property.name}`;
  if (h.kind === 'Call') return handlerLabel(h.callee);
  return 'handler';
}

function isNum(t: Type): boolean {
  const p = prune(t);
  return p.k === 'con' && NUMERIC.has(p.key);
}

function arithResult(op: A.BinaryOp, a: string, b: string): Type | undefined {
  if (NUMERIC.has(a) && NUMERIC.has(b)) return a === 'Float' || b === 'Float' ? FLOAT : INT;
  if (a === 'Duration' && b === 'Duration') {
    if (op === '+' || op === '-' || op === '%') return DURATION;
    if (op === '/') return INT;
    return undefined;
  }
  if (a === 'Duration' && NUMERIC.has(b) && (op === '*' || op === '/')) return DURATION;
  if (NUMERIC.has(a) && b === 'Duration' && op === '*') return DURATION;
  return undefined;
}

/** A signature says everything: every parameter typed, a row written, no type left to infer. */
function isComplete(fn: A.FnDecl): boolean {
  if (!fn.effects) return false;
  const full = (t: A.TypeExpr | undefined): boolean => {
    if (!t) return false;
    if (t.kind === 'TypeName') return !['List', 'Channel', 'Task', 'Result', 'Option'].includes(t.name);
    if (t.kind === 'TypeApp') return t.args.every(full);
    return t.params.every(full) && full(t.result) && t.effects !== undefined;
  };
  return fn.params.every(p => full(p.type)) && (fn.returnType === undefined || full(fn.returnType));
}

function substituteVars(t: Type, map: ReadonlyMap<import('./types.js').TVar, Type>, row?: (r: RowVar) => RowVar): Type {
  const x = prune(t);
  if (x.k === 'var') return map.get(x) ?? x;
  if (x.k === 'con') return x.args.length === 0 ? x : tcon(x.name, x.args.map(a => substituteVars(a, map, row)), x.key);
  return tfun(x.params.map(p => substituteVars(p, map, row)), row ? row(x.row) : x.row, substituteVars(x.ret, map, row));
}

/** Whether a `break` leaves this loop body (not one of its inner loops, nor a lambda's). */
function breaks(body: A.Block): boolean {
  const stack: A.Stmt[] = [...body.stmts];
  const exprs: A.Expr[] = [];
  let steps = 0;
  while ((stack.length > 0 || exprs.length > 0) && ++steps < 1_000_000) {
    const e = exprs.pop();
    if (e) {
      if (e.kind === 'If') {
        for (const b of e.branches) stack.push(...b.body.stmts);
        if (e.otherwise) stack.push(...e.otherwise.stmts);
      } else if (e.kind === 'Match') for (const arm of e.arms) stack.push(...arm.body.stmts);
      else if (e.kind === 'With') stack.push(...e.body.stmts);
      continue;
    }
    const s = stack.pop()!;
    if (s.kind === 'Break') return true;
    if (s.kind === 'ExprStmt') exprs.push(s.expr);
    else if (s.kind === 'Assign') exprs.push(s.value);
  }
  return false;
}

/**
 * What makes the chunks of a file's records from its items, sorted once, when a query first reads them. Made out of
 * the checker: a closure made in it would keep the checker, and the texts it checked, as long as the file's result.
 */
function lazyChunks(items: ReadonlyMap<string, ItemResult> | undefined): <T>(pick: (i: ItemResult) => readonly T[]) => () => Chunk<T>[] {
  let sorted: ItemResult[] | undefined;
  return pick => () => (sorted ??= [...(items?.values() ?? [])].sort((a, b) => a.start - b.start))
    .map(i => ({ base: i.start, at: i.checkedAt, length: i.text.length, records: pick(i) }));
}

/** Names used per declaration: the lowering hands back the same item object for what an edit left alone. */
const namesCache = new WeakMap<A.FnDecl | A.HandlerDecl, Set<string>>();

/** The names a declaration's bodies mention as callees or values (`f`, `m.f`), for the call graph. */
function namesUsed(decl: A.FnDecl | A.HandlerDecl): Set<string> {
  const cached = namesCache.get(decl);
  if (cached) return cached;
  const out = new Set<string>();
  namesCache.set(decl, out);
  const roots: Node[] = [];
  const fnRoots = (fn: A.FnDecl) => {
    for (const p of fn.params) if (p.default) roots.push(p.default);
    roots.push(...fn.body.stmts);
  };
  if (decl.kind === 'Fn') fnRoots(decl);
  else {
    for (const p of decl.params ?? []) if (p.default) roots.push(p.default);
    decl.ops.forEach(fnRoots);
  }
  walk(roots, node => {
    if (node.kind === 'Name') out.add(node.name);
    else if (node.kind === 'Member' && node.object.kind === 'Name' && node.property.name) out.add(`${node.object.name}.${node.property.name}`);
  });
  return out;
}

/** Tarjan's algorithm without recursion; components come out callees first. */
function stronglyConnected(n: number, edges: readonly (readonly number[])[]): number[][] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [v, i] = top;
      const succ = edges[v]!;
      if (i < succ.length) {
        top[1]++;
        const w = succ[i]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const scc: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          scc.push(w);
        } while (w !== v);
        out.push(scc);
      }
    }
  }
  return out;
}

/** A scheme as a signature: `(Int, (Int) -> {e} Unit) -> {e} Unit`. */
export function showScheme(s: Scheme, effectName: (key: string) => string): string {
  return schemePrinter(s, effectName).type(s.type);
}

/** A printer that names a scheme's row variables as its signature shows them. */
function schemePrinter(s: Scheme, effectName: (key: string) => string): TypePrinter {
  // A quantified row is a variable when what it holds flows on to another row (a parameter's row that the body
  // performs); a row is shown with the variables that flow into it.
  const incoming = new Map<RowVar, RowVar[]>();
  const variables = new Set<RowVar>();
  // A written row `{Async | e}` flows on to its variable `e`: it is shown as written, not as a variable of its own.
  const written = new Set(s.constraints.flatMap(c => (c.k === 'edge' && c.to.rigid !== undefined ? [c.from] : [])));
  for (const c of s.constraints) {
    if (c.k !== 'edge' || c.from === c.to) continue;
    if (c.from.rigid === undefined && !written.has(c.from)) variables.add(c.from);
    const list = incoming.get(c.to) ?? [];
    if (!list.includes(c.from)) list.push(c.from);
    incoming.set(c.to, list);
  }
  const printer = new TypePrinter(effectName, variables, incoming);
  for (const r of s.rows) printer.registerRigid(r);
  printer.type(s.type);
  return printer;
}

