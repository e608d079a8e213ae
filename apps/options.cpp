// Numeric options' validators; see options.hpp.
#include "options.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.hpp"

namespace mint::cli {

namespace {

// The text of a bound: integers without a fraction, "inf" spelt out.
std::string bound(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

// "[lo, hi]", ">= lo" when hi is the type's maximum, "> lo" when open.
std::string range_text(const std::string& lo, const std::string& hi, bool unbounded, bool lo_open,
                       bool hi_open = false) {
  if (unbounded) return (lo_open ? "> " : ">= ") + lo;
  return std::string("in ") + (lo_open ? "(" : "[") + lo + ", " + hi + (hi_open ? ")" : "]");
}

std::string with_note(std::string error, const std::string& note) {
  if (!error.empty() && !note.empty()) error += " (" + note + ")";
  return error;
}

// A plain decimal number: an optional sign, digits with an optional fraction (or a fraction
// alone: ".5"), an optional exponent. Not strtod's hex floats ("0x10", "0x1p3"), "infinity"
// spellings or "nan(...)", nor "+-3".
bool is_decimal(const std::string& t) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i - from;
  };
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  std::size_t mantissa = digits();
  if (i < t.size() && t[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == t.size();
}

// NaN and infinity as written plainly ("nan", "-inf", "Infinity"): named "not finite".
bool is_plain_non_finite(const std::string& t) {
  std::string s = t.size() > 1 && (t[0] == '+' || t[0] == '-') ? t.substr(1) : t;
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s == "nan" || s == "inf" || s == "infinity";
}

// A signed zero ("-0", "-00"): 0, as every integer option takes it.
bool is_negative_zero(const std::string& text) {
  return text.size() > 1 && text[0] == '-' && text.find_first_not_of('0', 1) == std::string::npos;
}

CLI::Validator make(std::function<std::string(std::string&)> check, const std::string& desc) {
  return CLI::Validator(std::move(check), desc, "");
}

}  // namespace

std::string integer_error(const std::string& text, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  // from_chars takes a '-' but not a '+': skip one '+', before a digit only ("+-3" is no integer).
  const bool plus = text.size() > 1 && text[0] == '+' && text[1] >= '0' && text[1] <= '9';
  const char* first = text.data() + (plus ? 1 : 0);
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, v);
  if (ec == std::errc::result_out_of_range) return text + " does not fit a 64-bit integer";
  if (ec != std::errc() || end != last || first == last)
    return quote_value(text) + " is not an integer";
  if (v > hi && hi == kInt32Max) return text + " does not fit a 32-bit integer";
  if (v < lo || v > hi) {
    const bool unbounded = hi == kInt32Max || hi == kInt64Max;
    return text + " must be " +
           range_text(std::to_string(lo), std::to_string(hi), unbounded, false);
  }
  return "";
}

std::string unsigned64_error(const std::string& text) {
  if (is_negative_zero(text)) return "";
  if (!text.empty() && text[0] == '-') return text + " must be >= 0";
  std::uint64_t v = 0;
  const char* first = text.data() + (text.size() > 1 && text[0] == '+' ? 1 : 0);
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, v);
  if (ec == std::errc::result_out_of_range) return text + " does not fit a 64-bit unsigned integer";
  if (ec != std::errc() || end != last || first == last)
    return quote_value(text) + " is not an integer";
  return "";
}

std::string number_error(const std::string& text, double lo, double hi, bool lo_open,
                         bool hi_open) {
  if (is_plain_non_finite(text)) return text + " is not a finite number";
  if (!is_decimal(text)) return quote_value(text) + " is not a number";
  const double v = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(v)) {  // 1e400
    return text + " is not a finite number";
  }
  if ((lo_open ? !(v > lo) : !(v >= lo)) || (hi_open ? !(v < hi) : !(v <= hi))) {
    return text + " must be " + range_text(bound(lo), bound(hi), std::isinf(hi), lo_open, hi_open);
  }
  return "";
}

std::string canonical_integer(const std::string& text) {
  return std::to_string(std::strtoll(text.c_str(), nullptr, 10));
}

std::string canonical_unsigned64(const std::string& text) {
  return is_negative_zero(text) ? "0" : std::to_string(std::strtoull(text.c_str(), nullptr, 10));
}

std::string canonical_number(const std::string& text) {
  return std::strtod(text.c_str(), nullptr) == 0 ? "0" : text;
}

namespace {

// A validator that, when the text is good, rewrites it in its canonical form (`->transform`).
CLI::Validator canonical(std::function<std::string(const std::string&)> error,
                         std::string (*canonical_form)(const std::string&),
                         const std::string& desc) {
  return make(
      [=](std::string& s) {
        std::string e = error(s);
        if (e.empty()) s = canonical_form(s);
        return e;
      },
      desc);
}

}  // namespace

CLI::Validator integer(std::int64_t lo, std::int64_t hi, const std::string& note) {
  return canonical([=](const std::string& s) { return with_note(integer_error(s, lo, hi), note); },
                   canonical_integer,
                   "INT in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

CLI::Validator unsigned64() { return canonical(unsigned64_error, canonical_unsigned64, "UINT64"); }

CLI::Validator number(double lo, double hi, const std::string& note) {
  return canonical([=](const std::string& s) { return with_note(number_error(s, lo, hi), note); },
                   canonical_number, "NUMBER in [" + bound(lo) + ", " + bound(hi) + "]");
}

CLI::Validator number_between(double lo, double hi) {
  return canonical([=](const std::string& s) { return number_error(s, lo, hi, true, true); },
                   canonical_number, "NUMBER in (" + bound(lo) + ", " + bound(hi) + ")");
}

CLI::Validator number_above(double lo) {
  return canonical([=](const std::string& s) { return number_error(s, lo, kInf, true); },
                   canonical_number, "NUMBER > " + bound(lo));
}

CLI::Validator finite() {
  return canonical([](const std::string& s) { return number_error(s, -kInf, kInf); },
                   canonical_number, "NUMBER");
}

std::int64_t parse_integer(const std::string& flag, const std::string& text, std::int64_t lo,
                           std::int64_t hi) {
  const std::string e = integer_error(text, lo, hi);
  if (!e.empty()) throw Error(flag + ": " + e);
  return std::strtoll(text.c_str(), nullptr, 10);
}

std::uint64_t parse_unsigned64(const std::string& flag, const std::string& text) {
  const std::string e = unsigned64_error(text);
  if (!e.empty()) throw Error(flag + ": " + e);
  return std::strtoull(canonical_unsigned64(text).c_str(), nullptr, 10);
}

double parse_number(const std::string& flag, const std::string& text) {
  const std::string e = number_error(text, -kInf, kInf);
  if (!e.empty()) throw Error(flag + ": " + e);
  return std::strtod(canonical_number(text).c_str(), nullptr);
}

}  // namespace mint::cli
