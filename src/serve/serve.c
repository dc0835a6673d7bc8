/* `motcua serve --listen HOST:PORT --db FILE --tokens FILE` (docs/api.md): the API of api.c on
 * a socket, with libmicrohttpd (Debian's libmicrohttpd-dev: a small, well-kept embedded HTTP
 * server that handles parsing and connections). What this file adds is what a public server
 * needs around it: a thread per connection and a pool of engines, each with its own rules
 * sandbox (a slow rule holds one request, never the others), a limit of connections per client
 * address, a deadline for receiving a whole request that trickling bytes does not reset, and a stop
 * on SIGINT or SIGTERM that waits at most a second for the requests still running. */
#include "serve.h"
#include "api.h"
#include "log.h"
#include "ready.h"
#include "sched.h"
#include "deliver.h"
#include "base/grow.h"
#include "base/json.h"
#include "front/migrate.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Limits against clients that hold connections (docs/api.md, "Limits"). */
enum {
    ENGINES = 16,            /* requests that may be at the engine at once, each with its own */
    CONNECTION_LIMIT = 1024, /* at most; lowered to what the open-files limit allows */
    THREAD_STACK = 2 << 20,  /* bytes: a thread per connection, with a Lua call and SQLite in it */
    PER_ADDRESS_LIMIT = 64,  /* connections one client address may hold at once */
    IDLE_TIMEOUT_S = 10,     /* a connection silent this long is closed */
    RECEIVE_DEADLINE_MS = 10000, /* a request's headers and body must all arrive within this */
    WATCH_PERIOD_MS = 200,       /* how often the watchdog looks */
    STOP_GRACE_MS = 1000,        /* requests still running this long after SIGTERM are abandoned */
    PATH_MAX_BYTES = 1024,
};

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ==== connections and the receive deadline ================================================ */

/* A connection, from accept to close (libmicrohttpd's socket context). libmicrohttpd's own
 * timeout restarts on every byte, so a client trickling one byte a second holds a slot
 * forever; the watchdog closes any connection whose current request has not fully arrived
 * RECEIVE_DEADLINE_MS after it began to be awaited (accept, or the end of the previous
 * response on a kept-alive connection). */
typedef struct conn {
    int fd;
    int64_t since_ms;          /* when the current request began to be awaited */
    bool receiving;            /* its headers or body are still arriving */
    bool cut;                  /* the watchdog shut it down */
    char path[PATH_MAX_BYTES]; /* the request's path as sent (uri_log) */
    bool path_too_long;
    struct conn *prev, *next;
} conn;

typedef struct watch {
    pthread_mutex_t lock; /* the list and since_ms, receiving, cut of each conn */
    pthread_cond_t wake;
    conn *head;
    bool stop;
    size_t cut; /* connections cut so far */
} watch;

/* libmicrohttpd notifies CLOSED before it closes the socket (daemon.c, cleanup of a
 * connection), and the entry leaves the list under the lock the watchdog holds while it calls
 * shutdown: the watchdog never touches an fd that may have been reused. */
static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    watch *w = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn *k = calloc(1, sizeof *k);
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = k;
        if (k == NULL) {
            return;
        }
        k->fd = info ? info->connect_fd : -1;
        k->since_ms = monotonic_ms();
        k->receiving = true;
        pthread_mutex_lock(&w->lock);
        k->next = w->head;
        if (w->head != NULL) {
            w->head->prev = k;
        }
        w->head = k;
        pthread_mutex_unlock(&w->lock);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context != NULL) {
        conn *k = *socket_context;
        pthread_mutex_lock(&w->lock);
        if (k->prev != NULL) {
            k->prev->next = k->next;
        } else {
            w->head = k->next;
        }
        if (k->next != NULL) {
            k->next->prev = k->prev;
        }
        pthread_mutex_unlock(&w->lock);
        free(k);
        *socket_context = NULL;
    }
}

static void set_receiving(watch *w, conn *k, bool receiving)
{
    if (k != NULL) {
        pthread_mutex_lock(&w->lock);
        k->receiving = receiving;
        k->since_ms = monotonic_ms();
        pthread_mutex_unlock(&w->lock);
    }
}

static void *watchdog(void *arg)
{
    watch *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        int64_t now = monotonic_ms();
        for (conn *k = w->head; k != NULL; k = k->next) {
            if (k->receiving && !k->cut && k->fd >= 0 && now - k->since_ms > RECEIVE_DEADLINE_MS) {
                shutdown(k->fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
                k->cut = true;
                w->cut++;
            }
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)WATCH_PERIOD_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* The request line has arrived: keep its path as sent. libmicrohttpd hands the handler a
 * percent-decoded path, in which "/api/dossiers/1%00" reads "/api/dossiers/1"; the API routes
 * on the bytes the client sent. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    conn *k = conn_of(c);
    if (k != NULL) {
        size_t n = strcspn(uri, "?#");
        k->path_too_long = n >= sizeof k->path;
        n = k->path_too_long ? 0 : n;
        memcpy(k->path, uri, n);
        k->path[n] = '\0';
    }
    return NULL;
}

/* ==== requests ============================================================================ */

typedef struct server {
    api api;
    watch watch;
    sched sched; /* the timer scheduler (sched.h), unless --no-timers */
    deliverer deliver; /* the sender of results to live registries (deliver.h), when any */
    ready *ready; /* the probe of /api/health/ready */
    FILE *access;                /* the access log: stderr, or --access-log FILE */
    pthread_mutex_t access_lock; /* one whole line at a time */
    uint64_t id_seed;            /* of the request ids made here */
    atomic_uint_fast64_t id_next;
    /* --trusted-proxy ADDRESS: a peer at this address is a proxy whose last X-Forwarded-For
     * address is the client's, for GET /api/track's rate limit; or NULL */
    const char *trusted_proxy;
} server;

/* A request being received. */
typedef struct req {
    char *body;
    size_t len, cap;
    bool too_large;
} req;

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
    server *sv = cls;
    (void)why;
    req *r = *con_cls;
    if (r != NULL) {
        mc_free(r->body); /* grown by mc_grow */
        free(r);
        *con_cls = NULL;
    }
    /* A kept-alive connection now awaits its next request, under the same deadline. */
    set_receiving(&sv->watch, conn_of(c), true);
}

