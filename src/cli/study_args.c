/* The options cost and simulate share (study_args.h). */
#include "study_args.h"

#include "motcua/alloc.h"
#include "motcua/value.h"

#include <stdlib.h>
#include <string.h>

/* Splits the comma list text (copied into *pos of s->lists) into s->items from *at on: the
 * filter f. EXIT_OK, or EXIT_USAGE after a message for an empty item. */
static int split(cli_study *s, const char *opt, const char *text, char **pos, size_t *at,
                 mc_study_filter *f)
{
    if (text == NULL) {
        return EXIT_OK;
    }
    size_t n = strlen(text);
    memcpy(*pos, text, n + 1);
    f->items = &s->items[*at];
    for (char *p = *pos, *next; p != NULL; p = next) {
        next = strchr(p, ',');
        if (next != NULL) {
            *next++ = '\0';
        }
        if (*p == '\0') {
            return front_usage_error("%s takes a comma list of names or patterns, not '%s'", opt,
                                     text);
        }
        s->items[(*at)++] = p;
        f->n++;
    }
    *pos += n + 1;
    return EXIT_OK;
}

static int read_filters(const front_opts *c, cli_study *s)
{
    const char *texts[] = {c->agency, c->sector, c->procedure, c->code};
    const char *names[] = {"--agency", "--sector", "--procedure", "--code"};
    mc_study_filter *filters[] = {&s->opts.agencies, &s->opts.sectors, &s->opts.procedures,
                                  &s->opts.codes};
    size_t size = 1, items = 1;
    for (int i = 0; i < 4; i++) {
        if (texts[i] != NULL) {
            size += strlen(texts[i]) + 1;
            for (const char *p = texts[i]; *p; p++) {
                items += *p == ',';
            }
            items++;
        }
    }
    s->lists = malloc(size);
    s->items = calloc(items, sizeof *s->items);
    if (s->lists == NULL || s->items == NULL) {
        return cli_out_of_memory();
    }
    char *pos = s->lists;
    size_t at = 0;
    for (int i = 0; i < 4; i++) {
        int rc = split(s, names[i], texts[i], &pos, &at, filters[i]);
        if (rc != EXIT_OK) {
            return rc;
        }
    }
    return EXIT_OK;
}

static int read_sensitivity(const front_opts *c, cli_study *s)
{
    if (c->income != NULL) {
        if (!front_decimal(c->income, strlen(c->income), false, &s->opts.income) ||
            s->opts.income <= 0) {
            return front_usage_error("--income takes a whole amount an hour above 0, such as "
                                     "35000, not '%s'",
                                     c->income);
        }
        s->opts.has_income = true;
    }
    if (c->count_waiting != NULL) {
        if (strcmp(c->count_waiting, "yes") != 0 && strcmp(c->count_waiting, "no") != 0) {
            return front_usage_error("--count-waiting takes yes or no, not '%s'",
                                     c->count_waiting);
        }
        s->opts.count_waiting = strcmp(c->count_waiting, "yes") == 0;
    }
    s->coverage = calloc((size_t)c->ncoverage_set + 1, sizeof *s->coverage);
    if (s->coverage == NULL) {
        return cli_out_of_memory();
    }
    for (int i = 0; i < c->ncoverage_set; i++) {
        const char *t = c->coverage_set[i], *eq = strchr(t, '=');
        char msg[200];
        if (eq == NULL || eq == t ||
            mc_value_percent(eq + 1, strlen(eq + 1), &s->coverage[i].pct, msg, sizeof msg) != 0) {
            return front_usage_error("--coverage takes REGISTRY=PERCENT, such as "
                                     "civil-status=70%%, not '%s'",
                                     t);
        }
        s->coverage[i].registry = t; /* up to '=': cut in the copy below */
    }
    s->opts.coverage = s->coverage;
    s->opts.ncoverage = (size_t)c->ncoverage_set;
    return EXIT_OK;
}

