/// <reference types="tree-sitter-cli/dsl" />
// @ts-check
// Tree-sitter grammar for Aria: an effect-typed language whose blocks close with `end`.

/**
 * Operator precedence, loosest first. `not` sits below comparison (as in Python) so that
 * `not a == b` reads `not (a == b)`; postfix forms (call, member, index, await) bind tightest.
 */
const PREC = {
  lambda: -1,
  spawn: 0,
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  range: 5,
  additive: 6,
  multiplicative: 7,
  unary: 8,
  postfix: 9,
};

module.exports = grammar({
  name: 'aria',

  // The external scanner (src/scanner.c) decides when a line break ends a statement, and lexes
  // identifiers so that it can refuse keywords: tree-sitter 0.22 has no reserved words, and would
  // otherwise read a keyword as a name wherever the keyword itself cannot stand. `_error_sentinel`
  // is never used by a rule: it is valid only during error recovery, which tells the scanner.
  // `_chunk_end` and `_section_end` (empty, never in the visible tree) end a top-level chunk or
  // section (see `source_file`).
  externals: $ => [
    $._newline, $._error_sentinel, $.identifier, $.wildcard_pattern, $.string_content,
    $._chunk_end, $._section_end,
  ],

  extras: $ => [/\s/, $.comment],

  supertypes: $ => [$._expression, $._statement, $._item, $._type, $._pattern],

  conflicts: $ => [],

  rules: {
    // Each statement carries its own terminator (the scanner ends the last line at the end of the
    // file). The top-level statements are grouped in hidden chunks, and the chunks in hidden
    // sections, so that an incremental reparse takes whole chunks and sections of the old tree.
    // Tree-sitter never reuses a "fragile" node whole, and the nodes of a repetition are fragile (the
    // reduction that joins two of them shares its parse-table entry with the shift of the next
    // element): with all statements in one repetition, a reparse took every top-level statement and
    // comment of the file one by one. A chunk or a section starts with a statement and ends with an
    // empty `_chunk_end` or `_section_end` token; no end is a repetition, so neither is fragile. The
    // scanner puts an end before about one top-level statement in 16 (a section's end before one in
    // 256, and at the end of the file), chosen by a hash of the statement's first word or line, after
    // the comments before it: the grouping depends on the text only, so a fresh parse and a reparse
    // agree, and an edit moves no boundary but the one before its own statement.
    //
    // The file may end after any statement's terminator, with or without a `_section_end` (the
    // scanner puts one there, but error recovery looks for a place where the end of the file is
    // valid: a statement before an unclosed construct at the end stays outside the ERROR).
    source_file: $ => seq(
      optional($._terminator),
      repeat($._section),
      optional($._section_body),
    ),

    _section: $ => seq($._section_body, $._section_end),

    _section_body: $ => seq(optional(seq($._chunk, repeat($._chunk))), $._lines),

    _chunk: $ => seq($._lines, $._chunk_end),

    _lines: $ => seq($._toplevel, $._terminator, repeat(seq($._toplevel, $._terminator))),

    _toplevel: $ => choice($._item, $._statement, $.annotated),

    // ; Items

    _item: $ => choice(
      $.function_definition,
      $.effect_declaration,
      $.handler_declaration,
      $.struct_declaration,
      $.enum_declaration,
      $.import_declaration,
    ),

    /** `@name` or `@name(args)` lines standing before an item or a statement. */
    annotated: $ => seq(
      repeat1(seq(field('annotation', $.annotation), optional($._terminator))),
      field('item', choice($._item, $._statement)),
    ),

    annotation: $ => seq(
      '@',
      field('name', alias(token.immediate(/[A-Za-z_][A-Za-z0-9_]*/), $.identifier)),
      optional(field('arguments', $.argument_list)),
    ),

    function_definition: $ => seq(
      'fn',
      field('name', $._function_name),
      optional(field('type_parameters', $.type_parameters)),
      field('parameters', $.parameter_list),
      optional($._return_signature),
      choice(
        seq('=', field('body', $._expression)),
        seq($._terminator, optional(field('body', $.block)), 'end'),
      ),
    ),

    /** A function's or operation's name; `spawn` is a keyword but may name an operation (the seed's `Runtime`). */
    _function_name: $ => choice($.identifier, alias('spawn', $.identifier)),

    /** `-> {E} T`, `-> <E> T`, `-> T` (row inferred) or `-> {E}` (returns Unit). */
    _return_signature: $ => seq(
      '->',
      choice(
        seq(field('effects', $.effect_row), optional(field('return_type', $._type))),
        field('return_type', $._type),
      ),
    ),

    type_parameters: $ => seq('[', commaSep1(field('parameter', $.identifier)), ']'),

    parameter_list: $ => seq(token.immediate('('), commaSep(field('parameter', $.parameter)), optional(','), ')'),

    parameter: $ => seq(
      field('name', $.identifier),
      optional(seq(':', field('type', $._type))),
      optional(seq('=', field('default', $._expression))),
    ),

    effect_declaration: $ => seq(
      'effect',
      field('name', $.identifier),
      optional(field('type_parameters', $.type_parameters)),
      '{',
      optional($._terminator),
      optional(seq(sepBy1(field('operation', $.operation_signature), $._terminator), optional($._terminator))),
      '}',
    ),

    operation_signature: $ => seq(
      'fn',
      field('name', $._function_name),
      optional(field('type_parameters', $.type_parameters)),
      field('parameters', $.parameter_list),
      optional($._return_signature),
    ),

    handler_declaration: $ => seq(
      'handler',
      field('name', $.identifier),
      optional(field('parameters', $.parameter_list)),
      'for',
      field('effect', $.identifier),
      '{',
      optional($._terminator),
      optional(seq(sepBy1(field('operation', $.function_definition), $._terminator), optional($._terminator))),
      '}',
    ),

    struct_declaration: $ => seq(
      'struct',
      field('name', $.identifier),
      optional(field('type_parameters', $.type_parameters)),
      field('fields', $.parameter_list),
    ),

    /**
     * `enum Shape { Circle(radius: Int), Square(side: Int), Empty }`: a sum type. Variants are separated
     * by line breaks, `;` or `,` (a trailing one allowed); a variant without a parameter list takes none.
     */
    enum_declaration: $ => seq(
      'enum',
      field('name', $.identifier),
      optional(field('type_parameters', $.type_parameters)),
      '{',
      optional($._terminator),
      optional(seq(sepBy1(field('variant', $.variant), $._variant_separator), optional($._variant_separator))),
      '}',
    ),

    variant: $ => seq(field('name', $.identifier), optional(field('fields', $.parameter_list))),

    /** A line break after a `,` or `;` is whitespace: the parser then expects a variant or `}`, not a terminator. */
    _variant_separator: $ => choice($._terminator, ','),

    import_declaration: $ => seq('import', field('path', $.module_path)),

    module_path: $ => sepBy1($.identifier, '.'),

    // ; Statements

    _statement: $ => choice(
      $._expression,
      $.assignment,
      $.return_statement,
      $.break_statement,
      $.continue_statement,
      $.while_statement,
      $.loop_statement,
      $.for_statement,
    ),

    /** A run of statements, each ended by a line break or `;` (the last one may run into `end`). */
    block: $ => choice(
      seq(repeat1(seq($._toplevel, $._terminator)), optional($._toplevel)),
      $._toplevel,
    ),

    assignment: $ => seq(
      field('left', choice($.identifier, $.member_expression, $.index_expression)),
      field('operator', choice('=', '+=', '-=', '*=', '/=')),
      field('right', $._expression),
    ),

    return_statement: $ => prec.right(seq('return', optional(field('value', $._expression)))),

    break_statement: _ => 'break',

    continue_statement: _ => 'continue',

    while_statement: $ => seq(
      'while',
      field('condition', $._expression),
      optional($._terminator),
      optional(field('body', $.block)),
      'end',
    ),

    loop_statement: $ => seq('loop', optional($._terminator), optional(field('body', $.block)), 'end'),

    for_statement: $ => seq(
      'for',
      field('variable', $.identifier),
      'in',
      field('iterable', $._expression),
      optional($._terminator),
      optional(field('body', $.block)),
      'end',
    ),

    // ; Expressions

    _expression: $ => choice(
      $._primary,
      $.unary_expression,
      $.binary_expression,
      $.lambda,
      $.spawn_expression,
      $.if_expression,
      $.match_expression,
      $.with_expression,
    ),

    _primary: $ => choice(
      $.identifier,
      $.integer,
      $.float,
      $.string,
      $.true,
      $.false,
      $.unit,
      $.list,
      $.parenthesized_expression,
      $.call_expression,
      $.member_expression,
      $.index_expression,
      $.await_expression,
    ),

    unit: _ => seq('(', ')'),

    parenthesized_expression: $ => seq('(', field('expression', $._expression), ')'),

    list: $ => seq('[', commaSep(field('element', $._expression)), optional(','), ']'),

    call_expression: $ => prec(PREC.postfix, seq(
      field('function', choice($._primary, alias($._spawn_method, $.member_expression))),
      field('arguments', $.argument_list),
    )),

    /**
     * `E.spawn(f)` (the `(` right after `spawn`) calls an operation named `spawn`; `scope.spawn f()`
     * (a space, or no parenthesis) is a scoped spawn.
     */
    _spawn_method: $ => seq(
      field('object', $._primary),
      '.',
      field('property', alias('spawn', $.identifier)),
    ),

    argument_list: $ => seq(
      token.immediate('('),
      commaSep(field('argument', choice($._expression, $.named_argument))),
      optional(','),
      ')',
    ),

    named_argument: $ => seq(field('name', $.identifier), ':', field('value', $._expression)),

    member_expression: $ => prec(PREC.postfix, seq(
      field('object', $._primary),
      '.',
      field('property', $.identifier),
    )),

    index_expression: $ => prec(PREC.postfix, seq(
      field('object', $._primary),
      token.immediate('['),
      field('index', $._expression),
      ']',
    )),

    await_expression: $ => prec(PREC.postfix, seq(field('value', $._primary), '.', 'await')),

    /** `spawn f(x)` starts a task; `scope.spawn f(x)` starts one inside a structured scope. */
    spawn_expression: $ => prec.right(PREC.spawn, seq(
      optional(seq(field('scope', $._primary), '.')),
      'spawn',
      field('body', $._expression),
    )),

    unary_expression: $ => choice(
      prec(PREC.unary, seq(field('operator', '-'), field('operand', $._expression))),
      prec(PREC.not, seq(field('operator', 'not'), field('operand', $._expression))),
    ),

    binary_expression: $ => {
      /** @type {[number, RuleOrLiteral][]} */
      const table = [
        [PREC.or, 'or'],
        [PREC.and, 'and'],
        [PREC.compare, choice('==', '!=', '<', '<=', '>', '>=')],
        [PREC.range, '..'],
        [PREC.additive, choice('+', '-')],
        [PREC.multiplicative, choice('*', '/', '%')],
      ];
      return choice(...table.map(([precedence, operator]) => prec.left(precedence, seq(
        field('left', $._expression),
        field('operator', operator),
        field('right', $._expression),
      ))));
    },

    /** `|x, y| expr`, or `|x|` then a line break, statements and `end`. */
    lambda: $ => prec.right(PREC.lambda, seq(
      choice('||', seq('|', commaSep1(field('parameter', $.parameter)), '|')),
      choice(
        field('body', $._expression),
        seq($._terminator, optional(field('body', $.block)), 'end'),
      ),
    )),

    if_expression: $ => seq(
      'if',
      field('condition', $._expression),
      optional($._terminator),
      optional(field('consequence', $.block)),
      repeat(field('alternative', $.elif_clause)),
      optional(field('alternative', $.else_clause)),
      'end',
    ),

    elif_clause: $ => seq(
      'elif',
      field('condition', $._expression),
      optional($._terminator),
      optional(field('consequence', $.block)),
    ),

    else_clause: $ => seq('else', optional($._terminator), optional(field('body', $.block))),

    match_expression: $ => seq(
      'match',
      field('value', $._expression),
      optional($._terminator),
      repeat(field('arm', $.match_arm)),
      'end',
    ),

    match_arm: $ => seq(
      'case',
      field('pattern', $._pattern),
      optional(seq('if', field('guard', $._expression))),
      '=>',
      optional($._terminator),
      optional(field('body', $.block)),
    ),

    /** `with H ... end` runs the block under handler H; `with Async.scope |s| ... end` binds the scope. */
    with_expression: $ => seq(
      'with',
      field('handler', $._primary),
      optional(seq('|', field('binder', $.identifier), '|')),
      $._terminator,
      optional(field('body', $.block)),
      'end',
    ),

    // ; Patterns

    _pattern: $ => choice(
      $.wildcard_pattern,
      $.identifier,
      $.integer,
      $.float,
      $.string,
      $.true,
      $.false,
      $.negative_pattern,
      $.constructor_pattern,
      $.list_pattern,
    ),

    negative_pattern: $ => seq('-', field('value', choice($.integer, $.float))),

    constructor_pattern: $ => seq(
      field('constructor', $.identifier),
      token.immediate('('),
      commaSep(field('argument', $._pattern)),
      ')',
    ),

    list_pattern: $ => seq('[', commaSep(field('element', $._pattern)), ']'),

    // ; Types and effect rows

    _type: $ => choice(alias($.identifier, $.type_identifier), $.generic_type, $.function_type),

    generic_type: $ => seq(
      field('name', alias($.identifier, $.type_identifier)),
      token.immediate('['),
      commaSep1(field('argument', $._type)),
      ']',
    ),

    function_type: $ => prec.right(seq(
      '(',
      commaSep(field('parameter', $._type)),
      ')',
      '->',
      optional(field('effects', $.effect_row)),
      field('return_type', $._type),
    )),

    /**
     * `{A, B}` and `<A, B>` are the same row. Capitalised entries name effects; lowercase ones are
     * row variables, and `| e` names the open tail.
     */
    effect_row: $ => choice(
      seq('{', optional($._row_contents), '}'),
      seq('<', optional($._row_contents), '>'),
    ),

    _row_contents: $ => choice(
      seq(commaSep1($._row_entry), optional(seq('|', field('tail', $.row_variable)))),
      seq('|', field('tail', $.row_variable)),
    ),

    _row_entry: $ => choice(field('effect', $.effect_name), field('variable', $.row_variable)),

    effect_name: _ => /[A-Z][A-Za-z0-9_]*/,

    row_variable: _ => /[a-z_][A-Za-z0-9_]*/,

    // ; Tokens

    _terminator: $ => choice($._newline, ';'),

    integer: _ => token(choice(/[0-9][0-9_]*/, /0x[0-9a-fA-F_]+/, /0b[01_]+/)),

    float: _ => token(/[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9]+)?/),

    true: _ => 'true',

    false: _ => 'false',

    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence, $.interpolation)),
      token.immediate('"'),
    ),

    escape_sequence: _ => token.immediate(prec(1, /\\(["\\#nrt0]|u\{[0-9a-fA-F]{1,6}\})/)),

    interpolation: $ => seq(
      alias(token.immediate(prec(2, '#{')), '#{'),
      field('expression', $._expression),
      '}',
    ),

    comment: _ => token(prec(-1, /#.*/)),
  },
});

/** One or more `rule`, separated by `separator`. */
function sepBy1(rule, separator) {
  return seq(rule, repeat(seq(separator, rule)));
}

/** One or more `rule`, separated by commas; a line break after a comma continues the list. */
function commaSep1(rule) {
  return sepBy1(rule, ',');
}

/** Zero or more `rule`, separated by commas. */
function commaSep(rule) {
  return optional(commaSep1(rule));
}
