//===- cpu/Scheduler.cpp - Blocks on worker threads, threads as fibers ----===//
//
// A launch hands blocks to the worker pool in order (an atomic counter), so
// a block that waits for an earlier one always finds it running or done.
// Each worker runs one block at a time:
//
//   - code that never synchronises runs its threads one after another;
//   - code that does runs each thread as a fiber. A fiber runs until it
//     blocks (syncthreads, a warp collective, a grid barrier) or ends; after
//     each pass over the block's ready fibers the scheduler completes what
//     can complete: a block barrier every live thread reached, a warp
//     collective every live lane of its mask reached (computing each lane's
//     result from the others' posted values, so lanes see one lockstep
//     exchange), and, for a cooperative launch, where every block of the
//     grid runs at once as fibers, a grid barrier every live thread of
//     every worker reached. If nothing can complete, the threads wait at
//     barriers that never meet: a deadlock, reported, not hung.
//
// Exited threads count as arrived at block barriers (sm_70 and later).
//
//===----------------------------------------------------------------------===//

#include "cpu/Abi.h"
#include "cpu/Fiber.h"
#include "cpu/Runtime.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ptxforge::cpu {

namespace {

/// Waits are timed slices in a loop: condition_variable::wait(lock) is a
/// GLIBCXX_3.4.30 symbol (GCC 12), which would lift the wheel past
/// manylinux_2_34 (tools/wheel-check).
constexpr std::chrono::seconds kWaitSlice{1};

// The limits of an sm_90 GPU, so that a launch the GPU refuses is refused here too.
constexpr std::uint32_t kMaxThreadsPerBlock = 1024;
constexpr std::uint32_t kMaxBlock[3] = {1024, 1024, 64};
constexpr std::uint32_t kMaxGrid[3] = {0x7fffffffu, 65535, 65535};
constexpr std::uint64_t kMaxSharedPerBlock = 232448; // 227 KiB
/// The most threads a cooperative launch may have: they all run at once as fibers.
constexpr std::uint64_t kMaxCooperativeThreads = 65536;
/// Fibers a worker keeps between launches (more are freed after a large cooperative launch).
constexpr std::size_t kKeptFibers = 1024;

enum class State : std::uint8_t { Ready, BlockWait, WarpWait, GridWait, Done };

struct Block;
struct Worker;

struct Fiber {
  ThreadState ts{};
  Context context;
  FiberStack stack;
  std::size_t stackBytes = 0; ///< what `stack` was prepared with
  bool started = false;       ///< its stack holds a running fiberMain
  State state = State::Done;
  Block *block = nullptr;
  std::uint32_t warp = 0; ///< index in block->warps
  // A pending barrier or collective, and its result.
  std::int32_t op = 0;
  std::uint32_t mask = 0;
  std::uint64_t value = 0;
  std::int32_t arg = 0, clamp = 0;
  std::uint64_t result = 0;
};

struct Warp {
  std::uint32_t live = 0;    ///< lanes not exited
  std::uint32_t waiting = 0; ///< lanes at a collective
  Fiber *lanes[32] = {};
};

struct Block {
  std::uint32_t live = 0, arrived = 0;
  std::int32_t count = 0;
  bool all = true, any = false;
  std::vector<Warp> warps;
};

/// A barrier across the workers of a cooperative launch that a stopping
/// launch can break.
class GridBarrier {
public:
  void reset(std::uint32_t parties) {
    std::lock_guard<std::mutex> lock(mutex_);
    expected_ = parties, arrived_ = 0, broken_ = false;
  }
  /// False when the launch stopped meanwhile.
  bool arriveAndWait() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (broken_)
      return false;
    const std::uint64_t phase = phase_;
    if (++arrived_ == expected_) {
      arrived_ = 0, ++phase_;
      cv_.notify_all();
      return true;
    }
    while (phase_ == phase && !broken_)
      cv_.wait_for(lock, kWaitSlice);
    return !broken_;
  }
  /// A worker whose threads have all ended leaves the barrier.
  void drop() {
    std::lock_guard<std::mutex> lock(mutex_);
    --expected_;
    if (arrived_ > 0 && arrived_ == expected_) {
      arrived_ = 0, ++phase_;
      cv_.notify_all();
    }
  }
  void breakAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    broken_ = true;
    cv_.notify_all();
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint32_t expected_ = 0, arrived_ = 0;
  std::uint64_t phase_ = 0;
  bool broken_ = false;
};