int cli_study_check(const front_opts *c, cli_study *s)
{
    memset(s, 0, sizeof *s);
    mc_study_opts init = MC_STUDY_OPTS_INIT;
    s->opts = init;
    if (c->by != NULL) {
        s->opts.by = mc_study_by_parse(c->by);
        if (s->opts.by == MC_STUDY_BY_NONE) {
            return front_usage_error("--by takes agency, sector or procedure, not '%s'", c->by);
        }
    }
    if (c->compare != NULL && c->nreforms > 0) {
        return front_usage_error("--compare shows each reform on its own: give the reforms "
                                 "there, not with --reform");
    }
    if (c->compare != NULL && (c->compare[0] == '\0' || strstr(c->compare, ",,") != NULL ||
                               c->compare[strlen(c->compare) - 1] == ',')) {
        return front_usage_error("--compare takes a comma list of reforms, not '%s'", c->compare);
    }
    int rc = read_filters(c, s);
    return rc != EXIT_OK ? rc : read_sensitivity(c, s);
}

/* The reform named name[0..n) of cat into *out. */
static int find_reform(const mc_catalogue *cat, const char *name, size_t n, const mc_reform **out,
                       mc_error *err)
{
    char copy[256];
    if (n >= sizeof copy) {
        n = sizeof copy - 1;
    }
    memcpy(copy, name, n);
    copy[n] = '\0';
    *out = mc_catalogue_reform(cat, copy);
    if (*out == NULL) {
        return mc_error_set(err, MC_ENOTFOUND, "unknown reform '%s'", copy);
    }
    return 0;
}

int cli_study_resolve(const front_opts *c, const mc_catalogue *cat, cli_study *s, mc_error *err)
{
    s->reforms = calloc((size_t)c->nreforms + 1, sizeof *s->reforms);
    size_t nc = 0;
    for (const char *p = c->compare; p != NULL && *p; p++) {
        nc += *p == ',';
    }
    s->compare = calloc(nc + 2, sizeof *s->compare);
    if (s->reforms == NULL || s->compare == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (int i = 0; i < c->nreforms; i++) {
        int rc = find_reform(cat, c->reforms[i], strlen(c->reforms[i]), &s->reforms[i], err);
        for (int k = 0; rc == 0 && k < i; k++) {
            if (s->reforms[k] == s->reforms[i]) {
                rc = mc_error_set(err, MC_EUSAGE, "reform '%s' is given twice", c->reforms[i]);
            }
        }
        if (rc != 0) {
            return rc;
        }
    }
    s->opts.reforms = s->reforms;
    s->opts.nreforms = (size_t)c->nreforms;
    for (const char *p = c->compare; p != NULL && *p;) {
        size_t n = strcspn(p, ",");
        int rc = find_reform(cat, p, n, &s->compare[s->ncompare], err);
        for (size_t k = 0; rc == 0 && k < s->ncompare; k++) {
            if (s->compare[k] == s->compare[s->ncompare]) {
                rc = mc_error_set(err, MC_EUSAGE, "reform '%.*s' is given twice", (int)n, p);
            }
        }
        if (rc != 0) {
            return rc;
        }
        s->ncompare++;
        p += n + (p[n] == ',');
    }
    /* --coverage's registry names, cut at '=' (the values were read by cli_study_check) */
    for (size_t i = 0; i < s->opts.ncoverage; i++) {
        const char *t = s->coverage[i].registry;
        size_t n = strcspn(t, "=");
        const mc_registry *r = NULL;
        const mc_registry *const *regs;
        size_t nr;
        regs = mc_catalogue_registries(cat, &nr);
        for (size_t k = 0; k < nr && r == NULL; k++) {
            if (strlen(regs[k]->name) == n && strncmp(regs[k]->name, t, n) == 0) {
                r = regs[k];
            }
        }
        if (r == NULL) {
            return mc_error_set(err, MC_ENOTFOUND, "--coverage: unknown registry '%.*s'", (int)n,
                                t);
        }
        s->coverage[i].registry = r->name;
    }
    return 0;
}

void cli_study_free(cli_study *s)
{
    free(s->reforms);
    free(s->compare);
    free(s->coverage);
    free(s->lists);
    free(s->items);
    memset(s, 0, sizeof *s);
}
