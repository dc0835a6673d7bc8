/* The dossier commands of SPEC §10: submit, fire, apologize, show, list, history, tick, verify.
 * They parse options, call the engine, and print; nothing else. */
#include "cli.h"

#include "base/json.h"
#include "base/utf8.h"
#include "front/cursor.h"
#include "motcua/access.h"
#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "motcua/connect.h"
#include "motcua/engine.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct session {
    mc_catalogue *cat;
    mc_rules *rules;
    mc_diags *diags;
    mc_engine *engine;
    mc_connect *registries; /* the live registries of --config's `registry` blocks, or NULL */
    int64_t now;
    const mc_calendar *cal; /* for printing times */
    mc_lang lang;           /* --lang: the words, and in text the dates and amounts */
    /* the columns of list and history, in characters: as wide as their widest word in the
     * language, at least as in English */
    size_t state_width, procedure_width, kind_width, actor_width;
} session;

static void close_session(session *s)
{
    mc_engine_close(s->engine);
    mc_connect_free(s->registries);
    mc_catalogue_free(s->cat);
    mc_rules_free(s->rules);
    mc_diags_free(s->diags);
}

static void set_widths(session *s);

/* Loads catalogue and rules, opens the store, reads --now. Returns an exit status. A command
 * that only reads (existing) refuses a store that does not exist rather than create an empty
 * one, and a file that is not a motcua store. */