/// One launch, as every worker sees it.
struct Launch {
  const KernelCode &code;
  const LaunchShape &shape;
  void **params;
  std::uint64_t blocks = 0;
  std::uint32_t threads = 0; ///< per block
  std::size_t sharedStride = 0; ///< bytes of shared memory per block, aligned
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> stop{false};
  GridBarrier grid;
  std::mutex mutex;
  LaunchResult result;

  Launch(const KernelCode &code, const LaunchShape &shape, void **params)
      : code(code), shape(shape), params(params) {}

  /// Stops the launch with `status` (the first reason wins).
  void fail(LaunchResult::Status status, std::string message) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (result.status == LaunchResult::Ok)
        result = {status, std::move(message)};
    }
    stop = true;
    grid.breakAll();
  }
};

/// What one worker thread owns; kept between launches.
struct Worker {
  std::vector<std::unique_ptr<Fiber>> fibers;
  std::vector<Block> blocks;
  char *shared = nullptr; ///< `sharedBytes` bytes aligned to `sharedAlign`
  std::size_t sharedBytes = 0, sharedAlign = 0;
  void *sharedAllocation = nullptr;
  ThreadState plain{}; ///< the thread being run, for code that never synchronises
  std::vector<Fiber *> active; ///< the fibers being run
  Context scheduler;
  Launch *launch = nullptr;
  std::jmp_buf trap;       ///< where runPlain goes on after a thread ends early
  std::uint32_t nextThread = 0; ///< runPlain's next thread (in memory: it survives the longjmp)
  // Counts over the fibers being run.
  std::uint64_t live = 0, blockWaiting = 0, warpWaiting = 0, gridWaiting = 0;

  ~Worker() { std::free(sharedAllocation); }

  bool reserveShared(std::size_t bytes, std::size_t align) {
    if (shared && sharedBytes >= bytes && sharedAlign >= align)
      return true;
    std::free(sharedAllocation);
    sharedAllocation = std::malloc(bytes + align);
    if (!sharedAllocation) {
      shared = nullptr, sharedBytes = 0;
      return false;
    }
    auto at = (reinterpret_cast<std::uintptr_t>(sharedAllocation) + align - 1) / align * align;
    shared = reinterpret_cast<char *>(at);
    sharedBytes = bytes, sharedAlign = align;
    return true;
  }
};

thread_local ThreadState *tlsThread = nullptr;
thread_local Worker *tlsWorker = nullptr;

/// Fiber `f`'s thread has ended: barriers stop waiting for it.
void finish(Worker *w, Fiber *f) {
  f->state = State::Done;
  --w->live;
  --f->block->live;
  f->block->warps[f->warp].live &= ~(1u << f->ts.laneid);
}

/// Where every fiber starts: runs one thread, parks, and runs the next
/// thread the scheduler gives it on the same stack.
void fiberMain(void *arg) {
  auto *f = static_cast<Fiber *>(arg);
  for (;;) {
    Worker *w = tlsWorker;
    w->launch->code.entry(w->launch->params);
    finish(w, f);
    switchContext(f->context, w->scheduler);
  }
}

/// Blocks the calling fiber in `state` until the scheduler releases it.
void block(Fiber *f, State state) {
  Worker *w = tlsWorker;
  f->state = state;
  switchContext(f->context, w->scheduler);
}

// -- the worker pool -----------------------------------------------------------

class Pool {
public:
  static Pool &get() {
    static std::once_flag registered;
    std::call_once(registered, [] { pthread_atfork(nullptr, nullptr, [] { instance() = nullptr; }); });
    std::lock_guard<std::mutex> lock(creating());
    if (!instance())
      instance() = new Pool(); // leaked: its threads may outlive static destructors
    return *instance();
  }

