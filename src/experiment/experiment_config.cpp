/// \file Reading and checking experiment configs; the runs they expand to.
#include "experiment/experiment_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "deploy/baseline.h"
#include "ir/workload.h"
#include "support/settings_file.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::experiment {

namespace {

using json = nlohmann::json;

/// Where in the config a value is, for error messages: "exp.json: methods[1].trials".
struct At {
  std::string file, path;
  At operator/(const std::string &key) const {
    return {file, path.empty() ? key : path + "." + key};
  }
  At operator[](size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
  std::string str() const { return file + ": " + (path.empty() ? "the top level" : path); }
};

void refuse_unknown_keys(const json &obj, const std::vector<std::string> &known, const At &at) {
  WT_USER_CHECK(obj.is_object(), BadArgument, at.str() << " must be a JSON object");
  for (const auto &[key, value] : obj.items())
    WT_USER_CHECK(std::find(known.begin(), known.end(), key) != known.end(), BadArgument,
                  at.file << ": unknown key '" << quote_cut(key) << "' in "
                          << (at.path.empty() ? "the top level" : at.path) << " (known keys: "
                          << join_mapped(known, ", ", [](auto &k) { return k; }) << ")");
}

std::string get_string(const json &obj, const std::string &key, const At &at,
                       const std::string &fallback) {
  if (!obj.contains(key)) return fallback;
  WT_USER_CHECK(obj[key].is_string(), BadArgument, (at / key).str() << " must be a string");
  return obj[key].get<std::string>();
}

int64_t get_positive(const json &v, const At &at) {
  WT_USER_CHECK(v.is_number_integer() && v.get<int64_t>() > 0, BadArgument,
                at.str() << " must be a positive integer, not " << quote_cut(v.dump()));
  return v.get<int64_t>();
}

template <typename T, typename Fn>
std::vector<T> get_list(const json &obj, const std::string &key, const At &at, Fn each) {
  std::vector<T> out;
  if (!obj.contains(key)) return out;
  const json &list = obj[key];
  WT_USER_CHECK(list.is_array() && !list.empty(), BadArgument,
                (at / key).str() << " must be a non-empty list");
  for (size_t i = 0; i < list.size(); ++i) out.push_back(each(list[i], (at / key)[i]));
  return out;
}

uint64_t seed_value(const json &v, const At &at) {
  return static_cast<uint64_t>(get_positive(v, at));
}

std::string as_string(const json &v, const At &at) {
  WT_USER_CHECK(v.is_string(), BadArgument, at.str() << " must be a string");
  return v.get<std::string>();
}

/// "online=false" from {"online": false}: the model's own table checks names and values.
std::vector<std::string> model_options(const json &obj, const At &at) {
  std::vector<std::string> out;
  if (!obj.contains("model_options")) return out;
  const json &o = obj["model_options"];
  WT_USER_CHECK(o.is_object(), BadArgument, (at / "model_options").str() << " must be an object");
  for (const auto &[name, value] : o.items()) {
    WT_USER_CHECK(value.is_primitive() && !value.is_null(), BadArgument,
                  (at / "model_options" / name).str() << " must be a string, number or boolean");
    out.push_back(option_assignment(name, value));
  }
  return out;
}

bool is_file_name(const std::string &s) {
  return !s.empty() && s.size() <= 64 &&
         s.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
             "KLMNOPQRSTUVWXYZ0123456789._-") == std::string::npos;
}

MethodSpec read_method(const json &m, const At &at, const std::vector<std::string> &models) {
  refuse_unknown_keys(m,
                      {"name", "cost_model", "load_model", "model_options", "no_warmup",
                       "local_share", "per_round", "trials", "seeds"},
                      at);
  MethodSpec s;
  s.cost_model = get_string(m, "cost_model", at, "");
  WT_USER_CHECK(!s.cost_model.empty(), BadArgument, at.str() << " needs a \"cost_model\"");
  WT_USER_CHECK(std::find(models.begin(), models.end(), s.cost_model) != models.end(), BadArgument,
                (at / "cost_model").str()
                    << ": unknown cost model '" << quote_cut(s.cost_model)
                    << "' (known: " << join_mapped(models, ", ", [](auto &x) { return x; }) << ")");
  s.name = get_string(m, "name", at, s.cost_model);
  WT_USER_CHECK(is_file_name(s.name), BadArgument,
                (at / "name").str()
                    << " '" << quote_cut(s.name) << "' must be letters, digits, '.', '_' or '-'");
  s.load_model = get_string(m, "load_model", at, "");
  s.model_options = model_options(m, at);
  if (m.contains("no_warmup")) {
    WT_USER_CHECK(m["no_warmup"].is_boolean(), BadArgument,
                  (at / "no_warmup").str() << " must be true or false");
    s.no_warmup = m["no_warmup"].get<bool>();
  }
  if (m.contains("local_share")) {
    const json &v = m["local_share"];
    WT_USER_CHECK(v.is_number() && v.get<double>() >= 0 && v.get<double>() <= 1, BadArgument,
                  (at / "local_share").str() << " must be a number from 0 to 1");
    s.local_share = v.get<double>();
  }
  if (m.contains("per_round")) s.per_round = get_positive(m["per_round"], at / "per_round");
  if (m.contains("trials")) s.trials = get_positive(m["trials"], at / "trials");
  s.seeds = get_list<uint64_t>(m, "seeds", at, seed_value);
  return s;
}

/// The config's "measure" object as `tune` flags: key, flag, and whether the value is a string.
struct MeasureKey {
  const char *key, *flag;
  enum { Integer, Seconds, String, Flag } kind;
};
constexpr MeasureKey kMeasureKeys[] = {
    {"min_repeat_ms", "--min-repeat-ms", MeasureKey::Integer},
    {"number", "--number", MeasureKey::Integer},
    {"repeat", "--repeat", MeasureKey::Integer},
    {"threads", "--threads", MeasureKey::Integer},
    {"run_timeout", "--run-timeout", MeasureKey::Seconds},
    {"build_timeout", "--build-timeout", MeasureKey::Seconds},
    {"parallel_builds", "--parallel-builds", MeasureKey::Integer},
    {"check", "--check", MeasureKey::String},
    {"target", "--target", MeasureKey::String},
    {"cache_flush", "--cache-flush", MeasureKey::Flag},
};

/// Whether `v` suits the key; tune checks ranges once more.
bool measure_value_ok(const MeasureKey &k, const json &v) {
  switch (k.kind) {
    case MeasureKey::Integer:
      return v.is_number_integer() && v.get<int64_t>() >= 0;
    case MeasureKey::Seconds:
      return v.is_number() && v.get<double>() > 0;
    case MeasureKey::String:
      return v.is_string() &&
             (std::string(k.key) != "check" || v == "none" || v == "best" || v == "all");
    case MeasureKey::Flag:
      return v.is_boolean();
  }
  return false;
}

const char *measure_value_kind(const MeasureKey &k) {
  switch (k.kind) {
    case MeasureKey::Integer:
      return "an integer >= 0";
    case MeasureKey::Seconds:
      return "a number of seconds > 0";
    case MeasureKey::String:
      return std::string(k.key) == "check" ? "\"none\", \"best\" or \"all\"" : "a string";
    case MeasureKey::Flag:
      return "true or false";
  }
  return "";
}

std::vector<std::string> measure_flags(const json &m, const At &at) {
  std::vector<std::string> known;
  for (const MeasureKey &k : kMeasureKeys) known.push_back(k.key);
  refuse_unknown_keys(m, known, at);
  std::vector<std::string> flags;
  for (const MeasureKey &k : kMeasureKeys) {
    if (!m.contains(k.key)) continue;
    const json &v = m[k.key];
    WT_USER_CHECK(measure_value_ok(k, v), BadArgument,
                  (at / k.key).str()
                      << " must be " << measure_value_kind(k) << ", not " << quote_cut(v.dump()));
    if (k.kind == MeasureKey::Flag) {
      if (v.get<bool>()) flags.push_back(k.flag);
      continue;
    }
    flags.push_back(k.flag);
    flags.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  }
  return flags;
}

std::vector<std::string> read_workloads(const json &j, const At &at) {
  std::vector<std::string> keys = get_list<std::string>(j, "workloads", at, as_string);
  std::string file = get_string(j, "workloads_file", at, "");
  if (!file.empty()) {
    std::ifstream in(file);
    WT_USER_CHECK(in, Io, (at / "workloads_file").str() << ": cannot read '" << file << "'");
    for (std::string line; std::getline(in, line);)
      if (!trim(line).empty() && trim(line)[0] != '#') keys.push_back(trim(line));
  }
  WT_USER_CHECK(!keys.empty(), BadArgument,
                at.file << ": no workload: give \"workloads\" or \"workloads_file\"");
  std::vector<std::string> canonical;
  for (const std::string &k : keys) {
    std::string key = ir::parse_workload(k).key;
    WT_USER_CHECK(std::find(canonical.begin(), canonical.end(), key) == canonical.end(),
                  BadArgument, at.file << ": workload '" << key << "' is listed twice");
    canonical.push_back(key);
  }
  return canonical;
}

ExperimentConfig::Report read_report(const json &r, const At &at) {
  refuse_unknown_keys(r, {"title", "command"}, at);
  ExperimentConfig::Report out{get_string(r, "title", at, ""), {}};
  WT_USER_CHECK(!out.title.empty(), BadArgument, at.str() << " needs a \"title\"");
  WT_USER_CHECK(r.contains("command"), BadArgument, at.str() << " needs a \"command\"");
  out.command = get_list<std::string>(r, "command", at, as_string);
  return out;
}

const MethodSpec *method_named(const ExperimentConfig &c, const std::string &name) {
  for (const MethodSpec &m : c.methods)
    if (m.name == name) return &m;
  return nullptr;
}

/// A claim's method and checkpoint: a method's name, at a tabled checkpoint within its budget.
int64_t claim_side(const json &r, const std::string &method_key, const std::string &k_key,
                   int64_t fallback_k, const At &at, const ExperimentConfig &c,
                   std::string &method) {
  WT_USER_CHECK(r.contains(method_key), BadArgument,
                at.str() << " needs a \"" << method_key << "\"");
  method = get_string(r, method_key, at, "");
  const MethodSpec *m = method_named(c, method);
  WT_USER_CHECK(m != nullptr, BadArgument,
                (at / method_key).str() << ": '" << quote_cut(method) << "' is no method's name");
  int64_t k = r.contains(k_key) ? get_positive(r[k_key], at / k_key) : fallback_k;
  WT_USER_CHECK(k > 0, BadArgument, at.str() << " needs a \"" << k_key << "\"");
  WT_USER_CHECK(std::find(c.checkpoints.begin(), c.checkpoints.end(), k) != c.checkpoints.end() &&
                    k <= budget_of(c, *m),
                BadArgument,
                (at / k_key).str()
                    << ": " << k << " is not a checkpoint within the budget of '" << method << "'");
  return k;
}

ExperimentConfig::Claim read_claim(const json &r, const At &at, const ExperimentConfig &c) {
  refuse_unknown_keys(
      r, {"claim", "source", "method", "checkpoint", "over", "over_checkpoint", "target"}, at);
  ExperimentConfig::Claim out;
  out.claim = get_string(r, "claim", at, "");
  WT_USER_CHECK(!out.claim.empty(), BadArgument, at.str() << " needs a \"claim\"");
  out.source = get_string(r, "source", at, "");
  out.checkpoint = claim_side(r, "method", "checkpoint", 0, at, c, out.method);
  out.over_checkpoint = claim_side(r, "over", "over_checkpoint", out.checkpoint, at, c, out.over);
  WT_USER_CHECK(r.contains("target") && r["target"].is_number() && r["target"].get<double>() > 0,
                BadArgument, (at / "target").str() << " must be a number > 0");
  out.target = r["target"].get<double>();
  return out;
}

void read_methods(const json &j, const At &at, const std::vector<std::string> &models,
                  ExperimentConfig &c) {
  WT_USER_CHECK(j.contains("methods"), BadArgument, at.file << ": no \"methods\"");
  c.methods = get_list<MethodSpec>(
      j, "methods", at, [&](const json &m, const At &a) { return read_method(m, a, models); });
  std::set<std::string> names;
  for (const MethodSpec &m : c.methods)
    WT_USER_CHECK(
        names.insert(m.name).second, BadArgument,
        at.file << ": two methods are named '" << m.name << "': give each a distinct \"name\"");
}

void read_checkpoints(const json &j, const At &at, ExperimentConfig &c) {
  int64_t most = 0;
  std::vector<int64_t> budgets;
  for (const MethodSpec &m : c.methods) budgets.push_back(budget_of(c, m));
  for (int64_t b : budgets) most = std::max(most, b);
  c.checkpoints = get_list<int64_t>(j, "checkpoints", at, get_positive);
  if (c.checkpoints.empty()) c.checkpoints = budgets;  // each method's best after its budget
  std::sort(c.checkpoints.begin(), c.checkpoints.end());
  c.checkpoints.erase(std::unique(c.checkpoints.begin(), c.checkpoints.end()), c.checkpoints.end());
  WT_USER_CHECK(c.checkpoints.back() <= most, BadArgument,
                (at / "checkpoints").str()
                    << ": " << c.checkpoints.back() << " is beyond every method's budget (at most "
                    << most << " trials)");
}

void read_comparison(const json &j, const At &at, ExperimentConfig &c) {
  read_checkpoints(j, at, c);
  c.peers = get_list<std::string>(j, "peers", at, [](const json &v, const At &a) {
    std::string p = as_string(v, a);
    deploy::parse_baseline_method(p);  // names the methods there are when unknown
    return p;
  });
  if (j.contains("compare_rounds"))
    c.compare_rounds = static_cast<int>(get_positive(j["compare_rounds"], at / "compare_rounds"));
  if (j.contains("compare_passes"))
    c.compare_passes = static_cast<int>(get_positive(j["compare_passes"], at / "compare_passes"));
  c.reference = get_string(j, "reference", at, "");
  WT_USER_CHECK(c.reference.empty() || method_named(c, c.reference) != nullptr, BadArgument,
                (at / "reference").str()
                    << ": '" << quote_cut(c.reference) << "' is no method's name");
}

}  // namespace