static int open_session_of(front_opts *c, session *s, bool existing)
{
    memset(s, 0, sizeof *s);
    s->lang = c->lang;
    mc_error err;
    mc_error_clear(&err);
    if (existing) {
        int rc = mc_store_exists(c->db ? c->db : "motcua.db", &err);
        if (rc != 0) {
            fprintf(stderr, "motcua: %s\n", err.msg);
            return rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
        }
    }
    int rc = front_load(c, NULL, 0, &s->cat, &s->rules, &s->diags, &err);
    if (rc != 0) {
        if (s->diags != NULL) {
            front_print_diags(stderr, s->diags);
        }
        if (err.msg[0] != '\0') {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        close_session(s);
        return rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
    }
    set_widths(s);
    s->cal = mc_catalogue_default_calendar(s->cat);
    if (s->cal == NULL) {
        s->cal = mc_calendar_builtin();
    }
    if (front_now(c, s->cal, &s->now) != EXIT_OK) {
        close_session(s);
        return EXIT_USAGE;
    }
    rc = mc_engine_open(&s->engine, s->cat, s->rules, c->db ? c->db : "motcua.db", &err);
    /* The live registries are asked where they are when --config names their endpoints, as
     * serve asks them (docs/registries.md); without, their records are read from the store. */
    if (rc == 0 && c->nregistries > 0) {
        rc = mc_connect_new(&s->registries, c->registries, (size_t)c->nregistries, NULL, &err);
        if (rc == 0) {
            mc_registry_client client = mc_connect_client(s->registries);
            mc_engine_set_registry_client(s->engine, &client);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        close_session(s);
        return front_exit_for(rc);
    }
    return EXIT_OK;
}

static int open_session(front_opts *c, session *s)
{
    return open_session_of(c, s, false);
}

/* Records in the access log that the OS user reads dossier id through route, before anything
 * of it is shown: a read that cannot be recorded is not shown (Decree 13/2023/NĐ-CP). */
static int log_read(session *s, int64_t id, const char *route)
{
    mc_access a = {s->now, cli_os_user(), route, id, NULL, NULL, NULL, NULL, NULL};
    mc_error err;
    int rc = mc_engine_log_access(s->engine, &a, &err);
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        return front_exit_for(rc);
    }
    return EXIT_OK;
}

/* The local time t for people: YYYY-MM-DDTHH:MM, or dd/mm/yyyy HH:mm with --lang vi (the
 * text output only: JSON keeps the one form of view.h). */
static void fmt_time(const session *s, int64_t t, char out[17])
{
    char iso[17];
    front_time_text(s->cal, t, iso);
    mc_msg_time(s->lang, iso, out, 17);
}

/* ---- the words of the layout (--lang) ---- */

/* Room for a title and its name: the bundled catalogue's longest title is 1.5 kB. */
#define NAMESZ 4096

/* Prints the sentence of code in the session's language with its n arguments (const char *),
 * from the message catalogue, after indent spaces and followed by a new line when indent >= 0
 * (a whole line), as it is otherwise (a part of a line). The English sentences are what these
 * commands always printed, byte for byte. */
static void vsay(const session *s, int indent, const char *code, size_t n, va_list ap)
{
    const char *args[8];
    for (size_t i = 0; i < n && i < 8; i++) {
        args[i] = va_arg(ap, const char *);
    }
    char out[3 * NAMESZ];
    mc_msg_format(s->lang, code, args, n < 8 ? n : 8, out, sizeof out);
    printf("%*s%s%s", indent > 0 ? indent : 0, "", out, indent >= 0 ? "\n" : "");
}

static void say(const session *s, const char *code, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    vsay(s, -1, code, n, ap);
    va_end(ap);
}

static void say_line(const session *s, int indent, const char *code, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    vsay(s, indent, code, n, ap);
    va_end(ap);
}

/* The word of code in the session's language (static storage). */
static const char *word(const session *s, const char *code)
{
    const char *w = mc_msg_text(s->lang, code);
    return w != NULL ? w : code;
}

/* The word of prefix+key ("cli.clock." "paused"), or key itself when the catalogue has none. */
static const char *word_of(const session *s, const char *prefix, const char *key)
{
    char code[MC_MSG_CODESZ];
    if (key == NULL || (size_t)snprintf(code, sizeof code, "%s%s", prefix, key) >= sizeof code) {
        return key;
    }
    const char *w = mc_msg_text(s->lang, code);
    return w != NULL ? w : key;
}

/* What a person reads for a thing called name with titles[0..n): in English its name, as
 * always (scripts match it); in Vietnamese its title and, when the title is not the name
 * itself, the name in brackets ("Đăng ký khai sinh (birth-registration)": the name is what a
 * command takes). With bare, the title alone (list's columns). Into buf; returns buf. */
static const char *named_of(const session *s, const mc_text *titles, size_t n, const char *name,
                            bool bare, char *buf, size_t sz)
{
    const char *t = s->lang == MC_LANG_VI ? mc_title(titles, n, "vi", name) : name;
    if (t == NULL || name == NULL || strcmp(t, name) == 0 || bare) {
        snprintf(buf, sz, "%s", t ? t : "");
    } else {
        snprintf(buf, sz, "%s (%s)", t, name);
    }
    size_t bad = mc_utf8_invalid_at(buf, strlen(buf));
    if (bad != SIZE_MAX) {
        buf[bad] = '\0'; /* cut by snprintf inside a character: end before it */
    }
    return buf;
}

#define NAMED(s, thing, buf)                                                                       \
    named_of(s, (thing)->titles, (thing)->ntitles, (thing)->name, false, buf, sizeof buf)

/* The newest version of procedure name, for its titles and its states' (NULL: unknown). */
static const mc_procedure *procedure_named(const session *s, const char *name)
{
    size_t n = 0;
    const mc_procedure *const *v = mc_catalogue_versions(s->cat, name, &n);
    return n > 0 ? v[n - 1] : NULL;
}

static const mc_state *state_of(const mc_procedure *p, const char *name)
{
    for (size_t i = 0; p != NULL && name != NULL && i < p->machine.nstates; i++) {
        if (strcmp(p->machine.states[i]->name, name) == 0) {
            return p->machine.states[i];
        }
    }
    return NULL;
}

/* State name of procedure p as a person reads it (see named_of). */
static const char *state_text(const session *s, const mc_procedure *p, const char *name, bool bare,
                              char *buf, size_t sz)
{
    const mc_state *st = state_of(p, name);
    return named_of(s, st ? st->titles : NULL, st ? st->ntitles : 0, name, bare, buf, sz);
}

static const char *event_text(const session *s, const mc_procedure *p, const char *name, char *buf,
                              size_t sz)
{
    const mc_event *e = p != NULL && name != NULL ? mc_procedure_event(p, name) : NULL;
    return named_of(s, e ? e->titles : NULL, e ? e->ntitles : 0, name, false, buf, sz);
}

static const char *registry_text(const session *s, const char *name, char *buf, size_t sz)
{
    const mc_registry *r = name != NULL ? mc_catalogue_registry(s->cat, name) : NULL;
    return named_of(s, r ? r->titles : NULL, r ? r->ntitles : 0, name, false, buf, sz);
}

static const char *document_text(const session *s, const char *name, char *buf, size_t sz)
{
    const mc_document *d = name != NULL ? mc_catalogue_document(s->cat, name) : NULL;
    return named_of(s, d ? d->titles : NULL, d ? d->ntitles : 0, name, false, buf, sz);
}

/* Prints text and then spaces up to width characters (not bytes: "Đã tiếp nhận" is 12). */
static void put_padded(const char *text, size_t width)
{
    size_t n = mc_utf8_count(text, strlen(text));
    fputs(text, stdout);
    for (; n < width; n++) {
        putchar(' ');
    }
}

/* A cell of a column of titles (Vietnamese): text padded to width characters, or when longer
 * cut to width - 1 whole characters and "…", so that the next column starts where it should
 * (English names are never cut: they are what a script reads, and they fit). */
static void put_cell(const session *s, const char *text, size_t width)
{
    size_t len = strlen(text);
    if (s->lang == MC_LANG_EN || width == 0 || mc_utf8_count(text, len) <= width) {
        put_padded(text, width);
        return;
    }
    const unsigned char *u = (const unsigned char *)text;
    size_t at = 0;
    for (size_t k = 0; k + 1 < width && at < len; k++) {
        uint32_t cp;
        size_t step = mc_utf8_decode(u + at, len - at, &cp);
        at += step > 0 ? step : 1;
    }
    printf("%.*s…", (int)at, text);
}

static size_t chars(const char *text)
{
    return text != NULL ? mc_utf8_count(text, strlen(text)) : 0;
}

/* The kinds of event history shows, for the width of its column. */
static const char *const event_kinds[] = {"submit",  "fire",    "timer",     "overdue",
                                          "apology", "blocked", "due-moved", "registry-retry"};
/* The parts' kinds (part-started, part-refused, part-not-needed) overflow their column in
 * Vietnamese, on their own lines, as registry-retry does in English. */

static void set_widths(session *s)
{
    s->state_width = 22;
    s->procedure_width = 32;
    s->kind_width = 8;
    s->actor_width = 10;
    if (s->lang == MC_LANG_EN) {
        return; /* the names: English columns as they always were */
    }
    size_t np = 0;
    const mc_procedure *const *ps = mc_catalogue_procedures(s->cat, &np);
    for (size_t i = 0; i < np; i++) {
        size_t w = chars(mc_title(ps[i]->titles, ps[i]->ntitles, "vi", ps[i]->name));
        s->procedure_width = w > s->procedure_width ? w : s->procedure_width;
        for (size_t k = 0; k < ps[i]->machine.nstates; k++) {
            const mc_state *st = ps[i]->machine.states[k];
            w = chars(mc_title(st->titles, st->ntitles, "vi", st->name));
            s->state_width = w > s->state_width ? w : s->state_width;
        }
    }
    for (size_t i = 0; i < sizeof event_kinds / sizeof event_kinds[0]; i++) {
        /* every kind fits (in English, registry-retry overflows: its column is as it was) */
        size_t w = chars(word_of(s, "cli.kind.", event_kinds[i]));
        s->kind_width = w > s->kind_width ? w : s->kind_width;
    }
    size_t nr = 0;
    const mc_role *const *rs = mc_catalogue_roles(s->cat, &nr);
    for (size_t i = 0; i < nr; i++) {
        size_t w = chars(mc_title(rs[i]->titles, rs[i]->ntitles, "vi", rs[i]->name));
        s->actor_width = w > s->actor_width ? w : s->actor_width;
    }
    /* A catalogue's longest title would make every line as long: past these, a title is cut
     * (put_cell). The one-stop lifecycle's states and roles fit whole. */
    s->state_width = s->state_width < 40 ? s->state_width : 40;
    s->procedure_width = s->procedure_width < 40 ? s->procedure_width : 40;
    s->actor_width = s->actor_width < 40 ? s->actor_width : 40;
}

static int parse_id(const char *text, int64_t *id)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v <= 0) {
        return front_usage_error("'%s' is not a dossier number", text);
    }
    *id = v;
    return EXIT_OK;
}

/* Splits "K=V" items into pairs (the strings are modified in place). */
static int split_pairs(const char **items, int n, mc_kv *out, const char *what)
{
    for (int i = 0; i < n; i++) {
        char *eq = strchr(items[i], '=');
        if (eq == NULL || eq == items[i]) {
            return front_usage_error("%s takes KEY=VALUE, not '%s'", what, items[i]);
        }
        *eq = '\0';
        out[i].key = items[i];
        out[i].value = eq + 1;
    }
    return EXIT_OK;
}

