/* What the commands share beyond front.h: today's date, figures for people, the cells and
 * charts of their pages. */
#include "cli.h"

#include "base/json.h"
#include "motcua/alloc.h"
#include "motcua/calendar.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_out_of_memory(void)
{
    fputs("motcua: out of memory\n", stderr);
    return EXIT_IO;
}

int cli_print_json(json_t *j, size_t flags)
{
    char *text = mc_json_dumps(j, flags);
    json_decref(j);
    if (text == NULL) {
        return cli_out_of_memory();
    }
    puts(text);
    mc_free(text);
    return EXIT_OK;
}

mc_date cli_today(void)
{
    return mc_calendar_today(NULL, (int64_t)time(NULL));
}

void cli_thousands(int64_t v, char out[32])
{
    char digits[24];
    /* The magnitude as unsigned, so that INT64_MIN has one too. */
    uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)a);
    size_t n = strlen(digits), o = 0;
    if (v < 0) {
        out[o++] = '-';
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[o++] = ',';
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

char *cli_procedure_cell(const mc_catalogue *cat, const char *name)
{
    size_t nv = 0;
    const mc_procedure *const *v = mc_catalogue_versions(cat, name, &nv);
    const char *title = nv ? mc_text_pick(v[nv - 1]->titles, v[nv - 1]->ntitles, NULL) : NULL;
    const char *vi = nv ? mc_text_pick(v[nv - 1]->titles, v[nv - 1]->ntitles, "vi") : NULL;
    if (title == NULL) {
        return NULL;
    }
    bool both = vi != NULL && strcmp(vi, title) != 0;
    size_t size = strlen(name) + strlen(title) + (both ? strlen(vi) : 0) + sizeof "\n — ";
    char *out = malloc(size);
    if (out != NULL) {
        snprintf(out, size, "%s\n%s%s%s", name, title, both ? " — " : "", both ? vi : "");
    }
    return out;
}

/* Sorting indices by their keys, largest first, ties by index. */
static const double *top_keys;

static int by_key(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (top_keys[i] != top_keys[j]) {
        return top_keys[i] > top_keys[j] ? -1 : 1;
    }
    return i < j ? -1 : i > j;
}

size_t cli_top(const double *keys, size_t n, size_t k, size_t *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = i;
    }
    top_keys = keys;
    qsort(out, n, sizeof *out, by_key);
    top_keys = NULL;
    return n < k ? n : k;
}
