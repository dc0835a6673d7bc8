/*
 * What the two front ends, the motcua command (cli) and its HTTP server (serve), share: the
 * options of a run and their helpers (loading the catalogue and its rules, the rule limits,
 * --now, printing diagnostics, exit statuses, usage errors). Only the front ends print; the
 * library reports through return codes and mc_diags. The JSON views both give are in view.h.
 */
#ifndef MOTCUA_FRONT_H
#define MOTCUA_FRONT_H

#include "motcua/catalogue.h"
#include "motcua/msg.h"
#include "motcua/rules.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

/* The exit statuses of SPEC §10: ok, refused or failed, usage, I/O (and out of memory). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

/* The options of one run of the program, as main.c parsed them from the command line: what the
 * commands of cli and serve read. */
typedef struct front_opts {
    const char *catalogue;   /* the first --catalogue DIR (the base layer), or NULL */
    const char **catalogues; /* every --catalogue DIR, lowest layer first */
    int ncatalogues;
    const char *db;          /* --db FILE */
    const char *now;         /* --now DATETIME */
    const char *date;        /* --date DATE */
    const char *rule_memory; /* --rule-memory BYTES (K, M suffixes) */
    const char *rule_steps;  /* --rule-steps N */
    const char *rule_time;   /* --rule-time MS */
    const char *channel, *as, *note, *documents, *request_id, *new_date, *reason, *state;
    const char *filter;          /* --filter TEXT (test) */
    /* --reform NAME (cost, simulate), repeatable: the reforms applied one after the other */
    const char **reforms;
    int nreforms;
    /* --compare A,B,C (cost, simulate): several reforms side by side, each on the baseline */
    const char *compare;
    /* filters of cost and simulate (comma lists of names or globs): --agency (also token add's
     * list of agencies) below, --sector, --procedure, --code */
    const char *sector, *procedure, *code;
    /* sensitivity (cost, simulate): --income N (VND an hour), --count-waiting yes|no, and
     * --coverage REGISTRY=P% (repeatable) change one assumption for one run */
    const char *income, *count_waiting;
    const char **coverage_set;
    int ncoverage_set;
    const char *runs; /* --runs K (simulate): K seeds, each figure with a 95% interval */
    const char *jobs; /* --jobs N (simulate): threads */
    const char *xlsx; /* --xlsx FILE (cost): the tables as a workbook with formulas */
    const char *from, *to;       /* --from DATE, --to DATE (report, simulate) */
    const char *dossiers, *seed; /* --dossiers N, --seed S (simulate) */
    bool year;                   /* --year (simulate) */
    const char *listen, *tokens; /* --listen HOST:PORT, --tokens FILE (serve) */
    bool no_timers;              /* --no-timers (serve): no timer scheduler */
    /* --config FILE (serve: the options above from a file, config.h), --log-level
     * error|warn|info|debug and --error-log FILE (serve: its messages; stderr without it) */
    const char *config, *log_level, *error_log;
    /* --access-log FILE (serve: stderr without it), --metrics-listen HOST:PORT (serve) */
    const char *access_log, *metrics_listen;
    /* --trusted-proxy ADDRESS (serve): the proxy whose X-Forwarded-For names the client, for
     * GET /api/track's rate limit (docs/security.md) */
    const char *trusted_proxy;
    /* --by officer (report); --by agency|sector|procedure (cost, simulate): subtotals */
    const char *by;
    bool migrate;          /* --migrate (serve): migrate an older store before starting */
    /* the live registries' endpoints: `registry NAME { … }` blocks of the configuration file
     * only (config.h), given to the connector (connect.h) */
    const struct mc_registry_endpoint *registries;
    int nregistries;
    const char *to_backup; /* --to-backup FILE (migrate) */
    /* --coverage-from STORE, --since DATE, --until DATE (cost, simulate): the live registries'
     * coverage measured in that store over those local dates (both included) */
    const char *coverage_from, *since, *until;
    /* --calibrate-from STORE (simulate): estimate the simulation figures from that store's
     * history and write them as a catalogue layer (to --out) instead of simulating */
    const char *calibrate_from;
    const char *html;            /* --html FILE (cost, simulate, report): also write a page */
    const char *out, *tables,
        *assumptions; /* --out DIR, --tables FILE, --assumptions FILE (import) */
    const char *key, *checkpoint, *public_key; /* --key, --checkpoint, --public-key FILE */
    const char *subject;                       /* --subject S (audit) */
    const char *limit, *cursor, *search;       /* --limit N, --cursor C, --search TEXT (list) */
    bool overdue;
    bool layers; /* --layers (lint) */
    bool strict; /* --strict (lint): warnings count as errors */
    bool keep_going; /* --keep-going (cost): a study whose fee rules fail is still printed */
    /* repeatable: --field K=V, --attach D, --set K=V, --dispute D=S */
    const char **field, **attach, **set, **dispute;
    int nfield, nattach, nset, ndispute;
    /* token add: --actor NAME, --roles R,R, --agency A,A; --secret is refused (never a secret
     * on the command line), --secret-stdin reads it */
    const char *actor, *roles, *agency, *secret;
    bool secret_stdin;
    bool json; /* --format json */
    const char *format;
    /* --lang vi|en (every command): the language of the sentences said to people — refusals,
     * the checklist's reasons, explain — and, in text output, of dates (dd/mm/yyyy HH:mm) and
     * amounts (1.234.567 đ). English by default (SPEC §5.2); no environment variable changes
     * it, so that a script's output does not depend on the shell it runs in. */
    const char *lang_name;
    mc_lang lang;
    const char **args; /* positional arguments after the command */
    int nargs;
} front_opts;

