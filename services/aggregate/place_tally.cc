#include "services/aggregate/place_tally.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "common/base/macros.h"

namespace reportflow::aggregate {

namespace cpb = ::reportflow::common::v1;

namespace {

using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;

// Tags of DocContributionHead (and DocContribution) and DocumentMetadata.
constexpr int kHeadMetadata = 3;
constexpr int kMetadataUnitLevel = 15;
constexpr int kMetadataPlace = 16;
constexpr int kPlaceStatus = 1;

bool IsField(uint32_t tag, int field, WireFormatLite::WireType type) {
  return tag == WireFormatLite::MakeTag(field, type);
}

// Reads fields of one length-delimited message of an input of `size` bytes
// with `on(tag)`, which reads the field or returns false to have it skipped;
// false when malformed (a length past the input's end included: a limit
// beyond an array's end is cut at it).
template <typename On>
bool ReadMessage(CodedInputStream* in, int size, On&& on) {
  uint32_t length = 0;
  if (!in->ReadVarint32(&length) || length > static_cast<uint32_t>(size - in->CurrentPosition())) return false;
  const CodedInputStream::Limit limit = in->PushLimit(static_cast<int>(length));
  for (uint32_t tag; (tag = in->ReadTag()) != 0;) {
    if (!on(tag) && !WireFormatLite::SkipField(in, tag)) return false;
  }
  if (!in->ConsumedEntireMessage()) return false;  // stopped at a tag that is not one
  in->PopLimit(limit);
  return true;
}

// The metadata's unit level and place status (0 when absent), as protobuf
// would merge them (the last one written wins).
bool ReadPlaceStatus(std::string_view bytes, int* unit_level, int* status) {
  const int size = static_cast<int>(bytes.size());
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), size);
  bool ok = true;
  auto varint = [&](int* out) {
    uint32_t v = 0;
    ok = ok && in.ReadVarint32(&v);
    *out = static_cast<int>(v);
    return true;
  };
  for (uint32_t tag; ok && (tag = in.ReadTag()) != 0;) {
    if (!IsField(tag, kHeadMetadata, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      ok = WireFormatLite::SkipField(&in, tag);
      continue;
    }
    const bool read = ReadMessage(&in, size, [&](uint32_t t) {
      if (IsField(t, kMetadataUnitLevel, WireFormatLite::WIRETYPE_VARINT)) return varint(unit_level);
      if (!IsField(t, kMetadataPlace, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) return false;
      ok = ok && ReadMessage(&in, size, [&](uint32_t p) {
        return IsField(p, kPlaceStatus, WireFormatLite::WIRETYPE_VARINT) ? varint(status) : false;
      });
      return true;
    });
    ok = ok && read;
  }
  return ok && in.ConsumedEntireMessage();
}

}  // namespace

void PlaceTally::Count(std::string_view doc_id, const common::v1::DocumentMetadata& metadata, int sign) {
  Count(doc_id, metadata.unit_level(), metadata.place().status(), sign);
}

Status PlaceTally::AddSerialized(std::string_view doc_id, std::string_view head) {
  int unit_level = 0, status = 0;
  if (ReadPlaceStatus(head, &unit_level, &status)) {
    Count(doc_id, unit_level, status, +1);
    return Status::OK();
  }
  aggregate::v1::DocContributionHead parsed;
  if (!parsed.ParseFromArray(head.data(), static_cast<int>(head.size()))) {
    return Status::Corruption("unparsable contribution head of " + std::string(doc_id));
  }
  Count(doc_id, parsed.metadata(), +1);
  return Status::OK();
}

Result<aggregate::v1::PlacesSummary> PlaceTally::Summary(size_t max_listed, const HeadReader& head_of) const {
  aggregate::v1::PlacesSummary summary = counts_;
  for (auto it = undecided_.begin(); it != undecided_.end() && static_cast<size_t>(summary.listed_size()) < max_listed;
       ++it) {
    RETURN_IF_ERROR(head_of(*it, summary.add_listed()));
  }
  return summary;
}

void PlaceTally::Count(std::string_view doc_id, int unit_level, int status, int sign) {
  // Counts are unsigned: a count taken back (-1) was added before.
  auto add = [sign](uint64_t n) { return static_cast<uint64_t>(static_cast<int64_t>(n) + sign); };
  counts_.set_documents(add(counts_.documents()));
  if (unit_level == cpb::REGION_LEVEL_COUNTY) counts_.set_county_level(add(counts_.county_level()));
  switch (status) {
    case cpb::PLACE_STATUS_RESOLVED:
      counts_.set_resolved(add(counts_.resolved()));
      return;
    case cpb::PLACE_STATUS_AMBIGUOUS:
      counts_.set_ambiguous(add(counts_.ambiguous()));
      break;
    case cpb::PLACE_STATUS_NOT_FOUND:
      counts_.set_not_found(add(counts_.not_found()));
      break;
    default:
      counts_.set_unnamed(add(counts_.unnamed()));
      return;
  }
  counts_.set_undecided(add(counts_.undecided()));
  if (sign > 0) {
    undecided_.emplace(doc_id);
  } else if (auto it = undecided_.find(doc_id); it != undecided_.end()) {
    undecided_.erase(it);
  }
}

}  // namespace reportflow::aggregate
