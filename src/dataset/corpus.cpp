/// \file Corpus files, grouping and replay.
#include "dataset/corpus.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "ir/workload.h"
#include "search/hardware_params.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::dataset {

namespace fs = std::filesystem;

namespace {

bool is_records_name(const std::string &name) {
  auto ends = [&](const std::string &suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends(".jsonl") || ends(".jsonl.xz");
}

}  // namespace

std::vector<std::string> corpus_files(const std::vector<std::string> &paths) {
  std::vector<std::string> files;
  for (const std::string &p : paths) {
    std::error_code ec;
    WT_USER_CHECK(fs::exists(p, ec), Io, "corpus path '" << p << "' does not exist");
    if (!fs::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    // Only the folder's own files: `data/corpus` must not read its train and validation splits
    // as one.
    std::vector<std::string> found;
    for (auto it = fs::directory_iterator(p, ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && is_records_name(it->path().filename().string()))
        found.push_back(it->path().string());
    WT_USER_CHECK(!ec, Io, "cannot read corpus folder '" << p << "': " << ec.message());
    WT_USER_CHECK(!found.empty(), Io,
                  "corpus folder '" << p << "' holds no records files (*.jsonl, *.jsonl.xz)");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::vector<CorpusGroup> load_corpus(const std::vector<std::string> &paths) {
  std::map<std::pair<std::string, std::string>, CorpusGroup> groups;
  std::map<std::string, ir::Workload> workloads;
  for (const std::string &file : corpus_files(paths)) {
    for (MeasureRecord &r : read_records(file)) {
      if (r.is_baseline()) continue;
      auto [it, fresh] = groups.try_emplace({r.workload, r.machine_key()});
      CorpusGroup &g = it->second;
      if (fresh) {
        auto w = workloads.find(r.workload);
        if (w == workloads.end())
          w = workloads.emplace(r.workload, ir::parse_workload(r.workload)).first;
        g.task = std::make_shared<search::SearchTask>();
        g.task->workload_key = r.workload;
        g.task->dag = w->second.dag;
        try {
          g.task->hw = search::hardware_params_from_json(r.hardware);
        } catch (const UserError &e) {
          throw UserError(e.kind(), file + ": " + e.what());
        }
        g.task->target = r.target;
        g.task->flop_count = w->second.dag->flop_count();
        g.task->machine = r.machine_key();
      }
      // read_records has checked that the steps replay.
      g.states.push_back(schedule::State::replay(g.task->dag, schedule::steps_from_json(r.steps)));
      g.records.push_back(std::move(r));
    }
  }
  WT_USER_CHECK(!groups.empty(), BadArgument,
                "the corpus (" << join_mapped(paths, ", ", [](const std::string &p) { return p; })
                               << ") holds no tuned records");
  std::vector<CorpusGroup> out;
  for (auto &[key, g] : groups) out.push_back(std::move(g));
  return out;
}

std::vector<search::MeasuredState> measured_states(const std::vector<CorpusGroup> &groups) {
  std::vector<search::MeasuredState> out;
  for (const CorpusGroup &g : groups)
    for (size_t i = 0; i < g.records.size(); ++i)
      out.push_back({g.task, g.states[i], g.records[i].result});
  return out;
}

}  // namespace worldtune::dataset
