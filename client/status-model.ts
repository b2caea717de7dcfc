// What the Aria status bar item says for a server state and diagnostic counts (plain data; status.ts renders it).

export type ServerState = 'starting' | 'ready' | 'stopped' | 'error';

export interface DiagnosticCounts {
  readonly errors: number;
  readonly warnings: number;
}

export interface StatusView {
  /** Status bar text with codicons, e.g. `$(check) Aria $(error) 2`. */
  readonly text: string;
  /** Markdown tooltip. */
  readonly tooltip: string;
  /** Whether to paint the item with the theme's error background. */
  readonly alarm: boolean;
}

const icons: Readonly<Record<ServerState, string>> = {
  starting: '$(sync~spin)',
  ready: '$(check)',
  stopped: '$(circle-slash)',
  error: '$(error)',
};

/** Renders the item; `detail` is the last error message when the state is `error`. */
export function statusView(state: ServerState, counts: DiagnosticCounts, detail?: string): StatusView {
  let text = `${icons[state]} Aria`;
  if (state === 'ready' && (counts.errors > 0 || counts.warnings > 0)) {
    const parts: string[] = [];
    if (counts.errors > 0) parts.push(`$(error) ${counts.errors}`);
    if (counts.warnings > 0) parts.push(`$(warning) ${counts.warnings}`);
    text += ` ${parts.join(' ')}`;
  }
  const lines = [`**Aria Language Server**: ${state}`];
  if (state === 'error' && detail) lines.push('', escapeMarkdown(detail));
  if (state === 'ready') lines.push('', `${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')} in Aria files`);
  lines.push('', 'Click to show the server output.');
  return { text, tooltip: lines.join('\n'), alarm: state === 'error' };
}

/** Counts errors and warnings among diagnostic severities (already mapped from vscode's enum by the caller). */
export function countSeverities(severities: Iterable<'error' | 'warning' | 'other'>): DiagnosticCounts {
  let errors = 0;
  let warnings = 0;
  for (const severity of severities) {
    if (severity === 'error') errors++;
    else if (severity === 'warning') warnings++;
  }
  return { errors, warnings };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, ch => `\\${ch}`);
}
