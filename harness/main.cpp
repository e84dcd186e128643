// The `greenbench` binary: hands argv to the CLI (harness/cli.cpp). Nothing else lives here.
#include "cli.hpp"

int main(int argc, char** argv) { return greenbench::cli_main(argc, argv); }
