/*
 * motcua: the program, above both front ends (docs/architecture.md). It parses the options of SPEC
 * §10, refuses those the command does not take (the table of commands says which it does),
 * dispatches to the command, and maps results to exit statuses (0 ok, 1 refused or failed, 2 usage,
 * 3 I/O).
 */
#include "cli/cli.h"
#include "front/config.h"
#include "serve/serve.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MOTCUA_VERSION "0.1.0"

static int cmd_help(front_opts *c);
static int cmd_version(front_opts *c);
static void option_list(const struct command *cmd, char *out, size_t size);

/* The options each command takes, in the order help lists them. A command reads the option's
 * field of front_opts only when it is on its list; any other option is a usage error. */
#define OPTIONS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_OPTIONS ((const char *const[]){NULL})
/* Loading the catalogue and its rules (front_load). */
#define LOAD "--catalogue", "--rule-memory", "--rule-steps", "--rule-time"
/* A command on the dossiers of the store (open_session in cmd_dossier.c). */
#define DOSSIERS "--db", "--now", "--format", LOAD

static const command commands[] = {
    {"lint", cmd_lint, "lint [PATH...]",
     "load and check a catalogue; diagnostics as FILE:LINE:COL: error|warning[NAME]: MESSAGE",
     OPTIONS("--format", "--layers", "--strict", LOAD)},
    {"graph", cmd_graph, "graph PROCEDURE [--date DATE]",
     "print the state machine of the version in force on DATE as Graphviz DOT",
     OPTIONS("--date", "--now", LOAD)},
    {"submit", cmd_submit,
     "submit PROCEDURE --field K=V... [--attach D...] [--channel C] [--request-id ID] "
     "[--config FILE]",
     "file a new dossier; prints its id, state, due instant and checklist; --config FILE "
     "reads serve's configuration (its store, catalogues, live registries)",
     OPTIONS("--field", "--attach", "--channel", "--request-id", "--config", DOSSIERS)},
    {"fire", cmd_fire,
     "fire DOSSIER EVENT --as ROLE [--note S] [--documents D,...] [--dispute D=S] "
     "[--set K=V] [--attach D] [--request-id ID] [--config FILE]",
     "fire a transition of a dossier",
     OPTIONS("--as", "--note", "--documents", "--dispute", "--set", "--attach", "--request-id",
             "--config", DOSSIERS)},
    {"apologize", cmd_apologize,
     "apologize DOSSIER --as ROLE --new-date DATE --reason S [--request-id ID]",
     "record the apology for a dossier whose clock runs",
     OPTIONS("--as", "--new-date", "--reason", "--request-id", DOSSIERS)},
    {"show", cmd_show, "show DOSSIER", "a dossier: state, due instant, checklist, overdue",
     OPTIONS(DOSSIERS)},
    {"list", cmd_list, "list [--state S] [--overdue] [--limit N] [--cursor C] [--search TEXT]",
     "the dossiers, one a line; with --limit, --cursor or --search a page of the queue",
     OPTIONS("--state", "--overdue", "--limit", "--cursor", "--search", DOSSIERS)},
    {"history", cmd_history, "history DOSSIER", "the events of a dossier, with actor and time",
     OPTIONS(DOSSIERS)},
    {"tick", cmd_tick, "tick [--config FILE]",
     "fire due timers and mark overdue dossiers up to --now",
     OPTIONS("--config", DOSSIERS)},
    {"verify", cmd_verify, "verify [--checkpoint FILE --public-key FILE]",
     "check the store's chains and every row against them, and that it extends a checkpoint",
     OPTIONS("--checkpoint", "--public-key", "--db", "--format")},
    {"store", cmd_store, "store copy --from DB --to DB",
     "copy a store into a new one (SQLite, PostgreSQL: docs/operations.md), chains and access "
     "log included, and verify the copy",
     OPTIONS("--from", "--to")},
    {"backup", cmd_backup, "backup --db STORE --to FILE",
     "copy a live SQLite store into a new private file (0600) with SQLite's online backup, and "
     "verify the copy (PostgreSQL: docs/operations.md)",
     OPTIONS("--db", "--to")},
    {"migrate", cmd_migrate, "migrate --db STORE [--to-backup FILE]",
     "migrate a store of an older schema: back it up (SQLite; STORE.before-vN.bak unless "
     "--to-backup), migrate in one transaction, verify (docs/operations.md)",
     OPTIONS("--db", "--to-backup")},
    {"keygen", cmd_keygen, "keygen --out PREFIX",
     "make an Ed25519 key pair for signed checkpoints (PREFIX.key, PREFIX.pub)", OPTIONS("--out")},
    {"checkpoint", cmd_checkpoint, "checkpoint --key FILE",
     "print the store's chain heads signed with the agency's secret key",
     OPTIONS("--key", "--db", "--now")},
    {"audit", cmd_audit, "audit --subject SUBJECT", "who read a citizen's data, oldest first",
     OPTIONS("--subject", "--db", "--format")},
    {"explain", cmd_explain, "explain DOSSIER [DOCUMENT]",
     "why each document is asked, fetched or provided: condition, registry, record, legal basis",
     OPTIONS(DOSSIERS)},
    {"registry", cmd_registry, "registry import REGISTRY FILE.csv | registry show SUBJECT",
     "load registry records (document,subject,reference,issued), or list a subject's",
     OPTIONS(DOSSIERS)},
    {"test", cmd_test, "test PATH... [--filter TEXT] [--coverage] [--min-coverage P]",
     "run the scenarios (.scenario) under the paths; ends with 'N passed, N failed'",
     OPTIONS("--filter", "--format", "--coverage", "--min-coverage", LOAD)},
    {"cost", cmd_cost,
     "cost [--reform NAME]... [--compare A,B,...] [--date DATE] [--agency A,..] [--sector S,..] "
     "[--procedure P,..] [--code C,..] [--by agency|sector|procedure] [--income N] "
     "[--count-waiting yes|no] [--coverage REGISTRY=P%]... [--coverage-from STORE [--since DATE] "
     "[--until DATE]] [--format text|csv|json] [--html FILE] [--xlsx FILE] [--keep-going]",
     "compliance cost per procedure and a year (Circular 02/2017), baseline against reforms "
     "applied in order, with what each change is worth; --compare puts reforms side by side; "
     "--html FILE also writes a briefing, --xlsx FILE a workbook with the formulas; a fee rule "
     "that fails is an error (exit 1) unless --keep-going",
     OPTIONS("--reform", "--compare", "--date", "--agency", "--sector", "--procedure", "--code",
             "--by", "--income", "--count-waiting", "--coverage", "--format", "--html", "--xlsx",
             "--coverage-from", "--since", "--until", "--keep-going", LOAD)},
    {"simulate", cmd_simulate,
     "simulate [--reform NAME]... [--compare A,B,...] [--dossiers N | --year] [--seed S] "
     "[--runs K] [--jobs N] [--from DATE] [--agency A,..] [--sector S,..] [--procedure P,..] "
     "[--code C,..] [--by agency|sector|procedure] [--income N] [--count-waiting yes|no] "
     "[--coverage REGISTRY=P%]... [--coverage-from STORE [--since DATE] [--until DATE]] "
     "[--format text|csv|json] [--html FILE] [--keep-going] | simulate --calibrate-from STORE [--since DATE] "
     "[--until DATE] [--out DIR|FILE.proc]",
     "synthetic dossiers through the engine: baseline against reforms applied in order, with "
     "indicators and annual totals; --runs K gives 95% intervals; --jobs N runs on N threads "
     "(default: the machine's cores; the same output whatever N); --html FILE also writes a "
     "briefing page; --calibrate-from STORE instead estimates takes, chances and volumes from "
     "the store's history and writes them as a catalogue layer (default folder: calibrated)",
     OPTIONS("--reform", "--compare", "--dossiers", "--year", "--seed", "--runs", "--jobs",
             "--from", "--agency", "--sector", "--procedure", "--code", "--by", "--income",
             "--count-waiting", "--coverage", "--format", "--html", "--coverage-from", "--since",
             "--until", "--calibrate-from", "--out", "--keep-going", LOAD)},
    {"report", cmd_report,
     "report [--from DATE] [--to DATE] [--by officer] [--format text|csv|json] [--html FILE]",
     "service indicators (Decision 766) per procedure, per agency and in total; "
     "--by officer per officer of the desk; --html FILE also writes a briefing page",
     OPTIONS("--from", "--to", "--by", "--format", "--html", "--db", LOAD)},
    {"serve", cmd_serve,
     "serve --tokens FILE [--listen HOST:PORT] [--db FILE] [--no-timers] [--migrate] "
     "[--config FILE]",
     "the HTTP API for portals and officers (docs/api.md); --config FILE reads these options "
     "from a file, the command line's winning (docs/operations.md)",
     OPTIONS("--config", "--tokens", "--listen", "--db", "--now", "--no-timers", LOAD,
             "--access-log", "--metrics-listen", "--log-level", "--error-log", "--migrate",
             "--trusted-proxy")},
    {"hash-token", cmd_hash_token, "hash-token TOKEN",
     "the line start of a token for the tokens file of serve", NO_OPTIONS},
    {"token", cmd_token, "token add|revoke|list --tokens FILE",
     "edit the tokens file of serve: add --actor NAME --roles R,.. [--agency A,..|*] [--subject "
     "S] [--secret-stdin] prints the new secret once; revoke ACTOR|blake2b:PREFIX; list",
     OPTIONS("--tokens", "--actor", "--roles", "--agency", "--subject", "--secret-stdin",
             "--secret", "--format")},
    {"deploy-check", cmd_deploy_check, "deploy-check --catalogue NEW --db STORE",
     "what a new catalogue changes for the open dossiers of a store (those that run on their "
     "stored procedure text; those it breaks), each named; exit 1 when one breaks",
     OPTIONS("--db", "--format", LOAD)},
    {"import", cmd_import, "import annex FILE.csv --out DIR [--tables FILE] [--assumptions FILE]",
     "turn a resolution's annex of replaced documents into catalogue files (docs/national.md)",
     OPTIONS("--out", "--tables", "--assumptions", "--catalogue")},
    {"help", cmd_help, "help [COMMAND]", "show the commands, or one command's usage", NO_OPTIONS},
    {"version", cmd_version, "version", "print the version", NO_OPTIONS},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

static int cmd_help(front_opts *c)
{
    if (c->nargs > 0) {
        const command *cmd = find_command(c->args[0]);
        if (cmd == NULL) {
            return front_usage_error("unknown command '%s'", c->args[0]);
        }
        printf("usage: motcua %s\n\n%s\n", cmd->usage, cmd->summary);
        if (cmd->options[0] != NULL) {
            char list[512];
            option_list(cmd, list, sizeof list);
            printf("\noptions: %s\n", list);
        }
        return EXIT_OK;
    }
    puts("motcua — a runtime for administrative procedures\n\n"
         "usage: motcua COMMAND [OPTIONS]\n\ncommands:");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        printf("  %-32s %s\n", commands[i].usage, commands[i].summary);
    }
    puts("\noptions that several commands take ('motcua help COMMAND' lists a command's own; any "
         "other\noption is a usage error):\n"
         "  --catalogue DIR     the folder holding procedures/ and rules/ (default .); given\n"
         "                      again, a layer over the ones before (docs/language.md §1.2)\n"
         "  --db FILE           the dossier store (default motcua.db)\n"
         "  --now DATETIME      the current time, YYYY-MM-DDTHH:MM (for tests and replays)\n"
         "  --format text|json  output format\n"
         "  --lang vi|en        the language of refusals, reasons and explanations, and in text\n"
         "                      of dates and amounts (default en; every command takes it)\n"
         "  --rule-memory SIZE  memory a rule call may use (default 8M)\n"
         "  --rule-steps N      instructions a rule call may run (default 1000000)\n"
         "  --rule-time MS      milliseconds a rule call may run (default 50)\n"
         "  --request-id ID     makes submit, fire and apologize idempotent\n\n"
         "exit status: 0 ok, 1 errors or refused, 2 usage error, 3 i/o or internal error");
    return EXIT_OK;
}

