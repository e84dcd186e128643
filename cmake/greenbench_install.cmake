# `cmake --install build [--prefix P]`: the binary, the public headers, the libraries, the CMake
# package (find_package(greenbench): greenbench::meter, greenbench::workloads) and pkg-config
# files (greenbench-meter, greenbench-workloads). README.md, "Using greenbench from your own code".
#
# The meter and the workloads are two export sets, so a project that uses only the meter needs
# only what the meter needs (JSON, fmt, threads): greenbenchConfig.cmake looks for BLAS and zlib
# only when the workloads are asked for (cmake/greenbenchConfig.cmake.in).
include(CMakePackageConfigHelpers)

set(GREENBENCH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/greenbench CACHE STRING
    "Where the CMake package is installed, relative to the prefix")
mark_as_advanced(GREENBENCH_CMAKE_DIR)

# grid.hpp and estimator.hpp are left out: their libraries (greenbench_grid, greenbench_estimate)
# are not installed, so they serve in-tree and add_subdirectory users only.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/greenbench
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp"
        PATTERN "grid.hpp" EXCLUDE PATTERN "estimator.hpp" EXCLUDE)

install(TARGETS greenbench_meter EXPORT greenbenchMeterTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT greenbenchMeterTargets NAMESPACE greenbench::
        FILE greenbench-meter-targets.cmake DESTINATION ${GREENBENCH_CMAKE_DIR})
if(TARGET greenbench_workloads)
  install(TARGETS greenbench_workloads EXPORT greenbenchWorkloadsTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT greenbenchWorkloadsTargets NAMESPACE greenbench::
          FILE greenbench-workloads-targets.cmake DESTINATION ${GREENBENCH_CMAKE_DIR})
endif()
if(TARGET greenbench)
  install(TARGETS greenbench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  include(${CMAKE_CURRENT_LIST_DIR}/cli_install.cmake)  # its man page and bash completion
endif()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/greenbenchConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/greenbenchConfig.cmake
                              INSTALL_DESTINATION ${GREENBENCH_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/greenbenchConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/greenbenchConfig.cmake
              ${PROJECT_BINARY_DIR}/greenbenchConfigVersion.cmake
        DESTINATION ${GREENBENCH_CMAKE_DIR})

# pkg-config: the libraries are static, so their dependencies are in Requires/Libs, not .private.
# The prefix is found from the .pc file's own place (${pcfiledir}), so `--prefix P` at install
# time is honoured.
file(RELATIVE_PATH GREENBENCH_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
set(GREENBENCH_PC_DL "")
if(CMAKE_DL_LIBS)
  set(GREENBENCH_PC_DL "-l${CMAKE_DL_LIBS}")
endif()
foreach(pc meter workloads)
  if(TARGET greenbench_${pc})
    configure_file(${CMAKE_CURRENT_LIST_DIR}/greenbench-${pc}.pc.in
                   ${PROJECT_BINARY_DIR}/greenbench-${pc}.pc @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/greenbench-${pc}.pc
            DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  endif()
endforeach()
