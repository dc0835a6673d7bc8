/*
 * runstat: runs one command and reports what it cost, for the benchmark drivers.
 * `runstat [-o OUTFILE] -- CMD ARGS...` runs CMD with its stdout and stderr sent to /dev/null
 * (or to OUTFILE), then prints one line `seconds=S peak_mb=M exit=E`: the wall time from fork
 * to reaping (CLOCK_MONOTONIC, 3 decimals), the child's peak resident set size (ru_maxrss from
 * wait4, KiB on Linux, printed in MiB with 1 decimal) and its exit status (128 + the signal
 * number when a signal killed it). runstat exits 0 whenever the command ran, whatever its own
 * status; 1 when it could not be started (the reason on stderr); 2 on a usage error.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
    fputs("usage: runstat [-o OUTFILE] -- CMD [ARGS...]\n", stderr);
    exit(2);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum stage { STAGE_OK, STAGE_OUTPUT, STAGE_EXEC };

/* In the child: sends stdout and stderr to out, then runs argv. On failure the stage and errno
 * go up the close-on-exec pipe, so that the parent can tell "could not run" from "ran and
 * failed". */
static void run_child(const char *out, char **argv, int report_fd)
{
    int msg[2] = {STAGE_OUTPUT, 0};
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) {
        msg[1] = errno;
    } else {
        if (fd > STDERR_FILENO) {
            close(fd);
        }
        execvp(argv[0], argv);
        msg[0] = STAGE_EXEC;
        msg[1] = errno;
    }
    ssize_t unused = write(report_fd, msg, sizeof msg);
    (void)unused;
    _exit(127);
}

/* Reads the child's start-up report from the pipe into msg; msg[0] stays STAGE_OK when exec
 * succeeded (the pipe closed without a word). */
static void read_startup(int fd, int msg[2])
{
    ssize_t n;
    msg[0] = STAGE_OK;
    msg[1] = 0;
    do {
        n = read(fd, msg, 2 * sizeof msg[0]);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)(2 * sizeof msg[0])) {
        msg[0] = STAGE_OK;
    }
}

static int exit_code(int status)
{
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

int main(int argc, char **argv)
{
    const char *out = "/dev/null";
    int i = 1;
    if (i < argc && strcmp(argv[i], "-o") == 0) {
        if (i + 1 >= argc) {
            usage();
        }
        out = argv[i + 1];
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "--") == 0) {
        i++;
    }
    if (i >= argc || argv[i][0] == '-') {
        usage();
    }
    char **cmd = argv + i;

    int pipefd[2];
    if (pipe(pipefd) != 0 || fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) != 0) {
        perror("runstat: pipe");
        return 1;
    }
    fflush(NULL);
    double start = now_seconds();
    pid_t pid = fork();
    if (pid < 0) {
        perror("runstat: fork");
        return 1;
    }
    if (pid == 0) {
        close(pipefd[0]);
        run_child(out, cmd, pipefd[1]);
    }
    close(pipefd[1]);
    int startup[2];
    read_startup(pipefd[0], startup);
    close(pipefd[0]);

    int status;
    struct rusage ru;
    pid_t got;
    do {
        got = wait4(pid, &status, 0, &ru);
    } while (got < 0 && errno == EINTR);
    double elapsed = now_seconds() - start;
    if (got < 0) {
        perror("runstat: wait4");
        return 1;
    }
    if (startup[0] == STAGE_OUTPUT) {
        fprintf(stderr, "runstat: cannot write %s: %s\n", out, strerror(startup[1]));
        return 1;
    }
    if (startup[0] == STAGE_EXEC) {
        fprintf(stderr, "runstat: cannot run %s: %s\n", cmd[0], strerror(startup[1]));
        return 1;
    }
    printf("seconds=%.3f peak_mb=%.1f exit=%d\n", elapsed, (double)ru.ru_maxrss / 1024.0,
           exit_code(status));
    return 0;
}