ExperimentConfig read_experiment_config(const std::string &path,
                                        const std::vector<std::string> &cost_models) {
  std::ifstream in(path);
  WT_USER_CHECK(in, Io, "cannot read the experiment config '" << path << "'");
  json j = json::parse(in, nullptr, false);
  WT_USER_CHECK(!j.is_discarded(), BadArgument, path << ": not valid JSON");
  At at{path, ""};
  refuse_unknown_keys(j,
                      {"format", "workloads", "workloads_file", "methods", "seeds", "trials",
                       "checkpoints", "peers", "compare_rounds", "compare_passes", "reference",
                       "measure", "reports", "claims", "notes"},
                      at);
  WT_USER_CHECK(get_string(j, "format", at, "") == kExperimentFormat, BadArgument,
                path << ": \"format\" must be \"" << kExperimentFormat << "\"");
  ExperimentConfig c;
  c.path = path;
  c.workloads = read_workloads(j, at);
  read_methods(j, at, cost_models, c);
  if (j.contains("seeds")) c.seeds = get_list<uint64_t>(j, "seeds", at, seed_value);
  if (j.contains("trials")) c.trials = get_positive(j["trials"], at / "trials");
  read_comparison(j, at, c);
  c.reports = get_list<ExperimentConfig::Report>(j, "reports", at, read_report);
  c.claims = get_list<ExperimentConfig::Claim>(
      j, "claims", at, [&](const json &r, const At &a) { return read_claim(r, a, c); });
  c.notes = get_list<std::string>(j, "notes", at, as_string);
  if (j.contains("measure")) {
    c.measure = j["measure"];
    c.measure_flags = measure_flags(c.measure, at / "measure");
  }
  return c;
}

