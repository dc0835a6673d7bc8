/* The live registries' measured coverage as `cost` and `simulate` print it (coverage_out.h):
 * each registry's sentence comes from the message catalogue (coverage.*), in Vietnamese and in
 * English, with its figures written as each language writes numbers (91,3% and 1.204 in
 * Vietnamese, 91.3% and 1,204 in English). */
#include "coverage_out.h"

#include "motcua/calendar.h"
#include "motcua/msg.h"
#include "motcua/store.h"

#include <string.h>

int cli_coverage_check(const front_opts *c)
{
    mc_date since = 0, until = 0;
    char msg[200];
    if (c->coverage_from == NULL && (c->since != NULL || c->until != NULL)) {
        return front_usage_error("%s needs --coverage-from STORE",
                                 c->since != NULL ? "--since" : "--until");
    }
    if (c->coverage_from != NULL && c->coverage_from[0] == '\0') {
        return front_usage_error("--coverage-from needs a store");
    }
    if (c->since != NULL && mc_value_date(c->since, strlen(c->since), &since, msg, sizeof msg)) {
        return front_usage_error("--since: %s", msg);
    }
    if (c->until != NULL && mc_value_date(c->until, strlen(c->until), &until, msg, sizeof msg)) {
        return front_usage_error("--until: %s", msg);
    }
    if (c->since != NULL && c->until != NULL && until < since) {
        return front_usage_error("--until is before --since");
    }
    return EXIT_OK;
}

int cli_coverage_load(const front_opts *c, const mc_catalogue *cat, cli_coverage *out,
                      mc_error *err)
{
    memset(out, 0, sizeof *out);
    if (c->coverage_from == NULL) {
        return 0;
    }
    mc_date since = 0, until = 0;
    char msg[200];
    /* checked by cli_coverage_check */
    if (c->since != NULL) {
        mc_value_date(c->since, strlen(c->since), &since, msg, sizeof msg);
    }
    if (c->until != NULL) {
        mc_value_date(c->until, strlen(c->until), &until, msg, sizeof msg);
    }
    mc_store *st = NULL;
    int rc = mc_store_open_existing(&st, c->coverage_from, err);
    if (rc == 0) {
        rc = mc_coverage_measure(&out->cov, cat, st, c->since != NULL, since, c->until != NULL,
                                 until, MC_COVERAGE_MIN, err);
    }
    mc_store_close(st);
    out->on = rc == 0;
    /* A file that is no store is an error of the store (exit 3), not of the catalogue, whose
     * warnings the commands print with MC_ECHECK. */
    return rc == MC_ECHECK ? MC_EIO : rc;
}

void cli_coverage_free(cli_coverage *k)
{
    mc_coverage_free(&k->cov);
    k->on = false;
}

/* ---- figures as each language writes them ---- */

/* v with its thousands separated: "1,204" (English), "1.204" (Vietnamese). */
static void count_text(mc_lang lang, int64_t v, char out[32])
{
    cli_thousands(v, out);
    for (char *p = out; lang == MC_LANG_VI && *p; p++) {
        *p = *p == ',' ? '.' : *p;
    }
}

/* A percent (fixed point) with decimals places, rounded half up; decimals < 0: as few as it
 * needs, up to two ("85%", "85.5%"). */
static void pct_text(mc_lang lang, mc_fixed pct, int decimals, char out[32])
{
    bool trim = decimals < 0;
    int d = trim ? 2 : decimals;
    int64_t scale = 1;
    for (int i = 0; i < d; i++) {
        scale *= 10;
    }
    int64_t unit = MC_FIXED_ONE / scale;
    int64_t v = (pct + unit / 2) / unit; /* 0 ≤ pct ≤ 100% */
    int64_t whole = v / scale, frac = v % scale;
    while (trim && d > 0 && frac % 10 == 0) {
        frac /= 10;
        d--;
    }
    if (d == 0) {
        snprintf(out, 32, "%d%%", (int)whole);
    } else {
        snprintf(out, 32, "%d%c%0*d%%", (int)whole, lang == MC_LANG_VI ? ',' : '.', d, (int)frac);
    }
}

/* The local date of UTC instant t in cat's default calendar. */
static void day_of(const mc_catalogue *cat, int64_t t, char out[11])
{
    const mc_calendar *cal = mc_catalogue_default_calendar(cat);
    cal = cal ? cal : mc_calendar_builtin();
    mc_date_format(mc_calendar_date(mc_calendar_to_local(cal, t)), out);
}

