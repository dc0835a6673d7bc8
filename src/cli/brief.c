/* The words, figures, caveats box and print layout the briefings share (brief.h). */
#include "brief.h"

#include "motcua/alloc.h"
#include "motcua/value.h"

#include "base/buf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *brief_text(mc_lang lang, const brief_word *w)
{
    return lang == MC_LANG_EN ? w->en : w->vi;
}

char *brief_vsay(mc_lang lang, const brief_word *w, va_list ap)
{
    const char *args[4] = {0};
    size_t nargs = 0;
    for (const char *a; nargs < 4 && (a = va_arg(ap, const char *)) != NULL;) {
        args[nargs++] = a;
    }
    const char *fmt = brief_text(lang, w);
    size_t size = strlen(fmt) + 1;
    for (size_t i = 0; i < nargs; i++) {
        size += strlen(args[i]);
    }
    char *out = mc_malloc(size), *q = out;
    if (out == NULL) {
        return NULL;
    }
    for (const char *p = fmt; *p != '\0'; p++) {
        if (p[0] == '{' && p[1] >= '1' && p[1] <= '4' && p[2] == '}' &&
            (size_t)(p[1] - '1') < nargs) {
            size_t len = strlen(args[p[1] - '1']);
            memcpy(q, args[p[1] - '1'], len);
            q += len;
            p += 2;
        } else {
            *q++ = *p;
        }
    }
    *q = '\0';
    return out;
}

char *brief_say(mc_lang lang, const brief_word *w, ...)
{
    va_list ap;
    va_start(ap, w);
    char *out = brief_vsay(lang, w, ap);
    va_end(ap);
    return out;
}

