// Program output on its way to the debug client: sent in batches, and only a bounded tail of it kept while the client
// does not keep up (a program printing a million lines took the adapter to 1.2 GB of queued output events).

/** Characters of program output kept waiting for the client at most; older lines are dropped and counted. */
export const OUTPUT_TAIL_CHARS = 256 * 1024;
/** Bytes already queued on the adapter's output stream above which program output waits (keeping its tail). */
export const MAX_BACKLOG_BYTES = 1024 * 1024;

export class OutputTail {
  private pending = '';
  private droppedLines = 0;
  private scheduled = false;

  constructor(
    /** Sends one output event. */
    private readonly send: (text: string, category: 'stdout' | 'console') => void,
    /** Bytes written to the client and not yet taken by it. */
    private readonly backlog: () => number,
    /** Runs `flush` a little later (after the current slice of the program, or once the backlog has drained). */
    private readonly later: (run: () => void) => void = run => void setTimeout(run, 5),
    private readonly tailChars = OUTPUT_TAIL_CHARS,
    private readonly maxBacklog = MAX_BACKLOG_BYTES,
  ) {}

  /** Program output: kept to be sent soon; past twice the tail, all but the last `tailChars` (whole lines) is dropped. */
  write(text: string): void {
    this.pending += text;
    if (this.pending.length > 2 * this.tailChars) {
      const cut = this.pending.indexOf('\n', this.pending.length - this.tailChars - 1);
      const at = cut === -1 ? this.pending.length - this.tailChars : cut + 1;
      for (let i = 0; i < at; i++) if (this.pending.charCodeAt(i) === 10) this.droppedLines++;
      this.pending = this.pending.slice(at);
    }
    this.schedule();
  }

  /** Sends what waits now, whatever the backlog: before any other event or response, so that the order holds. */
  flush(): void {
    if (this.droppedLines > 0) {
      const n = this.droppedLines;
      this.droppedLines = 0;
      this.send(`[${n.toLocaleString('en-US')} lines of output not shown: the program printed faster than the debug console took them]\n`, 'console');
    }
    if (this.pending) {
      const text = this.pending;
      this.pending = '';
      this.send(text, 'stdout');
    }
  }

  /** Output waiting to be sent (characters), and lines dropped so far and not yet reported. */
  get waiting(): { chars: number; droppedLines: number } {
    return { chars: this.pending.length, droppedLines: this.droppedLines };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.later(() => {
      this.scheduled = false;
      if (!this.pending && !this.droppedLines) return;
      if (this.backlog() > this.maxBacklog) this.schedule();
      else this.flush();
    });
  }
}
