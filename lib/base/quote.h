// Quoting outside input (file contents, command-line values) in error
// messages: the bytes between single quotes with every byte that is not
// printable ASCII escaped (\n, \t, \', \\, \xNN) and at most `max_bytes` of them
// shown, so that a binary file given where text was expected never reaches the
// terminal raw and a huge value never floods it.
#ifndef SPARSELAB_LIB_BASE_QUOTE_H_
#define SPARSELAB_LIB_BASE_QUOTE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace sparselab {

// 'abc' for "abc"; 'a\x00b' for a NUL between a and b; a longer input shows its
// first `max_bytes` bytes: 'abcd...' (first 4 of 9 bytes).
std::string QuoteInput(absl::string_view input, size_t max_bytes = 64);

// The offset of the first byte that cannot occur in a text file (NUL, or a
// control character other than tab, newline, carriage return and form
// feed); npos when there is none. UTF-8 counts as text.
size_t FirstBinaryByte(absl::string_view bytes);

}  // namespace sparselab

#endif  // SPARSELAB_LIB_BASE_QUOTE_H_
