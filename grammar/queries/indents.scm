; Auto-indentation for Aria, in Neovim's scheme (nvim-treesitter): @indent.begin indents the lines inside
; a node, @indent.branch puts the line it starts back at the level of the node that began the block, and
; @indent.end closes the block. Helix reads the same file with @indent.begin -> @indent and
; @indent.branch -> @outdent (docs/grammar.md has the one-line conversion).
; `case` lines stay at the level of their `match` (the examples' Ruby style); an arm's body is one level in.

[
  (function_definition)
  (effect_declaration)
  (enum_declaration)
  (handler_declaration)
  (if_expression)
  (while_statement)
  (loop_statement)
  (for_statement)
  (match_expression)
  (with_expression)
  (lambda)
  (argument_list)
  (parameter_list)
  (list)
] @indent.begin

[
  "end"
  "}"
  ")"
  "]"
] @indent.end

[
  "end"
  "}"
  ")"
  "]"
  "elif"
  "else"
  "case"
] @indent.branch

[
  (string)
  (comment)
] @indent.auto
