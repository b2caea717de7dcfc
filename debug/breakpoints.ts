// Breakpoints as the adapter keeps them: source lines verified against the program's statements, functions, conditions, hit counts, logpoints.
import { firstStatement, type Program } from '../runtime/index.js';

/** The prelude's module name: its statements are library code, never a breakpoint or a step's stop. */
export const PRELUDE_MODULE = '<prelude>';

export interface BreakpointSpec {
  /** One-based line the client asked for. */
  readonly line: number;
  readonly condition?: string;
  readonly hitCondition?: string;
  readonly logMessage?: string;
}

export interface ActiveBreakpoint {
  readonly id: number;
  readonly kind: 'line' | 'function';
  /** The module path and one-based line it sits on after verification (moved to the next executable line). */
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly verified: boolean;
  readonly message?: string;
  /** Statement ids that trigger it. */
  readonly stmts: readonly number[];
  readonly condition?: string;
  readonly hitCondition?: string;
  readonly logMessage?: string;
  /** For a function breakpoint: the name asked for. */
  readonly functionName?: string;
  hits: number;
}

export type HitTest = { readonly ok: true; readonly pass: boolean } | { readonly ok: false; readonly error: string };

/**
 * A hit condition as VS Code users write it: `5` or `== 5` (exactly the 5th hit), `>= 5`, `> 5`, `< 5`, `<= 5`,
 * `% 3` (every 3rd hit).
 */
export function parseHitCondition(text: string): ((hits: number) => boolean) | undefined {
  const m = /^\s*(==|=|>=|>|<=|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]);
  switch (m[1]) {
    case undefined:
    case '=':
    case '==': return h => h === n;
    case '>=': return h => h >= n;
    case '>': return h => h > n;
    case '<=': return h => h <= n;
    case '<': return h => h < n;
    case '%': return n === 0 ? undefined : h => h % n === 0;
    default: return undefined;
  }
}

/** Splits a logpoint message into text and `{expression}` parts (`{{` and `}}` are literal braces). */
export function parseLogMessage(text: string): ({ readonly text: string } | { readonly expr: string })[] {
  const parts: ({ text: string } | { expr: string })[] = [];
  let buf = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '{' && text[i + 1] === '{') {
      buf += '{';
      i++;
    } else if (c === '}' && text[i + 1] === '}') {
      buf += '}';
      i++;
    } else if (c === '{') {
      const end = text.indexOf('}', i + 1);
      if (end < 0) {
        buf += text.slice(i);
        break;
      }
      if (buf) parts.push({ text: buf });
      buf = '';
      parts.push({ expr: text.slice(i + 1, end).trim() });
      i = end;
    } else {
      buf += c;
    }
  }
  if (buf) parts.push({ text: buf });
  return parts;
}

export class BreakpointTable {
  private nextId = 1;
  /** Per module path: statements by zero-based line, first column first. */
  private readonly lines = new Map<string, Map<number, number[]>>();
  private readonly bySource = new Map<string, ActiveBreakpoint[]>();
  private functions: ActiveBreakpoint[] = [];
  /** Statement id -> breakpoints on it. */
  private index = new Map<number, ActiveBreakpoint[]>();

  constructor(private readonly program: Program, private readonly samePath: (a: string, b: string) => boolean = (a, b) => a === b) {
    program.stmts.forEach((st, id) => {
      if (st.module === PRELUDE_MODULE) return;
      let perLine = this.lines.get(st.module);
      if (!perLine) this.lines.set(st.module, (perLine = new Map()));
      const list = perLine.get(st.line);
      if (list) list.push(id);
      else perLine.set(st.line, [id]);
    });
    for (const perLine of this.lines.values()) {
      for (const ids of perLine.values()) ids.sort((a, b) => program.stmts[a]!.column - program.stmts[b]!.column);
    }
  }

  /** The module path the program knows for a client path (case and separators may differ). */
  modulePath(path: string): string | undefined {
    for (const m of this.lines.keys()) if (this.samePath(m, path)) return m;
    for (const m of this.program.sources.keys()) if (this.samePath(m, path)) return m;
    return undefined;
  }

