/// \file The CLI's subcommands. main.cpp only parses flags into these option structs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "measure/measure_options.h"
#include "netcompile/model_runner.h"
#include "netcompile/network_compiler.h"
#include "training/model_training.h"
#include "tune/tuner.h"

namespace worldtune::cli {

int run_workloads();

struct InspectOptions {
  std::string model;  ///< an ONNX file
  int64_t batch = 0;  ///< 0: the file's own batch size
  bool nodes = false;
  bool tasks = false;    ///< also split it into tuning tasks and list them
  std::string check_io;  ///< an input/output pair (scripts/make_onnx_models.py's FILE.io.json)
};
/// `worldtune inspect`: the network as worldtune imports it (inputs, outputs, ops, constants).
int run_inspect(const InspectOptions &o);

/// `worldtune compile`: the network's tuned kernels, executor, C API and example (netcompile).
int run_compile(const netcompile::CompileNetworkOptions &o);
/// `worldtune run-model`: times a compiled network and checks its output.
int run_run_model(const netcompile::RunModelOptions &o);

struct ShowOptions {
  std::string workload;
  uint64_t seed = 1;
};
int run_show(const ShowOptions &o);

struct MeasureCommandOptions {
  std::string workload;
  int random = 16;
  std::string records;
  uint64_t seed = 1;
  int batch = 16;
  measure::MeasureOptions measure;
};
int run_measure(const MeasureCommandOptions &o);

// Tuning (tune_command.cpp).

struct TuneCommandOptions {
  tune::TuneOptions tune;
  std::string network;  ///< --model: an ONNX file whose tasks are the workloads
  int64_t batch = 0;
  std::string cost_model = "xgb";
  std::string load_model;  ///< start from a model trained elsewhere
  std::string save_model;  ///< write the trained model at the end
  bool no_warmup = false;  ///< trust the model from the first round (no random warm-up)
  std::vector<std::string> model_options;  ///< NAME=VALUE, checked against the model's table entry
};
int run_tune(const TuneCommandOptions &o);

// Corpora (dataset_command.cpp).

struct DatasetCommandOptions {
  std::string workload_list;
  std::string guide = "xgb";               ///< cost model of the guided rounds
  std::vector<std::string> model_options;  ///< of the guide
  dataset::DatasetOptions dataset;
};
int run_dataset(const DatasetCommandOptions &o);

// Cost models (model_commands.cpp).

int run_models();

struct TrainCommandOptions {
  training::TrainOptions train;
  std::vector<std::string> model_options;  ///< NAME=VALUE
};
int run_train(const TrainCommandOptions &o);

struct EvalModelOptions {
  std::string model;  ///< a model file, or a model name used untrained (random)
  std::vector<std::string> corpus;
  std::string scores;  ///< JSONL file of every scored record with its "score" ("": none)
};
int run_eval_model(const EvalModelOptions &o);

// Results (result_commands.cpp): the best record, its export, and baselines to compare it with.

struct BestOptions {
  std::string records;
  std::string workload;  ///< "": every workload of the file
};
int run_best(const BestOptions &o);

struct ExportCommandOptions {
  std::string records;
  std::string workload;
  std::string out_dir;
  std::string target = "host";
  std::string name;
  bool force = false;  ///< write into a folder that holds files
};
int run_export(const ExportCommandOptions &o);

struct BaselineCommandOptions {
  std::string workload;
  std::string method;
  std::string records;
  measure::MeasureOptions measure;
};
int run_baseline(const BaselineCommandOptions &o);

struct PlotCommandOptions {
  std::vector<std::string> records;
  std::string out;
  std::string size;  ///< "WIDTHxHEIGHT"; "": from the number of workloads
  std::string title;
  std::string data_dir;   ///< keep gnuplot's script and data here
  bool per_file = false;  ///< one curve per records file, even for seeds of one method
};
int run_plot(const PlotCommandOptions &o);

// Experiments (experiment_command.cpp).

struct ExperimentCommandOptions {
  std::string config;
  std::string out_dir;
  bool discard_invalidated = false;
  bool no_compare = false;
  bool pack = false;
  std::string markdown;            ///< also write the tables here
  bool plan = false;               ///< only print the runs and their states
  std::vector<std::string> adopt;  ///< take matching runs from these folders
};
int run_experiment_command(const ExperimentCommandOptions &o);

}  // namespace worldtune::cli
