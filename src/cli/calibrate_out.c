/* `simulate --calibrate-from STORE` (calibrate_out.h): the options checked, the catalogue and the
 * store read, the layer written through a temporary file renamed when whole, and a summary. */
#include "calibrate_out.h"

#include "motcua/alloc.h"
#include "motcua/calibrate.h"
#include "motcua/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The options a simulation takes that a calibration does not. */
static const char *simulation_option(const front_opts *c)
{
    const struct {
        bool given;
        const char *name;
    } opts[] = {
        {c->nreforms > 0, "--reform"},        {c->compare != NULL, "--compare"},
        {c->dossiers != NULL, "--dossiers"},  {c->year, "--year"},
        {c->runs != NULL, "--runs"},          {c->seed != NULL, "--seed"},
        {c->from != NULL, "--from"},          {c->agency != NULL, "--agency"},
        {c->sector != NULL, "--sector"},      {c->procedure != NULL, "--procedure"},
        {c->code != NULL, "--code"},          {c->by != NULL, "--by"},
        {c->income != NULL, "--income"},      {c->count_waiting != NULL, "--count-waiting"},
        {c->ncoverage_set > 0, "--coverage"}, {c->coverage_from != NULL, "--coverage-from"},
        {c->format != NULL, "--format"},      {c->html != NULL, "--html"},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (opts[i].given) {
            return opts[i].name;
        }
    }
    return NULL;
}

/* --since DATE and --until DATE into o: EXIT_OK, or EXIT_USAGE after a message. */
static int read_period(const front_opts *c, mc_calibrate_opts *o)
{
    char msg[200];
    if (c->since != NULL) {
        if (mc_value_date(c->since, strlen(c->since), &o->since, msg, sizeof msg) != 0) {
            return front_usage_error("--since: %s", msg);
        }
        o->has_since = true;
    }
    if (c->until != NULL) {
        if (mc_value_date(c->until, strlen(c->until), &o->until, msg, sizeof msg) != 0) {
            return front_usage_error("--until: %s", msg);
        }
        o->has_until = true;
    }
    if (o->has_since && o->has_until && o->until < o->since) {
        return front_usage_error("--until is before --since");
    }
    return EXIT_OK;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

/* Makes dir if missing; *made says whether it did. */
static int make_dir(const char *dir, bool *made, mc_error *err)
{
    *made = false;
    if (mkdir(dir, 0777) == 0) {
        *made = true;
        return 0;
    }
    struct stat sb;
    if (errno == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        return 0;
    }
    return mc_error_set(err, MC_EIO, "cannot write %s: %s", dir,
                        errno == EEXIST ? "not a folder" : strerror(errno));
}

/* Writes text to path through path.tmp, renamed when whole; nothing is left on failure. */
static int write_whole(const char *path, const char *text, mc_error *err)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        return mc_error_set(err, MC_EIO, "cannot write %s: the name is too long", path);
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        return mc_error_set(err, MC_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    size_t len = strlen(text);
    int e = fwrite(text, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : errno;
    if (fclose(f) != 0 && e == 0) {
        e = errno;
    }
    if (e == 0 && rename(tmp, path) != 0) {
        e = errno;
    }
    if (e != 0) {
        remove(tmp);
        return mc_error_set(err, MC_EIO, "cannot write %s: %s", path, strerror(e ? e : EIO));
    }
    return 0;
}

/* The layer's text written to out: a FILE.proc, or DIR/procedures/calibrated.proc; path gets
 * the file written. The folders made are removed again when the file cannot be written. */
static int write_layer(const char *out, const char *text, char *path, size_t pathsz, mc_error *err)
{
    if (ends_with(out, ".proc")) {
        snprintf(path, pathsz, "%s", out);
        return write_whole(path, text, err);
    }
    char procs[4100];
    if ((size_t)snprintf(procs, sizeof procs, "%s/procedures", out) >= sizeof procs ||
        (size_t)snprintf(path, pathsz, "%s/calibrated.proc", procs) >= pathsz) {
        return mc_error_set(err, MC_EIO, "cannot write %s: the name is too long", out);
    }
    bool made_out = false, made_procs = false;
    int rc = make_dir(out, &made_out, err);
    if (rc == 0) {
        rc = make_dir(procs, &made_procs, err);
    }
    if (rc == 0) {
        rc = write_whole(path, text, err);
    }
    if (rc != 0) {
        if (made_procs) {
            rmdir(procs);
        }
        if (made_out) {
            rmdir(out);
        }
    }
    return rc;
}

static const char *count(int64_t n, char out[32])
{
    char digits[24];
    snprintf(digits, sizeof digits, "%lld", (long long)n);
    size_t len = strlen(digits), k = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && digits[i - 1] != '-' && (len - i) % 3 == 0) {
            out[k++] = ',';
        }
        out[k++] = digits[i];
    }
    out[k] = '\0';
    return out;
}

