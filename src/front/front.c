/* What the two front ends share: usage errors, loading the catalogue and its rules, the rule
 * limits, --now, diagnostics and exit statuses (front.h). */
#include "front.h"

#include "motcua/calendar.h"
#include "motcua/engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int front_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("motcua: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see 'motcua help')\n", stderr);
    return EXIT_USAGE;
}

int front_now(const front_opts *c, const mc_calendar *cal, int64_t *out)
{
    if (c->now == NULL) {
        *out = (int64_t)time(NULL);
        return EXIT_OK;
    }
    mc_datetime t;
    char msg[200];
    if (mc_value_datetime(c->now, strlen(c->now), &t, msg, sizeof msg) != 0) {
        return front_usage_error("--now: %s", msg);
    }
    *out = mc_calendar_to_utc(cal != NULL ? cal : mc_calendar_builtin(), (mc_localtime)t * 60);
    return EXIT_OK;
}

void front_hundredths(int64_t v, char out[32])
{
    uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    snprintf(out, 32, "%s%llu.%02llu", v < 0 ? "-" : "", (unsigned long long)(a / 100),
             (unsigned long long)(a % 100));
}

int front_exit_for(int rc)
{
    switch (rc) {
    case MC_OK:
        return EXIT_OK;
    case MC_ECHECK:
    case MC_ENOTFOUND:
    case MC_EREFUSED:
    case MC_ECONFLICT:
    case MC_EGONE:
        return EXIT_FAIL;
    case MC_EUSAGE:
        return EXIT_USAGE;
    default:
        return EXIT_IO;
    }
}

void front_print_diags(FILE *f, const mc_diags *d)
{
    for (size_t i = 0; i < mc_diags_count(d); i++) {
        const mc_diag *x = mc_diags_get(d, i);
        /* a named warning says its name: warning[unused-event] (docs/language.md §13.2) */
        char sev[80];
        snprintf(sev, sizeof sev, "%s%s%s%s", x->severity == MC_DIAG_ERROR ? "error" : "warning",
                 x->name ? "[" : "", x->name ? x->name : "", x->name ? "]" : "");
        if (x->line == 0) {
            fprintf(f, "%s: %s: %s\n", x->file, sev, x->msg);
            continue;
        }
        fprintf(f, "%s:%u:%u: %s: %s\n", x->file, (unsigned)x->line, (unsigned)x->col, sev, x->msg);
        if (x->excerpt == NULL) {
            continue;
        }
        fprintf(f, "    %s\n    ", x->excerpt);
        /* The caret line keeps the excerpt's tabs so it lines up. */
        const unsigned char *p = (const unsigned char *)x->excerpt;
        for (uint32_t col = 1; col < x->caret && *p != '\0'; col++) {
            fputc(*p == '\t' ? '\t' : ' ', f);
            p++;
            while ((*p & 0xC0) == 0x80) {
                p++;
            }
        }
        fputc('^', f);
        for (uint32_t k = 1; k < x->width && k < 200; k++) {
            fputc('~', f);
        }
        fputc('\n', f);
    }
}

static char *path_join(const char *dir, const char *name)
{
    size_t nd = strlen(dir), nn = strlen(name);
    if (nd == 1 && dir[0] == '.') {
        return strdup(name);
    }
    char *p = malloc(nd + nn + 2);
    if (p != NULL) {
        memcpy(p, dir, nd);
        p[nd] = '/';
        memcpy(p + nd + 1, name, nn + 1);
    }
    return p;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || s[0] == '-') {
        return false;
    }
    uint64_t mul = 1;
    if (strcmp(end, "K") == 0 || strcmp(end, "KiB") == 0) {
        mul = 1024;
    } else if (strcmp(end, "M") == 0 || strcmp(end, "MiB") == 0) {
        mul = 1024 * 1024;
    } else if (*end != '\0') {
        return false;
    }
    if (v > UINT64_MAX / mul) {
        return false;
    }
    *out = v * mul;
    return true;
}

