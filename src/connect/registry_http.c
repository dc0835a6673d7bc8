/* The live registries' HTTPS connector (connect.h; the protocol is docs/registries.md): each
 * look-up a POST of a JSON request to its registry's endpoint with a client certificate, all
 * the look-ups of one call at once through libcurl's multi interface, each bounded by its
 * registry's timeout; the answer checked (status, subject, request id, record) and hashed with
 * BLAKE2b-256 as the store hashes; a circuit breaker and counters per registry behind a lock,
 * since serve's engines share one connector across threads. */
#include "motcua/connect.h"

#include "base/buf.h"
#include "base/json.h"
#include "motcua/alloc.h"
#include "motcua/msg.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { MAX_ANSWER = 1 << 20 }; /* an answer is a record: more is a wrong service */
/* A look-up that failed before any answer (no connection, the connection closed without an
 * answer, 502, 503 or 504) is sent once more, under the same request id, when at least this
 * much of its time is left: the registry treats a request id it has answered as the same
 * question (docs/registries.md, "Retries"). */
enum { RETRY_MIN_MS = 100 };

typedef struct reg {
    char *name, *url, *ca, *cert, *key, *client_id;
    int64_t timeout_ms;
    unsigned breaker_failures; /* the failures in a row that open the breaker */
    int64_t breaker_open_ms;   /* how long it stays open */
    pthread_mutex_t mu;        /* the fields below */
    unsigned failures;  /* consecutive */
    bool open;          /* no look-up goes before until_ms, then one trial */
    bool trial;         /* the trial look-up is out */
    int64_t until_ms;
    uint64_t counts[MC_LOOKUP_OUTCOMES];
    uint64_t delivered, failed; /* mc_connect_deliver's */
} reg;

/* Multi handles kept between calls: each holds libcurl's connection cache, so that a call
 * reuses the open (keep-alive) connections of an earlier one instead of a TLS handshake per
 * look-up. A call takes one (or makes one) and gives it back; at most POOL_MAX are kept. */
enum { POOL_MAX = 16 };

struct mc_connect {
    reg *regs;
    size_t n;
    mc_connect_opts opts;
    pthread_mutex_t pool_lock;
    CURLM *pool[POOL_MAX];
    size_t npool;
};

static CURLM *pool_take(mc_connect *c)
{
    CURLM *m = NULL;
    pthread_mutex_lock(&c->pool_lock);
    if (c->npool > 0) {
        m = c->pool[--c->npool];
    }
    pthread_mutex_unlock(&c->pool_lock);
    return m != NULL ? m : curl_multi_init();
}

static void pool_give(mc_connect *c, CURLM *m)
{
    if (m == NULL) {
        return;
    }
    pthread_mutex_lock(&c->pool_lock);
    if (c->npool < POOL_MAX) {
        c->pool[c->npool++] = m;
        m = NULL;
    }
    pthread_mutex_unlock(&c->pool_lock);
    curl_multi_cleanup(m);
}

