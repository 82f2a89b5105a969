// The matching result as JSON, keys exactly as spec section 6 fixes them
// (plus "method" and "max_distinct" when sharing was asked for).
#ifndef AGNAPPROX_MATCHING_MATCHING_JSON_H_
#define AGNAPPROX_MATCHING_MATCHING_JSON_H_

#include "io/json.h"
#include "matching/select.h"

namespace agnapprox {

Json MatchingToJson(const MatchingInfo& info, bool with_candidates);

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_MATCHING_JSON_H_
