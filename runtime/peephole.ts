// Fuses common instruction sequences into superinstructions (fewer dispatches in the VM's hot loop).
import { JUMP_OPERAND, Op, OPERANDS } from './bytecode.js';

interface Instr {
  op: Op;
  args: number[];
  /** Offset in the input code. */
  at: number;
  spanStart: number;
  spanEnd: number;
}

const COMPARES = new Set([Op.Lt, Op.Le, Op.Gt, Op.Ge, Op.Eq, Op.Ne]);

/**
 * Rewrites `code` (with its per-offset span tables). Only instructions that no jump lands on are folded
 * into the one before them, and every jump target is remapped to the new offsets.
 */
export function optimize(code: readonly number[], spanStarts: readonly number[], spanEnds: readonly number[]): { code: number[]; spanStarts: number[]; spanEnds: number[] } {
  const instrs: Instr[] = [];
  for (let pc = 0; pc < code.length; pc += 1 + OPERANDS[code[pc]!]!) {
    const op = code[pc]! as Op;
    instrs.push({ op, args: code.slice(pc + 1, pc + 1 + OPERANDS[op]!), at: pc, spanStart: spanStarts[pc]!, spanEnd: spanEnds[pc]! });
  }
  const targets = new Set<number>();
  for (const i of instrs) {
    const j = JUMP_OPERAND.get(i.op);
    if (j !== undefined) targets.add(i.args[j]!);
  }
  const out: Instr[] = [];
  const free = (k: number, n: number) => {
    for (let x = k + 1; x < k + n; x++) if (!instrs[x] || targets.has(instrs[x]!.at)) return false;
    return true;
  };
  for (let k = 0; k < instrs.length; k++) {
    const a = instrs[k]!;
    const b = instrs[k + 1];
    const c = instrs[k + 2];
    const d = instrs[k + 3];
    if (a.op === Op.Load && b?.op === Op.Int && c && d && COMPARES.has(c.op) && d.op === Op.JumpIfFalse && free(k, 4)) {
      out.push({ op: Op.CmpLocalIntJump, args: [a.args[0]!, b.args[0]!, c.op, d.args[0]!], at: a.at, spanStart: c.spanStart, spanEnd: c.spanEnd });
      k += 3;
      continue;
    }
    if (a.op === Op.Load && b?.op === Op.Int && (c?.op === Op.Sub || c?.op === Op.Add) && free(k, 3)) {
      out.push({ op: c.op === Op.Sub ? Op.LoadSubInt : Op.LoadAddInt, args: [a.args[0]!, b.args[0]!], at: a.at, spanStart: c.spanStart, spanEnd: c.spanEnd });
      k += 2;
      continue;
    }
    if (a.op === Op.Load && b?.op === Op.Return && free(k, 2)) {
      out.push({ op: Op.LoadReturn, args: [a.args[0]!], at: a.at, spanStart: a.spanStart, spanEnd: a.spanEnd });
      k += 1;
      continue;
    }
    if (a.op === Op.Load && b?.op === Op.Load && free(k, 2)) {
      out.push({ op: Op.Load2, args: [a.args[0]!, b.args[0]!], at: a.at, spanStart: a.spanStart, spanEnd: a.spanEnd });
      k += 1;
      continue;
    }
    out.push(a);
  }
  const newAt = new Map<number, number>();
  let pc = 0;
  for (const i of out) {
    newAt.set(i.at, pc);
    pc += 1 + i.args.length;
  }
  newAt.set(code.length, pc);
  const result: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const i of out) {
    const j = JUMP_OPERAND.get(i.op);
    const args = [...i.args];
    if (j !== undefined) {
      const t = newAt.get(args[j]!);
      if (t === undefined) throw new Error(`peephole: jump to ${args[j]} is not an instruction start`);
      args[j] = t;
    }
    result.push(i.op, ...args);
    starts.push(i.spanStart, ...args.map(() => -1));
    ends.push(i.spanEnd, ...args.map(() => -1));
  }
  return { code: result, spanStarts: starts, spanEnds: ends };
}
