# SPDX-License-Identifier: Apache-2.0
# CPack pre-build script: lists every file staged under /etc as a conffile, as dh_installdeb
# does, so an operator's edits survive upgrades and a file another part of the project
# installs into /etc later is covered without touching this list.
file(GLOB_RECURSE etc_files LIST_DIRECTORIES false
  RELATIVE ${CPACK_TEMPORARY_DIRECTORY} ${CPACK_TEMPORARY_DIRECTORY}/etc/*)
list(SORT etc_files)
set(conffiles "")
foreach(f IN LISTS etc_files)
  string(APPEND conffiles "/${f}\n")
endforeach()
if(conffiles STREQUAL "")
  message(FATAL_ERROR "conffiles.cmake: nothing staged under /etc in ${CPACK_TEMPORARY_DIRECTORY}")
endif()
file(WRITE ${CPACK_LOCKER_CONFFILES} "${conffiles}")
