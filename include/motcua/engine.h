/*
 * The dossier engine (SPEC §4.6, §4.7, §5.1, §10, §11): each dossier is a state machine of its
 * procedure version, under a statutory clock on its working-day calendar, persisted in the store
 * one transaction per operation. This is the API an agency's own server embeds; the motcua
 * command uses nothing else.
 *
 * Times are UTC seconds (int64_t); the engine converts through the procedure's calendar. Every
 * operation takes `now` from the caller, so that runs replay exactly. Before any operation on
 * a dossier, its due timers and overdue marks up to `now` take effect (as events), in order.
 *
 * An operation either succeeds (0), is refused (MC_EREFUSED: nothing changed but the refusal's
 * own event; the reason is in mc_result), or fails (another negative code: nothing changed).
 *
 * Request ids (idempotency, §11): an operation given a request_id stores its result (done or
 * refused) under that id in its own transaction. The id belongs to whoever asked: `user` when
 * the caller names one, else the acting role; other askers' ids never meet. The same asker's
 * id again with the same inputs (every member of the operation's struct but `now` and the id
 * itself) returns the first result with res->replayed set and changes nothing; with any other
 * input it is MC_ECONFLICT ("request id 'ID' was already used for another request (…)") and
 * changes nothing. The check runs under the store's write lock, so racing callers each get
 * their own result or the conflict.
 */
#ifndef MOTCUA_ENGINE_H
#define MOTCUA_ENGINE_H

#include "motcua/catalogue.h"
#include "motcua/error.h"
#include "motcua/msg.h"
#include "motcua/rules.h"
#include "motcua/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { MC_EREFUSED = -40 };
/* A dossier's procedure version, or its state in it, is not in the engine's catalogue (a
 * deployment removed it: mc_engine_deploy_check finds these before a server starts). */
enum { MC_EGONE = -41 };
/* The caller's own access check (mc_fire.may, mc_apology.may) said no to the dossier, as the
 * operation's transaction read it: nothing was written. */
enum { MC_EDENIED = -42 };

/* An access check an operation runs on its dossier's stored agency and subject, inside its
 * transaction and before anything else (a replayed request id included): true when the caller
 * may act on it. */
typedef bool (*mc_may_fn)(void *ud, const char *agency, const char *subject);

typedef struct mc_engine mc_engine;

/* Opens the store at db (":memory:" allowed) for the catalogue cat and its rules (both borrowed:
 * they must outlive the engine; rules may be NULL when no procedure uses rules). */
int mc_engine_open(mc_engine **out, const mc_catalogue *cat, mc_rules *rules, const char *db,
                   mc_error *err);
void mc_engine_close(mc_engine *e);
/* Makes e run on catalogue cat and its rules (both borrowed, as at mc_engine_open) from its next
 * operation: a reload of serve's catalogue, while no operation runs on e. The stored procedure
 * texts e compiled against the catalogue before are dropped. */
void mc_engine_set_catalogue(mc_engine *e, const mc_catalogue *cat, mc_rules *rules);
mc_store *mc_engine_store(mc_engine *e);

/* Makes e's operations optimistic and gives its store the write gate (store.h,
 * mc_store_set_gate): an operation reads and decides — rules included — without the write lock,
 * takes the gate and the lock at its first write, and, when another writer committed meanwhile,
 * runs once more with the lock taken first. For a server running several engines on one store,
 * so that a slow rule holds no one else up. NULL functions make e pessimistic again. */
void mc_engine_set_gate(mc_engine *e, void (*enter)(void *ud), void (*leave)(void *ud), void *ud);

/* ---- live registries (issue 20; docs/registries.md) ----
 *
 * A registry the catalogue declares `live` is asked at the moment a dossier needs its record,
 * through a client the caller gives the engine (the HTTPS connector of src/connect, or a test's
 * own). The engine never asks inside the store's write transaction: an operation that needs
 * answers it does not have collects every look-up its resolution needs (all requirements, all
 * parties), gives up its transaction, has them answered in one call, and runs again with them;
 * a dossier changed meanwhile is decided again (at most a few times). */

