/*
 * Signed checkpoints (checkpoint.h): the store's chain heads in a small text format, signed
 * with Ed25519, and the proof that a store still extends a checkpoint. The text is parsed
 * strictly, line by line; the signature covers every byte before the signature line, so that
 * what the auditor reads is what was signed.
 */
#include "motcua/checkpoint.h"

#include "motcua/alloc.h"

#include <sodium.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char MAGIC[] = "motcua checkpoint v1\n";
static const char PUB_TAG[] = "motcua-ed25519-public ";
static const char SEC_TAG[] = "motcua-ed25519-secret ";

static void hex(const unsigned char *bin, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, bin, n);
}

/* Exactly n bytes of lower- or upper-case hex from text (its whole length). */
static bool unhex(const char *text, size_t len, unsigned char *out, size_t n)
{
    size_t got = 0;
    if (len != n * 2) {
        return false;
    }
    return sodium_hex2bin(out, n, text, len, NULL, &got, NULL) == 0 && got == n;
}

int mc_checkpoint_keygen(char **pub_text, char **sec_text, mc_error *err)
{
    *pub_text = *sec_text = NULL;
    if (mc_init() < 0) {
        return mc_error_set(err, MC_EINTERNAL, "checkpoint: libsodium failed to start");
    }
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    size_t pn = sizeof PUB_TAG + 2 * sizeof pk + 2, sn = sizeof SEC_TAG + 2 * sizeof sk + 2;
    char *p = mc_malloc(pn), *s = mc_malloc(sn);
    if (p == NULL || s == NULL) {
        mc_free(p);
        mc_free(s);
        sodium_memzero(sk, sizeof sk);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    char ph[2 * crypto_sign_PUBLICKEYBYTES + 1], h[2 * crypto_sign_SECRETKEYBYTES + 1];
    hex(pk, sizeof pk, ph);
    snprintf(p, pn, "%s%s\n", PUB_TAG, ph);
    hex(sk, sizeof sk, h);
    snprintf(s, sn, "%s%s\n", SEC_TAG, h);
    sodium_memzero(h, sizeof h);
    sodium_memzero(sk, sizeof sk);
    *pub_text = p;
    *sec_text = s;
    return 0;
}

int mc_checkpoint_read_key(const char *text, bool secret, unsigned char *key, mc_error *err)
{
    const char *tag = secret ? SEC_TAG : PUB_TAG;
    size_t n = secret ? MC_SECRET_KEY_BYTES : MC_PUBLIC_KEY_BYTES;
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) {
        len--;
    }
    size_t tl = strlen(tag);
    if (len < tl || strncmp(text, tag, tl) != 0 || !unhex(text + tl, len - tl, key, n)) {
        return mc_error_set(err, MC_ESYNTAX, "not a motcua %s key (motcua keygen makes one)",
                            secret ? "secret" : "public");
    }
    return 0;
}

