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

/**
 * `s` as a string of its own. V8 makes a slice of 13 characters or more a view into the string it was cut from,
 * which stays alive, whole, as long as the slice does: a name or doc comment kept in an AST item would keep the whole
 * text of the document version it was lowered from (the server kept one full text per edit: 0.18 MB per edit of a
 * 10,000-line file). Concatenating and cutting again makes V8 copy the characters into a new flat string.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : (` ${s}`).slice(1);
}