static const char *const *status_names = front_status_names;

static json_t *dossier_json(const session *s, const mc_dossier *d)
{
    return front_dossier_json_lang(s->cal, d, s->lang);
}

/* Prints o and frees it: EXIT_OK, or EXIT_IO after a message when o is NULL (out of memory). */
static int print_json(json_t *o)
{
    return cli_print_json(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

/* The extensions of the time limit the dossier used: the original due instant, then each
 * extension with its times and legal basis. Nothing for a dossier that used none. */
static void print_extensions(const session *s, const mc_dossier *d)
{
    const mc_procedure *p = d->procedure;
    char t[17];
    if (d->original_due != MC_NONE) {
        fmt_time(s, d->original_due, t);
        say_line(s, 2, "cli.extended", 1, t);
    }
    for (size_t i = 0; i < p->nextensions && i < MC_MAX_EXTENSIONS; i++) {
        const mc_extension *x = &p->extensions[i];
        if (d->extensions_used == NULL || d->extensions_used[i] == 0) {
            continue;
        }
        char name[NAMESZ], by[24], used[24], most[24];
        snprintf(by, sizeof by, "%lld", (long long)(x->by.amount / MC_FIXED_ONE));
        snprintf(used, sizeof used, "%d", (int)d->extensions_used[i]);
        snprintf(most, sizeof most, "%lld", (long long)x->at_most);
        NAMED(s, x, name);
        if (x->legal_basis.n > 0) {
            say_line(s, 2, "cli.extension-basis", 5, name, by, used, most, x->legal_basis.items[0]);
        } else {
            say_line(s, 2, "cli.extension", 4, name, by, used, most);
        }
    }
}

/* "dossier N: PROCEDURE, state STATE", and with outcome, for a final one, its outcome and
 * timeliness (show's head; explain's has none). */
/* An interconnected dossier's parts (issue 25), one a line; a part's dossier, whose it is. */
static void print_parts(const session *s, const mc_dossier *d)
{
    if (d->parent != 0) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)d->parent);
        say_line(s, 2, "cli.part-of", 2, d->part, id);
    }
    if (d->nparts == 0) {
        return;
    }
    say_line(s, 2, "cli.parts", 0);
    for (size_t i = 0; i < d->nparts; i++) {
        const mc_dossier_part *v = &d->parts[i];
        char part[NAMESZ];
        NAMED(s, v->part, part);
        if (v->status == MC_PART_WAITING) {
            /* the parts it waits for: those before it not granted yet */
            char names[NAMESZ] = "";
            for (size_t k = 0; k < v->part->nafter; k++) {
                const mc_dossier_part *b = &d->parts[v->part->after[k]];
                if (b->status == MC_PART_ENDED && strcmp(b->outcome, "granted") == 0) {
                    continue;
                }
                char name[512];
                NAMED(s, b->part, name);
                size_t len = strlen(names);
                snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", name);
            }
            char waits[NAMESZ + 64];
            mc_msg_format(s->lang, "cli.part-waits", (const char *[]){names}, 1, waits,
                          sizeof waits);
            say_line(s, 4, "cli.part-none", 2, part, waits);
            continue;
        }
        if (v->dossier == 0) {
            say_line(s, 4, "cli.part-none", 2, part,
                     word_of(s, "cli.part-status.", mc_part_status_name(v->status)));
            continue;
        }
        char id[24], agency[NAMESZ], state[NAMESZ], status[NAMESZ + 64];
        snprintf(id, sizeof id, "%lld", (long long)v->dossier);
        const mc_agency *a = mc_catalogue_agency(s->cat, v->agency);
        named_of(s, a ? a->titles : NULL, a ? a->ntitles : 0, v->agency, false, agency,
                 sizeof agency);
        state_text(s, procedure_named(s, v->part->procedure), v->state, false, state, sizeof state);
        if (v->late == 1 || v->overdue) {
            char late[NAMESZ + 64];
            mc_msg_format(s->lang, "cli.part-late", (const char *[]){state}, 1, late, sizeof late);
            snprintf(status, sizeof status, "%s", late);
        } else {
            snprintf(status, sizeof status, "%s", state);
        }
        say_line(s, 4, "cli.part", 4, part, id, agency, status);
    }
}

static void print_head(const session *s, const mc_dossier *d, bool outcome)
{
    char id[24], proc[NAMESZ], state[NAMESZ];
    snprintf(id, sizeof id, "%lld", (long long)d->id);
    NAMED(s, d->procedure, proc);
    NAMED(s, d->state, state);
    if (d->final && outcome) {
        say_line(s, 0, "cli.dossier-final", 5, id, proc, state,
                 word_of(s, "cli.outcome.", mc_outcome_name(d->state->outcome)),
                 word(s, d->late == 1 ? "cli.late" : "cli.on-time"));
    } else {
        say_line(s, 0, "cli.dossier", 3, id, proc, state);
    }
}

