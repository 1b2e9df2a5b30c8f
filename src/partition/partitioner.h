/// \file Splits an imported network into tuning tasks (TVM Relay's FuseOps as Ansor uses it):
/// every anchor (conv, dense, batch matmul, pool, softmax, layer norm, concat) with the
/// elementwise chain behind it becomes one call of a fused IR workload; 4-D activations are
/// stored NHWC (one layout change at the network's input), batch norms fold into the conv
/// before them, layout ops become views, and identical calls share a task.
#pragma once

#include "net/graph.h"
#include "partition/task_graph.h"

namespace worldtune::partition {

/// Throws UserError(BadNetwork) naming the node and op that no fused task covers.
TaskGraph partition(const net::Graph &graph);

}  // namespace worldtune::partition
