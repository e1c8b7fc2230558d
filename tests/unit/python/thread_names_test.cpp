// Which name a thread shows as: the Python name where the OS name is the one every thread
// inherits from the process, the OS name where the program set one.
#include "cspy/python/thread_names.h"

#include <gtest/gtest.h>

namespace cspy::python {
namespace {

TEST(PythonThreadNames, PythonNameWhereTheOsNameIsInherited) {
  EXPECT_EQ(shown_thread_name("python3.11", "python3.11", "alpha"), "alpha");
  EXPECT_EQ(shown_thread_name("python3.11", "python3.11", "MainThread"), "MainThread");
  EXPECT_EQ(shown_thread_name("", "python3.11", "alpha"), "alpha");
}

TEST(PythonThreadNames, OsNameWhereTheProgramSetOne) {
  EXPECT_EQ(shown_thread_name("worker-3", "python3.11", "alpha"), "worker-3");
}

TEST(PythonThreadNames, OsNameWithoutAPythonName) {
  EXPECT_EQ(shown_thread_name("python3.11", "python3.11", ""), "python3.11");
  EXPECT_EQ(shown_thread_name("jemalloc_bg", "python3.11", ""), "jemalloc_bg");
}

}  // namespace
}  // namespace cspy::python
