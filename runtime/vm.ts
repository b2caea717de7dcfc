// The bytecode interpreter: runs one task's explicit frames until a statement quota, a suspension or the end.
import { Op, type FnProto } from './bytecode.js';
import type { HandlerTemplate, Program } from './compiler.js';
import { listLimitProblem, resourceProblemOf, stringLimitProblem, type HeapMeter, type RuntimeLimits } from './limits.js';
import { AriaError, NATIVE_IDS, NATIVE_PARAMS, NATIVES, RETRY, SUSPEND, YIELDED, compareValues, limitFailure, type NativeHost, type NativeResult } from './natives.js';
import type { Failure, Frame, HandlerNode, Task } from './task.js';
import { touch } from './heap-stamp.js';
import {
  BuiltinFnVal, Cell, Closure, FloatVal, HandlerVal, ModuleVal, StructType, StructVal, TaskVal, effectDisplayName, equals, isCancelled, numberOf,
  show, typeName, type Value,
} from './values.js';
import { DURATION_UNITS } from '../analysis/builtins.js';

/**
 * What the VM asks of the machine that runs it. The machine implements it; the VM names only this, so the two
 * modules do not import each other.
 */
export interface VmHost extends NativeHost {
  readonly program: Program;
  readonly maxDepth: number;
  /** Measures the heap every so many statements (the heap limit of runtime/limits.ts). */
  readonly heap: HeapMeter;
  /** True while a stop condition is armed: the VM then asks `shouldStop` before each statement. */
  readonly stopArmed: boolean;
  /** Statements of the current run not yet added to the machine's count (see `Machine.inFlightSteps`). */
  inFlightSteps: number;
  /** Set when a statement reads or writes a struct's field or a list's element (a `preempt` point may follow). */
  sharedAccess: boolean;
  shouldStop(t: Task, stmt: number, depth: number): boolean;
  complete(t: Task, result: Value): void;
  raise(t: Task, e: AriaError, at: number): void;
  failWith(t: Task, failure: Failure): void;
  awaitTask(t: Task, v: Value): NativeResult;
  spawnFromVm(task: Task, stack: Value[], calleeIdx: number, argc: number, scopeV: Value | null, handlers: HandlerNode | null, at: number): TaskVal;
  withEnter(t: Task, frame: Frame, h: Value, slot: number, exit: number): Value;
  withExit(t: Task, frame: Frame, slot: number): 'done' | 'wait' | 'moved';
}

/** What `invoke` did: placed a result, pushed a frame, or stopped the task (suspended, yielded, retry, failed). */
const enum Invoked {
  Result,
  Frame,
  Stopped,
}

/**
 * Runs `task` until it has begun `quota` statements (it then stops before the next one), or it suspends,
 * yields, completes or fails. Returns how many statements it began. The task's state after the call says
 * which: still 'running' means it stopped at a statement boundary.
 */
