# Splits the debug info out of an executable the way distributions ship it; run as
#   cmake -DBINARY=<exe> -DOBJCOPY=<objcopy> -DREADELF=<readelf> -DDEBUG_FILE_DIR=<dir> -P this
# Leaves <exe> stripped with a .gnu_debuglink to <exe>.debug (next to it), and copies
# <exe>.debug to <dir>/.build-id/xx/yyyy.debug, the build-id layout debuggers search.

foreach(var IN ITEMS BINARY OBJCOPY READELF DEBUG_FILE_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "split_debug.cmake: -D${var}=... is required")
  endif()
endforeach()

set(debug_file "${BINARY}.debug")
execute_process(COMMAND ${OBJCOPY} --only-keep-debug ${BINARY} ${debug_file}
  COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${OBJCOPY} --strip-debug --strip-unneeded ${BINARY}
  COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${OBJCOPY} --add-gnu-debuglink=${debug_file} ${BINARY}
  COMMAND_ERROR_IS_FATAL ANY)

execute_process(COMMAND ${READELF} -n ${BINARY}
  OUTPUT_VARIABLE notes COMMAND_ERROR_IS_FATAL ANY)
if(NOT notes MATCHES "Build ID: ([0-9a-f][0-9a-f])([0-9a-f]+)")
  message(FATAL_ERROR "split_debug.cmake: ${BINARY} has no build-id note")
endif()
set(build_id_dir "${DEBUG_FILE_DIR}/.build-id/${CMAKE_MATCH_1}")
file(MAKE_DIRECTORY ${build_id_dir})
file(COPY_FILE ${debug_file} "${build_id_dir}/${CMAKE_MATCH_2}.debug")
