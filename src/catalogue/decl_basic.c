/*
 * The simple declarations: calendars (§4.1), roles (§4.2), documents (§4.3), registries (§4.4)
 * and cost models (§8.1).
 */
#include "decl_int.h"

#include "base/grow.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "motcua/lunar.h"

#include <stdlib.h>
#include <string.h>

/* ==== calendar =========================================================================== */

typedef struct cal_build {
    mc_calendar *c;
    mc_pos cutoff_pos;
    mc_pos *workday_pos; /* of each workday directive, for the holiday clash check */
    mc_pos *holiday_pos; /* of each dated holiday, for the coverage check */
} cal_build;

enum { RECURRING_MAX_DAYS = 31 }; /* the longest recurring holiday (Tết is 5 to 9 days) */

static int cal_default(mcb_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    if (b->cat->default_calendar != NULL) {
        char where[300];
        mcb_where(b, b->cat->default_calendar->pos, where, sizeof where);
        return mcb_error(b, &n->toks[0], "a second default calendar (the first is '%s' at %s)",
                         b->cat->default_calendar->name, where);
    }
    cb->c->is_default = true;
    b->cat->default_calendar = cb->c;
    return 0;
}

static int cal_utc_offset(mcb_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    char msg[200];
    const mc_token *t = &n->toks[1];
    if (t->kind != MC_TOK_WORD) {
        return mcb_error(b, t, "invalid UTC offset (write it like +07:00)");
    }
    if (mc_value_utc_offset(t->text, t->text_len, &cb->c->utc_offset, msg, sizeof msg) != 0) {
        return mcb_error(b, t, "%s", msg);
    }
    return 0;
}

static int cal_week(mcb_builder *b, const mc_node *n, void *obj)
{
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    cal_build *cb = obj;
    uint8_t week = 0;
    for (size_t i = 1; i < n->ntoks; i++) {
        const mc_token *t = &n->toks[i];
        int d = -1;
        for (int k = 0; k < 7; k++) {
            if (mc_tok_is(t, days[k])) {
                d = k;
            }
        }
        if (d < 0) {
            return mcb_error(b, t, "unknown day '%.*s' (mon tue wed thu fri sat sun)",
                             (int)(t->text_len > 20 ? 20 : t->text_len), t->text);
        }
        if (week & (1u << d)) {
            return mcb_error(b, t, "day '%s' given twice", days[d]);
        }
        week |= (uint8_t)(1u << d);
    }
    cb->c->week = week;
    return 0;
}

static int cal_hours(mcb_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    mc_hours *h = mcb_array(b, n->ntoks - 1, sizeof *h);
    if (h == NULL) {
        return -1;
    }
    for (size_t i = 1; i < n->ntoks; i++) {
        const mc_token *t = &n->toks[i];
        char msg[200];
        const char *dash = t->kind == MC_TOK_WORD ? memchr(t->text, '-', t->text_len) : NULL;
        mc_hours *r = &h[i - 1];
        if (dash == NULL) {
            return mcb_error(b, t, "invalid office hours (write a range like 07:30-11:30)");
        }
        if (mc_value_time(t->text, (size_t)(dash - t->text), false, &r->from, msg, sizeof msg) !=
                0 ||
            mc_value_time(dash + 1, t->text_len - (size_t)(dash - t->text) - 1, true, &r->to, msg,
                          sizeof msg) != 0) {
            if (strncmp(msg, "no such", 7) == 0) {
                return mcb_error(b, t, "%s (office hours may end at 24:00 at the latest)", msg);
            }
            return mcb_error(b, t, "invalid office hours (write a range like 07:30-11:30)");
        }
        if (r->from >= r->to) {
            return mcb_error(b, t, "office hours end before they start");
        }
        if (i > 1 && r->from < h[i - 2].to) {
            return mcb_error(b, t, "office hours overlap or are out of order");
        }
    }
    cb->c->hours = h;
    cb->c->nhours = n->ntoks - 1;
    return 0;
}

static int cal_cutoff(mcb_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    cb->cutoff_pos = mcb_pos(b, &n->toks[1]);
    return mcb_time(b, &n->toks[1], false, &cb->c->cutoff);
}

