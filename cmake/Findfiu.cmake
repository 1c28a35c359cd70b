# Findfiu.cmake: libfiu (fault injection in userspace), which ships a
# pkg-config file (libfiu.pc) but no CMake package.
#
# Result: the IMPORTED target fiu::fiu, and fiu_FOUND, fiu_LIBRARY,
# fiu_INCLUDE_DIR, fiu_VERSION. Installed with ipcfault's CMake package, whose
# targets link fiu::fiu, so that a relocated or differently laid-out system
# (libfiu under /usr/lib, /usr/local/lib or a multiarch directory) is found
# where it is rather than where ipcfault was built.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_FIU QUIET libfiu)
endif()
find_path(fiu_INCLUDE_DIR fiu-control.h HINTS ${PC_FIU_INCLUDEDIR} ${PC_FIU_INCLUDE_DIRS})
find_library(fiu_LIBRARY NAMES fiu HINTS ${PC_FIU_LIBDIR} ${PC_FIU_LIBRARY_DIRS})
set(fiu_VERSION ${PC_FIU_VERSION})
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(fiu REQUIRED_VARS fiu_LIBRARY fiu_INCLUDE_DIR VERSION_VAR fiu_VERSION)
if(fiu_FOUND AND NOT TARGET fiu::fiu)
  add_library(fiu::fiu UNKNOWN IMPORTED)
  set_target_properties(fiu::fiu PROPERTIES
    IMPORTED_LOCATION "${fiu_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${fiu_INCLUDE_DIR}")
endif()
mark_as_advanced(fiu_INCLUDE_DIR fiu_LIBRARY)
