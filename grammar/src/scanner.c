// External scanner for Aria: decides when a line break ends a statement, and lexes identifiers so that
// keywords are reserved.
//
// Line breaks. A line break is a statement terminator only where the parser can accept one; elsewhere
// (after an operator, a comma or an opening bracket) it is plain whitespace, so an expression continues
// on the next line. A line whose first character is `.` (but not `..`) continues the previous
// expression too, so method chains can be broken before the dot; blank and comment lines may sit
// between the two.
//
// Identifiers. Tree-sitter 0.22 treats a keyword as an identifier wherever the keyword itself cannot
// stand (so `x = 1 +` followed by `end` would read `end` as the right operand and swallow the rest of
// the file). Lexing identifiers here lets the scanner refuse reserved words outright: the internal
// lexer then sees the keyword, and a keyword where a name belongs is a syntax error. A lone `_` is the
// wildcard pattern where one may stand, else an identifier (`|_| 0`).
//
// Chunks and sections. Before a top-level statement (past the comments before it) the scanner may end
// the chunk of statements, or the section of chunks, that the statement would continue (grammar.js,
// `source_file`), with an empty token: CHUNK_END when the top 4 bits of a hash of the statement's start
// are 0 (one statement in 16), SECTION_END when the top 8 are (one in 256), and SECTION_END at the end
// of the file. The start hashed is the first word when that is a name (the scanner must then either end
// the chunk or return the name, before reading on), else the first 32 characters of the line. What the
// scanner read is the token's lookahead, so an edit there makes the parser decide again.
//
// String text. The text between a string's quotes, escapes and interpolations is lexed here too: the
// internal lexer may skip a space as whitespace and then read `#{...` as a comment, so `"#{a} #{b}"`
// broke. Strings stay on one line (`\n` spells a line break), so an unclosed quote breaks one line, not
// the rest of the file. A `#` not followed by `{` is text.
#include "tree_sitter/parser.h"

#include <string.h>

enum TokenType { NEWLINE, ERROR_SENTINEL, IDENTIFIER, WILDCARD, STRING_CONTENT, CHUNK_END, SECTION_END };

