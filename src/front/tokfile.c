/* The tokens file (tokfile.h): its lines parsed, formatted, and replaced safely. */
#include "tokfile.h"

#include "base/grow.h"

#include "motcua/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct tline {
    char *text; /* as read, without its newline */
    bool is_token;
    front_token tok;
} tline;

struct front_tokfile {
    char *path;
    tline *lines;
    size_t n, cap;
    size_t ntokens;
    int fd; /* the locked file (FRONT_TOKFILE_EDIT), or -1 */
    bool created; /* by this edit (open_locked), and not written yet */
    struct stat st; /* of the file read, when it exists */
};

/* ==== one line ============================================================================ */

void front_token_hash(const char *secret, unsigned char hash[32], char *text)
{
    crypto_generichash(hash, 32, (const unsigned char *)secret, strlen(secret), NULL, 0);
    if (text != NULL) {
        memcpy(text, "blake2b:", 8);
        sodium_bin2hex(text + 8, 65, hash, 32);
    }
}

/* Copies the next blank-separated word of *p into out; its column in *col. 0 when none, and
 * (size_t)-1 when longer than outsz - 1. */
static size_t word(const char **p, const char *line, char *out, size_t outsz, size_t *col)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    const char *e = s;
    while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r') {
        e++;
    }
    size_t n = (size_t)(e - s);
    *col = (size_t)(s - line) + 1;
    *p = e;
    if (n == 0 || n >= outsz) {
        return n == 0 ? 0 : (size_t)-1;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
}

static int bad(mc_error *err, const char *path, size_t line, size_t col, const char *what)
{
    return mc_error_set(err, MC_ESYNTAX, "%s:%zu:%zu: %s", path, line, col, what);
}

static bool has_role(const front_token *t, const char *role)
{
    for (size_t i = 0; i < t->nroles; i++) {
        if (strcmp(t->roles[i], role) == 0) {
            return true;
        }
    }
    return false;
}

/* Splits the comma-separated list into items of itemsz bytes, at most max: how many, or -1 for
 * too many or too long, -2 for an empty item. */
static int split(const char *list, char *items, size_t itemsz, size_t max, size_t *n)
{
    *n = 0;
    const char *s = list;
    while (true) {
        size_t len = strcspn(s, ",");
        if (len == 0) {
            return -2;
        }
        if (*n == max || len >= itemsz) {
            return -1;
        }
        memcpy(items + *n * itemsz, s, len);
        items[*n * itemsz + len] = '\0';
        (*n)++;
        if (s[len] == '\0') {
            return 0;
        }
        s += len + 1;
    }
}

/* The agency column into t: "-" none, "*" every agency, or a list. NULL, or what is wrong. */
static const char *set_agencies(front_token *t, const char *text)
{
    t->nagencies = 0;
    t->every_agency = strcmp(text, "*") == 0;
    if (t->every_agency || strcmp(text, "-") == 0) {
        return NULL;
    }
    int rc = split(text, &t->agencies[0][0], sizeof t->agencies[0], FRONT_TOKEN_AGENCIES,
                   &t->nagencies);
    if (rc == -2) {
        return "an empty agency name in the list (AGENCY[,AGENCY…], '*' or '-')";
    }
    if (rc == -1) {
        return "too many agencies, or an agency name too long";
    }
    for (size_t i = 0; i < t->nagencies; i++) {
        if (strcmp(t->agencies[i], "*") == 0 || strcmp(t->agencies[i], "-") == 0) {
            return "'*' (every agency) and '-' (none) stand alone, not in a list";
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(t->agencies[i], t->agencies[j]) == 0) {
                return "an agency is named twice";
            }
        }
    }
    return NULL;
}

static const char *set_roles(front_token *t, const char *text)
{
    int rc = split(text, &t->roles[0][0], sizeof t->roles[0], FRONT_TOKEN_ROLES, &t->nroles);
    if (rc == -2) {
        return "an empty role name in the list (ROLE[,ROLE…])";
    }
    if (rc == -1) {
        return "too many roles, or a role name too long";
    }
    return NULL;
}

