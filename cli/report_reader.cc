#include "cli/report_reader.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <tuple>

#include "cli/data_reader.h"
#include "common/base/macros.h"
#include "services/aggregate/aggregator.h"

namespace reportflow::cli {
namespace {

std::string NowUtc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

Result<ReportInput> ReadReportInput(const std::string& data_dir, const ReportReadOptions& options,
                                    std::string* warning) {
  ASSIGN_OR_RETURN(std::unique_ptr<DataReader> reader, DataReader::Open(data_dir));
  DataReader& r = *reader;
  ReportInput input;
  input.title = options.title;
  input.data_dir = r.config().data_dir();
  input.generated_at = NowUtc();
  input.full_text = options.full_text;
  Status text_error;
  RETURN_IF_ERROR(r.ForEachDocument([&](const ingest::v1::LedgerEntry& e, const aggregate::v1::DocContribution* c) {
    ReportDocument d;
    d.entry = e;
    if (c != nullptr) {
      d.has_contribution = true;
      d.contribution = *c;
    }
    ingest::v1::RawDocument raw;
    if (Status ts = r.ingest().GetDocument(e.doc_id(), &raw); ts.ok()) {
      d.text = std::move(*raw.mutable_text());
    } else if (text_error.ok()) {
      text_error = ts;
    }
    input.documents.push_back(std::move(d));
  }));
  RETURN_IF_ERROR(r.ingest().ForEachBatch([&](const ingest::v1::BatchRecord& b) { input.batches.push_back(b); }));
  for (const auto& b : input.batches) {
    google::protobuf::RepeatedPtrField<ingest::v1::Rejection> rejections;
    RETURN_IF_ERROR(r.ingest().ListRejections(b.batch_id(), &rejections));
    for (const auto& rej : rejections) input.rejections.emplace_back(b.batch_id(), rej);
  }
  // The figures: rollups as `aggregates` reads them, regions as `regions` lists them.
  RETURN_IF_ERROR(r.aggregator().ForEachRollup([&](const aggregate::v1::Rollup& rollup) {
    input.rollups.push_back(aggregate::WithoutHistogram(rollup));
  }));
  ASSIGN_OR_RETURN(input.regions, ReadRegions(r));
  RETURN_IF_ERROR(LoadAuditReportData(r, &input.audit));  // cli/report_audit.h
  if (!text_error.ok() && warning != nullptr) {
    *warning = "some stored texts are unreadable (" + text_error.message() +
               "); their metrics are shown without sentences";
  }
  // Regions together (by code, then name), then year: a region's documents share detail chunks.
  std::stable_sort(input.documents.begin(), input.documents.end(), [](const ReportDocument& a, const ReportDocument& b) {
    const auto& ma = a.contribution.metadata();
    const auto& mb = b.contribution.metadata();
    return std::make_tuple(ma.county_code(), ma.county(), ma.township_code(), ma.township(), ma.year(),
                           a.entry.doc_id()) < std::make_tuple(mb.county_code(), mb.county(), mb.township_code(),
                                                               mb.township(), mb.year(), b.entry.doc_id());
  });
  return input;
}

std::string RenderDataDirReport(const std::string& data_dir, std::string* error) {
  auto input = ReadReportInput(data_dir, {}, nullptr);
  auto html = input.ok() ? RenderReportHtml(*input) : Result<std::string>(input.status());
  if (!html.ok()) {
    if (error != nullptr) *error = html.status().message();
    return "";
  }
  return std::move(*html);
}

}  // namespace reportflow::cli
