/// \file Registration entry points of the operator library (one file per operator family) and
/// small helpers they share.
#pragma once

#include <string>

#include "ir/workload.h"

namespace worldtune::ir {

void register_matmul(WorkloadRegistry &r);
void register_batch_matmul(WorkloadRegistry &r);
void register_dense(WorkloadRegistry &r);
void register_conv1d(WorkloadRegistry &r);
void register_conv2d(WorkloadRegistry &r);
void register_depthwise_conv2d(WorkloadRegistry &r);
void register_conv2d_transpose(WorkloadRegistry &r);
void register_conv3d(WorkloadRegistry &r);
void register_norm(WorkloadRegistry &r);
void register_softmax(WorkloadRegistry &r);
void register_layer_norm(WorkloadRegistry &r);
void register_transpose_batch_matmul(WorkloadRegistry &r);

/// Output extent of a sliding window; throws BadWorkload naming `field` when it is not positive.
int64_t conv_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                        const std::string &field);
/// Throws BadWorkload unless a is divisible by b.
void check_divisible(int64_t a, const std::string &a_name, int64_t b, const std::string &b_name);

/// Common parameter specs.
ParamSpec param(const std::string &name, int64_t def, const std::string &doc, int64_t min = 1);
ParamSpec flag(const std::string &name, const std::string &doc);

/// Applies optional bias (per last axis) and relu to a [.., C] tensor as separate elementwise
/// stages, as TVM's fused subgraphs do.
Tensor bias_relu(DagBuilder &b, const Tensor &x, bool bias, bool relu);

}  // namespace worldtune::ir
