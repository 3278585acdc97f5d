#include "common/config/yaml_limits.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace reportflow::config {
namespace {

// Sizes of the open collections on a stack; an anchored node records its
// expanded size, and each alias of it adds that size again.
class ExpansionCounter : public YAML::EventHandler {
 public:
  explicit ExpansionCounter(size_t max_nodes) : max_(max_nodes) {}
  bool exceeded() const { return exceeded_; }
  size_t total() const { return total_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { Leaf(anchor); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    const auto it = sizes_.find(anchor);
    Add(it == sizes_.end() ? 1 : it->second);
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    Leaf(anchor);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open_.push_back({anchor, 1});
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open_.push_back({anchor, 1});
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Open {
    YAML::anchor_t anchor;
    size_t size;
  };
  void Leaf(YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) sizes_[anchor] = 1;
    Add(1);
  }
  void Add(size_t n) {
    // Saturating at max_ + 1 (every size recorded is at most that, so no
    // overflow): nested aliases would overflow size_t otherwise.
    auto sat = [&](size_t a) { return a + n > max_ ? max_ + 1 : a + n; };
    if (open_.empty()) {
      total_ = sat(total_);
    } else {
      open_.back().size = sat(open_.back().size);
    }
    if (open_.empty() ? total_ > max_ : open_.back().size > max_) exceeded_ = true;
  }
  void Close() {
    if (open_.empty()) return;
    const Open done = open_.back();
    open_.pop_back();
    if (done.anchor != YAML::NullAnchor) sizes_[done.anchor] = done.size;
    Add(done.size);
  }

  size_t max_;
  size_t total_ = 0;
  bool exceeded_ = false;
  std::vector<Open> open_;
  std::unordered_map<YAML::anchor_t, size_t> sizes_;
};

}  // namespace

Status CheckYamlExpansion(std::string_view yaml, size_t max_nodes) {
  std::istringstream in{std::string(yaml)};
  ExpansionCounter counter(max_nodes);
  try {
    YAML::Parser parser(in);
    while (!counter.exceeded() && parser.HandleNextDocument(counter)) {
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("not valid YAML: ") + e.what());
  }
  if (counter.exceeded()) {
    return Status::InvalidArgument("YAML aliases expand to more than " + std::to_string(max_nodes) +
                                   " nodes (an alias bomb?); write the repeated parts out or use fewer aliases");
  }
  return Status::OK();
}

}  // namespace reportflow::config