  int size() const { return static_cast<int>(workers_.size()); }
  Worker &worker(int i) { return *workers_[i]; }
  std::mutex &launchMutex() { return launchMutex_; }

  /// Runs job(i) for i in [0, n) on n workers (the caller is worker 0).
  void run(int n, const std::function<void(int)> &job) {
    if (n > 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job, active_ = n, remaining_ = n - 1, ++generation_;
      wake_.notify_all();
    }
    job(0);
    if (n > 1) {
      std::unique_lock<std::mutex> lock(mutex_);
      while (remaining_ != 0)
        done_.wait_for(lock, kWaitSlice);
      job_ = nullptr;
    }
  }

private:
  Pool() {
    int n = static_cast<int>(std::thread::hardware_concurrency());
    if (const char *env = std::getenv("PTXFORGE_CPU_THREADS"))
      n = std::atoi(env);
    n = std::clamp(n, 1, 256);
    for (int i = 0; i < n; ++i)
      workers_.push_back(std::make_unique<Worker>());
    for (int i = 1; i < n; ++i)
      std::thread([this, i] { loop(i); }).detach();
  }

  static Pool *&instance() {
    static Pool *pool = nullptr;
    return pool;
  }
  static std::mutex &creating() {
    static std::mutex *m = new std::mutex;
    return *m;
  }

  void loop(int index) {
    std::uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)> *job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        while (generation_ == seen)
          wake_.wait_for(lock, kWaitSlice);
        seen = generation_;
        job = index < active_ ? job_ : nullptr;
      }
      if (!job)
        continue;
      (*job)(index);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--remaining_ == 0)
        done_.notify_all();
    }
  }

  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex launchMutex_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)> *job_ = nullptr;
  int active_ = 0, remaining_ = 0;
  std::uint64_t generation_ = 0;
};

// -- running blocks --------------------------------------------------------------

/// Fills `ts` for thread `t` (linear, x fastest) of block `b` (linear).
void setThread(ThreadState &ts, const Launch &L, std::uint64_t b, std::uint32_t t, char *shared) {
  const LaunchShape &s = L.shape;
  ts.ntid[0] = s.block[0], ts.ntid[1] = s.block[1], ts.ntid[2] = s.block[2];
  ts.nctaid[0] = s.grid[0], ts.nctaid[1] = s.grid[1], ts.nctaid[2] = s.grid[2];
  ts.tid[0] = t % s.block[0];
  ts.tid[1] = t / s.block[0] % s.block[1];
  ts.tid[2] = t / (s.block[0] * s.block[1]);
  ts.ctaid[0] = static_cast<std::uint32_t>(b % s.grid[0]);
  ts.ctaid[1] = static_cast<std::uint32_t>(b / s.grid[0] % s.grid[1]);
  ts.ctaid[2] = static_cast<std::uint32_t>(b / (std::uint64_t(s.grid[0]) * s.grid[1]));
  ts.laneid = t % 32;
  ts.dynamicSharedBytes = s.dynamicSharedBytes;
  ts.staticShared = shared;
  const std::size_t align = std::max<std::size_t>(L.code.sharedAlign, 16);
  ts.dynamicShared = shared + (L.code.staticSharedBytes + align - 1) / align * align;
}

std::string threadName(const ThreadState &ts) {
  return "thread (" + std::to_string(ts.tid[0]) + ", " + std::to_string(ts.tid[1]) + ", " +
         std::to_string(ts.tid[2]) + ") of block (" + std::to_string(ts.ctaid[0]) + ", " +
         std::to_string(ts.ctaid[1]) + ", " + std::to_string(ts.ctaid[2]) + ")";
}

/// Runs block `b`'s threads one after another (code that never synchronises).
void runPlain(Worker &w, Launch &L, std::uint64_t b) {
  ThreadState &ts = w.plain;
  ts.fiber = nullptr;
  w.nextThread = 0;
  // A thread that ends early (raise, a failed check) comes back here, and
  // the next one runs; one that traps has stopped the launch.
  if (setjmp(w.trap) != 0 && L.stop)
    return;
  while (w.nextThread < L.threads) {
    setThread(ts, L, b, w.nextThread++, w.shared);
    tlsThread = &ts;
    L.code.entry(L.params);
  }
}

