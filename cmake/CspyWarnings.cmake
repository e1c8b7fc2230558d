# Per-target compiler settings for cspy's own code (never global CMAKE_CXX_FLAGS).
#   cspy_target_settings(<target>) adds warnings, -Werror when CSPY_WERROR, and sanitizers
#   (CSPY_SANITIZE; CSPY_FUZZ adds libFuzzer's coverage too).

function(cspy_target_settings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                         -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                         -Wformat=2
                         -Wno-missing-field-initializers)
  if(CSPY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(CSPY_SANITIZE)
    # GCC 12's -Wmaybe-uninitialized misfires inside <regex> and <functional> once the
    # sanitizers instrument them; ASan/UBSan check those paths at run time instead.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                           -fno-omit-frame-pointer -fno-sanitize-recover=undefined
                           -Wno-maybe-uninitialized)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(CSPY_FUZZ)
    # Coverage for libFuzzer in every library a fuzz target links, with ASan and UBSan.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                           -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# cspy_add_component(<name> SOURCES ... DEPS ...) defines the static library cspy_<name>.
function(cspy_add_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(cspy_${name} STATIC ${ARG_SOURCES})
  target_include_directories(cspy_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(cspy_${name} PUBLIC ${ARG_DEPS})
  cspy_target_settings(cspy_${name})
  if(CSPY_SANITIZE OR CSPY_FUZZ)
    target_link_options(cspy_${name} INTERFACE -fsanitize=address,undefined)
  endif()
endfunction()
