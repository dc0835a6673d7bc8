/* `motcua serve --listen HOST:PORT --db FILE --tokens FILE` (docs/api.md): the API of api.c on
 * a socket, with libmicrohttpd (Debian's libmicrohttpd-dev: a small, well-kept embedded HTTP
 * server that handles parsing, connection limits and slow clients for us). Stops on SIGINT or
 * SIGTERM. */
#include "api.h"
#include "cli.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CONNECTION_LIMIT = 256, CONNECTION_TIMEOUT_S = 10, THREADS = 4 };

/* A request being received. */
typedef struct req {
    char *body;
    size_t len;
    bool too_large;
} req;

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    req *r = *con_cls;
    if (r != NULL) {
        free(r->body);
        free(r);
        *con_cls = NULL;
    }
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    if (text == NULL) {
        text = strdup("{\"error\": \"internal\", \"message\": \"out of memory\"}");
        status = 500;
    }
    size_t len = text ? strlen(text) : 0;
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, text, text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* A file of the console: its bytes live in the binary. Its page may load only from here. */
static enum MHD_Result send_file(struct MHD_Connection *c, const api_response *out)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        out->raw_len, (void *)(uintptr_t)out->raw, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", out->content_type);
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)out->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    api *a = cls;
    req *r = *con_cls;
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        *con_cls = r;
        return r ? MHD_YES : MHD_NO;
    }
    if (*upload_size > 0) {
        if (!r->too_large && r->len + *upload_size <= API_MAX_BODY) {
            char *grown = realloc(r->body, r->len + *upload_size + 1);
            if (grown == NULL) {
                return MHD_NO;
            }
            memcpy(grown + r->len, upload, *upload_size);
            r->body = grown;
            r->len += *upload_size;
            r->body[r->len] = '\0';
        } else {
            r->too_large = true; /* read and drop the rest, then answer 413 */
        }
        *upload_size = 0;
        return MHD_YES;
    }
    api_response out = {500, NULL, NULL, 0, NULL};
    if (r->too_large) {
        api_error(&out, 413, "too-large", "the body is larger than %d bytes", API_MAX_BODY);
        return send_json(c, out.status, out.body);
    }
    api_request rq = {
        .method = method,
        .path = url,
        .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
        .idempotency_key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key"),
        .body = r->body,
        .body_len = r->len,
        .q_state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state"),
        .q_overdue = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "overdue"),
        .q_document = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "document"),
        .q_from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from"),
        .q_to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to"),
        .q_subject = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "subject"),
        .q_agency = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "agency"),
    };
    api_handle(a, &rq, &out);
    if (out.raw != NULL) {
        return send_file(c, &out);
    }
    return send_json(c, out.status, out.body);
}

/* "HOST:PORT" (an IPv4 address) into addr. */
static int parse_listen(const char *text, struct sockaddr_in *addr)
{
    const char *colon = strrchr(text, ':');
    char host[64];
    if (colon == NULL || (size_t)(colon - text) >= sizeof host) {
        return -1;
    }
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        return -1;
    }
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &addr->sin_addr) == 1 ? 0 : -1;
}

int cmd_hash_token(cli *c)
{
    if (c->nargs != 1 || c->args[0][0] == '\0') {
        return cli_usage_error("hash-token takes one token");
    }
    char out[80];
    tokens_hash(c->args[0], out);
    puts(out);
    return EXIT_OK;
}

int cmd_serve(cli *c)
{
    if (c->nargs != 0) {
        return cli_usage_error("serve takes no arguments (options: --listen, --db, --tokens)");
    }
    if (c->tokens == NULL) {
        return cli_usage_error("serve needs --tokens FILE");
    }
    struct sockaddr_in addr;
    const char *listen = c->listen ? c->listen : "127.0.0.1:8080";
    if (parse_listen(listen, &addr) != 0) {
        return cli_usage_error("--listen takes an IPv4 HOST:PORT, not '%s'", listen);
    }
    api a;
    memset(&a, 0, sizeof a);
    a.fixed_now = MC_NONE;
    mc_catalogue *cat = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    tokens *tok = NULL;
    mc_error err;
    mc_error_clear(&err);
    int status = EXIT_OK;
    int rc = cli_load(c, NULL, 0, &cat, &rules, &diags, &err);
    if (rc == 0) {
        a.cat = cat;
        a.cal = mc_catalogue_default_calendar(cat) ? mc_catalogue_default_calendar(cat)
                                                   : mc_calendar_builtin();
        if (c->now != NULL && cli_now(c, a.cal, &a.fixed_now) != EXIT_OK) {
            status = EXIT_USAGE;
            goto done;
        }
        rc = tokens_load(&tok, c->tokens, &err);
    }
    if (rc == 0) {
        a.tokens = tok;
        rc = mc_engine_open(&a.engine, cat, rules, c->db ? c->db : "motcua.db", &err);
    }
    if (rc != 0) {
        if (diags != NULL && rc == MC_ECHECK) {
            cli_print_diags(stderr, diags);
        }
        fprintf(stderr, "motcua: %s\n", err.msg[0] ? err.msg : "cannot start");
        status = rc == MC_ESYNTAX || rc == MC_ECHECK ? EXIT_FAIL : cli_exit_for(rc);
        goto done;
    }
    pthread_mutex_init(&a.lock, NULL);
    /* The threads of the server inherit a mask without these: the main thread waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, &a,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS, MHD_OPTION_NOTIFY_COMPLETED, completed,
        NULL, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "motcua: cannot listen on %s\n", listen);
        status = EXIT_IO;
    } else {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        char host[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
        printf("motcua: serving http://%s:%u/ (stop with Ctrl-C)\n", host,
               info ? (unsigned)info->port : (unsigned)ntohs(addr.sin_port));
        fflush(stdout);
        int sig;
        sigwait(&stop, &sig);
        MHD_stop_daemon(d);
    }
    pthread_mutex_destroy(&a.lock);
done:
    mc_engine_close(a.engine);
    tokens_free(tok);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
