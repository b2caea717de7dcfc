// The formatter keeps meaning (same tree and tokens after reparsing) and is idempotent, over every example and corpus case.
import { describe, expect, test } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, type Node } from '../../grammar/parser.js';
import { formatTree } from '../../server/format/formatter.js';
import { diffEdit } from '../../analysis/text-edit.js';
import { readCorpus } from '../grammar/corpus-format.js';
import { REPO } from './lsp-client.js';

function ariaFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? ariaFiles(full) : name.endsWith('.aria') ? [full] : [];
  });
}

/** The leaves of a tree (strings whole), as text: what the program is made of, minus layout. */
function leaves(node: Node, out: string[] = []): string[] {
  if (node.type === 'string' || node.childCount === 0) {
    if (node.endIndex > node.startIndex) out.push(node.type === 'comment' ? node.text.trimEnd() : node.text);
    return out;
  }
  for (const child of node.children) if (child) leaves(child, out);
  return out;
}

async function format(text: string): Promise<string | undefined> {
  return formatTree(await parse(text), text);
}

/** Formats `text`, then checks that meaning and line structure are kept and that formatting again changes nothing. */
async function checkPreserves(text: string): Promise<string> {
  const before = await parse(text);
  const formatted = formatTree(before, text);
  expect(formatted, 'a well-formed file formats').toBeDefined();
  const after = await parse(formatted!);
  expect(after.rootNode.hasError).toBe(false);
  expect(after.rootNode.toString()).toBe(before.rootNode.toString());
  expect(leaves(after.rootNode)).toEqual(leaves(before.rootNode));
  expect(await format(formatted!)).toBe(formatted);
  expect(formatted).not.toMatch(/[ \t]+$/m);
  expect(formatted).not.toMatch(/\n\n\n/);
  return formatted!;
}

const examples = ariaFiles(join(REPO, 'examples'));
/** The checker's case files too, where they parse (some are broken on purpose). */
const checkerCases = existsSync(join(REPO, 'test/checker')) ? ariaFiles(join(REPO, 'test/checker')) : [];
const corpus = readCorpus().filter(c => !c.attributes.includes(':error') && !c.file.startsWith('errors'));

describe('formatter keeps meaning and is idempotent', () => {
  test('there are examples and corpus cases to check', () => {
    expect(examples.length).toBeGreaterThan(15);
    expect(corpus.length).toBeGreaterThan(20);
  });

  test.each(examples.map(f => [relative(REPO, f), f]))('%s', async (_name, file) => {
    await checkPreserves(readFileSync(file, 'utf8'));
  });

  test.each(checkerCases.map(f => [relative(REPO, f), f]))('%s', async (_name, file) => {
    const source = readFileSync(file, 'utf8');
    if ((await parse(source)).rootNode.hasError) {
      expect(await format(source)).toBeUndefined();
      return;
    }
    await checkPreserves(source);
  });

  test.each(corpus.map(c => [`${c.file}: ${c.title}`, c.source]))('corpus %s', async (_name, source) => {
    const tree = await parse(source);
    if (tree.rootNode.hasError) {
      expect(await format(source)).toBeUndefined();
      return;
    }
    await checkPreserves(source);
  });
});

describe('canonical layout', () => {
  test('indentation, spacing, blank lines and comments', async () => {
    const messy = [
      '# header', '', '', 'effect   Log{', '    fn log( message:String )->Unit', '}',
      'fn f( x ,y=2 )->{IO|e}  Unit   # trailing', '      z=-x+y*2', '      if z>1', '   print( "big #{z}" ,z)',
      '    elif z<0', '        print("neg")', '      else', '    # inside else', '      end',
      '      ys = xs', '   .map(|a|a*2)', '      match z', '          case -1 => print(1)', '        case Point(a,_) if a>0 =>',
      '      print(a)', '            end', '      with Async.scope|s|', ' t=s.spawn f(1)', '    t.await', '      end', 'end',
      'for i in 0 .. 10', 'print(i)', 'end', '', '', '',
    ].join('\n');
    expect(await checkPreserves(messy)).toBe([
      '# header', '', 'effect Log {', '  fn log(message: String) -> Unit', '}',
      'fn f(x, y = 2) -> {IO | e} Unit   # trailing', '  z = -x + y * 2', '  if z > 1', '    print("big #{z}", z)',
      '  elif z < 0', '    print("neg")', '  else', '    # inside else', '  end',
      '  ys = xs', '    .map(|a| a * 2)', '  match z', '  case -1 => print(1)', '  case Point(a, _) if a > 0 =>',
      '    print(a)', '  end', '  with Async.scope |s|', '    t = s.spawn f(1)', '    t.await', '  end', 'end',
      'for i in 0..10', '  print(i)', 'end', '',
    ].join('\n'));
  });

  test('a block lambda inside a call closes at the level of the line that opened it', async () => {
    const text = 'woke = traced("nap", ||\n      sleep(30.ms)\n "woke up"\n   end)\nxs = [\n1,\n   2,\n]\n';
    expect(await checkPreserves(text)).toBe('woke = traced("nap", ||\n  sleep(30.ms)\n  "woke up"\nend)\nxs = [\n  1,\n  2,\n]\n');
  });

  test('annotations stay at the level of their item; a binary expression continues one level deeper', async () => {
    const text = '@wasm_target\n  fn main()\n  total = 1 +\n  2\nend\n';
    expect(await checkPreserves(text)).toBe('@wasm_target\nfn main()\n  total = 1 +\n    2\nend\n');
  });

  test('an enum lays out like an effect block: variants one level in, separators tight, the brace back at the start', async () => {
    const text = '# doc\n@deprecated\n  enum   Shape[ T ]{\n        Circle( radius:Int ) ,\n  # comment\n Rect(width:Int,height:Int);Empty\n\n\n   Point\n    }\nenum E{A,B,}\n';
    expect(await checkPreserves(text)).toBe(
      '# doc\n@deprecated\nenum Shape[T] {\n  Circle(radius: Int),\n  # comment\n  Rect(width: Int, height: Int); Empty\n\n  Point\n}\nenum E { A, B, }\n',
    );
  });

  test('a lone CR ends a line, as it does for the parser: statements stay on lines of their own', async () => {
    const lf = 'fn f()\n  print(1)\nend\nx = 1\nprint(x)\n';
    expect(await format(lf)).toBe(lf);
    expect(await format(lf.replaceAll('\n', '\r'))).toBe(lf);
    expect(await format('x = 1\rprint(x)\r\n# c\r\n')).toBe('x = 1\r\nprint(x)\r\n# c\r\n');
  });

  test('broken code is left alone', async () => {
    expect(await format('fn f(\n  x = \n')).toBeUndefined();
  });

  test('the edit sent to the editor is the smallest replacement', () => {
    expect(diffEdit('a  b\nc\n', 'a b\nc\n')).toEqual({ start: 2, end: 3, text: '' });
    expect(diffEdit('same', 'same')).toBeUndefined();
  });
});
