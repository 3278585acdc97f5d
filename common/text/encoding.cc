#include "common/text/encoding.h"

#include <unicode/ucnv.h>
#include <unicode/utypes.h>

#include <memory>

#include "common/base/macros.h"
#include "common/text/utf8.h"

namespace reportflow::text {
namespace {

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

Result<ConverterPtr> OpenStrict(const char* charset) {
  UErrorCode err = U_ZERO_ERROR;
  ConverterPtr cnv(ucnv_open(charset, &err));
  if (U_FAILURE(err)) {
    return Status::InvalidArgument(std::string("unknown charset ") + charset + ": " + u_errorName(err));
  }
  ucnv_setToUCallBack(cnv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  ucnv_setFromUCallBack(cnv.get(), UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  if (U_FAILURE(err)) return Status::Internal(std::string("ICU callback setup: ") + u_errorName(err));
  return cnv;
}

// Share of code points that are control characters other than \t \n \r \f.
// `utf8` is valid UTF-8 (checked, or ICU's output), so it is read by bytes:
// a code point per lead byte, and the C1 controls U+0080..U+009F are C2 80..9F.
bool LooksLikeText(std::string_view utf8) {
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const size_t n = utf8.size();
  size_t controls = 0, total = 0;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char b = p[i];
    if ((b & 0xC0) == 0x80) continue;  // a continuation byte
    ++total;
    if (b < 0x20) {
      if (b != '\t' && b != '\n' && b != '\r' && b != '\f') ++controls;
    } else if (b == 0x7F || (b == 0xC2 && i + 1 < n && p[i + 1] < 0xA0)) {
      ++controls;
    }
  }
  return total > 0 && controls * 100 <= total;  // at most 1% control characters
}

// For text that may be UTF-16 without BOM: which byte positions hold NULs.
const char* GuessUtf16(std::string_view bytes) {
  if (bytes.size() < 2 || bytes.size() % 2 != 0) return nullptr;
  size_t even_nul = 0, odd_nul = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\0') (i % 2 == 0 ? even_nul : odd_nul)++;
  }
  if (even_nul + odd_nul == 0) return nullptr;
  if (odd_nul > even_nul * 4) return "UTF-16LE";  // ASCII 'a' = 61 00
  if (even_nul > odd_nul * 4) return "UTF-16BE";
  return nullptr;
}

}  // namespace

Result<std::string> ConvertToUtf8(std::string_view bytes, const char* charset) {
  ASSIGN_OR_RETURN(ConverterPtr cnv, OpenStrict(charset));
  if (bytes.size() > (1u << 29)) return Status::ResourceExhausted("input too large to decode");
  std::string out;
  out.resize(bytes.size() * 2 + 16);
  UErrorCode err = U_ZERO_ERROR;
  const int32_t n = ucnv_toAlgorithmic(UCNV_UTF8, cnv.get(), out.data(), static_cast<int32_t>(out.size()),
                                       bytes.data(), static_cast<int32_t>(bytes.size()), &err);
  if (U_FAILURE(err)) {
    return Status::InvalidArgument(std::string("not valid ") + charset + " (" + u_errorName(err) + ")");
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> ConvertFromUtf8(std::string_view utf8, const char* charset) {
  ASSIGN_OR_RETURN(ConverterPtr cnv, OpenStrict(charset));
  if (utf8.size() > (1u << 29)) return Status::ResourceExhausted("input too large to encode");
  std::string out;
  out.resize(utf8.size() * 4 + 16);
  UErrorCode err = U_ZERO_ERROR;
  const int32_t n = ucnv_fromAlgorithmic(cnv.get(), UCNV_UTF8, out.data(), static_cast<int32_t>(out.size()),
                                         utf8.data(), static_cast<int32_t>(utf8.size()), &err);
  if (U_FAILURE(err)) {
    return Status::InvalidArgument(std::string("cannot encode as ") + charset + " (" + u_errorName(err) + ")");
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<DecodedText> DecodeToUtf8(std::string_view bytes) {
  if (bytes.empty()) return Status::InvalidArgument("empty file");
  // 1. Byte-order marks.
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
    if (!IsValidUtf8(bytes)) return Status::InvalidArgument("invalid UTF-8 after a UTF-8 byte-order mark");
    if (!LooksLikeText(bytes)) return Status::InvalidArgument("binary content (control characters)");
    return DecodedText{std::string(bytes), "UTF-8"};
  }
  const char* utf16 = nullptr;
  if (bytes.size() >= 2 && bytes.substr(0, 2) == "\xFF\xFE") utf16 = "UTF-16LE";
  if (bytes.size() >= 2 && bytes.substr(0, 2) == "\xFE\xFF") utf16 = "UTF-16BE";
  if (utf16 != nullptr) {
    bytes.remove_prefix(2);
    auto decoded = ConvertToUtf8(bytes, utf16);
    if (!decoded.ok()) return decoded.status().WithContext("after a UTF-16 byte-order mark");
    if (!LooksLikeText(*decoded)) return Status::InvalidArgument("binary content (control characters)");
    return DecodedText{std::move(decoded).value(), utf16};
  }
  // 2. NUL bytes: UTF-16 without BOM, or binary.
  if (bytes.find('\0') != std::string_view::npos) {
    if (const char* guess = GuessUtf16(bytes)) {
      auto decoded = ConvertToUtf8(bytes, guess);
      if (decoded.ok() && LooksLikeText(*decoded)) return DecodedText{std::move(decoded).value(), guess};
    }
    return Status::InvalidArgument("binary content (NUL bytes, not UTF-16 text)");
  }
  // 3. Strict UTF-8, then strict GB18030.
  if (IsValidUtf8(bytes)) {
    if (!LooksLikeText(bytes)) return Status::InvalidArgument("binary content (control characters)");
    return DecodedText{std::string(bytes), "UTF-8"};
  }
  auto gb = ConvertToUtf8(bytes, "GB18030");
  if (gb.ok()) {
    if (!LooksLikeText(*gb)) return Status::InvalidArgument("binary content (control characters)");
    return DecodedText{std::move(gb).value(), "GB18030"};
  }
  return Status::InvalidArgument("not decodable: invalid UTF-8 and invalid or truncated GB18030");
}

}  // namespace reportflow::text
