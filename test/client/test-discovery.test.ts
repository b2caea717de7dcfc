// Finding the `@test` functions of a file, as the Test Explorer and the code lenses list them: they must agree
// with what `aria test` runs, on files a user writes and on hostile ones.
import { describe, expect, it } from 'vitest';
import { discoverTests } from '../../client/test-discovery.js';

const names = async (text: string) => (await discoverTests(text)).map(t => t.name);

describe('discoverTests', () => {
  it('finds each top-level fn marked @test, with its range from the annotation to its end and its name', async () => {
    const text = `struct Account(balance: Int)

@test
fn deposits_add_up()
  a = Account(0)
  assert_eq(a.balance, 0)
end

fn helper() = 1

@test
fn one_liner() = assert(helper() == 1, "one")
`;
    const tests = await discoverTests(text);
    expect(tests.map(t => t.name)).toEqual(['deposits_add_up', 'one_liner']);
    expect(tests[0]).toEqual({
      name: 'deposits_add_up',
      start: { line: 2, character: 0 },
      end: { line: 6, character: 3 },
      nameStart: { line: 3, character: 3 },
      nameEnd: { line: 3, character: 18 },
    });
    expect(tests[1]!.start.line).toBe(10);
    expect(tests[1]!.nameStart).toEqual({ line: 11, character: 3 });
  });

  it('takes @test among other annotations and with arguments', async () => {
    expect(await names('@inline\n@test\nfn a()\nend\n@test(slow)\nfn b()\nend\n')).toEqual(['a', 'b']);
  });

  it('ignores @test in comments and strings, other annotations, and annotated statements', async () => {
    const text = `# @test
# fn in_a_comment()
x = "@test"
print("@test fn in_a_string()")
@tests
fn plural()
end
@testing
fn longer()
end
@test
y = 1
@test
struct NotAFunction(a: Int)
@test
fn real()
  s = "@test\\nfn inside()"
end
`;
    expect(await names(text)).toEqual(['real']);
  });

  it('ignores a function nested in another, which aria test does not run either', async () => {
    expect(await names('fn outer()\n  @test\n  fn inner()\n  end\n  inner()\nend\n@test\nfn top()\nend\n')).toEqual(['top']);
  });

  it('counts lines as the editor does: CRLF and a lone CR are line breaks', async () => {
    const crlf = await discoverTests('x = 1\r\n@test\r\nfn a()\r\nend\r\n');
    expect(crlf[0]!.start).toEqual({ line: 1, character: 0 });
    expect(crlf[0]!.nameStart).toEqual({ line: 2, character: 3 });
    const cr = await discoverTests('x = 1\r@test\rfn a()\rend\r');
    expect(cr[0]!.nameStart).toEqual({ line: 2, character: 3 });
  });

  it('counts columns in UTF-16 units after non-ASCII text', async () => {
    const tests = await discoverTests('@test\nfn ünïcode_😀_free()\nend\n@test\nfn b()\n  print("😀😀")\nend\n');
    // an identifier is ASCII, so the first is not a test; the second is found on its line
    expect(tests.map(t => t.name)).toContain('b');
    expect(tests.find(t => t.name === 'b')!.nameStart).toEqual({ line: 4, character: 3 });
  });

  it('lists a name once when two functions share it (a test is known by its file and name)', async () => {
    expect(await names('@test\nfn a()\nend\n@test\nfn a()\nend\n')).toEqual(['a']);
  });

  it('keeps finding tests while the file has a syntax error elsewhere', async () => {
    const text = '@test\nfn before()\nend\n\nfn broken(\n\n@test\nfn after()\nend\n';
    expect(await names(text)).toEqual(['before', 'after']);
    // an unfinished statement above (the user is typing): the test below it stays listed
    expect(await names('if ready\n@test\nfn after()\nend\n')).toEqual(['after']);
  });

  it('finds 2,000 tests in one file, and none in a file without the text @test', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => `@test\nfn t${i}()\n  assert_eq(${i}, ${i})\nend\n`).join('\n');
    const tests = await discoverTests(many);
    expect(tests).toHaveLength(2000);
    expect(tests[1999]).toMatchObject({ name: 't1999', nameStart: { line: 1999 * 5 + 1, character: 3 } });
    expect(await discoverTests('fn main()\n  print("no tests")\nend\n')).toEqual([]);
    expect(await discoverTests('')).toEqual([]);
  });

  it('does not throw on binary junk', async () => {
    const junk = '@test\n\u0000\u0001fn\u0007 @test ((( end end "\n' + '\uFFFD'.repeat(100);
    await expect(discoverTests(junk)).resolves.toBeInstanceOf(Array);
  });
});
