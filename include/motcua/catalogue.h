/*
 * The catalogue: every declaration of SPEC §4 (calendars, roles, documents, registries,
 * lifecycles, procedures with their versions, reforms, cost models), loaded from .proc files,
 * checked, and frozen. Once mc_catalogue_load() succeeds the catalogue never changes; every
 * pointer it hands out is borrowed and lives as long as the catalogue. The structures below
 * are read-only views: never write through them.
 *
 * References between declarations are resolved at load: a transition points at its target
 * state by index into its machine, a requirement at its document, and so on. Names that only
 * make sense inside a procedure (fields used by a lifecycle's conditions) stay names, checked
 * against every procedure that uses the lifecycle.
 */
#ifndef MOTCUA_CATALOGUE_H
#define MOTCUA_CATALOGUE_H

#include "motcua/diag.h"
#include "motcua/error.h"
#include "motcua/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mc_catalogue mc_catalogue;
typedef struct mc_regex mc_regex; /* a compiled PCRE2 pattern */

/* Where a declaration or reference was written: a file of the catalogue and a byte offset. */
typedef struct mc_pos {
    uint32_t file; /* index into mc_catalogue_file() */
    uint32_t off;
} mc_pos;

typedef struct mc_text {
    const char *lang; /* two-letter tag, or NULL for the default language */
    const char *text;
} mc_text;

typedef struct mc_strings {
    const char *const *items;
    size_t n;
} mc_strings;

/* ---- calendars (§4.1) ------------------------------------------------------------------- */

typedef struct mc_hours {
    int from, to; /* minutes after midnight, from < to */
} mc_hours;

typedef struct mc_day_note {
    mc_date from, to; /* inclusive; from == to for one day */
    const char *title;
} mc_day_note;

/* A holiday that comes back every year (§4.1): on a civil date (`holiday every MM-DD`) or on a
 * date of the Vietnamese lunar calendar (`holiday lunar MM-DD`); a range whose end comes before
 * its start ends in the next year. */
typedef struct mc_recurring {
    bool lunar;
    int from_month, from_day, to_month, to_day;
    const char *title;
} mc_recurring;

/* The years for which the days off of recurring holidays are worked out (mc_calendar.observed);
 * outside them, recurring holidays are not applied (and a calendar's `covers` cannot reach). */
#define MC_CALENDAR_FIRST_YEAR 1900
#define MC_CALENDAR_LAST_YEAR 2199

typedef struct mc_calendar {
    const char *name;
    mc_pos pos;
    bool is_default;
    int utc_offset; /* minutes east of UTC */
    uint8_t week;   /* bit d set: weekday d (0 = Monday) is a working day */
    const mc_hours *hours;
    size_t nhours;
    int cutoff; /* minutes after midnight, or -1 */
    const mc_day_note *holidays;
    size_t nholidays;
    const mc_day_note *workdays;
    size_t nworkdays;
    int first_year, last_year; /* `covers`: the years whose holidays are declared; 0 0: not said */
    const mc_recurring *recurring;
    size_t nrecurring;
    const mc_date *observed; /* the days off the recurring holidays give, sorted, no repeats */
    size_t nobserved;
    /* Every day from working_from (included) to working_to (excluded) as one bit, set on a
     * working day: what mc_calendar_is_working says, worked out once when the calendar is built
     * (NULL for a calendar built by hand, which is then read rule by rule). */
    const uint64_t *working;
    mc_date working_from, working_to;
} mc_calendar;

/* ---- roles, documents, registries (§4.2–§4.4) ------------------------------------------ */

typedef struct mc_role {
    const char *name;
    mc_pos pos;
    bool builtin; /* applicant, system */
    const mc_text *titles;
    size_t ntitles;
} mc_role;

typedef struct mc_registry mc_registry;

/* How long a document stays valid after its issue date (`valid 6 months`); n == 0: forever. */
typedef enum { MC_VALID_DAYS, MC_VALID_MONTHS, MC_VALID_YEARS } mc_valid_unit;
typedef struct mc_validity {
    int32_t n; /* 1 … 1200 months, 36500 days, 100 years; 0: no limit */
    mc_valid_unit unit;
    mc_pos pos; /* of the `valid` directive's number */
} mc_validity;

/* The first day on which a document issued on `issued` is no longer valid: the same day of the
 * month n months (or years) later, the last day of that month when it is shorter (issued
 * 2026-08-31, valid 6 months: expired from 2027-02-28), or issued + n days. A record issued on
 * D and valid 6 months may serve a dossier received up to the day before the expiry. */
mc_date mc_validity_expiry(const mc_validity *v, mc_date issued);
/* "6 months", "1 year", "30 days" into out. */
void mc_validity_text(const mc_validity *v, char *out, size_t outsz);

