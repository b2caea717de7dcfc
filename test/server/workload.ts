// Generated Aria workloads for the server benchmark and tests: large modules with effects, handlers and call chains.

/** A generated module of about `lines` lines: effects, a handler, declared and inferred rows, calls chained through the file. */
export function moduleText(lines: number, tag: string, imports: readonly string[] = []): string {
  const out: string[] = [`# Generated module ${tag}.`];
  for (const imp of imports) out.push(`import ${imp}`);
  out.push('', `effect Note${tag} {`, '  fn note(x: Int) -> Unit', '}', '', `handler Quiet${tag} for Note${tag} {`, '  fn note(x) = ()', '}', '');
  let i = 0;
  while (out.length < lines - 4) {
    const row = i % 3 === 0 ? '' : i % 3 === 1 ? ` -> {IO, Note${tag}} Int` : ` -> {Async, IO, Note${tag}} Int`;
    const prev = i > 0 ? `f${tag}_${i - 1}(total, 1)` : '0';
    out.push(
      `# Function ${i} of module ${tag}.`,
      `fn f${tag}_${i}(x: Int, y: Int)${row}`,
      '  total = x + y',
      `  if total > ${i}`,
      '    print("big #{total}")',
      '  else',
      `    Note${tag}.note(total)`,
      '  end',
      '  for k in 0..3',
      '    total += k * 2',
      '  end',
      i % 3 === 2 ? '  sleep(1.ms)' : '  total -= 1',
      `  ys = map([1, 2, 3], |v| v * total)`,
      `  g = ${prev}`,
      '  total + g + len(ys)',
      'end',
      '',
    );
    i++;
  }
  out.push(`with Quiet${tag}`, `  print(f${tag}_${i - 1}(1, 2))`, 'end', '');
  return out.join('\n');
}

