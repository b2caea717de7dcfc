// External scanner for Aria: decides when a line break ends a statement.
//
// A line break is a statement terminator only where the parser can accept one; elsewhere (after
// an operator, a comma or an opening bracket) it is plain whitespace, so an expression continues
// on the next line. A line whose first character is `.` (but not `..`) continues the previous
// expression too, so method chains can be broken before the dot.
#include "tree_sitter/parser.h"

enum TokenType { NEWLINE, ERROR_SENTINEL };

void *tree_sitter_aria_external_scanner_create(void) { return 0; }
void tree_sitter_aria_external_scanner_destroy(void *payload) { (void)payload; }
unsigned tree_sitter_aria_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload; (void)buffer;
  return 0;
}
void tree_sitter_aria_external_scanner_deserialize(void *payload, const char *buffer, unsigned length) {
  (void)payload; (void)buffer; (void)length;
}

static bool is_blank(int32_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

bool tree_sitter_aria_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid_symbols) {
  (void)payload;
  if (!valid_symbols[NEWLINE]) return false;
  // During error recovery every symbol is valid; a line break still ends the broken statement,
  // which keeps recovery local to one line.
  while (is_blank(lexer->lookahead)) lexer->advance(lexer, true);
  if (lexer->eof(lexer)) {
    lexer->result_symbol = NEWLINE;
    return true;
  }
  if (lexer->lookahead != '\n') return false;
  lexer->advance(lexer, false);
  lexer->mark_end(lexer);
  // Peek past blank lines and comment lines: a leading `.` (but not `..`) continues the expression.
  // Nothing past the first line break is part of the token (mark_end above).
  for (;;) {
    while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') lexer->advance(lexer, false);
    if (lexer->lookahead == '#') {
      while (lexer->lookahead != '\n' && !lexer->eof(lexer)) lexer->advance(lexer, false);
      continue;
    }
    if (lexer->lookahead != '.') break;
    lexer->advance(lexer, false);
    if (lexer->lookahead == '.') break;
    return false;
  }
  lexer->result_symbol = NEWLINE;
  return true;
}
