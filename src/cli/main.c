/*
 * motcua: the command line. It parses the global options of SPEC §10, dispatches to the
 * command, and maps results to exit statuses (0 ok, 1 refused or failed, 2 usage, 3 I/O).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define MOTCUA_VERSION "0.1.0"

static int cmd_help(cli *c);
static int cmd_version(cli *c);

static const command commands[] = {
    {"lint", cmd_lint, "lint [PATH...]",
     "load and check a catalogue; diagnostics as FILE:LINE:COL: error|warning: MESSAGE"},
    {"graph", cmd_graph, "graph PROCEDURE [--date DATE]",
     "print the state machine of the version in force on DATE as Graphviz DOT"},
    {"help", cmd_help, "help [COMMAND]", "show the commands, or one command's usage"},
    {"version", cmd_version, "version", "print the version"},
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

static int cmd_help(cli *c)
{
    if (c->nargs > 0) {
        const command *cmd = find_command(c->args[0]);
        if (cmd == NULL) {
            return cli_usage_error("unknown command '%s'", c->args[0]);
        }
        printf("usage: motcua %s\n\n%s\n", cmd->usage, cmd->summary);
        return EXIT_OK;
    }
    puts("motcua — a runtime for administrative procedures\n\n"
         "usage: motcua COMMAND [OPTIONS]\n\ncommands:");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        printf("  %-32s %s\n", commands[i].usage, commands[i].summary);
    }
    puts("\nglobal options:\n"
         "  --catalogue DIR     the folder holding procedures/ and rules/ (default .)\n"
         "  --db FILE           the dossier store (default motcua.db)\n"
         "  --now DATETIME      the current time, YYYY-MM-DDTHH:MM (for tests and replays)\n"
         "  --format text|json  output format\n"
         "  --rule-memory SIZE  memory a rule call may use (default 8M)\n"
         "  --rule-steps N      instructions a rule call may run (default 1000000)\n\n"
         "exit status: 0 ok, 1 errors or refused, 2 usage error, 3 i/o or internal error");
    return EXIT_OK;
}

static int cmd_version(cli *c)
{
    (void)c;
    puts("motcua " MOTCUA_VERSION);
    return EXIT_OK;
}

/* Options that take a value, and where it goes. */
static const char **option_slot(cli *c, const char *name)
{
    if (strcmp(name, "--catalogue") == 0) {
        return &c->catalogue;
    }
    if (strcmp(name, "--db") == 0) {
        return &c->db;
    }
    if (strcmp(name, "--now") == 0) {
        return &c->now;
    }
    if (strcmp(name, "--format") == 0) {
        return &c->format;
    }
    if (strcmp(name, "--date") == 0) {
        return &c->date;
    }
    if (strcmp(name, "--rule-memory") == 0) {
        return &c->rule_memory;
    }
    if (strcmp(name, "--rule-steps") == 0) {
        return &c->rule_steps;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    c.args = calloc((size_t)argc + 1, sizeof *c.args);
    if (c.args == NULL) {
        fputs("motcua: out of memory\n", stderr);
        return EXIT_IO;
    }
    const char *name = NULL;
    int status;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            name = "help";
            continue;
        }
        if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
            const char *eq = strchr(a, '=');
            char opt[64];
            size_t n = eq ? (size_t)(eq - a) : strlen(a);
            if (n >= sizeof opt) {
                status = cli_usage_error("unknown option '%s'", a);
                goto done;
            }
            memcpy(opt, a, n);
            opt[n] = '\0';
            const char **slot = option_slot(&c, opt);
            if (slot == NULL) {
                status = cli_usage_error("unknown option '%s'", opt);
                goto done;
            }
            if (eq != NULL) {
                *slot = eq + 1;
            } else if (i + 1 < argc) {
                *slot = argv[++i];
            } else {
                status = cli_usage_error("option '%s' needs a value", opt);
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
        } else if (strcmp(c.format, "text") != 0) {
            status = cli_usage_error("--format takes text or json, not '%s'", c.format);
            goto done;
        }
    }
    if (name == NULL) {
        name = "help";
    }
    const command *cmd = find_command(name);
    if (cmd == NULL) {
        status = cli_usage_error("unknown command '%s'", name);
        goto done;
    }
    status = cmd->run(&c);
done:
    free(c.args);
    return status;
}