std::vector<RunSpec> plan_runs(const ExperimentConfig &c) {
  std::vector<RunSpec> runs;
  for (const std::string &w : c.workloads)
    for (const MethodSpec &m : c.methods)
      for (uint64_t seed : m.seeds.empty() ? c.seeds : m.seeds)
        runs.push_back({m.name + "_s" + std::to_string(seed) + "_" + ir::workload_slug(w), w, &m,
                        seed, budget_of(c, m)});
  return runs;
}

nlohmann::json RunSpec::identity(const ExperimentConfig &c) const {
  return {{"workload", workload},
          {"cost_model", method->cost_model},
          {"load_model", method->load_model},
          {"model_digest", method->model_digest},
          {"model_options", method->model_options},
          {"no_warmup", method->no_warmup},
          {"local_share", method->local_share},
          {"seed", seed},
          // tune's round size is min(per_round, budget): below it a budget is a different search
          {"per_round", std::min(method->per_round, trials)},
          {"measure", c.measure}};
}

std::string RunSpec::records_file(const std::string &runs_dir) const {
  std::string plain = (std::filesystem::path(runs_dir) / (id + ".jsonl")).string();
  if (!std::filesystem::exists(plain) && std::filesystem::exists(plain + ".xz"))
    return plain + ".xz";
  return plain;
}

std::vector<std::string> RunSpec::tune_args(const ExperimentConfig &c, const std::string &records,
                                            bool resume) const {
  std::vector<std::string> a = {
      "tune",   "--workload",         workload,       "--trials",         std::to_string(trials),
      "--seed", std::to_string(seed), "--cost-model", method->cost_model, "--records",
      records};
  if (!method->load_model.empty()) a.insert(a.end(), {"--load-model", method->load_model});
  for (const std::string &o : method->model_options) a.insert(a.end(), {"--model-option", o});
  if (method->no_warmup) a.push_back("--no-warmup");
  if (method->local_share > 0)
    a.insert(a.end(), {"--local-share", format("%.17g", method->local_share)});
  if (method->per_round != 64)
    a.insert(a.end(), {"--per-round", std::to_string(method->per_round)});
  if (resume) a.push_back("--resume");
  a.insert(a.end(), c.measure_flags.begin(), c.measure_flags.end());
  return a;
}

}  // namespace worldtune::experiment
