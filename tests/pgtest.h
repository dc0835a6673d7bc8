/*
 * The suites of the store and the engine on both backends: tu_db() names a fresh, empty store,
 * ":memory:" (SQLite), or, when MC_TEST_PG holds a libpq connection string (tools/run-tests.sh
 * sets it for the PostgreSQL pass), a new schema of that database, reached through the
 * connection's search path. Every call gives another store, as every ":memory:" open does.
 */
#ifndef MOTCUA_PGTEST_H
#define MOTCUA_PGTEST_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether the suite runs on PostgreSQL. */
static inline bool tu_pg(void)
{
    const char *pg = getenv("MC_TEST_PG");
    return pg != NULL && pg[0] != '\0';
}

/* A fresh store's --db string; valid until the next call. */
static inline const char *tu_db(void)
{
    static char target[512];
    static int n;
    if (!tu_pg()) {
        return ":memory:";
    }
    const char *pg = getenv("MC_TEST_PG");
    char schema[64], sql[128];
    snprintf(schema, sizeof schema, "t%d_%d", (int)getpid(), ++n);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    PGconn *c = PQconnectdb(pg);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "MC_TEST_PG: %s", PQerrorMessage(c));
        abort();
    }
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "MC_TEST_PG: %s", PQerrorMessage(c));
        abort();
    }
    PQclear(r);
    PQfinish(c);
    snprintf(target, sizeof target, "%s options='-csearch_path=%s'", pg, schema);
    return target;
}

#endif
