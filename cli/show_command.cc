// `reportflow show DOC_ID --data DIR`: a document's outline (sections with
// their kinds and sentence counts) and metadata; `--text` prints the stored text.
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/records.h"

namespace reportflow::cli {
namespace {

namespace spb = ::reportflow::segment::v1;

std::string SectionKindName(spb::SectionKind kind) {
  const auto* d = spb::SectionKind_descriptor()->FindValueByNumber(kind);
  std::string name = d ? d->name() : "SECTION_KIND_UNSPECIFIED";
  name = name.substr(std::string("SECTION_KIND_").size());
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

int Show(const std::string& data, const std::string& id, bool text_only) {
  auto reader = DataReader::Open(data);
  if (!reader.ok()) {
    std::cerr << "reportflow show: " << reader.status().message() << "\n";
    return 2;
  }
  auto doc_id = (*reader)->ResolveDocId(id);
  if (!doc_id.ok()) {
    std::cerr << "reportflow show: " << doc_id.status().message() << "\n";
    return 2;
  }
  if (text_only) {
    ingest::v1::RawDocument raw;
    Status s = (*reader)->ingest().GetDocument(*doc_id, &raw);
    if (!s.ok()) {
      std::cerr << "reportflow show: " << s.message() << "\n";
      return 1;
    }
    std::cout << raw.text();
    if (!raw.text().empty() && raw.text().back() != '\n') std::cout << "\n";
    return 0;
  }
  spb::SegmentedDocument doc;
  Status s = (*reader)->GetSegmented(*doc_id, &doc);
  if (!s.ok()) {
    std::cerr << "reportflow show: " << s.message() << " (not segmented yet?)\n";
    return 1;
  }
  const auto& m = doc.metadata();
  std::cout << "doc      " << *doc_id << "\n";
  std::cout << "source   " << doc.source() << "\n";
  std::cout << "title    " << (m.title().empty() ? "(none)" : m.title()) << "\n";
  std::cout << "unit     " << (m.township().empty() ? "(unknown)" : m.township()) << " " << m.unit_type() << "\n";
  std::cout << "region   " << (m.province().empty() ? "" : m.province() + " ") << (m.city().empty() ? "" : m.city() + " ")
            << (m.county().empty() ? "(county unknown)" : m.county()) << "\n";
  std::cout << "year     " << (m.has_year() ? std::to_string(m.year()) : "(unknown)") << "   date "
            << (m.report_date().empty() ? "(none)" : m.report_date()) << "\n";
  for (const auto& n : m.doc_numbers()) std::cout << "doc no.  " << n << "\n";
  for (const auto& l : m.cited_laws()) std::cout << "cites    " << l << "\n";
  std::map<int, int> sentences;
  for (const auto& sentence : doc.sentences()) sentences[sentence.section()]++;
  std::cout << "\noutline (" << doc.sentences_size() << " sentences)\n";
  if (sentences.count(-1)) std::cout << "  [preamble] " << sentences[-1] << " sentences\n";
  for (const auto& section : doc.sections()) {
    std::cout << std::string(2 * section.level(), ' ') << section.heading() << "  [" << SectionKindName(section.kind())
              << ", " << sentences[static_cast<int>(section.id())] << " sentences]\n";
  }
  return 0;
}

}  // namespace

void AddShowCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto id = std::make_shared<std::string>();
  auto text = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("show", "a document's outline and metadata (or --text: its stored text)");
  cmd->add_option("doc_id", *id, "document id (or a unique prefix of at least 6 characters)")->required();
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_flag("--text", *text, "print the stored UTF-8 text that spans refer to");
  cmd->callback([=] { *exit_code = Show(*data, *id, *text); });
}

}  // namespace reportflow::cli
