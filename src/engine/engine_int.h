/*
 * What the engine's files share privately: the dossier being worked on (dossier.c), its clock
 * and timers (clock.c), its fields and conditions (conditions.c), the once-only rule at run
 * time (onceonly.c), and the operations that put them together (engine.c). Every function and
 * type here starts with mce_ (mc_ is for the public API).
 */
#ifndef MOTCUA_ENGINE_INT_H
#define MOTCUA_ENGINE_INT_H

#include "base/ptrvec.h"
#include "motcua/access.h"
#include "motcua/calendar.h"
#include "motcua/engine.h"

#include <jansson.h>
#include <stdatomic.h>
#include <string.h>

enum { MAX_CATCH_UP = 1000 };

/* Whether names a and b are the same: most names differ in their first byte, which spares the
 * call to strcmp on the path of every event. */
static inline bool mce_same_name(const char *a, const char *b)
{
    return a == b || (a[0] == b[0] && strcmp(a, b) == 0);
}

/* Resolution needs answers of live registries that the operation does not have yet (onceonly.c):
 * the operation gives up its transaction, has them answered, and runs again (engine.c). Never
 * leaves the engine. */
enum { MCE_ELOOKUP = -1000 };
/* How many times an operation runs at most for its look-ups: then a look-up still unanswered is
 * UNAVAILABLE. */
enum { MCE_LOOKUP_PASSES = 3 };
/* A requirement waiting for its live registry (the registry's `wait`) is asked again a minute
 * after the first look-up left unanswered, then after twice as long each time, at most an hour
 * apart, never past the wait's end (onceonly.c). In seconds. */
enum { MCE_RETRY_FIRST = 60, MCE_RETRY_MOST = 3600 };

/* The live registries' look-ups of the operation at hand (engine.c's execute, onceonly.c):
 * the answers it has, and those its last run needed. Each look-up's strings are owned by strs. */
typedef struct mce_live {
    int64_t now;
    int64_t retry_first; /* the first wait before a registry is asked again (0: a minute) */
    mc_lookup *answers;
    size_t nanswers, cap_answers;
    mc_lookup *pending;
    size_t npending, cap_pending;
    mc_ptrvec strs; /* char *: the strings of answers and pending */
    bool last;      /* the last run: a look-up without an answer is UNAVAILABLE */
    size_t calls;   /* how many times the client was called */
} mce_live;

/* A stored procedure text compiled against the engine's catalogue (mce_pinned): cat, or the
 * reason it no longer compiles (cat NULL). */
typedef struct mce_pin {
    char hash[65];
    mc_catalogue *cat;
    char why[400];
} mce_pin;

/* A rule the engine has resolved, by its "module\0function" (mce_rule): the rules keep a
 * resolved rule until they are freed, so only mc_engine_set_catalogue forgets them. */
enum { MCE_RULE_HITS = 8, MCE_RULE_KEY = 96 };
typedef struct mce_rule_hit {
    char key[MCE_RULE_KEY];
    const mc_rule *rule;
    /* The names as the catalogue passed them last: the same addresses are the same names (the
     * catalogue and the pinned texts outlive the hits, which mc_engine_set_catalogue forgets). */
    const char *module, *function;
} mce_rule_hit;

