; Scopes, definitions and references for Aria.
; A function, a lambda, a handler, a `for` loop, a `with` binder and a `match` arm open a scope; a block
; does not (the first assignment in a function declares a name for the whole function).

; Scopes

[
  (source_file)
  (function_definition)
  (lambda)
  (handler_declaration)
  (for_statement)
  (with_expression)
  (match_arm)
] @local.scope

; Definitions

(parameter
  name: (identifier) @local.definition)

(assignment
  left: (identifier) @local.definition)

(for_statement
  variable: (identifier) @local.definition)

(with_expression
  binder: (identifier) @local.definition)

; A bare capitalised name in a pattern is a nullary variant (`case None =>`), not a binding.
((match_arm
  pattern: (identifier) @local.definition)
  (#match? @local.definition "^[a-z_]"))

((constructor_pattern
  argument: (identifier) @local.definition)
  (#match? @local.definition "^[a-z_]"))

((list_pattern
  element: (identifier) @local.definition)
  (#match? @local.definition "^[a-z_]"))

(import_declaration
  path: (module_path
    (identifier) @local.definition .))

; References: a name where an expression stands (so not a property, a named argument's name or a type).

(_
  left: (identifier) @local.reference)

(_
  right: (identifier) @local.reference)

(_
  value: (identifier) @local.reference)

(_
  condition: (identifier) @local.reference)

(_
  iterable: (identifier) @local.reference)

(_
  expression: (identifier) @local.reference)

(_
  function: (identifier) @local.reference)

(_
  argument: (identifier) @local.reference)

(_
  object: (identifier) @local.reference)

(_
  index: (identifier) @local.reference)

(_
  scope: (identifier) @local.reference)

(_
  body: (identifier) @local.reference)

(_
  operand: (identifier) @local.reference)

(_
  guard: (identifier) @local.reference)

(_
  handler: (identifier) @local.reference)

(_
  element: (identifier) @local.reference)

(_
  default: (identifier) @local.reference)

(block
  (identifier) @local.reference)

(source_file
  (identifier) @local.reference)