typedef struct mc_document {
    const char *name;
    mc_pos pos;
    const mc_text *titles;
    size_t ntitles;
    const char *match_source;    /* the pattern as written, or NULL */
    const mc_regex *match;       /* compiled (UTF, case as the pattern says), or NULL */
    const mc_registry *registry; /* the registry that holds it (baseline), or NULL */
    mc_validity valid;           /* `valid N days|months|years`; n == 0: no limit */
} mc_document;

struct mc_registry {
    const char *name;
    mc_pos pos;
    const mc_text *titles;
    size_t ntitles;
    const mc_document *const *holds;
    size_t nholds;
    bool has_published;
    mc_date published;
    bool has_coverage;
    mc_fixed coverage;           /* percent */
    const char *subjects_source; /* `subjects "PATTERN"` as written, or NULL */
    const mc_regex *subjects;    /* the pattern every subject matches, whole; or NULL */
    /* `live`: asked at the moment a dossier needs a record (engine.h, mc_registry_client),
     * when the engine has a client; otherwise its imported records serve (docs/language.md) */
    bool live;
    bool has_reuse;
    mc_duration reuse; /* `reuse 1d`: how long an answer may serve later operations (min, h,
                          d); without it an answer serves only the operation that asked */
    bool has_wait;
    mc_duration wait; /* `wait 2d`: how long a dossier waits for the registry when it does not
                         answer (min, h, d of elapsed time), retried with backoff meanwhile;
                         without it an outage asks the applicant at once */
};

/* ---- conditions (§3) -------------------------------------------------------------------- */

typedef enum {
    MC_COND_ALWAYS, /* no `when` */
    MC_COND_FIELD,  /* when FIELD */
    MC_COND_NOT,    /* when not FIELD */
    MC_COND_IS,     /* when FIELD is VALUE */
    MC_COND_RULE,   /* when rule MODULE.FUNCTION */
    /* when documents complete: no document the dossier requires is still asked of the applicant
     * (a guard of a transition or an extension; issue 23: the one-stop lifecycle's approval
     * guard, which every simulated dossier passes, without a call into Lua) */
    MC_COND_DOCUMENTS_COMPLETE,
} mc_cond_kind;

typedef struct mc_rule_ref {
    const char *module;
    const char *function;
    mc_pos pos;
} mc_rule_ref;

typedef struct mc_cond {
    mc_cond_kind kind;
    const char *field; /* FIELD, IS and NOT */
    const char *value; /* IS */
    mc_rule_ref rule;  /* RULE */
    mc_pos pos;        /* of the field name or the rule reference */
    mc_pos value_pos;  /* of VALUE (IS) */
} mc_cond;

/* ---- lifecycles and states (§4.6) ------------------------------------------------------- */

typedef enum { MC_CLOCK_RUNNING, MC_CLOCK_PAUSED, MC_CLOCK_STOPPED } mc_clock;
typedef enum {
    MC_OUTCOME_NONE,
    MC_OUTCOME_GRANTED,
    MC_OUTCOME_REFUSED,
    MC_OUTCOME_WITHDRAWN,
    MC_OUTCOME_STOPPED,
} mc_outcome;

typedef struct mc_transition {
    const char *event;
    const char *target_name;
    uint32_t target; /* index into the machine's states */
    const mc_role *const *roles;
    size_t nroles;
    mc_cond when;
    bool restart_clock;
    bool has_chance;
    mc_fixed chance;   /* percent */
    mc_pos pos;        /* of the event */
    mc_pos target_pos; /* of the target state's name */
    /* The event interned in its state: 1 + the index in the state's `on` of its first
     * transition with the same event, so that the transitions of one event share it and are
     * found from there by integer (the engine's firing); 0: not interned (names compared). */
    uint32_t event_id;
} mc_transition;

typedef struct mc_timer {
    mc_duration after;
    const char *target_name;
    uint32_t target;
    bool has_chance;
    mc_fixed chance;
    mc_pos pos;        /* of the duration */
    mc_pos target_pos; /* of the target state's name */
} mc_timer;

typedef struct mc_issue {
    const mc_document *document;
    const mc_registry *registry;
    mc_pos pos;
    /* `for PARTY…`: the parties under whose identifiers the record is filed, as written (checked
     * against each procedure whose machine has the state); nparties 0: the applicant only. */
    const char *const *parties;
    const mc_pos *party_pos;
    size_t nparties;
} mc_issue;

typedef struct mc_state {
    const char *name;
    mc_pos pos;
    bool initial;
    bool final;
    mc_clock clock; /* with the defaults of §4.6 applied */
    mc_outcome outcome;
    const mc_transition *on;
    size_t non;
    const mc_timer *after;
    size_t nafter;
    const mc_issue *issues;
    size_t nissues;
    bool has_takes;
    mc_duration takes_min, takes_max; /* max == min when one value was given */
    const mc_text *titles; /* `title "…"`, `title vi "…"` (issue 21); ntitles 0: none */
    size_t ntitles;
} mc_state;