const char *mc_lookup_outcome_name(mc_lookup_outcome o)
{
    static const char *const names[MC_LOOKUP_OUTCOMES] = {"found", "not_found", "unavailable",
                                                          "incomplete", "invalid"};
    return (unsigned)o < MC_LOOKUP_OUTCOMES ? names[o] : "?";
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ==== making and freeing ================================================================== */

static void reg_free(reg *r)
{
    mc_free(r->name);
    mc_free(r->url);
    mc_free(r->ca);
    mc_free(r->cert);
    mc_free(r->key);
    mc_free(r->client_id);
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (s == NULL || *s == '\0') {
        return NULL;
    }
    char *d = mc_strndup(s, strlen(s));
    if (d == NULL) {
        *oom = true;
    }
    return d;
}

int mc_connect_new(mc_connect **out, const mc_registry_endpoint *eps, size_t n,
                   const mc_connect_opts *opts, mc_error *err)
{
    *out = NULL;
    if (mc_init() != 0) {
        return mc_error_set(err, MC_EINTERNAL, "libsodium could not start");
    }
    for (size_t i = 0; i < n; i++) {
        const mc_registry_endpoint *e = &eps[i];
        if (e->registry == NULL || *e->registry == '\0') {
            return mc_error_set(err, MC_EUSAGE, "endpoint %zu names no registry", i + 1);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(eps[j].registry, e->registry) == 0) {
                return mc_error_set(err, MC_EUSAGE, "registry '%s' has two endpoints", e->registry);
            }
        }
        if (e->url == NULL ||
            (strncmp(e->url, "https://", 8) != 0 && strncmp(e->url, "http://", 7) != 0)) {
            return mc_error_set(err, MC_EUSAGE,
                                "registry '%s': the endpoint's URL must start with https://",
                                e->registry);
        }
        if (e->timeout_ms <= 0) {
            return mc_error_set(err, MC_EUSAGE, "registry '%s': the timeout must be above 0 ms",
                                e->registry);
        }
        if ((e->cert_file == NULL) != (e->key_file == NULL)) {
            return mc_error_set(err, MC_EUSAGE,
                                "registry '%s': a client certificate needs its key and a key "
                                "its certificate",
                                e->registry);
        }
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return mc_error_set(err, MC_EINTERNAL, "libcurl could not start");
    }
    mc_connect *c = mc_calloc(1, sizeof *c);
    if (c == NULL || (n > 0 && (c->regs = mc_calloc(n, sizeof *c->regs)) == NULL)) {
        mc_free(c);
        curl_global_cleanup();
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    c->opts = opts != NULL ? *opts : (mc_connect_opts)MC_CONNECT_OPTS_INIT;
    pthread_mutex_init(&c->pool_lock, NULL);
    if (c->opts.failures == 0) {
        c->opts.failures = 1;
    }
    bool oom = false;
    for (size_t i = 0; i < n; i++) {
        reg *r = &c->regs[i];
        r->name = dup_or_null(eps[i].registry, &oom);
        r->url = dup_or_null(eps[i].url, &oom);
        r->ca = dup_or_null(eps[i].ca_file, &oom);
        r->cert = dup_or_null(eps[i].cert_file, &oom);
        r->key = dup_or_null(eps[i].key_file, &oom);
        r->client_id = dup_or_null(eps[i].client_id, &oom);
        r->timeout_ms = eps[i].timeout_ms;
        r->breaker_failures =
            eps[i].breaker_failures > 0 ? eps[i].breaker_failures : c->opts.failures;
        r->breaker_open_ms = eps[i].breaker_open_ms > 0 ? eps[i].breaker_open_ms : c->opts.open_ms;
        pthread_mutex_init(&r->mu, NULL);
        c->n++;
    }
    if (oom) {
        mc_connect_free(c);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    *out = c;
    return 0;
}

void mc_connect_free(mc_connect *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        reg_free(&c->regs[i]);
        pthread_mutex_destroy(&c->regs[i].mu);
    }
    for (size_t i = 0; i < c->npool; i++) {
        curl_multi_cleanup(c->pool[i]);
    }
    pthread_mutex_destroy(&c->pool_lock);
    mc_free(c->regs);
    mc_free(c);
    curl_global_cleanup();
}

static int client_lookup(void *ud, mc_lookup *q, size_t n, mc_error *err)
{
    return mc_connect_lookup(ud, q, n, err);
}

mc_registry_client mc_connect_client(mc_connect *c)
{
    return (mc_registry_client){.lookup = client_lookup, .ud = c};
}

size_t mc_connect_stats(mc_connect *c, mc_connect_stat *out, size_t cap)
{
    for (size_t i = 0; i < c->n && i < cap; i++) {
        reg *r = &c->regs[i];
        pthread_mutex_lock(&r->mu);
        out[i].registry = r->name;
        memcpy(out[i].lookups, r->counts, sizeof r->counts);
        out[i].open = r->open;
        out[i].delivered = r->delivered;
        out[i].failed = r->failed;
        pthread_mutex_unlock(&r->mu);
    }
    return c->n;
}

/* ==== reasons ============================================================================ */

/* Copies s into out (MC_LOOKUP_ARGSZ bytes), cut at a character when it is longer. */
static void arg_copy(char out[MC_LOOKUP_ARGSZ], const char *s)
{
    size_t n = strlen(s);
    if (n >= MC_LOOKUP_ARGSZ) {
        n = MC_LOOKUP_ARGSZ - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--; /* s[n] would begin the cut: a continuation byte belongs to the last char */
        }
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Sets q's outcome and its reason: the message catalogue's sentence of code (msg.h, the
 * lookup.* entries) in English, with n string arguments, cut at a character to fit; and the
 * code with its arguments (each cut the same way), for the engine to record. */
static void say(mc_lookup *q, mc_lookup_outcome o, const char *code, size_t n, ...)
{
    const char *args[MC_LOOKUP_MAXARGS] = {NULL};
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n && i < MC_LOOKUP_MAXARGS; i++) {
        args[i] = va_arg(ap, const char *);
    }
    va_end(ap);
    n = n < MC_LOOKUP_MAXARGS ? n : MC_LOOKUP_MAXARGS;
    q->outcome = o;
    mc_msg_format(MC_LANG_EN, code, args, n, q->reason, sizeof q->reason);
    snprintf(q->reason_code, sizeof q->reason_code, "%s", code);
    for (size_t i = 0; i < n; i++) {
        arg_copy(q->reason_args[i], args[i] != NULL ? args[i] : "");
    }
    q->nreason_args = n;
}

/* A number as text for say. */
typedef struct num {
    char s[24];
} num;

static num num_of(long long v)
{
    num n;
    snprintf(n.s, sizeof n.s, "%lld", v);
    return n;
}

/* ==== the breaker ========================================================================= */

/* Whether a look-up may go to r now; when not, why in q->reason. A breaker open past its
 * interval lets one trial go (marked in *trial). */
static bool breaker_admit(reg *r, mc_lookup *q, bool *trial)
{
    bool go = true;
    *trial = false;
    pthread_mutex_lock(&r->mu);
    if (r->open) {
        int64_t t = now_ms();
        if (t >= r->until_ms && !r->trial) {
            r->trial = true;
            *trial = true;
        } else {
            int64_t left = r->until_ms > t ? (r->until_ms - t + 999) / 1000 : 1;
            say(q, MC_LOOKUP_UNAVAILABLE, "lookup.breaker-open", 3, r->name, num_of(r->failures).s,
                num_of(left).s);
            r->counts[MC_LOOKUP_UNAVAILABLE]++;
            go = false;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return go;
}

/* Counts q's outcome and moves the breaker: an answer closes it, a failure counts towards
 * opening it (a failed trial opens it again at once). */
static void breaker_record(reg *r, const mc_lookup *q, bool trial)
{
    bool failed = q->outcome == MC_LOOKUP_UNAVAILABLE || q->outcome == MC_LOOKUP_INVALID;
    pthread_mutex_lock(&r->mu);
    if ((unsigned)q->outcome < MC_LOOKUP_OUTCOMES) {
        r->counts[q->outcome]++;
    }
    if (!failed) {
        r->failures = 0;
        r->open = false;
        r->trial = false;
    } else {
        r->failures++;
        if (trial || r->failures >= r->breaker_failures) {
            r->open = true;
            r->until_ms = now_ms() + r->breaker_open_ms;
        }
        if (trial) {
            r->trial = false;
        }
    }
    pthread_mutex_unlock(&r->mu);
}

/* ==== one transfer ======================================================================== */

typedef struct xfer {
    mc_lookup *q;
    reg *r;
    CURL *h;
    struct curl_slist *headers;
    char *body; /* the request */
    mc_buf answer;
    bool too_big;
    bool trial;
    int64_t timeout_ms;
    int64_t start_ms; /* when the first attempt started */
    int attempts;
} xfer;

/* The registry's own words (an incomplete or error answer's reason), one line, short: control
 * characters become spaces, and at most 100 bytes are kept, cut at a character. */
static void words_of(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    size_t limit = cap - 1 < 100 ? cap - 1 : 100;
    for (; s != NULL && s[n] != '\0' && n < limit; n++) {
        unsigned char ch = (unsigned char)s[n];
        out[n] = ch < 0x20 || ch == 0x7F ? ' ' : (char)ch;
    }
    if (s != NULL && s[n] != '\0') {
        while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80) {
            n--;
        }
        if (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0xC0) {
            n--;
        }
    }
    out[n] = '\0';
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t n = size * nmemb;
    if (x->answer.len + n > MAX_ANSWER) {
        x->too_big = true;
        return 0; /* stops the transfer */
    }
    mc_buf_append(&x->answer, ptr, n);
    return x->answer.oom ? 0 : n;
}

static json_t *text_or_null(const char *s)
{
    return s != NULL ? mc_json_text(s) : json_null();
}

/* The request's body (docs/registries.md, "The request"), or NULL when memory ran out. */
static char *request_body(const mc_lookup *q)
{
    json_t *o = json_object();
    json_t *purpose = json_object();
    if (o == NULL || purpose == NULL) {
        json_decref(o);
        json_decref(purpose);
        return NULL;
    }
    int bad = 0;
    bad |= json_object_set_new(purpose, "procedure", text_or_null(q->procedure));
    bad |= json_object_set_new(purpose, "dossier",
                               q->dossier > 0 ? json_integer(q->dossier) : json_null());
    bad |= json_object_set_new(o, "protocol", json_string("motcua-lookup/1"));
    bad |= json_object_set_new(o, "request_id", mc_json_text(q->request_id));
    bad |= json_object_set_new(o, "registry", text_or_null(q->registry));
    bad |= json_object_set_new(o, "document", text_or_null(q->document));
    bad |= json_object_set_new(o, "subject", text_or_null(q->subject));
    bad |= json_object_set_new(o, "party", text_or_null(q->party));
    bad |= json_object_set_new(o, "purpose", purpose);
    bad |= json_object_set_new(o, "agency", text_or_null(q->agency));
    char *text = bad ? NULL : mc_json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static bool is_date(const char *s)
{
    static const char shape[] = "dddd-dd-dd";
    if (strlen(s) != 10) {
        return false;
    }
    for (int i = 0; i < 10; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-') {
            return false;
        }
    }
    return true;
}

/* Reads an answer of status 200 into q. Returns MC_ENOMEM when memory ran out, else 0. */
static int read_answer(xfer *x)
{
    mc_lookup *q = x->q;
    const char *name = x->r->name;
    json_t *j = NULL;
    int rc = mc_json_loads(x->answer.data != NULL ? x->answer.data : "", 0, &j);
    if (rc == MC_ENOMEM) {
        say(q, MC_LOOKUP_UNAVAILABLE, "lookup.oom", 1, name);
        return MC_ENOMEM;
    }
    if (rc != 0 || !json_is_object(j)) {
        say(q, MC_LOOKUP_INVALID, "lookup.not-json", 1, name);
        goto done;
    }
    const char *status = json_string_value(json_object_get(j, "status"));
    const char *subject = json_string_value(json_object_get(j, "subject"));
    json_t *rid = json_object_get(j, "request_id");
    const char *reason = json_string_value(json_object_get(j, "reason"));
    char words[101];
    words_of(reason, words, sizeof words);
    if (status == NULL) {
        say(q, MC_LOOKUP_INVALID, "lookup.no-status", 1, name);
        goto done;
    }
    if (rid != NULL && !json_is_null(rid) &&
        (!json_is_string(rid) || strcmp(json_string_value(rid), q->request_id) != 0)) {
        say(q, MC_LOOKUP_INVALID, "lookup.other-request", 2, name, q->request_id);
        goto done;
    }
    if (strcmp(status, "error") == 0) {
        if (*words) {
            say(q, MC_LOOKUP_UNAVAILABLE, "lookup.error-why", 2, name, words);
        } else {
            say(q, MC_LOOKUP_UNAVAILABLE, "lookup.error", 1, name);
        }
        goto done;
    }
    if (subject == NULL) {
        say(q, MC_LOOKUP_INVALID, "lookup.no-subject", 1, name);
        goto done;
    }
    if (q->subject == NULL || strcmp(subject, q->subject) != 0) {
        say(q, MC_LOOKUP_INVALID, "lookup.other-subject", 1, name);
        goto done;
    }
    if (strcmp(status, "not_found") == 0) {
        q->outcome = MC_LOOKUP_NOT_FOUND;
    } else if (strcmp(status, "incomplete") == 0) {
        if (*words) {
            say(q, MC_LOOKUP_INCOMPLETE, "lookup.incomplete-why", 2, name, words);
        } else {
            say(q, MC_LOOKUP_INCOMPLETE, "lookup.incomplete", 1, name);
        }
    } else if (strcmp(status, "found") == 0) {
        json_t *rec = json_object_get(j, "record");
        const char *ref = json_string_value(json_object_get(rec, "reference"));
        json_t *iss = json_object_get(rec, "issued");
        const char *issued = json_string_value(iss);
        if (ref == NULL || *ref == '\0' || strlen(ref) >= sizeof q->reference) {
            say(q, MC_LOOKUP_INVALID, "lookup.no-reference", 2, name,
                num_of((long long)sizeof q->reference - 1).s);
        } else if ((iss != NULL && !json_is_null(iss) && issued == NULL) ||
                   (issued != NULL && !is_date(issued))) {
            say(q, MC_LOOKUP_INVALID, "lookup.not-date", 1, name);
        } else {
            q->outcome = MC_LOOKUP_FOUND;
            memcpy(q->reference, ref, strlen(ref) + 1);
            snprintf(q->issued, sizeof q->issued, "%s", issued != NULL ? issued : "");
        }
    } else {
        char st[41];
        words_of(status, st, sizeof st);
        say(q, MC_LOOKUP_INVALID, "lookup.unknown-status", 2, name, st);
    }
done:
    json_decref(j);
    return 0;
}

/* Reads a finished transfer into its look-up. Returns MC_ENOMEM or 0. */
static int finish(xfer *x, CURLcode code)
{
    mc_lookup *q = x->q;
    const char *name = x->r->name;
    long status = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && x->too_big)) {
        q->answered_at = (int64_t)time(NULL);
        unsigned char hash[crypto_generichash_BYTES];
        crypto_generichash(hash, sizeof hash, (const unsigned char *)x->answer.data, x->answer.len,
                           NULL, 0);
        sodium_bin2hex(q->answer_hash, sizeof q->answer_hash, hash, sizeof hash);
    }
    if (x->answer.oom) {
        say(q, MC_LOOKUP_UNAVAILABLE, "lookup.oom", 1, name);
        return MC_ENOMEM;
    }
    if (code == CURLE_WRITE_ERROR && x->too_big) {
        say(q, MC_LOOKUP_INVALID, "lookup.too-large", 2, name, num_of(MAX_ANSWER).s);
        return 0;
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        say(q, MC_LOOKUP_UNAVAILABLE, "lookup.timeout", 2, name, num_of(x->timeout_ms).s);
        return 0;
    }
    if (code != CURLE_OK) {
        say(q, MC_LOOKUP_UNAVAILABLE, "lookup.unreachable", 2, name, curl_easy_strerror(code));
        return 0;
    }
    if (status == 429 || (status >= 500 && status <= 599)) {
        say(q, MC_LOOKUP_UNAVAILABLE, "lookup.http", 2, name, num_of(status).s);
        return 0;
    }
    if (status != 200) {
        say(q, MC_LOOKUP_INVALID, "lookup.http-not-200", 2, name, num_of(status).s);
        return 0;
    }
    return read_answer(x);
}

