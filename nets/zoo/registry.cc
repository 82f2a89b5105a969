#include "nets/zoo/registry.h"

#include "nets/zoo/alexnet.h"
#include "nets/zoo/lenet5.h"
#include "nets/zoo/mobilenetv2.h"
#include "nets/zoo/resnet.h"
#include "nets/zoo/vgg.h"

namespace agnapprox {
namespace {

struct Entry {
  const char* name;
  std::shared_ptr<ApproxNetImpl> (*make)();
};

template <typename Net, int... Args>
std::shared_ptr<ApproxNetImpl> Make() {
  return std::make_shared<Net>(Args...);
}

// One line per network.
const Entry kEntries[] = {
    {"lenet5", Make<LeNet5Impl>},
    {"resnet8", Make<ResNetImpl, 8>},
    {"resnet14", Make<ResNetImpl, 14>},
    {"resnet20", Make<ResNetImpl, 20>},
    {"resnet32", Make<ResNetImpl, 32>},
    {"vgg11", Make<VggImpl, 11>},
    {"vgg13", Make<VggImpl, 13>},
    {"vgg16", Make<VggImpl, 16>},
    {"vgg19", Make<VggImpl, 19>},
    {"alexnet", Make<AlexNetImpl>},
    {"mobilenetv2", Make<MobileNetV2Impl>},
};

}  // namespace

std::vector<std::string> NetNames() {
  std::vector<std::string> names;
  for (const Entry& e : kEntries) names.push_back(e.name);
  return names;
}

std::shared_ptr<ApproxNetImpl> MakeNet(const std::string& name) {
  for (const Entry& e : kEntries) {
    if (name == e.name) return e.make();
  }
  return nullptr;
}

}  // namespace agnapprox