static int cmd_version(front_opts *c)
{
    (void)c;
    puts("motcua " MOTCUA_VERSION);
    return EXIT_OK;
}

/* The options, and where each goes: a flag sets a bool, an option with a value sets a string,
 * and a repeatable one collects every value. Which command takes which is in commands. */
typedef struct option {
    const char *name;
    size_t flag;   /* offsetof the bool, or SIZE_MAX */
    size_t single; /* offsetof the const char * slot, or SIZE_MAX */
    size_t multi;  /* offsetof the const char ** list, or SIZE_MAX */
    size_t count;  /* offsetof its int count */
} option;

#define FLAG(n, f)                                                                                 \
    {                                                                                              \
        n, offsetof(front_opts, f), SIZE_MAX, SIZE_MAX, 0                                          \
    }
#define ONE(n, f)                                                                                  \
    {                                                                                              \
        n, SIZE_MAX, offsetof(front_opts, f), SIZE_MAX, 0                                          \
    }
#define MANY(n, f, k)                                                                              \
    {                                                                                              \
        n, SIZE_MAX, SIZE_MAX, offsetof(front_opts, f), offsetof(front_opts, k)                    \
    }

static const option options[] = {
    MANY("--catalogue", catalogues, ncatalogues),
    ONE("--db", db),
    ONE("--now", now),
    ONE("--format", format),
    ONE("--lang", lang_name),
    ONE("--date", date),
    ONE("--rule-memory", rule_memory),
    ONE("--rule-steps", rule_steps),
    ONE("--rule-time", rule_time),
    ONE("--channel", channel),
    ONE("--as", as),
    ONE("--note", note),
    ONE("--documents", documents),
    ONE("--request-id", request_id),
    ONE("--new-date", new_date),
    ONE("--reason", reason),
    ONE("--state", state),
    ONE("--filter", filter),
    ONE("--min-coverage", min_coverage),
    MANY("--reform", reforms, nreforms),
    ONE("--compare", compare),
    ONE("--sector", sector),
    ONE("--procedure", procedure),
    ONE("--code", code),
    ONE("--income", income),
    ONE("--count-waiting", count_waiting),
    MANY("--coverage", coverage_set, ncoverage_set),
    ONE("--runs", runs),
    ONE("--jobs", jobs),
    ONE("--xlsx", xlsx),
    ONE("--from", from),
    ONE("--to", to),
    ONE("--dossiers", dossiers),
    ONE("--seed", seed),
    ONE("--listen", listen),
    ONE("--tokens", tokens),
    ONE("--html", html),
    ONE("--out", out),
    ONE("--tables", tables),
    ONE("--assumptions", assumptions),
    ONE("--key", key),
    ONE("--checkpoint", checkpoint),
    ONE("--public-key", public_key),
    ONE("--subject", subject),
    ONE("--limit", limit),
    ONE("--cursor", cursor),
    ONE("--search", search),
    ONE("--actor", actor),
    ONE("--roles", roles),
    ONE("--agency", agency),
    ONE("--secret", secret),
    FLAG("--secret-stdin", secret_stdin),
    FLAG("--overdue", overdue),
    FLAG("--layers", layers),
    FLAG("--strict", strict),
    FLAG("--keep-going", keep_going),
    FLAG("--year", year),
    FLAG("--no-timers", no_timers),
    ONE("--access-log", access_log),
    ONE("--metrics-listen", metrics_listen),
    ONE("--trusted-proxy", trusted_proxy),
    ONE("--by", by),
    ONE("--config", config),
    ONE("--log-level", log_level),
    ONE("--error-log", error_log),
    ONE("--to-backup", to_backup),
    ONE("--coverage-from", coverage_from),
    ONE("--calibrate-from", calibrate_from),
    ONE("--since", since),
    ONE("--until", until),
    FLAG("--migrate", migrate),
    MANY("--field", field, nfield),
    MANY("--attach", attach, nattach),
    MANY("--set", set, nset),
    MANY("--dispute", dispute, ndispute),
};