// Keep in step with the keyword strings of grammar.js (test/grammar/fresh.test.ts checks it).
static const char *const RESERVED[] = {
  "and", "await", "break", "case", "continue", "effect", "elif", "else", "end", "enum", "false", "fn",
  "for", "handler", "if", "import", "in", "loop", "match", "not", "or", "return", "spawn",
  "struct", "true", "while", "with",
};

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
static bool is_word_start(int32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_word_char(int32_t c) { return is_word_start(c) || (c >= '0' && c <= '9'); }

static bool is_reserved(const char *word) {
  for (unsigned i = 0; i < sizeof RESERVED / sizeof RESERVED[0]; i++) {
    if (strcmp(word, RESERVED[i]) == 0) return true;
  }
  return false;
}

// After a line break (already consumed and marked as the token's end): true when the next line that is
// neither blank nor a comment starts with a single `.`, i.e. continues the expression.
static bool continues_with_dot(TSLexer *lexer) {
  for (;;) {
    while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') lexer->advance(lexer, false);
    if (lexer->lookahead != '#') break;
    while (lexer->lookahead != '\n' && !lexer->eof(lexer)) lexer->advance(lexer, false);
  }
  if (lexer->lookahead != '.') return false;
  lexer->advance(lexer, false);
  return lexer->lookahead != '.';
}

static uint32_t fnv(uint32_t hash, int32_t c) { return (hash ^ (uint32_t)c) * 16777619u; }

// The end a hash asks for, if any.
static bool boundary(TSLexer *lexer, uint32_t hash) {
  if ((hash >> 24) == 0) {
    lexer->result_symbol = SECTION_END;
    return true;
  }
  if ((hash >> 28) == 0) {
    lexer->result_symbol = CHUNK_END;
    return true;
  }
  return false;
}

// A word, whose `length` characters (the first `sizeof word - 1` of them in `word`) the lexer just read.
static bool finish_word(TSLexer *lexer, char *word, unsigned length, const bool *valid_symbols) {
  lexer->mark_end(lexer);
  if (length < 16) {
    word[length] = 0;
    if (length == 1 && word[0] == '_' && valid_symbols[WILDCARD]) {
      lexer->result_symbol = WILDCARD;
      return true;
    }
    if (is_reserved(word)) return false;
  }
  lexer->result_symbol = IDENTIFIER;
  return valid_symbols[IDENTIFIER];
}

static bool scan_word(TSLexer *lexer, const bool *valid_symbols) {
  char word[16];
  unsigned length = 0;
  while (is_word_char(lexer->lookahead)) {
    if (length < sizeof word - 1) word[length] = (char)lexer->lookahead;
    length++;
    lexer->advance(lexer, false);
  }
  return finish_word(lexer, word, length, valid_symbols);
}

// Where a top-level statement may start (whitespace skipped): an empty CHUNK_END or SECTION_END, or
// else the statement's first name, or nothing (the internal lexer reads a keyword, a comment, ...).
static bool scan_statement_start(TSLexer *lexer, const bool *valid_symbols) {
  lexer->mark_end(lexer);
  if (lexer->eof(lexer)) {
    lexer->result_symbol = SECTION_END;
    return true;
  }
  if (lexer->lookahead == '#') return false;  // a comment: the end, if any, goes after it
  uint32_t hash = 2166136261u;
  char word[16];
  unsigned length = 0;
  if (is_word_start(lexer->lookahead)) {
    while (is_word_char(lexer->lookahead)) {
      hash = fnv(hash, lexer->lookahead);
      if (length < sizeof word - 1) word[length] = (char)lexer->lookahead;
      length++;
      lexer->advance(lexer, false);
    }
    word[length < sizeof word ? length : sizeof word - 1] = 0;
    if (length >= sizeof word || !is_reserved(word)) {
      if (boundary(lexer, hash)) return true;
      return finish_word(lexer, word, length, valid_symbols);
    }
  }
  for (; length < 32 && lexer->lookahead != '\n' && !lexer->eof(lexer); length++) {
    hash = fnv(hash, lexer->lookahead);
    lexer->advance(lexer, false);
  }
  return boundary(lexer, hash);
}

// Text inside a string up to a quote, a backslash, a line break or `#{`; false when there is none.
static bool scan_string_content(TSLexer *lexer) {
  bool any = false;
  for (;;) {
    int32_t c = lexer->lookahead;
    if (c == '"' || c == '\\' || c == '\n' || lexer->eof(lexer)) break;
    if (c == '#') {
      lexer->mark_end(lexer);
      lexer->advance(lexer, false);
      if (lexer->lookahead == '{') {
        lexer->result_symbol = STRING_CONTENT;
        return any;
      }
    } else {
      lexer->advance(lexer, false);
    }
    any = true;
  }
  lexer->mark_end(lexer);
  lexer->result_symbol = STRING_CONTENT;
  return any;
}

bool tree_sitter_aria_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid_symbols) {
  (void)payload;
  // Inside a string (never during error recovery, when every symbol is valid).
  if (valid_symbols[STRING_CONTENT] && !valid_symbols[ERROR_SENTINEL]) return scan_string_content(lexer);
  // The ends of chunks and sections are valid together, only before a top-level statement; never
  // during error recovery.
  if (valid_symbols[CHUNK_END] && valid_symbols[SECTION_END] && !valid_symbols[ERROR_SENTINEL]) {
    while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') lexer->advance(lexer, true);
    return scan_statement_start(lexer, valid_symbols);
  }
  // During error recovery every symbol is valid; a line break still ends the broken statement,
  // which keeps recovery local to one line.
  if (valid_symbols[NEWLINE]) {
    while (is_blank(lexer->lookahead)) lexer->advance(lexer, true);
    if (lexer->eof(lexer)) {
      lexer->result_symbol = NEWLINE;
      return true;
    }
    if (lexer->lookahead == '\n') {
      lexer->advance(lexer, false);
      lexer->mark_end(lexer);
      if (continues_with_dot(lexer)) return false;
      lexer->result_symbol = NEWLINE;
      return true;
    }
  }
  if (!valid_symbols[IDENTIFIER] && !valid_symbols[WILDCARD]) return false;
  while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') lexer->advance(lexer, true);
  if (!is_word_start(lexer->lookahead)) return false;
  return scan_word(lexer, valid_symbols);
}
