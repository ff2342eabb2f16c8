# Install rules and the CMake package, for two layouts:
#
#   cmake --install          <prefix>/lib/libptxforge{,_runtime}.so,
#                            <prefix>/include/ptxforge/{runtime,compiler,frontend}/,
#                            <prefix>/lib/cmake/ptxforge/
#   the wheel (SKBUILD)      site-packages/ptxforge/{_core,libptxforge,libptxforge_runtime}.so,
#                            ptxforge/include/ptxforge/..., ptxforge/cmake/ (ptxforge.cmake_dir())
#
# The build tree's staged package (build/python/ptxforge) gets the wheel's
# layout too, so cmake_dir() works from a build tree. The package config
# finds everything relative to its own directory, so either tree can move.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

if(SKBUILD)
  set(PF_INSTALL_LIBDIR ptxforge)
  set(PF_INSTALL_INCLUDEDIR ptxforge/include)
  set(PF_INSTALL_CMAKEDIR ptxforge/cmake)
else()
  set(PF_INSTALL_LIBDIR ${CMAKE_INSTALL_LIBDIR})
  set(PF_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
  set(PF_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ptxforge)
endif()

# The headers a user of the libraries needs: the runtime's (less the driver
# table, which needs cuda.h) and the compiler's LLVM-free interface.
file(GLOB PF_RUNTIME_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/runtime/*.h)
list(REMOVE_ITEM PF_RUNTIME_HEADERS ${CMAKE_SOURCE_DIR}/runtime/DriverApi.h)
set(PF_COMPILER_HEADERS compiler/Compiler.h compiler/Abi.h compiler/Cubin.h compiler/AotHeader.h)
set(PF_FRONTEND_HEADERS frontend/Ast.h frontend/Builtins.h frontend/Casting.h frontend/Diagnostics.h
    frontend/Types.h)
list(TRANSFORM PF_COMPILER_HEADERS PREPEND ${CMAKE_SOURCE_DIR}/)
list(TRANSFORM PF_FRONTEND_HEADERS PREPEND ${CMAKE_SOURCE_DIR}/)

# configure_package LAYOUT_LIBDIR LAYOUT_INCLUDEDIR LAYOUT_CMAKEDIR OUTDIR:
# writes ptxforgeConfig.cmake and its companions for one layout into OUTDIR.
function(ptxforge_configure_package libdir includedir cmakedir outdir)
  file(RELATIVE_PATH PF_CMAKEDIR_TO_PREFIX /prefix/${cmakedir} /prefix)
  set(PF_LIBDIR ${libdir})
  set(PF_INCLUDEDIR ${includedir})
  configure_file(${CMAKE_SOURCE_DIR}/cmake/ptxforgeConfig.cmake.in ${outdir}/ptxforgeConfig.cmake @ONLY)
  configure_file(${CMAKE_SOURCE_DIR}/cmake/ptxforgeKernels.cmake ${outdir}/ptxforgeKernels.cmake COPYONLY)
  write_basic_package_version_file(${outdir}/ptxforgeConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
endfunction()

ptxforge_configure_package(${PF_INSTALL_LIBDIR} ${PF_INSTALL_INCLUDEDIR} ${PF_INSTALL_CMAKEDIR}
                           ${CMAKE_BINARY_DIR}/package/install)

if(PTXFORGE_PREBUILT_CORE)
  install(FILES ${PTXFORGE_PREBUILT_CORE} ${PTXFORGE_PREBUILT_RUNTIME} DESTINATION ${PF_INSTALL_LIBDIR})
else()
  install(TARGETS ptxforge_runtime ptxforge LIBRARY DESTINATION ${PF_INSTALL_LIBDIR})
endif()
install(FILES ${PF_RUNTIME_HEADERS} DESTINATION ${PF_INSTALL_INCLUDEDIR}/ptxforge/runtime)
install(FILES ${PF_COMPILER_HEADERS} DESTINATION ${PF_INSTALL_INCLUDEDIR}/ptxforge/compiler)
install(FILES ${PF_FRONTEND_HEADERS} DESTINATION ${PF_INSTALL_INCLUDEDIR}/ptxforge/frontend)
install(FILES ${CMAKE_BINARY_DIR}/package/install/ptxforgeConfig.cmake
              ${CMAKE_BINARY_DIR}/package/install/ptxforgeConfigVersion.cmake
              ${CMAKE_BINARY_DIR}/package/install/ptxforgeKernels.cmake
        DESTINATION ${PF_INSTALL_CMAKEDIR})
if(PTXFORGE_PYTHON AND SKBUILD)
  install(TARGETS _core LIBRARY DESTINATION ptxforge)
endif()

# The staged package in the build tree: the wheel's layout, with the headers
# and the package config beside the libraries that stage_python copies.
if(PTXFORGE_PYTHON)
  set(_pf_stage_pkg ${CMAKE_BINARY_DIR}/package/stage)
  ptxforge_configure_package(ptxforge ptxforge/include ptxforge/cmake ${_pf_stage_pkg})
  add_custom_command(TARGET stage_python POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PTXFORGE_STAGE}/cmake
            ${PTXFORGE_STAGE}/include/ptxforge/runtime ${PTXFORGE_STAGE}/include/ptxforge/compiler
            ${PTXFORGE_STAGE}/include/ptxforge/frontend
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${_pf_stage_pkg}/ptxforgeConfig.cmake
            ${_pf_stage_pkg}/ptxforgeConfigVersion.cmake ${_pf_stage_pkg}/ptxforgeKernels.cmake
            ${PTXFORGE_STAGE}/cmake
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${PF_RUNTIME_HEADERS} ${PTXFORGE_STAGE}/include/ptxforge/runtime
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${PF_COMPILER_HEADERS} ${PTXFORGE_STAGE}/include/ptxforge/compiler
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${PF_FRONTEND_HEADERS} ${PTXFORGE_STAGE}/include/ptxforge/frontend
    VERBATIM)
endif()
