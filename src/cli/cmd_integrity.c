/* The commands of the store's integrity: verify (the chains, every row against them, and
 * optionally a signed checkpoint), keygen and checkpoint (signed heads, checkpoint.h), and
 * audit (who read a citizen's data, access.h). They parse options, call the library, print. */
#include "cli.h"

#include "motcua/access.h"
#include "motcua/alloc.h"
#include "motcua/checkpoint.h"
#include "motcua/store.h"

#include <sodium.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { SMALL_FILE_MAX = 64 * 1024 };

/* The text of a small file (a key, a checkpoint) into *out (the caller frees); prints why not
 * and returns EXIT_IO. */
static int read_small(const char *path, char **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "motcua: %s: %s\n", path, strerror(errno));
        return EXIT_IO;
    }
    char *buf = malloc(SMALL_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, SMALL_FILE_MAX + 1, f) : 0;
    bool failed = buf == NULL || ferror(f);
    fclose(f);
    if (failed || n > SMALL_FILE_MAX) {
        fprintf(stderr, "motcua: %s: %s\n", path,
                buf == NULL ? "out of memory"
                : failed    ? "cannot be read"
                            : "too large");
        free(buf);
        return EXIT_IO;
    }
    buf[n] = '\0';
    *out = buf;
    return EXIT_OK;
}

/* How a command opens a store it reads (issue 19): at the current schema only, or also one of
 * an older schema, verified as a migration would make it (verify) or copied as it is (backup,
 * what one runs before migrating). */
enum open_how { OPEN_CURRENT, OPEN_SNAPSHOT, OPEN_AS_IS };

/* Opens the store of --db for reading what it holds (mc_store_open_existing): a missing file is
 * an error, not a new store, and a file without a motcua schema is a finding, never an empty
 * store; what says which command speaks ("verify failed: …"), or NULL. *version (when not NULL)
 * gets the store's schema version when it is older than this motcua's, else 0. */
static int open_for(const front_opts *c, mc_store **st, const char *what, enum open_how how,
                    int *version)
{
    const char *db = c->db ? c->db : "motcua.db";
    mc_error err;
    mc_store_migration m = {0, 0, 0, 0};
    int rc = how == OPEN_SNAPSHOT ? mc_store_open_snapshot(st, db, &m, &err)
             : how == OPEN_AS_IS  ? mc_store_open_as_is(st, db, &m, &err)
                                  : mc_store_open_existing(st, db, &err);
    if (version != NULL) {
        *version = m.from < m.to ? m.from : 0;
    }
    if (rc == MC_ECHECK) {
        fprintf(stderr, "motcua: %s%s%s\n", what ? what : "", what ? ": " : "", err.msg);
        return EXIT_FAIL;
    }
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        return front_exit_for(rc);
    }
    return EXIT_OK;
}

static int open_existing_as(const front_opts *c, mc_store **st, const char *what)
{
    return open_for(c, st, what, OPEN_CURRENT, NULL);
}

static int open_existing(const front_opts *c, mc_store **st)
{
    return open_existing_as(c, st, NULL);
}

const char *cli_os_user(void)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0') {
        return pw->pw_name;
    }
    const char *u = getenv("USER");
    return u != NULL && u[0] != '\0' ? u : "unknown";
}

/* Clears a secret held as text before it is freed. */
static void wipe(char *text)
{
    sodium_memzero(text, strlen(text));
}

/* ---- verify ---- */

typedef struct verify_out {
    json_t *problems; /* with --format json */
    bool ok;          /* false once memory ran out: problems is not whole */
} verify_out;

static int print_finding(void *ud, const char *msg)
{
    verify_out *v = ud;
    if (v->problems != NULL) {
        front_jpush(v->problems, json_string(msg), &v->ok);
    }
    fprintf(stderr, "motcua: verify failed: %s\n", msg);
    return 0;
}