/* The number written with exactly n decimal digits at s, or -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int cal_covers(mcb_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    const mc_token *t = &n->toks[1];
    int first = -1, last = -1;
    if (t->kind == MC_TOK_WORD && t->text_len == 9 && t->text[4] == '-') {
        first = digits(t->text, 4);
        last = digits(t->text + 5, 4);
    } else if (t->kind == MC_TOK_WORD && t->text_len == 4) {
        first = last = digits(t->text, 4);
    }
    if (first < 0 || last < 0) {
        return mcb_error(b, t, "invalid years (write `covers 2025-2027` or `covers 2026`)");
    }
    if (first < MC_CALENDAR_FIRST_YEAR || last > MC_CALENDAR_LAST_YEAR) {
        return mcb_error(b, t, "a calendar covers years from %d to %d", MC_CALENDAR_FIRST_YEAR,
                         MC_CALENDAR_LAST_YEAR);
    }
    if (last < first) {
        return mcb_error(b, t, "the last year covered is before the first");
    }
    cb->c->first_year = first;
    cb->c->last_year = last;
    return 0;
}

/* MM-DD of a recurring holiday: a civil date that exists in some year (02-29 does, in leap
 * years), or a lunar date (months 1 to 12, days 1 to 30). */
static int month_day(mcb_builder *b, const mc_token *t, bool lunar, int *month, int *day)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int m = -1, d = -1;
    char text[8];
    if (t->kind == MC_TOK_WORD && t->text_len == 5 && t->text[2] == '-') {
        m = digits(t->text, 2);
        d = digits(t->text + 3, 2);
    }
    if (m < 0 || d < 0) {
        return mcb_error(b, t, "invalid %sdate (write the month and day like 01-01)",
                         lunar ? "lunar " : "");
    }
    memcpy(text, t->text, 5);
    text[5] = '\0';
    if (lunar && (m < 1 || m > 12 || d < 1 || d > 30)) {
        return mcb_error(b, t, "no such lunar date %s (a lunar month is 01 to 12, a day 01 to 30)",
                         text);
    }
    if (!lunar && (m < 1 || m > 12 || d < 1 || d > days[m - 1])) {
        return mcb_error(b, t, "no such date %s in any year", text);
    }
    *month = m;
    *day = d;
    return 0;
}

/* `holiday every MM-DD [MM-DD] "name"`, `holiday lunar MM-DD [MM-DD] "name"` */
static int cal_recurring(mcb_builder *b, const mc_node *n, cal_build *cb)
{
    mc_recurring r = {0};
    r.lunar = mc_tok_is(&n->toks[1], "lunar");
    if (n->ntoks < 4) {
        return mcb_error(b, &n->toks[n->ntoks - 1], "a recurring holiday needs a date and a name");
    }
    if (month_day(b, &n->toks[2], r.lunar, &r.from_month, &r.from_day) != 0) {
        return -1;
    }
    r.to_month = r.from_month;
    r.to_day = r.from_day;
    if (n->ntoks == 5 && month_day(b, &n->toks[3], r.lunar, &r.to_month, &r.to_day) != 0) {
        return -1;
    }
    /* A range whose end comes first runs into the next year: its length is at most a month. */
    int from = r.from_month * 31 + r.from_day, to = r.to_month * 31 + r.to_day;
    int span = to >= from ? to - from : to + 12 * 31 - from;
    if (span >= RECURRING_MAX_DAYS) {
        return mcb_error(b, &n->toks[3], "a recurring holiday lasts at most %d days",
                         RECURRING_MAX_DAYS);
    }
    if (mcb_string(b, &n->toks[n->ntoks - 1], "a holiday's name", &r.title) != 0) {
        return -1;
    }
    ((mc_recurring *)cb->c->recurring)[cb->c->nrecurring++] = r;
    return 0;
}

static int cal_holiday(mcb_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    mc_day_note note = {0};
    const mc_token *last = &n->toks[n->ntoks - 1];
    if (mc_tok_is(&n->toks[1], "every") || mc_tok_is(&n->toks[1], "lunar")) {
        return cal_recurring(b, n, cb);
    }
    if (n->ntoks > 4) {
        return mcb_error(b, &n->toks[4],
                         "a holiday takes a date, an optional last date and a name");
    }
    if (mcb_date(b, &n->toks[1], &note.from) != 0) {
        return -1;
    }
    note.to = note.from;
    if (n->ntoks == 4 && mcb_date(b, &n->toks[2], &note.to) != 0) {
        return -1;
    }
    if (note.to < note.from) {
        return mcb_error(b, &n->toks[2], "holiday range ends before it starts");
    }
    if (mcb_string(b, last, "a holiday's name", &note.title) != 0) {
        return -1;
    }
    cb->holiday_pos[cb->c->nholidays] = mcb_pos(b, &n->toks[1]);
    ((mc_day_note *)cb->c->holidays)[cb->c->nholidays++] = note;
    return 0;
}

