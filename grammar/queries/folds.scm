; Folding ranges for Aria: every construct that spans lines between an opener and its `end`, `}` or bracket.

[
  (function_definition)
  (effect_declaration)
  (enum_declaration)
  (handler_declaration)
  (if_expression)
  (elif_clause)
  (else_clause)
  (while_statement)
  (loop_statement)
  (for_statement)
  (match_expression)
  (match_arm)
  (with_expression)
  (lambda)
  (argument_list)
  (parameter_list)
  (list)
] @fold
