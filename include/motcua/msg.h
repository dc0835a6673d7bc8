/*
 * The message catalogue: every sentence the library says to a person, in the manner of GNU
 * gettext. A message is a stable code ("once-only.held", "role.not-allowed", …) and one whole
 * sentence per language with numbered arguments ({1} to {9}), so that a translation may put
 * them in another order and code never glues translated fragments together. English is the
 * default and the fallback of a missing translation; Vietnamese (vi) is the second language.
 * The engine's refusals carry a code and its arguments besides the English text (mc_result in
 * engine.h), so that a front end translates them without asking the engine again.
 *
 * The catalogue is a constant table in the library: nothing is allocated, nothing is loaded.
 */
#ifndef MOTCUA_MSG_H
#define MOTCUA_MSG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    MC_LANG_EN, /* English: the default */
    MC_LANG_VI, /* Vietnamese */
} mc_lang;

enum {
    MC_MSG_MAXARGS = 5, /* arguments a message carried with a result takes at most */
    MC_MSG_CODESZ = 40, /* room for a code and its NUL */
    MC_MSG_ARGSZ = 256, /* room for one argument and its NUL (longer ones are cut at a character) */
};

/* The language named by name ("en", "vi", "vi-VN", "en-GB": only the primary subtag counts,
 * case-insensitively) into *out; false (and *out untouched) when it is not one of the
 * catalogue's. */
bool mc_msg_lang(const char *name, mc_lang *out);

/* The language an HTTP Accept-Language header prefers among the catalogue's (RFC 9110
 * §12.5.4): a list of tags ("vi", "vi-VN", "en-GB", "*"), each with an optional weight ";q=0.8"
 * (0 to 1, three decimals at most; q=0 refuses). Vietnamese when it weighs more than English, or
 * as much and is named first; "*" stands for every language the list does not name. English for
 * NULL, an empty or unreadable header, a list naming neither, and ties otherwise (the
 * default of SPEC §5.2). An item that cannot be read is skipped, not the whole header. */
mc_lang mc_msg_accept_language(const char *header);

/* An amount of money as people read it in lang, into out (NUL-terminated, cut to outsz):
 * Vietnamese groups thousands with '.' and writes the đồng as "đ" ("1.234.567 đ"; another
 * currency by its code: "1.234.567 USD"); English as the CLI always did ("1234567 VND").
 * currency NULL or "" is VND. */
void mc_msg_money(mc_lang lang, long long amount, const char *currency, char *out, size_t outsz);

/* A local date or time written as the library writes it ("YYYY-MM-DD" or "YYYY-MM-DDTHH:MM",
 * possibly ":SS" after) as people read it in lang, into out (at least 20 bytes): Vietnamese
 * "dd/mm/yyyy" and "dd/mm/yyyy HH:mm" (seconds kept: "HH:mm:ss"); English, or text not of
 * those forms, unchanged (cut to outsz). */
void mc_msg_time(mc_lang lang, const char *iso, char *out, size_t outsz);

/* The sentence of code in lang, with its {N} placeholders, the _() of motcua: English when lang
 * has no translation of it, NULL when code is unknown. Static storage. */
const char *mc_msg_text(mc_lang lang, const char *code);

/* Formats the sentence of code in lang with args (nargs of them; {N} takes args[N-1]) into out,
 * NUL-terminated when outsz > 0. A placeholder without its argument stays as written ("{3}"), so
 * a missing argument shows instead of vanishing; a '{' not followed by a digit and '}' is text.
 * Too long, the text is cut at the last whole UTF-8 character that fits. Returns the length of
 * the whole message (as snprintf does: out holds all of it when the result < outsz), or
 * MC_ENOTFOUND for an unknown code (out then holds the code itself, cut as above). */
int mc_msg_format(mc_lang lang, const char *code, const char *const *args, size_t nargs, char *out,
                  size_t outsz);

/* Reads nargs arguments (const char *, NULL read as "") from ap into args, MC_MSG_MAXARGS at
 * most (the rest are read and dropped); returns how many args holds. For the variadic functions
 * that say a message (mc_error_say, the API's errors). */
size_t mc_msg_vargs(const char *args[MC_MSG_MAXARGS], size_t nargs, va_list ap);

/* The catalogue in order, for tests and tools: the code of entry i, or NULL past the last. */
const char *mc_msg_code(size_t i);

#endif
