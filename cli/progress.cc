#include "cli/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace reportflow::cli {

namespace {
uint32_t Finished(const pipeline::v1::BatchStatus& st) { return st.completed() + st.quarantined(); }

std::string Percent(uint32_t done, uint32_t total) {
  if (total == 0) return "  -";
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%3u%%", static_cast<unsigned>(100.0 * done / total));
  return buf;
}
}  // namespace

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const long total = std::lround(seconds);
  char buf[32];
  if (total >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld", total / 60, total % 60);
  }
  return buf;
}

std::string FormatBytes(uint64_t bytes) {
  char buf[32];
  if (bytes >= 1000 * 1000) {
    std::snprintf(buf, sizeof(buf), "%.1f MB", bytes / 1e6);
  } else if (bytes >= 1000) {
    std::snprintf(buf, sizeof(buf), "%.0f KB", bytes / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  }
  return buf;
}

std::string Bar(uint32_t done, uint32_t total, int width) {
  const int filled = total == 0 ? 0 : static_cast<int>(std::min<double>(1.0, static_cast<double>(done) / total) * width);
  return "[" + std::string(filled, '#') + std::string(width - filled, '-') + "]";
}

void ProgressTracker::Add(double now_seconds, const pipeline::v1::BatchStatus& status) {
  last_ = status;
  finished_.emplace_back(now_seconds, Finished(status));
  // Keep one sample at or before the window start so the window stays full.
  while (finished_.size() > 2 && finished_[1].first <= now_seconds - window_) finished_.pop_front();
}

double ProgressTracker::Rate() const {
  if (finished_.size() >= 2) {
    const auto& [t0, f0] = finished_.front();
    const auto& [t1, f1] = finished_.back();
    if (t1 - t0 >= 1.0) return (static_cast<double>(f1) - f0) / (t1 - t0);
  }
  return last_.elapsed_seconds() > 0 ? Finished(last_) / last_.elapsed_seconds() : 0.0;
}

std::optional<uint32_t> ProgressTracker::ExpectedDocuments() const {
  if (last_.scan_done()) return last_.documents();
  if (!census_ || census_->unlisted_archives > 0) return std::nullopt;
  const uint64_t unread = census_->items - std::min<uint64_t>(census_->items, last_.files_found());
  return static_cast<uint32_t>(last_.documents() + unread);
}

std::optional<double> ProgressTracker::EtaSeconds() const {
  const auto expected = ExpectedDocuments();
  if (!expected) return std::nullopt;
  const uint32_t finished = Finished(last_);
  if (finished >= *expected) return 0.0;
  const double rate = Rate();
  if (rate <= 0) return std::nullopt;
  return (*expected - finished) / rate;
}

int ProgressTracker::NextPollMillis(int min_ms, int max_ms) const {
  const auto eta = EtaSeconds();
  if (!eta) return min_ms;
  const double quarter_ms = *eta * 1000.0 / 4;
  return static_cast<int>(std::clamp(quarter_ms, static_cast<double>(min_ms), static_cast<double>(max_ms)));
}

std::string ProgressTracker::RenderBlock(int bar_width) const {
  const auto& st = last_;
  const uint32_t total = ExpectedDocuments().value_or(st.documents());
  const uint32_t finished = Finished(st);
  char line[512];
  std::string out;
  if (census_) {
    std::snprintf(line, sizeof(line), "inputs   %s   documents %u   rejected %u (%u duplicates)\n",
                  InputsRead().c_str(), st.documents(), st.rejected(), st.duplicates());
  } else {
    std::snprintf(line, sizeof(line), "files    %u found%s   documents %u   rejected %u (%u duplicates)\n",
                  st.files_found(), st.scan_done() ? " (scan done)" : ", scanning...", total, st.rejected(),
                  st.duplicates());
  }
  out += line;
  std::snprintf(line, sizeof(line), "segment  %s %u/%u %s\n", Bar(st.segmented(), total, bar_width).c_str(),
                st.segmented(), total, Percent(st.segmented(), total).c_str());
  out += line;
  std::snprintf(line, sizeof(line), "extract  %s %u/%u %s   quarantined %u   retries %u\n",
                Bar(finished, total, bar_width).c_str(), finished, total, Percent(finished, total).c_str(),
                st.quarantined(), st.retries());
  out += line;
  std::snprintf(line, sizeof(line), "queues   segment %u   extract %u   in flight %u   workers %u segment, %u extract\n",
                st.segment_queued(), st.extract_queued(), st.in_flight(), st.segment_workers(), st.extract_workers());
  out += line;
  const auto eta = EtaSeconds();
  std::snprintf(line, sizeof(line), "rate     %.1f docs/s   elapsed %s   ETA %s", Rate(),
                FormatDuration(st.elapsed_seconds()).c_str(), eta ? FormatDuration(*eta).c_str() : "-");
  out += line;
  return out;
}

std::string ProgressTracker::InputsRead() const {
  const auto& st = last_;
  const uint64_t read = st.scan_done() ? census_->items : std::min<uint64_t>(st.files_found(), census_->items);
  std::string out = std::to_string(read) + "/" + std::to_string(census_->items) + " files";
  if (census_->unlisted_archives == 0) {
    out += ", " + FormatBytes(census_->BytesOfFirst(read)) + "/" + FormatBytes(census_->bytes);
  } else {
    out += " (" + std::to_string(census_->unlisted_archives) + " unreadable archives), " +
           FormatBytes(census_->bytes);
  }
  return out;
}

std::string ProgressTracker::RenderLine() const {
  const auto& st = last_;
  const auto eta = EtaSeconds();
  const uint32_t total = ExpectedDocuments().value_or(st.documents());
  const std::string files =
      census_ ? InputsRead() : std::to_string(st.files_found()) + (st.scan_done() ? "" : "+") + " files";
  char line[640];
  std::snprintf(line, sizeof(line),
                "progress: read %s; documents %u segment %u/%u extract %u/%u rejected %u quarantined %u retries %u "
                "queued %u+%u rate %.1f docs/s elapsed %s eta %s",
                files.c_str(), st.documents(), st.segmented(), total, Finished(st), total, st.rejected(),
                st.quarantined(), st.retries(), st.segment_queued(), st.extract_queued(), Rate(),
                FormatDuration(st.elapsed_seconds()).c_str(), eta ? FormatDuration(*eta).c_str() : "-");
  return line;
}

}  // namespace reportflow::cli
