// What the user sees of a capture run: the live one-line status on stderr while it runs,
// the notice when another sampler had to be used, and the closing summary.
#pragma once

#include <string>

#include "cspy/aggregate/profile.h"
#include "cspy/pipeline/session.h"

namespace cspy::cli {

// "cspy: 812 samples in 8.12 s (100.0/s), 0 lost, ..." and warnings, several lines.
std::string session_summary(const pipeline::Session& session, const aggregate::Profile& profile);

// Rewrites the status line in place; `final_line` ends it with a newline.
void print_status_line(const pipeline::Session& session, const aggregate::Profile& profile,
                       bool final_line);

// Prints the fallback notice, if start() had to fall back to another sampler.
void print_fallback_notice(const pipeline::Session& session);

}  // namespace cspy::cli
