/*
 * Officers and their queues (queue.h): pools of officers serving jobs first come first served in
 * their calendar's office hours, an event list (a binary heap keyed by instant and sequence
 * number), and each pool's statistics on its office clock.
 */
#include "queue.h"

#include "motcua/alloc.h"
#include "base/grow.h"

#include <string.h>

/* ==== the parts ========================================================================== */

enum { J_FREE, J_ANNOUNCED, J_WAITING, J_SERVING, J_CANCELLED };
enum { E_WAKE, E_ARRIVE, E_DONE };

/* A job, in a slot of the queue's table from its arrival to its end (free slots are chained). */
typedef struct job {
    uint64_t tag;
    int64_t arrived, arrived_o; /* instant, and the pool's office clock then */
    int64_t started, started_o;
    int64_t need;
    uint32_t pool;
    uint32_t gen; /* bumped when the slot is freed: a stale handle or event no longer matches */
    uint32_t next_free;
    uint8_t state;
} job;

typedef struct event {
    int64_t at;
    uint64_t seq;
    uint64_t payload; /* WAKE: the tag; ARRIVE, DONE: slot | gen << 32 */
    uint8_t kind;
} event;

/* Waits in a log-linear histogram: exact below 32, then 32 buckets per power of two. */
enum { SUB = 32, SUB_BITS = 5, NBUCKETS = SUB + (62 - SUB_BITS + 1) * SUB };

typedef struct pool {
    mc_calendar cal; /* the pool's calendar without a cutoff */
    bool plain;      /* no calendar: always open */
    uint32_t servers, busy_servers;
    uint32_t *line; /* the waiting jobs' slots, a ring: line[(head + i) % cap] */
    size_t line_cap, head, line_n;
    int64_t waiting; /* in the line and not cancelled */
    /* the office clock: office seconds since the first arrival, as of the instant clock_at */
    bool open;
    int64_t clock_at, clock;
    double area; /* jobs waiting × office seconds */
    int64_t arrived, started, served, cancelled, delayed, busy, max_queue;
    double wait_sum;
    int64_t *hist; /* NBUCKETS */
} pool;

struct mc_queue {
    int64_t now;
    uint64_t seq;
    event *heap;
    size_t nheap, heap_cap;
    job *jobs;
    size_t njobs, jobs_cap;
    uint32_t free_slot; /* UINT32_MAX: none */
    pool *pools;
    size_t npools, pools_cap;
};

#define NO_SLOT UINT32_MAX

static int nomem(mc_error *err)
{
    return mc_error_set(err, MC_ENOMEM, "out of memory");
}

/* ==== the event list ===================================================================== */

static bool before(const event *a, const event *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

/* Room for k more events, so that what follows cannot fail half-way. */
static int heap_reserve(mc_queue *q, size_t k)
{
    return mc_grow(&q->heap, &q->heap_cap, q->nheap + k, sizeof *q->heap);
}

static void heap_push(mc_queue *q, int64_t at, uint8_t kind, uint64_t payload)
{
    event e = {at, q->seq++, payload, kind};
    size_t i = q->nheap++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!before(&e, &q->heap[up])) {
            break;
        }
        q->heap[i] = q->heap[up];
        i = up;
    }
    q->heap[i] = e;
}

static event heap_pop(mc_queue *q)
{
    event top = q->heap[0], last = q->heap[--q->nheap];
    size_t i = 0, n = q->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) {
            break;
        }
        if (c + 1 < n && before(&q->heap[c + 1], &q->heap[c])) {
            c++;
        }
        if (!before(&q->heap[c], &last)) {
            break;
        }
        q->heap[i] = q->heap[c];
        i = c;
    }
    if (n > 0) {
        q->heap[i] = last;
    }
    return top;
}

/* ==== jobs =============================================================================== */

static uint64_t handle(const mc_queue *q, uint32_t slot)
{
    return (uint64_t)slot | (uint64_t)q->jobs[slot].gen << 32;
}

