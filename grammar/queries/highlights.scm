; Syntax highlighting for Aria.
; Captures use names that Neovim, Helix and Zed share. When several patterns capture the same node, the
; LAST one wins (Neovim, Helix, Zed and tree-sitter 0.22 agree), so general patterns come first and the
; specific ones that refine them follow. An inner node's capture wins over an outer one's.

; Operators

[
  "+"
  "-"
  "*"
  "/"
  "%"
  "=="
  "!="
  "<"
  "<="
  ">"
  ">="
  ".."
  "="
  "+="
  "-="
  "*="
  "/="
  "->"
  "=>"
] @operator

; Punctuation

[
  "("
  ")"
  "["
  "]"
  "{"
  "}"
] @punctuation.bracket

[
  ","
  "."
  ":"
  ";"
] @punctuation.delimiter

(lambda
  [
    "|"
    "||"
  ] @punctuation.bracket)

(with_expression
  "|" @punctuation.bracket)

(effect_row
  [
    "<"
    ">"
  ] @punctuation.bracket)

(effect_row
  "|" @operator)

(interpolation
  [
    "#{"
    "}"
  ] @punctuation.special)

; Keywords

[
  "end"
  "with"
] @keyword

"fn" @keyword.function

[
  "effect"
  "handler"
  "struct"
  "enum"
] @keyword.type

"import" @keyword.import

"return" @keyword.return

[
  "if"
  "elif"
  "else"
  "match"
  "case"
] @keyword.conditional

[
  "while"
  "loop"
  "for"
  "in"
  (break_statement)
  (continue_statement)
] @keyword.repeat

[
  "spawn"
  "await"
] @keyword.coroutine

[
  "and"
  "or"
  "not"
] @keyword.operator

(handler_declaration
  "for" @keyword)

; Variables

(identifier) @variable

(wildcard_pattern) @variable.builtin

(parameter
  name: (identifier) @variable.parameter)

(with_expression
  binder: (identifier) @variable.parameter)

(named_argument
  name: (identifier) @variable.parameter)

(member_expression
  property: (identifier) @variable.member)

(struct_declaration
  fields: (parameter_list
    (parameter
      name: (identifier) @variable.member)))

(variant
  fields: (parameter_list
    (parameter
      name: (identifier) @variable.member)))

; Literals

(integer) @number

(float) @number.float

; Durations read as one literal: the unit of `5.seconds` is part of the number.
(member_expression
  object: [
    (integer)
    (float)
  ]
  property: (identifier) @number)

[
  (true)
  (false)
  (unit)
] @constant.builtin

(unit
  [
    "("
    ")"
  ] @constant.builtin)

(string) @string

(escape_sequence) @string.escape

(comment) @comment

; Modules

(import_declaration
  path: (module_path
    (identifier) @module))

; Types

(type_identifier) @type

((type_identifier) @type.builtin
  (#any-of? @type.builtin
    "Unit" "Int" "Float" "Bool" "String" "Duration" "Task" "List" "Channel" "CancellationToken" "Option" "Result"))

(type_parameters
  parameter: (identifier) @type)

(struct_declaration
  name: (identifier) @type)

(enum_declaration
  name: (identifier) @type)

(effect_declaration
  name: (identifier) @type)

(handler_declaration
  name: (identifier) @type)

(handler_declaration
  effect: (identifier) @type)

; A capitalised name used as a value is an effect, a handler, a struct or an enum (`Cancel.check()`,
; `Async.default`): a type.
((identifier) @type
  (#match? @type "^[A-Z]"))

; Effect rows

(effect_row
  effect: (effect_name) @type)

(effect_row
  variable: (row_variable) @variable.parameter)

(effect_row
  tail: (row_variable) @variable.parameter)

((effect_name) @type.builtin
  (#any-of? @type.builtin "Async" "IO" "Cancel" "Blocking"))

; Functions

(function_definition
  name: (identifier) @function)

(operation_signature
  name: (identifier) @function.method)

(handler_declaration
  operation: (function_definition
    name: (identifier) @function.method))

(call_expression
  function: (identifier) @function.call)

(call_expression
  function: (member_expression
    property: (identifier) @function.method.call))

((call_expression
  function: (identifier) @function.builtin)
  (#any-of? @function.builtin
    "print" "sleep" "yield_now" "spawn_blocking" "thread_sleep" "read_file" "channel" "send" "recv"
    "close" "join" "race" "select" "timeout" "cancel" "is_cancelled" "accept" "read" "write" "now"
    "random" "len" "push" "pop" "range" "str" "int" "abs" "min" "max" "sum" "contains" "map" "each"
    "filter" "fold" "panic" "assert"))

; A call of a capitalised name builds a struct or a handler, or is a built-in constructor.
((call_expression
  function: (identifier) @constructor)
  (#match? @constructor "^[A-Z]"))

(constructor_pattern
  constructor: (identifier) @constructor)

; An enum's variants are its constructors, and `None` (the prelude's nullary variant) is one where it stands
; bare, in an expression or a pattern.
(variant
  name: (identifier) @constructor)

((identifier) @constructor
  (#eq? @constructor "None"))

; Annotations

(annotation
  "@" @attribute)

(annotation
  name: (identifier) @attribute)
