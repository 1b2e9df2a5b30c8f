/// \file ONNX file -> net::Graph: protobuf parsing, libonnx's checker and shape inference
/// (strict, with data propagation), then the conversion of tensors, attributes and nodes, each
/// node checked against the network op registry. The only file that includes ONNX headers.
#include "onnx_import/onnx_import.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <unordered_map>

#include "net/op_registry.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::onnx_import {

namespace {

namespace pb = ONNX_NAMESPACE;
using net::Graph;
using net::Value;

/// Opsets of the default domain whose operators the registry's entries describe.
constexpr int64_t kMinOpset = 9, kMaxOpset = 17;

/// Most elements of one tensor: Halide indexes buffers with int32 (as ir::kExtentLimit).
constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;

/// Appends a dimension, refusing a tensor over kMaxElements (and so any overflow).
void push_dim(std::vector<int64_t> &shape, int64_t d, const std::string &where) {
  int64_t count = 1;
  for (int64_t e : shape) count *= e;
  WT_USER_CHECK(d >= 0 && (d == 0 || count <= kMaxElements / d), BadNetwork,
                where << ": shape too large or negative (dimension " << d << ")");
  shape.push_back(d);
}

/// The first line of a library's message, cut: its messages can run to many lines.
std::string first_line(const std::string &s) { return quote_cut(s.substr(0, s.find('\n')), 300); }

pb::ModelProto parse_model(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  WT_USER_CHECK(in.good(), Io, "cannot open network file " << path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  WT_USER_CHECK(!bytes.empty(), BadNetwork, path << ": empty file, not an ONNX model");
  pb::ModelProto m;
  WT_USER_CHECK(m.ParseFromString(bytes) && m.has_graph(), BadNetwork,
                path << ": not an ONNX model (does not parse as an ONNX ModelProto)");
  return m;
}

int64_t default_opset(const pb::ModelProto &m, const std::string &path) {
  for (const pb::OperatorSetIdProto &o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") {
      WT_USER_CHECK(o.version() >= kMinOpset && o.version() <= kMaxOpset, BadNetwork,
                    path << ": ONNX opset " << o.version() << " is not supported (supported: "
                         << kMinOpset << " to " << kMaxOpset << ")");
      return o.version();
    }
  throw UserError(ErrorKind::BadNetwork, path + ": imports no opset of the default ONNX domain");
}

std::set<std::string> initializer_names(const pb::GraphProto &g) {
  std::set<std::string> names;
  for (const pb::TensorProto &t : g.initializer()) names.insert(t.name());
  return names;
}

/// Gives every (non-constant) input the batch size as its first dimension; declared shapes of
/// the rest are dropped, to be inferred anew from it.
void set_batch(pb::GraphProto &g, int64_t batch) {
  const std::set<std::string> constants = initializer_names(g);
  for (pb::ValueInfoProto &in : *g.mutable_input()) {
    if (constants.count(in.name()) || !in.type().has_tensor_type()) continue;
    pb::TensorShapeProto *shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() > 0) shape->mutable_dim(0)->set_dim_value(batch);
  }
  g.clear_value_info();
  for (pb::ValueInfoProto &out : *g.mutable_output())
    for (pb::TensorShapeProto::Dimension &d :
         *out.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim())
      d.Clear();
}

/// Refuses inputs with a dimension the file leaves open (`--batch` fixes the first one).
void check_static_inputs(const pb::GraphProto &g, const std::string &path) {
  const std::set<std::string> constants = initializer_names(g);
  for (const pb::ValueInfoProto &in : g.input()) {
    if (constants.count(in.name())) continue;
    WT_USER_CHECK(in.type().tensor_type().has_shape(), BadNetwork,
                  path << ": input '" << in.name() << "' has no shape (static shapes only)");
    const pb::TensorShapeProto &shape = in.type().tensor_type().shape();
    for (int d = 0; d < shape.dim_size(); ++d)
      WT_USER_CHECK(shape.dim(d).has_dim_value() && shape.dim(d).dim_value() > 0, BadNetwork,
                    path << ": input '" << in.name() << "' has a dynamic dimension " << d << " ('"
                         << shape.dim(d).dim_param() << "')"
                         << (d == 0 ? "; give the batch size (--batch N)"
                                    : "; worldtune needs static shapes"));
  }
}

void check_model(const pb::ModelProto &m, const std::string &path) {
  try {
    pb::checker::check_model(m);
  } catch (const std::exception &e) {
    throw UserError(ErrorKind::BadNetwork,
                    path + ": not a valid ONNX model: " + first_line(e.what()));
  }
}

void infer_shapes(pb::ModelProto &m, const std::string &path) {
  try {
    pb::ShapeInferenceOptions options(/*check_type=*/true, /*strict_mode=*/1,
                                      /*data_prop=*/true);
    pb::shape_inference::InferShapes(m, pb::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception &e) {
    throw UserError(ErrorKind::BadNetwork,
                    path + ": ONNX shape inference failed: " + first_line(e.what()));
  }
}

/// Reads a tensor's elements (float32 or int64, inline or raw little-endian bytes).
template <typename T, typename Field>
std::vector<T> tensor_data(const pb::TensorProto &t, const Field &field, int64_t count,
                           const std::string &where) {
  std::vector<T> out;
  if (t.has_raw_data()) {
    WT_USER_CHECK(
        t.raw_data().size() == static_cast<size_t>(count) * sizeof(T), BadNetwork,
        where << ": holds " << t.raw_data().size() << " bytes for " << count << " elements");
    out.resize(static_cast<size_t>(count));
    std::memcpy(out.data(), t.raw_data().data(), t.raw_data().size());
  } else {
    out.assign(field.begin(), field.end());
    WT_USER_CHECK(static_cast<int64_t>(out.size()) == count, BadNetwork,
                  where << ": holds " << out.size() << " elements, its shape " << count);
  }
  return out;
}

Value constant_value(const pb::TensorProto &t, const std::string &name, const std::string &where) {
  Value v;
  v.name = name, v.constant = true;
  for (int64_t d : t.dims()) push_dim(v.shape, d, where);
  WT_USER_CHECK(t.data_location() != pb::TensorProto::EXTERNAL, BadNetwork,
                where << ": keeps its data in an external file (not supported)");
  const int64_t count = v.elements();
  if (t.data_type() == pb::TensorProto::FLOAT) {
    v.dtype = net::DType::Float32;
    v.floats = tensor_data<float>(t, t.float_data(), count, where);
  } else if (t.data_type() == pb::TensorProto::INT64) {
    v.dtype = net::DType::Int64;
    v.ints = tensor_data<int64_t>(t, t.int64_data(), count, where);
  } else {
    throw UserError(ErrorKind::BadNetwork, where + ": data type " + std::to_string(t.data_type()) +
                                               " is not supported (float32 and int64 only)");
  }
  return v;
}

net::Attribute attribute(const pb::AttributeProto &a, const std::string &where) {
  net::Attribute out;
  using K = net::Attribute::Kind;
  switch (a.type()) {
    case pb::AttributeProto::INT:
      out.kind = K::Int, out.i = a.i();
      break;
    case pb::AttributeProto::FLOAT:
      out.kind = K::Float, out.f = a.f();
      break;
    case pb::AttributeProto::STRING:
      out.kind = K::String, out.s = a.s();
      break;
    case pb::AttributeProto::INTS:
      out.kind = K::Ints, out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case pb::AttributeProto::FLOATS:
      out.kind = K::Floats, out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    default:
      throw UserError(ErrorKind::BadNetwork, where + ": attribute '" + a.name() + "' of type " +
                                                 std::to_string(a.type()) + " is not supported");
  }
  return out;
}

/// Builds the graph from the checked, shape-inferred model.
class Converter {
 public:
  Converter(const pb::ModelProto &m, const std::string &path) : m_(m) {
    g_.source = path, g_.opset = default_opset(m, path);
  }

  Graph run() {
    const pb::GraphProto &g = m_.graph();
    for (const pb::ValueInfoProto &v : g.value_info()) types_[v.name()] = &v.type();
    for (const pb::ValueInfoProto &v : g.output()) types_[v.name()] = &v.type();
    for (const pb::TensorProto &t : g.initializer())
      add(constant_value(t, t.name(), g_.source + ": initializer '" + t.name() + "'"));
    for (const pb::ValueInfoProto &in : g.input())
      if (!index_.count(in.name())) g_.inputs.push_back(add(typed_value(in.name(), in.type())));
    for (int i = 0; i < g.node_size(); ++i) node(g.node(i), i);
    for (const pb::ValueInfoProto &out : g.output()) g_.outputs.push_back(lookup(out.name()));
    return std::move(g_);
  }

 private:
  int lookup(const std::string &name) const {
    auto it = index_.find(name);
    WT_USER_CHECK(it != index_.end(), BadNetwork,
                  g_.source << ": tensor '" << quote_cut(name) << "' is used but never made");
    return it->second;
  }

  bool is_constant(const std::string &name) const {
    auto it = index_.find(name);
    return it != index_.end() && g_.values[static_cast<size_t>(it->second)].constant;
  }

  int add(Value v) {
    index_[v.name] = static_cast<int>(g_.values.size());
    g_.values.push_back(std::move(v));
    return static_cast<int>(g_.values.size()) - 1;
  }

  /// A float32 tensor of static shape named `name`, from its (inferred) type.
  Value typed_value(const std::string &name, const pb::TypeProto &type) {
    const std::string where = g_.source + ": tensor '" + name + "'";
    WT_USER_CHECK(type.has_tensor_type(), BadNetwork, where << ": not a tensor");
    WT_USER_CHECK(type.tensor_type().elem_type() == pb::TensorProto::FLOAT, BadNetwork,
                  where << ": data type " << type.tensor_type().elem_type()
                        << " is not supported (float32 only)");
    WT_USER_CHECK(type.tensor_type().has_shape(), BadNetwork, where << ": shape unknown");
    Value v;
    v.name = name;
    for (const pb::TensorShapeProto::Dimension &d : type.tensor_type().shape().dim()) {
      WT_USER_CHECK(d.has_dim_value() && d.dim_value() > 0, BadNetwork,
                    where << ": dynamic shape (static shapes only)");
      push_dim(v.shape, d.dim_value(), where);
    }
    return v;
  }

  void node(const pb::NodeProto &n, int i) {
    net::Node out;
    out.name = n.name().empty() ? "#" + std::to_string(i) : n.name();
    out.op = n.op_type();
    const std::string where = g_.source + ": " + out.label();
    WT_USER_CHECK(n.domain().empty() || n.domain() == "ai.onnx", BadNetwork,
                  where << ": operator domain '" << quote_cut(n.domain()) << "' is not supported");
    if (out.op == "Constant") return constant_node(n, where);
    if (out.op == "Identity" && n.input_size() == 1 && n.output_size() == 1 &&
        is_constant(n.input(0))) {  // the exporter's alias of a shared weight: the same constant
      Value alias = g_.values[static_cast<size_t>(lookup(n.input(0)))];
      alias.name = n.output(0);
      add(std::move(alias));
      return;
    }
    for (const pb::AttributeProto &a : n.attribute())
      out.attributes[a.name()] = attribute(a, where);
    for (const std::string &in : n.input()) out.inputs.push_back(in.empty() ? -1 : lookup(in));
    int used = n.output_size();
    while (used > 0 && n.output(used - 1).empty()) --used;  // optional outputs left out
    for (int o = 0; o < used; ++o) {
      auto type = types_.find(n.output(o));
      WT_USER_CHECK(type != types_.end(), BadNetwork,
                    where << ": shape of output '" << n.output(o) << "' unknown");
      out.outputs.push_back(add(typed_value(n.output(o), *type->second)));
    }
    net::check_supported(out, g_);
    g_.nodes.push_back(std::move(out));
  }

  void constant_node(const pb::NodeProto &n, const std::string &where) {
    WT_USER_CHECK(n.attribute_size() == 1 && n.output_size() == 1, BadNetwork,
                  where << ": a constant needs one attribute and one output");
    const pb::AttributeProto &a = n.attribute(0);
    pb::TensorProto t;
    if (a.name() == "value" && a.has_t()) {
      t = a.t();
    } else if (a.name() == "value_float" || a.name() == "value_floats") {
      t.set_data_type(pb::TensorProto::FLOAT);
      if (a.name() == "value_float") t.add_float_data(a.f());
      if (a.name() == "value_floats") t.add_dims(a.floats_size());
      for (float f : a.floats()) t.add_float_data(f);
    } else if (a.name() == "value_int" || a.name() == "value_ints") {
      t.set_data_type(pb::TensorProto::INT64);
      if (a.name() == "value_int") t.add_int64_data(a.i());
      if (a.name() == "value_ints") t.add_dims(a.ints_size());
      for (int64_t v : a.ints()) t.add_int64_data(v);
    } else {
      throw UserError(ErrorKind::BadNetwork,
                      where + ": constant attribute '" + a.name() + "' is not supported");
    }
    add(constant_value(t, n.output(0), where));
  }

  const pb::ModelProto &m_;
  Graph g_;
  std::unordered_map<std::string, int> index_;
  std::unordered_map<std::string, const pb::TypeProto *> types_;
};

}  // namespace

net::Graph import_onnx(const std::string &path, const ImportOptions &options) {
  WT_USER_CHECK(options.batch >= 0, BadArgument, "--batch must be positive");
  pb::ModelProto m = parse_model(path);
  default_opset(m, path);
  check_model(m, path);
  if (options.batch > 0) set_batch(*m.mutable_graph(), options.batch);
  check_static_inputs(m.graph(), path);
  infer_shapes(m, path);
  return Converter(m, path).run();
}

}  // namespace worldtune::onnx_import