static void print_dossier(const session *s, const mc_dossier *d)
{
    char t[17];
    print_head(s, d, true);
    fmt_time(s, d->submitted, t);
    const char *channel = word_of(s, "cli.channel.", d->channel);
    if (d->subject) {
        say_line(s, 2, "cli.submitted-subject", 3, t, channel, d->subject);
    } else {
        say_line(s, 2, "cli.submitted", 2, t, channel);
    }
    for (size_t k = 1; k < d->procedure->nparties; k++) {
        const char *id = mc_party_value(d->procedure, k, d->values);
        char party[NAMESZ];
        NAMED(s, &d->procedure->parties[k], party);
        say_line(s, 2, "cli.party", 2, party, id ? id : word(s, "cli.party-unnamed"));
    }
    if (d->due != MC_NONE) {
        fmt_time(s, d->due, t);
        say_line(s, 2, d->overdue ? "cli.due-overdue" : "cli.due", 1, t);
    } else if (!d->final) {
        say_line(s, 2, "cli.no-due", 1, word_of(s, "cli.clock.", mc_clock_name(d->clock)));
    }
    if (d->uncovered != 0) {
        const mc_calendar *cal = d->procedure->calendar;
        char year[24];
        snprintf(year, sizeof year, "%d", d->uncovered);
        say_line(s, 2, "cli.uncovered", 2, year, cal ? cal->name : mc_calendar_builtin()->name);
    }
    print_extensions(s, d);
    print_parts(s, d);
    if (d->blocked > 0) {
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)d->blocked);
        say_line(s, 2, d->blocked == 1 ? "cli.blocked-one" : "cli.blocked-many", 1, n);
    }
    if (d->fee != MC_NONE) {
        char fee[48];
        mc_msg_money(s->lang, (long long)d->fee, d->procedure->fee.currency, fee, sizeof fee);
        say_line(s, 2, "cli.fee", 1, fee);
    }
    /* The status column is as wide as its widest word in the language (9 in English). */
    size_t width = 0;
    for (int k = MC_REQ_NOT_REQUIRED + 1; k <= MC_REQ_WAITING; k++) {
        size_t w = chars(word_of(s, "cli.status.", status_names[k]));
        width = w > width ? w : width;
    }
    width = width > 9 ? width : 9;
    bool header = false;
    for (size_t i = 0; i < d->procedure->nrequires; i++) {
        const mc_dossier_req *r = &d->requirements[i];
        if (r->status == MC_REQ_NOT_REQUIRED) {
            continue;
        }
        if (!header) {
            say_line(s, 2, "cli.checklist", 0);
            header = true;
        }
        char doc[NAMESZ];
        fputs("    ", stdout);
        put_padded(word_of(s, "cli.status.", status_names[r->status]), width);
        printf(" %s", document_text(s, r->requirement->document->name, doc, sizeof doc));
        if (r->requirement->party != 0) {
            char party[NAMESZ];
            putchar(' ');
            say(s, "cli.item-of", 1,
                NAMED(s, &d->procedure->parties[r->requirement->party], party));
        }
        if (r->status == MC_REQ_FETCHED) {
            char reg[NAMESZ];
            putchar(' ');
            say(s, "cli.item-from", 2, registry_text(s, r->registry, reg, sizeof reg),
                r->record ? r->record : "");
        } else if (r->reason) {
            char said[600];
            putchar(' ');
            say(s, "cli.item-reason", 1, front_reason_text(r, s->lang, said, sizeof said));
        }
        putchar('\n');
    }
}

/* Prints the dossier after an operation, or the refusal. Returns the exit status. */
static int report(front_opts *c, session *s, int rc, const mc_result *res, const mc_error *err)
{
    if (rc == MC_EREFUSED) {
        const char *why = mc_refusal_name(res->refusal);
        const char *msg = res->message;
        char said[1200];
        if (s->lang != MC_LANG_EN && res->code[0] != '\0') {
            const char *args[MC_MSG_MAXARGS];
            for (size_t i = 0; i < res->nargs && i < MC_MSG_MAXARGS; i++) {
                args[i] = res->args[i];
            }
            if (mc_msg_format(s->lang, res->code, args, res->nargs, said, sizeof said) >= 0) {
                msg = said;
            }
        }
        size_t wl = strlen(why);
        if (wl > 0 && strncmp(msg, why, wl) == 0 && msg[wl] == ':' && msg[wl + 1] == ' ') {
            msg += wl + 2; /* "refused (once-only): once-only: …" says it twice */
        }
        const char *line[] = {why[0] ? why : msg, msg};
        char text[1400];
        mc_msg_format(s->lang, why[0] ? "cli.refused" : "cli.refused-plain", line, 2, text,
                      sizeof text);
        fprintf(stderr, "motcua: %s\n", text);
        if (c->json) {
            /* code and args: the refusal as the message catalogue has it (msg.h) */
            json_t *args = json_array();
            bool ok = args != NULL;
            for (size_t i = 0; ok && i < res->nargs; i++) {
                front_jpush(args, json_string(res->args[i]), &ok);
            }
            args = front_jdone(args, ok); /* NULL: json_pack fails, print_json says so */
            if (print_json(json_pack("{s:I, s:{s:s, s:s, s:s, s:o}, s:b}", "dossier",
                                     (json_int_t)res->dossier, "refused", "reason", why, "message",
                                     msg == said ? said : res->message, "code", res->code, "args",
                                     args, "replayed", res->replayed)) != EXIT_OK) {
                return EXIT_IO;
            }
        }
        return EXIT_FAIL;
    }
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err->msg);
        return front_exit_for(rc);
    }
    if (res->warning[0]) {
        fprintf(stderr, "motcua: warning: %s\n", res->warning);
    }
    mc_dossier d;
    mc_error e2;
    rc = mc_engine_get(s->engine, res->dossier, s->now, &d, &e2);
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", e2.msg);
        return front_exit_for(rc);
    }
    int status = EXIT_OK;
    if (c->json) {
        bool ok = true;
        json_t *o = dossier_json(s, &d);
        if (err != NULL) { /* an operation, not a plain show */
            front_jset(o, "replayed", json_boolean(res->replayed), &ok);
        }
        status = print_json(front_jdone(o, ok));
    } else {
        print_dossier(s, &d);
    }
    mc_dossier_free(&d);
    return status;
}

int cmd_submit(front_opts *c)
{
    if (c->nargs != 1) {
        return front_usage_error("submit takes one procedure name");
    }
    if (c->channel != NULL && strcmp(c->channel, "online") != 0 &&
        strcmp(c->channel, "counter") != 0 && strcmp(c->channel, "post") != 0) {
        return front_usage_error("--channel takes online, counter or post, not '%s'", c->channel);
    }
    mc_kv *fields = calloc((size_t)c->nfield + 1, sizeof *fields);
    int status = split_pairs(c->field, c->nfield, fields, "--field");
    session s;
    if (status == EXIT_OK && (status = open_session(c, &s)) == EXIT_OK) {
        mc_submit sub = {.procedure = c->args[0],
                         .fields = fields,
                         .nfields = (size_t)c->nfield,
                         .attach = c->attach,
                         .nattach = (size_t)c->nattach,
                         .channel = c->channel,
                         .now = s.now,
                         .request_id = c->request_id};
        mc_result res;
        mc_error err;
        int rc = mc_engine_submit(s.engine, &sub, &res, &err);
        status = report(c, &s, rc, &res, &err);
        close_session(&s);
    }
    free(fields);
    return status;
}