int cmd_verify(front_opts *c)
{
    if (c->nargs > 0) {
        return front_usage_error("verify takes no arguments");
    }
    if ((c->checkpoint == NULL) != (c->public_key == NULL)) {
        return front_usage_error("--checkpoint FILE and --public-key FILE go together");
    }
    char *cp_text = NULL, *pk_text = NULL;
    unsigned char pk[MC_PUBLIC_KEY_BYTES];
    mc_error err;
    if (c->checkpoint != NULL) {
        int status = read_small(c->checkpoint, &cp_text);
        if (status == EXIT_OK) {
            status = read_small(c->public_key, &pk_text);
        }
        if (status == EXIT_OK && mc_checkpoint_read_key(pk_text, false, pk, &err) != 0) {
            fprintf(stderr, "motcua: %s: %s\n", c->public_key, err.msg);
            status = EXIT_USAGE;
        }
        free(pk_text);
        if (status != EXIT_OK) {
            free(cp_text);
            return status;
        }
    }
    mc_store *st;
    int version = 0;
    int status = open_for(c, &st, "verify failed", OPEN_SNAPSHOT, &version);
    if (status != EXIT_OK) {
        free(cp_text);
        return status;
    }
    verify_out v = {c->json ? json_array() : NULL, true};
    mc_verify_stats stats;
    int rc = mc_store_check(st, print_finding, &v, &stats, &err);
    int64_t cp_findings = 0;
    char cp_time[32] = "";
    if (rc == 0 && cp_text != NULL) {
        rc = mc_checkpoint_verify(st, cp_text, pk, print_finding, &v, &cp_findings, cp_time, &err);
        if (rc == MC_ESYNTAX || rc == MC_ECHECK) {
            fprintf(stderr, "motcua: verify failed: %s: %s\n", c->checkpoint, err.msg);
            if (v.problems != NULL) {
                front_jpush(v.problems, json_string(err.msg), &v.ok);
            }
            cp_findings++;
            rc = 0;
        }
    }
    mc_store_close(st);
    free(cp_text);
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        json_decref(v.problems);
        return front_exit_for(rc);
    }
    int64_t problems = stats.findings + cp_findings;
    if (c->json) {
        /* The first problem again, copied before the list goes into o. */
        json_t *first = json_array_get(v.problems, 0);
        json_t *problem = first ? json_copy(first) : json_null();
        json_t *o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:o}", "intact", problems == 0, "events",
                              (json_int_t)stats.events, "dossiers", (json_int_t)stats.dossiers,
                              "legacy_dossiers", (json_int_t)stats.legacy, "entries",
                              (json_int_t)stats.entries, "problems", front_jdone(v.problems, v.ok));
        bool ok = true;
        front_jset(o, "problem", problem, &ok);
        front_jset(o, "older_schema", version > 0 ? json_integer(version) : json_null(), &ok);
        if (c->checkpoint != NULL) {
            front_jset(o, "checkpoint",
                       json_pack("{s:s, s:b}", "time", cp_time, "extended", cp_findings == 0), &ok);
        }
        if (cli_print_json(front_jdone(o, ok), JSON_INDENT(2)) != EXIT_OK) {
            return EXIT_IO;
        }
    } else if (problems == 0) {
        printf("verify: %lld events, %lld %s rebuilt from them, %lld other chain %s: the store "
               "is intact\n",
               (long long)stats.events, (long long)stats.dossiers,
               stats.dossiers == 1 ? "dossier" : "dossiers", (long long)stats.entries,
               stats.entries == 1 ? "entry" : "entries");
        if (stats.legacy > 0) {
            printf("verify: note: %lld %s events from before schema version 4, which carry no "
                   "row values: only %s state was checked\n",
                   (long long)stats.legacy, stats.legacy == 1 ? "dossier has" : "dossiers have",
                   stats.legacy == 1 ? "its" : "their");
        }
        if (c->checkpoint != NULL) {
            printf("verify: the store extends the checkpoint of %s\n", cp_time);
        }
    }
    if (version > 0 && !c->json) {
        printf("verify: note: the store is at schema version %d, older than this motcua's: it "
               "was verified as 'motcua migrate' would make it, in memory; the file was not "
               "changed\n",
               version);
    }
    return problems == 0 ? EXIT_OK : EXIT_FAIL;
}

/* ---- keygen ---- */

/* Writes text to a new file path with mode; never over an existing file. */
static int write_new(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        fprintf(stderr, "motcua: %s: %s\n", path,
                errno == EEXIST ? "already exists; keygen never overwrites a key"
                                : strerror(errno));
        return EXIT_IO;
    }
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n && fchmod(fd, mode) == 0 && fsync(fd) == 0;
    ok &= close(fd) == 0;
    if (!ok) {
        fprintf(stderr, "motcua: %s: cannot be written\n", path);
        unlink(path);
        return EXIT_IO;
    }
    return EXIT_OK;
}

