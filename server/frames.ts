// Checks the framing of the LSP byte stream before vscode-jsonrpc reads it: a broken frame is dropped with a log line and reading resynchronises at the next header.
import { Transform, type TransformCallback } from 'node:stream';

/** The longest header block taken as one (real ones are under 100 bytes). */
const MAX_HEADER = 8 * 1024;
/** The largest body accepted: a bigger one is refused like a broken frame (a 256 MB document is not edited). */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** Bodies up to this size are checked to be JSON here, so that one that is not is named in the log. */
const CHECKED_BODY = 1024 * 1024;

const HEADER_END = Buffer.from('\r\n\r\n');
/**
 * A Content-Length field and the CR LF that ends it: where a frame's header may start. Its raw CR LF cannot occur
 * inside JSON (strings escape them, and `Content-Length` is no JSON token), so a body never holds it.
 */
const LENGTH_FIELD = /content-length:[ \t]*\d{1,10}\r\n/i;
/** Bytes kept back when no field was found: a field cut at the end of what arrived is completed by the next chunk. */
const FIELD_MAX = 40;

/**
 * Passes well-formed frames (`Content-Length: N\r\n...\r\n\r\n` + N bytes) through unchanged and drops the rest:
 * - a header block without a numeric Content-Length: dropped up to the next line that starts a header;
 * - a Content-Length larger than the body: the next frame's header shows inside the "body" (a raw newline
 *   followed by `Content-Length:` cannot occur inside JSON), so the frame is dropped and reading starts there;
 * - bytes that are no header at all: skipped up to the next header.
 * Without it, vscode-jsonrpc stops reading after a header without Content-Length, and after a length larger than
 * the body it takes every later message as part of that body: the server stays alive and answers nothing, `exit`
 * included. What is dropped is reported through `log` (stderr: the client shows it in its output channel).
 */
export class FrameGuard extends Transform {
  /** Bytes received and not yet passed on or dropped: `head` plus the chunks after it (not concatenated while a big body arrives). */
  private head = Buffer.alloc(0);
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  /** The frame whose body is arriving: where its body starts, its length, and how far the body was searched for a header. */
  private frame?: { bodyStart: number; length: number; searched: number };
  /** Frames dropped so far. */
  dropped = 0;

