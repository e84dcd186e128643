// The kernels' worker pool (see parallel.hpp): persistent threads woken by a generation
// counter under one mutex; each runs its strided share of the tasks and counts itself done.
#include "kernels/parallel.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels/denormals.hpp"

namespace greenbench::kernels {

namespace {

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void run(int workers, int n, const std::function<void(int, int)>& fn) {
    grow(workers - 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = &fn;
      n_ = n;
      workers_ = workers;
      pending_ = workers - 1;
      ++generation_;
    }
    wake_.notify_all();
    share(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
    fn_ = nullptr;
  }

 private:
  // Helper threads 1..count exist after this.
  void grow(int count) {
    while (int(threads_.size()) < count) {
      const int w = int(threads_.size()) + 1;
      threads_.emplace_back([this, w] { loop(w); });
    }
  }

  void share(int w) {
    for (int task = w; task < n_; task += workers_) (*fn_)(task, w);
  }

  void loop(int w) {
    denormals_flush();  // as the calling thread does (kernels/threads.hpp)
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
        if (w >= workers_) continue;  // not needed this time
      }
      share(w);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  const std::function<void(int, int)>* fn_ = nullptr;
  int n_ = 0, workers_ = 1, pending_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

void parallel_for(int workers, int n, const std::function<void(int task, int worker)>& fn) {
  if (workers > n) workers = n;
  if (workers <= 1) {
    for (int task = 0; task < n; task++) fn(task, 0);
    return;
  }
  pool().run(workers, n, fn);
}

}  // namespace greenbench::kernels