struct mc_engine {
    const mc_catalogue *cat;
    mc_ptrvec pins; /* mce_pin, one per stored text a dossier loaded here needed */
    mc_rules *rules;
    mc_store *st;            /* NULL: a volatile engine (dossiers held by the caller) */
    mc_record_lookup lookup; /* a volatile engine's registries */
    void *lookup_ud;
    mc_registry_client registries; /* live registries' client (lookup NULL: none) */
    mce_live *live;  /* the look-ups of the operation at hand, or NULL: a live registry's
                        records are read from the store (no client, a volatile engine) */
    int64_t next_id; /* a volatile engine's last dossier id */
    bool optimistic; /* operations decide before they take the write lock (mc_engine_set_gate) */
    mce_rule_hit hits[MCE_RULE_HITS]; /* the rules resolved last (mce_rule); one engine, one thread */
    size_t nhits;
    /* The version in force found last for a submission (engine.c's version_in_force): of the
     * procedure named last_name on day last_day, and its version text; last_proc NULL: none
     * yet. Forgotten with the catalogue. */
    const mc_procedure *last_proc;
    mc_date last_day;
    char last_name[MCE_RULE_KEY];
    char last_version[11]; /* last_proc's version as the row says it (mce_version_text) */
    /* The due instant (local time) a clock started last in whole days (d or wd) was given: on
     * calendar due_cal, from the day due_from its counting started on (mc_calendar_start_day),
     * for the limit due_limit; due_cal NULL: none yet. The dossiers of a day share it. Forgotten
     * with the catalogue. */
    const mc_calendar *due_cal;
    mc_date due_from;
    mc_duration due_limit;
    mc_localtime due_at;
    /* The dossier a fire or an apology left, as it committed it (kept_now: the operation's
     * instant), for the read of the answer that follows (mc_engine_get of that dossier at that
     * instant), which then need not load and decode it again. Any other call of the engine drops
     * it. Its room is made with a stored engine (NULL for a volatile one); row.id 0: none
     * (mce_dos_free zeroes it). */
    struct mce_dos *kept;
    int64_t kept_now;
    /* Its events and refusals (mc_dossier.events, .blocked), counted in the operation's
     * transaction when it was to be answered (mc_fire.answered); -1: the read counts them. */
    int64_t kept_events, kept_blocked;
    /* mc_engine_stats_get: written by the thread using the engine, read by a scraper's */
    atomic_uint_fast64_t refusals[MC_REFUSED_OTHER + 1], reruns;
};

typedef struct mce_req_state {
    mc_req_status status;
    bool disputed; /* the registry's record was declared wrong: never fetched again (§5.4) */
    char *reason, *registry, *record;
    char *reason_code;                 /* the reason's message code (msg.h), or NULL */
    char *reason_args[MC_MSG_MAXARGS]; /* and its arguments (nreason_args of them) */
    size_t nreason_args;
    /* The live registry's look-up that resolved it, as its proof (issue 20; kept in the row's
     * data): {registry, document, subject, party, dossier, procedure, asked_at, answered_at,
     * outcome, request, hash, reference, issued, reason}; NULL: none */
    json_t *lookup;
    /* WAITING for its live registry (the registry's `wait`, kept in the row's data as "wait"):
     * since the first unanswered look-up, until the wait ends, the next try, and how many
     * look-ups went unanswered; wait_tries 0: not waiting */
    int64_t wait_since, wait_until, wait_next;
    int wait_tries;
} mce_req_state;

/* Whether requirement s waits for its live registry (its wait's times are then set). */
static inline bool mce_waiting(const mce_req_state *s)
{
    return s->status == MC_REQ_WAITING && s->wait_tries > 0;
}

/* Strings a dossier held, kept for the next dossier of its mc_live to copy into (mce_dos_reset,
 * mce_dos_dup) instead of allocating: each with the size of its block. */
enum { MCE_SPARE = 16 };
typedef struct mce_spare {
    char *s[MCE_SPARE];
    size_t cap[MCE_SPARE];
    size_t n;
} mce_spare;

