# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for 64-bit ARM boards with Debian's cross compiler (g++-aarch64-linux-gnu)
# against the arm64 -dev packages installed through multiarch (tools/install-deps arm64).
# Programs built with it run here under qemu-aarch64 (qemu-user): tools/test-arm64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(LOCKER_CROSS_TRIPLET aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${LOCKER_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${LOCKER_CROSS_TRIPLET}-g++)
set(CMAKE_STRIP ${LOCKER_CROSS_TRIPLET}-strip CACHE FILEPATH "")

# Multiarch: the arm64 libraries and their CMake package files live in
# /usr/lib/aarch64-linux-gnu, beside the build machine's own in /usr/lib/x86_64-linux-gnu.
# Naming the library architecture makes every find_* look there, and only there, for
# libraries; headers are shared in /usr/include (arch-specific ones in
# /usr/include/aarch64-linux-gnu, which the cross compiler searches itself).
set(CMAKE_LIBRARY_ARCHITECTURE ${LOCKER_CROSS_TRIPLET})
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)

# pkg-config (libgpiodcxx) must read the arm64 .pc files, not the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${LOCKER_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# CTest runs the arm64 programs through qemu-user. No -L /usr/aarch64-linux-gnu: that would
# take the dynamic loader from the cross toolchain's libc (libc6-arm64-cross) while libc.so.6
# itself comes from the multiarch libc6:arm64 the -dev packages pull in, and a loader and libc
# of different builds hang in the first pthread_create. Without it qemu uses
# /lib/ld-linux-aarch64.so.1 from libc6:arm64, matching its libc.
# (Building the programs for a board needs no qemu; tests/arm64/run insists on it.)
find_program(LOCKER_QEMU_AARCH64 qemu-aarch64)
if(LOCKER_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LOCKER_QEMU_AARCH64})
endif()