int cmd_fire(front_opts *c)
{
    if (c->nargs != 2) {
        return front_usage_error("fire takes a dossier number and an event");
    }
    if (c->as == NULL) {
        return front_usage_error("fire needs --as ROLE");
    }
    int64_t id = 0;
    int status = parse_id(c->args[0], &id);
    mc_kv *set = calloc((size_t)c->nset + 1, sizeof *set);
    mc_kv *disputes = calloc((size_t)c->ndispute + 1, sizeof *disputes);
    char *docs_text = c->documents ? strdup(c->documents) : NULL;
    const char **docs = calloc(c->documents ? strlen(c->documents) + 1 : 1, sizeof *docs);
    size_t ndocs = 0;
    for (char *tok = docs_text ? strtok(docs_text, ",") : NULL; tok; tok = strtok(NULL, ",")) {
        docs[ndocs++] = tok;
    }
    if (status == EXIT_OK) {
        status = split_pairs(c->set, c->nset, set, "--set");
    }
    if (status == EXIT_OK) {
        status = split_pairs(c->dispute, c->ndispute, disputes, "--dispute");
    }
    session s;
    if (status == EXIT_OK && (status = open_session(c, &s)) == EXIT_OK) {
        mc_fire f = {.dossier = id,
                     .event = c->args[1],
                     .role = c->as,
                     .payload = {.note = c->note,
                                 .documents = docs,
                                 .ndocuments = ndocs,
                                 .disputes = disputes,
                                 .ndisputes = (size_t)c->ndispute,
                                 .set = set,
                                 .nset = (size_t)c->nset,
                                 .attach = c->attach,
                                 .nattach = (size_t)c->nattach},
                     .now = s.now,
                     .request_id = c->request_id};
        mc_result res;
        mc_error err;
        int rc = mc_engine_fire(s.engine, &f, &res, &err);
        status = report(c, &s, rc, &res, &err);
        close_session(&s);
    }
    free(set);
    free(disputes);
    free(docs_text);
    free(docs);
    return status;
}

int cmd_apologize(front_opts *c)
{
    if (c->nargs != 1 || c->as == NULL || c->new_date == NULL || c->reason == NULL) {
        return front_usage_error("apologize takes DOSSIER --as ROLE --new-date DATE --reason S");
    }
    int64_t id = 0;
    int status = parse_id(c->args[0], &id);
    mc_date date = 0;
    char msg[200];
    if (status == EXIT_OK &&
        mc_value_date(c->new_date, strlen(c->new_date), &date, msg, sizeof msg) != 0) {
        status = front_usage_error("--new-date: %s", msg);
    }
    session s;
    if (status == EXIT_OK && (status = open_session(c, &s)) == EXIT_OK) {
        mc_apology a = {.dossier = id,
                        .role = c->as,
                        .new_date = date,
                        .reason = c->reason,
                        .now = s.now,
                        .request_id = c->request_id};
        mc_result res;
        mc_error err;
        int rc = mc_engine_apologize(s.engine, &a, &res, &err);
        status = report(c, &s, rc, &res, &err);
        close_session(&s);
    }
    return status;
}

int cmd_show(front_opts *c)
{
    if (c->nargs != 1) {
        return front_usage_error("show takes a dossier number");
    }
    int64_t id = 0;
    int status = parse_id(c->args[0], &id);
    session s;
    if (status == EXIT_OK && (status = open_session_of(c, &s, true)) == EXIT_OK) {
        mc_result res;
        memset(&res, 0, sizeof res);
        res.dossier = id;
        status = log_read(&s, id, "cli show");
        if (status == EXIT_OK) {
            status = report(c, &s, 0, &res, NULL);
        }
        close_session(&s);
    }
    return status;
}

typedef struct list_ctx {
    session *s;
    json_t *json;
    bool ok; /* false once memory ran out: the list is not whole */
    /* a page (--limit, --cursor, --search): its options, the rows wanted and shown, whether
     * another follows, and the cursor after the last shown */
    const front_opts *c;
    size_t want, shown;
    bool more;
    char next[96];
    mc_error *err; /* where an applicant's name that could not be read says why */
} list_ctx;

static int list_one(void *ud, const mc_dossier_row *row)
{
    list_ctx *l = ud;
    l->shown++;
    if (l->json != NULL) {
        char *name = NULL;
        int rc = mc_engine_row_applicant(l->s->engine, row, &name, l->err);
        if (rc != 0) {
            return rc; /* l->err says why */
        }
        front_jpush(l->json, front_row_json(l->s->cal, row, name), &l->ok);
        mc_free(name);
        return l->ok ? 0 : MC_ENOMEM;
    } else {
        char due[17] = "-";
        if (row->due != MC_NONE) {
            fmt_time(l->s, row->due, due);
        }
        /* In Vietnamese the titles alone, each column as wide as its widest title. */
        const mc_procedure *p = procedure_named(l->s, row->procedure);
        char state[NAMESZ], proc[NAMESZ];
        printf("%6lld  ", (long long)row->id);
        put_cell(l->s, state_text(l->s, p, row->state, true, state, sizeof state),
                 l->s->state_width);
        putchar(' ');
        put_cell(l->s,
                 p ? named_of(l->s, p->titles, p->ntitles, p->name, true, proc, sizeof proc)
                   : row->procedure,
                 l->s->procedure_width);
        printf(" %s%s%s\n", due, row->overdue ? "  " : "",
               row->overdue ? word(l->s, "cli.overdue") : "");
    }
    return 0;
}

/* A page's cursor, as the API's (docs/api.md): "O.DUE.ID.CHECK", the place after the page's last
 * row and a check (FNV-1a) over it and the filters, so that a cursor given with other filters,
 * or altered, is refused rather than read as another place. */
/* The filters a cursor of `list` is made for (front/cursor.h). */
#define LIST_FILTERS(c)                                                                            \
    {(c)->state ? (c)->state : "", (c)->overdue ? "overdue" : "", (c)->search ? (c)->search : ""}

typedef struct count_ctx {
    json_t *states;
    int64_t total, overdue;
    bool broad; /* a search too broad to count */
} count_ctx;

static int count_one(void *ud, const char *state, int64_t count, int64_t overdue)
{
    count_ctx *k = ud;
    k->total += count;
    k->overdue += overdue;
    return json_object_set_new(k->states, state, json_integer((json_int_t)count)) != 0 ? MC_ENOMEM
                                                                                       : 0;
}

static int page_row(void *ud, const mc_dossier_row *row)
{
    list_ctx *l = ud;
    if (l->shown == l->want) {
        l->more = true;
        return 1; /* stop: the page is full and another row follows it */
    }
    const char *filters[] = LIST_FILTERS(l->c);
    front_cursor_make(row, filters, sizeof filters / sizeof filters[0], l->next);
    return list_one(ud, row);
}

/* `list` with --limit, --cursor or --search: a page of the queue, as GET /api/dossiers gives it
 * (open dossiers, overdue first, then by due instant, then by number; the search matches the
 * subject, the number or the start of the applicant's name), the cursor of the next page, and
 * on the first page the counts by state. Bad options change nothing: they are read before the
 * store is opened. */
