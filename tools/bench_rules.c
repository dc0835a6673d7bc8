/*
 * bench: rule-call — the median cost of a one-line guard through the rules call path
 * (mc_rules_cond with the read-only dossier view), against a bare lua_pcall of the same
 * function on a plain table, in the same run; and of a fee rule reading three fields.
 * Prints the lines of ../shared/BENCH.md. Usage: bench_rules [CALLS]
 */
#include "motcua/rules.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char src[] = "function guard(d) return d.fields['married'] == true end\n"
                          "function nop(d) return true end\n"
                          "function fee(d) return d.fields.a + d.fields.b + d.fields.c end\n";

enum { ROUNDS = 15 };

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 200000;
    mc_rules *rules;
    if (mc_rules_new(&rules, NULL, NULL) != 0 ||
        mc_rules_load_buffer(rules, "bench", "rules/bench.lua", src, sizeof src - 1, NULL, NULL) !=
            0) {
        fprintf(stderr, "bench_rules: cannot load the rules\n");
        return 1;
    }
    const mc_rule *guard, *fee;
    mc_rules_resolve(rules, "bench", "guard", &guard, NULL);
    mc_rules_resolve(rules, "bench", "fee", &fee, NULL);
    mc_view_field fields[] = {
        {"citizen-id", {MC_VAL_TEXT, "001234567890", 0, 0, false}},
        {"married", {MC_VAL_BOOL, NULL, 0, 0, true}},
        {"a", {MC_VAL_INTEGER, NULL, 1000, 0, false}},
        {"b", {MC_VAL_INTEGER, NULL, 2000, 0, false}},
        {"c", {MC_VAL_INTEGER, NULL, 3000, 0, false}},
    };
    mc_rule_view view;
    memset(&view, 0, sizeof view);
    view.fields = fields;
    view.nfields = 5;

    /* The bare peer: the same functions, a plain table for d, lua_pcall directly. */
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_loadbuffer(L, src, sizeof src - 1, "bench") != LUA_OK ||
        lua_pcall(L, 0, 0, 0) != LUA_OK) {
        return 1;
    }
    lua_newtable(L);
    lua_newtable(L);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "married");
    lua_pushinteger(L, 1000);
    lua_setfield(L, -2, "a");
    lua_pushinteger(L, 2000);
    lua_setfield(L, -2, "b");
    lua_pushinteger(L, 3000);
    lua_setfield(L, -2, "c");
    lua_setfield(L, -2, "fields");
    int d = lua_gettop(L);
    lua_getglobal(L, "guard");
    int bare_guard = lua_gettop(L);
    lua_getglobal(L, "fee");
    int bare_fee = lua_gettop(L);

    double g[ROUNDS], b[ROUNDS], f[ROUNDS], bf[ROUNDS];
    long sink = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        for (long i = 0; i < calls; i++) {
            bool ok;
            mc_rules_cond(rules, guard, &view, &ok, NULL, 0, NULL);
            sink += ok;
        }
        double t1 = now_ns();
        for (long i = 0; i < calls; i++) {
            lua_pushvalue(L, bare_guard);
            lua_pushvalue(L, d);
            lua_pcall(L, 1, 1, 0);
            sink += lua_toboolean(L, -1);
            lua_pop(L, 1);
        }
        double t2 = now_ns();
        for (long i = 0; i < calls; i++) {
            int64_t amount;
            mc_rules_fee(rules, fee, &view, &amount, NULL);
            sink += amount;
        }
        double t3 = now_ns();
        for (long i = 0; i < calls; i++) {
            lua_pushvalue(L, bare_fee);
            lua_pushvalue(L, d);
            lua_pcall(L, 1, 1, 0);
            sink += lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
        double t4 = now_ns();
        g[r] = (t1 - t0) / (double)calls;
        b[r] = (t2 - t1) / (double)calls;
        f[r] = (t3 - t2) / (double)calls;
        bf[r] = (t4 - t3) / (double)calls;
    }
    double ns = median(g, ROUNDS), bare = median(b, ROUNDS);
    double fee_ns = median(f, ROUNDS), fee_bare = median(bf, ROUNDS);
    fprintf(stderr, "bench_rules: %ld calls x %d rounds (checksum %ld)\n", calls, ROUNDS, sink);
    printf("bench: rule-call ns=%.1f bare_ns=%.1f ratio=%.2f\n", ns, bare, bare / ns);
    printf("bench: rule-call-fee ns=%.1f bare_ns=%.1f ratio=%.2f\n", fee_ns, fee_bare,
           fee_bare / fee_ns);
    lua_close(L);
    mc_rules_free(rules);
    return 0;
}