void brief_meta(html *h, mc_lang lang, const brief_word *w, ...)
{
    va_list ap;
    va_start(ap, w);
    char *line = brief_vsay(lang, w, ap);
    va_end(ap);
    if (line == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    html_meta(h, "%s", line);
    mc_free(line);
}

void brief_grouped(mc_lang lang, int64_t v, char out[32])
{
    char digits[24];
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    int n = snprintf(digits, sizeof digits, "%llu", u), k = 0;
    if (v < 0) {
        out[k++] = '-';
    }
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[k++] = lang == MC_LANG_EN ? ',' : '.';
        }
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

void brief_decimal(mc_lang lang, int64_t v, int64_t unit, int decimals, char out[40])
{
    int64_t scale = decimals == 2 ? 100 : 10;
    int64_t step = unit / scale; /* unit is a power of ten >= scale */
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    unsigned long long r = (u + (unsigned long long)step / 2) / (unsigned long long)step;
    char whole[32];
    brief_grouped(lang, (int64_t)(r / (unsigned long long)scale), whole);
    snprintf(out, 40, "%s%s%s%0*llu", v < 0 && r != 0 ? "-" : "", whole,
             lang == MC_LANG_EN ? "." : ",", decimals, r % (unsigned long long)scale);
}

void brief_amount(mc_lang lang, const char *currency, int64_t v, char out[64])
{
    bool vnd = currency == NULL || strcmp(currency, "VND") == 0;
    bool en = lang == MC_LANG_EN;
    char num[40];
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    /* The unit of the amount as rounded: 999.960.000 is "1,0 tỷ đồng", not "1.000,0 triệu". */
    if (vnd && mag >= UINT64_C(999950000)) {
        brief_decimal(lang, v, INT64_C(1000000000), 1, num);
        snprintf(out, 64, "%s %s", num, en ? "billion VND" : "tỷ đồng");
    } else if (vnd && mag >= UINT64_C(999950)) {
        brief_decimal(lang, v, INT64_C(1000000), 1, num);
        snprintf(out, 64, "%s %s", num, en ? "million VND" : "triệu đồng");
    } else {
        brief_grouped(lang, v, num);
        snprintf(out, 64, "%s %s", num, vnd ? (en ? "VND" : "đồng") : currency);
    }
}

void brief_amount_exact(mc_lang lang, const char *currency, int64_t v, char out[64])
{
    bool vnd = currency == NULL || strcmp(currency, "VND") == 0;
    char num[32];
    brief_grouped(lang, v, num);
    snprintf(out, 64, "%s %s", num, vnd ? (lang == MC_LANG_EN ? "VND" : "đồng") : currency);
}

void brief_percent(mc_lang lang, int64_t bp, char out[48])
{
    char num[40];
    brief_decimal(lang, bp, 100, 2, num);
    snprintf(out, 48, "%s%%", num);
}

void brief_count(mc_lang lang, int64_t n, char out[32])
{
    brief_grouped(lang, n, out);
}

int64_t brief_share_bp(int64_t part, int64_t whole)
{
    if (whole == 0) {
        return 0;
    }
    __extension__ __int128 p = (__int128)part * 20000 / whole;
    return (int64_t)(p >= 0 ? (p + 1) / 2 : (p - 1) / 2);
}

int64_t brief_round(double v)
{
    if (!(v == v)) {
        return 0;
    }
    if (v >= 9.2e18) {
        return INT64_C(9200000000000000000);
    }
    if (v <= -9.2e18) {
        return -INT64_C(9200000000000000000);
    }
    return (int64_t)(v < 0 ? v - 0.5 : v + 0.5);
}

/* ---- a reform's changes in words ------------------------------------------------------------ */

static const char *lang_tag(mc_lang lang)
{
    return lang == MC_LANG_EN ? NULL : "vi";
}

char *brief_titled(mc_lang lang, const mc_text *titles, size_t ntitles, const char *name)
{
    const char *t = mc_title(titles, ntitles, lang_tag(lang), NULL);
    if (t == NULL || strcmp(t, name) == 0) {
        return mc_format("%s", name);
    }
    return mc_format("%s\n%s", t, name);
}

/* The first version of procedure name in cat, or NULL. */
static const mc_procedure *procedure_named(const mc_catalogue *cat, const char *name)
{
    size_t n = 0;
    const mc_procedure *const *v = cat && name ? mc_catalogue_versions(cat, name, &n) : NULL;
    return n > 0 ? v[0] : NULL;
}

char *brief_change_target(mc_lang lang, const mc_catalogue *cat, const mc_reform_change *c)
{
    if (c->target == NULL) {
        return mc_format("%s", "");
    }
    if (c->registry) {
        const mc_registry *r = cat ? mc_catalogue_registry(cat, c->target) : NULL;
        return r ? brief_titled(lang, r->titles, r->ntitles, c->target)
                 : mc_format("%s", c->target);
    }
    if (c->directive != NULL && strcmp(c->directive, "staff") == 0) { /* an agency (issue 23) */
        const mc_agency *a = cat ? mc_catalogue_agency(cat, c->target) : NULL;
        return a ? brief_titled(lang, a->titles, a->ntitles, c->target)
                 : mc_format("%s", c->target);
    }
    const mc_procedure *p = procedure_named(cat, c->target);
    return p ? brief_titled(lang, p->titles, p->ntitles, c->target) : mc_format("%s", c->target);
}

/* The title of the thing called name in lang, or name (titles[0..n) may be empty). */
static const char *title_or(mc_lang lang, const mc_text *titles, size_t n, const char *name)
{
    return mc_title(titles, n, lang_tag(lang), name);
}

static const char *document_title(mc_lang lang, const mc_catalogue *cat, const char *name)
{
    const mc_document *d = cat && name ? mc_catalogue_document(cat, name) : NULL;
    return d ? title_or(lang, d->titles, d->ntitles, name) : name;
}

/* A field or state of the procedure c changes, by its title (from any version that has it). */
static const char *element_title(mc_lang lang, const mc_catalogue *cat, const mc_reform_change *c,
                                 bool state)
{
    size_t n = 0;
    const mc_procedure *const *v = cat ? mc_catalogue_versions(cat, c->target, &n) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (state) {
            for (size_t k = 0; k < v[i]->machine.nstates; k++) {
                const mc_state *st = v[i]->machine.states[k];
                if (strcmp(st->name, c->element) == 0) {
                    return title_or(lang, st->titles, st->ntitles, c->element);
                }
            }
        } else {
            const mc_field *f = mc_field_find(v[i]->fields, v[i]->nfields, c->element);
            if (f != NULL) {
                return title_or(lang, f->titles, f->ntitles, c->element);
            }
        }
    }
    return c->element;
}

/* A number as written ("1.5") with lang's decimal separator ("1,5"), into out. */
static void decimal_as(mc_lang lang, const char *num, char out[40])
{
    snprintf(out, 40, "%s", num);
    for (char *p = out; lang != MC_LANG_EN && *p != '\0'; p++) {
        if (*p == '.') {
            *p = ',';
        }
    }
}

/* A duration as written ("3wd") in words ("3 ngày làm việc", "3 working days"); false when
 * value is not one. */
