// The README's result tables (Table 1, Figure 5B, layers, time per task) as
// Markdown, from result.json alone. The experiment writes them between the
// README's generated-block markers (lib/readme_block.h) whenever it rebuilds
// result.json, so the README always shows what result.json holds.
#ifndef SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_README_TABLES_H_
#define SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_README_TABLES_H_

#include <string>

#include "nlohmann/json.hpp"

namespace sparselab::hcwbsd {

std::string ReadmeTables(const nlohmann::json& result);

// 69902.5 -> "69,903"; -1234 -> "-1,234".
std::string WithThousands(double value);

}  // namespace sparselab::hcwbsd

#endif  // SPARSELAB_EXPERIMENTS_HOW_CAN_WE_BE_SO_DENSE_README_TABLES_H_
