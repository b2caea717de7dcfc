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

(match_arm
  pattern: (identifier) @local.definition)

(constructor_pattern
  argument: (identifier) @local.definition)

(list_pattern
  element: (identifier) @local.definition)

(import_declaration
  path: (module_path
    (identifier) @local.definition .))

; References

(identifier) @local.reference
