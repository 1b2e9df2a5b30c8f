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
void register_fused_conv2d(WorkloadRegistry &r);
void register_fused_matmul(WorkloadRegistry &r);
void register_fused_pool(WorkloadRegistry &r);
void register_fused_normalize(WorkloadRegistry &r);
void register_fused_elementwise(WorkloadRegistry &r);

/// Output extent of a sliding window; throws BadWorkload naming `field` when it is not positive.
int64_t conv_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                        const std::string &field);
/// Throws BadWorkload unless a is divisible by b.
void check_divisible(int64_t a, const std::string &a_name, int64_t b, const std::string &b_name);

/// Common parameter specs.
ParamSpec param(const std::string &name, int64_t def, const std::string &doc, int64_t min = 1);
ParamSpec flag(const std::string &name, const std::string &doc);
/// A field added after records existed (left out of keys at its default).
ParamSpec late_param(const std::string &name, int64_t def, const std::string &doc);

/// Applies optional bias (per last axis) and relu to a [.., C] tensor as separate elementwise
/// stages, as TVM's fused subgraphs do.
Tensor bias_relu(DagBuilder &b, const Tensor &x, bool bias, bool relu);

/// Activation codes of the fused subgraphs' epilogues (the ACT and POST fields).
enum class Activation : int64_t { None = 0, Relu = 1, Relu6 = 2, Sigmoid = 3, Gelu = 4 };
/// What the RES field adds: nothing, or the residual tensor added or multiplied in.
enum class Residual : int64_t { None = 0, Add = 1, Mul = 2 };

/// A network's fused subgraph (TVM's injective epilogue of an anchor op): the anchor's output y,
/// then, each where its field asks, y * scale[c], y + bias[c] (c: the last axis), ACT(y),
/// y (+ or *) residual (a tensor of y's shape) and POST(y). Fields SCALE, BIAS, ACT, RES, POST.
std::vector<ParamSpec> epilogue_params();
/// The anchor's params followed by the epilogue's.
std::vector<ParamSpec> with_epilogue(std::vector<ParamSpec> anchor);
/// Adds the epilogue stages `p` asks for after `y`; their placeholders (scale, bias, residual)
/// follow the anchor's inputs, in that order.
Tensor apply_epilogue(DagBuilder &b, const Tensor &y, const ParamMap &p);
/// y's value under activation `act`.
Expr activate(Expr y, Activation act);

}  // namespace worldtune::ir
