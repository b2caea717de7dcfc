-- Run by test/grammar/neovim.test.ts in headless Neovim: loads the parser and every query from the runtimepath, and
-- prints the highlight capture Neovim's rule gives each requested position (innermost node; on one node, the later pattern).
local request = vim.fn.json_decode(os.getenv('ARIA_NVIM_REQUEST'))
local results = {}
local ok_language, language_error = pcall(vim.treesitter.require_language, 'aria')
local queries = {}
for _, name in ipairs({ 'highlights', 'locals', 'folds', 'indents', 'tags' }) do
  local ok, query = pcall(vim.treesitter.get_query, 'aria', name)
  queries[name] = ok and (query and 'ok' or 'missing') or tostring(query)
end
for _, item in ipairs(ok_language and request or {}) do
  local buf = vim.api.nvim_create_buf(false, true)
  local lines = vim.fn.readfile(item.file)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  local parser = vim.treesitter.get_parser(buf, 'aria')
  local root = parser:parse()[1]:root()
  local query = vim.treesitter.get_query('aria', 'highlights')
  local captured = {}
  for pattern, match in query:iter_matches(root, buf, 0, -1) do
    for id, node in pairs(match) do
      local sr, sc, er, ec = node:range()
      table.insert(captured, { sr = sr, sc = sc, er = er, ec = ec, pattern = pattern, name = query.captures[id], id = node:id() })
    end
  end
  local answers = {}
  for _, pos in ipairs(item.positions) do
    local best
    for _, c in ipairs(captured) do
      local after = pos[1] > c.sr or (pos[1] == c.sr and pos[2] >= c.sc)
      local before = pos[1] < c.er or (pos[1] == c.er and pos[2] < c.ec)
      if after and before then
        local inner = best and ((c.sr > best.sr or (c.sr == best.sr and c.sc >= best.sc)) and (c.er < best.er or (c.er == best.er and c.ec <= best.ec)))
        local same = best and c.sr == best.sr and c.sc == best.sc and c.er == best.er and c.ec == best.ec
        if not best or (same and c.pattern > best.pattern) or (inner and not same) then best = c end
      end
    end
    table.insert(answers, best and best.name or vim.NIL)
  end
  table.insert(results, { file = item.file, captures = answers })
end
io.stdout:write(vim.fn.json_encode({
  language = ok_language and 'ok' or tostring(language_error),
  queries = queries,
  results = results,
}) .. '\n')