/* A dossier being worked on. */
typedef struct mce_dos {
    mc_dossier_row row;
    const mc_procedure *p;
    const mc_calendar *cal;
    uint32_t state;
    char **values;        /* per field, mc_malloc'd, or NULL */
    mce_req_state *reqs;  /* per requirement */
    json_t *events;       /* events to append, in order: [{kind, actor, at, body}]; NULL: none are
                             recorded (a volatile engine) */
    json_t *tickets;      /* correction tickets to record: [{registry, document, reference, …}] */
    json_t *reads;        /* look-ups of other parties' records, for the access log (access.h):
                             [{registry, document, subject, party}], and every live look-up
                             (with request and outcome) */
    json_t *looks;        /* the live look-ups of the operation at hand (their proofs), which
                             its event carries as "lookups"; NULL with events */
    int64_t issued;       /* records issued into registries by this dossier's states */
    const char *user;     /* who asked for the operation at hand (borrowed), or NULL */
    mc_clock clk;         /* row.clock, as its enum */
    int64_t paused_due;   /* the past due instant of an overdue dossier while its clock is paused
                             (it has no due instant then, §4.6, and regains this one on resume);
                             MC_NONE otherwise. Kept in the row's data */
    /* A transition whose `when` the caller found to hold on the dossier as it stands
     * (mc_fire.when_held, volatile engines): choose_transition takes it without running the
     * condition again. Set for one fire only; NULL otherwise */
    const mc_transition *held;
    /* Interconnected dossiers (issue 25; kept in the row's data). A part's dossier: the
     * interconnected dossier it belongs to (0: none) and its part's name. An interconnected
     * dossier: its parts' dossiers, by the index of the part in p->parts (0: not started, or
     * could not start), whether its parts were started, and the parts that ended late (bit i:
     * p->parts[i]), which make the dossier late. */
    int64_t parent;
    char part[64];
    int64_t part_ids[MC_MAX_PARTS];
    bool parts_started;
    uint32_t parts_late;
    uint32_t parts_ended; /* the parts whose end the dossier has recorded (event part-ended) */
    bool subject_changed; /* an officer corrected the subject in the operation at hand */
    char *former_subject; /* then the subject before (mc_malloc'd, or NULL: none) */
    /* Extensions of the time limit (kept in the row's data): how many times each of the
     * procedure's extensions was used in the dossier; the due instant before the first
     * extension of the clock's current run (MC_NONE: not extended); the working days the
     * extensions added to that run. */
    uint16_t ext_used[MC_MAX_EXTENSIONS];
    int64_t original_due;
    int64_t ext_days;
    /* The hash of the procedure text the dossier runs on (issue 19; kept in the row's data,
     * the text in the store's proc_text): "" for a dossier from before schema version 8. */
    char text_hash[65];
    /* What the running clock's due instant was counted from (kept in the row's data), so that
     * it is counted again on a calendar a deployment changed (mce_due_on): the instant, and
     * the time left then (MC_NONE: the whole limit, the clock started). has_basis is false
     * when the due instant is another's (extended, overdue when paused) or there is none. */
    bool has_basis;
    int64_t due_from, due_left;
    /* What rules see of the submission instant and the version (mce_make_view), as written
     * before the first rule guard: view_cal is the calendar they were written on, NULL when
     * not written (a copy, a dossier read from the store): rules then have them written anew. */
    const mc_calendar *view_cal;
    const mc_procedure *view_p;
    int64_t view_submitted;
    char view_submitted_text[17], view_version[11];
    /* A volatile dossier (no events recorded) borrows the names of its row instead of owning
     * copies: procedure, agency, state, clock and outcome point into the catalogue or to static
     * texts, channel to a static text. Set through mce_row_name. */
    bool names_borrowed;
    /* What mce_dos_reset keeps for the next dossier (last: the rest is cleared before them):
     * the room of values and reqs (in elements), and spare strings. */
    size_t values_cap, reqs_cap;
    mce_spare spare;
} mce_dos;

/* The reason an operation was refused: msg in English, and what made it (msg.h). */
typedef struct mce_refusal {
    mc_refusal why;
    char msg[512];
    char code[MC_MSG_CODESZ];
    char args[MC_MSG_MAXARGS][MC_MSG_ARGSZ];
    size_t nargs;
} mce_refusal;

/* A refusal not made yet. Only its head is set: the simulator asks thousands of times a second
 * whether an event is allowed, and the 2 KiB of text are written only when one is refused. */
void mce_refusal_init(mce_refusal *rf);
/* The same for a caller's result. */
void mce_result_init(mc_result *res);

enum { MCE_VIEW_INLINE = 64 };

/* What a rule sees of a dossier (mc_rule_view), with room for its fields and documents: inline
 * up to MCE_VIEW_INLINE of each, allocated beyond (a rule sees every field and document). */
typedef struct mce_view_buf {
    mc_rule_view view;
    mc_view_field field_room[MCE_VIEW_INLINE];
    mc_view_document doc_room[MCE_VIEW_INLINE];
    mc_view_party parties[MC_MAX_PARTIES + 1]; /* d.parties: the applicant, then the declared */
    mc_view_field *fields;                     /* field_room, or mc_malloc'd */
    mc_view_document *docs;                    /* doc_room, or mc_malloc'd */
    mc_engine *e;
    /* The dossier viewed, whose texts of its version and submission instant are written (into
     * its own cache, mce_keep_view_texts) only when a rule reads them (mc_rule_view.texts). */
    mce_dos *d;
} mce_view_buf;

