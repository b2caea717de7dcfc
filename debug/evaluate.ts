// Side-effect-free evaluation of Aria expressions in a paused frame: for watch, hover, the debug console, conditions and logpoints.
import type * as A from '../analysis/syntax/ast.js';
import { BUILTIN_CONSTANTS, DURATION_UNITS } from '../analysis/builtins.js';
import { lowerModule } from '../analysis/syntax/lower.js';
import { parse } from '../grammar/parser.js';
import { FloatVal, ModuleVal, StructVal, equals, numberOf, show, typeName, type Value } from '../runtime/index.js';

export type Compiled = { readonly ok: true; readonly expr: A.Expr } | { readonly ok: false; readonly error: string };

export type Evaluated = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly error: string };

/** Where names come from: the frame's locals and captures, then the program's globals. */
export interface EvalScope {
  lookup(name: string): Value | undefined;
  has(name: string): boolean;
  /** The virtual clock in milliseconds, as the program's `now()` reads it (absent: `now()` is refused). */
  nowMs?(): number;
}

/** `CPU.count` and the other built-in constants, by their qualified name (the compiler inlines them likewise). */
const CONSTANTS = new Map(BUILTIN_CONSTANTS.map(c => [c.name, c.value]));

/** Parses one expression; statements, several lines or syntax errors are refused with a message. */
export async function compileExpression(text: string): Promise<Compiled> {
  const source = text.trim();
  if (source === '') return { ok: false, error: 'empty expression' };
  if (source.length > MAX_EXPRESSION_LENGTH) return { ok: false, error: `expression too long to evaluate (${source.length} characters; at most ${MAX_EXPRESSION_LENGTH})` };
  if (/[\r\n]/.test(source)) return { ok: false, error: 'one expression on one line, please' };
  const tree = await parse(source);
  try {
    let m: A.Module;
    try {
      m = lowerModule(tree, source, '<eval>');
    } catch (error) {
      if (error instanceof RangeError) return { ok: false, error: 'expression nested too deeply to evaluate' };
      throw error;
    }
    if (m.syntaxErrors.length > 0) return { ok: false, error: `syntax error: ${m.syntaxErrors[0]!.message}` };
    if (m.items.length > 0 || m.statements.length !== 1) return { ok: false, error: 'not an expression' };
    const st = m.statements[0]!;
    if (st.kind !== 'ExprStmt') return { ok: false, error: `a ${st.kind === 'Assign' ? 'assignment' : 'statement'} cannot be evaluated here (evaluation has no side effects)` };
    return { ok: true, expr: st.expr };
  } finally {
    tree.delete();
  }
}

/** The longest expression evaluated (a watch, a hover, a line typed in the console). */
export const MAX_EXPRESSION_LENGTH = 4096;
/** Elements and characters one evaluation may make in all: past it, "too large to evaluate". */
export const EVAL_BUDGET = 1_000_000;

/** What is left of an evaluation's budget. */
interface Budget {
  left: number;
}

/** Takes `n` units from the budget before making something that big. */
function spend(budget: Budget, n: number): void {
  budget.left -= n;
  if (budget.left < 0) fail(`too large to evaluate (an evaluation makes at most ${EVAL_BUDGET.toLocaleString('en-US')} list elements and characters in all)`);
}

/** Charges a value just made (strings are ropes in JS: made first, charged after). */
function charged(budget: Budget, v: Value): Value {
  if (typeof v === 'string' || Array.isArray(v)) spend(budget, v.length);
  return v;
}

class EvalError {
  constructor(readonly message: string) {}
}

/** Built-ins that only compute: callable from an evaluation. */
const PURE: Readonly<Record<string, (args: Value[]) => Value>> = {
  len: ([x]) => (typeof x === 'string' || Array.isArray(x) ? x.length : fail(`len of ${typeName(x)}`)),
  str: ([x]) => show(x),
  int: ([x]) => {
    const n = typeof x === 'string' ? Number.parseInt(x, 10) : numberOf(x);
    return n === undefined || Number.isNaN(n) ? fail(`int of ${typeName(x)}`) : Math.trunc(n);
  },
  abs: ([x]) => arith(x, 0, (a, _b) => Math.abs(a)),
  min: ([a, b]) => ((numberOf(a) ?? 0) <= (numberOf(b) ?? 0) ? a : b),
  max: ([a, b]) => ((numberOf(a) ?? 0) >= (numberOf(b) ?? 0) ? a : b),
  sum: ([xs]) => (Array.isArray(xs) ? xs.reduce<Value>((s, x) => arith(s, x, (p, q) => p + q), 0) : fail('sum of a non-list')),
  contains: ([xs, v]) => (Array.isArray(xs) ? xs.some(x => equals(x, v)) : typeof xs === 'string' && typeof v === 'string' ? xs.includes(v) : false),
  range: ([a, b]) => rangeList(a, b, { left: EVAL_BUDGET }),
  is_cancelled: ([t]) => (t && typeof t === 'object' && 'kind' in t && t.kind === 'token' ? t.cancelled : fail('is_cancelled of a non-token')),
};

