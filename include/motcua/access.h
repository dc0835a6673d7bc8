/*
 * The access log (Decree 13/2023/NĐ-CP on personal data protection): who read which dossier,
 * which registry records and which citizen's data, when and through which route. Entries are
 * appended to the store's `access` chain (store.h): hash-chained, append-only, separate from
 * the dossiers' events (so that a read never changes a dossier's history), covered by
 * `motcua verify` and by signed checkpoints. `motcua audit --subject S` lists them.
 */
#ifndef MOTCUA_ACCESS_H
#define MOTCUA_ACCESS_H

#include "motcua/engine.h"
#include "motcua/error.h"
#include "motcua/store.h"

#include <stdint.h>

/* One read of personal data. Strings are borrowed. */
typedef struct mc_access {
    int64_t at;           /* when (UTC seconds) */
    const char *actor;    /* who: a token's name, an officer, the OS user of the CLI */
    const char *route;    /* how: "GET /api/dossiers/{id}", "cli show", … */
    int64_t dossier;      /* the dossier read, or 0 */
    const char *subject;  /* whose data; NULL takes the dossier's subject (none without one) */
    const char *registry; /* the registry whose records were read, or NULL */
    const char *party;    /* the party of the dossier whose data was read (subject is its
                             identifier), or NULL: the applicant, or no dossier */
    /* A live registry's look-up (route "live-registry", issue 20): the client's request id
     * and the outcome ("found", "not-found", "unavailable", …); NULL otherwise */
    const char *request;
    const char *outcome;
} mc_access;

/* Appends a to the access log of st, in the open transaction or in one of its own. actor and
 * route are required (MC_EUSAGE); a dossier that does not exist is MC_ENOTFOUND. */
int mc_access_record(mc_store *st, const mc_access *a, mc_error *err);

/* The same through an engine with a store (MC_EUSAGE for a volatile one): the call the HTTP
 * API makes for each read of a dossier, its history, its explanation or a subject's records.
 * A read of a dossier (a->dossier set, a->subject NULL) whose procedure has parties besides the
 * applicant is also recorded once under each other party the dossier names, with its name
 * (party) and identifier (subject), so that `audit --subject` finds it whichever party the
 * person was. */
int mc_engine_log_access(mc_engine *e, const mc_access *a, mc_error *err);
/* The same for a read of dossier d that the caller has loaded already (a->dossier is d->id,
 * a->subject NULL; MC_EUSAGE otherwise): the subject and the parties' identifiers come from d,
 * so the read costs no second load of the dossier. */
int mc_engine_log_read(mc_engine *e, const mc_access *a, const mc_dossier *d, mc_error *err);

/* Calls fn for each read of subject's data (every read when subject is NULL), oldest first,
 * with the entry's number in the chain; fn returning non-zero stops (and is returned). */
int mc_access_each(mc_store *st, const char *subject,
                   int (*fn)(void *ud, int64_t seq, const mc_access *a), void *ud, mc_error *err);

#endif
