/*
 * The dossier engine (engine.h). An operation runs in one store transaction: load the dossier,
 * let its due timers and overdue marks take effect, decide, then write the dossier row and its
 * events together — or, when refused, only the refusal's event.
 */
#include "engine_int.h"

#include "motcua/access.h"
#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "base/grow.h"
#include "base/regex.h"
#include "base/json.h"

#include <jansson.h>
#include <sodium.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *mc_refusal_name(mc_refusal r)
{
    static const char *const names[] = {"",          "state", "role", "guard", "limit",
                                        "once-only", "rule",  ""};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "";
}

/* ==== opening ============================================================================ */

int mc_engine_open(mc_engine **out, const mc_catalogue *cat, mc_rules *rules, const char *db,
                   mc_error *err)
{
    *out = NULL;
    mc_engine *e = mc_calloc(1, sizeof *e);
    if (e == NULL || (e->kept = mc_calloc(1, sizeof *e->kept)) == NULL) {
        mc_free(e);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    e->cat = cat;
    e->rules = rules;
    int rc = mc_store_open(&e->st, db, err);
    if (rc != 0) {
        mc_free(e->kept);
        mc_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

int mc_engine_open_volatile(mc_engine **out, const mc_catalogue *cat, mc_rules *rules,
                            mc_record_lookup lookup, void *ud, mc_error *err)
{
    *out = mc_calloc(1, sizeof **out);
    if (*out == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    (*out)->cat = cat;
    (*out)->rules = rules;
    (*out)->lookup = lookup;
    (*out)->lookup_ud = ud;
    return 0;
}

static void drop_kept(mc_engine *e);

void mc_engine_close(mc_engine *e)
{
    if (e != NULL) {
        drop_kept(e);
        mc_free(e->kept);
        mce_pins_free(e);
        mc_store_close(e->st);
        mc_free(e);
    }
}

void mc_engine_set_catalogue(mc_engine *e, const mc_catalogue *cat, mc_rules *rules)
{
    drop_kept(e);    /* its procedure is one of the pins */
    mce_pins_free(e); /* compiled against the catalogue replaced */
    e->cat = cat;
    e->rules = rules;
    e->nhits = 0; /* resolved by the rules replaced */
    e->last_proc = NULL;
    e->due_cal = NULL;
}

void mc_engine_set_gate(mc_engine *e, void (*enter)(void *ud), void (*leave)(void *ud), void *ud)
{
    if (e->st != NULL) {
        mc_store_set_gate(e->st, enter, leave, ud);
        e->optimistic = enter != NULL && leave != NULL;
    }
}

void mc_engine_set_registry_client(mc_engine *e, const mc_registry_client *c)
{
    e->registries = c != NULL ? *c : (mc_registry_client){.lookup = NULL};
}

void mc_engine_stats_get(const mc_engine *e, mc_engine_stats *out)
{
    mc_engine *w = (mc_engine *)(uintptr_t)e; /* C11's atomic_load takes no const object */
    for (size_t i = 0; i <= MC_REFUSED_OTHER; i++) {
        out->refusals[i] = atomic_load_explicit(&w->refusals[i], memory_order_relaxed);
    }
    out->reruns = atomic_load_explicit(&w->reruns, memory_order_relaxed);
}

mc_store *mc_engine_store(mc_engine *e)
{
    return e->st;
}

/* ==== running an operation =============================================================== */

typedef struct op {
    mc_engine *e;
    int (*run)(struct op *o, mce_dos *d, mce_refusal *rf, mc_error *err);
    const void *args;
    int64_t dossier; /* 0: a new dossier */
    int64_t now;
    const char *actor;
    const char *what; /* the operation's name, for the refusal event */
    json_t *refusal_body;
    char warning[256];
    const char *detail; /* the event or procedure, for the message of a reused request id */
    const char *user;   /* who asked, recorded with the operation's events, or NULL */
    /* The request's fingerprint: BLAKE2b over every input of the operation (fingerprint_*). */
    void (*fingerprint)(const struct op *o, crypto_generichash_state *h);
    bool keep; /* on success, the dossier stays in e->kept for the answer's read */
    mc_may_fn may; /* or NULL: the caller's access check (mc_fire.may) */
    void *may_ud;
    bool answered; /* the kept dossier's counts are made in the transaction (mc_fire.answered) */
} op;

/* Forgets the dossier kept for an operation's answer (struct mc_engine, kept). */
static void drop_kept(mc_engine *e)
{
    if (e->kept != NULL && e->kept->row.id != 0) {
        mce_dos_free(e->kept); /* zeroes it */
    }
}

static int link_parts(mc_engine *e, const mce_dos *d, bool was_final, int64_t now, mc_error *err);
/* A part's dossier id in the interconnected dossier's data: 0 not started, -1 its submission was
 * refused, -2 not needed (its `when` did not hold). */
enum { PART_REFUSED = -1, PART_NOT_NEEDED = -2 };

static int store_refusal(mc_engine *e, const op *o, const mce_dos *d, const mce_refusal *rf,
                         mc_error *err)
{
    /* The message may quote the request, which may not be UTF-8: mc_json_text keeps it. */
    json_t *body = json_pack("{s:s, s:s, s:o}", "operation", o->what, "reason",
                             mc_refusal_name(rf->why), "message", mc_json_text(rf->msg));
    if (body == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int bad = 0; /* a failed set: the refusal would be saved without it */
    if (o->refusal_body) {
        bad |= json_object_update(body, o->refusal_body);
    }
    if (rf->code[0] != '\0') { /* the sentence's code and arguments: a reader says it in its
                                * language (msg.h); an event before codes has only "message" */
        json_t *args = json_array();
        for (size_t i = 0; args != NULL && i < rf->nargs; i++) {
            bad |= json_array_append_new(args, mc_json_text(rf->args[i]));
        }
        bad |= json_object_set_new(body, "code", json_string(rf->code));
        bad |= json_object_set_new(body, "args", args);
    }
    if (d != NULL && d->p != NULL) {
        char version[11];
        mce_version_text(d->p, version);
        json_t *legal = json_array();
        for (size_t i = 0; i < d->p->legal_basis.n; i++) {
            bad |= json_array_append_new(legal, json_string(d->p->legal_basis.items[i]));
        }
        bad |= json_object_set_new(body, "state", json_string(d->row.state));
        bad |= json_object_set_new(body, "procedure", json_string(d->p->name));
        bad |= json_object_set_new(body, "version", json_string(version));
        bad |= json_object_set_new(body, "legal_basis", legal);
    }
    bad |= json_object_set_new(body, "catalogue", json_string(mc_catalogue_hash(e->cat)));
    if (o->user != NULL) {
        bad |= json_object_set_new(body, "user", json_string(o->user));
    }
    char *text = bad == 0 ? mc_json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(body);
    if (text == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_event_row ev;
    memset(&ev, 0, sizeof ev);
    ev.dossier = d ? d->row.id : 0;
    ev.at = o->now;
    ev.kind = "blocked";
    ev.actor = o->actor;
    ev.body = text;
    int rc = mc_store_event_append(e->st, &ev, err);
    mc_free(text);
    return rc;
}

/* ==== request ids ======================================================================== */

/* A request id belongs to whoever asked: the person or system recorded as `user`, or, when the
 * caller names none (the command line), the acting role. The stored key is that actor, length
 * first, then the id, so that no two (actor, id) pairs share a key. */
static char *scoped_key(const op *o, const char *request_id)
{
    const char *kind = o->user ? "user" : "role";
    const char *who = o->user ? o->user : (o->actor ? o->actor : "");
    size_t n = strlen(kind) + strlen(who) + strlen(request_id) + 32;
    char *key = mc_malloc(n);
    if (key != NULL) {
        snprintf(key, n, "%s:%zu:%s:%s", kind, strlen(who), who, request_id);
    }
    return key;
}

/* Fingerprint pieces: each value is tagged and length-prefixed, so that no two different
 * inputs hash alike by running into each other; NULL differs from "". */
static void fp_str(crypto_generichash_state *h, const char *s)
{
    unsigned char head[9] = {s != NULL};
    uint64_t n = s ? strlen(s) : 0;
    for (int i = 0; i < 8; i++) {
        head[1 + i] = (unsigned char)(n >> (8 * i));
    }
    crypto_generichash_update(h, head, sizeof head);
    if (n > 0) {
        crypto_generichash_update(h, (const unsigned char *)s, n);
    }
}

static void fp_int(crypto_generichash_state *h, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    }
    crypto_generichash_update(h, b, sizeof b);
}

static void fp_list(crypto_generichash_state *h, const char *const *items, size_t n)
{
    fp_int(h, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        fp_str(h, items[i]);
    }
}

static void fp_pairs(crypto_generichash_state *h, const mc_kv *kv, size_t n)
{
    fp_int(h, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        fp_str(h, kv[i].key);
        fp_str(h, kv[i].value);
    }
}

/* The request's fingerprint, in hex: the operation, its target, who asked in which role, and
 * every input. `now` is left out: a retry comes later. */
static void fingerprint(const op *o, char out[2 * MC_HASH_BYTES + 1])
{
    crypto_generichash_state h;
    unsigned char md[MC_HASH_BYTES];
    crypto_generichash_init(&h, NULL, 0, sizeof md);
    fp_str(&h, o->what);
    fp_int(&h, o->dossier);
    fp_str(&h, o->actor);
    fp_str(&h, o->user);
    if (o->fingerprint != NULL) {
        o->fingerprint(o, &h);
    }
    crypto_generichash_final(&h, md, sizeof md);
    sodium_bin2hex(out, 2 * MC_HASH_BYTES + 1, md, sizeof md);
}

static int remember(mc_engine *e, const op *o_, const char *key, const char *print, int rc,
                    const mc_result *res, mc_error *err)
{
    json_t *o = json_pack("{s:i, s:I, s:i, s:s, s:s, s:I, s:s, s:s}", "code", rc, "dossier",
                          (json_int_t)res->dossier, "refusal", (int)res->refusal, "message",
                          res->message, "operation", o_->what, "target", (json_int_t)o_->dossier,
                          "detail", o_->detail ? o_->detail : "", "fingerprint", print);
    int bad = o == NULL;
    if (o != NULL && res->code[0] != '\0') { /* ["CODE", ARG…], as msg.h has the refusal */
        json_t *why = json_array();
        bad |= json_array_append_new(why, json_string(res->code));
        for (size_t i = 0; i < res->nargs; i++) {
            bad |= json_array_append_new(why, mc_json_text(res->args[i]));
        }
        bad |= json_object_set_new(o, "reason_msg", why);
    }
    char *text = bad == 0 ? mc_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (text == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int r = mc_store_request_put(e->st, key, text, err);
    mc_free(text);
    return r;
}

/* The first result of a request id; MC_ECONFLICT when the id was used for a request with other
 * inputs (another operation, another dossier, other fields, …). */
static int replay(const op *op_, const char *request_id, const char *print, const char *stored,
                  mc_result *res, mc_error *err)
{
    json_t *o;
    int loaded = mc_json_loads(stored, 0, &o);
    if (loaded == MC_ENOMEM) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (loaded != 0) {
        return mc_error_set(err, MC_EIO, "request id '%s': its stored result is unreadable",
                            request_id);
    }
    const char *what = json_string_value(json_object_get(o, "operation"));
    const char *detail = json_string_value(json_object_get(o, "detail"));
    const char *first_print = json_string_value(json_object_get(o, "fingerprint"));
    json_int_t target = json_integer_value(json_object_get(o, "target"));
    if (first_print == NULL || strcmp(first_print, print) != 0) {
        char first[160];
        bool same = what != NULL && strcmp(what, op_->what) == 0 && target == op_->dossier &&
                    detail != NULL && strcmp(detail, op_->detail ? op_->detail : "") == 0;
        if (target != 0) {
            snprintf(first, sizeof first, "%s%s %s of dossier %lld", same ? "another " : "",
                     what ? what : "?", detail ? detail : "", (long long)target);
        } else {
            snprintf(first, sizeof first, "%s%s %s", same ? "another " : "", what ? what : "?",
                     detail ? detail : "");
        }
        json_decref(o);
        return mc_error_say(err, MC_ECONFLICT, "request-id.used", 2, request_id, first);
    }
    res->dossier = json_integer_value(json_object_get(o, "dossier"));
    res->refusal = (mc_refusal)json_integer_value(json_object_get(o, "refusal"));
    snprintf(res->message, sizeof res->message, "%s",
             json_string_value(json_object_get(o, "message"))
                 ? json_string_value(json_object_get(o, "message"))
                 : "");
    const json_t *why = json_object_get(o, "reason_msg"); /* absent before codes existed */
    const char *code = json_string_value(json_array_get(why, 0));
    snprintf(res->code, sizeof res->code, "%s", code ? code : "");
    res->nargs = 0;
    for (size_t i = 1; code != NULL && i < json_array_size(why) && res->nargs < MC_MSG_MAXARGS;
         i++) {
        const char *a = json_string_value(json_array_get(why, i));
        mce_copy_cut(res->args[res->nargs++], MC_MSG_ARGSZ, a ? a : "");
    }
    int rc = (int)json_integer_value(json_object_get(o, "code"));
    res->replayed = true;
    json_decref(o);
    return rc;
}

static int execute_once(op *o, const char *key, const char *print, const char *request_id,
                        bool optimistic, mc_result *res, mc_error *err);

/* Whether some version of procedure name calls a rule: a fee rule, a requirement's or a
 * transition's `when rule`. */
static bool calls_rules(const mc_catalogue *cat, const char *name)
{
    size_t nv = 0;
    const mc_procedure *const *versions = name ? mc_catalogue_versions(cat, name, &nv) : NULL;
    for (size_t v = 0; v < nv; v++) {
        const mc_procedure *p = versions[v];
        if (p->fee_kind == MC_FEE_RULE) {
            return true;
        }
        for (size_t i = 0; i < p->nrequires; i++) {
            if (p->requires[i].when.kind == MC_COND_RULE) {
                return true;
            }
        }
        for (size_t i = 0; i < p->machine.nstates; i++) {
            const mc_state *st = p->machine.states[i];
            for (size_t t = 0; t < st->non; t++) {
                if (st->on[t].when.kind == MC_COND_RULE) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* Whether o should decide before it takes the write lock: only where that saves the other
 * writers from waiting on a rule. An optimistic run that meets another writer runs twice, so
 * operations that call no rule (timers, apologies, most transitions) keep the lock from the
 * start. A submission's procedure is its detail; a fire's is read from its row, unlocked. */
static bool run_optimistic(const op *o)
{
    mc_engine *e = o->e;
    size_t modules = 0;
    if (e->optimistic && e->rules != NULL) {
        mc_rules_modules(e->rules, &modules);
    }
    if (modules == 0) {
        return false; /* no rule to call: no need to read the dossier's procedure first */
    }
    if (strcmp(o->what, "submit") == 0) {
        return calls_rules(e->cat, o->detail);
    }
    if (strcmp(o->what, "fire") != 0 || o->dossier == 0) {
        return false;
    }
    mc_dossier_row row;
    memset(&row, 0, sizeof row);
    bool calls = mc_store_dossier_load(e->st, o->dossier, &row, NULL) == 0 &&
                 calls_rules(e->cat, row.procedure);
    mc_dossier_row_clear(&row);
    return calls;
}

/* Runs an operation; the op's refusal_body is consumed whatever happens. */
static int execute(op *o, const char *request_id, mc_result *res, mc_error *err)
{
    drop_kept(o->e);
    char *key = NULL;
    char print[2 * MC_HASH_BYTES + 1] = "";
    int rc = 0;
    if (request_id != NULL) {
        fingerprint(o, print);
        key = scoped_key(o, request_id);
        if (key == NULL) {
            memset(res, 0, sizeof *res);
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    if (rc == 0) {
        /* An optimistic attempt that met another writer wrote nothing: the second attempt takes
         * the write lock first, so it cannot be overtaken again. On a store that locks only
         * partitions (PostgreSQL), concurrent writers may meet in a deadlock or on a key: the
         * loser wrote nothing and runs again, a few times at most. */
        /* With a client for live registries, a run that needs their answers wrote nothing
         * (MCE_ELOOKUP): they are asked outside the transaction, all at once, and the
         * operation runs again with them, deciding again on the dossier as it is then. */
        mc_engine *e = o->e;
        mce_live live = {.now = o->now, .retry_first = e->registries.retry_first_s,
                         .strs = MC_PTRVEC_INIT};
        e->live = e->registries.lookup != NULL ? &live : NULL;
        rc = execute_once(o, key, print, request_id, run_optimistic(o), res, err);
        for (int i = 0, asked = 0; (rc == MC_ERETRY && i < 8) || rc == MCE_ELOOKUP;) {
            if (rc == MCE_ELOOKUP) {
                if ((rc = mce_ask_registries(e, &live, err)) != 0) {
                    break;
                }
                live.last = ++asked >= MCE_LOOKUP_PASSES - 1;
                rc = execute_once(o, key, print, request_id, run_optimistic(o), res, err);
                continue;
            }
            i++;
            atomic_fetch_add_explicit(&e->reruns, 1, memory_order_relaxed);
            rc = execute_once(o, key, print, request_id, false, res, err);
        }
        e->live = NULL;
        mce_live_free(&live);
        /* Counted once per operation, after its reruns; a replayed answer was counted the
         * first time. */
        if (rc == MC_EREFUSED && !res->replayed && res->refusal <= MC_REFUSED_OTHER) {
            atomic_fetch_add_explicit(&o->e->refusals[res->refusal], 1, memory_order_relaxed);
        }
    }
    mc_free(key);
    json_decref(o->refusal_body);
    o->refusal_body = NULL;
    return rc;
}

static int execute_once(op *o, const char *key, const char *print, const char *request_id,
                        bool optimistic, mc_result *res, mc_error *err)
{
    mc_engine *e = o->e;
    memset(res, 0, sizeof *res);
    if (e->st == NULL) {
        return mc_error_set(err, MC_EUSAGE, "%s needs an engine with a store", o->what);
    }
    int rc = optimistic ? mc_store_begin_optimistic(e->st, err) : mc_store_begin(e->st, err);
    if (rc != 0) {
        return rc;
    }
    mce_dos d; /* row.id not 0: loaded already, for the access check */
    memset(&d, 0, sizeof d);
    if (o->dossier != 0 && o->may != NULL) {
        /* The caller's access check, on the dossier as this transaction reads it, before
         * anything else: one it may not act on gets nothing, not even a replay. */
        rc = mce_load(e, o->dossier, &d, err);
        if (rc == 0 && !o->may(o->may_ud, d.row.agency, d.row.subject)) {
            rc = mc_error_set(err, MC_EDENIED, "dossier %lld is not the caller's to act on",
                              (long long)o->dossier);
        }
        if (rc != 0) {
            mce_dos_free(&d);
            mc_store_rollback(e->st);
            return rc;
        }
    }
    if (key != NULL) {
        char *stored;
        int found = mc_store_request_get(e->st, key, &stored, err);
        if (found < 0) {
            mce_dos_free(&d);
            mc_store_rollback(e->st);
            return found;
        }
        if (found > 0) {
            /* The first answer may be of a group commit's batch not yet durable: ending this
             * transaction with a commit (it wrote nothing) waits for that batch, and fails
             * with it. */
            mce_dos_free(&d);
            rc = mc_store_commit(e->st, err);
            if (rc != 0) {
                mc_store_rollback(e->st);
                mc_free(stored);
                return rc;
            }
            rc = replay(o, request_id, print, stored, res, err);
            mc_free(stored);
            return rc;
        }
    }
    mce_refusal rf = {.why = MC_REFUSED_NONE};
    bool was_final = false;
    if (o->dossier != 0) {
        rc = d.row.id != 0 ? 0 : mce_load(e, o->dossier, &d, err);
        was_final = rc == 0 && d.row.final;
        if (rc == 0) {
            rc = mce_catch_up(e, &d, o->now, err);
        }
    }
    bool caught_up = o->dossier != 0 && rc == 0 && json_array_size(d.events) > 0;
    if (rc == 0) {
        d.user = o->user; /* after the timers: theirs are the system's */
        rc = o->run(o, &d, &rf, err);
    }
    if (rc == 0) {
        rc = link_parts(e, &d, was_final, o->now, err);
    }
    if (rc == MC_EREFUSED && caught_up) {
        /* The refused operation changes nothing, but the timers before it did happen. */
        json_t *timers = json_deep_copy(d.events);
        mce_dos_free(&d);
        int r2 = mce_load(e, o->dossier, &d, err);
        if (r2 == 0) {
            json_decref(d.events);
            d.events = json_array(); /* NULL would record nothing, as a volatile engine */
            r2 = d.events != NULL ? mce_catch_up(e, &d, o->now, err)
                                  : mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        json_decref(timers);
        if (r2 == 0) {
            char *data = mce_encode_data(&d);
            mc_free(d.row.data);
            d.row.data = data;
            r2 = data ? mc_store_dossier_update(e->st, &d.row, err) : MC_ENOMEM;
        }
        if (r2 == 0) {
            r2 = mce_write_events(e, d.row.id, d.events, err);
        }
        if (r2 == 0) {
            r2 = link_parts(e, &d, was_final, o->now, err);
        }
        if (r2 != 0) {
            rc = r2;
        }
    }
    if (rc == MC_EREFUSED) {
        mce_refusal_result(&rf, res);
        res->dossier = d.row.id;
        int r2 = store_refusal(e, o, o->dossier ? &d : NULL, &rf, err);
        if (r2 != 0) {
            rc = r2;
        }
    } else if (rc == 0) {
        res->dossier = d.row.id;
        snprintf(res->warning, sizeof res->warning, "%s", o->warning);
    }
    if ((rc == 0 || rc == MC_EREFUSED) && key != NULL) {
        int r2 = remember(e, o, key, print, rc, res, err);
        if (r2 != 0) {
            rc = r2;
        }
    }
    bool keep = rc == 0 && o->keep && e->kept != NULL && d.row.id != 0;
    int64_t events = -1, blocked = -1;
    if (keep && o->answered) {
        /* Counted here, where the transaction has the pages at hand, rather than by the read of
         * the answer in a transaction of its own. A count that fails fails the operation: the
         * store may have lost the transaction with it (out of memory). */
        blocked = mc_store_blocked_count(e->st, d.row.id, err);
        events = blocked < 0 ? blocked : mc_store_event_count(e->st, d.row.id, err);
        rc = events < 0 ? (int)events : 0;
    }
    if (rc == 0 || rc == MC_EREFUSED) {
        int r2 = mc_store_commit(e->st, err);
        if (r2 != 0) {
            rc = r2;
        }
    }
    if (rc != 0 && rc != MC_EREFUSED) {
        mc_store_rollback(e->st);
    }
    if (rc == 0 && keep) {
        d.user = NULL; /* borrowed from the request */
        d.held = NULL;
        *e->kept = d; /* as committed: what a load would read back now */
        e->kept_now = o->now;
        e->kept_events = events;
        e->kept_blocked = blocked;
    } else {
        mce_dos_free(&d);
    }
    return rc;
}

/* ==== submit ============================================================================= */

static const mc_calendar *default_cal(const mc_engine *e)
{
    const mc_calendar *c = mc_catalogue_default_calendar(e->cat);
    return c ? c : mc_calendar_builtin();
}

/* The version of the submitted procedure in force on the day of submission, or a refusal. */
static int version_in_force(mc_engine *e, const mc_submit *s, const mc_procedure **out,
                            mce_refusal *rf)
{
    mc_date today = mc_calendar_today(default_cal(e), s->now);
    if (e->last_proc != NULL && e->last_day == today && s->procedure != NULL &&
        strcmp(e->last_name, s->procedure) == 0) {
        *out = e->last_proc; /* the same procedure on the same day: found as before */
        return 0;
    }
    *out = mc_catalogue_procedure(e->cat, s->procedure, today);
    if (*out != NULL) {
        size_t n = strlen(s->procedure);
        if (n < sizeof e->last_name) { /* remembered for the next submission */
            memcpy(e->last_name, s->procedure, n + 1);
            e->last_day = today;
            e->last_proc = *out;
            mce_version_text(*out, e->last_version);
        }
        return 0; /* a version in force: the procedure is known */
    }
    size_t nv;
    mc_catalogue_versions(e->cat, s->procedure, &nv);
    if (nv == 0) {
        return mce_refuse(rf, MC_REFUSED_OTHER, "procedure.unknown", 1, s->procedure);
    }
    char day[11];
    mc_date_format(today, day);
    return mce_refuse(rf, MC_REFUSED_OTHER, "procedure.not-in-force", 2, s->procedure, day);
}

/* The fee of a new dossier into d->row.fee: the procedure's fixed fee, what its fee schedule
 * charges on the day of reception (its reliefs tested on the fields), or what its fee rule
 * computes from the dossier (a rule that fails refuses the submission). */
static int submission_fee(mc_engine *e, mce_dos *d, mce_refusal *rf, mc_error *err)
{
    const mc_procedure *p = d->p;
    if (p->fee_kind == MC_FEE_FIXED) {
        d->row.fee = p->fee.amount;
        return 0;
    }
    if (p->fee_kind == MC_FEE_SCHEDULE) {
        mc_fee_basis fb;
        mc_fee_schedule_apply(p, mc_calendar_date(mce_loc(d, d->row.submitted)),
                              (const char *const *)d->values, &fb);
        d->row.fee = fb.amount;
        return 0;
    }
    if (p->fee_kind != MC_FEE_RULE) {
        return 0;
    }
    const mc_rule *rule;
    mc_error rerr;
    if (e->rules == NULL ||
        mce_rule(e, p->fee_rule.module, p->fee_rule.function, &rule, &rerr)) {
        return mce_refuse(rf, MC_REFUSED_RULE, "rule.fee-not-loaded", 2, p->fee_rule.module,
                          p->fee_rule.function);
    }
    mce_view_buf vb;
    if (mce_make_view(e, d, &vb) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = mc_rules_fee(e->rules, rule, &vb.view, &d->row.fee, &rerr);
    mce_view_free(&vb);
    if (rc == MC_ERULE || rc == MC_ELIMIT) {
        return rc == MC_ELIMIT ? mce_refuse(rf, MC_REFUSED_LIMIT, "rule.limit", 1, rerr.msg)
                               : mce_refuse(rf, MC_REFUSED_RULE, "rule.failed", 1, rerr.msg);
    }
    if (rc != 0) {
        return mc_error_set(err, rc, "%s", rerr.msg);
    }
    return 0;
}

/* Queues the `submit` event of a stored dossier: channel, fields, attachments, first state. */
static int record_submit(mc_engine *e, mce_dos *d, const mc_submit *s, const char *channel,
                         mc_error *err)
{
    json_t *fields = json_object(), *attach = json_array();
    int bad = fields == NULL || attach == NULL;
    for (size_t i = 0; i < s->nfields; i++) {
        bad |= json_object_set_new(fields, s->fields[i].key, json_string(s->fields[i].value));
    }
    for (size_t i = 0; i < s->nattach; i++) {
        bad |= json_array_append_new(attach, json_string(s->attach[i]));
    }
    const mc_machine *m = &d->p->machine;
    json_t *body = json_pack("{s:s, s:o, s:o, s:s}", "channel", channel, "fields", fields, "attach",
                             attach, "to", m->states[m->initial]->name);
    bad |= mce_add_lookups(d, body);
    if (bad) { /* mce_add_event takes NULL for out of memory */
        json_decref(body);
        body = NULL;
    }
    int rc = mce_add_event(e, d, "submit", "applicant", s->now, body);
    return rc != 0 ? mc_error_set(err, rc, "out of memory") : 0;
}

/* Stores the text of the dossier's procedure version (once per text) and names it in the
 * dossier, so that it runs on it whatever the catalogue becomes (issue 19). */
static int keep_text(mc_engine *e, mce_dos *d, const char *version, mc_error *err)
{
    char *text;
    size_t len;
    if (mc_procedure_text(e->cat, d->p, &text, &len) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = mc_store_text_put(e->st, d->p->text_hash, d->p->name, version, text, err);
    mc_free(text);
    if (rc == 0) {
        memcpy(d->text_hash, d->p->text_hash, sizeof d->text_hash);
    }
    return rc;
}

/* What a submission decides before anything is written: the version in force, the channel,
 * the fields, the attachments, the dossier's row in memory, the once-only resolution and what
 * the applicant attached. run_submit goes on from here; a preview (mc_engine_preview) stops
 * here. */
static int decide_submit(mc_engine *e, mce_dos *d, const mc_submit *s, mce_refusal *rf,
                         mc_error *err)
{
    const mc_procedure *p;
    if (version_in_force(e, s, &p, rf) != 0) {
        return MC_EREFUSED;
    }
    /* The channel as one of the static names (a volatile dossier borrows it). */
    static const char *const channels[] = {"online", "counter", "post"};
    const char *channel = NULL;
    const char *asked = s->channel ? s->channel : "counter";
    for (size_t i = 0; i < sizeof channels / sizeof channels[0] && channel == NULL; i++) {
        channel = strcmp(asked, channels[i]) == 0 ? channels[i] : NULL;
    }
    if (channel == NULL) {
        return mce_refuse(rf, MC_REFUSED_OTHER, "channel.unknown", 1, asked);
    }
    if (mce_dos_alloc(d, p, e->st != NULL) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = mce_set_fields(d, s->fields, s->nfields, rf, err);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < p->nfields; i++) {
        if (p->fields[i].required && d->values[i] == NULL) {
            return mce_refuse(rf, MC_REFUSED_OTHER, "field.required", 1, p->fields[i].name);
        }
    }
    int attached[16]; /* the requirement of each of the first attachments, or -1 */
    for (size_t i = 0; i < s->nattach; i++) {
        /* A document the procedure requires is the catalogue's: no look-up by name. */
        int k = mce_req_index(p, s->attach[i]);
        if (i < sizeof attached / sizeof attached[0]) {
            attached[i] = k;
        }
        if (k < 0 && mc_catalogue_document(e->cat, s->attach[i]) == NULL) {
            return mce_refuse(rf, MC_REFUSED_OTHER, "document.unknown", 1, s->attach[i]);
        }
    }
    char version[11];
    if (p == e->last_proc) {
        memcpy(version, e->last_version, sizeof version); /* written when it was found */
    } else {
        mce_version_text(p, version);
    }
    mc_dossier_row *r = &d->row;
    rc = mce_row_name(d, &r->procedure, p->name) | mce_row_name(d, &r->agency, p->agency) |
         mce_row_name(d, &r->channel, channel);
    r->version = mce_dos_dup(d, version);
    r->subject = p->subject ? mce_dos_dup(d, d->values[p->subject - p->fields]) : NULL;
    r->late = -1;
    r->submitted = r->entered = s->now;
    r->due = r->left = r->finished = r->fee = r->wake = MC_NONE;
    if (rc != 0 || !r->version || (p->subject && d->values[p->subject - p->fields] && !r->subject)) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if ((rc = mce_resolve(e, d, rf, err)) != 0) {
        return rc;
    }
    /* What the applicant attached is provided — unless a registry already supplies it:
     * attaching a fetched document is allowed and changes nothing (§5.1). */
    for (size_t i = 0; i < s->nattach; i++) {
        int k = i < sizeof attached / sizeof attached[0] ? attached[i]
                                                          : mce_req_index(p, s->attach[i]);
        if (k >= 0 && d->reqs[k].status != MC_REQ_FETCHED) {
            d->reqs[k].status = MC_REQ_PROVIDED;
            mce_clear_reason(&d->reqs[k]);
        }
    }
    return 0;
}

static int run_submit(op *o, mce_dos *d, mce_refusal *rf, mc_error *err)
{
    mc_engine *e = o->e;
    const mc_submit *s = o->args;
    int rc = decide_submit(e, d, s, rf, err);
    if (rc != 0) {
        return rc;
    }
    const mc_procedure *p = d->p;
    const char *channel = d->row.channel;
    mc_dossier_row *r = &d->row;
    if ((rc = submission_fee(e, d, rf, err)) != 0) {
        return rc;
    }
    if (d->events != NULL && (rc = record_submit(e, d, s, channel, err)) != 0) {
        return rc;
    }
    if (mce_row_name(d, &r->clock, mc_clock_name(MC_CLOCK_STOPPED)) != 0 ||
        mce_row_name(d, &r->state, p->machine.states[p->machine.initial]->name) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    /* The row must exist before the initial state issues records in its name. */
    if (e->st == NULL) {
        r->id = ++e->next_id;
    } else {
        if ((rc = keep_text(e, d, r->version, err)) != 0) {
            return rc;
        }
        r->data = mce_encode_data(d);
        if (r->data == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        if ((rc = mc_store_dossier_insert(e->st, r, err)) != 0) {
            return rc;
        }
    }
    if ((rc = mce_enter(e, d, p->machine.initial, false, s->now, err)) != 0) {
        return rc;
    }
    return mce_save(e, d, err);
}

int mce_submit(mc_engine *e, mce_dos *d, const mc_submit *s, mce_refusal *rf, mc_error *err)
{
    /* Filled member by member, as in mce_fire: an initialiser would clear the warning. */
    op o;
    o.e = e;
    o.run = run_submit;
    o.args = s;
    o.dossier = 0;
    o.now = s->now;
    o.actor = "applicant";
    o.what = "submit";
    o.refusal_body = NULL;
    o.warning[0] = '\0';
    o.detail = s->procedure;
    o.user = s->user;
    o.fingerprint = NULL;
    return run_submit(&o, d, rf, err);
}

static void fingerprint_submit(const op *o, crypto_generichash_state *h)
{
    const mc_submit *s = o->args;
    fp_str(h, s->procedure);
    fp_pairs(h, s->fields, s->nfields);
    fp_list(h, s->attach, s->nattach);
    fp_str(h, s->channel ? s->channel : "counter");
}

int mc_engine_submit(mc_engine *e, const mc_submit *s, mc_result *res, mc_error *err)
{
    op o = {.e = e,
            .run = run_submit,
            .args = s,
            .now = s->now,
            .actor = "applicant",
            .what = "submit",
            .detail = s->procedure,
            .user = s->user,
            .fingerprint = fingerprint_submit};
    o.refusal_body =
        json_pack("{s:o}", "procedure", mc_json_text(s->procedure ? s->procedure : ""));
    if (o.refusal_body == NULL) {
        memset(res, 0, sizeof *res);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return execute(&o, s->request_id, res, err);
}

/* ==== fire =============================================================================== */

static bool role_listed(const mc_transition *t, const char *role)
{
    for (size_t i = 0; i < t->nroles; i++) {
        if (mce_same_name(t->roles[i]->name, role)) {
            return true;
        }
    }
    return false;
}

static void list_names(char *out, size_t outsz, const char *const *names, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, outsz - len, "%s%s", i ? ", " : "", names[i]);
    }
}

/* The refusal of an event the state does not have (state), or that the role may not fire
 * (role), with what the state allows instead. */
static int refuse_event(mce_refusal *rf, const mc_state *s, const mc_fire *f, bool no_event)
{
    const char *events[32] = {0}, *roles[32] = {0};
    size_t nevents = 0, nroles = 0;
    for (size_t i = 0; i < s->non; i++) {
        if (strcmp(s->on[i].event, f->event) == 0) {
            for (size_t k = 0; k < s->on[i].nroles && nroles < 32; k++) {
                roles[nroles++] = s->on[i].roles[k]->name;
            }
        } else if (nevents < 32) {
            events[nevents++] = s->on[i].event;
        }
    }
    char list[400];
    if (no_event) {
        list_names(list, sizeof list, events, nevents);
        return nevents ? mce_refuse(rf, MC_REFUSED_STATE, "state.no-event-but", 3, f->event,
                                    s->name, list)
                       : mce_refuse(rf, MC_REFUSED_STATE, "state.no-event", 2, f->event, s->name);
    }
    list_names(list, sizeof list, roles, nroles);
    return mce_refuse(rf, MC_REFUSED_ROLE, "role.not-allowed", 4, f->role, f->event, s->name, list);
}

/* Queues the `fire` event of a stored dossier: the event, the states, the payload. */
static int record_fire(mc_engine *e, mce_dos *d, const mc_fire *f, const mc_state *s,
                       const mc_transition *taken, const char *warning)
{
    const mc_payload *pl = &f->payload;
    json_t *payload = json_object();
    int bad = payload == NULL; /* a failed set: the event would be saved without it */
    if (pl->note) {
        bad |= json_object_set_new(payload, "note", json_string(pl->note));
    }
    json_t *docs = json_array(), *set = json_object();
    for (size_t i = 0; i < pl->ndocuments; i++) {
        bad |= json_array_append_new(docs, json_string(pl->documents[i]));
    }
    for (size_t i = 0; i < pl->nset; i++) {
        bad |= json_object_set_new(set, pl->set[i].key, json_string(pl->set[i].value));
    }
    json_t *attached = json_array();
    for (size_t i = 0; i < pl->nattach; i++) {
        bad |= json_array_append_new(attached, json_string(pl->attach[i]));
    }
    bad |= json_object_set_new(payload, "documents", docs);
    bad |= json_object_set_new(payload, "set", set);
    bad |= json_object_set_new(payload, "attach", attached);
    if (warning[0]) {
        bad |= json_object_set_new(payload, "warning", json_string(warning));
    }
    if (pl->ndisputes > 0) {
        json_t *disputes = json_object();
        for (size_t i = 0; i < pl->ndisputes; i++) {
            bad |= json_object_set_new(disputes, pl->disputes[i].key,
                                       json_string(pl->disputes[i].value));
        }
        bad |= json_object_set_new(payload, "disputes", disputes);
    }
    const char *to = d->p->machine.states[taken->target]->name;
    json_t *body = json_pack("{s:s, s:s, s:s, s:o}", "event", f->event, "from", s->name, "to", to,
                             "payload", payload);
    if (body != NULL && d->subject_changed) {
        /* An officer's correction of the subject: whose records the dossier reads changed. */
        bad |= json_object_set_new(
            body, "subject",
            json_pack("{s:s?, s:s?}", "from", d->former_subject, "to", d->row.subject));
    }
    bad |= mce_add_lookups(d, body);
    if (bad) { /* mce_add_event takes NULL for out of memory */
        json_decref(body);
        body = NULL;
    }
    return mce_add_event(e, d, "fire", f->role, f->now, body);
}

/* Applies the disputes of f's payload (§4.6): each names a fetched document and a reason; its
 * record is declared wrong (a correction ticket for the registry), and the document is asked of
 * the applicant again, never fetched anew. */
static int apply_disputes(mce_dos *d, const mc_fire *f, mce_refusal *rf, mc_error *err)
{
    const mc_payload *pl = &f->payload;
    for (size_t i = 0; i < pl->ndisputes; i++) {
        const char *doc = pl->disputes[i].key, *why = pl->disputes[i].value;
        int k = mce_req_index(d->p, doc);
        if (k < 0 || d->reqs[k].status != MC_REQ_FETCHED) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)d->row.id);
            return mce_refuse(rf, MC_REFUSED_OTHER, "dispute.not-fetched", 2, doc, id);
        }
        if (why == NULL || why[0] == '\0') {
            return mce_refuse(rf, MC_REFUSED_OTHER, "dispute.no-reason", 1, doc);
        }
        if (d->tickets != NULL) {
            json_t *t =
                json_pack("{s:s, s:s, s:s?, s:s, s:s, s:I}", "registry", d->reqs[k].registry,
                          "document", doc, "reference", d->reqs[k].record, "reason", why, "actor",
                          f->role, "at", (json_int_t)f->now);
            if (t == NULL || json_array_append_new(d->tickets, t) != 0) {
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
        if (mce_set_reason(&d->reqs[k], "once-only.disputed", 2, f->role, why) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        d->reqs[k].status = MC_REQ_ASKED;
        d->reqs[k].disputed = true;
    }
    return 0;
}

/* Checks the documents a payload asks of the applicant (known, required, not fetched: §5.1) and
 * marks the attached ones provided. */
static int take_documents(mc_engine *e, mce_dos *d, const mc_payload *pl, mce_refusal *rf)
{
    for (size_t i = 0; i < pl->ndocuments; i++) {
        int k = mce_req_index(d->p, pl->documents[i]);
        if (mc_catalogue_document(e->cat, pl->documents[i]) == NULL) {
            return mce_refuse(rf, MC_REFUSED_OTHER, "document.unknown", 1, pl->documents[i]);
        }
        if (k < 0) {
            /* Asked, it would be in no checklist: the applicant could never be told of it. */
            return mce_refuse(rf, MC_REFUSED_OTHER, "document.not-required", 2, d->p->name,
                              pl->documents[i]);
        }
        if (mce_check_ask(d, (size_t)k, rf) != 0) {
            return MC_EREFUSED;
        }
    }
    for (size_t i = 0; i < pl->nattach; i++) {
        int k = mce_req_index(d->p, pl->attach[i]);
        if (mc_catalogue_document(e->cat, pl->attach[i]) == NULL) {
            return mce_refuse(rf, MC_REFUSED_OTHER, "document.unknown", 1, pl->attach[i]);
        }
        if (k >= 0 && d->reqs[k].status != MC_REQ_FETCHED) {
            d->reqs[k].status = MC_REQ_PROVIDED;
            mce_clear_reason(&d->reqs[k]);
        }
    }
    return 0;
}

/* The transitions of a state that an event and role may take, by their indices in order,
 * found once per event (run_fire) and tried by choose_transition without comparing names. */
enum { MAX_CANDIDATES = 64 };
typedef struct candidates {
    uint32_t at[MAX_CANDIDATES];
    size_t n;
    bool all; /* more than MAX_CANDIDATES: choose_transition compares names itself */
} candidates;

/* The first of the transitions c of state s (those f's event and role may take) whose condition
 * holds (*out); else a refusal with the first reason a guard gave. */
static int choose_transition(mc_engine *e, const mce_dos *d, const mc_state *s, const mc_fire *f,
                             const candidates *c, const mc_transition **out, mce_refusal *rf,
                             mc_error *err)
{
    const mc_transition *taken = NULL;
    char reason[256];
    reason[0] = '\0';
    size_t n = c->all ? s->non : c->n;
    for (size_t i = 0; i < n && taken == NULL; i++) {
        const mc_transition *t = &s->on[c->all ? i : c->at[i]];
        if (c->all && (!mce_same_name(t->event, f->event) || !role_listed(t, f->role))) {
            continue;
        }
        bool holds = true;
        char why[256];
        why[0] = '\0';
        int rc = t == d->held ? 0 : mce_eval(e, d, &t->when, &holds, rf, why, sizeof why, err);
        if (rc != 0) {
            return rc;
        }
        if (holds) {
            taken = t;
        } else if (why[0] && !reason[0]) {
            snprintf(reason, sizeof reason, "%s", why);
        }
    }
    *out = taken;
    if (taken == NULL) {
        return reason[0]
                   ? mce_refuse(rf, MC_REFUSED_GUARD, "guard.false-reason", 2, f->event, reason)
                   : mce_refuse(rf, MC_REFUSED_GUARD, "guard.false", 1, f->event);
    }
    return 0;
}

/* The documents the payload names become asked (§4.6), also one provided already: the officer
 * asks for it again (a copy was unreadable, say). */
static int mark_asked(mce_dos *d, const mc_fire *f, mc_error *err)
{
    const mc_payload *pl = &f->payload;
    for (size_t i = 0; i < pl->ndocuments; i++) {
        int k = mce_req_index(d->p, pl->documents[i]);
        if (k >= 0) {
            d->reqs[k].status = MC_REQ_ASKED;
            if (mce_set_reason(&d->reqs[k], "once-only.requested", 1, f->role) != 0) {
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
    }
    return 0;
}

/* Whether the event f may fire extension x along with transition taken (§4.7, extensions):
 * its roles, its condition, then what mce_check_extension says of the deadline. */
static int allow_extension(mc_engine *e, const mce_dos *d, const mc_extension *x, const mc_fire *f,
                           const mc_transition *taken, mce_refusal *rf, mc_error *err)
{
    bool role_ok = x->nroles == 0;
    for (size_t i = 0; i < x->nroles; i++) {
        role_ok = role_ok || mce_same_name(x->roles[i]->name, f->role);
    }
    if (!role_ok) {
        const char *names[MC_MAX_EXTENSIONS * 4] = {0};
        size_t n = 0;
        for (size_t i = 0; i < x->nroles && n < sizeof names / sizeof names[0]; i++) {
            names[n++] = x->roles[i]->name;
        }
        char list[300];
        list_names(list, sizeof list, names, n);
        return mce_refuse(rf, MC_REFUSED_ROLE, "extension.role", 4, f->role, f->event, x->name,
                          list);
    }
    bool holds;
    char why[256];
    int rc = mce_eval(e, d, &x->when, &holds, rf, why, sizeof why, err);
    if (rc != 0) {
        return rc;
    }
    if (!holds) {
        return why[0] ? mce_refuse(rf, MC_REFUSED_GUARD, "extension.guard-reason", 2, x->name, why)
                      : mce_refuse(rf, MC_REFUSED_GUARD, "extension.guard-false", 1, x->name);
    }
    return mce_check_extension(d, x, taken->target, taken->restart_clock, rf);
}

/* Whether role may take t: matched by the role object found before (*actor, shared by the
 * transitions of a state), else by name, which sets *actor. */
static bool role_takes(const mc_transition *t, const char *role, const mc_role **actor)
{
    for (size_t i = 0; i < t->nroles; i++) {
        if (t->roles[i] == *actor || mce_same_name(t->roles[i]->name, role)) {
            *actor = t->roles[i];
            return true;
        }
    }
    return false;
}

/* The transitions of state s that f's event and role may take, in order (c); returns how many
 * transitions of s the event has. The event is resolved once, from f->transition or by the
 * first name that matches, to its id in s; its transitions are then found by integer from its
 * first one (mc_transition.event_id). A state whose events are not interned compares names. */
static size_t find_candidates(const mc_state *s, const mc_fire *f, candidates *c)
{
    c->n = 0;
    c->all = false;
    uint32_t ev = 0;
    const mc_transition *ft = f->transition;
    if (ft != NULL && ft >= s->on && ft < s->on + s->non && mce_same_name(ft->event, f->event)) {
        ev = ft->event_id;
    } else {
        for (size_t i = 0; i < s->non; i++) {
            if (mce_same_name(s->on[i].event, f->event)) {
                ev = s->on[i].event_id;
                break;
            }
        }
    }
    size_t with_event = 0;
    const mc_role *actor = NULL;
    for (size_t i = ev != 0 ? ev - 1 : 0; i < s->non; i++) {
        if (ev != 0 ? s->on[i].event_id != ev : !mce_same_name(s->on[i].event, f->event)) {
            continue;
        }
        with_event++;
        if (role_takes(&s->on[i], f->role, &actor)) {
            c->all = c->all || c->n == MAX_CANDIDATES;
            c->at[c->all ? 0 : c->n++] = (uint32_t)i;
        }
    }
    return with_event;
}

static int run_fire(op *o, mce_dos *d, mce_refusal *rf, mc_error *err)
{
    mc_engine *e = o->e;
    const mc_fire *f = o->args;
    const mc_state *s = mce_cur(d);
    if (d->row.final) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)d->row.id);
        return mce_refuse(rf, MC_REFUSED_STATE, "dossier.closed", 2, id, s->name);
    }
    if (d->p->nparts > 0 && (mce_same_name(f->event, MC_EVENT_PARTS_DONE) ||
                             mce_same_name(f->event, MC_EVENT_PARTS_FAILED))) {
        return mce_refuse(rf, MC_REFUSED_STATE, "parts.engine-event", 1, f->event);
    }
    candidates cand; /* only n and all: the indices are written as they are found */
    size_t with_event = find_candidates(s, f, &cand);
    bool role_ok = cand.all || cand.n > 0;
    if (with_event == 0 || !role_ok) {
        return refuse_event(rf, s, f, with_event == 0);
    }
    const mc_payload *pl = &f->payload;
    /* Disputes first (§4.6): a record declared wrong makes its document askable again. */
    int rc = apply_disputes(d, f, rf, err);
    if (rc != 0) {
        return rc;
    }
    rc = mce_parties_set(d, pl->set, pl->nset, f->role, rf);
    if (rc == 0) {
        rc = mce_set_fields(d, pl->set, pl->nset, rf, err);
    }
    /* The subject is a field: only a payload that sets fields changes it. A stored dossier is
     * checked whatever the payload (a store written before subjects may differ already). */
    if (rc == 0 && (pl->nset > 0 || e->st != NULL)) {
        rc = mce_subject_changed(d, f->role, rf, err);
    }
    if (rc == 0) {
        rc = take_documents(e, d, pl, rf);
    }
    if (rc != 0) {
        return rc;
    }
    if (pl->nset > 0 && (rc = mce_resolve(e, d, rf, err)) != 0) {
        return rc;
    }
    if (pl->note != NULL && (rc = mce_check_note(d, pl->note, rf)) != 0) {
        return rc == MC_ENOMEM ? mc_error_set(err, rc, "out of memory") : rc;
    }
    const mc_transition *taken;
    if ((rc = choose_transition(e, d, s, f, &cand, &taken, rf, err)) != 0) {
        return rc;
    }
    const mc_extension *x = mc_extension_for_event(d->p, f->event);
    if (x != NULL && (rc = allow_extension(e, d, x, f, taken, rf, err)) != 0) {
        return rc;
    }
    if ((rc = mark_asked(d, f, err)) != 0) {
        return rc;
    }
    if (d->events != NULL && (rc = record_fire(e, d, f, s, taken, o->warning)) != 0) {
        return mc_error_set(err, rc, "out of memory");
    }
    rc = mce_enter(e, d, taken->target, taken->restart_clock, f->now, err);
    if (rc == 0 && x != NULL) {
        rc = mce_extend(d, x, err);
    }
    return rc != 0 ? rc : mce_save(e, d, err);
}

int mce_fire(mc_engine *e, mce_dos *d, const mc_fire *f, char warning[256], mce_refusal *rf,
             mc_error *err)
{
    /* Filled member by member: this runs for every event of a simulation, and an initialiser
     * would clear the whole warning buffer each time. */
    op o;
    o.e = e;
    o.run = run_fire;
    o.args = f;
    o.dossier = d->row.id;
    o.now = f->now;
    o.actor = f->role;
    o.what = "fire";
    o.refusal_body = NULL;
    o.warning[0] = '\0';
    o.detail = f->event;
    o.user = f->user;
    o.fingerprint = NULL;
    if (d->subject_changed) { /* a simulated dossier lives on from one event to the next */
        mc_free(d->former_subject);
        d->former_subject = NULL;
        d->subject_changed = false;
    }
    int rc = run_fire(&o, d, rf, err);
    if (o.warning[0] != '\0') {
        memcpy(warning, o.warning, strlen(o.warning) + 1);
    } else {
        warning[0] = '\0';
    }
    return rc;
}

static void fingerprint_fire(const op *o, crypto_generichash_state *h)
{
    const mc_fire *f = o->args;
    const mc_payload *pl = &f->payload;
    fp_str(h, f->event);
    fp_str(h, pl->note);
    fp_list(h, pl->documents, pl->ndocuments);
    fp_pairs(h, pl->disputes, pl->ndisputes);
    fp_pairs(h, pl->set, pl->nset);
    fp_list(h, pl->attach, pl->nattach);
}

int mc_engine_fire(mc_engine *e, const mc_fire *f, mc_result *res, mc_error *err)
{
    op o = {.e = e,
            .run = run_fire,
            .args = f,
            .dossier = f->dossier,
            .now = f->now,
            .actor = f->role,
            .what = "fire",
            .detail = f->event,
            .user = f->user,
            .fingerprint = fingerprint_fire,
            .keep = true,
            .may = f->may,
            .may_ud = f->may_ud,
            .answered = f->answered};
    o.refusal_body = json_pack("{s:o}", "event", mc_json_text(f->event ? f->event : ""));
    if (o.refusal_body == NULL) {
        memset(res, 0, sizeof *res);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return execute(&o, f->request_id, res, err);
}

/* ==== apologize ========================================================================== */

static int run_apologize(op *o, mce_dos *d, mce_refusal *rf, mc_error *err)
{
    mc_engine *e = o->e;
    const mc_apology *a = o->args;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)d->row.id);
    if (d->row.final) {
        return mce_refuse(rf, MC_REFUSED_STATE, "dossier.closed", 2, id, d->row.state);
    }
    const mc_lifecycle *l = d->p->lifecycle;
    bool allowed = false;
    for (size_t i = 0; l != NULL && i < l->napology_by; i++) {
        allowed |= strcmp(l->apology_by[i]->name, a->role) == 0;
    }
    if (!allowed) {
        return mce_refuse(rf, MC_REFUSED_ROLE, "apology.role", 2, a->role, d->p->name);
    }
    if (!mce_clock_running(d) || d->row.due == MC_NONE) {
        return mce_refuse(rf, MC_REFUSED_OTHER, "apology.no-clock", 2, id, d->row.state);
    }
    if (d->row.apology != NULL) {
        return mce_refuse(rf, MC_REFUSED_OTHER, "apology.twice", 1, id);
    }
    if (a->reason == NULL || a->reason[0] == '\0') {
        return mce_refuse(rf, MC_REFUSED_OTHER, "apology.no-reason", 0);
    }
    if (a->new_date < mc_calendar_date(mce_loc(d, a->now))) {
        return mce_refuse(rf, MC_REFUSED_OTHER, "apology.past", 0);
    }
    bool timely = mce_apology_timely(d, a->now);
    if (d->events == NULL) {
        /* A volatile dossier records nothing: that it was apologized for is all it keeps (the
         * simulator counts the apology's timeliness itself, mc_live_apologize). */
        if (mce_set_str(&d->row.apology, "{}") != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        return mce_save(e, d, err);
    }
    char day[11];
    mc_date_format(a->new_date, day);
    json_t *ap = json_pack("{s:I, s:s, s:s, s:b, s:I}", "at", (json_int_t)a->now, "new_date", day,
                           "reason", a->reason, "timely", timely, "due", (json_int_t)d->row.due);
    char *text = ap ? mc_json_dumps(ap, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (text == NULL || mce_set_str(&d->row.apology, text) != 0) {
        mc_free(text);
        json_decref(ap);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_free(text);
    int rc = mce_add_event(e, d, "apology", a->role, a->now, ap);
    if (rc != 0) {
        return mc_error_set(err, rc, "out of memory");
    }
    return mce_save(e, d, err);
}

bool mce_apology_timely(const mce_dos *d, int64_t now)
{
    /* Timely: issued before office hours open on the due instant's day (§4.6). */
    mc_localtime due = mce_loc(d, d->row.due);
    mc_localtime opening = (mc_localtime)mc_calendar_date(due) * MC_DAY_SECONDS +
                           (d->cal->nhours ? d->cal->hours[0].from * 60 : 0);
    return mce_loc(d, now) < opening;
}

int mce_apologize(mc_engine *e, mce_dos *d, const mc_apology *a, mce_refusal *rf, mc_error *err)
{
    op o;
    memset(&o, 0, sizeof o);
    o.e = e;
    o.run = run_apologize;
    o.args = a;
    o.dossier = d->row.id;
    o.now = a->now;
    o.actor = a->role;
    o.what = "apologize";
    o.detail = "";
    o.user = a->user;
    return run_apologize(&o, d, rf, err);
}

static void fingerprint_apology(const op *o, crypto_generichash_state *h)
{
    const mc_apology *a = o->args;
    fp_int(h, a->new_date);
    fp_str(h, a->reason);
}

int mc_engine_apologize(mc_engine *e, const mc_apology *a, mc_result *res, mc_error *err)
{
    op o = {.e = e,
            .run = run_apologize,
            .args = a,
            .dossier = a->dossier,
            .now = a->now,
            .actor = a->role,
            .what = "apologize",
            .detail = "",
            .user = a->user,
            .fingerprint = fingerprint_apology,
            .keep = true,
            .may = a->may,
            .may_ud = a->may_ud,
            .answered = a->answered};
    return execute(&o, a->request_id, res, err);
}

/* ==== tick =============================================================================== */

typedef struct tick_state {
    int64_t *ids;
    size_t n, cap;
} tick_state;

static int collect(void *ud, const mc_dossier_row *row)
{
    tick_state *t = ud;
    if (mc_grow(&t->ids, &t->cap, t->n + 1, sizeof *t->ids) != 0) {
        return MC_ENOMEM;
    }
    t->ids[t->n++] = row->id;
    return 0;
}

/* Brings d up to now: its due timers took effect before (execute_once's catch-up); with a
 * client for live registries, the registries its requirements wait for are asked again when
 * their next try is due (issue 20), the answers recorded in an event "registry-retry" of the
 * system's. */
static int run_nothing(op *o, mce_dos *d, mce_refusal *rf, mc_error *err)
{
    mc_engine *e = o->e;
    if (e->live != NULL && mce_retry_due(d, o->now)) {
        int rc = mce_resolve(e, d, rf, err);
        if (rc != 0) {
            return rc;
        }
        mce_update_wake(d);
        if (d->events != NULL) {
            json_t *body = json_pack("{s:s}", "state", d->row.state);
            if (body == NULL || mce_add_lookups(d, body) != 0) {
                json_decref(body);
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
            if ((rc = mce_add_event(e, d, "registry-retry", "system", o->now, body)) != 0) {
                return mc_error_set(err, rc, "out of memory");
            }
        }
        return mce_save(e, d, err);
    }
    if (json_array_size(d->events) == 0) {
        return 0;
    }
    return mce_save(e, d, err);
}

int mc_engine_tick(mc_engine *e, int64_t now, size_t *count, mc_error *err)
{
    *count = 0;
    if (e->st == NULL) {
        return mc_error_set(err, MC_EUSAGE, "tick needs an engine with a store");
    }
    tick_state t = {NULL, 0, 0};
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    f.open_only = true;
    f.wake_before = now - 1;
    int rc = mc_store_dossier_each(e->st, &f, collect, &t, err);
    *count = 0;
    for (size_t i = 0; rc == 0 && i < t.n; i++) {
        op o = {.e = e,
                .run = run_nothing,
                .dossier = t.ids[i],
                .now = now,
                .actor = "system",
                .what = "tick"};
        mc_result res;
        rc = execute(&o, NULL, &res, err);
        *count += rc == 0;
    }
    mc_free(t.ids);
    return rc == MC_ENOMEM && t.ids == NULL ? mc_error_set(err, rc, "out of memory") : rc;
}

/* ==== reading ============================================================================ */

typedef struct got {
    mce_dos d;
    mc_dossier_req *reqs;
} got;

void mce_view(const mce_dos *d, mc_dossier_req *reqs, mc_dossier *out)
{
    for (size_t i = 0; i < d->p->nrequires; i++) {
        const mce_req_state *q = &d->reqs[i];
        const json_t *lk = q->lookup; /* mostly none: its four keys are then not looked up */
        reqs[i] = (mc_dossier_req){
            .requirement = &d->p->requires[i],
            .status = q->status,
            .reason = q->reason,
            .reason_code = q->reason_code,
            .reason_args = (const char *const *)q->reason_args,
            .nreason_args = q->nreason_args,
            .registry = q->registry,
            .record = q->record,
            .lookup_outcome = lk ? json_string_value(json_object_get(lk, "outcome")) : NULL,
            .lookup_request = lk ? json_string_value(json_object_get(lk, "request")) : NULL,
            .lookup_answered_at = lk ? json_integer_value(json_object_get(lk, "answered_at")) : 0,
            .lookup_hash = lk ? json_string_value(json_object_get(lk, "hash")) : NULL,
            .wait_next = mce_waiting(q) ? q->wait_next : MC_NONE,
            .wait_until = mce_waiting(q) ? q->wait_until : MC_NONE,
            .wait_since = mce_waiting(q) ? q->wait_since : MC_NONE,
            .wait_tries = mce_waiting(q) ? q->wait_tries : 0};
    }
    out->id = d->row.id;
    out->procedure = d->p;
    out->state = mce_cur(d);
    out->subject = d->row.subject;
    out->channel = d->row.channel;
    out->values = (const char *const *)d->values;
    out->requirements = reqs;
    out->final = d->row.final;
    out->overdue = d->row.overdue;
    out->late = d->row.late;
    out->clock = mce_cur(d)->clock;
    out->submitted = d->row.submitted;
    out->due = d->row.due;
    out->finished = d->row.finished;
    out->fee = d->row.fee;
    out->apologized = d->row.apology != NULL;
    out->uncovered = mce_uncovered(d);
    out->original_due = d->row.due != MC_NONE ? d->original_due : MC_NONE;
    out->extensions_used = d->ext_used;
}

const char *mc_part_status_name(mc_part_status s)
{
    static const char *const names[] = {"waiting", "running", "ended", "refused", "not-needed"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "waiting";
}

/* The parts of an interconnected dossier as their dossiers stand, and a part's link. */
static int view_parts(mc_engine *e, const mce_dos *d, int64_t now, mc_dossier *out,
                      mc_error *err)
{
    out->parent = d->parent;
    out->part = d->parent != 0 ? d->part : NULL;
    if (d->parent != 0) {
        mc_dossier_row row;
        memset(&row, 0, sizeof row);
        int rc = mc_store_dossier_load(e->st, d->parent, &row, err);
        if (rc != 0 && rc != MC_ENOTFOUND) {
            return rc;
        }
        const mc_procedure *pp =
            rc == 0 ? mce_find_version(e->cat, row.procedure, row.version) : NULL;
        out->part_decl = mc_procedure_part(pp, d->part);
        mc_dossier_row_clear(&row);
    }
    out->nparts = d->p->nparts < MC_MAX_PARTS ? d->p->nparts : MC_MAX_PARTS;
    for (size_t i = 0; i < out->nparts; i++) {
        mc_dossier_part *v = &out->parts[i];
        int64_t id = d->part_ids[i];
        *v = (mc_dossier_part){.part = &d->p->parts[i], .late = -1, .due = MC_NONE,
                               .finished = MC_NONE};
        v->status = id == PART_REFUSED      ? MC_PART_REFUSED
                    : id == PART_NOT_NEEDED ? MC_PART_NOT_NEEDED
                    : id == 0               ? MC_PART_WAITING
                                            : MC_PART_RUNNING;
        if (id <= 0) {
            continue;
        }
        mc_dossier_row row;
        memset(&row, 0, sizeof row);
        int rc = mc_store_dossier_load(e->st, id, &row, err);
        if (rc != 0) {
            return rc;
        }
        v->dossier = id;
        v->status = row.final ? MC_PART_ENDED : MC_PART_RUNNING;
        mce_copy_cut(v->agency, sizeof v->agency, row.agency ? row.agency : "");
        mce_copy_cut(v->state, sizeof v->state, row.state ? row.state : "");
        mce_copy_cut(v->outcome, sizeof v->outcome, row.final && row.outcome ? row.outcome : "");
        /* overdue as of now: the part's own mark is applied when it is read or ticked */
        v->overdue = row.overdue || (!row.final && row.due != MC_NONE && row.due < now);
        v->late = row.late;
        v->due = row.due;
        v->finished = row.finished;
        v->procedure = mce_find_version(e->cat, row.procedure, row.version);
        for (size_t k = 0; v->procedure != NULL && row.state != NULL &&
                           k < v->procedure->machine.nstates;
             k++) {
            const mc_state *st = v->procedure->machine.states[k];
            v->state_decl = strcmp(st->name, row.state) == 0 ? st : v->state_decl;
        }
        v->agency_decl = row.agency ? mc_catalogue_agency(e->cat, row.agency) : NULL;
        mc_dossier_row_clear(&row);
    }
    return 0;
}

int mc_engine_get(mc_engine *e, int64_t id, int64_t now, mc_dossier *out, mc_error *err)
{
    memset(out, 0, sizeof *out);
    if (e->st == NULL) {
        return mc_error_set(err, MC_EUSAGE, "show needs an engine with a store");
    }
    got *g = mc_calloc(1, sizeof *g);
    if (g == NULL) {
        drop_kept(e);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = 0;
    int64_t events = -1, blocked = -1; /* as the operation counted them; -1: counted below */
    if (e->kept != NULL && e->kept->row.id != 0 && e->kept->row.id == id && e->kept_now == now) {
        g->d = *e->kept; /* the operation's answer: the dossier it just committed */
        memset(e->kept, 0, sizeof *e->kept);
        events = e->kept_events;
        blocked = e->kept_blocked;
    } else {
        drop_kept(e);
        rc = mce_load(e, id, &g->d, err);
    }
    int64_t recounted = rc == 0 ? mce_due_on(&g->d, g->d.cal) : MC_NONE;
    if (rc == 0 && ((g->d.row.wake != MC_NONE && g->d.row.wake < now) ||
                    (recounted != MC_NONE && recounted != g->d.row.due))) {
        /* Timers or an overdue mark are due, or the due instant moves on a calendar changed
         * since it was counted: they take effect (and are recorded) first. */
        mce_dos_free(&g->d);
        events = blocked = -1; /* what the timers add is counted below */
        op o = {.e = e,
                .run = run_nothing,
                .dossier = id,
                .now = now,
                .actor = "system",
                .what = "show"};
        mc_result res;
        rc = execute(&o, NULL, &res, err);
        if (rc == 0) {
            rc = mce_load(e, id, &g->d, err);
        }
    }
    if (rc == 0) {
        g->reqs = mc_calloc(g->d.p->nrequires ? g->d.p->nrequires : 1, sizeof *g->reqs);
        if (g->reqs == NULL) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    if (rc != 0) {
        mce_dos_free(&g->d);
        mc_free(g);
        return rc;
    }
    mce_view(&g->d, g->reqs, out);
    out->impl = g;
    if ((rc = view_parts(e, &g->d, now, out, err)) != 0) {
        mc_dossier_free(out);
        return rc;
    }
    if (events >= 0) {
        out->blocked = blocked;
        out->events = events;
    } else {
        out->blocked = mc_store_blocked_count(e->st, id, err);
        out->events = out->blocked < 0 ? out->blocked : mc_store_event_count(e->st, id, err);
    }
    if (out->blocked < 0 || out->events < 0) {
        int code = (int)(out->blocked < 0 ? out->blocked : out->events);
        mc_dossier_free(out);
        return code;
    }
    return 0;
}

void mc_dossier_free(mc_dossier *d)
{
    got *g = d->impl;
    if (g != NULL) {
        mce_dos_free(&g->d);
        mc_free(g->reqs);
        mc_free(g);
    }
    memset(d, 0, sizeof *d);
}

/* ==== a preview of a submission ========================================================== */

/* Records in the access log the reads a preview made, in one transaction: the applicant's data
 * under the subject (route as->route), and each read the resolution queued (another party's
 * records, a live registry's look-up, with their own route). */
static int log_preview(mc_engine *e, const mce_dos *d, const mc_access *as, mc_error *err)
{
    int rc = mc_store_begin(e->st, err);
    if (rc != 0) {
        return rc;
    }
    if (d->row.subject != NULL) {
        mc_access a = *as;
        a.dossier = 0;
        a.subject = d->row.subject;
        rc = mc_access_record(e->st, &a, err);
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(d->reads); i++) {
        json_t *r = json_array_get(d->reads, i);
        const char *route = json_string_value(json_object_get(r, "route"));
        mc_access a = {.at = as->at,
                       .actor = as->actor,
                       .route = route != NULL ? route : as->route,
                       .subject = json_string_value(json_object_get(r, "subject")),
                       .registry = json_string_value(json_object_get(r, "registry")),
                       .party = json_string_value(json_object_get(r, "party")),
                       .request = json_string_value(json_object_get(r, "request")),
                       .outcome = json_string_value(json_object_get(r, "outcome"))};
        rc = mc_access_record(e->st, &a, err);
    }
    if (rc == 0) {
        rc = mc_store_commit(e->st, err);
    }
    if (rc != 0) {
        mc_store_rollback(e->st);
    }
    return rc;
}

int mc_engine_preview(mc_engine *e, const mc_submit *s, const mc_access *as, mc_dossier *out,
                      mc_result *res, mc_error *err)
{
    memset(out, 0, sizeof *out);
    mce_result_init(res);
    if (e->st == NULL) {
        return mc_error_set(err, MC_EUSAGE, "a preview needs an engine with a store");
    }
    if (as == NULL || as->actor == NULL || as->route == NULL) {
        return mc_error_set(err, MC_EUSAGE, "a preview needs an actor and a route to log");
    }
    got *g = mc_calloc(1, sizeof *g);
    if (g == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    /* As execute runs an operation, without its transaction: a run that needs live registries'
     * answers (MCE_ELOOKUP) has them asked, all at once, and decides again with them. */
    mce_live live = {.now = s->now, .strs = MC_PTRVEC_INIT};
    e->live = e->registries.lookup != NULL ? &live : NULL;
    mce_refusal rf;
    mce_refusal_init(&rf);
    int rc = decide_submit(e, &g->d, s, &rf, err);
    for (int asked = 0; rc == MCE_ELOOKUP;) {
        mce_dos_free(&g->d);
        memset(&g->d, 0, sizeof g->d);
        if ((rc = mce_ask_registries(e, &live, err)) != 0) {
            break;
        }
        live.last = ++asked >= MCE_LOOKUP_PASSES - 1;
        mce_refusal_init(&rf);
        rc = decide_submit(e, &g->d, s, &rf, err);
    }
    e->live = NULL;
    mce_live_free(&live);
    if (rc == MC_EREFUSED) {
        mce_refusal_result(&rf, res);
    }
    if (rc == 0) {
        g->d.state = g->d.p->machine.initial; /* where the submission would put it */
        g->reqs = mc_calloc(g->d.p->nrequires ? g->d.p->nrequires : 1, sizeof *g->reqs);
        rc = g->reqs != NULL ? log_preview(e, &g->d, as, err)
                             : mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (rc != 0) {
        mce_dos_free(&g->d);
        mc_free(g->reqs);
        mc_free(g);
        return rc;
    }
    mce_view(&g->d, g->reqs, out);
    out->impl = g;
    return 0;
}

/* ==== the timer scheduler's batches ====================================================== */

/* Whether rc is the database's or the moment's rather than the dossier's: the batch is then
 * tried again later as it is, without leaving anything out. */
static bool passing(int rc)
{
    return rc == MC_EDOWN || rc == MC_EBUSY || rc == MC_ERETRY || rc == MC_ECONFLICT ||
           rc == MC_ENOMEM;
}

int mc_engine_wake(mc_engine *e, mc_wake *w, mc_error *err)
{
    w->seen = w->changed = 0;
    w->failed = 0;
    w->oldest = MC_NONE;
    if (e->st == NULL) {
        return mc_error_set(err, MC_EUSAGE, "timers need an engine with a store");
    }
    if (w->limit == 0 || w->limit > MC_WAKE_MAX) {
        return mc_error_set(err, MC_EUSAGE, "a batch of timers takes 1 to %d dossiers",
                            MC_WAKE_MAX);
    }
    mc_due due[MC_WAKE_MAX];
    size_t n = 0, work = 0;
    /* The look, outside a transaction: a second with nothing due, or only dossiers left alone,
     * takes no write lock. A connection lost since the last batch fails the look; the batch's
     * BEGIN then connects again (or says why it cannot). */
    int rc = mc_store_dossier_due(e->st, w->now, w->after_wake, w->after_id, false, due, w->limit,
                                  &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        work += w->skip == NULL || !w->skip(w->ud, due[i].id);
    }
    if (rc != 0 && rc != MC_EDOWN) {
        return rc;
    }
    if (rc == 0 && work == 0) {
        if (n > 0) {
            w->seen = n;
            w->after_wake = due[n - 1].wake;
            w->after_id = due[n - 1].id;
        }
        return 0;
    }
    /* The batch: leased, then each dossier brought up to now as a tick would, in one
     * transaction. */
    rc = mc_store_begin(e->st, err);
    if (rc != 0) {
        return rc;
    }
    rc = mc_store_dossier_due(e->st, w->now, w->after_wake, w->after_id, true, due, w->limit, &n,
                              err);
    if (rc == 0 && w->leased != NULL) {
        w->leased(w->ud, n);
    }
    size_t changed = 0, nretry = 0;
    int64_t oldest = MC_NONE, retry[MC_WAKE_MAX];
    bool idle[MC_WAKE_MAX] = {false};
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (w->skip != NULL && w->skip(w->ud, due[i].id)) {
            continue;
        }
        mce_dos d;
        rc = mce_load(e, due[i].id, &d, err);
        bool was_final = rc == 0 && d.row.final;
        if (rc == 0) {
            rc = mce_catch_up(e, &d, w->now, err);
        }
        /* A registry a requirement waits for is asked outside this transaction, after it. */
        bool again = rc == 0 && e->registries.lookup != NULL && mce_retry_due(&d, w->now);
        if (again) {
            retry[nretry++] = due[i].id;
        }
        if (rc != 0 && !passing(rc)) {
            w->failed = due[i].id;
        } else if (rc == 0 && json_array_size(d.events) > 0) {
            rc = mce_save(e, &d, err);
            if (rc == 0) {
                rc = link_parts(e, &d, was_final, w->now, err);
            }
            changed++;
            oldest = oldest == MC_NONE || due[i].wake < oldest ? due[i].wake : oldest;
        } else if (rc == 0 && !again) {
            idle[i] = true;
        }
        mce_dos_free(&d);
    }
    if (rc == 0) {
        rc = mc_store_commit(e->st, err);
    }
    if (rc != 0) {
        mc_store_rollback(e->st);
        return rc;
    }
    w->seen = n;
    w->changed = changed;
    w->oldest = oldest;
    if (n > 0) {
        w->after_wake = due[n - 1].wake;
        w->after_id = due[n - 1].id;
    }
    for (size_t i = 0; w->unchanged != NULL && i < n; i++) {
        if (idle[i]) {
            w->unchanged(w->ud, due[i].id);
        }
    }
    /* Each dossier waiting for a registry whose next try is due: resolved again in an operation
     * of its own, which asks the registries outside any transaction (execute). */
    for (size_t i = 0; i < nretry; i++) {
        op o = {.e = e,
                .run = run_nothing,
                .dossier = retry[i],
                .now = w->now,
                .actor = "system",
                .what = "wake"};
        mc_result res;
        rc = execute(&o, NULL, &res, err);
        if (rc != 0) {
            w->failed = passing(rc) ? 0 : retry[i];
            return rc;
        }
        w->changed++;
    }
    return 0;
}

/* ==== interconnected dossiers (issue 25) ================================================== */

typedef enum { PART_WAITING, PART_RUNNING, PART_GRANTED, PART_FAILED } part_status;

/* Starts part i of the interconnected dossier P as a dossier of the part's procedure: the fields
 * the procedure declares take P's values, and the documents P's applicant provided that it
 * requires are provided; the rest it resolves itself (the registries hold what earlier parts
 * issued: the once-only rule between the parts). *id is the part's dossier, 0 when its
 * submission was refused (rf says why). */
static int start_part(mc_engine *e, const mce_dos *P, size_t i, int64_t now, int64_t *id,
                      mce_refusal *rf, mc_error *err)
{
    const mc_part *x = &P->p->parts[i];
    *id = 0;
    mc_date today = mc_calendar_today(P->cal, now);
    const mc_procedure *q = mc_catalogue_procedure(e->cat, x->procedure, today);
    if (q == NULL) {
        return mce_refuse(rf, MC_REFUSED_OTHER, "procedure.unknown", 1, x->procedure);
    }
    mc_kv *kv = mc_calloc(q->nfields + 1, sizeof *kv);
    const char **attach = mc_calloc(q->nrequires + 1, sizeof *attach);
    if (kv == NULL || attach == NULL) {
        mc_free(kv);
        mc_free((void *)attach);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    size_t nkv = 0, nattach = 0;
    for (size_t f = 0; f < q->nfields; f++) {
        int k = mce_field_index(P->p, q->fields[f].name);
        if (k >= 0 && P->values[k] != NULL) {
            kv[nkv++] = (mc_kv){.key = q->fields[f].name, .value = P->values[k]};
        }
    }
    for (size_t r = 0; r < q->nrequires; r++) {
        int k = mce_req_index(P->p, q->requires[r].document->name);
        if (k >= 0 && P->reqs[k].status == MC_REQ_PROVIDED) {
            attach[nattach++] = q->requires[r].document->name;
        }
    }
    mc_submit s = {.procedure = x->procedure,
                   .fields = kv,
                   .nfields = nkv,
                   .attach = attach,
                   .nattach = nattach,
                   .channel = P->row.channel,
                   .now = now,
                   .user = P->user};
    mce_dos c;
    memset(&c, 0, sizeof c);
    c.parent = P->row.id;
    mce_copy_cut(c.part, sizeof c.part, x->name);
    c.user = P->user;
    int rc = mce_submit(e, &c, &s, rf, err);
    if (rc == 0) {
        *id = c.row.id;
    }
    mce_dos_free(&c);
    mc_free(kv);
    mc_free((void *)attach);
    return rc;
}

/* What part dossier id has come to; *outcome (static) its outcome when it ended. */
static int part_status_of(mc_engine *e, int64_t id, part_status *st, bool *late,
                          char outcome[16], mc_error *err)
{
    mc_dossier_row row;
    memset(&row, 0, sizeof row);
    int rc = mc_store_dossier_load(e->st, id, &row, err);
    if (rc != 0) {
        return rc;
    }
    *st = !row.final ? PART_RUNNING
          : row.outcome != NULL && strcmp(row.outcome, mc_outcome_name(MC_OUTCOME_GRANTED)) == 0
              ? PART_GRANTED
              : PART_FAILED;
    *late = row.late == 1;
    mce_copy_cut(outcome, 16, row.final && row.outcome != NULL ? row.outcome : "none");
    mc_dossier_row_clear(&row);
    return 0;
}

/* Records on P an event of part x (its dossier id): with rf, why it could not start; with
 * outcome, how it ended and whether it was late. */
static int part_event(mc_engine *e, mce_dos *P, const char *kind, const mc_part *x, int64_t id,
                      const mce_refusal *rf, const char *outcome, bool late, int64_t now)
{
    json_t *body = json_pack("{s:s, s:s, s:I}", "part", x->name, "part_procedure", x->procedure,
                             "dossier", (json_int_t)id);
    int bad = body == NULL;
    if (!bad && rf != NULL) {
        bad = json_object_set_new(body, "reason", json_string(rf->msg));
    }
    if (!bad && outcome != NULL) {
        bad = json_object_set_new(body, "outcome", json_string(outcome)) ||
              json_object_set_new(body, "late", json_boolean(late));
    }
    if (bad) { /* mce_add_event takes NULL for out of memory */
        json_decref(body);
        body = NULL;
    }
    return mce_add_event(e, P, kind, "system", now, body);
}

/* Moves P by the event the engine fires when its parts have ended. */
static int end_parts(mc_engine *e, mce_dos *P, bool granted, int64_t now, mc_error *err)
{
    const char *event = granted ? MC_EVENT_PARTS_DONE : MC_EVENT_PARTS_FAILED;
    const mc_state *s = mce_cur(P);
    const mc_transition *t = NULL;
    for (size_t k = 0; k < s->non && t == NULL; k++) {
        t = strcmp(s->on[k].event, event) == 0 ? &s->on[k] : NULL;
    }
    if (t == NULL) {
        return 0; /* lint requires it of the initial state; elsewhere the dossier stays */
    }
    json_t *body = json_pack("{s:s, s:s, s:s, s:o}", "event", event, "from", s->name, "to",
                             P->p->machine.states[t->target]->name, "payload", json_object());
    int rc = mce_add_event(e, P, "fire", "system", now, body);
    if (rc != 0) {
        return mc_error_set(err, rc, "out of memory");
    }
    return mce_enter(e, P, t->target, false, now, err);
}

/* Brings the interconnected dossier id up to its parts: starts each part whose parts before it
 * are granted, and when none runs and none can start, fires parts-done or parts-failed. */
static int advance_parts(mc_engine *e, int64_t id, const char *user, int64_t now, mc_error *err)
{
    mce_dos P;
    int rc = mce_load(e, id, &P, err);
    if (rc == 0) {
        rc = mce_catch_up(e, &P, now, err);
    }
    if (rc != 0 || P.row.final || P.p->nparts == 0) {
        mce_dos_free(&P);
        return rc;
    }
    P.user = user;
    part_status st[MC_MAX_PARTS];
    bool changed = !P.parts_started;
    for (size_t i = 0; rc == 0 && i < P.p->nparts && i < MC_MAX_PARTS; i++) {
        bool late = false;
        char outcome[16] = "";
        st[i] = PART_WAITING;
        if (P.part_ids[i] > 0) {
            rc = part_status_of(e, P.part_ids[i], &st[i], &late, outcome, err);
        } else if (P.part_ids[i] == PART_NOT_NEEDED) {
            st[i] = PART_GRANTED; /* what comes after it need not wait */
        } else if (P.part_ids[i] < 0) {
            st[i] = PART_FAILED; /* its submission was refused */
        }
        if (late && !((P.parts_late >> i) & 1u)) {
            P.parts_late |= 1u << i;
            changed = true;
        }
        if (rc == 0 && (st[i] == PART_GRANTED || st[i] == PART_FAILED) && P.part_ids[i] > 0 &&
            !((P.parts_ended >> i) & 1u)) {
            P.parts_ended |= 1u << i;
            rc = part_event(e, &P, "part-ended", &P.p->parts[i], P.part_ids[i], NULL, outcome,
                            late, now);
            rc = rc == MC_ENOMEM ? mc_error_set(err, rc, "out of memory") : rc;
            changed = true;
        }
    }
    bool running = false, granted = true;
    for (size_t i = 0; rc == 0 && i < P.p->nparts && i < MC_MAX_PARTS; i++) {
        const mc_part *x = &P.p->parts[i];
        bool ready = st[i] == PART_WAITING;
        for (size_t k = 0; ready && k < x->nafter; k++) {
            ready = st[x->after[k]] == PART_GRANTED;
        }
        bool needed = true;
        mce_refusal rf;
        mce_refusal_init(&rf);
        if (ready && x->when.kind != MC_COND_ALWAYS) {
            char why[256];
            rc = mce_eval(e, &P, &x->when, &needed, &rf, why, sizeof why, err);
            if (rc == MC_EREFUSED) { /* a rule that failed: the part cannot start */
                P.part_ids[i] = PART_REFUSED;
                st[i] = PART_FAILED;
                rc = part_event(e, &P, "part-refused", x, 0, &rf, NULL, false, now);
                ready = false;
                changed = true;
            }
        }
        if (ready && !needed) {
            P.part_ids[i] = PART_NOT_NEEDED;
            st[i] = PART_GRANTED;
            rc = part_event(e, &P, "part-not-needed", x, 0, NULL, NULL, false, now);
            ready = false;
            changed = true;
        }
        if (ready) {
            int64_t child = 0;
            rc = start_part(e, &P, i, now, &child, &rf, err);
            if (rc == MC_EREFUSED) {
                P.part_ids[i] = PART_REFUSED;
                st[i] = PART_FAILED;
                rc = part_event(e, &P, "part-refused", x, 0, &rf, NULL, false, now);
            } else if (rc == 0) {
                P.part_ids[i] = child;
                st[i] = PART_RUNNING;
                rc = part_event(e, &P, "part-started", x, child, NULL, NULL, false, now);
            }
            changed = true;
        }
        rc = rc == MC_ENOMEM ? mc_error_set(err, rc, "out of memory") : rc;
        running = running || st[i] == PART_RUNNING;
        granted = granted && st[i] == PART_GRANTED;
    }
    P.parts_started = true;
    if (rc == 0 && !running) {
        rc = end_parts(e, &P, granted, now, err);
        changed = true;
    }
    if (rc == 0 && changed) {
        rc = mce_save(e, &P, err);
    }
    mce_dos_free(&P);
    return rc;
}

/* After an operation on d, saved: starts the parts of a new interconnected dossier, or carries
 * the end of a part (was_final: d had ended before the operation) to its dossier. */
static int link_parts(mc_engine *e, const mce_dos *d, bool was_final, int64_t now, mc_error *err)
{
    if (e->st == NULL) {
        return 0;
    }
    if (d->p->nparts > 0 && !d->parts_started && !d->row.final) {
        return advance_parts(e, d->row.id, d->user, now, err);
    }
    if (d->parent != 0 && d->row.final && !was_final) {
        return advance_parts(e, d->parent, d->user, now, err);
    }
    return 0;
}