typedef enum {
    MC_LOOKUP_FOUND,       /* the registry holds the record: reference (and issued) are set */
    MC_LOOKUP_NOT_FOUND,   /* the registry answered that it holds none */
    MC_LOOKUP_UNAVAILABLE, /* no answer in time, an error, the registry down or its breaker open */
    MC_LOOKUP_INCOMPLETE,  /* the registry says its data for this subject are incomplete */
    MC_LOOKUP_INVALID,     /* a malformed answer, or one about another subject: not used */
} mc_lookup_outcome;

/* A look-up's reason carries at most MC_LOOKUP_MAXARGS arguments of MC_LOOKUP_ARGSZ bytes
 * (with the NUL) each. */
enum { MC_LOOKUP_MAXARGS = 4, MC_LOOKUP_ARGSZ = 128 };

/* One look-up: the question, set by the engine, and the answer, set by the client. */
typedef struct mc_lookup {
    const char *registry, *document, *subject; /* the record asked for, of whom */
    const char *party;     /* "applicant", or the name of the procedure's party looked up */
    const char *procedure; /* the purpose: the procedure and its dossier */
    int64_t dossier;       /* 0 for a submission (the dossier has no number yet) */
    const char *agency;    /* the requesting agency (the procedure's), or NULL */
    int64_t deadline_ms;   /* the registry's own answer time is the client's to bound */
    /* the answer */
    mc_lookup_outcome outcome;
    char reference[128]; /* FOUND: the record's reference */
    char issued[11];     /* FOUND: its issue date YYYY-MM-DD, or "" */
    char request_id[64]; /* the id the client sent the request under */
    int64_t answered_at; /* when the answer came (Unix seconds), 0 when none came */
    char answer_hash[65]; /* hex BLAKE2b-256 of the answer's body as received, or "" */
    char reason[200];     /* UNAVAILABLE, INCOMPLETE, INVALID: why, one line, no secrets */
    /* The same reason as the message catalogue has it (msg.h): a `lookup.*` code and its
     * arguments, of which reason is the English text, so that the engine records them with the
     * requirement and people read them in their language. reason_code "" when the client says
     * only reason (the engine then wraps it in a sentence of its own). */
    char reason_code[MC_MSG_CODESZ];
    char reason_args[MC_LOOKUP_MAXARGS][MC_LOOKUP_ARGSZ];
    size_t nreason_args;
} mc_lookup;

/* Answers the n look-ups (in parallel as it can; each within its registry's timeout) by setting
 * each one's answer; 0, or an error of the client itself (MC_ENOMEM) when it could not try. A
 * registry that does not answer is an outcome (UNAVAILABLE), never an error. Called from the
 * thread running the operation, never inside a store transaction. */
typedef struct mc_registry_client {
    int (*lookup)(void *ud, mc_lookup *q, size_t n, mc_error *err);
    void *ud;
    /* How long after a registry that declares `wait` did not answer it is asked again, the
     * first time (doubled at each further failure, at most an hour); 0: a minute. */
    int64_t retry_first_s;
} mc_registry_client;

/* Gives e the client its live registries are asked through (copied; ud borrowed), or none
 * (NULL): then a live registry's records are read from the store as a snapshot's are (the
 * records imported or issued into it), so that scenarios, `motcua test`, simulation and a
 * command line without configuration run as before (docs/language.md, "live registries"). A
 * volatile engine (no store) reads its lookup function whatever the client. */
void mc_engine_set_registry_client(mc_engine *e, const mc_registry_client *c);

typedef struct mc_kv {
    const char *key, *value;
} mc_kv;

typedef enum {
    MC_REFUSED_NONE,
    MC_REFUSED_STATE,     /* the event does not leave the state, or the dossier is final */
    MC_REFUSED_ROLE,      /* the actor's role may not fire it */
    MC_REFUSED_GUARD,     /* a condition is false */
    MC_REFUSED_LIMIT,     /* a rule ran out of budget or memory */
    MC_REFUSED_ONCE_ONLY, /* it would ask for a fetched document */
    MC_REFUSED_RULE,      /* a rule it calls raised an error (the catalogue's fault: its message
                             names the rule's file and line) */
    MC_REFUSED_OTHER,     /* an invalid field, a second apology, … (no reason word) */
} mc_refusal;

