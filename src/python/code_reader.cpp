// Reading code objects, str and bytes objects from a CPython process.
#include "cspy/python/code_reader.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "cspy/python/line_table.h"
#include "remote.h"

namespace cspy::python {

namespace {

constexpr std::size_t kMaxLineTable = 1 << 20;
constexpr std::size_t kMaxCodes = 100'000;  // the cache is dropped beyond this

// Code ids are unique across readers: a process's samples may be tagged by the reader of
// the program before its exec and named after it.
std::uint32_t next_code_id() {
  static std::atomic<std::uint32_t> next{1};
  std::uint32_t id = next.fetch_add(1, std::memory_order_relaxed);
  while (id == 0) id = next.fetch_add(1, std::memory_order_relaxed);
  return id;
}

}  // namespace

CodeReader::Key CodeReader::key_of(std::span<const std::uint8_t> header) const {
  return {field<std::uint64_t>(header, layout_.object_type),
          field<std::uint64_t>(header, layout_.code_name),
          field<std::uint64_t>(header, layout_.code_filename),
          field<std::uint64_t>(header, layout_.code_linetable),
          static_cast<std::uint64_t>(field<std::int32_t>(header, layout_.code_firstlineno))};
}

const CodeReader::Code* CodeReader::code_from_header(std::uint64_t addr,
                                                     std::span<const std::uint8_t> header) {
  const Key key = key_of(header);
  if (auto at = at_.find(addr); at != at_.end()) {
    auto it = codes_.find(at->second);
    if (it != codes_.end() && it->second.key == key) return &it->second;
  }
  if (!runtime_.code_type.is_null() && key[0] != runtime_.code_type.value()) return nullptr;
  Code entry;
  CodeRecord& c = entry.record;
  c.addr = addr;
  c.version = layout_.version;
  c.code_adaptive = layout_.code_code_adaptive != kNone
                        ? static_cast<std::uint64_t>(layout_.code_code_adaptive)
                        : 0;
  const auto name_ptr = field<std::uint64_t>(
      header, layout_.code_qualname != kNone ? layout_.code_qualname : layout_.code_name);
  c.function = read_str(process_, layout_, name_ptr);
  c.file = read_str(process_, layout_, field<std::uint64_t>(header, layout_.code_filename), 4096);
  c.firstlineno = field<std::int32_t>(header, layout_.code_firstlineno);
  c.linetable = read_bytes_object(
      process_, layout_, field<std::uint64_t>(header, layout_.code_linetable), kMaxLineTable);
  if (c.function.empty()) return nullptr;
  entry.key = key;
  if (codes_.size() >= kMaxCodes) {  // bounded: frames tagged before are left unnamed
    codes_.clear();
    at_.clear();
  }
  c.id = next_code_id();
  at_[addr] = c.id;
  return &(codes_[c.id] = std::move(entry));
}

void CodeReader::remember(std::vector<CapturedFrame>& frames) {
  std::lock_guard lock(mutex_);
  // Each code object's header once, all in one read.
  addrs_.clear();
  for (const CapturedFrame& f : frames) addrs_.push_back(f.code);
  std::sort(addrs_.begin(), addrs_.end());
  addrs_.erase(std::unique(addrs_.begin(), addrs_.end()), addrs_.end());
  const auto size = static_cast<std::size_t>(layout_.code_size);
  headers_.resize(addrs_.size());
  pieces_.clear();
  for (std::size_t i = 0; i < addrs_.size(); ++i) {
    pieces_.push_back(process::Process::Piece{
        .addr = RemoteAddr(addrs_[i]), .buffer = headers_[i].data(), .size = size});
  }
  process_.read_pieces(pieces_);
  for (CapturedFrame& f : frames) {
    const auto i = static_cast<std::size_t>(std::lower_bound(addrs_.begin(), addrs_.end(), f.code) -
                                            addrs_.begin());
    const Code* c = f.code != 0 && pieces_[i].read
                        ? code_from_header(f.code, std::span(headers_[i].data(), size))
                        : nullptr;
    f.code_id = c == nullptr ? 0 : c->record.id;
  }
}

bool CodeReader::name(const CapturedFrame& frame, PyFrameName& out) {
  std::lock_guard lock(mutex_);
  auto it = codes_.find(frame.code_id);  // untagged (0): unreadable at the sample
  if (it == codes_.end()) return false;
  out = name_from(it->second.record, frame);
  return true;
}

std::vector<CodeRecord> CodeReader::records() const {
  std::lock_guard lock(mutex_);
  std::vector<CodeRecord> out;
  out.reserve(codes_.size());
  for (const auto& [id, code] : codes_) out.push_back(code.record);
  return out;
}

void RecordedCodes::add(CodeRecord code) {
  if (code.id != 0) {
    by_id_[code.id] = std::move(code);
  } else {
    by_addr_[code.addr] = std::move(code);
  }
}

bool RecordedCodes::name(const CapturedFrame& frame, PyFrameName& out) {
  const CodeRecord* code = nullptr;
  if (frame.code_id != 0) {
    if (auto it = by_id_.find(frame.code_id); it != by_id_.end()) code = &it->second;
  } else if (auto it = by_addr_.find(frame.code); it != by_addr_.end()) {
    code = &it->second;
  }
  if (code == nullptr) return false;
  out = name_from(*code, frame);
  return true;
}

PyFrameName name_from(const CodeRecord& code, const CapturedFrame& frame) {
  PyFrameName out{.function = code.function, .file = code.file};
  std::uint64_t offset = frame.instr;
  if (code.code_adaptive != 0) {
    // 3.11+: a pointer into the code object's bytecode.
    const std::uint64_t start = frame.code + code.code_adaptive;
    offset = frame.instr > start ? frame.instr - start : 0;
  }
  out.line = line_at(code.version, code.firstlineno, code.linetable, offset);
  return out;
}

namespace {

template <typename T>
void put(std::vector<std::uint8_t>& out, T value) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}
void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  put(out, static_cast<std::uint32_t>(bytes.size()));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
  template <typename T>
  bool get(T& value) {
    if (in_.size() - at_ < sizeof value) return false;
    std::memcpy(&value, in_.data() + at_, sizeof value);
    at_ += sizeof value;
    return true;
  }
  template <typename C>
  bool get_bytes(C& out) {
    std::uint32_t n = 0;
    if (!get(n) || in_.size() - at_ < n) return false;
    out.assign(in_.begin() + static_cast<std::ptrdiff_t>(at_),
               in_.begin() + static_cast<std::ptrdiff_t>(at_ + n));
    at_ += n;
    return true;
  }
  bool done() const { return at_ == in_.size(); }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t at_ = 0;
};

