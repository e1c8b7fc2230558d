// RemoteAddr: an address in the *target's* address space, never to be dereferenced here.
// A distinct type so that target addresses and local pointers cannot be mixed up.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace cspy {

class RemoteAddr {
 public:
  constexpr RemoteAddr() = default;
  constexpr explicit RemoteAddr(std::uint64_t value) : value_(value) {}

  constexpr std::uint64_t value() const { return value_; }
  constexpr bool is_null() const { return value_ == 0; }
  constexpr RemoteAddr operator+(std::int64_t delta) const {
    return RemoteAddr(value_ + static_cast<std::uint64_t>(delta));
  }
  constexpr std::int64_t operator-(RemoteAddr other) const {
    return static_cast<std::int64_t>(value_ - other.value_);
  }
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the `< 0` of a defaulted <=>
  constexpr auto operator<=>(const RemoteAddr&) const = default;

 private:
  std::uint64_t value_ = 0;
};

}  // namespace cspy

template <>
struct std::hash<cspy::RemoteAddr> {
  std::size_t operator()(cspy::RemoteAddr a) const noexcept {
    return std::hash<std::uint64_t>()(a.value());
  }
};