/// Gives fiber `f` thread `t` of block `b` (in `slot`, the worker's block record).
bool arm(Worker &w, Launch &L, Fiber &f, Block &slot, std::uint64_t b, std::uint32_t t, char *shared) {
  setThread(f.ts, L, b, t, shared);
  f.ts.fiber = &f;
  const std::size_t want = L.code.stackBytes;
  if (!f.started || f.stackBytes < want) {
    if (!f.stack.reserve(want))
      return false;
    f.stack.prepare(f.context, fiberMain, &f);
    f.stackBytes = want, f.started = true;
  }
  f.block = &slot;
  f.warp = t / 32;
  f.state = State::Ready;
  Warp &warp = slot.warps[f.warp];
  warp.lanes[t % 32] = &f;
  warp.live |= 1u << (t % 32);
  return true;
}

/// The result of shfl.sync for lane `lane` of `warp`, by PTX's definition.
std::uint64_t shuffleResult(const Warp &warp, std::uint32_t group, std::uint32_t lane, const Fiber &f) {
  const std::int32_t b = f.arg & 0x1f, c = f.clamp & 0x1f, segmask = (f.clamp >> 8) & 0x1f;
  const std::int32_t l = static_cast<std::int32_t>(lane);
  const std::int32_t maxLane = (l & segmask) | (c & ~segmask), minLane = l & segmask;
  std::int32_t j = l;
  bool ok = false;
  switch (f.op) {
  case kShflUp: j = l - b, ok = j >= maxLane; break;
  case kShflDown: j = l + b, ok = j <= maxLane; break;
  case kShflXor: j = l ^ b, ok = j <= maxLane; break;
  default: j = minLane | (b & ~segmask), ok = j <= maxLane; break;
  }
  if (!ok || j < 0 || j > 31 || !(group >> j & 1))
    j = l; // out of the segment, or a lane not taking part: the lane's own value
  return warp.lanes[j]->value;
}

/// Completes the collective of the lanes in `group` (all waiting).
void completeWarp(Worker &w, Warp &warp, std::uint32_t group) {
  std::uint32_t ballot = 0;
  bool uniform = true;
  const std::uint64_t first = warp.lanes[std::countr_zero(group)]->value;
  for (std::uint32_t m = group; m; m &= m - 1) {
    const Fiber &f = *warp.lanes[std::countr_zero(m)];
    ballot |= (f.value != 0) << std::countr_zero(m);
    uniform = uniform && f.value == first;
  }
  for (std::uint32_t m = group; m; m &= m - 1) {
    const std::uint32_t lane = std::countr_zero(m);
    Fiber &f = *warp.lanes[lane];
    switch (f.op) {
    case kShflIdx:
    case kShflUp:
    case kShflDown:
    case kShflXor: f.result = shuffleResult(warp, group, lane, f); break;
    case kVoteAll: f.result = ballot == group; break;
    case kVoteAny: f.result = ballot != 0; break;
    case kVoteUni: f.result = ballot == 0 || ballot == group; break;
    case kVoteBallot: f.result = ballot; break;
    case kMatchAny: {
      std::uint32_t same = 0;
      for (std::uint32_t k = group; k; k &= k - 1)
        same |= (warp.lanes[std::countr_zero(k)]->value == f.value) << std::countr_zero(k);
      f.result = same;
      break;
    }
    case kMatchAll: f.result = uniform ? (std::uint64_t(1) << 32) | group : 0; break;
    case kActiveMask: f.result = group; break;
    default: f.result = 0; break; // syncwarp
    }
    f.state = State::Ready;
  }
  warp.waiting &= ~group;
  w.warpWaiting -= std::popcount(group);
}