/* ==== the access log ====================================================================== */

static int64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* An incoming X-Request-Id is kept when it is 1 to 64 letters, digits, '-', '_', '.' or ':'
 * (nothing that could break a log line or a header); else the server makes one. */
static void request_id(server *sv, struct MHD_Connection *c, char out[65])
{
    const char *in = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
    size_t n = in != NULL ? strlen(in) : 0;
    if (n > 0 && n <= 64 &&
        strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:") == n) {
        memcpy(out, in, n + 1);
        return;
    }
    /* splitmix64 of a per-process seed and a counter: unique within the process, and
     * unlikely to repeat another process's. */
    uint64_t z = sv->id_seed + 0x9e3779b97f4a7c15u *
                                   (atomic_fetch_add_explicit(&sv->id_next, 1,
                                                              memory_order_relaxed) + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    snprintf(out, 65, "%016llx", (unsigned long long)z);
}

/* The peer's address of c as text into out ("" when unknown). */
static void peer_text(struct MHD_Connection *c, char out[INET6_ADDRSTRLEN])
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info != NULL && info->client_addr != NULL) {
        const struct sockaddr *sa = info->client_addr;
        if (sa->sa_family == AF_INET) {
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                      INET6_ADDRSTRLEN);
        } else if (sa->sa_family == AF_INET6) {
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                      INET6_ADDRSTRLEN);
        }
    }
}

/* Whether s[0..n) is an IPv4 or IPv6 address; then it is copied into out. */
static bool address_in(const char *s, size_t n, char out[INET6_ADDRSTRLEN])
{
    char text[INET6_ADDRSTRLEN];
    unsigned char bin[sizeof(struct in6_addr)];
    if (n == 0 || n >= sizeof text) {
        return false;
    }
    memcpy(text, s, n);
    text[n] = '\0';
    if (inet_pton(AF_INET, text, bin) != 1 && inet_pton(AF_INET6, text, bin) != 1) {
        return false;
    }
    memcpy(out, text, n + 1);
    return true;
}

/* The client's address (docs/security.md, "The citizen's tracking"): the peer's; when the peer
 * is the --trusted-proxy, the last address of its X-Forwarded-For (the one the proxy added:
 * dist/nginx-motcua.conf replaces the header with the client's address, and a proxy that
 * appends puts it last), when it is an address. X-Real-IP is not read: a proxy that does not set
 * it passes the client's own. */
static void client_text(const server *sv, struct MHD_Connection *c, char out[INET6_ADDRSTRLEN])
{
    peer_text(c, out);
    if (sv->trusted_proxy == NULL || strcmp(out, sv->trusted_proxy) != 0) {
        return;
    }
    const char *fwd = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
    if (fwd != NULL) {
        const char *last = strrchr(fwd, ',');
        last = last != NULL ? last + 1 : fwd;
        while (*last == ' ' || *last == '\t') {
            last++;
        }
        size_t n = strlen(last);
        while (n > 0 && (last[n - 1] == ' ' || last[n - 1] == '\t')) {
            n--;
        }
        address_in(last, n, out);
    }
}

/* One JSON line per request: the route pattern, never the path (it holds dossier ids), the
 * query or a header's value; the actor's name, never the token. */
static void access_line(server *sv, struct MHD_Connection *c, const char *method,
                        const api_response *out, int status, size_t bytes, int64_t t0_us,
                        const char *rid)
{
    int64_t us = monotonic_us() - t0_us;
    metrics_request(&sv->api.metrics, out->route, status, (uint64_t)(us > 0 ? us : 0));
    char remote[INET6_ADDRSTRLEN];
    peer_text(c, remote);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char when[96];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
    /* The route names the method too; "method" is what the client sent (a known route's
     * method, or anything for an unmatched one). */
    json_t *line = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:i, s:I, s:f, s:s}", "time", when,
                             "remote", remote, "actor", out->actor[0] ? out->actor : NULL,
                             "method", method, "route", sv->api.metrics.routes[out->route],
                             "status", status, "bytes", (json_int_t)bytes, "ms",
                             (double)us / 1000.0, "request_id", rid);
    char *text = line != NULL ? mc_json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(line);
    if (text != NULL) {
        pthread_mutex_lock(&sv->access_lock); /* the file, which SIGHUP may replace (reload_logs) */
        if (sv->access != NULL) {
            fprintf(sv->access, "%s\n", text);
            fflush(sv->access);
        }
        pthread_mutex_unlock(&sv->access_lock);
    }
    mc_free(text);
}

