// Types of many-tasks.mjs (plain JavaScript, shared by the vitest suites and the code-server e2e).
export function manyTasksProgram(tasks: number): string;
export function manyTasksCount(tasks: number): number;
