#include "pidfd_signal.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "fd.h"
#include "proc_info.h"

namespace forktop {

namespace {

// /proc start times have clock-tick (10 ms) resolution; the fork event's time is a few µs
// after the task's start.
constexpr uint64_t kStartToleranceNs = 30ull * 1000 * 1000;

int pidfdOpen(pid_t pid) { return int(syscall(SYS_pidfd_open, pid, 0)); }
int pidfdSendSignal(int fd, int sig) { return int(syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0)); }

SignalOutcome signalOne(const SignalTarget& t, int sig, const StartClock& clock) {
  Fd fd(pidfdOpen(t.pid));
  if (!fd.valid()) return {errno == ESRCH ? SignalResult::Gone : errno == EPERM ? SignalResult::Denied : SignalResult::Failed, 0};
  // The pidfd holds the process now: what /proc says about this pid is about it.
  SignalResult result;
  auto stat = readStat(t.pid, clock);
  if (!stat || stat->state == 'Z' || stat->state == 'X') {
    result = SignalResult::Gone;
  } else if ((t.startNs && (stat->startNs + kStartToleranceNs < *t.startNs ||
                            stat->startNs > *t.startNs + kStartToleranceNs)) ||
             (t.ppid && stat->ppid != *t.ppid)) {
    result = SignalResult::Other;
  } else if (pidfdSendSignal(fd.get(), sig) == 0) {
    result = SignalResult::Sent;
  } else {
    result = errno == ESRCH ? SignalResult::Gone : errno == EPERM ? SignalResult::Denied : SignalResult::Failed;
  }
  return {result, result == SignalResult::Sent ? stat->startNs : 0};
}

}  // namespace

const char* signalResultName(SignalResult r) {
  switch (r) {
    case SignalResult::Sent: return "sent";
    case SignalResult::Gone: return "gone";
    case SignalResult::Other: return "other";
    case SignalResult::Denied: return "denied";
    case SignalResult::Failed: return "failed";
  }
  return "failed";
}

std::vector<SignalOutcome> signalProcesses(const std::vector<SignalTarget>& targets, int sig) {
  StartClock clock;
  std::vector<SignalOutcome> results;
  results.reserve(targets.size());
  for (const SignalTarget& t : targets) results.push_back(signalOne(t, sig, clock));
  return results;
}

}  // namespace forktop
