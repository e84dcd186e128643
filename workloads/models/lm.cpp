// The `lm` workload: a byte-level causal transformer trained on windows of a byte corpus, and
// inference as (1) teacher-forced loss on the held-out bytes and (2) greedy generation from
// held-out prompts, with or without the KV cache. Keys and their checks live here too.
// Not the transformer (transformer.cpp) and not the corpus reader (data/text.cpp).
//
// An epoch is ceil(train bytes / context) windows of context + 1 bytes (inputs and next-byte
// targets) at uniformly random offsets drawn from (seed, epoch): about one pass over the
// train bytes as predictions. train_samples (if > 0) sets the windows per epoch instead.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "data/random.hpp"
#include "greenbench/dataset.hpp"
#include "kernels/threads.hpp"
#include "models/config.hpp"
#include "models/input_error.hpp"
#include "models/phase_loop.hpp"
#include "models/transformer_archs.hpp"
#include "models/transformer_cost.hpp"

namespace greenbench::models {

namespace {

constexpr std::int64_t kSyntheticBytes = 1 << 18;  // dataset synthetic: 256 KiB, 10% held out

int argmax(const float* x, int n) {
  int best = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  return best;
}

class LmWorkload final : public LanguageModel {
 public:
  LmWorkload(const WorkloadConfig& config, TextCorpus corpus)
      : common_(common_read(config)),
        optim_(optim_config(common_)),
        corpus_(std::move(corpus)),
        T_(config.at("context").get<int>()),
        P_(config.at("prompt_tokens").get<int>()),
        G_(config.at("gen_tokens").get<int>()),
        kv_cache_(config.at("kv_cache").get<bool>()),
        model_(lm_shape(config), std::max(common_.batch_size, common_.infer_batch_size),
               common_.infer_batch_size, optim_.kind, common_.seed) {
    kernels::threads_set(common_.threads);
    const auto train_bytes = std::int64_t(corpus_.train.size());
    windows_ = common_.train_samples > 0 ? common_.train_samples : (train_bytes + T_ - 1) / T_;
    test_windows_ = (std::int64_t(corpus_.test.size()) - 1) / T_;
    if (common_.test_samples > 0) test_windows_ = std::min(test_windows_, common_.test_samples);
  }

  std::string name() const override { return "lm"; }
  std::int64_t params() const override { return model_.params(); }
  std::int64_t macs_per_sample() const override { return model_.macs_per_sample(); }
  std::int64_t memory_bytes() const override { return model_.memory_bytes(); }
  std::int64_t train_samples() const override { return windows_; }
  std::int64_t test_samples() const override { return test_windows_; }
  std::int64_t steps_per_epoch() const override {
    return (windows_ + common_.batch_size - 1) / common_.batch_size;
  }
  const std::vector<std::uint8_t>& generated() const override { return generated_; }
  Transformer& model() override { return model_; }

  void threads_set(int threads) override {
    if (threads < 1 || threads > threads_built_)
      throw std::invalid_argument("threads_set: " + std::to_string(threads) + " is not in 1.." +
                                  std::to_string(threads_built_));
    common_.threads = threads;
    kernels::threads_set(threads);
  }
  int threads() const override { return common_.threads; }

  void train_epoch(int epoch, PhaseObserver& observer) override {
    kernels::threads_set(common_.threads);
    std::mt19937_64 rng = detail::random_stream(common_.seed, std::uint64_t(epoch));
    const std::uint64_t starts = corpus_.train.size() - std::size_t(T_);  // s + T < size
    detail::phase_loop(
        "train", windows_, common_.batch_size, T_, true, observer,
        [&](std::int64_t, int B) {
          for (int b = 0; b < B; b++)
            window_load(corpus_.train, std::int64_t(detail::random_below(rng, starts)), b);
          return model_.forward(B, T_);
        },
        [&](int B) {
          model_.backward(B, T_);
          model_.update(optim_, ++step_);
        });
  }

  void infer(PhaseObserver& observer) override {
    kernels::threads_set(common_.threads);
    if (!infer_loss(observer)) return;
    generate(observer);
  }

  // Windows at fixed offsets 0, T, 2T, ... of the train split.
  void bench_train_step() override {
    const int B = common_.batch_size;
    bench_load(B);
    model_.forward(B, T_);
    model_.backward(B, T_);
    model_.update(optim_, ++step_);
  }
  void bench_infer_step() override {
    const int B = common_.infer_batch_size;
    bench_load(B);
    model_.forward(B, T_);
  }
  double bench_train_flops() const override { return model_.train_flops(common_.batch_size); }
  double bench_infer_flops() const override { return model_.infer_flops(common_.infer_batch_size); }
  // Per training window of `context` tokens (the unit of train_samples and `samples`), and
  // the generation of each inference pass.
  CostBreakdown cost_breakdown() const override {
    return lm_cost(model_.shape(), optim_.kind, common_.infer_batch_size, P_, G_, kv_cache_);
  }

