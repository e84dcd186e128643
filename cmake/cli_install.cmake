# Installs the man page and the bash completion script that the build writes into
# ${PROJECT_BINARY_DIR}/share/ (harness/CMakeLists.txt; docs/commands.md, "Shell completion and
# the man page"), with the binary (cmake/greenbench_install.cmake): man1/greenbench.1 under the
# man folder, and completions/greenbench where bash-completion loads it on demand.
install(FILES ${PROJECT_BINARY_DIR}/share/man/man1/greenbench.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_BINARY_DIR}/share/bash-completion/completions/greenbench
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
