/* UTF-8 decoding shared by the lexer and the diagnostics. */
#ifndef MOTCUA_UTF8_H
#define MOTCUA_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one scalar value at s (n bytes available). Returns its length 1..4 and sets *cp, or 0
 * when the bytes are not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF
 * included). */
size_t mc_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Encodes cp (a valid scalar value) into out (4 bytes at least); returns the length. */
size_t mc_utf8_encode(uint32_t cp, char *out);
/* Number of code points in s[0..n), counting each invalid byte as one. */
size_t mc_utf8_count(const char *s, size_t n);

#endif