/* What an operation did. */
typedef struct mc_result {
    int64_t dossier;
    mc_refusal refusal;
    char message[512]; /* the refusal, one line, in English */
    /* The refusal as the message catalogue has it (msg.h), for a front end that says it in
     * another language: mc_msg_format(lang, code, args, nargs, …) gives message again in
     * English. code is "" when there is no refusal (and for a replayed result stored before
     * codes existed); each argument is cut at a character to MC_MSG_ARGSZ - 1 bytes. */
    char code[MC_MSG_CODESZ];
    char args[MC_MSG_MAXARGS][MC_MSG_ARGSZ];
    size_t nargs;
    char warning[256]; /* something the operation did not check fully; none does today (a note
                          that cannot be checked is refused), kept for callers that print it */
    bool replayed;     /* a request id seen before: this is the first result */
} mc_result;

/* Name of a refusal reason as scenarios write it ("state", "role", …; "" for none/other). */
const char *mc_refusal_name(mc_refusal r);

/* What e's operations met since it was opened, for a server's metrics: the operations refused,
 * by reason (MC_REFUSED_ONCE_ONLY: it would ask for a document a registry holds), each counted
 * once (not its reruns, nor a replay of its answer); and the reruns of operations that lost
 * their transaction to a concurrent writer (MC_ERETRY). */
typedef struct mc_engine_stats {
    uint64_t refusals[MC_REFUSED_OTHER + 1];
    uint64_t reruns;
} mc_engine_stats;

/* Thread-safe: another thread may read them while e runs an operation. */
void mc_engine_stats_get(const mc_engine *e, mc_engine_stats *out);

typedef struct mc_submit {
    const char *procedure;
    const mc_kv *fields;
    size_t nfields;
    const char *const *attach; /* documents the applicant provides */
    size_t nattach;
    const char *channel; /* online, counter (default) or post */
    int64_t now;
    const char *request_id; /* or NULL: see "Request ids" above */
    const char *user;       /* who asked (a person or a system), recorded with the events and owning
                               the request id; or NULL */
} mc_submit;

/* Nothing set: callers start from it or write designated initialisers
 * (`mc_submit s = {.procedure = "birth", .now = t};`), which leave the rest as here. */
#define MC_SUBMIT_INIT                                                                             \
    {                                                                                              \
        .procedure = NULL, .fields = NULL, .nfields = 0, .attach = NULL, .nattach = 0,             \
        .channel = NULL, .now = 0, .request_id = NULL, .user = NULL                                \
    }

typedef struct mc_payload {
    const char *note; /* free text, or NULL: valid UTF-8, matched in NFC against the `match` of
                         each fetched document; refused when a pattern gives up (limit) */
    const char *const *documents; /* documents asked of the applicant: each becomes asked (also
                                     one provided); one the procedure does not require, or a
                                     fetched one, is refused */
    size_t ndocuments;
    const mc_kv *disputes; /* DOCUMENT -> reason */
    size_t ndisputes;
    const mc_kv *set; /* FIELD -> value. The subject field may be changed by an officer only
                         (role `applicant`: refused, MC_REFUSED_ROLE); the requirements are then
                         resolved again for the new subject. So may another party's field,
                         whose requirements are then looked up again under the new value */
    size_t nset;
    const char *const *attach;
    size_t nattach;
} mc_payload;

#define MC_PAYLOAD_INIT                                                                            \
    {                                                                                              \
        .note = NULL, .documents = NULL, .ndocuments = 0, .disputes = NULL, .ndisputes = 0,        \
        .set = NULL, .nset = 0, .attach = NULL, .nattach = 0                                       \
    }

