// Colour for the terminal: on when the stream is a terminal, off when piped; NO_COLOR and FORCE_COLOR decide first.

/** The ANSI styles the CLI uses; each is the identity when colour is off. */
export interface Style {
  readonly enabled: boolean;
  readonly error: (text: string) => string;
  readonly warning: (text: string) => string;
  readonly note: (text: string) => string;
  readonly help: (text: string) => string;
  /** The gutter (`  |`, line numbers, `-->`). */
  readonly gutter: (text: string) => string;
  readonly bold: (text: string) => string;
  /** Text a suggestion adds. */
  readonly added: (text: string) => string;
  /** Text a suggestion removes. */
  readonly removed: (text: string) => string;
}

const sgr = (open: string) => (text: string) => (text === '' ? text : `\x1b[${open}m${text}\x1b[0m`);
const plain = (text: string) => text;

export function makeStyle(enabled: boolean): Style {
  if (!enabled) return { enabled, error: plain, warning: plain, note: plain, help: plain, gutter: plain, bold: plain, added: plain, removed: plain };
  return {
    enabled,
    error: sgr('1;31'),
    warning: sgr('1;33'),
    note: sgr('1;32'),
    help: sgr('1;36'),
    gutter: sgr('1;34'),
    bold: sgr('1'),
    added: sgr('32'),
    removed: sgr('31'),
  };
}

/**
 * Whether to colour a stream: `NO_COLOR` (set and not empty) turns colour off; `FORCE_COLOR` turns it on (off when
 * it is `0` or `false`); otherwise colour goes to a terminal and not into a pipe or a file (and not to a dumb terminal).
 */
export function wantsColour(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return isTTY && env['TERM'] !== 'dumb';
}
