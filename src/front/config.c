/* The configuration file of serve (config.h). The file is read into options of its own first
 * and merged into the command line's only when it has no error, so a file with a mistake
 * changes nothing, and every mistake of the file is reported, not only the first. */
#include "config.h"

#include "base/arena.h"
#include "base/suggest.h"
#include "lang/lexer.h"
#include "motcua/alloc.h"
#include "motcua/connect.h"
#include "motcua/store.h"
#include "motcua/value.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { CONFIG_MAX_BYTES = 1 << 20 }; /* a configuration is a few lines: more is a wrong file */

int front_log_level_of(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++) {
        if (strcmp(s, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* ==== the keys ============================================================================ */

typedef enum {
    TEXT,      /* a value taken as written */
    PATH,      /* a file: relative to the configuration's folder */
    STORE,     /* --db: a file as PATH, a connection string or a SQLite name as written */
    PATH_LIST, /* repeatable: each a PATH (catalogue) */
    FLAG,      /* yes or no */
} kind;

/* What a value of the key takes, or NULL when it is one. want is room for a message. */
typedef const char *(*check_fn)(const char *key, const char *value);

static const char *check_listen(const char *key, const char *value)
{
    (void)key;
    struct sockaddr_storage addr;
    return front_listen_parse(value, &addr) == 0
               ? NULL
               : "ADDRESS:PORT, an IPv4 address or an IPv6 one in brackets (127.0.0.1:8080, "
                 "[::1]:8080)";
}

static const char *check_rule(const char *key, const char *value)
{
    uint64_t v;
    return front_rule_limit(key, value, &v);
}

static const char *check_level(const char *key, const char *value)
{
    (void)key;
    return front_log_level_of(value) >= 0 ? NULL : "error, warn, info or debug";
}

static const char *check_now(const char *key, const char *value)
{
    (void)key;
    mc_datetime t;
    char msg[200];
    return mc_value_datetime(value, strlen(value), &t, msg, sizeof msg) == 0
               ? NULL
               : "a date and time YYYY-MM-DDTHH:MM";
}

/* A password in the connection string would make the configuration a secret: libpq reads it
 * from a password file instead (PGPASSFILE, ~/.pgpass), which the file can stay apart from. */
static const char *check_db(const char *key, const char *value)
{
    (void)key;
    if (!mc_store_is_server(value)) {
        return NULL;
    }
    const char *at = strchr(value, '@');
    const char *scheme = strstr(value, "://");
    bool userinfo_pw = scheme != NULL && at != NULL && memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
    if (strstr(value, "password") != NULL || userinfo_pw) {
        return "a connection string without a password (keep it in a password file, PGPASSFILE "
               "or ~/.pgpass: docs/operations.md)";
    }
    return NULL;
}

typedef struct key {
    const char *name; /* the option's name without "--" */
    kind kind;
    size_t off; /* offsetof the field of front_opts: const char *, bool, or const char ** */
    check_fn check; /* or NULL */
} key;

#define KEY(n, k, f, c)                                                                            \
    {                                                                                              \
        n, k, offsetof(front_opts, f), c                                                           \
    }

/* Every option of serve but --config itself. docs/operations.md ("Configuration") lists them. */
static const key keys[] = {
    KEY("listen", TEXT, listen, check_listen),
    KEY("db", STORE, db, check_db),
    KEY("tokens", PATH, tokens, NULL),
    KEY("catalogue", PATH_LIST, catalogues, NULL),
    KEY("metrics-listen", TEXT, metrics_listen, check_listen),
    KEY("trusted-proxy", TEXT, trusted_proxy, NULL),
    KEY("access-log", PATH, access_log, NULL),
    KEY("error-log", PATH, error_log, NULL),
    KEY("log-level", TEXT, log_level, check_level),
    KEY("no-timers", FLAG, no_timers, NULL),
    KEY("rule-memory", TEXT, rule_memory, check_rule),
    KEY("rule-steps", TEXT, rule_steps, check_rule),
    KEY("rule-time", TEXT, rule_time, check_rule),
    KEY("now", TEXT, now, check_now),
};
enum { NKEYS = sizeof keys / sizeof keys[0] };

struct front_config {
    mc_arena arena;       /* the values, the catalogue list, the endpoints */
    front_opts file;      /* what the file says */
    uint32_t line[NKEYS]; /* where each key was first set, or 0 */
    mc_registry_endpoint *eps;
    uint32_t *eps_line; /* where each registry's block starts */
    size_t neps, cap, cap_line;
};

/* ==== reading ============================================================================= */

typedef struct reader {
    front_config *cfg;
    mc_source *src;
    mc_diags *diags;
    const char *dir; /* the file's folder, or NULL for the current one */
    bool quiet;      /* the line is the store's: its errors show no excerpt of it (a password) */
    int rc;          /* MC_ECHECK after an error, MC_ENOMEM */
    /* inside a `registry NAME {` block: the endpoint being read, where its block opened, and
     * the line of each of its keys (0: not given) */
    bool in_block;
    mc_registry_endpoint ep;
    mc_token block_tok;
    uint32_t block_line;
    uint32_t ep_line[8]; /* by key (EP_URL … EP_OPEN) */
    size_t block_errors; /* the file's errors when the block opened */
} reader;

static void report(reader *r, const mc_token *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void report(reader *r, const mc_token *t, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int bad;
    if (r->quiet) {
        uint32_t l, c;
        mc_source_position(r->src, t->off, &l, &c);
        bad = mc_diags_add_at(r->diags, MC_DIAG_ERROR, mc_source_path(r->src), l, c, "%s", msg);
    } else {
        bad = mc_diags_add(r->diags, MC_DIAG_ERROR, r->src, t->off, t->len ? t->len : 1, "%s", msg);
    }
    if (bad != 0) {
        r->rc = MC_ENOMEM;
    } else if (r->rc == 0) {
        r->rc = MC_ECHECK;
    }
}

/* The text of a word or string token, NUL-terminated, in the arena. */
static char *token_text(reader *r, const mc_token *t)
{
    char *s = mc_arena_strndup(&r->cfg->arena, t->text, t->text_len);
    if (s == NULL) {
        r->rc = MC_ENOMEM;
    }
    return s;
}

/* value as the option takes it: a relative path joined to the file's folder. */
static const char *resolve(reader *r, const key *k, const char *value)
{
    bool path = k->kind == PATH || k->kind == PATH_LIST;
    /* A store may be a connection string or SQLite's own names, which are not paths. */
    if (k->kind == STORE) {
        path = !mc_store_is_server(value) && strcmp(value, ":memory:") != 0 &&
               strncmp(value, "file:", 5) != 0;
    }
    if (!path || value[0] == '/' || r->dir == NULL) {
        return value;
    }
    size_t nd = strlen(r->dir), nv = strlen(value);
    char *p = mc_arena_alloc(&r->cfg->arena, nd + nv + 2);
    if (p == NULL) {
        r->rc = MC_ENOMEM;
        return NULL;
    }
    memcpy(p, r->dir, nd);
    p[nd] = '/';
    memcpy(p + nd + 1, value, nv + 1);
    return p;
}

static const key *find_key(const mc_token *t)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (mc_tok_is(t, keys[i].name)) {
            return &keys[i];
        }
    }
    return NULL;
}

static void unknown_key(reader *r, const mc_token *t)
{
    mc_suggest s;
    mc_suggest_init(&s, t->text, t->text_len);
    for (size_t i = 0; i < NKEYS; i++) {
        mc_suggest_offer(&s, keys[i].name);
    }
    int shown = t->text_len > 64 ? 64 : (int)t->text_len;
    if (s.best != NULL) {
        report(r, t, "unknown key '%.*s' (did you mean '%s'?)", shown, t->text, s.best);
    } else {
        report(r, t, "unknown key '%.*s'", shown, t->text);
    }
}

/* One line: KEY VALUE, tokens[0..n). */
static void line(reader *r, const mc_token *toks, size_t n)
{
    const mc_token *kt = &toks[0];
    if (kt->kind != MC_TOK_WORD) {
        report(r, kt, "a line starts with a key, such as 'listen'");
        return;
    }
    const key *k = find_key(kt);
    if (k == NULL) {
        unknown_key(r, kt);
        return;
    }
    size_t ki = (size_t)(k - keys);
    r->quiet = k->kind == STORE;
    if (n < 2) {
        report(r, kt, "'%s' needs a value", k->name);
        return;
    }
    if (n > 2) {
        report(r, &toks[2], "'%s' takes one value (quote a value that holds spaces)", k->name);
        return;
    }
    const mc_token *vt = &toks[1];
    uint32_t lno, col;
    mc_source_position(r->src, kt->off, &lno, &col);
    if (k->kind != PATH_LIST && r->cfg->line[ki] != 0) {
        report(r, kt, "'%s' is already set on line %u", k->name, (unsigned)r->cfg->line[ki]);
        return;
    }
    r->cfg->line[ki] = r->cfg->line[ki] ? r->cfg->line[ki] : lno;
    char *value = token_text(r, vt);
    if (value == NULL) {
        return;
    }
    if (value[0] == '\0' || strlen(value) != vt->text_len) {
        report(r, vt, "'%s' needs a value, not an empty one", k->name);
        return;
    }
    char *base = (char *)&r->cfg->file;
    if (k->kind == FLAG) {
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
            report(r, vt, "'%s' takes yes or no, not '%s'", k->name, value);
            return;
        }
        *(bool *)(base + k->off) = strcmp(value, "yes") == 0;
        return;
    }
    const char *want = k->check != NULL ? k->check(k->name, value) : NULL;
    if (want != NULL && k->kind == STORE) {
        report(r, vt, "'%s' takes %s", k->name, want); /* not the value: it holds a password */
        return;
    }
    if (want != NULL) {
        report(r, vt, "'%s' takes %s, not '%s'", k->name, want, value);
        return;
    }
    const char *v = resolve(r, k, value);
    if (v == NULL) {
        return;
    }
    if (k->kind == PATH_LIST) {
        front_opts *f = &r->cfg->file;
        size_t cap = (size_t)f->ncatalogues;
        /* Grown one at a time: a file holds a few layers. */
        if (mc_arena_grow_array(&r->cfg->arena, &f->catalogues, &cap, (size_t)f->ncatalogues,
                                (size_t)f->ncatalogues + 1, sizeof *f->catalogues) != 0) {
            r->rc = MC_ENOMEM;
            return;
        }
        f->catalogues[f->ncatalogues++] = v;
        return;
    }
    *(const char **)(base + k->off) = v;
}


/* ==== registry blocks ===================================================================== */

/* The keys of a `registry NAME { … }` block (docs/registries.md, "The operator's set-up"). */
static const char *const ep_keys[] = {"url",     "ca",     "cert",
                                      "key",     "timeout", "client",
                                      "breaker-failures", "breaker-open"};
enum { EP_URL, EP_CA, EP_CERT, EP_KEY, EP_TIMEOUT, EP_CLIENT, EP_FAILURES, EP_OPEN, EP_KEYS };
enum { EP_TIMEOUT_MAX = 600000, EP_FAILURES_MAX = 1000, EP_OPEN_MAX = 3600000 };

/* value as a whole number from 1 to max, or -1 */
static long long whole(const char *value, long long max)
{
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    return *end != '\0' || errno != 0 || v < 1 || v > max || value[0] == '+' ? -1 : v;
}

/* `registry NAME {`: opens a block. toks[0] is `registry`. */
static void block_open(reader *r, const mc_token *toks, size_t n, const mc_token *brace)
{
    if (n != 2) {
        report(r, n < 2 ? brace : &toks[2], "a registry block is 'registry NAME {'");
        return;
    }
    char *name = token_text(r, &toks[1]);
    if (name == NULL) {
        return;
    }
    uint32_t lno, col;
    mc_source_position(r->src, toks[0].off, &lno, &col);
    for (size_t i = 0; i < r->cfg->neps; i++) {
        if (strcmp(r->cfg->eps[i].registry, name) == 0) {
            report(r, &toks[1], "registry '%s' is already configured on line %u", name,
                   (unsigned)r->cfg->eps_line[i]);
            break;
        }
    }
    r->in_block = true;
    memset(&r->ep, 0, sizeof r->ep);
    memset(r->ep_line, 0, sizeof r->ep_line);
    r->ep.registry = name;
    r->block_tok = toks[1];
    r->block_line = lno;
    r->block_errors = mc_diags_errors(r->diags);
}

/* One `KEY VALUE` line inside a block. */
static void block_line(reader *r, const mc_token *toks, size_t n)
{
    const mc_token *kt = &toks[0];
    int ki = -1;
    for (int i = 0; i < EP_KEYS && kt->kind == MC_TOK_WORD; i++) {
        if (mc_tok_is(kt, ep_keys[i])) {
            ki = i;
        }
    }
    if (ki < 0) {
        mc_suggest s;
        mc_suggest_init(&s, kt->text, kt->text_len);
        for (int i = 0; i < EP_KEYS; i++) {
            mc_suggest_offer(&s, ep_keys[i]);
        }
        int shown = kt->text_len > 64 ? 64 : (int)kt->text_len;
        if (s.best != NULL) {
            report(r, kt, "unknown key '%.*s' in a registry block (did you mean '%s'?)", shown,
                   kt->text, s.best);
        } else {
            report(r, kt, "unknown key '%.*s' in a registry block (url, ca, cert, key, timeout, "
                          "client, breaker-failures, breaker-open)",
                   shown, kt->text);
        }
        return;
    }
    const char *name = ep_keys[ki];
    if (n < 2) {
        report(r, kt, "'%s' needs a value", name);
        return;
    }
    if (n > 2) {
        report(r, &toks[2], "'%s' takes one value (quote a value that holds spaces)", name);
        return;
    }
    uint32_t lno, col;
    mc_source_position(r->src, kt->off, &lno, &col);
    if (r->ep_line[ki] != 0) {
        report(r, kt, "'%s' is already set on line %u", name, (unsigned)r->ep_line[ki]);
        return;
    }
    r->ep_line[ki] = lno;
    const mc_token *vt = &toks[1];
    char *value = token_text(r, vt);
    if (value == NULL) {
        return;
    }
    if (value[0] == '\0' || strlen(value) != vt->text_len) {
        report(r, vt, "'%s' needs a value, not an empty one", name);
        return;
    }
    static const key path_key = {"ca", PATH, 0, NULL};
    switch (ki) {
    case EP_URL:
        if (strncmp(value, "https://", 8) != 0 || value[8] == '\0') {
            report(r, vt, "'url' takes an https:// address (a look-up carries personal data), "
                          "not '%s'",
                   value);
            return;
        }
        r->ep.url = value;
        break;
    case EP_TIMEOUT:
    case EP_OPEN: {
        long long max = ki == EP_TIMEOUT ? EP_TIMEOUT_MAX : EP_OPEN_MAX;
        long long ms = whole(value, max);
        if (ms < 0) {
            report(r, vt, "'%s' takes milliseconds from 1 to %lld, not '%s'", name, max, value);
            return;
        }
        *(ki == EP_TIMEOUT ? &r->ep.timeout_ms : &r->ep.breaker_open_ms) = ms;
        break;
    }
    case EP_FAILURES: {
        long long k = whole(value, EP_FAILURES_MAX);
        if (k < 0) {
            report(r, vt, "'breaker-failures' takes a number from 1 to %d, not '%s'",
                   EP_FAILURES_MAX, value);
            return;
        }
        r->ep.breaker_failures = (unsigned)k;
        break;
    }
    case EP_CLIENT:
        r->ep.client_id = value;
        break;
    default: { /* a file: relative to the configuration's folder, readable now */
        const char *path = resolve(r, &path_key, value);
        if (path == NULL) {
            return;
        }
        if (access(path, R_OK) != 0) {
            report(r, vt, "'%s' names a file that cannot be read: %s", name, path);
            return;
        }
        /* motcua's private key: its group may read it (root's file, the service's group), no
         * one else may read it, and only its owner write it */
        struct stat st;
        if (ki == EP_KEY && stat(path, &st) == 0 && (st.st_mode & (S_IRWXO | S_IWGRP))) {
            report(r, vt, "'key' names a private key others can read or its group write: chmod "
                          "600 %s",
                   path);
            return;
        }
        if (ki == EP_CA) {
            r->ep.ca_file = path;
        } else if (ki == EP_CERT) {
            r->ep.cert_file = path;
        } else {
            r->ep.key_file = path;
        }
    }
    }
}

/* `}`: checks the block whole and keeps its endpoint. */
static void block_close(reader *r, const mc_token *brace)
{
    r->in_block = false;
    const char *name = r->ep.registry;
    if (mc_diags_errors(r->diags) > r->block_errors) {
        return; /* a line of it was wrong: what is missing may be that line's */
    }
    if (r->ep_line[EP_URL] == 0) {
        report(r, brace, "registry '%s' has no 'url'", name);
    }
    if ((r->ep_line[EP_CERT] == 0) != (r->ep_line[EP_KEY] == 0)) {
        report(r, brace, "registry '%s' has a '%s' without its '%s'", name,
               r->ep_line[EP_CERT] ? "cert" : "key", r->ep_line[EP_CERT] ? "key" : "cert");
    }
    if (r->rc != 0) {
        return; /* the file is refused anyway: nothing more to keep */
    }
    if (r->ep.timeout_ms == 0) {
        r->ep.timeout_ms = 2000;
    }
    front_config *cfg = r->cfg;
    if (mc_arena_grow_array(&cfg->arena, &cfg->eps, &cfg->cap, cfg->neps, cfg->neps + 1,
                            sizeof *cfg->eps) != 0 ||
        mc_arena_grow_array(&cfg->arena, &cfg->eps_line, &cfg->cap_line, cfg->neps,
                            cfg->neps + 1, sizeof *cfg->eps_line) != 0) {
        r->rc = MC_ENOMEM;
        return;
    }
    cfg->eps_line[cfg->neps] = r->block_line;
    cfg->eps[cfg->neps++] = r->ep;
    cfg->file.registries = cfg->eps;
    cfg->file.nregistries = (int)cfg->neps;
}

static void parse(reader *r)
{
    mc_lexer lex;
    mc_lexer_init(&lex, r->src, r->diags, &r->cfg->arena);
    mc_token toks[3];
    size_t n = 0;
    bool bad = false; /* the line had an error already: nothing more is said of it */
    for (;;) {
        mc_token t;
        mc_lexer_next(&lex, &t);
        if (lex.fatal) {
            r->rc = MC_ENOMEM;
            return;
        }
        /* inside a registry block, ';' ends a line too: registry x { url "…"; timeout 500 } */
        if (t.kind == MC_TOK_NEWLINE || t.kind == MC_TOK_EOF ||
            ((t.kind == MC_TOK_RBRACE || t.kind == MC_TOK_SEMI) && r->in_block)) {
            if (n > 0 && !bad) {
                if (r->in_block) {
                    block_line(r, toks, n);
                } else {
                    line(r, toks, n);
                }
                r->quiet = false;
            }
            n = 0;
            bad = false;
            if (t.kind == MC_TOK_RBRACE) {
                block_close(r, &t);
                continue;
            }
            if (t.kind == MC_TOK_EOF) {
                if (r->in_block) {
                    report(r, &r->block_tok, "registry '%.*s' has no closing '}'",
                           (int)r->block_tok.text_len, r->block_tok.text);
                }
                return;
            }
            continue;
        }
        if (t.kind == MC_TOK_LBRACE && !bad && !r->in_block && n > 0 &&
            mc_tok_is(&toks[0], "registry")) {
            block_open(r, toks, n, &t);
            n = 0;
            continue;
        }
        if (t.kind == MC_TOK_ERROR) {
            /* The lexer has said what is wrong (a bad escape, invalid UTF-8). */
            r->rc = r->rc ? r->rc : MC_ECHECK;
            bad = true;
            continue;
        }
        if (t.kind != MC_TOK_WORD && t.kind != MC_TOK_STRING) {
            if (!bad) {
                report(r, &t, "unexpected '%.*s' (quote a value that holds it)", (int)t.len,
                       mc_source_text(r->src) + t.off);
            }
            bad = true;
            continue;
        }
        if (n < 3) {
            toks[n++] = t;
        }
    }
}

/* ==== the file ============================================================================ */

/* The file's text, refused when group or others can write it: whoever could edit the
 * configuration could point serve at a store or a tokens file of theirs. The mode is read on
 * the open descriptor, so it is the mode of the file read. */
static int read_private(const char *path, mc_source **src, mc_error *err)
{
    int rc = 0;
    char *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        return mc_error_set(err, MC_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = mc_error_set(err, MC_EIO, "cannot read %s: not a regular file", path);
        goto done;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        rc = mc_error_set(err, MC_EUSAGE,
                          "%s can be written by group or others, who could change what serve "
                          "runs: chmod 600 %s",
                          path, path);
        goto done;
    }
    if (st.st_size > CONFIG_MAX_BYTES) {
        rc = mc_error_set(err, MC_EIO, "cannot read %s: larger than %d bytes", path,
                          CONFIG_MAX_BYTES);
        goto done;
    }
    size_t len = 0, want = (size_t)st.st_size + 1;
    text = mc_malloc(want);
    if (text == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        goto done;
    }
    for (;;) {
        ssize_t k = read(fd, text + len, want - len);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            rc = mc_error_set(err, MC_EIO, "cannot read %s: %s", path, strerror(errno));
            goto done;
        }
        if (k == 0) {
            break;
        }
        len += (size_t)k;
        if (len == want) {
            /* It grew since fstat: a file being written is not one to start from. */
            rc = mc_error_set(err, MC_EIO, "cannot read %s: it changed while read", path);
            goto done;
        }
    }
    rc = mc_source_new(src, path, text, len, err);
done:
    mc_free(text);
    close(fd);
    return rc;
}