/* ---- refusals (dossier.c) ---- */
/* Fills rf with the refusal why, said by the message code with its nargs arguments (each a
 * const char *, at most MC_MSG_MAXARGS; a number is formatted first); returns MC_EREFUSED. The
 * English text of the catalogue is rf->msg. */
int mce_refuse(mce_refusal *rf, mc_refusal why, const char *code, size_t nargs, ...);
/* Copies s into out (outsz > 0 bytes), cut at a character when it is longer. */
void mce_copy_cut(char *out, size_t outsz, const char *s);
/* Copies the refusal in rf into res (refusal, message, code, arguments). */
void mce_refusal_result(const mce_refusal *rf, mc_result *res);
/* Sets the reason of a requirement to the message code with its nargs arguments (const char *):
 * reason gets its English text, reason_code and reason_args what made it. MC_ENOMEM leaves a
 * requirement with no reason. */
int mce_set_reason(mce_req_state *s, const char *code, size_t nargs, ...);
/* Clears the reason of a requirement. */
void mce_clear_reason(mce_req_state *s);

/* ---- the operations on a dossier at hand, without the store's transaction (engine.c) ---- */
/* Submits a new dossier into d (zeroed). */
int mce_submit(mc_engine *e, mce_dos *d, const mc_submit *s, mce_refusal *rf, mc_error *err);
/* Fires f on d, whose due timers have taken effect; warning gets what was not fully checked. On
 * a refusal d may have changed: the caller discards it. */
/* The apology operation on d, held by the caller (the volatile path of mc_live_apologize). */
int mce_apologize(mc_engine *e, mce_dos *d, const mc_apology *a, mce_refusal *rf, mc_error *err);
/* Whether an apology made at now is timely for d's due instant: made before office hours open
 * on the due's day (§4.6). */
bool mce_apology_timely(const mce_dos *d, int64_t now);
int mce_fire(mc_engine *e, mce_dos *d, const mc_fire *f, char warning[256], mce_refusal *rf,
             mc_error *err);
/* Fills the reading form of d (engine.h) with pointers into d; reqs has one slot per
 * requirement. events, blocked and impl are left to the caller. */
void mce_view(const mce_dos *d, mc_dossier_req *reqs, mc_dossier *out);

/* ---- the access log over the store (access.c), below the dossier ---- */
/* Records a read of a dossier of procedure p, whose fields hold values: a under subject (the
 * dossier's, or NULL to look it up), then once under each other party the dossier names. */
int mce_access_dossier_read(mc_store *st, const mc_access *a, const char *subject,
                            const mc_procedure *p, const char *const *values, mc_error *err);
/* Appends d's queued reads of other parties' records to st's access log, as the operation's:
 * at and actor of its last event, route "once-only" (mce_save; nothing when st is NULL). */
int mce_log_reads(mc_store *st, const mce_dos *d, mc_error *err);

/* ---- the dossier in memory and in the store (dossier.c) ---- */
extern const char *const mce_req_names[];
void mce_dos_free(mce_dos *d);
char *mce_dup(const char *s);
/* Replaces *slot by a copy of s (NULL allowed); MC_ENOMEM leaves it. */
int mce_set_str(char **slot, const char *s);
/* The same for a string d owns, copied into one of d's spare strings when one is large enough;
 * the string replaced becomes a spare one. */
int mce_dos_set(mce_dos *d, char **slot, const char *s);
/* A copy of s (NULL: NULL) that d will own: into a spare string, or mc_malloc'd. */
char *mce_dos_dup(mce_dos *d, const char *s);
/* Sets one of the names of d's row (procedure, agency, channel, state, clock, outcome) to s:
 * borrowed when d borrows its names (s must then outlive d: the catalogue's, or a static text),
 * else a copy. MC_ENOMEM leaves it. */
static inline int mce_row_name(mce_dos *d, char **slot, const char *s)
{
    if (d->names_borrowed) {
        *slot = (char *)s; /* never freed: mce_dos_reset and mce_dos_free forget it first */
        return 0;
    }
    return mce_set_str(slot, s);
}
/* Sets d up for procedure p; record: queue events and tickets (a stored dossier), else d
 * borrows the names of its row. d is zeroed, or was reset (mce_dos_reset): its rooms are then
 * used again. */
