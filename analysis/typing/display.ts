// Types and rows as users read them: `(Int) -> {IO | e} List[String]`, with variables named in order of appearance.
import { prune, type RowVar, type Type } from './types.js';

/** Names type and row variables consistently within one rendering (`T`, `U`, ...; `e`, `e1`, ...). */
export class TypePrinter {
  private readonly varNames = new Map<number, string>();
  private readonly rowNames = new Map<RowVar, string>();

  constructor(
    private readonly effectName: (key: string) => string,
    /** Rows rendered as variables (a scheme's quantified rows whose contents flow on to other rows). */
    private readonly rowVariables: ReadonlySet<RowVar> = new Set(),
    /** For a scheme: the variable rows that flow into each row (`apply(f) = f()` returns `{e}`, e being f's row). */
    private readonly incoming: ReadonlyMap<RowVar, readonly RowVar[]> = new Map(),
  ) {}

  type(t0: Type, depth = 0): string {
    const t = prune(t0);
    if (depth > 40) return '…';
    switch (t.k) {
      case 'var': {
        if (t.rigid !== undefined) return t.rigid;
        let name = this.varNames.get(t.id);
        if (!name) {
          const i = this.varNames.size;
          name = i < 6 ? 'TUVWXY'[i]! : `T${i}`;
          this.varNames.set(t.id, name);
        }
        return name;
      }
      case 'con':
        return t.args.length === 0 ? t.name : `${t.name}[${t.args.map(a => this.type(a, depth + 1)).join(', ')}]`;
      case 'fun': {
        const row = this.row(t.row);
        return `(${t.params.map(p => this.type(p, depth + 1)).join(', ')}) -> ${row} ${this.type(t.ret, depth + 1)}`;
      }
    }
  }

  /** A row: its effects in order, then its variables (`{Async, IO | e}`); `{}` when empty. */
  row(r: RowVar): string {
    const effects: string[] = [];
    const vars: string[] = [];
    if (this.rowVariables.has(r)) vars.push(this.rowName(r));
    for (const from of this.incoming.get(r) ?? []) if (this.rowVariables.has(from)) vars.push(this.rowName(from));
    for (const atom of r.atoms.keys()) {
      if (atom.startsWith('~')) {
        if (r.rigid !== undefined && atom === r.atom) vars.push(r.rigid);
        else vars.push(this.rigidName(atom));
      } else effects.push(this.effectName(atom));
    }
    effects.sort();
    const uniqueVars = [...new Set(vars)];
    if (uniqueVars.length === 0) return `{${effects.join(', ')}}`;
    if (effects.length === 0) return `{${uniqueVars.join(', ')}}`;
    return `{${effects.join(', ')} | ${uniqueVars.join(', ')}}`;
  }

  private rowName(r: RowVar): string {
    let name = this.rowNames.get(r);
    if (!name) {
      name = this.rowNames.size === 0 ? 'e' : `e${this.rowNames.size}`;
      this.rowNames.set(r, name);
    }
    return name;
  }

  private readonly rigidNames = new Map<string, string>();
  /** Rigid atoms are named by the row that owns them when it is known; otherwise in order. */
  registerRigid(r: RowVar): void {
    if (r.rigid !== undefined) this.rigidNames.set(r.atom, r.rigid);
  }

  private rigidName(atom: string): string {
    return this.rigidNames.get(atom) ?? 'e';
  }
}
