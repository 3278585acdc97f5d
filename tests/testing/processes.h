// Test helpers about other processes and hostile inputs: the live processes
// whose command line mentions a string (did every service end with its
// launcher?), and a small PDF that keeps a PDF parser busy for a long time.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>

namespace reportflow::testing {

// Pids of live (not zombie) processes whose command line (NUL-separated
// arguments) contains `needle`.
std::set<pid_t> ProcessesMentioning(const std::string& needle);

// A one-page PDF whose content stream (Flate-compressed) draws `operators`
// one-letter words, each moved by a tiny Td: a few KB on disk, a text layer of
// `operators` words that keeps poppler busy for seconds to minutes.
std::string HostilePdf(int operators);

}  // namespace reportflow::testing