/* The slot of handle h when it still names a live job, else NO_SLOT. */
static uint32_t slot_of(const mc_queue *q, uint64_t h)
{
    uint32_t slot = (uint32_t)h;
    if (slot >= q->njobs || q->jobs[slot].gen != (uint32_t)(h >> 32) ||
        q->jobs[slot].state == J_FREE) {
        return NO_SLOT;
    }
    return slot;
}

static int job_alloc(mc_queue *q, uint32_t *slot)
{
    if (q->free_slot != NO_SLOT) {
        *slot = q->free_slot;
        q->free_slot = q->jobs[*slot].next_free;
        return 0;
    }
    if (q->njobs >= NO_SLOT || mc_grow(&q->jobs, &q->jobs_cap, q->njobs + 1, sizeof *q->jobs)) {
        return MC_ENOMEM;
    }
    *slot = (uint32_t)q->njobs++;
    q->jobs[*slot].gen = 0;
    return 0;
}

static void job_free(mc_queue *q, uint32_t slot)
{
    job *j = &q->jobs[slot];
    j->state = J_FREE;
    j->gen++;
    j->next_free = q->free_slot;
    q->free_slot = slot;
}

/* ==== pools ============================================================================== */

/* Moves p's office clock to instant t (≥ its last), counting the jobs waiting meanwhile. */
static void advance(pool *p, int64_t t)
{
    if (!p->open) {
        p->open = true;
        p->clock_at = t;
        return;
    }
    if (t <= p->clock_at) {
        return;
    }
    int64_t d =
        p->plain ? t - p->clock_at
                 : mc_calendar_office_seconds(&p->cal, mc_calendar_to_local(&p->cal, p->clock_at),
                                              mc_calendar_to_local(&p->cal, t));
    p->area += (double)p->waiting * (double)d;
    p->clock += d;
    p->clock_at = t;
}

/* The instant need office seconds of work started at t ends. */
static int64_t end_of_work(const pool *p, int64_t t, int64_t need)
{
    if (p->plain) {
        return t + need;
    }
    /* In working hours (fixed point, 10⁻⁶ h: a second is ~278 units, so the seconds that
     * mc_calendar_deadline rounds back are need exactly). */
    mc_duration d = {.unit = MC_DUR_WH, .amount = (need * MC_FIXED_ONE + 1800) / 3600};
    mc_localtime end = mc_calendar_deadline(&p->cal, mc_calendar_to_local(&p->cal, t), d);
    return mc_calendar_to_utc(&p->cal, end);
}

static size_t bucket(int64_t v)
{
    if (v < SUB) {
        return v < 0 ? 0 : (size_t)v;
    }
    int e = 63 - __builtin_clzll((unsigned long long)v);
    size_t sub = (size_t)((uint64_t)v >> (e - SUB_BITS)) & (SUB - 1);
    return SUB + (size_t)(e - SUB_BITS) * SUB + sub;
}

/* The midpoint of bucket b. */
static int64_t bucket_mid(size_t b)
{
    if (b < SUB) {
        return (int64_t)b;
    }
    int e = (int)((b - SUB) / SUB) + SUB_BITS;
    int64_t width = INT64_C(1) << (e - SUB_BITS);
    int64_t low = (int64_t)(SUB + (b - SUB) % SUB) * width;
    return low + width / 2;
}

/* An officer of p takes job slot at q->now (the caller reserved an event). */
static void start(mc_queue *q, pool *p, uint32_t slot)
{
    job *j = &q->jobs[slot];
    j->state = J_SERVING;
    j->started = q->now;
    j->started_o = p->clock;
    int64_t wait = j->started_o - j->arrived_o;
    p->started++;
    p->delayed += wait > 0;
    p->wait_sum += (double)wait;
    p->hist[bucket(wait)]++;
    p->busy_servers++;
    heap_push(q, end_of_work(p, q->now, j->need), E_DONE, handle(q, slot));
}

