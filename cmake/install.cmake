# Install rules (GNUInstallDirs) and the Debian package (CPack DEB).
#
#   PREFIX/bin                                  migration-agent, migrationctl
#   PREFIX/lib/systemd/system                   migration-agent.service
#   PREFIX/lib/sysusers.d                       migration-agent.conf (the system user)
#   SYSCONFDIR/migration-agent                  migration-agent.toml, migration-agent.env
#   PREFIX/share/doc/migration-agent            README, docs, examples (migrations, env,
#                                               compose, Kubernetes)
#   PREFIX/share/migration-agent/prometheus     alerts.yml
#
# SYSCONFDIR is /etc for the /usr prefix (the .deb) and PREFIX/etc otherwise, decided at
# install time (cmake/install_system_files.cmake) so that `cpack` (always /usr) and
# `cmake --install --prefix ...` both get it right from any configured prefix.
set(MAGENT_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "systemd system unit directory, relative to the install prefix")
set(MAGENT_SYSUSERSDIR "lib/sysusers.d" CACHE STRING
    "sysusers.d directory, relative to the install prefix")
set(MAGENT_DATADIR "${CMAKE_INSTALL_DATADIR}/migration-agent")

install(TARGETS migration-agent RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET migrationctl)
  install(TARGETS migrationctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(FILES systemd/migration-agent.sysusers.conf
        DESTINATION ${MAGENT_SYSUSERSDIR} RENAME migration-agent.conf)
# The unit (ExecStart, --config follow the prefix) and the files under SYSCONFDIR.
install(CODE "
  set(MAGENT_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(MAGENT_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(MAGENT_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  set(MAGENT_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(MAGENT_SYSTEMD_UNITDIR \"${MAGENT_SYSTEMD_UNITDIR}\")
  set(MAGENT_WORK_DIR \"${PROJECT_BINARY_DIR}/install-work\")")
install(SCRIPT cmake/install_system_files.cmake)

install(DIRECTORY migrations/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/migrations)
install(FILES systemd/migration-agent.env.example DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES docker/compose.yaml docker/Dockerfile
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/docker)
install(FILES docker/kubernetes/migration-agent-sidecar.yaml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/kubernetes)
install(FILES README.md ARCHITECTURE.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
install(FILES prometheus/alerts.yml DESTINATION ${MAGENT_DATADIR}/prometheus)

# --- the Debian package: cpack -G DEB (scripts/package) -------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "migration-agent")
set(CPACK_PACKAGE_VENDOR "migration-agent maintainers")
set(CPACK_PACKAGE_CONTACT "migration-agent maintainers <maintainers@migration-agent.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "keeps a database schema at the revision the deployed code expects")
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "migration-agent runs beside an application (a systemd service or a sidecar"
  "container) and keeps its database schema at the revision the deployed code"
  "expects. It speaks Alembic's model (alembic_version, revision/down_revision"
  "links) on SQLite, PostgreSQL and MySQL/MariaDB, applies pending revisions under"
  "a database lock exactly once across replicas, records every step in a ledger,"
  "exports Prometheus metrics for drift, and takes operator commands on a local"
  "socket (migrationctl).")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
# Depends: from the binaries' NEEDED libraries (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)  # the build's debug info stays in the build tree
configure_file(cmake/debian/conffiles.in ${PROJECT_BINARY_DIR}/debian/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/debian/conffiles
    ${PROJECT_SOURCE_DIR}/cmake/debian/postinst
    ${PROJECT_SOURCE_DIR}/cmake/debian/prerm
    ${PROJECT_SOURCE_DIR}/cmake/debian/postrm)
include(CPack)
