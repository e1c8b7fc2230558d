// julia: the Julia set of "High Performance Python" (Gorelick & Ozsvald), chapter 2,
// ported line for line so that a profile reads like the book's:
//   main -> calc_pure_python -> calculate_z_serial_purepython.
// Usage: julia [--width N] [--max-iter N] [--seconds S] [--threads T] [--runs N]
// --runs N: exactly N repetitions per thread (not --seconds); prints each run's wall and
// CPU seconds (one thread).
// Prints `sum <n>`; width 1000 / max-iter 300 must give the book's 33219980.

#include <malloc.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using Complex = std::complex<double>;

namespace {

constexpr long kBookSum = 33219980;  // the book's assertion for 1000 x 1000, 300 iterations

struct Options {
  int width = 1000;
  int max_iter = 300;
  double seconds = 0;  // 0: exactly one run
  int threads = 1;
  long runs = 0;  // 0: repeat until --seconds
};

[[noreturn]] void usage_error(const char* message) {
  std::fprintf(stderr,
               "julia: %s\nusage: julia [--width N] [--max-iter N] [--seconds S] [--threads T] "
               "[--runs N]\n",
               message);
  std::exit(2);
}

double parse_number(int argc, char** argv, int& i) {
  if (i + 1 >= argc) usage_error("missing value");
  char* end = nullptr;
  double value = std::strtod(argv[++i], &end);
  if (end == argv[i] || *end != '\0' || value < 0) usage_error("bad number");
  return value;
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--width") == 0) {
      options.width = static_cast<int>(parse_number(argc, argv, i));
    } else if (std::strcmp(argv[i], "--max-iter") == 0) {
      options.max_iter = static_cast<int>(parse_number(argc, argv, i));
    } else if (std::strcmp(argv[i], "--seconds") == 0) {
      options.seconds = parse_number(argc, argv, i);
    } else if (std::strcmp(argv[i], "--threads") == 0) {
      options.threads = static_cast<int>(parse_number(argc, argv, i));
    } else if (std::strcmp(argv[i], "--runs") == 0) {
      options.runs = static_cast<long>(parse_number(argc, argv, i));
    } else {
      usage_error("unknown option");
    }
  }
  if (options.width < 1 || options.threads < 1) usage_error("width and threads must be >= 1");
  return options;
}

}  // namespace

// The book's inner loop: for each point, iterate z = z*z + c until |z| >= 2 or maxiter.
__attribute__((noinline, noclone)) std::vector<int> calculate_z_serial_purepython(
    int maxiter, const std::vector<Complex>& zs, const std::vector<Complex>& cs) {
  std::vector<int> output(zs.size(), 0);
  for (std::size_t i = 0; i < zs.size(); ++i) {
    int n = 0;
    // z and c as (real, imag) pairs: z*z + c written out, the same arithmetic as
    // std::complex's, so no inlined helper frames appear between the book's functions.
    double zr = zs[i].real(), zi = zs[i].imag();
    const double cr = cs[i].real(), ci = cs[i].imag();
    // abs(z) < 2 as the book writes it.
    while (n < maxiter && std::sqrt(zr * zr + zi * zi) < 2) {
      const double next_r = zr * zr - zi * zi + cr;
      zi = zr * zi + zi * zr + ci;
      zr = next_r;
      n += 1;
    }
    output[i] = n;
  }
  return output;
}

// The book's driver: build the coordinate lists, run the inner loop, return sum(output).
__attribute__((noinline, noclone)) long calc_pure_python(int desired_width, int max_iterations) {
  const double x1 = -1.8, x2 = 1.8, y1 = -1.8, y2 = 1.8;
  const double c_real = -0.62772, c_imag = -0.42193;
  const double x_step = (x2 - x1) / desired_width;
  const double y_step = (y1 - y2) / desired_width;
  std::vector<double> x;
  std::vector<double> y;
  double ycoord = y2;
  while (ycoord > y1) {
    y.push_back(ycoord);
    ycoord += y_step;
  }
  double xcoord = x1;
  while (xcoord < x2) {
    x.push_back(xcoord);
    xcoord += x_step;
  }
  std::vector<Complex> zs;
  std::vector<Complex> cs;
  zs.reserve(x.size() * y.size());  // the book appends to Python lists; reserving keeps
  cs.reserve(x.size() * y.size());  // this set-up as cheap relative to the loop as there
  for (double yc : y) {
    for (double xc : x) {
      zs.emplace_back(xc, yc);
      cs.emplace_back(c_real, c_imag);
    }
  }
  std::vector<int> output = calculate_z_serial_purepython(max_iterations, zs, cs);
  long sum = 0;
  for (int n : output) sum += n;
  return sum;
}

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  // Keep freed lists in the heap for the next repetition, as CPython's allocator keeps
  // its arenas, rather than returning them to the kernel and faulting them in again.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::vector<long> sums(static_cast<std::size_t>(options.threads), 0);
  std::vector<long> runs(sums.size(), 0);
  // Repeats the whole computation until --seconds have passed (at least once). Written
  // out here, not in a helper, so that stacks read main -> calc_pure_python as in the book.
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(options.seconds);
  auto more = [&](long done) {
    return options.runs > 0 ? done < options.runs : Clock::now() < deadline;
  };
  std::vector<double> run_seconds, run_cpu_seconds;  // printed with --runs
  auto thread_cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  if (options.threads == 1) {
    do {
      const auto run_start = Clock::now();
      const double cpu_start = thread_cpu();
      sums[0] = calc_pure_python(options.width, options.max_iter);
      run_cpu_seconds.push_back(thread_cpu() - cpu_start);
      run_seconds.push_back(std::chrono::duration<double>(Clock::now() - run_start).count());
      ++runs[0];
    } while (more(runs[0]));
  } else {
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < sums.size(); ++t) {
      workers.emplace_back([&, t] {
        do {
          sums[t] = calc_pure_python(options.width, options.max_iter);
          ++runs[t];
        } while (more(runs[t]));
      });
    }
    for (auto& worker : workers) worker.join();
  }
  long total_runs = 0;
  for (std::size_t t = 0; t < sums.size(); ++t) {
    total_runs += runs[t];
    if (sums[t] != sums[0]) {
      std::fprintf(stderr, "julia: thread %zu got sum %ld, thread 0 got %ld\n", t, sums[t],
                   sums[0]);
      return 1;
    }
  }
  std::printf("sum %ld\n", sums[0]);
  std::fprintf(stderr, "julia: width %d max-iter %d threads %d runs %ld\n", options.width,
               options.max_iter, options.threads, total_runs);
  if (options.runs > 0 && !run_seconds.empty()) {
    std::fprintf(stderr, "julia: run seconds");
    for (double s : run_seconds) std::fprintf(stderr, " %.6f", s);
    std::fprintf(stderr, "\njulia: run cpu seconds");
    for (double s : run_cpu_seconds) std::fprintf(stderr, " %.6f", s);
    std::fprintf(stderr, "\n");
  }
  if (options.width == 1000 && options.max_iter == 300 && sums[0] != kBookSum) {
    std::fprintf(stderr, "julia: expected the book's sum %ld\n", kBookSum);
    return 1;
  }
  return 0;
}