static int cal_workday(mcb_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    mc_day_note note = {0};
    if (mcb_date(b, &n->toks[1], &note.from) != 0) {
        return -1;
    }
    note.to = note.from;
    if (n->ntoks == 3 && mcb_string(b, &n->toks[2], "a working day's reason", &note.title) != 0) {
        return -1;
    }
    cb->workday_pos[cb->c->nworkdays] = mcb_pos(b, &n->toks[0]);
    ((mc_day_note *)cb->c->workdays)[cb->c->nworkdays++] = note;
    return 0;
}

static int cal_title(mcb_builder *b, const mc_node *n, void *obj)
{
    (void)obj;
    mc_text text;
    return mcb_titles(b, n, &text); /* checked, kept for documentation only */
}

static const mcb_directive calendar_table[] = {
    {"default", 0, 0, MCB_NO_BLOCK, true, cal_default, ""},
    {"utc-offset", 1, 1, MCB_NO_BLOCK, true, cal_utc_offset, "+HH:MM"},
    {"week", 1, 7, MCB_NO_BLOCK, true, cal_week, "mon tue wed thu fri"},
    {"hours", 1, 8, MCB_NO_BLOCK, true, cal_hours, "HH:MM-HH:MM…"},
    {"cutoff", 1, 1, MCB_NO_BLOCK, true, cal_cutoff, "HH:MM"},
    {"holiday", 2, 4, MCB_NO_BLOCK, false, cal_holiday, "[every|lunar] DATE [DATE] \"name\""},
    {"covers", 1, 1, MCB_NO_BLOCK, true, cal_covers, "YEAR-YEAR"},
    {"workday", 1, 2, MCB_NO_BLOCK, false, cal_workday, "DATE [\"reason\"]"},
    {"title", 1, 2, MCB_NO_BLOCK, false, cal_title, "[LANG] \"text\""},
};

/* Appends to *buf the days off of recurring holiday r in year y: the days of the holiday, then,
 * for each of them that falls on a weekly day off, the next working day of the week that is no
 * other holiday (Labour Code 2019, art. 111(3)). *year_start is where year y's days begin in
 * *buf, to find the days other holidays of the year already took. */
static int observe(const mc_calendar *c, const mc_recurring *r, int y, mc_date **buf, size_t *n,
                   size_t *cap, size_t year_start)
{
    bool wraps = r->to_month * 31 + r->to_day < r->from_month * 31 + r->from_day;
    mc_date from, to;
    if (r->lunar) {
        from = mc_lunar_to_date(y, r->from_month, r->from_day, MC_LUNAR_VIETNAM);
        bool one_day = r->to_month == r->from_month && r->to_day == r->from_day;
        to = one_day
                 ? from
                 : mc_lunar_to_date(wraps ? y + 1 : y, r->to_month, r->to_day, MC_LUNAR_VIETNAM);
    } else {
        int yy, mm, dd;
        from = mc_date_from_ymd(y, r->from_month, r->from_day);
        to = mc_date_from_ymd(wraps ? y + 1 : y, r->to_month, r->to_day);
        mc_date_to_ymd(from, &yy, &mm, &dd);
        if (dd != r->from_day) {
            return 0; /* 02-29 of a common year */
        }
        mc_date_to_ymd(to, &yy, &mm, &dd);
        if (dd != r->to_day) {
            to--;
        }
    }
    int owed = 0;
    for (mc_date d = from; d <= to; d++) {
        owed += !((c->week >> mc_date_weekday(d)) & 1);
    }
    mc_date d = from, next = to;
    while (d <= to || owed > 0) {
        mc_date day = d <= to ? d++ : ++next;
        if (day > to) {
            bool taken = !((c->week >> mc_date_weekday(day)) & 1);
            for (size_t i = 0; !taken && i < c->nholidays; i++) {
                taken = day >= c->holidays[i].from && day <= c->holidays[i].to;
            }
            for (size_t i = year_start; !taken && i < *n; i++) {
                taken = (*buf)[i] == day;
            }
            if (taken) {
                continue;
            }
            owed--;
        }
        if (mc_grow(buf, cap, *n + 1, sizeof **buf) != 0) {
            return MC_ENOMEM;
        }
        (*buf)[(*n)++] = day;
    }
    return 0;
}

static int date_cmp(const void *a, const void *b)
{
    mc_date x = *(const mc_date *)a, y = *(const mc_date *)b;
    return (x > y) - (x < y);
}

