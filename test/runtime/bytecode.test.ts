// The VM's switch uses literal opcodes (tsx does not inline const enums): they must match the Op enum.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JUMP_OPERAND, Op, OPERANDS } from '../../runtime/bytecode.js';
import { optimize } from '../../runtime/peephole.js';

const opNames = (() => {
  const src = readFileSync(join(import.meta.dirname, '..', '..', 'runtime', 'bytecode.ts'), 'utf8');
  const body = src.slice(src.indexOf('export const enum Op {'), src.indexOf('\n}\n', src.indexOf('export const enum Op {')));
  return [...body.matchAll(/^\s+([A-Z][A-Za-z0-9]*),\s*$/gm)].map(m => m[1]!);
})();

describe('bytecode', () => {
  it('every literal case label in the VM names the opcode it stands for', () => {
    const vm = readFileSync(join(import.meta.dirname, '..', '..', 'runtime', 'vm.ts'), 'utf8');
    const labels = [...vm.matchAll(/case (\d+) \/\* Op\.(\w+) \*\//g)];
    expect(labels.length).toBeGreaterThan(60);
    for (const [, n, name] of labels) expect(opNames.indexOf(name!), `case ${n} /* Op.${name} */`).toBe(Number(n));
  });

  it('knows the operand count of every opcode', () => {
    opNames.forEach((_, op) => expect(OPERANDS[op], opNames[op]).toBeGreaterThanOrEqual(0));
  });

  it('fuses a compare-and-branch and remaps the jump targets around it', () => {
    // 0: Load 0; 2: Int 2; 4: Lt; 5: JumpIfFalse 9; 7: Load 0; 9: Unit (target); 10: Return
    const code = [Op.Load, 0, Op.Int, 2, Op.Lt, Op.JumpIfFalse, 9, Op.Load, 0, Op.Unit, Op.Return];
    const spans = code.map((_, i) => i);
    const out = optimize(code, spans, spans);
    expect(out.code[0]).toBe(Op.CmpLocalIntJump);
    // CmpLocalIntJump(4 operands) = 5 words, then Load 0 (2 words): the Unit moves to offset 7.
    expect(out.code[3]).toBe(Op.Lt);
    expect(out.code[4]).toBe(7);
    expect(out.code[7]).toBe(Op.Unit);
    expect(JUMP_OPERAND.get(Op.CmpLocalIntJump)).toBe(3);
  });

  it('does not fuse across a jump target', () => {
    // A jump lands on the Int: Load; Int must stay apart.
    const code = [Op.Jump, 4, Op.Load, 0, Op.Int, 1, Op.Sub, Op.Return];
    const spans = code.map(() => -1);
    const out = optimize(code, spans, spans);
    expect(out.code).toEqual(code);
  });
});
