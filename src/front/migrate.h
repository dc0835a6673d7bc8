/*
 * The explicit migration of a store (issue 19; docs/operations.md, "Upgrades and migrations"),
 * what `motcua migrate` and `serve --migrate` run: a store of an older schema is backed up (on
 * SQLite, with motcua backup's own path, mc_store_backup: the online backup into to_backup, or
 * STORE.before-vN.bak for version N, the copy verified; on PostgreSQL the operator's pg_dump is
 * the backup, and this says so), then migrated in one transaction that verifies what it made
 * before it commits (mc_store_migrate). Any failure leaves the store as it was.
 */
#ifndef MOTCUA_FRONT_MIGRATE_H
#define MOTCUA_FRONT_MIGRATE_H

/* Migrates the store db, printing each step on stdout prefixed "who: " and any failure on
 * stderr in one line; a store already current says so. Returns an exit status: EXIT_OK,
 * EXIT_FAIL (not a store, a copy or a migration that does not verify), EXIT_USAGE (to_backup
 * with a PostgreSQL store), EXIT_IO. */
int front_migrate(const char *db, const char *to_backup, const char *who);

#endif