typedef struct mc_fire {
    int64_t dossier;
    const char *event;
    const char *role;
    mc_payload payload;
    int64_t now;
    const char *request_id;
    const char *user; /* who asked, recorded with the events; or NULL */
    /* Or NULL (the default): the event and role are found by their names in the dossier's
     * state. Else a transition of the state the dossier is in when the event fires (after its
     * due timers) whose event is `event` and one of whose roles is `role`, as a simulator that
     * chose it holds it (mc_live_allows): the names are then not looked up, and the
     * transitions of the event are matched by integer (mc_transition.event_id). It only spares
     * the look-up: the transition taken is the one the names would choose (the first of the
     * event, open to the role, whose condition holds), and a transition of another state (a
     * timer moved the dossier) or of another event is ignored. Not part of a request's
     * fingerprint. */
    const mc_transition *transition;
    /* With transition, on a volatile engine (mc_live_fire) only: the caller has just found
     * that transition's `when` to hold with mc_live_allows on the dossier as it stands, so the
     * engine does not run its condition again for it (a rule call spared) — unless a timer
     * moves the dossier first. The transitions before it of the same event are still decided
     * as always. Stored operations ignore it: they always decide. */
    bool when_held;
    /* Or NULL: the caller's access check (mc_may_fn), with may_ud; when it says no, MC_EDENIED.
     * A server checks there rather than by a read of its own before the operation. */
    mc_may_fn may;
    void *may_ud;
    /* The caller reads the dossier at once (mc_engine_get at the same instant, as a server's
     * answer does): the operation counts its events and refusals in its own transaction for
     * that read, which otherwise counts them itself. */
    bool answered;
} mc_fire;

#define MC_FIRE_INIT                                                                               \
    {                                                                                              \
        .dossier = 0, .event = NULL, .role = NULL, .payload = MC_PAYLOAD_INIT, .now = 0,           \
        .request_id = NULL, .user = NULL, .transition = NULL, .when_held = false, .may = NULL,     \
        .may_ud = NULL, .answered = false                                                          \
    }

typedef struct mc_apology {
    int64_t dossier;
    const char *role;
    mc_date new_date;
    const char *reason;
    int64_t now;
    const char *request_id;
    const char *user; /* who asked, recorded with the events; or NULL */
    mc_may_fn may;    /* or NULL: as mc_fire's */
    void *may_ud;
    bool answered; /* as mc_fire's */
} mc_apology;

#define MC_APOLOGY_INIT                                                                            \
    {                                                                                              \
        .dossier = 0, .role = NULL, .new_date = 0, .reason = NULL, .now = 0, .request_id = NULL,   \
        .user = NULL, .may = NULL, .may_ud = NULL, .answered = false                               \
    }

int mc_engine_submit(mc_engine *e, const mc_submit *s, mc_result *res, mc_error *err);
int mc_engine_fire(mc_engine *e, const mc_fire *f, mc_result *res, mc_error *err);
int mc_engine_apologize(mc_engine *e, const mc_apology *a, mc_result *res, mc_error *err);
/* Fires the due timers and marks the overdue dossiers up to now; *count is how many dossiers
 * changed. */
int mc_engine_tick(mc_engine *e, int64_t now, size_t *count, mc_error *err);

/* ---- the timer scheduler (serve's; docs/operations.md, "Timers") ----
 *
 * One batch of a pass over the dossiers due: those whose timers or overdue marks are due before
 * now are taken in the order of their wake instant, a batch at a time, each batch in one
 * transaction that leases its dossiers (mc_store_dossier_due: on PostgreSQL, rows another
 * server has leased are skipped) and brings each up to now as mc_engine_tick and mc_engine_get
 * do (the same catch-up, saved under the same revision check). A look outside a transaction
 * comes first, so that a batch with nothing to do takes no write lock. A server killed mid-batch
 * leaves nothing: its transaction is rolled back and its leases end with it. */

enum { MC_WAKE_MAX = 256 };