/* The period of row r: the dates asked, each open end the row's first or last look-up. */
static void period_of(const mc_coverage *cov, const mc_coverage_row *r, const mc_catalogue *cat,
                      char from[11], char to[11])
{
    if (cov->has_since) {
        mc_date_format(cov->since, from);
    } else if (r->first != MC_NONE) {
        day_of(cat, r->first, from);
    } else {
        snprintf(from, 11, "-");
    }
    if (cov->has_until) {
        mc_date_format(cov->until, to);
    } else if (r->last != MC_NONE) {
        day_of(cat, r->last, to);
    } else {
        snprintf(to, 11, "-");
    }
}

/* The line that says where row r's coverage comes from, in lang: the registry's name, then the
 * catalogue's sentence. */
static void sentence(const mc_coverage *cov, const mc_coverage_row *r, const mc_catalogue *cat,
                     mc_lang lang, char *out, size_t size)
{
    char measured[32], declared[32], made[32], min[32], from[11], to[11], text[500];
    pct_text(lang, r->measured, 1, measured);
    pct_text(lang, r->has_declared ? r->declared : 100 * MC_FIXED_ONE, -1, declared);
    count_text(lang, r->made, made);
    count_text(lang, cov->min, min);
    period_of(cov, r, cat, from, to);
    static const char *const codes[] = {
        [MC_COVERAGE_MEASURED] = "coverage.measured",
        [MC_COVERAGE_TOO_FEW] = "coverage.too-few",
        [MC_COVERAGE_NONE] = "coverage.none",
        [MC_COVERAGE_NOT_LIVE] = "coverage.not-live",
    };
    const char *code = codes[r->source];
    if (r->source == MC_COVERAGE_MEASURED && !r->has_declared) {
        code = "coverage.measured-undeclared";
    }
    if (r->source == MC_COVERAGE_NONE && r->unsent > 0) {
        code = "coverage.not-sent";
        count_text(lang, r->unsent, made);
    }
    const char *measured_args[] = {measured, made, from, to, declared};
    const char *kept_args[] = {declared, made, from, to, min};
    mc_msg_format(lang, code, r->source == MC_COVERAGE_MEASURED ? measured_args : kept_args, 5,
                  text, sizeof text);
    snprintf(out, size, "%s: %s", r->registry, text);
}

/* The reform's own assumption for a measured registry that it declares another coverage of: the
 * line in lang, true; false when the measure holds in the reform too. */
static bool reform_sentence(const cli_coverage *k, const mc_coverage_row *r, mc_lang lang,
                            char *out, size_t size)
{
    const mc_registry *reg = k->reformed ? mc_catalogue_registry(k->reformed, r->registry) : NULL;
    if (reg == NULL || r->source != MC_COVERAGE_MEASURED || mc_coverage_measured(&k->cov, reg)) {
        return false;
    }
    char own[32], measured[32], text[500];
    pct_text(lang, reg->has_coverage ? reg->coverage : 100 * MC_FIXED_ONE, -1, own);
    pct_text(lang, r->measured, 1, measured);
    const char *args[] = {own, measured};
    mc_msg_format(lang, "coverage.reform", args, 2, text, sizeof text);
    snprintf(out, size, "%s: %s", r->registry, text);
    return true;
}

void cli_coverage_print(FILE *f, const cli_coverage *k, const mc_catalogue *cat)
{
    if (!k->on) {
        return;
    }
    char text[600], min[32];
    count_text(MC_LANG_VI, k->cov.min, min);
    const char *a[] = {min};
    mc_msg_format(MC_LANG_VI, "coverage.heading", a, 1, text, sizeof text);
    fprintf(f, "\n%s\n", text);
    count_text(MC_LANG_EN, k->cov.min, min);
    mc_msg_format(MC_LANG_EN, "coverage.heading", a, 1, text, sizeof text);
    fprintf(f, "%s\n", text);
    if (k->cov.n == 0) {
        fputs("  -\n", f);
    }
    for (size_t i = 0; i < k->cov.n; i++) {
        const mc_coverage_row *r = &k->cov.rows[i];
        for (int lang = MC_LANG_VI; lang >= MC_LANG_EN; lang--) {
            sentence(&k->cov, r, cat, (mc_lang)lang, text, sizeof text);
            fprintf(f, "  %s\n", text);
        }
        for (int lang = MC_LANG_VI; lang >= MC_LANG_EN; lang--) {
            if (reform_sentence(k, r, (mc_lang)lang, text, sizeof text)) {
                fprintf(f, "  %s\n", text);
            }
        }
    }
}

static const char *const reasons[] = {
    [MC_COVERAGE_MEASURED] = "measured",
    [MC_COVERAGE_TOO_FEW] = "too-few",
    [MC_COVERAGE_NONE] = "none",
    [MC_COVERAGE_NOT_LIVE] = "not-live",
};