/* The titles of an event (`event NAME { title "…"; title vi "…" }` in a lifecycle or a
 * procedure, issue 21): what people read for it. An event needs no declaration to be fired;
 * the declaration only names it for people, and lint checks that a transition fires it. */
typedef struct mc_event {
    const char *name;
    mc_pos pos;
    const mc_text *titles;
    size_t ntitles;
} mc_event;

/* A state machine: the states of a lifecycle, or a procedure's (lifecycle states replaced by
 * the procedure's own of the same name, in place, then its new states). */
typedef struct mc_machine {
    const mc_state *const *states;
    size_t nstates;
    uint32_t initial;
} mc_machine;

typedef struct mc_lifecycle {
    const char *name;
    mc_pos pos;
    const mc_role *const *apology_by;
    size_t napology_by;
    mc_machine machine;
    uint32_t text_file, text_start, text_end; /* its declaration as written (file, bytes) */
    const mc_event *events; /* its `event` blocks, in written order */
    size_t nevents;
} mc_lifecycle;

/* An agency that handles procedures (`agency NAME { title "…"; title vi "…" }` at the top
 * level, issue 21): its full name for people and printed forms ("Ủy ban nhân dân xã …"). A
 * procedure's `agency NAME` need not be declared; an undeclared one is shown by its name. */
typedef struct mc_staff mc_staff;
typedef struct mc_arrivals mc_arrivals;

typedef struct mc_agency {
    const char *name;
    mc_pos pos;
    const mc_text *titles;
    size_t ntitles;
    /* Officers (issue 23): `staff ROLE N` lines, in the order written, one per role (nstaff 0:
     * not staffed, officers unlimited); `arrivals { … }`, or NULL (dossiers arrive evenly). */
    const mc_staff *staff;
    size_t nstaff;
    const mc_arrivals *arrivals;
} mc_agency;

/* ---- procedures (§4.5, §4.7) ------------------------------------------------------------ */

typedef enum {
    MC_FIELD_TEXT,
    MC_FIELD_INTEGER,
    MC_FIELD_NUMBER,
    MC_FIELD_DATE,
    MC_FIELD_BOOL,
    MC_FIELD_CHOICE,
    MC_FIELD_MONEY,
} mc_field_type;

/* An option of a choice field as people read it (issue 21): its name as `options` lists it,
 * with the titles of its `option NAME { title … }` block in the field, if any. */
typedef struct mc_option {
    const char *name;
    mc_pos pos;    /* the name in the `options` line */
    bool declared; /* an `option` block titles it; block_pos is its name there */
    mc_pos block_pos;
    const mc_text *titles;
    size_t ntitles;
} mc_option;

typedef struct mc_field {
    const char *name;
    mc_pos pos;
    mc_field_type type;
    bool required;
    const char *pattern_source;
    const mc_regex *pattern; /* anchored at both ends, or NULL */
    mc_strings options;      /* choice */
    const mc_text *titles;
    size_t ntitles;
    bool has_sample;
    mc_fixed sample;              /* bool: percent true */
    const mc_fixed *option_share; /* choice: percent per option (nopts), or NULL */
    const mc_option *option_info; /* choice: one per option, in the order of options; else NULL */
} mc_field;

typedef struct mc_requirement {
    const mc_document *document;
    mc_pos pos;
    /* `of PARTY`: the party whose registry record satisfies it, an index into the procedure's
     * parties (0: the applicant, also when `of` is left out); party_name as written, or NULL. */
    uint32_t party;
    const char *party_name;
    mc_pos party_pos;
    mc_cond when;
    bool has_effort;
    mc_duration effort;
    bool has_cost;
    mc_money cost;
    mc_strings legal_basis;
} mc_requirement;

/* A person a dossier concerns (`party NAME { field FIELD; title "…" }` in a procedure): the
 * registries look its records up, and file the results issued for it, under the value of its
 * field. A procedure's parties[0] is the built-in `applicant`, identified by the `subject`. */
typedef struct mc_party {
    const char *name;
    mc_pos pos;
    const mc_field *field; /* into the procedure's fields; NULL: the applicant without subject */
    const mc_text *titles;
    size_t ntitles;
    bool has_sample;
    mc_fixed sample; /* cost and simulation: percent of dossiers that name it (else 100%) */
} mc_party;

/* The most parties one procedure may declare besides the applicant. */
#define MC_MAX_PARTIES 8

/* An extension of the time limit (`extension NAME { … }` in a procedure): firing `event` (by one
 * of `roles`, when `when` holds) moves the due instant to the end of office hours of the
 * `by`-th working day after the current due day, at most `at_most` times in a dossier. */