static void set_bit(uint64_t *bits, int64_t k, bool on)
{
    uint64_t m = (uint64_t)1 << (k & 63);
    bits[k >> 6] = on ? bits[k >> 6] | m : bits[k >> 6] & ~m;
}

/* Every day of MC_CALENDAR_FIRST_YEAR … MC_CALENDAR_LAST_YEAR as one bit of c->working (14 KiB),
 * set on a working day, so that deadlines and the simulator test a bit instead of the rules.
 * Built in the order the rules overrule each other (mc_calendar_is_working_by_rule): the week,
 * then the holidays and the recurring days off, then the declared working days. */
static void working_table(mcb_builder *b, mc_calendar *c)
{
    mc_date from = mc_date_from_ymd(MC_CALENDAR_FIRST_YEAR, 1, 1);
    mc_date to = mc_date_from_ymd(MC_CALENDAR_LAST_YEAR + 1, 1, 1);
    size_t words = ((size_t)(to - from) + 63) / 64;
    uint64_t *bits = mcb_array(b, words, sizeof *bits);
    if (bits == NULL) {
        return;
    }
    memset(bits, 0, words * sizeof *bits);
    int wd = mc_date_weekday(from);
    for (int64_t k = 0; k < to - from; k++) {
        set_bit(bits, k, (c->week >> wd) & 1);
        wd = wd == 6 ? 0 : wd + 1;
    }
    for (size_t i = 0; i < c->nholidays; i++) {
        for (mc_date d = c->holidays[i].from; d <= c->holidays[i].to; d++) {
            if (d >= from && d < to) {
                set_bit(bits, d - from, false);
            }
        }
    }
    for (size_t i = 0; i < c->nobserved; i++) {
        if (c->observed[i] >= from && c->observed[i] < to) {
            set_bit(bits, c->observed[i] - from, false);
        }
    }
    for (size_t i = 0; i < c->nworkdays; i++) {
        if (c->workdays[i].from >= from && c->workdays[i].from < to) {
            set_bit(bits, c->workdays[i].from - from, true);
        }
    }
    c->working = bits;
    c->working_from = from;
    c->working_to = to;
}

/* Works out the days off of the recurring holidays, once per calendar, for every year from
 * MC_CALENDAR_FIRST_YEAR to MC_CALENDAR_LAST_YEAR: mc_calendar_is_working then only looks
 * them up (lint and deadlines never compute the lunar calendar again). Again after a layer
 * extends the calendar (decl_layer.c). */
void mcb_calendar_observe(mcb_builder *b, mc_calendar *c)
{
    c->observed = NULL;
    c->nobserved = 0;
    mc_date *buf = NULL;
    size_t n = 0, cap = 0;
    for (int y = MC_CALENDAR_FIRST_YEAR; y <= MC_CALENDAR_LAST_YEAR && c->nrecurring > 0; y++) {
        size_t year_start = n;
        for (size_t i = 0; i < c->nrecurring; i++) {
            if (observe(c, &c->recurring[i], y, &buf, &n, &cap, year_start) != 0) {
                mc_free(buf);
                b->fatal = MC_ENOMEM;
                return;
            }
        }
    }
    if (n > 0) {
        qsort(buf, n, sizeof *buf, date_cmp);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (k == 0 || buf[k - 1] != buf[i]) {
                buf[k++] = buf[i];
            }
        }
        mc_date *days = mcb_array(b, k, sizeof *days);
        if (days != NULL) {
            memcpy(days, buf, k * sizeof *days);
            c->observed = days;
            c->nobserved = k;
        }
    }
    mc_free(buf);
    if (!b->fatal) {
        working_table(b, c);
    }
}

/* The dated holidays and working days of a calendar that says which years it covers must fall
 * in them (a warning: the line is harmless, but the years are likely wrong); one that lists
 * dated holidays should say which years it covers. */
static void check_coverage(mcb_builder *b, const mc_calendar *c, const cal_build *cb)
{
    if (c->first_year == 0) {
        if (c->nholidays > 0) {
            mcb_warn_at(b, "calendar-without-covers", cb->holiday_pos[0], 10,
                        "calendar '%s' lists the holidays of particular years but does not say "
                        "which years it covers (add `covers FIRST-LAST`)",
                        c->name);
        }
        return;
    }
    for (size_t i = 0; i < c->nholidays + c->nworkdays; i++) {
        bool hol = i < c->nholidays;
        const mc_day_note *note = hol ? &c->holidays[i] : &c->workdays[i - c->nholidays];
        if (mc_calendar_uncovered(c, note->from, note->to) != 0) {
            char from[11], to[12] = "";
            mc_date_format(note->from, from);
            if (note->to != note->from) {
                to[0] = ' ';
                mc_date_format(note->to, to + 1);
            }
            mcb_warn_at(b, "day-outside-covers",
                        hol ? cb->holiday_pos[i] : cb->workday_pos[i - c->nholidays], 10,
                        "%s %s%s is not within the years calendar '%s' covers (%d-%d)",
                        hol ? "holiday" : "workday", from, to, c->name, c->first_year,
                        c->last_year);
        }
    }
}