static const option *find_option(const char *name)
{
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        if (strcmp(options[i].name, name) == 0) {
            return &options[i];
        }
    }
    return NULL;
}

static void set_option(front_opts *c, const option *o, const char *value)
{
    char *base = (char *)c;
    if (o->flag != SIZE_MAX) {
        *(bool *)(base + o->flag) = true;
    } else if (o->single != SIZE_MAX) {
        *(const char **)(base + o->single) = value;
    } else {
        const char **list = *(const char ***)(base + o->multi);
        int *n = (int *)(base + o->count);
        list[(*n)++] = value;
    }
}

static bool takes(const command *cmd, const char *name)
{
    for (const char *const *o = cmd->options; *o != NULL; o++) {
        if (strcmp(*o, name) == 0) {
            return true;
        }
    }
    return false;
}

/* The options of cmd as "--a, --b, --c" into out. */
static void option_list(const command *cmd, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *const *o = cmd->options; *o != NULL && used < size; o++) {
        int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", *o);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* EXIT_OK when cmd takes every option of given (n of them, in the order written), else a usage
 * error naming the first it does not take and the options it does. */
static int check_options(const command *cmd, const option *const *given, int n)
{
    for (int i = 0; i < n; i++) {
        if (takes(cmd, given[i]->name) || strcmp(given[i]->name, "--lang") == 0) {
            continue;
        }
        if (cmd->options[0] == NULL) {
            return front_usage_error("%s takes no options, not %s", cmd->name, given[i]->name);
        }
        char list[512];
        option_list(cmd, list, sizeof list);
        return front_usage_error("%s does not take %s; it takes %s", cmd->name, given[i]->name,
                                 list);
    }
    return EXIT_OK;
}

/* The options of --config FILE under those of the command line (config.h): EXIT_OK, or the
 * file's errors at their FILE:LINE:COL and EXIT_USAGE (EXIT_IO when it cannot be read). */
static int read_config(front_opts *c, front_config **cfg)
{
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    if (mc_diags_new(&diags) != 0) {
        fputs("motcua: out of memory\n", stderr);
        return EXIT_IO;
    }
    int rc = front_config_read(cfg, c->config, c, diags, &err);
    if (rc == MC_ECHECK) {
        front_print_diags(stderr, diags);
    }
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
    }
    mc_diags_free(diags);
    return rc == 0 ? EXIT_OK : rc == MC_ECHECK ? EXIT_USAGE : front_exit_for(rc);
}