int mce_dos_alloc(mce_dos *d, const mc_procedure *p, bool record);
/* Empties d as mce_dos_free does, but keeps its rooms and strings for the next dossier
 * mce_dos_alloc sets up in it (an mc_live's next submission). */
void mce_dos_reset(mce_dos *d);
/* A deep copy of src into dst (zeroed), for undoing a refused operation in memory. */
int mce_dos_copy(mce_dos *dst, const mce_dos *src);
void mce_version_text(const mc_procedure *p, char out[11]);
const mc_procedure *mce_find_version(const mc_catalogue *cat, const char *name,
                                     const char *version);
int mce_field_index(const mc_procedure *p, const char *name);
int mce_req_index(const mc_procedure *p, const char *doc);
char *mce_encode_data(const mce_dos *d);
int mce_decode_data(mce_dos *d);
/* d's due basis from the row's data, parsed (root). */
void mce_decode_basis(mce_dos *d, const json_t *root);
/* The version (name, version) of the stored text hash, compiled against e's catalogue once and
 * kept in e: *out, or NULL with *why saying why it cannot run (the text no longer compiles, is
 * not in the store). 0, or MC_ENOMEM or a store error. */
int mce_pinned(mc_engine *e, const char *hash, const char *name, const char *version,
               const mc_procedure **out, const char **why, mc_error *err);
void mce_pins_free(mc_engine *e);
/* Loads dossier id with its procedure version. MC_ENOTFOUND when unknown. */
int mce_load(mc_engine *e, int64_t id, mce_dos *d, mc_error *err);
/* The state d is in. */
static inline const mc_state *mce_cur(const mce_dos *d)
{
    return d->p->machine.states[d->state];
}
/* The identifier of party k of d's procedure (0: the applicant, the dossier's subject), or NULL
 * when the dossier names none. Borrowed from d. */
const char *mce_party_id(const mce_dos *d, uint32_t k);
/* Queues an event of the dossier with what every event records (§11). When the dossier records
 * no events (a volatile engine) body is dropped; callers build it only when d->events. */
int mce_add_event(mc_engine *e, mce_dos *d, const char *kind, const char *actor, int64_t at,
                  json_t *body);
int mce_write_events(mc_engine *e, int64_t dossier, json_t *events, mc_error *err);
/* Writes the dossier row, its correction tickets and its queued events. */
int mce_save(mc_engine *e, mce_dos *d, mc_error *err);

/* ---- the clock, timers and states (clock.c) ---- */
static inline mc_localtime mce_loc(const mce_dos *d, int64_t utc)
{
    return mc_calendar_to_local(d->cal, utc);
}
static inline int64_t mce_utc(const mce_dos *d, mc_localtime t)
{
    return mc_calendar_to_utc(d->cal, t);
}
static inline bool mce_clock_running(const mce_dos *d)
{
    return d->clk == MC_CLOCK_RUNNING;
}
/* The instant the earliest timer of the current state fires (MC_NONE: none), and which. */
/* The due instant d's running clock would have on calendar cal, counted from its basis; MC_NONE
 * when it has no basis (or no running clock, or is overdue). */
int64_t mce_due_on(const mce_dos *d, const mc_calendar *cal);
int64_t mce_next_timer(const mce_dos *d, size_t *which);
/* The first year past the calendar's coverage that d's due instant or next timer was counted
 * into (mc_dossier.uncovered), or 0. */
int mce_uncovered(const mce_dos *d);
/* Sets d's wake instant: its next timer, overdue mark or try of a registry it waits for (a
 * stored dossier's: one that records no events has none). */
void mce_update_wake(mce_dos *d);
/* Whether a requirement of d waits for its live registry and its next try is strictly before
 * now (as a timer: due once the time is past it). */
bool mce_retry_due(const mce_dos *d, int64_t now);
/* Moves the dossier into state `to` at `at` (§4.6); restart: the transition restarts the
 * clock. */
int mce_enter(mc_engine *e, mce_dos *d, uint32_t to, bool restart, int64_t at, mc_error *err);
/* Whether firing extension x now, by a transition to state `to` (restart: restart-clock),
 * leaves a deadline to extend: 0, or a refusal (closed, no running deadline, past due, or a
 * paused limit not counted in working days). */
int mce_check_extension(const mce_dos *d, const mc_extension *x, uint32_t to, bool restart,
                        mce_refusal *rf);
