/*
 * bench: simulate — dossiers per second through the real engine (memory store, real Lua rule
 * guard) on the reference lifecycle of ../shared/bench/peers/xstate-dossier.mjs:
 *   submitted -request-supplement-> awaiting-supplement -supplement-> processing
 *   -approve [parents married and >= 2 documents]-> approved -return-result-> returned
 * Each dossier is submitted with its fields and two documents, driven along that path, and
 * checked to end in `returned`. One core. Usage: bench_simulate [DOSSIERS]
 *
 * This drives the engine directly, as `motcua simulate` will; it is not the simulator itself
 * (no sampling, no calendar-driven takes), so it measures the engine's cost per dossier.
 */
#include "motcua/engine.h"
#include "motcua/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char catalogue_text[] =
    "role clerk\nrole head\n"
    "document birth-notice\ndocument marriage-certificate\n"
    "lifecycle reference {\n"
    "  state submitted { initial\n"
    "    on receive -> processing by clerk\n"
    "    on request-supplement -> awaiting-supplement by clerk\n"
    "    on refuse-reception -> refused by clerk }\n"
    "  state awaiting-supplement { clock stopped\n"
    "    on supplement -> processing by applicant restart-clock\n"
    "    on withdraw -> withdrawn by applicant }\n"
    "  state processing {\n"
    "    on approve -> approved by head when rule guards.approvable\n"
    "    on refuse -> refused by head }\n"
    "  state approved { on return-result -> returned by clerk }\n"
    "  state returned { final; outcome granted }\n"
    "  state refused { final; outcome refused }\n"
    "  state withdrawn { final; outcome withdrawn }\n"
    "}\n"
    "procedure birth { time-limit 5wd; lifecycle reference; subject citizen-id\n"
    "  field citizen-id { type text; required }\n"
    "  field married { type bool }\n"
    "  requires birth-notice\n"
    "  requires marriage-certificate when married }\n";

static const char guards_lua[] = "function approvable(d)\n"
                                 "  if d.fields.married ~= true then return false end\n"
                                 "  local n = 0\n"
                                 "  for _, status in pairs(d.documents) do\n"
                                 "    if status ~= 'asked' then n = n + 1 end\n"
                                 "  end\n"
                                 "  return n >= 2\n"
                                 "end\n";

/* The next citizen id: id (12 digits) plus one, as "%012ld" of the next i writes it, without
 * printf: the harness's own cost stays out of the engine's figure (the XState peer formats
 * nothing). */
static void id_next(char id[13])
{
    for (int k = 11; k >= 0 && ++id[k] > '9'; k--) {
        id[k] = '0';
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000;
    if (n < 1 || n >= 1000000000000L) {
        fprintf(stderr, "bench_simulate: DOSSIERS must be 1 to 999999999999\n");
        return 2;
    }
    mc_catalogue *cat;
    mc_diags *d;
    mc_diags_new(&d);
    const char *names[] = {"reference.proc"};
    const char *texts[] = {catalogue_text};
    size_t lens[] = {sizeof catalogue_text - 1};
    mc_error err;
    if (mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, &err) != 0) {
        fprintf(stderr, "bench_simulate: the reference catalogue does not load\n");
        return 1;
    }
    mc_rules *rules;
    if (mc_rules_new(&rules, NULL, &err) != 0 ||
        mc_rules_load_buffer(rules, "guards", "rules/guards.lua", guards_lua, sizeof guards_lua - 1,
                             NULL, &err) != 0) {
        fprintf(stderr, "bench_simulate: %s\n", err.msg);
        return 1;
    }
    mc_engine *e;
    mc_live *lv;
    if (mc_engine_open_volatile(&e, cat, rules, NULL, NULL, &err) != 0 || mc_live_new(&lv) != 0) {
        fprintf(stderr, "bench_simulate: cannot open the engine\n");
        return 1;
    }
    static const char *const path[][2] = {{"request-supplement", "clerk"},
                                          {"supplement", "applicant"},
                                          {"approve", "head"},
                                          {"return-result", "clerk"}};
    const char *attach[] = {"birth-notice", "marriage-certificate"};
    long returned = 0;
    int64_t t = 1751508000; /* 2025-07-03, a Thursday */
    char id[13] = "000000000000";
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        if (i > 0) {
            id_next(id);
        }
        mc_kv fields[] = {{"citizen-id", id}, {"married", "true"}};
        mc_submit s = {.procedure = "birth",
                       .fields = fields,
                       .nfields = 2,
                       .attach = attach,
                       .nattach = 2,
                       .channel = "online",
                       .now = t};
        mc_result res;
        if (mc_live_submit(e, lv, &s, &res, &err) != 0) {
            fprintf(stderr, "bench_simulate: submit %ld: %s %s\n", i, res.message, err.msg);
            return 1;
        }
        for (size_t k = 0; k < sizeof path / sizeof path[0]; k++) {
            mc_fire f;
            memset(&f, 0, sizeof f);
            f.dossier = res.dossier;
            f.event = path[k][0];
            f.role = path[k][1];
            f.now = t + 60 * (int64_t)(k + 1);
            mc_result r;
            if (mc_live_fire(e, lv, &f, &r, &err) != 0) {
                fprintf(stderr, "bench_simulate: dossier %ld, %s: %s %s\n", i, f.event, r.message,
                        err.msg);
                return 1;
            }
        }
        mc_dossier dv;
        if (mc_live_view(lv, &dv) != 0) {
            fprintf(stderr, "bench_simulate: dossier %ld is gone\n", i);
            return 1;
        }
        returned += strcmp(dv.state->name, "returned") == 0;
    }
    double dt = now_s() - t0;
    mc_live_free(lv);
    mc_engine_close(e);
    mc_rules_free(rules);
    mc_catalogue_free(cat);
    mc_diags_free(d);
    if (returned != n) {
        fprintf(stderr, "bench_simulate: only %ld of %ld dossiers reached 'returned'\n", returned,
                n);
        return 1;
    }
    printf("motcua dossiers=%ld seconds=%.3f dossiers_per_s=%.0f\n", n, dt, (double)n / dt);
    return 0;
}
