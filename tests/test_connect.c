/* The live registries' connector (connect.h) against a real HTTPS service: tests/registry.sh
 * makes a throwaway certificate authority, starts tools/registry_service twice on loopback (one
 * answering at once, one after 300 ms) and runs this suite with MC_TEST_REGISTRY_DIR (the
 * certificates), MC_TEST_REGISTRY_PORT and MC_TEST_REGISTRY_DELAYED_PORT. Without them, the
 * cases that need the service are not run; those that need none (no endpoint, a service down,
 * the breaker, bad endpoints, out of memory) run anyway. Every case asserts the outcome and the
 * reason word for word. */
#include "testutil.h"

#include "motcua/connect.h"
#include "motcua/msg.h"

#include <pthread.h>
#include <sodium.h>
#include <time.h>

/* The records of tests/registry.sh's service. */
#define FOUND "001090000001"
#define NOT_FOUND "001090000009"
#define INCOMPLETE "001090000002"
#define SLOW "001090000003"
#define ERROR500 "001090000004"
#define MALFORMED "001090000005"
#define OTHER "001090000006"
#define FLAKY "001090000007"
#define REFUSE "001090000008" /* a delivery about it is refused */
#define ISSUED "001090000021" /* no record: a delivery about it is accepted and kept */

typedef struct fixture {
    char dir[512];
    int port, delayed_port;
    char url[128], delayed_url[128];
    char ca[600], cert[600], key[600], rogue_cert[600], rogue_key[600], other_ca[600];
} fixture;

static fixture fx;

