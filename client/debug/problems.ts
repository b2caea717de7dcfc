// The runtime's lints as Problems: one per lint of each task, at the site that spawned it (plain data for index.ts).
import type { RuntimeStateBody } from '../../debug/protocol.js';
import { taskLabel } from './labels.js';
import { warningsOf } from './tasks-model.js';

export interface TaskProblem {
  readonly path: string;
  /** one-based */
  readonly line: number;
  readonly column: number;
  /** how many characters to underline */
  readonly length: number;
  readonly message: string;
  readonly code: string;
  readonly task: number;
}

/** The warnings of the tasks of a state, at their spawn sites (the main task, spawned by no code, at where it is). */
export function taskProblems(state: RuntimeStateBody | undefined): TaskProblem[] {
  if (!state) return [];
  const out: TaskProblem[] = [];
  for (const t of state.tasks) {
    const at = t.spawnSite ?? t.location;
    const warnings = warningsOf(state, t);
    if (!at || warnings.length === 0) continue;
    for (const w of warnings) {
      out.push({
        path: at.path, line: at.line, column: at.column, length: t.spawnSite ? 'spawn'.length : 1,
        message: `${taskLabel(t)}: ${w.message}`, code: w.kind, task: t.id,
      });
    }
  }
  return out;
}
