// DocumentDecoder: one file's bytes -> a RawDocument (decoded UTF-8 text) or a
// rejection with its reason. Pure logic: no sockets, no store.
//
// The format is detected from the bytes (magic numbers), not the file name:
//   txt   decoded with ICU (UTF-8 with or without BOM, UTF-16 with or without
//         BOM, GB18030/GBK);
//   docx  body text through DocxExtractor (docx_extractor.h);
//   html  article body through HtmlExtractor (html_extractor.h);
//   pdf   text layer through PdfExtractor (pdf_extractor.h); a PDF without
//         one is rejected ("scanned PDF, no text layer"), never stored empty;
//   anything else (legacy .doc/.wps/.xls, .xlsx, .odt, .ofd, .rtf, images,
//   nested archives) is rejected with a reason naming the format.
// The stored text is the extracted text (provenance spans refer to it), with
// its BOM removed and CRLF/CR line endings normalised to LF, so the document
// id (a hash of the stored text) is the same for every encoding of a report;
// RawDocument.source_format records the original format.
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

// A rejected outcome: the file at `source` is not read, with a code and the reason shown to the operator.
DecodeOutcome RejectedOutcome(const std::string& source, ingest::v1::RejectionCode code, std::string reason);

// The format name detected from the bytes: txt, html, pdf, docx, doc, xls,
// ppt, ole2, xlsx, pptx, ooxml, odt, ods, odp, ofd, zip, archive, rtf or image.
std::string DetectFormat(std::string_view bytes);

DecodeOutcome DecodeDocument(const std::string& source, std::string_view bytes);

}  // namespace reportflow::ingest
