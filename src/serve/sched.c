/* The timer scheduler of `motcua serve` (sched.h; docs/operations.md, "Timers").
 *
 * Time counts in whole seconds and a timer takes effect once the clock is strictly past its
 * instant (docs/language.md), so the only moments a timer or an overdue mark can come due are
 * whole seconds: the thread makes a pass just after each one, whoever set the wake instant
 * (this server, another one, the command line), and sleeps until the next. A pass runs
 * batches of mc_engine_wake until one finds fewer dossiers than it could take. A dossier that
 * cannot be brought up to now is logged once and left alone for a while; the store down or
 * busy is logged once, and the passes go on with a back-off until it answers again. */
#include "sched.h"
#include "log.h"

#include "motcua/alloc.h"
#include "base/grow.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    BATCH = 64,           /* dossiers a batch leases at most */
    RETRY_S = 300,        /* a dossier whose timers failed is tried again after this long */
    UNCHANGED_S = 60,     /* and one that was due with nothing to fire, after this long */
    BACKOFF_MIN_MS = 250, /* the first wait after the store failed; doubled each time */
    BACKOFF_MAX_MS = 4000,
    AFTER_SECOND_MS = 5, /* a pass starts this long after the whole second */
};

struct sched_skip {
    int64_t id;
    int64_t until; /* tried again from this second on */
};

/* ==== dossiers left alone ================================================================= */

static sched_skip *find_skip(sched *s, int64_t id)
{
    for (size_t i = 0; i < s->nskips; i++) {
        if (s->skips[i].id == id) {
            return &s->skips[i];
        }
    }
    return NULL;
}

/* Leaves id alone until the given second. false: out of memory (it is then not left alone). */
static bool leave_alone(sched *s, int64_t id, int64_t until)
{
    sched_skip *k = find_skip(s, id);
    if (k == NULL) {
        if (mc_grow(&s->skips, &s->capskips, s->nskips + 1, sizeof *s->skips) != 0) {
            return false;
        }
        k = &s->skips[s->nskips++];
        k->id = id;
    }
    k->until = until;
    return true;
}

static bool skip(void *ud, int64_t id)
{
    sched *s = ud;
    sched_skip *k = find_skip(s, id);
    return k != NULL && s->now < k->until;
}

static void unchanged(void *ud, int64_t id)
{
    sched *s = ud;
    leave_alone(s, id, s->now + UNCHANGED_S);
}

static void leased(void *ud, size_t n)
{
    sched *s = ud;
    if (s->stall_ms > 0 && n > 0) {
        struct timespec t = {s->stall_ms / 1000, (long)(s->stall_ms % 1000) * 1000000L};
        while (nanosleep(&t, &t) != 0 && errno == EINTR) {
        }
    }
}

/* ==== the thread ========================================================================== */

static void gate_enter(void *ud)
{
    pthread_mutex_lock(&((api *)ud)->write_lock);
}

static void gate_leave(void *ud)
{
    pthread_mutex_unlock(&((api *)ud)->write_lock);
}

/* Waits until the given realtime instant or a stop; true when stopping. */
static bool wait_until(sched *s, const struct timespec *until)
{
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        if (pthread_cond_timedwait(&s->wake, &s->lock, until) == ETIMEDOUT) {
            break;
        }
    }
    bool stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

static bool stopping(sched *s)
{
    pthread_mutex_lock(&s->lock);
    bool stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    return stop || atomic_load(&s->api->stopping);
}

static int64_t realtime_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* One pass at now, which began in the whole second second_ms of the clock: 0, or the store's
 * error (logged by the caller). *lag_ms gets how late its batches fired (/metrics'
 * motcua_timer_lag_seconds): the most, over the batches that changed dossiers, from the second
 * the oldest of them came due (a timer takes effect once the clock is past its instant: one
 * second after it) to the batch's commit; *fired the dossiers they changed. */
