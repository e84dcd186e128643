// dataset_load / dataset_check: picks the reader by name, and the helpers readers share
// (subsets, data directories). Not any file format (fashion_mnist.cpp, cifar10.cpp, ...).
#include "greenbench/dataset.hpp"

#include <filesystem>

#include "data/input_error.hpp"
#include "data/readers.hpp"

namespace greenbench {

namespace detail {

int64_t subset_count(int64_t requested, int64_t available, const char* key,
                     const std::string& what) {
  if (requested < 0) {
    throw_input_error(std::string(key) + " = " + std::to_string(requested) + " is negative", "",
                      "use 0 for all samples, or a positive count");
  }
  if (requested == 0) return available;
  if (requested > available) {
    throw_input_error(std::string(key) + " = " + std::to_string(requested) + " but " + what +
                          " has " + std::to_string(available) + " samples",
                      "", "use at most " + std::to_string(available) + ", or 0 for all");
  }
  return requested;
}

std::string data_dir_of(const DatasetSpec& spec) {
  return spec.data_dir.empty() ? dataset_default_dir(spec.name) : spec.data_dir;
}

void require_dir(const std::string& dir, const std::string& fix) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw_input_error("data directory not found", dir, fix);
  }
}

}  // namespace detail

namespace {

using detail::throw_input_error;

[[noreturn]] void unknown_name(const std::string& name) {
  throw_input_error("dataset: unknown name '" + name + "'", "",
                    "use fashion-mnist, cifar10 or synthetic");
}

}  // namespace

std::string dataset_default_dir(const std::string& name) {
  if (name == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (name == "cifar10") return "/usr/share/datasets/cifar10";
  return "";
}

DatasetSplits dataset_load(const DatasetSpec& spec) {
  if (spec.name == "fashion-mnist") return detail::fashion_mnist_load(spec);
  if (spec.name == "cifar10") return detail::cifar10_load(spec);
  if (spec.name == "synthetic") return detail::synthetic_load(spec);
  unknown_name(spec.name);
}

DatasetInfo dataset_check(const DatasetSpec& spec) {
  if (spec.name == "fashion-mnist") return detail::fashion_mnist_check(spec);
  if (spec.name == "cifar10") return detail::cifar10_check(spec);
  if (spec.name == "synthetic") return detail::synthetic_check(spec);
  unknown_name(spec.name);
}

}  // namespace greenbench
