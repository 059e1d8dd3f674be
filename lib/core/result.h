// Errors travel as values through the library; only the tools turn them into
// exit codes (usage/config -> 2, runtime -> 1), as bpftrace's guidelines do.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ebpfmon {

struct Error {
  enum class Kind { Usage, Runtime };
  Kind kind = Kind::Runtime;
  std::string message;  // one line naming what is wrong
  std::string hint;     // what to do about it; may be empty

  static Error usage(std::string msg, std::string hint = {}) {
    return {Kind::Usage, std::move(msg), std::move(hint)};
  }
  static Error runtime(std::string msg, std::string hint = {}) {
    return {Kind::Runtime, std::move(msg), std::move(hint)};
  }
  int exit_code() const { return kind == Kind::Usage ? 2 : 1; }
  std::string to_string() const {
    return hint.empty() ? message : message + " (hint: " + hint + ")";
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace ebpfmon
