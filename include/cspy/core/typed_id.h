// TypedId<Tag>: a strongly typed index into an interning table (frames, stacks, nodes),
// so that a FrameId can never be passed where a NodeId is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace cspy {

template <typename Tag>
class TypedId {
 public:
  constexpr TypedId() = default;
  constexpr explicit TypedId(std::uint32_t index) : index_(index) {}
  constexpr std::uint32_t index() const { return index_; }
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the `< 0` of a defaulted <=>
  constexpr auto operator<=>(const TypedId&) const = default;

 private:
  std::uint32_t index_ = 0;
};

}  // namespace cspy

template <typename Tag>
struct std::hash<cspy::TypedId<Tag>> {
  std::size_t operator()(cspy::TypedId<Tag> id) const noexcept {
    return std::hash<std::uint32_t>()(id.index());
  }
};