/* Sets x's request on its handle x->h: a POST of x->body to x->r's endpoint, with the
 * protocol's headers (X-Road-Id: request_id; kept in x->headers, which the caller frees), its
 * certificates, within x->timeout_ms, the answer into x->answer. false: out of memory. */
static bool set_request(xfer *x, const char *request_id)
{
    const reg *r = x->r;
    char line[300];
    struct curl_slist *h = NULL, *next;
    static const char *const fixed[] = {"Content-Type: application/json",
                                        "Accept: application/json", "Expect:"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if ((next = curl_slist_append(h, fixed[i])) == NULL) {
            goto oom;
        }
        h = next;
    }
    snprintf(line, sizeof line, "X-Road-Id: %s", request_id);
    if ((next = curl_slist_append(h, line)) == NULL) {
        goto oom;
    }
    h = next;
    if (r->client_id != NULL) {
        snprintf(line, sizeof line, "X-Road-Client: %s", r->client_id);
        if ((next = curl_slist_append(h, line)) == NULL) {
            goto oom;
        }
        h = next;
    }
    x->headers = h;
    CURL *e = x->h;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(x->body));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)x->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)x->timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS */
    curl_easy_setopt(e, CURLOPT_PROXY, "");    /* the endpoint is asked directly */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "motcua");
    if (r->ca != NULL) {
        curl_easy_setopt(e, CURLOPT_CAINFO, r->ca);
    }
    if (r->cert != NULL) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, r->cert);
        curl_easy_setopt(e, CURLOPT_SSLKEY, r->key);
    }
    return true;