/* Prints "motcua: MESSAGE (see 'motcua help')" to stderr and returns EXIT_USAGE. */
int front_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Prints the diagnostics in the text format of SPEC §2 to f. */
void front_print_diags(FILE *f, const mc_diags *d);
/* Loads the rule modules of every layer of o (each --catalogue DIR's rules/, lowest first) into
 * rules; a module name a lower layer has already loaded is an error in diags. Returns 0,
 * MC_ECHECK when a module has errors, MC_EIO, MC_ENOMEM. */
int front_rules_load(const front_opts *o, mc_rules *rules, mc_diags *diags, mc_error *err);
/* Loads the rule modules and the catalogue of o (every --catalogue DIR a layer, lowest first:
 * its rules/ and procedures/) or of explicit paths (a catalogue folder among them is a layer of
 * its own, with its rules/; the other paths, a run at a time, a layer). Diagnostics go to
 * *diags (created here). Returns the library's code: MC_ECHECK when rules or catalogue had
 * errors (*cat is then NULL); MC_EUSAGE after a message when a rule limit is invalid. *rules may
 * be NULL when not wanted. */
int front_load(front_opts *o, const char *const *paths, size_t npaths, mc_catalogue **cat,
               mc_rules **rules, mc_diags **diags, mc_error *err);
/* The rule limits of --rule-memory, --rule-steps and --rule-time; EXIT_USAGE after a message if
 * invalid. */
int front_rule_opts(const front_opts *o, mc_rules_opts *opts);
/* The check of a rule limit's value: NULL when value is one that name ("rule-memory",
 * "rule-steps" or "rule-time") takes, with the limit in *out; else what it takes ("a size from
 * 64K to 4096M"), for the caller's message. */
const char *front_rule_limit(const char *name, const char *value, uint64_t *out);
/* "HOST:PORT" into addr, as --listen takes it: an IPv4 address (127.0.0.1:8080) or an IPv6 one
 * in brackets ([::1]:8080), and a port from 0 (any free one) to 65535. 0, or -1 when text is
 * not one. */
int front_listen_parse(const char *text, struct sockaddr_storage *addr);
/* Exit status for a library error code. */
int front_exit_for(int rc);
/* A decimal number of s[0..n): at most 18 digits without a leading zero, after a '-' when
 * neg_ok. false when s is not one. */
bool front_decimal(const char *s, size_t n, bool neg_ok, int64_t *out);
/* The instant of --now, read as local time of calendar cal (the default calendar, or the
 * built-in one when NULL), or the computer's clock without --now. EXIT_USAGE after a message
 * when --now is malformed, else EXIT_OK. */
int front_now(const front_opts *o, const mc_calendar *cal, int64_t *out);
/* v hundredths with two decimals: 1234 gives "12.34", -5 gives "-0.05". */
void front_hundredths(int64_t v, char out[32]);

#endif