typedef struct mc_wake {
    int64_t now;
    size_t limit; /* dossiers a batch takes at most, 1 to MC_WAKE_MAX */
    /* The batch takes the dossiers due after this one in the order of (wake, id), and leaves
     * here the last it took, for the next batch of the pass; a pass starts at INT64_MIN, 0. */
    int64_t after_wake, after_id;
    /* Or NULL each. skip: whether to leave a dossier alone (its timers failed before); leased:
     * called with the batch's size once it is leased, before any of it changes; unchanged:
     * called after the commit for a dossier that was due but had nothing to fire (its wake
     * instant was counted with a calendar since changed). */
    bool (*skip)(void *ud, int64_t id);
    void (*leased)(void *ud, size_t n);
    void (*unchanged)(void *ud, int64_t id);
    void *ud;
    size_t seen;    /* out: due dossiers the batch found; fewer than limit: the pass is over */
    size_t changed; /* out: dossiers whose timers or overdue marks took effect */
    int64_t failed; /* out: the dossier that could not be brought up to now, or 0 */
    int64_t oldest; /* out: the earliest wake instant of the dossiers changed, or MC_NONE: how
                       late the batch fired (serve's motcua_timer_lag_seconds) */
} mc_wake;

#define MC_WAKE_INIT                                                                               \
    {                                                                                              \
        .now = 0, .limit = 64, .after_wake = INT64_MIN, .after_id = 0, .skip = NULL,               \
        .leased = NULL, .unchanged = NULL, .ud = NULL, .seen = 0, .changed = 0, .failed = 0,       \
        .oldest = MC_NONE                                                                          \
    }

/* Runs one batch of w (above). 0: committed, w's outputs and cursor set. A dossier of the batch
 * whose requirement waits for a live registry with its next try due (issue 20) is then, after
 * the commit, resolved again in an operation of its own that asks the registries outside any
 * transaction (counted in changed); when that fails, the batch stays committed and the error is
 * returned (w->failed naming the dossier unless the error is passing: the database, memory). When a
 * dossier cannot be brought up to now (its procedure or state is no longer in the catalogue, its
 * stored data cannot be read, its timers loop without end), the whole batch is rolled back and its
 * code returned with w->failed naming it (err says why): the caller leaves it out with skip and
 * runs the batch again. Any other error (the database down or busy, MC_ECONFLICT, out of memory)
 * has w->failed 0 and rolls the batch back; nothing of a failed batch is saved. MC_EUSAGE: a
 * volatile engine, or limit out of range. */
int mc_engine_wake(mc_engine *e, mc_wake *w, mc_error *err);

/* ---- reading ---- */

typedef enum {
    MC_REQ_NOT_REQUIRED, /* its condition does not hold */
    MC_REQ_ASKED,
    MC_REQ_FETCHED,
    MC_REQ_PROVIDED,
    /* its live registry does not answer and declares `wait`: neither fetched nor asked yet, the
     * dossier waits for the registry until wait_until, asked again at wait_next (issue 20) */
    MC_REQ_WAITING,
} mc_req_status;

typedef struct mc_dossier_req {
    const mc_requirement *requirement;
    mc_req_status status;
    const char *reason; /* why asked (e.g. "not found in civil-status"), or NULL */
    /* The reason as the message catalogue has it (msg.h): its code ("once-only.not-found") and
     * arguments ({"civil-status"}); reason_code NULL when there is no reason, or when it was
     * recorded before codes existed (reason alone then). */
    const char *reason_code;
    const char *const *reason_args;
    size_t nreason_args;
    const char *registry; /* fetched from, or NULL */
    const char *record;   /* the record reference, or NULL */
    /* The live registry's look-up that resolved it (issue 20), or lookup_outcome NULL: its
     * outcome ("found", "not-found", "unavailable", "incomplete", "invalid"), the client's
     * request id and when the answer came (Unix seconds, 0: none came), the answer's hash. */
    const char *lookup_outcome;
    const char *lookup_request;
    int64_t lookup_answered_at;
    const char *lookup_hash;
    /* WAITING: when the registry is asked next, when the wait ends (then the applicant is
     * asked), since when it waits, and the look-ups left unanswered so far; MC_NONE and 0 when
     * the requirement does not wait. */
    int64_t wait_next, wait_until, wait_since;
    int wait_tries;
} mc_dossier_req;