/* Free officers of p take the jobs at the head of its line (cancelled ones are dropped). */
static void dispatch(mc_queue *q, pool *p)
{
    while (p->busy_servers < p->servers && p->line_n > 0) {
        uint32_t slot = p->line[p->head];
        p->head = (p->head + 1) % p->line_cap;
        p->line_n--;
        if (q->jobs[slot].state == J_CANCELLED) {
            job_free(q, slot);
            continue;
        }
        p->waiting--;
        start(q, p, slot);
    }
}

/* Room for one more job in p's line. */
static int line_reserve(pool *p)
{
    if (p->line_n < p->line_cap) {
        return 0;
    }
    size_t cap = p->line_cap;
    uint32_t *line = p->line;
    if (mc_grow(&line, &cap, p->line_n + 1, sizeof *line) != 0) {
        return MC_ENOMEM;
    }
    /* unwrap the ring: the part from head to the old end moves to the new end */
    size_t tail = p->line_cap - p->head;
    if (p->line_cap > 0 && p->head > 0) {
        memmove(line + cap - tail, line + p->head, tail * sizeof *line);
        p->head = cap - tail;
    }
    p->line = line;
    p->line_cap = cap;
    return 0;
}

/* Job slot arrives in its pool now (room reserved: one event, one place in the line). */
static void arrive(mc_queue *q, uint32_t slot)
{
    job *j = &q->jobs[slot];
    pool *p = &q->pools[j->pool];
    advance(p, q->now);
    j->arrived = q->now;
    j->arrived_o = p->clock;
    p->arrived++;
    if (p->busy_servers < p->servers) {
        start(q, p, slot);
        return;
    }
    j->state = J_WAITING;
    p->line[(p->head + p->line_n) % p->line_cap] = slot;
    p->line_n++;
    p->waiting++;
    p->max_queue = p->waiting > p->max_queue ? p->waiting : p->max_queue;
}

/* ==== the API ============================================================================ */

int mc_queue_new(mc_queue **out, mc_error *err)
{
    mc_queue *q = mc_calloc(1, sizeof *q);
    if (q == NULL) {
        return nomem(err);
    }
    q->now = INT64_MIN;
    q->free_slot = NO_SLOT;
    *out = q;
    return 0;
}

void mc_queue_free(mc_queue *q)
{
    if (q == NULL) {
        return;
    }
    for (size_t i = 0; i < q->npools; i++) {
        mc_free(q->pools[i].line);
        mc_free(q->pools[i].hist);
    }
    mc_free(q->pools);
    mc_free(q->jobs);
    mc_free(q->heap);
    mc_free(q);
}

int mc_queue_add_pool(mc_queue *q, uint32_t servers, const mc_calendar *cal, uint32_t *id,
                      mc_error *err)
{
    if (servers == 0) {
        return mc_error_set(err, MC_EUSAGE, "a pool needs at least one officer");
    }
    if (cal != NULL && cal->nhours == 0) {
        return mc_error_set(err, MC_EUSAGE, "calendar '%s' has no office hours", cal->name);
    }
    if (q->npools >= UINT32_MAX ||
        mc_grow(&q->pools, &q->pools_cap, q->npools + 1, sizeof *q->pools) != 0) {
        return nomem(err);
    }
    pool *p = &q->pools[q->npools];
    memset(p, 0, sizeof *p);
    p->hist = mc_calloc(NBUCKETS, sizeof *p->hist);
    if (p->hist == NULL) {
        return nomem(err);
    }
    p->servers = servers;
    p->plain = cal == NULL;
    if (cal != NULL) {
        p->cal = *cal;
        p->cal.cutoff = -1;
    }
    *id = (uint32_t)q->npools++;
    return 0;
}

size_t mc_queue_npools(const mc_queue *q)
{
    return q->npools;
}

int64_t mc_queue_now(const mc_queue *q)
{
    return q->now;
}