/* The applicant rule: the one role `applicant` and a subject, or no subject. */
static const char *check_subject(const front_token *t)
{
    bool applicant = has_role(t, "applicant");
    if (applicant && (t->subject[0] == '\0' || t->nroles != 1)) {
        return "an applicant token has the one role 'applicant' and a SUBJECT";
    }
    if (!applicant && t->subject[0] != '\0') {
        return "only an applicant token has a SUBJECT";
    }
    return NULL;
}

int front_token_parse(front_token *t, const char *path, size_t ln, const char *line,
                      mc_error *err)
{
    const char *p = line;
    char w[5][256];
    size_t cols[5], n = 0;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p == '\0' || *p == '#' || *p == '\n' || *p == '\r') {
        return 0;
    }
    for (; n < 5; n++) {
        size_t len = word(&p, line, w[n], sizeof w[n], &cols[n]);
        if (len == (size_t)-1) {
            return bad(err, path, ln, cols[n], "a word is too long");
        }
        if (len == 0) {
            break;
        }
    }
    size_t extra;
    char rest[8];
    if (word(&p, line, rest, sizeof rest, &extra) != 0) {
        return bad(err, path, ln, extra, "too many words (HASH ACTOR ROLES AGENCY [SUBJECT])");
    }
    if (n < 4) {
        return bad(err, path, ln, n ? cols[n - 1] : 1,
                   "a token line is HASH ACTOR ROLES AGENCY [SUBJECT]");
    }
    memset(t, 0, sizeof *t);
    size_t hexlen;
    if (strncmp(w[0], "blake2b:", 8) != 0 || strlen(w[0]) != 8 + 64 ||
        sodium_hex2bin(t->hash, 32, w[0] + 8, 64, NULL, &hexlen, NULL) != 0 || hexlen != 32) {
        return bad(err, path, ln, cols[0],
                   "the hash must be 'blake2b:' and 64 hex digits (motcua hash-token TOKEN)");
    }
    if (strlen(w[1]) >= sizeof t->actor) {
        return bad(err, path, ln, cols[1], "the actor name is too long");
    }
    strcpy(t->actor, w[1]);
    const char *why = set_roles(t, w[2]);
    if (why != NULL) {
        return bad(err, path, ln, cols[2], why);
    }
    why = set_agencies(t, w[3]);
    if (why != NULL) {
        return bad(err, path, ln, cols[3], why);
    }
    if (n == 5) {
        if (strlen(w[4]) >= sizeof t->subject) {
            return bad(err, path, ln, cols[4], "the subject is too long");
        }
        strcpy(t->subject, w[4]);
    }
    why = check_subject(t);
    if (why != NULL) {
        return bad(err, path, ln, n == 5 && !has_role(t, "applicant") ? cols[4] : cols[2], why);
    }
    return 1;
}

int front_token_format(const front_token *t, char *out, size_t size, mc_error *err)
{
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, t->hash, 32);
    char roles[FRONT_TOKEN_ROLES * 49] = "", agencies[FRONT_TOKEN_AGENCIES * 97] = "";
    for (size_t i = 0; i < t->nroles; i++) {
        strcat(i ? strcat(roles, ",") : roles, t->roles[i]);
    }
    for (size_t i = 0; i < t->nagencies; i++) {
        strcat(i ? strcat(agencies, ",") : agencies, t->agencies[i]);
    }
    const char *ag = t->every_agency ? "*" : t->nagencies ? agencies : "-";
    int n = snprintf(out, size, "blake2b:%s %s %s %s%s%s", hex, t->actor, roles, ag,
                     t->subject[0] ? " " : "", t->subject);
    if (n < 0 || (size_t)n >= size) {
        return mc_error_set(err, MC_EUSAGE, "the token's line is too long");
    }
    return 0;
}

/* A name of the tokens file's columns: letters, digits, '-', '_', '.', or any byte of UTF-8
 * beyond ASCII; never a blank, a comma or '#'. */
static bool is_name(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
            return false;
        }
    }
    return true;
}

