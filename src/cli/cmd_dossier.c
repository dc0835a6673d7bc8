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
} session;

static void close_session(session *s)
{
    mc_engine_close(s->engine);
    mc_connect_free(s->registries);
    mc_catalogue_free(s->cat);
    mc_rules_free(s->rules);
    mc_diags_free(s->diags);
}

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
        printf("  extended: the time limit alone was due %s\n", t);
    }
    for (size_t i = 0; i < p->nextensions && i < MC_MAX_EXTENSIONS; i++) {
        const mc_extension *x = &p->extensions[i];
        if (d->extensions_used == NULL || d->extensions_used[i] == 0) {
            continue;
        }
        printf("  extension %s: +%lldwd, used %d of %lld%s%s%s\n", x->name,
               (long long)(x->by.amount / MC_FIXED_ONE), (int)d->extensions_used[i],
               (long long)x->at_most, x->legal_basis.n > 0 ? " (" : "",
               x->legal_basis.n > 0 ? x->legal_basis.items[0] : "",
               x->legal_basis.n > 0 ? ")" : "");
    }
}

static void print_dossier(const session *s, const mc_dossier *d)
{
    char t[17];
    printf("dossier %lld: %s, state %s", (long long)d->id, d->procedure->name, d->state->name);
    if (d->final) {
        printf(" (%s, %s)", mc_outcome_name(d->state->outcome), d->late == 1 ? "late" : "on time");
    }
    putchar('\n');
    fmt_time(s, d->submitted, t);
    printf("  submitted %s by %s%s%s\n", t, d->channel, d->subject ? ", subject " : "",
           d->subject ? d->subject : "");
    for (size_t k = 1; k < d->procedure->nparties; k++) {
        const char *id = mc_party_value(d->procedure, k, d->values);
        printf("  %s %s\n", d->procedure->parties[k].name, id ? id : "not named");
    }
    if (d->due != MC_NONE) {
        fmt_time(s, d->due, t);
        printf("  due %s%s\n", t, d->overdue ? " — OVERDUE" : "");
    } else if (!d->final) {
        printf("  no due instant (clock %s)\n", mc_clock_name(d->clock));
    }
    if (d->uncovered != 0) {
        const mc_calendar *cal = d->procedure->calendar;
        printf("  deadline computed over %d, which calendar '%s' does not cover: that year's "
               "announced days off are not declared\n",
               d->uncovered, cal ? cal->name : mc_calendar_builtin()->name);
    }
    print_extensions(s, d);
    if (d->blocked > 0) {
        printf("  %lld %s refused by the once-only rule\n", (long long)d->blocked,
               d->blocked == 1 ? "request" : "requests");
    }
    if (d->fee != MC_NONE) {
        char fee[48];
        mc_msg_money(s->lang, (long long)d->fee, d->procedure->fee.currency, fee, sizeof fee);
        printf("  fee %s\n", fee);
    }
    bool header = false;
    for (size_t i = 0; i < d->procedure->nrequires; i++) {
        const mc_dossier_req *r = &d->requirements[i];
        if (r->status == MC_REQ_NOT_REQUIRED) {
            continue;
        }
        if (!header) {
            puts("  checklist:");
            header = true;
        }
        printf("    %-9s %s", status_names[r->status], r->requirement->document->name);
        if (r->requirement->party != 0) {
            printf(" of %s", d->procedure->parties[r->requirement->party].name);
        }
        if (r->status == MC_REQ_FETCHED) {
            printf(" from %s (record %s)", r->registry, r->record ? r->record : "");
        } else if (r->reason) {
            char said[600];
            printf(" (%s)", front_reason_text(r, s->lang, said, sizeof said));
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
        printf("%6lld  %-22s %-32s %s%s\n", (long long)row->id, row->state, row->procedure, due,
               row->overdue ? "  OVERDUE" : "");
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
            printf("next: %s\n", l.next);
        }
        if (k.states != NULL && k.broad) {
            printf("in all: more than %d (not counted: a longer search counts)\n",
                   MC_STORE_SEARCH_BROAD);
        } else if (k.states != NULL) {
            printf("in all: %lld (%lld overdue)", (long long)k.total, (long long)k.overdue);
            const char *state;
            json_t *v;
            const char *sep = ": ";
            json_object_foreach(k.states, state, v)
            {
                printf("%s%s %lld", sep, state, (long long)json_integer_value(v));
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
    json_t *json;
    bool ok; /* false once memory ran out: the history is not whole */
} history_ctx;

static int history_one(void *ud, const mc_event_row *ev)
{
    history_ctx *h = ud;
    if (h->json != NULL) {
        front_jpush(h->json, front_event_json_lang(h->s->cal, ev, h->s->lang), &h->ok);
        return h->ok ? 0 : MC_ENOMEM;
    }
    char t[17];
    fmt_time(h->s, ev->at, t);
    /* The event as the JSON view gives it: a refusal's message in the language asked. */
    json_t *whole = front_event_json_lang(h->s->cal, ev, h->s->lang);
    if (whole == NULL) {
        h->ok = false;
        return MC_ENOMEM;
    }
    json_t *body = json_object_get(whole, "body");
    printf("#%-5lld %s  %-8s %-10s", (long long)ev->seq, t, ev->kind, ev->actor ? ev->actor : "-");
    const char *event = json_string_value(json_object_get(body, "event"));
    const char *from = json_string_value(json_object_get(body, "from"));
    const char *to = json_string_value(json_object_get(body, "to"));
    if (strcmp(ev->kind, "blocked") == 0) {
        const char *why = json_string_value(json_object_get(body, "reason"));
        printf(" %s refused%s%s%s: %s", json_string_value(json_object_get(body, "operation")),
               why && why[0] ? " (" : "", why ? why : "", why && why[0] ? ")" : "",
               json_string_value(json_object_get(body, "message")));
    } else if (to != NULL) {
        printf(" %s%s%s -> %s", event ? event : "", from ? " " : "", from ? from : "", to);
    } else if (strcmp(ev->kind, "registry-retry") == 0) {
        /* A live registry a requirement waits for, asked again: what each look-up gave. */
        size_t i;
        json_t *q;
        json_array_foreach(json_object_get(body, "lookups"), i, q)
        {
            const char *reg = json_string_value(json_object_get(q, "registry"));
            const char *doc = json_string_value(json_object_get(q, "document"));
            const char *got = json_string_value(json_object_get(q, "outcome"));
            printf("%s %s %s: %s", i ? "," : "", reg ? reg : "?", doc ? doc : "?", got ? got : "?");
        }
    } else if (strcmp(ev->kind, "due-moved") == 0) {
        /* A calendar changed by a deployment moved the running clock's due instant. */
        char a[17], b[17];
        fmt_time(h->s, json_integer_value(json_object_get(body, "old_due")), a);
        fmt_time(h->s, json_integer_value(json_object_get(body, "due")), b);
        printf(" due %s -> %s (calendar '%s')", a, b,
               json_string_value(json_object_get(body, "calendar")));
    }
    json_t *legal = json_object_get(body, "legal_basis");
    if (json_array_size(legal) > 0) {
        printf("  [%s]", json_string_value(json_array_get(legal, 0)));
    }
    json_t *ext = json_object_get(body, "extension");
    if (ext != NULL) {
        /* An extension of the time limit: which, by how much, and the due instant it moved. */
        printf("\n       extension %s +%lldwd (%lld of %lld)",
               json_string_value(json_object_get(ext, "name")),
               (long long)json_integer_value(json_object_get(ext, "days")),
               (long long)json_integer_value(json_object_get(ext, "time")),
               (long long)json_integer_value(json_object_get(ext, "at_most")));
        json_t *old = json_object_get(ext, "old_due"), *new = json_object_get(ext, "new_due");
        if (json_is_integer(old) && json_is_integer(new)) {
            char a[17], b[17];
            fmt_time(h->s, json_integer_value(old), a);
            fmt_time(h->s, json_integer_value(new), b);
            printf(": due %s -> %s", a, b);
        } else {
            printf(": paused, %lld -> %lld working days left",
                   (long long)json_integer_value(json_object_get(ext, "old_left")),
                   (long long)json_integer_value(json_object_get(ext, "new_left")));
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
        mc_dossier_free(&d);
        history_ctx h = {&s, c->json ? json_array() : NULL, true};
        rc = mc_store_event_each(mc_engine_store(s.engine), id, history_one, &h, &err);
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
        printf("tick: %zu %s changed\n", changed, changed == 1 ? "dossier" : "dossiers");
    }
    close_session(&s);
    return status;
}

/* ---- explain ---- */

/* A live registry's look-up of a requirement (issue 20): the fetched record in Vietnamese (the
 * story said it in English), or what the registry answered and when. */
static void print_lookup(const json_t *l)
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
    printf("    looked up in %s: %s (request %s, %s%s)\n",
           json_string_value(json_object_get(l, "registry")),
           json_string_value(json_object_get(l, "outcome")), request ? request : "none",
           answered ? "answered " : "no answer", answered ? answered : "");
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
        fprintf(stderr, "motcua: procedure '%s' does not require '%s'\n", d.procedure->name, only);
        status = EXIT_FAIL;
    } else if (rc != 0) {
        status = cli_out_of_memory();
    } else if (c->json) {
        status = print_json(list);
    } else {
        printf("dossier %lld: %s, state %s\n", (long long)id, d.procedure->name, d.state->name);
        size_t i;
        json_t *x;
        json_array_foreach(list, i, x)
        {
            const char *legal = json_string_value(json_object_get(x, "legal_basis"));
            printf("  %s\n    %s\n", json_string_value(json_object_get(x, "document")),
                   json_string_value(json_object_get(x, "required")));
            const char *party = json_string_value(json_object_get(x, "party"));
            if (party != NULL) {
                const char *pid = json_string_value(json_object_get(x, "party_id"));
                printf("    of the %s: %s%s\n", party, pid ? "looked up under " : "",
                       pid ? pid : "the dossier names none");
            }
            printf("    %s\n", json_string_value(json_object_get(x, "story")));
            print_lookup(json_object_get(x, "lookup"));
            if (legal != NULL) {
                printf("    legal basis: %s\n", legal);
            }
        }
        if (only == NULL && (d.original_due != MC_NONE || d.procedure->nextensions > 0)) {
            print_extensions(&s, &d);
        }
        json_decref(list);
        json_t *fee = only == NULL ? front_fee_json_lang(&d, s.lang) : NULL;
        if (fee != NULL) {
            printf("  fee\n    %s\n", json_string_value(json_object_get(fee, "story")));
            json_decref(fee);
        }
    }
    mc_dossier_free(&d);
    close_session(&s);
    return status;
}