/* One part of an interconnected dossier as of a moment (issue 25). */
typedef enum {
    MC_PART_WAITING,     /* not started: the parts before it have not all been granted */
    MC_PART_RUNNING,     /* its dossier runs at its agency */
    MC_PART_ENDED,       /* its dossier is final (state, outcome, late) */
    MC_PART_REFUSED,     /* its dossier could not be submitted (the event part-refused says why) */
    MC_PART_NOT_NEEDED,  /* its `when` did not hold */
} mc_part_status;

/* "waiting", "running", "ended", "refused", "not-needed": what the views and the API write. */
const char *mc_part_status_name(mc_part_status s);

typedef struct mc_dossier_part {
    const mc_part *part;    /* into procedure->parts */
    mc_part_status status;
    int64_t dossier;        /* the part's dossier, 0 when it has none */
    char agency[64];        /* its dossier's agency ("" when none) */
    char state[64];         /* its dossier's state */
    char outcome[16];       /* its outcome when final ("" otherwise) */
    bool overdue;
    int late;               /* -1 not final, 0 on time, 1 late */
    int64_t due, finished;  /* MC_NONE when absent */
    /* The catalogue's declarations of its procedure version, state and agency (NULL when the
     * catalogue no longer has them), for their titles */
    const mc_procedure *procedure;
    const mc_state *state_decl;
    const mc_agency *agency_decl;
} mc_dossier_part;

/* A dossier as of a moment: borrowed pointers live until mc_dossier_free. */
typedef struct mc_dossier {
    int64_t id;
    const mc_procedure *procedure;
    const mc_state *state;
    const char *subject, *channel;
    const char *const *values;          /* per procedure field: its value, or NULL */
    const mc_dossier_req *requirements; /* per procedure requirement */
    bool final, overdue;
    int late; /* -1 not final, 0 on time, 1 late */
    mc_clock clock;
    int64_t submitted, due, finished, fee; /* MC_NONE when absent */
    bool apologized;
    /* The first year the due instant or the next timer was counted into that the calendar does
     * not cover (its `covers`: that year's announced days off are not declared, so the count
     * took only weekdays and recurring holidays), or 0. A flag, never a refusal (§4.1). */
    int uncovered;
    int64_t original_due;            /* the due instant before its extensions, MC_NONE when the
                                        clock's current run was not extended */
    const uint16_t *extensions_used; /* per procedure extension: the times it was used */
    int64_t events;                  /* events recorded so far */
    int64_t blocked;                 /* requests refused by the once-only rule */
    /* Interconnected dossiers (issue 25): an interconnected dossier's parts, by the index of the
     * part in procedure->parts (nparts 0: not interconnected); a part's dossier: the
     * interconnected dossier it belongs to (parent 0: none) and its part's name. */
    mc_dossier_part parts[MC_MAX_PARTS];
    size_t nparts;
    int64_t parent;
    const char *part;
    const mc_part *part_decl; /* a part's declaration in its interconnected procedure, or NULL */
    void *impl;
} mc_dossier;

/* Loads dossier id as of now (its due timers first take effect). MC_ENOTFOUND if unknown. */
int mc_engine_get(mc_engine *e, int64_t id, int64_t now, mc_dossier *out, mc_error *err);
void mc_dossier_free(mc_dossier *d);

/* The applicant's name of a stored dossier's row (a row of mc_store_dossier_page or
 * mc_store_dossier_each, its data as the store gave it), for the queue: the value of its
 * procedure's `applicant FIELD` in the version it runs on (the catalogue's, or the text it was
 * submitted under: compiled once per engine, which may read the store). 0 with *name the name
 * (the caller frees it with mc_free), or NULL when the procedure declares no applicant field,
 * the field is empty or unset, the catalogue no longer has the procedure, or the data cannot be
 * read; MC_ENOMEM; or an error reading the store's procedure text. Never writes. */
int mc_engine_row_applicant(mc_engine *e, const mc_dossier_row *row, char **name, mc_error *err);