int cli_calibrate(front_opts *c)
{
    const char *other = simulation_option(c);
    if (other != NULL) {
        return front_usage_error("--calibrate-from writes a catalogue layer and simulates "
                                 "nothing: %s does not go with it",
                                 other);
    }
    if (c->calibrate_from[0] == '\0') {
        return front_usage_error("--calibrate-from needs a store");
    }
    mc_calibrate_opts opts = MC_CALIBRATE_OPTS_INIT;
    if (read_period(c, &opts) != EXIT_OK) {
        return EXIT_USAGE;
    }
    const char *out = c->out != NULL ? c->out : "calibrated";
    if (out[0] == '\0') {
        return front_usage_error("--out needs a folder or a .proc file");
    }
    mc_catalogue *cat = NULL;
    mc_diags *diags = NULL;
    mc_store *st = NULL;
    mc_calibration cal;
    memset(&cal, 0, sizeof cal);
    char *text = NULL;
    char path[4200] = "";
    mc_error err;
    mc_error_clear(&err);
    int rc = front_load(c, NULL, 0, &cat, NULL, &diags, &err);
    if (rc == 0) {
        rc = mc_store_open_existing(&st, c->calibrate_from, &err);
    }
    if (rc == 0) {
        rc = mc_calibrate_measure(&cal, cat, st, &opts, &err);
    }
    char from[4200];
    /* a connection string may hold a password: it is not written */
    snprintf(from, sizeof from, "%s%s",
             mc_store_is_server(c->calibrate_from) ? "a PostgreSQL store" : "the store ",
             mc_store_is_server(c->calibrate_from) ? "" : c->calibrate_from);
    if (rc == 0) {
        rc = mc_calibrate_text(&cal, from, &text, &err);
    }
    if (rc == 0) {
        rc = write_layer(out, text, path, sizeof path, &err);
    }
    int status = EXIT_OK;
    if (rc != 0) {
        if (diags != NULL && rc == MC_ECHECK) {
            front_print_diags(stderr, diags);
        }
        fprintf(stderr, "motcua: %s\n", err.msg[0] ? err.msg : "calibration failed");
        status = rc == MC_ENOTFOUND ? EXIT_FAIL : front_exit_for(rc);
    } else {
        char n1[32], n2[32], d1[11], d2[11];
        mc_calibrate_counts k = mc_calibrate_count(&cal);
        mc_date_format(cal.first, d1);
        mc_date_format(cal.last, d2);
        printf("calibrate: %zu procedure%s from %s dossiers submitted %s to %s (%s days): %zu "
               "volume%s, %zu takes, %zu chances",
               k.procedures, k.procedures == 1 ? "" : "s", count(cal.dossiers, n1), d1, d2,
               count(cal.days, n2), k.volumes, k.volumes == 1 ? "" : "s", k.takes, k.chances);
        if (k.left_out > 0) {
            printf("; %zu figure%s left out (fewer than %lld observations)", k.left_out,
                   k.left_out == 1 ? "" : "s", (long long)cal.min);
        }
        printf("\n");
        for (size_t i = 0; i < cal.nunknown; i++) {
            printf("calibrate: procedure '%s' (%s dossier%s) is not in the catalogue: not "
                   "calibrated\n",
                   cal.unknown[i].name, count(cal.unknown[i].dossiers, n1),
                   cal.unknown[i].dossiers == 1 ? "" : "s");
        }
        if (cal.finished > 0) {
            printf("calibrate: on time in the store: %.1f%% of %s finished dossiers\n",
                   100.0 * (double)cal.on_time / (double)cal.finished, count(cal.finished, n1));
        }
        printf("wrote %s (load it over the catalogue: --catalogue … --catalogue %s)\n", path,
               ends_with(out, ".proc") ? "FOLDER" : out);
    }
    mc_free(text);
    mc_calibration_free(&cal);
    mc_store_close(st);
    mc_catalogue_free(cat);
    mc_diags_free(diags);
    return status;
}
