// TopScreen: the ncurses session of `cspy top` as a move-only RAII object. open() switches
// the terminal to full-screen mode; the destructor always restores it, and while a screen
// is open a handler for fatal signals (SIGSEGV, SIGABRT, SIGQUIT, ...) restores the terminal
// before the default action runs. SIGINT/SIGTERM are left to cli::install_stop_handlers(),
// which must be installed first, so Ctrl-C ends the loop and the destructor runs.
#pragma once

#include <vector>

#include "cspy/core/result.h"
#include "cspy/ui/top_model.h"

struct screen;  // ncurses' SCREEN; <curses.h> and its macros stay out of this header

namespace cspy::ui {

inline constexpr int kNoKey = -1;        // curses' ERR: no key before the timeout
inline constexpr int kKeyResize = 0632;  // curses' KEY_RESIZE: the terminal was resized

class TopScreen {
 public:
  // Fails when stdout is not a terminal ncurses can drive.
  static Result<TopScreen> open();
  TopScreen(TopScreen&& other) noexcept;
  TopScreen& operator=(TopScreen&&) = delete;
  TopScreen(const TopScreen&) = delete;
  TopScreen& operator=(const TopScreen&) = delete;
  ~TopScreen();

  // Waits up to timeout_ms (0: just looks) for a key; kNoKey if none, kKeyResize after a
  // resize.
  int read_key(int timeout_ms);
  // Paints `lines` from the top, styled, and shows them.
  void draw(const std::vector<ScreenLine>& lines);
  // The next draw repaints every cell (the target may have written on the terminal).
  void repaint_all();
  int width() const;
  int height() const;
  // True when the terminal's locale is UTF-8, so "…" can be shown.
  bool utf8() const { return utf8_; }

 private:
  TopScreen(::screen* screen, bool utf8) : screen_(screen), utf8_(utf8) {}
  void close() noexcept;

  ::screen* screen_ = nullptr;
  bool utf8_ = false;
};

}  // namespace cspy::ui