/// Releases what can be released among `blocks`; the number of threads released.
std::uint64_t resolve(Worker &w, std::vector<Fiber *> &fibers, std::size_t nblocks) {
  std::uint64_t released = 0;
  for (std::size_t i = 0; i < nblocks; ++i) {
    Block &blk = w.blocks[i];
    for (Warp &warp : blk.warps) {
      for (std::uint32_t pending = warp.waiting; pending;) {
        const std::uint32_t lane = std::countr_zero(pending);
        const std::uint32_t group = (warp.lanes[lane]->mask | 1u << lane) & warp.live;
        if ((group & ~warp.waiting) == 0) {
          completeWarp(w, warp, group);
          released += std::popcount(group);
          pending &= ~group;
        } else {
          pending &= ~(1u << lane);
        }
      }
    }
  }
  bool blockDone = false;
  for (std::size_t i = 0; i < nblocks; ++i) {
    Block &blk = w.blocks[i];
    if (blk.arrived > 0 && blk.arrived == blk.live) {
      blockDone = true;
      released += blk.arrived;
    }
  }
  if (blockDone)
    for (Fiber *f : fibers) {
      Block &blk = *f->block;
      if (f->state != State::BlockWait || blk.arrived != blk.live)
        continue;
      f->result = f->op == kBarrierCount ? std::uint64_t(blk.count)
                  : f->op == kBarrierAnd ? std::uint64_t(blk.all)
                  : f->op == kBarrierOr  ? std::uint64_t(blk.any)
                                         : 0;
      f->state = State::Ready;
      --w.blockWaiting;
    }
  if (blockDone)
    for (std::size_t i = 0; i < nblocks; ++i) {
      Block &blk = w.blocks[i];
      if (blk.arrived > 0 && blk.arrived == blk.live)
        blk.arrived = 0, blk.count = 0, blk.all = true, blk.any = false;
    }
  return released;
}

/// When nothing else can move: each warp's lanes at activemask() complete
/// it among themselves (the others are elsewhere, diverged); the number released.
std::uint64_t resolveActiveMasks(Worker &w, std::size_t nblocks) {
  std::uint64_t released = 0;
  for (std::size_t i = 0; i < nblocks; ++i)
    for (Warp &warp : w.blocks[i].warps) {
      std::uint32_t group = 0;
      for (std::uint32_t m = warp.waiting; m; m &= m - 1)
        if (warp.lanes[std::countr_zero(m)]->op == kActiveMask)
          group |= 1u << std::countr_zero(m);
      if (group) {
        completeWarp(w, warp, group);
        released += std::popcount(group);
      }
    }
  return released;
}

std::string deadlockMessage(Worker &w, const std::vector<Fiber *> &fibers) {
  std::string where[3];
  std::uint64_t counts[3] = {};
  for (Fiber *f : fibers) {
    int k = f->state == State::BlockWait ? 0 : f->state == State::WarpWait ? 1 : f->state == State::GridWait ? 2 : -1;
    if (k < 0)
      continue;
    if (counts[k]++ == 0)
      where[k] = threadName(f->ts);
  }
  std::string msg = "kernel '" + w.launch->code.name + "' deadlocked on the CPU target: its threads wait at "
                    "barriers that can never complete (on a GPU it would hang or be undefined):";
  const char *what[3] = {"a block barrier (syncthreads)", "a warp collective (shfl/vote/match/syncwarp) whose "
                         "mask names lanes that are elsewhere", "a grid barrier"};
  for (int k = 0; k < 3; ++k)
    if (counts[k])
      msg += "\n  " + std::to_string(counts[k]) + " thread(s) at " + what[k] + ", e.g. " + where[k];
  return msg;
}

