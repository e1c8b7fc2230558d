// TmuxSession: a command running in a real terminal for tests of `cspy top` — a tmux
// server on its own socket with one detached session of a fixed size. Keys go in with
// send_keys(), the screen comes out of capture(); wait_until() polls the screen. The
// destructor kills the server, so nothing is left behind when an assertion fails.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cspy::test {

class TmuxSession {
 public:
  // Runs `argv` in a width x height terminal (UTF-8 locale); its exit code is written to a
  // file that exit_code() reads.
  TmuxSession(const std::vector<std::string>& argv, int width = 160, int height = 40);
  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;
  ~TmuxSession();

  bool started() const { return started_; }
  const std::string& error() const { return error_; }
  std::string capture();
  // Keys as tmux names them ("q", "C-c"); `literal` sends the characters as typed.
  void send_keys(const std::string& keys, bool literal = true);
  void resize(int width, int height);
  // Polls the screen every 100 ms until `ready(screen)` or the timeout; `last` gets the
  // last screen seen (for failure messages).
  bool wait_until(const std::function<bool(const std::string&)>& ready,
                  std::chrono::milliseconds timeout, std::string* last = nullptr);
  // The command's exit code once it has ended, or -1 if it has not within the timeout.
  int exit_code(std::chrono::milliseconds timeout);

 private:
  bool tmux(const std::vector<std::string>& args, std::string* out = nullptr);

  std::string tmux_;
  std::string socket_;
  std::string socket_path_;
  std::string dir_;
  std::string exit_file_;
  bool started_ = false;
  std::string error_;
};

// Parsed rows of the top screen: "%Own %Total OwnTime TotalTime Function (place)".
struct TopRow {
  double own_percent = 0;
  double total_percent = 0;
  std::string function;  // the Function column, location included
};
std::vector<TopRow> top_rows(const std::string& screen);
// The number after `label` in the header ("Samples 123"), or -1.
long header_number(const std::string& screen, const std::string& label);

}  // namespace cspy::test