export function execute(m: VmHost, task: Task, quota: number): number {
  if (task.pendingFailure) {
    const f = task.pendingFailure;
    task.pendingFailure = null;
    m.failWith(task, f);
    return 0;
  }
  const frames = task.frames;
  // The heap is measured every so many statements; over the limit, the task about to run fails where it stands.
  const heapProblem = m.heap.tick(quota);
  if (heapProblem !== undefined && frames.length > 0) {
    m.raise(task, new AriaError('resource-limit', heapProblem), frames[frames.length - 1]!.pc);
    return 0;
  }
  const stack = task.stack;
  const globals = m.program.globals;
  const maxDepth = m.maxDepth;
  const watching = m.stopArmed;
  let frame = frames[frames.length - 1]!;
  let proto = frame.proto;
  let code = proto.code;
  let consts = proto.consts;
  let base = frame.base;
  let pc = frame.pc;
  let sp = task.sp;
  let executed = 0;
  let at = pc;
  try {
    for (;;) {
      at = pc;
      switch (code[pc++]) {
        case 43 /* Op.Stmt */:
          if (executed >= quota || (watching && m.shouldStop(task, code[pc]!, frames.length))) {
            frame.pc = at;
            task.sp = sp;
            return executed;
          }
          pc++;
          // Events raised inside this statement are stamped with the statements before it (see Machine.inFlightSteps).
          m.inFlightSteps = executed;
          executed++;
          break;
        case 0 /* Op.Const */:
          stack[sp++] = consts[code[pc++]!] as Value;
          break;
        case 1 /* Op.Int */:
          stack[sp++] = code[pc++]!;
          break;
        case 2 /* Op.Unit */:
          stack[sp++] = undefined;
          break;
        case 3 /* Op.True */:
          stack[sp++] = true;
          break;
        case 4 /* Op.False */:
          stack[sp++] = false;
          break;
        case 5 /* Op.Pop */:
          sp--;
          break;
        case 6 /* Op.Dup */:
          stack[sp] = stack[sp - 1];
          sp++;
          break;
        case 7 /* Op.Load */: {
          const v = stack[base + code[pc]!];
          if (v === null) throw unassigned(proto, code[pc]!);
          pc++;
          stack[sp++] = v;
          break;
        }
        case 8 /* Op.Store */:
          stack[base + code[pc++]!] = stack[--sp];
          break;
        case 9 /* Op.LoadCell */: {
          const v = (stack[base + code[pc]!] as unknown as Cell).v;
          if (v === null) throw unassigned(proto, code[pc]!);
          pc++;
          stack[sp++] = v;
          break;
        }
        case 10 /* Op.StoreCell */: {
          const cell = stack[base + code[pc++]!] as unknown as Cell;
          touch(cell);
          cell.v = stack[--sp]!;
          break;
        }
        case 11 /* Op.NewCell */:
          stack[base + code[pc++]!] = new Cell(null) as unknown as Value;
          break;
        case 12 /* Op.BoxParam */: {
          const slot = base + code[pc++]!;
          stack[slot] = new Cell(stack[slot]!) as unknown as Value;
          break;
        }
        case 13 /* Op.LoadUp */: {
          const cell = frame.closure!.ups[code[pc]!]!;
          if (cell.v === null) throw new AriaError('unknown-name', `\`${frame.closure!.proto.captures[code[pc]!]!.name}\` is used before it is assigned`);
          pc++;
          stack[sp++] = cell.v;
          break;
        }
        case 14 /* Op.StoreUp */: {
          const cell = frame.closure!.ups[code[pc++]!]!;
          touch(cell);
          cell.v = stack[--sp]!;
          break;
        }
        case 15 /* Op.LoadGlobal */:
          stack[sp++] = globals[code[pc++]!];
          break;
        case 16 /* Op.Add */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          stack[sp - 1] = typeof a === 'number' && typeof b === 'number' ? a + b : add(a, b, m.limits);
          break;
        }
        case 17 /* Op.Sub */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          stack[sp - 1] = typeof a === 'number' && typeof b === 'number' ? a - b : arith(Op.Sub, a, b);
          break;
        }
        case 18 /* Op.Mul */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          stack[sp - 1] = typeof a === 'number' && typeof b === 'number' ? a * b : arith(Op.Mul, a, b);
          break;
        }
        case 19 /* Op.Div */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          if (typeof a === 'number' && typeof b === 'number' && b !== 0) stack[sp - 1] = Math.trunc(a / b);
          else stack[sp - 1] = arith(Op.Div, a, b);
          break;
        }
        case 20 /* Op.Mod */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          if (typeof a === 'number' && typeof b === 'number' && b !== 0) stack[sp - 1] = a % b;
          else stack[sp - 1] = arith(Op.Mod, a, b);
          break;
        }
        case 21 /* Op.Neg */: {
          const a = stack[sp - 1];
          if (typeof a === 'number') stack[sp - 1] = -a;
          else if (a instanceof FloatVal) stack[sp - 1] = new FloatVal(-a.value);
          else throw new AriaError('type-error', `cannot negate ${typeName(a)}`);
          break;
        }
        case 22 /* Op.Not */: {
          const a = stack[sp - 1];
          if (typeof a !== 'boolean') throw new AriaError('type-error', `\`not\` needs a Bool, not ${typeName(a)}`);
          stack[sp - 1] = !a;
          break;
        }
        case 23 /* Op.Eq */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          stack[sp - 1] = a === b || equals(a, b);
          break;
        }
        case 24 /* Op.Ne */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          stack[sp - 1] = !(a === b || equals(a, b));
          break;
        }
        case 25 /* Op.Lt */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          stack[sp - 1] = typeof a === 'number' && typeof b === 'number' ? a < b : compareValues(a, b) < 0;
          break;
        }
        case 26 /* Op.Le */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          stack[sp - 1] = typeof a === 'number' && typeof b === 'number' ? a <= b : compareValues(a, b) <= 0;
          break;
        }
        case 27 /* Op.Gt */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          stack[sp - 1] = typeof a === 'number' && typeof b === 'number' ? a > b : compareValues(a, b) > 0;
          break;
        }
        case 28 /* Op.Ge */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          stack[sp - 1] = typeof a === 'number' && typeof b === 'number' ? a >= b : compareValues(a, b) >= 0;
          break;
        }
        case 29 /* Op.Range */: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          if (typeof a !== 'number' || typeof b !== 'number') throw new AriaError('type-error', `a range needs Int bounds, not ${typeName(a)} and ${typeName(b)}`);
          if (b - a > m.limits.maxListLength) limitFailure(listLimitProblem(b - a, m.limits, `the range ${a}..${b}`));
          const xs: Value[] = [];
          for (let i = a; i < b; i++) xs.push(i);
          stack[sp - 1] = xs;
          break;
        }
        case 30 /* Op.Jump */:
          pc = code[pc]!;
          break;
        case 31 /* Op.JumpIfFalse */: {
          const c = stack[--sp];
          if (c === false) pc = code[pc]!;
          else if (c === true) pc++;
          else throw notBool(c);
          break;
        }
        case 32 /* Op.JumpIfTrue */: {
          const c = stack[--sp];
          if (c === true) pc = code[pc]!;
          else if (c === false) pc++;
          else throw notBool(c);
          break;
        }
        case 33 /* Op.AndJump */: {
          const c = stack[sp - 1];
          if (c === false) pc = code[pc]!;
          else if (c === true) {
            sp--;
            pc++;
          } else throw notBool(c);
          break;
        }
        case 34 /* Op.OrJump */: {
          const c = stack[sp - 1];
          if (c === true) pc = code[pc]!;
          else if (c === false) {
            sp--;
            pc++;
          } else throw notBool(c);
          break;
        }
        case 35 /* Op.JumpIfSet */:
          if (stack[base + code[pc]!] !== null) pc = code[pc + 1]!;
          else pc += 2;
          break;
        case 38 /* Op.CallGlobal */: {
          const callee = globals[code[pc]!] as Closure;
          const argc = code[pc + 1]!;
          pc += 2;
          const p = callee.proto;
          if (argc < p.required) throw missingArgument(p, argc);
          if (frames.length >= maxDepth) throw stackOverflow(maxDepth);
          const nb = sp - argc;
          const nlocals = p.locals.length;
          for (let i = argc; i < nlocals; i++) stack[nb + i] = null as unknown as Value;
          frame.pc = pc;
          frame = { proto: p, pc: 0, base: nb, retSp: nb, closure: callee, handlers: frame.handlers };
          frames.push(frame);
          proto = p;
          code = p.code;
          consts = p.consts;
          base = nb;
          pc = 0;
          sp = nb + nlocals;
          break;
        }
        case 36 /* Op.Call */: {
          const argc = code[pc++]!;
          const callee = stack[sp - argc - 1];
          if (callee instanceof Closure) {
            const p = callee.proto;
            if (argc < p.required) throw missingArgument(p, argc);
            if (argc > p.params.length) throw tooManyArguments(p, argc);
            if (frames.length >= maxDepth) throw stackOverflow(maxDepth);
            const nb = sp - argc;
            const nlocals = p.locals.length;
            for (let i = argc; i < nlocals; i++) stack[nb + i] = null as unknown as Value;
            frame.pc = pc;
            frame = { proto: p, pc: 0, base: nb, retSp: nb - 1, closure: callee, handlers: frame.handlers };
            frames.push(frame);
            proto = p;
            code = p.code;
            consts = p.consts;
            base = nb;
            pc = 0;
            sp = nb + nlocals;
            break;
          }
          frame.pc = pc;
          task.sp = sp;
          const r = invoke(m, task, callee, sp - argc, argc, sp - argc - 1, frame.handlers, at);
          if (r === Invoked.Stopped) return executed;
          frame = frames[frames.length - 1]!;
          proto = frame.proto;
          code = proto.code;
          consts = proto.consts;
          base = frame.base;
          pc = frame.pc;
          sp = task.sp;
          break;
        }
        case 41 /* Op.CallAll */: {
          const argc = sp - base - 1;
          frame.pc = pc;
          task.sp = sp;
          const r = invoke(m, task, stack[base], base + 1, argc, base, frame.handlers, at);
          if (r === Invoked.Stopped) return executed;
          frame = frames[frames.length - 1]!;
          proto = frame.proto;
          code = proto.code;
          consts = proto.consts;
          base = frame.base;
          pc = frame.pc;
          sp = task.sp;
          break;
        }
        case 37 /* Op.CallNamed */: {
          const argc = code[pc]!;
          const names = consts[code[pc + 1]!] as readonly (string | null)[];
          pc += 2;
          const calleeIdx = sp - argc - 1;
          const callee = stack[calleeIdx];
          const ordered = orderNamed(callee, stack.slice(calleeIdx + 1, sp), names);
          for (let i = 0; i < ordered.length; i++) stack[calleeIdx + 1 + i] = ordered[i] as Value;
          sp = calleeIdx + 1 + ordered.length;
          frame.pc = pc;
          task.sp = sp;
          const r = invoke(m, task, callee, calleeIdx + 1, ordered.length, calleeIdx, frame.handlers, at);
          if (r === Invoked.Stopped) return executed;
          frame = frames[frames.length - 1]!;
          proto = frame.proto;
          code = proto.code;
          consts = proto.consts;
          base = frame.base;
          pc = frame.pc;
          sp = task.sp;
          break;
        }
        case 39 /* Op.CallBuiltin */: {
          const native = NATIVES[code[pc]!]!;
          const argc = code[pc + 1]!;
          pc += 2;
          frame.pc = pc;
          task.sp = sp;
          const r = native(m, task, stack, sp - argc, argc);
          if (typeof r === 'symbol') {
            if (r === RETRY) {
              frame.pc = at;
              return executed;
            }
            sp -= argc;
            if (r === YIELDED) stack[sp++] = undefined;
            frame.pc = pc;
            task.sp = sp;
            return executed;
          }
          sp -= argc;
          stack[sp++] = r;
          break;
        }
        case 40 /* Op.CallMethod */: {
          const name = consts[code[pc]!] as string;
          const argc = code[pc + 1]!;
          const fallback = consts[code[pc + 2]!] as number | BuiltinFnVal | null;
          pc += 3;
          const recvIdx = sp - argc - 1;
          const recv = stack[recvIdx];
          let f: Value | undefined;
          if (recv instanceof StructVal) {
            const i = recv.type.index.get(name);
            if (i !== undefined) {
              const fv = recv.values[i];
              if (fv instanceof Closure || fv instanceof BuiltinFnVal) f = fv;
            }
          } else if (recv instanceof ModuleVal) {
            f = recv.globals.get(name);
            if (f === undefined) throw new AriaError('unknown-name', `module \`${recv.name}\` has no function \`${name}\``);
          }
          frame.pc = pc;
          let r: Invoked;
          if (f !== undefined) {
            // A callable field: the receiver slot becomes the callee slot.
            stack[recvIdx] = f;
            task.sp = sp;
            r = invoke(m, task, f, recvIdx + 1, argc, recvIdx, frame.handlers, at);
          } else {
            const g = typeof fallback === 'number' ? globals[fallback] : fallback;
            if (g === null || g === undefined) throw new AriaError('unknown-name', `${typeName(recv)} has no method \`${name}\``);
            task.sp = sp;
            r = invoke(m, task, g, recvIdx, argc + 1, recvIdx, frame.handlers, at);
          }
          if (r === Invoked.Stopped) return executed;
          frame = frames[frames.length - 1]!;
          proto = frame.proto;
          code = proto.code;
          consts = proto.consts;
          base = frame.base;
          pc = frame.pc;
          sp = task.sp;
          break;
        }
        case 42 /* Op.Return */: {
          const result = stack[sp - 1];
          const retSp = frame.retSp;
          frames.pop();
          if (frames.length === 0) {
            task.sp = retSp;
            m.complete(task, result);
            return executed;
          }
          frame = frames[frames.length - 1]!;
          proto = frame.proto;
          code = proto.code;
          consts = proto.consts;
          base = frame.base;
          pc = frame.pc;
          sp = retSp;
          stack[sp++] = result;
          break;
        }
        case 44 /* Op.MakeList */: {
          const n = code[pc++]!;
          const xs = stack.slice(sp - n, sp);
          sp -= n;
          stack[sp++] = xs;
          break;
        }
        case 45 /* Op.MakeClosure */: {
          const p = consts[code[pc++]!] as FnProto;
          stack[sp++] = makeClosure(p, stack, base, frame);
          break;
        }
        case 46 /* Op.MakeString */: {
          const n = code[pc++]!;
          let text = '';
          for (let i = sp - n; i < sp; i++) {
            const v = stack[i];
            text += typeof v === 'string' ? v : show(v);
          }
          if (text.length > m.limits.maxStringLength) limitFailure(stringLimitProblem(text.length, m.limits));
          sp -= n;
          stack[sp++] = text;
          break;
        }
        case 47 /* Op.MakeStruct */: {
          const type = consts[code[pc]!] as StructType;
          const n = code[pc + 1]!;
          pc += 2;
          const values = stack.slice(sp - n, sp);
          sp -= n;
          stack[sp++] = new StructVal(type, values);
          break;
        }
        case 48 /* Op.MakeHandler */: {
          const t = consts[code[pc++]!] as HandlerTemplate;
          const ops = new Map<string, Closure>();
          for (const op of t.ops) ops.set(op.name, makeClosure(op.proto, stack, base, frame));
          stack[sp++] = new HandlerVal(t.name, t.effectKey, ops, t.effect);
          break;
        }
        case 49 /* Op.GetField */: {
          const name = consts[code[pc++]!] as string;
          m.sharedAccess = true;
          stack[sp - 1] = getField(stack[sp - 1], name);
          break;
        }
        case 50 /* Op.SetField */: {
          const name = consts[code[pc++]!] as string;
          const v = stack[--sp];
          const obj = stack[--sp];
          if (!(obj instanceof StructVal)) throw new AriaError('type-error', `cannot set field \`${name}\` of ${typeName(obj)}`);
          const i = obj.type.index.get(name);
          if (i === undefined) throw new AriaError('type-error', `${obj.type.name} has no field \`${name}\``);
          touch(obj);
          m.sharedAccess = true;
          obj.values[i] = v;
          break;
        }
        case 51 /* Op.GetIndex */: {
          const i = stack[--sp];
          m.sharedAccess = true;
          stack[sp - 1] = getIndex(stack[sp - 1], i);
          break;
        }
        case 52 /* Op.SetIndex */: {
          const v = stack[--sp];
          const i = stack[--sp];
          const obj = stack[--sp];
          if (!Array.isArray(obj)) throw new AriaError('type-error', `cannot index into ${typeName(obj)}`);
          if (typeof i !== 'number') throw new AriaError('type-error', `a list index must be an Int, not ${typeName(i)}`);
          if (i < 0 || i >= obj.length) throw outOfRange(i, obj.length);
          touch(obj);
          m.sharedAccess = true;
          obj[i] = v;
          break;
        }
        case 53 /* Op.Perform */: {
          const effect = consts[code[pc]!] as string;
          const op = consts[code[pc + 1]!] as string;
          const argc = code[pc + 2]!;
          pc += 3;
          let node = frame.handlers;
          while (node !== null && node.effect !== effect) node = node.next;
          if (node === null) {
            const name = effectDisplayName(effect);
            throw new AriaError('unhandled-operation', `unhandled operation ${name}.${op}: no handler for ${name} is active here`);
          }
          if (node.handler) {
            const impl = node.handler.ops.get(op);
            if (!impl) throw new AriaError('unhandled-operation', `handler ${node.handler.name} has no operation ${op}`);
            frame.pc = pc;
            task.sp = sp;
            const r = invoke(m, task, impl, sp - argc, argc, sp - argc, node.next, at);
            if (r === Invoked.Stopped) return executed;
            frame = frames[frames.length - 1]!;
            proto = frame.proto;
            code = proto.code;
            consts = proto.consts;
            base = frame.base;
            pc = frame.pc;
            sp = task.sp;
            break;
          }
          // The built-in Cancel handler (`with Cancel.timeout`): its node carries the token.
          sp -= argc;
          if (op === 'check') {
            if (isCancelled(node.token) || task.aborted) throw new AriaError('cancelled', 'cancelled (Cancel.check)');
            stack[sp++] = undefined;
          } else if (op === 'token') {
            stack[sp++] = node.token ?? undefined;
          } else {
            throw new AriaError('unhandled-operation', `unhandled operation ${effectDisplayName(effect)}.${op}`);
          }
          break;
        }
        case 54 /* Op.Spawn */: {
          const argc = code[pc]!;
          const scoped = code[pc + 1]!;
          pc += 2;
          const calleeIdx = sp - argc - 1;
          frame.pc = pc;
          task.sp = sp;
          const handle = m.spawnFromVm(task, stack, calleeIdx, argc, scoped ? stack[calleeIdx - 1] : null, frame.handlers, at);
          sp = calleeIdx - scoped;
          stack[sp++] = handle;
          break;
        }
        case 55 /* Op.Await */: {
          const v = stack[--sp];
          frame.pc = pc;
          task.sp = sp;
          const r = m.awaitTask(task, v);
          if (typeof r === 'symbol') {
            if (r === RETRY) {
              sp++;
              frame.pc = at;
              task.sp = sp;
            }
            return executed;
          }
          stack[sp++] = r;
          break;
        }
        case 56 /* Op.WithEnter */: {
          const slot = code[pc]!;
          const exit = code[pc + 1]!;
          pc += 2;
          const h = stack[--sp];
          frame.pc = pc;
          task.sp = sp;
          stack[sp++] = m.withEnter(task, frame, h, slot, exit);
          if (task.state !== 'running') {
            task.sp = sp;
            return executed;
          }
          break;
        }
        case 57 /* Op.WithExit */: {
          const slot = code[pc++]!;
          frame.pc = pc;
          task.sp = sp;
          const r = m.withExit(task, frame, slot);
          if (r === 'wait') {
            frame.pc = at;
            return executed;
          }
          if (r === 'moved') return executed;
          break;
        }
        case 58 /* Op.IterNext */: {
          const xs = stack[base + code[pc]!];
          const i = stack[base + code[pc + 1]!] as number;
          if (Array.isArray(xs)) {
            if (i < xs.length) {
              stack[sp++] = xs[i];
              stack[base + code[pc + 1]!] = i + 1;
              pc += 3;
            } else pc = code[pc + 2]!;
          } else if (typeof xs === 'string') {
            if (i < xs.length) {
              stack[sp++] = xs[i];
              stack[base + code[pc + 1]!] = i + 1;
              pc += 3;
            } else pc = code[pc + 2]!;
          } else {
            throw new AriaError('type-error', `cannot iterate over ${typeName(xs)}`);
          }
          break;
        }
        case 59 /* Op.RangeNext */: {
          const i = stack[base + code[pc]!];
          const end = stack[base + code[pc + 1]!];
          if (typeof i !== 'number' || typeof end !== 'number') {
            throw new AriaError('type-error', `a range needs Int bounds, not ${typeName(i)} and ${typeName(end)}`);
          }
          if (i < end) {
            stack[sp++] = i;
            stack[base + code[pc]!] = i + 1;
            pc += 3;
          } else pc = code[pc + 2]!;
          break;
        }
        case 60 /* Op.IsCtor */: {
          const name = consts[code[pc]!] as string;
          const arity = code[pc + 1]!;
          pc += 2;
          const v = stack[sp - 1];
          stack[sp - 1] = v instanceof StructVal && v.type.name === name && v.values.length === arity;
          break;
        }
        case 61 /* Op.IsList */: {
          const n = code[pc++]!;
          const v = stack[sp - 1];
          stack[sp - 1] = Array.isArray(v) && v.length === n;
          break;
        }
        case 62 /* Op.FieldAt */: {
          const i = code[pc++]!;
          const v = stack[sp - 1];
          stack[sp - 1] = v instanceof StructVal ? v.values[i] : (v as Value[])[i];
          break;
        }
        case 63 /* Op.Fail */: {
          const message = consts[code[pc++]!] as string;
          throw new AriaError(message.startsWith('unknown name') ? 'unknown-name' : 'type-error', message);
        }
        case 64 /* Op.FailMatch */: {
          const v = stack[base + code[pc++]!];
          throw new AriaError('no-match', `no case matched ${show(v as Value, true)}`);
        }
        case 65 /* Op.LoadSubInt */: {
          const a = stack[base + code[pc]!];
          if (a === null) throw unassigned(proto, code[pc]!);
          const b = code[pc + 1]!;
          pc += 2;
          stack[sp++] = typeof a === 'number' ? a - b : arith(Op.Sub, a, b);
          break;
        }
        case 66 /* Op.LoadAddInt */: {
          const a = stack[base + code[pc]!];
          if (a === null) throw unassigned(proto, code[pc]!);
          const b = code[pc + 1]!;
          pc += 2;
          stack[sp++] = typeof a === 'number' ? a + b : add(a, b, m.limits);
          break;
        }
        case 67 /* Op.CmpLocalIntJump */: {
          const a = stack[base + code[pc]!];
          if (a === null) throw unassigned(proto, code[pc]!);
          const b = code[pc + 1]!;
          let c: boolean;
          if (typeof a === 'number') {
            switch (code[pc + 2]) {
              case 25 /* Op.Lt */: c = a < b; break;
              case 26 /* Op.Le */: c = a <= b; break;
              case 27 /* Op.Gt */: c = a > b; break;
              case 28 /* Op.Ge */: c = a >= b; break;
              case 23 /* Op.Eq */: c = a === b; break;
              default: c = a !== b; break;
            }
          } else {
            c = compareSlow(code[pc + 2]! as Op, a, b);
          }
          pc = c ? pc + 4 : code[pc + 3]!;
          break;
        }
        case 68 /* Op.LoadReturn */: {
          const result = stack[base + code[pc]!];
          if (result === null) throw unassigned(proto, code[pc]!);
          const retSp = frame.retSp;
          frames.pop();
          if (frames.length === 0) {
            task.sp = retSp;
            m.complete(task, result);
            return executed;
          }
          frame = frames[frames.length - 1]!;
          proto = frame.proto;
          code = proto.code;
          consts = proto.consts;
          base = frame.base;
          pc = frame.pc;
          sp = retSp;
          stack[sp++] = result;
          break;
        }
        case 69 /* Op.Load2 */: {
          const a = stack[base + code[pc]!];
          if (a === null) throw unassigned(proto, code[pc]!);
          const b = stack[base + code[pc + 1]!];
          if (b === null) throw unassigned(proto, code[pc + 1]!);
          pc += 2;
          stack[sp++] = a;
          stack[sp++] = b;
          break;
        }
        default:
          throw new Error(`VM: bad opcode ${code[at]} at ${at} in ${proto.name}`);
      }
    }
  } catch (caught) {
    const e = caught instanceof AriaError ? caught : resourceProblemOf(caught) !== undefined ? new AriaError('resource-limit', resourceProblemOf(caught)!) : undefined;
    if (e) {
      frame.pc = at;
      task.sp = sp;
      m.raise(task, e, at);
      return executed;
    }
    throw caught;
  }
}

