/*
 * JSON through Jansson, whole or not at all under memory pressure. Jansson 2.14 goes on after
 * some failed allocations: json_dumps can return text with a key missing ({":"e"} for
 * {"d":"e"}), json_loads a string with a character missing ("abd" for "abcd"), or stop the
 * process on an assertion of its lexer (load.c, lex_scan_string), all found by the
 * out-of-memory sweeps. Jansson allocates through mc_json_alloc and mc_json_free (mc_init
 * installs them), which note a failure for the thread; while mc_json_dumps or mc_json_loads
 * runs, a failed allocation is served from the C library instead, so that Jansson never sees
 * it, and the call's result is discarded: MC_ENOMEM, never a partial value. The library reads
 * and writes JSON text only through these two.
 */
#ifndef MOTCUA_JSON_H
#define MOTCUA_JSON_H

#include <jansson.h>

/* Jansson's allocator (json_set_alloc_funcs): mc_malloc and mc_free, noting a failure. */
void *mc_json_alloc(size_t size);
void mc_json_free(void *ptr);

/* The text of j written with flags (JSON_COMPACT, JSON_SORT_KEYS…), NUL-terminated, for the
 * caller to free with mc_free; NULL when j is NULL or memory ran out, never a partial text. */
char *mc_json_dumps(const json_t *j, size_t flags);

/* A JSON string of text, which may quote a request (a refusal's message): each byte that is not
 * UTF-8 becomes U+FFFD, where json_string would return NULL and the caller take it for out of
 * memory. NULL only when memory ran out. */
json_t *mc_json_text(const char *text);

/* Parses text with flags (as json_loads) into *out, which the caller owns. Returns 0,
 * MC_ENOMEM when memory ran out, or MC_ESYNTAX when text is not JSON; *out is NULL then. */
int mc_json_loads(const char *text, size_t flags, json_t **out);

#endif
