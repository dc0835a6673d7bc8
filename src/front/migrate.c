/* The explicit migration of a store (issue 19), shared by migrate and serve --migrate
 * (migrate.h). */
#include "front/migrate.h"

#include "front/front.h"
#include "motcua/store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int out_of_memory(void)
{
    fputs("motcua: out of memory\n", stderr);
    return EXIT_IO;
}

int front_migrate(const char *db, const char *to_backup, const char *who)
{
    bool server = mc_store_is_server(db);
    if (server && to_backup != NULL) {
        return front_usage_error("--to-backup is for a SQLite store; a PostgreSQL store is backed "
                                 "up with pg_dump or pg_basebackup before it is migrated");
    }
    mc_store *st = NULL;
    mc_store_migration m;
    mc_error err;
    int rc = mc_store_open_as_is(&st, db, &m, &err);
    if (rc != 0) {
        /* A file that is no store is a finding (as verify and backup say it), not an I/O error. */
        fprintf(stderr, "motcua: %s: %s\n", who, err.msg);
        return rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
    }
    if (m.from == m.to) {
        mc_store_close(st);
        printf("%s: the store is at schema version %d, this motcua's: nothing to migrate\n", who,
               m.to);
        return EXIT_OK;
    }
    char *name = NULL;
    if (!server) {
        /* Named after the version it comes before, so that the backups of successive upgrades
         * stand side by side; an existing file is never overwritten (mc_store_backup). */
        if (to_backup == NULL) {
            size_t n = strlen(db) + sizeof ".before-v.bak" + 12;
            name = malloc(n);
            if (name == NULL) {
                mc_store_close(st);
                return out_of_memory();
            }
            snprintf(name, n, "%s.before-v%d.bak", db, m.to);
            to_backup = name;
        }
        int64_t nevents = 0;
        rc = mc_store_backup(st, to_backup, &nevents, &err);
        if (rc != 0) {
            mc_store_close(st);
            free(name);
            fprintf(stderr, "motcua: %s: %s; nothing was migrated\n", who, err.msg);
            return rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
        }
        printf("%s: backup %s written (mode 0600), %lld %s; the copy verifies\n", who, to_backup,
               (long long)nevents, nevents == 1 ? "event" : "events");
    } else {
        printf("%s: a PostgreSQL store: no file backup is taken here; take one with pg_dump or "
               "pg_basebackup before migrating (docs/operations.md, \"Upgrades and "
               "migrations\")\n",
               who);
    }
    mc_store_close(st);
    int from = m.from;
    rc = mc_store_migrate(NULL, db, &m, &err);
    if (rc != 0) {
        fprintf(stderr, "motcua: %s: %s; the store was left at schema version %d\n", who, err.msg,
                from);
        free(name);
        return rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
    }
    if (m.from == m.to) {
        /* Another process migrated it between the backup and now. */
        printf("%s: the store is at schema version %d, this motcua's: nothing to migrate\n", who,
               m.to);
    } else {
        printf("%s: schema version %d to %d%s%s; verify: %lld events, %lld other chain %s: the "
               "store is intact\n",
               who, m.from, m.to, server ? "" : ", backup ", server ? "" : to_backup,
               (long long)m.events, (long long)m.entries, m.entries == 1 ? "entry" : "entries");
    }
    free(name);
    return EXIT_OK;
}
