/// \file Record encoding of transform steps, Ansor's v0.6 layout: ["TAG", fields...].
#include <nlohmann/json.hpp>

#include "schedule/transform_step.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::schedule {

using nlohmann::json;

json step_to_json(const Step &step) {
  return std::visit(
      [](const auto &s) -> json {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, SplitStep>) {
          json ls = json::array();
          for (const auto &l : s.lengths) ls.push_back(l ? json(*l) : json(nullptr));
          return {"SP", s.stage, s.iter, s.extent, ls, s.inner_to_outer ? 1 : 0};
        } else if constexpr (std::is_same_v<T, FollowSplitStep>) {
          return {"FSP", s.stage, s.iter, s.src_step_id, s.n_split};
        } else if constexpr (std::is_same_v<T, FollowFusedSplitStep>) {
          return {"FFSP", s.stage, s.iter, s.src_step_ids, s.level, s.factor_or_nparts ? 1 : 0};
        } else if constexpr (std::is_same_v<T, ReorderStep>) {
          return {"RE", s.stage, s.order};
        } else if constexpr (std::is_same_v<T, FuseStep>) {
          return {"FU", s.stage, s.iters};
        } else if constexpr (std::is_same_v<T, AnnotationStep>) {
          return {"AN", s.stage, s.iter, s.annotation};
        } else if constexpr (std::is_same_v<T, PragmaStep>) {
          return {"PR", s.stage, s.iter, s.pragma};
        } else if constexpr (std::is_same_v<T, ComputeAtStep>) {
          return {"CA", s.stage, s.target_stage, s.target_iter};
        } else if constexpr (std::is_same_v<T, ComputeInlineStep>) {
          return {"CI", s.stage};
        } else if constexpr (std::is_same_v<T, ComputeRootStep>) {
          return {"CR", s.stage};
        } else if constexpr (std::is_same_v<T, CacheReadStep>) {
          return {"CHR", s.stage, s.scope, s.readers};
        } else if constexpr (std::is_same_v<T, CacheWriteStep>) {
          return {"CHW", s.stage, s.scope};
        } else {
          return {"RF", s.stage, s.iter, s.factor_iter_id};
        }
      },
      step);
}

namespace {

/// Reads the fields of one encoded step with errors that say which field is wrong.
class Fields {
 public:
  explicit Fields(const json &j) : j_(j) {
    WT_USER_CHECK(j.is_array() && !j.empty() && j[0].is_string(), BadRecord,
                  "a step must be an array starting with its tag, got " << quote_cut(j.dump()));
    tag_ = j[0].get<std::string>();
  }
  const std::string &tag() const { return tag_; }
  void expect_size(size_t n) const {
    WT_USER_CHECK(j_.size() == n, BadRecord,
                  "step " << quote_cut(tag_) << " needs " << n - 1 << " fields, got "
                          << quote_cut(j_.dump()));
  }
  int integer(size_t i) const {
    WT_USER_CHECK(j_[i].is_number_integer(), BadRecord,
                  "field " << i << " of step " << quote_cut(j_.dump()) << " must be an integer");
    return j_[i].get<int>();
  }
  int64_t integer64(size_t i) const {
    WT_USER_CHECK(j_[i].is_number_integer(), BadRecord,
                  "field " << i << " of step " << quote_cut(j_.dump()) << " must be an integer");
    return j_[i].get<int64_t>();
  }
  std::string string(size_t i) const {
    WT_USER_CHECK(j_[i].is_string(), BadRecord,
                  "field " << i << " of step " << quote_cut(j_.dump()) << " must be a string");
    return j_[i].get<std::string>();
  }
  std::vector<int> ints(size_t i) const {
    WT_USER_CHECK(j_[i].is_array(), BadRecord,
                  "field " << i << " of step " << quote_cut(j_.dump()) << " must be a list");
    std::vector<int> out;
    for (const json &x : j_[i]) {
      WT_USER_CHECK(x.is_number_integer(), BadRecord,
                    "field " << i << " of step " << quote_cut(j_.dump()) << " must hold integers");
      out.push_back(x.get<int>());
    }
    return out;
  }
  std::vector<std::optional<int64_t>> lengths(size_t i) const {
    WT_USER_CHECK(j_[i].is_array(), BadRecord,
                  "field " << i << " of step " << quote_cut(j_.dump()) << " must be a list");
    std::vector<std::optional<int64_t>> out;
    for (const json &x : j_[i]) {
      WT_USER_CHECK(x.is_null() || x.is_number_integer(), BadRecord,
                    "split lengths of " << quote_cut(j_.dump()) << " must be integers or null");
      out.push_back(x.is_null() ? std::nullopt : std::optional<int64_t>(x.get<int64_t>()));
    }
    return out;
  }

 private:
  const json &j_;
  std::string tag_;
};

}  // namespace

Step step_from_json(const json &j) {
  Fields f(j);
  const std::string &t = f.tag();
  if (t == "SP") {
    f.expect_size(6);
    return SplitStep{f.integer(1), f.integer(2), f.integer64(3), f.lengths(4), f.integer(5) != 0};
  }
  if (t == "FSP") {
    f.expect_size(5);
    return FollowSplitStep{f.integer(1), f.integer(2), f.integer(3), f.integer(4)};
  }
  if (t == "FFSP") {
    f.expect_size(6);
    return FollowFusedSplitStep{f.integer(1), f.integer(2), f.ints(3), f.integer(4),
                                f.integer(5) != 0};
  }
  if (t == "RE") {
    f.expect_size(3);
    return ReorderStep{f.integer(1), f.ints(2)};
  }
  if (t == "FU") {
    f.expect_size(3);
    return FuseStep{f.integer(1), f.ints(2)};
  }
  if (t == "AN") {
    f.expect_size(4);
    return AnnotationStep{f.integer(1), f.integer(2), f.integer(3)};
  }
  if (t == "PR") {
    f.expect_size(4);
    return PragmaStep{f.integer(1), f.integer(2), f.string(3)};
  }
  if (t == "CA") {
    f.expect_size(4);
    return ComputeAtStep{f.integer(1), f.integer(2), f.integer(3)};
  }
  if (t == "CI") {
    f.expect_size(2);
    return ComputeInlineStep{f.integer(1)};
  }
  if (t == "CR") {
    f.expect_size(2);
    return ComputeRootStep{f.integer(1)};
  }
  if (t == "CHR") {
    f.expect_size(4);
    return CacheReadStep{f.integer(1), f.string(2), f.ints(3)};
  }
  if (t == "CHW") {
    f.expect_size(3);
    return CacheWriteStep{f.integer(1), f.string(2)};
  }
  if (t == "RF") {
    f.expect_size(4);
    return RfactorStep{f.integer(1), f.integer(2), f.integer(3)};
  }
  throw UserError(ErrorKind::BadRecord,
                  "unknown step tag '" + quote_cut(t) + "' in " + quote_cut(j.dump()));
}

json steps_to_json(const std::vector<Step> &steps) {
  json out = json::array();
  for (const Step &s : steps) out.push_back(step_to_json(s));
  return out;
}

std::vector<Step> steps_from_json(const json &j) {
  WT_USER_CHECK(j.is_array(), BadRecord, "steps must be a list, got " << quote_cut(j.dump()));
  std::vector<Step> out;
  for (const json &s : j) out.push_back(step_from_json(s));
  return out;
}

}  // namespace worldtune::schedule
