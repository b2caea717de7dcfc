// The VM's instruction set and compiled function prototypes (immutable once built, shared by checkpoints).
import type { Span } from '../analysis/syntax/ast.js';

/**
 * Instructions are laid out in an Int32Array: the opcode, then its operands. Operands named `k` index
 * the prototype's constant pool; `slot` is a local of the current frame; jump targets are absolute.
 */
export const enum Op {
  /** (k) push consts[k] */
  Const,
  /** (n) push the integer n */
  Int,
  Unit,
  True,
  False,
  Pop,
  Dup,
  /** (slot) push a local; fails if it was never assigned */
  Load,
  /** (slot) pop into a local */
  Store,
  /** (slot) push the value of the cell in a local */
  LoadCell,
  /** (slot) pop into the cell in a local */
  StoreCell,
  /** (slot) put a fresh unassigned cell in a local (a new binding: function entry, each loop iteration) */
  NewCell,
  /** (slot) wrap the argument in a local into a cell (a parameter captured by a nested function) */
  BoxParam,
  /** (i) push the value of the closure's i-th captured cell */
  LoadUp,
  /** (i) pop into the closure's i-th captured cell */
  StoreUp,
  /** (g) push the machine's global g */
  LoadGlobal,
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  Neg,
  Not,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  /** a..b as a list */
  Range,
  /** (target) */
  Jump,
  /** (target) pop a Bool; jump when false */
  JumpIfFalse,
  /** (target) pop a Bool; jump when true */
  JumpIfTrue,
  /** (target) `and`: if the top is false jump (keeping it), else pop it */
  AndJump,
  /** (target) `or`: if the top is true jump (keeping it), else pop it */
  OrJump,
  /** (slot target) jump when the local has been assigned (skips a parameter's default) */
  JumpIfSet,
  /** (argc) call the value below the arguments */
  Call,
  /** (argc namesK) call with named arguments: consts[namesK] lists each argument's name or null */
  CallNamed,
  /** (g argc) call the global function g directly */
  CallGlobal,
  /** (b argc) call the native built-in b */
  CallBuiltin,
  /** (nameK argc fallbackK) `recv.name(args)`: a callable field, a module function, else the uniform call */
  CallMethod,
  /** call the value at the frame's base with every value above it (a task's entry) */
  CallAll,
  Return,
  /** (id) a statement boundary: the unit of stepping, breakpoints and the step limit */
  Stmt,
  /** (n) */
  MakeList,
  /** (k) a closure of the prototype consts[k] over the current frame's cells */
  MakeClosure,
  /** (n) join n values as text (string interpolation) */
  MakeString,
  /** (k argc) a struct of type consts[k] */
  MakeStruct,
  /** (k) a handler value from the handler declaration consts[k], over the current frame's cells */
  MakeHandler,
  /** (nameK) */
  GetField,
  /** (nameK) pop value and object; set the field */
  SetField,
  GetIndex,
  /** pop value, index and object; set the element */
  SetIndex,
  /** (effectK opK argc) perform an operation: runs the innermost handler's implementation */
  Perform,
  /** (argc scoped) start a task calling the value below the arguments; `scoped` adds the scope below it */
  Spawn,
  Await,
  /**
   * (slot exit) enter a `with`: pops the handler, keeps a record in the local, pushes what a binder gets; `exit` is
   * the offset just past the block's own WithExit (where a `Cancel.timeout` cut short by its deadline goes on)
   */
  WithEnter,
  /** (slot) leave a `with`: the block's value stays on the stack */
  WithExit,
  /** (listSlot indexSlot target) next element of a list loop into the stack, or jump when done */
  IterNext,
  /** (counterSlot endSlot target) next integer of a range loop, or jump when done */
  RangeNext,
  /** (k arity) pop a value; push whether it is built by the constructor named consts[k] */
  IsCtor,
  /** (n) pop a value; push whether it is a list of n elements */
  IsList,
  /** (i) pop a struct or a list; push its i-th field or element */
  FieldAt,
  /** (k) fail with the message consts[k] */
  Fail,
  /** (slot) fail with "no case matched" showing the value in the local */
  FailMatch,
  // Superinstructions the peephole pass fuses from common sequences (runtime/peephole.ts).
  /** (slot n) Load slot; Int n; Sub */
  LoadSubInt,
  /** (slot n) Load slot; Int n; Add */
  LoadAddInt,
  /** (slot n cmp target) Load slot; Int n; <cmp>; JumpIfFalse target — cmp is Op.Lt, Le, Gt, Ge, Eq or Ne */
  CmpLocalIntJump,
  /** (slot) Load slot; Return */
  LoadReturn,
  /** (a b) Load a; Load b */
  Load2,
}

