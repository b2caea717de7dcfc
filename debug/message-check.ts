// Checks what a DAP client sent before the session acts on it: the shape of a message and the types of the arguments it names.

/** The type each argument of a DAP request must have, by name (where the name appears in any request). */
const ARGUMENT_TYPES: Readonly<Record<string, 'integer' | 'string' | 'boolean' | 'object' | 'array'>> = {
  threadId: 'integer',
  frameId: 'integer',
  variablesReference: 'integer',
  sourceReference: 'integer',
  startFrame: 'integer',
  levels: 'integer',
  start: 'integer',
  count: 'integer',
  line: 'integer',
  column: 'integer',
  endLine: 'integer',
  endColumn: 'integer',
  targetId: 'integer',
  expression: 'string',
  context: 'string',
  program: 'string',
  cwd: 'string',
  name: 'string',
  condition: 'string',
  hitCondition: 'string',
  logMessage: 'string',
  filters: 'array',
  breakpoints: 'array',
  lines: 'array',
  args: 'array',
  source: 'object',
  singleThread: 'boolean',
  noDebug: 'boolean',
  stopOnEntry: 'boolean',
  restart: 'boolean',
  terminateDebuggee: 'boolean',
};

/** The longest text of a value quoted in a message. */
const QUOTE = 60;

function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > QUOTE ? `${text.slice(0, QUOTE)}…` : text;
}

function typeProblem(path: string, value: unknown, want: string): string | undefined {
  const ok = want === 'integer' ? typeof value === 'number' && Number.isSafeInteger(value)
    : want === 'array' ? Array.isArray(value)
      : want === 'object' ? typeof value === 'object' && value !== null && !Array.isArray(value)
        : typeof value === want;
  return ok ? undefined : `"${path}" must be ${want === 'integer' || want === 'array' || want === 'object' ? 'an' : 'a'} ${want}, not ${quote(value)}`;
}

/** What is wrong with the arguments of a request (each named field of a known type, one level into arrays and objects), or undefined. */
export function argumentsProblem(args: unknown): string | undefined {
  if (args === undefined) return undefined;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return `"arguments" must be an object, not ${quote(args)}`;
  const visit = (value: Record<string, unknown>, prefix: string, depth: number): string | undefined => {
    for (const [key, v] of Object.entries(value)) {
      const want = ARGUMENT_TYPES[key];
      if (want === undefined || v === undefined) continue;
      // `variables` and `args` of a launch are the user's own; only their container is checked.
      const path = prefix ? `${prefix}.${key}` : key;
      const problem = typeProblem(path, v, want);
      if (problem) return problem;
      if (depth > 0) continue;
      if (want === 'object') {
        const inner = visit(v as Record<string, unknown>, path, depth + 1);
        if (inner) return inner;
      } else if (want === 'array' && key === 'breakpoints') {
        for (const [i, item] of (v as unknown[]).entries()) {
          if (typeof item !== 'object' || item === null) return `"${path}[${i}]" must be an object, not ${quote(item)}`;
          const inner = visit(item as Record<string, unknown>, `${path}[${i}]`, depth + 1);
          if (inner) return inner;
        }
      } else if (want === 'array' && key === 'lines') {
        for (const [i, item] of (v as unknown[]).entries()) {
          const inner = typeProblem(`${path}[${i}]`, item, 'integer');
          if (inner) return inner;
        }
      }
    }
    return undefined;
  };
  return visit(args as Record<string, unknown>, '', 0);
}

/** What is wrong with a message as a whole (not an object, no `type`, a request without a command), or undefined. */
export function messageProblem(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return `a message must be a JSON object, not ${quote(message)}`;
  const m = message as { type?: unknown; command?: unknown; seq?: unknown };
  if (m.type !== 'request' && m.type !== 'response' && m.type !== 'event') return `"type" must be "request", "response" or "event", not ${quote(m.type)}`;
  if (m.type === 'request' && typeof m.command !== 'string') return `a request needs a "command" string, not ${quote(m.command)}`;
  if (m.type === 'request' && (typeof m.seq !== 'number' || !Number.isSafeInteger(m.seq))) return `a request needs an integer "seq", not ${quote(m.seq)}`;
  return undefined;
}
