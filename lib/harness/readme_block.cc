#include "lib/harness/readme_block.h"

#include <map>
#include <regex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/file_io.h"
#include "lib/base/status_macros.h"

namespace sparselab {
namespace {

const std::regex& BeginPattern() {
  static const std::regex re(R"(^<!-- table ([A-Za-z0-9_.-]+): generated from ([A-Za-z0-9_.-]+) -->$)");
  return re;
}

const std::regex& EndPattern() {
  static const std::regex re(R"(^<!-- end table ([A-Za-z0-9_.-]+) -->$)");
  return re;
}

struct Span {
  TableBlock block;
  size_t body_begin = 0;  // first byte after the begin line
  size_t body_end = 0;    // first byte of the end line
};

absl::StatusOr<std::vector<Span>> FindSpans(const std::string& text) {
  std::vector<Span> spans;
  std::set<std::string> names;
  bool open = false;
  Span current;
  size_t line_start = 0;
  int line_number = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    ++line_number;
    const std::string line = text.substr(line_start, line_end - line_start);
    std::smatch m;
    if (std::regex_match(line, m, BeginPattern())) {
      if (open) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", line_number, ": table '", m[1].str(), "' begins inside table '",
            current.block.name, "' (its end line '", TableBlockEnd(current.block.name),
            "' is missing)"));
      }
      if (!names.insert(m[1].str()).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line_number, ": table '", m[1].str(), "' appears twice"));
      }
      open = true;
      current = Span{{m[1].str(), m[2].str()}, std::min(line_end + 1, text.size()), 0};
    } else if (std::regex_match(line, m, EndPattern())) {
      if (!open || m[1].str() != current.block.name) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", line_number, ": '", line, "' ends a table that did not begin here"));
      }
      current.body_end = line_start;
      spans.push_back(current);
      open = false;
    }
    line_start = line_end + 1;
  }
  if (open) {
    return absl::InvalidArgumentError(absl::StrCat("table '", current.block.name,
                                                   "' has no end line '",
                                                   TableBlockEnd(current.block.name), "'"));
  }
  return spans;
}

}  // namespace

std::string TableBlockBegin(const TableBlock& block) {
  return absl::StrCat("<!-- table ", block.name, ": generated from ", block.file, " -->");
}

std::string TableBlockEnd(const std::string& name) {
  return absl::StrCat("<!-- end table ", name, " -->");
}

absl::StatusOr<std::vector<TableBlock>> FindTableBlocks(const std::string& text) {
  ASSIGN_OR_RETURN(std::vector<Span> spans, FindSpans(text));
  std::vector<TableBlock> blocks;
  for (const Span& s : spans) blocks.push_back(s.block);
  return blocks;
}

absl::StatusOr<std::string> ReplaceTableBlocks(const std::string& text,
                                               const BlockRenderer& render) {
  ASSIGN_OR_RETURN(std::vector<Span> spans, FindSpans(text));
  std::string out;
  size_t copied = 0;
  for (const Span& s : spans) {
    ASSIGN_OR_RETURN(std::string body,
                     render(s.block, text.substr(s.body_begin, s.body_end - s.body_begin)));
    if (!body.empty() && body.back() != '\n') body += '\n';
    absl::StrAppend(&out, text.substr(copied, s.body_begin - copied), body);
    copied = s.body_end;
  }
  absl::StrAppend(&out, text.substr(copied));
  return out;
}

absl::Status RefreshReadmeTables(const std::string& readme_path,
                                 const std::vector<TableSpec>& specs,
                                 const std::string& results_dir, const std::string& only_file) {
  ASSIGN_OR_RETURN(const std::string text, ReadFile(readme_path));
  std::map<std::string, nlohmann::json> results;  // file -> parsed, or null if missing
  auto render = [&](const TableBlock& block) -> absl::StatusOr<std::string> {
    const TableSpec* spec = nullptr;
    std::vector<std::string> names;
    for (const TableSpec& s : specs) {
      names.push_back(s.name);
      if (s.name == block.name) spec = &s;
    }
    if (spec == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "table '", block.name, "' is not declared in config.json \"tables\" (declared: ",
          names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
    }
    auto it = results.find(block.file);
    if (it == results.end()) {
      absl::StatusOr<nlohmann::json> r = ReadJsonFile(absl::StrCat(results_dir, "/", block.file));
      if (!r.ok() && r.status().code() != absl::StatusCode::kNotFound) return r.status();
      it = results.emplace(block.file, r.ok() ? *r : nlohmann::json()).first;
    }
    if (it->second.is_null()) return std::string("(no result file yet)\n");
    return RenderTable(*spec, it->second);
  };
  absl::StatusOr<std::string> replaced = ReplaceTableBlocks(
      text, [&](const TableBlock& block, const std::string& old_body) -> absl::StatusOr<std::string> {
        if (!only_file.empty() && block.file != only_file) return old_body;
        return render(block);
      });
  if (!replaced.ok()) {
    return absl::Status(replaced.status().code(),
                        absl::StrCat(readme_path, ": ", replaced.status().message()));
  }
  if (*replaced == text) return absl::OkStatus();
  return WriteFileAtomically(readme_path, *replaced);
}

}  // namespace sparselab
