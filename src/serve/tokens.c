/* The tokens file (tokens.h): parsed once at start, looked up by hash on every request. */
#include "tokens.h"

#include "base/grow.h"

#include "motcua/alloc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    unsigned char hash[32];
    principal who;
} entry;

struct tokens {
    entry *e;
    size_t n;
};

static void hash_of(const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

void tokens_hash(const char *token, char out[80])
{
    unsigned char h[32];
    hash_of(token, h);
    memcpy(out, "blake2b:", 8);
    sodium_bin2hex(out + 8, 65, h, 32);
}

bool principal_has_role(const principal *p, const char *role)
{
    for (size_t i = 0; i < p->nroles; i++) {
        if (strcmp(p->roles[i], role) == 0) {
            return true;
        }
    }
    return false;
}

/* Copies the next blank-separated word of *p into out; its column in *col. 0 when none. */
static size_t word(const char **p, const char *line, char *out, size_t outsz, size_t *col)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    const char *e = s;
    while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r') {
        e++;
    }
    size_t n = (size_t)(e - s);
    *col = (size_t)(s - line) + 1;
    if (n == 0 || n >= outsz) {
        *p = e;
        return n == 0 ? 0 : (size_t)-1;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    *p = e;
    return n;
}

static int bad(mc_error *err, const char *path, size_t line, size_t col, const char *what)
{
    return mc_error_set(err, MC_ESYNTAX, "%s:%zu:%zu: %s", path, line, col, what);
}

/* Parses one line into e; 1 when it holds an entry, 0 when blank or a comment, or an error. */
static int parse_line(const char *path, size_t ln, const char *line, entry *e, mc_error *err)
{
    const char *p = line;
    char w[5][256];
    size_t cols[5], n = 0;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p == '\0' || *p == '#' || *p == '\n' || *p == '\r') {
        return 0;
    }
    for (; n < 5; n++) {
        size_t len = word(&p, line, w[n], sizeof w[n], &cols[n]);
        if (len == (size_t)-1) {
            return bad(err, path, ln, cols[n], "a word is too long");
        }
        if (len == 0) {
            break;
        }
    }
    size_t extra;
    char rest[8];
    if (word(&p, line, rest, sizeof rest, &extra) != 0) {
        return bad(err, path, ln, extra, "too many words (HASH ACTOR ROLES AGENCY [SUBJECT])");
    }
    if (n < 4) {
        return bad(err, path, ln, n ? cols[n - 1] : 1,
                   "a token line is HASH ACTOR ROLES AGENCY [SUBJECT]");
    }
    memset(e, 0, sizeof *e);
    size_t hexlen;
    if (strncmp(w[0], "blake2b:", 8) != 0 || strlen(w[0]) != 8 + 64 ||
        sodium_hex2bin(e->hash, 32, w[0] + 8, 64, NULL, &hexlen, NULL) != 0 || hexlen != 32) {
        return bad(err, path, ln, cols[0],
                   "the hash must be 'blake2b:' and 64 hex digits (motcua hash-token TOKEN)");
    }
    if (strlen(w[1]) >= sizeof e->who.actor) {
        return bad(err, path, ln, cols[1], "the actor name is too long");
    }
    strcpy(e->who.actor, w[1]);
    for (char *r = strtok(w[2], ","); r != NULL; r = strtok(NULL, ",")) {
        if (e->who.nroles == TOKEN_MAX_ROLES || strlen(r) >= sizeof e->who.roles[0]) {
            return bad(err, path, ln, cols[2], "too many roles, or a role name too long");
        }
        strcpy(e->who.roles[e->who.nroles++], r);
    }
    if (e->who.nroles == 0) {
        return bad(err, path, ln, cols[2], "a token needs at least one role");
    }
    if (strlen(w[3]) >= sizeof e->who.agency) {
        return bad(err, path, ln, cols[3], "the agency name is too long");
    }
    strcpy(e->who.agency, strcmp(w[3], "-") == 0 ? "" : w[3]);
    bool applicant = principal_has_role(&e->who, "applicant");
    if (applicant && (n != 5 || e->who.nroles != 1)) {
        return bad(err, path, ln, cols[2],
                   "an applicant token has the one role 'applicant' and a SUBJECT");
    }
    if (!applicant && n == 5) {
        return bad(err, path, ln, cols[4], "only an applicant token has a SUBJECT");
    }
    if (n == 5) {
        if (strlen(w[4]) >= sizeof e->who.subject) {
            return bad(err, path, ln, cols[4], "the subject is too long");
        }
        strcpy(e->who.subject, w[4]);
    }
    return 1;
}

int tokens_load(tokens **out, const char *path, mc_error *err)
{
    *out = NULL;
    if (mc_init() < 0) {
        return mc_error_set(err, MC_EINTERNAL, "libsodium cannot start");
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return mc_error_set(err, MC_EIO, "cannot read %s", path);
    }
    tokens *t = mc_calloc(1, sizeof *t);
    char line[2048];
    size_t ln = 0, cap = 0;
    int rc = t ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        ln++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            rc = bad(err, path, ln, 1, "the line is too long");
            break;
        }
        entry e;
        int r = parse_line(path, ln, line, &e, err);
        if (r < 0) {
            rc = r;
        } else if (r == 1) {
            for (size_t i = 0; i < t->n; i++) {
                if (sodium_memcmp(t->e[i].hash, e.hash, 32) == 0) {
                    rc = bad(err, path, ln, 1, "this hash is on an earlier line too");
                }
            }
            if (rc == 0 && mc_grow(&t->e, &cap, t->n + 1, sizeof *t->e) != 0) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            }
            if (rc == 0) {
                e.who.index = t->n;
                t->e[t->n++] = e;
            }
        }
    }
    if (rc == 0 && ferror(f)) {
        rc = mc_error_set(err, MC_EIO, "cannot read %s", path);
    }
    fclose(f);
    if (rc != 0) {
        tokens_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void tokens_free(tokens *t)
{
    if (t != NULL) {
        mc_free(t->e);
        mc_free(t);
    }
}

size_t tokens_count(const tokens *t)
{
    return t->n;
}

const principal *tokens_find(const tokens *t, const char *token)
{
    unsigned char h[32];
    hash_of(token, h);
    const principal *found = NULL;
    for (size_t i = 0; i < t->n; i++) {
        if (sodium_memcmp(t->e[i].hash, h, 32) == 0) {
            found = &t->e[i].who;
        }
    }
    return found;
}
