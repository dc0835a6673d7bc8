/* The directory walker of dir.h: opendir and readdir, then a sort, so the order is the
 * walker's and not the file system's. */
#include "dir.h"

#include "motcua/alloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *join(const char *dir, const char *name)
{
    size_t nd = strlen(dir), nn = strlen(name);
    if (nd == 1 && dir[0] == '.') {
        return mc_strndup(name, nn);
    }
    bool slash = nd > 0 && dir[nd - 1] == '/';
    char *p = mc_malloc(nd + nn + 2);
    if (p != NULL) {
        memcpy(p, dir, nd);
        if (!slash) {
            p[nd++] = '/';
        }
        memcpy(p + nd, name, nn + 1);
    }
    return p;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && strcmp(name + n - k, suffix) == 0;
}

/* Bytewise, as strcmp compares: the same order on every platform and in every locale. */
static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends to names the paths of dir's entries that do not start with a dot, sorted. */
static int list(const char *dir, unsigned flags, mc_ptrvec *names, mc_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT && (flags & MC_DIR_MISSING_OK)) {
            return 0;
        }
        return mc_error_set(err, MC_EIO, "%s: %s", dir, strerror(errno));
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue; /* ., .., and hidden files */
        }
        char *p = join(dir, e->d_name);
        if (p == NULL || mc_ptrvec_push(names, p) != 0) {
            mc_free(p);
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    closedir(d);
    if (names->n > 1) { /* qsort takes no NULL array, even an empty one */
        qsort(names->items, names->n, sizeof *names->items, cmp_path);
    }
    return rc;
}

static int walk(mc_ptrvec *paths, const char *dir, const char *suffix, unsigned flags, int depth,
                mc_error *err)
{
    if (depth > MC_DIR_MAX_DEPTH) {
        return mc_error_set(err, MC_EIO, "%s: folders nested too deeply", dir);
    }
    mc_ptrvec names = MC_PTRVEC_INIT;
    int rc = list(dir, depth == 0 ? flags : flags & ~(unsigned)MC_DIR_MISSING_OK, &names, err);
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        char *p = names.items[i];
        const char *slash = strrchr(p, '/');
        struct stat st;
        if (stat(p, &st) != 0) {
            continue; /* a dangling link, or gone since it was listed */
        }
        if (S_ISDIR(st.st_mode)) {
            if (flags & MC_DIR_RECURSE) {
                rc = walk(paths, p, suffix, flags, depth + 1, err);
            }
        } else if (S_ISREG(st.st_mode) && has_suffix(slash ? slash + 1 : p, suffix)) {
            if (mc_ptrvec_push(paths, p) != 0) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            } else {
                names.items[i] = NULL;
            }
        }
    }
    for (size_t i = 0; i < names.n; i++) {
        mc_free(names.items[i]);
    }
    mc_ptrvec_free(&names);
    return rc;
}

int mc_dir_walk(mc_ptrvec *paths, const char *dir, const char *suffix, unsigned flags,
                mc_error *err)
{
    return walk(paths, dir, suffix, flags, 0, err);
}