static bool duration_words(mc_lang lang, const char *value, char out[80])
{
    mc_duration d;
    char msg[120], num[32], shown[40];
    if (value == NULL || mc_value_duration(value, strlen(value), false, &d, msg, sizeof msg) != 0) {
        return false;
    }
    static const char *const vi[] = {[MC_DUR_MIN] = "phút", [MC_DUR_H] = "giờ",
                                     [MC_DUR_D] = "ngày", [MC_DUR_WD] = "ngày làm việc",
                                     [MC_DUR_WH] = "giờ làm việc"};
    static const char *const en[][2] = {[MC_DUR_MIN] = {"minute", "minutes"},
                                        [MC_DUR_H] = {"hour", "hours"},
                                        [MC_DUR_D] = {"day", "days"},
                                        [MC_DUR_WD] = {"working day", "working days"},
                                        [MC_DUR_WH] = {"working hour", "working hours"}};
    mc_fixed_format(d.amount, num);
    decimal_as(lang, num, shown);
    snprintf(out, 80, "%s %s", shown,
             lang == MC_LANG_EN ? en[d.unit][d.amount == MC_FIXED_ONE ? 0 : 1] : vi[d.unit]);
    return true;
}

/* A quoted value as written ("\"Decree 1\"", "vi \"Tên\"") without its quotes and language
 * tag, into out. */
static void unquoted(const char *value, char *out, size_t outsz)
{
    const char *q = strchr(value, '"');
    if (q == NULL) {
        snprintf(out, outsz, "%s", value);
        return;
    }
    size_t len = strlen(q + 1);
    if (len > 0 && q[len] == '"') {
        len--;
    }
    snprintf(out, outsz, "%.*s", (int)len, q + 1);
}

/* The words of the changes: {1} is what the line sets or names, said for people. */
static const brief_word w_requires = {"Yêu cầu nộp: {1}", "Required: {1}"};
static const brief_word w_requires_when = {"Yêu cầu nộp: {1} ({2})", "Required: {1} ({2})"};
static const brief_word w_drop_requires = {"Không yêu cầu nộp: {1}", "No longer required: {1}"};
static const brief_word w_field = {"Thông tin kê khai: {1}", "Form field: {1}"};
static const brief_word w_drop_field = {"Bỏ thông tin kê khai: {1}", "Form field dropped: {1}"};
static const brief_word w_state = {"Bước xử lý: {1}", "Processing step: {1}"};
static const brief_word w_drop_state = {"Bỏ bước xử lý: {1}", "Processing step dropped: {1}"};
static const brief_word w_holds = {"{1} lưu giữ: {2}", "{1} holds: {2}"};
static const brief_word w_coverage = {"Tỷ lệ bao phủ: {1}", "Coverage: {1}"};
static const brief_word w_published = {"Công bố dữ liệu từ: {1}", "Published from: {1}"};
static const brief_word w_registry_title = {"Tên cơ sở dữ liệu: {1}", "Registry title: {1}"};
static const brief_word w_abolish = {"Bãi bỏ thủ tục", "Procedure abolished"};
static const brief_word w_volume = {"Số hồ sơ: {1} một năm", "Dossiers: {1} a year"};
/* `staff AGENCY ROLE N` (issue 23): {1} the number, {2} the role, {3} the agency */
static const brief_word w_staff = {"Bố trí {1} cán bộ vai trò {2} tại {3}",
                                   "{1} officers in the role {2} at {3}"};
static const brief_word w_staff_one = {"Bố trí {1} cán bộ vai trò {2} tại {3}",
                                       "{1} officer in the role {2} at {3}"};

/* A scalar directive of a procedure block: its words, and how its value is said. */
enum { V_ASIS, V_DURATION, V_QUOTED, V_COUNT, V_ONLINE, V_AGENCY, V_PROCEDURE, V_FEE };
static const struct directive_words {
    const char *directive;
    brief_word word;
    int value;
} directives[] = {
    {"time-limit", {"Thời hạn giải quyết: {1}", "Time limit: {1}"}, V_DURATION},
    {"visits", {"Số lần đi lại: {1}", "Visits: {1}"}, V_COUNT},
    {"fee", {"Phí, lệ phí: {1}", "Fee: {1}"}, V_FEE},
    {"online", {"Dịch vụ công trực tuyến: {1}", "Online service: {1}"}, V_ONLINE},
    {"title", {"Tên thủ tục: {1}", "Title: {1}"}, V_QUOTED},
    {"legal-basis", {"Căn cứ pháp lý: {1}", "Legal basis: {1}"}, V_QUOTED},
    {"code", {"Mã thủ tục: {1}", "Official code: {1}"}, V_QUOTED},
    {"sector", {"Lĩnh vực: {1}", "Sector: {1}"}, V_QUOTED},
    {"agency", {"Cơ quan giải quyết: {1}", "Agency: {1}"}, V_AGENCY},
    {"supersedes", {"Thay thế thủ tục: {1}", "Supersedes: {1}"}, V_PROCEDURE},
    {"calendar", {"Lịch làm việc: {1}", "Calendar: {1}"}, V_ASIS},
    {"lifecycle", {"Quy trình xử lý: {1}", "Lifecycle: {1}"}, V_ASIS},
    {"subject", {"Thông tin định danh hồ sơ: {1}", "Subject field: {1}"}, V_ASIS},
    {"applicant", {"Thông tin người nộp: {1}", "Applicant field: {1}"}, V_ASIS},
    {"assumed", {"Số liệu giả định: {1}", "Assumed figures: {1}"}, V_ASIS},
};

