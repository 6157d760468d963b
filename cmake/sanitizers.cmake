# magent_sanitizers: compile and link options for MAGENT_SANITIZE=address|thread.
add_library(magent_sanitizers INTERFACE)
if(MAGENT_SANITIZE STREQUAL "address")
  target_compile_options(magent_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(magent_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(MAGENT_SANITIZE STREQUAL "thread")
  target_compile_options(magent_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(magent_sanitizers INTERFACE -fsanitize=thread)
elseif(NOT MAGENT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "MAGENT_SANITIZE must be '', 'address' or 'thread'")
endif()
