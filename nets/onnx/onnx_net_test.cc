// The importer on graphs built here: each op against LibTorch's own
// functions written out independently, and every kind of bad input
// refused with one line naming the node or field.
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "nets/onnx/onnx.pb.h"
#include "nets/onnx/onnx_net.h"

namespace agnapprox {
namespace {

namespace F = torch::nn::functional;

// A model with one float input "x" of shape `in` and output "y".
struct Builder {
  onnx::ModelProto model;
  onnx::GraphProto* g;
  explicit Builder(std::vector<int64_t> in, int opset = 13) {
    model.set_ir_version(7);
    model.add_opset_import()->set_version(opset);
    g = model.mutable_graph();
    auto* x = g->add_input();
    x->set_name("x");
    x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    // The batch dimension, symbolic as exporters write it.
    x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("N");
    for (int64_t d : in) {
      x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
    }
    g->add_output()->set_name("y");
  }
  onnx::NodeProto* Node(const std::string& op, std::vector<std::string> in, std::string out,
                        const std::string& name = "") {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + out : name);
    for (auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  }
  void Init(const std::string& name, const torch::Tensor& t) {
    auto* p = g->add_initializer();
    p->set_name(name);
    const bool is_long = t.scalar_type() == torch::kLong;
    p->set_data_type(is_long ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT);
    for (int64_t d : t.sizes()) p->add_dims(d);
    torch::Tensor c = t.contiguous();
    p->set_raw_data(std::string(static_cast<const char*>(c.data_ptr()), c.nbytes()));
  }
  absl::StatusOr<std::shared_ptr<OnnxNetImpl>> Import() {
    return ImportOnnxBytes(model.SerializeAsString(), "m.onnx");
  }
};

void Ints(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
void Int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void Float(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void ExpectClose(const torch::Tensor& got, const torch::Tensor& want) {
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-5);
}

void ExpectRefused(const absl::StatusOr<std::shared_ptr<OnnxNetImpl>>& net,
                   const std::string& part) {
  ASSERT_FALSE(net.ok());
  const std::string msg(net.status().message());
  EXPECT_NE(msg.find(part), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("m.onnx: ", 0), 0u) << msg;
}

TEST(OnnxImport, ConvWithAsymmetricPadsGroupsAndDilation) {
  torch::manual_seed(1);
  Builder b({4, 9, 9});
  const torch::Tensor w = torch::randn({6, 2, 3, 3}), bias = torch::randn({6});
  b.Init("w", w);
  b.Init("b", bias);
  auto* n = b.Node("Conv", {"x", "w", "b"}, "y", "conv");
  Ints(n, "pads", {0, 1, 2, 1});  // top, left, bottom, right
  Ints(n, "strides", {2, 1});
  Ints(n, "dilations", {1, 2});
  Int(n, "group", 2);
  auto net = b.Import();
  ASSERT_TRUE(net.ok()) << net.status();
  const torch::Tensor x = torch::randn({2, 4, 9, 9});
  const torch::Tensor want = F::conv2d(
      F::pad(x, F::PadFuncOptions({1, 1, 0, 2})),
      w, F::Conv2dFuncOptions().bias(bias).stride({2, 1}).dilation({1, 2}).groups(2));
  ExpectClose((*net)->forward(x), want);
  ASSERT_EQ((*net)->approx_layers().size(), 1u);
  EXPECT_EQ((*net)->approx_layers()[0].first, "conv");
}

TEST(OnnxImport, GemmWithAlphaBetaAndTransB) {
  torch::manual_seed(2);
  for (int trans_b : {0, 1}) {
    Builder b({5});
    const torch::Tensor w = torch::randn(trans_b ? std::vector<int64_t>{3, 5} : std::vector<int64_t>{5, 3});
    const torch::Tensor c = torch::randn({3});
    b.Init("w", w);
    b.Init("c", c);
    auto* n = b.Node("Gemm", {"x", "w", "c"}, "y");
    Int(n, "transB", trans_b);
    Float(n, "alpha", 0.5);
    Float(n, "beta", 2.0);
    auto net = b.Import();
    ASSERT_TRUE(net.ok()) << net.status();
    const torch::Tensor x = torch::randn({4, 5});
    ExpectClose((*net)->forward(x), 0.5 * x.matmul(trans_b ? w.t() : w) + 2.0 * c);
  }
}

// Residual Add, Concat, Mul by a constant, Clip, pools, Flatten, Reshape,
// Identity, Dropout, MatMul and a final Softmax in one graph; unnamed nodes
// take their first output's name.
TEST(OnnxImport, TheOtherOpsFollowTheGraphAsWritten) {
  torch::manual_seed(3);
  Builder b({2, 8, 8});
  const torch::Tensor w = torch::randn({2, 2, 3, 3});
  const torch::Tensor scale = torch::randn({1, 4, 1, 1});
  const torch::Tensor m = torch::randn({16, 10});
  b.Init("w", w);
  b.Init("scale", scale);
  b.Init("m", m);
  b.Init("shape", torch::tensor({0, -1}, torch::kLong));
  Ints(b.Node("Conv", {"x", "w"}, "c", "conv"), "pads", {1, 1, 1, 1});
  b.Node("Add", {"c", "x"}, "r");
  b.Node("Concat", {"r", "x"}, "cat");
  Int(b.g->mutable_node(2), "axis", 1);
  b.Node("Mul", {"cat", "scale"}, "s");
  b.Init("lo", torch::tensor(-0.5));
  b.Init("hi", torch::tensor(1.5));
  b.Node("Clip", {"s", "lo", "hi"}, "k");
  auto* mp = b.Node("MaxPool", {"k"}, "p");
  Ints(mp, "kernel_shape", {2, 2});
  Ints(mp, "strides", {2, 2});
  auto* ap = b.Node("AveragePool", {"p"}, "q");
  Ints(ap, "kernel_shape", {2, 2});
  Ints(ap, "strides", {2, 2});
  b.Node("Identity", {"q"}, "i");
  b.Node("Dropout", {"i"}, "d");
  b.Node("Reshape", {"d", "shape"}, "f");
  auto* mm = b.Node("MatMul", {"f", "m"}, "logits");
  mm->clear_name();
  b.Node("Softmax", {"logits"}, "y");
  auto net = b.Import();
  ASSERT_TRUE(net.ok()) << net.status();
  const torch::Tensor x = torch::randn({3, 2, 8, 8});
  torch::Tensor want = F::conv2d(x, w, F::Conv2dFuncOptions().padding(1)) + x;
  want = torch::cat({want, x}, 1) * scale;
  want = torch::clamp(want, -0.5, 1.5);
  want = torch::avg_pool2d(torch::max_pool2d(want, 2, 2), 2, 2).reshape({3, -1}).matmul(m);
  ExpectClose((*net)->forward(x), want);
  ExpectClose((*net)->RunAsWritten(x), torch::softmax(want, 1));
  std::vector<std::string> names;
  for (auto& [name, layer] : (*net)->approx_layers()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv", "logits"}));
  EXPECT_TRUE((*net)->ends_with_softmax());
}

TEST(OnnxImport, BatchNormTrainsAndGlobalPoolFlattens) {
  Builder b({3, 4, 4});
  b.Init("s", torch::tensor({1.f, 2.f, 3.f}));
  b.Init("bb", torch::tensor({0.f, 1.f, 0.f}));
  b.Init("mean", torch::tensor({0.5f, 0.f, -1.f}));
  b.Init("var", torch::tensor({1.f, 4.f, 0.25f}));
  b.Node("BatchNormalization", {"x", "s", "bb", "mean", "var"}, "n");
  b.Node("GlobalAveragePool", {"n"}, "g");
  b.Node("Flatten", {"g"}, "y");
  auto net = b.Import();
  ASSERT_TRUE(net.ok()) << net.status();
  (*net)->eval();
  const torch::Tensor x = torch::randn({2, 3, 4, 4});
  const torch::Tensor mean = torch::tensor({0.5f, 0.f, -1.f}).reshape({1, 3, 1, 1});
  const torch::Tensor var = torch::tensor({1.f, 4.f, 0.25f}).reshape({1, 3, 1, 1});
  const torch::Tensor want = ((x - mean) / torch::sqrt(var + 1e-5) *
                                  torch::tensor({1.f, 2.f, 3.f}).reshape({1, 3, 1, 1}) +
                              torch::tensor({0.f, 1.f, 0.f}).reshape({1, 3, 1, 1}))
                                 .mean({2, 3});
  ExpectClose((*net)->forward(x), want);
  // Scale and shift are trainable parameters, the statistics buffers.
  int params = 0;
  for (const auto& p : (*net)->named_parameters()) params += p.value().requires_grad();
  EXPECT_EQ(params, 2);
}

TEST(OnnxImport, RefusesGarbageAndTruncatedFiles) {
  ExpectRefused(ImportOnnxBytes("this is not a protobuf \xff\xff\xff", "m.onnx"), "not an ONNX model");
  Builder b({4});
  b.Init("w", torch::randn({4, 2}));
  b.Node("MatMul", {"x", "w"}, "y");
  const std::string bytes = b.model.SerializeAsString();
  for (size_t cut : {bytes.size() / 3, bytes.size() / 2, bytes.size() - 3}) {
    absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net =
        ImportOnnxBytes(bytes.substr(0, cut), "m.onnx");
    EXPECT_FALSE(net.ok()) << "cut at " << cut;
  }
  absl::StatusOr<std::shared_ptr<OnnxNetImpl>> missing = ImportOnnx("/nonexistent/m.onnx");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "/nonexistent/m.onnx: no such file");
}

TEST(OnnxImport, RefusesACycleNamingANodeOnIt) {
  Builder b({4});
  b.Node("Add", {"x", "b"}, "a", "first");
  b.Node("Relu", {"a"}, "b", "second");
  b.Node("Relu", {"b"}, "y", "third");
  ExpectRefused(b.Import(), "is on a cycle");
}

TEST(OnnxImport, RefusesAMissingInitializer) {
  Builder b({1, 5, 5});
  b.Node("Conv", {"x", "conv.weight"}, "y", "conv");
  ExpectRefused(b.Import(), "node 'conv' (Conv): input 'conv.weight' is neither");
}

TEST(OnnxImport, RefusesAWeightWhoseShapeDisagreesWithTheNode) {
  Builder b({1, 5, 5});
  b.Init("w", torch::randn({4, 1, 3, 3}));
  Ints(b.Node("Conv", {"x", "w"}, "y", "conv"), "kernel_shape", {5, 5});
  ExpectRefused(b.Import(), "weight 'w' has shape [4, 1, 3, 3] but kernel_shape is [5, 5]");
  Builder c({1, 5, 5});
  c.Init("w", torch::randn({4, 1, 3, 3}));
  c.Init("b", torch::randn({3}));
  c.Node("Conv", {"x", "w", "b"}, "y", "conv");
  ExpectRefused(c.Import(), "bias 'b' has shape [3] for 4 output channels");
  Builder d({6});
  d.Init("w", torch::randn({6, 4}));
  d.Init("c", torch::randn({5}));
  d.Node("Gemm", {"x", "w", "c"}, "y", "fc");
  ExpectRefused(d.Import(), "C 'c' has shape [5] for 4 outputs");
}

TEST(OnnxImport, RefusesUnsupportedNodesNamingNodeAndOpType) {
  Builder b({4});
  b.Node("Hardmax", {"x"}, "y", "act");
  ExpectRefused(b.Import(), "node 'act' (Hardmax): op type Hardmax is not supported");
  Builder c({1, 4, 4});
  c.Node("Resize", {"x"}, "y", "up");
  ExpectRefused(c.Import(), "node 'up' (Resize): op type Resize is not supported");
}

// Element-wise ops on two activations, Softmax inside the graph, Tanh: run as
// written (LibTorch's functions written out here independently).
TEST(OnnxImport, ElementWiseOpsOnActivationsRunAsWritten) {
  Builder b({4});
  b.Node("Mul", {"x", "x"}, "sq", "square");
  b.Node("Softmax", {"sq"}, "s", "soft");
  b.Node("Tanh", {"s"}, "y", "act");
  auto net = b.Import();
  ASSERT_TRUE(net.ok()) << net.status();
  const torch::Tensor x = torch::randn({3, 4});
  ExpectClose((*net)->forward(x), torch::tanh(torch::softmax(x * x, -1)));
}

TEST(OnnxImport, CheckDataNamesBothShapes) {
  Builder b({1, 28, 28});
  b.Init("w", torch::randn({784, 10}));
  b.Node("Flatten", {"x"}, "f");
  b.Node("MatMul", {"f", "w"}, "y");
  auto net = b.Import();
  ASSERT_TRUE(net.ok()) << net.status();
  EXPECT_TRUE((*net)->CheckData({1, 28, 28}, 10, "--dataset=fashion_mnist").ok());
  absl::Status s = (*net)->CheckData({3, 32, 32}, 10, "--dataset=cifar10");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("m.onnx takes 1x28x28 inputs but --dataset=cifar10 has 3x32x32"),
            std::string::npos)
      << s.message();
  // Fewer classes than outputs is fine (labels index the outputs); more is not.
  EXPECT_TRUE((*net)->CheckData({1, 28, 28}, 5, "--dataset=x").ok());
  s = (*net)->CheckData({1, 28, 28}, 12, "--dataset=x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("outputs [2, 10] for 2 images but --dataset=x has 12 classes"),
            std::string::npos)
      << s.message();
  // A symbolic input shape: the forward pass finds the mismatch.
  Builder c({-1, -1, -1});
  c.Init("w", torch::randn({784, 10}));
  c.Node("Flatten", {"x"}, "f");
  c.Node("MatMul", {"f", "w"}, "y");
  auto symbolic = c.Import();
  ASSERT_TRUE(symbolic.ok()) << symbolic.status();
  s = (*symbolic)->CheckData({3, 32, 32}, 10, "--dataset=cifar10");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not run on the 3x32x32 images of --dataset=cifar10"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(std::string(s.message()).find('\n'), std::string::npos);
}

TEST(OnnxImport, ApproxModeRunsTheImportedLayers) {
  // The imported layers are ordinary approximable layers: QAT and the
  // table GEMM run on them like on the built-in networks.
  torch::manual_seed(4);
  Builder b({1, 6, 6});
  b.Init("w", torch::randn({3, 1, 3, 3}));
  b.Node("Conv", {"x", "w"}, "y", "conv");
  auto net = b.Import();
  ASSERT_TRUE(net.ok());
  const torch::Tensor x = torch::rand({2, 1, 6, 6});
  (*net)->set_mode(Mode::kQat);
  const torch::Tensor qat = (*net)->forward(x);
  std::vector<int32_t> exact(65536);
  for (int a = -128; a < 128; ++a) {
    for (int w = -128; w < 128; ++w) exact[(a + 128) * 256 + (w + 128)] = a * w;
  }
  (*net)->approx_layers()[0].second->set_table(exact, "exact");
  (*net)->set_mode(Mode::kApprox);
  torch::NoGradGuard no_grad;
  EXPECT_LT(((*net)->forward(x) - qat).abs().max().item<double>(), 1e-4);
}

}  // namespace
}  // namespace agnapprox