  /** One-based lines holding a statement, sorted. */
  executableLines(path: string): number[] {
    const m = this.modulePath(path);
    const perLine = m ? this.lines.get(m) : undefined;
    return perLine ? [...perLine.keys()].sort((a, b) => a - b).map(l => l + 1) : [];
  }

  /** Replaces the breakpoints of one source; answers them in the order asked. */
  setSourceBreakpoints(path: string, specs: readonly BreakpointSpec[]): ActiveBreakpoint[] {
    const module = this.modulePath(path);
    const perLine = module ? this.lines.get(module) : undefined;
    const sorted = perLine ? [...perLine.keys()].sort((a, b) => a - b) : [];
    const out: ActiveBreakpoint[] = specs.map(spec => {
      const want = spec.line - 1;
      const line = sorted.find(l => l >= want);
      const base = { id: this.nextId++, kind: 'line' as const, path: module ?? path, hits: 0, ...pick(spec) };
      if (!module || line === undefined) {
        return { ...base, line: spec.line, column: 1, verified: false, stmts: [], message: module ? 'no statement on or after this line' : 'this file is not part of the program' };
      }
      const first = perLine!.get(line)![0]!;
      const problem = this.specProblem(spec);
      return {
        ...base, line: line + 1, column: this.program.stmts[first]!.column + 1, verified: problem === undefined,
        stmts: problem === undefined ? [first] : [], ...(problem ? { message: problem } : {}),
      };
    });
    this.bySource.set(module ?? path, out);
    this.reindex();
    return out;
  }

  setFunctionBreakpoints(specs: readonly { readonly name: string; readonly condition?: string; readonly hitCondition?: string }[]): ActiveBreakpoint[] {
    this.functions = specs.map(spec => {
      const protos = this.program.protos.filter(p => p.module !== PRELUDE_MODULE && (p.name === spec.name || p.name.endsWith(`.${spec.name}`)) && p.kind !== 'thunk' && p.kind !== 'entry');
      const stmts = protos.map(firstStatement).filter(s => s >= 0);
      const st = stmts.length > 0 ? this.program.stmts[stmts[0]!]! : undefined;
      const problem = this.specProblem(spec);
      return {
        id: this.nextId++, kind: 'function' as const, functionName: spec.name, path: st?.module ?? '', line: st ? st.line + 1 : 0,
        column: st ? st.column + 1 : 0, verified: stmts.length > 0 && problem === undefined,
        ...(stmts.length === 0 ? { message: `no function named ${spec.name}` } : problem ? { message: problem } : {}),
        stmts: problem === undefined ? stmts : [], hits: 0, ...pick(spec),
      };
    });
    this.reindex();
    return this.functions;
  }

  private specProblem(spec: { readonly hitCondition?: string }): string | undefined {
    if (spec.hitCondition !== undefined && spec.hitCondition.trim() !== '' && !parseHitCondition(spec.hitCondition)) {
      return `hit condition "${spec.hitCondition}" is not understood (use 5, >= 5, > 5, < 5, <= 5 or % 5)`;
    }
    return undefined;
  }

  private reindex(): void {
    this.index = new Map();
    for (const bp of [...[...this.bySource.values()].flat(), ...this.functions]) {
      for (const s of bp.stmts) {
        const list = this.index.get(s);
        if (list) list.push(bp);
        else this.index.set(s, [bp]);
      }
    }
  }

  /** The statement ids the runtime should stop at. */
  statementSet(): Set<number> {
    return new Set(this.index.keys());
  }

  at(stmt: number): readonly ActiveBreakpoint[] {
    return this.index.get(stmt) ?? [];
  }

  all(): ActiveBreakpoint[] {
    return [...[...this.bySource.values()].flat(), ...this.functions];
  }

  /** Restarting keeps the breakpoints but forgets their hit counts. */
  resetHits(): void {
    for (const bp of this.all()) bp.hits = 0;
  }
}

function pick(spec: { readonly condition?: string; readonly hitCondition?: string; readonly logMessage?: string }) {
  return {
    ...(spec.condition?.trim() ? { condition: spec.condition } : {}),
    ...(spec.hitCondition?.trim() ? { hitCondition: spec.hitCondition } : {}),
    ...(spec.logMessage !== undefined && spec.logMessage !== '' ? { logMessage: spec.logMessage } : {}),
  };
}