/* A percent as JSON: a string with two decimals ("91.30"), as the commands' shares are. */
static json_t *pct_json(mc_fixed pct)
{
    char t[32];
    front_hundredths((pct + 5000) / 10000, t);
    return json_string(t);
}

json_t *cli_coverage_json(const cli_coverage *k, const mc_catalogue *cat)
{
    bool ok = true;
    json_t *o = json_object(), *rows = json_array();
    char day[11];
    front_jset(o, "min", json_integer(k->cov.min), &ok);
    if (k->cov.has_since) {
        mc_date_format(k->cov.since, day);
    }
    front_jset(o, "since", k->cov.has_since ? json_string(day) : json_null(), &ok);
    if (k->cov.has_until) {
        mc_date_format(k->cov.until, day);
    }
    front_jset(o, "until", k->cov.has_until ? json_string(day) : json_null(), &ok);
    for (size_t i = 0; ok && i < k->cov.n; i++) {
        const mc_coverage_row *r = &k->cov.rows[i];
        json_t *x = json_object();
        char from[11], to[11], text[600];
        bool measured = r->source == MC_COVERAGE_MEASURED;
        period_of(&k->cov, r, cat, from, to);
        front_jset(x, "registry", json_string(r->registry), &ok);
        front_jset(x, "coverage",
                   pct_json(measured          ? r->measured
                            : r->has_declared ? r->declared
                                              : 100 * MC_FIXED_ONE),
                   &ok);
        front_jset(x, "source", json_string(measured ? "measured" : "assumption"), &ok);
        front_jset(x, "reason", json_string(reasons[r->source]), &ok);
        front_jset(x, "declared", r->has_declared ? pct_json(r->declared) : json_null(), &ok);
        front_jset(x, "measured", r->made > 0 ? pct_json(r->measured) : json_null(), &ok);
        front_jset(x, "lookups", json_integer(r->made), &ok);
        front_jset(x, "found", json_integer(r->found), &ok);
        front_jset(x, "not_sent", json_integer(r->unsent), &ok);
        front_jset(x, "from", from[0] != '-' ? json_string(from) : json_null(), &ok);
        front_jset(x, "to", to[0] != '-' ? json_string(to) : json_null(), &ok);
        sentence(&k->cov, r, cat, MC_LANG_VI, text, sizeof text);
        front_jset(x, "text_vi", json_string(text), &ok);
        sentence(&k->cov, r, cat, MC_LANG_EN, text, sizeof text);
        front_jset(x, "text", json_string(text), &ok);
        if (reform_sentence(k, r, MC_LANG_EN, text, sizeof text)) {
            const mc_registry *reg = mc_catalogue_registry(k->reformed, r->registry);
            json_t *y = json_object();
            front_jset(y, "coverage",
                       pct_json(reg->has_coverage ? reg->coverage : 100 * MC_FIXED_ONE), &ok);
            front_jset(y, "source", json_string("assumption"), &ok);
            front_jset(y, "text", json_string(text), &ok);
            reform_sentence(k, r, MC_LANG_VI, text, sizeof text);
            front_jset(y, "text_vi", json_string(text), &ok);
            front_jset(x, "reform", front_jdone(y, ok), &ok);
        }
        front_jpush(rows, front_jdone(x, ok), &ok);
    }
    front_jset(o, "registries", rows, &ok);
    return front_jdone(o, ok);
}

void cli_coverage_page(html *h, const cli_coverage *k, const mc_catalogue *cat, mc_lang lang)
{
    if (!k->on) {
        return;
    }
    bool en = lang == MC_LANG_EN;
    char text[600], min[32];
    html_heading(h, "%s", en ? "Coverage of the registries" : "Độ phủ của cơ sở dữ liệu");
    count_text(lang, k->cov.min, min);
    const char *a[] = {min};
    mc_msg_format(lang, "coverage.heading", a, 1, text, sizeof text);
    html_para(h, "%s.", text);
    if (k->cov.n == 0) {
        html_para(h, "-");
        return;
    }
    html_list_begin(h);
    for (size_t i = 0; i < k->cov.n; i++) {
        const mc_coverage_row *r = &k->cov.rows[i];
        sentence(&k->cov, r, cat, lang, text, sizeof text);
        const char *measured = en ? "measured" : "đo được";
        const char *assumed = en ? "assumption" : "giả định";
        html_item(h, r->source == MC_COVERAGE_MEASURED ? measured : assumed, text);
        if (reform_sentence(k, r, lang, text, sizeof text)) {
            html_item(h, en ? "reform, assumption" : "cải cách, giả định", text);
        }
    }
    html_list_end(h);
}