function makeClosure(p: FnProto, stack: Value[], base: number, frame: Frame): Closure {
  const caps = p.captures;
  const ups: Cell[] = new Array(caps.length);
  for (let i = 0; i < caps.length; i++) {
    const c = caps[i]!;
    ups[i] = c.fromLocal ? (stack[base + c.index] as unknown as Cell) : frame.closure!.ups[c.index]!;
  }
  return new Closure(p, ups);
}

/**
 * Calls any callable value with the arguments at `argBase`; the result goes to `retSp`. Used off the hot
 * path (the VM inlines closure calls).
 */
function invoke(m: VmHost, task: Task, callee: Value, argBase: number, argc: number, retSp: number, handlers: Frame['handlers'], at: number): Invoked {
  const stack = task.stack;
  const frames = task.frames;
  if (callee instanceof Closure) {
    const p = callee.proto;
    if (argc < p.required) throw missingArgument(p, argc);
    if (argc > p.params.length) throw tooManyArguments(p, argc);
    if (frames.length >= m.maxDepth) throw stackOverflow(m.maxDepth);
    const nlocals = p.locals.length;
    for (let i = argc; i < nlocals; i++) stack[argBase + i] = null as unknown as Value;
    frames.push({ proto: p, pc: 0, base: argBase, retSp, closure: callee, handlers });
    task.sp = argBase + nlocals;
    return Invoked.Frame;
  }
  if (callee instanceof BuiltinFnVal) {
    if (callee.ctor) {
      const type = callee.ctor;
      if (argc !== type.fields.length) {
        throw new AriaError('arity', `\`${type.name}\` takes ${type.fields.length} argument${type.fields.length === 1 ? '' : 's'}, got ${argc}`);
      }
      const v = new StructVal(type, stack.slice(argBase, argBase + argc));
      stack[retSp] = v;
      task.sp = retSp + 1;
      return Invoked.Result;
    }
    const id = NATIVE_IDS.get(callee.name)!;
    const r: NativeResult = NATIVES[id]!(m, task, stack, argBase, argc);
    const frame = frames[frames.length - 1]!;
    if (r === RETRY) {
      frame.pc = at;
      task.sp = argBase + argc;
      return Invoked.Stopped;
    }
    if (r === SUSPEND) {
      task.sp = retSp;
      return Invoked.Stopped;
    }
    if (r === YIELDED) {
      stack[retSp] = undefined;
      task.sp = retSp + 1;
      return Invoked.Stopped;
    }
    stack[retSp] = r;
    task.sp = retSp + 1;
    return Invoked.Result;
  }
  throw new AriaError('type-error', `${typeName(callee)} ${show(callee, true)} is not a function`);
}

