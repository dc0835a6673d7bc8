/* A live registry for the tests (tests/registry.sh, docs/registries.md): speaks motcua's
 * look-up protocol over HTTPS on loopback with libmicrohttpd (GnuTLS), and requires a client
 * certificate signed by the test authority: libmicrohttpd asks for one when given a trust file
 * (MHD_OPTION_HTTPS_MEM_TRUST) but does not refuse a connection without it, so each request
 * verifies the peer with GnuTLS and a connection whose certificate is missing or not the
 * authority's is closed without an answer, as a security server refuses the handshake.
 *
 *   registry_service --port N --cert server.pem --key server.key --ca ca.pem --records FILE
 *                    [--delay MS] [--slow-ms MS] [--log FILE] [--refuse-first-issue yes]
 *
 * FILE has one record a line, `subject,behaviour,reference,issued`: behaviour is found,
 * not_found, incomplete, slow (found after --slow-ms, 5000 by default), error (HTTP 500),
 * malformed (a cut JSON text), other (found, about another subject) or flaky (503 to a request
 * id's first request, found to the same id again: a retry); a subject not in the
 * file is not found. Every answer waits --delay ms first (0 by default). Port 0 picks a free
 * one; the port is printed on stdout (`port N`) once listening. Each request is logged (its
 * headers X-Road-Client and X-Road-Id, its body, the status answered), and each new connection
 * (`connection`), to --log or stderr. Runs
 * until SIGTERM or SIGINT.
 *
 * Results sent back (protocol motcua-issue/1, docs/registries.md, "Results go back") are
 * accepted at the same endpoint and kept in memory, once per request id: a request id seen
 * before is answered `accepted` again and not recorded twice; each receipt is logged (`issue
 * X-Road-Id: ID … -> 200 accepted new|again BODY`). A later look-up of that subject and document
 * answers found with the result's reference and issue date, before the records of FILE. The
 * subject's record in FILE may make a delivery fail: error (500), malformed, flaky (503 to a
 * request id's first delivery) or refuse (200, status refused). With
 * --refuse-first-issue, the first delivery of each request id is answered 503 (a retry must
 * come under the same id). */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct record {
    char subject[64], behaviour[16], reference[128], issued[16];
} record;

static record *records;
static size_t nrecords;
static long delay_ms, slow_ms = 5000;
static FILE *logfile;
static volatile sig_atomic_t stop;
/* the request ids a flaky record has refused once */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static char seen[256][65];
static size_t nseen;
/* the results sent back, once per request id */
typedef struct issued {
    char request_id[65], registry[64], document[64], subject[64], reference[128], date[16];
} issued;
static pthread_mutex_t issued_lock = PTHREAD_MUTEX_INITIALIZER;
static issued *issues;
static size_t nissues;
static int refuse_first_issue;
static char refused[256][65]; /* request ids refused once (--refuse-first-issue) */
static size_t nrefused;

/* Records a result unless its request id was seen: 1 new, 0 again, -1 out of memory. */
static int issue_put(const issued *x)
{
    pthread_mutex_lock(&issued_lock);
    int rc = 1;
    for (size_t i = 0; i < nissues && rc == 1; i++) {
        rc = strcmp(issues[i].request_id, x->request_id) == 0 ? 0 : 1;
    }
    if (rc == 1) {
        issued *more = realloc(issues, (nissues + 1) * sizeof *issues);
        if (more == NULL) {
            rc = -1;
        } else {
            issues = more;
            issues[nissues++] = *x;
        }
    }
    pthread_mutex_unlock(&issued_lock);
    return rc;
}

/* The newest result sent back for (subject, document), copied into *out: 1 found, 0 not. */
static int issue_find(const char *subject, const char *document, issued *out)
{
    pthread_mutex_lock(&issued_lock);
    int found = 0;
    for (size_t i = nissues; i-- > 0 && !found;) {
        if (subject != NULL && document != NULL && strcmp(issues[i].subject, subject) == 0 &&
            strcmp(issues[i].document, document) == 0) {
            *out = issues[i];
            found = 1;
        }
    }
    pthread_mutex_unlock(&issued_lock);
    return found;
}

/* Whether request id was refused once already (--refuse-first-issue); notes it. */
static int refused_before(const char *id)
{
    pthread_mutex_lock(&issued_lock);
    int found = 0;
    for (size_t i = 0; i < nrefused && !found; i++) {
        found = strcmp(refused[i], id) == 0;
    }
    if (!found) {
        snprintf(refused[nrefused % 256], sizeof refused[0], "%s", id);
        nrefused++;
    }
    pthread_mutex_unlock(&issued_lock);
    return found;
}