/* Sends out (its JSON body, a console file or a text), logs and counts it. */
static enum MHD_Result respond(server *sv, struct MHD_Connection *c, const char *method,
                               api_response *out, int64_t t0_us)
{
    char rid[65];
    request_id(sv, c, rid);
    static const char oom[] = "{\"error\": \"internal\", \"message\": \"out of memory\"}";
    /* An error this file made (413, 414, the metrics address) in the request's language too;
     * api_handle's answers are already (saying them again changes nothing). */
    if (out->body != NULL && out->status >= 400) {
        api_localize(out, mc_msg_accept_language(
                              MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language")));
    }
    int status = out->status;
    struct MHD_Response *resp = NULL;
    size_t bytes = 0;
    if (out->raw != NULL) {
        bytes = out->raw_len;
        resp = MHD_create_response_from_buffer(bytes, (void *)(uintptr_t)out->raw,
                                               MHD_RESPMEM_PERSISTENT);
        if (resp != NULL) {
            MHD_add_response_header(resp, "Content-Type", out->content_type);
            MHD_add_response_header(
                resp, "Content-Security-Policy",
                "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
            MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        }
    } else if (out->text != NULL) {
        bytes = out->text_len;
        resp = MHD_create_response_from_buffer(bytes, out->text, MHD_RESPMEM_MUST_COPY);
        if (resp != NULL) {
            MHD_add_response_header(resp, "Content-Type", out->content_type);
            MHD_add_response_header(resp, "Cache-Control", "no-store");
        }
    } else {
        /* mc_json_dumps is whole or NULL: json_dumps may leave a key's name out when an
         * allocation fails. The fallback is a constant, which needs no memory. */
        char *text = mc_json_dumps(out->body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text == NULL) {
            status = 500;
        }
        bytes = text != NULL ? strlen(text) : sizeof oom - 1;
        resp = text != NULL
                   ? MHD_create_response_from_buffer(bytes, text, MHD_RESPMEM_MUST_COPY)
                   : MHD_create_response_from_buffer(bytes, (void *)(uintptr_t)oom,
                                                     MHD_RESPMEM_PERSISTENT);
        mc_free(text);
        if (resp != NULL) {
            MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
            MHD_add_response_header(resp, "Cache-Control", "no-store");
        }
    }
    /* The probe's 503 is its answer, asked every few seconds by a load balancer: not a line
     * each time. */
    if (status >= 500 && strcmp(sv->api.metrics.routes[out->route], "GET /api/health/ready") != 0) {
        /* The library's message says what failed (the store, memory); the access log has the
         * request, this line why it failed. */
        const char *m = json_string_value(json_object_get(out->body, "message"));
        log_msg(status == 503 ? FRONT_LOG_WARN : FRONT_LOG_ERROR, "request %s: %s answered %d: %s",
                rid, sv->api.metrics.routes[out->route], status, m ? m : "no message");
    }
    json_decref(out->body);
    out->body = NULL;
    mc_free(out->text);
    out->text = NULL;
    access_line(sv, c, method, out, status, bytes, t0_us, rid);
    if (resp == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Request-Id", rid);
    if (out->retry_after > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", out->retry_after);
        MHD_add_response_header(resp, "Retry-After", secs);
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)url; /* percent-decoded: the path as sent is in the connection (uri_log) */
    server *sv = cls;
    conn *k = conn_of(c);
    req *r = *con_cls;
    api_response out = {.status = 500};
    int64_t t0 = monotonic_us();
    char max_body[16];
    snprintf(max_body, sizeof max_body, "%d", API_MAX_BODY);
    if (r == NULL) {
        /* The headers are in. A body announced larger than the API takes is refused before
         * it is read (libmicrohttpd then closes the connection). */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl != NULL && (strlen(cl) > 9 || strtol(cl, NULL, 10) > API_MAX_BODY)) {
            set_receiving(&sv->watch, k, false);
            api_error_msg(&out, 413, "too-large", "api.too-large", 1, max_body);
            return respond(sv, c, method, &out, t0);
        }
        r = calloc(1, sizeof *r);
        *con_cls = r;
        return r ? MHD_YES : MHD_NO;
    }
    if (*upload_size > 0) {
        if (!r->too_large && r->len + *upload_size <= API_MAX_BODY) {
            if (mc_grow(&r->body, &r->cap, r->len + *upload_size + 1, 1) != 0) {
                return MHD_NO;
            }
            memcpy(r->body + r->len, upload, *upload_size);
            r->len += *upload_size;
            r->body[r->len] = '\0';
        } else {
            r->too_large = true; /* read and drop the rest (within the deadline), then 413 */
        }
        *upload_size = 0;
        return MHD_YES;
    }
    /* All of the request is in: from here on, the time is the server's. */
    set_receiving(&sv->watch, k, false);
    t0 = monotonic_us();
    if (r->too_large) {
        api_error_msg(&out, 413, "too-large", "api.too-large", 1, max_body);
        return respond(sv, c, method, &out, t0);
    }
    if (k == NULL) {
        api_error_msg(&out, 500, "internal", "api.oom", 0);
        return respond(sv, c, method, &out, t0);
    }
    if (k->path_too_long) {
        char most[16];
        snprintf(most, sizeof most, "%d", PATH_MAX_BYTES - 1);
        api_error_msg(&out, 414, "too-long", "api.path-too-long", 1, most);
        return respond(sv, c, method, &out, t0);
    }
    char client[INET6_ADDRSTRLEN];
    client_text(sv, c, client);
    api_request rq = {
        .client = client,
        .method = method,
        .path = k->path,
        .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
        .idempotency_key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key"),
        .accept_language = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"),
        .body = r->body,
        .body_len = r->len,
        .q_state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state"),
        .q_overdue = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "overdue"),
        .q_document = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "document"),
        .q_from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from"),
        .q_to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to"),
        .q_subject = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "subject"),
        .q_agency = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "agency"),
        .q_limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit"),
        .q_cursor = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor"),
        .q_final = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "final"),
        .q_procedure = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "procedure"),
        .q_due_before = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "due-before"),
        .q_search = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q"),
        .q_code = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "code"),
        .q_by = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "by"),
    };
    api_handle(&sv->api, &rq, &out);
    return respond(sv, c, method, &out, t0);
}

static bool store_ready(void *ud, char *why, size_t n)
{
    return ready_check(ud, why, n);
}

/* ==== --metrics-listen ==================================================================== */

/* The separate address of /metrics: no token, nothing else answered. Meant for a loopback or
 * private address that only Prometheus reaches. */
