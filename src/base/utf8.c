/* UTF-8 helpers (utf8.h). */
#include "utf8.h"

#include "motcua/alloc.h"
#include "motcua/error.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

size_t mc_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0) {
        return 0;
    }
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        return 0;
    }
    *cp = v;
    return len;
}

size_t mc_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t mc_utf8_count(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t count = 0, i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = mc_utf8_decode(p + i, n - i, &cp);
        i += len ? len : 1;
        count++;
    }
    return count;
}

size_t mc_utf8_invalid_at(const char *s, size_t n)
{
    /* ASCII, most values, is valid as it stands: eight bytes at a time without their high bit
     * need no decoding; libunistring checks the rest, from the first byte that has it on. */
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080)) {
            break;
        }
    }
    while (i < n && (unsigned char)s[i] < 0x80) {
        i++;
    }
    if (i == n) {
        return SIZE_MAX;
    }
    const uint8_t *bad = u8_check((const uint8_t *)s + i, n - i);
    return bad ? (size_t)(bad - (const uint8_t *)s) : SIZE_MAX;
}

int mc_utf8_nfc(const char *s, size_t n, char **out, size_t *outn)
{
    *out = NULL;
    *outn = 0;
    if (mc_utf8_invalid_at(s, n) != SIZE_MAX) {
        return MC_ESYNTAX;
    }
    /* libunistring allocates with malloc: its result is copied into the library's allocator,
     * which callers free and out-of-memory tests count. */
    size_t len = 0;
    uint8_t *nfc = n ? u8_normalize(UNINORM_NFC, (const uint8_t *)s, n, NULL, &len) : NULL;
    if (n > 0 && nfc == NULL) {
        return MC_ENOMEM; /* the input is valid: only memory can fail */
    }
    char *copy = mc_malloc(len + 1);
    if (copy == NULL) {
        free(nfc);
        return MC_ENOMEM;
    }
    if (len > 0) {
        memcpy(copy, nfc, len);
    }
    copy[len] = '\0';
    free(nfc);
    *out = copy;
    *outn = len;
    return 0;
}

int mc_utf8_fold(const char *s, size_t n, char **out, size_t *outn)
{
    *out = NULL;
    *outn = 0;
    if (mc_utf8_invalid_at(s, n) != SIZE_MAX) {
        return MC_ESYNTAX;
    }
    size_t len = 0;
    uint8_t *nfd = n ? u8_normalize(UNINORM_NFD, (const uint8_t *)s, n, NULL, &len) : NULL;
    if (n > 0 && nfd == NULL) {
        return MC_ENOMEM;
    }
    /* Dropping marks and lowercasing never lengthens a letter of the scripts the marks are
     * dropped from; another script's lowercase may be longer (U+0130 is "i" + U+0307, whose
     * mark goes), so the room is the worst case: 4 bytes a code point. */
    char *copy = mc_malloc(len * 4 + 1);
    if (copy == NULL) {
        free(nfd);
        return MC_ENOMEM;
    }
    size_t o = 0;
    bool space = false; /* a space is owed before the next letter */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = mc_utf8_decode(nfd + i, len - i, &cp);
        i += k;
        if (cp >= 0x300 && cp <= 0x36F) {
            continue; /* a diacritic of the letter before */
        }
        if (cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0) {
            space = o > 0;
            continue;
        }
        if (space) {
            copy[o++] = ' ';
            space = false;
        }
        cp = cp == 0x110 || cp == 0x111 ? 'd' : uc_tolower(cp);
        o += mc_utf8_encode(cp, copy + o);
    }
    copy[o] = '\0';
    free(nfd);
    *out = copy;
    *outn = o;
    return 0;
}