static void copy_field(char *out, size_t cap, json_t *v)
{
    const char *s = json_string_value(v);
    snprintf(out, cap, "%s", s != NULL ? s : "");
}

/* Whether id was seen before; notes it. */
static int seen_before(const char *id)
{
    pthread_mutex_lock(&seen_lock);
    int found = 0;
    for (size_t i = 0; i < nseen && !found; i++) {
        found = strcmp(seen[i], id) == 0;
    }
    if (!found) {
        snprintf(seen[nseen % 256], sizeof seen[0], "%s", id);
        nseen++;
    }
    pthread_mutex_unlock(&seen_lock);
    return found;
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s != NULL && fread(s, 1, (size_t)n, f) == (size_t)n) {
        s[n] = '\0';
    } else {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

static int read_records(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#') {
            continue;
        }
        record r = {0};
        char *fields[4] = {0};
        char *p = line;
        for (int i = 0; i < 4 && p != NULL; i++) {
            fields[i] = p;
            p = strchr(p, ',');
            if (p != NULL) {
                *p++ = '\0';
            }
        }
        snprintf(r.subject, sizeof r.subject, "%s", fields[0] ? fields[0] : "");
        snprintf(r.behaviour, sizeof r.behaviour, "%s", fields[1] ? fields[1] : "found");
        snprintf(r.reference, sizeof r.reference, "%s", fields[2] ? fields[2] : "");
        snprintf(r.issued, sizeof r.issued, "%s", fields[3] ? fields[3] : "");
        record *more = realloc(records, (nrecords + 1) * sizeof *records);
        if (more == NULL) {
            fclose(f);
            return -1;
        }
        records = more;
        records[nrecords++] = r;
    }
    fclose(f);
    return 0;
}