/* Sets what the command line left unset. */
static void merge(front_opts *o, const front_opts *f)
{
    /* the registries' endpoints are the file's alone: no option of the command line names one */
    o->registries = f->registries;
    o->nregistries = f->nregistries;
    for (size_t i = 0; i < NKEYS; i++) {
        const key *k = &keys[i];
        char *ob = (char *)o;
        const char *fb = (const char *)f;
        if (k->kind == FLAG) {
            *(bool *)(ob + k->off) = *(bool *)(ob + k->off) || *(const bool *)(fb + k->off);
        } else if (k->kind == PATH_LIST) {
            /* The command line's layers replace the file's whole: a list half from each would
             * be a catalogue nobody wrote down. */
            if (o->ncatalogues == 0 && f->ncatalogues > 0) {
                o->catalogues = f->catalogues;
                o->ncatalogues = f->ncatalogues;
                o->catalogue = f->catalogues[0];
            }
        } else if (*(const char **)(ob + k->off) == NULL) {
            *(const char **)(ob + k->off) = *(const char *const *)(fb + k->off);
        }
    }
}

int front_config_read(front_config **out, const char *path, front_opts *o, mc_diags *diags,
                      mc_error *err)
{
    *out = NULL;
    mc_source *src = NULL;
    front_config *cfg = mc_calloc(1, sizeof *cfg);
    if (cfg == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = read_private(path, &src, err);
    if (rc != 0) {
        goto done;
    }
    reader r = {cfg, src, diags, NULL, false, 0, false, {0}, {0}, 0, {0}, 0};
    const char *slash = strrchr(path, '/');
    if (slash != NULL) {
        r.dir = slash == path ? "" : mc_arena_strndup(&cfg->arena, path, (size_t)(slash - path));
        if (r.dir == NULL) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            goto done;
        }
    }
    parse(&r);
    if (r.rc == 0 && mc_diags_errors(diags) > 0) {
        r.rc = MC_ECHECK; /* the lexer's */
    }
    rc = r.rc;
    if (rc == MC_ENOMEM) {
        mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (rc == MC_ECHECK) {
        size_t n = mc_diags_errors(diags);
        mc_error_set(err, MC_ECHECK, "%s: %zu error%s: nothing started", path, n,
                     n == 1 ? "" : "s");
    }
    if (rc == 0) {
        merge(o, &cfg->file);
    }
done:
    mc_source_free(src);
    if (rc != 0) {
        front_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

void front_config_free(front_config *cfg)
{
    if (cfg != NULL) {
        mc_arena_free(&cfg->arena);
        mc_free(cfg);
    }
}