int mc_queue_wake(mc_queue *q, int64_t at, uint64_t tag, mc_error *err)
{
    if (at < q->now) {
        return mc_error_set(err, MC_EUSAGE, "a wake-up before the queue's present");
    }
    if (heap_reserve(q, 1) != 0) {
        return nomem(err);
    }
    heap_push(q, at, E_WAKE, tag);
    return 0;
}

int mc_queue_arrive(mc_queue *q, uint32_t pool_id, int64_t at, int64_t need, uint64_t tag,
                    mc_queue_job *out, mc_error *err)
{
    if (pool_id >= q->npools) {
        return mc_error_set(err, MC_EUSAGE, "no pool %u", (unsigned)pool_id);
    }
    if (at < q->now) {
        return mc_error_set(err, MC_EUSAGE, "an arrival before the queue's present");
    }
    if (need < 0) {
        return mc_error_set(err, MC_EUSAGE, "a negative need of service");
    }
    pool *p = &q->pools[pool_id];
    uint32_t slot;
    if (heap_reserve(q, 1) != 0 || line_reserve(p) != 0 || job_alloc(q, &slot) != 0) {
        return nomem(err);
    }
    job *j = &q->jobs[slot];
    j->tag = tag;
    j->need = need;
    j->pool = pool_id;
    if (out != NULL) {
        *out = handle(q, slot);
    }
    if (at > q->now || q->now == INT64_MIN) {
        /* announced (or the very first instant, which sets the present): joins when it comes */
        j->state = J_ANNOUNCED;
        heap_push(q, at, E_ARRIVE, handle(q, slot));
        return 0;
    }
    arrive(q, slot);
    return 0;
}

int mc_queue_cancel(mc_queue *q, mc_queue_job h, mc_error *err)
{
    uint32_t slot = slot_of(q, h);
    if (slot == NO_SLOT || q->jobs[slot].state == J_CANCELLED) {
        return mc_error_set(err, MC_ENOTFOUND, "no such job in the queue");
    }
    job *j = &q->jobs[slot];
    pool *p = &q->pools[j->pool];
    switch (j->state) {
    case J_ANNOUNCED: /* its arrival event finds the slot free and is dropped */
        p->cancelled++;
        job_free(q, slot);
        return 0;
    case J_WAITING: /* left in the line, dropped when it reaches the head */
        advance(p, q->now);
        j->state = J_CANCELLED;
        p->waiting--;
        p->cancelled++;
        return 0;
    default: /* J_SERVING: its end event finds the slot changed and is dropped */
        if (heap_reserve(q, 1) != 0) {
            return nomem(err);
        }
        advance(p, q->now);
        p->busy += p->clock - j->started_o;
        p->cancelled++;
        p->busy_servers--;
        job_free(q, slot);
        dispatch(q, p);
        return 0;
    }
}

int mc_queue_next(mc_queue *q, mc_queue_event *ev, mc_error *err)
{
    while (q->nheap > 0) {
        /* an end frees an officer who may take a job: one event out, at most one in */
        const event *top = &q->heap[0];
        if (top->kind == E_ARRIVE) {
            uint32_t slot = slot_of(q, top->payload);
            if (slot != NO_SLOT && line_reserve(&q->pools[q->jobs[slot].pool]) != 0) {
                return nomem(err);
            }
        }
        event e = heap_pop(q);
        q->now = e.at;
        if (e.kind == E_WAKE) {
            memset(ev, 0, sizeof *ev);
            ev->kind = MC_QUEUE_WAKE;
            ev->at = e.at;
            ev->tag = e.payload;
            return 1;
        }
        uint32_t slot = slot_of(q, e.payload);
        if (slot == NO_SLOT) {
            continue; /* cancelled */
        }
        if (e.kind == E_ARRIVE) {
            arrive(q, slot);
            continue;
        }
        job *j = &q->jobs[slot];
        pool *p = &q->pools[j->pool];
        advance(p, q->now);
        p->busy += j->need;
        p->served++;
        p->busy_servers--;
        memset(ev, 0, sizeof *ev);
        ev->kind = MC_QUEUE_DONE;
        ev->at = e.at;
        ev->tag = j->tag;
        ev->pool = j->pool;
        ev->job = e.payload;
        ev->arrived = j->arrived;
        ev->started = j->started;
        ev->wait = j->started_o - j->arrived_o;
        ev->need = j->need;
        job_free(q, slot);
        dispatch(q, p);
        return 1;
    }
    return 0;
}