int cmd_keygen(front_opts *c)
{
    if (c->nargs > 0 || c->out == NULL || c->out[0] == '\0') {
        return front_usage_error("write: keygen --out PREFIX (makes PREFIX.key and PREFIX.pub)");
    }
    size_t n = strlen(c->out) + 8;
    char *sec_path = malloc(n), *pub_path = malloc(n);
    char *pub = NULL, *sec = NULL;
    mc_error err;
    int status = EXIT_OK;
    if (sec_path == NULL || pub_path == NULL) {
        fputs("motcua: out of memory\n", stderr);
        status = EXIT_IO;
        goto done;
    }
    snprintf(sec_path, n, "%s.key", c->out);
    snprintf(pub_path, n, "%s.pub", c->out);
    struct stat sb;
    const char *exists = stat(sec_path, &sb) == 0   ? sec_path
                         : stat(pub_path, &sb) == 0 ? pub_path
                                                    : NULL;
    if (exists != NULL) {
        fprintf(stderr, "motcua: %s: already exists; keygen never overwrites a key\n", exists);
        status = EXIT_IO;
        goto done;
    }
    if (mc_checkpoint_keygen(&pub, &sec, &err) != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = EXIT_IO;
        goto done;
    }
    status = write_new(sec_path, sec, 0600);
    if (status == EXIT_OK) {
        status = write_new(pub_path, pub, 0644);
        if (status != EXIT_OK) {
            unlink(sec_path);
        }
    }
    if (status == EXIT_OK) {
        printf("keygen: wrote %s (secret: keep it away from the store and its host) and %s "
               "(public: give it to auditors)\n",
               sec_path, pub_path);
    }
done:
    if (sec != NULL) {
        wipe(sec);
    }
    mc_free(sec);
    mc_free(pub);
    free(sec_path);
    free(pub_path);
    return status;
}

/* ---- checkpoint ---- */

static int count_only(void *ud, const char *msg)
{
    (void)msg;
    (*(int64_t *)ud)++;
    return 1;
}

/* ---- store copy ---- */

int cmd_store(front_opts *c)
{
    if (c->nargs != 1 || strcmp(c->args[0], "copy") != 0) {
        return front_usage_error("store takes one subcommand: copy --from DB --to DB");
    }
    if (c->from == NULL || c->to == NULL) {
        return front_usage_error("store copy needs --from DB and --to DB");
    }
    mc_store *src = NULL, *dst = NULL;
    front_opts from = *c;
    from.db = c->from;
    int status = open_existing(&from, &src);
    mc_error err;
    if (status == EXIT_OK) {
        /* The destination is created; the messages never repeat a connection string. */
        int rc = mc_store_open(&dst, c->to, &err);
        if (rc != 0) {
            fprintf(stderr, "motcua: %s\n", err.msg);
            status = front_exit_for(rc);
        }
    }
    int64_t rows = 0;
    if (status == EXIT_OK) {
        int rc = mc_store_copy(src, dst, &rows, &err);
        if (rc != 0) {
            fprintf(stderr, "motcua: %s\n", err.msg);
            status = rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
        }
    }
    if (status == EXIT_OK) {
        printf("store copy: %lld rows copied; the copy verifies and its chains end where the "
               "source's do\n",
               (long long)rows);
    }
    mc_store_close(src);
    mc_store_close(dst);
    return status;
}

/* ---- backup ---- */

int cmd_backup(front_opts *c)
{
    if (c->nargs > 0 || c->to == NULL) {
        return front_usage_error("backup takes --db STORE --to FILE");
    }
    if (c->db != NULL && mc_store_is_server(c->db)) {
        /* Before connecting: the message is the library's (mc_store_backup) word for word. */
        fprintf(stderr, "motcua: backup: a PostgreSQL store is backed up with pg_dump or "
                        "pg_basebackup (docs/operations.md, \"Backups and restore\")\n");
        return EXIT_USAGE;
    }
    mc_store *st = NULL;
    int status = open_for(c, &st, "backup", OPEN_AS_IS, NULL);
    if (status != EXIT_OK) {
        return status;
    }
    mc_error err;
    int64_t nevents = 0;
    int rc = mc_store_backup(st, c->to, &nevents, &err);
    mc_store_close(st);
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        return rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
    }
    printf("backup: %s written (mode 0600), %lld %s; the copy verifies\n", c->to,
           (long long)nevents, nevents == 1 ? "event" : "events");
    return EXIT_OK;
}

