// Hands events from a reader thread to JS, one call per batch, never one per event.
//
// Reader thread: push() events, then flush() after each wakeup. At most one JS call is
// in flight, and at most one per interval (a reader woken per event would otherwise cost
// a JS call per event); whatever accumulates meanwhile goes in the next one, so batches
// grow when JS is slow. The reader polls with delayUntilDueMs() so nothing waits longer. The pending queue is bounded: past the cap, events are dropped and counted, and
// the count reaches JS as a `lost` event (source "queue"), so no loss is silent.
#pragma once

#include <napi.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "event.h"
#include "start_times.h"

namespace forktop {

struct BatchOptions {
  size_t maxPending = 0;
  // Each batch goes out in timestamp order (stable), as one reader's events stamped on
  // several CPUs may not be (the eBPF ring buffer's).
  bool sortByTime = false;
  // In a storm, the least time between two calls.
  int64_t stormIntervalNs = 100 * 1000 * 1000;
  // At a person's pace, how long the first event waits for those that follow it (a command's
  // fork, exec and exit, a few ms apart, then go to JS in one call, not three).
  int64_t quietGatherNs = 5 * 1000 * 1000;
  // Exits get their duration here (the reader sees the forks): start_times.h.
  bool durations = false;
  // Each batch also carries its events as --json lines (event_json.h). Only for a stream whose
  // events JS does not change after: the eBPF ring's (its exits get durations here; without
  // BTF it has no exits).
  bool jsonLines = false;
};

class BatchChannel {
 public:
  // onMessage("batch", events) per batch; onMessage("ready") once the kernel accepted the
  // subscription; onMessage("error", code, message) when the reader fails and stops.
  // onDone() once the reader has released the channel and every message was delivered.
  BatchChannel(Napi::Env env, Napi::Function onMessage, Napi::Function onDone, const BatchOptions& options);

  // Reader thread.
  void push(Event&& ev);
  void flush();
  int delayUntilDueMs();  // -1: nothing pending
  int msUntilNextCall();  // how soon a JS call may be made again, pending or not (0: now)
  void ready();
  void fail(const std::string& code, const std::string& message);
  void release();  // last call from the reader thread

  // JS thread: the storm interval from the next call on (a live view asks for a short one
  // only while a person waits for rows; see src/sources/source.ts).
  void setStormInterval(int64_t ns);

 private:
  int64_t minIntervalNs() const;  // caller holds mu_
  bool stormOn() const;  // caller holds mu_
  void countCall(int64_t at, size_t events);  // caller holds mu_
  int64_t dueInNs(int64_t now) const;  // how long until a call may be made; caller holds mu_
  void deliver(Napi::Env env, Napi::Function onMessage);
  void notQueued(napi_status status);

  std::mutex mu_;
  std::vector<Event> pending_;
  uint64_t dropped_ = 0;
  uint64_t lastTs_ = 0;
  bool inFlight_ = false;
  bool closing_ = false;  // the JS side is gone: every event from here on is dropped
  int64_t lastCallNs_ = 0;
  int64_t firstPendingNs_ = 0;  // when the oldest pending event came
  // The calls of the last storm interval (when asked for, how many events) and their events
  // in all: that many say whether a storm is on (batch_channel.cc).
  std::deque<std::pair<int64_t, size_t>> recentCalls_;
  size_t recentEvents_ = 0;
  bool storm_ = false;
  BatchOptions options_;
  size_t stormEvents_;  // this many events within a storm interval say a storm is on
  StartTimes startTimes_;  // JS thread (deliver)
  int64_t wallOffsetNs_;
  Napi::ThreadSafeFunction tsfn_;
  Napi::FunctionReference onDone_;
};

}  // namespace forktop
