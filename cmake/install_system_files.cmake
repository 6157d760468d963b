# Install-time half of cmake/install.cmake: the files whose content or place depends on the
# prefix the install runs with (cmake --install --prefix P, or cpack's /usr), not the one
# configured. Inputs (set by install(CODE) before this script): MAGENT_SOURCE_DIR,
# MAGENT_BINDIR, MAGENT_SYSCONFDIR (GNUInstallDirs' value, relative or absolute),
# MAGENT_DOCDIR, MAGENT_SYSTEMD_UNITDIR, MAGENT_WORK_DIR. DESTDIR is honoured by
# file(INSTALL). Existing configuration files are never overwritten (a reinstall from source
# keeps the operator's edits; the .deb handles them as conffiles).

# GNUInstallDirs' rule for SYSCONFDIR, applied to the install-time prefix.
string(REGEX REPLACE "/+$" "" prefix "${CMAKE_INSTALL_PREFIX}")
if(IS_ABSOLUTE "${MAGENT_SYSCONFDIR}")
  set(etc "${MAGENT_SYSCONFDIR}")
elseif(prefix STREQUAL "" OR prefix STREQUAL "/usr")
  set(etc "/etc")
elseif(prefix MATCHES "^/opt/")
  set(etc "/etc${prefix}")
else()
  set(etc "${prefix}/${MAGENT_SYSCONFDIR}")
endif()
foreach(dir IN ITEMS BINDIR DOCDIR)
  string(TOLOWER "${dir}" var)
  if(IS_ABSOLUTE "${MAGENT_${dir}}")
    set(${var} "${MAGENT_${dir}}")
  else()
    set(${var} "${prefix}/${MAGENT_${dir}}")
  endif()
endforeach()

# The unit names /usr/bin and /etc; point it at this install's paths.
file(READ "${MAGENT_SOURCE_DIR}/systemd/migration-agent.service" unit)
string(REPLACE "/usr/bin/migration-agent" "${bindir}/migration-agent" unit "${unit}")
string(REPLACE "/etc/migration-agent/" "${etc}/migration-agent/" unit "${unit}")
string(REPLACE "/usr/share/doc/migration-agent/" "${docdir}/" unit "${unit}")
file(WRITE "${MAGENT_WORK_DIR}/migration-agent.service" "${unit}")
file(INSTALL "${MAGENT_WORK_DIR}/migration-agent.service"
     DESTINATION "${prefix}/${MAGENT_SYSTEMD_UNITDIR}"
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The daemon reads the TOML file as the migration-agent user; the environment file is read
# by systemd (root) and may hold the database password.
foreach(pair IN ITEMS "config/migration-agent.toml|migration-agent.toml|644"
                      "systemd/migration-agent.env.example|migration-agent.env|600")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 source)
  list(GET pair 1 name)
  list(GET pair 2 mode)
  if(EXISTS "$ENV{DESTDIR}${etc}/migration-agent/${name}")
    message(STATUS "Keeping existing: $ENV{DESTDIR}${etc}/migration-agent/${name}")
    continue()
  endif()
  set(permissions OWNER_READ OWNER_WRITE)
  if(mode STREQUAL "644")
    list(APPEND permissions GROUP_READ WORLD_READ)
  endif()
  file(INSTALL "${MAGENT_SOURCE_DIR}/${source}" DESTINATION "${etc}/migration-agent"
       RENAME "${name}" PERMISSIONS ${permissions})
endforeach()
