# same_files.cmake -- `cmake -DFILES=a;b;c -P same_files.cmake`: fails unless
# every file exists and all have the same contents (the MPI runs' digests).
list(GET FILES 0 first)
foreach(f ${FILES})
  if(NOT EXISTS ${f})
    message(FATAL_ERROR "${f} is missing (its mpirun test did not finish)")
  endif()
  file(READ ${f} text)
  message(STATUS "${f}: ${text}")
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${first} ${f} RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${f} differs from ${first}: results depend on the number of ranks")
  endif()
endforeach()
