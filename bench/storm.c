/*
 * storm: bounded process storms for the benchmark. Every mode prints the pids it made,
 * one per line ("PID INDEX" for exec), so observers can be scored against the truth.
 *
 *   storm exec N PAR PREFIX [literal|stack]
 *     N short-lived execs of /bin/true, PAR at a time, argv ["true", "PREFIX-i"].
 *     literal (default): the child execs with string literals of this program and a tag the
 *       parent formatted before fork, as C daemons do: execl("/bin/true", "true", tag).
 *     stack: the child formats its argv on its own stack after fork.
 *
 *   storm fexecve PREFIX
 *     One child that runs /bin/true through fexecve() (execveat on an open fd, no path),
 *     argv ["true", "PREFIX"]. Prints its pid.
 *
 *   storm bomb DEPTH TAG [DELAY_MS [spin]]
 *     A bounded fork bomb for the stop tests: every member waits DELAY_MS (default 2), then
 *     forks two children (DEPTH
 *     generations, 2^(DEPTH+1)-1 processes, no exec, so all of them carry TAG in their
 *     argv), then members at odd depths exit at once (their children are reparented) and
 *     the rest wait (or, with "spin", burn CPU: a bomb that saturates the machine). Each
 *     member dies by alarm after 30 s in any case. Prints the root's pid.
 *
 *   storm tree DEPTH
 *     A fork burst: every process forks two children and exits at once, DEPTH generations
 *     deep (2^(DEPTH+1)-1 processes). They are reparented to this process (a subreaper),
 *     which reaps them all. No exec. Prints "PID PARENT" per process, the parent at fork.
 *
 *   storm steady RATE SECONDS TAG
 *     A steady background load for the soak: RATE execs of /bin/true a second, argv
 *     ["true", TAG], for SECONDS, each start at its own absolute time (clock_nanosleep), so
 *     the rate holds however long a fork takes. A start more than 100 ms late is skipped,
 *     not made up in a burst. Ends by alarm at SECONDS + 30 in any case. Prints
 *     "execs N skipped M seconds S" at the end (too many to list their pids).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int exec_storm(long n, long par, const char* prefix, int stack) {
  pid_t* pids = calloc((size_t)n, sizeof(pid_t));
  long started = 0, running = 0, failed = 0;
  char tag[128];
  while (started < n || running > 0) {
    while (started < n && running < par) {
      if (!stack) snprintf(tag, sizeof tag, "%s-%ld", prefix, started);
      pid_t pid = fork();
      if (pid < 0) {
        perror("fork");
        failed++;
        n = started;
        break;
      }
      if (pid == 0) {
        if (stack) {
          char own[128];
          char name[8];
          snprintf(own, sizeof own, "%s-%ld", prefix, started);
          memcpy(name, "true", 5);
          char* args[] = {name, own, NULL};
          execv("/bin/true", args);
        } else {
          execl("/bin/true", "true", tag, (char*)NULL);
        }
        _exit(127);
      }
      pids[started++] = pid;
      running++;
    }
    int status;
    if (running > 0 && wait(&status) > 0) {
      running--;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    }
  }
  for (long i = 0; i < n; i++) printf("%d %ld\n", pids[i], i);
  if (failed) fprintf(stderr, "storm: %ld children failed\n", failed);
  return failed ? 1 : 0;
}

/* One write per line: O_APPEND-style atomic lines from many processes. */
static void print_pair(pid_t pid, pid_t parent) {
  char line[32];
  int len = snprintf(line, sizeof line, "%d %d\n", pid, parent);
  if (write(STDOUT_FILENO, line, (size_t)len) < 0) _exit(1);
}

static void tree_member(int depth) {
  alarm(30); /* a safety net: never outlive a benchmark */
  if (depth > 0) {
    for (int i = 0; i < 2; i++) {
      pid_t pid = fork();
      if (pid == 0) {
        tree_member(depth - 1);
        _exit(0);
      }
      if (pid > 0) print_pair(pid, getpid());
    }
  }
}

static int tree_storm(int depth) {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  fflush(stdout);
  pid_t root = fork();
  if (root == 0) {
    tree_member(depth);
    _exit(0);
  }
  print_pair(root, getpid());
  while (wait(NULL) > 0 || errno == EINTR) {
  }
  return 0;
}

static useconds_t bomb_delay_us = 2000;
static int bomb_spin = 0;

__attribute__((noreturn)) static void bomb_wait(void) {
  if (bomb_spin)
    for (volatile unsigned long i = 0;; i++) {
    }
  for (;;) pause();
}