typedef struct mc_extension {
    const char *name;
    mc_pos pos;
    mc_duration by; /* working days (MC_DUR_WD), whole */
    int64_t at_most;
    const char *event; /* the event whose transition fires it */
    mc_pos event_pos;
    const mc_role *const *roles; /* who may fire it (nroles 0: whoever may fire the event) */
    size_t nroles;
    mc_cond when;
    mc_strings legal_basis;
    const mc_text *titles;
    size_t ntitles;
} mc_extension;

/* The most extensions one procedure may declare. */
#define MC_MAX_EXTENSIONS 8

/* A part of an interconnected procedure (`part NAME { procedure PROC; after PART… }`, issue 25):
 * one agency's share of a dossier filed once. The part runs as a dossier of its own procedure
 * (its roles, states, clock and time limit), started by the engine when the parts it comes
 * after have ended with a granted outcome (at filing when it comes after none). */
typedef struct mc_part {
    const char *name;
    mc_pos pos;
    const char *procedure; /* the procedure of the part (its version in force when it starts) */
    mc_pos procedure_pos;
    const uint32_t *after; /* indexes into the parent's parts, each declared before this one */
    size_t nafter;
    mc_cond when; /* `when COND` on the dossier's fields: the part is needed only when it holds */
    const mc_text *titles;
    size_t ntitles;
} mc_part;

/* The most parts one interconnected procedure may declare. */
#define MC_MAX_PARTS 8

/* The events the engine fires on an interconnected dossier when its parts have ended: every part
 * granted, or one ended otherwise (or could not start). Nobody else may fire them. */
#define MC_EVENT_PARTS_DONE "parts-done"
#define MC_EVENT_PARTS_FAILED "parts-failed"

typedef enum { MC_FEE_NONE, MC_FEE_FIXED, MC_FEE_RULE, MC_FEE_SCHEDULE } mc_fee_kind;

/* ---- fee schedules (issue 16) ---------------------------------------------------------------
 *
 * `fee-schedule NAME { amount 8000 VND from 2025-01-01 legal-basis "…"; reduced 50% when FIELD
 * legal-basis "…"; exempt when FIELD is VALUE legal-basis "…" }`: the amounts of a fee with the
 * dates they take effect and the legal basis of each, and the categories of applicants who pay
 * less or nothing, tested on the dossier's fields. A procedure uses one with
 * `fee schedule NAME`. */

typedef struct mc_fee_amount {
    mc_money amount;
    mc_date from;            /* in force from this date until the next line's */
    const char *legal_basis; /* or NULL */
    mc_pos pos;              /* of the `amount` directive */
} mc_fee_amount;

typedef enum { MC_RELIEF_REDUCED, MC_RELIEF_EXEMPT } mc_relief_kind;

typedef struct mc_fee_relief {
    mc_relief_kind kind;
    mc_fixed share;          /* REDUCED: the percent taken off (50% pays half); EXEMPT: 100% */
    mc_cond when;            /* a field condition (FIELD, not FIELD, FIELD is VALUE) */
    const char *legal_basis; /* or NULL */
    mc_pos pos;              /* of the `reduced`/`exempt` directive */
} mc_fee_relief;

typedef struct mc_fee_schedule {
    const char *name;
    mc_pos pos;
    const mc_text *titles;
    size_t ntitles;
    const mc_fee_amount *amounts; /* by `from`, oldest first; at least one */
    size_t namounts;
    const mc_fee_relief *reliefs; /* in written order: exemptions are tried before reductions */
    size_t nreliefs;
} mc_fee_schedule;

/* What a schedule charges one dossier: the line in force, the relief applied, the amount. */
typedef struct mc_fee_basis {
    const mc_fee_amount *line;   /* NULL: no amount in force on the date (amount 0) */
    const mc_fee_relief *relief; /* NULL: the full amount */
    int64_t amount;              /* after the relief, rounded half up to the smallest unit */
} mc_fee_basis;

/* The line of s in force on date (the latest `from` on or before it), or NULL. */
const mc_fee_amount *mc_fee_schedule_line(const mc_fee_schedule *s, mc_date date);
typedef enum { MC_ONLINE_NONE, MC_ONLINE_PARTIAL, MC_ONLINE_FULL } mc_online;

/* How a dossier is filed (a rule reads it as d.channel): online, at the counter, by post. */
typedef enum { MC_CHANNEL_ONLINE, MC_CHANNEL_COUNTER, MC_CHANNEL_POST, MC_CHANNELS } mc_channel;

/* "online", "counter", "post". */
extern const char *const mc_channel_names[MC_CHANNELS];

