#include "common/config/config_loader.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/base/macros.h"
#include "common/config/yaml_limits.h"

namespace reportflow::config {
namespace {

namespace gpb = ::google::protobuf;

std::string Where(const YAML::Node& node, const std::string& path) {
  return "'" + path + "' (line " + std::to_string(node.Mark().line + 1) + ")";
}

// Offset of the first byte that is not part of valid UTF-8, or npos. Config
// strings become proto string fields, which must hold valid UTF-8.
size_t FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

template <typename T>
Status ParseNumber(const YAML::Node& node, const std::string& path, T* out) {
  const std::string s = node.Scalar();
  if constexpr (std::is_floating_point_v<T>) {
    try {
      size_t used = 0;
      const double v = std::stod(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
      *out = static_cast<T>(v);
      return Status::OK();
    } catch (const std::exception&) {
      return Status::InvalidArgument("config key " + Where(node, path) + ": '" + s + "' is not a number");
    }
  } else {
    T v{};
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      return Status::InvalidArgument("config key " + Where(node, path) + ": '" + s +
                                     "' is not a valid integer in range");
    }
    *out = v;
    return Status::OK();
  }
}

Status SetScalar(const YAML::Node& node, const std::string& path, gpb::Message* msg,
                 const gpb::FieldDescriptor* field) {
  if (!node.IsScalar()) return Status::InvalidArgument("config key " + Where(node, path) + " must be a scalar");
  const gpb::Reflection* r = msg->GetReflection();
  const bool rep = field->is_repeated();
  switch (field->cpp_type()) {
    case gpb::FieldDescriptor::CPPTYPE_STRING: {
      // Escapes ("\uD800", "\0") can make invalid UTF-8 or control characters
      // out of valid text (found by tests/fuzz/config_fuzzer).
      const std::string& v = node.Scalar();
      if (FirstInvalidUtf8(v) != std::string_view::npos ||
          std::any_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
        return Status::InvalidArgument("config key " + Where(node, path) +
                                       " holds invalid UTF-8 or a control character");
      }
      rep ? r->AddString(msg, field, v) : r->SetString(msg, field, v);
      return Status::OK();
    }
    case gpb::FieldDescriptor::CPPTYPE_BOOL: {
      const std::string s = node.Scalar();
      bool v;
      if (s == "true") v = true;
      else if (s == "false") v = false;
      else return Status::InvalidArgument("config key " + Where(node, path) + ": '" + s + "' is not true/false");
      rep ? r->AddBool(msg, field, v) : r->SetBool(msg, field, v);
      return Status::OK();
    }
#define RF_NUM_CASE(CPPTYPE, T, Add, Set)                        \
  case gpb::FieldDescriptor::CPPTYPE: {                          \
    T v{};                                                       \
    RETURN_IF_ERROR(ParseNumber<T>(node, path, &v));             \
    rep ? r->Add(msg, field, v) : r->Set(msg, field, v);         \
    return Status::OK();                                         \
  }
    RF_NUM_CASE(CPPTYPE_INT32, int32_t, AddInt32, SetInt32)
    RF_NUM_CASE(CPPTYPE_INT64, int64_t, AddInt64, SetInt64)
    RF_NUM_CASE(CPPTYPE_UINT32, uint32_t, AddUInt32, SetUInt32)
    RF_NUM_CASE(CPPTYPE_UINT64, uint64_t, AddUInt64, SetUInt64)
    RF_NUM_CASE(CPPTYPE_DOUBLE, double, AddDouble, SetDouble)
    RF_NUM_CASE(CPPTYPE_FLOAT, float, AddFloat, SetFloat)
#undef RF_NUM_CASE
    case gpb::FieldDescriptor::CPPTYPE_ENUM: {
      const gpb::EnumValueDescriptor* v = field->enum_type()->FindValueByName(node.Scalar());
      if (v == nullptr) {
        return Status::InvalidArgument("config key " + Where(node, path) + ": unknown value '" + node.Scalar() + "'");
      }
      rep ? r->AddEnum(msg, field, v) : r->SetEnum(msg, field, v);
      return Status::OK();
    }
    case gpb::FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return Status::Internal("unhandled field type at " + path);
}

Status WalkMessage(const YAML::Node& node, const std::string& path, gpb::Message* msg) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) return Status::InvalidArgument("config " + Where(node, path.empty() ? "<root>" : path) + " must be a mapping");
  const gpb::Descriptor* desc = msg->GetDescriptor();
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {  // e.g. "? {a: b}: c" (found by tests/fuzz/config_fuzzer)
      return Status::InvalidArgument("config " + Where(kv.first, path.empty() ? "<root>" : path) +
                                     " has a key that is not a plain name");
    }
    const std::string key = kv.first.as<std::string>();
    const std::string key_path = path.empty() ? key : path + "." + key;
    const gpb::FieldDescriptor* field = desc->FindFieldByName(key);
    if (field == nullptr) {
      std::string known;
      for (int i = 0; i < desc->field_count(); ++i) known += (i ? ", " : "") + desc->field(i)->name();
      return Status::InvalidArgument("unknown config key " + Where(kv.first, key_path) + "; known keys here: " + known);
    }
    const YAML::Node& value = kv.second;
    if (field->is_repeated()) {
      if (!value.IsSequence()) return Status::InvalidArgument("config key " + Where(value, key_path) + " must be a list");
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string item_path = key_path + "[" + std::to_string(i) + "]";
        if (field->cpp_type() == gpb::FieldDescriptor::CPPTYPE_MESSAGE) {
          RETURN_IF_ERROR(WalkMessage(value[i], item_path, msg->GetReflection()->AddMessage(msg, field)));
        } else {
          RETURN_IF_ERROR(SetScalar(value[i], item_path, msg, field));
        }
      }
    } else if (field->cpp_type() == gpb::FieldDescriptor::CPPTYPE_MESSAGE) {
      RETURN_IF_ERROR(WalkMessage(value, key_path, msg->GetReflection()->MutableMessage(msg, field)));
    } else {
      RETURN_IF_ERROR(SetScalar(value, key_path, msg, field));
    }
  }
  return Status::OK();
}

