/// \file Plain or xz records input.
#include "measure/record_input.h"

#include <lzma.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "worldtune/error.h"

namespace worldtune::measure {

namespace {

constexpr unsigned char kXzMagic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};

const char *lzma_error_name(lzma_ret rc) {
  switch (rc) {
    case LZMA_FORMAT_ERROR:
      return "not an xz stream";
    case LZMA_DATA_ERROR:
      return "data error";
    case LZMA_BUF_ERROR:
      return "unexpected end of input";
    case LZMA_MEM_ERROR:
      return "out of memory";
    case LZMA_OPTIONS_ERROR:
      return "unsupported options";
    default:
      return "error";
  }
}

/// Decodes an xz file (concatenated streams included, as `xz` writes when appending) chunk by
/// chunk, so a corpus is never held in memory whole.
class XzInput : public std::streambuf {
 public:
  explicit XzInput(const std::string &path) : path_(path), in_(path, std::ios::binary) {
    WT_USER_CHECK(in_.good(), Io, "cannot open records file '" << path << "'");
    lzma_ret rc = lzma_stream_decoder(&strm_, UINT64_MAX, LZMA_CONCATENATED);
    WT_USER_CHECK(rc == LZMA_OK, Io, "cannot start the xz decoder for '" << path << "'");
  }
  ~XzInput() override { lzma_end(&strm_); }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (done_) return traits_type::eof();
    strm_.next_out = reinterpret_cast<uint8_t *>(out_.data());
    strm_.avail_out = out_.size();
    while (strm_.avail_out == out_.size() && !done_) decode_some();
    size_t n = out_.size() - strm_.avail_out;
    setg(out_.data(), out_.data(), out_.data() + n);
    return n == 0 ? traits_type::eof() : traits_type::to_int_type(*gptr());
  }

 private:
  void decode_some() {
    lzma_action action = LZMA_RUN;
    if (strm_.avail_in == 0) {
      in_.read(in_buf_.data(), static_cast<std::streamsize>(in_buf_.size()));
      strm_.next_in = reinterpret_cast<const uint8_t *>(in_buf_.data());
      strm_.avail_in = static_cast<size_t>(in_.gcount());
      if (strm_.avail_in == 0) action = LZMA_FINISH;
    }
    lzma_ret rc = lzma_code(&strm_, action);
    if (rc == LZMA_STREAM_END) {
      done_ = true;
      return;
    }
    WT_USER_CHECK(rc == LZMA_OK, BadRecord,
                  path_ << ": the xz data is " << (rc == LZMA_BUF_ERROR ? "cut short" : "corrupt")
                        << " (liblzma: " << lzma_error_name(rc) << ")");
  }

  std::string path_;
  std::ifstream in_;
  lzma_stream strm_ = LZMA_STREAM_INIT;
  std::array<char, 1 << 16> in_buf_{};
  std::array<char, 1 << 18> out_{};
  bool done_ = false;
};

}  // namespace

bool is_xz_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[sizeof kXzMagic] = {};
  in.read(reinterpret_cast<char *>(head), sizeof head);
  return in.gcount() == sizeof head && std::memcmp(head, kXzMagic, sizeof head) == 0;
}

std::unique_ptr<std::streambuf> open_record_input(const std::string &path) {
  if (is_xz_file(path)) return std::make_unique<XzInput>(path);
  auto file = std::make_unique<std::filebuf>();
  WT_USER_CHECK(file->open(path, std::ios::in | std::ios::binary) != nullptr, Io,
                "cannot open records file '" << path << "'");
  return file;
}

}  // namespace worldtune::measure