void mcb_build_calendar(mcb_builder *b, mc_calendar *c, const mc_node *n)
{
    static const mc_hours weekday_hours[] = {{8 * 60, 12 * 60}, {13 * 60, 17 * 60}};
    cal_build cb = {c, {0, 0}, NULL, NULL};
    size_t nholiday = mcb_count(n->child, "holiday");
    c->utc_offset = 7 * 60;
    c->week = 0x1F;
    c->hours = weekday_hours;
    c->nhours = 2;
    c->cutoff = -1;
    c->holidays = mcb_array(b, nholiday, sizeof(mc_day_note));
    c->recurring = mcb_array(b, nholiday, sizeof(mc_recurring));
    c->workdays = mcb_array(b, mcb_count(n->child, "workday"), sizeof(mc_day_note));
    cb.workday_pos = mcb_array(b, mcb_count(n->child, "workday"), sizeof(mc_pos));
    cb.holiday_pos = mcb_array(b, nholiday, sizeof(mc_pos));
    if (b->fatal) {
        return;
    }
    mcb_run(b, n->child, calendar_table, sizeof calendar_table / sizeof calendar_table[0],
            "calendar directive", &cb);
    for (size_t i = 0; i < c->nworkdays; i++) {
        for (size_t k = 0; k < c->nholidays; k++) {
            mc_date d = c->workdays[i].from;
            if (d >= c->holidays[k].from && d <= c->holidays[k].to) {
                char day[11];
                mc_date_format(d, day);
                mcb_report_at(b, MC_DIAG_ERROR, cb.workday_pos[i], 7,
                              "%s is both a holiday and a working day in calendar '%s'", day,
                              c->name);
            }
        }
    }
    if (c->cutoff >= 0 && c->nhours > 0 &&
        (c->cutoff <= c->hours[0].from || c->cutoff > c->hours[c->nhours - 1].to)) {
        mcb_warn_at(b, "cutoff-outside-hours", cb.cutoff_pos, 5,
                    "calendar '%s': the cutoff is outside office hours", c->name);
    }
    check_coverage(b, c, &cb);
    if (!b->fatal) {
        mcb_calendar_observe(b, c);
    }
}

/* ==== role =============================================================================== */

static const mcb_directive role_table[] = {
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
};

void mcb_build_role(mcb_builder *b, mc_role *r, const mc_node *n)
{
    mcb_titled t;
    if (!mcb_prepare_titles(b, &t, n->child)) {
        return;
    }
    mcb_run(b, n->child, role_table, 1, "role directive", &t);
    r->titles = t.titles;
    r->ntitles = t.n;
}

/* ==== agency (issue 21) ================================================================== */

static const mcb_directive agency_table[] = {
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
    {"staff", 2, 2, MCB_NO_BLOCK, false, mcb_staff_handler, "ROLE N"},  /* issue 23 */
    {"arrivals", 0, 0, MCB_NEED_BLOCK, true, mcb_arrivals_handler, ""}, /* issue 23 */
};

void mcb_build_agency(mcb_builder *b, mc_agency *a, const mc_node *n)
{
    mcb_agency_build ab;
    memset(&ab, 0, sizeof ab);
    ab.a = a;
    if (!mcb_prepare_titles(b, &ab.t, n->child)) {
        return;
    }
    mcb_run(b, n->child, agency_table, sizeof agency_table / sizeof agency_table[0],
            "agency directive", &ab);
    a->titles = ab.t.titles;
    a->ntitles = ab.t.n;
    mcb_agency_finish(b, &ab);
}

/* ==== document =========================================================================== */

typedef struct doc_build {
    mcb_titled t; /* first: mcb_title_handler works on it */
    mc_document *d;
} doc_build;

static int doc_match(mcb_builder *b, const mc_node *n, void *obj)
{
    doc_build *db = obj;
    const mc_token *t = &n->toks[1];
    if (mcb_string(b, t, "a match pattern", &db->d->match_source) != 0) {
        return -1;
    }
    db->d->match = mcb_regex(b, t, false);
    mcb_check_match_probe(b, t, db->d->match);
    return db->d->match ? 0 : -1;
}