void EmitMessage(const gpb::Message& msg, YAML::Emitter* out) {
  const gpb::Reflection* r = msg.GetReflection();
  std::vector<const gpb::FieldDescriptor*> fields;
  r->ListFields(msg, &fields);
  *out << YAML::BeginMap;
  for (const auto* f : fields) {
    *out << YAML::Key << f->name() << YAML::Value;
    auto emit_one = [&](int index) {
      const bool rep = f->is_repeated();
      switch (f->cpp_type()) {
        case gpb::FieldDescriptor::CPPTYPE_STRING:
          *out << YAML::DoubleQuoted << (rep ? r->GetRepeatedString(msg, f, index) : r->GetString(msg, f));
          break;
        case gpb::FieldDescriptor::CPPTYPE_BOOL: *out << (rep ? r->GetRepeatedBool(msg, f, index) : r->GetBool(msg, f)); break;
        case gpb::FieldDescriptor::CPPTYPE_INT32: *out << (rep ? r->GetRepeatedInt32(msg, f, index) : r->GetInt32(msg, f)); break;
        case gpb::FieldDescriptor::CPPTYPE_INT64: *out << (rep ? r->GetRepeatedInt64(msg, f, index) : r->GetInt64(msg, f)); break;
        case gpb::FieldDescriptor::CPPTYPE_UINT32: *out << (rep ? r->GetRepeatedUInt32(msg, f, index) : r->GetUInt32(msg, f)); break;
        case gpb::FieldDescriptor::CPPTYPE_UINT64: *out << (rep ? r->GetRepeatedUInt64(msg, f, index) : r->GetUInt64(msg, f)); break;
        case gpb::FieldDescriptor::CPPTYPE_DOUBLE: *out << (rep ? r->GetRepeatedDouble(msg, f, index) : r->GetDouble(msg, f)); break;
        case gpb::FieldDescriptor::CPPTYPE_FLOAT: *out << (rep ? r->GetRepeatedFloat(msg, f, index) : r->GetFloat(msg, f)); break;
        case gpb::FieldDescriptor::CPPTYPE_ENUM: *out << (rep ? r->GetRepeatedEnum(msg, f, index) : r->GetEnum(msg, f))->name(); break;
        case gpb::FieldDescriptor::CPPTYPE_MESSAGE:
          EmitMessage(rep ? r->GetRepeatedMessage(msg, f, index) : r->GetMessage(msg, f), out);
          break;
      }
    };
    if (f->is_repeated()) {
      *out << YAML::BeginSeq;
      for (int i = 0; i < r->FieldSize(msg, f); ++i) emit_one(i);
      *out << YAML::EndSeq;
    } else {
      emit_one(0);
    }
  }
  *out << YAML::EndMap;
}

