/*
 * bench: http — requests a second through `motcua serve` on loopback: CLIENTS keep-alive
 * connections at once, as a portal's users would be, each request waiting for its answer:
 * `fire` (a durable transition) and `get` (a dossier with its history), and the 99th percentile
 * of the fire latencies.
 *   bench_http PORT TOKEN DOSSIERS FIRES_EACH [CLIENTS]
 * The dossiers 1..DOSSIERS must exist, in a state whose `pause` and `resume` events the token's
 * role fires in turn (tools/bench.sh sets this up); client c works on the dossiers d with
 * d % CLIENTS == c. Prints one line:  fire_per_s=R get_per_s=R p99_ms=M clients=C
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
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: bench_http PORT TOKEN DOSSIERS FIRES_EACH [CLIENTS]\n");
        return 2;
    }
    int port = atoi(argv[1]), nc = argc == 6 ? atoi(argv[5]) : 4;
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
    pthread_barrier_wait(&start);
    double t0 = now_s();
    pthread_barrier_wait(&between);
    double fire_s = now_s() - t0;
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
    if (failed || nfire == 0) {
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
    printf("fire_per_s=%.0f get_per_s=%.0f p99_ms=%.2f clients=%d\n", (double)nfire / fire_s,
           (double)nget / get_s, p99, nc);
    free(lat);
    return 0;
}
