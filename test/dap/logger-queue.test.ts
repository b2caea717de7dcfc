// The adapter's memory does not grow with the messages it sends: @vscode/debugadapter's LoggingDebugSession logs every
// message to and from the client, and its logger queues them all until `logger.setup` is called (a program printing
// 4,000,000 lines took the adapter past 120 MB of live heap, most of it that queue).
import { PassThrough } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OutputEvent } from '@vscode/debugadapter';
import { describe, expect, it } from 'vitest';
import { AriaDebugSession } from '../../debug/session.js';

const settle = () => new Promise(resolve => setImmediate(resolve));

describe('the adapter keeps nothing per message it sends', () => {
  it('sends 100,000 output events with the live heap growing by less than a tenth of what they carried', async () => {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const session = new AriaDebugSession();
    session.setRunAsServer(false);
    const input = new PassThrough();
    const output = new PassThrough();
    let received = 0;
    output.on('data', (chunk: Buffer) => (received += chunk.length));
    session.start(input, output);
    const line = `${'x'.repeat(200)}\n`;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        session.sendEvent(new OutputEvent(line, 'console'));
        if (i % 1000 === 0) await settle();
      }
      await settle();
    };
    await send(1000);
    gc();
    const before = process.memoryUsage().heapUsed;
    const sentBefore = received;
    await send(100_000);
    gc();
    const grew = process.memoryUsage().heapUsed - before;
    const sent = received - sentBefore;
    expect(sent).toBeGreaterThan(100_000 * line.length);
    // queued, the messages' JSON (about 25 MB) stayed alive
    expect(grew).toBeLessThan(sent / 10);
    input.end();
  });
});
