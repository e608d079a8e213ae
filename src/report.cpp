// placeholder (being written)
#include "mint/report.hpp"

#include "mint/error.hpp"

namespace mint {
void write_report(const std::string& dir) { throw Error("report: not built yet (" + dir + ")"); }
}  // namespace mint