oom:
    curl_slist_free_all(h);
    return false;
}

/* Prepares x's easy handle for its look-up, under a new request id. Returns false when memory
 * ran out. */
static bool prepare(xfer *x)
{
    reg *r = x->r;
    mc_lookup *q = x->q;
    unsigned char id[16];
    randombytes_buf(id, sizeof id);
    sodium_bin2hex(q->request_id, sizeof q->request_id, id, sizeof id);
    x->timeout_ms = r->timeout_ms;
    if (q->deadline_ms > 0 && q->deadline_ms < x->timeout_ms) {
        x->timeout_ms = q->deadline_ms;
    }
    x->start_ms = now_ms();
    x->attempts = 1;
    x->body = request_body(q);
    x->h = curl_easy_init();
    if (x->body == NULL || x->h == NULL) {
        return false;
    }
    return set_request(x, q->request_id);
}

/* Whether x, just finished with code, goes again (and then it is back in m): once, for a
 * failure before any answer, within its time. */
static bool retry(CURLM *m, xfer *x, CURLcode code)
{
    long status = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
    bool before_answer = code == CURLE_COULDNT_CONNECT || code == CURLE_GOT_NOTHING ||
                         code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR ||
                         (code == CURLE_OK && (status == 502 || status == 503 || status == 504));
    int64_t left = x->timeout_ms - (now_ms() - x->start_ms);
    if (x->attempts > 1 || !before_answer || left < RETRY_MIN_MS || x->answer.oom) {
        return false;
    }
    curl_multi_remove_handle(m, x->h);
    x->attempts++;
    x->answer.len = 0;
    if (x->answer.data != NULL) {
        x->answer.data[0] = '\0';
    }
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, (long)left);
    curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
    return curl_multi_add_handle(m, x->h) == CURLM_OK;
}