// "off" or host:port with a port in 0..65535 ("[v6addr]:port" for IPv6).
bool ValidHttpListen(const std::string& listen) {
  if (listen == "off") return true;
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) return false;
  const std::string host = listen.substr(0, colon);
  if (host.find(':') != std::string::npos && (host.front() != '[' || host.back() != ']')) return false;
  int port = -1;
  auto [ptr, ec] = std::from_chars(listen.data() + colon + 1, listen.data() + listen.size(), port);
  return ec == std::errc() && ptr == listen.data() + listen.size() && port >= 0 && port <= 65535;
}

bool ValidEndpoint(const std::string& e) {
  return e.rfind("ipc://", 0) == 0 || e.rfind("tcp://", 0) == 0 || e.rfind("inproc://", 0) == 0;
}


namespace fs = std::filesystem;

// lexically_normal without a trailing separator ("/d/." -> "/d", not "/d/").
fs::path Normal(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (n.has_relative_path() && n.filename().empty()) n = n.parent_path();
  return n;
}

// Calls fn(name, path) for every path the pipeline writes under its data dir:
// the stores, aggregate's scratch dir, the log file and the ipc:// socket files (through a view of the
// endpoint without its "ipc://" prefix, written back after fn returns).
template <typename Fn>
void ForEachDataPath(PipelineConfig* cfg, Fn fn) {
  fn("ingest.store_path", cfg->mutable_ingest()->mutable_store_path());
  fn("segment.store_path", cfg->mutable_segment()->mutable_store_path());
  fn("extract.store_path", cfg->mutable_extract()->mutable_store_path());
  fn("aggregate.store_path", cfg->mutable_aggregate()->mutable_store_path());
  fn("aggregate.scratch_dir", cfg->mutable_aggregate()->mutable_scratch_dir());  // empty: beside the store
  fn("logging.file", cfg->mutable_logging()->mutable_file());
  auto* e = cfg->mutable_endpoints();
  const std::pair<const char*, std::string*> endpoints[] = {
      {"endpoints.ingest_control", e->mutable_ingest_control()},
      {"endpoints.segment_work", e->mutable_segment_work()},
      {"endpoints.extract_work", e->mutable_extract_work()},
      {"endpoints.aggregate_input", e->mutable_aggregate_input()},
      {"endpoints.ingest_acks", e->mutable_ingest_acks()},
      {"endpoints.aggregate_publish", e->mutable_aggregate_publish()},
      {"endpoints.aggregate_snapshot", e->mutable_aggregate_snapshot()}};
  for (const auto& [name, value] : endpoints) {
    // "ipc://@name" is Linux's abstract namespace: no file, nothing to resolve.
    if (value->rfind("ipc://", 0) != 0 || value->rfind("ipc://@", 0) == 0) continue;
    std::string path = value->substr(6);
    fn(name, &path);
    *value = "ipc://" + path;
  }
}

// A relative path that leaves the data dir ("../x", "a/../../x").
bool EscapesDataDir(const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return false;
  const fs::path n = fs::path(p).lexically_normal();
  return !n.empty() && *n.begin() == "..";
}

}  // namespace

