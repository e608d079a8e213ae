// Checks on drawn HTML and SVG text shared by test_report and test_svg: counting a substring,
// and finding geometry attributes that hold nan or inf.
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <vector>

namespace mint::test {

inline std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// Geometry attributes holding nan/inf anywhere (e.g. x="nan", transform="translate(nan,3)").
inline bool draws_non_finite(const std::string& html) {
  static const std::vector<std::string> attributes = {
      "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "transform", "viewBox"};
  for (const auto& a : attributes) {
    const std::string open = " " + a + "=\"";
    for (std::size_t p = html.find(open); p != std::string::npos; p = html.find(open, p + 1)) {
      const std::size_t begin = p + open.size(), end = html.find('"', begin);
      std::string value = html.substr(begin, end - begin);
      for (auto& ch : value) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (value.find("nan") != std::string::npos || value.find("inf") != std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace mint::test