static int pass(sched *s, int64_t now, int64_t second_ms, int64_t *lag_ms, uint64_t *fired,
                mc_error *err)
{
    *lag_ms = 0;
    *fired = 0;
    s->now = now;
    mc_wake w = MC_WAKE_INIT;
    w.now = now;
    w.limit = BATCH;
    w.skip = skip;
    w.leased = leased;
    w.unchanged = unchanged;
    w.ud = s;
    while (!stopping(s)) {
        int rc = mc_engine_wake(s->engine, &w, err);
        if (rc != 0 && w.failed != 0) {
            /* The batch was rolled back: again without it. */
            log_msg(FRONT_LOG_WARN, "timers: dossier %" PRId64 " left alone for %d s: %s", w.failed,
                    RETRY_S, err->msg);
            if (!leave_alone(s, w.failed, now + RETRY_S)) {
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
            continue;
        }
        if (rc != 0) {
            return rc;
        }
        if (w.changed > 0) {
            time_t t = (time_t)now;
            struct tm tm;
            char when[32];
            gmtime_r(&t, &tm);
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
            log_msg(FRONT_LOG_DEBUG, "timers: %zu dossier%s brought up to %s", w.changed,
                    w.changed == 1 ? "" : "s", when);
        }
        if (w.changed > 0 && w.oldest != MC_NONE) {
            /* now stands for the second the pass began in (with --now, a fixed one): the lag
             * is how far now is past the due second, and how long the pass has run since. */
            int64_t lag = (now - (w.oldest + 1)) * 1000 + (realtime_ms() - second_ms);
            *lag_ms = lag > *lag_ms ? lag : *lag_ms;
            *fired += w.changed;
        }
        if (w.seen < w.limit) {
            break;
        }
    }
    return 0;
}

static void *run(void *arg)
{
    sched *s = arg;
    int backoff_ms = 0;
    bool down = false;
    mc_store_waits waits;
    mc_store_waits_get(&waits);
    uint64_t reconnects = waits.reconnects; /* as last logged */
    while (!stopping(s)) {
        pthread_mutex_lock(&s->lock);
        if (s->next_rules != NULL) { /* a reload: between passes, the engine is free */
            mc_engine_set_catalogue(s->engine, s->next_cat, s->next_rules);
            mc_rules_free(s->rules);
            s->rules = s->next_rules;
            s->next_rules = NULL;
            mc_free(s->skips); /* left alone under the catalogue replaced */
            s->skips = NULL;
            s->nskips = s->capskips = 0;
        }
        pthread_mutex_unlock(&s->lock);
        /* The clock read exactly: time() may lag a few milliseconds behind it, and a pass
         * just after a whole second would then see the second before. */
        struct timespec clock;
        clock_gettime(CLOCK_REALTIME, &clock);
        int64_t fixed = s->api->fixed_now;
        int64_t now = fixed != MC_NONE ? fixed : (int64_t)clock.tv_sec;
        mc_error err;
        mc_error_clear(&err);
        int64_t lag_ms;
        uint64_t fired;
        int rc = pass(s, now, (int64_t)clock.tv_sec * 1000, &lag_ms, &fired, &err);
        if (rc == 0) {
            metrics_timer_pass(&s->api->metrics, realtime_ms(), lag_ms, fired);
        } else {
            /* The batches committed before the failure did fire. */
            metrics_timers_fired(&s->api->metrics, fired);
        }
        mc_engine_stats es;
        mc_rules_stats rs = {0, 0, 0, 0};
        mc_engine_stats_get(s->engine, &es);
        if (s->rules != NULL) {
            mc_rules_stats_get(s->rules, &rs);
        }
        metrics_timer_stats(&s->api->metrics, &es, &rs);
        /* A session of the store made again (PostgreSQL: a restart, a failover) by any engine
         * of the server since the last pass: one line, for the operator to find the moment. */
        mc_store_waits_get(&waits);
        if (waits.reconnects > reconnects) {
            log_msg(FRONT_LOG_WARN,
                    "store: the connection to the database was lost and made again (%" PRIu64
                    " time%s since the start)",
                    (uint64_t)waits.reconnects, waits.reconnects == 1 ? "" : "s");
            reconnects = waits.reconnects;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        if (rc != 0) {
            /* One line for the outage, however long it lasts; the passes go on, further and
             * further apart. */
            if (!down) {
                log_msg(FRONT_LOG_ERROR, "timers: %s (trying again in the background)",
                        err.msg[0] ? err.msg : mc_error_name(rc));
                down = true;
            }
            backoff_ms = backoff_ms == 0                   ? BACKOFF_MIN_MS
                         : backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                                           : backoff_ms * 2;
            until.tv_nsec += (long)(backoff_ms % 1000) * 1000000L;
            until.tv_sec += backoff_ms / 1000 + until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
        } else {
            if (down) {
                log_msg(FRONT_LOG_INFO, "timers: the store answers again");
                down = false;
            }
            backoff_ms = 0;
            /* Just after the next whole second. */
            until.tv_sec += 1;
            until.tv_nsec = (long)AFTER_SECOND_MS * 1000000L;
        }
        if (wait_until(s, &until)) {
            break;
        }
    }
    return NULL;
}

bool sched_start(sched *s, api *a, mc_engine *e, mc_rules *rules)
{
    memset(s, 0, sizeof *s);
    s->api = a;
    s->engine = e;
    s->rules = rules;
    const char *stall = getenv("MOTCUA_TEST_TIMERS_STALL_MS");
    s->stall_ms = stall != NULL ? atoi(stall) : 0;
    s->stall_ms = s->stall_ms < 0 || s->stall_ms > 60000 ? 0 : s->stall_ms;
    /* Its writes queue with the API's on the process's write lock (api.h), and on SQLite join
     * the engines' group commit, whose gate then stands in for that lock. */
    mc_engine_set_gate(e, gate_enter, gate_leave, a);
    api_give_registries(a, e); /* a timer's operation may need a look-up too */
    if (a->group != NULL) {
        mc_store_set_group(mc_engine_store(e), a->group);
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    metrics_timers_on(&a->metrics, realtime_ms());
    s->started = pthread_create(&s->thread, NULL, run, s) == 0;
    if (!s->started) {
        sched_stop(s);
        return false;
    }
    return true;
}

void sched_set_catalogue(sched *s, const mc_catalogue *cat, mc_rules *rules)
{
    if (s->api == NULL || !s->started) {
        mc_rules_free(rules);
        return;
    }
    pthread_mutex_lock(&s->lock);
    mc_rules_free(s->next_rules); /* a reload not taken yet: this one replaces it */
    s->next_cat = cat;
    s->next_rules = rules;
    pthread_mutex_unlock(&s->lock);
}

void sched_stop(sched *s)
{
    if (s->api == NULL) {
        return;
    }
    if (s->started) {
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    mc_engine_close(s->engine);
    mc_rules_free(s->rules);
    mc_rules_free(s->next_rules);
    mc_free(s->skips);
    memset(s, 0, sizeof *s);
}