__attribute__((noreturn)) static void bomb_member(int depth) {
  alarm(30); /* the safety net: no member outlives a test */
  for (int i = 0; depth > 0 && i < 2; i++) {
    usleep(bomb_delay_us);
    pid_t pid = fork();
    if (pid == 0) {
      bomb_member(depth - 1);
      _exit(0);
    }
  }
  if (depth % 2 == 1) _exit(0);
  bomb_wait();
}

static int bomb(int depth) {
  printf("%d\n", getpid());
  fflush(stdout);
  alarm(30);
  for (int i = 0; i < 2; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      bomb_member(depth - 1);
      _exit(0);
    }
  }
  bomb_wait(); /* the root stays, so it can be named by pid */
}

static int fexecve_once(const char* tag) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
    char* args[] = {"true", (char*)tag, NULL};
    char* env[] = {NULL};
    if (fd >= 0) fexecve(fd, args, env);
    _exit(127);
  }
  printf("%d\n", pid);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int steady(long rate, long seconds, const char* tag) {
  alarm((unsigned)seconds + 30);
  const long long period = 1000000000LL / rate;
  const long long start = now_ns();
  const long long end = start + seconds * 1000000000LL;
  long long next = start;
  long execs = 0, skipped = 0, failed = 0;
  while (next < end) {
    struct timespec at = {.tv_sec = next / 1000000000LL, .tv_nsec = next % 1000000000LL};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {
    }
    pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/true", "true", tag, (char*)NULL);
      _exit(127);
    }
    if (pid < 0) failed++;
    else execs++;
    int status;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    }
    next += period;
    long long late = now_ns() - next;
    if (late > 100000000LL) { /* fell behind (a loaded machine): skip, do not burst */
      long long missed = late / period;
      skipped += missed;
      next += missed * period;
    }
  }
  while (wait(NULL) > 0 || errno == EINTR) {
  }
  printf("execs %ld skipped %ld seconds %.3f\n", execs, skipped, (now_ns() - start) / 1e9);
  if (failed) fprintf(stderr, "storm: %ld children failed\n", failed);
  return failed ? 1 : 0;
}

int main(int argc, char** argv) {
  alarm(600);
  if (argc >= 5 && strcmp(argv[1], "exec") == 0) {
    long n = atol(argv[2]);
    long par = atol(argv[3]);
    if (n < 1 || n > 1000000 || par < 1 || par > 1024) {
      fprintf(stderr, "storm: 1 <= N <= 1000000 and 1 <= PAR <= 1024\n");
      return 2;
    }
    return exec_storm(n, par, argv[4], argc > 5 && strcmp(argv[5], "stack") == 0);
  }
  if (argc >= 4 && argc <= 6 && strcmp(argv[1], "bomb") == 0) {
    bomb_spin = argc == 6 && strcmp(argv[5], "spin") == 0;
    int depth = atoi(argv[2]);
    if (argc == 5) bomb_delay_us = (useconds_t)(atoi(argv[4]) < 0 ? 0 : atoi(argv[4]) > 5000 ? 5000 : atoi(argv[4])) * 1000;
    if (depth < 1 || depth > 11) {
      fprintf(stderr, "storm: 1 <= DEPTH <= 11\n");
      return 2;
    }
    return bomb(depth);
  }
  if (argc == 5 && strcmp(argv[1], "steady") == 0) {
    long rate = atol(argv[2]);
    long seconds = atol(argv[3]);
    if (rate < 1 || rate > 100000 || seconds < 1 || seconds > 86400) {
      fprintf(stderr, "storm: 1 <= RATE <= 100000 and 1 <= SECONDS <= 86400\n");
      return 2;
    }
    return steady(rate, seconds, argv[4]);
  }
  if (argc == 3 && strcmp(argv[1], "fexecve") == 0) return fexecve_once(argv[2]);
  if (argc == 3 && strcmp(argv[1], "tree") == 0) {
    int depth = atoi(argv[2]);
    if (depth < 0 || depth > 12) {
      fprintf(stderr, "storm: 0 <= DEPTH <= 12\n");
      return 2;
    }
    return tree_storm(depth);
  }
  fprintf(stderr, "usage: storm exec N PAR PREFIX [literal|stack] | storm fexecve PREFIX | storm bomb DEPTH TAG [DELAY_MS [spin]] | storm tree DEPTH | storm steady RATE SECONDS TAG\n");
  return 2;
}