typedef struct mc_procedure {
    const char *name;
    mc_pos pos;
    const char *code; /* or NULL */
    const mc_text *titles;
    size_t ntitles;
    mc_strings legal_basis;
    const char *agency; /* or NULL */
    mc_pos agency_pos;  /* of the agency's name in `agency NAME` */
    const char *sector; /* `sector "TEXT"`: the field of administration it belongs to, or NULL */
    /* `supersedes NAME`: the procedure (another name, e.g. an imported national twin with the
     * same official code) this one replaces in cost studies and simulations, or NULL */
    const char *supersedes;
    bool has_effective;
    mc_date effective;           /* in force from this date (when has_effective) */
    const mc_calendar *calendar; /* the named or default calendar; NULL: built-in weekdays */
    bool has_time_limit;
    mc_duration time_limit;
    mc_fee_kind fee_kind;
    mc_money fee;         /* FIXED */
    mc_rule_ref fee_rule; /* RULE */
    mc_online online;
    bool has_volume;
    int64_t volume; /* dossiers per year */
    int64_t visits;
    /* `channels online P% counter P% post P%` (simulation): the shares of the dossiers filed by
     * each channel (mc_channel order), adding up to 100%; all zero when not declared (each
     * dossier is then filed as mc_cost_channel says, by the `online` level) */
    mc_fixed channels[MC_CHANNELS];
    /* `asks-held P%` (simulation): the share of dossiers in which an officer asks the applicant
     * for a document a registry supplied; the once-only rule refuses each such request */
    mc_fixed asks_held;
    unsigned assumed;        /* MC_ASSUMED_* bits: figures that are assumptions, not statistics */
    const mc_field *subject; /* or NULL */
    /* The text field holding the applicant's name (`applicant FIELD`), which the queue's search
     * finds dossiers by; or NULL */
    const mc_field *applicant;
    const mc_party *parties; /* parties[0]: the applicant (field: subject); then the declared */
    size_t nparties;         /* at least 1 */
    const mc_lifecycle *lifecycle; /* or NULL */
    const mc_field *fields;
    size_t nfields;
    const mc_requirement *requires;
    size_t nrequires;
    mc_machine machine;
    const mc_extension *extensions; /* extensions of the time limit, in declaration order */
    size_t nextensions;
    const mc_fee_schedule *fee_schedule; /* SCHEDULE */
    const mc_event *events; /* its own `event` blocks (its lifecycle's: p->lifecycle->events) */
    size_t nevents;
    /* Its parts when it is interconnected (`part` blocks, issue 25), in declaration order; nparts
     * 0: an ordinary procedure */
    const mc_part *parts;
    size_t nparts;
    /* Its declaration as written (file, bytes from `procedure` to its `}`), and the BLAKE2b of
     * its text (mc_procedure_text) in hex: what a dossier records to run on (issue 19). */
    uint32_t text_file, text_start, text_end;
    char text_hash[65];
} mc_procedure;

/* The fee p's schedule charges a dossier received on date whose field values are values[i] (per
 * p->fields, NULL when unset): the line in force on date; the first exemption whose condition
 * holds, else the first reduction whose condition holds. Returns 0; MC_EUSAGE when p has no
 * schedule. Pure: the same inputs give the same answer. */
int mc_fee_schedule_apply(const mc_procedure *p, mc_date date, const char *const *values,
                          mc_fee_basis *out);

/* ---- reforms (§4.8) and cost models (§8.1) ----------------------------------------------- */

typedef struct mc_reform mc_reform; /* applied by the cost and simulation modules */

/* The figures a procedure's `assumed` directive marks as assumptions (mc_procedure.assumed). */
enum {
    MC_ASSUMED_VOLUME = 1,
    MC_ASSUMED_EFFORT = 2,
    MC_ASSUMED_VISITS = 4,
    MC_ASSUMED_TIME_LIMIT = 8,
    MC_ASSUMED_FEE = 16,
};
/* The names of the figures of `assumed`, in bit order (volume, effort, …); MC_ASSUMED_COUNT. */
#define MC_ASSUMED_COUNT 5
extern const char *const mc_assumed_names[MC_ASSUMED_COUNT];

typedef struct mc_cost_model {
    const char *name;
    mc_pos pos;
    bool is_default;
    mc_money hourly_income;
    mc_fixed hours_per_day;
    mc_duration visit_time;
    mc_money visit_cost;
    bool count_waiting;
} mc_cost_model;

/* ---- loading ---------------------------------------------------------------------------- */

/* What the catalogue asks of the loaded rule modules to check `rule MODULE.FUNCTION`
 * references: the rules layer (rules.h, mc_rules_names) answers. The catalogue sits below the
 * rules, so it knows them only through this table. */
typedef struct mc_rule_names {
    const void *ud;
    /* true when rules/MODULE.lua was there but failed to load (its error is reported) */
    bool (*failed)(const void *ud, const char *module);
    bool (*has_module)(const void *ud, const char *module);
    bool (*has)(const void *ud, const char *module, const char *function);
    /* the loaded modules, or the functions of module (borrowed; *n set) */
    const char *const *(*modules)(const void *ud, size_t *n);
    const char *const *(*functions)(const void *ud, const char *module, size_t *n);
} mc_rule_names;