/** Reorders positional and named arguments by the callee's parameter names (a call through a value). */
function orderNamed(callee: Value, args: Value[], names: readonly (string | null)[]): (Value | null)[] {
  let params: readonly string[];
  if (callee instanceof Closure) params = callee.proto.params.map(p => p.name);
  else if (callee instanceof BuiltinFnVal) params = callee.ctor ? callee.ctor.fields : NATIVE_PARAMS.get(callee.name) ?? [];
  else throw new AriaError('type-error', `${typeName(callee)} is not a function`);
  const out: (Value | null)[] = [];
  let positional = 0;
  args.forEach((v, i) => {
    const name = names[i];
    if (name === null || name === undefined) {
      out[positional++] = v;
      return;
    }
    const j = params.indexOf(name);
    if (j < 0) throw new AriaError('arity', `no parameter named \`${name}\``);
    out[j] = v;
  });
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) out[i] = null;
  return out;
}

function getField(obj: Value, name: string): Value {
  if (obj instanceof StructVal) {
    const i = obj.type.index.get(name);
    if (i === undefined) throw new AriaError('type-error', `${obj.type.name} has no field \`${name}\``);
    return obj.values[i];
  }
  const unit = DURATION_UNITS[name];
  if (unit !== undefined) {
    const n = numberOf(obj);
    if (n !== undefined) {
      const ms = n * unit;
      return Number.isInteger(ms) ? ms : new FloatVal(ms);
    }
  }
  if (obj instanceof ModuleVal) {
    const v = obj.globals.get(name);
    if (v === undefined) throw new AriaError('unknown-name', `module \`${obj.name}\` has no item \`${name}\``);
    return v;
  }
  if (obj instanceof TaskVal && name === 'id') return obj.id;
  throw new AriaError('type-error', `${typeName(obj)} has no field \`${name}\``);
}

