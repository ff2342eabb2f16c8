# ptxforge_add_kernels: compile a Python file's kernels ahead of time, at build time.
#
#   ptxforge_add_kernels(<target> <file.py> KERNELS <name>...
#                        [ARCHS sm_80 sm_90 ...] [OUTPUT_DIR <dir>] [OPTIONS <ptxforge compile options>...])
#
# Runs `ptxforge compile <file.py> --kernel <name>... --arch ... -o <dir>`,
# which writes <dir>/<name>.h and <dir>/<name>.cubin (one arch) or
# <name>.fatbin (several). <target> is built after them, gets <dir> on its
# include path and PTXFORGE_KERNEL_DIR="<dir>" among its definitions.
# ARCHS defaults to sm_90; OUTPUT_DIR to <binary dir>/ptxforge_kernels.
#
# The compiler runs as `${PTXFORGE_PYTHON} -m ptxforge`. PTXFORGE_PYTHON
# defaults to python3 on PATH; when this package lies inside an installed
# Python package (the pip wheel, or a build tree's staged package), that
# package is put first on PYTHONPATH for the command.
get_filename_component(_ptxforge_package_parent "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/../__init__.py")
  set(PTXFORGE_PYTHONPATH "${_ptxforge_package_parent}" CACHE INTERNAL "")
else()
  set(PTXFORGE_PYTHONPATH "" CACHE INTERNAL "")
endif()
unset(_ptxforge_package_parent)

function(ptxforge_add_kernels target file)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "OUTPUT_DIR" "KERNELS;ARCHS;OPTIONS")
  if(NOT arg_KERNELS)
    message(FATAL_ERROR "ptxforge_add_kernels(${target} ${file}): name the kernels with KERNELS")
  endif()
  if(NOT arg_ARCHS)
    set(arg_ARCHS sm_90)
  endif()
  if(NOT arg_OUTPUT_DIR)
    set(arg_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/ptxforge_kernels)
  endif()
  if(NOT PTXFORGE_PYTHON)
    find_program(PTXFORGE_PYTHON NAMES python3 python REQUIRED)
  endif()
  get_filename_component(file ${file} ABSOLUTE)
  list(LENGTH arg_ARCHS narchs)
  if(narchs GREATER 1)
    set(ext fatbin)
  else()
    set(ext cubin)
  endif()
  set(outputs)
  set(kernel_args)
  foreach(k IN LISTS arg_KERNELS)
    list(APPEND outputs ${arg_OUTPUT_DIR}/${k}.h ${arg_OUTPUT_DIR}/${k}.${ext})
    list(APPEND kernel_args --kernel ${k})
  endforeach()
  set(arch_args)
  foreach(a IN LISTS arg_ARCHS)
    list(APPEND arch_args --arch ${a})
  endforeach()
  set(env)
  if(PTXFORGE_PYTHONPATH)
    set(env ${CMAKE_COMMAND} -E env "PYTHONPATH=${PTXFORGE_PYTHONPATH}:$ENV{PYTHONPATH}")
  endif()
  add_custom_command(OUTPUT ${outputs}
    COMMAND ${env} ${PTXFORGE_PYTHON} -m ptxforge compile ${file} ${kernel_args} ${arch_args} ${arg_OPTIONS} --quiet
            -o ${arg_OUTPUT_DIR}
    DEPENDS ${file}
    COMMENT "ptxforge: compiling ${arg_KERNELS} in ${file} for ${arg_ARCHS}"
    VERBATIM)
  add_custom_target(${target}_ptxforge_kernels DEPENDS ${outputs})
  add_dependencies(${target} ${target}_ptxforge_kernels)
  target_include_directories(${target} PRIVATE ${arg_OUTPUT_DIR})
  target_compile_definitions(${target} PRIVATE PTXFORGE_KERNEL_DIR="${arg_OUTPUT_DIR}")
endfunction()
