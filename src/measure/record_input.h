/// \file Opens a records file for reading, plain or xz-compressed (liblzma), told apart by its
/// first bytes, so every command that reads records reads a shipped corpus as it is.
#pragma once

#include <memory>
#include <streambuf>
#include <string>

namespace worldtune::measure {

/// True when the file starts with the xz magic bytes.
bool is_xz_file(const std::string &path);

/// A stream buffer over the file's (decompressed) bytes. Throws UserError(Io) when the file cannot
/// be opened; a corrupt or truncated xz stream raises UserError(BadRecord) naming the file when
/// the reader gets there.
std::unique_ptr<std::streambuf> open_record_input(const std::string &path);

}  // namespace worldtune::measure