/* One layer of a layered catalogue (§1 of docs/language.md): the .proc files and folders of one
 * catalogue folder. A later layer adds declarations, `extend`s registries, calendars and roles
 * of lower layers and `replace`s their declarations explicitly; a name declared again without
 * `replace` is an error. */
typedef struct mc_layer {
    const char *name;         /* shown in diagnostics: the catalogue folder as given */
    const char *const *paths; /* .proc files and directories searched recursively for them */
    size_t npaths;
} mc_layer;

typedef struct mc_load_opts {
    const char *const *paths; /* .proc files and directories searched recursively for them */
    size_t npaths;
    const mc_rule_names *rules; /* the rule modules to check references against, or NULL
                                   (references are then not checked) */
    const mc_layer *layers;     /* the layers, lowest first; when nlayers > 0, paths is unused */
    size_t nlayers;
} mc_load_opts;

#define MC_LOAD_OPTS_INIT                                                                          \
    {                                                                                              \
        .paths = NULL, .npaths = 0, .rules = NULL, .layers = NULL, .nlayers = 0                    \
    }

/* Loads and checks the catalogue made of opts->paths. Diagnostics (errors and warnings) go to
 * diags, in file order. Returns 0 and sets *out when there are no errors; MC_ECHECK when the
 * catalogue has errors (*out is NULL); MC_EIO when a path cannot be read, MC_ENOMEM. */
int mc_catalogue_load(mc_catalogue **out, const mc_load_opts *opts, mc_diags *diags, mc_error *err);
/* Loads from in-memory sources: names[i] is shown in diagnostics, texts[i] has lens[i] bytes.
 * Used by tests and the fuzz target. */
int mc_catalogue_load_buffers(mc_catalogue **out, const char *const *names,
                              const char *const *texts, const size_t *lens, size_t n,
                              mc_diags *diags, mc_error *err);
/* The catalogue live (its sources, layer by layer) with one more layer named name holding
 * text[0..len), which must declare exactly one reform and nothing else: what a study sent over
 * the API (POST /api/cost) runs on. Errors as mc_catalogue_load (MC_ECHECK: the text or the
 * reform has errors, in diags). */
int mc_catalogue_load_reform(mc_catalogue **out, const mc_catalogue *live, const char *name,
                             const char *text, size_t len, const mc_rule_names *rules,
                             mc_diags *diags, mc_error *err);
void mc_catalogue_free(mc_catalogue *cat);

/* ---- queries ---------------------------------------------------------------------------- */

/* The version of procedure name in force on date (the latest effective on or before it; a
 * version without `effective` is in force from the beginning), or NULL. */
const mc_procedure *mc_catalogue_procedure(const mc_catalogue *cat, const char *name, mc_date date);
/* The procedure in force on date that supersedes name (its version in force says `supersedes
 * NAME`), or NULL: a superseded procedure is left out of cost studies and simulations, which
 * count the one in force instead (issue 22). */
const mc_procedure *mc_catalogue_superseded(const mc_catalogue *cat, const char *name,
                                            mc_date date);
/* Every version of name, oldest first; *n is set to their number (0 when unknown). */
const mc_procedure *const *mc_catalogue_versions(const mc_catalogue *cat, const char *name,
                                                 size_t *n);
const mc_document *mc_catalogue_document(const mc_catalogue *cat, const char *name);
const mc_registry *mc_catalogue_registry(const mc_catalogue *cat, const char *name);
/* The part of interconnected procedure p called name, or NULL. */
const mc_part *mc_procedure_part(const mc_procedure *p, const char *name);
/* The field called name among fields[0..n) (a procedure's p->fields, p->nfields), or NULL. */
const mc_field *mc_field_find(const mc_field *fields, size_t n, const char *name);
/* The index of p's party called name (0: "applicant"), or -1. */
int mc_party_find(const mc_procedure *p, const char *name);
/* The value of the field identifying party k of p among values (per p->fields, NULL when unset):
 * NULL when the field is unset or empty, or the party has no field. */
const char *mc_party_value(const mc_procedure *p, size_t k, const char *const *values);
/* The extension of p fired by event, or NULL (lint allows one per event). */
const mc_extension *mc_extension_for_event(const mc_procedure *p, const char *event);
/* Whether reg lists doc among the documents it holds. */
bool mc_registry_holds(const mc_registry *reg, const mc_document *doc);
/* Checks subject[0..len) against reg's `subjects` pattern (any subject passes a registry without
 * one). Returns 0 when a record of reg may be filed under it; MC_ESYNTAX with the reason in err
 * when it does not match, or when the pattern gave up (an unchecked subject is never filed);
 * MC_ENOMEM. Every route that files a record for reg calls it. */
int mc_registry_check_subject(const mc_registry *reg, const char *subject, size_t len,
                              mc_error *err);