int main(int argc, char **argv)
{
    front_opts c;
    memset(&c, 0, sizeof c);
    c.args = calloc((size_t)argc + 1, sizeof *c.args);
    c.field = calloc((size_t)argc + 1, sizeof *c.field);
    c.catalogues = calloc((size_t)argc + 1, sizeof *c.catalogues);
    const char **catalogues = c.catalogues; /* --config may put its own list in c */
    front_config *cfg = NULL;
    c.attach = calloc((size_t)argc + 1, sizeof *c.attach);
    c.set = calloc((size_t)argc + 1, sizeof *c.set);
    c.dispute = calloc((size_t)argc + 1, sizeof *c.dispute);
    c.reforms = calloc((size_t)argc + 1, sizeof *c.reforms);
    c.coverage_set = calloc((size_t)argc + 1, sizeof *c.coverage_set);
    /* The options as written, checked against the command once its name is known. */
    const option **given = calloc((size_t)argc + 1, sizeof *given);
    int ngiven = 0;
    bool help = false;
    if (c.args == NULL || !c.field || !c.catalogues || !c.attach || !c.set || !c.dispute ||
        !c.reforms || !c.coverage_set || !given) {
        fputs("motcua: out of memory\n", stderr);
        return EXIT_IO;
    }
    const char *name = NULL;
    int status;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            name = "help";
            help = true;
            continue;
        }
        if (name != NULL && strcmp(name, "test") == 0 && strcmp(a, "--coverage") == 0) {
            c.test_coverage = true; /* test's --coverage is a flag (cost's takes REGISTRY=P%) */
            given[ngiven++] = find_option(a);
            continue;
        }
        if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
            const char *eq = strchr(a, '=');
            char opt[64];
            size_t n = eq ? (size_t)(eq - a) : strlen(a);
            if (n >= sizeof opt) {
                status = front_usage_error("unknown option '%s'", a);
                goto done;
            }
            memcpy(opt, a, n);
            opt[n] = '\0';
            const option *o = find_option(opt);
            if (o == NULL || (o->flag != SIZE_MAX && eq != NULL)) {
                status = front_usage_error("unknown option '%s'", opt);
                goto done;
            }
            for (int k = 0; k < ngiven; k++) {
                if (given[k] == o && o->multi == SIZE_MAX) {
                    status = front_usage_error("option '%s' is given twice", opt);
                    goto done;
                }
            }
            given[ngiven++] = o;
            if (o->flag != SIZE_MAX) {
                set_option(&c, o, NULL);
            } else if (eq != NULL) {
                set_option(&c, o, eq + 1);
            } else if (i + 1 < argc) {
                set_option(&c, o, argv[++i]);
            } else {
                status = front_usage_error("option '%s' needs a value", opt);
                goto done;
            }
            continue;
        }
        if (name == NULL) {
            name = a;
        } else {
            c.args[c.nargs++] = a;
        }
    }
    if (c.format != NULL) {
        if (strcmp(c.format, "json") == 0) {
            c.json = true;
        } else if (strcmp(c.format, "text") != 0 && strcmp(c.format, "csv") != 0) {
            status = front_usage_error("--format takes text, csv or json, not '%s'", c.format);
            goto done;
        }
    }
    if (c.lang_name != NULL && (strcmp(c.lang_name, "vi") == 0 || strcmp(c.lang_name, "en") == 0)) {
        mc_msg_lang(c.lang_name, &c.lang);
    } else if (c.lang_name != NULL) {
        status = front_usage_error("--lang takes vi or en, not '%s'", c.lang_name);
        goto done;
    }
    if (name == NULL) {
        name = "help";
    }
    c.catalogue = c.ncatalogues > 0 ? c.catalogues[0] : NULL;
    const command *cmd = find_command(name);
    if (cmd == NULL) {
        status = front_usage_error("unknown command '%s'", name);
        goto done;
    }
    /* -h and --help show the help whatever else the line holds. */
    status = help ? EXIT_OK : check_options(cmd, given, ngiven);
    if (status == EXIT_OK && !help && c.config != NULL) {
        status = read_config(&c, &cfg);
    }
    if (status == EXIT_OK) {
        status = cmd->run(&c);
    }
done:
    free(c.args);
    free(c.field);
    free(catalogues);
    front_config_free(cfg);
    free(c.attach);
    free(c.set);
    free(c.dispute);
    free(c.reforms);
    free(c.coverage_set);
    free(given);
    return status;
}
