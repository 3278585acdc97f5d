#include "services/ingest/input_scanner.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <locale.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/files/folder_listing.h"
#include "common/files/unique_fd.h"
#include "common/text/escaped_name.h"
#include "services/ingest/zip_probe.h"

namespace reportflow::ingest {
namespace fs = std::filesystem;
namespace pb = ::reportflow::ingest::v1;
using files::UniqueFd;

namespace {

// `source` is already escaped (text::EscapeName); `reason` is escaped here
// because it may quote outside text (libarchive's messages name entries).
ScanItem Reject(std::string source, pb::RejectionCode code, std::string reason) {
  ScanItem item;
  item.source = std::move(source);
  reason = text::EscapeName(reason);
  item.rejected = true;
  item.rejection.set_source(item.source);
  item.rejection.set_code(code);
  item.rejection.set_reason(std::move(reason));
  return item;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A path as ingest stores and shows it: its bytes, escaped (text/escaped_name.h).
std::string Shown(const fs::path& p) { return text::EscapeName(p.native()); }

// libarchive converts entry names into the charset of the current locale; a
// service runs in the C locale, where a UTF-8 name cannot be represented and
// comes out empty. While an archive is read, the thread uses C.UTF-8, so every
// name arrives as UTF-8 (uselocale: this thread only).
class Utf8LocaleScope {
 public:
  Utf8LocaleScope() {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (utf8 != static_cast<locale_t>(nullptr)) previous_ = uselocale(utf8);
  }
  ~Utf8LocaleScope() {
    if (previous_ != static_cast<locale_t>(nullptr)) uselocale(previous_);
  }
  Utf8LocaleScope(const Utf8LocaleScope&) = delete;
  Utf8LocaleScope& operator=(const Utf8LocaleScope&) = delete;

 private:
  locale_t previous_ = static_cast<locale_t>(nullptr);
};

// True if `target` is `root` or lies under it (both canonical).
bool Within(const fs::path& target, const fs::path& root) {
  const fs::path rel = target.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

bool UnsafeEntryName(const std::string& name) {
  if (name.empty() || name[0] == '/' || name.find('\\') != std::string::npos) return true;
  for (const auto& part : fs::path(name)) {
    if (part == "..") return true;
  }
  return false;
}

enum class ReadOutcome { kRead, kFailed, kNotCached };

// Reads up to max+1 bytes of an open file (from its start), so "too large"
// is detected without reading it all. One fstat and read for a file of the
// size fstat gives (std::ifstream plus a stat by path for the size took
// twice the system calls, and three stats per file was ingest's largest one).
// kFailed with `error` set; a file that fstat already shows too large is not
// read: `*too_large` is then its size. With `cached_below` > 0, only a file
// smaller than that is read, and only from the page cache (RWF_NOWAIT): else
// kNotCached, and `out` holds nothing.
ReadOutcome ReadFileBounded(int fd, uint64_t max, uint64_t cached_below, std::string* out, std::string* error,
                            uint64_t* too_large) {
  *too_large = 0;
  // Grow the buffer from the file's size (a hint: the file may change while
  // read) instead of sizing it to the limit: zero-filling max+1 bytes (16 MiB
  // by default) per file was most of ingest's CPU on small reports.
  struct stat st;
  const bool sized = ::fstat(fd, &st) == 0;
  if (sized && !S_ISREG(st.st_mode)) {  // replaced since it was listed
    *error = "not a regular file any more (replaced while read)";
    return ReadOutcome::kFailed;
  }
  if (sized && static_cast<uint64_t>(st.st_size) > max) {
    *too_large = static_cast<uint64_t>(st.st_size);
    *error = "too large";
    return ReadOutcome::kFailed;
  }
  const bool nowait = cached_below > 0;
  if (nowait && (!sized || static_cast<uint64_t>(st.st_size) >= cached_below)) return ReadOutcome::kNotCached;
  uint64_t chunk = sized ? static_cast<uint64_t>(st.st_size) + 1 : (uint64_t{1} << 16);
  out->clear();
  while (out->size() <= max) {
    const size_t old = out->size();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(chunk, max + 1 - old));
    out->resize(old + want);
    size_t got = 0;
    while (got < want) {  // until the chunk is full or the file ends
      iovec iov{out->data() + old + got, want - got};
      const ssize_t n = ::preadv2(fd, &iov, 1, static_cast<off_t>(old + got), nowait ? RWF_NOWAIT : 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && nowait) {  // EAGAIN: not all cached (or no RWF_NOWAIT here)
        out->clear();
        return ReadOutcome::kNotCached;
      }
      if (n < 0) {
        *error = "read error";
        return ReadOutcome::kFailed;
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    out->resize(old + got);
    if (got < want) break;  // end of file
    chunk = std::max<uint64_t>(chunk, uint64_t{1} << 16);
  }
  return ReadOutcome::kRead;
}

}  // namespace

bool LooksLikeArchive(std::string_view bytes) {
  if (StartsWith(bytes, "PK\x03\x04")) return true;        // zip (docx is handled before)
  if (StartsWith(bytes, "\x1F\x8B")) return true;          // gzip (tar.gz)
  if (StartsWith(bytes, "BZh")) return true;               // bzip2
  if (StartsWith(bytes, "\xFD" "7zXZ")) return true;       // xz
  if (bytes.size() > 262 && bytes.substr(257, 5) == "ustar") return true;  // tar
  return false;
}

struct InputScanner::Impl {
  struct DirFrame {
    fs::path dir;
    // Its names, packed (files::FolderListing): a folder of 10^5 reports costs
    // its names' bytes and 5 more each; ingest's peak RSS grew with the corpus
    // while a listing was 10^5 fs::path objects.
    files::FolderListing listing;
    size_t next = 0;
    uint32_t depth = 0;
    UniqueFd fd;  // the folder, for opening its files ahead
  };
  // Reading ahead. Files are read one at a time, and one that is not in the
  // page cache stalled ingest, and the pipeline behind it, until the disk
  // answered: a 20k batch read cold took 6.3 s, 5.4 s cached, and ingest slept
  // in read(2) about 30 times a second. So the next kReadAhead files of the
  // folder being walked are opened and the kernel is asked for their pages
  // (POSIX_FADV_WILLNEED): their reads go out together, overlapping the work on
  // the files before them, and each file is read from its descriptor when its
  // turn comes. Only what the listing shows as a regular file is opened ahead,
  // never through a link, and without blocking (a FIFO put in its place is
  // rejected when read, as one listed is).
  static constexpr size_t kReadAhead = 32;
  // A file already in the page cache is read at once, which costs no more
  // than reading it in turn; only one that is not costs the hint (a system
  // call, ~3 us each on a cached 20k batch when every file had it). Files
  // kept read ahead are small and few: under kAheadFileBytes each, and
  // kAheadBytes together.
  static constexpr uint64_t kAheadFileBytes = uint64_t{1} << 20;
  static constexpr uint64_t kAheadBytes = uint64_t{8} << 20;
  struct OpenedAhead {
    size_t index;  // in dirs.back()
    UniqueFd fd;   // open, its pages asked for; or invalid: `bytes` were read
    std::string bytes;
  };
  uint64_t ahead_bytes = 0;  // of `opened`
  std::deque<OpenedAhead> opened;  // ascending index
  size_t opened_until = 0;         // dirs.back()'s entries below this were considered
  fs::path root_canonical;  // the input tree being walked: symlinks may point inside it
  struct ArchiveState {
    std::string source;
    std::string bytes;          // the archive itself (bounded by max_file_bytes)
    archive* a = nullptr;
    uint64_t expanded = 0;
    uint32_t entries = 0;
    ~ArchiveState() {
      if (a) archive_read_free(a);
    }
  };

  ScanLimits limits;
  std::deque<std::string> roots;
  std::vector<DirFrame> dirs;
  std::unique_ptr<ArchiveState> archive_state;

  bool Next(ScanItem* item) {
    while (true) {
      if (archive_state) {
        if (NextArchiveEntry(item)) return true;
        archive_state.reset();
        continue;
      }
      if (!dirs.empty()) {
        DirFrame& top = dirs.back();
        if (top.next >= top.listing.size()) {
          dirs.pop_back();
          ForgetOpened();
          continue;
        }
        ReadAhead(top);
        const size_t index = top.next++;
        const fs::path p = top.dir / top.listing.name(index);
        if (VisitPath(p, top.depth + 1, item, TakeOpened(index))) return true;
        continue;
      }
      if (roots.empty()) return false;
      const fs::path root = roots.front();
      roots.pop_front();
      std::error_code ec;
      if (!fs::exists(fs::symlink_status(root, ec))) {
        *item = Reject(Shown(root), pb::REJECTION_CODE_UNREADABLE, "no such file or folder");
        return true;
      }
      root_canonical = fs::canonical(root, ec);
      if (ec) root_canonical = fs::absolute(root, ec).lexically_normal();
      if (VisitPath(root, 0, item)) return true;
    }
  }

  // The walk moved to another folder: what was opened ahead is of the old one.
  void ForgetOpened() {
    opened.clear();
    ahead_bytes = 0;
    opened_until = dirs.empty() ? 0 : dirs.back().next;
  }

  void ReadAhead(const DirFrame& top) {
    if (!top.fd.valid()) return;
    opened_until = std::max(opened_until, top.next);
    while (opened_until < top.listing.size() && opened_until < top.next + kReadAhead) {
      const size_t i = opened_until++;
      if (!top.listing.listed_as_file(i)) continue;
      UniqueFd fd(::openat(top.fd.get(), top.listing.c_name(i), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
      if (!fd.valid()) continue;  // opened again when its turn comes, and its failure reported then
      OpenedAhead a{i, std::move(fd), {}};
      std::string error;
      uint64_t too_large = 0;
      // Past kAheadBytes held, nothing more is read now (1: any file with a byte is "not cached").
      const uint64_t cached_below = ahead_bytes < kAheadBytes ? kAheadFileBytes : 1;
      const ReadOutcome got = ReadFileBounded(a.fd.get(), limits.max_file_bytes, cached_below, &a.bytes, &error,
                                              &too_large);
      if (got == ReadOutcome::kRead) {
        a.fd.Reset();
        ahead_bytes += a.bytes.size();
      } else {
        a.bytes.clear();  // a read that failed part way
      }
      if (got == ReadOutcome::kNotCached) {  // read in its turn
        ::posix_fadvise(a.fd.get(), 0, 0, POSIX_FADV_WILLNEED);
      }  // kFailed (too large, not a regular file): read again in its turn, which reports it
      opened.push_back(std::move(a));
    }
  }

  // What was opened or read ahead for dirs.back()'s entry `index`, if anything.
  std::optional<OpenedAhead> TakeOpened(size_t index) {
    while (!opened.empty() && opened.front().index < index) PopOpened();
    if (opened.empty() || opened.front().index != index) return std::nullopt;
    ahead_bytes -= opened.front().bytes.size();
    std::optional<OpenedAhead> a(std::move(opened.front()));
    opened.pop_front();
    return a;
  }
  void PopOpened() {
    ahead_bytes -= opened.front().bytes.size();
    opened.pop_front();
  }

  // Returns true if `item` was filled (file or rejection); folders are pushed.
  // `ahead`: the file opened or read ahead (ReadAhead), if it was.
  bool VisitPath(const fs::path& p, uint32_t depth, ScanItem* item, std::optional<OpenedAhead> ahead = std::nullopt) {
    std::error_code ec;
    const fs::file_status lst = fs::symlink_status(p, ec);
    if (ec) {
      *item = Reject(Shown(p), pb::REJECTION_CODE_UNREADABLE, "cannot stat: " + ec.message());
      return true;
    }
    fs::file_status st = lst;
    if (fs::is_symlink(lst)) {
      st = fs::status(p, ec);
      if (ec) {
        *item = Reject(Shown(p), pb::REJECTION_CODE_NOT_A_FILE, "broken or looping symlink: " + ec.message());
        return true;
      }
      if (fs::is_directory(st)) {
        *item = Reject(Shown(p), pb::REJECTION_CODE_NOT_A_FILE, "symlinked folder not followed (loop protection)");
        return true;
      }
      // A link inside the tree that leads out of it (to /etc/hostname, say) is
      // not part of the operator's input. A root the operator named is.
      const fs::path target = fs::canonical(p, ec);
      if (depth > 0 && !limits.follow_external_symlinks && (ec || !Within(target, root_canonical))) {
        *item = Reject(Shown(p), pb::REJECTION_CODE_NOT_A_FILE,
                       "symlink to " + Shown(target) + " leads outside the input " + Shown(root_canonical) +
                           "; not followed (ingest.follow_external_symlinks: true follows it)");
        return true;
      }
    }
    if (fs::is_directory(st)) {
      if (depth > limits.max_depth) {
        *item = Reject(Shown(p), pb::REJECTION_CODE_NOT_A_FILE,
                       "folder nested deeper than " + std::to_string(limits.max_depth) + " levels");
        return true;
      }
      DirFrame frame;
      frame.dir = p;
      frame.depth = depth;
      Result<UniqueFd> fd = files::FolderListing::Open(AT_FDCWD, p.c_str());
      Result<files::FolderListing> listing =
          fd.ok() ? files::FolderListing::Read(fd->get()) : Result<files::FolderListing>(fd.status());
      if (!listing.ok()) {
        *item = Reject(Shown(p), pb::REJECTION_CODE_UNREADABLE, listing.status().message());
        return true;
      }
      frame.fd = std::move(fd).value();
      frame.listing = std::move(listing).value();
      dirs.push_back(std::move(frame));
      ForgetOpened();
      return false;
    }
    if (!fs::is_regular_file(st)) {
      *item = Reject(Shown(p), pb::REJECTION_CODE_NOT_A_FILE, "not a regular file (device, socket or pipe)");
      return true;
    }
    std::string bytes, error;
    uint64_t size = 0;
    // What was read ahead is this file unless it is now reached through a link.
    if (fs::is_symlink(lst)) ahead.reset();
    ReadOutcome outcome = ReadOutcome::kNotCached;
    if (ahead && !ahead->fd.valid()) {
      bytes = std::move(ahead->bytes);
      outcome = ReadOutcome::kRead;
    } else {
      UniqueFd fd = ahead ? std::move(ahead->fd) : UniqueFd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) {
        *item = Reject(Shown(p), pb::REJECTION_CODE_UNREADABLE, "cannot open: permission denied or unreadable");
        return true;
      }
      outcome = ReadFileBounded(fd.get(), limits.max_file_bytes, 0, &bytes, &error, &size);
    }
    if (outcome != ReadOutcome::kRead) {
      if (size > 0) {
        *item = Reject(Shown(p), pb::REJECTION_CODE_TOO_LARGE,
                       "file of " + std::to_string(size) + " bytes exceeds the limit of " +
                           std::to_string(limits.max_file_bytes) + " bytes (limits.max_file_bytes)");
      } else {
        *item = Reject(Shown(p), pb::REJECTION_CODE_UNREADABLE, error);
      }
      return true;
    }
    if (bytes.size() > limits.max_file_bytes) {
      *item = Reject(Shown(p), pb::REJECTION_CODE_TOO_LARGE, "file grew beyond the size limit while reading");
      return true;
    }
    if (LooksLikeArchive(bytes) && !IsOfficeDocument(bytes)) {
      return OpenArchive(Shown(p), std::move(bytes), item);
    }
    item->source = Shown(p);
    item->bytes = std::move(bytes);
    item->rejected = false;
    return true;
  }

  // Office packages (docx, xlsx, odt, ofd ...) are zips judged by their
  // entry names; they are documents, not archives to expand.
  static bool IsOfficeDocument(std::string_view bytes) {
    return StartsWith(bytes, "PK\x03\x04") && !ZipPackageKind(bytes).empty();
  }

  bool OpenArchive(const std::string& source, std::string bytes, ScanItem* item) {
    auto state = std::make_unique<ArchiveState>();
    state->source = source;
    state->bytes = std::move(bytes);
    Utf8LocaleScope utf8;
    state->a = archive_read_new();
    archive_read_support_filter_all(state->a);
    archive_read_support_format_zip(state->a);
    archive_read_support_format_tar(state->a);
    archive_read_support_format_gnutar(state->a);
    // Zip entry names are UTF-8 when the entry says so (general-purpose flag
    // bit 11); otherwise they are in the archiver's legacy code page, which for
    // the zips this pipeline sees (made on Chinese Windows) is GBK: decoded as
    // GB18030, its superset. Names that do not decode are kept as their bytes.
    archive_read_set_format_option(state->a, "zip", "hdrcharset", "GB18030");
    if (archive_read_open_memory(state->a, state->bytes.data(), state->bytes.size()) != ARCHIVE_OK) {
      *item = Reject(source, pb::REJECTION_CODE_ARCHIVE,
                     std::string("cannot open archive: ") + archive_error_string(state->a));
      return true;
    }
    archive_state = std::move(state);
    return false;
  }

  bool NextArchiveEntry(ScanItem* item) {
    Utf8LocaleScope utf8;
    ArchiveState& st = *archive_state;
    archive_entry* entry = nullptr;
    while (true) {
      const int r = archive_read_next_header(st.a, &entry);
      if (r == ARCHIVE_EOF) return false;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        *item = Reject(st.source, pb::REJECTION_CODE_ARCHIVE,
                       std::string("corrupt archive: ") + archive_error_string(st.a) + " (remaining entries not read)");
        archive_state.reset();
        return true;
      }
      if (++st.entries > limits.max_archive_entries) {
        *item = Reject(st.source, pb::REJECTION_CODE_ARCHIVE, "archive has more than " +
                       std::to_string(limits.max_archive_entries) + " entries (remaining entries not read)");
        archive_state.reset();
        return true;
      }
      const char* raw_name = archive_entry_pathname(entry);
      std::string name = raw_name ? raw_name : "";
      if (name.empty() && r == ARCHIVE_WARN) {
        // The name did not convert (not GB18030 either): name the entry by
        // its position, and say why, rather than dropping it.
        name = "entry-" + std::to_string(st.entries) + " (name not decodable: " + archive_error_string(st.a) + ")";
      }
      const std::string source = st.source + "!/" + text::EscapeName(name);
      if (archive_entry_filetype(entry) == AE_IFDIR) continue;  // folders carry no content
      if (UnsafeEntryName(name)) {
        *item = Reject(source, pb::REJECTION_CODE_ARCHIVE, "unsafe entry name (absolute path or '..')");
        return true;
      }
      if (archive_entry_filetype(entry) != AE_IFREG) {
        *item = Reject(source, pb::REJECTION_CODE_NOT_A_FILE, "archive entry is not a regular file");
        return true;
      }
      // Read with limits: per entry, per archive, and expansion ratio.
      std::string data;
      char buf[65536];
      while (true) {
        const la_ssize_t n = archive_read_data(st.a, buf, sizeof(buf));
        if (n < 0) {
          *item = Reject(source, pb::REJECTION_CODE_ARCHIVE, std::string("cannot read entry: ") + archive_error_string(st.a));
          return true;
        }
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
        st.expanded += static_cast<uint64_t>(n);
        if (data.size() > limits.max_file_bytes) {
          *item = Reject(source, pb::REJECTION_CODE_TOO_LARGE, "archive entry exceeds the size limit of " +
                         std::to_string(limits.max_file_bytes) + " bytes");
          return true;
        }
        if (st.expanded > limits.max_archive_total_bytes ||
            st.expanded > static_cast<uint64_t>(limits.max_archive_ratio) * std::max<uint64_t>(st.bytes.size(), 4096)) {
          *item = Reject(st.source, pb::REJECTION_CODE_ARCHIVE,
                         "archive bomb: expands beyond " + std::to_string(limits.max_archive_ratio) +
                             "x its size or the total limit (remaining entries not read)");
          archive_state.reset();
          return true;
        }
      }
      item->source = source;
      item->bytes = std::move(data);
      item->rejected = false;
      return true;
    }
  }
};

InputScanner::InputScanner(std::vector<std::string> paths, ScanLimits limits) : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  for (auto& p : paths) impl_->roots.push_back(std::move(p));
}

InputScanner::~InputScanner() = default;

bool InputScanner::Next(ScanItem* item) {
  *item = ScanItem();
  DecodeSandbox* sandbox = impl_->limits.decode_sandbox;
  if (!sandbox) {
    const bool got = impl_->Next(item);
    if (got) ++items_seen_;
    return got;
  }
  // Read ahead (bounded), handing heavy items to the sandbox at once.
  while (!walked_ && ahead_.size() < kDecodeLookahead) {
    Ahead a;
    if (!impl_->Next(&a.item)) {
      walked_ = true;
      break;
    }
    if (!a.item.rejected && DecodeSandbox::Wants(a.item.bytes)) {
      a.job = sandbox->Submit(a.item.source, std::move(a.item.bytes));
      a.item.bytes.clear();
    }
    ahead_.push_back(std::move(a));
    if (ahead_.back().job) break;  // read further only while it decodes
  }
  if (ahead_.empty()) return false;
  Ahead& head = ahead_.front();
  if (head.job && !head.job->done()) {
    item->waiting = true;
    return true;
  }
  *item = std::move(head.item);
  if (head.job) {
    DecodeOutcome outcome = head.job->Take();
    if (outcome.ok) {
      item->decoded = std::move(outcome);
    } else {
      item->rejected = true;
      item->rejection = std::move(outcome.rejection);
    }
  }
  ahead_.pop_front();
  ++items_seen_;
  return true;
}

bool InputScanner::waiting() const {
  return !ahead_.empty() && ahead_.front().job && !ahead_.front().job->done();
}

}  // namespace reportflow::ingest