/// Runs `fibers` (armed) until all end; false when the launch stopped.
bool runFibers(Worker &w, Launch &L, std::vector<Fiber *> &fibers, std::size_t nblocks) {
  w.live = fibers.size(), w.blockWaiting = w.warpWaiting = w.gridWaiting = 0;
  for (;;) {
    for (Fiber *f : fibers) {
      if (f->state != State::Ready)
        continue;
      tlsThread = &f->ts;
      switchContext(w.scheduler, f->context);
      if (L.stop)
        return false;
    }
    if (w.live == 0)
      return true;
    if (resolve(w, fibers, nblocks) > 0)
      continue;
    bool anyReady = false;
    for (Fiber *f : fibers)
      anyReady = anyReady || f->state == State::Ready;
    if (anyReady) // a fiber yielded (nanosleep)
      continue;
    if (resolveActiveMasks(w, nblocks) > 0)
      continue;
    if (L.code.cooperative && w.gridWaiting == w.live) {
      if (!L.grid.arriveAndWait())
        return false;
      for (Fiber *f : fibers)
        if (f->state == State::GridWait)
          f->state = State::Ready;
      w.gridWaiting = 0;
      continue;
    }
    L.fail(LaunchResult::Deadlock, deadlockMessage(w, fibers));
    return false;
  }
}

/// Makes sure `w` has `n` fibers and `nblocks` block records for `L`.
void reserveFibers(Worker &w, const Launch &L, std::size_t n, std::size_t nblocks) {
  while (w.fibers.size() < n)
    w.fibers.push_back(std::make_unique<Fiber>());
  if (w.blocks.size() < nblocks)
    w.blocks.resize(nblocks);
  const std::size_t warps = (L.threads + 31) / 32;
  for (std::size_t i = 0; i < nblocks; ++i) {
    Block &blk = w.blocks[i];
    blk.live = L.threads, blk.arrived = 0, blk.count = 0, blk.all = true, blk.any = false;
    blk.warps.resize(warps);
    for (Warp &warp : blk.warps)
      warp.live = warp.waiting = 0;
  }
}

/// After a launch stopped early, fibers caught mid-thread start afresh next time.
void abandon(std::vector<Fiber *> &fibers) {
  for (Fiber *f : fibers)
    if (f->state != State::Done) {
      f->started = false;
      f->state = State::Done;
    }
}

/// Runs blocks [lo, hi) on worker `w` as fibers, all at once.
void runFiberBlocks(Worker &w, Launch &L, std::uint64_t lo, std::uint64_t hi) {
  const std::size_t nblocks = hi - lo;
  reserveFibers(w, L, nblocks * L.threads, nblocks);
  std::vector<Fiber *> &fibers = w.active;
  fibers.clear();
  for (std::size_t i = 0; i < nblocks; ++i)
    for (std::uint32_t t = 0; t < L.threads; ++t) {
      Fiber &f = *w.fibers[i * L.threads + t];
      if (!arm(w, L, f, w.blocks[i], lo + i, t, w.shared + i * L.sharedStride)) {
        L.fail(LaunchResult::OutOfMemory, "out of memory for the stacks of the CPU target's threads");
        abandon(fibers);
        return;
      }
      fibers.push_back(&f);
    }
  if (!runFibers(w, L, fibers, nblocks))
    abandon(fibers);
}

void workerJob(Worker &w, Launch &L, int index, int workers) {
  tlsWorker = &w;
  w.launch = &L;
  const std::size_t sharedAlign = std::max<std::size_t>(L.code.sharedAlign, 64);
  if (L.code.cooperative) {
    const std::uint64_t lo = L.blocks * index / workers, hi = L.blocks * (index + 1) / workers;
    if (!w.reserveShared(L.sharedStride * (hi - lo) + 1, sharedAlign))
      L.fail(LaunchResult::OutOfMemory, "out of memory for the CPU target's shared memory");
    else
      runFiberBlocks(w, L, lo, hi);
    L.grid.drop();
    if (w.fibers.size() > kKeptFibers)
      w.fibers.resize(kKeptFibers);
  } else if (!w.reserveShared(L.sharedStride + 1, sharedAlign)) {
    L.fail(LaunchResult::OutOfMemory, "out of memory for the CPU target's shared memory");
  } else {
    for (std::uint64_t b; !L.stop && (b = L.next.fetch_add(1)) < L.blocks;) {
      if (L.code.fibers)
        runFiberBlocks(w, L, b, b + 1);
      else
        runPlain(w, L, b);
    }
  }
  w.launch = nullptr;
  tlsWorker = nullptr;
  tlsThread = nullptr;
}