/* A scalar directive said in words, or NULL (with *known false) when the table lacks it or its
 * value cannot be read. */
static char *directive_said(mc_lang lang, const mc_catalogue *cat, const mc_reform_change *c,
                            bool *known)
{
    *known = false;
    if (c->directive == NULL || c->value == NULL) {
        return NULL;
    }
    if (strcmp(c->directive, "volume") == 0) {
        int64_t n;
        char msg[80], num[32];
        const char *sp = strchr(c->value, ' ');
        if (sp == NULL || strcmp(sp, " per year") != 0 ||
            mc_value_integer(c->value, (size_t)(sp - c->value), &n, msg, sizeof msg) != 0) {
            return NULL;
        }
        *known = true;
        brief_count(lang, n, num);
        return brief_say(lang, &w_volume, num, (const char *)NULL);
    }
    if (strcmp(c->directive, "staff") == 0) {
        int64_t n;
        char msg[80], num[32];
        if (c->target == NULL || c->element == NULL ||
            mc_value_integer(c->value, strlen(c->value), &n, msg, sizeof msg) != 0) {
            return NULL;
        }
        const mc_role *r = cat ? mc_catalogue_role(cat, c->element) : NULL;
        const mc_agency *a = cat ? mc_catalogue_agency(cat, c->target) : NULL;
        *known = true;
        brief_count(lang, n, num);
        return brief_say(lang, n == 1 ? &w_staff_one : &w_staff, num,
                         r ? title_or(lang, r->titles, r->ntitles, c->element) : c->element,
                         a ? title_or(lang, a->titles, a->ntitles, c->target) : c->target,
                         (const char *)NULL);
    }
    const struct directive_words *d = NULL;
    for (size_t i = 0; i < sizeof directives / sizeof directives[0] && d == NULL; i++) {
        d = strcmp(directives[i].directive, c->directive) == 0 ? &directives[i] : NULL;
    }
    if (d == NULL) {
        return NULL;
    }
    char buf[256];
    const char *v = c->value;
    switch (d->value) {
    case V_DURATION: {
        char words[80];
        if (!duration_words(lang, c->value, words)) {
            return NULL;
        }
        snprintf(buf, sizeof buf, "%s", words);
        v = buf;
        break;
    }
    case V_QUOTED:
        unquoted(c->value, buf, sizeof buf);
        v = buf;
        break;
    case V_COUNT: {
        int64_t n;
        char msg[80];
        if (mc_value_integer(c->value, strlen(c->value), &n, msg, sizeof msg) != 0) {
            return NULL;
        }
        brief_count(lang, n, buf);
        v = buf;
        break;
    }
    case V_ONLINE: {
        static const char *const names[] = {"full", "partial", "none"};
        static const brief_word said[] = {{"toàn trình", "full"},
                                          {"một phần", "partial"},
                                          {"không", "none"}};
        v = NULL;
        for (size_t i = 0; i < 3; i++) {
            v = strcmp(c->value, names[i]) == 0 ? brief_text(lang, &said[i]) : v;
        }
        if (v == NULL) {
            return NULL;
        }
        break;
    }
    case V_AGENCY: {
        const mc_agency *a = cat ? mc_catalogue_agency(cat, c->value) : NULL;
        v = a ? title_or(lang, a->titles, a->ntitles, c->value) : c->value;
        break;
    }
    case V_PROCEDURE: {
        const mc_procedure *p = procedure_named(cat, c->value);
        v = p ? title_or(lang, p->titles, p->ntitles, c->value) : c->value;
        break;
    }
    case V_FEE: {
        /* "50000 VND": an amount; a schedule or a rule is said as written */
        int64_t n;
        char msg[80];
        const char *sp = strchr(c->value, ' ');
        if (sp != NULL && strlen(sp + 1) == 3 &&
            mc_value_integer(c->value, (size_t)(sp - c->value), &n, msg, sizeof msg) == 0) {
            char cur[4];
            snprintf(cur, sizeof cur, "%s", sp + 1);
            char amount[64];
            brief_amount_exact(lang, cur, n, amount);
            snprintf(buf, sizeof buf, "%s", amount);
            v = buf;
        }
        break;
    }
    default:
        break;
    }
    *known = true;
    return brief_say(lang, &d->word, v, (const char *)NULL);
}

