// nsrun: run a command (in a network namespace) and measure it, for bench/bench.ts.
//   nsrun [-n /run/netns/NAME] [-o OUT] [-e ERR] [-r REPEAT] -- CMD [ARG...]
// Joins the namespace with setns(2) (nothing else: no mount namespace, no /sys remount, unlike
// `ip netns exec`), then per repetition forks, execs CMD with stdin from /dev/null and stdout to
// OUT (default /dev/null) and stderr to ERR (default inherited), and waits for it with wait4(2).
// Prints one line per run:
//   ms=<wall, fork to reaped> maxrss_kb=<child's peak RSS> user_ms=<> sys_ms=<> status=<exit>
// and exits 1 if any run exited non-zero (after printing its line).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  const char *ns = NULL, *out = "/dev/null", *err = NULL;
  int repeat = 1, i = 1;
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "--")) { i++; break; }
    if (!strcmp(argv[i], "-n") && i + 1 < argc) ns = argv[++i];
    else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
    else if (!strcmp(argv[i], "-e") && i + 1 < argc) err = argv[++i];
    else if (!strcmp(argv[i], "-r") && i + 1 < argc) repeat = atoi(argv[++i]);
    else { fprintf(stderr, "nsrun: bad argument %s\n", argv[i]); return 2; }
  }
  if (i >= argc || repeat < 1) {
    fprintf(stderr, "usage: nsrun [-n NETNS] [-o OUT] [-e ERR] [-r N] -- CMD [ARG...]\n");
    return 2;
  }
  if (ns) {
    int fd = open(ns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) { perror(ns); return 2; }
    close(fd);
  }
  int failed = 0;
  for (int r = 0; r < repeat; r++) {
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 2; }
    if (pid == 0) {
      int in = open("/dev/null", O_RDONLY);
      int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || o < 0) { perror("nsrun: open"); _exit(127); }
      dup2(in, 0);
      dup2(o, 1);
      if (err) {
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (e < 0) { perror("nsrun: open"); _exit(127); }
        dup2(e, 2);
      }
      execvp(argv[i], argv + i);
      fprintf(stderr, "nsrun: %s: %s\n", argv[i], strerror(errno));
      _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 2; }
    double ms = now_ms() - t0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0) failed = 1;
    printf("ms=%.3f maxrss_kb=%ld user_ms=%.1f sys_ms=%.1f status=%d\n", ms, ru.ru_maxrss,
           ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3,
           ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3, code);
    fflush(stdout);
  }
  return failed;
}
