// The server's effect facts, answered by the checker's Workspace (analysis/workspace.ts) and reshaped for the features.
import type { FunctionRow as CheckerRow, Workspace } from '../analysis/workspace.js';
import type { Analyzer, FileState } from './analyzer.js';
import type {
  CheckedDiagnostic, DischargedSite, EffectOrigin, FieldReferences, FunctionRow, HandlerSite, NamedRow, Semantics, TypeHint, TypeInfo, TypeMember,
} from './semantics.js';

/** `fetch` performs `IO` ... / `f` declares `IO` but ... / `Cancel` is not handled ... */
const ROW_MESSAGE = /^`([^`]+)` (?:performs|declares) `([^`]+)`/;
const UNHANDLED_MESSAGE = /^`([^`]+)` is not handled/;

export class CheckerSemantics implements Semantics {
  private readonly rowCache = new Map<string, { revision: number; rows: readonly CheckerRow[] }>();

  private readonly hintCache = new Map<string, { revision: number; hints: readonly TypeHint[] }>();

  constructor(private readonly analyzer: Analyzer) {}

  private get ws(): Workspace | undefined {
    return this.analyzer.checker;
  }

  typeAt(file: FileState, offset: number): TypeInfo | undefined {
    return this.ws?.typeAt(file.path, offset);
  }

  typeHints(file: FileState, range?: { readonly start: number; readonly end: number }): readonly TypeHint[] {
    const ws = this.ws;
    if (!ws) return [];
    // The editor asks for what is on screen after every edit: only that is rendered.
    if (range) return ws.typeHints(file.path, undefined, range);
    const cached = this.hintCache.get(file.path);
    if (cached && cached.revision === ws.revision) return cached.hints;
    const hints = ws.typeHints(file.path);
    this.hintCache.set(file.path, { revision: ws.revision, hints });
    return hints;
  }

  membersAt(file: FileState, dot: number): readonly TypeMember[] {
    return this.ws?.membersAt(file.path, dot) ?? [];
  }

  typeDefinition(file: FileState, offset: number): readonly { path: string; span: { start: number; end: number } }[] {
    return this.ws?.typeDefinition(file.path, offset) ?? [];
  }

  fieldReferences(file: FileState, offset: number): FieldReferences | undefined {
    const found = this.ws?.fieldReferences(file.path, offset);
    if (!found) return undefined;
    return { kind: found.kind, field: found.field, locations: found.locations, unresolved: found.unresolved, ...(found.declaration ? { declaration: found.declaration } : {}) };
  }

  refresh(): void {
    // The checker re-solves lazily on the next query.
  }

  /** Reshaped reports by the checker's array: the checker hands back the same array while nothing changed. */
  private readonly reshaped = new WeakMap<readonly unknown[], readonly CheckedDiagnostic[]>();

  diagnostics(file: FileState): readonly CheckedDiagnostic[] {
    const ws = this.ws;
    if (!ws) return [];
    const raw = ws.diagnostics(file.path);
    let out = this.reshaped.get(raw);
    if (!out) this.reshaped.set(raw, (out = this.reshape(raw)));
    return out;
  }

  private reshape(raw: ReturnType<Workspace['diagnostics']>): readonly CheckedDiagnostic[] {
    return raw.map(d => {
      const row = ROW_MESSAGE.exec(d.message);
      const unhandled = UNHANDLED_MESSAGE.exec(d.message);
      return {
        code: d.code, severity: d.severity, message: d.message, span: d.span,
        related: d.related.map(r => ({ path: r.path, span: r.span, message: r.message })),
        effect: row?.[2] ?? unhandled?.[1], function: row?.[1],
      };
    });
  }

  private rowsOf(file: FileState): readonly CheckerRow[] {
    const ws = this.ws;
    if (!ws) return [];
    const cached = this.rowCache.get(file.path);
    if (cached && cached.revision === ws.revision) return cached.rows;
    const rows = ws.functionRows(file.path);
    this.rowCache.set(file.path, { revision: ws.revision, rows });
    return rows;
  }

  functionRow(file: FileState, nameStart: number): FunctionRow | undefined {
    const row = this.rowsOf(file).find(r => r.nameSpan.start === nameStart);
    return row ? { declared: row.declared, inferred: row.inferred, effects: row.effects } : undefined;
  }

  rows(file: FileState): readonly NamedRow[] {
    return this.rowsOf(file).map(r => ({ name: r.name, nameSpan: r.nameSpan, span: r.span, declared: r.declared, inferred: r.inferred, effects: r.effects }));
  }

  origins(file: FileState, nameStart: number): readonly EffectOrigin[] {
    const ws = this.ws;
    if (!ws) return [];
    return ws.effectOrigins(file.path, nameStart).map(o => {
      const first = o.origins[0];
      const chain = first ? first.chain.map(c => ({ label: c.label, path: c.path, span: c.span, inFunction: c.inFunction })) : [];
      return { effect: o.effect, chain, sites: o.origins.length };
    });
  }

  handlersFor(file: FileState, offset: number): readonly HandlerSite[] {
    const ws = this.ws;
    if (!ws) return [];
    return ws.handlersFor(file.path, offset).flatMap(h => h.effects.map(effect => {
      const declaration = h.ambient ? undefined : this.handlerDeclaration(h.label);
      return {
        label: h.label, path: h.path, span: h.ambient ? h.span : h.handlerSpan, effect, ambient: h.ambient, block: h.span,
        ...(declaration ? { declaration } : {}),
      };
    }));
  }

  /** Where a user handler named by a `with` label (`Console`, `Console(...)`) is declared. */
  private handlerDeclaration(label: string): { path: string; span: { start: number; end: number } } | undefined {
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(label)?.[0];
    if (!name) return undefined;
    for (const file of this.analyzer.all()) {
      if (!file.doc.getText().includes(`handler ${name}`)) continue;
      const symbol = file.index.symbols.find(s => s.kind === 'handler' && s.name === name);
      if (symbol) return { path: file.path, span: symbol.nameSpan };
    }
    return undefined;
  }

  dischargedBy(file: FileState, withStart: number): readonly DischargedSite[] {
    const ws = this.ws;
    if (!ws) return [];
    return ws.dischargedBy(file.path, withStart).flatMap(d => d.effects.map(effect => ({ label: d.label, path: d.path, span: d.span, effect })));
  }
}