/* ==== one call ============================================================================ */

static reg *find_reg(mc_connect *c, const char *name)
{
    for (size_t i = 0; name != NULL && i < c->n; i++) {
        if (strcmp(c->regs[i].name, name) == 0) {
            return &c->regs[i];
        }
    }
    return NULL;
}

static void clear_answer(mc_lookup *q)
{
    q->outcome = MC_LOOKUP_UNAVAILABLE;
    q->reference[0] = '\0';
    q->issued[0] = '\0';
    q->request_id[0] = '\0';
    q->answered_at = 0;
    q->answer_hash[0] = '\0';
    q->reason[0] = '\0';
    q->reason_code[0] = '\0';
    q->nreason_args = 0;
}

int mc_connect_lookup(mc_connect *c, mc_lookup *q, size_t n, mc_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        clear_answer(&q[i]);
    }
    if (n == 0) {
        return 0;
    }
    xfer *xs = mc_calloc(n, sizeof *xs);
    CURLM *m = pool_take(c);
    if (xs == NULL || m == NULL) {
        rc = MC_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            say(&q[i], MC_LOOKUP_UNAVAILABLE, "lookup.oom", 1,
                q[i].registry != NULL ? q[i].registry : "a registry");
        }
        goto done;
    }
    size_t running = 0;
    for (size_t i = 0; i < n; i++) {
        xfer *x = &xs[i];
        x->q = &q[i];
        x->r = find_reg(c, q[i].registry);
        if (x->r == NULL) {
            say(&q[i], MC_LOOKUP_UNAVAILABLE, "lookup.no-endpoint", 1,
                q[i].registry != NULL ? q[i].registry : "(no registry)");
            continue;
        }
        if (!breaker_admit(x->r, &q[i], &x->trial)) {
            continue;
        }
        if (!prepare(x) || curl_multi_add_handle(m, x->h) != CURLM_OK) {
            rc = MC_ENOMEM;
            say(&q[i], MC_LOOKUP_UNAVAILABLE, "lookup.oom", 1, x->r->name);
            if (x->trial) {
                pthread_mutex_lock(&x->r->mu);
                x->r->trial = false; /* not tried: the next call may */
                pthread_mutex_unlock(&x->r->mu);
            }
            curl_easy_cleanup(x->h);
            x->h = NULL;
            x->r = NULL;
            continue;
        }
        running++;
    }
    int still = (int)running;
    while (running > 0) {
        if (curl_multi_perform(m, &still) != CURLM_OK) {
            break;
        }
        bool again = false; /* a retry went back in: perform must start it */
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            xfer *x = NULL;
            CURLcode code = msg->data.result;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            if (x == NULL || x->r == NULL) {
                continue;
            }
            if (retry(m, x, code)) {
                again = true;
                continue;
            }
            if (finish(x, code) == MC_ENOMEM) {
                rc = MC_ENOMEM;
            }
            breaker_record(x->r, x->q, x->trial);
            x->r = NULL; /* done */
        }
        if (still == 0 && !again) {
            break;
        }
        if (still > 0 && curl_multi_poll(m, NULL, 0, 100, NULL) != CURLM_OK) {
            break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        xfer *x = &xs[i];
        if (x->h != NULL && x->r != NULL) { /* the multi handle failed under it */
            say(x->q, MC_LOOKUP_UNAVAILABLE, "lookup.libcurl", 1, x->r->name);
            breaker_record(x->r, x->q, x->trial);
        }
    }
