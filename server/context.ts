// What every feature handler of the server shares: the connection, the analyzer, settings and the client's capabilities.
import {
  ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type ClientCapabilities, type Connection,
} from 'vscode-languageserver/node';
import type { Analyzer } from './analyzer.js';
import { paramsProblem } from './convert.js';
import { DEFAULT_SETTINGS, type Settings } from './settings.js';

export interface ServerContext {
  readonly connection: Connection;
  readonly analyzer: Analyzer;
  settings: Settings;
  capabilities: ClientCapabilities;
  /** Small numbers for URIs, so that hundreds of completion items do not each carry one. */
  readonly uriIds: UriTable;
}

export class UriTable {
  private readonly ids = new Map<string, number>();
  private readonly uris: string[] = [];

  id(uri: string): number {
    let id = this.ids.get(uri);
    if (id === undefined) {
      id = this.uris.push(uri) - 1;
      this.ids.set(uri, id);
    }
    return id;
  }

  uri(id: number): string | undefined {
    return this.uris[id];
  }
}

export function createContext(connection: Connection, analyzer: Analyzer): ServerContext {
  return { connection, analyzer, settings: DEFAULT_SETTINGS, capabilities: {}, uriIds: new UriTable() };
}

/** Thrown by long work that noticed its request was cancelled; only the request wrapper turns it into a response. */
export class Cancelled extends Error {
  constructor() {
    super('request cancelled');
  }
}

/** Yields to the event loop every `every` calls so that a `$/cancelRequest` can arrive, then throws if it did. */
export function cancellationCheck(token: CancellationToken | undefined, every = 64): () => Promise<void> {
  let calls = 0;
  return async () => {
    if (++calls % every === 0) await new Promise<void>(resolve => setImmediate(resolve));
    if (token?.isCancellationRequested) throw new Cancelled();
  };
}

/**
 * Wraps a request handler so that every request answers: a cancelled request answers RequestCancelled, and an
 * exception (a bug met on broken code) is logged and answers `fallback` instead of killing the server. Params
 * with a position that is not a pair of non-negative integers answer InvalidParams, naming the field.
 */
export function guarded<P, R>(
  ctx: ServerContext,
  name: string,
  fallback: R,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): (params: P, token: CancellationToken) => Promise<R | ResponseError<never>> {
  return async (params, token) => {
    if (token.isCancellationRequested) return new ResponseError<never>(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
    const problem = paramsProblem(params);
    if (problem) return new ResponseError<never>(ErrorCodes.InvalidParams, `${name}: ${problem}`);
    try {
      const result = await handler(params, token);
      if (token.isCancellationRequested) return new ResponseError<never>(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
      return result;
    } catch (error) {
      if (error instanceof ResponseError) return error as ResponseError<never>;
      if (error instanceof Cancelled) return new ResponseError<never>(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
      ctx.connection.console.error(`${name} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      return fallback;
    }
  };
}
