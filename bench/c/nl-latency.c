// nl-latency: notification latency, kernel to receiver, for bench/bench.ts.
//   nl-latency send -n N [-i INTERVAL_US] [-w READY_FILE]
//   nl-latency recv -n N [-R READY_FILE] [-t IDLE_MS]
// send: waits for READY_FILE to exist (the receiver is subscribed), then adds N routes
//       "blackhole 10.200.(i/256).(i%256)/32 proto static", one every INTERVAL_US (default 1000),
//       each with an ACK, and prints "i t_ns" per route: CLOCK_MONOTONIC just before sendto().
//       The kernel queues the RTM_NEWROUTE notification while it handles that sendto().
// recv: the C baseline receiver (libmnl, RTMGRP_IPV4_ROUTE, poll then recv, attributes
//       parsed): writes READY_FILE once bound, then prints "i t_ns" per RTM_NEWROUTE of
//       10.200.0.0/16, CLOCK_MONOTONIC when it was parsed. Ends after N, or IDLE_MS without any.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_until(uint64_t t) {
  struct timespec ts = { .tv_sec = t / 1000000000ull, .tv_nsec = t % 1000000000ull };
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

static int do_send(int n, int interval_us, const char *ready) {
  if (ready) {
    uint64_t deadline = now_ns() + 20000000000ull;
    struct stat st;
    while (stat(ready, &st) != 0) {
      if (now_ns() > deadline) { fprintf(stderr, "nl-latency: %s never appeared\n", ready); return 1; }
      usleep(1000);
    }
  }
  struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
  if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) { perror("mnl_socket"); return 1; }
  uint64_t *t = calloc(n, sizeof *t);
  char buf[MNL_SOCKET_BUFFER_SIZE];
  uint64_t next = now_ns();
  for (int i = 0; i < n; i++) {
    sleep_until(next);
    next += (uint64_t)interval_us * 1000;
    char req[256];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
    nlh->nlmsg_type = RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
    nlh->nlmsg_seq = i + 1;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = 32;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_STATIC;
    rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    rtm->rtm_type = RTN_BLACKHOLE;
    uint32_t dst = htonl((10u << 24) | (200u << 16) | (uint32_t)i);
    mnl_attr_put_u32(nlh, RTA_DST, dst);
    t[i] = now_ns();
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) { perror("sendto"); return 1; }
    int r = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (r < 0 || mnl_cb_run(buf, r, i + 1, mnl_socket_get_portid(nl), NULL, NULL) < 0) {
      perror("route add");
      return 1;
    }
  }
  for (int i = 0; i < n; i++) printf("%d %llu\n", i, (unsigned long long)t[i]);
  mnl_socket_close(nl);
  return 0;
}

static uint64_t *recv_t;
static int recv_n, recv_got;

static int attr_cb(const struct nlattr *a, void *data) {
  if (mnl_attr_type_valid(a, RTA_MAX) < 0) return MNL_CB_OK;
  if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == 4) {
    *(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
  }
  return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data) {
  (void)data;
  if (nlh->nlmsg_type != RTM_NEWROUTE) return MNL_CB_OK;
  uint32_t dst = 0;
  mnl_attr_parse(nlh, sizeof(struct rtmsg), attr_cb, &dst);
  if ((dst >> 16) != ((10u << 8) | 200u)) return MNL_CB_OK;
  int i = dst & 0xffff;
  if (i < recv_n && !recv_t[i]) { recv_t[i] = now_ns(); recv_got++; }
  return MNL_CB_OK;
}

static int do_recv(int n, const char *ready, int idle_ms) {
  struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
  if (!nl || mnl_socket_bind(nl, RTMGRP_IPV4_ROUTE, MNL_SOCKET_AUTOPID) < 0) {
    perror("mnl_socket");
    return 1;
  }
  recv_n = n;
  recv_t = calloc(n, sizeof *recv_t);
  if (ready) { FILE *f = fopen(ready, "w"); if (f) { fputs("ready\n", f); fclose(f); } }
  char buf[65536];
  int fd = mnl_socket_get_fd(nl);
  while (recv_got < n) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r = poll(&p, 1, recv_got ? idle_ms : 30000);
    if (r == 0) break;
    if (r < 0) { if (errno == EINTR) continue; perror("poll"); return 1; }
    ssize_t len = recv(fd, buf, sizeof buf, 0);
    if (len < 0) { if (errno == ENOBUFS || errno == EINTR) continue; perror("recv"); return 1; }
    mnl_cb_run(buf, len, 0, 0, msg_cb, NULL);
  }
  for (int i = 0; i < n; i++) if (recv_t[i]) printf("%d %llu\n", i, (unsigned long long)recv_t[i]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) goto usage;
  int n = 0, interval = 1000, idle = 2000;
  const char *wait = NULL, *ready = NULL;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "-n") && i + 1 < argc) n = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-i") && i + 1 < argc) interval = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-w") && i + 1 < argc) wait = argv[++i];
    else if (!strcmp(argv[i], "-R") && i + 1 < argc) ready = argv[++i];
    else if (!strcmp(argv[i], "-t") && i + 1 < argc) idle = atoi(argv[++i]);
    else goto usage;
  }
  if (n < 1 || n > 65536) goto usage;
  if (!strcmp(argv[1], "send")) return do_send(n, interval, wait);
  if (!strcmp(argv[1], "recv")) return do_recv(n, ready, idle);
usage:
  fprintf(stderr, "usage: nl-latency send -n N [-i US] [-w FILE] | recv -n N [-R FILE] [-t MS]\n");
  return 2;
}