int cmd_checkpoint(front_opts *c)
{
    if (c->nargs > 0 || c->key == NULL) {
        return front_usage_error("write: checkpoint --key SECRET-KEY-FILE [--db FILE]");
    }
    int64_t now;
    if (front_now(c, NULL, &now) != EXIT_OK) {
        return EXIT_USAGE;
    }
    char *key_text;
    int status = read_small(c->key, &key_text);
    if (status != EXIT_OK) {
        return status;
    }
    unsigned char sk[MC_SECRET_KEY_BYTES];
    mc_error err;
    if (mc_checkpoint_read_key(key_text, true, sk, &err) != 0) {
        fprintf(stderr, "motcua: %s: %s\n", c->key, err.msg);
        wipe(key_text);
        free(key_text);
        return EXIT_USAGE;
    }
    wipe(key_text);
    free(key_text);
    mc_store *st;
    status = open_existing(c, &st);
    if (status != EXIT_OK) {
        return status;
    }
    /* A checkpoint vouches for the store: never sign one that does not verify. */
    int64_t problems = 0;
    mc_verify_stats stats;
    char *text = NULL;
    int rc = mc_store_check(st, count_only, &problems, &stats, &err);
    if (rc == 0 && problems > 0) {
        fprintf(stderr, "motcua: the store does not verify; run 'motcua verify' (no checkpoint "
                        "was signed)\n");
        status = EXIT_FAIL;
    } else if (rc == 0) {
        rc = mc_checkpoint_make(st, sk, now, &text, &err);
    }
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = front_exit_for(rc);
    } else if (text != NULL) {
        fputs(text, stdout);
    }
    mc_free(text);
    mc_store_close(st);
    sodium_memzero(sk, sizeof sk);
    return status;
}

/* ---- audit ---- */

static void utc_text(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%MZ", &tm);
}

typedef struct audit_out {
    json_t *list;
    int64_t n;
    bool ok; /* false once memory ran out: list is not whole */
} audit_out;

static int audit_one(void *ud, int64_t seq, const mc_access *a)
{
    audit_out *o = ud;
    char when[32];
    utc_text(a->at, when);
    o->n++;
    if (o->list != NULL) {
        json_t *x = json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s?}", "entry", (json_int_t)seq, "at",
                              when, "actor", a->actor, "route", a->route, "subject", a->subject,
                              "registry", a->registry);
        if (a->dossier != 0) {
            front_jset(x, "dossier", json_integer((json_int_t)a->dossier), &o->ok);
        }
        if (a->party != NULL) {
            front_jset(x, "party", json_string(a->party), &o->ok);
        }
        if (a->request != NULL) { /* a live registry's look-up: its request and outcome */
            front_jset(x, "request", json_string(a->request), &o->ok);
        }
        if (a->outcome != NULL) {
            front_jset(x, "outcome", json_string(a->outcome), &o->ok);
        }
        front_jpush(o->list, x, &o->ok);
        return o->ok ? 0 : MC_ENOMEM;
    }
    char line[600];
    int len = snprintf(line, sizeof line, "%s  %-12s  %-28s", when, a->actor ? a->actor : "?",
                       a->route ? a->route : "?");
    if (len > 0 && a->dossier != 0) {
        len += snprintf(line + len, sizeof line - (size_t)len, "  dossier %lld",
                        (long long)a->dossier);
    }
    if (len > 0 && (size_t)len < sizeof line && a->registry != NULL) {
        len += snprintf(line + len, sizeof line - (size_t)len, "  registry %s", a->registry);
    }
    if (len > 0 && (size_t)len < sizeof line && a->party != NULL) {
        len += snprintf(line + len, sizeof line - (size_t)len, "  party: %s", a->party);
    }
    if (len > 0 && (size_t)len < sizeof line && a->outcome != NULL) {
        snprintf(line + len, sizeof line - (size_t)len, "  %s, request %s", a->outcome,
                 a->request ? a->request : "none");
    }
    for (len = (int)strlen(line); len > 0 && line[len - 1] == ' '; len--) {
        line[len - 1] = '\0';
    }
    puts(line);
    return 0;
}

int cmd_audit(front_opts *c)
{
    if (c->nargs > 0 || c->subject == NULL || c->subject[0] == '\0') {
        return front_usage_error("write: audit --subject SUBJECT [--db FILE]");
    }
    mc_store *st;
    int status = open_existing(c, &st);
    if (status != EXIT_OK) {
        return status;
    }
    audit_out o = {c->json ? json_array() : NULL, 0, true};
    mc_error err;
    int rc = mc_access_each(st, c->subject, audit_one, &o, &err);
    mc_store_close(st);
    if (!o.ok) {
        json_decref(o.list);
        return cli_out_of_memory();
    }
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        json_decref(o.list);
        return front_exit_for(rc);
    }
    if (o.list != NULL) {
        return cli_print_json(o.list, JSON_INDENT(2));
    } else if (o.n == 0) {
        printf("audit: no reads of %s's data are recorded\n", c->subject);
    }
    return EXIT_OK;
}