done:
    for (size_t i = 0; xs != NULL && i < n; i++) {
        if (xs[i].h != NULL) {
            curl_multi_remove_handle(m, xs[i].h);
            curl_easy_cleanup(xs[i].h);
        }
        curl_slist_free_all(xs[i].headers);
        mc_free(xs[i].body);
        mc_buf_free(&xs[i].answer);
    }
    mc_free(xs);
    pool_give(c, m);
    if (rc != 0) {
        mc_error_set(err, rc, "out of memory");
    }
    return rc;
}

/* ==== results sent back (motcua-issue/1) ================================================== */

/* The reason of a failed delivery: the message catalogue's sentence of code in English. */
static void fail(mc_delivery_answer *a, const char *code, size_t n, ...)
{
    const char *args[4] = {NULL, NULL, NULL, NULL};
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n && i < 4; i++) {
        args[i] = va_arg(ap, const char *);
    }
    va_end(ap);
    a->accepted = false;
    mc_msg_format(MC_LANG_EN, code, args, n < 4 ? n : 4, a->reason, sizeof a->reason);
}

/* The body of a delivery (docs/registries.md, "Results go back"), or NULL when memory ran out. */
static char *issue_body(const mc_delivery_row *d)
{
    json_t *o = json_object(), *rec = json_object(), *purpose = json_object();
    if (o == NULL || rec == NULL || purpose == NULL) {
        json_decref(o);
        json_decref(rec);
        json_decref(purpose);
        return NULL;
    }
    int bad = 0;
    bad |= json_object_set_new(rec, "reference", text_or_null(d->reference));
    bad |= json_object_set_new(rec, "issued", text_or_null(d->issued));
    bad |= json_object_set_new(purpose, "procedure", text_or_null(d->procedure));
    bad |= json_object_set_new(purpose, "dossier",
                               d->dossier > 0 ? json_integer(d->dossier) : json_null());
    bad |= json_object_set_new(o, "protocol", json_string("motcua-issue/1"));
    bad |= json_object_set_new(o, "request_id", mc_json_text(d->request_id));
    bad |= json_object_set_new(o, "registry", text_or_null(d->registry));
    bad |= json_object_set_new(o, "document", text_or_null(d->document));
    bad |= json_object_set_new(o, "subject", text_or_null(d->subject));
    bad |= json_object_set_new(o, "party", text_or_null(d->party));
    bad |= json_object_set_new(o, "record", rec);
    bad |= json_object_set_new(o, "purpose", purpose);
    bad |= json_object_set_new(o, "agency", text_or_null(d->agency));
    char *text = bad ? NULL : mc_json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

/* Reads an answer of status 200 to delivery d into a. */
static int read_ack(const mc_buf *answer, const char *name, const mc_delivery_row *d,
                    mc_delivery_answer *a)
{
    json_t *j = NULL;
    int rc = mc_json_loads(answer->data != NULL ? answer->data : "", 0, &j);
    if (rc == MC_ENOMEM) {
        fail(a, "lookup.oom", 1, name);
        return MC_ENOMEM;
    }
    if (rc != 0 || !json_is_object(j)) {
        fail(a, "lookup.not-json", 1, name);
        goto done;
    }
    const char *status = json_string_value(json_object_get(j, "status"));
    const char *rid = json_string_value(json_object_get(j, "request_id"));
    char words[101];
    words_of(json_string_value(json_object_get(j, "reason")), words, sizeof words);
    if (status == NULL) {
        fail(a, "lookup.no-status", 1, name);
    } else if (rid == NULL || strcmp(rid, d->request_id) != 0) {
        fail(a, "lookup.other-request", 2, name, d->request_id);
    } else if (strcmp(status, "accepted") == 0) {
        a->accepted = true;
    } else if (strcmp(status, "error") == 0) {
        if (*words) {
            fail(a, "lookup.error-why", 2, name, words);
        } else {
            fail(a, "lookup.error", 1, name);
        }
    } else if (strcmp(status, "refused") == 0) {
        fail(a, "deliver.refused", 2, name, *words ? words : "-");
    } else {
        char st[41];
        words_of(status, st, sizeof st);
        fail(a, "lookup.unknown-status", 2, name, st);
    }
done:
    json_decref(j);
    return 0;
}

int mc_connect_deliver(mc_connect *c, const mc_delivery_row *d, mc_delivery_answer *a,
                       mc_error *err)
{
    memset(a, 0, sizeof *a);
    reg *r = find_reg(c, d->registry);
    if (r == NULL) {
        fail(a, "lookup.no-endpoint", 1, d->registry != NULL ? d->registry : "(no registry)");
        return 0;
    }
    int rc = 0;
    xfer x;
    memset(&x, 0, sizeof x);
    x.r = r;
    x.timeout_ms = r->timeout_ms;
    x.body = issue_body(d);
    x.h = curl_easy_init();
    if (x.body == NULL || x.h == NULL || !set_request(&x, d->request_id)) {
        fail(a, "lookup.oom", 1, r->name);
        rc = MC_ENOMEM;
        goto done;
    }
    CURL *e = x.h;
    CURLcode code = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK) {
        a->answered_at = (int64_t)time(NULL);
        unsigned char hash[crypto_generichash_BYTES];
        crypto_generichash(hash, sizeof hash, (const unsigned char *)x.answer.data, x.answer.len,
                           NULL, 0);
        sodium_bin2hex(a->answer_hash, sizeof a->answer_hash, hash, sizeof hash);
    }
    if (x.answer.oom) {
        fail(a, "lookup.oom", 1, r->name);
        rc = MC_ENOMEM;
    } else if (code == CURLE_WRITE_ERROR && x.too_big) {
        fail(a, "lookup.too-large", 2, r->name, num_of(MAX_ANSWER).s);
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        fail(a, "lookup.timeout", 2, r->name, num_of(x.timeout_ms).s);
    } else if (code != CURLE_OK) {
        fail(a, "lookup.unreachable", 2, r->name, curl_easy_strerror(code));
    } else if (status != 200) {
        fail(a, "lookup.http", 2, r->name, num_of(status).s);
    } else {
        rc = read_ack(&x.answer, r->name, d, a);
    }
done:
    pthread_mutex_lock(&r->mu);
    if (a->accepted) {
        r->delivered++;
    } else {
        r->failed++;
    }
    pthread_mutex_unlock(&r->mu);
    curl_slist_free_all(x.headers);
    curl_easy_cleanup(x.h);
    mc_free(x.body);
    mc_buf_free(&x.answer);
    if (rc != 0) {
        mc_error_set(err, rc, "out of memory");
    }
    return rc;
}
