; Code navigation tags for Aria (tree-sitter tags, GitHub code navigation).
; A doc comment is the run of `#` lines right above a definition.

; Definitions

((comment)* @doc
  .
  (function_definition
    name: (identifier) @name) @definition.function
  (#strip! @doc "^#\\s?")
  (#select-adjacent! @doc @definition.function))

(operation_signature
  name: (identifier) @name) @definition.method

((comment)* @doc
  .
  (effect_declaration
    name: (identifier) @name) @definition.interface
  (#strip! @doc "^#\\s?")
  (#select-adjacent! @doc @definition.interface))

((comment)* @doc
  .
  (struct_declaration
    name: (identifier) @name) @definition.class
  (#strip! @doc "^#\\s?")
  (#select-adjacent! @doc @definition.class))

((comment)* @doc
  .
  (enum_declaration
    name: (identifier) @name) @definition.class
  (#strip! @doc "^#\\s?")
  (#select-adjacent! @doc @definition.class))

((comment)* @doc
  .
  (handler_declaration
    name: (identifier) @name) @definition.class
  (#strip! @doc "^#\\s?")
  (#select-adjacent! @doc @definition.class))

; References

(call_expression
  function: (identifier) @name) @reference.call

(call_expression
  function: (member_expression
    property: (identifier) @name)) @reference.call

(handler_declaration
  effect: (identifier) @name) @reference.implementation

(import_declaration
  path: (module_path) @name) @reference.module
