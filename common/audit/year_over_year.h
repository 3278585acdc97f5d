// Year over year: for each reporting unit and metric, the value of year N
// beside year N-1 with the change, where both exist, and the jump rules.
//
// Values per (unit, year, metric, canonical unit) are combined like a
// township rollup: counts and money add over the unit's documents of the year,
// rates and other measures are averaged. A cell of year N pairs with the cell
// of year N-1 of the same unit, metric and unit of measure; a cell without one
// is listed with no previous value (a unit's first report, or a gap year).
//
// Jumps (findings of kind yoy_jump):
//   ratio        a count or amount at least `yoy_factor` times (or at most
//                1/yoy_factor of) the year before; from or to 0, when the
//                other value is at least yoy_factor (0 -> 3 is not a jump)
//   rate_points  a rate that moves by more than `yoy_rate_points` points
// Thread-safety: free functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/audit/audit_options.h"
#include "reportflow/common/v1/common.pb.h"

namespace reportflow::audit {

// One document's value of one metric (DocumentValues in aggregate), with the
// sentence it was stated in.
struct YoyObservation {
  std::string unit_key;   // the unit's 12-digit code, or its name when not in the gazetteer
  std::string unit_name;
  int year = 0;
  std::string metric_id;
  std::string unit;       // canonical unit of measure
  bool rate = false;      // averaged and compared in points, never added
  double value = 0;
  std::string doc_id, source;
  common::v1::Span sentence;  // the sentence the value was stated in
};

// One unit, metric and year, with its previous year when there is one.
struct YoyRow {
  std::string unit_key, unit_name, metric_id, unit;
  bool rate = false;
  int year = 0;
  double value = 0;
  std::vector<YoyObservation> current;   // the documents of year N
  std::optional<double> previous;        // year N-1
  std::vector<YoyObservation> before;    // the documents of year N-1
  std::optional<double> change;          // value - previous
  std::string jump;                      // "", "ratio" or "rate_points"
};

// The jump rule for one pair of values ("" when it is no jump).
std::string JumpRule(bool rate, double previous, double current, const AuditOptions& options);

// Every (unit, metric, unit of measure, year) cell, ordered by unit key,
// metric, unit and year, paired with year N-1 where it exists.
std::vector<YoyRow> YearOverYear(const std::vector<YoyObservation>& observations, const AuditOptions& options);

}  // namespace reportflow::audit
