// C++ (std::thread, std::mutex, std::atomic): a pool's start-up waits for
// its workers with a bare spin on a counter, as a widely used C thread-pool
// library does with `while (alive != n) {}`; the workers then take jobs
// from a vector under a std::mutex and count them. Bug: the alive counter
// is a plain int, incremented under the mutex but polled without it (a data
// race, and at -O2 a loop that may never see the change). Fixed: a
// std::atomic<int>. Expected: bug, data-race; the fixed spin is not a hang.
#include <atomic>
#include <cassert>
#include <mutex>
#include <thread>
#include <vector>

static std::mutex m;
#ifdef FIXED
static std::atomic<int> alive{0};
#else
static volatile int alive = 0;            // BUG: polled without the lock (volatile, as in that library)
#endif
static std::vector<int> jobs{1, 2, 3, 4, 5, 6};
static std::atomic<int> total{0};

static void worker() {
  {
    std::lock_guard<std::mutex> g(m);
    alive++;
  }
  for (;;) {
    int j;
    {
      std::lock_guard<std::mutex> g(m);
      if (jobs.empty()) return;
      j = jobs.back();
      jobs.pop_back();
    }
    total.fetch_add(j, std::memory_order_relaxed);
  }
}

int main() {
  std::vector<std::thread> ts;
  for (int i = 0; i < 2; i++) ts.emplace_back(worker);
  while (alive != 2) {}
  for (auto &t : ts) t.join();
  assert(total.load() == 21);
  return 0;
}