std::string triple(const std::uint32_t (&v)[3]) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " + std::to_string(v[2]) + ")";
}

/// The GPU's refusal of this launch, or "".
std::string check(const KernelCode &code, const LaunchShape &s) {
  const auto &g = s.grid;
  const auto &b = s.block;
  if (!g[0] || !g[1] || !g[2] || !b[0] || !b[1] || !b[2])
    return "a grid or block dimension is 0: grid " + triple(g) + ", block " + triple(b);
  const std::uint64_t threads = std::uint64_t(b[0]) * b[1] * b[2];
  const std::uint32_t limit = code.maxThreadsPerBlock ? code.maxThreadsPerBlock : kMaxThreadsPerBlock;
  if (threads > limit)
    return "block of " + std::to_string(threads) + " threads " + triple(b) + " exceeds this kernel's limit of " +
           std::to_string(limit) + " threads per block" +
           (limit < kMaxThreadsPerBlock ? " (set by its launch bounds)" : "");
  static constexpr char kAxis[3] = {'x', 'y', 'z'};
  for (int i = 0; i < 3; ++i)
    if (b[i] > kMaxBlock[i])
      return std::string("block dimension ") + kAxis[i] + " = " + std::to_string(b[i]) +
             " exceeds the device's limit of " + std::to_string(kMaxBlock[i]);
  for (int i = 0; i < 3; ++i)
    if (g[i] > kMaxGrid[i])
      return std::string("grid dimension ") + kAxis[i] + " = " + std::to_string(g[i]) +
             " exceeds the device's limit of " + std::to_string(kMaxGrid[i]);
  if (code.staticSharedBytes + std::uint64_t(s.dynamicSharedBytes) > kMaxSharedPerBlock)
    return "dynamic shared memory of " + std::to_string(s.dynamicSharedBytes) +
           " bytes exceeds the device's limit of " + std::to_string(kMaxSharedPerBlock) +
           " bytes per block (static: " + std::to_string(code.staticSharedBytes) + ")";
  const std::uint64_t blocks = std::uint64_t(g[0]) * g[1] * g[2];
  if (code.cooperative && blocks * threads > kMaxCooperativeThreads)
    return "kernel '" + code.name + "' synchronizes the whole grid (cg.this_grid().sync()), so all its blocks must "
           "be resident at once: the grid " + triple(g) + " has " + std::to_string(blocks) + " blocks of " +
           std::to_string(threads) + " threads, but the CPU target runs at most " +
           std::to_string(kMaxCooperativeThreads) + " threads of a cooperative launch at once";
  return "";
}

} // namespace

int workerCount() { return Pool::get().size(); }

LaunchResult launch(const KernelCode &code, const LaunchShape &shape, void **params) {
  if (std::string why = check(code, shape); !why.empty())
    return {LaunchResult::BadLaunch, why};
  Pool &pool = Pool::get();
  std::lock_guard<std::mutex> lock(pool.launchMutex());
  Launch L(code, shape, params);
  L.blocks = std::uint64_t(shape.grid[0]) * shape.grid[1] * shape.grid[2];
  L.threads = shape.block[0] * shape.block[1] * shape.block[2];
  const std::size_t align = std::max<std::size_t>(code.sharedAlign, 64);
  const std::size_t dynamicAt = (code.staticSharedBytes + align - 1) / align * align;
  L.sharedStride = (dynamicAt + shape.dynamicSharedBytes + align - 1) / align * align;
  const int workers = static_cast<int>(std::min<std::uint64_t>(pool.size(), L.blocks));
  L.grid.reset(static_cast<std::uint32_t>(workers));
  pool.run(workers, [&](int i) { workerJob(pool.worker(i), L, i, workers); });
  return L.result;
}

} // namespace ptxforge::cpu

// -- what kernel code calls ------------------------------------------------------

using namespace ptxforge::cpu;