const mc_role *mc_catalogue_role(const mc_catalogue *cat, const char *name);
const mc_calendar *mc_catalogue_calendar(const mc_catalogue *cat, const char *name);
const mc_lifecycle *mc_catalogue_lifecycle(const mc_catalogue *cat, const char *name);
const mc_reform *mc_catalogue_reform(const mc_catalogue *cat, const char *name);
const mc_cost_model *mc_catalogue_cost_model(const mc_catalogue *cat, const char *name);
const mc_fee_schedule *mc_catalogue_fee_schedule(const mc_catalogue *cat, const char *name);
const mc_agency *mc_catalogue_agency(const mc_catalogue *cat, const char *name);
/* The declaration of event name in p: p's own `event` block, else its lifecycle's; NULL when
 * neither declares it (the event may still be fired). */
const mc_event *mc_procedure_event(const mc_procedure *p, const char *name);
/* The calendar marked default, or NULL (the built-in weekdays apply). */
const mc_calendar *mc_catalogue_default_calendar(const mc_catalogue *cat);
const mc_cost_model *mc_catalogue_default_cost_model(const mc_catalogue *cat);

/* Every declaration of a kind, in load order (procedures: every version, grouped by name,
 * oldest first). */
const mc_procedure *const *mc_catalogue_procedures(const mc_catalogue *cat, size_t *n);
const mc_document *const *mc_catalogue_documents(const mc_catalogue *cat, size_t *n);
const mc_registry *const *mc_catalogue_registries(const mc_catalogue *cat, size_t *n);
const mc_role *const *mc_catalogue_roles(const mc_catalogue *cat, size_t *n); /* + built-ins */
const mc_calendar *const *mc_catalogue_calendars(const mc_catalogue *cat, size_t *n);
const mc_lifecycle *const *mc_catalogue_lifecycles(const mc_catalogue *cat, size_t *n);
const mc_reform *const *mc_catalogue_reforms(const mc_catalogue *cat, size_t *n);
const mc_cost_model *const *mc_catalogue_cost_models(const mc_catalogue *cat, size_t *n);
const mc_fee_schedule *const *mc_catalogue_fee_schedules(const mc_catalogue *cat, size_t *n);
const mc_agency *const *mc_catalogue_agencies(const mc_catalogue *cat, size_t *n);

/* Number of distinct procedure names (versions counted once). */
size_t mc_catalogue_procedure_names(const mc_catalogue *cat);
/* Path of catalogue file i (as given or found), and the number of files. */
const char *mc_catalogue_file(const mc_catalogue *cat, uint32_t i);
size_t mc_catalogue_nfiles(const mc_catalogue *cat);
/* Number of layers the catalogue was loaded from (1 when loaded without layers). */
size_t mc_catalogue_nlayers(const mc_catalogue *cat);
/* The name of layer i (mc_layer.name; "" when loaded without layers), or NULL past the end. */
const char *mc_catalogue_layer_name(const mc_catalogue *cat, size_t i);
/* The layer catalogue file i belongs to (0 for the lowest); a built-in declaration's position
 * (file UINT32_MAX) and any other index past the end answer 0. */
size_t mc_catalogue_file_layer(const mc_catalogue *cat, uint32_t file);

/* What a top-level declaration of a catalogue file does to the lower layers (§1.1). */
typedef enum mc_layer_op { MC_LAYER_DECLARES, MC_LAYER_EXTENDS, MC_LAYER_REPLACES } mc_layer_op;

typedef struct mc_layer_decl {
    mc_layer_op op;
    const char *kind; /* as written: "procedure", "cost-model", "fee-schedule", … */
    const char *name;
    mc_pos pos;    /* its name; its layer is mc_catalogue_file_layer(cat, pos.file) */
    bool replaced; /* a later layer replaced it: it is not in the catalogue */
} mc_layer_decl;

/* Every top-level declaration of the catalogue's files as written, in load order (lowest layer
 * first): each version of a procedure, each `extend` and each `replace` once; a declaration a
 * later layer replaced is still listed, marked replaced. *n is set. What `lint --layers` shows;
 * the array lives as long as cat. */
const mc_layer_decl *mc_catalogue_layer_decls(const mc_catalogue *cat, size_t *n);
/* Line and column of a position (computed from the file's line index, kept after load). */
void mc_catalogue_position(const mc_catalogue *cat, mc_pos pos, uint32_t *line, uint32_t *col);

/* The text of procedure version p (issue 19): its declaration as written, then its lifecycle's
 * when it names one, each ending in a newline; what the store keeps under p->text_hash so that
 * a dossier runs on the procedure it was submitted under. *out is mc_malloc'd (NUL-terminated,
 * *len bytes). 0, or MC_ENOMEM. */
int mc_procedure_text(const mc_catalogue *cat, const mc_procedure *p, char **out, size_t *len);
/* Compiles a stored procedure text (mc_procedure_text) against the live catalogue: the files of
 * live with that procedure version's declaration taken out and the stored one put in, its
 * lifecycle under a name of its own (so the other procedures keep the live lifecycle): the
 * documents, registries, calendars and rule modules are live's. *out is a whole catalogue in
 * which mc_catalogue_versions finds the stored version. hash names the text in diagnostics.
 * MC_ECHECK when the text no longer compiles (its errors in diags), MC_ENOMEM. */
