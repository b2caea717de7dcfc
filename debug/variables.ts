// Aria values as DAP variables: a display string and type, and lazy children behind handles that live until the next resume.
import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  ChannelVal, Closure, ConnVal, FloatVal, HandlerVal, ModuleVal, ScopeVal, StructVal, TaskVal, TokenVal, show, type Value,
} from '../runtime/index.js';
import type { StaticTypes } from './static-types.js';

/** Something that expands: computed only when the client asks for its variables. */
export type Expandable =
  | { readonly kind: 'value'; readonly value: Value; readonly type?: string | undefined }
  | { readonly kind: 'lazy'; readonly produce: () => DebugProtocol.Variable[] };

/** What the store may ask about tasks (a `Task` value's children). */
export interface TaskLookup {
  (id: number): { readonly name: string; readonly state: string; readonly result?: string; readonly failure?: string; readonly waitsOn?: string } | undefined;
}

/** Longest display text for one value; longer text is cut with an ellipsis. */
const MAX_TEXT = 400;

export function displayValue(v: Value): string {
  const text = show(v, true);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** Whether a value has children worth expanding. */
export function hasChildren(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v === undefined || v === null || typeof v !== 'object') return false;
  if (v instanceof FloatVal) return false;
  if (v instanceof StructVal) return v.values.length > 0;
  return v instanceof Closure ? v.ups.length > 0 : true;
}

/**
 * Hands out variablesReference numbers. Everything is invalid once the program resumes (`reset`), as DAP
 * allows; numbers restart at 1 each stop.
 */
export class VariableStore {
  private items: Expandable[] = [];

  /**
   * `types` gives the static types shown in `type` (DAP's Variable.type, sent only to a client that says
   * `supportsVariableType`); without it, or where the checker knows nothing, `type` is left out.
   */
  constructor(private readonly tasks: TaskLookup = () => undefined, private types?: { readonly oracle: StaticTypes | undefined; readonly show: boolean }) {}

  /** Sets where static types come from (a new program at launch or restart) and whether the client shows them. */
  setTypes(types: { readonly oracle: StaticTypes | undefined; readonly show: boolean }): void {
    this.types = types;
  }

  private get oracle(): StaticTypes | undefined {
    return this.types?.oracle;
  }

  reset(): void {
    this.items = [];
  }

  add(e: Expandable): number {
    this.items.push(e);
    return this.items.length;
  }

  lazy(produce: () => DebugProtocol.Variable[]): number {
    return this.add({ kind: 'lazy', produce });
  }

  get(ref: number): Expandable | undefined {
    return this.items[ref - 1];
  }

  /** One variable for a named value with its static type (if known); a container gets a reference, a list its size for paging. */
  variable(name: string, v: Value, evaluateName?: string, type?: string): DebugProtocol.Variable {
    const ref = hasChildren(v) ? this.add({ kind: 'value', value: v, type }) : 0;
    return {
      name,
      value: displayValue(v),
      ...(type && this.types?.show ? { type } : {}),
      variablesReference: ref,
      ...(Array.isArray(v) && v.length > 0 ? { indexedVariables: v.length } : {}),
      ...(evaluateName ? { evaluateName } : {}),
      ...(typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof StructVal) && !(v instanceof FloatVal)
        ? { presentationHint: { kind: 'data', attributes: ['readOnly'] } as DebugProtocol.VariablePresentationHint }
        : {}),
    };
  }

  /** A synthetic row (text only, maybe with lazy children). */
  row(name: string, value: string, children?: () => DebugProtocol.Variable[], type?: string): DebugProtocol.Variable {
    return { name, value, variablesReference: children ? this.lazy(children) : 0, ...(type && this.types?.show ? { type } : {}) };
  }

  /** The children of a reference; `start`/`count` page through a list. */
  children(ref: number, args: { start?: number; count?: number; filter?: 'indexed' | 'named' } = {}): DebugProtocol.Variable[] | undefined {
    const e = this.get(ref);
    if (!e) return undefined;
    if (e.kind === 'lazy') return e.produce();
    return this.valueChildren(e.value, e.type, args);
  }

  private valueChildren(v: Value, type: string | undefined, args: { start?: number; count?: number; filter?: 'indexed' | 'named' }): DebugProtocol.Variable[] {
    const types = this.oracle;
    if (Array.isArray(v)) {
      if (args.filter === 'named') return [];
      const start = Math.max(0, args.start ?? 0);
      const end = args.count ? Math.min(v.length, start + args.count) : v.length;
      const out: DebugProtocol.Variable[] = [];
      const element = types?.element(type);
      for (let i = start; i < end; i++) out.push(this.variable(`[${i}]`, v[i], undefined, element));
      return out;
    }
    if (v === undefined || v === null || typeof v !== 'object') return [];
    if (v instanceof StructVal) {
      const fields = types?.fields(type, v);
      return v.type.fields.map((f, i) => this.variable(f, v.values[i], undefined, fields?.[i]));
    }
    if (v instanceof Closure) {
      const captured = types?.captures(v.proto.module, v.proto.span);
      return v.ups.map((cell, i) => {
        const name = v.proto.captures[i]?.name ?? `capture ${i}`;
        return cell.v === null ? this.row(name, '<unassigned>') : this.variable(name, cell.v, undefined, captured?.get(name));
      });
    }
    if (v instanceof TaskVal) {
      const t = this.tasks(v.id);
      if (!t) return [this.row('id', String(v.id))];
      return [
        this.row('id', String(v.id)),
        this.row('name', t.name),
        this.row('state', t.state),
        ...(t.waitsOn ? [this.row('waits on', t.waitsOn)] : []),
        ...(t.result !== undefined ? [this.row('result', t.result, undefined, types?.taskResult(type))] : []),
        ...(t.failure !== undefined ? [this.row('failure', t.failure)] : []),
      ];
    }
    if (v instanceof ChannelVal) {
      return [
        this.row('capacity', String(v.capacity)),
        this.variable('buffer', [...v.buffer], undefined, types?.element(type) ? `List[${types.element(type)}]` : undefined),
        this.row('closed', String(v.closed)),
        this.row('waiting receivers', v.receivers.map(id => `#${id}`).join(', ') || 'none'),
        this.row('waiting senders', v.senders.map(s => `#${s.task}`).join(', ') || 'none'),
      ];
    }
    if (v instanceof TokenVal) {
      const rows = [this.row('cancelled', String(v.cancelled))];
      if (v.parent) rows.push(this.variable('parent', v.parent));
      return rows;
    }
    if (v instanceof ScopeVal) {
      return [
        this.row('owner', `#${v.owner}`),
        this.row('live', v.live.map(id => `#${id}`).join(', ') || 'none'),
        this.row('children', v.children.map(id => `#${id}`).join(', ') || 'none'),
        this.row('closed', String(v.closed)),
      ];
    }
    if (v instanceof HandlerVal) return [...v.ops].map(([name, c]) => this.variable(name, c));
    if (v instanceof ConnVal) return [this.row('request', JSON.stringify(v.request)), this.variable('written', [...v.written])];
    if (v instanceof ModuleVal) return [...v.globals].map(([name, g]) => this.variable(name, g));
    return [];
  }
}