int64_t mc_queue_peek(const mc_queue *q)
{
    return q->nheap > 0 ? q->heap[0].at : INT64_MAX;
}

void mc_queue_stats_of(const mc_queue *q, uint32_t id, mc_queue_stats *out)
{
    const pool *p = &q->pools[id];
    memset(out, 0, sizeof *out);
    out->servers = p->servers;
    out->arrived = p->arrived;
    out->started = p->started;
    out->served = p->served;
    out->cancelled = p->cancelled;
    out->delayed = p->delayed;
    out->busy = p->busy;
    out->span = p->clock;
    out->utilisation = p->clock > 0 ? (double)p->busy / ((double)p->servers * (double)p->clock) : 0;
    out->mean_queue = p->clock > 0 ? p->area / (double)p->clock : 0;
    out->max_queue = p->max_queue;
    out->mean_wait = p->started > 0 ? p->wait_sum / (double)p->started : 0;
    out->p90_wait = mc_queue_wait_quantile(q, id, 0.9);
    out->waiting = p->waiting;
    out->in_service = p->busy_servers;
}

int64_t mc_queue_wait_quantile(const mc_queue *q, uint32_t id, double share)
{
    const pool *p = &q->pools[id];
    if (p->started == 0) {
        return 0;
    }
    /* the smallest wait w with at least share × started waits ≤ w */
    double target = share * (double)p->started;
    int64_t seen = 0;
    for (size_t b = 0; b < NBUCKETS; b++) {
        seen += p->hist[b];
        if ((double)seen >= target && seen > 0) {
            return bucket_mid(b);
        }
    }
    return bucket_mid(NBUCKETS - 1);
}

/* ==== arrivals over a year =============================================================== */

__extension__ typedef __int128 i128;

void mc_arrivals_year_init(mc_arrivals_year *y, const mc_arrivals *pattern, mc_date from, int days)
{
    days = days < 1 ? 1 : days > MC_ARRIVALS_MAX_DAYS ? MC_ARRIVALS_MAX_DAYS : days;
    y->pattern = pattern;
    y->days = days;
    y->cum[0] = 0;
    for (int d = 0; d < days; d++) {
        y->cum[d + 1] = y->cum[d] + (pattern ? mc_arrivals_weight(pattern, from + d) : 1.0);
    }
    if (y->cum[days] <= 0) {
        y->pattern = NULL;
    }
}

int64_t mc_arrivals_year_offset(const mc_arrivals_year *y, int64_t j, int64_t n)
{
    int64_t span = (int64_t)y->days * MC_DAY_SECONDS;
    if (y->pattern == NULL) {
        return (int64_t)(((i128)span * (2 * j + 1)) / (2 * n));
    }
    /* the day whose weights hold the point (j + ½) / n of all of them: the last d with cum[d] ≤ x,
     * so that cum[d] ≤ x < cum[d + 1] and d weighs more than 0 (x < cum[days]) */
    double x = ((double)j + 0.5) / (double)n * y->cum[y->days];
    int lo = 0, hi = y->days - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (y->cum[mid] <= x) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    double w = y->cum[lo + 1] - y->cum[lo];
    double within = w > 0 ? (x - y->cum[lo]) / w : 0.5;
    within = within < 0 ? 0 : within >= 1 ? 0.999999 : within;
    return (int64_t)lo * MC_DAY_SECONDS + (int64_t)(within * MC_DAY_SECONDS);
}
