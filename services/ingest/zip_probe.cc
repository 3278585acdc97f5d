#include "services/ingest/zip_probe.h"

#include <algorithm>
#include <cstdint>

namespace reportflow::ingest {
namespace {

uint32_t Le16(std::string_view b, size_t at) {
  return static_cast<uint8_t>(b[at]) | (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 1])) << 8);
}
uint32_t Le32(std::string_view b, size_t at) { return Le16(b, at) | (Le16(b, at + 2) << 16); }

bool Has(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The stored (uncompressed) content of `name`, if its local header says "stored".
std::string StoredEntry(std::string_view bytes, std::string_view name, size_t max_bytes) {
  // Local file headers: PK\3\4, name at offset 30, stored data after name + extra.
  if (bytes.size() < 30 || bytes.substr(0, 4) != std::string_view("PK\x03\x04", 4)) return "";
  const uint32_t method = Le16(bytes, 8);
  const uint32_t compressed = Le32(bytes, 18);
  const uint32_t name_len = Le16(bytes, 26);
  const uint32_t extra_len = Le16(bytes, 28);
  if (method != 0 || 30u + name_len > bytes.size() || bytes.substr(30, name_len) != name) return "";
  const size_t start = 30u + name_len + extra_len;
  if (start > bytes.size()) return "";
  return std::string(bytes.substr(start, std::min<size_t>({compressed, max_bytes, bytes.size() - start})));
}

}  // namespace

std::vector<std::string> ZipEntryNames(std::string_view bytes, size_t max_entries) {
  std::vector<std::string> names;
  // End of central directory: 22 bytes + a comment of at most 65535 bytes.
  if (bytes.size() < 22) return names;
  const size_t lowest = bytes.size() > 22 + 65535 ? bytes.size() - 22 - 65535 : 0;
  size_t eocd = std::string_view::npos;
  for (size_t i = bytes.size() - 22 + 1; i-- > lowest;) {
    if (bytes.compare(i, 4, std::string_view("PK\x05\x06", 4)) == 0) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string_view::npos) return names;
  const uint32_t count = Le16(bytes, eocd + 10);
  const uint32_t cd_size = Le32(bytes, eocd + 12);
  const uint32_t cd_offset = Le32(bytes, eocd + 16);
  if (static_cast<uint64_t>(cd_offset) + cd_size > bytes.size()) return names;
  size_t pos = cd_offset;
  for (uint32_t k = 0; k < count && names.size() < max_entries; ++k) {
    if (pos + 46 > bytes.size() || bytes.compare(pos, 4, std::string_view("PK\x01\x02", 4)) != 0) break;
    const uint32_t name_len = Le16(bytes, pos + 28);
    const uint32_t extra_len = Le16(bytes, pos + 30);
    const uint32_t comment_len = Le16(bytes, pos + 32);
    if (pos + 46 + name_len > bytes.size()) break;
    names.emplace_back(bytes.substr(pos + 46, name_len));
    pos += 46u + name_len + extra_len + comment_len;
  }
  return names;
}

std::string ZipPackageKind(std::string_view bytes) {
  const std::vector<std::string> names = ZipEntryNames(bytes);
  if (Has(names, "[Content_Types].xml")) {
    if (Has(names, "word/document.xml")) return "docx";
    if (Has(names, "xl/workbook.xml")) return "xlsx";
    if (Has(names, "ppt/presentation.xml")) return "pptx";
    return "ooxml";
  }
  if (Has(names, "OFD.xml")) return "ofd";
  if (!names.empty() && names.front() == "mimetype") {
    const std::string mime = StoredEntry(bytes, "mimetype", 128);
    if (mime == "application/vnd.oasis.opendocument.text") return "odt";
    if (mime == "application/vnd.oasis.opendocument.spreadsheet") return "ods";
    if (mime == "application/vnd.oasis.opendocument.presentation") return "odp";
  }
  return "";
}

}  // namespace reportflow::ingest