constexpr std::uint32_t kCodesMagic = 0x53444f43;    // "CODS": before ids
constexpr std::uint32_t kCodesMagicV2 = 0x32444f43;  // "COD2": each code with its id

}  // namespace

// Layout: u32 magic, u32 count, then per code u32 id, u64 addr, i32 version, u64
// code_adaptive, i32 firstlineno, and function, file, line table as (u32 length, bytes).
// Recordings from before ids ("CODS") have no id.
std::vector<std::uint8_t> encode_codes(const std::vector<CodeRecord>& codes) {
  std::vector<std::uint8_t> out;
  put(out, kCodesMagicV2);
  put(out, static_cast<std::uint32_t>(codes.size()));
  for (const CodeRecord& c : codes) {
    put(out, c.id);
    put(out, c.addr);
    put(out, static_cast<std::int32_t>(c.version));
    put(out, c.code_adaptive);
    put(out, static_cast<std::int32_t>(c.firstlineno));
    put_bytes(out, std::span(reinterpret_cast<const std::uint8_t*>(c.function.data()),
                             c.function.size()));
    put_bytes(out, std::span(reinterpret_cast<const std::uint8_t*>(c.file.data()), c.file.size()));
    put_bytes(out, c.linetable);
  }
  return out;
}

bool decode_codes(std::span<const std::uint8_t> bytes, std::vector<CodeRecord>& codes) {
  Reader in(bytes);
  std::uint32_t magic = 0;
  std::uint32_t count = 0;
  if (!in.get(magic) || (magic != kCodesMagic && magic != kCodesMagicV2) || !in.get(count)) {
    return false;
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    CodeRecord c;
    std::int32_t version = 0;
    std::int32_t first = 0;
    if ((magic == kCodesMagicV2 && !in.get(c.id)) || !in.get(c.addr) || !in.get(version) ||
        !in.get(c.code_adaptive) || !in.get(first) || !in.get_bytes(c.function) ||
        !in.get_bytes(c.file) || !in.get_bytes(c.linetable)) {
      return false;
    }
    c.version = version;
    c.firstlineno = first;
    codes.push_back(std::move(c));
  }
  return in.done();
}

}  // namespace cspy::python