/* `valid N days|months|years` (issue 16): how long an issued document may serve a dossier. */
static int doc_valid(mcb_builder *b, const mc_node *n, void *obj)
{
    static const struct {
        const char *one, *many;
        mc_valid_unit unit;
        int32_t max;
    } units[] = {{"day", "days", MC_VALID_DAYS, 36500},
                 {"month", "months", MC_VALID_MONTHS, 1200},
                 {"year", "years", MC_VALID_YEARS, 100}};
    doc_build *db = obj;
    int64_t k;
    if (mcb_integer(b, &n->toks[1], &k) != 0) {
        return -1;
    }
    const mc_token *u = &n->toks[2];
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (mc_tok_is(u, units[i].one) || mc_tok_is(u, units[i].many)) {
            if (k <= 0 || k > units[i].max) {
                return mcb_error(b, &n->toks[1], "a validity is 1 to %d %s, not %lld",
                                 (int)units[i].max, units[i].many, (long long)k);
            }
            db->d->valid = (mc_validity){(int32_t)k, units[i].unit, mcb_pos(b, &n->toks[1])};
            return 0;
        }
    }
    return mcb_error(b, u, "unknown unit of validity '%.*s' (days, months or years)",
                     (int)(u->text_len > 20 ? 20 : u->text_len), u->text);
}

static const mcb_directive document_table[] = {
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
    {"match", 1, 1, MCB_NO_BLOCK, true, doc_match, "\"PCRE2 pattern\""},
    {"valid", 2, 2, MCB_NO_BLOCK, true, doc_valid, "N days|months|years"},
};

void mcb_build_document(mcb_builder *b, mc_document *d, const mc_node *n)
{
    doc_build db = {{NULL, 0, NULL}, d};
    if (!mcb_prepare_titles(b, &db.t, n->child)) {
        return;
    }
    mcb_run(b, n->child, document_table, sizeof document_table / sizeof document_table[0],
            "document directive", &db);
    d->titles = db.t.titles;
    d->ntitles = db.t.n;
}

/* ==== registry =========================================================================== */

typedef struct reg_build {
    mcb_titled t;
    mc_registry *r;
    const mc_document **holds;
    size_t cap;
    mc_map seen; /* documents already in holds */
} reg_build;

static int reg_holds(mcb_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    for (size_t i = 1; i < n->ntoks; i++) {
        const mc_token *t = &n->toks[i];
        mc_document *d = mcb_resolve(b, t, &b->cat->document_map, "document");
        if (d == NULL) {
            continue;
        }
        if (mc_map_get(&rb->seen, d->name, strlen(d->name)) != NULL) {
            mcb_error(b, t, "registry '%s' already holds '%s'", rb->r->name, d->name);
            continue;
        }
        /* The reform's patch registry is not the one the document points at. */
        const mc_registry *owner =
            mc_map_get(&b->cat->registry_map, rb->r->name, strlen(rb->r->name));
        if (d->registry != NULL && d->registry != owner) {
            mcb_error(b, t,
                      "document '%s' is already held by registry '%s' (a document has one "
                      "registry)",
                      d->name, d->registry->name);
            continue;
        }
        if (mc_arena_grow_array(&b->cat->arena, &rb->holds, &rb->cap, rb->r->nholds,
                                rb->r->nholds + 1, sizeof *rb->holds) != 0) {
            b->fatal = MC_ENOMEM;
            return -1;
        }
        rb->holds[rb->r->nholds++] = d;
        if (mc_map_put(&rb->seen, d->name, strlen(d->name), d) != 0) {
            b->fatal = MC_ENOMEM;
            return -1;
        }
        rb->r->holds = rb->holds;
        if (owner == rb->r) {
            d->registry = rb->r; /* baseline ownership; reforms add theirs when applied */
        }
    }
    return 0;
}

static int reg_published(mcb_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    rb->r->has_published = mcb_date(b, &n->toks[1], &rb->r->published) == 0;
    return rb->r->has_published ? 0 : -1;
}

static int reg_coverage(mcb_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    rb->r->has_coverage = mcb_percent(b, &n->toks[1], &rb->r->coverage) == 0;
    return rb->r->has_coverage ? 0 : -1;
}

/* `subjects "PATTERN"`: what a subject of this registry looks like (a citizen-id of 12 digits,
 * say), so that an import cannot file records under mistyped identifiers. Only the catalogue's
 * registry says it: a reform changes what registries hold, not who their subjects are. */
