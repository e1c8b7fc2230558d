// TmuxSession: tmux on a private socket, driven through run_command.
#include "tmux_session.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {

namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::atomic<int> g_sessions{0};

}  // namespace

TmuxSession::TmuxSession(const std::vector<std::string>& argv, int width, int height) {
  tmux_ = find_program("tmux");
  if (tmux_.empty()) {
    error_ = "tmux is not installed (scripts/install-deps.sh installs it)";
    return;
  }
  socket_ = "cspy-top-test-" + std::to_string(::getpid()) + "-" + std::to_string(g_sessions++);
  dir_ = make_temp_dir();
  exit_file_ = dir_ + "/exit-code";
  // The shell catches Ctrl-C (SIGINT goes to the whole foreground group) so that it lives
  // on to record the command's exit code; a caught signal is reset to default on exec.
  std::string command = "trap : INT; LANG=C.UTF-8 LC_ALL=C.UTF-8; export LANG LC_ALL;";
  for (const std::string& a : argv) command += " " + shell_quote(a);
  command += "; echo $? > " + shell_quote(exit_file_ + ".tmp") + " && mv " +
             shell_quote(exit_file_ + ".tmp") + " " + shell_quote(exit_file_);
  std::string out;
  started_ = tmux({"-u", "-f", "/dev/null", "new-session", "-d", "-x", std::to_string(width), "-y",
                   std::to_string(height), "sh", "-c", command},
                  &out);
  if (!started_) {
    error_ = "tmux new-session failed: " + out;
    return;
  }
  if (tmux({"display-message", "-p", "#{socket_path}"}, &out))
    socket_path_ = out.substr(0, out.find('\n'));
}

TmuxSession::~TmuxSession() {
  if (!socket_.empty()) tmux({"kill-server"});
  if (!socket_path_.empty()) ::unlink(socket_path_.c_str());  // kill-server may leave it
  if (!dir_.empty()) {
    std::remove(exit_file_.c_str());
    ::rmdir(dir_.c_str());
  }
}

bool TmuxSession::tmux(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {tmux_, "-L", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = run_command(argv, std::chrono::seconds(20));
  if (out) *out = r.out + r.err;
  return r.exit_code == 0;
}

std::string TmuxSession::capture() {
  std::string out;
  if (!tmux({"capture-pane", "-p"}, &out)) return "";
  return out;
}

void TmuxSession::send_keys(const std::string& keys, bool literal) {
  if (literal) {
    tmux({"send-keys", "-l", keys});
  } else {
    tmux({"send-keys", keys});
  }
}

void TmuxSession::resize(int width, int height) {
  tmux({"resize-window", "-x", std::to_string(width), "-y", std::to_string(height)});
}

bool TmuxSession::wait_until(const std::function<bool(const std::string&)>& ready,
                             std::chrono::milliseconds timeout, std::string* last) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::string screen = capture();
    if (last) *last = screen;
    if (ready(screen)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int TmuxSession::exit_code(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = read_file(exit_file_);
    if (!text.empty()) return std::atoi(text.c_str());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

std::vector<TopRow> top_rows(const std::string& screen) {
  static const std::regex kRow(R"(^\s*([0-9.]+)%\s+([0-9.]+)%\s+[0-9.]+s\s+[0-9.]+s\s+(.*\S)\s*$)");
  std::vector<TopRow> rows;
  std::istringstream lines(screen);
  std::string line;
  bool in_rows = false;
  while (std::getline(lines, line)) {
    if (line.find("%Own") != std::string::npos && line.find("TotalTime") != std::string::npos) {
      in_rows = true;
      continue;
    }
    std::smatch m;
    if (in_rows && std::regex_match(line, m, kRow)) {
      rows.push_back(TopRow{std::stod(m[1]), std::stod(m[2]), m[3]});
    }
  }
  return rows;
}

long header_number(const std::string& screen, const std::string& label) {
  std::smatch m;
  std::regex re(label + R"( ([0-9]+))");
  if (!std::regex_search(screen, m, re)) return -1;
  return std::stol(m[1]);
}

}  // namespace cspy::test