int mc_catalogue_load_pinned(mc_catalogue **out, const mc_catalogue *live, const char *hash,
                             const char *text, const mc_rule_names *rules, mc_diags *diags,
                             mc_error *err);

/* BLAKE2b-256 of the catalogue's files (paths and contents, in load order), in hex: what every
 * event records as the catalogue in force. */
const char *mc_catalogue_hash(const mc_catalogue *cat);

/* Reform accessors (the patch itself is applied by the cost and simulation modules). */
const char *mc_reform_name(const mc_reform *r);
/* The reform's title: the one without a language, else the English one, else the Vietnamese
 * one; NULL when it has none. */
const char *mc_reform_title(const mc_reform *r);
/* The reform's title in lang ("vi"; NULL: the default), falling back as mc_title does; NULL when
 * it has no title. */
const char *mc_reform_title_in(const mc_reform *r, const char *lang);

/* Names of the state, clock, outcome, field type and online level enums, as written. */
const char *mc_clock_name(mc_clock c);
const char *mc_outcome_name(mc_outcome o);
const char *mc_field_type_name(mc_field_type t);
const char *mc_online_name(mc_online o);
/* The localized title in lang (NULL: default), falling back to the default, then any. */
const char *mc_text_pick(const mc_text *titles, size_t n, const char *lang);
/* What people read for a thing called name with titles[0..n) in lang ("vi", or NULL for the
 * default language): the title in lang; else the default title, the English one, the
 * Vietnamese one, in that order; else name. Never NULL when name is not. */
const char *mc_title(const mc_text *titles, size_t n, const char *lang, const char *name);

/* ---- officers and arrivals (issue 23) ------------------------------------------------------
 *
 * `agency NAME { staff clerk 4; staff head 1; arrivals { month 1 80%; weekday mon 130% } }`: the
 * officers of each role who serve the agency's dossiers, working the office hours of the
 * procedures' calendar, and the seasonal pattern of the dossiers the agency receives. A reform
 * changes staffing with `staff AGENCY ROLE N`. Without any `staff` the officers are unlimited:
 * each state's `takes` is a delay, as before. */

struct mc_staff {
    const mc_role *role; /* never a built-in role */
    uint32_t officers;   /* 1 … MC_STAFF_MAX */
    mc_pos pos;          /* of the role's name */
};
#define MC_STAFF_MAX 1000000

/* Relative weights of arrivals (percent, fixed point: 100% is 100 * MC_FIXED_ONE), 100% where
 * the block says nothing: a day's share of the dossiers is proportional to its month's weight
 * times its weekday's. At least one month and one weekday weigh more than 0%. */
struct mc_arrivals {
    mc_fixed month[12];  /* January first */
    mc_fixed weekday[7]; /* Monday first */
    mc_pos pos;          /* of the `arrivals` directive */
};

/* The officers of role in agency (both by name); 0 when the agency or the role is not staffed
 * (unlimited: today's behaviour) or unknown. */
uint32_t mc_catalogue_staff(const mc_catalogue *cat, const char *agency, const char *role);
/* Whether any agency of cat has a `staff` line: without, a simulation is exactly as before. */
bool mc_catalogue_staffed(const mc_catalogue *cat);
/* The arrivals pattern of agency (by name), or NULL when it declares none. */
const mc_arrivals *mc_catalogue_arrivals(const mc_catalogue *cat, const char *agency);
/* The relative weight of date under a (its month's weight × its weekday's, 1.0 for 100% ×
 * 100%); 1.0 when a is NULL. */
double mc_arrivals_weight(const mc_arrivals *a, mc_date date);
/* Lint's staffing check (issue 23): adds to diags a warning at the role of each `staff` line,
 * the agency's or a reform's (against the catalogue as that reform leaves it), whose officers
 * would sit idle: no procedure of the agency has a transition by the role, or the agency handles
 * none; and one at each `arrivals` of an agency that handles no procedure. 0, or MC_ENOMEM. */
int mc_catalogue_check_staffing(const mc_catalogue *cat, mc_diags *diags);

/* Lint's title check (issue 21): adds to diags a warning, at the thing's name, for each thing
 * of cat shown to people without a title in lang ("vi"): procedures, agencies (declared, or
 * named by a procedure without a declaration), documents, registries, roles (not the built-in
 * ones), fields, parties, the states of lifecycles and procedures, and the events their transitions
 * fire; each once, in no particular order (mc_diags_sort orders them). 0, or MC_ENOMEM. */
int mc_catalogue_check_titles(const mc_catalogue *cat, const char *lang, mc_diags *diags);

#endif