static int reg_subjects(mcb_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    const mc_token *t = &n->toks[1];
    if (mc_map_get(&b->cat->registry_map, rb->r->name, strlen(rb->r->name)) != rb->r) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot change the subjects of registry '%s' (declare them "
                         "in the registry)",
                         rb->r->name);
    }
    if (mcb_string(b, t, "a subjects pattern", &rb->r->subjects_source) != 0) {
        return -1;
    }
    rb->r->subjects = mcb_regex(b, t, true);
    return rb->r->subjects ? 0 : -1;
}

/* Whether the registry being built is the catalogue's own declaration, not a reform's patch:
 * only the declaration says whether a registry is live and how long its answers are reused. */
static bool reg_own(mcb_builder *b, const reg_build *rb)
{
    return mc_map_get(&b->cat->registry_map, rb->r->name, strlen(rb->r->name)) == rb->r;
}

/* `live`: the registry is asked where it is, through the engine's client (issue 20). */
static int reg_live(mcb_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    if (!reg_own(b, rb)) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot make registry '%s' live (declare it in the registry)",
                         rb->r->name);
    }
    rb->r->live = true;
    return 0;
}

/* `reuse DURATION`: how long a live registry's answer may serve the dossier's later operations,
 * in minutes, hours or days of elapsed time (a cache's age, not a time limit). */
static int reg_reuse(mcb_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    const mc_token *t = &n->toks[1];
    if (!reg_own(b, rb)) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot change how long the answers of registry '%s' are "
                         "reused (declare it in the registry)",
                         rb->r->name);
    }
    if (mcb_duration(b, t, false, &rb->r->reuse) != 0) {
        return -1;
    }
    if (rb->r->reuse.unit == MC_DUR_WD || rb->r->reuse.unit == MC_DUR_WH) {
        return mcb_error(b, t,
                         "reuse is elapsed time in minutes, hours or days (like 1d), not "
                         "working time");
    }
    if (rb->r->reuse.amount <= 0) {
        return mcb_error(b, t,
                         "reuse must be more than 0 (leave it out: an answer then serves only "
                         "the operation that asked)");
    }
    rb->r->has_reuse = true;
    return 0;
}

/* `wait DURATION`: how long a dossier whose live registry does not answer waits for it, retried
 * with backoff, before the applicant is asked (issue 20): elapsed time, like reuse. */
static int reg_wait(mcb_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    const mc_token *t = &n->toks[1];
    if (!reg_own(b, rb)) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot change how long dossiers wait for registry '%s' "
                         "(declare it in the registry)",
                         rb->r->name);
    }
    if (mcb_duration(b, t, false, &rb->r->wait) != 0) {
        return -1;
    }
    if (rb->r->wait.unit == MC_DUR_WD || rb->r->wait.unit == MC_DUR_WH) {
        return mcb_error(b, t,
                         "wait is elapsed time in minutes, hours or days (like 2d), not "
                         "working time");
    }
    if (rb->r->wait.amount <= 0) {
        return mcb_error(b, t,
                         "wait must be more than 0 (leave it out: a registry that does not "
                         "answer is then asked of the applicant at once)");
    }
    if (mc_duration_seconds(&rb->r->wait) > 30 * (int64_t)MC_DAY_SECONDS) {
        return mcb_error(b, t,
                         "wait is at most 30d: a dossier whose registry is down longer is asked "
                         "of the applicant");
    }
    rb->r->has_wait = true;
    return 0;
}

