// Arena: one aligned allocation, bump-allocated into named tensors. See arena.hpp.
#include "kernels/arena.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace greenbench::kernels {

Arena::Arena(std::size_t capacity_bytes) : capacity_(padded_bytes(capacity_bytes, 1)) {
  if (capacity_ > 0) {
    base_ = static_cast<std::byte*>(std::aligned_alloc(kAlign, capacity_));
    if (base_ == nullptr) throw std::bad_alloc();
  }
}

Arena::~Arena() {
  std::free(base_);
}

void* Arena::alloc_bytes(std::string_view name, std::size_t count, std::size_t elem_bytes) {
  std::size_t bytes = padded_bytes(count, elem_bytes);
  if (used_ + bytes > capacity_) {
    throw std::length_error("arena: tensor '" + std::string(name) + "' needs " +
                            std::to_string(bytes) + " bytes but only " +
                            std::to_string(capacity_ - used_) + " of " + std::to_string(capacity_) +
                            " are left; size the arena with Arena::padded_bytes of every tensor");
  }
  std::byte* p = base_ + used_;
  std::memset(p, 0, bytes);
  entries_.push_back({std::string(name), used_, bytes});
  used_ += bytes;
  return p;
}

void* Arena::find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return base_ + e.offset_bytes;
  }
  return nullptr;
}

void Arena::reset() {
  used_ = 0;
  entries_.clear();
}

}  // namespace greenbench::kernels
