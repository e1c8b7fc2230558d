# CTest fixture script: installs the speedscope npm package (a pinned version) under the
# build tree once, for the SpeedscopeImport test. It does nothing when that version is
# already there. Without npm, or when the install fails, it fails under CI=true and
# otherwise only warns (the import test then skips).
#   cmake -DNPM=<npm> -DPREFIX=<dir> -DVERSION=<x.y.z> -P speedscope_npm_setup.cmake
set(package_json "${PREFIX}/node_modules/speedscope/package.json")
if(EXISTS "${package_json}")
  file(READ "${package_json}" content)
  string(JSON installed ERROR_VARIABLE json_error GET "${content}" version)
  if(installed STREQUAL VERSION)
    message(STATUS "speedscope ${VERSION} already installed in ${PREFIX}")
    return()
  endif()
endif()

if("$ENV{CI}" STREQUAL "true" OR "$ENV{CI}" STREQUAL "1")
  set(level FATAL_ERROR)
else()
  set(level WARNING)
endif()
if(NOT NPM OR NOT EXISTS "${NPM}")
  message(${level} "npm not found: cannot install speedscope for the import test")
  return()
endif()
file(MAKE_DIRECTORY "${PREFIX}")
execute_process(
  COMMAND "${NPM}" install --prefix "${PREFIX}" --no-audit --no-fund --loglevel=error
          "speedscope@${VERSION}"
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output
  TIMEOUT 240)
if(NOT result EQUAL 0)
  message(${level} "npm install speedscope@${VERSION} failed (${result}):\n${output}")
endif()
