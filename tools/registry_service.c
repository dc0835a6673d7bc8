/* A live registry for the tests (tests/registry.sh, docs/registries.md): speaks motcua's
 * look-up protocol over HTTPS on loopback with libmicrohttpd (GnuTLS), and requires a client
 * certificate signed by the test authority: libmicrohttpd asks for one when given a trust file
 * (MHD_OPTION_HTTPS_MEM_TRUST) but does not refuse a connection without it, so each request
 * verifies the peer with GnuTLS and a connection whose certificate is missing or not the
 * authority's is closed without an answer, as a security server refuses the handshake.
 *
 *   registry_service --port N --cert server.pem --key server.key --ca ca.pem --records FILE
 *                    [--delay MS] [--slow-ms MS] [--log FILE]
 *
 * FILE has one record a line, `subject,behaviour,reference,issued`: behaviour is found,
 * not_found, incomplete, slow (found after --slow-ms, 5000 by default), error (HTTP 500),
 * malformed (a cut JSON text), other (found, about another subject) or flaky (503 to a request
 * id's first request, found to the same id again: a retry); a subject not in the
 * file is not found. Every answer waits --delay ms first (0 by default). Port 0 picks a free
 * one; the port is printed on stdout (`port N`) once listening. Each request is logged (its
 * headers X-Road-Client and X-Road-Id, its body, the status answered), and each new connection
 * (`connection`), to --log or stderr. Runs
 * until SIGTERM or SIGINT. */
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
                    "--records FILE [--delay MS] [--slow-ms MS] [--log FILE]\n");
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
    return 0;
}
