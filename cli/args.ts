// One argument parser for every command (node:util's parseArgs): usage errors name the flag, `--help` is common to all.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;

/** The result of reading a command's arguments: its values, a request for its help, or a usage error. */
export type ArgsResult<O extends Options> =
  | { readonly kind: 'ok'; readonly values: Parsed<O>['values']; readonly positionals: string[] }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

/** parseArgs' messages, made short and naming the flag: "unknown option `--frob`", "`--format` needs a value". */
function usageMessage(error: Error & { code?: string }): string {
  const flag = /'(-[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return flag ? `unknown option \`${flag}\`` : error.message;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return flag ? (/argument missing/.test(error.message) ? `\`${flag}\` needs a value` : `\`${flag}\` takes no value`) : error.message;
    default:
      return error.message;
  }
}

/** Reads `args` against `options` (plus `--help`/`-h`); never throws. */
export function readArgs<O extends Options>(args: readonly string[], options: O): ArgsResult<O> {
  try {
    const { values, positionals } = parseArgs({
      args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true,
    });
    if ((values as Record<string, unknown>)['help']) return { kind: 'help' };
    return { kind: 'ok', values: values as Parsed<O>['values'], positionals };
  } catch (error) {
    return { kind: 'error', message: usageMessage(error as Error & { code?: string }) };
  }
}

/** A whole number in `min..max`, or a message naming the option. */
export function wholeNumber(name: string, value: string | undefined, min: number, max: number): number | string | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : `--${name} takes a whole number from ${min} to ${max}, not \`${value}\``;
}
