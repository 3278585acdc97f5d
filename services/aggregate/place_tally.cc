#include "services/aggregate/place_tally.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

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

Status PlaceTally::AddSerialized(std::string_view head) {
  int unit_level = 0, status = 0;
  if (ReadPlaceStatus(head, &unit_level, &status) && status != cpb::PLACE_STATUS_AMBIGUOUS &&
      status != cpb::PLACE_STATUS_NOT_FOUND) {
    Count(unit_level, status);  // not undecided: nothing to list
    return Status::OK();
  }
  aggregate::v1::DocContributionHead parsed;
  if (!parsed.ParseFromArray(head.data(), static_cast<int>(head.size()))) {
    return Status::Corruption("unparsable contribution head");
  }
  Add(parsed);
  return Status::OK();
}

void PlaceTally::Add(const aggregate::v1::DocContributionHead& head) {
  const cpb::DocumentMetadata& m = head.metadata();
  if (Count(m.unit_level(), m.place().status()) && static_cast<size_t>(summary_.listed_size()) < max_listed_) {
    *summary_.add_listed() = head;
  }
}

bool PlaceTally::Count(int unit_level, int status) {
  summary_.set_documents(summary_.documents() + 1);
  if (unit_level == cpb::REGION_LEVEL_COUNTY) summary_.set_county_level(summary_.county_level() + 1);
  switch (status) {
    case cpb::PLACE_STATUS_RESOLVED:
      summary_.set_resolved(summary_.resolved() + 1);
      return false;
    case cpb::PLACE_STATUS_AMBIGUOUS:
      summary_.set_ambiguous(summary_.ambiguous() + 1);
      break;
    case cpb::PLACE_STATUS_NOT_FOUND:
      summary_.set_not_found(summary_.not_found() + 1);
      break;
    default:
      summary_.set_unnamed(summary_.unnamed() + 1);
      return false;
  }
  summary_.set_undecided(summary_.undecided() + 1);
  return true;
}

}  // namespace reportflow::aggregate