int mc_checkpoint_make(mc_store *st, const unsigned char sk[MC_SECRET_KEY_BYTES], int64_t now,
                       char **out, mc_error *err)
{
    *out = NULL;
    mc_chain_head *heads;
    size_t n;
    int rc = mc_store_heads(st, &heads, &n, err);
    if (rc != 0) {
        return rc;
    }
    unsigned char digest[MC_HASH_BYTES], sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
    mc_store_head_digest(heads, n, digest);
    crypto_sign_ed25519_sk_to_pk(pk, sk);
    size_t cap = 512 + n * 120;
    char *text = mc_malloc(cap);
    if (text == NULL) {
        mc_free(heads);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    time_t t = (time_t)now;
    struct tm tm;
    char when[32], h[2 * crypto_sign_BYTES + 1];
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    hex(pk, sizeof pk, h);
    size_t len = (size_t)snprintf(text, cap, "%stime %s\nkey %s\n", MAGIC, when, h);
    for (size_t i = 0; i < n; i++) {
        hex(heads[i].hash, MC_HASH_BYTES, h);
        len += (size_t)snprintf(text + len, cap - len, "chain %s %lld %s\n", heads[i].name,
                                (long long)heads[i].count, h);
    }
    mc_free(heads);
    hex(digest, sizeof digest, h);
    len += (size_t)snprintf(text + len, cap - len, "head %s\n", h);
    crypto_sign_detached(sig, NULL, (const unsigned char *)text, len, sk);
    hex(sig, sizeof sig, h);
    snprintf(text + len, cap - len, "signature %s\n", h);
    *out = text;
    return 0;
}

/* ---- reading a checkpoint ---- */

/* Room for every chain of a store: the frozen chains of an older one and every partition. */
enum { MAX_CHAINS = 5 * (MC_STORE_PARTITIONS + 1) + 1 };

typedef struct parsed {
    char time[32];
    unsigned char key[MC_PUBLIC_KEY_BYTES];
    mc_chain_head chains[MAX_CHAINS];
    size_t nchains;
    unsigned char head[MC_HASH_BYTES], sig[crypto_sign_BYTES];
    size_t signed_len; /* bytes before the signature line */
} parsed;

static int bad(mc_error *err, int line, const char *what)
{
    return mc_error_set(err, MC_ESYNTAX, "checkpoint: line %d: %s", line, what);
}

static int parse(const char *text, parsed *p, mc_error *err)
{
    memset(p, 0, sizeof *p);
    if (strncmp(text, MAGIC, sizeof MAGIC - 1) != 0) {
        return bad(err, 1, "not a motcua checkpoint (it must start 'motcua checkpoint v1')");
    }
    const char *line = text + sizeof MAGIC - 1;
    bool have_time = false, have_key = false, have_head = false;
    for (int no = 2;; no++) {
        const char *nl = strchr(line, '\n');
        if (nl == NULL) {
            return bad(err, no, *line ? "the line does not end" : "the signature is missing");
        }
        size_t n = (size_t)(nl - line);
        char buf[256];
        if (n >= sizeof buf) {
            return bad(err, no, "the line is too long");
        }
        memcpy(buf, line, n);
        buf[n] = '\0';
        char a[200], b[200], c[200];
        int k = sscanf(buf, "%199s %199s %199s", a, b, c);
        if (!have_time) {
            if (k != 2 || strcmp(a, "time") != 0 || strlen(b) >= sizeof p->time) {
                return bad(err, no, "expected 'time DATE'");
            }
            memcpy(p->time, b, strlen(b) + 1); /* its length was checked above */
            have_time = true;
        } else if (!have_key) {
            if (k != 2 || strcmp(a, "key") != 0 || !unhex(b, strlen(b), p->key, sizeof p->key)) {
                return bad(err, no, "expected 'key' and a public key in hex");
            }
            have_key = true;
        } else if (k >= 1 && strcmp(a, "chain") == 0 && !have_head) {
            char h[200];
            long long count;
            if (p->nchains == MAX_CHAINS) {
                return bad(err, no, "too many chains");
            }
            mc_chain_head *ch = &p->chains[p->nchains];
            if (sscanf(buf, "chain %15s %lld %199s", ch->name, &count, h) != 3 || count < 0 ||
                !unhex(h, strlen(h), ch->hash, MC_HASH_BYTES)) {
                return bad(err, no, "expected 'chain NAME COUNT HASH'");
            }
            ch->count = count;
            if (p->nchains > 0 && strcmp(p->chains[p->nchains - 1].name, ch->name) >= 0) {
                return bad(err, no, "the chains must be sorted by name");
            }
            p->nchains++;
        } else if (!have_head) {
            if (k != 2 || strcmp(a, "head") != 0 || !unhex(b, strlen(b), p->head, MC_HASH_BYTES)) {
                return bad(err, no, "expected 'head' and a hash in hex");
            }
            have_head = true;
        } else {
            if (k != 2 || strcmp(a, "signature") != 0 ||
                !unhex(b, strlen(b), p->sig, sizeof p->sig)) {
                return bad(err, no, "expected 'signature' and a signature in hex");
            }
            p->signed_len = (size_t)(line - text);
            if (nl[1] != '\0') {
                return bad(err, no + 1, "nothing may follow the signature");
            }
            return 0;
        }
        line = nl + 1;
    }
}

/* The proof, once the checkpoint is parsed: each chain it signed must still lead to its head. */
static int prove(mc_store *st, const parsed *p, int (*finding)(void *ud, const char *msg), void *ud,
                 int64_t *nfindings, mc_error *err)
{
    mc_chain_head *now;
    size_t nnow;
    int rc = mc_store_heads(st, &now, &nnow, err);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < p->nchains; i++) {
        const mc_chain_head *c = &p->chains[i];
        int64_t have = 0; /* a chain the store no longer has has no entries */
        for (size_t k = 0; k < nnow; k++) {
            if (strcmp(now[k].name, c->name) == 0) {
                have = now[k].count;
            }
        }
        char msg[400];
        msg[0] = '\0';
        unsigned char h[MC_HASH_BYTES];
        int found = 0;
        if (!mc_store_chain_valid(c->name)) {
            snprintf(msg, sizeof msg, "the checkpoint of %s has a chain '%s' this store does not",
                     p->time, c->name);
        } else if (c->count > 0) {
            found = mc_store_chain_hash_at(st, c->name, c->count, h, err);
            if (found < 0) {
                rc = found;
                break;
            }
            if (found == 0 || have < c->count) {
                snprintf(msg, sizeof msg,
                         "the %s chain had %lld %s at the checkpoint of %s, the store has "
                         "%lld: it was truncated",
                         c->name, (long long)c->count, c->count == 1 ? "entry" : "entries", p->time,
                         (long long)have);
            } else if (sodium_memcmp(h, c->hash, MC_HASH_BYTES) != 0) {
                snprintf(msg, sizeof msg,
                         "the %s chain no longer leads to the head of the checkpoint of %s (entry "
                         "%lld differs): it was rewritten or recomputed",
                         c->name, p->time, (long long)c->count);
            }
        }
        if (msg[0] != '\0') {
            ++*nfindings;
            if (finding(ud, msg) != 0) {
                break;
            }
        }
    }
    mc_free(now);
    return rc;
}

