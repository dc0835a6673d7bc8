/*
 * The motcua command: what its commands share (options, loading the catalogue, printing
 * diagnostics). Only the CLI prints; the library reports through return codes and mc_diags.
 */
#ifndef MOTCUA_CLI_H
#define MOTCUA_CLI_H

#include "motcua/catalogue.h"
#include "motcua/engine.h"
#include "motcua/report.h"
#include "motcua/rules.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

typedef struct cli {
    const char *catalogue;   /* --catalogue DIR */
    const char *db;          /* --db FILE */
    const char *now;         /* --now DATETIME */
    const char *date;        /* --date DATE */
    const char *rule_memory; /* --rule-memory BYTES (K, M suffixes) */
    const char *rule_steps;  /* --rule-steps N */
    const char *rule_time;   /* --rule-time MS */
    const char *channel, *as, *note, *documents, *request_id, *new_date, *reason, *state;
    const char *filter;          /* --filter TEXT (test) */
    const char *reform;          /* --reform NAME (cost, simulate) */
    const char *from, *to;       /* --from DATE, --to DATE (report, simulate) */
    const char *dossiers, *seed; /* --dossiers N, --seed S (simulate) */
    bool year;                   /* --year (simulate) */
    const char *listen, *tokens; /* --listen HOST:PORT, --tokens FILE (serve) */
    const char *html;            /* --html FILE (cost, simulate, report): also write a page */
    const char *out, *tables,
        *assumptions; /* --out DIR, --tables FILE, --assumptions FILE (import) */
    const char *key, *checkpoint, *public_key; /* --key, --checkpoint, --public-key FILE */
    const char *subject;                       /* --subject S (audit) */
    bool overdue;
    /* repeatable: --field K=V, --attach D, --set K=V, --dispute D=S */
    const char **field, **attach, **set, **dispute;
    int nfield, nattach, nset, ndispute;
    bool json; /* --format json */
    const char *format;
    const char **args; /* positional arguments after the command */
    int nargs;
} cli;

/* A command of the table in main.c: its name, what runs it, its usage and summary for help,
 * and the options it takes (a NULL-terminated list of names such as "--db"; any other option
 * is a usage error). */
typedef struct command {
    const char *name;
    int (*run)(cli *c);
    const char *usage;
    const char *summary;
    const char *const *options;
} command;

int cmd_lint(cli *c);
int cmd_graph(cli *c);
int cmd_submit(cli *c);
int cmd_fire(cli *c);
int cmd_apologize(cli *c);
int cmd_show(cli *c);
int cmd_list(cli *c);
int cmd_history(cli *c);
int cmd_tick(cli *c);
int cmd_verify(cli *c);
int cmd_registry(cli *c);
int cmd_explain(cli *c);
int cmd_test(cli *c);
int cmd_cost(cli *c);
int cmd_report(cli *c);
int cmd_simulate(cli *c);
int cmd_serve(cli *c);
int cmd_hash_token(cli *c);
int cmd_import(cli *c);
int cmd_keygen(cli *c);
int cmd_checkpoint(cli *c);
int cmd_audit(cli *c);

/* The name of the OS user running the command: the actor of the CLI's reads in the access
 * log (access.h). */
const char *cli_os_user(void);

/* Prints a usage error and returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Prints the diagnostics in the text format of SPEC §2 to f. */
void cli_print_diags(FILE *f, const mc_diags *d);
/* Loads the rule modules and the catalogue of c (its rules/ and procedures/) or of explicit
 * paths. Diagnostics go to *diags (created here). Returns the library's code: MC_ECHECK when
 * rules or catalogue had errors (*cat is then NULL). *rules may be NULL when not wanted. */
int cli_load(cli *c, const char *const *paths, size_t npaths, mc_catalogue **cat, mc_rules **rules,
             mc_diags **diags, mc_error *err);
/* The rule limits of --rule-memory, --rule-steps and --rule-time; EXIT_USAGE after a message if
 * invalid. */
int cli_rule_opts(const cli *c, mc_rules_opts *opts);
/* Exit status for a library error code. */
int cli_exit_for(int rc);
/* The instant of --now, read as local time of calendar cal (the default calendar, or the
 * built-in one when NULL), or the computer's clock without --now. EXIT_USAGE after a message
 * when --now is malformed, else EXIT_OK. */
int cli_now(const cli *c, const mc_calendar *cal, int64_t *out);
/* Today in the built-in calendar (UTC+07:00), the default of --date, --from and --to: the
 * offices' date, whatever the time zone of the computer. */
mc_date cli_today(void);

/* A dossier as `show --format json` and the HTTP API give it (render.c), its times as local
 * "YYYY-MM-DDTHH:MM" of calendar cal, and the names of requirement statuses. */
json_t *cli_dossier_json(const mc_calendar *cal, const mc_dossier *d);
void cli_time_text(const mc_calendar *cal, int64_t t, char out[17]);
extern const char *const cli_status_names[];
/* Why each document of d is asked, fetched, provided or not required — its condition, its
 * story, its registry and record, its legal basis — or only document `only`; NULL when the
 * procedure does not require `only`. */
json_t *cli_explain_json(const mc_dossier *d, const char *only);
/* Why d pays its fee (issue 16): the amount charged; for a fee schedule, the line in force on
 * the day of reception, its legal basis, and the reduced or exempt category applied with its
 * basis; a `story` sentence that says it all. NULL when the procedure charges no fee, or out of
 * memory. */
json_t *cli_fee_json(const mc_dossier *d);
/* An event of the audit chain, and a dossier as a line of a list, as `history --format json`,
 * `list --format json` and the HTTP API give them. */
json_t *cli_event_json(const mc_calendar *cal, const mc_event_row *ev);
json_t *cli_row_json(const mc_calendar *cal, const mc_dossier_row *row);

/* The indices 0..n-1 into out (room for n), by keys[i] largest first (ties by index); returns
 * how many of them a chart shows: at most k. The commands' pages chart the largest procedures
 * and say how many the table lists. (Single-threaded: the command line's helper.) */
size_t cli_top(const double *keys, size_t n, size_t k, size_t *out);
enum { CLI_CHART_MAX = 25 };

/* The indicators of SPEC §9 as report prints them (cmd_report.c): the header of the text or CSV
 * table, one row, and one row as JSON. */
void cli_indicators_header(bool csv);
void cli_indicators_row(const mc_indicators *x, bool csv);
json_t *cli_indicators_json(const mc_indicators *x);
/* v with its thousands separated for people: "-1,234,567". */
void cli_thousands(int64_t v, char out[32]);
/* v hundredths with two decimals: 1234 gives "12.34", -5 gives "-0.05". */
void cli_hundredths(int64_t v, char out[32]);
/* A procedure as a cell of a page's table (html.h): its name, then on a second line the title
 * of its latest version, with the Vietnamese title when that differs ("birth-registration\n
 * Birth registration — Đăng ký khai sinh"). NULL when it has no title or out of memory: show
 * the name. The caller frees it. */
char *cli_procedure_cell(const mc_catalogue *cat, const char *name);

#endif