function getIndex(obj: Value, i: Value): Value {
  if (typeof i !== 'number') throw new AriaError('type-error', `an index must be an Int, not ${typeName(i)}`);
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (i < 0 || i >= obj.length || !Number.isInteger(i)) throw outOfRange(i, obj.length);
    return obj[i];
  }
  throw new AriaError('type-error', `cannot index into ${typeName(obj)}`);
}

/** `a + b` when they are not both Ints: within the limits for strings and lists. */
function add(a: Value, b: Value, limits: RuntimeLimits): Value {
  if (Array.isArray(a) && Array.isArray(b) && a.length + b.length > limits.maxListLength) {
    limitFailure(listLimitProblem(a.length + b.length, limits));
  }
  const sum = arith(Op.Add, a, b);
  // A JS string sum is a rope: made in constant time, so checked after.
  if (typeof sum === 'string' && sum.length > limits.maxStringLength) limitFailure(stringLimitProblem(sum.length, limits));
  return sum;
}

function arith(op: Op, a: Value, b: Value): Value {
  if (op === Op.Add && (typeof a === 'string' || typeof b === 'string')) {
    return (typeof a === 'string' ? a : show(a)) + (typeof b === 'string' ? b : show(b));
  }
  if (op === Op.Add && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  const x = numberOf(a);
  const y = numberOf(b);
  if (x === undefined || y === undefined) {
    const sym = op === Op.Add ? '+' : op === Op.Sub ? '-' : op === Op.Mul ? '*' : op === Op.Div ? '/' : '%';
    throw new AriaError('type-error', `cannot apply \`${sym}\` to ${typeName(a)} and ${typeName(b)}`);
  }
  const float = a instanceof FloatVal || b instanceof FloatVal;
  switch (op) {
    case 16 /* Op.Add */: return float ? new FloatVal(x + y) : x + y;
    case 17 /* Op.Sub */: return float ? new FloatVal(x - y) : x - y;
    case 18 /* Op.Mul */: return float ? new FloatVal(x * y) : x * y;
    case 19 /* Op.Div */:
      if (y === 0) throw new AriaError('division-by-zero', 'division by zero');
      return float ? new FloatVal(x / y) : Math.trunc(x / y);
    case 20 /* Op.Mod */:
      if (y === 0) throw new AriaError('division-by-zero', 'division by zero (remainder)');
      return float ? new FloatVal(x % y) : x % y;
    default:
      throw new Error(`arith: bad op ${op}`);
  }
}

function compareSlow(op: Op, a: Value, b: Value): boolean {
  switch (op) {
    case Op.Eq: return equals(a, b);
    case Op.Ne: return !equals(a, b);
    case Op.Lt: return compareValues(a, b) < 0;
    case Op.Le: return compareValues(a, b) <= 0;
    case Op.Gt: return compareValues(a, b) > 0;
    default: return compareValues(a, b) >= 0;
  }
}

function unassigned(proto: FnProto, slot: number): AriaError {
  return new AriaError('unknown-name', `\`${proto.locals[slot]?.name ?? '?'}\` is used before it is assigned`);
}

function notBool(v: Value): AriaError {
  return new AriaError('type-error', `a condition must be a Bool, not ${typeName(v)} ${show(v, true)}`);
}

function missingArgument(p: FnProto, argc: number): AriaError {
  return new AriaError('arity', `\`${p.name}\` needs ${p.required} argument${p.required === 1 ? '' : 's'}, got ${argc} (missing \`${p.params[argc]?.name}\`)`);
}

function tooManyArguments(p: FnProto, argc: number): AriaError {
  return new AriaError('arity', `\`${p.name}\` takes at most ${p.params.length} argument${p.params.length === 1 ? '' : 's'}, got ${argc}`);
}

function stackOverflow(depth: number): AriaError {
  return new AriaError('stack-overflow', `stack overflow: more than ${depth} nested calls`);
}

function outOfRange(i: number, length: number): AriaError {
  return new AriaError('index-out-of-range', `index ${i} is out of range for length ${length}`);
}
