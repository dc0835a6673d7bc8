/* What the commands share: loading, diagnostics, errors. */
#include "cli.h"

#include "motcua/alloc.h"
#include "motcua/engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("motcua: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see 'motcua help')\n", stderr);
    return EXIT_USAGE;
}

int cli_now(const cli *c, const mc_calendar *cal, int64_t *out)
{
    if (c->now == NULL) {
        *out = (int64_t)time(NULL);
        return EXIT_OK;
    }
    mc_datetime t;
    char msg[200];
    if (mc_value_datetime(c->now, strlen(c->now), &t, msg, sizeof msg) != 0) {
        return cli_usage_error("--now: %s", msg);
    }
    *out = mc_calendar_to_utc(cal != NULL ? cal : mc_calendar_builtin(), (mc_localtime)t * 60);
    return EXIT_OK;
}

mc_date cli_today(void)
{
    return mc_calendar_today(NULL, (int64_t)time(NULL));
}

void cli_thousands(int64_t v, char out[32])
{
    char digits[24];
    /* The magnitude as unsigned, so that INT64_MIN has one too. */
    uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)a);
    size_t n = strlen(digits), o = 0;
    if (v < 0) {
        out[o++] = '-';
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[o++] = ',';
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

void cli_hundredths(int64_t v, char out[32])
{
    uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    snprintf(out, 32, "%s%llu.%02llu", v < 0 ? "-" : "", (unsigned long long)(a / 100),
             (unsigned long long)(a % 100));
}

char *cli_procedure_cell(const mc_catalogue *cat, const char *name)
{
    size_t nv = 0;
    const mc_procedure *const *v = mc_catalogue_versions(cat, name, &nv);
    const char *title = nv ? mc_text_pick(v[nv - 1]->titles, v[nv - 1]->ntitles, NULL) : NULL;
    const char *vi = nv ? mc_text_pick(v[nv - 1]->titles, v[nv - 1]->ntitles, "vi") : NULL;
    if (title == NULL) {
        return NULL;
    }
    bool both = vi != NULL && strcmp(vi, title) != 0;
    size_t size = strlen(name) + strlen(title) + (both ? strlen(vi) : 0) + sizeof "\n — ";
    char *out = malloc(size);
    if (out != NULL) {
        snprintf(out, size, "%s\n%s%s%s", name, title, both ? " — " : "", both ? vi : "");
    }
    return out;
}

int cli_exit_for(int rc)
{
    switch (rc) {
    case MC_OK:
        return EXIT_OK;
    case MC_ECHECK:
    case MC_ENOTFOUND:
    case MC_EREFUSED:
    case MC_ECONFLICT:
        return EXIT_FAIL;
    case MC_EUSAGE:
        return EXIT_USAGE;
    default:
        return EXIT_IO;
    }
}

void cli_print_diags(FILE *f, const mc_diags *d)
{
    for (size_t i = 0; i < mc_diags_count(d); i++) {
        const mc_diag *x = mc_diags_get(d, i);
        const char *sev = x->severity == MC_DIAG_ERROR ? "error" : "warning";
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

int cli_rule_opts(const cli *c, mc_rules_opts *opts)
{
    mc_rules_opts dflt = MC_RULES_OPTS_INIT;
    *opts = dflt;
    uint64_t v;
    if (c->rule_memory != NULL) {
        if (!parse_size(c->rule_memory, &v) || v < 65536 || v > ((uint64_t)1 << 32)) {
            return cli_usage_error("--rule-memory takes a size from 64K to 4096M, not '%s'",
                                   c->rule_memory);
        }
        opts->memory_cap = (size_t)v;
    }
    if (c->rule_steps != NULL) {
        char *end;
        errno = 0;
        v = strtoull(c->rule_steps, &end, 10);
        if (errno != 0 || *end != '\0' || c->rule_steps[0] == '-' || v < 1000) {
            return cli_usage_error("--rule-steps takes a number of at least 1000, not '%s'",
                                   c->rule_steps);
        }
        opts->steps = v;
    }
    if (c->rule_time != NULL) {
        char *end;
        errno = 0;
        v = strtoull(c->rule_time, &end, 10);
        if (errno != 0 || *end != '\0' || c->rule_time[0] == '-' || c->rule_time[0] == '\0' ||
            v < 1 || v > 60000) {
            return cli_usage_error("--rule-time takes milliseconds from 1 to 60000, not '%s'",
                                   c->rule_time);
        }
        opts->time_ms = (uint32_t)v;
    }
    return 0;
}

int cli_load(cli *c, const char *const *paths, size_t npaths, mc_catalogue **cat,
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
    const char *root = c->catalogue ? c->catalogue : ".";
    size_t n = npaths ? npaths : 1;
    char **owned = calloc(n + 1, sizeof *owned);
    const char **use = calloc(n, sizeof *use);
    char *rules = path_join(root, "rules");
    int rc = 0;
    if (owned == NULL || use == NULL || rules == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        goto done;
    }
    if (npaths == 0) {
        owned[0] = path_join(root, "procedures");
        if (owned[0] == NULL) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            goto done;
        }
        if (!is_dir(owned[0])) {
            rc = mc_error_set(err, MC_EIO, "%s: no procedures/ folder in the catalogue '%s'",
                              owned[0], root);
            goto done;
        }
        use[0] = owned[0];
    }
    for (size_t i = 0; i < npaths; i++) {
        /* A catalogue folder stands for its procedures/ (and its rules/). */
        char *proc = path_join(paths[i], "procedures");
        if (proc != NULL && is_dir(paths[i]) && is_dir(proc)) {
            owned[i] = proc;
            use[i] = proc;
            char *r = path_join(paths[i], "rules");
            if (r != NULL) {
                free(rules);
                rules = r;
            }
        } else {
            free(proc);
            use[i] = paths[i];
        }
    }
    mc_rules_opts ropts;
    if (cli_rule_opts(c, &ropts) != 0) {
        rc = mc_error_set(err, MC_EUSAGE, "%s", ""); /* already said */
        goto done;
    }
    rc = mc_rules_new(&rs, &ropts, err);
    if (rc == 0) {
        rc = mc_rules_load_dir(rs, rules, *diags, err);
    }
    if (rc == 0 || rc == MC_ECHECK) {
        int rules_rc = rc;
        mc_load_opts opts = MC_LOAD_OPTS_INIT;
        mc_rule_names names;
        mc_rules_names(rs, &names);
        opts.paths = use;
        opts.npaths = n;
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
        mc_rules_set_catalogue(rs, *cat); /* fees.amount reads its fee schedules */
        *rules_out = rs;
    } else {
        mc_rules_free(rs);
    }
    for (size_t i = 0; owned != NULL && i < n; i++) {
        free(owned[i]);
    }
    free(owned);
    free(use);
    free(rules);
    return rc;
}

/* Sorting indices by their keys, largest first, ties by index. */
static const double *top_keys;

static int by_key(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (top_keys[i] != top_keys[j]) {
        return top_keys[i] > top_keys[j] ? -1 : 1;
    }
    return i < j ? -1 : i > j;
}

size_t cli_top(const double *keys, size_t n, size_t k, size_t *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = i;
    }
    top_keys = keys;
    qsort(out, n, sizeof *out, by_key);
    top_keys = NULL;
    return n < k ? n : k;
}