/** Which operand of a jumping instruction is its target (absolute code offset). */
export const JUMP_OPERAND: ReadonlyMap<Op, number> = new Map([
  [Op.Jump, 0], [Op.JumpIfFalse, 0], [Op.JumpIfTrue, 0], [Op.AndJump, 0], [Op.OrJump, 0], [Op.JumpIfSet, 1],
  [Op.IterNext, 2], [Op.RangeNext, 2], [Op.CmpLocalIntJump, 3], [Op.WithEnter, 1],
]);

/** Operand counts per opcode, for the disassembler and the span table. */
export const OPERANDS: readonly number[] = (() => {
  const n: number[] = [];
  const set = (op: Op, count: number) => { n[op] = count; };
  for (let op = Op.Const; op <= Op.Load2; op++) n[op] = 0;
  for (const op of [Op.Const, Op.Int, Op.Load, Op.Store, Op.LoadCell, Op.StoreCell, Op.NewCell, Op.BoxParam, Op.LoadUp, Op.StoreUp,
    Op.LoadGlobal, Op.Jump, Op.JumpIfFalse, Op.JumpIfTrue, Op.AndJump, Op.OrJump, Op.Call, Op.Stmt, Op.MakeList, Op.MakeClosure,
    Op.MakeString, Op.MakeHandler, Op.GetField, Op.SetField, Op.WithExit, Op.IsList,
    Op.FieldAt, Op.Fail, Op.FailMatch]) {
    set(op, 1);
  }
  for (const op of [Op.JumpIfSet, Op.CallNamed, Op.CallGlobal, Op.CallBuiltin, Op.MakeStruct, Op.Spawn, Op.IsCtor, Op.WithEnter]) set(op, 2);
  for (const op of [Op.CallMethod, Op.Perform, Op.IterNext, Op.RangeNext]) set(op, 3);
  for (const op of [Op.LoadSubInt, Op.LoadAddInt, Op.Load2]) set(op, 2);
  set(Op.LoadReturn, 1);
  set(Op.CmpLocalIntJump, 4);
  return n;
})();

/** A local variable's name and whether it lives in a cell (captured by a nested function). */
export interface LocalInfo {
  readonly name: string;
  readonly cell: boolean;
  /** Compiler temporaries (`%with`, `%iter`...) are hidden from the debugger. */
  readonly hidden: boolean;
}

/** Where a closure's captured cell comes from when it is made: a cell local of the maker, or one of its captures. */
export interface Capture {
  readonly fromLocal: boolean;
  readonly index: number;
  readonly name: string;
}

export type ProtoKind = 'fn' | 'lambda' | 'local-fn' | 'main' | 'handler-op' | 'handler-factory' | 'thunk' | 'entry';

export interface ParamInfo {
  readonly name: string;
  readonly hasDefault: boolean;
}

/** A compiled function. */
export class FnProto {
  constructor(
    readonly name: string,
    readonly kind: ProtoKind,
    /** The module's path (as given to the compiler). */
    readonly module: string,
    readonly span: Span,
    readonly params: readonly ParamInfo[],
    /** How many leading parameters have no default. */
    readonly required: number,
    readonly locals: readonly LocalInfo[],
    readonly captures: readonly Capture[],
    readonly code: Int32Array,
    readonly consts: readonly unknown[],
    /** Source span of each instruction, by the offset of its opcode (start and end, -1 where none). */
    readonly spanStarts: Int32Array,
    readonly spanEnds: Int32Array,
  ) {}

  get nlocals(): number {
    return this.locals.length;
  }

  /** The span of the instruction at `pc`, or of the nearest one before it that has one. */
  spanAt(pc: number): Span {
    for (let i = Math.min(pc, this.spanStarts.length - 1); i >= 0; i--) {
      if (this.spanStarts[i]! >= 0) return { start: this.spanStarts[i]!, end: this.spanEnds[i]! };
    }
    return this.span;
  }
}

/** The id of the first statement in a prototype's code, or -1 (where a function breakpoint binds). */
export function firstStatement(proto: FnProto): number {
  const code = proto.code;
  for (let pc = 0; pc < code.length; pc += 1 + (OPERANDS[code[pc]!] ?? 0)) {
    if (code[pc] === Op.Stmt) return code[pc + 1]!;
  }
  return -1;
}
