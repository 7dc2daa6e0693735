# bench_includes.cmake -- run by ctest (cmake -DDIR=bench/scenarios -P ...):
# fails when a scenario includes anything from the library's sources
# ("src/", "cpu/", "core/", "cuda/", a "*_int.h" header): scenarios use the
# public API (tandem/tandem.h) and the bench harness (suite.h) only.
file(GLOB sources "${DIR}/*.c" "${DIR}/*.h")
if(NOT sources)
  message(FATAL_ERROR "no scenario sources under ${DIR}")
endif()
set(bad "")
foreach(f ${sources})
  file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line ${lines})
    if(line MATCHES "src/|_int\\.h|\"(cpu|core|cuda|task|dist|expr|rng|sim)/")
      list(APPEND bad "${f}: ${line}")
    endif()
  endforeach()
endforeach()
if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "scenarios include library internals:\n  ${bad}")
endif()
list(LENGTH sources n)
message(STATUS "${n} scenario files include only the public API and the harness")