Status ParseYamlInto(std::string_view yaml, google::protobuf::Message* msg) {
  if (const size_t bad = FirstInvalidUtf8(yaml); bad != std::string_view::npos) {
    return Status::InvalidArgument("config is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  RETURN_IF_ERROR(CheckYamlExpansion(yaml).WithContext("config"));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("config is not valid YAML: ") + e.what());
  }
  return WalkMessage(root, "", msg);
}

std::string ToYaml(const google::protobuf::Message& msg) {
  YAML::Emitter out;
  EmitMessage(msg, &out);
  return std::string(out.c_str()) + "\n";
}

PipelineConfig DefaultPipelineConfig(const std::string& data_dir) {
  PipelineConfig cfg;
  cfg.set_data_dir(data_dir);
  const std::string run = "ipc://" + (fs::path(data_dir) / "run").string() + "/";
  auto* e = cfg.mutable_endpoints();
  e->set_ingest_control(run + "ingest-control.sock");
  e->set_segment_work(run + "segment-work.sock");
  e->set_extract_work(run + "extract-work.sock");
  e->set_aggregate_input(run + "aggregate-input.sock");
  e->set_ingest_acks(run + "ingest-acks.sock");
  e->set_aggregate_publish(run + "aggregate-publish.sock");
  e->set_aggregate_snapshot(run + "aggregate-snapshot.sock");
  auto* l = cfg.mutable_limits();
  l->set_max_message_bytes(64u << 20);
  l->set_send_hwm(1000);
  l->set_recv_hwm(1000);
  l->set_linger_ms(1000);
  l->set_max_file_bytes(16u << 20);
  l->set_max_in_flight(512);
  l->set_lease_ms(30000);
  l->set_max_attempts(3);
  l->set_worker_credits(128);
  l->set_stream_hwm(100000);
  l->set_drain_timeout_ms(5000);
  l->set_decode_timeout_ms(10000);
  l->set_decode_memory_mb(1024);
  cfg.mutable_ingest()->set_store_path("ingest");
  cfg.mutable_segment()->set_store_path("segment");
  cfg.mutable_segment()->set_worker_id("segment-0");
  cfg.mutable_extract()->set_store_path("extract");
  cfg.mutable_extract()->set_worker_id("extract-0");
  cfg.mutable_aggregate()->set_store_path("aggregate");
  cfg.mutable_aggregate()->set_rollup_memory_mb(128);
  // Operator HTTP endpoints (/metrics, /healthz, /readyz): loopback, any free
  // port; each instance writes its bound address to <data_dir>/run/<instance>.http.
  cfg.mutable_ingest()->set_http_listen("127.0.0.1:0");
  cfg.mutable_segment()->set_http_listen("127.0.0.1:0");
  cfg.mutable_extract()->set_http_listen("127.0.0.1:0");
  cfg.mutable_aggregate()->set_http_listen("127.0.0.1:0");
  cfg.mutable_logging()->set_level("info");
  return cfg;
}

void ApplyDefaults(PipelineConfig* cfg) {
  PipelineConfig merged = DefaultPipelineConfig(cfg->data_dir());
  // A set value in cfg wins over the default (limits have presence: an
  // explicit 0 stays 0 and Validate refuses it).
  merged.MergeFrom(*cfg);
  *cfg = merged;
  const fs::path data_dir(cfg->data_dir());
  ForEachDataPath(cfg, [&](const char*, std::string* p) {
    if (p->empty() || !fs::path(*p).is_relative()) return;
    *p = Normal(data_dir / *p).string();
  });
}

Status Validate(const PipelineConfig& cfg) {
  if (cfg.data_dir().empty()) return Status::InvalidArgument("config: data_dir is required");
  const auto& e = cfg.endpoints();
  const std::pair<const char*, const std::string*> endpoints[] = {
      {"ingest_control", &e.ingest_control()}, {"segment_work", &e.segment_work()},
      {"extract_work", &e.extract_work()},     {"aggregate_input", &e.aggregate_input()},
      {"ingest_acks", &e.ingest_acks()},       {"aggregate_publish", &e.aggregate_publish()},
      {"aggregate_snapshot", &e.aggregate_snapshot()}};
  const auto& sec = cfg.security();
  if (!sec.mode().empty() && sec.mode() != "curve" && sec.mode() != "plaintext") {
    return Status::InvalidArgument("config: security.mode '" + sec.mode() + "' must be curve or plaintext");
  }
  if (sec.mode() == "curve" && sec.key_file().empty()) {
    return Status::InvalidArgument("config: security.mode curve needs security.key_file (reportflow keygen)");
  }
  for (const auto& [name, value] : endpoints) {
    if (!ValidEndpoint(*value)) {
      return Status::InvalidArgument(std::string("config: endpoints.") + name + " '" + *value +
                                     "' must start with ipc://, tcp:// or inproc://");
    }
    if (value->rfind("tcp://", 0) == 0 && sec.mode().empty()) {
      return Status::InvalidArgument(std::string("config: endpoints.") + name + " '" + *value +
                                     "' is TCP: set security.mode to curve (encrypted, with keys from reportflow "
                                     "keygen) or, on a trusted network only, to plaintext");
    }
  }
  const std::pair<const char*, const std::string*> listens[] = {
      {"ingest", &cfg.ingest().http_listen()}, {"segment", &cfg.segment().http_listen()},
      {"extract", &cfg.extract().http_listen()}, {"aggregate", &cfg.aggregate().http_listen()}};
  for (const auto& [name, value] : listens) {
    if (!ValidHttpListen(*value)) {
      return Status::InvalidArgument(std::string("config: ") + name + ".http_listen '" + *value +
                                     "' must be host:port (port 0 = any free port) or off");
    }
  }
  const auto& l = cfg.limits();
  // Every limit within a sane range: 0 never means "the default" (an absent
  // limit takes its default in ApplyDefaults), and an absurd value is a typo.
  struct Range {
    const char* name;
    uint64_t value, min, max;
  };
  const Range ranges[] = {
      {"max_message_bytes", l.max_message_bytes(), 1024, uint64_t{1} << 31},
      {"max_file_bytes", l.max_file_bytes(), 1, uint64_t{1} << 30},
      {"max_in_flight", l.max_in_flight(), 1, 1'000'000},
      {"lease_ms", l.lease_ms(), 100, 86'400'000},
      {"max_attempts", l.max_attempts(), 1, 100},
      {"worker_credits", l.worker_credits(), 1, 10'000},
      {"send_hwm", l.send_hwm(), 1, 10'000'000},
      {"recv_hwm", l.recv_hwm(), 1, 10'000'000},
      {"stream_hwm", l.stream_hwm(), 1, 10'000'000},
      {"linger_ms", l.linger_ms(), 0, 60'000},
      {"drain_timeout_ms", l.drain_timeout_ms(), 1, 3'600'000},
      {"decode_timeout_ms", l.decode_timeout_ms(), 100, 3'600'000},
      {"decode_memory_mb", l.decode_memory_mb(), 64, 1 << 20},
  };
  if (const uint32_t mb = cfg.aggregate().rollup_memory_mb(); mb < 4 || mb > (1u << 20)) {
    return Status::InvalidArgument("config: aggregate.rollup_memory_mb is " + std::to_string(mb) +
                                   "; it must be between 4 and " + std::to_string(1u << 20));
  }
  for (const Range& r : ranges) {
    if (r.value < r.min || r.value > r.max) {
      return Status::InvalidArgument("config: limits." + std::string(r.name) + " is " + std::to_string(r.value) +
                                     "; it must be between " + std::to_string(r.min) + " and " + std::to_string(r.max));
    }
  }
  if (l.max_file_bytes() * 3 > l.max_message_bytes() * 1ull) {
    return Status::InvalidArgument("config: limits.max_message_bytes must be at least 3x limits.max_file_bytes "
                                   "(a decoded document travels with its structure)");
  }
  const auto& fi = cfg.fault_injection();
  if (!fi.stage().empty()) {
    if (fi.stage() != "segment" && fi.stage() != "extract" && fi.stage() != "aggregate") {
      return Status::InvalidArgument("config: fault_injection.stage '" + fi.stage() +
                                     "' must be segment, extract or aggregate");
    }
    if (fi.stage() == "aggregate" && fi.mode() != "crash" && fi.mode() != "delay") {
      return Status::InvalidArgument("config: fault_injection.stage aggregate supports modes crash and delay only");
    }
    if (fi.doc_id_prefix().empty() && fi.source_substring().empty()) {
      return Status::InvalidArgument("config: fault_injection needs doc_id_prefix or source_substring");
    }
  }
  if (!fi.mode().empty() && fi.mode() != "error" && fi.mode() != "crash" && fi.mode() != "delay") {
    return Status::InvalidArgument("config: fault_injection.mode '" + fi.mode() + "' must be error, crash or delay");
  }
  if ((fi.mode() == "delay") != (fi.delay_ms() > 0)) {
    return Status::InvalidArgument("config: fault_injection.delay_ms must be > 0 exactly when mode is delay");
  }
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  bool level_ok = false;
  for (const char* lv : kLevels) level_ok |= cfg.logging().level() == lv;
  if (!level_ok) return Status::InvalidArgument("config: logging.level '" + cfg.logging().level() + "' is not one of trace, debug, info, warn, error, critical, off");
  return Status::OK();
}

Status ApplyOverride(const std::string& assignment, google::protobuf::Message* msg) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidArgument("override '" + assignment + "' must look like section.key=value");
  }
  // Build the nested YAML mapping {a: {b: value}} and parse it like the file.
  std::string key = assignment.substr(0, eq);
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  YAML::Emitter out;
  for (size_t i = 0; i + 1 < parts.size(); ++i) out << YAML::BeginMap << YAML::Key << parts[i] << YAML::Value;
  out << YAML::BeginMap << YAML::Key << parts.back() << YAML::Value << assignment.substr(eq + 1) << YAML::EndMap;
  for (size_t i = 0; i + 1 < parts.size(); ++i) out << YAML::EndMap;
  return ParseYamlInto(out.c_str(), msg).WithContext("--set " + assignment);
}

Status LoadPipelineConfig(const std::string& path, const std::string& data_dir_override,
                          const std::vector<std::string>& overrides, PipelineConfig* cfg) {
  cfg->Clear();
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return Status::IoError("cannot read config file " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    RETURN_IF_ERROR(ParseYamlInto(ss.str(), cfg).WithContext(path));
    // A relative data_dir in a file is relative to the file's folder: the
    // pipeline.yaml that `reportflow run` writes says "." and moves with it.
    if (!cfg->data_dir().empty() && fs::path(cfg->data_dir()).is_relative()) {
      cfg->set_data_dir(Normal(fs::absolute(path).parent_path() / cfg->data_dir()).string());
    }
  }
  for (const auto& o : overrides) {
    if (o.substr(0, o.find('=')) == "data_dir") {
      return Status::InvalidArgument("--set " + o + ": data_dir cannot be set with --set; pass --data DIR");
    }
    RETURN_IF_ERROR(ApplyOverride(o, cfg));
  }
  if (!data_dir_override.empty()) {
    const std::string from = cfg->data_dir();
    const std::string to = Normal(data_dir_override).string();
    cfg->set_data_dir(to);
    // A config naming another data dir (a pipeline.yaml written by an older
    // run, in a data dir copied since) keeps nothing pointing into the old one.
    if (!from.empty() && from != to) {
      ForEachDataPath(cfg, [&](const char*, std::string* p) {
        const fs::path rel = fs::path(*p).lexically_relative(from);
        if (fs::path(*p).is_absolute() && !rel.empty() && *rel.begin() != "..") *p = Normal(fs::path(to) / rel).string();
      });
    }
  }
  if (cfg->data_dir().empty()) return Status::InvalidArgument("no data dir: set data_dir in the config or pass --data");
  // Relative paths live under the data dir; one that climbs out of it would
  // write elsewhere: an operator who means that gives an absolute path.
  Status escape;
  ForEachDataPath(cfg, [&](const char* name, std::string* p) {
    if (escape.ok() && EscapesDataDir(*p)) {
      escape = Status::InvalidArgument(std::string("config: ") + name + " '" + *p +
                                       "' leaves the data dir; give an absolute path to put it elsewhere");
    }
  });
  RETURN_IF_ERROR(escape);
  ApplyDefaults(cfg);
  return Validate(*cfg);
}

PipelineConfig RelativeToDataDir(const PipelineConfig& cfg) {
  PipelineConfig out = cfg;
  const fs::path data_dir(cfg.data_dir());
  ForEachDataPath(&out, [&](const char*, std::string* p) {
    if (!fs::path(*p).is_absolute()) return;
    const fs::path rel = fs::path(*p).lexically_relative(data_dir);
    if (!rel.empty() && *rel.begin() != "..") *p = rel.string();
  });
  out.set_data_dir(".");
  return out;
}

}  // namespace reportflow::config
