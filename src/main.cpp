// cspy's entry point; everything else is in the component libraries.
#include "cspy/cli/commands.h"

int main(int argc, char** argv) { return cspy::cli::run(argc, argv); }