/* A preview of submission s (the one-stop desk's, issue 21): the dossier that mc_engine_submit
 * would file now, with its checklist — the same checks of procedure, channel, fields and
 * attachments, and the same once-only resolution (snapshot registries read from the store, live
 * ones asked through the engine's client, a registry that does not answer WAITING or ASKED with
 * the reason, as a submission would record it) — and nothing stored: no dossier, no event, no
 * request id (s->request_id is ignored). The reads it made are recorded in the access log (as's
 * `at`, `actor` and `route`, both required, MC_EUSAGE): the applicant's data under the subject,
 * and each other party's record and live look-up as a submission records them. 0 with *out (free
 * with mc_dossier_free; id 0, in the procedure's first state, its clock stopped, no due
 * instant, fee MC_NONE); MC_EREFUSED with the reason in res (an unknown procedure, a bad field…);
 * or an error (the store, MC_ENOMEM). Needs an engine with a store (MC_EUSAGE). */
struct mc_access;
int mc_engine_preview(mc_engine *e, const mc_submit *s, const struct mc_access *as, mc_dossier *out,
                      mc_result *res, mc_error *err);

/* ---- dossiers in memory (simulation, SPEC §8.2) ----
 *
 * A volatile engine has no store. Its dossiers live in an mc_live that the caller holds and
 * reuses; nothing is recorded (no events, no request ids, no tickets), registries are asked
 * through a lookup function, and the records a state issues are only counted. The decisions
 * are the stored operations' own code: the same checks, conditions, rules, once-only
 * resolution, clock and timers, in the same order. The stored operations (mc_engine_submit,
 * mc_engine_fire, …) refuse to run on a volatile engine (MC_EUSAGE), and the mc_live_*
 * functions on a stored one. */

/* Whether registry holds document for subject: 1 (ref gets the record's reference), 0 no. */
typedef int (*mc_record_lookup)(void *ud, const char *registry, const char *document,
                                const char *subject, char *ref, size_t refsz);

int mc_engine_open_volatile(mc_engine **out, const mc_catalogue *cat, mc_rules *rules,
                            mc_record_lookup lookup, void *ud, mc_error *err);

typedef struct mc_live mc_live;

int mc_live_new(mc_live **out);
void mc_live_free(mc_live *d);
/* Submits a new dossier into d, replacing what d held. After a refusal d holds no dossier. */
int mc_live_submit(mc_engine *e, mc_live *d, const mc_submit *s, mc_result *res, mc_error *err);
/* Fires an event on d (f->dossier is ignored). A refusal leaves d as the due timers made it. */
int mc_live_fire(mc_engine *e, mc_live *d, const mc_fire *f, mc_result *res, mc_error *err);
/* Lets d's timers and overdue marks due strictly before now take effect. */
int mc_live_catch_up(mc_engine *e, mc_live *d, int64_t now, mc_error *err);
/* The instant d's earliest timer fires, MC_NONE when its state has none (or d is final). */
int64_t mc_live_next_timer(const mc_live *d);
/* Whether a transition of the current state may be taken by one of its roles, decided now and
 * fired at `at` (after the time spent in the state; no timer of d comes before it): its `when`
 * holds now (rules run) and, when its event fires an extension of the time limit, the
 * extension's `when` holds and the deadline may still be extended at `at` (the dossier is not
 * overdue by then; the extension's roles are not checked). 0 with *allowed, MC_EREFUSED when a
 * rule fails (res says why), or an error. */
int mc_live_allows(mc_engine *e, mc_live *d, const mc_transition *t, int64_t at, bool *allowed,
                   mc_result *res, mc_error *err);
/* d as it stands, in the reading form; borrowed pointers live until d changes (do not
 * mc_dossier_free it). events and blocked are 0. MC_ENOTFOUND when d holds no dossier. */
int mc_live_view(mc_live *d, mc_dossier *out);
/* The state d is in, and in *final whether it is a final one, without building the reading
 * form (a step of the simulation): NULL and false when d holds no dossier. */
