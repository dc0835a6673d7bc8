/*
 * The catalogue loader: finds the .proc files of the given paths, reads and parses each, hands
 * the trees to the builder (build.c), hashes the sources, and returns the catalogue frozen.
 */
#include "catalogue_int.h"

#include "base/buf.h"
#include "base/dir.h"
#include "base/grow.h"
#include "lang/parser.h"

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
    static const mc_text titles[2][2] = {{{NULL, "Applicant"}, {"vi", "Người nộp hồ sơ"}},
                                         {{NULL, "System"}, {"vi", "Hệ thống"}}};
    for (int i = 0; i < 2; i++) {
        mc_role *r = mc_arena_alloc(&cat->arena, sizeof *r);
        if (r == NULL) {
            mc_catalogue_free(cat);
            return NULL;
        }
        r->name = builtin[i];
        r->builtin = true;
        r->titles = titles[i];
        r->ntitles = 2;
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
        rc = mc_diags_scan_allows(diags, cat->sources[i]); /* `# lint: allow NAME — why` */
        if (rc == 0) {
            rc = mc_parse(&tree, cat->sources[i], diags, &trees);
        }
        if (rc == 0) {
            rc = mcb_build_file(b, cat->sources[i], (uint32_t)i, tree);
        }
    }
    if (rc == 0) {
        rc = mcb_build_finish(b);
    }
    if (rc == 0) {
        /* the warnings allow comments accept leave; lint alone says which allows are stale */
        rc = mc_diags_apply_allows(diags, false);
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

/* ==== procedure texts (issue 19) ======================================================== */

static void append_span(mc_buf *b, const mc_catalogue *cat, uint32_t file, uint32_t start,
                        uint32_t end)
{
    if (file < cat->nsources && start <= end && end <= mc_source_len(cat->sources[file])) {
        mc_buf_append(b, mc_source_text(cat->sources[file]) + start, end - start);
    }
    mc_buf_append(b, "\n", 1);
}

int mc_procedure_text(const mc_catalogue *cat, const mc_procedure *p, char **out, size_t *len)
{
    mc_buf b = MC_BUF_INIT;
    append_span(&b, cat, p->text_file, p->text_start, p->text_end);
    if (p->lifecycle != NULL) {
        const mc_lifecycle *l = p->lifecycle;
        append_span(&b, cat, l->text_file, l->text_start, l->text_end);
    }
    *len = b.len;
    *out = mc_buf_take(&b);
    return *out != NULL ? 0 : MC_ENOMEM;
}

/* Each procedure version's text hash: the files as read give the same hashes again. */
static int hash_procedures(mc_catalogue *cat)
{
    for (size_t i = 0; i < cat->procedures.n; i++) {
        mc_procedure *p = cat->procedures.items[i];
        char *text;
        size_t len;
        if (mc_procedure_text(cat, p, &text, &len) != 0) {
            return MC_ENOMEM;
        }
        unsigned char h[32];
        crypto_generichash(h, sizeof h, (const unsigned char *)text, len, NULL, 0);
        sodium_bin2hex(p->text_hash, sizeof p->text_hash, h, sizeof h);
        mc_free(text);
    }
    return 0;
}

static int finish(mc_catalogue **out, mc_catalogue *cat, int rc, mc_diags *diags, mc_error *err)
{
    if (rc == 0 || rc == MC_ECHECK) {
        mc_diags_sort(diags);
    }
    if (rc == 0 && mc_init() >= 0 && hash_procedures(cat) != 0) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
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
    return finish(out, cat, rc, diags, err);
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
    return finish(out, cat, rc, diags, err);
}

/* ==== a stored procedure text against the live catalogue (issue 19) ====================== */

/* What mc_catalogue_load_pinned needs of a stored text: the procedure's name and version, and
 * the offsets of the lifecycle's name in its declaration and in the procedure's `lifecycle`. */
typedef struct pinned_parts {
    char name[256], version[11];
    const mc_token *uses, *declares; /* `lifecycle NAME` in the procedure; `lifecycle NAME {` */
} pinned_parts;

static void copy_tok(char *dst, size_t cap, const mc_token *t)
{
    size_t n = t->text_len < cap - 1 ? t->text_len : cap - 1;
    memcpy(dst, t->text, n);
    dst[n] = '\0';
}

static bool pinned_find(const mc_node *tree, pinned_parts *pp)
{
    memset(pp, 0, sizeof *pp);
    bool found = false;
    for (const mc_node *n = tree; n != NULL; n = n->next) {
        if (n->ntoks < 2 || n->broken) {
            continue;
        }
        if (mc_tok_is(&n->toks[0], "procedure") && !found) {
            found = true;
            copy_tok(pp->name, sizeof pp->name, &n->toks[1]);
            for (const mc_node *c = n->child; c != NULL; c = c->next) {
                if (c->ntoks >= 2 && mc_tok_is(&c->toks[0], "effective")) {
                    copy_tok(pp->version, sizeof pp->version, &c->toks[1]);
                } else if (c->ntoks >= 2 && mc_tok_is(&c->toks[0], "lifecycle")) {
                    pp->uses = &c->toks[1];
                }
            }
        } else if (mc_tok_is(&n->toks[0], "lifecycle")) {
            pp->declares = &n->toks[1];
        }
    }
    return found;
}

/* text with the lifecycle's name (both places) made the stored text's own. */
static char *pinned_rename(const char *text, const pinned_parts *pp, const char *hash)
{
    mc_buf b = MC_BUF_INIT;
    if (pp->uses == NULL || pp->declares == NULL || pp->uses->off > pp->declares->off) {
        mc_buf_puts(&b, text);
        return mc_buf_take(&b);
    }
    char own[300];
    snprintf(own, sizeof own, "pinned-%.16s-%.*s", hash, (int)pp->declares->len,
             text + pp->declares->off);
    mc_buf_append(&b, text, pp->uses->off);
    mc_buf_puts(&b, own);
    mc_buf_append(&b, text + pp->uses->off + pp->uses->len,
                  pp->declares->off - (pp->uses->off + pp->uses->len));
    mc_buf_puts(&b, own);
    mc_buf_puts(&b, text + pp->declares->off + pp->declares->len);
    return mc_buf_take(&b);
}

/* A copy of live's file i with the declarations of version (name, version) blanked (newlines
 * kept, so that positions and lines stay those of the file). */
static int pinned_source(mc_source **out, const mc_catalogue *live, uint32_t i,
                         const pinned_parts *pp, mc_error *err)
{
    const char *text = mc_source_text(live->sources[i]);
    size_t len = mc_source_len(live->sources[i]);
    char *copy = NULL;
    size_t n;
    const mc_procedure *const *v = mc_catalogue_versions(live, pp->name, &n);
    for (size_t k = 0; k < n; k++) {
        char ver[11] = "";
        if (v[k]->has_effective) {
            mc_date_format(v[k]->effective, ver);
        }
        if (v[k]->text_file != i || strcmp(ver, pp->version) != 0 || v[k]->text_end > len) {
            continue;
        }
        if (copy == NULL && (copy = mc_strndup(text, len)) == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        for (uint32_t j = v[k]->text_start; j < v[k]->text_end; j++) {
            copy[j] = copy[j] == '\n' ? '\n' : ' ';
        }
    }
    int rc = mc_source_new(out, mc_source_path(live->sources[i]), copy ? copy : text, len, err);
    mc_free(copy);
    return rc;
}

/* Copies live's sources into cat, layer by layer, each as pinned_source makes it when pp is
 * given (a stored version's declarations blanked), else as it is. 0, or the error. */
static int copy_layers(mc_catalogue *cat, const mc_catalogue *live, const pinned_parts *pp,
                       mc_error *err)
{
    int rc = 0;
    for (size_t l = 0; l < live->nlayers && rc == 0; l++) {
        if (add_layer(cat, live->layer_names[l]) != 0) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        for (uint32_t i = 0; i < live->nsources && rc == 0; i++) {
            mc_source *src;
            if (live->source_layers[i] != l) {
                continue;
            }
            const mc_source *from = live->sources[i];
            rc = pp != NULL ? pinned_source(&src, live, i, pp, err)
                            : mc_source_new(&src, mc_source_path(from), mc_source_text(from),
                                            mc_source_len(from), err);
            if (rc == 0 && add_source(cat, src) != 0) {
                mc_source_free(src);
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
    }
    return rc;
}

int mc_catalogue_load_pinned(mc_catalogue **out, const mc_catalogue *live, const char *hash,
                             const char *text, const mc_rule_names *rules, mc_diags *diags,
                             mc_error *err)
{
    *out = NULL;
    char path[128];
    snprintf(path, sizeof path, "stored text %.16s", hash);
    mc_source *stored;
    int rc = mc_source_new(&stored, path, text, strlen(text), err);
    if (rc != 0) {
        return rc;
    }
    /* A first parse finds the names; its diagnostics are the build's again, so it keeps none. */
    mc_arena trees = MC_ARENA_INIT;
    mc_node *tree = NULL;
    pinned_parts pp;
    mc_diags *first = NULL;
    rc = mc_diags_new(&first);
    if (rc == 0) {
        rc = mc_parse(&tree, stored, first, &trees);
    }
    mc_diags_free(first);
    char *renamed = NULL;
    if (rc != 0) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (!pinned_find(tree, &pp)) {
        rc = mc_error_set(err, MC_ECHECK, "the stored text %.16s declares no procedure", hash);
    } else if ((renamed = pinned_rename(text, &pp, hash)) == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_arena_free(&trees);
    mc_source_free(stored);
    stored = NULL;
    if (rc == 0) {
        rc = mc_source_new(&stored, path, renamed, strlen(renamed), err);
    }
    mc_free(renamed);
    if (rc != 0) {
        return rc;
    }
    mc_catalogue *cat = catalogue_new();
    if (cat == NULL) {
        mc_source_free(stored);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    rc = copy_layers(cat, live, &pp, err);
    if (rc == 0 && live->nlayers == 0) {
        rc = add_layer(cat, "") != 0 ? mc_error_set(err, MC_ENOMEM, "out of memory") : 0;
    }
    if (rc == 0 && add_source(cat, stored) != 0) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (rc == 0) {
        stored = NULL;
    }
    mc_source_free(stored);
    if (rc == 0) {
        rc = build_all(cat, rules, diags, err);
    }
    return finish(out, cat, rc, diags, err);
}

/* ==== a reform sent with a request (POST /api/cost, issue 22) ============================ */

/* Whether every top-level declaration of src is a `reform` block (the others are reported). */
static int only_reforms(mc_source *src, mc_diags *diags, bool *ok)
{
    mc_arena trees = MC_ARENA_INIT;
    mc_node *tree = NULL;
    *ok = true;
    size_t reforms = 0;
    int rc = mc_parse(&tree, src, diags, &trees);
    for (const mc_node *n = tree; rc == 0 && n != NULL; n = n->next) {
        const mc_token *t = n->ntoks > 0 ? &n->toks[0] : NULL;
        bool reform = t != NULL && t->kind == MC_TOK_WORD && t->text_len == 6 &&
                      memcmp(t->text, "reform", 6) == 0 && n->has_block;
        reforms += reform;
        if (!reform && !n->broken) {
            *ok = false;
            rc = mc_diags_add(diags, MC_DIAG_ERROR, src, t ? t->off : 0, t ? t->len : 0,
                              "only reform declarations may be sent with a study");
        }
    }
    if (rc == 0 && reforms != 1 && *ok) {
        *ok = false;
        rc = mc_diags_add(diags, MC_DIAG_ERROR, src, 0, 0,
                          "a study takes one reform declaration, not %zu", reforms);
    }
    mc_arena_free(&trees);
    return rc;
}

int mc_catalogue_load_reform(mc_catalogue **out, const mc_catalogue *live, const char *name,
                             const char *text, size_t len, const mc_rule_names *rules,
                             mc_diags *diags, mc_error *err)
{
    *out = NULL;
    mc_source *sent;
    int rc = mc_source_new(&sent, name, text, len, err);
    if (rc != 0) {
        return rc;
    }
    bool ok;
    size_t errors_before = mc_diags_errors(diags);
    if (only_reforms(sent, diags, &ok) != 0) {
        mc_source_free(sent);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (!ok || mc_diags_errors(diags) != errors_before) {
        mc_source_free(sent);
        mc_diags_sort(diags);
        return mc_error_set(err, MC_ECHECK, "the reform has errors");
    }
    mc_catalogue *cat = catalogue_new();
    if (cat == NULL) {
        mc_source_free(sent);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    rc = copy_layers(cat, live, NULL, err);
    if (rc == 0 && add_layer(cat, name) != 0) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (rc == 0 && add_source(cat, sent) != 0) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (rc == 0) {
        sent = NULL;
    }
    mc_source_free(sent);
    if (rc == 0) {
        rc = build_all(cat, rules, diags, err);
    }
    return finish(out, cat, rc, diags, err);
}
