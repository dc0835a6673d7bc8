/* The tokens of serve (tokens.h): read once per load through front/tokfile.h, looked up by hash
 * on every request. */
#include "tokens.h"

#include "motcua/alloc.h"

#include <sodium.h>
#include <string.h>

struct tokens {
    principal *p;
    size_t n;
};

void tokens_hash(const char *token, char out[80])
{
    unsigned char h[32];
    front_token_hash(token, h, out);
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

bool principal_in_agency(const principal *p, const char *agency)
{
    if (p->every_agency) {
        return true;
    }
    for (size_t i = 0; agency != NULL && i < p->nagencies; i++) {
        if (strcmp(p->agencies[i], agency) == 0) {
            return true;
        }
    }
    return false;
}

int tokens_load(tokens **out, const char *path, mc_error *err)
{
    *out = NULL;
    front_tokfile *f = NULL;
    int rc = front_tokfile_read(&f, path, 0, err);
    if (rc != 0) {
        return rc;
    }
    size_t n = front_tokfile_count(f);
    tokens *t = mc_calloc(1, sizeof *t);
    if (t != NULL) {
        t->p = mc_calloc(n ? n : 1, sizeof *t->p);
    }
    if (t == NULL || t->p == NULL) {
        tokens_free(t);
        front_tokfile_free(f);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        t->p[i] = *front_tokfile_get(f, i);
    }
    t->n = n;
    front_tokfile_free(f);
    *out = t;
    return 0;
}

void tokens_free(tokens *t)
{
    if (t != NULL) {
        mc_free(t->p);
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
    front_token_hash(token, h, NULL);
    const principal *found = NULL;
    for (size_t i = 0; i < t->n; i++) {
        if (sodium_memcmp(t->p[i].hash, h, 32) == 0) {
            found = &t->p[i];
        }
    }
    return found;
}
