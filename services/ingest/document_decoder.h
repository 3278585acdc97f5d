// DocumentDecoder: one file's bytes -> a RawDocument (decoded UTF-8 text) or a
// rejection with its reason. Pure logic: no sockets, no store.
//
// The format is detected from the bytes (magic numbers), not the file name.
// Text is decoded with ICU (UTF-8 with or without BOM, UTF-16 with or without
// BOM, GB18030/GBK); the stored text has its BOM removed and CRLF/CR line
// endings normalised to LF, so the document id (a hash of the stored text) is
// the same for every encoding of a report.
#pragma once

#include <string>
#include <string_view>

#include "reportflow/ingest/v1/ingest.pb.h"

namespace reportflow::ingest {

struct DecodeOutcome {
  bool ok = false;
  std::string doc_id;                // set when ok
  ingest::v1::RawDocument document;  // set when ok
  ingest::v1::Rejection rejection;   // set when !ok
};

// The format name detected from the first bytes: txt, html, pdf, docx, doc,
// image, archive or binary.
std::string DetectFormat(std::string_view bytes);

DecodeOutcome DecodeDocument(const std::string& source, std::string_view bytes);

}  // namespace reportflow::ingest
