// process_target: a process with known contents for process_test. A second thread, named
// "cspy-reader", blocks in read() on a pipe nobody writes to; a page followed by an unmapped
// one ends with kMarker. Prints "ready <&marker> <end of the page> <reader tid>" and waits.
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>

std::uint64_t marker = 0x0123456789abcdefULL;  // a global the test reads back

int main() {
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  pid_t reader_tid = 0;
  std::thread reader([&] {
    pthread_setname_np(pthread_self(), "cspy-reader");
    __atomic_store_n(&reader_tid, ::gettid(), __ATOMIC_RELEASE);
    char c;
    while (true) (void)::read(fds[0], &c, 1);
  });
  // Two pages, the second unmapped again: reads running past the first one end early.
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  void* p = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || ::munmap(static_cast<char*>(p) + page, page) != 0) return 1;
  char* end = static_cast<char*>(p) + page;
  std::memcpy(end - sizeof marker, &marker, sizeof marker);
  while (__atomic_load_n(&reader_tid, __ATOMIC_ACQUIRE) == 0) std::this_thread::yield();
  if (std::printf("ready %p %p %d\n", static_cast<void*>(&marker), static_cast<void*>(end),
                  static_cast<int>(reader_tid)) < 0 ||
      std::fflush(stdout) != 0) {
    return 1;
  }
  while (true) ::pause();
}