static enum MHD_Result metrics_handler(void *cls, struct MHD_Connection *c, const char *url,
                                       const char *method, const char *version,
                                       const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version, (void)upload, (void)upload_size;
    server *sv = cls;
    if (*con_cls == NULL) {
        *con_cls = (void *)1; /* the headers are in; answer at the next call */
        return MHD_YES;
    }
    api_response out = {.status = 500};
    int64_t t0 = monotonic_us();
    if (strcmp(url, "/metrics") != 0) {
        api_error_msg(&out, 404, "not-found", "api.metrics-only", 0);
    } else if (strcmp(method, "GET") != 0) {
        api_error_msg(&out, 405, "method", "api.method", 2, method, "/metrics");
    } else {
        for (size_t i = 0; i < sv->api.metrics.nroutes; i++) {
            out.route = strcmp(sv->api.metrics.routes[i], "GET /metrics") == 0 ? i : out.route;
        }
        mc_buf t = MC_BUF_INIT;
        api_metrics(&sv->api, &t);
        if (t.oom) {
            mc_buf_free(&t);
            api_error_msg(&out, 500, "internal", "api.oom", 0);
        } else {
            out.status = 200;
            out.text_len = t.len; /* before mc_buf_take resets t */
            out.text = mc_buf_take(&t);
            out.content_type = "text/plain; version=0.0.4; charset=utf-8";
        }
    }
    return respond(sv, c, method, &out, t0);
}

/* ==== the listen address ================================================================== */

/* "http://HOST:PORT/" of addr (IPv6 in brackets), port the one the server got. */
static void listen_url(const struct sockaddr_storage *addr, unsigned port, char *out, size_t size)
{
    char host[INET6_ADDRSTRLEN];
    bool v6 = addr->ss_family == AF_INET6;
    const void *bytes = v6 ? (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr
                           : (const void *)&((const struct sockaddr_in *)addr)->sin_addr;
    if (inet_ntop(addr->ss_family, bytes, host, sizeof host) == NULL) {
        strcpy(host, "?");
    }
    snprintf(out, size, "http://%s%s%s:%u/", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

static unsigned listen_port(const struct sockaddr_storage *addr)
{
    return addr->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)addr)->sin6_port)
                                       : ntohs(((const struct sockaddr_in *)addr)->sin_port);
}

int cmd_hash_token(front_opts *c)
{
    if (c->nargs != 1 || c->args[0][0] == '\0') {
        return front_usage_error("hash-token takes one token");
    }
    char out[80];
    tokens_hash(c->args[0], out);
    puts(out);
    return EXIT_OK;
}

/* ==== the store's file modes ============================================================= */

/* A SQLite store (or its -wal or -shm file) that group or others can write could be altered by
 * them: serve refuses to open it (MC_EUSAGE, naming the file and the fix), as tokens_load does a
 * tokens file. A store that does not exist yet is created 0600 (mc_store_open); a PostgreSQL
 * store's access is the server's. */
static int check_store_private(const char *db, mc_error *err)
{
    if (mc_store_is_server(db) || strcmp(db, ":memory:") == 0 || strncmp(db, "file:", 5) == 0) {
        return 0;
    }
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char path[PATH_MAX_BYTES];
        struct stat sb;
        int n = snprintf(path, sizeof path, "%s%s", db, suffix[i]);
        if (n < 0 || (size_t)n >= sizeof path) {
            return mc_error_set(err, MC_EUSAGE, "the store's path is longer than %d bytes",
                                PATH_MAX_BYTES - 5);
        }
        if (stat(path, &sb) == 0 && (sb.st_mode & (S_IWGRP | S_IWOTH))) {
            return mc_error_set(err, MC_EUSAGE,
                                "%s can be written by group or others, who could alter the "
                                "store: chmod 600 %s",
                                path, path);
        }
    }
    return 0;
}

/* One engine of the pool: its own rules sandbox, loaded from the rules/ of every catalogue
 * layer (the catalogue itself, immutable, is shared). */
static int open_engine(front_opts *c, const mc_catalogue *cat, mc_engine **e, mc_rules **rules,
                       mc_error *err)
{
    *e = NULL;
    *rules = NULL;
    mc_rules_opts opts;
    if (front_rule_opts(c, &opts) != 0) {
        return mc_error_set(err, MC_EUSAGE, "the rule options are wrong");
    }
    mc_diags *diags = NULL;
    int rc = mc_diags_new(&diags) ? mc_error_set(err, MC_ENOMEM, "out of memory") : 0;
    if (rc == 0) {
        rc = mc_rules_new(rules, &opts, err);
    }
    if (rc == 0) {
        rc = front_rules_load(c, *rules, diags, err);
    }
    if (rc == 0) {
        rc = mc_engine_open(e, cat, *rules, c->db ? c->db : "motcua.db", err);
    }
    if (rc != 0) {
        mc_rules_free(*rules);
        *rules = NULL;
    }
    mc_diags_free(diags);
    return rc;
}

/* Room for the connections: the open-files limit raised to what the system allows, and the
 * connection limit kept below it. */
static unsigned connection_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return 256;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
        if (want > rl.rlim_cur) {
            rl.rlim_cur = want;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    rlim_t room = rl.rlim_cur > 64 + 4 * ENGINES ? rl.rlim_cur - 64 - 4 * ENGINES : 16;
    return room < CONNECTION_LIMIT ? (unsigned)room : CONNECTION_LIMIT;
}

/* The timer scheduler, on an engine of its own, unless --no-timers. A server that cannot start
 * it says so and serves on: reads and `tick` still bring dossiers up to now. */
static void start_timers(front_opts *c, const mc_catalogue *cat, server *sv)
{
    if (c->no_timers) {
        return;
    }
    mc_engine *e = NULL;
    mc_rules *rules = NULL;
    mc_error err;
    mc_error_clear(&err);
    if (open_engine(c, cat, &e, &rules, &err) != 0) {
        log_msg(FRONT_LOG_ERROR, "timers: cannot start: %s", err.msg);
    } else if (!sched_start(&sv->sched, &sv->api, e, rules)) {
        log_msg(FRONT_LOG_ERROR, "timers: cannot start a thread");
    }
}

/* The sender of results to the live registries, on a store connection of its own, when the
 * configuration names any. A server that cannot start it says so and serves on: the results
 * stay in the outbox until a server sends them. */
