/*
 * The catalogue loader: finds the .proc files of the given paths, reads and parses each, hands
 * the trees to the builder (build.c), hashes the sources, and returns the catalogue frozen.
 */
#include "catalogue_int.h"

#include "base/dir.h"
#include "base/grow.h"

#include "motcua/alloc.h"

#include <sodium.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_FILE_BYTES = 256 * 1024 * 1024 };

/* ==== files ============================================================================== */

/* The .proc files of opts->paths: files as given, folders searched. */
static int find_files(const mc_load_opts *opts, mc_ptrvec *files, mc_error *err)
{
    for (size_t i = 0; i < opts->npaths; i++) {
        const char *path = opts->paths[i];
        struct stat st;
        if (stat(path, &st) != 0) {
            return mc_error_set(err, MC_EIO, "%s: %s", path, strerror(errno));
        }
        if (S_ISDIR(st.st_mode)) {
            int rc = mc_dir_walk(files, path, ".proc", MC_DIR_RECURSE, err);
            if (rc != 0) {
                return rc;
            }
        } else {
            char *p = mc_strndup(path, strlen(path));
            if (p == NULL || mc_ptrvec_push(files, p) != 0) {
                mc_free(p);
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
    }
    return 0;
}

/* ==== loading ============================================================================ */

static mc_catalogue *catalogue_new(void)
{
    mc_catalogue *cat = mc_calloc(1, sizeof *cat);
    if (cat == NULL) {
        return NULL;
    }
    static const char *const builtin[] = {"applicant", "system"};
    for (int i = 0; i < 2; i++) {
        mc_role *r = mc_arena_alloc(&cat->arena, sizeof *r);
        if (r == NULL) {
            mc_catalogue_free(cat);
            return NULL;
        }
        r->name = builtin[i];
        r->builtin = true;
        r->pos.file = UINT32_MAX;
        if (mc_map_put(&cat->role_map, r->name, strlen(r->name), r) != 0 ||
            mc_ptrvec_push(&cat->roles, r) != 0) {
            mc_catalogue_free(cat);
            return NULL;
        }
    }
    return cat;
}

/* Parses and builds every source of cat, then finishes the build. */
static int build_all(mc_catalogue *cat, const mc_rule_names *rules, mc_diags *diags, mc_error *err)
{
    mc_arena trees = MC_ARENA_INIT;
    mcb_builder *b = NULL;
    int rc = mcb_builder_new(&b, cat, diags, rules);
    size_t errors_before = mc_diags_errors(diags);
    for (size_t i = 0; i < cat->nsources && rc == 0; i++) {
        mc_node *tree;
        rc = mc_parse(&tree, cat->sources[i], diags, &trees);
        if (rc == 0) {
            rc = mcb_build_file(b, cat->sources[i], (uint32_t)i, tree);
        }
    }
    if (rc == 0) {
        rc = mcb_build_finish(b);
    }
    mcb_builder_free(b);
    mc_arena_free(&trees);
    if (rc != 0) {
        return mc_error_set(err, rc, "out of memory loading the catalogue");
    }
    if (mc_diags_errors(diags) != errors_before) {
        return mc_error_set(err, MC_ECHECK, "the catalogue has errors");
    }
    return 0;
}

/* Adds src to the last layer of cat. */
static int add_source(mc_catalogue *cat, mc_source *src)
{
    /* source_layers runs beside sources, with the same capacity (or more, after a failure). */
    size_t cap = cat->sources_cap;
    if (mc_grow(&cat->source_layers, &cap, cat->nsources + 1, sizeof *cat->source_layers) != 0 ||
        mc_grow(&cat->sources, &cat->sources_cap, cat->nsources + 1, sizeof *cat->sources) != 0) {
        return MC_ENOMEM;
    }
    cat->source_layers[cat->nsources] = (uint32_t)(cat->nlayers - 1);
    cat->sources[cat->nsources++] = src;
    return 0;
}

/* Starts a new layer called name: the sources added next belong to it. */
static int add_layer(mc_catalogue *cat, const char *name)
{
    if (mc_grow(&cat->layer_names, &cat->layers_cap, cat->nlayers + 1, sizeof *cat->layer_names) !=
        0) {
        return MC_ENOMEM;
    }
    char **names = cat->layer_names;
    names[cat->nlayers] = mc_strndup(name, strlen(name));
    if (names[cat->nlayers] == NULL) {
        return MC_ENOMEM;
    }
    cat->nlayers++;
    return 0;
}

/* Reads the .proc files of one layer's paths into cat, in a new layer called name. */
static int read_layer(mc_catalogue *cat, const char *name, const char *const *paths, size_t npaths,
                      mc_error *err)
{
    if (add_layer(cat, name) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_load_opts one = MC_LOAD_OPTS_INIT;
    one.paths = paths;
    one.npaths = npaths;
    mc_ptrvec files = {NULL, 0, 0};
    int rc = find_files(&one, &files, err);
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        mc_source *src;
        const char *path = files.items[i];
        struct stat st;
        if (stat(path, &st) == 0 && st.st_size > MAX_FILE_BYTES) {
            rc = mc_error_set(err, MC_EIO, "%s: file too large (more than 256 MiB)", path);
            break;
        }
        rc = mc_source_read(&src, path, err);
        if (rc == 0 && add_source(cat, src) != 0) {
            mc_source_free(src);
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < files.n; i++) {
        mc_free(files.items[i]);
    }
    mc_ptrvec_free(&files);
    return rc;
}

static void hash_sources(mc_catalogue *cat)
{
    unsigned char h[32];
    crypto_generichash_state st;
    if (mc_init() < 0) {
        memcpy(cat->hash, "unavailable", 12);
        return;
    }
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    for (size_t i = 0; i < cat->nsources; i++) {
        const char *path = mc_source_path(cat->sources[i]);
        crypto_generichash_update(&st, (const unsigned char *)path, strlen(path) + 1);
        uint64_t n = mc_source_len(cat->sources[i]);
        unsigned char len[8];
        for (int k = 0; k < 8; k++) {
            len[k] = (unsigned char)(n >> (8 * k));
        }
        crypto_generichash_update(&st, len, sizeof len);
        crypto_generichash_update(&st, (const unsigned char *)mc_source_text(cat->sources[i]), n);
    }
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(cat->hash, sizeof cat->hash, h, sizeof h);
}

static int finish(mc_catalogue **out, mc_catalogue *cat, int rc, mc_diags *diags)
{
    if (rc == 0 || rc == MC_ECHECK) {
        mc_diags_sort(diags);
    }
    if (rc != 0) {
        mc_catalogue_free(cat);
        return rc;
    }
    hash_sources(cat);
    *out = cat;
    return 0;
}

int mc_catalogue_load(mc_catalogue **out, const mc_load_opts *opts, mc_diags *diags, mc_error *err)
{
    *out = NULL;
    mc_catalogue *cat = catalogue_new();
    if (cat == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = 0;
    if (opts->nlayers == 0) {
        rc = read_layer(cat, "", opts->paths, opts->npaths, err);
    }
    for (size_t i = 0; i < opts->nlayers && rc == 0; i++) {
        const mc_layer *l = &opts->layers[i];
        rc = read_layer(cat, l->name ? l->name : "", l->paths, l->npaths, err);
    }
    if (rc == 0) {
        rc = build_all(cat, opts->rules, diags, err);
    }
    return finish(out, cat, rc, diags);
}

int mc_catalogue_load_buffers(mc_catalogue **out, const char *const *names,
                              const char *const *texts, const size_t *lens, size_t n,
                              mc_diags *diags, mc_error *err)
{
    *out = NULL;
    mc_catalogue *cat = catalogue_new();
    if (cat == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = add_layer(cat, "") != 0 ? mc_error_set(err, MC_ENOMEM, "out of memory") : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        mc_source *src;
        rc = mc_source_new(&src, names[i], texts[i], lens[i], err);
        if (rc == 0 && add_source(cat, src) != 0) {
            mc_source_free(src);
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    if (rc == 0) {
        rc = build_all(cat, NULL, diags, err);
    }
    return finish(out, cat, rc, diags);
}