/* Extends d's deadline by x after the transition that fired it entered its state (checked by
 * mce_check_extension): the due instant moves to the end of office hours of the x->by-th
 * working day after the due day (a paused clock keeps that many more working days), and the
 * last queued event records the extension with the old and new due instants. */
int mce_extend(mce_dos *d, const mc_extension *x, mc_error *err);
/* Lets the timers and overdue marks due strictly before now take effect, in order. */
int mce_catch_up(mc_engine *e, mce_dos *d, int64_t now, mc_error *err);

/* ---- fields and conditions (conditions.c) ---- */
/* The record of (registry, document, subject): from the store, or a volatile engine's lookup.
 * 1 found (ref filled), 0 not, or an error. */
/* Before set[0..n) is applied to d's fields by role: a change of another party's identifier is
 * refused to the applicant (as the subject is); made by an officer, it forgets what was fetched
 * for that party, so that the next resolution looks the new one up. */
int mce_parties_set(mce_dos *d, const mc_kv *set, size_t n, const char *role, mce_refusal *rf);
int mce_record_get(mc_engine *e, const char *registry, const char *document, const char *subject,
                   char *ref, size_t refsz, mc_error *err);
/* Checks then applies FIELD=VALUE pairs (nothing changes on a refusal). */
int mce_set_fields(mce_dos *d, const mc_kv *kv, size_t n, mce_refusal *rf, mc_error *err);
/* After fields were set by role: when the subject field changed, refuses it to the applicant
 * (`role`), or makes the new value the dossier's subject, keeps the former one in
 * d->former_subject, and forgets what was fetched for the former subject, so that the next
 * mce_resolve queries the registries for the new one (§5.1). */
int mce_subject_changed(mce_dos *d, const char *role, mce_refusal *rf, mc_error *err);
/* Fills vb with what a rule sees of d: every field that has a value and every requirement that
 * applies. 0, or MC_ENOMEM (vb needs no freeing then); free with mce_view_free. */
int mce_make_view(mc_engine *e, const mce_dos *d, mce_view_buf *vb);
void mce_view_free(mce_view_buf *vb);
/* Writes what rules see of d's version and submission instant into d's own texts, unless they
 * hold already (for d's procedure, calendar and instant as they are): the view's texts, written
 * when a rule first reads one. */
void mce_keep_view_texts(mce_dos *d);
/* The rule module.function of e's rules (*out), as mc_rules_resolve says, remembered for the
 * next call without formatting its key: 0, or what mc_rules_resolve returns (MC_ENOTFOUND). */
int mce_rule(mc_engine *e, const char *module, const char *function, const mc_rule **out,
             mc_error *err);
/* Evaluates a condition: 0 with *holds, MC_EREFUSED (a rule failed), or an error. */
int mce_eval(mc_engine *e, const mce_dos *d, const mc_cond *c, bool *holds, mce_refusal *rf,
             char *reason, size_t reasonsz, mc_error *err);

/* ---- the once-only rule (onceonly.c) ---- */
/* Resolves every requirement (§5.1): fetched, asked (with the reason), provided. A live
 * registry's requirement is resolved with the operation's answer (e->live); when some are
 * missing, every one missing is queued in e->live->pending and MCE_ELOOKUP is returned. */
int mce_resolve(mc_engine *e, mce_dos *d, mce_refusal *rf, mc_error *err);
/* Refuses a note that names a fetched document (§5.3), matched in NFC; a note that cannot be
 * checked (a pattern gives up: `limit`; not UTF-8 or too long) is refused too. MC_EREFUSED, or
 * MC_ENOMEM (without a message). */
int mce_check_note(const mce_dos *d, const char *note, mce_refusal *rf);
/* Refuses to ask the applicant for requirement k of d when a registry's record of it was fetched
 * (§5.1): MC_EREFUSED, or 0. */
int mce_check_ask(const mce_dos *d, size_t k, mce_refusal *rf);
/* Adds d's live look-ups of the operation to an event's body ("lookups"), when there are. */
int mce_add_lookups(const mce_dos *d, json_t *body);
/* Has the pending look-ups of live answered by e's client and moves them to the answers. 0, or
 * the client's error (MC_ENOMEM). */
int mce_ask_registries(mc_engine *e, mce_live *live, mc_error *err);
void mce_live_free(mce_live *live);

#endif
