/* Measured coverage of live registries (coverage.h): the store's look-ups per registry, summed
 * over its documents, against the catalogue's declarations. */
#include "motcua/coverage.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"

#include <stdlib.h>
#include <string.h>

typedef struct gather {
    mc_coverage *c;
} gather;

static int add_count(void *ud, const mc_lookup_count *k)
{
    gather *g = ud;
    mc_coverage_row *r = (mc_coverage_row *)mc_coverage_find(g->c, k->registry);
    if (r == NULL) {
        return 0; /* a registry the catalogue no longer declares: nothing to replace */
    }
    r->made += k->made;
    r->found += k->found;
    r->unsent += k->unsent;
    r->first = r->first == MC_NONE || k->first < r->first ? k->first : r->first;
    r->last = r->last == MC_NONE || k->last > r->last ? k->last : r->last;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const mc_coverage_row *)a)->registry, ((const mc_coverage_row *)b)->registry);
}

int mc_coverage_measure(mc_coverage *out, const mc_catalogue *cat, mc_store *st, bool has_since,
                        mc_date since, bool has_until, mc_date until, int64_t min, mc_error *err)
{
    memset(out, 0, sizeof *out);
    if (min < 1) {
        return mc_error_set(err, MC_EUSAGE, "a measure needs at least 1 look-up, not %lld",
                            (long long)min);
    }
    if (has_since && has_until && until < since) {
        return mc_error_set(err, MC_EUSAGE, "the period ends before it begins");
    }
    size_t nr;
    const mc_registry *const *regs = mc_catalogue_registries(cat, &nr);
    out->rows = mc_calloc(nr ? nr : 1, sizeof *out->rows);
    if (out->rows == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nr; i++) {
        mc_coverage_row *r = &out->rows[out->n++];
        r->registry = regs[i]->name;
        r->has_declared = regs[i]->has_coverage;
        r->declared = regs[i]->coverage;
        r->first = r->last = MC_NONE;
    }
    qsort(out->rows, out->n, sizeof *out->rows, by_name);
    out->min = min;
    out->has_since = has_since;
    out->since = since;
    out->has_until = has_until;
    out->until = until;
    const mc_calendar *cal = mc_catalogue_default_calendar(cat);
    cal = cal ? cal : mc_calendar_builtin();
    int64_t from =
        has_since ? mc_calendar_to_utc(cal, (mc_localtime)since * MC_DAY_SECONDS) : INT64_MIN;
    int64_t to =
        has_until ? mc_calendar_to_utc(cal, (mc_localtime)(until + 1) * MC_DAY_SECONDS) : INT64_MAX;
    gather g = {out};
    int rc = mc_store_lookup_counts(st, from, to, add_count, &g, err);
    if (rc != 0) {
        mc_coverage_free(out);
        return rc;
    }
    /* Keep the live registries, and the others the store holds look-ups of. */
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++) {
        mc_coverage_row r = out->rows[i];
        const mc_registry *reg = mc_catalogue_registry(cat, r.registry);
        if (!reg->live && r.made == 0 && r.unsent == 0) {
            continue;
        }
        r.source = !reg->live     ? MC_COVERAGE_NOT_LIVE
                   : r.made == 0  ? MC_COVERAGE_NONE
                   : r.made < min ? MC_COVERAGE_TOO_FEW
                                  : MC_COVERAGE_MEASURED;
        if (r.made > 0) {
            __extension__ __int128 q = (__int128)r.found * 100 * MC_FIXED_ONE;
            r.measured = (mc_fixed)((q * 2 + r.made) / (2 * r.made)); /* half up */
        }
        out->rows[k++] = r;
    }
    out->n = k;
    return 0;
}

const mc_coverage_row *mc_coverage_find(const mc_coverage *c, const char *name)
{
    if (c == NULL || name == NULL) {
        return NULL;
    }
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(name, c->rows[mid].registry);
        if (d == 0) {
            return &c->rows[mid];
        }
        if (d < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

bool mc_coverage_measured(const mc_coverage *c, const mc_registry *r)
{
    const mc_coverage_row *row = mc_coverage_find(c, r->name);
    return row != NULL && row->source == MC_COVERAGE_MEASURED && r->live &&
           row->has_declared == r->has_coverage &&
           (!r->has_coverage || row->declared == r->coverage);
}

/* Whether c sets r's coverage for this run (mc_coverage_set) as r declares it. */
static bool set_for(const mc_coverage *c, const mc_registry *r)
{
    const mc_coverage_row *row = mc_coverage_find(c, r->name);
    return row != NULL && row->source == MC_COVERAGE_SET && row->has_declared == r->has_coverage &&
           (!r->has_coverage || row->declared == r->coverage);
}

bool mc_coverage_of(const mc_coverage *c, const mc_registry *r, mc_fixed *pct)
{
    if (set_for(c, r) || mc_coverage_measured(c, r)) {
        *pct = mc_coverage_find(c, r->name)->measured;
        return true;
    }
    *pct = r->coverage;
    return r->has_coverage;
}

int mc_coverage_set(mc_coverage *c, const mc_registry *r, mc_fixed pct, mc_error *err)
{
    mc_coverage_row *row = (mc_coverage_row *)mc_coverage_find(c, r->name);
    if (row == NULL) {
        mc_coverage_row *grown = mc_realloc(c->rows, (c->n + 1) * sizeof *grown);
        if (grown == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        c->rows = grown;
        row = &c->rows[c->n++];
    }
    memset(row, 0, sizeof *row);
    row->registry = r->name;
    row->source = MC_COVERAGE_SET;
    row->has_declared = r->has_coverage;
    row->declared = r->coverage;
    row->measured = pct;
    row->first = row->last = MC_NONE;
    qsort(c->rows, c->n, sizeof *c->rows, by_name);
    return 0;
}

int mc_coverage_copy(mc_coverage *out, const mc_coverage *from, mc_error *err)
{
    *out = *from;
    out->rows = mc_calloc(from->n ? from->n : 1, sizeof *out->rows);
    if (out->rows == NULL) {
        memset(out, 0, sizeof *out);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (from->n > 0) {
        memcpy(out->rows, from->rows, from->n * sizeof *out->rows);
    }
    return 0;
}

void mc_coverage_free(mc_coverage *c)
{
    if (c != NULL) {
        mc_free(c->rows);
        memset(c, 0, sizeof *c);
    }
}
