// Converts between UTF-16 offsets and zero-based line/column positions of one text.

export interface Position {
  /** Zero-based line. */
  readonly line: number;
  /** Zero-based column in UTF-16 code units. */
  readonly column: number;
}

export class LineIndex {
  private readonly starts: readonly number[];

  constructor(private readonly text: string) {
    // LF, CRLF and a lone CR each end a line, as in LSP positions (the parser reads a lone CR as LF).
    const starts = [0];
    if (text.includes('\r')) {
      for (const m of text.matchAll(/\r\n?|\n/g)) starts.push(m.index + m[0].length);
    } else {
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: clamped - this.starts[lo]! };
  }

  offset(position: Position): number {
    const line = Math.max(0, Math.min(position.line, this.starts.length - 1));
    const start = this.starts[line]!;
    const end = line + 1 < this.starts.length ? this.starts[line + 1]! - 1 : this.text.length;
    return Math.min(start + Math.max(0, position.column), end);
  }

  /** The text of a zero-based line, without its line break. */
  lineText(line: number): string {
    if (line < 0 || line >= this.starts.length) return '';
    const start = this.starts[line]!;
    const end = line + 1 < this.starts.length ? this.starts[line + 1]! - 1 : this.text.length;
    return this.text.slice(start, end).replace(/\r$/, '');
  }
}
