// PageArray<T>: a fixed-size array of a trivially copyable T in pages of its
// own (an anonymous mmap), unmapped when it is destroyed or reassigned.
//
// For the few large tables that grow by replacing themselves (a new, larger
// array filled from the old one, which is then dropped): from the allocator,
// the old array's pages would stay resident until its decay time passed
// (malloc_conf.cc), and when a table is split in parts that all grow within a
// second, as the near-duplicate index's are, those retained arrays were most
// of aggregate's peak memory (a rise of ~25 MB for a second at 100,000
// reports). Unmapped, they leave at once. Not for small arrays: each costs a
// system call and at least a page.
//
// The pages are populated by the mmap itself (MAP_POPULATE): the array is
// filled at once anyway, and a page fault per page is the dearer way to get
// them, on a virtual machine most of all (8 MB touched page by page: 26 ms;
// populated: 2.8 ms; audit_bench, which grows the near-duplicate index of
// 20,000 documents: 110,000 page faults -> 16,000, the sketch included). A zero fill is left to the
// kernel, whose fresh pages are zero.
// Thread-safety: as a std::vector.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace reportflow {

template <typename T>
class PageArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  PageArray() = default;
  // `n` copies of `fill`; throws std::bad_alloc when the system has no memory.
  PageArray(size_t n, const T& fill) {
    if (n == 0) return;
    void* p = mmap(nullptr, n * sizeof(T), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<T*>(p);
    size_ = n;
    static constexpr char kZero[sizeof(T)] = {};
    if (std::memcmp(&fill, kZero, sizeof(T)) != 0) std::fill(data_, data_ + n, fill);
  }
  PageArray(PageArray&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  PageArray& operator=(PageArray&& o) noexcept {
    if (this != &o) {
      Unmap();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  PageArray(const PageArray&) = delete;
  PageArray& operator=(const PageArray&) = delete;
  ~PageArray() { Unmap(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  void Unmap() {
    if (data_ != nullptr) munmap(data_, size_ * sizeof(T));
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace reportflow