const char *front_rule_limit(const char *name, const char *value, uint64_t *out)
{
    char *end;
    uint64_t v = 0;
    errno = 0;
    if (strcmp(name, "rule-memory") == 0) {
        if (!parse_size(value, &v) || v < 65536 || v > ((uint64_t)1 << 32)) {
            return "a size from 64K to 4096M";
        }
    } else if (strcmp(name, "rule-steps") == 0) {
        v = strtoull(value, &end, 10);
        if (errno != 0 || *end != '\0' || value[0] == '-' || value[0] == '\0' || v < 1000) {
            return "a number of at least 1000";
        }
    } else {
        v = strtoull(value, &end, 10);
        if (errno != 0 || *end != '\0' || value[0] == '-' || value[0] == '\0' || v < 1 ||
            v > 60000) {
            return "milliseconds from 1 to 60000";
        }
    }
    *out = v;
    return NULL;
}

int front_rule_opts(const front_opts *c, mc_rules_opts *opts)
{
    mc_rules_opts dflt = MC_RULES_OPTS_INIT;
    *opts = dflt;
    uint64_t v;
    const char *want;
    if (c->rule_memory != NULL) {
        if ((want = front_rule_limit("rule-memory", c->rule_memory, &v)) != NULL) {
            return front_usage_error("--rule-memory takes %s, not '%s'", want, c->rule_memory);
        }
        opts->memory_cap = (size_t)v;
    }
    if (c->rule_steps != NULL) {
        if ((want = front_rule_limit("rule-steps", c->rule_steps, &v)) != NULL) {
            return front_usage_error("--rule-steps takes %s, not '%s'", want, c->rule_steps);
        }
        opts->steps = v;
    }
    if (c->rule_time != NULL) {
        if ((want = front_rule_limit("rule-time", c->rule_time, &v)) != NULL) {
            return front_usage_error("--rule-time takes %s, not '%s'", want, c->rule_time);
        }
        opts->time_ms = (uint32_t)v;
    }
    return 0;
}

/* Names are not looked up: the address a server listens on is written as one. */
int front_listen_parse(const char *text, struct sockaddr_storage *addr)
{
    const char *colon = strrchr(text, ':');
    char host[64];
    bool v6 = text[0] == '[';
    if (colon == NULL || colon == text) {
        return -1;
    }
    const char *hs = v6 ? text + 1 : text, *he = v6 ? colon - 1 : colon;
    if (v6 && (he < hs || *he != ']')) {
        return -1;
    }
    if ((size_t)(he - hs) >= sizeof host) {
        return -1;
    }
    memcpy(host, hs, (size_t)(he - hs));
    host[he - hs] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || port > 65535) {
        return -1;
    }
    memset(addr, 0, sizeof *addr);
    if (v6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, host, &a6->sin6_addr) == 1 ? 0 : -1;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -1;
}

/* The catalogue folders of c: every --catalogue, or "." when none was given. */
static const char *const *roots(const front_opts *c, size_t *n)
{
    static const char *const here[] = {"."};
    if (c->ncatalogues == 0) {
        *n = 1;
        return here;
    }
    *n = (size_t)c->ncatalogues;
    return c->catalogues;
}