static bool live(void)
{
    return fx.port > 0;
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static mc_registry_endpoint endpoint(const char *url, int64_t timeout_ms)
{
    return (mc_registry_endpoint){.registry = "civil-status",
                                  .url = url,
                                  .ca_file = fx.ca,
                                  .cert_file = fx.cert,
                                  .key_file = fx.key,
                                  .timeout_ms = timeout_ms,
                                  .client_id = "VN/GOV/000.00.00.H29/motcua"};
}

static mc_lookup ask(const char *subject)
{
    mc_lookup q;
    memset(&q, 0, sizeof q);
    q.registry = "civil-status";
    q.document = "birth-certificate";
    q.subject = subject;
    q.party = "applicant";
    q.procedure = "birth-registration";
    q.dossier = 42;
    q.agency = "ubnd-xa";
    return q;
}

static mc_connect *connect_to(const mc_registry_endpoint *ep, const mc_connect_opts *o)
{
    mc_connect *c = NULL;
    mc_error err;
    assert_int_equal(mc_connect_new(&c, ep, 1, o, &err), 0);
    return c;
}

/* One look-up of subject through ep; returns it answered. */
static mc_lookup one(const mc_registry_endpoint *ep, const char *subject)
{
    mc_connect *c = connect_to(ep, NULL);
    mc_lookup q = ask(subject);
    mc_error err;
    assert_int_equal(mc_connect_lookup(c, &q, 1, &err), 0);
    mc_connect_free(c);
    return q;
}

static void assert_hex(const char *s, size_t n)
{
    assert_int_equal(strlen(s), n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(strchr("0123456789abcdef", s[i]));
    }
}

/* The reason's message code and its first arguments (NULL: not checked), as the engine records
 * them; the English reason is their sentence. */
static void expect_code(const mc_lookup *q, const char *code, size_t nargs, const char *a1,
                        const char *a2)
{
    assert_string_equal(q->reason_code, code);
    assert_int_equal(q->nreason_args, nargs);
    if (a1 != NULL) {
        assert_string_equal(q->reason_args[0], a1);
    }
    if (a2 != NULL) {
        assert_string_equal(q->reason_args[1], a2);
    }
    const char *args[MC_LOOKUP_MAXARGS];
    for (size_t i = 0; i < nargs; i++) {
        args[i] = q->reason_args[i];
    }
    char en[200];
    mc_msg_format(MC_LANG_EN, code, args, nargs, en, sizeof en);
    assert_string_equal(en, q->reason);
}

/* ==== without the service ================================================================= */

static void test_connect__no_endpoint_is_unavailable(void **state)
{
    (void)state;
    mc_connect *c = NULL;
    mc_error err;
    assert_int_equal(mc_connect_new(&c, NULL, 0, NULL, &err), 0);
    mc_lookup q = ask(FOUND);
    q.registry = "tax";
    assert_int_equal(mc_connect_lookup(c, &q, 1, &err), 0);
    assert_int_equal(q.outcome, MC_LOOKUP_UNAVAILABLE);
    assert_string_equal(q.reason, "tax cannot be asked: no endpoint configured");
    expect_code(&q, "lookup.no-endpoint", 1, "tax", NULL);
    assert_int_equal(q.answered_at, 0);
    assert_string_equal(q.answer_hash, "");
    assert_int_equal(mc_connect_stats(c, NULL, 0), 0);
    mc_connect_free(c);
}

static void test_connect__bad_endpoints_are_refused(void **state)
{
    (void)state;
    mc_connect *c = NULL;
    mc_error err;
    mc_registry_endpoint two[2] = {endpoint("https://127.0.0.1:1/", 100),
                                   endpoint("https://127.0.0.1:2/", 100)};
    assert_int_equal(mc_connect_new(&c, two, 2, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "registry 'civil-status' has two endpoints");
    assert_null(c);
    mc_registry_endpoint e = endpoint("ftp://127.0.0.1/", 100);
    assert_int_equal(mc_connect_new(&c, &e, 1, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg,
                        "registry 'civil-status': the endpoint's URL must start with https://");
    e = endpoint("https://127.0.0.1:1/", 0);
    assert_int_equal(mc_connect_new(&c, &e, 1, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "registry 'civil-status': the timeout must be above 0 ms");
    e = endpoint("https://127.0.0.1:1/", 100);
    e.key_file = NULL;
    assert_int_equal(mc_connect_new(&c, &e, 1, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "registry 'civil-status': a client certificate needs its key "
                                 "and a key its certificate");
    e = endpoint("https://127.0.0.1:1/", 100);
    e.registry = "";
    assert_int_equal(mc_connect_new(&c, &e, 1, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "endpoint 1 names no registry");
}

static void test_connect__service_down_is_unavailable(void **state)
{
    (void)state;
    mc_registry_endpoint e = endpoint("https://127.0.0.1:1/lookup", 1000);
    mc_lookup q = one(&e, FOUND);
    assert_int_equal(q.outcome, MC_LOOKUP_UNAVAILABLE);
    assert_string_equal(q.reason, "civil-status could not be reached: Couldn't connect to server");
    expect_code(&q, "lookup.unreachable", 2, "civil-status", "Couldn't connect to server");
    assert_hex(q.request_id, 32);
    assert_int_equal(q.answered_at, 0);
}

static void test_connect__breaker_opens_and_says_so(void **state)
{
    (void)state;
    mc_registry_endpoint e = endpoint("https://127.0.0.1:1/lookup", 1000);
    mc_connect_opts o = {3, 400};
    mc_connect *c = connect_to(&e, &o);
    mc_error err;
    mc_lookup q[4] = {ask(FOUND), ask(FOUND), ask(FOUND), ask(FOUND)};
    assert_int_equal(mc_connect_lookup(c, q, 3, &err), 0);
    mc_connect_stat st;
    assert_int_equal(mc_connect_stats(c, &st, 1), 1);
    assert_true(st.open);
    int64_t t0 = ms_now();
    assert_int_equal(mc_connect_lookup(c, &q[3], 1, &err), 0);
    assert_true(ms_now() - t0 < 50); /* at once, nothing asked */
    assert_int_equal(q[3].outcome, MC_LOOKUP_UNAVAILABLE);
    assert_string_equal(q[3].reason, "civil-status is not asked: its circuit breaker is open "
                                     "after 3 failed look-ups (next try in 1 s)");
    expect_code(&q[3], "lookup.breaker-open", 3, "civil-status", "3");
    assert_string_equal(q[3].reason_args[2], "1");
    assert_string_equal(q[3].request_id, "");
    assert_int_equal(mc_connect_stats(c, &st, 1), 1);
    assert_string_equal(st.registry, "civil-status");
    assert_int_equal(st.lookups[MC_LOOKUP_UNAVAILABLE], 4);
    assert_int_equal(st.lookups[MC_LOOKUP_FOUND], 0);
    /* past the interval one trial goes; it fails, and the breaker is open again at once */
    struct timespec ts = {0, 450 * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(mc_connect_lookup(c, q, 2, &err), 0);
    assert_string_equal(q[0].reason, "civil-status could not be reached: Couldn't connect to "
                                     "server");
    assert_string_equal(q[1].reason, "civil-status is not asked: its circuit breaker is open "
                                     "after 3 failed look-ups (next try in 1 s)");
    assert_int_equal(mc_connect_lookup(c, q, 1, &err), 0);
    assert_string_equal(q[0].reason, "civil-status is not asked: its circuit breaker is open "
                                     "after 4 failed look-ups (next try in 1 s)");
    mc_connect_free(c);
}

typedef struct oom_ctx {
    mc_registry_endpoint e;
} oom_ctx;

static int oom_attempt(void *ctx)
{
    oom_ctx *o = ctx;
    mc_connect *c = NULL;
    mc_error err;
    int rc = mc_connect_new(&c, &o->e, 1, NULL, &err);
    if (rc != 0) {
        return rc;
    }
    mc_lookup q[2] = {ask(FOUND), ask(FOUND)};
    q[1].registry = "tax";
    rc = mc_connect_lookup(c, q, 2, &err);
    if (rc == 0) {
        assert_string_equal(q[0].reason,
                            "civil-status could not be reached: Couldn't connect to server");
        assert_string_equal(q[1].reason, "tax cannot be asked: no endpoint configured");
    } else {
        assert_int_equal(q[0].outcome, MC_LOOKUP_UNAVAILABLE);
    }
    mc_connect_free(c);
    return rc;
}

static void test_connect__out_of_memory_sweep(void **state)
{
    (void)state;
    oom_ctx o = {endpoint("https://127.0.0.1:1/lookup", 1000)};
    assert_true(tu_oom_sweep(oom_attempt, &o, false) > 5);
}

/* ==== against the service ================================================================= */

static int oom_live_attempt(void *ctx)
{
    oom_ctx *o = ctx;
    mc_connect *c = NULL;
    mc_error err;
    int rc = mc_connect_new(&c, &o->e, 1, NULL, &err);
    if (rc != 0) {
        return rc;
    }
    mc_lookup q[2] = {ask(FOUND), ask(INCOMPLETE)};
    rc = mc_connect_lookup(c, q, 2, &err);
    if (rc == 0) {
        assert_int_equal(q[0].outcome, MC_LOOKUP_FOUND);
        assert_string_equal(q[0].reference, "CS-1");
        assert_int_equal(q[1].outcome, MC_LOOKUP_INCOMPLETE);
    }
    mc_connect_free(c);
    return rc;
}

#define NEED_SERVICE()                                                                             \
    do {                                                                                           \
        if (!live()) {                                                                             \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* Every allocation failing in turn while answers are read (the request's JSON, the answer's
 * buffer and parse): MC_ENOMEM, never a look-up half answered; ASan finds no leak. */
static void test_connect__out_of_memory_reading_answers(void **state)
{
    (void)state;
    NEED_SERVICE();
    oom_ctx o = {endpoint(fx.url, 2000)};
    assert_true(tu_oom_sweep(oom_live_attempt, &o, false) > 10);
}

static void test_connect__found_has_reference_date_request_and_hash(void **state)
{
    (void)state;
    NEED_SERVICE();
    mc_registry_endpoint e = endpoint(fx.url, 2000);
    int64_t before = (int64_t)time(NULL);
    mc_lookup q = one(&e, FOUND);
    assert_int_equal(q.outcome, MC_LOOKUP_FOUND);
    assert_string_equal(q.reference, "CS-1");
    assert_string_equal(q.issued, "2020-05-01");
    assert_string_equal(q.reason, "");
    assert_hex(q.request_id, 32);
    assert_true(q.answered_at >= before && q.answered_at <= before + 5);
    /* the hash is of the body as the service sent it, which echoes the request id */
    char body[512];
    snprintf(body, sizeof body,
             "{\"request_id\":\"%s\",\"registry\":\"civil-status\",\"subject\":\"" FOUND
             "\",\"status\":\"found\",\"record\":{\"reference\":\"CS-1\",\"issued\":"
             "\"2020-05-01\",\"data\":{}}}",
             q.request_id);
    unsigned char h[crypto_generichash_BYTES];
    crypto_generichash(h, sizeof h, (const unsigned char *)body, strlen(body), NULL, 0);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    assert_string_equal(q.answer_hash, hex);
}

static void test_connect__not_found_and_incomplete(void **state)
{
    (void)state;
    NEED_SERVICE();
    mc_registry_endpoint e = endpoint(fx.url, 2000);
    mc_lookup q = one(&e, NOT_FOUND);
    assert_int_equal(q.outcome, MC_LOOKUP_NOT_FOUND);
    assert_string_equal(q.reason, "");
    assert_string_equal(q.reason_code, "");
    assert_int_equal(q.nreason_args, 0);
    assert_string_equal(q.reference, "");
    assert_hex(q.answer_hash, 64);
    q = one(&e, INCOMPLETE);
    assert_int_equal(q.outcome, MC_LOOKUP_INCOMPLETE);
    assert_string_equal(q.reason, "civil-status says its data on the subject are incomplete: "
                                  "records before 2016 are not digitised yet");
    expect_code(&q, "lookup.incomplete-why", 2, "civil-status",
                "records before 2016 are not digitised yet");
}

static void test_connect__errors_and_bad_answers(void **state)
{
    (void)state;
    NEED_SERVICE();
    mc_registry_endpoint e = endpoint(fx.url, 2000);
    mc_lookup q = one(&e, ERROR500);
    assert_int_equal(q.outcome, MC_LOOKUP_UNAVAILABLE);
    assert_string_equal(q.reason, "civil-status answered HTTP 500");
    expect_code(&q, "lookup.http", 2, "civil-status", "500");
    q = one(&e, MALFORMED);
    assert_int_equal(q.outcome, MC_LOOKUP_INVALID);
    assert_string_equal(q.reason, "civil-status answered something that is not a JSON object");
    assert_hex(q.answer_hash, 64); /* what came back is kept as proof all the same */
    q = one(&e, NULL);             /* the service answers 400 to a request without a subject */
    assert_int_equal(q.outcome, MC_LOOKUP_INVALID);
    assert_string_equal(q.reason, "civil-status answered HTTP 400, not 200");
    q = one(&e, OTHER);
    assert_int_equal(q.outcome, MC_LOOKUP_INVALID);
    assert_string_equal(q.reason, "civil-status answered about another subject than the one "
                                  "asked");
    assert_string_equal(q.reference, "");
}

static void test_connect__a_refused_request_is_sent_again_under_its_id(void **state)
{
    (void)state;
    NEED_SERVICE();
    /* the service answers 503 to a request id's first request (tests/registry.sh checks in its
     * log that the id came twice) */
    mc_registry_endpoint e = endpoint(fx.url, 2000);
    mc_lookup q = one(&e, FLAKY);
    assert_int_equal(q.outcome, MC_LOOKUP_FOUND);
    assert_string_equal(q.reference, "CS-7");
    assert_string_equal(q.reason, "");
    /* and a look-up with too little time left is not sent again: 503 is its answer */
    e = endpoint(fx.delayed_url, 350);
    q = one(&e, FLAKY);
    assert_int_equal(q.outcome, MC_LOOKUP_UNAVAILABLE);
    assert_string_equal(q.reason, "civil-status answered HTTP 503");
}

static void test_connect__slow_past_the_deadline(void **state)
{
    (void)state;
    NEED_SERVICE();
    mc_registry_endpoint e = endpoint(fx.url, 300);
    int64_t t0 = ms_now();
    mc_lookup q = one(&e, SLOW);
    int64_t took = ms_now() - t0;
    assert_int_equal(q.outcome, MC_LOOKUP_UNAVAILABLE);
    assert_string_equal(q.reason, "civil-status did not answer within 300 ms");
    expect_code(&q, "lookup.timeout", 2, "civil-status", "300");
    assert_true(took >= 290 && took < 1000);
    /* the look-up's own deadline bounds it further */
    e = endpoint(fx.url, 5000);
    mc_connect *c = connect_to(&e, NULL);
    q = ask(SLOW);
    q.deadline_ms = 200;
    mc_error err;
    assert_int_equal(mc_connect_lookup(c, &q, 1, &err), 0);
    assert_string_equal(q.reason, "civil-status did not answer within 200 ms");
    mc_connect_free(c);
}

static void test_connect__wrong_client_certificate_is_refused(void **state)
{
    (void)state;
    NEED_SERVICE();
    mc_registry_endpoint e = endpoint(fx.url, 2000);
    e.cert_file = fx.rogue_cert;
    e.key_file = fx.rogue_key;
    mc_lookup q = one(&e, FOUND);
    assert_int_equal(q.outcome, MC_LOOKUP_UNAVAILABLE);
    /* with TLS 1.3 the refusal comes as curl's error 52, 55 or 56 depending on timing */
    const char *prefix = "civil-status could not be reached: ";
    assert_memory_equal(q.reason, prefix, strlen(prefix));
    assert_null(strstr(q.reason, fx.rogue_key)); /* no key, not even its path */
    /* and without any client certificate */
    e.cert_file = e.key_file = NULL;
    q = one(&e, FOUND);
    assert_int_equal(q.outcome, MC_LOOKUP_UNAVAILABLE);
    assert_memory_equal(q.reason, prefix, strlen(prefix));
}

static void test_connect__server_of_another_authority_is_refused(void **state)
{
    (void)state;
    NEED_SERVICE();
    mc_registry_endpoint e = endpoint(fx.url, 2000);
    e.ca_file = fx.other_ca;
    mc_lookup q = one(&e, FOUND);
    assert_int_equal(q.outcome, MC_LOOKUP_UNAVAILABLE);
    assert_string_equal(q.reason, "civil-status could not be reached: SSL peer certificate or "
                                  "SSH remote key was not OK");
}

static void test_connect__three_look_ups_take_one_answer_time(void **state)
{
    (void)state;
    NEED_SERVICE();
    mc_registry_endpoint e[2] = {endpoint(fx.delayed_url, 3000), endpoint(fx.url, 3000)};
    e[1].registry = "population";
    mc_connect *c = NULL;
    mc_error err;
    assert_int_equal(mc_connect_new(&c, e, 2, NULL, &err), 0);
    mc_lookup q[3] = {ask(FOUND), ask(NOT_FOUND), ask(INCOMPLETE)};
    int64_t t0 = ms_now();
    assert_int_equal(mc_connect_lookup(c, q, 3, &err), 0);
    int64_t took = ms_now() - t0;
    assert_int_equal(q[0].outcome, MC_LOOKUP_FOUND);
    assert_int_equal(q[1].outcome, MC_LOOKUP_NOT_FOUND);
    assert_int_equal(q[2].outcome, MC_LOOKUP_INCOMPLETE);
    /* each answer waits 300 ms: one after the other would take 900 */
    assert_true(took >= 300);
    assert_true(took < 600);
    assert_string_not_equal(q[0].request_id, q[1].request_id);
    mc_connect_stat st[2];
    assert_int_equal(mc_connect_stats(c, st, 2), 2);
    assert_int_equal(st[0].lookups[MC_LOOKUP_FOUND], 1);
    assert_int_equal(st[0].lookups[MC_LOOKUP_NOT_FOUND], 1);
    assert_int_equal(st[0].lookups[MC_LOOKUP_INCOMPLETE], 1);
    assert_int_equal(st[1].lookups[MC_LOOKUP_FOUND], 0);
    /* a second call reuses the three connections of the first (tests/registry.sh counts them
     * in the service's log): no handshake, one answer time */
    q[0] = ask(FOUND);
    q[1] = ask(NOT_FOUND);
    q[2] = ask(INCOMPLETE);
    t0 = ms_now();
    assert_int_equal(mc_connect_lookup(c, q, 3, &err), 0);
    took = ms_now() - t0;
    assert_int_equal(q[0].outcome, MC_LOOKUP_FOUND);
    assert_true(took >= 300 && took < 600);
    mc_connect_free(c);
}

static void test_connect__flood_opens_the_breaker_and_it_closes_again(void **state)
{
    (void)state;
    NEED_SERVICE();
    mc_registry_endpoint e = endpoint(fx.url, 2000);
    mc_connect_opts o = {5, 300};
    mc_connect *c = connect_to(&e, &o);
    mc_error err;
    mc_lookup q[8];
    for (int i = 0; i < 8; i++) {
        q[i] = ask(ERROR500);
    }
    /* five at once fail, and the breaker opens: the next three are not asked */
    assert_int_equal(mc_connect_lookup(c, q, 5, &err), 0);
    assert_int_equal(mc_connect_lookup(c, q + 5, 3, &err), 0);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(q[i].reason, "civil-status answered HTTP 500");
    }
    for (int i = 5; i < 8; i++) {
        assert_string_equal(q[i].reason, "civil-status is not asked: its circuit breaker is "
                                         "open after 5 failed look-ups (next try in 1 s)");
    }
    mc_connect_stat st;
    mc_connect_stats(c, &st, 1);
    assert_true(st.open);
    assert_int_equal(st.lookups[MC_LOOKUP_UNAVAILABLE], 8);
    /* after its interval, the trial is answered and the breaker closes */
    struct timespec ts = {0, 350 * 1000000L};
    nanosleep(&ts, NULL);
    q[0] = ask(FOUND);
    assert_int_equal(mc_connect_lookup(c, q, 1, &err), 0);
    assert_int_equal(q[0].outcome, MC_LOOKUP_FOUND);
    mc_connect_stats(c, &st, 1);
    assert_false(st.open);
    q[0] = ask(FOUND);
    q[1] = ask(NOT_FOUND);
    assert_int_equal(mc_connect_lookup(c, q, 2, &err), 0);
    assert_int_equal(q[0].outcome, MC_LOOKUP_FOUND);
    assert_int_equal(q[1].outcome, MC_LOOKUP_NOT_FOUND);
    mc_connect_stats(c, &st, 1);
    assert_int_equal(st.lookups[MC_LOOKUP_FOUND], 2);
    assert_int_equal(st.lookups[MC_LOOKUP_NOT_FOUND], 1);
    mc_connect_free(c);
}

typedef struct worker {
    mc_connect *c;
    int found; /* look-ups answered found */
} worker;

static void *work(void *ud)
{
    worker *w = ud;
    for (int i = 0; i < 5; i++) {
        mc_lookup q[2] = {ask(FOUND), ask(NOT_FOUND)};
        mc_error err;
        if (mc_connect_lookup(w->c, q, 2, &err) == 0 && q[0].outcome == MC_LOOKUP_FOUND &&
            q[1].outcome == MC_LOOKUP_NOT_FOUND) {
            w->found++;
        }
    }
    return NULL;
}

static void test_connect__threads_share_one_connector(void **state)
{
    (void)state;
    NEED_SERVICE();
    /* serve's engines ask through one connector from their threads: its counters and breaker
     * are behind a lock, each call's transfers its own */
    mc_registry_endpoint e = endpoint(fx.url, 3000);
    mc_connect *c = connect_to(&e, NULL);
    worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){c, 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].found, 5);
    }
    mc_connect_stat st;
    mc_connect_stats(c, &st, 1);
    assert_int_equal(st.lookups[MC_LOOKUP_FOUND], 20);
    assert_int_equal(st.lookups[MC_LOOKUP_NOT_FOUND], 20);
    assert_int_equal(st.lookups[MC_LOOKUP_UNAVAILABLE], 0);
    assert_false(st.open);
    mc_connect_free(c);
}

static void test_connect__outcome_names(void **state)
{
    (void)state;
    /* the reasons are the message catalogue's, with their Vietnamese */
    const char *args[] = {"civil-status", "300"};
    char vi[200];
    mc_msg_format(MC_LANG_VI, "lookup.timeout", args, 2, vi, sizeof vi);
    assert_string_equal(vi, "civil-status không trả lời trong vòng 300 ms");
    mc_msg_format(MC_LANG_VI, "lookup.no-endpoint", args, 1, vi, sizeof vi);
    assert_string_equal(vi, "không hỏi được civil-status: chưa cấu hình địa chỉ kết nối");
    assert_string_equal(mc_lookup_outcome_name(MC_LOOKUP_FOUND), "found");
    assert_string_equal(mc_lookup_outcome_name(MC_LOOKUP_NOT_FOUND), "not_found");
    assert_string_equal(mc_lookup_outcome_name(MC_LOOKUP_UNAVAILABLE), "unavailable");
    assert_string_equal(mc_lookup_outcome_name(MC_LOOKUP_INCOMPLETE), "incomplete");
    assert_string_equal(mc_lookup_outcome_name(MC_LOOKUP_INVALID), "invalid");
    assert_string_equal(mc_lookup_outcome_name((mc_lookup_outcome)7), "?");
}

/* ==== results sent back (mc_connect_deliver) ============================================== */

static mc_delivery_row result_for(const char *subject, const char *request_id)
{
    mc_delivery_row d;
    memset(&d, 0, sizeof d);
    d.id = 1;
    snprintf(d.request_id, sizeof d.request_id, "%s", request_id);
    d.registry = "civil-status";
    d.document = "marriage-certificate";
    d.subject = subject;
    d.party = "applicant";
    d.reference = "MC-77";
    d.issued = "2025-07-01";
    d.dossier = 77;
    d.procedure = "marriage-registration";
    d.agency = "ubnd-xa";
    d.delivered_at = MC_NONE;
    return d;
}

static void test_connect__deliver_without_endpoint_or_service(void **state)
{
    (void)state;
    mc_connect *c = NULL;
    mc_error err;
    assert_int_equal(mc_connect_new(&c, NULL, 0, NULL, &err), 0);
    mc_delivery_row d = result_for(ISSUED, "0123456789abcdef0123456789abcdef");
    d.registry = "tax";
    mc_delivery_answer a;
    assert_int_equal(mc_connect_deliver(c, &d, &a, &err), 0);
    assert_false(a.accepted);
    assert_string_equal(a.reason, "tax cannot be asked: no endpoint configured");
    mc_connect_free(c);
    /* the registry down: a failure with its reason, counted; the breaker of look-ups unmoved */
    mc_registry_endpoint e = endpoint("https://127.0.0.1:1/issue", 1000);
    c = connect_to(&e, NULL);
    d = result_for(ISSUED, "0123456789abcdef0123456789abcdef");
    for (int i = 0; i < 6; i++) {
        assert_int_equal(mc_connect_deliver(c, &d, &a, &err), 0);
        assert_false(a.accepted);
        assert_string_equal(a.reason,
                            "civil-status could not be reached: Couldn't connect to server");
        assert_int_equal(a.answered_at, 0);
        assert_string_equal(a.answer_hash, "");
    }
    mc_connect_stat st;
    assert_int_equal(mc_connect_stats(c, &st, 1), 1);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(st.failed, 6);
    assert_false(st.open);
    mc_connect_free(c);
}

/* Accepted with the answer's hash; the same request id again is accepted again (the service
 * records it once: tests/registry.sh reads its log); the result is then what a look-up of that
 * subject and document finds. */
static void test_connect__deliver_accepted_once_by_request_id(void **state)
{
    (void)state;
    mc_registry_endpoint e = endpoint(fx.url, 2000);
    mc_connect *c = connect_to(&e, NULL);
    mc_error err;
    char rid[33];
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(rid, sizeof rid, raw, sizeof raw);
    mc_delivery_row d = result_for(ISSUED, rid);
    mc_delivery_answer a, again;
    assert_int_equal(mc_connect_deliver(c, &d, &a, &err), 0);
    assert_true(a.accepted);
    assert_string_equal(a.reason, "");
    assert_hex(a.answer_hash, 64);
    assert_true(a.answered_at > 0);
    assert_int_equal(mc_connect_deliver(c, &d, &again, &err), 0);
    assert_true(again.accepted);
    assert_string_equal(again.answer_hash, a.answer_hash); /* the same answer */
    mc_lookup q = ask(ISSUED);
    q.document = "marriage-certificate";
    assert_int_equal(mc_connect_lookup(c, &q, 1, &err), 0);
    assert_int_equal(q.outcome, MC_LOOKUP_FOUND);
    assert_string_equal(q.reference, "MC-77");
    assert_string_equal(q.issued, "2025-07-01");
    mc_connect_stat st;
    assert_int_equal(mc_connect_stats(c, &st, 1), 1);
    assert_int_equal(st.delivered, 2);
    assert_int_equal(st.failed, 0);
    mc_connect_free(c);
}

static void test_connect__deliver_refused_and_bad_answers(void **state)
{
    (void)state;
    mc_registry_endpoint e = endpoint(fx.url, 2000);
    mc_connect *c = connect_to(&e, NULL);
    mc_error err;
    static const struct {
        const char *subject, *reason;
    } cases[] = {
        {REFUSE, "civil-status refused the result: no such document in this registry"},
        {ERROR500, "civil-status answered HTTP 500"},
        {MALFORMED, "civil-status answered something that is not a JSON object"},
        {FLAKY, "civil-status answered HTTP 503"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_delivery_row d = result_for(cases[i].subject, "fedcba9876543210fedcba98765432aa");
        d.request_id[31] = (char)('0' + i);
        mc_delivery_answer a;
        assert_int_equal(mc_connect_deliver(c, &d, &a, &err), 0);
        assert_false(a.accepted);
        assert_string_equal(a.reason, cases[i].reason);
        if (strcmp(cases[i].subject, FLAKY) == 0) {
            /* sent again under the same request id, it is accepted */
            assert_int_equal(mc_connect_deliver(c, &d, &a, &err), 0);
            assert_true(a.accepted);
        }
    }
    mc_connect_stat st;
    assert_int_equal(mc_connect_stats(c, &st, 1), 1);
    assert_int_equal(st.delivered, 1);
    assert_int_equal(st.failed, 4);
    mc_connect_free(c);
}

static void setup_fixture(void)
{
    const char *dir = getenv("MC_TEST_REGISTRY_DIR");
    const char *port = getenv("MC_TEST_REGISTRY_PORT");
    const char *delayed = getenv("MC_TEST_REGISTRY_DELAYED_PORT");
    snprintf(fx.dir, sizeof fx.dir, "%s", dir != NULL ? dir : ".");
    snprintf(fx.ca, sizeof fx.ca, "%s/ca.pem", fx.dir);
    snprintf(fx.cert, sizeof fx.cert, "%s/client.pem", fx.dir);
    snprintf(fx.key, sizeof fx.key, "%s/client.key", fx.dir);
    snprintf(fx.rogue_cert, sizeof fx.rogue_cert, "%s/rogue.pem", fx.dir);
    snprintf(fx.rogue_key, sizeof fx.rogue_key, "%s/rogue.key", fx.dir);
    snprintf(fx.other_ca, sizeof fx.other_ca, "%s/otherca.pem", fx.dir);
    if (dir != NULL && port != NULL && delayed != NULL) {
        fx.port = atoi(port);
        fx.delayed_port = atoi(delayed);
        snprintf(fx.url, sizeof fx.url, "https://localhost:%d/r1/VN/GOV/BTP/civil-status/lookup",
                 fx.port);
        snprintf(fx.delayed_url, sizeof fx.delayed_url,
                 "https://localhost:%d/r1/VN/GOV/BTP/civil-status/lookup", fx.delayed_port);
    }
}

int main(void)
{
    assert_int_equal(mc_init(), 0);
    setup_fixture();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect__no_endpoint_is_unavailable),
        cmocka_unit_test(test_connect__bad_endpoints_are_refused),
        cmocka_unit_test(test_connect__service_down_is_unavailable),
        cmocka_unit_test(test_connect__breaker_opens_and_says_so),
        cmocka_unit_test(test_connect__out_of_memory_sweep),
        cmocka_unit_test(test_connect__outcome_names),
        cmocka_unit_test(test_connect__deliver_without_endpoint_or_service),
    };
    const struct CMUnitTest with_service[] = {
        cmocka_unit_test(test_connect__found_has_reference_date_request_and_hash),
        cmocka_unit_test(test_connect__out_of_memory_reading_answers),
        cmocka_unit_test(test_connect__not_found_and_incomplete),
        cmocka_unit_test(test_connect__errors_and_bad_answers),
        cmocka_unit_test(test_connect__a_refused_request_is_sent_again_under_its_id),
        cmocka_unit_test(test_connect__slow_past_the_deadline),
        cmocka_unit_test(test_connect__wrong_client_certificate_is_refused),
        cmocka_unit_test(test_connect__server_of_another_authority_is_refused),
        cmocka_unit_test(test_connect__three_look_ups_take_one_answer_time),
        cmocka_unit_test(test_connect__flood_opens_the_breaker_and_it_closes_again),
        cmocka_unit_test(test_connect__threads_share_one_connector),
        cmocka_unit_test(test_connect__deliver_accepted_once_by_request_id),
        cmocka_unit_test(test_connect__deliver_refused_and_bad_answers),
    };
    /* Without the service (the plain run of every suite), its cases are not run at all rather
     * than skipped: tests/registry.sh runs them all against it, and fails when one is skipped. */
    if (getenv("MC_TEST_REGISTRY_PORT") == NULL) {
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests(with_service, NULL, NULL);
}
