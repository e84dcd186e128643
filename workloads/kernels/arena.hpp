// One arena per model: a single 64-byte-aligned allocation sized up front, carved by bump
// allocation into named tensors (parameters, gradients, activations, optimizer state, scratch).
// Not a general allocator: nothing is freed individually; reset() rewinds everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace greenbench::kernels {

class Arena {
 public:
  static constexpr std::size_t kAlign = 64;

  // Bytes one tensor of `count` elements of `elem_bytes` takes in an arena (rounded to 64).
  static std::size_t padded_bytes(std::size_t count, std::size_t elem_bytes = sizeof(float)) {
    return (count * elem_bytes + kAlign - 1) / kAlign * kAlign;
  }

  // Allocates `capacity_bytes` (rounded up to 64) once. Throws std::bad_alloc on failure.
  explicit Arena(std::size_t capacity_bytes);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns a zeroed, 64-byte-aligned block of `count` T named `name`.
  // Throws std::length_error (naming the tensor, the need and what is left) when the arena is
  // too small: size the arena with padded_bytes() of every tensor.
  template <typename T = float>
  T* alloc(std::string_view name, std::size_t count) {
    return static_cast<T*>(alloc_bytes(name, count, sizeof(T)));
  }

  struct Entry {
    std::string name;
    std::size_t offset_bytes;
    std::size_t bytes;
  };
  // Tensors in allocation order.
  const std::vector<Entry>& tensors() const { return entries_; }
  // Returns the tensor named `name`, or nullptr.
  void* find(std::string_view name) const;

  std::size_t used_bytes() const { return used_; }
  std::size_t capacity_bytes() const { return capacity_; }
  // Forgets every tensor; memory is kept (and zeroed again on the next alloc).
  void reset();

 private:
  void* alloc_bytes(std::string_view name, std::size_t count, std::size_t elem_bytes);

  std::byte* base_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace greenbench::kernels