char *brief_change(mc_lang lang, const mc_catalogue *cat, const mc_reform_change *c)
{
    char *out = NULL;
    bool known = true;
    switch (c->kind) {
    case MC_CHANGE_DIRECTIVE:
        out = directive_said(lang, cat, c, &known);
        break;
    case MC_CHANGE_REQUIRES:
        if (c->element == NULL) {
            known = false;
        } else if (c->value != NULL) {
            out = brief_say(lang, &w_requires_when, document_title(lang, cat, c->element), c->value,
                            (const char *)NULL);
        } else {
            out = brief_say(lang, &w_requires, document_title(lang, cat, c->element),
                            (const char *)NULL);
        }
        break;
    case MC_CHANGE_DROP_REQUIRES:
        known = c->element != NULL;
        out = known ? brief_say(lang, &w_drop_requires, document_title(lang, cat, c->element),
                                (const char *)NULL)
                    : NULL;
        break;
    case MC_CHANGE_FIELD:
    case MC_CHANGE_DROP_FIELD:
    case MC_CHANGE_STATE:
    case MC_CHANGE_DROP_STATE: {
        known = c->element != NULL && c->target != NULL;
        bool state = c->kind == MC_CHANGE_STATE || c->kind == MC_CHANGE_DROP_STATE;
        const brief_word *wd = c->kind == MC_CHANGE_FIELD        ? &w_field
                               : c->kind == MC_CHANGE_DROP_FIELD ? &w_drop_field
                               : c->kind == MC_CHANGE_STATE      ? &w_state
                                                                 : &w_drop_state;
        out = known ? brief_say(lang, wd, element_title(lang, cat, c, state), (const char *)NULL)
                    : NULL;
        break;
    }
    case MC_CHANGE_HOLDS: {
        known = c->element != NULL && c->target != NULL;
        const mc_registry *r = cat && c->target ? mc_catalogue_registry(cat, c->target) : NULL;
        const char *rt = r ? title_or(lang, r->titles, r->ntitles, c->target) : c->target;
        out = known ? brief_say(lang, &w_holds, rt, document_title(lang, cat, c->element),
                                (const char *)NULL)
                    : NULL;
        break;
    }
    case MC_CHANGE_COVERAGE: {
        char v[40];
        known = c->value != NULL && strlen(c->value) < sizeof v;
        if (known) {
            decimal_as(lang, c->value, v);
            out = brief_say(lang, &w_coverage, v, (const char *)NULL);
        }
        break;
    }
    case MC_CHANGE_PUBLISHED: {
        char day[40];
        known = c->value != NULL;
        if (known) {
            mc_msg_time(lang, c->value, day, sizeof day);
            out = brief_say(lang, &w_published, day, (const char *)NULL);
        }
        break;
    }
    case MC_CHANGE_REGISTRY_TITLE: {
        char t[256];
        known = c->value != NULL;
        if (known) {
            unquoted(c->value, t, sizeof t);
            out = brief_say(lang, &w_registry_title, t, (const char *)NULL);
        }
        break;
    }
    case MC_CHANGE_ABOLISH:
        out = brief_say(lang, &w_abolish, (const char *)NULL);
        break;
    default:
        known = false;
        break;
    }
    if (!known) {
        return mc_format("%s", c->text); /* said as written */
    }
    return out;
}

static const brief_word caveats_title = {"Lưu ý", "Caveats"};

void brief_caveats_begin(html *h, mc_lang lang)
{
    html_box_begin(h, brief_text(lang, &caveats_title));
    html_list_begin(h);
}

void brief_caveat(html *h, char *line)
{
    if (line == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    html_item(h, NULL, line);
    mc_free(line);
}

void brief_caveats_end(html *h)
{
    html_list_end(h);
    html_box_end(h);
}

const char brief_print_style[] = BRIEF_PRINT_STYLE;
