/* The lexer of lexer.h. */
#include "lexer.h"

#include "base/utf8.h"

#include <stdio.h>
#include <string.h>

void mc_lexer_init(mc_lexer *lex, mc_source *src, mc_diags *diags, mc_arena *arena)
{
    memset(lex, 0, sizeof *lex);
    lex->src = src;
    lex->s = mc_source_text(src);
    lex->len = mc_source_len(src);
    if (lex->len > UINT32_MAX - 1) {
        lex->len = UINT32_MAX - 1;
    }
    lex->diags = diags;
    lex->arena = arena;
    if (lex->len >= 3 && memcmp(lex->s, "\xEF\xBB\xBF", 3) == 0) {
        lex->pos = 3;
    }
}

uint32_t mc_tok_source_offset(const mc_source *src, const mc_token *tok, size_t k)
{
    const char *t = mc_source_text(src);
    size_t i = tok->off + 1, end = (size_t)tok->off + tok->len, out = 0;
    while (i < end && out < k) {
        if (t[i] == '\\' && i + 1 < end) {
            if (t[i + 1] == 'u') {
                size_t j = i + 3;
                uint32_t cp = 0;
                while (j < end && t[j] != '}') {
                    cp = cp * 16 + (uint32_t)(t[j] <= '9' ? t[j] - '0' : (t[j] | 0x20) - 'a' + 10);
                    j++;
                }
                char buf[4];
                out += mc_utf8_encode(cp, buf);
                i = j + 1;
            } else {
                out++;
                i += 2;
            }
        } else {
            out++;
            i++;
        }
    }
    return (uint32_t)(i < end ? i : end - 1);
}

bool mc_tok_is(const mc_token *tok, const char *s)
{
    size_t n = strlen(s);
    return tok->kind == MC_TOK_WORD && tok->text_len == n && memcmp(tok->text, s, n) == 0;
}

static void error(mc_lexer *lex, size_t off, size_t len, const char *msg)
{
    if (mc_diags_add(lex->diags, MC_DIAG_ERROR, lex->src, off, len, "%s", msg) != 0) {
        lex->fatal = MC_ENOMEM;
    }
}

/* Checks the character at pos. Returns its byte length, or 0 after reporting an invalid byte
 * (a NUL, a control character, or bytes that are not UTF-8). */
static size_t check_char(mc_lexer *lex, size_t pos)
{
    const unsigned char *p = (const unsigned char *)lex->s + pos;
    if (*p >= 0x20 && *p < 0x7F) {
        return 1;
    }
    uint32_t cp;
    size_t n = mc_utf8_decode(p, lex->len - pos, &cp);
    char msg[96];
    if (n == 0) {
        /* One report per line: a file in another encoding would otherwise fill the error
         * limit in a few lines. */
        size_t line_start = pos;
        while (line_start > 0 && lex->s[line_start - 1] != '\n') {
            line_start--;
        }
        if (lex->bad_utf8_line != line_start + 1) {
            lex->bad_utf8_line = line_start + 1;
            snprintf(msg, sizeof msg, "invalid UTF-8 byte 0x%02X (is the file saved as UTF-8?)",
                     *p);
            error(lex, pos, 1, msg);
        }
        return 0;
    }
    if (cp == 0) {
        error(lex, pos, 1, "NUL byte in the file");
        return 0;
    }
    if ((cp < 0x20 && cp != '\t' && cp != '\r' && cp != '\n') || cp == 0x7F) {
        snprintf(msg, sizeof msg, "control character U+%04X in the file", (unsigned)cp);
        error(lex, pos, 1, msg);
        return 0;
    }
    return n;
}

