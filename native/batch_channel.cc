#include "batch_channel.h"

#include <time.h>

#include <algorithm>

#include "clock.h"
#include "event_js.h"

namespace forktop {

namespace {
// In a storm, at most one JS call per storm interval (by default 100 ms: 10 a second),
// unless kEagerBatch events are waiting. Each call has a fixed cost that dominates there:
// from 100 calls a second to 10, forktop's CPU in a 10,000-exec storm fell from 0.9 s to
// 0.57 s. A live view waiting for rows asks for less (an exec on screen within 50 ms). At a
// person's pace (a shell, a cron job: batches of a few events) a call every 2 ms costs
// nothing, and an exec reaches the screen in a few ms.
constexpr int64_t kQuietIntervalNs = 2 * 1000 * 1000;
// A storm is on while events come at 200 a second or more (~67 commands, each a fork, an
// exec and an exit), counted over the last storm interval: 20 in 100 ms. Not per call: a call
// at a person's pace holds what came in 2–7 ms, and when one call of 8 said "storm", a stream
// of up to 300 commands a second (~6 a call) never did, and went to JS every few ms instead of
// 10 times a second. Never fewer than 4 events (a 12 ms interval would need 2.4): one
// command's fork, exec and exit are 3, and a prompt's few hooks stay quick.
constexpr int64_t kStormEventsPerSecond = 200;
constexpr size_t kMinStormEvents = 4;
constexpr size_t kEagerBatch = 4096;

size_t stormEventsFor(int64_t intervalNs) {
  int64_t events = (kStormEventsPerSecond * intervalNs + 999999999) / 1000000000;
  return std::max<size_t>(size_t(events), kMinStormEvents);
}
}  // namespace

BatchChannel::BatchChannel(Napi::Env env, Napi::Function onMessage, Napi::Function onDone,
                           const BatchOptions& options)
    : options_(options),
      stormEvents_(stormEventsFor(options.stormIntervalNs)),
      wallOffsetNs_(wallClockOffsetNs()) {
  onDone_ = Napi::Persistent(onDone);
  tsfn_ = Napi::ThreadSafeFunction::New(
      env, onMessage, "forktop-batch", 0, 1, this, [](Napi::Env, BatchChannel* self) {
        // JS thread, after the last queued batch ran.
        Napi::Function done = self->onDone_.Value();
        self->onDone_.Reset();
        done.Call({});
      });
}

void BatchChannel::setStormInterval(int64_t ns) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.stormIntervalNs = ns;
  stormEvents_ = stormEventsFor(ns);
}

bool BatchChannel::stormOn() const {
  // Nothing came for a whole interval after the last call: whatever the calls before said,
  // the storm is over, and what comes now gathers for its command as at a person's pace.
  if (!pending_.empty() && firstPendingNs_ - lastCallNs_ >= options_.stormIntervalNs) return false;
  return storm_;
}

int64_t BatchChannel::minIntervalNs() const {
  return stormOn() ? options_.stormIntervalNs : kQuietIntervalNs;
}

void BatchChannel::countCall(int64_t at, size_t events) {
  recentCalls_.emplace_back(at, events);
  recentEvents_ += events;
  while (!recentCalls_.empty() && recentCalls_.front().first <= at - options_.stormIntervalNs) {
    recentEvents_ -= recentCalls_.front().second;
    recentCalls_.pop_front();
  }
  storm_ = recentEvents_ >= stormEvents_;
}

void BatchChannel::push(Event&& ev) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_ || pending_.size() >= options_.maxPending) {
    dropped_++;
    lastTs_ = ev.ts;
    return;
  }
  if (pending_.empty()) firstPendingNs_ = monotonicNs();
  pending_.push_back(std::move(ev));
}

int64_t BatchChannel::dueInNs(int64_t now) const {
  int64_t left = minIntervalNs() - (now - lastCallNs_);
  if (!stormOn()) left = std::max(left, options_.quietGatherNs - (now - firstPendingNs_));
  return left;
}

void BatchChannel::flush() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_ || inFlight_ || (pending_.empty() && dropped_ == 0)) return;
    int64_t now = monotonicNs();
    if (dueInNs(now) > 0 && pending_.size() < kEagerBatch) return;
    inFlight_ = true;
    lastCallNs_ = now;
  }
  napi_status status = tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function fn) { deliver(env, fn); });
  if (status != napi_ok) notQueued(status);
}

