/*
 * bench: http — requests a second through `motcua serve` on loopback: CLIENTS keep-alive
 * connections at once, as a portal's users would be, each request waiting for its answer:
 * `fire` (a durable transition) and `get` (a dossier with its history), and the 99th percentile
 * of the fire latencies.
 *   bench_http PORT TOKEN DOSSIERS FIRES_EACH [CLIENTS]
 * The dossiers 1..DOSSIERS must exist, in a state whose `pause` and `resume` events the token's
 * role fires in turn (tools/bench.sh sets this up); client c works on the dossiers d with
 * d % CLIENTS == c. Prints one line:  fire_per_s=R get_per_s=R p99_ms=M clients=C
 * With SUBMIT_TOKEN and SUBMIT_BODY (a JSON text; each "%d" in it becomes the submission's
 * number), one more connection, with a token of its own (the server bounds the requests at once
 * of each token), submits dossiers in a loop while the fires run (the `registry` line: each
 * submit waits for live look-ups), and the line adds  submits=N submit_p50_ms=M submit_p99_ms=M
 *   bench_http PORT TOKEN DOSSIERS FIRES_EACH CLIENTS SUBMIT_TOKEN SUBMIT_BODY
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("bench_http: connect");
        exit(1);
    }
    return fd;
}

enum { BUF = 1 << 20 };

/* Sends one request and reads its whole answer into buf (BUF bytes); returns the status. */
static int request(int fd, char *buf, const char *method, const char *path, const char *token,
                   const char *body)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     method, path, token, body ? strlen(body) : 0);
    if (write(fd, head, (size_t)n) != n ||
        (body && write(fd, body, strlen(body)) != (ssize_t)strlen(body))) {
        perror("bench_http: write");
        exit(1);
    }
    size_t have = 0;
    char *end = NULL;
    while (end == NULL) {
        ssize_t r = read(fd, buf + have, BUF - 1 - have);
        if (r <= 0) {
            fprintf(stderr, "bench_http: the server closed the connection\n");
            exit(1);
        }
        have += (size_t)r;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = atoi(buf + 9);
    const char *cl = strcasestr(buf, "Content-Length:");
    size_t len = cl && cl < end ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
    size_t want = (size_t)(end + 4 - buf) + len;
    while (have < want) {
        ssize_t r = read(fd, buf + have, BUF - 1 - have);
        if (r <= 0) {
            fprintf(stderr, "bench_http: a short answer\n");
            exit(1);
        }
        have += (size_t)r;
    }
    return status;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct client {
    int port, id, clients;
    const char *token;
    long dossiers, each;
    double *lat; /* this client's fire latencies */
    long nlat;
    long gets;
    int failed;
    pthread_barrier_t *start, *between;
    char *buf;
} client;

/* The submitter: POST /api/dossiers until the fires end. */
typedef struct submitter {
    int port;
    const char *token, *body;
    volatile int *done;
    double *lat;
    long nlat, cap;
    int failed;
    char *buf;
} submitter;

static void *run_submitter(void *ud)
{
    submitter *u = ud;
    int fd = connect_to(u->port);
    char body[2048];
    while (!*u->done && !u->failed && u->nlat < u->cap) {
        /* each "%d" of the template: the submission's number */
        size_t k = 0;
        for (const char *c = u->body; *c != '\0' && k + 24 < sizeof body; c++) {
            if (c[0] == '%' && c[1] == 'd') {
                k += (size_t)snprintf(body + k, sizeof body - k, "%ld", u->nlat + 1);
                c++;
            } else {
                body[k++] = *c;
            }
        }
        body[k] = '\0';
        double s = now_s();
        int status = request(fd, u->buf, "POST", "/api/dossiers", u->token, body);
        u->lat[u->nlat++] = now_s() - s;
        if (status != 201) {
            fprintf(stderr, "bench_http: submit: status %d\n%.300s\n", status, u->buf);
            u->failed = 1;
        }
    }
    close(fd);
    return NULL;
}

static void *run_client(void *ud)
{
    client *c = ud;
    int fd = connect_to(c->port);
    char path[64];
    pthread_barrier_wait(c->start);
    for (long e = 0; e < c->each && !c->failed; e++) {
        const char *body = e % 2 == 0 ? "{\"event\": \"pause\"}" : "{\"event\": \"resume\"}";
        for (long d = 1 + c->id; d <= c->dossiers; d += c->clients) {
            snprintf(path, sizeof path, "/api/dossiers/%ld/events", d);
            double s = now_s();
            int status = request(fd, c->buf, "POST", path, c->token, body);
            c->lat[c->nlat++] = now_s() - s;
            if (status != 200) {
                fprintf(stderr, "bench_http: fire on dossier %ld: status %d\n%.300s\n", d, status,
                        c->buf);
                c->failed = 1;
                break;
            }
        }
    }
    pthread_barrier_wait(c->between);
    for (long i = 0; i < c->nlat && !c->failed; i++) {
        long d =
            1 + c->id + (i % ((c->dossiers + c->clients - 1 - c->id) / c->clients)) * c->clients;
        snprintf(path, sizeof path, "/api/dossiers/%ld", d);
        if (request(fd, c->buf, "GET", path, c->token, NULL) != 200) {
            fprintf(stderr, "bench_http: get: %.300s\n", c->buf);
            c->failed = 1;
        }
        c->gets++;
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 8 || argc == 7) {
        fprintf(stderr, "usage: bench_http PORT TOKEN DOSSIERS FIRES_EACH [CLIENTS [SUBMIT_TOKEN "
                        "SUBMIT_BODY]]\n");
        return 2;
    }
    int port = atoi(argv[1]), nc = argc >= 6 ? atoi(argv[5]) : 4;
    long dossiers = atol(argv[3]), each = atol(argv[4]);
    if (nc < 1 || nc > 64 || dossiers < nc) {
        fprintf(stderr, "bench_http: 1 to 64 clients, and at least one dossier each\n");
        return 2;
    }
    client cs[64];
    pthread_t th[64];
    pthread_barrier_t start, between;
    pthread_barrier_init(&start, NULL, (unsigned)nc + 1);
    pthread_barrier_init(&between, NULL, (unsigned)nc + 1);
    for (int i = 0; i < nc; i++) {
        cs[i] = (client){port,
                         i,
                         nc,
                         argv[2],
                         dossiers,
                         each,
                         malloc((size_t)(dossiers * each) * sizeof(double)),
                         0,
                         0,
                         0,
                         &start,
                         &between,
                         malloc(BUF)};
        pthread_create(&th[i], NULL, run_client, &cs[i]);
    }
    volatile int done = 0;
    submitter sub = {port, argc == 8 ? argv[6] : NULL, argc == 8 ? argv[7] : NULL, &done, NULL, 0,
                     100000, 0, NULL};
    pthread_t sth;
    pthread_barrier_wait(&start);
    if (sub.body != NULL) {
        sub.lat = malloc((size_t)sub.cap * sizeof *sub.lat);
        sub.buf = malloc(BUF);
        pthread_create(&sth, NULL, run_submitter, &sub);
    }
    double t0 = now_s();
    pthread_barrier_wait(&between);
    double fire_s = now_s() - t0;
    if (sub.body != NULL) {
        done = 1;
        pthread_join(sth, NULL);
    }
    t0 = now_s();
    for (int i = 0; i < nc; i++) {
        pthread_join(th[i], NULL);
    }
    double get_s = now_s() - t0;
    long nfire = 0, nget = 0;
    int failed = 0;
    for (int i = 0; i < nc; i++) {
        nfire += cs[i].nlat;
        nget += cs[i].gets;
        failed |= cs[i].failed;
    }
    if (failed || nfire == 0 || sub.failed || (sub.body != NULL && sub.nlat == 0)) {
        return 1;
    }
    double *lat = malloc((size_t)nfire * sizeof *lat);
    long k = 0;
    for (int i = 0; i < nc; i++) {
        memcpy(lat + k, cs[i].lat, (size_t)cs[i].nlat * sizeof *lat);
        k += cs[i].nlat;
        free(cs[i].lat);
        free(cs[i].buf);
    }
    qsort(lat, (size_t)nfire, sizeof *lat, by_value);
    double p99 = lat[(size_t)((double)nfire * 0.99)] * 1000.0;
    printf("fire_per_s=%.0f get_per_s=%.0f p99_ms=%.2f clients=%d", (double)nfire / fire_s,
           (double)nget / get_s, p99, nc);
    if (sub.body != NULL) {
        qsort(sub.lat, (size_t)sub.nlat, sizeof *sub.lat, by_value);
        printf(" submits=%ld submit_p50_ms=%.2f submit_p99_ms=%.2f", sub.nlat,
               sub.lat[(size_t)((double)sub.nlat * 0.5)] * 1000.0,
               sub.lat[(size_t)((double)sub.nlat * 0.99)] * 1000.0);
        free(sub.lat);
        free(sub.buf);
    }
    printf("\n");
    free(lat);
    return 0;
}
