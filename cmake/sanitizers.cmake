# magent_sanitizers: compile and link options for MAGENT_SANITIZE=address|thread.
# Instrumented builds use -O1 (the sanitizers' own advice: readable stacks, a fraction of
# -O2's compile time on small CI machines) and -g1 (line tables, enough for their reports).
# GCC at -O1 warns maybe-uninitialized inside libstdc++'s <regex> (std::function members of
# a moved-from temporary), and under TSan that Asio's fences are not instrumented: neither
# is about our code, and both would fail -Werror builds.
add_library(magent_sanitizers INTERFACE)
if(MAGENT_SANITIZE STREQUAL "address")
  target_compile_options(magent_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
    -O1 -g1 $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  target_link_options(magent_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(MAGENT_SANITIZE STREQUAL "thread")
  target_compile_options(magent_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer
    -O1 -g1 $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>
    $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  target_link_options(magent_sanitizers INTERFACE -fsanitize=thread)
elseif(NOT MAGENT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "MAGENT_SANITIZE must be '', 'address' or 'thread'")
endif()
