// Content-Length framed messages over a child process's stdio, read and written by vscode-jsonrpc (LSP and DAP share the framing).
import type { ChildProcess } from 'node:child_process';
import { StreamMessageReader, StreamMessageWriter, type Message } from 'vscode-jsonrpc/node';

export type Framed = Record<string, unknown>;

export interface FramedStdio {
  /** Writes one message with its Content-Length header. */
  send(message: Framed): Promise<void>;
  /** The first message received (before or after the call) that passes `test`; rejects after `timeoutMs`. */
  next<T = Framed>(test: (m: Framed) => boolean, timeoutMs?: number): Promise<T>;
  dispose(): void;
}

export function framedStdio(child: ChildProcess): FramedStdio {
  const reader = new StreamMessageReader(child.stdout!);
  const writer = new StreamMessageWriter(child.stdin!);
  const seen: Framed[] = [];
  const waiting: { test: (m: Framed) => boolean; done: (m: Framed) => void }[] = [];
  reader.listen(message => {
    const m = message as unknown as Framed;
    const i = waiting.findIndex(w => w.test(m));
    if (i >= 0) waiting.splice(i, 1)[0]!.done(m);
    else seen.push(m);
  });
  return {
    send: message => writer.write(message as unknown as Message),
    next<T>(test: (m: Framed) => boolean, timeoutMs = 20_000): Promise<T> {
      const i = seen.findIndex(test);
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0] as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such message in ${timeoutMs} ms`)), timeoutMs);
        waiting.push({ test, done: m => { clearTimeout(timer); resolve(m as T); } });
      });
    },
    dispose: () => {
      reader.dispose();
      writer.dispose();
    },
  };
}