static void start_deliveries(front_opts *c, server *sv)
{
    if (sv->api.registries == NULL) {
        return;
    }
    mc_error err;
    mc_error_clear(&err);
    if (!deliver_start(&sv->deliver, &sv->api, c->db ? c->db : "motcua.db", &err)) {
        log_msg(FRONT_LOG_ERROR, "deliveries: cannot start: %s", err.msg);
        return;
    }
    sv->api.deliver = &sv->deliver;
}

typedef struct stopper {
    struct MHD_Daemon *d;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    bool done;
} stopper;

static void *stop_daemon(void *arg)
{
    stopper *st = arg;
    MHD_stop_daemon(st->d);
    pthread_mutex_lock(&st->lock);
    st->done = true;
    pthread_cond_signal(&st->done_cond);
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

/* Stops d, waiting at most STOP_GRACE_MS for the requests still running. false when some did
 * not finish in time: the caller then ends the process without waiting for them (each runs in
 * a transaction of its own, which SQLite rolls back). */
static bool stop_within_grace(struct MHD_Daemon *d)
{
    stopper st = {d, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    pthread_t t;
    if (pthread_create(&t, NULL, stop_daemon, &st) != 0) {
        MHD_stop_daemon(d);
        return true;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)(STOP_GRACE_MS % 1000) * 1000000L;
    until.tv_sec += STOP_GRACE_MS / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&st.lock);
    while (!st.done) {
        if (pthread_cond_timedwait(&st.done_cond, &st.lock, &until) != 0) {
            break;
        }
    }
    bool done = st.done;
    pthread_mutex_unlock(&st.lock);
    if (done) {
        pthread_join(t, NULL);
    }
    return done;
}

/* ==== reloading on SIGHUP ================================================================= */

/* SIGHUP reloads what the server can take again without a restart: each reloader in turn, on
 * the main thread, while requests go on. A reloader that fails says why in one line of the
 * error log (log.h) and keeps what it had; it never stops the server. A part of the server that can reload adds
 * its line to reloaders. */
typedef struct reloader {
    void (*reload)(front_opts *c, server *sv);
} reloader;

/* The tokens file again: requests from now on authenticate with the new tokens; those running
 * finish with the tokens they started with (api_set_tokens). */
static void reload_catalogue(front_opts *c, server *sv);
static void reload_tokens(front_opts *c, server *sv)
{
    tokens *t = NULL;
    mc_error err;
    mc_error_clear(&err);
    int rc = tokens_load(&t, c->tokens, &err);
    size_t n = rc == 0 ? tokens_count(t) : 0;
    if (rc == 0) {
        rc = api_set_tokens(&sv->api, t, &err);
    }
    if (rc != 0) {
        log_msg(FRONT_LOG_ERROR, "tokens not reloaded, the previous ones stay: %s", err.msg);
    } else {
        log_msg(FRONT_LOG_INFO, "tokens reloaded from %s: %zu token%s", c->tokens, n,
                n == 1 ? "" : "s");
    }
}

/* A SIGHUP that arrives while the server starts (a `systemctl reload` during the catalogue's
 * load) waits, blocked, for the main loop's sigwait instead of ending the process, SIGHUP's
 * default. */
static void defer_sighup(void)
{
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &hup, NULL);
}

/* The log files again, at their paths: after logrotate moved them (its postrotate a `systemctl
 * reload`), the lines go to new files. A file that cannot be opened leaves its log where it was,
 * said in one line. First, so that the other reloaders' lines land in the new error log. */
static void reload_logs(front_opts *c, server *sv)
{
    mc_error err;
    mc_error_clear(&err);
    if (c->error_log != NULL && log_open(c->log_level, c->error_log, &err) != 0) {
        log_msg(FRONT_LOG_ERROR, "error log not reopened, it stays where it was: %s", err.msg);
    }
    if (c->access_log != NULL) {
        FILE *f = fopen(c->access_log, "a");
        if (f == NULL) {
            log_msg(FRONT_LOG_ERROR, "access log not reopened, it stays where it was: %s: %s",
                    c->access_log, strerror(errno));
            return;
        }
        pthread_mutex_lock(&sv->access_lock);
        FILE *old = sv->access;
        sv->access = f;
        pthread_mutex_unlock(&sv->access_lock);
        fclose(old);
    }
}

static const reloader reloaders[] = {
    {reload_logs},
    {reload_tokens},
    {reload_catalogue},
};

static void on_sighup(front_opts *c, server *sv)
{
    log_msg(FRONT_LOG_DEBUG, "SIGHUP: reloading");
    for (size_t i = 0; i < sizeof reloaders / sizeof reloaders[0]; i++) {
        reloaders[i].reload(c, sv);
    }
    fflush(stderr);
}

/* ---- the deployment check at start-up and on SIGHUP (issue 19) ---- */

static int count_breaking(void *ud, const mc_deploy_problem *p)
{
    *(size_t *)ud += p->breaking;
    return 0;
}

/* A rules sandbox of its own for an engine of the pool, from the same folders. */
static int new_rules(front_opts *c, mc_rules **out, mc_error *err)
{
    *out = NULL;
    mc_rules_opts opts;
    if (front_rule_opts(c, &opts) != 0) {
        return mc_error_set(err, MC_EUSAGE, "the rule options are wrong");
    }
    mc_diags *diags = NULL;
    int rc = mc_diags_new(&diags) ? mc_error_set(err, MC_ENOMEM, "out of memory") : 0;
    if (rc == 0) {
        rc = mc_rules_new(out, &opts, err);
    }
    if (rc == 0) {
        rc = front_rules_load(c, *out, diags, err);
    }
    if (rc != 0) {
        mc_rules_free(*out);
        *out = NULL;
    }
    mc_diags_free(diags);
    return rc;
}

