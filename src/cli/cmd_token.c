/* `motcua token add|revoke|list --tokens FILE` (docs/cli.md): edits the tokens file of serve
 * (front/tokfile.h) under a lock, replacing it in one rename. A secret is made here (32 random
 * bytes) or read from standard input, never taken from the command line, where every user of
 * the machine could read it (ps, shell history); the file keeps only its hash. */
#include "cli.h"
#include "front/tokfile.h"
#include "motcua/alloc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SECRET_BYTES = 32, SECRET_MIN = 16, SECRET_MAX = 512 };

/* The exit status of a failed edit: a file or a request that cannot be honoured is refused (1),
 * a file that cannot be read or written is an i/o error (3). */
static int failed(int rc, const mc_error *err)
{
    fprintf(stderr, "motcua: %s\n", err->msg);
    return rc == MC_EIO || rc == MC_ENOMEM || rc == MC_EINTERNAL ? EXIT_IO : EXIT_FAIL;
}

/* A secret from standard input: one line, visible ASCII, SECRET_MIN to SECRET_MAX bytes. */
static int read_secret(char *out, size_t size)
{
    if (fgets(out, (int)size, stdin) == NULL) {
        fputs("motcua: --secret-stdin: nothing on standard input\n", stderr);
        return EXIT_USAGE;
    }
    size_t n = strcspn(out, "\r\n");
    bool whole = out[n] != '\0' || feof(stdin);
    out[n] = '\0';
    bool visible = whole;
    for (size_t i = 0; visible && i < n; i++) {
        visible = out[i] > ' ' && out[i] < 0x7f;
    }
    if (!whole || n < SECRET_MIN || !visible) {
        sodium_memzero(out, size);
        fprintf(stderr,
                "motcua: --secret-stdin: the secret is one line of %d to %d visible ASCII "
                "characters, without blanks\n",
                SECRET_MIN, SECRET_MAX);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int token_add(front_opts *c)
{
    if (c->nargs != 1) {
        return front_usage_error("token add takes no arguments but its options (--actor, --roles, "
                                 "--agency, --subject, --secret-stdin); a secret is never given "
                                 "on the command line");
    }
    front_token t;
    memset(&t, 0, sizeof t);
    mc_error err;
    mc_error_clear(&err);
    if (front_token_fill(&t, c->actor, c->roles, c->agency, c->subject, &err) != 0) {
        return front_usage_error("%s", err.msg);
    }
    char secret[SECRET_MAX + 2];
    if (c->secret_stdin) {
        int status = read_secret(secret, sizeof secret);
        if (status != EXIT_OK) {
            return status;
        }
    } else {
        unsigned char raw[SECRET_BYTES];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2base64(secret, sizeof secret, raw, sizeof raw,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_memzero(raw, sizeof raw);
    }
    front_token_hash(secret, t.hash, NULL);
    front_tokfile *f = NULL;
    int rc = front_tokfile_read(&f, c->tokens, FRONT_TOKFILE_EDIT, &err);
    if (rc == 0) {
        rc = front_tokfile_add(f, &t, &err);
    }
    if (rc == 0) {
        rc = front_tokfile_write(f, &err);
    }
    front_tokfile_free(f);
    int status = EXIT_OK;
    if (rc != 0) {
        status = failed(rc, &err);
    } else {
        if (!c->secret_stdin) {
            puts(secret); /* once: the file keeps only its hash */
            fflush(stdout);
        }
        fprintf(stderr,
                "motcua: token of '%s' added to %s (a running serve takes it on SIGHUP)%s\n",
                t.actor, c->tokens,
                c->secret_stdin ? "" : "; its secret, above, is shown only now");
    }
    sodium_memzero(secret, sizeof secret);
    return status;
}

static int token_revoke(front_opts *c)
{
    if (c->nargs != 2 || c->args[1][0] == '\0') {
        return front_usage_error("write: token revoke ACTOR|blake2b:HASHPREFIX --tokens FILE");
    }
    front_tokfile *f = NULL;
    mc_error err;
    mc_error_clear(&err);
    size_t removed = 0;
    int rc = front_tokfile_read(&f, c->tokens, FRONT_TOKFILE_EDIT, &err);
    if (rc == 0) {
        rc = front_tokfile_revoke(f, c->args[1], &removed, &err);
    }
    if (rc == 0) {
        rc = front_tokfile_write(f, &err);
    }
    front_tokfile_free(f);
    if (rc != 0) {
        return failed(rc, &err);
    }
    printf("token: revoked %zu token%s of '%s' in %s (a running serve drops %s on SIGHUP)\n",
           removed, removed == 1 ? "" : "s", c->args[1], c->tokens, removed == 1 ? "it" : "them");
    return EXIT_OK;
}

/* The n names of stride bytes each from items, separated by commas. */
static void join(char *out, size_t size, const char *items, size_t n, size_t stride)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const char *item = items + i * stride;
        int k = snprintf(out + used, size - used, "%s%s", i ? "," : "", item);
        used += k > 0 ? (size_t)k : 0;
    }
}

static int token_list(front_opts *c)
{
    if (c->nargs != 1) {
        return front_usage_error("token list takes no arguments (--tokens FILE, --format)");
    }
    front_tokfile *f = NULL;
    mc_error err;
    mc_error_clear(&err);
    int rc = front_tokfile_read(&f, c->tokens, 0, &err);
    if (rc != 0) {
        return failed(rc, &err);
    }
    bool ok = true;
    json_t *list = c->json ? json_array() : NULL;
    if (!c->json) {
        printf("%-24s %-24s %-28s %-14s %s\n", "ACTOR", "ROLES", "AGENCIES", "SUBJECT", "HASH");
    }
    for (size_t i = 0; i < front_tokfile_count(f); i++) {
        const front_token *t = front_tokfile_get(f, i);
        char roles[FRONT_TOKEN_ROLES * 49], agencies[FRONT_TOKEN_AGENCIES * 97], hash[80];
        join(roles, sizeof roles, t->roles[0], t->nroles, sizeof t->roles[0]);
        join(agencies, sizeof agencies, t->agencies[0], t->nagencies, sizeof t->agencies[0]);
        if (t->every_agency || t->nagencies == 0) {
            strcpy(agencies, t->every_agency ? "*" : "-");
        }
        sodium_bin2hex(hash + 8, sizeof hash - 8, t->hash, 32);
        memcpy(hash, "blake2b:", 8);
        hash[8 + 16] = '\0'; /* enough to revoke by, never the whole line */
        if (c->json) {
            json_t *r = json_array(), *a = json_array();
            for (size_t k = 0; k < t->nroles; k++) {
                front_jpush(r, json_string(t->roles[k]), &ok);
            }
            for (size_t k = 0; k < t->nagencies; k++) {
                front_jpush(a, json_string(t->agencies[k]), &ok);
            }
            if (t->every_agency) {
                front_jpush(a, json_string("*"), &ok);
            }
            front_jpush(list,
                        json_pack("{s:s, s:o, s:o, s:s?, s:s}", "actor", t->actor, "roles",
                                  front_jdone(r, ok), "agencies", front_jdone(a, ok), "subject",
                                  t->subject[0] ? t->subject : NULL, "hash", hash),
                        &ok);
        } else {
            printf("%-24s %-24s %-28s %-14s %s\n", t->actor, roles, agencies,
                   t->subject[0] ? t->subject : "-", hash);
        }
    }
    front_tokfile_free(f);
    return c->json ? cli_print_json(front_jdone(list, ok), JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                   : EXIT_OK;
}

int cmd_token(front_opts *c)
{
    const char *verb = c->nargs > 0 ? c->args[0] : "";
    if (strcmp(verb, "add") != 0 && strcmp(verb, "revoke") != 0 && strcmp(verb, "list") != 0) {
        return front_usage_error("write: token add|revoke|list --tokens FILE");
    }
    if (c->secret != NULL) {
        return front_usage_error("a secret on the command line is seen by every user of the "
                                 "machine (ps, shell history): pipe it to --secret-stdin, or let "
                                 "token add make one");
    }
    if (c->tokens == NULL || c->tokens[0] == '\0') {
        return front_usage_error("token %s needs --tokens FILE", verb);
    }
    if (strcmp(verb, "add") != 0 && (c->actor || c->roles || c->agency || c->subject ||
                                     c->secret_stdin)) {
        return front_usage_error("--actor, --roles, --agency, --subject and --secret-stdin are "
                                 "for token add");
    }
    if (mc_init() < 0) {
        fputs("motcua: libsodium cannot start\n", stderr);
        return EXIT_IO;
    }
    return strcmp(verb, "add") == 0      ? token_add(c)
           : strcmp(verb, "revoke") == 0 ? token_revoke(c)
                                         : token_list(c);
}