static int list_page(front_opts *c)
{
    mc_dossier_page q = MC_DOSSIER_PAGE_INIT;
    q.state = c->state;
    q.overdue_only = c->overdue;
    if (c->limit != NULL) {
        int64_t n;
        if (!front_decimal(c->limit, strlen(c->limit), false, &n) || n < 1 || n > 500) {
            return front_usage_error("--limit is a number from 1 to 500");
        }
        q.limit = (size_t)n;
    }
    if (c->search != NULL) {
        size_t n = strlen(c->search);
        if (n == 0 || n > 200 || mc_utf8_invalid_at(c->search, n) != SIZE_MAX) {
            return front_usage_error("--search is UTF-8 text of 1 to 200 bytes");
        }
        q.search = c->search;
    }
    const char *filters[] = LIST_FILTERS(c);
    if (c->cursor != NULL &&
        !front_cursor_read(c->cursor, filters, sizeof filters / sizeof filters[0], &q)) {
        return front_usage_error("this cursor is not one this listing gave (the filters changed, "
                                 "or it was altered): start again without it");
    }
    session s;
    int status = open_session_of(c, &s, true);
    if (status != EXIT_OK) {
        return status;
    }
    size_t changed;
    mc_error err;
    int rc = mc_engine_tick(s.engine, s.now, &changed, &err);
    mc_store *st = mc_engine_store(s.engine);
    list_ctx l = {.s = &s,
                  .json = c->json ? json_array() : NULL,
                  .ok = true,
                  .c = c,
                  .want = q.limit,
                  .err = &err};
    q.limit++; /* one row more than the page, to know whether another follows */
    if (rc == 0) {
        rc = mc_store_dossier_page(st, &q, page_row, &l, &err);
        rc = rc == 1 ? 0 : rc;
    }
    count_ctx k = {NULL, 0, 0, false};
    if (rc == 0 && l.ok && c->cursor == NULL) {
        k.states = json_object();
        rc = k.states ? mc_store_page_counts(st, &q, count_one, &k, &k.broad, &err) : MC_ENOMEM;
        l.ok = rc != MC_ENOMEM;
    }
    if (!l.ok) {
        json_decref(l.json);
        status = cli_out_of_memory();
    } else if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = front_exit_for(rc);
        json_decref(l.json);
    } else if (c->json) {
        json_t *out = json_pack("{s:o, s:s?}", "dossiers", l.json, "next", l.more ? l.next : NULL);
        if (out != NULL && k.states != NULL && k.broad) {
            if (json_object_set_new(out, "counts", json_null()) != 0) {
                json_decref(out);
                out = NULL;
            }
        } else if (out != NULL && k.states != NULL) {
            json_t *counts = json_pack("{s:O, s:I, s:I}", "states", k.states, "total",
                                       (json_int_t)k.total, "overdue", (json_int_t)k.overdue);
            if (counts == NULL || json_object_set_new(out, "counts", counts) != 0) {
                json_decref(out);
                out = NULL;
            }
        }
        status = print_json(out);
    } else {
        if (l.more) {
            say_line(&s, 0, "cli.next", 1, l.next);
        }
        if (k.states != NULL && k.broad) {
            char broad[24];
            snprintf(broad, sizeof broad, "%d", MC_STORE_SEARCH_BROAD);
            say_line(&s, 0, "cli.in-all-broad", 1, broad);
        } else if (k.states != NULL) {
            char total[24], overdue[24];
            snprintf(total, sizeof total, "%lld", (long long)k.total);
            snprintf(overdue, sizeof overdue, "%lld", (long long)k.overdue);
            say(&s, "cli.in-all", 2, total, overdue);
            const char *state;
            json_t *v;
            const char *sep = ": ";
            json_object_foreach(k.states, state, v)
            {
                /* A state by the title of the first procedure that has it. */
                const mc_state *found = NULL;
                size_t np = 0;
                const mc_procedure *const *ps = mc_catalogue_procedures(s.cat, &np);
                for (size_t i = 0; found == NULL && i < np; i++) {
                    found = state_of(ps[i], state);
                }
                char name[NAMESZ];
                printf("%s%s %lld", sep,
                       named_of(&s, found ? found->titles : NULL, found ? found->ntitles : 0, state,
                                true, name, sizeof name),
                       (long long)json_integer_value(v));
                sep = ", ";
            }
            putchar('\n');
        }
    }
    json_decref(k.states);
    close_session(&s);
    return status;
}

int cmd_list(front_opts *c)
{
    if (c->limit != NULL || c->cursor != NULL || c->search != NULL) {
        return list_page(c);
    }
    session s;
    int status = open_session_of(c, &s, true);
    if (status != EXIT_OK) {
        return status;
    }
    /* Let due timers and overdue marks take effect first, so the list is true as of now. */
    size_t changed;
    mc_error err;
    int rc = mc_engine_tick(s.engine, s.now, &changed, &err);
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    f.state = c->state;
    f.overdue_only = c->overdue;
    list_ctx l = {.s = &s, .json = c->json ? json_array() : NULL, .ok = true, .err = &err};
    if (rc == 0) {
        rc = mc_store_dossier_each(mc_engine_store(s.engine), &f, list_one, &l, &err);
    }
    if (!l.ok) {
        json_decref(l.json);
        status = cli_out_of_memory();
    } else if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = front_exit_for(rc);
        json_decref(l.json);
    } else if (c->json) {
        status = print_json(l.json);
    }
    close_session(&s);
    return status;
}

typedef struct history_ctx {
    session *s;
    const mc_procedure *procedure; /* the dossier's, for the titles of its states and events */
    json_t *json;
    bool ok; /* false once memory ran out: the history is not whole */
} history_ctx;

