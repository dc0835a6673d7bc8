/*
 * bench: http — requests a second through `motcua serve` on loopback, one keep-alive
 * connection, each request waiting for its answer: `fire` (a durable transition) and `get` (a
 * dossier with its history), and the 99th percentile of the fire latencies.
 *   bench_http PORT TOKEN DOSSIERS FIRES_EACH
 * The dossiers 1..DOSSIERS must exist, in a state whose `pause` and `resume` events the token's
 * role fires in turn (tools/bench.sh sets this up). Prints one line:
 *   fire_per_s=R get_per_s=R p99_ms=M
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

static char buf[1 << 22];

/* Sends one request and reads its whole answer; returns the status. */
static int request(int fd, const char *method, const char *path, const char *token,
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
        ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
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
        ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
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

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench_http PORT TOKEN DOSSIERS FIRES_EACH\n");
        return 2;
    }
    int port = atoi(argv[1]);
    const char *token = argv[2];
    long dossiers = atol(argv[3]), each = atol(argv[4]);
    int fd = connect_to(port);
    long nfire = dossiers * each;
    double *lat = malloc((size_t)nfire * sizeof *lat);
    char path[64];
    double t0 = now_s();
    long k = 0;
    for (long e = 0; e < each; e++) {
        const char *body = e % 2 == 0 ? "{\"event\": \"pause\"}" : "{\"event\": \"resume\"}";
        for (long d = 1; d <= dossiers; d++) {
            snprintf(path, sizeof path, "/api/dossiers/%ld/events", d);
            double s = now_s();
            int status = request(fd, "POST", path, token, body);
            lat[k++] = now_s() - s;
            if (status != 200) {
                fprintf(stderr, "bench_http: fire on dossier %ld: status %d\n%.300s\n", d, status,
                        buf);
                return 1;
            }
        }
    }
    double fire_s = now_s() - t0;
    long nget = nfire;
    t0 = now_s();
    for (long i = 0; i < nget; i++) {
        snprintf(path, sizeof path, "/api/dossiers/%ld", 1 + i % dossiers);
        if (request(fd, "GET", path, token, NULL) != 200) {
            fprintf(stderr, "bench_http: get: %.300s\n", buf);
            return 1;
        }
    }
    double get_s = now_s() - t0;
    qsort(lat, (size_t)nfire, sizeof *lat, by_value);
    double p99 = lat[(size_t)((double)nfire * 0.99)] * 1000.0;
    printf("fire_per_s=%.0f get_per_s=%.0f p99_ms=%.2f\n", (double)nfire / fire_s,
           (double)nget / get_s, p99);
    free(lat);
    close(fd);
    return 0;
}
