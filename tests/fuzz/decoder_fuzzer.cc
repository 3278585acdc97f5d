// Fuzz target: DocumentDecoder (format detection, text decoding, .docx, web
// page and PDF extraction). Invariants: never crashes; an accepted document
// has valid UTF-8 text that is not blank, a 32-hex-digit id and a format; a
// rejection has a code and a reason.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/text/utf8.h"
#include "services/ingest/document_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const reportflow::ingest::DecodeOutcome out = reportflow::ingest::DecodeDocument("fuzz.bin", bytes);
  if (out.ok) {
    if (!reportflow::text::IsValidUtf8(out.document.text()) || out.document.text().empty() ||
        out.doc_id.size() != 32 || out.document.source_format().empty()) {
      std::abort();
    }
  } else if (out.rejection.code() == 0 || out.rejection.reason().empty()) {
    std::abort();
  }
  return 0;
}
