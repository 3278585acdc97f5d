// `reportflow docs --data DIR`: one record per document with its metadata,
// including where it lies (township, county, city, province, their 12-digit
// codes, and the place resolution's status and sources).
//
// `--findings` adds each document's audit findings (cli/audit_data.h):
// `consistency` (extract's checks: code and message), `near_duplicates` (the
// other report of each pair: doc_id, source, year, region, similarity, the
// relation, whether numbers differ in the shared passages) and `yoy_jumps`
// (metric, year, rule, this document's year and value, the message with the
// unit's two values). In jsonl these are arrays of
// objects; in csv and table one line of text each.
#include <cmath>
#include <iostream>
#include <map>

#include "cli/audit_data.h"
#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/exit_codes.h"
#include "cli/export_records.h"
#include "cli/filters.h"
#include "cli/records.h"
#include "common/audit/findings.h"
#include "common/base/macros.h"

namespace reportflow::cli {
namespace {

using nlohmann::ordered_json;
namespace apb = ::reportflow::aggregate::v1;

constexpr const char* kFindingFields[] = {"consistency", "near_duplicates", "yoy_jumps"};

std::string Percent(double share) { return std::to_string(static_cast<int>(share * 100 + 0.5)) + "%"; }

// Each document's findings as the three fields above, by doc_id.
struct DocFindings {
  ordered_json fields = {{"consistency", ordered_json::array()},
                         {"near_duplicates", ordered_json::array()},
                         {"yoy_jumps", ordered_json::array()}};
  std::map<std::string, std::vector<std::string>> text;  // field -> one line per finding
};

Status CollectFindings(DataReader& reader, std::map<std::string, DocFindings>* out) {
  for (const char* kind : {audit::kConsistency, audit::kNearDuplicate, audit::kYoyJump}) {
    RETURN_IF_ERROR(ForEachFinding(reader, kind, "", [&](const apb::AuditFinding& f) {
      for (int i = 0; i < f.documents_size(); ++i) {
        const apb::FindingDocument& self = f.documents(i);
        DocFindings& d = (*out)[self.doc_id()];
        if (f.kind() == audit::kConsistency) {
          d.fields["consistency"].push_back({{"code", f.code()}, {"severity", audit::SeverityName(f.severity())},
                                             {"message", f.message()}});
          d.text["consistency"].push_back(f.code());
        } else if (f.kind() == audit::kNearDuplicate) {
          for (int j = 0; j < f.documents_size(); ++j) {
            if (j == i) continue;
            const apb::FindingDocument& other = f.documents(j);
            d.fields["near_duplicates"].push_back(
                {{"doc_id", other.doc_id()}, {"source", other.source()},
                 {"year", other.year() == 0 ? ordered_json(nullptr) : ordered_json(other.year())},
                 {"region", other.region()}, {"similarity", std::round(f.similarity() * 10000) / 10000},
                 {"relation", f.code()}, {"numbers_differ", f.numbers_differ()}});
            d.text["near_duplicates"].push_back(other.doc_id().substr(0, 12) + " " + other.source() + " " +
                                                Percent(f.similarity()) + " " + f.code());
          }
        } else {  // yoy_jump: the unit's values are in the message; this document's value beside it
          d.fields["yoy_jumps"].push_back({{"metric", f.metric_id()}, {"year", f.year()}, {"rule", f.code()},
                                           {"document_year", self.year()},
                                           {"document_value", self.has_value() ? ordered_json(self.value())
                                                                               : ordered_json(nullptr)},
                                           {"message", f.message()}});
          d.text["yoy_jumps"].push_back(f.metric_id() + " " + f.code());
        }
      }
    }));
  }
  return Status::OK();
}

}  // namespace

void AddDocsCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto spec = std::make_shared<FilterSpec>();
  auto findings = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("docs", "list documents with their status and metadata");
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_option("--format,-f", *format, "table, csv or jsonl")->capture_default_str();
  cmd->add_flag("--findings", *findings,
                "add each document's audit findings: consistency, near_duplicates (the other report, similarity), "
                "yoy_jumps");
  AddFilterOptions(cmd, spec.get());
  cmd->callback([=] {
    auto q = OpenQuery("docs", *data, *format, *spec);
    if (!q.ok()) {
      *exit_code = kExitUsage;
      return;
    }
    std::map<std::string, DocFindings> by_doc;
    if (*findings) {
      if (Status s = CollectFindings(*q->reader, &by_doc); !s.ok()) {
        std::cerr << "reportflow docs: " << s.message() << "\n";
        *exit_code = kExitFailure;
        return;
      }
    }
    // Places: canonical names, codes and how they were decided (place_status,
    // place_source); csv and jsonl carry every field (candidates, written forms, note ...).
    std::vector<std::string> columns =
        q->format == Format::kTable ? DocumentColumns(true) : TableColumns(RecordTable::kDocuments);
    if (*findings) columns.insert(columns.end(), std::begin(kFindingFields), std::end(kFindingFields));
    RecordWriter out(columns, q->format, std::cout);
    static const DocFindings kNone;
    Status s = ForEachRecord(*q->reader, q->filter, RecordTable::kDocuments, [&](const ordered_json& r) {
      if (!*findings) return out.Add(r);
      ordered_json with = r;
      auto it = by_doc.find(r["doc_id"].get<std::string>());
      const DocFindings& d = it == by_doc.end() ? kNone : it->second;
      for (const char* field : kFindingFields) {
        if (q->format == Format::kJsonl) {
          with[field] = d.fields[field];
        } else {
          std::string line;
          auto t = d.text.find(field);
          if (t != d.text.end()) {
            for (const auto& part : t->second) line += (line.empty() ? "" : "; ") + part;
          }
          with[field] = line;
        }
      }
      out.Add(with);
    });
    out.Finish();
    if (!s.ok()) {
      std::cerr << "reportflow docs: " << s.message() << "\n";
      *exit_code = kExitFailure;
    }
  });
}

}  // namespace reportflow::cli
