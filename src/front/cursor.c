/* The queue's cursors (cursor.h). */
#include "cursor.h"

#include "front.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static uint64_t check_of(bool overdue, int64_t due, int64_t id, const char *const *filters,
                         size_t n)
{
    char keys[80];
    snprintf(keys, sizeof keys, "%d.%lld.%lld", overdue, (long long)due, (long long)id);
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i <= n; i++) {
        for (const char *c = i == 0 ? keys : filters[i - 1];; c++) {
            h = (h ^ (unsigned char)*c) * 1099511628211u;
            if (*c == '\0') {
                break;
            }
        }
    }
    return h;
}

void front_cursor_make(const mc_dossier_row *row, const char *const *filters, size_t n,
                       char out[FRONT_CURSOR_MAX])
{
    char due[24] = "n";
    if (row->due != MC_NONE) {
        snprintf(due, sizeof due, "%lld", (long long)row->due);
    }
    snprintf(out, FRONT_CURSOR_MAX, "%d.%s.%lld.%016" PRIx64, row->overdue, due,
             (long long)row->id, check_of(row->overdue, row->due, row->id, filters, n));
}

bool front_cursor_read(const char *text, const char *const *filters, size_t n,
                       mc_dossier_page *q)
{
    const char *f[4];
    size_t len[4];
    const char *s = text;
    for (int i = 0; i < 4; i++) {
        f[i] = s;
        len[i] = strcspn(s, ".");
        s += len[i];
        if (i < 3 && *s++ != '.') {
            return false;
        }
    }
    int64_t due = MC_NONE, id;
    if (*s != '\0' || len[0] != 1 || (f[0][0] != '0' && f[0][0] != '1') || len[3] != 16 ||
        !front_decimal(f[2], len[2], false, &id) || id <= 0 ||
        (!(len[1] == 1 && f[1][0] == 'n') && !front_decimal(f[1], len[1], true, &due))) {
        return false;
    }
    bool overdue = f[0][0] == '1';
    char check[17];
    snprintf(check, sizeof check, "%016" PRIx64, check_of(overdue, due, id, filters, n));
    if (memcmp(check, f[3], 16) != 0) {
        return false;
    }
    q->after_overdue = overdue;
    q->after_due = due;
    q->after_id = id;
    return true;
}
