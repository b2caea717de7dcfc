// The smallest single edit between two texts: a common prefix and suffix kept, the middle replaced.

/** A change of a text: replace [start, end) of the text as it stands before this edit. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * The edit that turns `before` into `after` by replacing what lies between their common prefix and common suffix;
 * undefined when they are equal. Used for the parse of a document whose client sent the whole text, and for the
 * formatter's answer.
 */
export function diffEdit(before: string, after: string): TextEdit | undefined {
  if (before === after) return undefined;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  return { start, end: endBefore, text: after.slice(start, endAfter) };
}