function fail(message: string): never {
  throw new EvalError(message);
}

function arith(a: Value, b: Value, f: (x: number, y: number) => number): Value {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x === undefined || y === undefined) fail(`cannot do arithmetic on ${typeName(a)} and ${typeName(b)}`);
  const r = f(x, y);
  return a instanceof FloatVal || b instanceof FloatVal ? new FloatVal(r) : r;
}

function rangeList(a: Value, b: Value, budget: Budget): Value {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x === undefined || y === undefined) fail('a range needs two integers');
  if (y - x > 100_000) fail('range too long to show');
  spend(budget, Math.max(0, y - x));
  const out: Value[] = [];
  for (let i = x; i < y; i++) out.push(i);
  return out;
}

function compare(op: A.BinaryOp, a: Value, b: Value): boolean {
  if (op === '==') return equals(a, b);
  if (op === '!=') return !equals(a, b);
  const x = numberOf(a);
  const y = numberOf(b);
  let c: number;
  if (x !== undefined && y !== undefined) c = x - y;
  else if (typeof a === 'string' && typeof b === 'string') c = a < b ? -1 : a > b ? 1 : 0;
  else fail(`cannot compare ${typeName(a)} and ${typeName(b)}`);
  switch (op) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
    default: return fail(`unknown comparison ${op}`);
  }
}

