// Test helpers about other processes and hostile inputs: reading /proc files
// of processes that may exit meanwhile, the live processes whose command line
// mentions a string (did every service end with its launcher?), and a small PDF that keeps a PDF parser busy for a long time.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace reportflow::testing {

// The contents of a /proc file of a process that may exit meanwhile, ""
// once it is gone. (An ifstream throws then: read() fails with ESRCH and
// libstdc++'s filebuf throws from its underflow.)
std::string ReadProcFile(const std::filesystem::path& path);

// Pids of live (not zombie) processes whose command line (NUL-separated
// arguments) contains `needle`.
std::set<pid_t> ProcessesMentioning(const std::string& needle);

// Live (not zombie) direct children of `parent` whose comm (/proc/PID/stat)
// starts with `prefix`, in pid order: the services a launcher started.
std::vector<pid_t> ChildrenNamed(pid_t parent, const std::string& prefix);

// The command name of `pid` (/proc/PID/comm, at most 15 characters), "" once it is gone.
std::string CommandNameOf(pid_t pid);

// A one-page PDF whose content stream (Flate-compressed) draws `operators`
// one-letter words, each moved by a tiny Td: a few KB on disk, a text layer of
// `operators` words that keeps poppler busy for seconds to minutes.
std::string HostilePdf(int operators);

}  // namespace reportflow::testing