const mc_state *mc_live_state(const mc_live *d, bool *final);
/* The status of d's requirement i (i < its procedure's nrequires), as mc_live_view reads it;
 * MC_REQ_NOT_REQUIRED when d holds no dossier or i is out of range. */
mc_req_status mc_live_req_status(const mc_live *d, size_t i);
/* The applicant hands in every document still asked of them: each becomes provided, as if
 * attached. Returns how many. (Simulated applicants come with what they are asked for.) */
size_t mc_live_provide_asked(mc_live *d);
/* Records issued into registries by d's states so far. */
int64_t mc_live_issued(const mc_live *d);
/* The officer's apology for d, as mc_engine_apologize decides it (a->dossier is ignored; the
 * timers due before a->now take effect first): 0 with *timely whether it was made before office
 * hours open on the due's day (§4.6), MC_EREFUSED with res saying why (no running clock, a role
 * the lifecycle does not name, a second apology, …), or an error. */
int mc_live_apologize(mc_engine *e, mc_live *d, const mc_apology *a, bool *timely, mc_result *res,
                      mc_error *err);
/* d's due instant while its statutory clock runs; MC_NONE otherwise (stopped, no time limit,
 * final, or no dossier). */
int64_t mc_live_due(const mc_live *d);
/* The end of the parts of interconnected dossier d (issue 25) at now, as the engine carries it
 * when the last part ends: late_parts (bit i: part i ended late) marks d late when it ends, and
 * d moves by parts-done (granted: every part granted or not needed) or parts-failed when its
 * state answers it (the timers due before now take effect first). Nothing when d is final or
 * not interconnected. 0 or an error. */
int mc_live_end_parts(mc_engine *e, mc_live *d, bool granted, uint32_t late_parts, int64_t now,
                      mc_error *err);

/* ---- deployments (issue 19) ---- */

typedef enum {
    /* breaking: */
    MC_DEPLOY_VERSION_GONE, /* the catalogue has not the version of a dossier without a stored
                               text (submitted before schema version 8) */
    MC_DEPLOY_STATE_GONE,   /* the version is there, but not the state the dossier is in */
    MC_DEPLOY_TEXT_BROKEN,  /* the dossier's stored text no longer compiles against the catalogue
                               (a registry, document, calendar, rule module or function it
                               names is gone), or is not in the store */
    /* not breaking: the dossier runs on its stored text */
    MC_DEPLOY_VERSION_KEPT, /* the catalogue has not the dossier's version any more */
    MC_DEPLOY_TEXT_KEPT,    /* the catalogue's text of the version (or its lifecycle) changed */
    MC_DEPLOY_DUE_MOVES,    /* the running clock's due instant moves on the new calendar */
} mc_deploy_kind;

/* What a catalogue would change for one open dossier (borrowed for the call of fn only). */
typedef struct mc_deploy_problem {
    mc_deploy_kind kind;
    bool breaking; /* the dossier could not run: deploy-check exits 1, serve does not start */
    int64_t dossier;
    const char *procedure, *version, *state;
    const char *message; /* one line: "dossier 12: procedure 'x' version '1' is gone (…)" */
    /* MC_DEPLOY_DUE_MOVES: the due instant and the one on the new calendar (UTC seconds, and
     * local YYYY-MM-DDTHH:MM on that calendar); MC_NONE and NULL otherwise. */
    int64_t due, new_due;
    const char *due_text, *new_due_text;
} mc_deploy_problem;

/* Calls fn for each open (not final) dossier of st that catalogue cat (with its rules, or NULL)
 * would change, by id: those it cannot run (breaking) and those that keep running on their
 * stored procedure text; fn returning non-zero stops (and is returned). *nopen gets how many
 * open dossiers were looked at (may be NULL). Reads only; 0, or a store error. */
int mc_engine_deploy_check(mc_store *st, const mc_catalogue *cat, const mc_rules *rules,
                           int (*fn)(void *ud, const mc_deploy_problem *p), void *ud,
                           int64_t *nopen, mc_error *err);

#endif