int mc_checkpoint_verify(mc_store *st, const char *text,
                         const unsigned char pk[MC_PUBLIC_KEY_BYTES],
                         int (*finding)(void *ud, const char *msg), void *ud, int64_t *nfindings,
                         char *time, mc_error *err)
{
    *nfindings = 0;
    parsed *p = mc_malloc(sizeof *p); /* every chain of a store: too large for the stack */
    if (p == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = parse(text, p, err);
    if (rc == 0 && time != NULL) {
        snprintf(time, 32, "%s", p->time);
    }
    if (rc == 0 && sodium_memcmp(p->key, pk, MC_PUBLIC_KEY_BYTES) != 0) {
        char a[2 * MC_PUBLIC_KEY_BYTES + 1], b[2 * MC_PUBLIC_KEY_BYTES + 1];
        hex(p->key, sizeof p->key, a);
        hex(pk, MC_PUBLIC_KEY_BYTES, b);
        rc = mc_error_set(err, MC_ECHECK,
                          "the checkpoint was signed by key %.16s..., not by this public key "
                          "(%.16s...)",
                          a, b);
    }
    if (rc == 0 &&
        crypto_sign_verify_detached(p->sig, (const unsigned char *)text, p->signed_len, pk) != 0) {
        rc = mc_error_set(err, MC_ECHECK,
                          "the checkpoint's signature does not verify: it was altered after "
                          "it was signed");
    }
    unsigned char digest[MC_HASH_BYTES];
    if (rc == 0) {
        mc_store_head_digest(p->chains, p->nchains, digest);
        if (sodium_memcmp(digest, p->head, MC_HASH_BYTES) != 0) {
            rc = mc_error_set(err, MC_ECHECK, "the checkpoint's head does not match its chains");
        }
    }
    if (rc == 0) {
        rc = prove(st, p, finding, ud, nfindings, err);
    }
    mc_free(p);
    return rc;
}
