# The C++ AOT example (examples/aot_cpp), built as another project would
# build it: against `cmake --install` of this build, with libptxforge_runtime
# alone on its link line (tests/aot/cpp_example.sh checks ldd).
add_test(NAME aot_cpp_example_installed
  COMMAND bash ${CMAKE_SOURCE_DIR}/tests/aot/cpp_example.sh install ${CMAKE_BINARY_DIR} ${CMAKE_BINARY_DIR}/aot_cpp_test)
set_tests_properties(aot_cpp_example_installed PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
