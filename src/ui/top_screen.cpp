// TopScreen: newterm/endwin ownership, key reading, painting, and the terminal restore on
// fatal signals (async-signal-safe: tcsetattr and write of prepared bytes only).
#include "cspy/ui/top_screen.h"

#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cspy::ui {

namespace {

static_assert(kNoKey == ERR && kKeyResize == KEY_RESIZE);

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT};

// What the fatal-signal handler needs, prepared while the screen opens.
struct Restore {
  bool armed = false;
  termios saved{};
  char sequence[256] = {};  // leave the alternate screen, show the cursor, keypad off
  std::size_t sequence_len = 0;
  struct sigaction previous[std::size(kFatalSignals)] = {};
};
Restore g_restore;

extern "C" void restore_on_fatal_signal(int sig) {
  if (g_restore.armed) {
    ::tcsetattr(STDOUT_FILENO, TCSANOW, &g_restore.saved);
    ssize_t n = ::write(STDOUT_FILENO, g_restore.sequence, g_restore.sequence_len);
    (void)n;
  }
  // SA_RESETHAND put the default action back: raise() delivers it after we return.
  (void)::raise(sig);
}

void append_capability(const char* name) {
  char* cap = tigetstr(name);
  if (cap == nullptr || cap == reinterpret_cast<char*>(-1)) return;
  std::size_t len = std::strlen(cap);
  if (g_restore.sequence_len + len >= sizeof g_restore.sequence) return;
  std::memcpy(g_restore.sequence + g_restore.sequence_len, cap, len);
  g_restore.sequence_len += len;
}

void arm_fatal_signal_restore(const termios& saved) {
  g_restore.saved = saved;
  g_restore.sequence_len = 0;
  append_capability("rmkx");
  append_capability("cnorm");
  append_capability("rmcup");
  struct sigaction sa {};
  sa.sa_handler = restore_on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (std::size_t i = 0; i < std::size(kFatalSignals); ++i) {
    ::sigaction(kFatalSignals[i], &sa, &g_restore.previous[i]);
  }
  g_restore.armed = true;
}

void disarm_fatal_signal_restore() {
  if (!g_restore.armed) return;
  g_restore.armed = false;
  for (std::size_t i = 0; i < std::size(kFatalSignals); ++i) {
    ::sigaction(kFatalSignals[i], &g_restore.previous[i], nullptr);
  }
}

attr_t attributes_for(LineStyle style) {
  switch (style) {
    case LineStyle::kTitle:
      return A_BOLD;
    case LineStyle::kAlert:
      return A_BOLD | A_STANDOUT;
    case LineStyle::kColumns:
      return A_REVERSE;
    case LineStyle::kState:
      return A_BOLD;
    case LineStyle::kInfo:
    case LineStyle::kRow:
    case LineStyle::kHelp:
      return A_NORMAL;
  }
  return A_NORMAL;
}

}  // namespace

Result<TopScreen> TopScreen::open() {
  if (g_restore.armed) return Error("a top screen is already open");
  if (!::isatty(STDOUT_FILENO) || !::isatty(STDIN_FILENO)) {
    return Error(ErrorKind::kUsage, "top needs a terminal");
  }
  termios saved{};
  if (::tcgetattr(STDOUT_FILENO, &saved) != 0)
    return errno_error("cannot read the terminal's settings");
  (void)std::setlocale(LC_CTYPE, "");
  bool utf8 = std::strcmp(::nl_langinfo(CODESET), "UTF-8") == 0;
  SCREEN* screen = newterm(nullptr, stdout, stdin);
  if (screen == nullptr) {
    const char* term = std::getenv("TERM");
    return Error(ErrorKind::kUsage,
                 std::string("cannot drive the terminal (TERM=") + (term ? term : "") + ")");
  }
  set_term(screen);
  arm_fatal_signal_restore(saved);
  cbreak();
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(25);
  return TopScreen(screen, utf8);
}

TopScreen::TopScreen(TopScreen&& other) noexcept : screen_(other.screen_), utf8_(other.utf8_) {
  other.screen_ = nullptr;
}

TopScreen::~TopScreen() { close(); }

void TopScreen::close() noexcept {
  if (screen_ == nullptr) return;
  endwin();
  delscreen(screen_);
  screen_ = nullptr;
  disarm_fatal_signal_restore();
  (void)std::fflush(stdout);
}

int TopScreen::read_key(int timeout_ms) {
  wtimeout(stdscr, timeout_ms);
  return wgetch(stdscr);
}

void TopScreen::draw(const std::vector<ScreenLine>& lines) {
  const int rows = height();
  const int cols = width();
  werase(stdscr);
  int y = 0;
  for (const ScreenLine& l : lines) {
    if (y >= rows) break;
    attr_t attrs = attributes_for(l.style);
    wattrset(stdscr, static_cast<int>(attrs));
    if (l.style == LineStyle::kColumns) mvwhline(stdscr, y, 0, ' ', cols);
    mvwaddstr(stdscr, y, 0, l.text.c_str());
    wattrset(stdscr, A_NORMAL);
    ++y;
  }
  wnoutrefresh(stdscr);
  doupdate();
}

void TopScreen::repaint_all() { clearok(curscr, TRUE); }

int TopScreen::width() const { return getmaxx(stdscr); }
int TopScreen::height() const { return getmaxy(stdscr); }

}  // namespace cspy::ui