 private:
  // Row b of tokens()/targets(): bytes [s, s + T) and their successors.
  void window_load(const std::vector<std::uint8_t>& bytes, std::int64_t s, int b) {
    std::uint8_t* tok = model_.tokens() + std::int64_t(b) * T_;
    int* tgt = model_.targets() + std::int64_t(b) * T_;
    for (int t = 0; t < T_; t++) {
      tok[t] = bytes[std::size_t(s + t)];
      tgt[t] = bytes[std::size_t(s + t + 1)];
    }
  }

  void bench_load(int B) {
    const std::int64_t starts = std::int64_t(corpus_.train.size()) - T_;
    for (int b = 0; b < B; b++) window_load(corpus_.train, (std::int64_t(b) * T_) % starts, b);
  }

  // Phase "infer": mean next-byte loss and accuracy over consecutive held-out windows.
  bool infer_loss(PhaseObserver& observer) {
    return detail::phase_loop(
        "infer", test_windows_, common_.infer_batch_size, T_, false, observer,
        [&](std::int64_t w, int B) {
          for (int b = 0; b < B; b++) window_load(corpus_.test, (w + b) * T_, b);
          return model_.forward(B, T_);
        },
        [](int) {});
  }

  // Phases "prefill" (the prompts, and the first generated byte from their last logits) and
  // "decode" (the other gen_tokens - 1 bytes, one step each: a KV-cache step, or without the
  // cache a forward over the whole sequence so far).
  void generate(PhaseObserver& observer) {
    const int B = common_.infer_batch_size, V = model_.shape().vocab;
    const std::int64_t span = std::int64_t(corpus_.test.size()) - P_;
    seq_.assign(std::size_t(B) * (P_ + G_), 0);  // (B, P + G): prompt, then generated bytes
    for (int b = 0; b < B; b++) {
      const std::int64_t off = span * b / B;
      std::copy_n(corpus_.test.begin() + off, P_, seq_.begin() + std::int64_t(b) * (P_ + G_));
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    PhaseResult pre;
    pre.phase = "prefill";
    pre.loss = pre.accuracy = nan;
    observer.phase_begin("prefill");
    pack(B, P_);
    if (kv_cache_)
      model_.cache_prefill(B, P_);
    else
      model_.forward(B, P_, false);
    for (int b = 0; b < B; b++)
      seq_[std::size_t(b) * (P_ + G_) + P_] =
          std::uint8_t(argmax(model_.logits() + (std::int64_t(b) * P_ + P_ - 1) * V, V));
    pre.samples = B;
    pre.tokens = std::int64_t(B) * P_;
    pre.steps = 1;
    const bool go = observer.step_end(1);
    observer.phase_end(pre);
    if (!go) return;

    PhaseResult dec;
    dec.phase = "decode";
    dec.loss = dec.accuracy = nan;
    observer.phase_begin("decode");
    std::vector<std::uint8_t> last(static_cast<std::size_t>(B));
    for (int i = 1; i < G_; i++) {
      const int L = P_ + i;  // sequence length so far; the new byte goes to position L
      const float* logits = nullptr;
      if (kv_cache_) {
        for (int b = 0; b < B; b++) last[std::size_t(b)] = seq_[std::size_t(b) * (P_ + G_) + L - 1];
        logits = model_.cache_step(B, L - 1, last.data());
      } else {
        pack(B, L);
        model_.forward(B, L, false);
      }
      for (int b = 0; b < B; b++) {
        const float* row = kv_cache_ ? logits + std::int64_t(b) * V
                                     : model_.logits() + (std::int64_t(b) * L + L - 1) * V;
        seq_[std::size_t(b) * (P_ + G_) + L] = std::uint8_t(argmax(row, V));
      }
      dec.steps++;
      dec.tokens += B;
      if (!observer.step_end(dec.steps)) break;
    }
    dec.samples = B;
    observer.phase_end(dec);
    generated_.assign(std::size_t(B) * G_, 0);
    for (int b = 0; b < B; b++)
      std::copy_n(seq_.begin() + std::int64_t(b) * (P_ + G_) + P_, G_,
                  generated_.begin() + std::int64_t(b) * G_);
  }

  // tokens() (B, L) = the first L bytes of each sequence.
  void pack(int B, int L) {
    for (int b = 0; b < B; b++)
      std::copy_n(seq_.begin() + std::int64_t(b) * (P_ + G_), L,
                  model_.tokens() + std::int64_t(b) * L);
  }

  CommonConfig common_;
  int threads_built_ = common_.threads;  // the config's threads: threads_set's ceiling
  kernels::OptimConfig optim_;
  TextCorpus corpus_;
  int T_, P_, G_;
  bool kv_cache_;
  Transformer model_;
  std::int64_t windows_ = 0, test_windows_ = 0;
  std::vector<std::uint8_t> seq_, generated_;
  int step_ = 0;
};

TextCorpus synthetic_corpus(std::uint64_t seed) {
  std::mt19937_64 g = detail::random_stream(seed, 0x6c6d);  // "lm"
  std::vector<std::uint8_t> all(static_cast<std::size_t>(kSyntheticBytes));
  for (auto& b : all) b = std::uint8_t(g() >> 56);
  TextCorpus c;
  c.source = "synthetic";
  const std::size_t test = all.size() / 10;
  c.train.assign(all.begin(), all.end() - std::int64_t(test));
  c.test.assign(all.end() - std::int64_t(test), all.end());
  return c;
}

}  // namespace

std::vector<std::string> lm_keys() {
  return {"context", "dim", "depth", "heads", "corpus", "prompt_tokens", "gen_tokens", "kv_cache"};
}

void lm_complete(const WorkloadConfig& in, WorkloadConfig& out) {
  const std::string dataset = key_enum(in, "dataset", {"text", "synthetic"}, "text");
  for (const char* key : {"data_dir", "input_shape"})
    if (in.contains(key))
      throw InputError(fmt::format("{}: does not apply to workload lm", key), "", 0, 0,
                       "remove it; lm reads the text file or directory named by corpus");
  WorkloadConfig rest = in;
  rest.erase("dataset");
  common_complete(rest, out);
  out.erase("data_dir");
  out["dataset"] = dataset;
  const auto context = key_int(in, "context", 2, 1 << 16, 128);
  out["context"] = context;
  transformer_width_complete(in, out, /*default_dim=*/128);
  if (dataset == "text") {
    if (in.contains("corpus") && !in["corpus"].is_string())
      throw InputError(
          fmt::format("corpus: expected a file or directory path, got {}", in["corpus"].dump()));
    out["corpus"] = in.value("corpus", std::string(text_corpus_default_path));
    // A missing or unreadable corpus is bad input (exit 2) before any run starts.
    text_corpus_check(out["corpus"].get<std::string>(), 0.1);
  } else if (in.contains("corpus")) {
    throw InputError("corpus: does not apply to dataset synthetic", "", 0, 0,
                     "remove corpus, or use dataset text");
  }
  const auto prompt =
      key_int(in, "prompt_tokens", 1, context, std::min<std::int64_t>(32, context / 2));
  const auto gen =
      key_int(in, "gen_tokens", 1, context, std::min<std::int64_t>(64, context - prompt));
  if (prompt + gen > context)
    throw InputError(fmt::format("prompt_tokens + gen_tokens: {} + {} = {} exceeds context {}",
                                 prompt, gen, prompt + gen, context),
                     "", 0, 0,
                     "raise context or shorten prompt_tokens or gen_tokens: generation does "
                     "not slide the window, so prompt and generated bytes must fit in it");
  out["prompt_tokens"] = prompt;
  out["gen_tokens"] = gen;
  out["kv_cache"] = key_bool(in, "kv_cache", true);
}

TransformerShape lm_shape(const WorkloadConfig& config) {
  TransformerShape s;
  s.lm = true;
  s.context = config.at("context").get<int>();
  s.dim = config.at("dim").get<int>();
  s.depth = config.at("depth").get<int>();
  s.heads = config.at("heads").get<int>();
  s.hidden = 4 * s.dim;
  return s;
}

std::unique_ptr<LanguageModel> lm_make(const WorkloadConfig& config) {
  const CommonConfig c = common_read(config);
  TextCorpus corpus = config.at("dataset") == "synthetic"
                          ? synthetic_corpus(c.seed)
                          : text_corpus_load(config.at("corpus").get<std::string>(), 0.1);
  const auto context = config.at("context").get<std::int64_t>();
  const auto prompt = config.at("prompt_tokens").get<std::int64_t>();
  if (std::int64_t(corpus.train.size()) <= context || std::int64_t(corpus.test.size()) <= context ||
      std::int64_t(corpus.test.size()) < prompt)
    throw InputError(
        fmt::format("corpus: {} has {} train and {} held-out bytes; context {} needs "
                    "more than {} of each",
                    corpus.source, corpus.train.size(), corpus.test.size(), context, context),
        corpus.source, 0, 0, "use a larger corpus or a smaller context");
  return std::make_unique<LmWorkload>(config, std::move(corpus));
}

}  // namespace greenbench::models