static int history_one(void *ud, const mc_event_row *ev)
{
    history_ctx *h = ud;
    const session *s = h->s;
    if (h->json != NULL) {
        front_jpush(h->json, front_event_json_lang(s->cal, ev, s->lang), &h->ok);
        return h->ok ? 0 : MC_ENOMEM;
    }
    char t[17];
    fmt_time(s, ev->at, t);
    /* The event as the JSON view gives it: a refusal's message in the language asked. */
    json_t *whole = front_event_json_lang(s->cal, ev, s->lang);
    if (whole == NULL) {
        h->ok = false;
        return MC_ENOMEM;
    }
    json_t *body = json_object_get(whole, "body");
    /* The names of the procedure of the dossier as it is now (a state or an event a later
     * version dropped is shown by its name). */
    const mc_procedure *p = h->procedure;
    char actor[NAMESZ];
    const mc_role *role = ev->actor ? mc_catalogue_role(s->cat, ev->actor) : NULL;
    named_of(s, role ? role->titles : NULL, role ? role->ntitles : 0, ev->actor ? ev->actor : "-",
             true, actor, sizeof actor);
    printf("#%-5lld %s  ", (long long)ev->seq, t);
    put_padded(word_of(s, "cli.kind.", ev->kind), s->kind_width);
    putchar(' ');
    put_cell(s, actor, s->actor_width);
    const char *event = json_string_value(json_object_get(body, "event"));
    const char *from = json_string_value(json_object_get(body, "from"));
    const char *to = json_string_value(json_object_get(body, "to"));
    if (strcmp(ev->kind, "blocked") == 0) {
        const char *why = json_string_value(json_object_get(body, "reason"));
        const char *op = json_string_value(json_object_get(body, "operation"));
        op = op ? word_of(s, "cli.operation.", op) : "";
        const char *msg = json_string_value(json_object_get(body, "message"));
        if (why && why[0]) {
            putchar(' ');
            say(s, "cli.history-refused", 3, op, why, msg ? msg : "");
        } else {
            putchar(' ');
            say(s, "cli.history-refused-plain", 2, op, msg ? msg : "");
        }
    } else if (to != NULL) {
        char e[NAMESZ], a[NAMESZ], b[NAMESZ];
        /* a timer's "event" is the word timer, not an event of the procedure */
        const char *said = event == NULL                    ? ""
                           : strcmp(ev->kind, "timer") == 0 ? word(s, "cli.kind.timer")
                                                            : event_text(s, p, event, e, sizeof e);
        printf(" %s%s%s -> %s", said, from ? " " : "",
               from ? state_text(s, p, from, false, a, sizeof a) : "",
               state_text(s, p, to, false, b, sizeof b));
    } else if (strcmp(ev->kind, "registry-retry") == 0) {
        /* A live registry a requirement waits for, asked again: what each look-up gave. */
        size_t i;
        json_t *q;
        json_array_foreach(json_object_get(body, "lookups"), i, q)
        {
            const char *reg = json_string_value(json_object_get(q, "registry"));
            const char *doc = json_string_value(json_object_get(q, "document"));
            const char *got = json_string_value(json_object_get(q, "outcome"));
            char r[NAMESZ], d[NAMESZ];
            printf("%s %s %s: %s", i ? "," : "", reg ? registry_text(s, reg, r, sizeof r) : "?",
                   doc ? document_text(s, doc, d, sizeof d) : "?",
                   got ? word_of(s, "cli.lookup.", got) : "?");
        }
    } else if (strncmp(ev->kind, "part-", 5) == 0) {
        /* An interconnected dossier's part started (its dossier), could not start (why), or
         * was not needed (issue 25). */
        const char *name = json_string_value(json_object_get(body, "part"));
        const mc_part *x = mc_procedure_part(p, name);
        char part[NAMESZ], id[24];
        named_of(s, x ? x->titles : NULL, x ? x->ntitles : 0, name ? name : "?", false, part,
                 sizeof part);
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(body, "dossier")));
        const char *why = json_string_value(json_object_get(body, "reason"));
        putchar(' ');
        if (strcmp(ev->kind, "part-started") == 0) {
            say(s, "cli.history-part-started", 2, part, id);
        } else if (strcmp(ev->kind, "part-ended") == 0) {
            const char *outcome = json_string_value(json_object_get(body, "outcome"));
            const char *how = word_of(s, "cli.outcome.", outcome ? outcome : "none");
            say(s, json_is_true(json_object_get(body, "late")) ? "cli.history-part-ended-late"
                                                                 : "cli.history-part-ended",
                3, part, id, how);
        } else if (strcmp(ev->kind, "part-refused") == 0) {
            say(s, "cli.history-part-refused", 2, part, why ? why : "");
        } else {
            say(s, "cli.history-part-not-needed", 1, part);
        }
    } else if (strcmp(ev->kind, "due-moved") == 0) {
        /* A calendar changed by a deployment moved the running clock's due instant. */
        char a[17], b[17];
        fmt_time(s, json_integer_value(json_object_get(body, "old_due")), a);
        fmt_time(s, json_integer_value(json_object_get(body, "due")), b);
        const char *cal = json_string_value(json_object_get(body, "calendar"));
        putchar(' ');
        say(s, "cli.history-due-moved", 3, a, b, cal ? cal : "");
    }
    json_t *legal = json_object_get(body, "legal_basis");
    if (json_array_size(legal) > 0) {
        printf("  [%s]", json_string_value(json_array_get(legal, 0)));
    }
    json_t *ext = json_object_get(body, "extension");
    if (ext != NULL) {
        /* An extension of the time limit: which, by how much, and the due instant it moved. */
        char days[24], time[24], most[24], name[NAMESZ];
        snprintf(days, sizeof days, "%lld",
                 (long long)json_integer_value(json_object_get(ext, "days")));
        snprintf(time, sizeof time, "%lld",
                 (long long)json_integer_value(json_object_get(ext, "time")));
        snprintf(most, sizeof most, "%lld",
                 (long long)json_integer_value(json_object_get(ext, "at_most")));
        const char *xname = json_string_value(json_object_get(ext, "name"));
        const mc_extension *x = NULL;
        for (size_t i = 0; p != NULL && xname != NULL && i < p->nextensions; i++) {
            x = strcmp(p->extensions[i].name, xname) == 0 ? &p->extensions[i] : x;
        }
        named_of(s, x ? x->titles : NULL, x ? x->ntitles : 0, xname ? xname : "", false, name,
                 sizeof name);
        fputs("\n       ", stdout);
        say(s, "cli.history-extension", 4, name, days, time, most);
        json_t *old = json_object_get(ext, "old_due"), *new = json_object_get(ext, "new_due");
        if (json_is_integer(old) && json_is_integer(new)) {
            char a[17], b[17];
            fmt_time(s, json_integer_value(old), a);
            fmt_time(s, json_integer_value(new), b);
            fputs(": ", stdout);
            say(s, "cli.history-extension-due", 2, a, b);
        } else {
            char a[24], b[24];
            snprintf(a, sizeof a, "%lld",
                     (long long)json_integer_value(json_object_get(ext, "old_left")));
            snprintf(b, sizeof b, "%lld",
                     (long long)json_integer_value(json_object_get(ext, "new_left")));
            fputs(": ", stdout);
            say(s, "cli.history-extension-paused", 2, a, b);
        }
        json_t *basis = json_object_get(ext, "legal_basis");
        if (json_array_size(basis) > 0) {
            printf(" [%s]", json_string_value(json_array_get(basis, 0)));
        }
    }
    putchar('\n');
    json_decref(whole);
    return 0;
}

