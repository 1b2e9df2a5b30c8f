/// \file The task graph's bookkeeping and its interpretation.
#include "partition/task_graph.h"

#include <map>

#include "ir/interpreter.h"
#include "ir/workload.h"
#include "worldtune/error.h"

namespace worldtune::partition {

int64_t Buffer::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

void TaskGraph::count_tasks() {
  tasks.clear();
  std::map<std::string, size_t> index;
  for (const Call &c : calls) {
    auto [it, fresh] = index.emplace(c.workload_key, tasks.size());
    if (fresh)
      tasks.push_back({c.workload_key, 0, ir::parse_workload(c.workload_key).dag->flop_count()});
    ++tasks[it->second].weight;
  }
}

std::vector<net::HostTensor> interpret_task_graph(const TaskGraph &tasks,
                                                  const std::vector<net::HostTensor> &inputs) {
  WT_USER_CHECK(inputs.size() == tasks.inputs.size(), BadArgument,
                "the network takes " << tasks.inputs.size() << " inputs, got " << inputs.size());
  std::vector<std::vector<float>> data(tasks.buffers.size());
  for (size_t i = 0; i < tasks.buffers.size(); ++i) data[i] = tasks.buffers[i].data;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Buffer &b = tasks.buffers[static_cast<size_t>(tasks.inputs[i])];
    WT_USER_CHECK(static_cast<int64_t>(inputs[i].data.size()) == b.elements(), BadArgument,
                  "input '" << b.name << "' has the wrong size");
    data[static_cast<size_t>(tasks.inputs[i])] = inputs[i].data;
  }
  for (const Call &call : tasks.calls) {
    std::shared_ptr<const ir::ComputeDAG> dag = ir::parse_workload(call.workload_key).dag;
    std::vector<std::vector<float>> bufs(static_cast<size_t>(dag->num_ops()));
    std::vector<int> holders = dag->placeholders();
    WT_ASSERT(holders.size() == call.inputs.size(), call.workload_key << ": placeholder count");
    for (size_t i = 0; i < holders.size(); ++i) {
      bufs[static_cast<size_t>(holders[i])] = data[static_cast<size_t>(call.inputs[i])];
      WT_ASSERT(static_cast<int64_t>(bufs[static_cast<size_t>(holders[i])].size()) ==
                    dag->op(holders[i]).num_elements(),
                call.workload_key << ": input " << i << " has the wrong size");
    }
    std::vector<int> outs = dag->outputs();
    WT_ASSERT(outs.size() == 1, call.workload_key << ": one output");
    data[static_cast<size_t>(call.output)] =
        std::move(ir::interpret(*dag, std::move(bufs))[static_cast<size_t>(outs[0])]);
  }
  std::vector<net::HostTensor> out;
  for (size_t i = 0; i < tasks.outputs.size(); ++i)
    out.push_back({tasks.output_shapes[i], data[static_cast<size_t>(tasks.outputs[i])]});
  return out;
}

}  // namespace worldtune::partition
