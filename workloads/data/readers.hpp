// The data set readers behind dataset_load / dataset_check, one file each (fashion_mnist.cpp,
// cifar10.cpp, synthetic.cpp), and what they share. Internal; the contract is dataset.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "greenbench/dataset.hpp"

namespace greenbench::detail {

// The sample count of a split after subsetting: `requested` (the value of `key`, 0 = all)
// against the `available` samples of `what` ("fashion-mnist train"). Throws InputError.
int64_t subset_count(int64_t requested, int64_t available, const char* key,
                     const std::string& what);

// spec.data_dir, or the data set's default when empty.
std::string data_dir_of(const DatasetSpec& spec);

// Throws InputError if `dir` is not a directory.
void require_dir(const std::string& dir, const std::string& fix);

DatasetSplits fashion_mnist_load(const DatasetSpec& spec);
DatasetInfo fashion_mnist_check(const DatasetSpec& spec);

DatasetSplits cifar10_load(const DatasetSpec& spec);
DatasetInfo cifar10_check(const DatasetSpec& spec);

DatasetSplits synthetic_load(const DatasetSpec& spec);
DatasetInfo synthetic_check(const DatasetSpec& spec);

}  // namespace greenbench::detail
