// Shared helpers for runtime tests: run an Aria file or text and read the expectations written in its comments.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compileProgram, loadProgram, runProgram, type RunOptions, type RunResult } from '../../runtime/index.js';
import { Machine, type Host, type MachineOptions } from '../../runtime/machine.js';

/** Expectations in comments: `# output: line`, `# exit: 1`, `# failure: kind`, `# failure-at: line:column`, `# message: text`, `# run: workers=1 seed=3 flavor=single steps=N max-list=N max-string=N`. */
export interface Expectations {
  readonly output: string[];
  readonly exit?: number;
  readonly failure?: string;
  readonly failureAt?: string;
  readonly messages: string[];
  readonly options: {
    workers?: number; seed?: number; flavor?: 'multi' | 'single' | 'wasm'; stepLimit?: number;
    limits?: { maxListLength?: number; maxStringLength?: number };
  };
}

export function expectationsOf(text: string): Expectations {
  const output: string[] = [];
  const messages: string[] = [];
  let exit: number | undefined;
  let failure: string | undefined;
  let failureAt: string | undefined;
  const options: Expectations['options'] = {};
  for (const line of text.split('\n')) {
    const m = /^\s*# (output|exit|failure|failure-at|message|run):(?: (.*))?$/.exec(line);
    if (!m) continue;
    const value = m[2] ?? '';
    switch (m[1]) {
      case 'output': output.push(value); break;
      case 'exit': exit = Number(value); break;
      case 'failure': failure = value.trim(); break;
      case 'failure-at': failureAt = value.trim(); break;
      case 'message': messages.push(value.trim()); break;
      case 'run':
        for (const kv of value.trim().split(/\s+/)) {
          const [k, v] = kv.split('=');
          if (k === 'workers') options.workers = Number(v);
          else if (k === 'seed') options.seed = Number(v);
          else if (k === 'flavor') options.flavor = v as 'multi' | 'single' | 'wasm';
          else if (k === 'steps') options.stepLimit = Number(v);
          else if (k === 'max-list') options.limits = { ...options.limits, maxListLength: Number(v) };
          else if (k === 'max-string') options.limits = { ...options.limits, maxStringLength: Number(v) };
        }
        break;
    }
  }
  return { output, exit, failure, failureAt, messages, options };
}

export function readModuleFrom(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function runFile(path: string, options: RunOptions = {}): Promise<RunResult> {
  const text = readFileSync(path, 'utf8');
  return runProgram(text, { path, readModule: readModuleFrom, ...options });
}

export async function runText(text: string, options: RunOptions = {}): Promise<RunResult> {
  return runProgram(text, { path: 'test.aria', ...options });
}

/** A machine for a program text, not yet run (for stepping, snapshots and checkpoints). */
export async function machineFor(text: string, options: MachineOptions = {}, host: Partial<Host> = {}, path = 'test.aria'): Promise<{ machine: Machine; output: () => string }> {
  const { program: loaded, diagnostics } = await loadProgram(text, { path, readModule: p => readModuleFrom(join(dirname(path), p)) });
  if (diagnostics.some(d => d.severity === 'error')) throw new Error(diagnostics.map(d => d.message).join('\n'));
  const program = await compileProgram(loaded);
  let out = '';
  const machine = new Machine(program, { ...host, write: t => { out += t; } }, options);
  return { machine, output: () => out };
}