static bool is_word_byte(unsigned char c)
{
    return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{' || c == '}' || c == ';' ||
             c == '"' || c == '#');
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Reads a string from the opening quote at lex->pos. */
static void lex_string(mc_lexer *lex, mc_token *tok)
{
    size_t start = lex->pos;
    size_t i = start + 1;
    bool bad = false;
    /* The unescaped text is never longer than the source text. */
    size_t end = i;
    while (end < lex->len && lex->s[end] != '\n' && lex->s[end] != '"') {
        end += (lex->s[end] == '\\' && end + 1 < lex->len && lex->s[end + 1] != '\n') ? 2 : 1;
    }
    char *out = mc_arena_alloc(lex->arena, end - i + 1);
    if (out == NULL) {
        lex->fatal = MC_ENOMEM;
        tok->kind = MC_TOK_EOF;
        return;
    }
    size_t o = 0;
    for (;;) {
        if (i >= lex->len || lex->s[i] == '\n') {
            error(lex, start, 1, "unterminated string (a string must end on its line with '\"')");
            tok->kind = MC_TOK_ERROR;
            tok->off = (uint32_t)start;
            tok->len = (uint32_t)(i - start);
            lex->pos = i;
            return;
        }
        char c = lex->s[i];
        if (c == '"') {
            i++;
            break;
        }
        if (c == '\\') {
            char e = i + 1 < lex->len ? lex->s[i + 1] : '\0';
            if (e == '"' || e == '\\') {
                out[o++] = e;
                i += 2;
            } else if (e == 'n') {
                out[o++] = '\n';
                i += 2;
            } else if (e == 't') {
                out[o++] = '\t';
                i += 2;
            } else if (e == 'u' && i + 2 < lex->len && lex->s[i + 2] == '{') {
                size_t j = i + 3;
                uint32_t cp = 0;
                int ndig = 0;
                while (j < lex->len && hexval(lex->s[j]) >= 0 && ndig < 7) {
                    cp = cp * 16 + (uint32_t)hexval(lex->s[j]);
                    j++, ndig++;
                }
                if (j < lex->len && lex->s[j] == '}' && ndig >= 1 && ndig <= 6 && cp != 0 &&
                    cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
                    o += mc_utf8_encode(cp, out + o);
                    i = j + 1;
                } else {
                    error(lex, i, j + 1 - i,
                          "invalid escape '\\u{…}': it takes 1 to 6 hex digits of a Unicode "
                          "scalar value other than 0");
                    bad = true;
                    i = j < lex->len && lex->s[j] == '}' ? j + 1 : j;
                }
            } else if (i + 1 >= lex->len || e == '\n' || e == '\r') {
                i++; /* a backslash ending the line: the string is unterminated */
            } else {
                /* Name the escaped character whole, even when it is not ASCII. */
                uint32_t cp;
                size_t n =
                    mc_utf8_decode((const unsigned char *)lex->s + i + 1, lex->len - i - 1, &cp);
                char msg[96];
                if (n == 0 || cp < 0x20) {
                    snprintf(msg, sizeof msg,
                             "invalid escape (use \\\", \\\\, \\n, \\t or \\u{HEX})");
                    n = n ? n : 1;
                } else {
                    snprintf(msg, sizeof msg,
                             "invalid escape '\\%.*s' (use \\\", \\\\, \\n, \\t or \\u{HEX})",
                             (int)n, lex->s + i + 1);
                }
                error(lex, i, 1 + n, msg);
                bad = true;
                i += 1 + n;
            }
            continue;
        }
        size_t n = check_char(lex, i);
        if (n == 0) {
            bad = true;
            i++;
            continue;
        }
        memcpy(out + o, lex->s + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    tok->kind = bad ? MC_TOK_ERROR : MC_TOK_STRING;
    tok->off = (uint32_t)start;
    tok->len = (uint32_t)(i - start);
    tok->text = out;
    tok->text_len = (uint32_t)o;
    lex->pos = i;
}

void mc_lexer_next(mc_lexer *lex, mc_token *tok)
{
    memset(tok, 0, sizeof *tok);
    if (lex->fatal) {
        tok->kind = MC_TOK_EOF;
        tok->off = (uint32_t)lex->len;
        return;
    }
    const char *s = lex->s;
    for (;;) {
        while (lex->pos < lex->len &&
               (s[lex->pos] == ' ' || s[lex->pos] == '\t' || s[lex->pos] == '\r')) {
            lex->pos++;
        }
        if (lex->pos < lex->len && s[lex->pos] == '#') {
            /* A comment runs to the end of the line; its text must still be UTF-8. */
            size_t i = lex->pos + 1;
            while (i < lex->len && s[i] != '\n') {
                size_t n = check_char(lex, i);
                i += n ? n : 1;
            }
            lex->pos = i;
            continue;
        }
        break;
    }
    tok->off = (uint32_t)lex->pos;
    if (lex->pos >= lex->len) {
        tok->kind = MC_TOK_EOF;
        return;
    }
    char c = s[lex->pos];
    switch (c) {
    case '\n':
        tok->kind = MC_TOK_NEWLINE;
        tok->len = 1;
        lex->pos++;
        return;
    case ';':
        tok->kind = MC_TOK_SEMI;
        tok->len = 1;
        lex->pos++;
        return;
    case '{':
        tok->kind = MC_TOK_LBRACE;
        tok->len = 1;
        lex->pos++;
        return;
    case '}':
        tok->kind = MC_TOK_RBRACE;
        tok->len = 1;
        lex->pos++;
        return;
    case '"':
        lex_string(lex, tok);
        return;
    default:
        break;
    }
    size_t i = lex->pos;
    bool bad = false;
    while (i < lex->len && is_word_byte((unsigned char)s[i])) {
        size_t n = check_char(lex, i);
        if (n == 0) {
            bad = true;
            n = 1;
        }
        i += n;
    }
    tok->kind = bad ? MC_TOK_ERROR : MC_TOK_WORD;
    tok->len = (uint32_t)(i - lex->pos);
    tok->text = s + lex->pos;
    tok->text_len = tok->len;
    lex->pos = i;
}
