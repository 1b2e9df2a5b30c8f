/// \file Reading a corpus for training and evaluation: records files and folders of them (plain
/// or xz), grouped by (workload, machine), each record's schedule replayed into a State.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "search/cost_model.h"
#include "worldtune/record.h"

namespace worldtune::dataset {

/// The records of one workload measured on one machine: the unit labels are normalized in and
/// ranking metrics are computed on.
struct CorpusGroup {
  std::shared_ptr<search::SearchTask> task;  ///< workload, hardware, target and machine
  std::vector<MeasureRecord> records;        ///< tuned programs only (baselines are skipped)
  std::vector<schedule::State> states;       ///< records[i]'s schedule
};

/// The records files a list of paths names: files as given, folders by their own `*.jsonl` and
/// `*.jsonl.xz` files (not those of subfolders; sorted). Throws UserError(Io) for a path that does
/// not exist or a folder without records files.
std::vector<std::string> corpus_files(const std::vector<std::string> &paths);

/// Every tuned record of the files, grouped; groups sorted by workload then machine. Throws
/// UserError(BadArgument) naming the paths when they hold no tuned record.
std::vector<CorpusGroup> load_corpus(const std::vector<std::string> &paths);

/// The groups' records as the measured states a cost model learns from.
std::vector<search::MeasuredState> measured_states(const std::vector<CorpusGroup> &groups);

}  // namespace worldtune::dataset
