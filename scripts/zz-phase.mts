import { parse } from '../grammar/parser.js';
import { lowerModule } from '../analysis/syntax/lower.js';
for (const k of [400_000, 800_000, 1_600_000]) {
  const text = 'x = [' + '1, '.repeat(k) + '1]\n';
  const tree = await parse(text);
  let t = performance.now();
  const c = tree.walk(); let n = 0;
  for (;;) { n++; if (c.gotoFirstChild()) continue; let up = false; while (!c.gotoNextSibling()) { if (!c.gotoParent()) { up = true; break; } } if (up) break; }
  const walk = performance.now() - t; t = performance.now();
  lowerModule(tree, text, 'x.aria');
  console.log(k, n, 'walk', Math.round(walk), 'lower', Math.round(performance.now() - t));
  tree.delete();
}