int cmd_history(front_opts *c)
{
    if (c->nargs != 1) {
        return front_usage_error("history takes a dossier number");
    }
    int64_t id = 0;
    int status = parse_id(c->args[0], &id);
    session s;
    if (status != EXIT_OK || (status = open_session_of(c, &s, true)) != EXIT_OK) {
        return status;
    }
    if ((status = log_read(&s, id, "cli history")) != EXIT_OK) {
        close_session(&s);
        return status;
    }
    mc_dossier d;
    mc_error err;
    int rc = mc_engine_get(s.engine, id, s.now, &d, &err);
    if (rc == 0) {
        history_ctx h = {&s, d.procedure, c->json ? json_array() : NULL, true};
        rc = mc_store_event_each(mc_engine_store(s.engine), id, history_one, &h, &err);
        mc_dossier_free(&d);
        if (!h.ok) {
            json_decref(h.json);
            close_session(&s);
            return cli_out_of_memory();
        }
        if (rc == 0 && c->json) {
            status = print_json(h.json);
        } else {
            json_decref(h.json);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = front_exit_for(rc);
    }
    close_session(&s);
    return status;
}

int cmd_tick(front_opts *c)
{
    session s;
    int status = open_session(c, &s);
    if (status != EXIT_OK) {
        return status;
    }
    size_t changed;
    mc_error err;
    int rc = mc_engine_tick(s.engine, s.now, &changed, &err);
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = front_exit_for(rc);
    } else if (c->json) {
        status = print_json(json_pack("{s:I}", "changed", (json_int_t)changed));
    } else {
        char n[24];
        snprintf(n, sizeof n, "%zu", changed);
        say_line(&s, 0, changed == 1 ? "cli.tick-one" : "cli.tick-many", 1, n);
    }
    close_session(&s);
    return status;
}

/* ---- explain ---- */

/* A live registry's look-up of a requirement (issue 20): the fetched record in Vietnamese (the
 * story said it in English), or what the registry answered and when. */
static void print_lookup(const session *s, const json_t *l)
{
    if (l == NULL) {
        return;
    }
    const char *vi = json_string_value(json_object_get(l, "text_vi"));
    const char *request = json_string_value(json_object_get(l, "request"));
    const char *answered = json_string_value(json_object_get(l, "answered"));
    if (vi != NULL) {
        printf("    %s\n", vi);
        return;
    }
    char reg[NAMESZ];
    const char *name = json_string_value(json_object_get(l, "registry"));
    const char *got = json_string_value(json_object_get(l, "outcome"));
    registry_text(s, name, reg, sizeof reg);
    got = got ? word_of(s, "cli.lookup.", got) : "";
    request = request ? request : word(s, "cli.lookup-no-request");
    if (answered != NULL) {
        say_line(s, 4, "cli.lookup-answered", 4, reg, got, request, answered);
    } else {
        say_line(s, 4, "cli.lookup-unanswered", 3, reg, got, request);
    }
}

int cmd_explain(front_opts *c)
{
    if (c->nargs < 1 || c->nargs > 2) {
        return front_usage_error("explain takes a dossier number and, optionally, a document");
    }
    int64_t id = 0;
    int status = parse_id(c->args[0], &id);
    session s;
    if (status != EXIT_OK || (status = open_session_of(c, &s, true)) != EXIT_OK) {
        return status;
    }
    if ((status = log_read(&s, id, "cli explain")) != EXIT_OK) {
        close_session(&s);
        return status;
    }
    mc_dossier d;
    mc_error err;
    int rc = mc_engine_get(s.engine, id, s.now, &d, &err);
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        close_session(&s);
        return front_exit_for(rc);
    }
    const char *only = c->nargs == 2 ? c->args[1] : NULL;
    json_t *list;
    rc = front_explain_json_lang(&d, only, s.lang, &list);
    if (rc == MC_ENOTFOUND) {
        const char *args[] = {d.procedure->name, only};
        char said[600];
        mc_msg_format(s.lang, "api.document-not-required", args, 2, said, sizeof said);
        fprintf(stderr, "motcua: %s\n", said);
        status = EXIT_FAIL;
    } else if (rc != 0) {
        status = cli_out_of_memory();
    } else if (c->json) {
        status = print_json(list);
    } else {
        print_head(&s, &d, false);
        size_t i;
        json_t *x;
        json_array_foreach(list, i, x)
        {
            const char *legal = json_string_value(json_object_get(x, "legal_basis"));
            char doc[NAMESZ];
            printf("  %s\n    %s\n",
                   document_text(&s, json_string_value(json_object_get(x, "document")), doc,
                                 sizeof doc),
                   json_string_value(json_object_get(x, "required")));
            const char *party = json_string_value(json_object_get(x, "party"));
            if (party != NULL) {
                const char *pid = json_string_value(json_object_get(x, "party_id"));
                int k = mc_party_find(d.procedure, party);
                const mc_party *pt = k >= 0 ? &d.procedure->parties[k] : NULL;
                char who[NAMESZ];
                named_of(&s, pt ? pt->titles : NULL, pt ? pt->ntitles : 0, party, false, who,
                         sizeof who);
                if (pid != NULL) {
                    say_line(&s, 4, "cli.explain-party", 2, who, pid);
                } else {
                    say_line(&s, 4, "cli.explain-party-none", 1, who);
                }
            }
            printf("    %s\n", json_string_value(json_object_get(x, "story")));
            print_lookup(&s, json_object_get(x, "lookup"));
            if (legal != NULL) {
                say_line(&s, 4, "cli.legal-basis", 1, legal);
            }
        }
        if (only == NULL && (d.original_due != MC_NONE || d.procedure->nextensions > 0)) {
            print_extensions(&s, &d);
        }
        if (only == NULL) {
            print_parts(&s, &d);
        }
        json_decref(list);
        json_t *fee = only == NULL ? front_fee_json_lang(&d, s.lang) : NULL;
        if (fee != NULL) {
            say_line(&s, 2, "cli.fee-heading", 0);
            printf("    %s\n", json_string_value(json_object_get(fee, "story")));
            json_decref(fee);
        }
    }
    mc_dossier_free(&d);
    close_session(&s);
    return status;
}
