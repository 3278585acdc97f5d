// Error-propagation macros (see Arrow ARROW_RETURN_NOT_OK / ARROW_ASSIGN_OR_RAISE).
#pragma once

#include <cstdio>
#include <cstdlib>

#include "common/base/result.h"
#include "common/base/status.h"

#define RF_CONCAT_INNER(a, b) a##b
#define RF_CONCAT(a, b) RF_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::reportflow::Status rf_status_ = (expr);        \
    if (!rf_status_.ok()) return rf_status_;         \
  } while (0)

#define RF_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                             \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// `lhs` = value of the Result `rexpr`, or return its error status.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  RF_ASSIGN_OR_RETURN_IMPL(RF_CONCAT(rf_result_, __COUNTER__), lhs, rexpr)

// Invariant check: aborts with a message. Never for outside conditions
// (peers, disks, input): handle those as Status.
#define RF_CHECK(cond)                                                            \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)
