/*
 * The live registries' measured coverage in `cost` and `simulate` (--coverage-from STORE,
 * --since DATE, --until DATE; coverage.h): the options checked, the store read, and the source
 * of each registry's coverage said in every form the commands print (text, JSON, the briefing
 * page), Vietnamese first, so that a reader never takes an assumption for a measure.
 */
#ifndef MOTCUA_CLI_COVERAGE_OUT_H
#define MOTCUA_CLI_COVERAGE_OUT_H

#include "cli.h"
#include "html.h"

#include "motcua/coverage.h"

/* The coverage a command counts with: on only with --coverage-from. */
typedef struct cli_coverage {
    bool on;
    mc_coverage cov;
    const mc_catalogue *reformed; /* the reform's catalogue, or NULL: its own assumptions said */
} cli_coverage;

/* Checks --coverage-from, --since and --until of c: EXIT_OK, or EXIT_USAGE after a message
 * (--since or --until without --coverage-from, an empty store name, a date that is not one,
 * --until before --since). */
int cli_coverage_check(const front_opts *c);

/* Opens the existing store of --coverage-from (never creating one) and measures the coverage
 * of cat's registries there into out (out->on false, 0, without the option). Errors: the
 * store's (MC_EIO "STORE: no such store", and for "STORE is not a motcua store (…)"; MC_EDOWN,
 * MC_ESCHEMA…), MC_ENOMEM; err says which. */
int cli_coverage_load(const front_opts *c, const mc_catalogue *cat, cli_coverage *out,
                      mc_error *err);

/* Prints to f, after an empty line, the heading and one line per registry, each in Vietnamese
 * then in English, indented by two spaces; nothing when off. */
void cli_coverage_print(FILE *f, const cli_coverage *k, const mc_catalogue *cat);

/* The rows as JSON ({"min": N, "since": …, "until": …, "registries": [...]}); NULL when out of
 * memory. */
json_t *cli_coverage_json(const cli_coverage *k, const mc_catalogue *cat);

/* The page's section "Độ phủ của cơ sở dữ liệu" ("Coverage of the registries" in English), in
 * the page's language only (a briefing is read in one language; the text output keeps both);
 * nothing when off. */
void cli_coverage_page(html *h, const cli_coverage *k, const mc_catalogue *cat, mc_lang lang);

void cli_coverage_free(cli_coverage *k);

#endif