static const record *find(const char *subject)
{
    for (size_t i = 0; subject != NULL && i < nrecords; i++) {
        if (strcmp(records[i].subject, subject) == 0) {
            return &records[i];
        }
    }
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Whether the connection's client certificate chains to the trusted authority. */
static int client_verified(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (ci == NULL || ci->tls_session == NULL) {
        return 0;
    }
    gnutls_session_t s = (gnutls_session_t)ci->tls_session;
    unsigned status = 0;
    unsigned n = 0;
    if (gnutls_certificate_get_peers(s, &n) == NULL || n == 0) {
        return 0;
    }
    if (gnutls_certificate_verify_peers2(s, &status) != 0 || status != 0) {
        return 0;
    }
    return 1;
}

typedef struct req {
    char *body;
    size_t len;
} req;

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    const char *id = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Road-Id");
    if (id != NULL) {
        MHD_add_response_header(r, "X-Road-Id", id);
    }
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **ctx)
{
    (void)cls;
    (void)url;
    (void)version;
    req *rq = *ctx;
    if (rq == NULL) {
        if (!client_verified(conn)) {
            fprintf(logfile, "refused: no client certificate of the test authority\n");
            fflush(logfile);
            return MHD_NO; /* closes the connection: no answer */
        }
        rq = calloc(1, sizeof *rq);
        if (rq == NULL) {
            return MHD_NO;
        }
        *ctx = rq;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        char *more = realloc(rq->body, rq->len + *upload_size + 1);
        if (more == NULL) {
            return MHD_NO;
        }
        rq->body = more;
        memcpy(rq->body + rq->len, upload, *upload_size);
        rq->len += *upload_size;
        rq->body[rq->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0) {
        return answer(conn, 405, "{\"status\":\"error\",\"reason\":\"POST only\"}");
    }
    const char *client = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Road-Client");
    const char *xid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Road-Id");
    json_error_t jerr;
    json_t *in = json_loads(rq->body != NULL ? rq->body : "", 0, &jerr);
    const char *subject = json_string_value(json_object_get(in, "subject"));
    const char *rid = json_string_value(json_object_get(in, "request_id"));
    const char *registry = json_string_value(json_object_get(in, "registry"));
    const char *protocol = json_string_value(json_object_get(in, "protocol"));
    if (in != NULL && subject != NULL && rid != NULL && protocol != NULL &&
        strcmp(protocol, "motcua-issue/1") == 0) {
        issued x;
        memset(&x, 0, sizeof x);
        snprintf(x.request_id, sizeof x.request_id, "%s", rid);
        copy_field(x.registry, sizeof x.registry, json_object_get(in, "registry"));
        copy_field(x.document, sizeof x.document, json_object_get(in, "document"));
        copy_field(x.subject, sizeof x.subject, json_object_get(in, "subject"));
        json_t *rec = json_object_get(in, "record");
        copy_field(x.reference, sizeof x.reference, json_object_get(rec, "reference"));
        copy_field(x.date, sizeof x.date, json_object_get(rec, "issued"));
        json_decref(in);
        /* The subject's record in FILE may say how a delivery about it is answered: error
         * (500), malformed (a cut JSON text), flaky (503 to a request id's first), refuse (200
         * refused). */
        const record *how = find(x.subject);
        const char *hb = how != NULL ? how->behaviour : "";
        if (strcmp(hb, "error") == 0 || strcmp(hb, "malformed") == 0 || strcmp(hb, "refuse") == 0 ||
            (strcmp(hb, "flaky") == 0 && !seen_before(x.request_id))) {
            unsigned st = strcmp(hb, "error") == 0 ? 500 : strcmp(hb, "flaky") == 0 ? 503 : 200;
            char text[200];
            if (strcmp(hb, "malformed") == 0) {
                snprintf(text, sizeof text, "{\"status\":\"acc");
            } else if (strcmp(hb, "refuse") == 0) {
                snprintf(text, sizeof text,
                         "{\"request_id\":\"%s\",\"status\":\"refused\",\"reason\":\"no "
                         "such document in this registry\"}",
                         x.request_id);
            } else {
                snprintf(text, sizeof text, "{\"status\":\"error\",\"reason\":\"%s\"}",
                         st == 500 ? "database under maintenance" : "busy, try again");
            }
            fprintf(logfile, "issue X-Road-Id: %s subject %s document %s -> %u %s\n",
                    xid ? xid : "-", x.subject, x.document, st, text);
            fflush(logfile);
            return answer(conn, st, text);
        }
        if (refuse_first_issue && !refused_before(x.request_id)) {
            fprintf(logfile, "issue X-Road-Id: %s subject %s document %s -> 503 refused once\n",
                    xid ? xid : "-", x.subject, x.document);
            fflush(logfile);
            return answer(conn, 503, "{\"status\":\"error\",\"reason\":\"busy, try again\"}");
        }
        int fresh = issue_put(&x);
        if (fresh < 0) {
            return answer(conn, 500, "{\"status\":\"error\",\"reason\":\"out of memory\"}");
        }
        fprintf(logfile,
                "issue X-Road-Client: %s X-Road-Id: %s request_id %s registry %s document %s "
                "subject %s reference %s issued %s -> 200 accepted %s %s\n",
                client ? client : "-", xid ? xid : "-", x.request_id, x.registry, x.document,
                x.subject, x.reference, x.date, fresh ? "new" : "again", rq->body);
        fflush(logfile);
        char text[200];
        snprintf(text, sizeof text, "{\"request_id\":\"%s\",\"status\":\"accepted\"}",
                 x.request_id);
        return answer(conn, 200, text);
    }
    if (in == NULL || subject == NULL || rid == NULL) {
        json_decref(in);
        fprintf(logfile, "X-Road-Client: %s X-Road-Id: %s -> 400\n", client ? client : "-",
                xid ? xid : "-");
        fflush(logfile);
        return answer(conn, 400, "{\"status\":\"error\",\"reason\":\"not a look-up request\"}");
    }
    if (delay_ms > 0) {
        sleep_ms(delay_ms);
    }
    const record *r = find(subject);
    const char *b = r != NULL ? r->behaviour : "not_found";
    record sent; /* a result sent back answers before the records of FILE */
    issued x;
    if (issue_find(subject, json_string_value(json_object_get(in, "document")), &x)) {
        memset(&sent, 0, sizeof sent);
        snprintf(sent.subject, sizeof sent.subject, "%s", x.subject);
        snprintf(sent.reference, sizeof sent.reference, "%s", x.reference);
        snprintf(sent.issued, sizeof sent.issued, "%s", x.date);
        r = &sent;
        b = "found";
    }
    unsigned status = 200;
    json_t *out = json_object();
    json_object_set_new(out, "request_id", json_string(rid));
    json_object_set_new(out, "registry", json_string(registry != NULL ? registry : ""));
    json_object_set_new(out, "subject", json_string(subject));
    char *text = NULL;
    if (strcmp(b, "flaky") == 0) {
        b = seen_before(rid) ? "found" : "busy";
    }
    if (strcmp(b, "slow") == 0) {
        sleep_ms(slow_ms);
        b = "found";
    }
    if (strcmp(b, "found") == 0 || strcmp(b, "other") == 0) {
        json_object_set_new(out, "status", json_string("found"));
        if (strcmp(b, "other") == 0) {
            json_object_set_new(out, "subject", json_string("079000000000"));
        }
        json_t *rec = json_object();
        json_object_set_new(rec, "reference", json_string(r->reference));
        json_object_set_new(rec, "issued", r->issued[0] ? json_string(r->issued) : json_null());
        json_object_set_new(rec, "data", json_object());
        json_object_set_new(out, "record", rec);
    } else if (strcmp(b, "incomplete") == 0) {
        json_object_set_new(out, "status", json_string("incomplete"));
        json_object_set_new(out, "reason",
                            json_string("records before 2016 are not digitised yet"));
    } else if (strcmp(b, "error") == 0) {
        status = 500;
        json_object_del(out, "subject");
        json_object_set_new(out, "status", json_string("error"));
        json_object_set_new(out, "reason", json_string("database under maintenance"));
    } else if (strcmp(b, "busy") == 0) {
        status = 503;
        json_object_del(out, "subject");
        json_object_set_new(out, "status", json_string("error"));
        json_object_set_new(out, "reason", json_string("busy, try again"));
    } else if (strcmp(b, "malformed") == 0) {
        text = strdup("{\"status\":\"found\",\"subj");
    } else {
        json_object_set_new(out, "status", json_string("not_found"));
    }
    if (text == NULL) {
        text = json_dumps(out, JSON_COMPACT);
    }
    fprintf(logfile, "X-Road-Client: %s X-Road-Id: %s %s -> %u %s\n", client ? client : "-",
            xid ? xid : "-", rq->body, status, text ? text : "");
    fflush(logfile);
    enum MHD_Result rc = answer(conn, status, text != NULL ? text : "{}");
    free(text);
    json_decref(out);
    json_decref(in);
    return rc;
}

/* Each new connection logged ("connection"): the tests count them against the requests to see
 * the client keep its connections between calls. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)conn;
    (void)socket_ctx;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        fprintf(logfile, "connection\n");
        fflush(logfile);
    }
}

static void done(void *cls, struct MHD_Connection *conn, void **ctx,
                 enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req *rq = *ctx;
    if (rq != NULL) {
        free(rq->body);
        free(rq);
        *ctx = NULL;
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: registry_service --port N --cert PEM --key PEM --ca PEM "
                    "--records FILE [--delay MS] [--slow-ms MS] [--log FILE] "
                    "[--refuse-first-issue yes]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *cert = NULL, *key = NULL, *ca = NULL, *recs = NULL, *logpath = NULL;
    long port = -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        if (strcmp(o, "--port") == 0) {
            port = atol(v);
        } else if (strcmp(o, "--cert") == 0) {
            cert = v;
        } else if (strcmp(o, "--key") == 0) {
            key = v;
        } else if (strcmp(o, "--ca") == 0) {
            ca = v;
        } else if (strcmp(o, "--records") == 0) {
            recs = v;
        } else if (strcmp(o, "--delay") == 0) {
            delay_ms = atol(v);
        } else if (strcmp(o, "--slow-ms") == 0) {
            slow_ms = atol(v);
        } else if (strcmp(o, "--log") == 0) {
            logpath = v;
        } else if (strcmp(o, "--refuse-first-issue") == 0) {
            refuse_first_issue = strcmp(v, "yes") == 0;
        } else {
            return usage();
        }
    }
    if (argc % 2 != 1 || port < 0 || port > 65535 || !cert || !key || !ca || !recs) {
        return usage();
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        fprintf(stderr, "registry_service: this libmicrohttpd has no TLS\n");
        return 1;
    }
    logfile = stderr;
    if (logpath != NULL && (logfile = fopen(logpath, "a")) == NULL) {
        fprintf(stderr, "registry_service: cannot open %s\n", logpath);
        return 1;
    }
    char *cert_pem = slurp(cert), *key_pem = slurp(key), *ca_pem = slurp(ca);
    if (!cert_pem || !key_pem || !ca_pem || read_records(recs) != 0) {
        fprintf(stderr, "registry_service: cannot read the certificates or the records\n");
        return 1;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_TLS | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_HTTPS_MEM_TRUST, ca_pem,
        MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "registry_service: cannot listen on port %ld\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u\n", info != NULL ? (unsigned)info->port : (unsigned)port);
    fflush(stdout);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!stop) {
        sleep_ms(50);
    }
    MHD_stop_daemon(d);
    free(cert_pem);
    free(key_pem);
    free(ca_pem);
    free(records);
    free(issues);
    return 0;
}
