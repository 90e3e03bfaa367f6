# SPDX-License-Identifier: Apache-2.0
# The compiler and linker flags every Debian package is built with, from dpkg-buildflags with
# all of its hardening on (DEB_BUILD_MAINT_OPTIONS=hardening=+all): _FORTIFY_SOURCE=2 and
# -Wformat-security (CPPFLAGS, CXXFLAGS), -fstack-protector-strong, full RELRO with immediate
# binding (-z relro -z now) and PIE. Included by the top CMakeLists when LOCKER_DPKG_BUILDFLAGS
# is on (preset package): lintian checks the packaged programs for exactly these. Other
# builds leave it off: _FORTIFY_SOURCE needs optimisation, and a Debug build has none.
find_program(LOCKER_DPKG_BUILDFLAGS_PROGRAM dpkg-buildflags REQUIRED)

set(env DEB_BUILD_MAINT_OPTIONS=hardening=+all)
if(CMAKE_CROSSCOMPILING AND CMAKE_LIBRARY_ARCHITECTURE)
  # The target's flags (arm64 may get more than the build machine), not the build machine's.
  execute_process(COMMAND dpkg-architecture -t${CMAKE_LIBRARY_ARCHITECTURE} -qDEB_HOST_ARCH
    OUTPUT_VARIABLE host_arch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
    COMMAND_ERROR_IS_FATAL ANY)
  list(APPEND env DEB_HOST_ARCH=${host_arch})
endif()

foreach(kind IN ITEMS CPPFLAGS CFLAGS CXXFLAGS LDFLAGS)
  # From the source root: -ffile-prefix-map maps it to "." in the debug information.
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env ${env} ${LOCKER_DPKG_BUILDFLAGS_PROGRAM} --get ${kind}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  separate_arguments(dpkg_${kind} UNIX_COMMAND "${flags}")
  message(STATUS "dpkg-buildflags ${kind}: ${flags}")
endforeach()

# The project is C++ only; CFLAGS are there for any C a later change brings in.
add_compile_options(${dpkg_CPPFLAGS} "$<$<COMPILE_LANGUAGE:C>:${dpkg_CFLAGS}>"
  "$<$<COMPILE_LANGUAGE:CXX>:${dpkg_CXXFLAGS}>")
add_link_options(${dpkg_LDFLAGS})
# Debian's gcc builds PIE by default; asking for it says so for any compiler.
include(CheckPIESupported)
check_pie_supported()
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
