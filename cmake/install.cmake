# Install rules (GNUInstallDirs) and the Debian package.
install(TARGETS migration-agent migrationctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES config/migration-agent.toml DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/migration-agent)
install(DIRECTORY migrations/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/migrations)
install(FILES README.md ARCHITECTURE.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