extern "C" {

ThreadState *__pf_cpu_thread() { return tlsThread; }

std::int32_t __pf_cpu_barrier(ThreadState *ts, std::int32_t op, std::int32_t predicate) {
  auto *f = static_cast<Fiber *>(ts->fiber);
  if (!f) // one thread alone (the runtime ran the code without fibers)
    return op == kBarrierCount ? predicate != 0 : op == kBarrierPlain ? 0 : predicate != 0;
  Block &blk = *f->block;
  ++blk.arrived;
  blk.count += predicate != 0;
  blk.all = blk.all && predicate != 0;
  blk.any = blk.any || predicate != 0;
  f->op = op;
  ++tlsWorker->blockWaiting;
  block(f, State::BlockWait);
  return static_cast<std::int32_t>(f->result);
}

std::uint64_t __pf_cpu_warp(ThreadState *ts, std::int32_t op, std::uint32_t mask, std::uint64_t value,
                            std::int32_t arg, std::int32_t clamp) {
  auto *f = static_cast<Fiber *>(ts->fiber);
  if (op == kActiveMask && !f) {
    const std::uint32_t threads = ts->ntid[0] * ts->ntid[1] * ts->ntid[2];
    const std::uint32_t first = (ts->tid[0] + ts->ntid[0] * (ts->tid[1] + ts->ntid[1] * ts->tid[2])) / 32 * 32;
    const std::uint32_t n = std::min<std::uint32_t>(32, threads - first);
    return n == 32 ? 0xffffffffu : (1u << n) - 1;
  }
  if (op == kActiveMask) // the lanes that arrive together: a collective of every live lane that can come
    mask = 0xffffffffu;
  if (!f) { // one lane alone
    const std::uint32_t self = 1u << ts->laneid;
    switch (op) {
    case kVoteAll:
    case kVoteAny: return value != 0;
    case kVoteUni: return 1;
    case kVoteBallot: return value != 0 ? self : 0;
    case kMatchAny: return self;
    case kMatchAll: return (std::uint64_t(1) << 32) | self;
    default: return value;
    }
  }
  f->op = op, f->mask = mask, f->value = value, f->arg = arg, f->clamp = clamp;
  Warp &warp = f->block->warps[f->warp];
  warp.waiting |= 1u << ts->laneid;
  ++tlsWorker->warpWaiting;
  block(f, State::WarpWait);
  return f->result;
}

void __pf_cpu_grid_sync(ThreadState *ts) {
  auto *f = static_cast<Fiber *>(ts->fiber);
  if (!f)
    return;
  ++tlsWorker->gridWaiting;
  block(f, State::GridWait);
}

void __pf_cpu_nanosleep(std::uint32_t ns) {
  // A fiber lets the others of its block run (a spinning thread waits for them);
  // a thread alone sleeps.
  ThreadState *ts = tlsThread;
  if (auto *f = ts ? static_cast<Fiber *>(ts->fiber) : nullptr) {
    switchContext(f->context, tlsWorker->scheduler);
    return;
  }
  std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::uint32_t>(ns, 1000000)));
}

std::uint64_t __pf_cpu_clock64() {
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

[[noreturn]] void __pf_cpu_trap(ThreadState *ts) {
  Worker *w = tlsWorker;
  w->launch->fail(LaunchResult::Trapped, "kernel '" + w->launch->code.name + "' stopped: " + threadName(*ts) +
                                             " trapped");
  if (auto *f = static_cast<Fiber *>(ts->fiber)) {
    f->state = State::Done;
    f->started = false;
    switchContext(f->context, w->scheduler);
    __builtin_unreachable();
  }
  std::longjmp(w->trap, 1);
}

[[noreturn]] void __pf_cpu_exit(ThreadState *ts) {
  Worker *w = tlsWorker;
  if (auto *f = static_cast<Fiber *>(ts->fiber)) {
    finish(w, f);
    f->started = false; // its stack holds the ended thread's frames: start afresh
    switchContext(f->context, w->scheduler);
    __builtin_unreachable();
  }
  std::longjmp(w->trap, 2);
}

} // extern "C"