const mcb_directive mcb_registry_table[] = {
    [MCC_R_TITLE] = {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
    [MCC_R_HOLDS] = {"holds", 1, MCB_ANY, MCB_NO_BLOCK, false, reg_holds, "DOCUMENT…"},
    [MCC_R_PUBLISHED] = {"published", 1, 1, MCB_NO_BLOCK, true, reg_published, "DATE"},
    [MCC_R_COVERAGE] = {"coverage", 1, 1, MCB_NO_BLOCK, true, reg_coverage, "P%"},
    [MCC_R_SUBJECTS] = {"subjects", 1, 1, MCB_NO_BLOCK, true, reg_subjects, "\"PCRE2 pattern\""},
    [MCC_R_LIVE] = {"live", 0, 0, MCB_NO_BLOCK, true, reg_live, ""},
    [MCC_R_REUSE] = {"reuse", 1, 1, MCB_NO_BLOCK, true, reg_reuse, "DURATION"},
    [MCC_R_WAIT] = {"wait", 1, 1, MCB_NO_BLOCK, true, reg_wait, "DURATION"},
};
const size_t mcb_registry_table_n = sizeof mcb_registry_table / sizeof mcb_registry_table[0];

/* Used for registries and for reform registry patches. */
uint32_t mcb_build_registry_block(mcb_builder *b, mc_registry *r, const mc_node *n)
{
    reg_build rb = {{NULL, 0, NULL}, r, NULL, 0, MC_MAP_INIT};
    if (!mcb_prepare_titles(b, &rb.t, n->child)) {
        return 0;
    }
    uint64_t mask =
        mcb_run(b, n->child, mcb_registry_table, mcb_registry_table_n, "registry directive", &rb);
    mc_map_free(&rb.seen);
    if ((mask & (1u << MCC_R_REUSE)) && !r->live && reg_own(b, &rb)) {
        for (const mc_node *c = n->child; c != NULL; c = c->next) {
            if (!c->broken && c->ntoks > 0 && mc_tok_is(&c->toks[0], "reuse")) {
                mcb_error(b, &c->toks[0],
                          "registry '%s' is not live: its records are imported, there is no "
                          "answer to reuse (add: live)",
                          r->name);
            }
        }
    }
    if ((mask & (1u << MCC_R_WAIT)) && !r->live && reg_own(b, &rb)) {
        for (const mc_node *c = n->child; c != NULL; c = c->next) {
            if (!c->broken && c->ntoks > 0 && mc_tok_is(&c->toks[0], "wait")) {
                mcb_error(b, &c->toks[0],
                          "registry '%s' is not live: it is never asked, so no dossier waits "
                          "for it (add: live)",
                          r->name);
            }
        }
    }
    r->titles = rb.t.titles;
    r->ntitles = rb.t.n;
    return (uint32_t)mask;
}

void mcb_build_registry(mcb_builder *b, mc_registry *r, const mc_node *n)
{
    mcb_build_registry_block(b, r, n);
}

/* ==== cost model ========================================================================= */

static int cm_default(mcb_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    if (b->cat->default_cost_model != NULL) {
        return mcb_error(b, &n->toks[0], "a second default cost-model (the first is '%s')",
                         b->cat->default_cost_model->name);
    }
    m->is_default = true;
    b->cat->default_cost_model = m;
    return 0;
}

static int cm_income(mcb_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    return mcb_money(b, &n->toks[1], &n->toks[2], &m->hourly_income);
}

static int cm_hours(mcb_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    if (mcb_number(b, &n->toks[1], &m->hours_per_day) != 0) {
        return -1;
    }
    if (m->hours_per_day <= 0 || m->hours_per_day > 24 * MC_FIXED_ONE) {
        return mcb_error(b, &n->toks[1], "hours-per-day must be more than 0 and at most 24");
    }
    return 0;
}

static int cm_visit(mcb_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    if (mcb_duration(b, &n->toks[1], false, &m->visit_time) != 0) {
        return -1;
    }
    if (m->visit_time.unit != MC_DUR_H && m->visit_time.unit != MC_DUR_MIN) {
        return mcb_error(b, &n->toks[1], "a visit's time is in hours or minutes (like 4h)");
    }
    return mcb_money(b, &n->toks[2], &n->toks[3], &m->visit_cost);
}

static int cm_waiting(mcb_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    return mcb_bool(b, &n->toks[1], &m->count_waiting);
}

static const mcb_directive cost_model_table[] = {
    {"default", 0, 0, MCB_NO_BLOCK, true, cm_default, ""},
    {"hourly-income", 2, 2, MCB_NO_BLOCK, true, cm_income, "AMOUNT CURRENCY"},
    {"hours-per-day", 1, 1, MCB_NO_BLOCK, true, cm_hours, "NUMBER"},
    {"visit", 3, 3, MCB_NO_BLOCK, true, cm_visit, "DURATION AMOUNT CURRENCY"},
    {"count-waiting", 1, 1, MCB_NO_BLOCK, true, cm_waiting, "true|false"},
};

void mcb_build_cost_model(mcb_builder *b, mc_cost_model *m, const mc_node *n)
{
    m->hours_per_day = 8 * MC_FIXED_ONE;
    memcpy(m->visit_cost.currency, "VND", 4);
    uint64_t seen =
        mcb_run(b, n->child, cost_model_table, sizeof cost_model_table / sizeof cost_model_table[0],
                "cost-model directive", m);
    if (!(seen & (1u << 1))) {
        mcb_report_at(b, MC_DIAG_ERROR, m->pos, strlen(m->name),
                      "cost-model '%s' has no hourly-income (add: hourly-income 40000 VND)",
                      m->name);
    }
}