/* Loads dir/rules into rs when it is there. */
static int rules_of(const char *dir, mc_rules *rs, mc_diags *diags, mc_error *err)
{
    char *r = path_join(dir, "rules");
    if (r == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = mc_rules_load_dir(rs, r, diags, err);
    free(r);
    return rc;
}

int front_rules_load(const front_opts *c, mc_rules *rules, mc_diags *diags, mc_error *err)
{
    size_t n;
    const char *const *dirs = roots(c, &n);
    int rc = 0;
    bool errors = false;
    for (size_t i = 0; i < n && (rc == 0 || rc == MC_ECHECK); i++) {
        rc = rules_of(dirs[i], rules, diags, err);
        errors |= rc == MC_ECHECK;
    }
    return rc == 0 && errors ? MC_ECHECK : rc;
}

/* The layers of the paths of lint: a catalogue folder is a layer of its own (its procedures/,
 * and its rules/ go into rs); each run of other paths is one layer, named after its first. */
static int path_layers(const char *const *paths, size_t npaths, mc_layer *layers, size_t *nlayers,
                       char **owned, const char **use, mc_rules *rs, bool *folders, mc_diags *diags,
                       mc_error *err)
{
    int rc = 0;
    bool errors = false, plain = false;
    *nlayers = 0;
    *folders = false;
    for (size_t i = 0; i < npaths && (rc == 0 || rc == MC_ECHECK); i++) {
        char *proc = path_join(paths[i], "procedures");
        if (proc == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        if (is_dir(paths[i]) && is_dir(proc)) {
            owned[i] = proc;
            use[i] = proc;
            layers[(*nlayers)++] = (mc_layer){.name = paths[i], .paths = &use[i], .npaths = 1};
            plain = false;
            *folders = true;
            rc = rules_of(paths[i], rs, diags, err);
            errors |= rc == MC_ECHECK;
            continue;
        }
        free(proc);
        use[i] = paths[i];
        if (plain) {
            layers[*nlayers - 1].npaths++;
        } else {
            layers[(*nlayers)++] = (mc_layer){.name = paths[i], .paths = &use[i], .npaths = 1};
            plain = true;
        }
    }
    return rc == 0 && errors ? MC_ECHECK : rc;
}

int front_load(front_opts *c, const char *const *paths, size_t npaths, mc_catalogue **cat,
             mc_rules **rules_out, mc_diags **diags, mc_error *err)
{
    *cat = NULL;
    if (rules_out != NULL) {
        *rules_out = NULL;
    }
    mc_rules *rs = NULL;
    if (mc_diags_new(diags) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    size_t nroots;
    const char *const *dirs = roots(c, &nroots);
    size_t n = npaths ? npaths : nroots;
    char **owned = calloc(n, sizeof *owned);
    const char **use = calloc(n, sizeof *use);
    mc_layer *layers = calloc(n, sizeof *layers);
    size_t nlayers = 0;
    int rc = 0;
    if (owned == NULL || use == NULL || layers == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        goto done;
    }
    mc_rules_opts ropts;
    if (front_rule_opts(c, &ropts) != 0) {
        rc = mc_error_set(err, MC_EUSAGE, "%s", ""); /* already said */
        goto done;
    }
    rc = mc_rules_new(&rs, &ropts, err);
    if (rc != 0) {
        goto done;
    }
    if (npaths == 0) {
        /* Each catalogue folder is a layer: its procedures/ (which must be there) and rules/. */
        for (size_t i = 0; i < nroots; i++) {
            owned[i] = path_join(dirs[i], "procedures");
            if (owned[i] == NULL) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
                goto done;
            }
            if (!is_dir(owned[i])) {
                rc = mc_error_set(err, MC_EIO, "%s: no procedures/ folder in the catalogue '%s'",
                                  owned[i], dirs[i]);
                goto done;
            }
            use[i] = owned[i];
            layers[nlayers++] = (mc_layer){.name = dirs[i], .paths = &use[i], .npaths = 1};
        }
        rc = front_rules_load(c, rs, *diags, err);
    } else {
        bool folders;
        rc = path_layers(paths, npaths, layers, &nlayers, owned, use, rs, &folders, *diags, err);
        if ((rc == 0 || rc == MC_ECHECK) && !folders) {
            /* Plain files check their rule references against the --catalogue folders' rules. */
            int r = front_rules_load(c, rs, *diags, err);
            rc = r != 0 ? r : rc;
        }
    }
    if (rc == 0 || rc == MC_ECHECK) {
        int rules_rc = rc;
        mc_load_opts opts = MC_LOAD_OPTS_INIT;
        mc_rule_names names;
        mc_rules_names(rs, &names);
        opts.layers = layers;
        opts.nlayers = nlayers;
        opts.rules = &names;
        rc = mc_catalogue_load(cat, &opts, *diags, err);
        if (rc == 0 && rules_rc == MC_ECHECK) {
            mc_catalogue_free(*cat);
            *cat = NULL;
            rc = mc_error_set(err, MC_ECHECK, "the rules have errors");
        }
    }
done:
    if (rc == 0 && rules_out != NULL) {
        *rules_out = rs;
    } else {
        mc_rules_free(rs);
    }
    for (size_t i = 0; owned != NULL && i < n; i++) {
        free(owned[i]);
    }
    free(owned);
    free(use);
    free(layers);
    return rc;
}

bool front_decimal(const char *s, size_t n, bool neg_ok, int64_t *out)
{
    bool neg = neg_ok && n > 1 && s[0] == '-';
    s += neg, n -= neg;
    if (n == 0 || n > 18 || (s[0] == '0' && n > 1) || strspn(s, "0123456789") < n) {
        return false;
    }
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}