int front_token_fill(front_token *t, const char *actor, const char *roles, const char *agencies,
                     const char *subject, mc_error *err)
{
    memset(t->actor, 0, sizeof t->actor);
    if (actor == NULL || !is_name(actor) || strlen(actor) >= sizeof t->actor) {
        return mc_error_set(err, MC_EUSAGE,
                            "the actor '%s' is not a name (letters, digits, '-', '_', '.'; at "
                            "most %zu bytes)",
                            actor ? actor : "", sizeof t->actor - 1);
    }
    strcpy(t->actor, actor);
    if (roles == NULL) {
        return mc_error_set(err, MC_EUSAGE, "a token needs --roles ROLE[,ROLE...]");
    }
    const char *why = set_roles(t, roles);
    for (size_t i = 0; why == NULL && i < t->nroles; i++) {
        if (!is_name(t->roles[i])) {
            return mc_error_set(err, MC_EUSAGE,
                                "the role '%s' is not a name (letters, digits, '-', '_', '.'); "
                                "--roles takes ROLE[,ROLE...]",
                                t->roles[i]);
        }
    }
    if (why != NULL) {
        return mc_error_set(err, MC_EUSAGE, "--roles '%s': %s", roles, why);
    }
    why = set_agencies(t, agencies ? agencies : "-");
    for (size_t i = 0; why == NULL && i < t->nagencies; i++) {
        if (!is_name(t->agencies[i])) {
            return mc_error_set(err, MC_EUSAGE,
                                "the agency '%s' is not a name; --agency takes AGENCY[,AGENCY...], "
                                "'*' or '-'",
                                t->agencies[i]);
        }
    }
    if (why != NULL) {
        return mc_error_set(err, MC_EUSAGE, "--agency '%s': %s", agencies, why);
    }
    memset(t->subject, 0, sizeof t->subject);
    if (subject != NULL) {
        if (!is_name(subject) || strlen(subject) >= sizeof t->subject) {
            return mc_error_set(err, MC_EUSAGE, "the subject '%s' is not a name", subject);
        }
        strcpy(t->subject, subject);
    }
    why = check_subject(t);
    if (why != NULL) {
        return mc_error_set(err, MC_EUSAGE, "%s (--roles applicant --subject S)", why);
    }
    return 0;
}

/* ==== the file ============================================================================ */

void front_tokfile_free(front_tokfile *f)
{
    if (f == NULL) {
        return;
    }
    for (size_t i = 0; i < f->n; i++) {
        mc_free(f->lines[i].text);
    }
    mc_free(f->lines);
    if (f->created) {
        unlink(f->path); /* an edit that failed leaves no empty file behind */
    }
    mc_free(f->path);
    if (f->fd >= 0) {
        close(f->fd); /* and its lock */
    }
    mc_free(f);
}

size_t front_tokfile_count(const front_tokfile *f)
{
    return f->ntokens;
}

const front_token *front_tokfile_get(const front_tokfile *f, size_t i)
{
    for (size_t k = 0; k < f->n; k++) {
        if (f->lines[k].is_token && f->lines[k].tok.index == i) {
            return &f->lines[k].tok;
        }
    }
    return NULL;
}

