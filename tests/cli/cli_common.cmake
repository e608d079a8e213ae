# Helpers of the CLI tests (cli_smoke.cmake, cli_chain.cmake), included by them.
#   expect_ok(ARGS...)             mint ARGS exits 0; its stdout is left in LAST_OUT
#   expect_error(NEEDLE ARGS...)   mint ARGS fails with exactly one "mint: error: ..." line
#                                  on stderr, containing NEEDLE
#   same_file(A B WHAT)            files A and B hold the same bytes
#   file_has(FILE NEEDLES...)      FILE contains every needle
#   file_lacks(FILE NEEDLES...)    FILE contains none of them
function(expect_ok)
  execute_process(COMMAND ${MINT} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mint ${ARGN}: exit ${rc}\n${out}\n${err}")
  endif()
  set(LAST_OUT "${out}" PARENT_SCOPE)
endfunction()

function(expect_error needle)
  execute_process(COMMAND ${MINT} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "mint ${ARGN}: succeeded, expected an error containing '${needle}'")
  endif()
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines n)
  if(NOT n EQUAL 1 OR NOT err MATCHES "^mint: error: ")
    message(FATAL_ERROR "mint ${ARGN}: stderr is not one 'mint: error:' line:\n${err}")
  endif()
  string(FIND "${err}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "mint ${ARGN}: error lacks '${needle}':\n${err}")
  endif()
endfunction()

function(same_file a b what)
  file(READ "${a}" ta HEX)
  file(READ "${b}" tb HEX)
  if(NOT ta STREQUAL tb)
    message(FATAL_ERROR "${what}: ${a} and ${b} differ")
  endif()
endfunction()

function(file_has path)
  file(READ "${path}" text)
  foreach(needle ${ARGN})
    string(FIND "${text}" "${needle}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${path} lacks '${needle}'")
    endif()
  endforeach()
endfunction()

function(file_lacks path)
  file(READ "${path}" text)
  foreach(needle ${ARGN})
    string(FIND "${text}" "${needle}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${path} says '${needle}'")
    endif()
  endforeach()
endfunction()