function evalExpr(e: A.Expr, scope: EvalScope, depth: number, budget: Budget): Value {
  if (depth > 200) fail('expression too deep');
  const ev = (x: A.Expr) => evalExpr(x, scope, depth + 1, budget);
  switch (e.kind) {
    case 'Int': return e.value;
    case 'Float': return new FloatVal(e.value);
    case 'Bool': return e.value;
    case 'Unit': return undefined;
    case 'String': return e.parts.map(p => (typeof p === 'string' ? p : show(ev(p)))).join('');
    case 'List': return e.elements.map(ev);
    case 'Name': {
      if (!scope.has(e.name)) fail(`no variable named ${e.name} here`);
      return scope.lookup(e.name);
    }
    case 'Member': {
      // durations: 5.seconds
      if (e.object.kind === 'Int' || e.object.kind === 'Float') {
        const unit = DURATION_UNITS[e.property.name];
        if (unit !== undefined) return Math.round(e.object.value * unit);
      }
      // built-in constants: CPU.count, unless a local shadows the name (as the compiler does)
      if (e.object.kind === 'Name' && !scope.has(e.object.name)) {
        const constant = CONSTANTS.get(`${e.object.name}.${e.property.name}`);
        if (constant !== undefined) return constant;
      }
      const obj = ev(e.object);
      const name = e.property.name;
      if (obj instanceof StructVal) {
        const i = obj.type.index.get(name);
        if (i === undefined) fail(`${obj.type.name} has no field ${name}`);
        return obj.values[i];
      }
      if (obj instanceof ModuleVal) {
        if (!obj.globals.has(name)) fail(`module ${obj.name} has no ${name}`);
        return obj.globals.get(name);
      }
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        const rec = obj as unknown as Record<string, unknown>;
        if (obj.kind === 'task' && name === 'id') return obj.id;
        if (name in rec && (typeof rec[name] === 'number' || typeof rec[name] === 'string' || typeof rec[name] === 'boolean')) return rec[name] as Value;
      }
      return fail(`${typeName(obj)} has no field ${name}`);
    }
    case 'Index': {
      const obj = ev(e.object);
      const i = numberOf(ev(e.index));
      if (i === undefined || !Number.isInteger(i)) fail('an index must be an integer');
      if (Array.isArray(obj)) {
        if (i < 0 || i >= obj.length) fail(`index ${i} out of range (length ${obj.length})`);
        return obj[i];
      }
      if (typeof obj === 'string') {
        if (i < 0 || i >= obj.length) fail(`index ${i} out of range (length ${obj.length})`);
        return obj[i];
      }
      return fail(`cannot index ${typeName(obj)}`);
    }
    case 'Unary': {
      const v = ev(e.operand);
      if (e.op === 'not') {
        if (typeof v !== 'boolean') fail(`not of ${typeName(v)}`);
        return !v;
      }
      return arith(v, 0, a => -a);
    }
    case 'Binary': {
      if (e.op === 'and' || e.op === 'or') {
        const l = ev(e.left);
        if (typeof l !== 'boolean') fail(`${e.op} of ${typeName(l)}`);
        if (e.op === 'and' ? !l : l) return l;
        const r = ev(e.right);
        if (typeof r !== 'boolean') fail(`${e.op} of ${typeName(r)}`);
        return r;
      }
      const l = ev(e.left);
      const r = ev(e.right);
      switch (e.op) {
        case '+':
          if (typeof l === 'string' || typeof r === 'string') return charged(budget, show(l) + show(r));
          if (Array.isArray(l) && Array.isArray(r)) {
            spend(budget, l.length + r.length);
            return [...l, ...r];
          }
          return arith(l, r, (a, b) => a + b);
        case '-': return arith(l, r, (a, b) => a - b);
        case '*': return arith(l, r, (a, b) => a * b);
        case '/': {
          if (numberOf(r) === 0 && !(l instanceof FloatVal) && !(r instanceof FloatVal)) fail('division by zero');
          return arith(l, r, (a, b) => (l instanceof FloatVal || r instanceof FloatVal ? a / b : Math.trunc(a / b)));
        }
        case '%': {
          if (numberOf(r) === 0) fail('division by zero');
          return arith(l, r, (a, b) => a % b);
        }
        case '..': return rangeList(l, r, budget);
        default: return compare(e.op, l, r);
      }
    }
    case 'Call': {
      // f(x) and the uniform x.f(y) for the pure built-ins only: evaluation never runs Aria code
      let name: string | undefined;
      let args: Value[];
      if (e.callee.kind === 'Name') {
        name = e.callee.name;
        args = e.args.map(a => ev(a.value));
      } else if (e.callee.kind === 'Member') {
        name = e.callee.property.name;
        args = [ev(e.callee.object), ...e.args.map(a => ev(a.value))];
      } else {
        return fail('only built-in helpers can be called in an evaluation');
      }
      // A struct's or a variant's constructor builds a value: pure too (`Some(x)`, `Circle(2)`).
      const ctor = e.callee.kind === 'Name' && scope.has(name) ? scope.lookup(name) : undefined;
      if (ctor && typeof ctor === 'object' && !Array.isArray(ctor) && ctor.kind === 'builtin' && ctor.ctor) {
        if (e.args.some(a => a.name)) return fail(`named arguments are not supported here: ${name}(...) takes its fields in order`);
        if (args.length !== ctor.ctor.fields.length) return fail(`\`${name}\` takes ${ctor.ctor.fields.length} argument${ctor.ctor.fields.length === 1 ? '' : 's'}, got ${args.length}`);
        return new StructVal(ctor.ctor, args);
      }
      // now() reads the clock: the program's own call does nothing else
      if (name === 'now' && e.callee.kind === 'Name' && !scope.has(name) && scope.nowMs) {
        if (args.length !== 0) return fail('`now` takes no arguments');
        return scope.nowMs();
      }
      const f = PURE[name];
      if (!f || (e.callee.kind === 'Name' && scope.has(name))) return fail(`cannot call ${name} here: evaluation has no side effects (pure helpers: ${Object.keys(PURE).join(', ')})`);
      // A range's size is charged before it is made, the rest after (their inputs were charged already).
      if (name === 'range') return rangeList(args[0], args[1], budget);
      return charged(budget, f(args));
    }
    case 'If': {
      for (const b of e.branches) {
        const c = ev(b.condition);
        if (c === true) return evalBlock(b.body, scope, depth, budget);
      }
      return e.otherwise ? evalBlock(e.otherwise, scope, depth, budget) : undefined;
    }
    case 'Await': case 'Spawn': case 'Lambda': case 'Match': case 'With':
      return fail(`${e.kind.toLowerCase()} cannot be evaluated here (evaluation has no side effects)`);
    case 'Error':
      return fail('syntax error');
    default: {
      const never: never = e;
      return fail(String(never));
    }
  }
}

function evalBlock(b: A.Block, scope: EvalScope, depth: number, budget: Budget): Value {
  if (b.stmts.length !== 1 || b.stmts[0]!.kind !== 'ExprStmt') fail('only one-expression branches can be evaluated');
  return evalExpr((b.stmts[0] as A.ExprStmt).expr, scope, depth + 1, budget);
}

/** Evaluates a compiled expression; failures are messages, never exceptions. */
export function evaluateExpr(expr: A.Expr, scope: EvalScope): Evaluated {
  try {
    return { ok: true, value: evalExpr(expr, scope, 0, { left: EVAL_BUDGET }) };
  } catch (error) {
    if (error instanceof EvalError) return { ok: false, error: error.message };
    return { ok: false, error: `cannot evaluate: ${(error as Error).message}` };
  }
}