static char *copy_text(const char *s, size_t n)
{
    char *d = mc_malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Appends a line of text (n bytes, no newline); its token when is_token. */
static int push_line(front_tokfile *f, const char *text, size_t n, const front_token *tok,
                     mc_error *err)
{
    if (mc_grow(&f->lines, &f->cap, f->n + 1, sizeof *f->lines) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    tline *l = &f->lines[f->n];
    memset(l, 0, sizeof *l);
    l->text = copy_text(text, n);
    if (l->text == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (tok != NULL) {
        l->is_token = true;
        l->tok = *tok;
        l->tok.index = f->ntokens++;
    }
    f->n++;
    return 0;
}

/* Opens path for an edit and locks it. The lock is on the file, and an edit replaces the file
 * by a rename: an editor that waited for the lock may hold the old file, so it checks that the
 * file it locked is still the one at path, and starts again when not. A missing file is
 * created empty (0600), so that there is something to lock. */
static int open_locked(const char *path, int *fd, bool *created, mc_error *err)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        *fd = open(path, O_RDONLY | O_CLOEXEC);
        if (*fd < 0 && errno == ENOENT) {
            *fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (*fd < 0 && errno == EEXIST) {
                continue;
            }
            *created = *fd >= 0;
        }
        if (*fd < 0) {
            return mc_error_set(err, MC_EIO, "cannot open %s: %s", path, strerror(errno));
        }
        if (flock(*fd, LOCK_EX) != 0) {
            close(*fd);
            return mc_error_set(err, MC_EIO, "cannot lock %s: %s", path, strerror(errno));
        }
        struct stat locked, now;
        if (fstat(*fd, &locked) == 0 && stat(path, &now) == 0 && locked.st_dev == now.st_dev &&
            locked.st_ino == now.st_ino) {
            return 0;
        }
        close(*fd);
    }
    *fd = -1;
    return mc_error_set(err, MC_EIO, "cannot lock %s: it keeps being replaced", path);
}

/* The hash of t is on a token line of f already. */
static bool hash_taken(const front_tokfile *f, const front_token *t)
{
    bool found = false;
    for (size_t i = 0; i < f->n; i++) {
        if (f->lines[i].is_token && sodium_memcmp(f->lines[i].tok.hash, t->hash, 32) == 0) {
            found = true;
        }
    }
    return found;
}

/* Reads the lines of in into f. */
static int read_lines(front_tokfile *f, FILE *in, mc_error *err)
{
    char *text = NULL;
    size_t cap = 0, ln = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = getline(&text, &cap, in)) >= 0) {
        ln++;
        size_t n = (size_t)got;
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) {
            text[--n] = '\0';
        }
        if (strlen(text) != n) {
            rc = bad(err, f->path, ln, strlen(text) + 1, "a NUL byte in the line");
            break;
        }
        front_token t;
        int r = front_token_parse(&t, f->path, ln, text, err);
        if (r == 1 && hash_taken(f, &t)) {
            r = bad(err, f->path, ln, 1, "this hash is on an earlier line too");
        }
        rc = r < 0 ? r : push_line(f, text, n, r == 1 ? &t : NULL, err);
    }
    if (rc == 0 && ferror(in)) {
        rc = mc_error_set(err, MC_EIO, "cannot read %s", f->path);
    }
    free(text); /* getline's, from malloc */
    return rc;
}

int front_tokfile_read(front_tokfile **out, const char *path, int flags, mc_error *err)
{
    *out = NULL;
    if (mc_init() < 0) {
        return mc_error_set(err, MC_EINTERNAL, "libsodium cannot start");
    }
    front_tokfile *f = mc_calloc(1, sizeof *f);
    if (f == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    f->fd = -1;
    FILE *in = NULL;
    int fd = -1, rc = 0;
    f->path = copy_text(path, strlen(path));
    if (f->path == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        goto done;
    }
    if (flags & FRONT_TOKFILE_EDIT) {
        /* The lock stays on f->fd; the reading goes through a second descriptor of the same
         * open file, which fclose closes without releasing the lock. */
        rc = open_locked(path, &f->fd, &f->created, err);
        fd = rc == 0 ? dup(f->fd) : -1;
        if (rc == 0 && fd < 0) {
            rc = mc_error_set(err, MC_EIO, "cannot read %s: %s", path, strerror(errno));
        }
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            rc = mc_error_set(err, MC_EIO, "cannot read %s: %s", path, strerror(errno));
        }
    }
    if (rc != 0) {
        goto done;
    }
    if (fstat(fd, &f->st) != 0 || !S_ISREG(f->st.st_mode)) {
        rc = mc_error_set(err, MC_EIO, "cannot read %s: not a regular file", path);
        goto done;
    }
    if (f->st.st_mode & (S_IWGRP | S_IWOTH)) {
        rc = mc_error_set(err, MC_EUSAGE,
                          "%s can be written by group or others, who could add a token: "
                          "chmod 600 %s",
                          path, path);
        goto done;
    }
    in = fdopen(fd, "r");
    if (in == NULL) {
        rc = mc_error_set(err, MC_EIO, "cannot read %s: %s", path, strerror(errno));
        goto done;
    }
    fd = -1; /* in owns it */
    rc = read_lines(f, in, err);
done:
    if (in != NULL) {
        fclose(in);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (rc != 0) {
        front_tokfile_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

int front_tokfile_add(front_tokfile *f, const front_token *t, mc_error *err)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->lines[i].is_token && strcmp(f->lines[i].tok.actor, t->actor) == 0) {
            return mc_error_set(err, MC_EUSAGE,
                                "the actor '%s' already has a token (line %zu): revoke it first, "
                                "or name the new one otherwise",
                                t->actor, i + 1);
        }
    }
    if (hash_taken(f, t)) {
        return mc_error_set(err, MC_EUSAGE, "this secret is already a token's: choose another");
    }
    char text[4096];
    int rc = front_token_format(t, text, sizeof text, err);
    return rc != 0 ? rc : push_line(f, text, strlen(text), t, err);
}

