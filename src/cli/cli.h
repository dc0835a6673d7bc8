/*
 * The motcua command: its commands and what they share beyond front.h (today's date, figures
 * for people, the cells and charts of their pages). Only the front ends print; the library
 * reports through return codes and mc_diags.
 */
#ifndef MOTCUA_CLI_H
#define MOTCUA_CLI_H

#include "front/front.h"
#include "front/view.h"
#include "motcua/catalogue.h"
#include "motcua/engine.h"
#include "motcua/report.h"
#include "motcua/rules.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdio.h>

/* A command of the table in src/main.c: its name, what runs it, its usage and summary for help,
 * and the options it takes (a NULL-terminated list of names such as "--db"; any other option
 * is a usage error). */
typedef struct command {
    const char *name;
    int (*run)(front_opts *c);
    const char *usage;
    const char *summary;
    const char *const *options;
} command;

int cmd_lint(front_opts *c);
int cmd_graph(front_opts *c);
int cmd_submit(front_opts *c);
int cmd_fire(front_opts *c);
int cmd_apologize(front_opts *c);
int cmd_show(front_opts *c);
int cmd_list(front_opts *c);
int cmd_history(front_opts *c);
int cmd_tick(front_opts *c);
int cmd_verify(front_opts *c);
/* store copy --from SRC --to DST: a store into a new one, on either backend, verified. */
int cmd_store(front_opts *c);
int cmd_backup(front_opts *c);
int cmd_registry(front_opts *c);
int cmd_explain(front_opts *c);
int cmd_test(front_opts *c);
int cmd_cost(front_opts *c);
int cmd_report(front_opts *c);
int cmd_simulate(front_opts *c);
int cmd_import(front_opts *c);
int cmd_keygen(front_opts *c);
int cmd_checkpoint(front_opts *c);
int cmd_audit(front_opts *c);
/* token add|revoke|list --tokens FILE: edits the tokens file of serve (front/tokfile.h). */
int cmd_token(front_opts *c);
/* deploy-check --catalogue NEW --db STORE: the open dossiers NEW could not run (issue 19). */
int cmd_deploy_check(front_opts *c);
/* migrate --db STORE [--to-backup FILE]: back up, migrate, verify (front/migrate.h). */
int cmd_migrate(front_opts *c);

/* Prints j as JSON text written with flags (JSON_INDENT(2), JSON_PRESERVE_ORDER…) on stdout and
 * frees j. Returns EXIT_OK, or cli_out_of_memory() when j is NULL (a view or a builder that ran
 * out of memory) or its text could not be made: an answer is printed whole or not at all. */
int cli_print_json(json_t *j, size_t flags);
/* Prints "motcua: out of memory" on stderr and returns EXIT_IO. */
int cli_out_of_memory(void);

/* The name of the OS user running the command: the actor of the CLI's reads in the access
 * log (access.h). */
const char *cli_os_user(void);

/* Today in the built-in calendar (UTC+07:00), the default of --date, --from and --to: the
 * offices' date, whatever the time zone of the computer. */
mc_date cli_today(void);

/* The indices 0..n-1 into out (room for n), by keys[i] largest first (ties by index); returns
 * how many of them a chart shows: at most k. The commands' pages chart the largest procedures
 * and say how many the table lists. (Single-threaded: the command line's helper.) */
size_t cli_top(const double *keys, size_t n, size_t k, size_t *out);
enum { CLI_CHART_MAX = 25 };

/* The indicators of SPEC §9 as report prints them (cmd_report.c): the header of the text or CSV
 * table, and one row (their JSON is front_indicators_json, view.h). */
void cli_indicators_header(bool csv);
void cli_indicators_row(const mc_indicators *x, bool csv);
/* v with its thousands separated for people: "-1,234,567". */
void cli_thousands(int64_t v, char out[32]);
/* A procedure as a cell of a page's table (html.h): its name, then on a second line the title
 * of its latest version, with the Vietnamese title when that differs ("birth-registration\n
 * Birth registration — Đăng ký khai sinh"). NULL when it has no title or out of memory: show
 * the name. The caller frees it. */
char *cli_procedure_cell(const mc_catalogue *cat, const char *name);

#endif
