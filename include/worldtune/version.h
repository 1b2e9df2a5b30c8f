/// \file The tuner's version, written into every record.
#pragma once

namespace worldtune {
inline constexpr const char *kWorldtuneVersion = "0.1.0";
}  // namespace worldtune
