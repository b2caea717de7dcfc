// Diagnostics of a file as LSP diagnostics: syntax errors from lowering, plus the effect checker's findings.
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver/node';
import type { FileState } from '../analyzer.js';
import { rangeOf } from '../convert.js';
import type { ServerContext } from '../context.js';
import type { Semantics } from '../semantics.js';

/** What code actions need to find a diagnostic again (sent as `data`). */
export interface DiagnosticData {
  readonly code: string;
  readonly effect?: string;
  readonly function?: string;
}

export function fileDiagnostics(ctx: ServerContext, semantics: Semantics, file: FileState): Diagnostic[] {
  const out: Diagnostic[] = [];
  const checked = semantics.diagnostics(file);
  // The checker reports syntax errors itself (E0001); without one (syntax-only mode) they come from the AST.
  if (!ctx.analyzer.checker) {
    for (const error of file.module.syntaxErrors) {
      out.push({ range: rangeOf(file.doc, error.span), severity: DiagnosticSeverity.Error, source: 'aria', code: 'E0001', message: error.message });
    }
  }
  for (const d of checked) {
    const severity = d.severity === 'error' || ctx.settings.checker.warningsAsErrors ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning;
    const related = d.related.flatMap(r => {
      const target = ctx.analyzer.all().find(f => f.path === r.path);
      return target ? [{ location: { uri: target.uri, range: rangeOf(target.doc, r.span) }, message: r.message }] : [];
    });
    const diagnostic: Diagnostic = {
      range: rangeOf(file.doc, d.span), severity, source: 'aria', code: d.code, message: d.message,
      data: { code: d.code, effect: d.effect, function: d.function } satisfies DiagnosticData,
    };
    if (related.length) diagnostic.relatedInformation = related;
    if (d.code === 'W0201') diagnostic.tags = [DiagnosticTag.Unnecessary];
    out.push(diagnostic);
  }
  return out;
}