/* SIGHUP: the catalogue and its rules again from the same --catalogue folders. Applied only when
 * it loads without errors and breaks no open dossier of the store (the deployment check, as at
 * start-up): then requests from now on run on it, those running finish on the one they began
 * with (api_swap_catalogue), and the timers take it at their next pass. Else one line, and the
 * catalogue in use stays. */
static void reload_catalogue(front_opts *c, server *sv)
{
    mc_catalogue *cat = NULL;
    mc_rules *rules[ENGINES + 1] = {NULL};
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    int rc = front_load(c, NULL, 0, &cat, &rules[0], &diags, &err);
    if (rc == MC_ECHECK && diags != NULL) {
        for (size_t i = 0; i < mc_diags_count(diags); i++) {
            const mc_diag *g = mc_diags_get(diags, i);
            if (g->severity == MC_DIAG_ERROR) {
                mc_error_set(&err, MC_ECHECK, "%s:%u:%u: %s (and %zu error%s in all)", g->file,
                             g->line, g->col, g->msg, mc_diags_errors(diags),
                             mc_diags_errors(diags) == 1 ? "" : "s");
                break;
            }
        }
    }
    mc_diags_free(diags);
    size_t nbreaking = 0;
    if (rc == 0) {
        mc_store *st = NULL;
        rc = mc_store_open(&st, c->db ? c->db : "motcua.db", &err);
        if (rc == 0) {
            rc = mc_engine_deploy_check(st, cat, rules[0], count_breaking, &nbreaking, NULL, &err);
        }
        mc_store_close(st);
    }
    if (rc == 0 && nbreaking > 0) {
        rc = mc_error_set(&err, MC_ECHECK,
                          "it cannot run %zu open dossier%s of the store (see 'motcua "
                          "deploy-check')",
                          nbreaking, nbreaking == 1 ? "" : "s");
    }
    for (size_t i = 1; rc == 0 && i <= ENGINES; i++) {
        rc = new_rules(c, &rules[i], &err);
    }
    if (rc == 0) {
        rc = api_swap_catalogue(&sv->api, cat, rules, &err); /* takes cat and rules[0…15] */
        cat = NULL;
        if (rc == 0) {
            sched_set_catalogue(&sv->sched, sv->api.cat, rules[ENGINES]);
        } else {
            mc_rules_free(rules[ENGINES]);
        }
        for (size_t i = 0; i <= ENGINES; i++) {
            rules[i] = NULL;
        }
    }
    if (rc != 0) {
        log_msg(FRONT_LOG_ERROR, "catalogue not reloaded, the one in use stays: %s",
                err.msg[0] ? err.msg : mc_error_name(rc));
        for (size_t i = 0; i <= ENGINES; i++) {
            mc_rules_free(rules[i]);
        }
        mc_catalogue_free(cat);
        return;
    }
    log_msg(FRONT_LOG_INFO, "catalogue reloaded: %zu procedures, catalogue %.16s",
            mc_catalogue_procedure_names(sv->api.cat), mc_catalogue_hash(sv->api.cat));
}

/* ---- the deployment check at start-up (issue 19) ---- */

static int print_breaking(void *ud, const mc_deploy_problem *p)
{
    size_t *n = ud;
    if (!p->breaking) {
        return 0; /* the dossier runs on its stored text: deploy-check lists it */
    }
    (*n)++;
    fprintf(stderr, "motcua: %s\n", p->message);
    return 0;
}

/* 0 when the catalogue can run every open dossier of e's store; else MC_ECHECK after a line per
 * dossier it cannot (the same lines as deploy-check), with the reason in err. */
static int refuse_breaking(mc_engine *e, const mc_catalogue *cat, const mc_rules *rules,
                           mc_error *err)
{
    size_t n = 0;
    int rc = mc_engine_deploy_check(mc_engine_store(e), cat, rules, print_breaking, &n, NULL, err);
    if (rc == 0 && n > 0) {
        rc = mc_error_set(err, MC_ECHECK,
                          "the catalogue cannot run %zu open dossier%s of the store: not "
                          "starting (see 'motcua deploy-check', docs/operations.md)",
                          n, n == 1 ? "" : "s");
    }
    return rc;
}

/* The addresses serve listens on, read from its options. */
typedef struct serve_addrs {
    const char *listen; /* as given, for messages */
    struct sockaddr_storage addr;
    struct sockaddr_storage maddr; /* --metrics-listen's, when given */
} serve_addrs;

/* Checks serve's options and reads its addresses into *ad before anything is opened: EXIT_OK,
 * or EXIT_USAGE said on stderr in one line. */
static int serve_options(const front_opts *c, serve_addrs *ad)
{
    if (c->nargs != 0) {
        return front_usage_error("serve takes no arguments (options: --listen, --db, --tokens)");
    }
    if (c->tokens == NULL) {
        return front_usage_error("serve needs --tokens FILE (or tokens in its --config FILE)");
    }
    ad->listen = c->listen ? c->listen : "127.0.0.1:8080";
    if (front_listen_parse(ad->listen, &ad->addr) != 0) {
        return front_usage_error("--listen takes ADDRESS:PORT, an IPv4 address or an IPv6 one in "
                                 "brackets (127.0.0.1:8080, [::1]:8080), not '%s'",
                                 ad->listen);
    }
    if (c->log_level != NULL && front_log_level_of(c->log_level) < 0) {
        return front_usage_error("--log-level takes error, warn, info or debug, not '%s'",
                                 c->log_level);
    }
    unsigned char proxy_bin[sizeof(struct in6_addr)];
    if (c->trusted_proxy != NULL && inet_pton(AF_INET, c->trusted_proxy, proxy_bin) != 1 &&
        inet_pton(AF_INET6, c->trusted_proxy, proxy_bin) != 1) {
        return front_usage_error("--trusted-proxy takes an IPv4 or IPv6 address, not '%s'",
                                 c->trusted_proxy);
    }
    if (c->metrics_listen != NULL && front_listen_parse(c->metrics_listen, &ad->maddr) != 0) {
        return front_usage_error("--metrics-listen takes ADDRESS:PORT like --listen, not '%s'",
                                 c->metrics_listen);
    }
    return EXIT_OK;
}

