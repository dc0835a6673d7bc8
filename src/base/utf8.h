/* UTF-8 decoding shared by the lexer and the diagnostics, and Unicode normalisation of free text
 * (libunistring) before it is matched. */
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

/* Whether s[0..n) is valid UTF-8: SIZE_MAX when it is, else the offset of the first byte that is
 * not. */
size_t mc_utf8_invalid_at(const char *s, size_t n);
/* s[0..n), valid UTF-8, in Normalization Form C (composed: "a" + U+0302 + U+0301 becomes "ấ"),
 * so that text typed in decomposed form matches patterns written in composed form. *out gets a
 * NUL-terminated copy (mc_malloc'd; the caller frees it) and *outn its length. MC_ESYNTAX when s
 * is not valid UTF-8, MC_ENOMEM when out of memory. */
int mc_utf8_nfc(const char *s, size_t n, char **out, size_t *outn);
/* s[0..n) folded for a search that ignores accents and case: decomposed (NFD), the combining
 * diacritical marks (U+0300..U+036F: every Vietnamese tone and vowel mark) dropped, Đ and đ as
 * "d", lowercased, each run of white space one space, none at either end ("  Nguyễn  Văn Đức"
 * is "nguyen van duc"). Other scripts pass through lowercased. Folding folded text changes
 * nothing. *out and *outn as mc_utf8_nfc; MC_ESYNTAX when s is not valid UTF-8, MC_ENOMEM. */
int mc_utf8_fold(const char *s, size_t n, char **out, size_t *outn);

#endif
