# magent_warnings: the warning set every target of ours compiles with.
add_library(magent_warnings INTERFACE)
target_compile_options(magent_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
  -Wno-missing-field-initializers)  # designated initializers leave the rest defaulted
if(MAGENT_WERROR)
  target_compile_options(magent_warnings INTERFACE -Werror)
endif()
