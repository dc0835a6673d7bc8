/*
 * The queue's cursors, one format for `motcua list --cursor` and `GET /api/dossiers?cursor=`:
 * "O.DUE.ID.CHECK" names the last row of a page (its overdue mark, its due instant or "n", its
 * number) and CHECK, 16 hex digits of FNV-1a over that position and the filters the listing
 * was made for, so that a cursor altered by hand or sent with other filters is refused. It is
 * not a secret: a cursor only says where to go on, and every row is checked against the caller
 * whatever it says.
 */
#ifndef MOTCUA_FRONT_CURSOR_H
#define MOTCUA_FRONT_CURSOR_H

#include "motcua/store.h"

#include <stdbool.h>
#include <stddef.h>

enum { FRONT_CURSOR_MAX = 96 };

/* The cursor after row, for a listing with the n filters given (each as text, "" for none). */
void front_cursor_make(const mc_dossier_row *row, const char *const *filters, size_t n,
                       char out[FRONT_CURSOR_MAX]);
/* Sets q's position (after_overdue, after_due, after_id) from text; false, q unchanged, when
 * text is not a cursor this listing (the same n filters) gave. */
bool front_cursor_read(const char *text, const char *const *filters, size_t n,
                       mc_dossier_page *q);

#endif