/* Whether t's hash, as "blake2b:HEX", starts with prefix. */
static bool hash_starts(const front_token *t, const char *prefix)
{
    char text[80];
    memcpy(text, "blake2b:", 8);
    sodium_bin2hex(text + 8, 65, t->hash, 32);
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

int front_tokfile_revoke(front_tokfile *f, const char *who, size_t *removed, mc_error *err)
{
    *removed = 0;
    bool by_hash = strncmp(who, "blake2b:", 8) == 0;
    if (by_hash && strlen(who) < 8 + 8) {
        return mc_error_set(err, MC_EUSAGE,
                            "give at least 8 hex digits of the hash after 'blake2b:' (motcua token "
                            "list shows them)");
    }
    size_t matches = 0;
    for (size_t i = 0; i < f->n; i++) {
        const tline *l = &f->lines[i];
        matches += l->is_token &&
                   (by_hash ? hash_starts(&l->tok, who) : strcmp(l->tok.actor, who) == 0);
    }
    if (matches == 0) {
        return mc_error_set(err, MC_ENOTFOUND, "no token of %s '%s' in %s",
                            by_hash ? "hash" : "actor", who, f->path);
    }
    if (by_hash && matches > 1) {
        return mc_error_set(err, MC_EUSAGE, "'%s' starts %zu tokens' hashes: give more digits",
                            who, matches);
    }
    size_t kept = 0, index = 0;
    for (size_t i = 0; i < f->n; i++) {
        tline *l = &f->lines[i];
        if (l->is_token &&
            (by_hash ? hash_starts(&l->tok, who) : strcmp(l->tok.actor, who) == 0)) {
            mc_free(l->text);
            continue;
        }
        if (l->is_token) {
            l->tok.index = index++;
        }
        f->lines[kept++] = *l;
    }
    f->n = kept;
    f->ntokens = index;
    *removed = matches;
    return 0;
}

/* Makes the folder's entry of a rename durable. */
static int sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *folder = slash == NULL ? copy_text(".", 1) : copy_text(path, slash == path ? 1 : (size_t)(slash - path));
    if (folder == NULL) {
        return -1;
    }
    int fd = open(folder, O_RDONLY | O_CLOEXEC);
    mc_free(folder);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

int front_tokfile_write(front_tokfile *f, mc_error *err)
{
    char *tmp = mc_malloc(strlen(f->path) + 16);
    if (tmp == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    sprintf(tmp, "%s.tmp-XXXXXX", f->path);
    int fd = mkstemp(tmp); /* 0600 */
    if (fd < 0) {
        int rc = mc_error_set(err, MC_EIO, "cannot write next to %s: %s", f->path, strerror(errno));
        mc_free(tmp);
        return rc;
    }
    /* The old file's mode (it has no write bit for group or others: read refuses it) and owner,
     * so that a token added by root stays readable by the service's user. */
    mode_t mode = f->st.st_mode & 0777 & ~(mode_t)(S_IWGRP | S_IWOTH);
    bool ok = fchmod(fd, mode ? mode : 0600) == 0;
    const char *what = "write";
    if (ok && (f->st.st_uid != geteuid() || f->st.st_gid != getegid()) &&
        fchown(fd, f->st.st_uid, f->st.st_gid) != 0) {
        ok = false;
        what = "keep the owner of";
    }
    for (size_t i = 0; ok && i < f->n; i++) {
        size_t n = strlen(f->lines[i].text);
        ok = write(fd, f->lines[i].text, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    }
    ok = ok && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, f->path) != 0) {
        saved = errno;
        ok = false;
    }
    if (!ok) {
        unlink(tmp);
        mc_free(tmp);
        return mc_error_set(err, MC_EIO, "cannot %s %s: %s (nothing changed)", what, f->path,
                            strerror(saved));
    }
    mc_free(tmp);
    f->created = false;
    sync_folder(f->path);
    return 0;
}