/* A server with its access log open (--access-log, else stderr) and its request ids seeded,
 * into *out: EXIT_OK, or the exit status of what failed, said on stderr. */
static int server_new(const front_opts *c, server **out)
{
    server *sv = calloc(1, sizeof *sv);
    *out = NULL;
    if (sv == NULL) {
        fprintf(stderr, "motcua: out of memory\n");
        return EXIT_FAIL;
    }
    sv->api.fixed_now = MC_NONE;
    sv->trusted_proxy = c->trusted_proxy;
    sv->access = stderr;
    if (c->access_log != NULL && (sv->access = fopen(c->access_log, "a")) == NULL) {
        fprintf(stderr, "motcua: cannot open the access log %s: %s\n", c->access_log,
                strerror(errno));
        free(sv);
        return EXIT_IO;
    }
    pthread_mutex_init(&sv->access_lock, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sv->id_seed =
        (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + ((uint64_t)getpid() << 32);
    atomic_init(&sv->id_next, 0);
    *out = sv;
    return EXIT_OK;
}

static void server_free(server *sv)
{
    ready_close(sv->ready);
    if (sv->access != stderr) {
        fclose(sv->access);
    }
    pthread_mutex_destroy(&sv->access_lock);
    free(sv);
}

/* What serve loads before it listens, and frees after: what the API has not taken over. */
typedef struct serve_load {
    mc_catalogue *cat;
    mc_rules *rules;
    mc_diags *diags;
    tokens *tok;
    bool started; /* api_init ran: api_free frees the API */
} serve_load;

/* Loads the catalogue, the tokens and the store (migrated with --migrate), and readies the API
 * of sv with its pool of engines, refusing a catalogue that cannot run an open dossier of the
 * store: EXIT_OK, or the exit status of what failed, said on stderr. */
static int serve_load_all(front_opts *c, server *sv, serve_load *ld)
{
    api *a = &sv->api;
    const char *db = c->db ? c->db : "motcua.db";
    mc_engine *first = NULL;      /* its store, for the deployment check */
    mc_rules *first_rules = NULL; /* and its rules */
    mc_error err;
    mc_error_clear(&err);
    int rc = front_load(c, NULL, 0, &ld->cat, &ld->rules, &ld->diags, &err);
    if (rc == 0) {
        a->cat = ld->cat;
        a->cal = mc_catalogue_default_calendar(ld->cat) ? mc_catalogue_default_calendar(ld->cat)
                                                        : mc_calendar_builtin();
        if (c->now != NULL && front_now(c, a->cal, &a->fixed_now) != EXIT_OK) {
            return EXIT_USAGE;
        }
        rc = tokens_load(&ld->tok, c->tokens, &err);
    }
    if (rc == 0) {
        rc = check_store_private(db, &err);
    }
    /* A store of an older schema is migrated only when asked (issue 19), as 'motcua migrate'
     * would, backup included, before anything opens it. */
    if (rc == 0 && c->migrate) {
        int status = front_migrate(db, NULL, "serve --migrate");
        if (status != EXIT_OK) {
            return status;
        }
    }
    if (rc == 0) {
        rc = api_init(a, ENGINES, &err);
        ld->started = true;
    }
    /* The live registries' connector, before the engines that ask through it. */
    if (rc == 0 && c->nregistries > 0) {
        rc = mc_connect_new(&a->registries, c->registries, (size_t)c->nregistries, NULL, &err);
        if (rc == 0) {
            log_msg(FRONT_LOG_INFO, "live registries: %d endpoint%s configured", c->nregistries,
                    c->nregistries == 1 ? "" : "s");
        }
    }
    if (rc == 0) {
        rc = api_set_tokens(a, ld->tok, &err);
        ld->tok = NULL; /* the API's now */
    }
    /* The first engine runs the rules front_load checked the catalogue against; each other its
     * own copy. */
    for (size_t i = 0; rc == 0 && i < ENGINES; i++) {
        mc_engine *e = NULL;
        mc_rules *r = ld->rules;
        if (i == 0) {
            rc = mc_engine_open(&e, ld->cat, r, db, &err);
            ld->rules = rc == 0 ? NULL : ld->rules;
        } else {
            rc = open_engine(c, ld->cat, &e, &r, &err);
        }
        if (rc == 0) {
            api_set_engine(a, i, e, r);
            first = i == 0 ? e : first;
            first_rules = i == 0 ? r : first_rules;
        }
    }
    if (rc == 0) {
        rc = refuse_breaking(first, ld->cat, first_rules, &err);
    }
    if (rc == 0 && !mc_store_is_server(db)) {
        a->store_path = db;
        mc_store_group *g = NULL;
        rc = mc_store_group_open(&g, db, &err);
        if (rc == 0) {
            api_set_group(a, g);
        }
    }
    if (rc == 0) {
        rc = ready_open(&sv->ready, db, &err);
        a->ready = store_ready;
        a->ready_ud = sv->ready;
    }
    if (rc != 0) {
        if (ld->diags != NULL && rc == MC_ECHECK) {
            front_print_diags(stderr, ld->diags);
        }
        fprintf(stderr, "motcua: %s%s\n", err.msg[0] ? err.msg : "cannot start",
                rc == MC_ESCHEMA ? ", or start serve with --migrate" : "");
        return rc == MC_ESYNTAX || rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
    }
    return EXIT_OK;
}

static void serve_load_free(server *sv, serve_load *ld)
{
    if (ld->started) {
        api_free(&sv->api);
    }
    tokens_free(ld->tok);
    mc_catalogue_free(ld->cat);
    mc_rules_free(ld->rules);
    mc_diags_free(ld->diags);
}

/* Starts the API's daemon on ad->addr, and the metrics' on ad->maddr with --metrics-listen, into
 * *d and *md: EXIT_OK, or EXIT_IO said on stderr with neither running. */
static int serve_listen(const front_opts *c, server *sv, const serve_addrs *ad,
                        struct MHD_Daemon **d, struct MHD_Daemon **md)
{
    /* A thread per connection: in libmicrohttpd's pool mode a connection stays on the worker
     * that accepted it, so one request waiting for a rule or for the write lock would stall
     * every other connection of its worker. Here it stalls only its own; the engines, the
     * costly part, are pooled apart (api.h). */
    *md = NULL;
    *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
            (ad->addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
        0, NULL,
        NULL, handler, sv, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&ad->addr,
        MHD_OPTION_CONNECTION_LIMIT, connection_limit(), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)PER_ADDRESS_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_CONNECTION, notify_connection, &sv->watch, MHD_OPTION_URI_LOG_CALLBACK,
        uri_log, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, sv, MHD_OPTION_END);
    if (*d == NULL) {
        fprintf(stderr, "motcua: cannot listen on %s\n", ad->listen);
        return EXIT_IO;
    }
    if (c->metrics_listen == NULL) {
        return EXIT_OK;
    }
    *md = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                               (ad->maddr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
                           0, NULL, NULL, metrics_handler, sv, MHD_OPTION_SOCK_ADDR,
                           (const struct sockaddr *)&ad->maddr, MHD_OPTION_CONNECTION_LIMIT, 16u,
                           MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
                           MHD_OPTION_END);
    if (*md == NULL) {
        fprintf(stderr, "motcua: cannot listen on %s (--metrics-listen)\n", c->metrics_listen);
        MHD_stop_daemon(*d);
        *d = NULL;
        return EXIT_IO;
    }
    return EXIT_OK;
}

/* Says where it serves, starts the deliveries and the timers, reloads on SIGHUP until SIGINT or
 * SIGTERM, then stops: the API, the metrics, the timers, the requests (within the grace, else
 * the process ends here, their transactions rolled back) and the deliveries. */
static void serve_until_stopped(front_opts *c, server *sv, const mc_catalogue *cat,
                                const serve_addrs *ad, const sigset_t *stop,
                                struct MHD_Daemon *d, struct MHD_Daemon *md)
{
    /* Before the server says it serves: the pending counts are in /metrics from the first
     * request. */
    start_deliveries(c, sv);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char url[INET6_ADDRSTRLEN + 16];
    listen_url(&ad->addr, info ? (unsigned)info->port : listen_port(&ad->addr), url, sizeof url);
    printf("motcua: serving %s (stop with Ctrl-C)\n", url);
    if (md != NULL) {
        info = MHD_get_daemon_info(md, MHD_DAEMON_INFO_BIND_PORT);
        listen_url(&ad->maddr, info ? (unsigned)info->port : listen_port(&ad->maddr), url,
                   sizeof url);
        /* Not a URL: tools/serve-lib.sh reads the port of the first "http://" line. */
        url[strlen(url) - 1] = '\0';
        printf("motcua: metrics at %s, GET /metrics without a token\n", url + 7);
    }
    fflush(stdout);
    start_timers(c, cat, sv);
    int sig = SIGTERM;
    while (sigwait(stop, &sig) == 0 && sig == SIGHUP) {
        on_sighup(c, sv);
    }
    log_msg(FRONT_LOG_INFO, "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    api_stop(&sv->api);
    if (md != NULL) {
        MHD_stop_daemon(md);
    }
    sched_stop(&sv->sched); /* waits for the batch it is running, at most */
    if (!stop_within_grace(d)) {
        log_msg(FRONT_LOG_WARN, "stopped with requests still running (their transactions "
                                "are rolled back)");
        fflush(NULL);
        _exit(EXIT_OK);
    }
    /* After the requests (a /metrics request reads its counts), before the connector goes:
     * waits for the delivery it is sending, at most. */
    sv->api.deliver = NULL;
    deliver_stop(&sv->deliver);
}

/* Serves cat (the catalogue loaded at the start) until stopped, the watchdog beside the daemons:
 * EXIT_OK, or EXIT_IO said on stderr. */
static int serve_run(front_opts *c, server *sv, const mc_catalogue *cat, const serve_addrs *ad)
{
    /* The threads of the server inherit a mask without these: the main thread waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP); /* reloads (on_sighup) */
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    watch *w = &sv->watch;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    pthread_t watcher;
    int status = EXIT_OK;
    if (pthread_create(&watcher, NULL, watchdog, w) != 0) {
        fprintf(stderr, "motcua: cannot start a thread\n");
        status = EXIT_IO;
    } else {
        struct MHD_Daemon *d, *md;
        status = serve_listen(c, sv, ad, &d, &md);
        if (status == EXIT_OK) {
            serve_until_stopped(c, sv, cat, ad, &stop, d, md);
        }
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        pthread_join(watcher, NULL);
    }
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    return status;
}

int cmd_serve(front_opts *c)
{
    serve_addrs ad;
    memset(&ad, 0, sizeof ad);
    if (serve_options(c, &ad) != EXIT_OK) {
        return EXIT_USAGE;
    }
    defer_sighup();
    mc_error lerr;
    mc_error_clear(&lerr);
    if (log_open(c->log_level, c->error_log, &lerr) != 0) {
        fprintf(stderr, "motcua: %s\n", lerr.msg);
        return EXIT_IO;
    }
    if (c->config != NULL) {
        log_msg(FRONT_LOG_DEBUG, "options read from %s (those of the command line win)", c->config);
    }
    server *sv = NULL;
    int status = server_new(c, &sv);
    if (status != EXIT_OK) {
        log_close();
        return status;
    }
    serve_load ld;
    memset(&ld, 0, sizeof ld);
    status = serve_load_all(c, sv, &ld);
    if (status == EXIT_OK) {
        status = serve_run(c, sv, ld.cat, &ad);
    }
    serve_load_free(sv, &ld);
    server_free(sv);
    log_close();
    return status;
}