  constructor(private readonly log: (message: string) => void, private readonly maxFrame = MAX_FRAME_BYTES) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    this.drain();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.join();
    if (this.head.length) this.discard(this.head.length, 'the stream ended inside a frame');
    done();
  }

  private get size(): number {
    return this.head.length + this.tailBytes;
  }

  /** The bytes [from, to) of what is held, copying only when they span chunks. */
  private bytes(from: number, to: number): Buffer {
    if (to <= this.head.length) return this.head.subarray(from, to);
    const parts: Buffer[] = [];
    let at = 0;
    for (const chunk of [this.head, ...this.tail]) {
      const start = Math.max(from, at);
      const end = Math.min(to, at + chunk.length);
      if (start < end) parts.push(chunk.subarray(start - at, end - at));
      at += chunk.length;
      if (at >= to) break;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private join(): void {
    if (!this.tail.length) return;
    this.head = Buffer.concat([this.head, ...this.tail]);
    this.tail.length = 0;
    this.tailBytes = 0;
  }

  private drain(): void {
    for (;;) {
      if (this.frame) {
        const { bodyStart, length } = this.frame;
        // Search only what arrived since the last look (a 50 MB body comes in hundreds of chunks).
        if (!this.searchBody()) continue;
        if (this.size < bodyStart + length) return; // the body is still arriving
        this.join();
        const whole = this.head.subarray(0, bodyStart + length);
        this.head = this.head.subarray(bodyStart + length);
        this.frame = undefined;
        // vscode-jsonrpc drops a body that is not JSON without a word: say what was dropped (small bodies only;
        // a big one is a document, read once by the connection).
        const problem = length <= CHECKED_BODY ? jsonProblem(whole.subarray(bodyStart)) : undefined;
        if (problem) {
          this.dropped++;
          this.log(`aria-language-server: dropped a message that is not JSON (${problem})`);
          continue;
        }
        this.push(whole);
        continue;
      }
      this.join();
      const buffer = this.head;
      if (!buffer.length) return;
      const headerEnd = buffer.indexOf(HEADER_END);
      if (headerEnd === -1 || headerEnd > MAX_HEADER) {
        if (headerEnd === -1 && buffer.length <= MAX_HEADER && startsLikeHeader(buffer)) return; // a header still arriving
        if (!this.resync(1, 'bytes that are not an LSP header')) return;
        continue;
      }
      const header = buffer.subarray(0, headerEnd).toString('latin1');
      const length = contentLength(header);
      if (length === undefined) {
        if (!this.resync(1, `a header without a valid Content-Length (${JSON.stringify(header.slice(0, 80))})`)) return;
        continue;
      }
      if (length > this.maxFrame) {
        if (!this.resync(1, `a frame of ${length} bytes (the limit is ${this.maxFrame})`)) return;
        continue;
      }
      const bodyStart = headerEnd + HEADER_END.length;
      this.frame = { bodyStart, length, searched: bodyStart };
    }
  }

  /**
   * Looks for the start of a header inside the part of the current body that arrived since the last look; if one
   * is there, the declared length ran into the next frame: the frame is dropped (false). A raw newline followed by
   * `Content-Length:` cannot occur inside JSON.
   */
  private searchBody(): boolean {
    const frame = this.frame!;
    const end = Math.min(this.size, frame.bodyStart + frame.length);
    // Some overlap: a header may straddle two chunks.
    const from = Math.max(frame.bodyStart, frame.searched - FIELD_MAX);
    if (end - from < FIELD_MAX && end < frame.bodyStart + frame.length) return true; // too little new to decide
    const found = nextHeaderIn(this.bytes(from, end));
    frame.searched = end;
    if (found === -1) return true;
    this.frame = undefined;
    this.discard(from + found, `a Content-Length of ${frame.length} that runs past its body into the next frame`);
    return false;
  }

  /** Drops bytes up to the next line that starts a header after `from`; false if none is there yet. */
  private resync(from: number, why: string): boolean {
    const text = this.head.subarray(from).toString('latin1');
    const match = LENGTH_FIELD.exec(text);
    if (!match) {
      // Keep a tail that may be the start of the next header.
      const keep = Math.min(this.head.length, FIELD_MAX);
      this.discard(this.head.length - keep, why);
      return false;
    }
    this.discard(from + match.index, why);
    return true;
  }

  private discard(bytes: number, why: string): void {
    if (bytes <= 0) return;
    this.dropped++;
    this.join();
    this.head = this.head.subarray(bytes);
    this.log(`aria-language-server: dropped ${bytes} bytes of input: ${why}; reading on from the next header`);
  }
}

function jsonProblem(body: Buffer): string | undefined {
  try {
    JSON.parse(body.toString('utf8'));
    return undefined;
  } catch (error) {
    return (error as Error).message.slice(0, 200);
  }
}

function contentLength(header: string): number | undefined {
  let length: number | undefined;
  for (const line of header.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,10}$/.test(value)) return undefined;
    length = Number(value);
  }
  return length;
}

/** Whether `buffer` can be the beginning of a header block (letters, digits, `-`, `:`, spaces, CR/LF). */
function startsLikeHeader(buffer: Buffer): boolean {
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i]!;
    const ok = c === 0x0d || c === 0x0a || c === 0x20 || c === 0x09 || (c >= 0x21 && c <= 0x7e && c !== 0x7b /* { */);
    if (!ok) return false;
  }
  return true;
}

/** The offset in a body of a Content-Length field (the declared length ran into the next frame), or -1. */
function nextHeaderIn(body: Buffer): number {
  const match = LENGTH_FIELD.exec(body.toString('latin1'));
  return match ? match.index : -1;
}
