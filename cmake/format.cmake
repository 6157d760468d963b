# format / check_format: clang-format over our sources.
find_program(CLANG_FORMAT clang-format)
if(CLANG_FORMAT)
  file(GLOB_RECURSE MAGENT_FORMAT_SOURCES CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/agent/*.cpp ${PROJECT_SOURCE_DIR}/agent/*.hpp
    ${PROJECT_SOURCE_DIR}/tests/*.cpp ${PROJECT_SOURCE_DIR}/tests/*.hpp)
  add_custom_target(format COMMAND ${CLANG_FORMAT} -i ${MAGENT_FORMAT_SOURCES})
  add_custom_target(check_format
    COMMAND ${CLANG_FORMAT} --dry-run --Werror ${MAGENT_FORMAT_SOURCES})
endif()