// The batch call was refused. Full queue (napi_queue_full): the batch stays pending, and
// the next flush tries again. JS going away (napi_closing, or anything else): nothing can
// be delivered any more, so what is pending is counted as dropped, and so is whatever comes
// after, without holding it in memory.
void BatchChannel::notQueued(napi_status status) {
  std::lock_guard<std::mutex> lock(mu_);
  inFlight_ = false;
  if (status == napi_queue_full) return;
  closing_ = true;
  dropped_ += pending_.size();
  pending_.clear();
}

int BatchChannel::delayUntilDueMs() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_ || (pending_.empty() && dropped_ == 0)) return -1;
  if (inFlight_) return 5;  // JS is busy with the last batch: look again shortly
  int64_t left = dueInNs(monotonicNs());
  return left <= 0 ? 0 : int(left / 1000000) + 1;
}

int BatchChannel::msUntilNextCall() {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t left = minIntervalNs() - (monotonicNs() - lastCallNs_);
  return left <= 0 ? 0 : int(left / 1000000);
}

void BatchChannel::ready() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    lastCallNs_ = firstPendingNs_ = 0;  // events that came before the acknowledgement go first
  }
  flush();
  // The queue is unbounded (created with 0), so only a closing JS side refuses this.
  if (tsfn_.NonBlockingCall([](Napi::Env env, Napi::Function fn) { fn.Call({Napi::String::New(env, "ready")}); }) !=
      napi_ok)
    notQueued(napi_closing);
}

void BatchChannel::fail(const std::string& code, const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    lastCallNs_ = firstPendingNs_ = 0;
  }
  flush();
  napi_status status = tsfn_.NonBlockingCall([code, message](Napi::Env env, Napi::Function fn) {
    fn.Call({Napi::String::New(env, "error"), Napi::String::New(env, code), Napi::String::New(env, message)});
  });
  if (status != napi_ok) notQueued(napi_closing);
}

void BatchChannel::release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    lastCallNs_ = firstPendingNs_ = 0;  // the last batch goes now
  }
  flush();
  tsfn_.Release();  // napi_closing here only means JS let go first: nothing left to release
}

// JS thread.
void BatchChannel::deliver(Napi::Env env, Napi::Function onMessage) {
  std::vector<Event> batch;
  uint64_t dropped;
  uint64_t lastTs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(pending_);
    // Counted here, not when the call was asked for: what came meanwhile goes in it too.
    countCall(lastCallNs_, batch.size());
    // Room for a batch like this one: the reader's pushes then move no Event to grow it
    // (from empty, ten regrowths for a storm's thousand).
    pending_.reserve(std::min(batch.size(), options_.maxPending));
    dropped = dropped_;
    lastTs = lastTs_;
    dropped_ = 0;
    inFlight_ = false;
  }
  if (dropped > 0) {
    Event lost;
    lost.type = EventType::Lost;
    lost.ts = lastTs;
    lost.count = dropped;
    lost.lostSource = "queue";
    batch.push_back(std::move(lost));
  }
  if (batch.empty()) return;
  // Records stamped on several CPUs are a little out of order: their positions are sorted,
  // then each Event moved once (a stable sort of the Events, 504 bytes each, moved every one
  // log2(n) times, even when they were in order).
  auto earlier = [](const Event& a, const Event& b) { return a.ts < b.ts; };
  if (options_.sortByTime && !std::is_sorted(batch.begin(), batch.end(), earlier)) {
    std::vector<uint32_t> order(batch.size());
    for (uint32_t i = 0; i < order.size(); i++) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return batch[a].ts < batch[b].ts; });
    std::vector<Event> sorted;
    sorted.reserve(batch.size());
    for (uint32_t i : order) sorted.push_back(std::move(batch[i]));
    batch.swap(sorted);
  }
  if (options_.durations) startTimes_.annotate(batch);
  Napi::HandleScope scope(env);
  onMessage.Call({Napi::String::New(env, "batch"), packEvents(env, batch, wallOffsetNs_, options_.jsonLines)});
}

}  // namespace forktop
